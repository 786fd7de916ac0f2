// Package checksum owns the S3 additional-checksum family (the
// x-amz-checksum-* headers): the algorithms CRC32, CRC32C, CRC64NVME, SHA1
// and SHA256, their base64 wire form, validation of client-provided values,
// the one-pass MD5 + checksum writer used while receiving an object, and the
// two ways S3 derives a multipart object's checksum from its parts
// (COMPOSITE and FULL_OBJECT).
//
// It follows "Checking object integrity" in the Amazon S3 User Guide
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html);
// docs/blob.md summarises the rules. It is pure and uses only the standard
// library; CRC-64/NVME is implemented here.
package checksum

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"strings"
)

// Algorithm is an S3 checksum algorithm, spelled as S3 spells it in
// x-amz-checksum-algorithm and x-amz-sdk-checksum-algorithm.
type Algorithm string

// The algorithms S3 supports.
const (
	CRC32     Algorithm = "CRC32"
	CRC32C    Algorithm = "CRC32C"
	CRC64NVME Algorithm = "CRC64NVME"
	SHA1      Algorithm = "SHA1"
	SHA256    Algorithm = "SHA256"
)

// Algorithms returns every supported algorithm, in S3's documentation order.
func Algorithms() []Algorithm {
	return []Algorithm{CRC64NVME, CRC32, CRC32C, SHA1, SHA256}
}

// Valid reports whether a is one of the supported algorithms.
func (a Algorithm) Valid() bool {
	switch a {
	case CRC32, CRC32C, CRC64NVME, SHA1, SHA256:
		return true
	}
	return false
}

// ParseAlgorithm parses the value of x-amz-checksum-algorithm or
// x-amz-sdk-checksum-algorithm. Case is ignored ("crc32c" is accepted, as
// S3 does). An unknown value returns an *Error with Code "InvalidRequest"
// wrapping ErrUnknownAlgorithm.
func ParseAlgorithm(s string) (Algorithm, error) {
	a := Algorithm(strings.ToUpper(strings.TrimSpace(s)))
	if !a.Valid() {
		return "", invalidAlgorithm(s)
	}
	return a, nil
}

// headerPrefix starts the name of every per-algorithm checksum header.
const headerPrefix = "x-amz-checksum-"

// Header returns the canonical (lower-case) name of the header carrying a's
// value, e.g. "x-amz-checksum-crc32c". It is also the name used in an
// aws-chunked trailer (x-amz-trailer).
func (a Algorithm) Header() string {
	return headerPrefix + strings.ToLower(string(a))
}

// AlgorithmFromHeader returns the algorithm whose value header is name
// (case-insensitive), e.g. "X-Amz-Checksum-Sha256" → SHA256. The control
// headers x-amz-checksum-algorithm, x-amz-checksum-type and
// x-amz-checksum-mode are not value headers and return false.
func AlgorithmFromHeader(name string) (Algorithm, bool) {
	lower := strings.ToLower(name)
	rest, ok := strings.CutPrefix(lower, headerPrefix)
	if !ok {
		return "", false
	}
	a := Algorithm(strings.ToUpper(rest))
	return a, a.Valid()
}

// Size returns the length in bytes of a's raw checksum: 4 for CRC32 and
// CRC32C, 8 for CRC64NVME, 20 for SHA1, 32 for SHA256, and 0 for an invalid
// algorithm.
func (a Algorithm) Size() int {
	switch a {
	case CRC32, CRC32C:
		return 4
	case CRC64NVME:
		return 8
	case SHA1:
		return sha1.Size
	case SHA256:
		return sha256.Size
	}
	return 0
}

// IsCRC reports whether a is one of the CRCs, which can be combined.
func (a Algorithm) IsCRC() bool {
	return a == CRC32 || a == CRC32C || a == CRC64NVME
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// New returns a hash computing a. Sum appends the raw checksum in the byte
// order S3 encodes (big-endian for the CRCs). New panics if a is not Valid:
// algorithms come from ParseAlgorithm or the constants.
func New(a Algorithm) hash.Hash {
	switch a {
	case CRC32:
		return crc32.NewIEEE()
	case CRC32C:
		return crc32.New(castagnoli)
	case CRC64NVME:
		return NewCRC64NVME()
	case SHA1:
		return sha1.New()
	case SHA256:
		return sha256.New()
	}
	panic("checksum: New with invalid algorithm " + string(a))
}

// Sum returns a's checksum of data in its base64 wire form.
func Sum(a Algorithm, data []byte) string {
	h := New(a)
	h.Write(data)
	return Encode(h.Sum(nil))
}

// Encode returns the wire form of a raw checksum: standard base64 with
// padding, as in x-amz-checksum-* headers and the Checksum* XML elements.
func Encode(raw []byte) string { return base64.StdEncoding.EncodeToString(raw) }

// Decode validates a client-provided value for a (the header value of
// a.Header(), or a part checksum in CompleteMultipartUpload) and returns
// the raw checksum. The value must be canonical padded standard base64 of
// exactly a.Size() bytes. Otherwise Decode returns an *Error with Code
// "InvalidRequest" wrapping ErrInvalidValue.
func (a Algorithm) Decode(value string) ([]byte, error) {
	if !a.Valid() {
		return nil, invalidAlgorithm(string(a))
	}
	size := a.Size()
	if len(value) != base64.StdEncoding.EncodedLen(size) {
		return nil, invalidValue(a)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(value)
	if err != nil || len(raw) != size {
		return nil, invalidValue(a)
	}
	return raw, nil
}

// Verify checks that computed (a raw checksum) equals the client-provided
// wire value. A malformed value returns an "InvalidRequest" *Error wrapping
// ErrInvalidValue; a well-formed value that differs returns a "BadDigest"
// *Error wrapping ErrMismatch.
func (a Algorithm) Verify(computed []byte, value string) error {
	want, err := a.Decode(value)
	if err != nil {
		return err
	}
	if string(want) != string(computed) {
		return mismatch(a)
	}
	return nil
}
