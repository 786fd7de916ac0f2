package sse

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"testing"
	"testing/iotest"
)

var roundTripSizes = []int64{0, 1, 2, 31, 32, 33, 1000, 65535, 65536, 65537,
	2*65536 - 1, 2 * 65536, 2*65536 + 1, 1<<20 + 12345, 3 << 20, 5<<20 + 7}

func TestRoundTrip(t *testing.T) {
	key := testKey(1)
	for _, n := range roundTripSizes {
		pt := pattern(n)
		ct := encrypt(t, key, pt, 2)
		es, err := EncryptedSize(n)
		if err != nil || es != int64(len(ct)) {
			t.Fatalf("size %d: EncryptedSize = %d, %v; stream is %d bytes", n, es, err, len(ct))
		}
		if ds, err := DecryptedSize(int64(len(ct))); err != nil || ds != n {
			t.Fatalf("size %d: DecryptedSize = %d, %v", n, ds, err)
		}
		got, err := decryptAll(key, ct, n)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("size %d: round trip failed: %v", n, err)
		}
		// Writes in odd chunks give the same stream (same nonce).
		var buf bytes.Buffer
		w, _ := newWriter(&buf, key, detRand(2))
		for rest := pt; len(rest) > 0; {
			c := min(len(rest), 7777)
			if _, err := w.Write(rest[:c]); err != nil {
				t.Fatal(err)
			}
			rest = rest[c:]
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), ct) {
			t.Fatalf("size %d: chunked writes changed the stream", n)
		}
		if w.Size() != n {
			t.Fatalf("size %d: Writer.Size = %d", n, w.Size())
		}
		// Small reads.
		if n <= 3*65536 {
			r, _ := NewReader(iotest.HalfReader(bytes.NewReader(ct)), key, n)
			got, err := io.ReadAll(iotest.OneByteReader(r))
			if err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("size %d: one-byte reads failed: %v", n, err)
			}
		}
	}
}

func TestReaderConformance(t *testing.T) {
	key := testKey(1)
	for _, n := range []int64{1, 65536, 200000} {
		pt := pattern(n)
		ct := encrypt(t, key, pt, 2)
		r, _ := NewReader(bytes.NewReader(ct), key, n)
		if err := iotest.TestReader(r, pt); err != nil {
			t.Fatalf("size %d: %v", n, err)
		}
	}
}

func TestWriterDoesNotCloseDst(t *testing.T) {
	var c closeRecorder
	w, _ := NewWriter(&c, testKey(1))
	w.Write([]byte("x"))
	if err := w.Close(); err != nil || c.closed {
		t.Fatalf("Close: err %v, dst closed %v", err, c.closed)
	}
}

type closeRecorder struct {
	bytes.Buffer
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestWriterKeyRandom(t *testing.T) {
	key := testKey(1)
	var a, b bytes.Buffer
	for _, buf := range []*bytes.Buffer{&a, &b} {
		w, err := NewWriter(buf, key)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("same"))
		w.Close()
	}
	if bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two streams under crypto/rand have the same nonce")
	}
	k1, _ := NewObjectKey(nil)
	k2, _ := NewObjectKey(nil)
	if len(k1) != KeySize || bytes.Equal(k1, k2) {
		t.Fatal("NewObjectKey")
	}
}

func TestSizes(t *testing.T) {
	for _, tc := range []struct {
		enc     int64
		dec     int64
		invalid bool
	}{
		{enc: 0, dec: 0},
		{enc: 1, invalid: true},
		{enc: 32, invalid: true},
		{enc: 33, dec: 1},
		{enc: PackageSize - 1, dec: PayloadSize - 1},
		{enc: PackageSize, dec: PayloadSize},
		{enc: PackageSize + 1, invalid: true},
		{enc: PackageSize + 32, invalid: true},
		{enc: PackageSize + 33, dec: PayloadSize + 1},
		{enc: -1, invalid: true},
		{enc: MaxPackages * PackageSize, dec: MaxSize},
		{enc: MaxPackages*PackageSize + 33, invalid: true},
	} {
		got, err := DecryptedSize(tc.enc)
		if tc.invalid {
			if !errors.Is(err, ErrInvalidSize) {
				t.Errorf("DecryptedSize(%d) = %d, %v; want ErrInvalidSize", tc.enc, got, err)
			}
			continue
		}
		if err != nil || got != tc.dec {
			t.Errorf("DecryptedSize(%d) = %d, %v; want %d", tc.enc, got, err, tc.dec)
		}
		if back, err := EncryptedSize(tc.dec); err != nil || back != tc.enc {
			t.Errorf("EncryptedSize(%d) = %d, %v; want %d", tc.dec, back, err, tc.enc)
		}
	}
	for _, n := range []int64{-1, MaxSize + 1} {
		if _, err := EncryptedSize(n); !errors.Is(err, ErrInvalidSize) {
			t.Errorf("EncryptedSize(%d): %v", n, err)
		}
	}
	r := detRand(5)
	for range 10000 {
		n := int64(r.Uint64() % (MaxSize + 1))
		e, err := EncryptedSize(n)
		if err != nil {
			t.Fatal(err)
		}
		if d, err := DecryptedSize(e); err != nil || d != n {
			t.Fatalf("DecryptedSize(EncryptedSize(%d)) = %d, %v", n, d, err)
		}
	}
}

