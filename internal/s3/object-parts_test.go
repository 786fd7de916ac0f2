package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/coffer-kms/coffer/internal/blob"
)

func TestUnusedParts(t *testing.T) {
	for _, tc := range []struct {
		name      string
		all, used []string
		want      []string
		err       error
	}{
		{name: "all used", all: []string{"a", "b"}, used: []string{"b", "a"}, want: []string{}},
		{name: "some unused", all: []string{"a", "b", "c", "d"}, used: []string{"c", "a"}, want: []string{"b", "d"}},
		{name: "replaced", all: []string{"a", "b2"}, used: []string{"a", "b"}, err: errPartReplaced},
		{name: "used twice", all: []string{"a"}, used: []string{"a", "a"}, err: errPartReplaced},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := unusedParts(tc.all, tc.used)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if err == nil && fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestPartSource reads the concatenation of several blobs at every kind of
// offset, including across blob boundaries and past the end.
func TestPartSource(t *testing.T) {
	ctx := context.Background()
	bs, err := blob.New(ctx, t.TempDir(), blob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var all []byte
	sizes := []int{5, 0, 7, 1, 11}
	ps := &partSource{starts: []int64{0}}
	for i, n := range sizes {
		w, err := bs.Create(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b := bytes.Repeat([]byte{byte('a' + i)}, n)
		w.Write(b)
		id, err := w.Commit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
		ps.ids = append(ps.ids, id)
		ps.starts = append(ps.starts, int64(len(all)))
	}
	ps.files = make([]*blob.Reader, len(ps.ids))
	opened := 0
	ps.open = func(id blob.ID) (*blob.Reader, error) { opened++; return bs.Open(ctx, id) }
	defer ps.Close()
	// Forward reads close the blobs they passed.
	for off := 0; off < len(all); off++ {
		if _, err := ps.ReadAt(make([]byte, 1), int64(off)); err != nil {
			t.Fatal(err)
		}
		for i, f := range ps.files {
			if f != nil && ps.starts[i+1] <= int64(off) {
				t.Fatalf("at %d: blob of part %d still open", off, i)
			}
		}
	}
	if opened != len(sizes)-1 {
		t.Fatalf("forward read opened %d blobs, want %d", opened, len(sizes)-1)
	}
	ps.Close()
	ps.passed, opened = 0, 0
	for off := 0; off <= len(all); off++ {
		for n := 0; n <= len(all)-off+2; n++ {
			buf := make([]byte, n)
			got, err := ps.ReadAt(buf, int64(off))
			wantN := min(n, len(all)-off)
			if got != wantN || !bytes.Equal(buf[:got], all[off:off+wantN]) {
				t.Fatalf("ReadAt(%d, %d) = %d %q, want %q", n, off, got, buf[:got], all[off:off+wantN])
			}
			if (wantN < n) != (err == io.EOF) || (err != nil && err != io.EOF) {
				t.Fatalf("ReadAt(%d, %d) err %v", n, off, err)
			}
		}
	}
	if opened == 0 {
		t.Error("no blob opened")
	}
	// A blob shorter than recorded is an error, not a short success.
	ps.starts[len(ps.starts)-1]++
	if _, err := ps.ReadAt(make([]byte, 3), int64(len(all)-2)); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short blob: err %v, want io.ErrUnexpectedEOF", err)
	}
}
