package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coffer-kms/coffer/internal/app"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{in: "1024", want: 1024},
		{in: "1MiB", want: 1 << 20},
		{in: "256MiB", want: 256 << 20},
		{in: "4GiB", want: 4 << 30},
		{in: "4G", want: 4 << 30},
		{in: "3KiB", want: 3 << 10},
		{in: "0", want: 0},
		{in: "12B", want: 12},
		{in: "-1", bad: true},
		{in: "MiB", bad: true},
		{in: "1TiB", bad: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSize(tc.in)
			if tc.bad {
				if err == nil {
					t.Fatalf("ParseSize(%q) = %d, want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
			if tc.want > 0 {
				if back, err := ParseSize(strings.ReplaceAll(FormatSize(got), " ", "")); err != nil || back != got {
					t.Fatalf("FormatSize(%d) = %q does not parse back", got, FormatSize(got))
				}
			}
		})
	}
}

func TestParseProcStatus(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in       string
		rss, hwm int64
		bad      bool
	}{
		{name: "linux", in: "Name:\tcoffer\nVmPeak:\t  900 kB\nVmHWM:\t   2048 kB\nVmRSS:\t   1024 kB\n", rss: 1 << 20, hwm: 2 << 20},
		{name: "no VmHWM", in: "Name:\tx\nVmRSS:\t 1 kB\n", bad: true},
		{name: "bad unit", in: "Name:\tx\nVmRSS:\t 1 MB\nVmHWM:\t 1 kB\n", bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rss, hwm, err := ParseProcStatus([]byte(tc.in))
			if tc.bad {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil || rss != tc.rss || hwm != tc.hwm {
				t.Fatalf("got %d, %d, %v; want %d, %d", rss, hwm, err, tc.rss, tc.hwm)
			}
		})
	}
}

func TestPattern(t *testing.T) {
	p := NewPattern(7, 1000)
	const size = 2500 + 17
	all, err := io.ReadAll(p.Reader(size, false))
	if err != nil || len(all) != size {
		t.Fatalf("read %d bytes, %v", len(all), err)
	}
	if !bytes.Equal(all[1000:2000], p.Block) || !bytes.Equal(all[2000:], p.Block[:size-2000]) {
		t.Fatal("the pattern does not repeat its block")
	}
	if got := p.Slice(990, 30); !bytes.Equal(got, all[990:1020]) {
		t.Fatal("Slice across a block boundary differs from the stream")
	}
	want := sha256.Sum256(all)
	if !bytes.Equal(p.Sum(size), want[:]) {
		t.Fatal("Sum differs from the SHA-256 of the stream")
	}
}

// newCoffer serves an in-process dev Coffer and returns its URL.
func newCoffer(t *testing.T) string {
	t.Helper()
	a, err := app.Open(context.Background(), app.Options{DataDir: t.TempDir(), Dev: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestS3Smoke runs every S3 cell with small objects against an in-process
// Coffer, the file baseline, and both probes; nothing may fail, and a GET
// check must catch a wrong body.
func TestS3Smoke(t *testing.T) {
	ctx := context.Background()
	s, err := NewS3(S3Config{Endpoint: newCoffer(t), Region: "us-east-1", AccessKeyID: app.DevAccessKeyID,
		SecretAccessKey: app.DevSecretAccessKey, Bucket: "smoke", MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateBucket(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket(ctx); err != nil {
		t.Fatalf("CreateBucket again: %v", err)
	}
	p := NewPattern(1, 64<<10)
	lim := Limits{Duration: 200 * time.Millisecond, Requests: 20}
	for _, mode := range SSEModes {
		for _, size := range []int64{1, 100<<10 + 3} {
			wl, err := s.Prepare(ctx, mode, p, size)
			if err != nil {
				t.Fatalf("%s %d: %v", mode, size, err)
			}
			for _, name := range []string{OpPut, OpGet} {
				op, err := wl.Op(name)
				if err != nil {
					t.Fatal(err)
				}
				res, err := Run(ctx, op, 2, lim, 0)
				if err != nil || res.Requests == 0 || res.Errors != 0 {
					t.Fatalf("%s %d %s: %+v, %v", mode, size, name, res, err)
				}
			}
			for _, k := range wl.Keys(2) {
				if err := s.DeleteObject(ctx, k); err != nil {
					t.Fatal(err)
				}
			}
		}
	}

	t.Run("wrong body", func(t *testing.T) {
		wl, err := s.Prepare(ctx, SSES3, p, 1000)
		if err != nil {
			t.Fatal(err)
		}
		wl.want = make([]byte, 32)
		op, _ := wl.Op(OpGet)
		if err := op.NewRequester().Do(ctx); err != errWrongBody {
			t.Fatalf("GET of other bytes: %v, want errWrongBody", err)
		}
	})

	t.Run("file", func(t *testing.T) {
		fw, err := PrepareFile(ctx, t.TempDir(), p, 200<<10+1)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{OpPut, OpGet} {
			op, err := fw.Op(name)
			if err != nil {
				t.Fatal(err)
			}
			if res, err := Run(ctx, op, 2, lim, 0); err != nil || res.Errors != 0 {
				t.Fatalf("file %s: %+v, %v", name, res, err)
			}
		}
	})

	t.Run("range", func(t *testing.T) {
		r, err := s.RangeProbe(ctx, "range", SSEKMS, p, 1<<20+5, 1024, 3)
		if err != nil || r.StartP50 <= 0 || r.EndP50 <= 0 {
			t.Fatalf("%+v, %v", r, err)
		}
	})

	t.Run("memory", func(t *testing.T) {
		// The server is this process.
		m, err := s.MemoryProbe(ctx, os.Getpid(), "memory", SSES3, p, 3<<20)
		if err != nil || m.PeakGet <= 0 || m.SampledMax <= 0 {
			t.Fatalf("%+v, %v", m, err)
		}
	})
}
