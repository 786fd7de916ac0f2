package bench

import (
	"bytes"
	"encoding/json"
	"errors"
)

var errNotObject = errors.New("answer is not a JSON object")

// stringField returns the raw value of the top-level string member name of
// the JSON object body, without its quotes, and whether it was found. It does
// not allocate. If the value holds a backslash escape, it falls back to
// encoding/json to unescape it (base64 text only ever needs "\/").
//
// It validates only what it walks over: enough to find top-level members of a
// well-formed object and to reject most malformed ones, not a full parser.
func stringField(body []byte, name string) ([]byte, bool, error) {
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return nil, false, errNotObject
	}
	i++
	for {
		i = skipSpace(body, i)
		if i >= len(body) {
			return nil, false, errNotObject
		}
		if body[i] == '}' {
			return nil, false, nil
		}
		if body[i] == ',' {
			i = skipSpace(body, i+1)
		}
		// A member: "key" : value
		kEnd, kEsc, ok := stringEnd(body, i)
		if !ok {
			return nil, false, errNotObject
		}
		key := body[i+1 : kEnd]
		i = skipSpace(body, kEnd+1)
		if i >= len(body) || body[i] != ':' {
			return nil, false, errNotObject
		}
		i = skipSpace(body, i+1)
		if i >= len(body) {
			return nil, false, errNotObject
		}
		match := !kEsc && string(key) == name
		if body[i] == '"' {
			vEnd, vEsc, ok := stringEnd(body, i)
			if !ok {
				return nil, false, errNotObject
			}
			if match {
				if !vEsc {
					return body[i+1 : vEnd], true, nil
				}
				var s string
				if err := json.Unmarshal(body[i:vEnd+1], &s); err != nil {
					return nil, false, errNotObject
				}
				return []byte(s), true, nil
			}
			i = vEnd + 1
			continue
		}
		if match {
			return nil, false, errors.New(name + " is not a string")
		}
		if i, ok = skipValue(body, i); !ok {
			return nil, false, errNotObject
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index of the closing quote of the JSON string that
// opens at b[i], and whether it holds an escape.
func stringEnd(b []byte, i int) (end int, escaped, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, false, false
	}
	for j := i + 1; j < len(b); {
		q := bytes.IndexByte(b[j:], '"')
		if q < 0 {
			return 0, false, false
		}
		bs := bytes.IndexByte(b[j:j+q], '\\')
		if bs < 0 {
			return j + q, escaped, true
		}
		escaped = true
		j += bs + 2 // past the backslash and the character it escapes
	}
	return 0, false, false
}

// skipValue returns the index just past the non-string JSON value at b[i]:
// an object or array (balanced, strings inside skipped) or a literal.
func skipValue(b []byte, i int) (int, bool) {
	if b[i] != '{' && b[i] != '[' {
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ' ' && b[j] != '\t' && b[j] != '\r' && b[j] != '\n' {
			j++
		}
		return j, j > i
	}
	depth := 0
	for j := i; j < len(b); j++ {
		switch b[j] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return j + 1, true
			}
		case '"':
			end, _, ok := stringEnd(b, j)
			if !ok {
				return 0, false
			}
			j = end
		}
	}
	return 0, false
}
