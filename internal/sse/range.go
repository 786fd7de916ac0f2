package sse

import (
	"errors"
	"fmt"
	"io"

	"github.com/minio/sio"
)

// ErrRange is returned for a range that does not lie within the plaintext:
// a negative offset or length, or offset+length past the end. S3 maps it to
// InvalidRange (416).
var ErrRange = errors.New("sse: range outside the object")

// OpenRange returns a reader of the plaintext bytes [offset, offset+length)
// of the stream of encryptedSize bytes stored in src, encrypted under key
// (an object key, or a part key for one part).
//
// Only the packages covering the range are read and decrypted:
//
//	first = offset / 64 KiB                 // package holding the first byte
//	last  = (offset+length-1) / 64 KiB      // package holding the last byte
//	read  src[first*(64 KiB+32) : min((last+1)*(64 KiB+32), encryptedSize)]
//	decrypt with sequence numbers first..last, skip offset % 64 KiB bytes
//
// The stream's final package is always authenticated and must carry the
// final flag, so a stream cut at a package boundary (which encryptedSize
// alone cannot reveal) is caught: when last is the final package, its flag is
// checked as the range ends; otherwise the final package is also read and
// authenticated at open, so a range read costs at most one extra package. OpenRange reads and authenticates the first package
// before it returns, so a wrong key or corrupt data is reported before a
// caller commits to a response.
//
// It returns ErrInvalidSize if no stream has encryptedSize bytes, ErrRange if
// the range is not within the plaintext, ErrAuth if the packages read do not
// authenticate (here or later from Read), and src's errors as they are.
// A zero length gives an empty reader.
func OpenRange(src io.ReaderAt, encryptedSize int64, key []byte, offset, length int64) (io.Reader, error) {
	if len(key) != KeySize {
		return nil, ErrKeySize
	}
	size, err := DecryptedSize(encryptedSize)
	if err != nil {
		return nil, err
	}
	if offset < 0 || length < 0 || offset > size || length > size-offset {
		return nil, ErrRange
	}
	if length == 0 {
		return eofReader{}, nil
	}
	first := offset / PayloadSize
	last := (offset + length - 1) / PayloadSize
	final := (size - 1) / PayloadSize
	if last != final {
		if err := verifyFinal(src, encryptedSize, key, final); err != nil {
			return nil, err
		}
	}
	start := first * PackageSize
	end := min((last+1)*PackageSize, encryptedSize)
	dr, err := sio.DecryptReader(io.NewSectionReader(src, start, end-start), config(key, uint32(first), nil))
	if err != nil {
		return nil, fmt.Errorf("sse: %w", err)
	}
	r := &rangeReader{r: dr, left: length, drain: last == final}
	if skip := offset - first*PayloadSize; skip > 0 {
		if _, err := io.CopyN(io.Discard, &rangeReader{r: dr, left: skip}, skip); err != nil {
			return nil, err
		}
	} else if err := r.prime(); err != nil {
		return nil, err
	}
	return r, nil
}

// verifyFinal authenticates package final of the stream and checks that it
// carries the final flag.
func verifyFinal(src io.ReaderAt, encryptedSize int64, key []byte, final int64) error {
	start := final * PackageSize
	dr, err := sio.DecryptReader(io.NewSectionReader(src, start, encryptedSize-start), config(key, uint32(final), nil))
	if err != nil {
		return fmt.Errorf("sse: %w", err)
	}
	// sio reports io.EOF only after a package flagged final.
	_, err = io.Copy(io.Discard, dr)
	return authErr(err)
}

// rangeReader hands out exactly left plaintext bytes from a sio reader, and
// turns a short stream or a sio error into ErrAuth. With drain set (the range
// ends in the stream's final package) it reads the rest of that package,
// already in memory, once the range is done, so that sio confirms the package
// carried the final flag.
type rangeReader struct {
	r       io.Reader
	left    int64
	drain   bool
	pending []byte // one byte read ahead by prime
	err     error
}

// prime reads one byte so that the first package is authenticated now.
func (r *rangeReader) prime() error {
	var b [1]byte
	if _, err := r.Read(b[:]); err != nil {
		return err
	}
	r.left++
	r.pending = b[:]
	return nil
}

func (r *rangeReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.left == 0 {
		r.err = io.EOF
		if r.drain {
			if _, err := io.Copy(io.Discard, r.r); err != nil {
				r.err = authErr(err)
			}
		}
		return 0, r.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if len(r.pending) > 0 {
		p[0] = r.pending[0]
		r.pending = nil
		r.left--
		return 1, nil
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, err := r.r.Read(p)
	r.left -= int64(n)
	if err == io.EOF && r.left > 0 {
		err = ErrAuth
	} else if err == io.EOF {
		err = nil
	}
	if err = authErr(err); err != nil {
		r.err = err
	}
	return n, err
}

func authErr(err error) error {
	if isSioError(err) {
		return ErrAuth
	}
	return err
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
