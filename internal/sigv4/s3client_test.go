package sigv4

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// s3Upload is what the test server saw of one PutObject.
type s3Upload struct {
	header   http.Header
	length   int64 // Content-Length, -1 for Transfer-Encoding: chunked
	res      Result
	body     []byte
	trailers map[string]string
	err      error
}

// s3Server verifies PutObject requests and decodes aws-chunked bodies with
// ChunkedReader, as the S3 handler will.
func s3Server(t *testing.T, tls bool) (*httptest.Server, func() s3Upload) {
	v := NewVerifier(testSource(), nil)
	var (
		mu   sync.Mutex
		last s3Upload
	)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := s3Upload{header: r.Header.Clone(), length: r.ContentLength}
		u.res, u.err = v.Verify(r.Context(), r, nil)
		if u.err == nil {
			u.err = u.res.CheckService("s3")
		}
		if u.err == nil {
			if strings.HasPrefix(u.res.PayloadHash, StreamingPrefix) {
				var c *ChunkedReader
				if c, u.err = v.ChunkedReader(&u.res, r.Body); u.err == nil {
					u.body, u.err = io.ReadAll(c)
					u.trailers = c.Trailers()
				}
			} else {
				u.body, u.err = io.ReadAll(r.Body)
			}
		}
		mu.Lock()
		last = u
		mu.Unlock()
		if u.err != nil {
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>denied</Message></Error>`)
			return
		}
		w.Header().Set("ETag", `"x"`)
	})
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv, func() s3Upload { mu.Lock(); defer mu.Unlock(); return last }
}

// s3Client is the S3 client as config.LoadDefaultConfig sets it up: request
// checksums "when supported" (s3.New alone leaves them unset, which means
// none).
func s3Client(srv *httptest.Server, calc aws.RequestChecksumCalculation) *s3.Client {
	return s3.New(s3.Options{
		Region:                     testRegion,
		RequestChecksumCalculation: calc,
		BaseEndpoint:               aws.String(srv.URL),
		UsePathStyle:               true,
		HTTPClient:                 srv.Client(),
		RetryMaxAttempts:           1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}, nil
		}),
	})
}

// onlyReader hides Seek and every other method of its reader.
type onlyReader struct{ io.Reader }

func crc32Base64(b []byte) string {
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc32.ChecksumIEEE(b))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// TestS3ClientChunked sends PutObject from aws-sdk-go-v2's S3 client with
// a body that cannot seek. Over HTTPS the SDK sends
// STREAMING-UNSIGNED-PAYLOAD-TRAILER with a trailing x-amz-checksum-crc32;
// the server verifies and decodes it with ChunkedReader.
func TestS3ClientChunked(t *testing.T) {
	srv, last := s3Server(t, true)
	client := s3Client(srv, aws.RequestChecksumCalculationWhenSupported)
	for _, tt := range []struct {
		name    string
		size    int
		known   bool // ContentLength set on the input
		decoded string
	}{
		{name: "unknown length 200KiB", size: 200<<10 + 7},
		{name: "unknown length 1 byte", size: 1},
		{name: "known length 200KiB", size: 200<<10 + 7, known: true, decoded: "204807"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := pattern(tt.size, 9)
			in := &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("obj"), Body: onlyReader{bytes.NewReader(data)}}
			if tt.known {
				in.ContentLength = aws.Int64(int64(tt.size))
			}
			if _, err := client.PutObject(context.Background(), in); err != nil {
				t.Fatalf("PutObject: %v (server: %v)", err, last().err)
			}
			u := last()
			if u.err != nil {
				t.Fatal(u.err)
			}
			t.Logf("x-amz-content-sha256=%q content-encoding=%q x-amz-trailer=%q x-amz-decoded-content-length=%q content-length=%d",
				u.header.Get("X-Amz-Content-Sha256"), u.header.Get("Content-Encoding"), u.header.Get("X-Amz-Trailer"),
				u.header.Get("X-Amz-Decoded-Content-Length"), u.length)
			if got := u.header.Get("X-Amz-Content-Sha256"); got != StreamingUnsignedTrailer {
				t.Errorf("x-amz-content-sha256 = %q", got)
			}
			if got := u.header.Get("X-Amz-Trailer"); got != "x-amz-checksum-crc32" {
				t.Errorf("x-amz-trailer = %q", got)
			}
			if got := u.header.Get("X-Amz-Decoded-Content-Length"); got != tt.decoded {
				t.Errorf("x-amz-decoded-content-length = %q, want %q", got, tt.decoded)
			}
			if !bytes.Equal(u.body, data) {
				t.Errorf("decoded %d bytes, want %d", len(u.body), len(data))
			}
			if got, want := u.trailers["x-amz-checksum-crc32"], crc32Base64(data); got != want {
				t.Errorf("trailer x-amz-checksum-crc32 = %q, want %q", got, want)
			}
		})
	}
}

// TestS3ClientNoChecksum: with request checksums unset (s3.New's zero
// Options) or "when required", the SDK sends an unseekable body over HTTPS
// as UNSIGNED-PAYLOAD, not aws-chunked.
func TestS3ClientNoChecksum(t *testing.T) {
	srv, last := s3Server(t, true)
	for _, calc := range []aws.RequestChecksumCalculation{aws.RequestChecksumCalculationUnset, aws.RequestChecksumCalculationWhenRequired} {
		data := pattern(1000, 5)
		_, err := s3Client(srv, calc).PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("obj"), Body: onlyReader{bytes.NewReader(data)}})
		if err != nil {
			t.Fatalf("PutObject: %v (server: %v)", err, last().err)
		}
		u := last()
		if got := u.header.Get("X-Amz-Content-Sha256"); got != UnsignedPayload || !bytes.Equal(u.body, data) {
			t.Errorf("calc %d: x-amz-content-sha256 = %q, body %d bytes", calc, got, len(u.body))
		}
	}
}

// TestS3ClientChunkedHTTP: over plain HTTP aws-sdk-go-v2 v1.114.8 sends no
// trailing checksum, so a body that cannot seek fails in the client before
// anything is sent; a seekable body is sent with its SHA-256.
func TestS3ClientChunkedHTTP(t *testing.T) {
	srv, last := s3Server(t, false)
	client := s3Client(srv, aws.RequestChecksumCalculationWhenSupported)
	data := pattern(70000, 4)
	_, err := client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("obj"), Body: onlyReader{bytes.NewReader(data)}})
	if err == nil || !strings.Contains(err.Error(), "unseekable stream is not supported without TLS and trailing checksum") {
		t.Fatalf("PutObject of an unseekable body over http: %v", err)
	}
	if _, err := client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("obj"), Body: bytes.NewReader(data)}); err != nil {
		t.Fatalf("PutObject: %v (server: %v)", err, last().err)
	}
	u := last()
	if got := u.header.Get("X-Amz-Content-Sha256"); got != hashHex(data) || !bytes.Equal(u.body, data) {
		t.Errorf("x-amz-content-sha256 = %q, body %d bytes", got, len(u.body))
	}
}
