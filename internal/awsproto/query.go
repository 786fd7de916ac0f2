package awsproto

// The AWS Query protocol, as IAM and STS speak it: a request is a flat set
// of form-encoded parameters (Action=CreateUser&Version=2010-05-08&
// UserName=jack&Tags.member.1.Key=team&...), sent as an
// application/x-www-form-urlencoded POST body or as the URL query of a GET;
// a response is an XML document
//
//	<ActionResponse xmlns="NS"><ActionResult>...</ActionResult>
//	  <ResponseMetadata><RequestId>ID</RequestId></ResponseMetadata></ActionResponse>
//
// and an error is
//
//	<ErrorResponse xmlns="NS"><Error><Type>Sender</Type><Code>C</Code>
//	  <Message>M</Message></Error><RequestId>ID</RequestId></ErrorResponse>
//
// with the error's HTTP status. Lists are flattened as Name.member.N
// (N from 1) and, for structures, Name.member.N.Field; an empty list is
// sent as "Name=" alone.

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// QueryContentType is the content type of Query request bodies.
const QueryContentType = "application/x-www-form-urlencoded"

// Errors of the Query protocol itself (not of a service).
const (
	CodeMalformedQueryString = "MalformedQueryString"
	CodeInvalidAction        = "InvalidAction"
	CodeMissingAction        = "MissingAction"
	CodeValidationError      = "ValidationError"
)

// MaxQueryParams bounds the number of parameters ParseQuery accepts.
const MaxQueryParams = 10000

// Query is a parsed Query request: parameter name to value. Names are
// unique; the order of the wire form is not kept.
type Query map[string]string

// ParseQuery parses a form-encoded body or URL query string. It is strict
// where url.ParseQuery is lenient: a malformed %-escape, a repeated name,
// an empty name, or a name or value that is not UTF-8 is a
// MalformedQueryString error (HTTP 400). "+" decodes to a space, and empty
// segments ("a=1&&b=2") are skipped.
func ParseQuery(s string) (Query, error) {
	q := make(Query)
	for s != "" {
		var seg string
		seg, s, _ = strings.Cut(s, "&")
		if seg == "" {
			continue
		}
		if len(q) >= MaxQueryParams {
			return nil, Errorf(CodeMalformedQueryString, http.StatusBadRequest, "The request has more than %d parameters.", MaxQueryParams)
		}
		rawName, rawValue, _ := strings.Cut(seg, "=")
		name, ok := unescapeForm(rawName)
		if !ok {
			return nil, malformed(rawName)
		}
		value, ok := unescapeForm(rawValue)
		if !ok {
			return nil, malformed(rawValue)
		}
		if name == "" {
			return nil, Errorf(CodeMalformedQueryString, http.StatusBadRequest, "The request has a parameter with an empty name.")
		}
		if !utf8.ValidString(name) || !utf8.ValidString(value) {
			return nil, Errorf(CodeMalformedQueryString, http.StatusBadRequest, "Parameter names and values must be UTF-8.")
		}
		if _, dup := q[name]; dup {
			return nil, Errorf(CodeMalformedQueryString, http.StatusBadRequest, "The parameter %s is given more than once.", clip(name))
		}
		q[name] = value
	}
	return q, nil
}

func malformed(raw string) error {
	return Errorf(CodeMalformedQueryString, http.StatusBadRequest, "Invalid escape sequence in the query string near %q.", clip(raw))
}

func clip(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}

func unhexDigit(c byte) (byte, bool) {
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

// unescapeForm decodes %XX escapes and '+' as application/x-www-form-urlencoded does.
func unescapeForm(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 >= len(s) {
				return "", false
			}
			h, ok1 := unhexDigit(s[i+1])
			l, ok2 := unhexDigit(s[i+2])
			if !ok1 || !ok2 {
				return "", false
			}
			b = append(b, h<<4|l)
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b), true
}

// Encode returns q in canonical form: names sorted, every byte but
// A-Z a-z 0-9 - _ . ~ percent-encoded. ParseQuery(q.Encode()) equals q.
func (q Query) Encode() string {
	names := make([]string, 0, len(q))
	for n := range q {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteByte('&')
		}
		escapeTo(&b, n)
		b.WriteByte('=')
		escapeTo(&b, q[n])
	}
	return b.String()
}

func escapeTo(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
}

// DecodeQuery fills the struct pointed to by v from q. Each exported field
// is read from the parameter named by its `query:"Name"` tag, or by the
// field's name; `query:"-"` skips it. Supported field types: string, bool,
// int, int32, int64 and pointers to them (nil when the parameter is
// absent), []string and slices of structs (Name.member.N[.Field]). A value
// that does not parse as its type, or a list whose members are not numbered
// 1..n, is a ValidationError (HTTP 400) naming the parameter.
func DecodeQuery(q Query, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		panic("awsproto: DecodeQuery needs a pointer to a struct")
	}
	return decodeStruct(q, "", rv.Elem())
}

func decodeStruct(q Query, prefix string, sv reflect.Value) error {
	st := sv.Type()
	for i := 0; i < st.NumField(); i++ {
		f := st.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, ok := f.Tag.Lookup("query"); ok {
			if tag == "-" {
				continue
			}
			name = tag
		}
		if err := decodeField(q, prefix+name, sv.Field(i)); err != nil {
			return err
		}
	}
	return nil
}

