package iam

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// loadModel reads a botocore API model installed on this machine.
func loadModel(t *testing.T, service, version string) map[string]any {
	t.Helper()
	out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		t.Fatalf("locating botocore (python3 with botocore is required for this test): %v", err)
	}
	f, err := os.Open(filepath.Join(strings.TrimSpace(string(out)), "data", service, version, "service-2.json.gz"))
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

// notModelled are the codes of errorStatus that are in neither API model:
// the Query protocol's and authentication's own.
var notModelled = map[string]bool{
	"ValidationError": true, "AccessDenied": true, "InvalidAction": true, "MissingAction": true,
	"InvalidClientTokenId": true, "SignatureDoesNotMatch": true, "IncompleteSignature": true,
	"MissingAuthenticationToken": true, "ExpiredToken": true,
}

// TestErrorTable checks each modelled code of errorStatus against the IAM
// or STS model: the code exists there with the same HTTP status.
func TestErrorTable(t *testing.T) {
	modelled := map[string]float64{}
	for _, m := range []map[string]any{loadModel(t, "iam", IAMVersion), loadModel(t, "sts", STSVersion)} {
		for _, sh := range m["shapes"].(map[string]any) {
			s := sh.(map[string]any)
			if s["exception"] != true {
				continue
			}
			if e, ok := s["error"].(map[string]any); ok {
				modelled[e["code"].(string)] = e["httpStatusCode"].(float64)
			}
		}
	}
	for code, status := range errorStatus {
		t.Run(code, func(t *testing.T) {
			want, ok := modelled[code]
			switch {
			case notModelled[code] && ok:
				t.Fatalf("%s is in a model; drop it from notModelled", code)
			case notModelled[code]:
			case !ok:
				t.Fatalf("%s is not an error code of the IAM or STS model", code)
			case int(want) != status:
				t.Fatalf("%s: status %d, model says %v", code, status, want)
			}
		})
	}
}

// TestOperationsModelled checks every served Action against the models.
func TestOperationsModelled(t *testing.T) {
	s := &Service{}
	for _, c := range []struct {
		name, version string
		ops           map[string]Operation
	}{{"iam", IAMVersion, s.Operations()}, {"sts", STSVersion, s.STSOperations()}} {
		model := loadModel(t, c.name, c.version)["operations"].(map[string]any)
		for op := range c.ops {
			if _, ok := model[op]; !ok {
				t.Errorf("%s %s is not in the model", c.name, op)
			}
		}
	}
}
