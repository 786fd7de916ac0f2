package sse

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the known-answer files in testdata/ from the code (changes the format on disk: review the diff)")

// detRand is a deterministic randomness source for vectors and tests.
func detRand(seed byte) *rand.ChaCha8 {
	var s [32]byte
	s[0] = seed
	return rand.NewChaCha8(s)
}

// testKey returns a deterministic KeySize key.
func testKey(seed byte) []byte {
	k := make([]byte, KeySize)
	detRand(seed).Read(k)
	return k
}

// pattern returns n plaintext bytes that differ from package to package and
// from offset to offset (byte i = (i*7 + i>>16) mod 251).
func pattern(n int64) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = patternByte(int64(i))
	}
	return b
}

func patternByte(i int64) byte { return byte((i*7 + i>>16) % 251) }

// encrypt encrypts pt under key with a deterministic nonce.
func encrypt(t testing.TB, key, pt []byte, seed byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := newWriter(&buf, key, detRand(seed))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(pt); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// decryptAll decrypts a whole stream with NewReader.
func decryptAll(key, ct []byte, size int64) ([]byte, error) {
	r, err := NewReader(bytes.NewReader(ct), key, size)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// refPackage is an independent implementation of DARE 2.0 package
// encryption (sio's DARE.md): header = 0x20 | cipher 0x00 | uint16le(len-1)
// | nonce[12] with bit 0x80 of nonce[0] set on the final package and
// cleared on the others; the AEAD
// nonce is the header nonce with its last 4 bytes XORed (little-endian) with
// the sequence number; the associated data is header[0:4].
func refPackage(aead cipher.AEAD, nonce [12]byte, seq uint32, final bool, payload []byte) []byte {
	hdr := make([]byte, 16, 16+len(payload)+16)
	hdr[0], hdr[1] = 0x20, 0x00
	binary.LittleEndian.PutUint16(hdr[2:], uint16(len(payload)-1))
	copy(hdr[4:], nonce[:])
	if final {
		hdr[4] |= 0x80
	} else {
		hdr[4] &= 0x7F
	}
	var n [12]byte
	copy(n[:], hdr[4:])
	binary.LittleEndian.PutUint32(n[8:], binary.LittleEndian.Uint32(n[8:])^seq)
	return aead.Seal(hdr, n[:], payload, hdr[:4])
}

// genObject is a generated (never materialised) encrypted object of size
// plaintext bytes of pattern(), built package by package on demand with
// refPackage. It counts the bytes read from it.
type genObject struct {
	aead  cipher.AEAD
	nonce [12]byte
	size  int64
	read  atomic.Int64
}

func newGenObject(t testing.TB, key []byte, size int64) *genObject {
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, _ := cipher.NewGCM(block)
	g := &genObject{aead: aead, size: size}
	detRand(99).Read(g.nonce[:])
	return g
}

func (g *genObject) encSize() int64 { n, _ := EncryptedSize(g.size); return n }

func (g *genObject) pkg(i int64) []byte {
	start := i * PayloadSize
	end := min(start+PayloadSize, g.size)
	payload := make([]byte, end-start)
	for j := range payload {
		payload[j] = patternByte(start + int64(j))
	}
	return refPackage(g.aead, g.nonce, uint32(i), end == g.size, payload)
}

func (g *genObject) ReadAt(p []byte, off int64) (int, error) {
	es := g.encSize()
	if off >= es {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && off < es {
		i := off / PackageSize
		c := copy(p[n:], g.pkg(i)[off-i*PackageSize:])
		n += c
		off += int64(c)
	}
	g.read.Add(int64(n))
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
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
	sc.Buffer(nil, 1<<20)
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

func (v vector) int(t testing.TB, name string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(v.str(t, name), 10, 64)
	if err != nil {
		t.Fatalf("%s: %s: %v", v.path, name, err)
	}
	return n
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
