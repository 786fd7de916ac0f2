package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseAuthorization checks that parsing never panics and that a header
// it accepts, formatted again, parses to the same thing.
func FuzzParseAuthorization(f *testing.F) {
	files, _ := filepath.Glob("testdata/vectors/*.txt")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "Authorization: "); ok {
				f.Add(strings.TrimSpace(v))
			}
		}
	}
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc")
	f.Add("AWS4-HMAC-SHA256 Signature=abc,Credential=A/B/c/d/aws4_request,SignedHeaders=host,Extra=1")
	f.Add("AWS4-HMAC-SHA256 ,,Credential=")
	f.Add("AWS4-HMAC-SHA256")
	f.Add("")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := parseAuthorization(h)
		if err != nil {
			if err.Kind != KindIncomplete || err.Message == "" {
				t.Fatalf("error %+v", err)
			}
			return
		}
		s := a.String()
		b, err := parseAuthorization(s)
		if err != nil {
			t.Fatalf("re-parse of %q (from %q): %v", s, h, err)
		}
		if a != b {
			t.Fatalf("round trip differs:\n%+v\n%+v", a, b)
		}
		if b.String() != s {
			t.Fatalf("format not stable: %q vs %q", b.String(), s)
		}
		if a.Credential != a.AccessKeyID+"/"+a.scope() {
			t.Fatalf("scope %q of credential %q", a.scope(), a.Credential)
		}
	})
}

// FuzzVerify feeds random methods, targets, headers and bodies to Verify:
// it must never panic and must answer either a Result or an error.
func FuzzVerify(f *testing.F) {
	files, _ := filepath.Glob("testdata/vectors/*.txt")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		_, raw, _ := strings.Cut(string(b), "---\n")
		f.Add(raw, []byte(nil))
	}
	f.Add("GET /?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2F20130524%2Fr%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=1&X-Amz-SignedHeaders=host&X-Amz-Signature=00 HTTP/1.1\nHost: h\n\n", []byte("x"))
	f.Add("PUT //a/../%zz/./b?%=%&a+b=c+d HTTP/1.1\nHost: h\nX-Amz-Date: 20130524T000000Z\nX-Amz-Content-Sha256: STREAMING-X\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDCOFFERTEST/20130524/us-east-1/kms/aws4_request, SignedHeaders=content-length;host;transfer-encoding;x-amz-date, Signature=00\n\n", []byte{})
	src := testSource()
	f.Fuzz(func(t *testing.T, raw string, body []byte) {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(strings.ReplaceAll(raw, "\n", "\r\n"))))
		if err != nil {
			return
		}
		v := NewVerifier(src, fixedNow(testTime))
		res, err := v.Verify(context.Background(), r, body)
		if err == nil && res.AccessKeyID == "" {
			t.Fatalf("accepted without an access key: %+v", res)
		}
	})
}

// FuzzChunkedReader feeds random aws-chunked bodies to ChunkedReader in each
// mode: it must never panic, never yield more bytes than the body holds,
// never grow its buffer past what the body sent (bounded memory), and fail
// only with an *Error.
func FuzzChunkedReader(f *testing.F) {
	v := NewVerifier(testSource(), fixedNow(testTime))
	v.MaxChunkSize = 1 << 20
	modes := []string{StreamingSigned, StreamingSignedTrailer, StreamingUnsignedTrailer}
	results := make([]Result, len(modes))
	for i, mode := range modes {
		trailer := "x-amz-checksum-crc32"
		if mode == StreamingSigned {
			trailer = ""
		}
		results[i] = streamingResult(f, v, mode, -1, trailer)
		var s *chunkSigner
		var trailers []string
		if mode != StreamingUnsignedTrailer {
			s = newChunkSigner(testSecret, testTime, testRegion, results[i].Signature)
		}
		if trailer != "" {
			trailers = []string{trailer + ":AAAAAA=="}
		}
		f.Add(uint8(i), encodeChunked(s, [][]byte{pattern(100, 1), pattern(3, 2)}, trailers, mode == StreamingSignedTrailer))
	}
	f.Add(uint8(2), []byte("ffffffffffffffff\r\n"))
	f.Add(uint8(0), []byte("100000;chunk-signature="+strings.Repeat("0", 64)+"\r\nabc"))
	f.Fuzz(func(t *testing.T, mode uint8, body []byte) {
		res := results[int(mode)%len(results)]
		c, err := v.ChunkedReader(&res, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, c)
		if n > int64(len(body)) {
			t.Fatalf("decoded %d bytes from a %d-byte body", n, len(body))
		}
		if cap(c.buf) > 2*len(body)+128<<10 {
			t.Fatalf("buffer of %d bytes for a %d-byte body", cap(c.buf), len(body))
		}
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("err = %v (%T), want *Error", err, err)
		}
		if tr := c.Trailers(); err != nil && tr != nil {
			t.Fatalf("Trailers() = %v after %v", tr, err)
		}
	})
}
