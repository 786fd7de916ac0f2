package authz

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/coffer-kms/coffer/internal/kms"
)

func TestExplain(t *testing.T) {
	f := newFixture(t)
	k := f.key(t, keyPolicy(rootStatement))
	f.userPolicy(t, "alice", iamPolicy(`{"Sid":"UseKeys","Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}`))
	c, err := CallerFromARN("arn:aws:iam::111122223333:user/alice", "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	d, err := f.a.Explain(context.Background(), &out, &kms.AuthzRequest{Caller: c, Action: "kms:Encrypt", Resource: keyARN, Key: k})
	if err != nil || !d.Allowed {
		t.Fatalf("decision %+v, %v", d, err)
	}
	for _, want := range []string{"ALLOWED", "Enable IAM User Permissions", "principal matched: Account", "user/alice/p: UseKeys"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("explanation lacks %q:\n%s", want, out.String())
		}
	}
	for _, bad := range []string{"arn:aws:iam::1:user/x", "arn:aws:s3:::bucket", "alice"} {
		if _, err := CallerFromARN(bad, "us-east-1"); err == nil {
			t.Errorf("CallerFromARN(%q) accepted", bad)
		}
	}
	r, err := CallerFromARN("arn:aws:sts::111122223333:assumed-role/app/s1", "us-east-1")
	if err != nil || r.RoleARN != "arn:aws:iam::111122223333:role/app" {
		t.Fatalf("assumed role caller %+v, %v", r, err)
	}
}
