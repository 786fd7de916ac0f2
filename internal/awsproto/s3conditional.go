package awsproto

// Conditional requests (RFC 9110 section 13) as S3 evaluates them.
//
// Reads (GetObject, HeadObject), in this order:
//
//	1. If-Match present:   false -> 412 PreconditionFailed.
//	   If-Match true wins over If-Unmodified-Since: that header is then
//	   not evaluated ("If-Match true and If-Unmodified-Since false:
//	   200 OK" — S3 API Reference, GetObject, IfMatch).
//	2. else If-Unmodified-Since (a valid HTTP date): modified after it
//	   -> 412 PreconditionFailed.
//	3. If-None-Match present: matches -> 304 Not Modified; does not match
//	   -> proceed, and If-Modified-Since is not evaluated.
//	   ("If-None-Match false and If-Modified-Since true: 304" — GetObject,
//	   IfNoneMatch: the false If-None-Match decides.)
//	4. else If-Modified-Since (a valid HTTP date): not modified after it
//	   -> 304 Not Modified.
//
// If-Match uses the strong comparison and If-None-Match the weak one;
// "*" matches any existing object; ETags are compared with or without
// their quotes, since S3 accepts both. Dates that do not parse are
// ignored. Times are compared at one-second resolution, that of HTTP
// dates.
//
// Writes (PutObject, CompleteMultipartUpload; S3 "conditional writes"):
//
//	If-None-Match: * and the key exists           -> 412 PreconditionFailed
//	If-None-Match with anything but *             -> 501 NotImplemented
//	If-Match and the key does not exist           -> 404 NoSuchKey
//	If-Match that does not match the current ETag -> 412 PreconditionFailed

import (
	"net/http"
	"strings"
	"time"
)

// Conditions are the conditional headers of a request, as sent.
type Conditions struct {
	IfMatch           string
	IfNoneMatch       string
	IfModifiedSince   string
	IfUnmodifiedSince string
}

// ConditionsFromHeader returns the If-Match, If-None-Match,
// If-Modified-Since and If-Unmodified-Since headers of h. Repeated
// headers are joined with commas, as RFC 9110 allows for lists.
func ConditionsFromHeader(h http.Header) Conditions {
	return Conditions{
		IfMatch:           strings.Join(h.Values("If-Match"), ","),
		IfNoneMatch:       strings.Join(h.Values("If-None-Match"), ","),
		IfModifiedSince:   h.Get("If-Modified-Since"),
		IfUnmodifiedSince: h.Get("If-Unmodified-Since"),
	}
}

// CopySourceConditionsFromHeader returns the x-amz-copy-source-if-*
// headers of a CopyObject or UploadPartCopy request. S3 applies the same
// precedence to them, but answers every failure, 304 included, with 412:
// use EvaluateCopySource.
func CopySourceConditionsFromHeader(h http.Header) Conditions {
	return Conditions{
		IfMatch:           strings.Join(h.Values("X-Amz-Copy-Source-If-Match"), ","),
		IfNoneMatch:       strings.Join(h.Values("X-Amz-Copy-Source-If-None-Match"), ","),
		IfModifiedSince:   h.Get("X-Amz-Copy-Source-If-Modified-Since"),
		IfUnmodifiedSince: h.Get("X-Amz-Copy-Source-If-Unmodified-Since"),
	}
}

// IsZero reports whether no conditional header was sent.
func (c Conditions) IsZero() bool { return c == Conditions{} }

// ConditionResult is the outcome of evaluating Conditions.
type ConditionResult int

const (
	// ConditionProceed: serve the request.
	ConditionProceed ConditionResult = iota
	// ConditionNotModified: answer 304 Not Modified, with the ETag and
	// Last-Modified headers and no body.
	ConditionNotModified
	// ConditionFailed: answer 412 PreconditionFailed.
	ConditionFailed
)

// String returns the name of r.
func (r ConditionResult) String() string {
	switch r {
	case ConditionProceed:
		return "proceed"
	case ConditionNotModified:
		return "not modified"
	case ConditionFailed:
		return "precondition failed"
	}
	return "ConditionResult(?)"
}