func TestKeySize(t *testing.T) {
	for _, k := range [][]byte{nil, make([]byte, 16), make([]byte, 33)} {
		if _, err := NewWriter(io.Discard, k); !errors.Is(err, ErrKeySize) {
			t.Errorf("NewWriter(%d-byte key): %v", len(k), err)
		}
		if _, err := NewReader(nil, k, 0); !errors.Is(err, ErrKeySize) {
			t.Errorf("NewReader(%d-byte key): %v", len(k), err)
		}
		if _, err := OpenRange(nil, 0, k, 0, 0); !errors.Is(err, ErrKeySize) {
			t.Errorf("OpenRange(%d-byte key): %v", len(k), err)
		}
		if _, err := PartKey(k, 1); !errors.Is(err, ErrKeySize) {
			t.Errorf("PartKey(%d-byte key): %v", len(k), err)
		}
	}
}

// tamperCase is a modification of a 4-package stream (3 full packages and a
// final one of 3392 bytes).
type tamperCase struct {
	name string
	mod  func(ct, other []byte) []byte
}

func pkgOf(ct []byte, i int) []byte {
	return ct[i*PackageSize : min((i+1)*PackageSize, len(ct))]
}

func join(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func tamperCases() []tamperCase {
	var cases []tamperCase
	for _, pos := range []int{0, 1, 2, 3, 4, 15, 16, 17, 1000, PackageSize - 17, PackageSize - 1,
		PackageSize, PackageSize + 4, 2*PackageSize + 30000, 3 * PackageSize, 3*PackageSize + 4, -17, -1} {
		cases = append(cases, tamperCase{"flip byte " + strconv.Itoa(pos), func(ct, _ []byte) []byte {
			p := pos
			if p < 0 {
				p += len(ct)
			}
			ct[p] ^= 0x01
			return ct
		}})
	}
	for _, cut := range []int{1, 16, 17, 3392 + 32, 3392 + 32 + 1, PackageSize + 3392 + 32, len4 - 1} {
		cases = append(cases, tamperCase{"truncate " + strconv.Itoa(cut), func(ct, _ []byte) []byte { return ct[:len(ct)-cut] }})
	}
	cases = append(cases,
		tamperCase{"drop final package", func(ct, _ []byte) []byte { return ct[:3*PackageSize] }},
		tamperCase{"drop first package", func(ct, _ []byte) []byte { return ct[PackageSize:] }},
		tamperCase{"drop middle package", func(ct, _ []byte) []byte { return join(pkgOf(ct, 0), pkgOf(ct, 2), pkgOf(ct, 3)) }},
		tamperCase{"swap packages 0 and 1", func(ct, _ []byte) []byte {
			return join(pkgOf(ct, 1), pkgOf(ct, 0), pkgOf(ct, 2), pkgOf(ct, 3))
		}},
		tamperCase{"swap packages 1 and 2", func(ct, _ []byte) []byte {
			return join(pkgOf(ct, 0), pkgOf(ct, 2), pkgOf(ct, 1), pkgOf(ct, 3))
		}},
		tamperCase{"duplicate package 0", func(ct, _ []byte) []byte {
			return join(pkgOf(ct, 0), pkgOf(ct, 0), pkgOf(ct, 1), pkgOf(ct, 2), pkgOf(ct, 3))
		}},
		tamperCase{"package 1 from another object", func(ct, other []byte) []byte {
			return join(pkgOf(ct, 0), pkgOf(other, 1), pkgOf(ct, 2), pkgOf(ct, 3))
		}},
		tamperCase{"final package from another object", func(ct, other []byte) []byte {
			return join(pkgOf(ct, 0), pkgOf(ct, 1), pkgOf(ct, 2), pkgOf(other, 3))
		}},
		tamperCase{"trailing byte", func(ct, _ []byte) []byte { return append(ct, 0) }},
		tamperCase{"trailing package", func(ct, other []byte) []byte { return join(ct, pkgOf(other, 0)) }},
		tamperCase{"empty", func([]byte, []byte) []byte { return nil }},
	)
	return cases
}

const size4 = 3*PayloadSize + 3392

var len4 = int(size4 + 4*PackageOverhead)

// TestTamper: every modification of the stream fails with ErrAuth, and
// whatever plaintext came out before the error is a prefix of the real one.
func TestTamper(t *testing.T) {
	key := testKey(1)
	pt := pattern(size4)
	ct := encrypt(t, key, pt, 2)
	if len(ct) != len4 {
		t.Fatal("unexpected stream size")
	}
	// "other" uses the same key and another nonce: the hardest case (a
	// second stream under one key is misuse, but must still not mix).
	other := encrypt(t, key, pattern(size4), 3)
	otherKey := encrypt(t, testKey(2), pattern(size4), 2)
	for _, tc := range tamperCases() {
		for _, o := range [][]byte{other, otherKey} {
			bad := tc.mod(bytes.Clone(ct), o)
			t.Run(tc.name, func(t *testing.T) {
				r, _ := NewReader(bytes.NewReader(bad), key, size4)
				got, err := io.ReadAll(r)
				if !errors.Is(err, ErrAuth) {
					t.Fatalf("err = %v, want ErrAuth", err)
				}
				if !bytes.HasPrefix(pt, got) {
					t.Fatal("released plaintext that is not a prefix of the object")
				}
				// The range reader over whatever size the stream now has.
				checkRangesFail(t, bad, key, pt)
			})
		}
	}
}

// checkRangesFail reads ranges of a tampered stream: each either fails
// (ErrAuth, ErrInvalidSize, ErrRange) or returns exactly the real bytes.
func checkRangesFail(t *testing.T, bad, key, pt []byte) {
	t.Helper()
	size, err := DecryptedSize(int64(len(bad)))
	if err != nil {
		return
	}
	for _, rg := range [][2]int64{{0, 1}, {0, size}, {PayloadSize - 1, 2}, {size - 1, 1}, {PayloadSize + 5, 3}} {
		off, n := rg[0], rg[1]
		r, err := OpenRange(bytes.NewReader(bad), int64(len(bad)), key, off, n)
		if err != nil {
			if !errors.Is(err, ErrAuth) && !errors.Is(err, ErrRange) {
				t.Fatalf("OpenRange(%d, %d): %v", off, n, err)
			}
			continue
		}
		got, err := io.ReadAll(r)
		if err == nil {
			if off+n > int64(len(pt)) || !bytes.Equal(got, pt[off:off+n]) {
				t.Fatalf("range (%d, %d) of a tampered stream returned wrong plaintext", off, n)
			}
			continue
		}
		if !errors.Is(err, ErrAuth) {
			t.Fatalf("range (%d, %d): %v", off, n, err)
		}
	}
}

func TestWrongKeyAndSize(t *testing.T) {
	key := testKey(1)
	for _, n := range []int64{1, 65536, 200000} {
		ct := encrypt(t, key, pattern(n), 2)
		if _, err := decryptAll(testKey(2), ct, n); !errors.Is(err, ErrAuth) {
			t.Fatalf("size %d, wrong key: %v", n, err)
		}
		for _, want := range []int64{0, n - 1, n + 1} {
			if _, err := decryptAll(key, ct, want); !errors.Is(err, ErrAuth) {
				t.Fatalf("size %d read as %d: %v", n, want, err)
			}
		}
		if _, err := OpenRange(bytes.NewReader(ct), int64(len(ct)), testKey(2), 0, 1); !errors.Is(err, ErrAuth) {
			t.Fatalf("size %d, OpenRange wrong key: %v", n, err)
		}
	}
	if _, err := decryptAll(key, nil, 0); err != nil {
		t.Fatalf("empty stream: %v", err)
	}
	if _, err := NewReader(nil, key, -1); !errors.Is(err, ErrInvalidSize) {
		t.Fatal("negative size accepted")
	}
}

func TestReaderPassesSourceErrors(t *testing.T) {
	key := testKey(1)
	ct := encrypt(t, key, pattern(200000), 2)
	boom := errors.New("disk on fire")
	r, _ := NewReader(io.MultiReader(bytes.NewReader(ct[:PackageSize+10]), iotest.ErrReader(boom)), key, 200000)
	if _, err := io.ReadAll(r); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the source's error", err)
	}
}
