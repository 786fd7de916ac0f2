package arch

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/coffer-kms/coffer/"

// allowed lists, for each package, the project packages it may import
// (directly or not). Dependencies point down DESIGN.md's table; service
// packages (iam, kms, s3) never import each other.
var allowed = map[string][]string{
	"internal/arn":               {},
	"internal/awsproto":          {},
	"internal/config":            {},
	"internal/keyring":           {"internal/third_party/mldsa"},
	"internal/third_party/mldsa": {},
	"internal/store":             {},
	"internal/sigv4":             {},
	"internal/store/sqlstore":    {"internal/store"},
	"internal/store/sqlite":      {"internal/store", "internal/store/sqlstore"},
	"internal/store/postgres":    {"internal/store", "internal/store/sqlstore"},
	"internal/store/storetest":   {"internal/store"},
	"internal/iam":               {"internal/arn", "internal/awsproto", "internal/keyring", "internal/policy", "internal/store"},
	"internal/kms":               {"internal/arn", "internal/awsproto", "internal/keyring", "internal/store"},
	"internal/s3":                {"internal/arn", "internal/awsproto", "internal/blob", "internal/checksum", "internal/keyring", "internal/policy", "internal/sse", "internal/store"},
	"internal/server":            {"internal/arn", "internal/awsproto", "internal/blob", "internal/checksum", "internal/iam", "internal/keyring", "internal/kms", "internal/policy", "internal/s3", "internal/sigv4", "internal/sse", "internal/store"},
	"internal/bench":             {},
	"internal/blob":              {},
	"internal/checksum":          {},
	"internal/sse":               {"internal/keyring"},
	"internal/envelope":          {},
	"internal/httpfast":          {},
	"internal/policy":            {"internal/arn"},
	"internal/authz":             {"internal/arn", "internal/awsproto", "internal/keyring", "internal/kms", "internal/policy", "internal/store"},
}

// thirdParty says which project package may import each copy of outside
// code in internal/third_party; packages that depend on that package may
// then reach it too.
var thirdParty = map[string]string{
	"internal/third_party/mldsa": "internal/keyring",
}

// allowsThirdParty reports whether name may reach dep through the package
// thirdParty names for it.
func allowsThirdParty(name, dep string) bool {
	owner := thirdParty[dep]
	if owner == "" {
		return false
	}
	if name == owner {
		return true
	}
	for _, a := range allowed[name] {
		if a == owner {
			return true
		}
	}
	return false
}

type pkg struct {
	ImportPath string
	Deps       []string
}

func TestDependencyRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Deps", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := map[string]bool{}
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(p.ImportPath, module)
		allow, ok := allowed[name]
		if !ok {
			continue // cmd/coffer, internal/app and tests may import anything
		}
		seen[name] = true
		ok2 := map[string]bool{}
		for _, a := range allow {
			ok2[a] = true
		}
		for _, d := range p.Deps {
			if !strings.HasPrefix(d, module) {
				continue
			}
			dep := strings.TrimPrefix(d, module)
			if strings.HasPrefix(dep, "internal/third_party/") && name != dep {
				// Vetted outside code kept in the tree counts as a
				// dependency of the package that imports it (its own
				// entry says which), like a module would.
				if !ok2[dep] && !allowsThirdParty(name, dep) {
					t.Errorf("%s imports %s, which DESIGN.md's layout does not allow", name, dep)
				}
				continue
			}
			if !ok2[dep] {
				t.Errorf("%s imports %s, which DESIGN.md's layout does not allow", name, dep)
			}
		}
	}
	for name := range allowed {
		if !seen[name] {
			t.Errorf("package %s in the rules does not exist any more: update the rules", name)
		}
	}
}
