package httpfast

import (
	"bufio"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

const kmsHead = "POST / HTTP/1.1\r\nHost: 127.0.0.1:4600\r\nX-Amz-Target: TrentService.Encrypt\r\n" +
	"Content-Type: application/x-amz-json-1.1\r\nContent-Length: 42\r\n\r\n"

func TestHeadEnd(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		ok   bool
	}{
		{"whole head", kmsHead + "{body}", len(kmsHead), true},
		{"incomplete", "POST / HTTP/1.1\r\nHost: x\r\n", 0, true},
		{"no newline yet", "POST / HTT", 0, true},
		{"bare LF in a field", "POST / HTTP/1.1\nHost: x\r\n\r\n", 0, false},
		{"bare LF empty line", "POST / HTTP/1.1\r\nHost: x\r\n\n", 0, false},
		{"leading empty line", "\r\nPOST / HTTP/1.1\r\n\r\n", 0, false},
		{"minimal", "GET / HTTP/1.1\r\n\r\n", 18, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ok := headEnd([]byte(tt.in))
			if n != tt.n || ok != tt.ok {
				t.Fatalf("headEnd = %d, %v; want %d, %v", n, ok, tt.n, tt.ok)
			}
		})
	}
}

func TestParseHeadAccepts(t *testing.T) {
	h, ok := parseHead(kmsHead, maxFields)
	if !ok {
		t.Fatal("a plain KMS head was refused")
	}
	want := Head{Method: "POST", Target: "/", Host: "127.0.0.1:4600", ContentLength: 42, Header: http.Header{
		"X-Amz-Target":   {"TrentService.Encrypt"},
		"Content-Type":   {"application/x-amz-json-1.1"},
		"Content-Length": {"42"},
	}}
	if !reflect.DeepEqual(h, want) {
		t.Fatalf("parseHead =\n%#v\nwant\n%#v", h, want)
	}
}

func TestParseHeadCanonicalisesAndRepeats(t *testing.T) {
	h, ok := parseHead("POST /?a=b HTTP/1.1\r\nhost: h\r\nx-amz-date: 1\r\nX-Thing: a\r\nx-thing: b\r\ncontent-length: 0\r\nConnection: Keep-Alive\r\n\r\n", maxFields)
	if !ok {
		t.Fatal("refused")
	}
	if got := h.Header["X-Thing"]; !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("X-Thing = %q", got)
	}
	if h.Header.Get("X-Amz-Date") != "1" || h.Host != "h" || h.Target != "/?a=b" {
		t.Fatalf("head = %#v", h)
	}
}

