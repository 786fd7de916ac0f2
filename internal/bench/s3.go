package bench

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The S3 server-side encryption modes the generator measures, by their
// command-line names.
const (
	SSES3  = "sse-s3"
	SSEKMS = "sse-kms"
	SSEC   = "sse-c"
)

// SSEModes lists the modes S3Config accepts, in their usual order.
var SSEModes = []string{SSES3, SSEKMS, SSEC}

// The S3 operations the generator measures.
const (
	OpPut = "put"
	OpGet = "get"
)

// emptyHash is the SigV4 payload hash of an empty body.
const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// unsignedPayload is the payload hash that tells the server the body is not
// hashed for the signature: the generator streams bodies it never holds.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// S3Config says where the S3 requests go and as whom they are signed.
type S3Config struct {
	Endpoint        string // e.g. http://127.0.0.1:4600
	Region          string
	AccessKeyID     string
	SecretAccessKey string
	Bucket          string
	// MaxConns is how many idle connections are kept to the endpoint.
	MaxConns int
}

// S3 sends SigV4-signed S3 REST requests (path-style, UNSIGNED-PAYLOAD
// bodies) to one endpoint over plain net/http. It is safe for concurrent use.
type S3 struct {
	url    url.URL
	bucket string
	region string
	creds  aws.Credentials
	signer *v4.Signer
	client *http.Client
	// customerKey is the SSE-C key, with its base64 form and MD5.
	customerKey, customerKeyMD5 string
}

// NewS3 returns a client for cfg.Endpoint.
func NewS3(cfg S3Config) (*S3, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("bench: endpoint: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("bench: endpoint %q: want http://host:port or https://host:port", cfg.Endpoint)
	}
	if cfg.Region == "" || cfg.AccessKeyID == "" || cfg.SecretAccessKey == "" || cfg.Bucket == "" {
		return nil, errors.New("bench: region, credentials and bucket are required")
	}
	u.Path, u.RawQuery = "", ""
	conns := max(cfg.MaxConns, 2)
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		WriteBufferSize:     256 << 10,
		ReadBufferSize:      256 << 10,
	}
	key := bytes.Repeat([]byte("coffer-bench-sse-c-key-32-bytes!"), 1)[:32]
	sum := md5.Sum(key)
	return &S3{
		url: *u, bucket: cfg.Bucket, region: cfg.Region,
		creds:          aws.Credentials{AccessKeyID: cfg.AccessKeyID, SecretAccessKey: cfg.SecretAccessKey, Source: "coffer bench"},
		signer:         v4.NewSigner(),
		client:         &http.Client{Transport: tr},
		customerKey:    base64.StdEncoding.EncodeToString(key),
		customerKeyMD5: base64.StdEncoding.EncodeToString(sum[:]),
	}, nil
}

// Close closes the idle connections.
func (s *S3) Close() { s.client.CloseIdleConnections() }

// objectURL returns the path-style URL of key in the bucket.
func (s *S3) objectURL(key string) *url.URL {
	u := s.url
	u.Path = "/" + s.bucket
	if key != "" {
		u.Path += "/" + key
	}
	return &u
}

// do signs and sends one request; body may be nil. The caller closes the
// answer's body.
func (s *S3) do(ctx context.Context, method, key string, body io.Reader, size int64, hdr http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.objectURL(key).String(), body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.ContentLength = size
		req.Body = io.NopCloser(body) // no GetBody: a streamed body is never replayed
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	hash := emptyHash
	if body != nil {
		hash = unsignedPayload
	}
	req.Header.Set("X-Amz-Content-Sha256", hash)
	req.Header.Set("User-Agent", "coffer-bench")
	if err := s.signer.SignHTTP(ctx, s.creds, req, hash, "s3", s.region, time.Now()); err != nil {
		return nil, err
	}
	return s.client.Do(req)
}

