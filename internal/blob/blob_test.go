package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func newStore(t testing.TB) *Store {
	t.Helper()
	s, err := New(context.Background(), t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func put(t testing.TB, s *Store, data []byte) ID {
	t.Helper()
	ctx := context.Background()
	w, err := s.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	id, err := w.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for _, tc := range []struct {
		name string
		size int
	}{
		{"empty", 0},
		{"one byte", 1},
		{"odd", 65537},
		{"1MiB", 1 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := make([]byte, tc.size)
			for i := range data {
				data[i] = byte(i * 7)
			}
			id := put(t, s, data)
			if _, err := ParseID(string(id)); err != nil {
				t.Fatalf("Commit returned malformed id %q: %v", id, err)
			}
			r, err := s.Open(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.Size() != int64(tc.size) {
				t.Fatalf("Size = %d, want %d", r.Size(), tc.size)
			}
			got, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("ReadAll: %v, equal=%v", err, bytes.Equal(got, data))
			}
			if tc.size > 10 {
				p := make([]byte, 5)
				off := int64(tc.size / 2)
				if _, err := r.ReadAt(p, off); err != nil || !bytes.Equal(p, data[off:off+5]) {
					t.Fatalf("ReadAt: %v %x", err, p)
				}
			}
			// Sharded path: objects/ab/cd/<id>.
			want := filepath.Join(s.Root(), "objects", string(id[:2]), string(id[2:4]), string(id))
			if _, err := os.Stat(want); err != nil {
				t.Fatalf("blob not at sharded path: %v", err)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	id := put(t, s, []byte("x"))
	if err := s.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open after Delete: %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete: %v, want ErrNotFound", err)
	}
}

func TestOpenMissing(t *testing.T) {
	s := newStore(t)
	_, err := s.Open(context.Background(), ID("0123456789abcdef0123456789abcdef"))
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
}

func TestBadIDs(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for _, bad := range []string{
		"",
		"abc",
		"../../../../../../etc/passwd",
		"0123456789ABCDEF0123456789ABCDEF",    // upper case
		"0123456789abcdef0123456789abcde",     // 31
		"0123456789abcdef0123456789abcdef0",   // 33
		"0123456789abcdef/123456789abcdef0",   // separator
		"..23456789abcdef0123456789abcdef",    // dots
		"0123456789abcdef0123456789abcde\x00", // NUL
		"0123456789abcdeg0123456789abcdef",    // g
	} {
		if _, err := ParseID(bad); !errors.Is(err, ErrInvalidID) {
			t.Errorf("ParseID(%q) = %v, want ErrInvalidID", bad, err)
		}
		if _, err := s.Open(ctx, ID(bad)); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Open(%q) = %v, want ErrInvalidID", bad, err)
		}
		if err := s.Delete(ctx, ID(bad)); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Delete(%q) = %v, want ErrInvalidID", bad, err)
		}
	}
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

func TestAbort(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	w, err := s.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("never"))
	if n := countFiles(t, filepath.Join(s.Root(), "tmp")); n != 1 {
		t.Fatalf("%d temp files while writing, want 1", n)
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Fatalf("second Abort: %v", err)
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Abort: %v", err)
	}
	if _, err := w.Commit(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("Commit after Abort: %v", err)
	}
	if n := countFiles(t, filepath.Join(s.Root(), "tmp")); n != 0 {
		t.Fatalf("%d temp files after Abort", n)
	}
	var seen int
	s.Walk(ctx, func(Info) error { seen++; return nil })
	if seen != 0 {
		t.Fatalf("Walk saw %d blobs after Abort", seen)
	}
}

func TestCommitTwice(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	w, _ := s.Create(ctx)
	if _, err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Commit: %v", err)
	}
	if err := w.Abort(); err != nil {
		t.Fatalf("Abort after Commit: %v", err)
	}
}

func TestCommitCanceled(t *testing.T) {
	s := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	w, err := s.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("data"))
	cancel()
	if _, err := w.Commit(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Commit with canceled ctx: %v", err)
	}
	if n := countFiles(t, filepath.Join(s.Root(), "tmp")); n != 0 {
		t.Fatalf("%d temp files left", n)
	}
	if _, err := s.Create(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Create with canceled ctx: %v", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func TestRandFailure(t *testing.T) {
	ctx := context.Background()
	s, err := New(ctx, t.TempDir(), Options{Rand: errReader{}})
	if err != nil {
		t.Fatal(err)
	}
	w, _ := s.Create(ctx)
	if _, err := w.Commit(ctx); err == nil {
		t.Fatal("Commit succeeded without randomness")
	}
	if n := countFiles(t, filepath.Join(s.Root(), "tmp")); n != 0 {
		t.Fatalf("%d temp files left", n)
	}
}

func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const writers, each = 8, 25
	var mu sync.Mutex
	want := map[ID][]byte{}
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				data := bytes.Repeat([]byte{byte(g), byte(i)}, 1000+g*i)
				w, err := s.Create(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				w.Write(data[:len(data)/2])
				w.Write(data[len(data)/2:])
				if i%5 == 4 {
					w.Abort()
					continue
				}
				id, err := w.Commit(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if _, dup := want[id]; dup {
					t.Errorf("duplicate id %s", id)
				}
				want[id] = data
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for id, data := range want {
		r, err := s.Open(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(r)
		r.Close()
		if !bytes.Equal(got, data) {
			t.Fatalf("blob %s: wrong content", id)
		}
	}
	seen := 0
	if err := s.Walk(ctx, func(in Info) error {
		if _, ok := want[in.ID]; !ok {
			t.Errorf("Walk: unexpected blob %s", in.ID)
		}
		if in.Size != int64(len(want[in.ID])) {
			t.Errorf("Walk: %s size %d", in.ID, in.Size)
		}
		seen++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if seen != len(want) {
		t.Fatalf("Walk saw %d blobs, want %d", seen, len(want))
	}
	if n := countFiles(t, filepath.Join(s.Root(), "tmp")); n != 0 {
		t.Fatalf("%d temp files left", n)
	}
}

func TestSweep(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	s, err := New(ctx, root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	kept := put(t, s, []byte("kept"))
	// Leftovers of a dead process: plain files and a stray directory.
	for _, name := range []string{"w-1", "w-2", "junk"} {
		os.WriteFile(filepath.Join(root, "tmp", name), []byte("partial"), 0o600)
	}
	os.MkdirAll(filepath.Join(root, "tmp", "dir", "sub"), 0o700)
	// A writer in progress in this process must survive the sweep.
	w, err := s.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("in flight"))

	n, err := s.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Fatalf("Sweep removed %d, want 4", n)
	}
	inflight, err := w.Commit(ctx)
	if err != nil {
		t.Fatalf("in-flight writer lost its temp file: %v", err)
	}
	if n, _ := s.Sweep(ctx); n != 0 {
		t.Fatalf("second Sweep removed %d", n)
	}
	// A fresh Store on the same root (restart) sweeps nothing more and
	// still sees both blobs.
	s2, err := New(ctx, root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []ID
	s2.Walk(ctx, func(in Info) error { ids = append(ids, in.ID); return nil })
	if len(ids) != 2 || !(ids[0] == kept || ids[1] == kept) || !(ids[0] == inflight || ids[1] == inflight) {
		t.Fatalf("Walk = %v, want %s and %s", ids, kept, inflight)
	}
}

func TestWalkIgnoresStrangers(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	id := put(t, s, []byte("a"))
	obj := filepath.Join(s.Root(), "objects")
	os.WriteFile(filepath.Join(obj, "README"), nil, 0o600)
	os.WriteFile(filepath.Join(obj, string(id[:2]), string(id[2:4]), "notanid"), nil, 0o600)
	// A valid id in the wrong shard is not a blob.
	other := "ffff" + string(id[4:])
	if other == string(id) {
		other = "eeee" + string(id[4:])
	}
	os.WriteFile(filepath.Join(obj, string(id[:2]), string(id[2:4]), other), nil, 0o600)
	var ids []ID
	if err := s.Walk(ctx, func(in Info) error { ids = append(ids, in.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0] != id {
		t.Fatalf("Walk = %v, want [%s]", ids, id)
	}
	// ErrSkipRest stops without error.
	put(t, s, []byte("b"))
	calls := 0
	if err := s.Walk(ctx, func(Info) error { calls++; return ErrSkipRest }); err != nil || calls != 1 {
		t.Fatalf("Walk with ErrSkipRest: %v, %d calls", err, calls)
	}
}

// TestWriteSequences writes blobs in pieces of many sizes around the
// Writer's buffer (writeChunk): what is committed is every byte, in order,
// and Size counts what was accepted.
func TestWriteSequences(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const pkg = 64<<10 + 32 // a DARE package with its overhead
	for _, tc := range []struct {
		name   string
		pieces []int
	}{
		{"packages", []int{pkg, pkg, pkg, pkg, pkg, 100}},
		{"exact chunk", []int{writeChunk}},
		{"chunk and a byte", []int{writeChunk + 1}},
		{"byte then chunks", []int{1, 2 * writeChunk, writeChunk - 1, 1}},
		{"large unaligned", []int{3*writeChunk + 17, 5, writeChunk}},
		{"small pieces", []int{7, 4096, 13, 65536, 1, 200000, 30000}},
		{"empty writes", []int{0, 10, 0, writeChunk, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := s.Create(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var want []byte
			for i, n := range tc.pieces {
				p := make([]byte, n)
				for j := range p {
					p[j] = byte(len(want) + j*31 + i)
				}
				got, err := w.Write(p)
				if err != nil || got != n {
					t.Fatalf("Write(%d bytes) = %d, %v", n, got, err)
				}
				want = append(want, p...)
				if w.Size() != int64(len(want)) {
					t.Fatalf("Size = %d after %d bytes", w.Size(), len(want))
				}
			}
			id, err := w.Commit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			r, err := s.Open(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("read %d bytes (%v), want %d; equal %v", len(got), err, len(want), bytes.Equal(got, want))
			}
		})
	}
}
