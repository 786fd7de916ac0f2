package sse

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"testing"
)

// FuzzReader: any bytes given to NewReader either fail cleanly (ErrAuth) or
// decrypt to exactly the expected size, and the whole-object range reader
// agrees with the stream reader.
func FuzzReader(f *testing.F) {
	key := testKey(1)
	for _, n := range []int64{0, 1, 33, PayloadSize, PayloadSize + 1} {
		ct := encrypt(f, key, pattern(n), 2)
		f.Add(ct, n)
		if len(ct) > 20 {
			bad := bytes.Clone(ct)
			bad[20] ^= 1
			f.Add(bad, n)
			f.Add(ct[:len(ct)-1], n)
		}
	}
	for _, path := range vectorFiles(f, "stream-v1-*.txt") {
		v := readVector(f, path)
		if _, ok := v.fields["ciphertext"]; ok {
			f.Add(v.hex(f, "ciphertext"), v.int(f, "size"))
		}
	}
	f.Fuzz(func(t *testing.T, ct []byte, size int64) {
		got, err := decryptAll(key, ct, size)
		if err != nil {
			if !errors.Is(err, ErrAuth) && !errors.Is(err, ErrInvalidSize) {
				t.Fatalf("unexpected error %v", err)
			}
		} else if int64(len(got)) != size {
			t.Fatalf("decrypted %d bytes, expected %d", len(got), size)
		}
		es := int64(len(ct))
		ps, serr := DecryptedSize(es)
		if serr != nil {
			return
		}
		r, rerr := OpenRange(bytes.NewReader(ct), es, key, 0, ps)
		var rgot []byte
		if rerr == nil {
			rgot, rerr = io.ReadAll(r)
		}
		if rerr != nil && !errors.Is(rerr, ErrAuth) {
			t.Fatalf("OpenRange: unexpected error %v", rerr)
		}
		if err == nil && (rerr != nil || !bytes.Equal(got, rgot)) {
			t.Fatalf("stream reader succeeded, range reader: %v", rerr)
		}
		if err != nil && rerr == nil && ps == size && ps > 0 {
			t.Fatalf("range reader accepted what the stream reader rejected (%v)", err)
		}
	})
}

// FuzzRange: every (offset, length) on a fixed object gives the plaintext
// slice, or ErrRange exactly when the range is outside the object; the same
// on a fixed multipart object.
func FuzzRange(f *testing.F) {
	key := testKey(1)
	pt := pattern(size4)
	ct := encrypt(f, key, pt, 2)
	var mpt, mct []byte
	var parts []Part
	for i, n := range []int64{PayloadSize + 7, 1, 2 * PayloadSize} {
		pk, _ := PartKey(key, i*2+1)
		p := pattern(n)
		c := encrypt(f, pk, p, byte(i))
		mpt, mct = append(mpt, p...), append(mct, c...)
		parts = append(parts, Part{Number: i*2 + 1, EncryptedSize: int64(len(c))})
	}
	for _, s := range [][2]int64{{0, 0}, {0, size4}, {PayloadSize - 1, 2}, {size4 - 1, 1}, {size4, 0}, {size4, 1}, {-1, 5}, {5, -1}, {1 << 62, 1 << 62}} {
		f.Add(s[0], s[1])
	}
	check := func(t *testing.T, what string, r io.Reader, err error, plain []byte, off, n int64) {
		inside := off >= 0 && n >= 0 && off <= int64(len(plain)) && n <= int64(len(plain))-off
		if !inside {
			if !errors.Is(err, ErrRange) {
				t.Fatalf("%s: range (%d, %d) outside %d bytes: err = %v", what, off, n, len(plain), err)
			}
			return
		}
		if err != nil {
			t.Fatalf("%s: range (%d, %d): %v", what, off, n, err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, plain[off:off+n]) {
			t.Fatalf("%s: range (%d, %d) differs: %v", what, off, n, err)
		}
	}
	f.Fuzz(func(t *testing.T, off, n int64) {
		r, err := OpenRange(bytes.NewReader(ct), int64(len(ct)), key, off, n)
		check(t, "single", r, err, pt, off, n)
		r, err = OpenMultipartRange(bytes.NewReader(mct), key, parts, off, n)
		check(t, "multipart", r, err, mpt, off, n)
	})
}

// FuzzUnseal: any bytes and binding either fail with ErrUnseal or are the
// one sealed key under its own binding; parse → marshal is the identity;
// and the same for KeyCheck.
func FuzzUnseal(f *testing.F) {
	kek, obj := testKey(1), testKey(2)
	b := Binding{DomainKMS, "bucket", "object"}
	sealed, _ := seal(detRand(3), kek, obj, b)
	f.Add(sealed, string(b.Domain), b.Bucket, b.Object)
	f.Add(sealed, "SSE-S3", b.Bucket, b.Object)
	f.Add(sealed[:10], "SSE-C", "", "")
	for _, path := range vectorFiles(f, "sealed-v1-*.txt") {
		v := readVector(f, path)
		bu, _ := strconv.Unquote(v.str(f, "bucket"))
		ob, _ := strconv.Unquote(v.str(f, "object"))
		f.Add(v.hex(f, "sealed"), v.str(f, "domain"), bu, ob)
	}
	f.Add(readVector(f, "testdata/derive-v1.txt").hex(f, "key-check"), "", "", "")
	f.Fuzz(func(t *testing.T, data []byte, domain, bucket, object string) {
		if s, err := ParseSealedKey(data); err == nil {
			if !bytes.Equal(s.Marshal(), data) {
				t.Fatal("parse → marshal changed the sealed key")
			}
		} else if !errors.Is(err, ErrUnseal) {
			t.Fatalf("ParseSealedKey: %v", err)
		}
		fb := Binding{Domain(domain), bucket, object}
		key, err := Unseal(kek, data, fb)
		if err == nil {
			if !bytes.Equal(data, sealed) || fb != b || !bytes.Equal(key, obj) {
				t.Fatal("forged sealed key unsealed")
			}
		} else if !errors.Is(err, ErrUnseal) {
			t.Fatalf("Unseal: %v", err)
		}
		if c, err := ParseKeyCheck(data); err == nil {
			if !bytes.Equal(c.Marshal(), data) {
				t.Fatal("parse → marshal changed the key check")
			}
		} else if !errors.Is(err, ErrKeyCheck) {
			t.Fatalf("ParseKeyCheck: %v", err)
		}
	})
}
