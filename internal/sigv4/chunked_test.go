package sigv4

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// chunkSigner computes chunk and trailer signatures the way the AWS
// documentation spells them out, independently of chunked.go.
type chunkSigner struct {
	key            []byte
	amzDate, scope string
	prev           string
}

func hmacSHA256(k []byte, s string) []byte {
	m := hmac.New(sha256.New, k)
	m.Write([]byte(s))
	return m.Sum(nil)
}

func newChunkSigner(secret string, at time.Time, region, seed string) *chunkSigner {
	date := at.Format("20060102")
	k := hmacSHA256(hmacSHA256(hmacSHA256(hmacSHA256([]byte("AWS4"+secret), date), region), "s3"), "aws4_request")
	return &chunkSigner{key: k, amzDate: at.Format(amzDateFormat), scope: date + "/" + region + "/s3/aws4_request", prev: seed}
}

// chunk returns the signature of a chunk holding data and chains it.
func (s *chunkSigner) chunk(data []byte) string {
	sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + s.amzDate + "\n" + s.scope + "\n" + s.prev + "\n" + hashHex(nil) + "\n" + hashHex(data)
	s.prev = hex.EncodeToString(hmacSHA256(s.key, sts))
	return s.prev
}

// trailer returns the signature of trailers ("name:value" each, sorted).
func (s *chunkSigner) trailer(trailers []string) string {
	var canon strings.Builder
	for _, t := range slices.Sorted(slices.Values(trailers)) {
		canon.WriteString(t + "\n")
	}
	sts := "AWS4-HMAC-SHA256-TRAILER\n" + s.amzDate + "\n" + s.scope + "\n" + s.prev + "\n" + hashHex([]byte(canon.String()))
	return hex.EncodeToString(hmacSHA256(s.key, sts))
}

// encodeChunked encodes chunks (the final empty chunk is added) and
// trailers as aws-chunked; s is nil for STREAMING-UNSIGNED-PAYLOAD-TRAILER.
func encodeChunked(s *chunkSigner, chunks [][]byte, trailers []string, signTrailer bool) []byte {
	var b bytes.Buffer
	for _, c := range append(chunks, nil) {
		b.WriteString(strconv.FormatInt(int64(len(c)), 16))
		if s != nil {
			b.WriteString(";chunk-signature=" + s.chunk(c))
		}
		b.WriteString("\r\n")
		if len(c) > 0 {
			b.Write(c)
			b.WriteString("\r\n")
		}
	}
	for _, t := range trailers {
		b.WriteString(t + "\r\n")
	}
	if signTrailer {
		b.WriteString("x-amz-trailer-signature:" + s.trailer(trailers) + "\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// streamingResult signs a PUT whose payload hash is mode with the SDK's
// signer and returns what Verify makes of it.
func streamingResult(t testing.TB, v *Verifier, mode string, decoded int64, trailer string) Result {
	t.Helper()
	r, err := http.NewRequest(http.MethodPut, "https://"+testS3Host+"/key", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("X-Amz-Content-Sha256", mode)
	r.Header.Set("Content-Encoding", "aws-chunked")
	if decoded >= 0 {
		r.Header.Set("X-Amz-Decoded-Content-Length", strconv.FormatInt(decoded, 10))
	}
	if trailer != "" {
		r.Header.Set("X-Amz-Trailer", trailer)
	}
	err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret},
		r, mode, "s3", testRegion, testTime, func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Verify(context.Background(), toServer(t, r), nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// decodeChunked reads body through a ChunkedReader to the end.
func decodeChunked(v *Verifier, res *Result, body io.Reader) ([]byte, map[string]string, error) {
	c, err := v.ChunkedReader(res, body)
	if err != nil {
		return nil, nil, err
	}
	out, err := io.ReadAll(c)
	return out, c.Trailers(), err
}

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7)
	}
	return b
}

// TestChunkedVectors decodes the AWS documentation's chunked-upload
// examples kept in testdata/chunked: the request must verify, every chunk
// signature must match the documented one, and the payload must decode.
func TestChunkedVectors(t *testing.T) {
	files, err := filepath.Glob("testdata/chunked/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatal("no vectors", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			vec := readVector(t, f)
			b, _ := os.ReadFile(f)
			meta, _, _ := strings.Cut(string(b), "---\n")
			var (
				body, want []byte
				trailers   []string
				final      bool
			)
			for line := range strings.Lines(meta) {
				k, val, _ := strings.Cut(strings.TrimSpace(line), ": ")
				switch k {
				case "chunk":
					size, sig, _ := strings.Cut(val, " ")
					n, _ := strconv.Atoi(size)
					data := bytes.Repeat([]byte("a"), n)
					body = fmt.Appendf(body, "%x;chunk-signature=%s\r\n", n, sig)
					if n > 0 {
						body = append(append(body, data...), "\r\n"...)
					}
					want = append(want, data...)
					final = n == 0
				case "trailer":
					body = append(body, val+"\r\n"...)
					trailers = append(trailers, val)
				case "trailer-signature":
					body = append(body, "x-amz-trailer-signature:"+val+"\r\n"...)
				}
			}
			if !final {
				t.Fatal("no final chunk")
			}
			body = append(body, "\r\n"...)

			r := vec.request(t)
			if r.ContentLength != int64(len(body)) {
				t.Errorf("Content-Length %d, encoded body %d bytes", r.ContentLength, len(body))
			}
			ver := NewVerifier(memSource{vec.akid: {AccessKeyID: vec.akid, Secret: []byte(vec.secret)}}, fixedNow(vec.now))
			res, err := ver.Verify(context.Background(), r, nil)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			got, tr, err := decodeChunked(ver, &res, bytes.NewReader(body))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("decoded %d bytes, want %d", len(got), len(want))
			}
			for _, kv := range trailers {
				k, v, _ := strings.Cut(kv, ":")
				if tr[k] != v {
					t.Errorf("Trailers()[%q] = %q, want %q", k, tr[k], v)
				}
			}
			// The independent signer agrees with the documented signatures.
			s := newChunkSigner(vec.secret, vec.now, "us-east-1", res.Signature)
			enc := encodeChunked(s, [][]byte{want[:65536], want[65536:]}, trailers, len(trailers) > 0)
			if !bytes.Equal(enc, body) {
				t.Errorf("encodeChunked differs from the documented body")
			}
			// Each chunk's data is covered: flip one byte of the second chunk.
			i := bytes.LastIndex(body, []byte("aaaa\r\n"))
			bad := bytes.Clone(body)
			bad[i] = 'b'
			if _, _, err := decodeChunked(ver, &res, bytes.NewReader(bad)); !errors.Is(err, ErrSignatureMismatch) {
				t.Errorf("tampered data: %v, want SignatureMismatch", err)
			}
		})
	}
}