func decodeField(q Query, name string, fv reflect.Value) error {
	if fv.Kind() == reflect.Slice {
		return decodeList(q, name, fv)
	}
	raw, ok := q[name]
	if !ok {
		return nil
	}
	if fv.Kind() == reflect.Pointer {
		p := reflect.New(fv.Type().Elem())
		if err := decodeScalar(name, raw, p.Elem()); err != nil {
			return err
		}
		fv.Set(p)
		return nil
	}
	return decodeScalar(name, raw, fv)
}

func decodeScalar(name, raw string, fv reflect.Value) error {
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(raw)
	case reflect.Bool:
		switch strings.ToLower(raw) {
		case "true":
			fv.SetBool(true)
		case "false":
			fv.SetBool(false)
		default:
			return Errorf(CodeValidationError, http.StatusBadRequest, "Value '%s' at '%s' failed to satisfy constraint: Member must be a boolean (true or false)", clip(raw), lowerFirst(name))
		}
	case reflect.Int, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, fv.Type().Bits())
		if err != nil {
			return Errorf(CodeValidationError, http.StatusBadRequest, "Value '%s' at '%s' failed to satisfy constraint: Member must be an integer", clip(raw), lowerFirst(name))
		}
		fv.SetInt(n)
	default:
		panic("awsproto: DecodeQuery cannot decode into " + fv.Type().String())
	}
	return nil
}

// decodeList reads Name.member.1 .. Name.member.n.
func decodeList(q Query, name string, fv reflect.Value) error {
	prefix := name + ".member."
	seen := map[int]bool{}
	for k := range q {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		idx, _, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(idx)
		if err != nil || n < 1 || idx[0] == '0' || idx[0] == '+' {
			return Errorf(CodeValidationError, http.StatusBadRequest, "Parameter '%s' has a malformed list index.", clip(k))
		}
		seen[n] = true
	}
	n := len(seen)
	for i := 1; i <= n; i++ {
		if !seen[i] {
			return Errorf(CodeValidationError, http.StatusBadRequest, "The members of the list '%s' must be numbered from 1 without gaps.", clip(name))
		}
	}
	_, empty := q[name]
	if n == 0 && !empty {
		return nil
	}
	s := reflect.MakeSlice(fv.Type(), n, n)
	for i := 0; i < n; i++ {
		elem := s.Index(i)
		key := prefix + strconv.Itoa(i+1)
		if elem.Kind() == reflect.Struct {
			if err := decodeStruct(q, key+".", elem); err != nil {
				return err
			}
			continue
		}
		raw, ok := q[key]
		if !ok {
			return Errorf(CodeValidationError, http.StatusBadRequest, "The list member '%s' has no value.", clip(key))
		}
		if err := decodeScalar(key, raw, elem); err != nil {
			return err
		}
	}
	fv.Set(s)
	return nil
}

func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}

// List is a list member of a Query response: it encodes as its element
// holding one <member> per item, and as an empty element when empty
// (clients then see an empty list, not a missing one).
type List[T any] []T

// MarshalXML implements xml.Marshaler.
func (l List[T]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	member := xml.StartElement{Name: xml.Name{Local: "member"}}
	for i := range l {
		if err := e.EncodeElement(l[i], member); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// QueryTime is a timestamp as Query responses carry it: ISO 8601 in UTC
// with second precision ("2006-01-02T15:04:05Z").
type QueryTime time.Time

// MarshalText implements encoding.TextMarshaler.
func (t QueryTime) MarshalText() ([]byte, error) {
	return []byte(time.Time(t).UTC().Format("2006-01-02T15:04:05Z")), nil
}

// QueryTimePtr returns a *QueryTime for t, or nil when t is zero (the
// element is then omitted with omitempty).
func QueryTimePtr(t time.Time) *QueryTime {
	if t.IsZero() {
		return nil
	}
	qt := QueryTime(t)
	return &qt
}

// WriteQueryResponse writes a 200 Query response for action in namespace
// xmlns: result (a struct, or nil for operations without output) becomes
// the <ActionResult> element.
func WriteQueryResponse(w http.ResponseWriter, xmlns, action, reqID string, result any) error {
	var buf bytes.Buffer
	buf.WriteString(`<` + action + `Response xmlns="`)
	_ = xml.EscapeText(&buf, []byte(xmlns))
	buf.WriteString(`">`)
	if result != nil {
		enc := xml.NewEncoder(&buf)
		if err := enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
			return fmt.Errorf("awsproto: encode %s response: %w", action, err)
		}
		if err := enc.Close(); err != nil {
			return fmt.Errorf("awsproto: encode %s response: %w", action, err)
		}
	}
	buf.WriteString(`<ResponseMetadata><RequestId>`)
	_ = xml.EscapeText(&buf, []byte(reqID))
	buf.WriteString(`</RequestId></ResponseMetadata></` + action + `Response>`)
	writeXML(w, http.StatusOK, buf.Bytes())
	clear(buf.Bytes()) // it may hold a secret access key or a session token
	return nil
}

// queryError is the Query protocol's error document.
type queryError struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

// WriteQueryError writes e in the Query error shape with its status; the
// Type is Receiver for server faults (5xx), else Sender.
func WriteQueryError(w http.ResponseWriter, xmlns, reqID string, e *Error) {
	typ := "Sender"
	if e.Status >= 500 {
		typ = "Receiver"
	}
	b, err := xml.Marshal(queryError{Xmlns: xmlns, Type: typ, Code: e.Code, Message: e.Message, RequestID: reqID})
	if err != nil { // cannot happen with string fields
		b = []byte(`<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code></Error></ErrorResponse>`)
	}
	writeXML(w, e.Status, b)
}

func writeXML(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
