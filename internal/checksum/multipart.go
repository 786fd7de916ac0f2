package checksum

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Type is how a multipart object's checksum is derived from its parts
// (x-amz-checksum-type).
type Type string

const (
	// Composite: the checksum of the concatenated raw part checksums,
	// followed by "-" and the number of parts. It checks the parts, not the
	// object's bytes as one stream.
	Composite Type = "COMPOSITE"
	// FullObject: the checksum of the whole object's bytes, as if uploaded
	// in one piece; for CRCs it is combined from the part CRCs and lengths.
	FullObject Type = "FULL_OBJECT"
)

// ParseType parses x-amz-checksum-type (case-insensitive). An unknown value
// returns an "InvalidRequest" *Error wrapping ErrUnknownType.
func ParseType(s string) (Type, error) {
	switch t := Type(strings.ToUpper(strings.TrimSpace(s))); t {
	case Composite, FullObject:
		return t, nil
	}
	return "", &Error{
		Code:    "InvalidRequest",
		Message: "Value for x-amz-checksum-type header is invalid.",
		err:     fmt.Errorf("%w: %q", ErrUnknownType, s),
	}
}

// Supports reports whether multipart objects checksummed with a may use
// type t. From the S3 User Guide, "Checking object integrity", table of
// checksum types: CRC64NVME supports full object only; CRC32 and CRC32C
// support both; SHA1 and SHA256 support composite only.
func (a Algorithm) Supports(t Type) bool {
	switch t {
	case FullObject:
		return a.IsCRC()
	case Composite:
		return a.Valid() && a != CRC64NVME
	}
	return false
}

// DefaultType is the type S3 uses when CreateMultipartUpload names an
// algorithm but no x-amz-checksum-type: FULL_OBJECT for CRC64NVME (the only
// one it supports), COMPOSITE for the others.
func (a Algorithm) DefaultType() Type {
	if a == CRC64NVME {
		return FullObject
	}
	return Composite
}

// CheckType returns nil if a supports t, and otherwise an "InvalidRequest"
// *Error wrapping ErrUnsupportedType.
func (a Algorithm) CheckType(t Type) error {
	if a.Supports(t) {
		return nil
	}
	return &Error{
		Code:    "InvalidRequest",
		Message: fmt.Sprintf("The %s checksum type cannot be used with the %s checksum algorithm.", t, strings.ToLower(string(a))),
		err:     ErrUnsupportedType,
	}
}

// Part is what a multipart combination needs of one part: its raw checksum
// (decoded, a.Size() bytes) and its length in bytes (FULL_OBJECT only).
type Part struct {
	Checksum []byte
	Size     int64
}

// Combine returns the wire value of a multipart object's checksum from its
// parts, in part-number order:
//
//	COMPOSITE:   base64(a(raw1 || raw2 || ... || rawN)) + "-" + N
//	FULL_OBJECT: base64(crc(part1 || ... || partN)), by CRC combination
//
// It returns an *Error wrapping ErrUnsupportedType if a does not support t,
// or ErrInvalidPart ("InvalidPart") if there are no parts or a part checksum
// has the wrong length.
func Combine(a Algorithm, t Type, parts []Part) (string, error) {
	if err := a.CheckType(t); err != nil {
		return "", err
	}
	if len(parts) == 0 {
		return "", invalidPart("no parts")
	}
	for i, p := range parts {
		if len(p.Checksum) != a.Size() {
			return "", invalidPart(fmt.Sprintf("part %d: checksum is %d bytes, want %d", i+1, len(p.Checksum), a.Size()))
		}
		if p.Size < 0 {
			return "", invalidPart(fmt.Sprintf("part %d: negative size", i+1))
		}
	}
	if t == Composite {
		h := New(a)
		for _, p := range parts {
			h.Write(p.Checksum)
		}
		return Encode(h.Sum(nil)) + "-" + strconv.Itoa(len(parts)), nil
	}
	crc := partCRC(a, parts[0].Checksum)
	for _, p := range parts[1:] {
		crc = CombineCRC(a, crc, partCRC(a, p.Checksum), p.Size)
	}
	return Encode(crcBytes(a, crc)), nil
}

func invalidPart(msg string) error {
	return &Error{Code: "InvalidPart", Message: msg, err: ErrInvalidPart}
}

func partCRC(a Algorithm, raw []byte) uint64 {
	if a == CRC64NVME {
		return binary.BigEndian.Uint64(raw)
	}
	return uint64(binary.BigEndian.Uint32(raw))
}

func crcBytes(a Algorithm, crc uint64) []byte {
	if a == CRC64NVME {
		return binary.BigEndian.AppendUint64(nil, crc)
	}
	return binary.BigEndian.AppendUint32(nil, uint32(crc))
}

// CombineCRC returns the CRC of A||B given crc1 = crc(A), crc2 = crc(B) and
// len2 = len(B), for a CRC algorithm (CRC32, CRC32C, CRC64NVME; 32-bit
// values in the low bits). It is zlib's crc32_combine, by GF(2) matrices.
// It panics if a is not a CRC.
func CombineCRC(a Algorithm, crc1, crc2 uint64, len2 int64) uint64 {
	switch a {
	case CRC32:
		return zeroOpsCRC32().combine(crc1, crc2, len2)
	case CRC32C:
		return zeroOpsCRC32C().combine(crc1, crc2, len2)
	case CRC64NVME:
		return zeroOpsCRC64NVME().combine(crc1, crc2, len2)
	}
	panic("checksum: CombineCRC with non-CRC algorithm " + string(a))
}

// MultipartETag returns the ETag S3 gives a multipart object: the hex MD5
// of the concatenated raw part ETags, "-", the number of parts (unquoted).
// A part's raw ETag is its MD5 when its ETag is one (SSE-S3); for parts
// whose ETag is not an MD5 (SSE-KMS, SSE-C) it is those 16 bytes all the
// same.
func MultipartETag(partMD5s [][]byte) string {
	h := md5.New()
	for _, m := range partMD5s {
		h.Write(m)
	}
	return hex.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(partMD5s))
}
