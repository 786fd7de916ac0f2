package blob

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// idReader hands out the bytes of the ids queued in it, in order.
type idReader struct{ ids []string }

func (r *idReader) Read(p []byte) (int, error) {
	b, _ := hex.DecodeString(r.ids[0])
	r.ids = r.ids[1:]
	return copy(p, b), nil
}

// TestShardDirectorySync checks which directories a commit fsyncs: always
// the shard directory holding the new name; its parents only when the
// shard is new, or not yet made durable by this Store (it may have been
// created by a process that died before fsyncing the parent).
func TestShardDirectorySync(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	rnd := &idReader{}
	var synced []string
	open := func() *Store {
		s, err := New(ctx, root, Options{Rand: rnd})
		if err != nil {
			t.Fatal(err)
		}
		s.syncDir = func(dir string) error {
			rel, _ := filepath.Rel(filepath.Join(root, objDir), dir)
			synced = append(synced, filepath.ToSlash(rel))
			return syncDir(dir)
		}
		return s
	}
	id := func(prefix string) string { return prefix + strings.Repeat("0", idLen-len(prefix)-1) + "1" }
	s := open()
	tests := []struct {
		name   string
		before func()
		id     string
		want   []string // directories fsynced, relative to objects/
	}{
		{"new shard, new top", nil, id("aabb"), []string{"aa/bb", "aa", "."}},
		{"known shard", nil, id("aabb0"), []string{"aa/bb"}},
		{"new shard, known top", nil, id("aacc"), []string{"aa/cc", "aa"}},
		{"known shard again", nil, id("aacc0"), []string{"aa/cc"}},
		{"existing shard, new Store", func() { s = open() }, id("aabb1"), []string{"aa/bb", "aa", "."}},
		{"then known", nil, id("aabb2"), []string{"aa/bb"}},
		{"shard made by another after New", func() {
			if err := os.Mkdir(filepath.Join(root, objDir, "aa", "dd"), dirPerm); err != nil {
				t.Fatal(err)
			}
		}, id("aadd"), []string{"aa/dd", "aa"}},
		{"and then known", nil, id("aadd0"), []string{"aa/dd"}},
		{"known shard removed behind our back", func() {
			if err := os.RemoveAll(filepath.Join(root, objDir, "aa", "cc")); err != nil {
				t.Fatal(err)
			}
		}, id("aacc1"), []string{"aa/cc", "aa"}},
		{"known top removed behind our back", func() {
			if err := os.RemoveAll(filepath.Join(root, objDir, "aa")); err != nil {
				t.Fatal(err)
			}
		}, id("aabb3"), []string{"aa/bb", "aa", "."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.before != nil {
				tc.before()
			}
			rnd.ids = []string{tc.id}
			synced = nil
			got := put(t, s, []byte(tc.name))
			if string(got) != tc.id {
				t.Fatalf("id %s, want %s", got, tc.id)
			}
			if strings.Join(synced, " ") != strings.Join(tc.want, " ") {
				t.Errorf("fsynced %q, want %q", synced, tc.want)
			}
			r, err := s.Open(ctx, got)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			b := make([]byte, len(tc.name))
			if _, err := r.ReadAt(b, 0); err != nil || !bytes.Equal(b, []byte(tc.name)) {
				t.Errorf("read back %q, %v", b, err)
			}
		})
	}
}