// CreateBucket creates the bucket; an existing bucket of the caller's is fine.
func (s *S3) CreateBucket(ctx context.Context) error {
	resp, err := s.do(ctx, http.MethodPut, "", nil, 0, nil)
	if err != nil {
		return fmt.Errorf("bench: CreateBucket: %w", err)
	}
	b, _ := readAnswer(resp.Body, nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && !bytes.Contains(b, []byte("BucketAlreadyOwnedByYou")) {
		return fmt.Errorf("bench: CreateBucket: %w", s3StatusError(resp.StatusCode, b))
	}
	return nil
}

// DeleteObject deletes key; a missing key is not an error.
func (s *S3) DeleteObject(ctx context.Context, key string) error {
	resp, err := s.do(ctx, http.MethodDelete, key, nil, 0, nil)
	if err != nil {
		return fmt.Errorf("bench: DeleteObject: %w", err)
	}
	b, _ := readAnswer(resp.Body, nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bench: DeleteObject %s: %w", key, s3StatusError(resp.StatusCode, b))
	}
	return nil
}

// sseHeaders returns the request headers of mode; get selects those a GET
// needs (only SSE-C has any).
func (s *S3) sseHeaders(mode string, get bool) (http.Header, error) {
	h := http.Header{}
	switch mode {
	case SSES3:
		if !get {
			h.Set("X-Amz-Server-Side-Encryption", "AES256")
		}
	case SSEKMS:
		if !get {
			h.Set("X-Amz-Server-Side-Encryption", "aws:kms")
		}
	case SSEC:
		h.Set("X-Amz-Server-Side-Encryption-Customer-Algorithm", "AES256")
		h.Set("X-Amz-Server-Side-Encryption-Customer-Key", s.customerKey)
		h.Set("X-Amz-Server-Side-Encryption-Customer-Key-Md5", s.customerKeyMD5)
	default:
		return nil, fmt.Errorf("bench: unknown SSE mode %q (want one of %s)", mode, strings.Join(SSEModes, ", "))
	}
	return h, nil
}

// checkSSE checks that an answer names the encryption that was asked for.
func checkSSE(mode string, h http.Header) error {
	var name, want string
	switch mode {
	case SSES3:
		name, want = "X-Amz-Server-Side-Encryption", "AES256"
	case SSEKMS:
		name, want = "X-Amz-Server-Side-Encryption", "aws:kms"
	case SSEC:
		name, want = "X-Amz-Server-Side-Encryption-Customer-Algorithm", "AES256"
	}
	if got := h.Get(name); got != want {
		return fmt.Errorf("answer has %s %q, want %q", name, got, want)
	}
	return nil
}

// Put uploads size bytes of p under key with mode in one PutObject, streaming
// the body, and returns the SHA-256 of what was sent.
func (s *S3) Put(ctx context.Context, key, mode string, p *Pattern, size int64) ([]byte, error) {
	return s.put(ctx, key, mode, p, size, true)
}

// put is Put; with hash unset it returns no SHA-256.
func (s *S3) put(ctx context.Context, key, mode string, p *Pattern, size int64, hash bool) ([]byte, error) {
	hdr, err := s.sseHeaders(mode, false)
	if err != nil {
		return nil, err
	}
	r := p.Reader(size, hash)
	resp, err := s.do(ctx, http.MethodPut, key, r, size, hdr)
	if err != nil {
		return nil, err
	}
	b, err := readAnswer(resp.Body, nil)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, s3StatusError(resp.StatusCode, b)
	}
	if r.off != size {
		return nil, fmt.Errorf("server answered 200 after reading %d of %d bytes", r.off, size)
	}
	if resp.Header.Get("Etag") == "" {
		return nil, errors.New("PUT answer has no ETag")
	}
	if err := checkSSE(mode, resp.Header); err != nil {
		return nil, err
	}
	return r.Sum(), nil
}

