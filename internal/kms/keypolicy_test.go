package kms

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestConsoleKeyPolicy(t *testing.T) {
	tests := []struct {
		name      string
		in        ConsoleKeyPolicyInput
		wantSids  []string
		wantUsage string
	}{
		{name: "admin and user, symmetric", in: ConsoleKeyPolicyInput{Account: "111122223333",
			Admins: []string{"arn:aws:iam::111122223333:user/jack"}, Users: []string{"arn:aws:iam::111122223333:user/jack"}},
			wantSids:  []string{"Enable IAM User Permissions", "Allow access for Key Administrators", "Allow use of the key", "Allow attachment of persistent resources"},
			wantUsage: "kms:GenerateDataKey*"},
		{name: "no principals", in: ConsoleKeyPolicyInput{Account: "111122223333"}, wantSids: []string{"Enable IAM User Permissions"}},
		{name: "hmac has no attachment statement", in: ConsoleKeyPolicyInput{Account: "111122223333", KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC",
			Users: []string{"arn:aws:iam::111122223333:role/app"}},
			wantSids: []string{"Enable IAM User Permissions", "Allow use of the key"}, wantUsage: "kms:GenerateMac"},
		{name: "signing key", in: ConsoleKeyPolicyInput{Account: "111122223333", KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY",
			Users: []string{"arn:aws:iam::111122223333:role/app"}},
			wantSids: []string{"Enable IAM User Permissions", "Allow use of the key", "Allow attachment of persistent resources"}, wantUsage: "kms:Sign"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := ConsoleKeyPolicy(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			var p struct {
				ID        string `json:"Id"`
				Statement []struct {
					Sid    string
					Action any
				}
			}
			if err := json.Unmarshal([]byte(doc), &p); err != nil {
				t.Fatal(err)
			}
			if p.ID != "key-consolepolicy-3" || len(p.Statement) != len(tt.wantSids) {
				t.Fatalf("policy %s", doc)
			}
			for i, s := range p.Statement {
				if s.Sid != tt.wantSids[i] {
					t.Errorf("statement %d Sid %q, want %q", i, s.Sid, tt.wantSids[i])
				}
			}
			if tt.wantUsage != "" && !strings.Contains(doc, `"`+tt.wantUsage+`"`) {
				t.Errorf("policy lacks %s: %s", tt.wantUsage, doc)
			}
			if err := checkPolicyDocument(doc); err != nil {
				t.Errorf("generated policy fails the document check: %v", err)
			}
		})
	}
	if _, err := ConsoleKeyPolicy(ConsoleKeyPolicyInput{Account: "1"}); err == nil {
		t.Error("bad account accepted")
	}
}
