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
	// buf collects bytes until writeChunk of them can go to the file in
	// one page-aligned write (the callers write 64 KiB + 32 byte packages;
	// unaligned writes cost the kernel more per byte, docs/blob.md).
	// Taken from the Store's pool on the first Write.
	buf *[]byte
	// buffered is how many bytes of *buf are waiting.
	buffered int
}

// writeChunk is the size of the Writer's writes to the file.
const writeChunk = 256 << 10

// Write appends p to the blob. Bytes may wait in the Writer until Commit;
// a write error may therefore surface at a later Write or at Commit.
func (w *Writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, ErrClosed
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.buf == nil {
		w.buf = w.s.chunks.Get().(*[]byte)
	}
	written := 0
	for len(p) > 0 {
		if w.buffered == 0 && len(p) >= writeChunk {
			// Whole chunks go to the file without a copy.
			n := len(p) - len(p)%writeChunk
			if err := w.writeFile(p[:n]); err != nil {
				w.n += int64(written)
				return written, err
			}
			written += n
			p = p[n:]
			continue
		}
		n := copy((*w.buf)[w.buffered:], p)
		w.buffered += n
		written += n
		p = p[n:]
		if w.buffered == writeChunk {
			if err := w.flush(); err != nil {
				w.n += int64(written)
				return written, err
			}
		}
	}
	w.n += int64(written)
	return written, nil
}

// flush writes the waiting bytes to the file.
func (w *Writer) flush() error {
	if w.buffered == 0 {
		return nil
	}
	err := w.writeFile((*w.buf)[:w.buffered])
	w.buffered = 0
	return err
}

// writeFile writes p to the file, recording the first error.
func (w *Writer) writeFile(p []byte) error {
	if _, err := w.f.Write(p); err != nil {
		w.err = fmt.Errorf("blob: write: %w", err)
		return w.err
	}
	return nil
}

// release returns the buffer to the Store's pool.
func (w *Writer) release() {
	if w.buf != nil {
		w.s.chunks.Put(w.buf)
		w.buf, w.buffered = nil, 0
	}
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
	err := w.flush()
	w.release()
	if err != nil {
		_ = w.Abort()
		return "", err
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
	w.release()
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
