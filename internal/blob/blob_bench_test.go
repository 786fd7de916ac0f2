package blob

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// benchDir lets the benchmarks run on a chosen filesystem
// (COFFER_BENCH_DIR); the default is the test's temp dir.
func benchDir(b *testing.B) string {
	if d := os.Getenv("COFFER_BENCH_DIR"); d != "" {
		dir, err := os.MkdirTemp(d, "blobbench")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(dir) })
		return dir
	}
	return b.TempDir()
}

var benchSizes = []int{1 << 20, 64 << 20}

// BenchmarkCommit measures Create+Write+Commit (fsync of the file, rename,
// fsync of the shard directory) against the floor: os.WriteFile of the same
// bytes followed by one fsync of the file. "cold" starts from an empty store,
// so most commits also create two shard directories and fsync their parents;
// "warm" has every shard directory already, as a store with many blobs does.
func BenchmarkCommit(b *testing.B) {
	ctx := context.Background()
	for _, size := range benchSizes {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i)
		}
		name := fmt.Sprintf("%dMiB", size>>20)
		for _, warm := range []bool{false, true} {
			sub := "store/cold/" + name
			if warm {
				sub = "store/warm/" + name
			}
			b.Run(sub, func(b *testing.B) {
				dir := benchDir(b)
				s, err := New(ctx, dir, Options{})
				if err != nil {
					b.Fatal(err)
				}
				if warm {
					// Reopened, as a store with many blobs is at startup
					// (the first commit into each shard then fsyncs its
					// parents once).
					prewarm(b, s)
					if s, err = New(ctx, dir, Options{}); err != nil {
						b.Fatal(err)
					}
				}
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					w, err := s.Create(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := w.Write(data); err != nil {
						b.Fatal(err)
					}
					id, err := w.Commit(ctx)
					if err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					s.Delete(ctx, id)
					b.StartTimer()
				}
			})
		}
		b.Run("writefile+fsync/"+name, func(b *testing.B) {
			dir := benchDir(b)
			p := filepath.Join(dir, "f")
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := os.WriteFile(p, data, 0o600); err != nil {
					b.Fatal(err)
				}
				f, err := os.Open(p)
				if err != nil {
					b.Fatal(err)
				}
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
				f.Close()
				b.StopTimer()
				os.Remove(p)
				b.StartTimer()
			}
		})
	}
}

// prewarm creates all 65536 shard directories, as in a store that already
// holds many blobs: commits then pay no mkdir and no parent fsync.
func prewarm(b *testing.B, s *Store) {
	b.Helper()
	const hex = "0123456789abcdef"
	for i := range 256 {
		for j := range 256 {
			d := filepath.Join(s.Root(), "objects", string([]byte{hex[i>>4], hex[i&15]}), string([]byte{hex[j>>4], hex[j&15]}))
			if err := os.MkdirAll(d, 0o700); err != nil {
				b.Fatal(err)
			}
		}
	}
}
