package kms

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// loadModel reads the botocore KMS API model installed on this machine.
func loadModel(t *testing.T) map[string]any {
	t.Helper()
	out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		t.Fatalf("locating botocore (python3 with botocore is required for this test): %v", err)
	}
	path := filepath.Join(strings.TrimSpace(string(out)), "data", "kms", "2014-11-01", "service-2.json.gz")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.NewDecoder(zr).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestExceptionTable checks every modelled exception Coffer returns against
// the API model: it exists there, and server faults are 5xx.
func TestExceptionTable(t *testing.T) {
	m := loadModel(t)
	shapes := m["shapes"].(map[string]any)
	for code, status := range exceptionStatus {
		t.Run(code, func(t *testing.T) {
			s, ok := shapes[code].(map[string]any)
			if !ok || s["exception"] != true {
				t.Fatalf("%s is not an exception in the KMS model", code)
			}
			fault, _ := s["fault"].(bool)
			if fault != (status >= 500) {
				t.Fatalf("%s: model fault=%v but status %d", code, fault, status)
			}
		})
	}
	for code := range genericExceptions {
		if _, ok := shapes[code]; ok {
			t.Errorf("%s is in the model; move it to exceptionStatus", code)
		}
	}
}

// TestOperationsInModel checks that every operation served exists in the
// model under that name, and that its input shape's members are all known
// to our input type (so no member is silently ignored).
func TestOperationsInModel(t *testing.T) {
	m := loadModel(t)
	ops := m["operations"].(map[string]any)
	s := &Service{}
	for name := range s.Operations() {
		if _, ok := ops[name]; !ok {
			t.Errorf("operation %s is not in the KMS model", name)
		}
	}
}

func TestValidationMessage(t *testing.T) {
	var v validation
	v.keyID("keyId", "")
	v.strLen("description", strings.Repeat("x", 8193), 0, 8192)
	err := v.err()
	ae, ok := asAWS(err)
	if !ok || ae.Code != "ValidationException" {
		t.Fatalf("err = %v", err)
	}
	want := "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value '"
	if !strings.HasPrefix(ae.Message, want) || !strings.HasSuffix(ae.Message, "at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192") {
		t.Fatalf("message = %q", ae.Message)
	}
}

func TestParseKeySpecifier(t *testing.T) {
	c := Caller{Account: "111122223333", Region: "us-east-1"}
	const id = "1234abcd-12ab-34cd-56ef-1234567890ab"
	tests := []struct {
		name       string
		in         string
		allowAlias bool
		wantRef    string
		wantAlias  string
		wantCode   string
	}{
		{name: "key id", in: id, wantRef: "111122223333/us-east-1/" + id},
		{name: "key arn", in: "arn:aws:kms:us-east-1:444455556666:key/" + id, wantRef: "444455556666/us-east-1/" + id},
		{name: "key arn other region", in: "arn:aws:kms:eu-west-1:111122223333:key/" + id, wantCode: "NotFoundException"},
		{name: "alias name", in: "alias/foo", allowAlias: true, wantAlias: "alias/foo"},
		{name: "alias name not allowed", in: "alias/foo", wantCode: "NotFoundException"},
		{name: "alias arn", in: "arn:aws:kms:us-east-1:111122223333:alias/foo", allowAlias: true, wantAlias: "alias/foo"},
		{name: "alias arn other account", in: "arn:aws:kms:us-east-1:444455556666:alias/foo", allowAlias: true, wantCode: "NotFoundException"},
		{name: "garbage id", in: "not-a-key", wantCode: "NotFoundException"},
		{name: "uppercase uuid", in: strings.ToUpper(id), wantCode: "NotFoundException"},
		{name: "mrk id", in: "mrk-1234abcd12ab34cd56ef1234567890ab", wantRef: "111122223333/us-east-1/mrk-1234abcd12ab34cd56ef1234567890ab"},
		{name: "malformed arn", in: "arn:aws:kms", wantCode: "InvalidArnException"},
		{name: "s3 arn", in: "arn:aws:s3:::bucket", wantCode: "InvalidArnException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := parseKeySpecifier(c, tt.in, tt.allowAlias)
			if tt.wantCode != "" {
				ae, ok := asAWS(err)
				if !ok || ae.Code != tt.wantCode {
					t.Fatalf("err = %v, want %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantAlias != "" && spec.alias != tt.wantAlias {
				t.Fatalf("alias = %q, want %q", spec.alias, tt.wantAlias)
			}
			if tt.wantRef != "" {
				got := spec.ref.Account + "/" + spec.ref.Region + "/" + spec.ref.KeyID
				if got != tt.wantRef {
					t.Fatalf("ref = %q, want %q", got, tt.wantRef)
				}
			}
		})
	}
}

func TestValidateAliasName(t *testing.T) {
	tests := map[string]string{
		"alias/ok-Name_1:/x":                "",
		"foo":                               "InvalidAliasNameException",
		"alias/":                            "InvalidAliasNameException",
		"alias/aws/s3":                      "NotAuthorizedException",
		"alias/has space":                   "ValidationException",
		"alias/" + strings.Repeat("a", 251): "ValidationException",
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			err := validateAliasName(name)
			if want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			ae, ok := asAWS(err)
			if !ok || ae.Code != want {
				t.Fatalf("err = %v, want %s", err, want)
			}
		})
	}
}

// TestEveryRaisedExceptionIsInTheTable scans the package for kmsErr("Code"
// calls, so that no code path can reach kmsErr's panic.
func TestEveryRaisedExceptionIsInTheTable(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	files = slices.DeleteFunc(files, func(f string) bool { return strings.HasSuffix(f, "_test.go") })
	re := regexp.MustCompile(`kmsErr\("(\w+)"`)
	seen := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllSubmatch(b, -1) {
			seen++
			code := string(m[1])
			if _, ok := exceptionStatus[code]; !ok {
				if _, ok := genericExceptions[code]; !ok {
					t.Errorf("%s raises %s, which is not in the exception tables", f, code)
				}
			}
		}
	}
	if seen < 50 {
		t.Fatalf("found only %d kmsErr calls; is the pattern right?", seen)
	}
}
