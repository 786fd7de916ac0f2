package sse

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"

	"github.com/minio/sio"
)

// Format constants of a DARE 2.0 stream as Coffer writes it.
const (
	// KeySize is the size of an object key, a part key and a key-encryption key.
	KeySize = 32
	// PayloadSize is the plaintext size of every package but the last.
	PayloadSize = 64 << 10
	// PackageOverhead is the size a package adds to its payload: a 16-byte
	// header and a 16-byte GCM tag.
	PackageOverhead = 16 + 16
	// PackageSize is the encrypted size of a full package.
	PackageSize = PayloadSize + PackageOverhead
	// MaxPackages is the number of packages one stream can hold (the sequence
	// number is 32 bits).
	MaxPackages = 1 << 32
	// MaxSize is the largest plaintext one stream can hold: 2^32 packages of
	// 64 KiB, 256 TiB. S3 objects (5 TiB) and parts (5 GiB) are far below it.
	MaxSize = MaxPackages * PayloadSize
)

var (
	// ErrAuth is the one error for ciphertext that does not decrypt: a wrong
	// key, a modified, truncated, extended or reordered stream, or a package
	// from another stream. It says nothing about which.
	ErrAuth = errors.New("sse: object ciphertext failed authentication")
	// ErrInvalidSize is returned for a size that no stream can have: negative,
	// above MaxSize, or an encrypted size that ends in a package with no
	// payload.
	ErrInvalidSize = errors.New("sse: invalid stream size")
	// ErrTooLarge is returned by a Writer asked to encrypt more than MaxSize bytes.
	ErrTooLarge = errors.New("sse: stream larger than the format allows")
	// ErrKeySize is returned when a key is not KeySize bytes long.
	ErrKeySize = errors.New("sse: key must be 32 bytes")
)

// config is the only sio configuration Coffer uses: DARE 2.0 and
// AES-256-GCM, whatever the CPU (sio would otherwise prefer
// ChaCha20-Poly1305 on CPUs without AES instructions). Decryption accepts
// nothing else, so a package claiming another version or cipher is ErrAuth.
func config(key []byte, seq uint32, rnd io.Reader) sio.Config {
	return sio.Config{
		MinVersion:     sio.Version20,
		MaxVersion:     sio.Version20,
		CipherSuites:   []byte{sio.AES_256_GCM},
		Key:            key,
		SequenceNumber: seq,
		Rand:           rnd,
	}
}

// NewObjectKey returns a fresh 256-bit object key read from rnd, or from
// crypto/rand when rnd is nil.
func NewObjectKey(rnd io.Reader) ([]byte, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	k := make([]byte, KeySize)
	if _, err := io.ReadFull(rnd, k); err != nil {
		return nil, fmt.Errorf("sse: generating object key: %w", err)
	}
	return k, nil
}

// EncryptedSize returns the size of the stream that encrypts n plaintext
// bytes: n plus 32 bytes per started 64 KiB package. An empty plaintext is an
// empty stream. It returns ErrInvalidSize if n is negative or above MaxSize.
func EncryptedSize(n int64) (int64, error) {
	if n < 0 || n > MaxSize {
		return 0, ErrInvalidSize
	}
	pkgs := (n + PayloadSize - 1) / PayloadSize
	return n + pkgs*PackageOverhead, nil
}

// DecryptedSize returns the plaintext size of a stream of m encrypted bytes,
// the inverse of EncryptedSize. It returns ErrInvalidSize if no stream has
// that size: m negative, too large, or m mod PackageSize in [1, 32] (a last
// package without payload).
func DecryptedSize(m int64) (int64, error) {
	if m < 0 {
		return 0, ErrInvalidSize
	}
	full, rest := m/PackageSize, m%PackageSize
	if rest > 0 && rest <= PackageOverhead {
		return 0, ErrInvalidSize
	}
	n := full * PayloadSize
	if rest > 0 {
		n += rest - PackageOverhead
	}
	if n > MaxSize {
		return 0, ErrInvalidSize
	}
	return n, nil
}

// Writer encrypts an object into a DARE 2.0 stream. Create it with NewWriter.
type Writer struct {
	w   io.WriteCloser
	n   int64
	err error
}

