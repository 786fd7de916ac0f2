package arch

import (
	"os"
	"regexp"
	"testing"

	"github.com/coffer-kms/coffer/internal/iam"
	"github.com/coffer-kms/coffer/internal/kms"
	"github.com/coffer-kms/coffer/internal/s3"
)

// TestREADMECompatibility keeps the README's tables true: an operation is
// marked supported exactly when the server serves it.
func TestREADMECompatibility(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	kmsOps := map[string]bool{}
	for name := range (&kms.Service{}).Operations() {
		kmsOps[name] = true
	}
	iamOps, stsOps := map[string]bool{}, map[string]bool{}
	for name := range (&iam.Service{}).Operations() {
		iamOps[name] = true
	}
	for name := range (&iam.Service{}).STSOperations() {
		stsOps[name] = true
	}
	s3Ops := map[string]bool{}
	for name := range (&s3.Service{}).Operations() {
		s3Ops[name] = true
	}
	checkTable(t, b, "AWS KMS", kmsOps, 50)
	checkTable(t, b, "Amazon S3", s3Ops, 100)
	checkTable(t, b, "AWS IAM", iamOps, 150)
	checkTable(t, b, "AWS STS", stsOps, 10)
}

func checkTable(t *testing.T, readme []byte, title string, served map[string]bool, minRows int) {
	t.Helper()
	section := regexp.MustCompile(`(?s)### ` + title + `.*?\n\n(.*?)\n\n`).FindSubmatch(readme)
	if section == nil {
		t.Fatalf("README has no %s compatibility table", title)
	}
	rows := regexp.MustCompile(`(?m)^\| (\w+) \| (yes|no) \|`).FindAllSubmatch(section[1], -1)
	marked := map[string]bool{}
	for _, r := range rows {
		name, yes := string(r[1]), string(r[2]) == "yes"
		marked[name] = true
		if served[name] != yes {
			t.Errorf("README says %s %s supported=%v, the server says %v", title, name, yes, served[name])
		}
	}
	for name := range served {
		if !marked[name] {
			t.Errorf("README's %s table lacks %s", title, name)
		}
	}
	if len(rows) < minRows {
		t.Errorf("README's %s table has %d rows; want at least %d", title, len(rows), minRows)
	}
}
