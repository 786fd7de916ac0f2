package keyring

import (
	"crypto/rand"
	"fmt"
	"testing"
)

var benchCtx = map[string]string{"aws:s3:arn": "arn:aws:s3:::bucket/some/object/key", "department": "finance"}

func BenchmarkSeal(b *testing.B) {
	for _, size := range []int{32, 4096, 4096 + 3} {
		b.Run(fmt.Sprint(size), func(b *testing.B) { benchSeal(b, size) })
	}
}

func BenchmarkOpen(b *testing.B) {
	for _, size := range []int{32, 4096, 4096 + 3} {
		b.Run(fmt.Sprint(size), func(b *testing.B) { benchOpen(b, size) })
	}
}

func BenchmarkSeal4KiB(b *testing.B) { benchSeal(b, 4096) }
func BenchmarkOpen4KiB(b *testing.B) { benchOpen(b, 4096) }

func benchSeal(b *testing.B, size int) {
	k := testKey(b)
	pt := make([]byte, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Seal(rand.Reader, testHeader, "us-east-1", benchCtx, pt); err != nil {
			b.Fatal(err)
		}
	}
}

func benchOpen(b *testing.B, size int) {
	k := testKey(b)
	blob, err := k.Seal(rand.Reader, testHeader, "us-east-1", benchCtx, make([]byte, size))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Open(blob, "us-east-1", benchCtx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseBlob(b *testing.B) {
	k := testKey(b)
	blob, _ := k.Seal(rand.Reader, testHeader, "us-east-1", nil, make([]byte, 32))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseBlob(blob); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeContext(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		EncodeContext(benchCtx)
	}
}

func BenchmarkWrap(b *testing.B) {
	rk, _ := newRootKey(make([]byte, 32), rand.Reader)
	secret := make([]byte, 32)
	aad := []byte("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab#1")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rk.wrap(b.Context(), secret, aad); err != nil {
			b.Fatal(err)
		}
	}
}
