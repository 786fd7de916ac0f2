package arn

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    ARN
		wantErr bool
	}{
		{name: "kms key", in: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
			want: ARN{"aws", "kms", "us-east-1", "111122223333", "key/1234abcd-12ab-34cd-56ef-1234567890ab"}},
		{name: "iam root has no region", in: "arn:aws:iam::111122223333:root",
			want: ARN{"aws", "iam", "", "111122223333", "root"}},
		{name: "resource keeps colons", in: "arn:aws:kms:us-east-1:111122223333:alias/a:b",
			want: ARN{"aws", "kms", "us-east-1", "111122223333", "alias/a:b"}},
		{name: "not an arn", in: "alias/foo", wantErr: true},
		{name: "too few parts", in: "arn:aws:kms:us-east-1", wantErr: true},
		{name: "empty service", in: "arn:aws::us-east-1:1:x", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Parse(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Fatalf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if err == nil && got.String() != tt.in {
				t.Fatalf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestValidRegion(t *testing.T) {
	for _, r := range []string{"us-east-1", "eu-central-1", "us-gov-west-1", "ap-southeast-2"} {
		if !ValidRegion(r) {
			t.Errorf("ValidRegion(%q) = false", r)
		}
	}
	for _, r := range []string{"", "us", "us-east", "US-east-1", "us-east-1a", "a-b-c-d-1", "us--1"} {
		if ValidRegion(r) {
			t.Errorf("ValidRegion(%q) = true", r)
		}
	}
}

func TestValidAccountID(t *testing.T) {
	if !ValidAccountID("111122223333") || ValidAccountID("11112222333") || ValidAccountID("11112222333x") {
		t.Fatal("ValidAccountID wrong")
	}
}
