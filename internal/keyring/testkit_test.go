package keyring

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the known-answer files in testdata/ from the code (changes the format on disk: review the diff)")

// detRand is a deterministic randomness source for vectors and tests.
func detRand(seed byte) *rand.ChaCha8 {
	var s [32]byte
	s[0] = seed
	return rand.NewChaCha8(s)
}

// vector is one known-answer file: "name: value" lines, '#' comments.
type vector struct {
	path   string
	fields map[string]string
}

func readVector(t testing.TB, path string) vector {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v := vector{path: path, fields: map[string]string{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("%s: bad line %q", path, line)
		}
		v.fields[name] = strings.TrimSpace(value)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return v
}

func (v vector) str(t testing.TB, name string) string {
	t.Helper()
	s, ok := v.fields[name]
	if !ok {
		t.Fatalf("%s: missing %q", v.path, name)
	}
	return s
}

func (v vector) hex(t testing.TB, name string) []byte {
	t.Helper()
	b, err := hex.DecodeString(v.str(t, name))
	if err != nil {
		t.Fatalf("%s: %s: %v", v.path, name, err)
	}
	return b
}

func (v vector) uint32(t testing.TB, name string) uint32 {
	t.Helper()
	n, err := strconv.ParseUint(v.str(t, name), 10, 32)
	if err != nil {
		t.Fatalf("%s: %s: %v", v.path, name, err)
	}
	return uint32(n)
}

func (v vector) context(t testing.TB, name string) map[string]string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal([]byte(v.str(t, name)), &m); err != nil {
		t.Fatalf("%s: %s: %v", v.path, name, err)
	}
	return m
}

// writeVector writes a known-answer file; fields is name, value, name, ...
func writeVector(t testing.TB, path, comment string, fields ...string) {
	t.Helper()
	var b bytes.Buffer
	for _, line := range strings.Split(comment, "\n") {
		fmt.Fprintf(&b, "# %s\n", line)
	}
	for i := 0; i < len(fields); i += 2 {
		fmt.Fprintf(&b, "%s: %s\n", fields[i], fields[i+1])
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func vectorFiles(t testing.TB, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no testdata/%s files", pattern)
	}
	sort.Strings(files)
	return files
}

func jsonContext(m map[string]string) string {
	if m == nil {
		return "{}"
	}
	b, _ := json.Marshal(m) // sorted keys
	return string(b)
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
