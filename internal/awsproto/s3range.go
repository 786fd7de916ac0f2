package awsproto

// The Range header of GetObject and HeadObject, as S3 reads it (RFC 9110
// section 14): one byte range, bytes=first-last, bytes=first- or
// bytes=-suffix. A header that is not that — another unit, a syntax error,
// first > last, or several ranges, which S3 does not serve — is ignored
// and the whole object is sent, as RFC 9110 lets a server do. A range that
// is well formed but starts at or past the end of the object, a zero
// suffix, or any range of an empty object, is unsatisfiable: InvalidRange
// (416) with Content-Range: bytes */size.

import (
	"strconv"
	"strings"
)

// ByteRange is a satisfiable byte range of an object of Size bytes:
// Length bytes from Start, with Length >= 1 and Start+Length <= Size.
type ByteRange struct {
	Start  int64
	Length int64
	Size   int64
}

// End returns the offset of the last byte of the range.
func (r ByteRange) End() int64 { return r.Start + r.Length - 1 }

// ContentRange returns the Content-Range value of a 206 response,
// "bytes start-end/size".
func (r ByteRange) ContentRange() string {
	return "bytes " + strconv.FormatInt(r.Start, 10) + "-" + strconv.FormatInt(r.End(), 10) + "/" + strconv.FormatInt(r.Size, 10)
}

// UnsatisfiedContentRange returns the Content-Range value of a 416
// response for an object of size bytes, "bytes */size".
func UnsatisfiedContentRange(size int64) string {
	return "bytes */" + strconv.FormatInt(size, 10)
}

// ParseRange parses a Range header for an object of size bytes (size >= 0).
// It returns
//   - nil, nil if the header is empty or is to be ignored: send the whole
//     object with 200;
//   - the range, nil: send r.Length bytes from r.Start with 206 and
//     Content-Range r.ContentRange();
//   - nil, an *S3Error InvalidRange (416) carrying the Content-Range
//     header and the RangeRequested and ActualObjectSize elements S3
//     sends, if the range cannot be satisfied.
func ParseRange(header string, size int64) (*ByteRange, error) {
	if header == "" || size < 0 {
		return nil, nil
	}
	unit, spec, ok := strings.Cut(header, "=")
	if !ok || !strings.EqualFold(strings.TrimSpace(unit), "bytes") {
		return nil, nil
	}
	spec = strings.Trim(spec, " \t")
	if strings.Contains(spec, ",") {
		return nil, nil // several ranges: S3 serves one only; ignore.
	}
	firstS, lastS, ok := strings.Cut(spec, "-")
	if !ok {
		return nil, nil
	}
	unsatisfiable := func() (*ByteRange, error) {
		return nil, NewS3Error(S3InvalidRange).
			WithHeader("Content-Range", UnsatisfiedContentRange(size)).
			With("RangeRequested", header).
			With("ActualObjectSize", strconv.FormatInt(size, 10))
	}
	if firstS == "" {
		// bytes=-suffix: the last suffix bytes.
		suffix, overflow, ok := parseRangeDigits(lastS)
		if !ok {
			return nil, nil
		}
		if (!overflow && suffix == 0) || size == 0 {
			return unsatisfiable()
		}
		if overflow || suffix > size {
			suffix = size
		}
		return &ByteRange{Start: size - suffix, Length: suffix, Size: size}, nil
	}
	first, firstOverflow, ok := parseRangeDigits(firstS)
	if !ok {
		return nil, nil
	}
	last, lastOverflow := int64(-1), false
	if lastS != "" {
		if last, lastOverflow, ok = parseRangeDigits(lastS); !ok {
			return nil, nil
		}
		if !lastOverflow && (firstOverflow || first > last) {
			return nil, nil // first > last is a syntax error: ignore.
		}
	}
	if firstOverflow || first >= size {
		return unsatisfiable()
	}
	if lastS == "" || lastOverflow || last >= size {
		last = size - 1
	}
	return &ByteRange{Start: first, Length: last - first + 1, Size: size}, nil
}

// parseRangeDigits parses 1*DIGIT. A number too large for int64 is valid
// and reported as overflow: a range past any object.
func parseRangeDigits(s string) (n int64, overflow, ok bool) {
	if s == "" {
		return 0, false, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, true, true
	}
	return n, false, true
}
