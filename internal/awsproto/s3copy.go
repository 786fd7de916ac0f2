package awsproto

// The copy headers of CopyObject and UploadPartCopy:
//
//	x-amz-copy-source:       [/]BUCKET/KEY[?versionId=ID], URL-encoded
//	x-amz-copy-source-range: bytes=FIRST-LAST (UploadPartCopy only)
//
// Sources: S3 API Reference, CopyObject (CopySource) and UploadPartCopy
// (CopySource, CopySourceRange); the error messages are the ones S3 sends
// (versity/versitygw#610, gaul/s3proxy#304).

import (
	"net/url"
	"strconv"
	"strings"
)

// CopySource is a parsed x-amz-copy-source header.
type CopySource struct {
	Bucket, Key string
	// VersionID is the versionId parameter, "" when absent.
	VersionID string
}

// msgCopySource is S3's message for a copy source without bucket or key.
const msgCopySource = "Copy Source must mention the source bucket and key: sourcebucket/sourcekey"

// ParseCopySource parses an x-amz-copy-source value. A value that is not
// URL-decodable, names no bucket or no key, or carries parameters other
// than versionId is InvalidArgument (400) with ArgumentName
// x-amz-copy-source, as S3 answers.
func ParseCopySource(v string) (CopySource, error) {
	bad := func(msg string) (CopySource, error) {
		return CopySource{}, NewS3Error(S3InvalidArgument).WithMessage(msg).
			With("ArgumentName", "x-amz-copy-source").With("ArgumentValue", v)
	}
	path, query, hasQuery := strings.Cut(v, "?")
	var cs CopySource
	if hasQuery {
		q, err := url.ParseQuery(query)
		if err != nil {
			return bad("Invalid copy source encoding")
		}
		for k := range q {
			if k != "versionId" {
				return bad(msgCopySource)
			}
		}
		cs.VersionID = q.Get("versionId")
		if cs.VersionID == "" {
			return bad("Invalid version id specified")
		}
	}
	p, err := url.PathUnescape(path)
	if err != nil {
		return bad("Invalid copy source encoding")
	}
	p = strings.TrimPrefix(p, "/")
	bucket, key, ok := strings.Cut(p, "/")
	if !ok || bucket == "" || key == "" {
		return bad(msgCopySource)
	}
	cs.Bucket, cs.Key = bucket, key
	return cs, nil
}

// String returns the canonical header value of cs (path-escaped, without
// a leading slash).
func (cs CopySource) String() string {
	s := url.PathEscape(cs.Bucket) + "/" + strings.ReplaceAll(url.PathEscape(cs.Key), "%2F", "/")
	if cs.VersionID != "" {
		s += "?versionId=" + url.QueryEscape(cs.VersionID)
	}
	return s
}

// msgCopySourceRange is S3's message for a malformed copy-source range.
const msgCopySourceRange = "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy"

// ParseCopySourceRange parses x-amz-copy-source-range for a source of
// size bytes. Unlike Range on GET nothing is ignored: a value that is not
// exactly bytes=FIRST-LAST (digits, FIRST <= LAST) is InvalidArgument with
// S3's message; a well-formed range that does not lie inside the source is
// InvalidArgument "Range specified is not valid for source object of size:
// N" (what S3 answers; s3-tests also accept InvalidRange 416).
func ParseCopySourceRange(v string, size int64) (ByteRange, error) {
	malformed := func() (ByteRange, error) {
		return ByteRange{}, NewS3Error(S3InvalidArgument).WithMessage(msgCopySourceRange).
			With("ArgumentName", "x-amz-copy-source-range").With("ArgumentValue", v)
	}
	spec, ok := strings.CutPrefix(v, "bytes=")
	if !ok {
		return malformed()
	}
	a, b, ok := strings.Cut(spec, "-")
	if !ok || !allDigits(a) || !allDigits(b) {
		return malformed()
	}
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || first > last || last >= size {
		if err1 == nil && err2 == nil && first > last {
			return malformed()
		}
		return ByteRange{}, NewS3Error(S3InvalidArgument).
			WithMessage("Range specified is not valid for source object of size: "+strconv.FormatInt(size, 10)).
			With("ArgumentName", "x-amz-copy-source-range").With("ArgumentValue", v)
	}
	return ByteRange{Start: first, Length: last - first + 1, Size: size}, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