var _ io.WriteCloser = (*Writer)(nil)

// noCloser hides the destination's Close from sio, whose writer closes its
// destination when it is closed.
type noCloser struct{ io.Writer }

// NewWriter returns a Writer that encrypts everything written to it under
// objectKey (KeySize bytes, used for this one stream only) and writes the
// ciphertext to dst, one 64 KiB package at a time. Close must be called, and
// must succeed, to write the final package; it does not close dst. The
// stream nonce is read from crypto/rand.
//
// A key MUST NOT encrypt two streams: use a fresh NewObjectKey per object and
// PartKey per part.
func NewWriter(dst io.Writer, objectKey []byte) (*Writer, error) {
	return newWriter(dst, objectKey, rand.Reader)
}

func newWriter(dst io.Writer, key []byte, rnd io.Reader) (*Writer, error) {
	if len(key) != KeySize {
		return nil, ErrKeySize
	}
	w, err := sio.EncryptWriter(noCloser{dst}, config(key, 0, rnd))
	if err != nil {
		return nil, fmt.Errorf("sse: %w", err)
	}
	return &Writer{w: w}, nil
}

// Write encrypts p. Ciphertext reaches dst in whole packages, so up to 64 KiB
// of plaintext stays buffered in memory until the next Write or Close.
// It returns ErrTooLarge past MaxSize bytes, and dst's error if a write fails;
// after an error the Writer is unusable.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if int64(len(p)) > MaxSize-w.n {
		w.err = ErrTooLarge
		return 0, w.err
	}
	n, err := w.w.Write(p)
	w.n += int64(n)
	if err != nil {
		w.err = err
	}
	return n, err
}

// Close writes the final package. It does not close the destination.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	return w.w.Close()
}

// Size returns the number of plaintext bytes written so far.
func (w *Writer) Size() int64 { return w.n }

// Reader decrypts a DARE 2.0 stream. Create it with NewReader.
type Reader struct {
	r    io.Reader
	raw  io.Reader
	want int64
	n    int64
	err  error
}

var _ io.Reader = (*Reader)(nil)

// NewReader returns a Reader that decrypts the stream read from src with
// objectKey and expects exactly size plaintext bytes (the size recorded with
// the object). A package's plaintext is returned only after its tag
// verified. Read returns ErrAuth if the stream is not the authentic,
// complete stream of size bytes under this key; the caller must then abort
// whatever it already sent. The size matters for one case the DARE format
// cannot see by itself: an empty plaintext is an empty stream, so a stream
// cut to nothing is caught only by its expected size.
func NewReader(src io.Reader, objectKey []byte, size int64) (*Reader, error) {
	if len(objectKey) != KeySize {
		return nil, ErrKeySize
	}
	if size < 0 || size > MaxSize {
		return nil, ErrInvalidSize
	}
	r, err := sio.DecryptReader(src, config(objectKey, 0, nil))
	if err != nil {
		return nil, fmt.Errorf("sse: %w", err)
	}
	return &Reader{r: r, raw: src, want: size}, nil
}

// Read decrypts into p. It returns io.EOF after the final package, ErrAuth
// for a stream that fails authentication or has the wrong size, and src's
// own errors as they are.
func (r *Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.want == 0 {
		// DARE encodes the empty plaintext as the empty stream: anything
		// else is not the stream we expect.
		var b [1]byte
		n, err := io.ReadFull(r.raw, b[:])
		switch {
		case n == 0 && err == io.EOF:
			r.err = io.EOF
		case err == nil || err == io.ErrUnexpectedEOF:
			r.err = ErrAuth
		default:
			r.err = err
		}
		return 0, r.err
	}
	n, err := r.r.Read(p)
	r.n += int64(n)
	if r.n > r.want {
		r.err = ErrAuth
		return 0, r.err
	}
	switch {
	case err == io.EOF && r.n != r.want:
		err = ErrAuth
	case isSioError(err):
		err = ErrAuth
	}
	if err != nil {
		r.err = err
	}
	return n, err
}

func isSioError(err error) bool {
	var e sio.Error
	return errors.As(err, &e)
}
