package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
)

func readRange(t testing.TB, src io.ReaderAt, encSize int64, key []byte, off, n int64) ([]byte, error) {
	t.Helper()
	r, err := OpenRange(src, encSize, key, off, n)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func TestOpenRange(t *testing.T) {
	key := testKey(1)
	for _, size := range []int64{1, 100, PayloadSize, 2 * PayloadSize, 3*PayloadSize + 1234} {
		pt := pattern(size)
		ct := encrypt(t, key, pt, 2)
		ranges := [][2]int64{
			{0, size},            // whole
			{0, 1},               // first byte
			{size - 1, 1},        // last byte
			{0, min(size, 10)},   // start
			{size / 2, size / 4}, // middle
			{size - min(size, 10), min(size, 10)},
			{0, 0}, {size, 0}, {size / 2, 0},
		}
		for _, b := range []int64{PayloadSize, 2 * PayloadSize, 3 * PayloadSize} {
			if b < size {
				ranges = append(ranges,
					[2]int64{b - 1, 2}, // crossing a boundary
					[2]int64{b - 1, 1}, // last byte of a package
					[2]int64{b, 1},     // first byte of a package
					[2]int64{b - 100, min(size-b+100, PayloadSize+200)}, // spanning a whole package
					[2]int64{b, size - b},                               // from a boundary to the end
				)
			}
		}
		r := detRand(7)
		for range 50 {
			off := int64(r.Uint64() % uint64(size+1))
			n := int64(r.Uint64() % uint64(size-off+1))
			ranges = append(ranges, [2]int64{off, n})
		}
		for _, rg := range ranges {
			off, n := rg[0], rg[1]
			t.Run(fmt.Sprintf("size=%d/off=%d/len=%d", size, off, n), func(t *testing.T) {
				got, err := readRange(t, bytes.NewReader(ct), int64(len(ct)), key, off, n)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, pt[off:off+n]) {
					t.Fatal("range differs from the plaintext")
				}
			})
		}
	}
}

