package sse

import (
	"bytes"
	"crypto/sha256"
	"io"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var benchSizes = []int64{1 << 20, 64 << 20, 1<<20 + 12345}

func BenchmarkEncrypt(b *testing.B) {
	key := testKey(1)
	for _, n := range benchSizes {
		pt := pattern(n)
		b.Run(strconv.FormatInt(n, 10), func(b *testing.B) {
			b.SetBytes(n)
			b.ReportAllocs()
			for b.Loop() {
				w, _ := NewWriter(io.Discard, key)
				w.Write(pt)
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecrypt(b *testing.B) {
	key := testKey(1)
	buf := make([]byte, 256<<10)
	for _, n := range benchSizes {
		ct := encrypt(b, key, pattern(n), 2)
		b.Run(strconv.FormatInt(n, 10), func(b *testing.B) {
			b.SetBytes(n)
			b.ReportAllocs()
			for b.Loop() {
				r, _ := NewReader(bytes.NewReader(ct), key, n)
				// A plain Writer, so that CopyBuffer uses buf (io.Discard's
				// ReadFrom would read in 8 KiB pieces).
				if _, err := io.CopyBuffer(struct{ io.Writer }{io.Discard}, r, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRange1KiB reads 1 KiB from the middle and the end of a 1 GiB
// generated object (package generation is part of the cost).
func BenchmarkRange1KiB(b *testing.B) {
	key := testKey(4)
	const size = 1 << 30
	g := newGenObject(b, key, size)
	for _, off := range []int64{size / 2, size - 1024} {
		b.Run(strconv.FormatInt(off, 10), func(b *testing.B) {
			b.SetBytes(1024)
			b.ReportAllocs()
			g.read.Store(0)
			for b.Loop() {
				r, err := OpenRange(g, g.encSize(), key, off, 1024)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, r); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(g.read.Load())/float64(b.N), "ct-bytes/op")
		})
	}
}

// TestMemoryFlat streams 256 MiB (32 MiB with -short) through Writer, an
// io.Pipe and Reader, sampling the heap while it runs: the peak stays within
// a few MiB of the start, whatever the size.
func TestMemoryFlat(t *testing.T) {
	size := int64(256 << 20)
	if testing.Short() || raceEnabled {
		size = 32 << 20
	}
	key := testKey(1)
	chunk := pattern(1<<20 + 3) // an odd write size
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()

	pr, pw := io.Pipe()
	want := sha256.New()
	go func() {
		w, err := NewWriter(pw, key)
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		for left := size; left > 0; {
			c := chunk[:min(int64(len(chunk)), left)]
			want.Write(c)
			if _, err := w.Write(c); err != nil {
				pw.CloseWithError(err)
				return
			}
			left -= int64(len(c))
		}
		pw.CloseWithError(w.Close())
	}()
	r, err := NewReader(pr, key, size)
	if err != nil {
		t.Fatal(err)
	}
	got := sha256.New()
	start := time.Now()
	n, err := io.CopyBuffer(got, r, make([]byte, 32<<10))
	elapsed := time.Since(start)
	close(stop)
	wg.Wait()
	if err != nil || n != size || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatalf("streamed %d of %d bytes: %v", n, size, err)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	growth := int64(peak.Load()) - int64(before.HeapInuse)
	t.Logf("%d MiB through Writer|Pipe|Reader in %v (%.0f MB/s encrypt+decrypt): heap in use %0.1f MiB before, peak %0.1f MiB (+%0.2f MiB), total allocated %0.1f MiB",
		size>>20, elapsed.Round(time.Millisecond), float64(size)/elapsed.Seconds()/1e6,
		float64(before.HeapInuse)/(1<<20), float64(peak.Load())/(1<<20), float64(growth)/(1<<20),
		float64(after.TotalAlloc-before.TotalAlloc)/(1<<20))
	if growth > 4<<20 {
		t.Fatalf("heap grew by %d bytes while streaming", growth)
	}
}