// TestChunkedReader runs good and hostile bodies through the decoder.
func TestChunkedReader(t *testing.T) {
	v := NewVerifier(testSource(), fixedNow(testTime))
	v.MaxChunkSize = 1 << 20
	data := [][]byte{pattern(65536, 1), pattern(8192, 2), pattern(1000, 3)}
	all := bytes.Join(data, nil)
	n := int64(len(all))
	crc := []string{"x-amz-checksum-crc32:AAAAAA=="}

	signed := func(decoded int64) (Result, *chunkSigner) {
		res := streamingResult(t, v, StreamingSigned, decoded, "")
		return res, newChunkSigner(testSecret, testTime, testRegion, res.Signature)
	}
	type tc struct {
		name     string
		res      Result
		body     []byte
		want     []byte            // decoded payload on success
		trailers map[string]string // on success
		err      error
	}
	var tests []tc
	add := func(c tc) { tests = append(tests, c) }

	{
		res, s := signed(n)
		good := encodeChunked(s, data, nil, false)
		add(tc{name: "signed", res: res, body: good, want: all})
		bad := bytes.Clone(good)
		bad[len("10000;chunk-signature=")+64+2+100] ^= 1
		add(tc{name: "tampered chunk data", res: res, body: bad, err: ErrSignatureMismatch})
		bad = bytes.Clone(good)
		bad[len("10000;chunk-signature=")+5] ^= 1
		add(tc{name: "tampered chunk signature", res: res, body: bad, err: ErrSignatureMismatch})
		sig := string(good[len("10000;chunk-signature=") : len("10000;chunk-signature=")+64])
		add(tc{name: "missing final chunk", res: res, body: good[:bytes.LastIndex(good, []byte("0;chunk"))], err: ErrIncompleteBody})
		add(tc{name: "missing last CRLF", res: res, body: good[:len(good)-2], err: ErrIncompleteBody})
		add(tc{name: "data after the end", res: res, body: append(bytes.Clone(good), 'x'), err: ErrMalformedChunk})
		add(tc{name: "trailer in signed payload", res: res, body: append(bytes.Clone(good[:len(good)-2]), "x-amz-checksum-crc32:AAAAAA==\r\n\r\n"...), err: ErrMalformedTrailer})
		final := bytes.LastIndex(good, []byte("0;chunk"))
		add(tc{name: "final chunk without signature", res: res, body: append(bytes.Clone(good[:final]), "0\r\n\r\n"...), err: ErrMalformedChunk})
		bad = bytes.Clone(good)
		bad[final+len("0;chunk-signature=")] ^= 1
		add(tc{name: "final chunk signature tampered", res: res, body: bad, err: ErrSignatureMismatch})
		bad = bytes.Clone(good)
		copy(bad[final:], "1")
		add(tc{name: "final chunk not empty", res: res, body: bad, err: ErrMalformedChunk})
		bad = bytes.Replace(bytes.Clone(good), []byte("\r\n"), []byte("\n"), 1)
		add(tc{name: "LF line end", res: res, body: bad, err: ErrMalformedChunk})
		bad = bytes.Clone(good)
		copy(bad[len("10000;chunk-signature=")+64+2+65536:], "xx")
		add(tc{name: "data not ended by CRLF", res: res, body: bad, err: ErrMalformedChunk})
		add(tc{name: "chunk size not hex", res: res, body: []byte("1g;chunk-signature=" + sig + "\r\n"), err: ErrMalformedChunk})
		add(tc{name: "chunk size 17 digits", res: res, body: []byte("00000000000010000;chunk-signature=" + sig + "\r\n"), err: ErrMalformedChunk})
		add(tc{name: "chunk size negative", res: res, body: []byte("-1;chunk-signature=" + sig + "\r\n"), err: ErrMalformedChunk})
		add(tc{name: "chunk over MaxChunkSize", res: res, body: []byte("100001;chunk-signature=" + sig + "\r\n"), err: ErrMalformedChunk})
		add(tc{name: "short chunk signature", res: res, body: []byte("10000;chunk-signature=abc\r\n"), err: ErrMalformedChunk})
		add(tc{name: "no chunk signature", res: res, body: []byte("10000\r\n"), err: ErrMalformedChunk})
		add(tc{name: "header line too long", res: res, body: bytes.Repeat([]byte("0"), 5000), err: ErrMalformedChunk})
		add(tc{name: "empty body", res: res, body: nil, err: ErrIncompleteBody})
	}
	{
		res, s := signed(n + 1)
		add(tc{name: "decoded length short", res: res, body: encodeChunked(s, data, nil, false), err: ErrIncompleteBody})
		res, s = signed(n - 1)
		add(tc{name: "decoded length exceeded", res: res, body: encodeChunked(s, data, nil, false), err: ErrMalformedChunk})
		res, s = signed(-1)
		add(tc{name: "no decoded length", res: res, body: encodeChunked(s, data, nil, false), want: all})
		res, s = signed(0)
		add(tc{name: "empty payload", res: res, body: encodeChunked(s, nil, nil, false), want: []byte{}})
	}
	{
		res := streamingResult(t, v, StreamingUnsignedTrailer, n, "x-amz-checksum-crc32")
		good := encodeChunked(nil, data, crc, false)
		add(tc{name: "unsigned trailer", res: res, body: good, want: all, trailers: map[string]string{"x-amz-checksum-crc32": "AAAAAA=="}})
		add(tc{name: "unsigned one big chunk", res: res, body: encodeChunked(nil, [][]byte{all}, crc, false), want: all, trailers: map[string]string{"x-amz-checksum-crc32": "AAAAAA=="}})
		add(tc{name: "trailer spaces", res: res, body: encodeChunked(nil, data, []string{"X-Amz-Checksum-CRC32 : AAAAAA== "}, false), want: all, trailers: map[string]string{"x-amz-checksum-crc32": "AAAAAA=="}})
		add(tc{name: "undeclared trailer", res: res, body: encodeChunked(nil, data, []string{"x-amz-checksum-crc32:AAAAAA==", "x-amz-meta-a:b"}, false), err: ErrMalformedTrailer})
		add(tc{name: "missing trailer", res: res, body: encodeChunked(nil, data, nil, false), err: ErrMalformedTrailer})
		add(tc{name: "duplicate trailer", res: res, body: encodeChunked(nil, data, []string{crc[0], crc[0]}, false), err: ErrMalformedTrailer})
		add(tc{name: "trailer without colon", res: res, body: encodeChunked(nil, data, []string{"x-amz-checksum-crc32"}, false), err: ErrMalformedTrailer})
		add(tc{name: "empty trailer value", res: res, body: encodeChunked(nil, data, []string{"x-amz-checksum-crc32:"}, false), err: ErrMalformedTrailer})
		add(tc{name: "trailer line too long", res: res, body: encodeChunked(nil, data, []string{"x-amz-checksum-crc32:" + strings.Repeat("A", 5000)}, false), err: ErrMalformedChunk})
		add(tc{name: "unsigned truncated in data", res: res, body: good[:1000], err: ErrIncompleteBody})
		add(tc{name: "unsigned chunk with signature", res: res, body: []byte("10;chunk-signature=00\r\n"), err: ErrMalformedChunk})
	}
	{
		res := streamingResult(t, v, StreamingSignedTrailer, n, "x-amz-checksum-crc32")
		s := func() *chunkSigner { return newChunkSigner(testSecret, testTime, testRegion, res.Signature) }
		add(tc{name: "signed trailer", res: res, body: encodeChunked(s(), data, crc, true), want: all, trailers: map[string]string{"x-amz-checksum-crc32": "AAAAAA=="}})
		bad := bytes.Replace(encodeChunked(s(), data, crc, true), []byte("AAAAAA=="), []byte("AAAAAB=="), 1)
		add(tc{name: "tampered trailer", res: res, body: bad, err: ErrSignatureMismatch})
		add(tc{name: "missing trailer signature", res: res, body: encodeChunked(s(), data, crc, false), err: ErrMalformedTrailer})
		body := encodeChunked(s(), data, crc, true)
		i := bytes.Index(body, []byte("x-amz-trailer-signature:"))
		body = slices.Concat(body[:i], []byte("x-amz-trailer-signature:"+strings.Repeat("0", 64)+"\r\n"), []byte("\r\n"))
		add(tc{name: "wrong trailer signature", res: res, body: body, err: ErrSignatureMismatch})
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, tr, err := decodeChunked(v, &tt.res, bytes.NewReader(tt.body))
			if tt.err != nil {
				var e *Error
				if !errors.Is(err, tt.err) || !errors.As(err, &e) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				if strings.Contains(err.Error(), testSecret) {
					t.Fatalf("error holds the secret: %v", err)
				}
				if tr != nil {
					t.Errorf("Trailers() = %v after an error", tr)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("decoded %d bytes, want %d", len(got), len(tt.want))
			}
			if fmt.Sprint(tr) != fmt.Sprint(tt.trailers) {
				t.Errorf("Trailers() = %v, want %v", tr, tt.trailers)
			}
			// One byte at a time, through iotest's reader checks.
			c, err := v.ChunkedReader(&tt.res, iotest.OneByteReader(bytes.NewReader(tt.body)))
			if err != nil {
				t.Fatal(err)
			}
			if err := iotest.TestReader(c, tt.want); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestChunkedTruncated cuts a good body at every length: each prefix must
// fail with IncompleteBody, never decode.
func TestChunkedTruncated(t *testing.T) {
	v := NewVerifier(testSource(), fixedNow(testTime))
	data := [][]byte{pattern(300, 1), pattern(10, 2)}
	for _, mode := range []string{StreamingSigned, StreamingSignedTrailer, StreamingUnsignedTrailer} {
		t.Run(mode, func(t *testing.T) {
			trailer, trailers := "", []string(nil)
			if mode != StreamingSigned {
				trailer, trailers = "x-amz-checksum-crc32", []string{"x-amz-checksum-crc32:AAAAAA=="}
			}
			res := streamingResult(t, v, mode, 310, trailer)
			var s *chunkSigner
			if mode != StreamingUnsignedTrailer {
				s = newChunkSigner(testSecret, testTime, testRegion, res.Signature)
			}
			body := encodeChunked(s, data, trailers, mode == StreamingSignedTrailer)
			for i := range len(body) {
				if _, _, err := decodeChunked(v, &res, bytes.NewReader(body[:i])); !errors.Is(err, ErrIncompleteBody) {
					t.Fatalf("cut at %d of %d (%q): %v", i, len(body), body[max(0, i-10):i], err)
				}
			}
			if _, _, err := decodeChunked(v, &res, bytes.NewReader(body)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestChunkedBoundedMemory: a chunk header may claim up to MaxChunkSize,
// but the decoder only allocates as the data arrives.
func TestChunkedBoundedMemory(t *testing.T) {
	v := NewVerifier(testSource(), fixedNow(testTime))
	res := streamingResult(t, v, StreamingSigned, -1, "")
	body := "1000000;chunk-signature=" + strings.Repeat("0", 64) + "\r\n" + strings.Repeat("x", 1000)
	c, err := v.ChunkedReader(&res, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(c); !errors.Is(err, ErrIncompleteBody) {
		t.Fatalf("err = %v", err)
	}
	if cap(c.buf) > 128<<10 {
		t.Errorf("buffer grew to %d bytes for 1000 bytes of data", cap(c.buf))
	}
	// Over the limit, nothing is read at all.
	body = "1000001;chunk-signature=" + strings.Repeat("0", 64) + "\r\n"
	if _, _, err := decodeChunked(v, &res, strings.NewReader(body)); !errors.Is(err, ErrMalformedChunk) {
		t.Fatalf("err = %v", err)
	}
}

// TestChunkedReaderMisuse: only STREAMING-* results from Verify.
func TestChunkedReaderMisuse(t *testing.T) {
	v := NewVerifier(testSource(), fixedNow(testTime))
	for _, ph := range []string{UnsignedPayload, emptySHA256Hex, "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", "STREAMING-X"} {
		if _, err := v.ChunkedReader(&Result{PayloadHash: ph}, strings.NewReader("")); !errors.Is(err, ErrContentSHA256Mismatch) {
			t.Errorf("%s: %v", ph, err)
		}
	}
	if _, err := v.ChunkedReader(&Result{PayloadHash: StreamingSigned}, strings.NewReader("")); err == nil {
		t.Error("signed mode without a key: no error")
	}
	// A body error other than EOF is passed through.
	res := streamingResult(t, v, StreamingUnsignedTrailer, -1, "")
	boom := errors.New("boom")
	if _, _, err := decodeChunked(v, &res, iotest.ErrReader(boom)); err != boom {
		t.Errorf("err = %v, want boom", err)
	}
}

// TestVerifyStreamingHeaders: Verify reports the decoded length and the
// declared trailers, and rejects malformed ones.
func TestVerifyStreamingHeaders(t *testing.T) {
	v := NewVerifier(testSource(), fixedNow(testTime))
	res := streamingResult(t, v, StreamingUnsignedTrailer, 42, "x-amz-checksum-crc32, X-Amz-Checksum-Sha256")
	if res.DecodedContentLength != 42 || !slices.Equal(res.Trailer, []string{"x-amz-checksum-crc32", "x-amz-checksum-sha256"}) {
		t.Errorf("DecodedContentLength %d, Trailer %q", res.DecodedContentLength, res.Trailer)
	}
	if res.Signature == "" {
		t.Error("no Signature")
	}
	for _, tt := range []struct {
		header, value string
		want          error
	}{
		{"X-Amz-Decoded-Content-Length", "-1", ErrMalformedChunk},
		{"X-Amz-Decoded-Content-Length", "+1", ErrMalformedChunk},
		{"X-Amz-Decoded-Content-Length", "1x", ErrMalformedChunk},
		{"X-Amz-Trailer", "a,a", ErrMalformedTrailer},
		{"X-Amz-Trailer", "x-amz-trailer-signature", ErrMalformedTrailer},
		{"X-Amz-Trailer", "a b", ErrMalformedTrailer},
	} {
		r, _ := http.NewRequest(http.MethodPut, "https://"+testS3Host+"/key", nil)
		r.Header.Set("X-Amz-Content-Sha256", StreamingUnsignedTrailer)
		r.Header.Set(tt.header, tt.value)
		v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret},
			r, StreamingUnsignedTrailer, "s3", testRegion, testTime, func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
		if _, err := v.Verify(context.Background(), toServer(t, r), nil); !errors.Is(err, tt.want) {
			t.Errorf("%s: %s: %v, want %v", tt.header, tt.value, err, tt.want)
		}
	}
}
