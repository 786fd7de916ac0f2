package sse

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Known-answer files in testdata/ pin every format this package writes.
// Regenerate with `go test -run Vectors -update` only for a deliberate format
// change (and then bump the version byte).

var streamVectors = []struct {
	name string
	size int64
	full bool // store the whole ciphertext, not just its SHA-256
}{
	{"empty", 0, true},
	{"one-byte", 1, true},
	{"33-bytes", 33, true},
	{"one-full-package", PayloadSize, false},
	{"package-plus-one", PayloadSize + 1, false},
	{"four-packages-odd", size4, false},
}

const streamComment = `DARE 2.0 stream (github.com/minio/sio v0.4.1, AES-256-GCM, 64 KiB packages).
plaintext = byte i is (i*7 + i>>16) mod 251; nonce = the 12 bytes the writer reads
from its randomness source. See docs/object-encryption.md.`

func TestStreamVectors(t *testing.T) {
	if *update {
		for i, v := range streamVectors {
			key, nonce := testKey(byte(20+i)), testKey(byte(40 + i))[:12]
			ct := encrypt2(t, key, pattern(v.size), nonce)
			sum := sha256.Sum256(ct)
			fields := []string{"key", hex.EncodeToString(key), "nonce", hex.EncodeToString(nonce),
				"size", strconv.FormatInt(v.size, 10), "encrypted-size", strconv.Itoa(len(ct)),
				"ciphertext-sha256", hex.EncodeToString(sum[:])}
			if v.full {
				fields = append(fields, "ciphertext", hex.EncodeToString(ct))
			}
			writeVector(t, filepath.Join("testdata", "stream-v1-"+v.name+".txt"), streamComment, fields...)
		}
	}
	for _, path := range vectorFiles(t, "stream-v1-*.txt") {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			v := readVector(t, path)
			key, nonce, size := v.hex(t, "key"), v.hex(t, "nonce"), v.int(t, "size")
			pt := pattern(size)
			ct := encrypt2(t, key, pt, nonce)
			sum := sha256.Sum256(ct)
			if int64(len(ct)) != v.int(t, "encrypted-size") || hex.EncodeToString(sum[:]) != v.str(t, "ciphertext-sha256") {
				t.Fatal("the writer's output differs from the known answer: the format drifted")
			}
			if _, ok := v.fields["ciphertext"]; ok && !bytes.Equal(ct, v.hex(t, "ciphertext")) {
				t.Fatal("ciphertext differs from the known answer")
			}
			got, err := decryptAll(key, ct, size)
			if err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("known answer does not decrypt: %v", err)
			}
		})
	}
}

func encrypt2(t testing.TB, key, pt, nonce []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := newWriter(&buf, key, bytes.NewReader(nonce))
	if err != nil {
		t.Fatal(err)
	}
	w.Write(pt)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var sealVectors = []struct {
	name string
	b    Binding
}{
	{"sse-s3", Binding{DomainS3, "photos", "2026/cat.jpg"}},
	{"sse-kms", Binding{DomainKMS, "ledger", "q3/report.pdf"}},
	{"sse-c-unicode-key", Binding{DomainC, "b", "dir/ünïcödé ☃.txt"}},
	{"sse-s3-empty-names", Binding{Domain: DomainS3}},
}

func TestSealVectors(t *testing.T) {
	if *update {
		for i, v := range sealVectors {
			kek, obj, salt := testKey(byte(60+i)), testKey(byte(70+i)), testKey(byte(80+i))
			sealed, err := seal(bytes.NewReader(salt), kek, obj, v.b)
			if err != nil {
				t.Fatal(err)
			}
			writeVector(t, filepath.Join("testdata", "sealed-v1-"+v.name+".txt"),
				"Sealed object key, version 1. See docs/object-encryption.md.",
				"kek", hex.EncodeToString(kek), "object-key", hex.EncodeToString(obj),
				"domain", string(v.b.Domain), "bucket", strconv.Quote(v.b.Bucket), "object", strconv.Quote(v.b.Object),
				"salt", hex.EncodeToString(salt), "sealed", hex.EncodeToString(sealed))
		}
	}
	for _, path := range vectorFiles(t, "sealed-v1-*.txt") {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			v := readVector(t, path)
			bucket, err1 := strconv.Unquote(v.str(t, "bucket"))
			object, err2 := strconv.Unquote(v.str(t, "object"))
			if err1 != nil || err2 != nil {
				t.Fatal("bad bucket or object")
			}
			b := Binding{Domain(v.str(t, "domain")), bucket, object}
			kek, obj, sealed := v.hex(t, "kek"), v.hex(t, "object-key"), v.hex(t, "sealed")
			got, err := seal(bytes.NewReader(v.hex(t, "salt")), kek, obj, b)
			if err != nil || !bytes.Equal(got, sealed) {
				t.Fatalf("Seal differs from the known answer: %v", err)
			}
			key, err := Unseal(kek, sealed, b)
			if err != nil || !bytes.Equal(key, obj) {
				t.Fatalf("known answer does not unseal: %v", err)
			}
		})
	}
}

func TestDerivationVectors(t *testing.T) {
	path := filepath.Join("testdata", "derive-v1.txt")
	obj := testKey(90)
	raw := testKey(91)
	keyB64, md5B64 := customerHeaders(raw)
	ck, err := ParseCustomerKey("AES256", keyB64, md5B64)
	if err != nil {
		t.Fatal(err)
	}
	salt := testKey(92)
	compute := func() []string {
		f := []string{"object-key", hex.EncodeToString(obj)}
		for _, n := range []int{1, 2, 10000} {
			pk, _ := PartKey(obj, n)
			f = append(f, "part-key-"+strconv.Itoa(n), hex.EncodeToString(pk))
		}
		c, _ := newKeyCheck(bytes.NewReader(salt), ck)
		return append(f, "customer-key", keyB64, "customer-key-md5", md5B64,
			"customer-kek", hex.EncodeToString(ck.KEK()),
			"key-check-salt", hex.EncodeToString(salt), "key-check", hex.EncodeToString(c.Marshal()))
	}
	if *update {
		writeVector(t, path, "Part keys, SSE-C key-encryption key and SSE-C key check, version 1.\nSee docs/object-encryption.md.", compute()...)
	}
	v := readVector(t, path)
	f := compute()
	for i := 0; i < len(f); i += 2 {
		t.Run(f[i], func(t *testing.T) {
			if got := v.str(t, f[i]); got != f[i+1] {
				t.Fatalf("%s = %s, known answer %s", f[i], f[i+1], got)
			}
		})
	}
	c, err := ParseKeyCheck(v.hex(t, "key-check"))
	if err != nil || c.Verify(ck) != nil {
		t.Fatal("known key check does not verify")
	}
}
