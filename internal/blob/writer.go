package blob

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Writer receives the bytes of one new blob. It is not safe for concurrent
// use. Exactly one of Commit and Abort must be called; both may be called
// after a failed Write.
type Writer struct {
	s    *Store
	f    *os.File
	name string // base name of the temp file under root/tmp
	n    int64
	done bool
	err  error // first write error; Commit refuses to commit after one
}

// Write appends p to the blob.
func (w *Writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, ErrClosed
	}
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.f.Write(p)
	w.n += int64(n)
	if err != nil {
		w.err = fmt.Errorf("blob: write: %w", err)
		return n, w.err
	}
	return n, nil
}

// Size returns the number of bytes written so far.
func (w *Writer) Size() int64 { return w.n }

// Commit makes the blob durable and visible, and returns its id. When Commit
// returns nil error, the blob is on stable storage under its id:
//
//  1. fsync the temp file (data and size),
//  2. create the shard directories if missing,
//  3. rename the temp file to objects/ab/cd/<id> (atomic),
//  4. fsync objects/ab/cd so the new name is durable,
//  5. if the shard directory is new, or not yet known to this Store as
//     durable: fsync objects/ab (and objects) so its entry is durable.
//
// On error, the temp file is removed and no blob is visible. If ctx is done
// before the rename, Commit aborts and returns ctx's error.
func (w *Writer) Commit(ctx context.Context) (ID, error) {
	if w.done {
		return "", ErrClosed
	}
	if w.err != nil {
		_ = w.Abort()
		return "", w.err
	}
	id, err := w.commit(ctx)
	if err != nil {
		_ = w.Abort()
		return "", err
	}
	return id, nil
}

func (w *Writer) commit(ctx context.Context) (ID, error) {
	if err := w.f.Sync(); err != nil {
		return "", fmt.Errorf("blob: commit: fsync: %w", err)
	}
	if err := w.f.Close(); err != nil {
		return "", fmt.Errorf("blob: commit: close: %w", err)
	}
	id, err := w.s.newID()
	if err != nil {
		return "", fmt.Errorf("blob: commit: %w", err)
	}
	final := w.s.path(id)
	newShard, err := w.s.prepareShard(id)
	if err != nil {
		return "", fmt.Errorf("blob: commit: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("blob: commit: %w", err)
	}
	tmp := filepath.Join(w.s.root, tmpDir, w.name)
	if err := os.Rename(tmp, final); err != nil {
		return "", fmt.Errorf("blob: commit: rename: %w", err)
	}
	// From here the blob is visible; the temp name no longer exists.
	w.done = true
	w.s.forget(w.name)
	err = w.s.syncDir(filepath.Dir(final))
	if err == nil && newShard {
		// The shard directory's own entry, after the blob's: nothing is
		// acknowledged before both are durable, and this fsync usually
		// finds its work done by the one before (docs/blob.md).
		err = w.s.syncShard(id)
	}
	if err != nil {
		// The rename happened but may not be durable. Take the blob back so
		// that an unacknowledged blob is not left visible; if that fails too
		// it is an orphan for the collector.
		_ = os.Remove(final)
		return "", fmt.Errorf("blob: commit: fsync directory: %w", err)
	}
	return id, nil
}

// Abort discards the blob and removes its temp file. Abort after Commit
// succeeded, or a second Abort, does nothing and returns nil.
func (w *Writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	defer w.s.forget(w.name)
	cerr := w.f.Close()
	if errors.Is(cerr, os.ErrClosed) {
		cerr = nil // closed by a failed Commit
	}
	rerr := os.Remove(filepath.Join(w.s.root, tmpDir, w.name))
	if rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		return fmt.Errorf("blob: abort: %w", rerr)
	}
	if cerr != nil {
		return fmt.Errorf("blob: abort: %w", cerr)
	}
	return nil
}
