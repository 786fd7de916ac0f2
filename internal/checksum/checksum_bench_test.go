package checksum

import (
	"fmt"
	"testing"
)

// BenchmarkHash reports MB/s per algorithm on a 64 KiB buffer (one aws-chunked
// chunk) and a non-aligned 1 MiB+13 buffer.
func BenchmarkHash(b *testing.B) {
	for _, size := range []int{64 << 10, 1<<20 + 13} {
		buf := make([]byte, size)
		for i := range buf {
			buf[i] = byte(i * 31)
		}
		for _, a := range Algorithms() {
			b.Run(fmt.Sprintf("%s/%d", a, size), func(b *testing.B) {
				h := New(a)
				out := make([]byte, 0, 32)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					h.Reset()
					h.Write(buf)
					out = h.Sum(out[:0])
				}
			})
		}
	}
}

// BenchmarkMultiHasher is the cost of the one pass done while receiving an
// object: MD5 plus the additional checksum.
func BenchmarkMultiHasher(b *testing.B) {
	buf := make([]byte, 1<<20)
	for _, a := range append([]Algorithm{""}, Algorithms()...) {
		name := string(a)
		if name == "" {
			name = "MD5only"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				m := NewMultiHasher(a, true)
				m.Write(buf)
				_ = m.Sum()
			}
		})
	}
}

// BenchmarkCombineCRC is one combination step with a 5 GiB second part (the
// S3 maximum part size).
func BenchmarkCombineCRC(b *testing.B) {
	for _, a := range []Algorithm{CRC32, CRC32C, CRC64NVME} {
		b.Run(string(a), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				CombineCRC(a, 0x1234, 0x5678, 5<<30)
			}
		})
	}
}
