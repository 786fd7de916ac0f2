// Package blob owns object bytes on the local filesystem.
//
// A Store keeps each blob in its own file under a root directory. Blobs are
// written to a temporary file, made durable with fsync, and only then given
// their final name by an atomic rename, followed by an fsync of the directory
// that holds the new name. So a blob is either absent or complete: a crash at
// any moment never leaves a partial blob visible under a blob id, and once
// Commit has returned, the blob survives a crash of the process or of the
// machine (as far as the filesystem honours fsync). The protocol is written
// down in docs/blob.md.
//
// Layout under the root:
//
//	tmp/                       temporary files of writers in progress
//	objects/ab/cd/abcd…(32)    committed blobs, sharded by the first two bytes
//
// Blob ids are 128 random bits in lowercase hex, chosen by the Store, never
// derived from user input; every method that takes an id validates its shape,
// so an id can never name a path outside objects/.
//
// The package knows nothing of buckets, keys or metadata. A blob that was
// committed but never recorded by the metadata store (the process died between
// the two) is garbage: Walk lists committed blobs so that a collector can
// compare them with the metadata store and Delete the orphans.
package blob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// ErrNotFound is returned by Open and Delete when no blob has the given id.
var ErrNotFound = errors.New("blob: not found")

// ErrInvalidID is returned when a string is not a well-formed blob id.
var ErrInvalidID = errors.New("blob: invalid id")

// ErrClosed is returned by a Writer used after Commit or Abort.
var ErrClosed = errors.New("blob: writer already committed or aborted")

const (
	idBytes   = 16 // 128 random bits
	idLen     = 2 * idBytes
	tmpDir    = "tmp"
	objDir    = "objects"
	tmpPrefix = "w-"
	filePerm  = 0o600
	dirPerm   = 0o700
)

// ID names a committed blob: 32 lowercase hexadecimal characters.
type ID string

// ParseID checks that s has the shape of a blob id and returns it.
// It returns an error wrapping ErrInvalidID otherwise.
func ParseID(s string) (ID, error) {
	if len(s) != idLen {
		return "", fmt.Errorf("%w: length %d, want %d", ErrInvalidID, len(s), idLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return "", fmt.Errorf("%w: character %d is not lowercase hex", ErrInvalidID, i)
		}
	}
	return ID(s), nil
}

// Options configures a Store. The zero value is ready to use.
type Options struct {
	// Rand is the source of blob ids. Nil means crypto/rand.Reader.
	Rand io.Reader
}

// Store keeps blobs under one root directory. It is safe for concurrent use.
// Two Stores (or two processes) must not share a root: Sweep would remove the
// other's temporary files.
type Store struct {
	root string
	rand io.Reader

	mu   sync.Mutex
	live map[string]struct{} // temp file names of writers not yet finished

	// dirs: the shard directories this Store made durable.
	dirs durableDirs
	// syncDir fsyncs a directory (the package's syncDir; tests count calls).
	syncDir func(dir string) error
	// chunks holds the Writers' write buffers (*[]byte of writeChunk
	// bytes): a buffer per blob being written, not per blob ever written.
	chunks sync.Pool
}

// New returns a Store rooted at root, creating root, root/tmp and
// root/objects if needed. It does not sweep: call Sweep at startup.
func New(ctx context.Context, root string, opts Options) (*Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("blob: new: %w", err)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("blob: new: %w", err)
	}
	for _, d := range []string{abs, filepath.Join(abs, tmpDir), filepath.Join(abs, objDir)} {
		if err := mkdirDurable(d); err != nil {
			return nil, fmt.Errorf("blob: new: %w", err)
		}
	}
	r := opts.Rand
	if r == nil {
		r = rand.Reader
	}
	s := &Store{root: abs, rand: r, live: make(map[string]struct{}), syncDir: syncDir}
	s.chunks.New = func() any { b := make([]byte, writeChunk); return &b }
	return s, nil
}

// Root returns the absolute root directory of the store.
func (s *Store) Root() string { return s.root }

// path returns the final path of id: objects/ab/cd/<id>.
func (s *Store) path(id ID) string {
	return filepath.Join(s.root, objDir, string(id[0:2]), string(id[2:4]), string(id))
}

func (s *Store) newID() (ID, error) {
	var b [idBytes]byte
	if _, err := io.ReadFull(s.rand, b[:]); err != nil {
		return "", fmt.Errorf("blob: reading randomness: %w", err)
	}
	return ID(hex.EncodeToString(b[:])), nil
}

// Create starts a new blob. The bytes written to the returned Writer are not
// visible to Open until Commit returns. The caller must call Commit or Abort.
func (s *Store) Create(ctx context.Context) (*Writer, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("blob: create: %w", err)
	}
	// Create the file and register it under one lock, so that a Sweep
	// running meanwhile either does not see the file or sees it live.
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.CreateTemp(filepath.Join(s.root, tmpDir), tmpPrefix+"*")
	if err != nil {
		return nil, fmt.Errorf("blob: create: %w", err)
	}
	name := filepath.Base(f.Name())
	s.live[name] = struct{}{}
	return &Writer{s: s, f: f, name: name}, nil
}

func (s *Store) forget(name string) {
	s.mu.Lock()
	delete(s.live, name)
	s.mu.Unlock()
}

// Open returns a reader for the committed blob id. It returns an error
// wrapping ErrInvalidID if id is malformed and ErrNotFound if there is no such
// blob. The caller must Close the reader.
func (s *Store) Open(ctx context.Context, id ID) (*Reader, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("blob: open: %w", err)
	}
	if _, err := ParseID(string(id)); err != nil {
		return nil, fmt.Errorf("blob: open: %w", err)
	}
	f, err := os.Open(s.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob: open %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", id, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blob: open %s: %w", id, err)
	}
	return &Reader{f: f, size: fi.Size()}, nil
}

// Delete removes the committed blob id and makes the removal durable. It
// returns an error wrapping ErrInvalidID if id is malformed and ErrNotFound if
// there is no such blob. Readers already open keep reading the old bytes.
func (s *Store) Delete(ctx context.Context, id ID) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blob: delete: %w", err)
	}
	if _, err := ParseID(string(id)); err != nil {
		return fmt.Errorf("blob: delete: %w", err)
	}
	p := s.path(id)
	if err := os.Remove(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("blob: delete %s: %w", id, ErrNotFound)
		}
		return fmt.Errorf("blob: delete %s: %w", id, err)
	}
	if err := s.syncDir(filepath.Dir(p)); err != nil {
		return fmt.Errorf("blob: delete %s: %w", id, err)
	}
	return nil
}