// Get reads key (or the byte range rng, "" for all) with mode and returns
// the SHA-256 of the body and its length, after checking the status and
// Content-Length. buf is the copy buffer.
func (s *S3) Get(ctx context.Context, key, mode, rng string, buf []byte) ([]byte, int64, error) {
	hdr, err := s.sseHeaders(mode, true)
	if err != nil {
		return nil, 0, err
	}
	want := http.StatusOK
	if rng != "" {
		hdr.Set("Range", rng)
		want = http.StatusPartialContent
	}
	resp, err := s.do(ctx, http.MethodGet, key, nil, 0, hdr)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		b, _ := readAnswer(resp.Body, nil)
		return nil, 0, s3StatusError(resp.StatusCode, b)
	}
	h := sha256.New()
	n, err := io.CopyBuffer(h, resp.Body, buf)
	if err != nil {
		return nil, n, fmt.Errorf("reading the body after %d bytes: %w", n, err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return nil, n, fmt.Errorf("body of %d bytes, Content-Length %d", n, resp.ContentLength)
	}
	if err := checkSSE(mode, resp.Header); err != nil {
		return nil, n, err
	}
	return h.Sum(nil), n, nil
}

// s3StatusError describes a non-2xx S3 answer by its error code and message.
func s3StatusError(status int, body []byte) error {
	field := func(name string) string {
		open, end := "<"+name+">", "</"+name+">"
		i := bytes.Index(body, []byte(open))
		if i < 0 {
			return ""
		}
		rest := body[i+len(open):]
		j := bytes.Index(rest, []byte(end))
		if j < 0 {
			return ""
		}
		return string(rest[:min(j, 200)])
	}
	if code := field("Code"); code != "" {
		return fmt.Errorf("HTTP %d %s: %s", status, code, field("Message"))
	}
	return fmt.Errorf("HTTP %d", status)
}

// Pattern is the content of benchmark objects: a block of random bytes
// repeated, so that objects of any size are generated on the fly without
// being held in memory. Byte i of an object is Block[i % len(Block)].
type Pattern struct {
	Block []byte
}

// NewPattern returns a pattern of a blockSize-byte block drawn from seed.
func NewPattern(seed uint64, blockSize int) *Pattern {
	b := make([]byte, blockSize)
	r := rand.NewChaCha8([32]byte{0: byte(seed), 1: byte(seed >> 8), 2: byte(seed >> 16), 3: byte(seed >> 24)})
	r.Read(b)
	return &Pattern{Block: b}
}

// Reader returns a reader of the first size bytes of the pattern; with hash
// set it keeps a SHA-256 of what was read (see PatternReader.Sum).
func (p *Pattern) Reader(size int64, hash bool) *PatternReader {
	r := &PatternReader{p: p, size: size}
	if hash {
		r.h = sha256.New()
	}
	return r
}

// Sum returns the SHA-256 of the first size bytes of the pattern.
func (p *Pattern) Sum(size int64) []byte {
	r := p.Reader(size, true)
	io.Copy(io.Discard, r)
	return r.Sum()
}

// Slice returns bytes [off, off+n) of the pattern.
func (p *Pattern) Slice(off, n int64) []byte {
	out := make([]byte, 0, n)
	for int64(len(out)) < n {
		i := (off + int64(len(out))) % int64(len(p.Block))
		out = append(out, p.Block[i:min(int64(len(p.Block)), i+n-int64(len(out)))]...)
	}
	return out
}

// PatternReader reads a prefix of a Pattern.
type PatternReader struct {
	p         *Pattern
	off, size int64
	h         hash.Hash
}

// Read implements io.Reader.
func (r *PatternReader) Read(b []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	b = b[:min(int64(len(b)), r.size-r.off)]
	n := 0
	for n < len(b) {
		i := (r.off + int64(n)) % int64(len(r.p.Block))
		n += copy(b[n:], r.p.Block[i:])
	}
	if r.h != nil {
		r.h.Write(b)
	}
	r.off += int64(n)
	return n, nil
}