// EvaluateRead evaluates c for a GET or HEAD of an existing object with
// the given ETag (quoted or not) and last-modified time, in S3's order
// (see the comment at the top of this file). For a result other than
// ConditionProceed it also names the header that decided it, for the
// Condition element of the 412 body (see PreconditionFailed).
func (c Conditions) EvaluateRead(etag string, lastModified time.Time) (ConditionResult, string) {
	lm := lastModified.Truncate(time.Second)
	if c.IfMatch != "" {
		if !etagListMatches(c.IfMatch, etag, true) {
			return ConditionFailed, "If-Match"
		}
	} else if t, ok := parseHTTPDate(c.IfUnmodifiedSince); ok && lm.After(t) {
		return ConditionFailed, "If-Unmodified-Since"
	}
	if c.IfNoneMatch != "" {
		if etagListMatches(c.IfNoneMatch, etag, false) {
			return ConditionNotModified, "If-None-Match"
		}
	} else if t, ok := parseHTTPDate(c.IfModifiedSince); ok && !lm.After(t) {
		return ConditionNotModified, "If-Modified-Since"
	}
	return ConditionProceed, ""
}

// PreconditionFailed returns the PreconditionFailed error (412) S3 sends
// when the named header did not hold: <Condition>header</Condition>.
func PreconditionFailed(header string) *S3Error {
	return NewS3Error(S3PreconditionFailed).With("Condition", header)
}

// EvaluateCopySource evaluates copy-source conditions (from
// CopySourceConditionsFromHeader) for the source object: nil, or
// PreconditionFailed (412) whose Condition element names the header that
// failed, e.g. x-amz-copy-source-If-Match.
func (c Conditions) EvaluateCopySource(etag string, lastModified time.Time) error {
	r, header := c.EvaluateRead(etag, lastModified)
	if r == ConditionProceed {
		return nil
	}
	return PreconditionFailed("x-amz-copy-source-" + header)
}

// EvaluateWrite evaluates c for a PutObject or CompleteMultipartUpload:
// exists says whether the key has a current object and etag is its ETag.
// It returns nil to proceed, or an *S3Error: PreconditionFailed (412,
// with the Condition element naming the header), NoSuchKey (404) for
// If-Match on a missing key, or NotImplemented (501) for an If-None-Match
// other than "*". The date headers are not conditions of a write and are
// ignored, as by S3.
func (c Conditions) EvaluateWrite(exists bool, etag string) error {
	if c.IfNoneMatch != "" {
		if strings.TrimSpace(c.IfNoneMatch) != "*" {
			return NewS3Error(S3NotImplemented).With("Header", "If-None-Match")
		}
		if exists {
			return PreconditionFailed("If-None-Match")
		}
	}
	if c.IfMatch != "" {
		if !exists {
			return NewS3Error(S3NoSuchKey)
		}
		if !etagListMatches(c.IfMatch, etag, true) {
			return PreconditionFailed("If-Match")
		}
	}
	return nil
}

// ETagsMatch reports whether two entity tags are the same under RFC 9110
// comparison, strong or weak, accepting tags with or without quotes.
func ETagsMatch(a, b string, strong bool) bool {
	aw, av := splitETag(a)
	bw, bv := splitETag(b)
	if strong && (aw || bw) {
		return false
	}
	return av == bv
}

// etagListMatches reports whether the list (a comma-separated list of
// entity tags, or "*") matches etag.
func etagListMatches(list, etag string, strong bool) bool {
	for _, t := range splitETagList(list) {
		if t == "*" || ETagsMatch(t, etag, strong) {
			return true
		}
	}
	return false
}

// splitETagList splits a comma-separated entity-tag list, keeping commas
// inside quotes.
func splitETagList(s string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				if t := strings.TrimSpace(s[start:i]); t != "" {
					out = append(out, t)
				}
				start = i + 1
			}
		}
	}
	if t := strings.TrimSpace(s[start:]); t != "" {
		out = append(out, t)
	}
	return out
}

// splitETag returns whether t is weak (W/ prefix) and its opaque value
// without quotes.
func splitETag(t string) (weak bool, value string) {
	t = strings.TrimSpace(t)
	if strings.HasPrefix(t, "W/") {
		weak, t = true, t[2:]
	}
	if len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"' {
		t = t[1 : len(t)-1]
	}
	return weak, t
}

// parseHTTPDate parses an HTTP date in any of the three forms of RFC 9110
// section 5.6.7; ok is false for anything else.
func parseHTTPDate(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := http.ParseTime(strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}
