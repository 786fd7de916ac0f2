package sigv4

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// This file builds the parts of the canonical request, as specified in
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
// (step 1, "Create a canonical request"). Every function appends to a byte
// slice so that a verification allocates little.

const upperhex = "0123456789ABCDEF"

// unreserved marks RFC 3986 unreserved characters, which SigV4 never encodes.
var unreserved = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~'
	}
	return t
}()

// appendEncoded appends s URI-encoded the AWS way: every byte outside the
// unreserved set becomes %XY with upper-case hex (a space is %20), and '/'
// is kept when keepSlash is set.
func appendEncoded(dst []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved[c] || (c == '/' && keepSlash) {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', upperhex[c>>4], upperhex[c&15])
		}
	}
	return dst
}

// requestPath returns the path as the client sent it on the wire, still
// percent-encoded: from the request target when the request came from a
// server, else from the URL.
func requestPath(r *http.Request) string {
	u := r.RequestURI
	if u == "" || u == "*" {
		if p := r.URL.EscapedPath(); p != "" {
			return p
		}
		return "/"
	}
	if u[0] != '/' { // absolute form: scheme://authority/path?query
		i := strings.Index(u, "://")
		if i < 0 {
			return "/"
		}
		u = u[i+3:]
		j := strings.IndexAny(u, "/?#")
		if j < 0 || u[j] != '/' {
			return "/"
		}
		u = u[j:]
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	if u == "" {
		return "/"
	}
	return u
}

// needsNormalizing reports whether p has empty, "." or ".." segments.
func needsNormalizing(p string) bool {
	return strings.Contains(p, "//") || strings.Contains(p, "/./") || strings.Contains(p, "/../") ||
		strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..") || p == "." || p == ".." ||
		strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../")
}

// normalizePath removes empty, "." and ".." segments from an absolute path
// (RFC 3986 section 5.2.4, plus the collapsing of repeated slashes that AWS
// services and the AWS SDKs other than Go's do). A trailing slash is kept.
func normalizePath(p string) string {
	if !needsNormalizing(p) {
		return p
	}
	var out []string
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	s := "/" + strings.Join(out, "/")
	if len(out) > 0 && strings.HasSuffix(p, "/") {
		s += "/"
	}
	return s
}

// queryPair is one decoded query parameter and, once encoded, the offsets of
// its canonical key and value in the arena.
type queryPair struct {
	key, value     string
	k0, k1, v0, v1 int
	excluded       bool
}

// parseQuery splits a raw query into decoded pairs, in order. '+' decodes to
// a space, as in HTML forms and url.ParseQuery; a malformed escape is kept
// as it is.
func parseQuery(dst []queryPair, raw string) []queryPair {
	for piece := range strings.SplitSeq(raw, "&") {
		if piece == "" {
			continue
		}
		k, v, _ := strings.Cut(piece, "=")
		dst = append(dst, queryPair{key: unescape(k), value: unescape(v)})
	}
	return dst
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// unescape percent-decodes s, turning '+' into a space. It returns s itself
// when there is nothing to decode, and keeps a malformed escape as it is.
func unescape(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 < len(s) {
				h, ok1 := unhex(s[i+1])
				l, ok2 := unhex(s[i+2])
				if ok1 && ok2 {
					b = append(b, h<<4|l)
					i += 2
					continue
				}
			}
			b = append(b, c)
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// appendCanonicalQuery appends the canonical query string of pairs: each
// name and value encoded, sorted by encoded name then value, joined with
// '&'. Pairs marked excluded (X-Amz-Signature) are left out. arena is
// scratch space; both slices are returned for reuse.
func appendCanonicalQuery(dst, arena []byte, pairs []queryPair) ([]byte, []byte) {
	arena = arena[:0]
	for i := range pairs {
		p := &pairs[i]
		p.k0 = len(arena)
		arena = appendEncoded(arena, p.key, false)
		p.k1 = len(arena)
		arena = appendEncoded(arena, p.value, false)
		p.v1 = len(arena)
		p.v0 = p.k1
	}
	slices.SortFunc(pairs, func(a, b queryPair) int {
		if c := bytes.Compare(arena[a.k0:a.k1], arena[b.k0:b.k1]); c != 0 {
			return c
		}
		return bytes.Compare(arena[a.v0:a.v1], arena[b.v0:b.v1])
	})
	first := true
	for _, p := range pairs {
		if p.excluded {
			continue
		}
		if !first {
			dst = append(dst, '&')
		}
		first = false
		dst = append(dst, arena[p.k0:p.k1]...)
		dst = append(dst, '=')
		dst = append(dst, arena[p.v0:p.v1]...)
	}
	return dst, arena
}

// canonicalNames maps the lower-case names of common headers to the
// canonical form net/http stores them under, to find them without
// allocating.
var canonicalNames = map[string]string{
	"accept":                       "Accept",
	"accept-encoding":              "Accept-Encoding",
	"amz-sdk-invocation-id":        "Amz-Sdk-Invocation-Id",
	"amz-sdk-request":              "Amz-Sdk-Request",
	"content-encoding":             "Content-Encoding",
	"content-length":               "Content-Length",
	"content-md5":                  "Content-Md5",
	"content-type":                 "Content-Type",
	"date":                         "Date",
	"range":                        "Range",
	"user-agent":                   "User-Agent",
	"x-amz-content-sha256":         "X-Amz-Content-Sha256",
	"x-amz-date":                   "X-Amz-Date",
	"x-amz-decoded-content-length": "X-Amz-Decoded-Content-Length",
	"x-amz-security-token":         "X-Amz-Security-Token",
	"x-amz-target":                 "X-Amz-Target",
	"x-amz-trailer":                "X-Amz-Trailer",
	"x-amz-user-agent":             "X-Amz-User-Agent",
}

// headerValues returns the values of header name (lower case) in h.
func headerValues(h http.Header, name string) []string {
	if c, ok := canonicalNames[name]; ok {
		if v, ok := h[c]; ok {
			return v
		}
	}
	if v, ok := h[name]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// appendTrimmed appends v with leading and trailing white space removed and
// runs of spaces collapsed to one, as the canonical headers require.
func appendTrimmed(dst []byte, v string) []byte {
	v = strings.TrimSpace(v)
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' && i > 0 && v[i-1] == ' ' {
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// appendCanonicalHeaders appends "name:value\n" for each signed header, in
// the order of the SignedHeaders list. Host comes from r.Host; values of a
// repeated header are joined with ','. A signed header missing from the
// request gets an empty value (and the signature will not match).
func appendCanonicalHeaders(dst []byte, r *http.Request, signedHeaders string) []byte {
	for name := range strings.SplitSeq(signedHeaders, ";") {
		dst = append(dst, name...)
		dst = append(dst, ':')
		lname := name
		if name == "host" {
			host := r.Host
			if host == "" && r.URL != nil {
				host = r.URL.Host
			}
			dst = appendTrimmed(dst, host)
			dst = append(dst, '\n')
			continue
		}
		for i := 0; i < len(name); i++ {
			if 'A' <= name[i] && name[i] <= 'Z' {
				lname = strings.ToLower(name)
				break
			}
		}
		vs := headerValues(r.Header, lname)
		switch {
		case len(vs) > 0:
			for i, v := range vs {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = appendTrimmed(dst, v)
			}
		case lname == "content-length" && r.ContentLength > 0:
			// net/http may keep the length only in r.ContentLength.
			dst = strconv.AppendInt(dst, r.ContentLength, 10)
		case lname == "transfer-encoding" && len(r.TransferEncoding) > 0:
			// net/http moves Transfer-Encoding out of r.Header.
			for i, v := range r.TransferEncoding {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = appendTrimmed(dst, v)
			}
		}
		dst = append(dst, '\n')
	}
	return dst
}
