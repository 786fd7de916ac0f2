package httpfast

import (
	"bytes"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
)

// Head is a parsed HTTP/1.1 request head whose syntax the fast path fully
// understands. Its strings share one allocation: the head's text.
type Head struct {
	Method string
	// Target is the request-target exactly as sent (origin form).
	Target string
	// Header holds every field but Host, under canonical names, as net/http
	// presents them to handlers.
	Header http.Header
	// Host is the value of the single Host field.
	Host string
	// ContentLength is the value of the single Content-Length field.
	ContentLength int64
}

// headEnd returns the length of the request head at the start of buf (the
// request line and fields up to and including the empty line), or 0 if buf
// does not hold a whole head yet. ok is false when the bytes cannot be an
// HTTP/1.1 head the fast path accepts (a bare LF line ending, say); such a
// connection goes to net/http, which answers it as the protocol demands.
func headEnd(buf []byte) (n int, ok bool) {
	start := 0
	for {
		i := bytes.IndexByte(buf[start:], '\n')
		if i < 0 {
			return 0, true
		}
		end := start + i
		if end == start || buf[end-1] != '\r' {
			return 0, false // bare LF
		}
		if end == start+1 { // the empty line: "\r\n"
			if start == 0 {
				return 0, false // leading empty line (RFC 9112 2.2 lets servers skip it; net/http decides)
			}
			return end + 1, true
		}
		start = end + 1
	}
}

// parseHead parses a complete head (as found by headEnd) and reports
// whether the fast path may serve it: HTTP/1.1 exactly, a request-target in
// origin form, token field names, no obsolete line folding, exactly one
// Host, exactly one valid Content-Length, and no field that changes how
// the connection or the body is handled (Transfer-Encoding, Expect,
// Upgrade, a Connection other than keep-alive). Anything else is left to
// net/http. maxFields bounds the number of fields.
func parseHead(text string, maxFields int) (Head, bool) {
	var h Head
	line, rest, _ := strings.Cut(text, "\r\n")
	method, line, ok1 := strings.Cut(line, " ")
	target, proto, ok2 := strings.Cut(line, " ")
	if !ok1 || !ok2 || proto != "HTTP/1.1" || !validToken(method) || target == "" || target[0] != '/' || !validTarget(target) {
		return Head{}, false
	}
	h.Method, h.Target = method, target

	n := strings.Count(rest, "\r\n") - 1 // the final empty line
	if n < 1 || n > maxFields {
		return Head{}, false
	}
	h.Header = make(http.Header, n)
	values := make([]string, n) // one backing array for every field's []string
	hosts, lengths := 0, 0
	for i := 0; ; i++ {
		line, rest, _ = strings.Cut(rest, "\r\n")
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || !validToken(name) {
			return Head{}, false // also rejects obs-fold: a line starting with SP or HTAB
		}
		value = strings.Trim(value, " \t")
		if !validValue(value) {
			return Head{}, false
		}
		key := textproto.CanonicalMIMEHeaderKey(name)
		switch key {
		case "Host":
			hosts++
			if !validHost(value) {
				return Head{}, false
			}
			h.Host = value
			continue
		case "Content-Length":
			lengths++
			cl, err := strconv.ParseInt(value, 10, 64)
			if err != nil || cl < 0 || value[0] == '+' {
				return Head{}, false
			}
			h.ContentLength = cl
		case "Transfer-Encoding", "Expect", "Upgrade", "Te", "Trailer":
			return Head{}, false
		case "Connection":
			if !strings.EqualFold(value, "keep-alive") {
				return Head{}, false
			}
		}
		values[i] = value
		h.Header[key] = append(h.Header[key], values[i:i+1:i+1]...)
	}
	if hosts != 1 || lengths != 1 {
		return Head{}, false
	}
	return h, true
}

// validToken reports whether s is an RFC 9110 token.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenByte[s[i]] {
			return false
		}
	}
	return true
}

// validHost reports whether s is a plain host[:port], the only kind of
// Host the fast path takes (net/http judges anything else).
func validHost(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isTokenByte[c] && c != '|' && c != '`' && c != '^' && c != '#') && c != ':' && c != '[' && c != ']' {
			return false
		}
	}
	return true
}

// validTarget reports whether s holds only visible ASCII (no spaces, no
// control bytes), as a request-target must, and parses as net/http parses
// it (url.ParseRequestURI: a path with a malformed %-escape is refused).
// "/", the target of every KMS request the SDKs send, needs no parse.
func validTarget(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	if s == "/" {
		return true
	}
	_, err := url.ParseRequestURI(s)
	return err == nil
}

// validValue reports whether s is a field value without control bytes
// (HTAB allowed). Bytes ≥ 0x80 are passed on, as net/http does.
func validValue(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// isTokenByte marks the bytes RFC 9110 allows in a token.
var isTokenByte = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()
