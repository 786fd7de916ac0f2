package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// FileWorkload is the physical limit an object store is measured against:
// the same bytes written to a file in Dir and fsynced (put), or read back
// from a file and hashed the way S3 GET bodies are checked (get).
type FileWorkload struct {
	Dir     string
	Size    int64
	Pattern *Pattern
	getPath string
	want    []byte
}

// PrepareFile writes the file that get cells read and returns the workload.
func PrepareFile(ctx context.Context, dir string, p *Pattern, size int64) (*FileWorkload, error) {
	w := &FileWorkload{Dir: dir, Size: size, Pattern: p, getPath: filepath.Join(dir, fmt.Sprintf("bench-%d", size))}
	if err := w.write(ctx, w.getPath, make([]byte, 256<<10)); err != nil {
		return nil, err
	}
	w.want = p.Sum(size)
	return w, nil
}

// Paths returns the files the workload wrote for workers workers, to delete.
func (w *FileWorkload) Paths(workers int) []string {
	paths := []string{w.getPath}
	for i := range workers {
		paths = append(paths, w.putPath(i))
	}
	return paths
}

func (w *FileWorkload) putPath(worker int) string {
	return filepath.Join(w.Dir, fmt.Sprintf("bench-%d.put.%d", w.Size, worker))
}

// write writes the pattern to path through buf, fsyncs and closes it.
func (w *FileWorkload) write(ctx context.Context, path string, buf []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer f.Close()
	r := w.Pattern.Reader(w.Size, false)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := r.Read(buf)
		if n > 0 {
			if _, werr := f.Write(buf[:n]); werr != nil {
				return fmt.Errorf("bench: %w", werr)
			}
		}
		if err == io.EOF {
			break
		}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}

// Op returns the named operation, OpPut or OpGet.
func (w *FileWorkload) Op(name string) (Op, error) {
	switch name {
	case OpPut:
		n := 0
		return Op{Name: name, NewRequester: func() Requester {
			n++
			return &filePut{w: w, path: w.putPath(n - 1), buf: make([]byte, 256<<10)}
		}}, nil
	case OpGet:
		return Op{Name: name, NewRequester: func() Requester {
			return &fileGet{w: w, buf: make([]byte, 256<<10)}
		}}, nil
	}
	return Op{}, fmt.Errorf("bench: unknown file operation %q (want %s or %s)", name, OpPut, OpGet)
}

type filePut struct {
	w    *FileWorkload
	path string
	buf  []byte
}

func (p *filePut) Do(ctx context.Context) error {
	return p.w.write(ctx, p.path, p.buf)
}

type fileGet struct {
	w   *FileWorkload
	buf []byte
}

func (g *fileGet) Do(ctx context.Context) error {
	f, err := os.Open(g.w.getPath)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, onlyReader{f}, g.buf)
	if err != nil {
		return err
	}
	if n != g.w.Size {
		return fmt.Errorf("read %d bytes, want %d", n, g.w.Size)
	}
	if !bytes.Equal(h.Sum(nil), g.w.want) {
		return errors.New("file holds different bytes (SHA-256 mismatch)")
	}
	return ctx.Err()
}

// onlyReader hides WriterTo, so that io.CopyBuffer uses the given buffer.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(b []byte) (int, error) { return o.r.Read(b) }