func TestOpenRangeErrors(t *testing.T) {
	key := testKey(1)
	pt := pattern(200000)
	ct := encrypt(t, key, pt, 2)
	es := int64(len(ct))
	for _, tc := range []struct {
		name    string
		encSize int64
		off, n  int64
		want    error
	}{
		{"negative offset", es, -1, 1, ErrRange},
		{"negative length", es, 0, -1, ErrRange},
		{"past the end", es, 200000, 1, ErrRange},
		{"offset past the end", es, 200001, 0, ErrRange},
		{"length overflow", es, 10, 1<<63 - 5, ErrRange},
		{"impossible size", PackageSize + 10, 0, 1, ErrInvalidSize},
		{"negative size", -5, 0, 0, ErrInvalidSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := OpenRange(bytes.NewReader(ct), tc.encSize, key, tc.off, tc.n); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if r, err := OpenRange(nil, 0, key, 0, 0); err != nil {
		t.Fatal(err)
	} else if b, err := io.ReadAll(r); err != nil || len(b) != 0 {
		t.Fatal("empty object range not empty")
	}
}

// TestOpenRangeVerifiesFinal: a stream cut at a package boundary has a valid
// size; a range in its first package must still fail, because the package
// now last is not flagged final.
func TestOpenRangeVerifiesFinal(t *testing.T) {
	key := testKey(1)
	ct := encrypt(t, key, pattern(200000), 2)
	cut := ct[:2*PackageSize]
	for _, rg := range [][2]int64{{0, 10}, {0, 2 * PayloadSize}, {2*PayloadSize - 1, 1}, {PayloadSize, 5}} {
		if _, err := readRange(t, bytes.NewReader(cut), int64(len(cut)), key, rg[0], rg[1]); !errors.Is(err, ErrAuth) {
			t.Fatalf("range %v of a stream cut at a package boundary: err = %v, want ErrAuth", rg, err)
		}
	}
}

// TestRangeReadsOnlyItsPackages: on a generated 1 GiB object, a 1 KiB range
// reads one package (the final one), and a 1 KiB range elsewhere reads that
// package and the final one.
func TestRangeReadsOnlyItsPackages(t *testing.T) {
	key := testKey(4)
	const size = 1 << 30
	for _, tc := range []struct {
		name    string
		off     int64
		maxRead int64
	}{
		{"last KiB", size - 1024, PackageSize},
		{"first KiB", 0, 2 * PackageSize},
		{"KiB across a boundary in the middle", size/2 - 512, 3 * PackageSize},
		{"last KiB of the package before the final", size - PayloadSize - 1024, 2 * PackageSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newGenObject(t, key, size)
			got, err := readRange(t, g, g.encSize(), key, tc.off, 1024)
			if err != nil {
				t.Fatal(err)
			}
			for i, b := range got {
				if b != patternByte(tc.off+int64(i)) {
					t.Fatalf("byte %d differs", tc.off+int64(i))
				}
			}
			if n := g.read.Load(); n > tc.maxRead {
				t.Fatalf("read %d bytes of ciphertext, want at most %d", n, tc.maxRead)
			} else {
				t.Logf("1 KiB at %d of 1 GiB: read %d ciphertext bytes (%.2f packages)", tc.off, n, float64(n)/PackageSize)
			}
		})
	}
}

// TestGeneratedMatchesWriter: the test's own DARE encoder and sio's agree,
// so the generated object tests the real format.
func TestGeneratedMatchesWriter(t *testing.T) {
	key := testKey(4)
	for _, size := range []int64{1, PayloadSize, 2*PayloadSize + 5} {
		g := newGenObject(t, key, size)
		ref := make([]byte, g.encSize())
		if _, err := g.ReadAt(ref, 0); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		w, _ := newWriter(&buf, key, bytes.NewReader(g.nonce[:]))
		w.Write(pattern(size))
		w.Close()
		if !bytes.Equal(buf.Bytes(), ref) {
			t.Fatalf("size %d: sio and the reference encoder differ", size)
		}
	}
}

func TestMultipart(t *testing.T) {
	objKey := testKey(1)
	sizes := []int64{5<<20 + 3, PayloadSize, 1, 100000}
	numbers := []int{1, 3, 7, 10000}
	var pt, ct []byte
	var parts []Part
	for i, n := range sizes {
		pk, err := PartKey(objKey, numbers[i])
		if err != nil {
			t.Fatal(err)
		}
		p := pattern(n + int64(i))[int64(i):]
		c := encrypt(t, pk, p, byte(10+i))
		pt = append(pt, p...)
		ct = append(ct, c...)
		parts = append(parts, Part{Number: numbers[i], EncryptedSize: int64(len(c))})
	}
	total, err := MultipartSize(parts)
	if err != nil || total != int64(len(pt)) {
		t.Fatalf("MultipartSize = %d, %v", total, err)
	}
	b1 := sizes[0]
	ranges := [][2]int64{{0, total}, {0, 1}, {total - 1, 1}, {b1 - 10, 20}, {b1 - 1, PayloadSize + 2},
		{b1 + PayloadSize, 1}, {b1 + PayloadSize - 1, 3}, {b1 - PayloadSize, PayloadSize*2 + 1 + 50}, {total - 100001, 100001}, {5, 0}}
	r := detRand(8)
	for range 30 {
		off := int64(r.Uint64() % uint64(total+1))
		ranges = append(ranges, [2]int64{off, int64(r.Uint64() % uint64(total-off+1))})
	}
	for _, rg := range ranges {
		off, n := rg[0], rg[1]
		t.Run(fmt.Sprintf("off=%d/len=%d", off, n), func(t *testing.T) {
			mr, err := OpenMultipartRange(bytes.NewReader(ct), objKey, parts, off, n)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(mr)
			if err != nil || !bytes.Equal(got, pt[off:off+n]) {
				t.Fatalf("range differs: %v", err)
			}
		})
	}
	t.Run("wrong part numbers", func(t *testing.T) {
		bad := bytes.Clone([]byte(nil))
		_ = bad
		swapped := append([]Part(nil), parts...)
		swapped[1].Number = 2
		if _, err := io.ReadAll(must(OpenMultipartRange(bytes.NewReader(ct), objKey, swapped, b1, 10))); !errors.Is(err, ErrAuth) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("wrong object key", func(t *testing.T) {
		if _, err := OpenMultipartRange(bytes.NewReader(ct), testKey(2), parts, 0, 1); !errors.Is(err, ErrAuth) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("invalid lists", func(t *testing.T) {
		for _, ps := range [][]Part{
			{{Number: 0, EncryptedSize: 33}},
			{{Number: 10001, EncryptedSize: 33}},
			{{Number: 2, EncryptedSize: 33}, {Number: 2, EncryptedSize: 33}},
			{{Number: 3, EncryptedSize: 33}, {Number: 2, EncryptedSize: 33}},
		} {
			if _, err := MultipartSize(ps); !errors.Is(err, ErrPartNumber) {
				t.Errorf("%v: %v", ps, err)
			}
		}
		if _, err := MultipartSize([]Part{{Number: 1, EncryptedSize: 20}}); !errors.Is(err, ErrInvalidSize) {
			t.Error(err)
		}
		if _, err := OpenMultipartRange(bytes.NewReader(ct), objKey, parts, total, 1); !errors.Is(err, ErrRange) {
			t.Error(err)
		}
	})
}

func must(r io.Reader, err error) io.Reader {
	if err != nil {
		return errReader{err}
	}
	return r
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestPartKey(t *testing.T) {
	k := testKey(1)
	seen := map[string]bool{string(k): true}
	for _, n := range []int{1, 2, 3, 255, 256, 9999, 10000} {
		pk, err := PartKey(k, n)
		if err != nil || len(pk) != KeySize || seen[string(pk)] {
			t.Fatalf("PartKey(%d): %v", n, err)
		}
		seen[string(pk)] = true
	}
	for _, n := range []int{0, -1, 10001} {
		if _, err := PartKey(k, n); !errors.Is(err, ErrPartNumber) {
			t.Errorf("PartKey(%d): %v", n, err)
		}
	}
}
