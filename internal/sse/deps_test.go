package sse

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports keeps the package's dependencies to those DESIGN.md allows:
// the standard library, golang.org/x/crypto, github.com/minio/sio and
// internal/keyring.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, imp := range strings.Fields(string(out)) {
		switch {
		case !strings.Contains(strings.SplitN(imp, "/", 2)[0], "."): // standard library
		case strings.HasPrefix(imp, "golang.org/x/crypto/"), imp == "github.com/minio/sio",
			imp == "github.com/coffer-kms/coffer/internal/keyring":
		default:
			t.Errorf("internal/sse imports %s", imp)
		}
	}
}