// TestParseHeadRefuses lists heads the fast path leaves to net/http.
func TestParseHeadRefuses(t *testing.T) {
	const host = "Host: h\r\n"
	tests := map[string]string{
		"HTTP/1.0":               "POST / HTTP/1.0\r\n" + host + "Content-Length: 0\r\n\r\n",
		"HTTP/2 preface":         "PRI * HTTP/2.0\r\n\r\n",
		"absolute form":          "POST http://h/ HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n",
		"asterisk":               "OPTIONS * HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n",
		"no host":                "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
		"two hosts":              "POST / HTTP/1.1\r\n" + host + host + "Content-Length: 0\r\n\r\n",
		"no length":              "POST / HTTP/1.1\r\n" + host + "\r\n",
		"two lengths":            "POST / HTTP/1.1\r\n" + host + "Content-Length: 1\r\nContent-Length: 1\r\n\r\n",
		"signed length":          "POST / HTTP/1.1\r\n" + host + "Content-Length: +1\r\n\r\n",
		"negative length":        "POST / HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n",
		"length not a number":    "POST / HTTP/1.1\r\n" + host + "Content-Length: 1x\r\n\r\n",
		"length list":            "POST / HTTP/1.1\r\n" + host + "Content-Length: 1, 1\r\n\r\n",
		"chunked":                "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n",
		"chunked and length":     "POST / HTTP/1.1\r\n" + host + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
		"expect":                 "POST / HTTP/1.1\r\n" + host + "Content-Length: 3\r\nExpect: 100-continue\r\n\r\n",
		"upgrade":                "GET / HTTP/1.1\r\n" + host + "Content-Length: 0\r\nUpgrade: websocket\r\n\r\n",
		"connection close":       "POST / HTTP/1.1\r\n" + host + "Content-Length: 0\r\nConnection: close\r\n\r\n",
		"obs-fold":               "POST / HTTP/1.1\r\n" + host + "X-A: 1\r\n 2\r\nContent-Length: 0\r\n\r\n",
		"space before colon":     "POST / HTTP/1.1\r\n" + host + "X-A : 1\r\nContent-Length: 0\r\n\r\n",
		"no colon":               "POST / HTTP/1.1\r\n" + host + "X-A\r\nContent-Length: 0\r\n\r\n",
		"control byte in value":  "POST / HTTP/1.1\r\n" + host + "X-A: a\x00b\r\nContent-Length: 0\r\n\r\n",
		"space in target":        "POST /a b HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n",
		"lower-case version":     "POST / http/1.1\r\n" + host + "Content-Length: 0\r\n\r\n",
		"two spaces":             "POST  / HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n",
		"bad method":             "PO(ST / HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n",
		"no fields at all":       "POST / HTTP/1.1\r\n\r\n",
		"high byte in target":    "POST /\x80 HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n",
		"host with space":        "POST / HTTP/1.1\r\nHost: a b\r\nContent-Length: 0\r\n\r\n",
		"host with slash":        "POST / HTTP/1.1\r\nHost: a/b\r\nContent-Length: 0\r\n\r\n",
		"empty host":             "POST / HTTP/1.1\r\nHost: \r\nContent-Length: 0\r\n\r\n",
		"te":                     "POST / HTTP/1.1\r\n" + host + "Content-Length: 0\r\nTE: trailers\r\n\r\n",
		"trailer":                "POST / HTTP/1.1\r\n" + host + "Content-Length: 0\r\nTrailer: X-A\r\n\r\n",
		"too many fields":        "POST / HTTP/1.1\r\n" + host + "Content-Length: 0\r\n" + strings.Repeat("X-A: 1\r\n", maxFields) + "\r\n",
		"connection keep, close": "POST / HTTP/1.1\r\n" + host + "Content-Length: 0\r\nConnection: keep-alive, close\r\n\r\n",
		"bad escape in path":     "POST /% HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n",
		"bad escape, query":      "POST /a%zz?x=1 HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n",
	}
	for name, head := range tests {
		t.Run(name, func(t *testing.T) {
			if h, ok := parseHead(head, maxFields); ok {
				t.Fatalf("accepted: %#v", h)
			}
		})
	}
}

// FuzzParseHead checks the fast path against net/http: every head it
// accepts, net/http's own parser accepts too and reads the same way.
func FuzzParseHead(f *testing.F) {
	f.Add(kmsHead)
	f.Add("POST /?x=1 HTTP/1.1\r\nhost: a\r\ncontent-length: 0\r\nX-A: \t v \t\r\n\r\n")
	f.Add("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n")
	f.Add("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\nx-amz-target: TrentService.Decrypt\r\n\r\n")
	f.Fuzz(func(t *testing.T, text string) {
		end, ok := headEnd([]byte(text))
		if !ok || end == 0 {
			return
		}
		h, ok := parseHead(text[:end], maxFields)
		if !ok {
			return
		}
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(text[:end])))
		if err != nil {
			t.Fatalf("fast path accepted a head net/http refuses (%v):\n%q", err, text[:end])
		}
		if r.Method != h.Method || r.RequestURI != h.Target || r.Host != h.Host || r.ContentLength != h.ContentLength {
			t.Fatalf("fast path read %q %q host %q length %d; net/http %q %q host %q length %d",
				h.Method, h.Target, h.Host, h.ContentLength, r.Method, r.RequestURI, r.Host, r.ContentLength)
		}
		if !reflect.DeepEqual(r.Header, h.Header) {
			t.Fatalf("header differs:\nfast     %q\nnet/http %q", h.Header, r.Header)
		}
	})
}
