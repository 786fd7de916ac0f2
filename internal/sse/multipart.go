package sse

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
)

// MaxPartNumber is the highest S3 part number.
const MaxPartNumber = 10000

// ErrPartNumber is returned for a part number outside [1, MaxPartNumber], or
// for a part list whose numbers are not strictly increasing.
var ErrPartNumber = errors.New("sse: invalid part number")

// partKeyLabel separates part keys from every other use of an object key.
const partKeyLabel = "part"

// PartKey returns the key of part partNumber of a multipart object:
//
//	HMAC-SHA256(objectKey, "part" || uint32be(partNumber))
//
// Each part is its own stream under its own key, so parts can be uploaded,
// replaced and read independently, and a part's packages cannot be moved to
// another part or object. It returns ErrKeySize or ErrPartNumber.
func PartKey(objectKey []byte, partNumber int) ([]byte, error) {
	if len(objectKey) != KeySize {
		return nil, ErrKeySize
	}
	if partNumber < 1 || partNumber > MaxPartNumber {
		return nil, ErrPartNumber
	}
	m := hmac.New(sha256.New, objectKey)
	m.Write([]byte(partKeyLabel))
	m.Write(binary.BigEndian.AppendUint32(nil, uint32(partNumber)))
	return m.Sum(nil), nil
}

// Part describes one stored part of a completed multipart object.
type Part struct {
	// Number is the S3 part number, which selects the part key.
	Number int
	// EncryptedSize is the size of the part's stream.
	EncryptedSize int64
}

// MultipartSize returns the plaintext size of an object made of parts. It
// returns ErrPartNumber or ErrInvalidSize for a list no object can have.
func MultipartSize(parts []Part) (int64, error) {
	var total int64
	prev := 0
	for _, p := range parts {
		if p.Number < 1 || p.Number > MaxPartNumber || p.Number <= prev {
			return 0, ErrPartNumber
		}
		prev = p.Number
		n, err := DecryptedSize(p.EncryptedSize)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// OpenMultipartRange is OpenRange for a multipart object: src holds the
// parts' streams one after the other, in the order of parts (part numbers
// strictly increasing, as CompleteMultipartUpload lists them). The range
// [offset, offset+length) of the object's plaintext may span parts; each part
// it touches is read with OpenRange under its PartKey, only over the packages
// the range covers, and a part is opened only when the previous one is
// exhausted, so memory stays at one package whatever the number of parts.
//
// Errors are those of OpenRange, MultipartSize and PartKey.
func OpenMultipartRange(src io.ReaderAt, objectKey []byte, parts []Part, offset, length int64) (io.Reader, error) {
	if len(objectKey) != KeySize {
		return nil, ErrKeySize
	}
	size, err := MultipartSize(parts)
	if err != nil {
		return nil, err
	}
	if offset < 0 || length < 0 || offset > size || length > size-offset {
		return nil, ErrRange
	}
	if length == 0 {
		return eofReader{}, nil
	}
	var segs []segment
	var plainStart, encStart int64
	end := offset + length
	for _, p := range parts {
		n, _ := DecryptedSize(p.EncryptedSize)
		lo, hi := max(offset, plainStart), min(end, plainStart+n)
		if lo < hi {
			segs = append(segs, segment{
				src:    io.NewSectionReader(src, encStart, p.EncryptedSize),
				size:   p.EncryptedSize,
				number: p.Number,
				off:    lo - plainStart,
				len:    hi - lo,
			})
		}
		plainStart += n
		encStart += p.EncryptedSize
	}
	mr := &multipartReader{key: objectKey, segs: segs}
	if err := mr.next(); err != nil {
		return nil, err
	}
	return mr, nil
}

type segment struct {
	src      io.ReaderAt
	size     int64
	number   int
	off, len int64
}

type multipartReader struct {
	key  []byte
	segs []segment
	cur  io.Reader
	err  error
}

// next opens the next segment's range reader.
func (m *multipartReader) next() error {
	s := m.segs[0]
	m.segs = m.segs[1:]
	k, err := PartKey(m.key, s.number)
	if err != nil {
		return err
	}
	m.cur, err = OpenRange(s.src, s.size, k, s.off, s.len)
	return err
}

func (m *multipartReader) Read(p []byte) (int, error) {
	for m.err == nil {
		n, err := m.cur.Read(p)
		if err == io.EOF {
			if len(m.segs) == 0 {
				m.err = io.EOF
			} else if err := m.next(); err != nil {
				m.err = err
			}
			if n > 0 {
				return n, nil
			}
			continue
		}
		if err != nil {
			m.err = err
		}
		return n, err
	}
	return 0, m.err
}
