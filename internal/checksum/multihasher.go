package checksum

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"io"
)

// MultiHasher computes, in one pass over an object's bytes, the MD5 that S3
// uses for Content-MD5 and the single-part ETag (when asked for: MD5 is the
// costliest hash of the receive path), and optionally one additional
// checksum. It is an io.Writer; it is not safe for concurrent use.
type MultiHasher struct {
	md5 hash.Hash // nil without MD5
	alg Algorithm
	sum hash.Hash // nil when alg == ""
	n   int64
}

var _ io.Writer = (*MultiHasher)(nil)

// NewMultiHasher returns a MultiHasher computing MD5 if withMD5 is set and,
// unless a is "", the checksum a. It panics if a is neither "" nor Valid.
// With neither it only counts bytes.
func NewMultiHasher(a Algorithm, withMD5 bool) *MultiHasher {
	m := &MultiHasher{alg: a}
	if withMD5 {
		m.md5 = md5.New()
	}
	if a != "" {
		m.sum = New(a)
	}
	return m
}

// Write feeds p to every hash. It never fails.
func (m *MultiHasher) Write(p []byte) (int, error) {
	if m.md5 != nil {
		m.md5.Write(p)
	}
	if m.sum != nil {
		m.sum.Write(p)
	}
	m.n += int64(len(p))
	return len(p), nil
}

// Size returns the number of bytes written.
func (m *MultiHasher) Size() int64 { return m.n }

// Algorithm returns the additional checksum algorithm, or "".
func (m *MultiHasher) Algorithm() Algorithm { return m.alg }

// HasMD5 reports whether m computes MD5.
func (m *MultiHasher) HasMD5() bool { return m.md5 != nil }

// MD5 returns the raw MD5 of the bytes written so far. It panics if m was
// made without MD5, as do ETag, ContentMD5 and VerifyContentMD5.
func (m *MultiHasher) MD5() []byte {
	if m.md5 == nil {
		panic("checksum: MultiHasher.MD5 without MD5")
	}
	return m.md5.Sum(nil)
}

// ETag returns the hex MD5, the ETag of a single-part object (without the
// quotes the ETag header carries).
func (m *MultiHasher) ETag() string { return hex.EncodeToString(m.MD5()) }

// ContentMD5 returns the base64 MD5, as in the Content-MD5 header.
func (m *MultiHasher) ContentMD5() string { return base64.StdEncoding.EncodeToString(m.MD5()) }

// Sum returns the raw additional checksum, or nil if there is none.
func (m *MultiHasher) Sum() []byte {
	if m.sum == nil {
		return nil
	}
	return m.sum.Sum(nil)
}

// Checksum returns the additional checksum in its base64 wire form, or "".
func (m *MultiHasher) Checksum() string {
	if m.sum == nil {
		return ""
	}
	return Encode(m.sum.Sum(nil))
}

// Verify checks the client-provided value of the additional checksum; see
// Algorithm.Verify for the errors. It panics if there is no additional
// checksum.
func (m *MultiHasher) Verify(value string) error {
	if m.sum == nil {
		panic("checksum: MultiHasher.Verify without an algorithm")
	}
	return m.alg.Verify(m.Sum(), value)
}

// VerifyContentMD5 checks a Content-MD5 header value. A value that is not
// base64 of 16 bytes returns an "InvalidDigest" *Error wrapping
// ErrInvalidDigest; a different MD5 returns a "BadDigest" *Error wrapping
// ErrBadDigest.
func (m *MultiHasher) VerifyContentMD5(value string) error {
	want, err := base64.StdEncoding.Strict().DecodeString(value)
	if err != nil || len(want) != md5.Size {
		return &Error{Code: "InvalidDigest", Message: "The Content-MD5 you specified was invalid.", err: ErrInvalidDigest}
	}
	if string(want) != string(m.MD5()) {
		return &Error{Code: "BadDigest", Message: "The Content-MD5 you specified did not match what we received.", err: ErrBadDigest}
	}
	return nil
}
