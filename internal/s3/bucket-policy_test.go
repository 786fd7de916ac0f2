package s3

import (
	"errors"
	"testing"

	"github.com/coffer-kms/coffer/internal/awsproto"
)

func TestValidateBucketPolicy(t *testing.T) {
	const ok = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}]}`
	for _, tc := range []struct {
		name, doc, msg string
	}{
		{"valid", ok, ""},
		{"wildcard bucket", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::*/*"}]}`, ""},
		{"NotPrincipal", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"NotAction":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, ""},
		{"empty", ``, msgPolicyNotJSON},
		{"array", `[]`, msgPolicyNotJSON},
		{"no principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, msgPolicyPrincipal},
		{"iam action", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"iam:GetUser","Resource":"arn:aws:s3:::b/*"}]}`, msgPolicyAction},
		{"other bucket", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::c/*"}]}`, msgPolicyResource},
		{"bucket prefix", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bb/*"}]}`, msgPolicyResource},
		{"kms resource", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:kms:us-east-1:111122223333:key/x"}]}`, msgPolicyResource},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateBucketPolicy("b", tc.doc)
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("ValidateBucketPolicy: %v", err)
				}
				return
			}
			var e *awsproto.S3Error
			if !errors.As(err, &e) || e.Err.Code != awsproto.S3MalformedPolicy || e.Err.Message != tc.msg {
				t.Fatalf("ValidateBucketPolicy = %v, want MalformedPolicy %q", err, tc.msg)
			}
		})
	}
}

func FuzzValidateBucketPolicy(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`)
	f.Add(`{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":["*"]},"NotAction":"s3:*","NotResource":"arn:aws:s3:::b","Condition":{"Bool":{"aws:SecureTransport":"false"}}}}`)
	f.Add(`{`)
	f.Fuzz(func(t *testing.T, doc string) {
		err := ValidateBucketPolicy("b", doc)
		if err == nil {
			return
		}
		var e *awsproto.S3Error
		if !errors.As(err, &e) || e.Err.Code != awsproto.S3MalformedPolicy || e.Err.Status != 400 {
			t.Fatalf("ValidateBucketPolicy(%q) = %v, want MalformedPolicy", doc, err)
		}
	})
}
