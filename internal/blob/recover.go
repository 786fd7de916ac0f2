package blob

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Sweep removes leftover temporary files: those of writers that never
// committed or aborted, typically because the process died. It returns how
// many it removed. Temporary files of this Store's writers still in progress
// are kept, so Sweep is safe while the Store is in use; it is meant to run at
// startup, before serving. Temp files are never blobs, so no committed blob is
// affected.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	dir := filepath.Join(s.root, tmpDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("blob: sweep: %w", err)
	}
	n := 0
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return n, fmt.Errorf("blob: sweep: %w", err)
		}
		name := e.Name()
		s.mu.Lock()
		_, live := s.live[name]
		s.mu.Unlock()
		if live {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			return n, fmt.Errorf("blob: sweep: %w", err)
		}
		n++
	}
	if n > 0 {
		if err := syncDir(dir); err != nil {
			return n, fmt.Errorf("blob: sweep: %w", err)
		}
	}
	return n, nil
}

// Info describes a committed blob.
type Info struct {
	ID      ID
	Size    int64
	ModTime time.Time // when it was committed, as the filesystem saw it
}

// ErrSkipRest, returned by a Walk callback, stops the walk without error.
var ErrSkipRest = errors.New("blob: stop walk")

// Walk calls fn for every committed blob, in lexical id order. Files under
// objects/ whose names are not blob ids in their right shard are ignored.
// Blobs committed or deleted during the walk may or may not be seen.
//
// A collector compares the ids with the metadata store and deletes those it
// does not know. It must spare blobs younger than the longest upload (see
// Info.ModTime): a blob is committed before its metadata is recorded.
func (s *Store) Walk(ctx context.Context, fn func(Info) error) error {
	base := filepath.Join(s.root, objDir)
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p != base {
				return nil // removed while walking
			}
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		rel, rerr := filepath.Rel(base, p)
		if rerr != nil {
			return rerr
		}
		depth := 0
		if rel != "." {
			depth = strings.Count(rel, string(filepath.Separator)) + 1
		}
		if d.IsDir() {
			if depth > 2 {
				return fs.SkipDir
			}
			return nil
		}
		if depth != 3 || !d.Type().IsRegular() {
			return nil
		}
		id, perr := ParseID(d.Name())
		if perr != nil || s.path(id) != p {
			return nil
		}
		fi, ierr := d.Info()
		if errors.Is(ierr, fs.ErrNotExist) {
			return nil
		}
		if ierr != nil {
			return ierr
		}
		return fn(Info{ID: id, Size: fi.Size(), ModTime: fi.ModTime()})
	})
	if errors.Is(err, ErrSkipRest) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("blob: walk: %w", err)
	}
	return nil
}