// Sum returns the SHA-256 of what was read so far (nil without hashing).
func (r *PatternReader) Sum() []byte {
	if r.h == nil {
		return nil
	}
	return r.h.Sum(nil)
}

// S3Workload is what the measured S3 requests send: the pattern, the object
// size and the SSE mode, and the object GETs read, uploaded once by Prepare.
type S3Workload struct {
	s3      *S3
	Mode    string
	Size    int64
	Pattern *Pattern
	getKey  string
	want    []byte // SHA-256 of the object
}

// Prepare uploads the object that GET cells read (bench/MODE/SIZE) and
// returns the workload of mode and size.
func (s *S3) Prepare(ctx context.Context, mode string, p *Pattern, size int64) (*S3Workload, error) {
	key := fmt.Sprintf("bench/%s/%d", mode, size)
	sum, err := s.Put(ctx, key, mode, p, size)
	if err != nil {
		return nil, fmt.Errorf("bench: uploading %s: %w", key, err)
	}
	return &S3Workload{s3: s, Mode: mode, Size: size, Pattern: p, getKey: key, want: sum}, nil
}

// Keys returns the keys the workload wrote for workers workers, to delete.
func (w *S3Workload) Keys(workers int) []string {
	keys := []string{w.getKey}
	for i := range workers {
		keys = append(keys, w.putKey(i))
	}
	return keys
}

func (w *S3Workload) putKey(worker int) string {
	return fmt.Sprintf("bench/%s/%d.put.%d", w.Mode, w.Size, worker)
}

// Op returns the named operation: OpPut uploads the object (each worker
// overwrites its own key) and checks the status, ETag and encryption
// headers; OpGet reads the prepared object and compares its SHA-256.
func (w *S3Workload) Op(name string) (Op, error) {
	switch name {
	case OpPut:
		n := 0
		return Op{Name: name, NewRequester: func() Requester {
			n++
			return &s3Put{w: w, key: w.putKey(n - 1)}
		}}, nil
	case OpGet:
		return Op{Name: name, NewRequester: func() Requester {
			return &s3Get{w: w, buf: make([]byte, 256<<10)}
		}}, nil
	}
	return Op{}, fmt.Errorf("bench: unknown S3 operation %q (want %s or %s)", name, OpPut, OpGet)
}

type s3Put struct {
	w   *S3Workload
	key string
}

// Do uploads the worker's object. It does not hash what it sends (Put
// checks that the whole pattern was read): the file copy it is compared
// with hashes nothing either, and the generator shares the CPUs with the
// server.
func (p *s3Put) Do(ctx context.Context) error {
	_, err := p.w.s3.put(ctx, p.key, p.w.Mode, p.w.Pattern, p.w.Size, false)
	return err
}

type s3Get struct {
	w   *S3Workload
	buf []byte
}

var errWrongBody = errors.New("GET returned different bytes (SHA-256 mismatch)")

func (g *s3Get) Do(ctx context.Context) error {
	sum, n, err := g.w.s3.Get(ctx, g.w.getKey, g.w.Mode, "", g.buf)
	if err != nil {
		return err
	}
	if n != g.w.Size {
		return fmt.Errorf("GET returned %d bytes, want %d", n, g.w.Size)
	}
	if !bytes.Equal(sum, g.w.want) {
		return errWrongBody
	}
	return nil
}

// ParseSize parses a byte count with an optional binary suffix: 1024, 4KiB,
// 1MiB, 256MiB, 4GiB (K, M, G are accepted for KiB, MiB, GiB).
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<50)/mult {
		return 0, fmt.Errorf("bench: size %q: want a byte count like 1024, 1MiB or 4GiB", s)
	}
	return n * mult, nil
}

// FormatSize writes n in the largest binary unit that divides it.
func FormatSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + " GiB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " B"
}
