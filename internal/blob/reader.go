package blob

import (
	"io"
	"os"
)

// Reader reads one committed blob. Read and Seek share an offset; ReadAt
// does not use it and may be called concurrently, which suits range reads.
type Reader struct {
	f    *os.File
	size int64
}

var (
	_ io.Reader   = (*Reader)(nil)
	_ io.ReaderAt = (*Reader)(nil)
	_ io.Seeker   = (*Reader)(nil)
	_ io.Closer   = (*Reader)(nil)
)

// Size returns the length of the blob in bytes.
func (r *Reader) Size() int64 { return r.size }

// Read reads from the current offset.
func (r *Reader) Read(p []byte) (int, error) { return r.f.Read(p) }

// ReadAt reads len(p) bytes at offset off; see io.ReaderAt.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) { return r.f.ReadAt(p, off) }

// Seek sets the offset for the next Read; see io.Seeker.
func (r *Reader) Seek(offset int64, whence int) (int64, error) { return r.f.Seek(offset, whence) }

// Close releases the file.
func (r *Reader) Close() error { return r.f.Close() }
