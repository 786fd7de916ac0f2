package checksum

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

type vector struct {
	alg   Algorithm
	input string
	want  string
}

func readVectors(t testing.TB) []vector {
	f, err := os.Open("testdata/vectors.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var vs []vector
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		alg, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		end := strings.LastIndex(rest, "\"")
		in, err := strconv.Unquote(rest[:end+1])
		if err != nil {
			t.Fatalf("bad vector line %q: %v", line, err)
		}
		vs = append(vs, vector{Algorithm(alg), in, strings.TrimSpace(rest[end+1:])})
	}
	return vs
}

func TestVectors(t *testing.T) {
	vs := readVectors(t)
	if len(vs) != 15 {
		t.Fatalf("%d vectors, want 15 (5 algorithms × 3 inputs)", len(vs))
	}
	for _, v := range vs {
		t.Run(string(v.alg)+"/"+strconv.Quote(v.input), func(t *testing.T) {
			if got := Sum(v.alg, []byte(v.input)); got != v.want {
				t.Errorf("Sum = %s, want %s", got, v.want)
			}
			// Byte-at-a-time writes give the same answer.
			h := New(v.alg)
			for i := range len(v.input) {
				h.Write([]byte{v.input[i]})
			}
			if got := Encode(h.Sum(nil)); got != v.want {
				t.Errorf("incremental = %s, want %s", got, v.want)
			}
			if h.Size() != v.alg.Size() {
				t.Errorf("hash Size %d, Algorithm.Size %d", h.Size(), v.alg.Size())
			}
			if err := v.alg.Verify(h.Sum(nil), v.want); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

// bitwiseCRC64NVME is a bit-at-a-time CRC written straight from the catalogue
// parameters (non-reflected polynomial, explicit reflection), to check the
// table-driven code on many lengths.
func bitwiseCRC64NVME(p []byte) uint64 {
	const poly = 0xad93d23594c93659
	reflect := func(x uint64, w int) uint64 {
		var r uint64
		for i := range w {
			if x&(1<<i) != 0 {
				r |= 1 << (w - 1 - i)
			}
		}
		return r
	}
	crc := ^uint64(0)
	for _, b := range p {
		crc ^= reflect(uint64(b), 8) << 56
		for range 8 {
			if crc&(1<<63) != 0 {
				crc = crc<<1 ^ poly
			} else {
				crc <<= 1
			}
		}
	}
	return ^reflect(crc, 64)
}

func TestCRC64NVMEAgainstBitwise(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 300 {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(r.Uint32())
		}
		want := bitwiseCRC64NVME(p)
		h := NewCRC64NVME()
		h.Write(p)
		if got := h.Sum64(); got != want {
			t.Fatalf("len %d: %#x, want %#x", n, got, want)
		}
		// Split at an arbitrary point.
		if n > 0 {
			k := r.IntN(n)
			h.Reset()
			h.Write(p[:k])
			h.Write(p[k:])
			if got := h.Sum64(); got != want {
				t.Fatalf("len %d split %d: %#x, want %#x", n, k, got, want)
			}
		}
	}
}

func TestParseAlgorithm(t *testing.T) {
	tests := []struct {
		in   string
		want Algorithm
		ok   bool
	}{
		{"CRC32", CRC32, true},
		{"CRC32C", CRC32C, true},
		{"CRC64NVME", CRC64NVME, true},
		{"SHA1", SHA1, true},
		{"SHA256", SHA256, true},
		{"crc32c", CRC32C, true},
		{"Sha256", SHA256, true},
		{" SHA1 ", SHA1, true},
		{"", "", false},
		{"MD5", "", false},
		{"SHA-256", "", false},
		{"CRC64", "", false},
		{"crc64-nvme", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseAlgorithm(tc.in)
			if tc.ok {
				if err != nil || got != tc.want {
					t.Fatalf("= %q, %v; want %q", got, err, tc.want)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != "InvalidRequest" || !errors.Is(err, ErrUnknownAlgorithm) {
				t.Fatalf("error %v, want InvalidRequest wrapping ErrUnknownAlgorithm", err)
			}
		})
	}
}

func TestHeaders(t *testing.T) {
	want := map[Algorithm]string{
		CRC32:     "x-amz-checksum-crc32",
		CRC32C:    "x-amz-checksum-crc32c",
		CRC64NVME: "x-amz-checksum-crc64nvme",
		SHA1:      "x-amz-checksum-sha1",
		SHA256:    "x-amz-checksum-sha256",
	}
	for a, h := range want {
		if got := a.Header(); got != h {
			t.Errorf("%s.Header() = %s, want %s", a, got, h)
		}
		for _, name := range []string{h, strings.ToUpper(h), "X-Amz-Checksum-" + string(a[0]) + strings.ToLower(string(a[1:]))} {
			if got, ok := AlgorithmFromHeader(name); !ok || got != a {
				t.Errorf("AlgorithmFromHeader(%q) = %q, %v", name, got, ok)
			}
		}
	}
	for _, name := range []string{"x-amz-checksum-algorithm", "x-amz-checksum-type", "x-amz-checksum-mode", "x-amz-checksum-", "x-amz-checksum-md5", "content-md5", "x-amz-sdk-checksum-algorithm"} {
		if a, ok := AlgorithmFromHeader(name); ok {
			t.Errorf("AlgorithmFromHeader(%q) = %q, want none", name, a)
		}
	}
}

func TestSizes(t *testing.T) {
	want := map[Algorithm]int{CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32, "MD5": 0, "": 0}
	for a, n := range want {
		if got := a.Size(); got != n {
			t.Errorf("%q.Size() = %d, want %d", a, got, n)
		}
	}
}

func TestNewPanicsOnInvalid(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("New(\"MD5\") did not panic")
		}
	}()
	New("MD5")
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name  string
		alg   Algorithm
		value string
		ok    bool
	}{
		{"crc32 ok", CRC32, "y/Q5Jg==", true},
		{"crc32c ok", CRC32C, "4waSgw==", true},
		{"crc64 ok", CRC64NVME, "rosUhgp5mIg=", true},
		{"sha1 ok", SHA1, "2jmj7l5rSw0yVb/vlWAYkK/YBwk=", true},
		{"sha256 ok", SHA256, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", true},
		{"empty", CRC32, "", false},
		{"crc64 value for crc32", CRC32, "rosUhgp5mIg=", false},
		{"crc32 value for crc64", CRC64NVME, "y/Q5Jg==", false},
		{"sha1 value for sha256", SHA256, "2jmj7l5rSw0yVb/vlWAYkK/YBwk=", false},
		{"unpadded", CRC32, "y/Q5Jg", false},
		{"url alphabet", CRC32, "y_Q5Jg==", false},
		{"hex", CRC32, "cbf43926", false},
		{"trailing space", CRC32, "y/Q5Jg== ", false},
		{"non-canonical bits", CRC32, "y/Q5Jh==", false},
		{"newline", SHA1, "2jmj7l5rSw0yVb/vlWAY\nkK/YBwk=", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := tc.alg.Decode(tc.value)
			if tc.ok {
				if err != nil || len(raw) != tc.alg.Size() {
					t.Fatalf("Decode: %x, %v", raw, err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != "InvalidRequest" || !errors.Is(err, ErrInvalidValue) {
				t.Fatalf("error %v, want InvalidRequest wrapping ErrInvalidValue", err)
			}
			if !strings.Contains(e.Message, tc.alg.Header()) {
				t.Errorf("message %q does not name the header", e.Message)
			}
		})
	}
}

func TestVerifyMismatch(t *testing.T) {
	raw := New(CRC32).Sum(nil) // CRC of ""
	err := CRC32.Verify(raw, "y/Q5Jg==")
	var e *Error
	if !errors.As(err, &e) || e.Code != "BadDigest" || !errors.Is(err, ErrMismatch) {
		t.Fatalf("Verify mismatch: %v", err)
	}
}

func TestSupports(t *testing.T) {
	// S3 User Guide, "Checking object integrity": checksum types per algorithm.
	want := map[Algorithm][2]bool{ // {FULL_OBJECT, COMPOSITE}
		CRC64NVME: {true, false},
		CRC32:     {true, true},
		CRC32C:    {true, true},
		SHA1:      {false, true},
		SHA256:    {false, true},
	}
	for a, w := range want {
		if got := a.Supports(FullObject); got != w[0] {
			t.Errorf("%s supports FULL_OBJECT = %v", a, got)
		}
		if got := a.Supports(Composite); got != w[1] {
			t.Errorf("%s supports COMPOSITE = %v", a, got)
		}
		if !a.Supports(a.DefaultType()) {
			t.Errorf("%s does not support its default type %s", a, a.DefaultType())
		}
		if err := a.CheckType(FullObject); (err == nil) != w[0] || (err != nil && !errors.Is(err, ErrUnsupportedType)) {
			t.Errorf("%s CheckType(FULL_OBJECT) = %v", a, err)
		}
	}
	if Algorithm("MD5").Supports(Composite) || CRC32.Supports("OTHER") {
		t.Error("invalid algorithm or type supported")
	}
}

func TestParseType(t *testing.T) {
	for in, want := range map[string]Type{"COMPOSITE": Composite, "full_object": FullObject, "FULL_OBJECT": FullObject} {
		if got, err := ParseType(in); err != nil || got != want {
			t.Errorf("ParseType(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "FULL", "full-object"} {
		if _, err := ParseType(in); !errors.Is(err, ErrUnknownType) {
			t.Errorf("ParseType(%q) = %v", in, err)
		}
	}
}

func rawOf(t *testing.T, a Algorithm, s string) []byte {
	t.Helper()
	h := New(a)
	h.Write([]byte(s))
	return h.Sum(nil)
}

func TestCombineComposite(t *testing.T) {
	// Expected values computed independently with Python hashlib/zlib:
	// base64(H(H("hello") || H(" ") || H("world"))) + "-3".
	want := map[Algorithm]string{
		SHA256: "+TbBzZ5/iK2vu89rseq8hIn9chBnVWQamuoxUJxEw8w=-3",
		SHA1:   "WWrvYgJVJTB/RFFikGh8s8kNSbA=-3",
		CRC32:  "TT6kug==-3",
	}
	for a, w := range want {
		var parts []Part
		for _, s := range []string{"hello", " ", "world"} {
			parts = append(parts, Part{Checksum: rawOf(t, a, s), Size: int64(len(s))})
		}
		got, err := Combine(a, Composite, parts)
		if err != nil || got != w {
			t.Errorf("%s composite = %q, %v; want %q", a, got, err, w)
		}
	}
}

func TestCombineFullObject(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, a := range []Algorithm{CRC32, CRC32C, CRC64NVME} {
		for trial := range 50 {
			var all []byte
			var parts []Part
			for range 1 + r.IntN(6) {
				n := r.IntN(5000)
				if trial%7 == 0 {
					n = 0 // empty parts
				}
				p := make([]byte, n)
				for i := range p {
					p[i] = byte(r.Uint32())
				}
				all = append(all, p...)
				parts = append(parts, Part{Checksum: rawOf(t, a, string(p)), Size: int64(n)})
			}
			got, err := Combine(a, FullObject, parts)
			if err != nil {
				t.Fatal(err)
			}
			if want := Sum(a, all); got != want {
				t.Fatalf("%s trial %d: combined %s, whole %s", a, trial, got, want)
			}
		}
	}
	// "hello world" in three parts gives the single-part vector.
	parts := []Part{{rawOf(t, CRC64NVME, "hello"), 5}, {rawOf(t, CRC64NVME, " "), 1}, {rawOf(t, CRC64NVME, "world"), 5}}
	if got, _ := Combine(CRC64NVME, FullObject, parts); got != "jSnVw/bqjr4=" {
		t.Errorf("CRC64NVME full object of hello/ /world = %s", got)
	}
}

func TestCombineLarge(t *testing.T) {
	// Combining equal parts matches hashing them whole, and a 5 GiB length
	// costs no more than a short one.
	zeros := make([]byte, 1<<20)
	h := New(CRC32C)
	for range 8 {
		h.Write(zeros)
	}
	c8 := h.Sum(nil)
	// crc(8 MiB zeros) from crc(1 MiB zeros) combined with itself 3 times.
	c1 := rawOf(t, CRC32C, string(zeros))
	parts := []Part{{c1, 1 << 20}}
	got, _ := Combine(CRC32C, FullObject, append(parts, parts[0], parts[0], parts[0], parts[0], parts[0], parts[0], parts[0]))
	if got != Encode(c8) {
		t.Fatalf("8×1MiB = %s, want %s", got, Encode(c8))
	}
	_ = CombineCRC(CRC64NVME, 1, 2, 5<<30) // must return quickly
}

func TestCombineErrors(t *testing.T) {
	c32 := rawOf(t, CRC32, "x")
	tests := []struct {
		name  string
		alg   Algorithm
		typ   Type
		parts []Part
		want  error
	}{
		{"sha1 full object", SHA1, FullObject, []Part{{rawOf(t, SHA1, "x"), 1}}, ErrUnsupportedType},
		{"sha256 full object", SHA256, FullObject, []Part{{rawOf(t, SHA256, "x"), 1}}, ErrUnsupportedType},
		{"crc64 composite", CRC64NVME, Composite, []Part{{rawOf(t, CRC64NVME, "x"), 1}}, ErrUnsupportedType},
		{"no parts", CRC32, Composite, nil, ErrInvalidPart},
		{"wrong length", CRC32C, FullObject, []Part{{c32, 1}, {c32[:3], 1}}, ErrInvalidPart},
		{"negative size", CRC32, FullObject, []Part{{c32, -1}}, ErrInvalidPart},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Combine(tc.alg, tc.typ, tc.parts)
			var e *Error
			if !errors.Is(err, tc.want) || !errors.As(err, &e) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestMultiHasher(t *testing.T) {
	m := NewMultiHasher(CRC64NVME, true)
	m.Write([]byte("hello "))
	m.Write([]byte("world"))
	if m.Size() != 11 || m.Algorithm() != CRC64NVME {
		t.Fatalf("Size %d, Algorithm %s", m.Size(), m.Algorithm())
	}
	if got := m.ETag(); got != "5eb63bbbe01eeed093cb22bb8f5acdc3" {
		t.Errorf("ETag = %s", got)
	}
	if got := m.ContentMD5(); got != "XrY7u+Ae7tCTyyK7j1rNww==" {
		t.Errorf("ContentMD5 = %s", got)
	}
	if got := m.Checksum(); got != "jSnVw/bqjr4=" {
		t.Errorf("Checksum = %s", got)
	}
	if err := m.Verify("jSnVw/bqjr4="); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if err := m.Verify("rosUhgp5mIg="); !errors.Is(err, ErrMismatch) {
		t.Errorf("Verify wrong: %v", err)
	}
	if err := m.VerifyContentMD5("XrY7u+Ae7tCTyyK7j1rNww=="); err != nil {
		t.Errorf("VerifyContentMD5: %v", err)
	}
	var e *Error
	if err := m.VerifyContentMD5("1B2M2Y8AsgTpgAmY7PhCfg=="); !errors.Is(err, ErrBadDigest) || !errors.As(err, &e) || e.Code != "BadDigest" {
		t.Errorf("VerifyContentMD5 wrong: %v", err)
	}
	if err := m.VerifyContentMD5("5eb63bbbe01eeed093cb22bb8f5acdc3"); !errors.Is(err, ErrInvalidDigest) || !errors.As(err, &e) || e.Code != "InvalidDigest" {
		t.Errorf("VerifyContentMD5 hex: %v", err)
	}

	plain := NewMultiHasher("", true)
	plain.Write([]byte("hello world"))
	if plain.Checksum() != "" || plain.Sum() != nil || plain.ETag() != m.ETag() {
		t.Errorf("MD5-only hasher: %q %x %s", plain.Checksum(), plain.Sum(), plain.ETag())
	}
}

func TestMultiHasherWithoutMD5(t *testing.T) {
	for _, tc := range []struct {
		name    string
		alg     Algorithm
		withMD5 bool
		sum     string
	}{
		{"nothing", "", false, ""},
		{"CRC64NVME only", CRC64NVME, false, "jSnVw/bqjr4="},
		{"MD5 and CRC64NVME", CRC64NVME, true, "jSnVw/bqjr4="},
		{"MD5 only", "", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMultiHasher(tc.alg, tc.withMD5)
			m.Write([]byte("hello world"))
			if m.Size() != 11 || m.HasMD5() != tc.withMD5 || m.Checksum() != tc.sum {
				t.Fatalf("Size %d HasMD5 %v Checksum %q", m.Size(), m.HasMD5(), m.Checksum())
			}
			if tc.withMD5 {
				if m.ETag() != "5eb63bbbe01eeed093cb22bb8f5acdc3" {
					t.Errorf("ETag %s", m.ETag())
				}
				return
			}
			for name, f := range map[string]func(){
				"MD5": func() { m.MD5() }, "ETag": func() { _ = m.ETag() }, "ContentMD5": func() { _ = m.ContentMD5() },
				"VerifyContentMD5": func() { _ = m.VerifyContentMD5("XrY7u+Ae7tCTyyK7j1rNww==") },
			} {
				func() {
					defer func() {
						if recover() == nil {
							t.Errorf("%s without MD5 did not panic", name)
						}
					}()
					f()
				}()
			}
		})
	}
}

func TestMultipartETag(t *testing.T) {
	var md5s [][]byte
	for _, s := range []string{"hello", " ", "world"} {
		m := NewMultiHasher("", true)
		m.Write([]byte(s))
		md5s = append(md5s, m.MD5())
	}
	// Python: md5(md5("hello")+md5(" ")+md5("world")).hexdigest() + "-3".
	if got := MultipartETag(md5s); got != "59d21ac2f2194d6232a14cf08985ec6f-3" {
		t.Errorf("MultipartETag = %s", got)
	}
}

func TestEncodeIsStdBase64(t *testing.T) {
	raw := []byte{0xfb, 0xff, 0xfe}
	if got := Encode(raw); got != base64.StdEncoding.EncodeToString(raw) || got != "+//+" {
		t.Errorf("Encode = %s", got)
	}
}

// FuzzCombine checks combine(parts) == hash(concat) for every CRC, with the
// fuzzer choosing the data and the cut points.
func FuzzCombine(f *testing.F) {
	f.Add([]byte("hello world"), []byte{5, 1})
	f.Add([]byte("123456789"), []byte{0, 0, 9})
	f.Add(bytes.Repeat([]byte{0}, 300), []byte{255, 17})
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		for _, a := range []Algorithm{CRC32, CRC32C, CRC64NVME} {
			var parts []Part
			rest := data
			for _, c := range cuts {
				n := min(int(c), len(rest))
				h := New(a)
				h.Write(rest[:n])
				parts = append(parts, Part{h.Sum(nil), int64(n)})
				rest = rest[n:]
			}
			h := New(a)
			h.Write(rest)
			parts = append(parts, Part{h.Sum(nil), int64(len(rest))})
			got, err := Combine(a, FullObject, parts)
			if err != nil {
				t.Fatal(err)
			}
			if want := Sum(a, data); got != want {
				t.Fatalf("%s: combined %s, whole %s (cuts %v)", a, got, want, cuts)
			}
		}
	})
}
