package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The KMS operations the generator measures, by their command-line names.
const (
	OpEncrypt         = "encrypt"
	OpDecrypt         = "decrypt"
	OpGenerateDataKey = "generate-data-key"
)

// KMSOps lists the operation names Workload.Op accepts, in their usual order.
var KMSOps = []string{OpEncrypt, OpDecrypt, OpGenerateDataKey}

// MaxPlaintext is the largest plaintext AWS KMS Encrypt accepts.
const MaxPlaintext = 4096

// maxAnswer caps how much of an answer is read; KMS answers are a few KiB.
const maxAnswer = 1 << 20

// KMSConfig says where the requests go and as whom they are signed.
type KMSConfig struct {
	Endpoint        string // e.g. http://127.0.0.1:4600
	Region          string
	AccessKeyID     string
	SecretAccessKey string
	// MaxConns is how many idle connections are kept to the endpoint; set it
	// to at least the highest concurrency so that no request dials.
	MaxConns int
}

// KMS sends SigV4-signed AWS KMS JSON 1.1 requests to one endpoint over
// kept-alive connections. It is safe for concurrent use.
type KMS struct {
	url    url.URL
	region string
	creds  aws.Credentials
	signer *v4.Signer
	client *http.Client
}

// NewKMS returns a client for cfg.Endpoint.
func NewKMS(cfg KMSConfig) (*KMS, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("bench: endpoint: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("bench: endpoint %q: want http://host:port or https://host:port", cfg.Endpoint)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	if cfg.Region == "" || cfg.AccessKeyID == "" || cfg.SecretAccessKey == "" {
		return nil, errors.New("bench: region and credentials are required")
	}
	conns := max(cfg.MaxConns, 2)
	tr := &http.Transport{
		Proxy:               nil, // a benchmark talks to the endpoint itself
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		// One write per request and one read per answer, for the sizes here.
		WriteBufferSize: 16 << 10,
		ReadBufferSize:  16 << 10,
	}
	return &KMS{
		url:    *u,
		region: cfg.Region,
		creds:  aws.Credentials{AccessKeyID: cfg.AccessKeyID, SecretAccessKey: cfg.SecretAccessKey, Source: "coffer bench"},
		signer: v4.NewSigner(),
		client: &http.Client{Transport: tr},
	}, nil
}

// Close closes the idle connections.
func (k *KMS) Close() { k.client.CloseIdleConnections() }

// CreateKey creates a symmetric encryption key and returns its key ID.
func (k *KMS) CreateKey(ctx context.Context, description string) (string, error) {
	var out struct {
		KeyMetadata struct{ KeyId string }
	}
	if err := k.call(ctx, "CreateKey", map[string]string{"Description": description}, &out); err != nil {
		return "", err
	}
	if out.KeyMetadata.KeyId == "" {
		return "", errors.New("bench: CreateKey answer has no KeyMetadata.KeyId")
	}
	return out.KeyMetadata.KeyId, nil
}

// ScheduleKeyDeletion schedules keyID for deletion after the shortest
// window AWS allows (7 days).
func (k *KMS) ScheduleKeyDeletion(ctx context.Context, keyID string) error {
	in := map[string]any{"KeyId": keyID, "PendingWindowInDays": 7}
	return k.call(ctx, "ScheduleKeyDeletion", in, nil)
}

// Encrypt encrypts plaintext under keyID and returns the ciphertext blob.
func (k *KMS) Encrypt(ctx context.Context, keyID string, plaintext []byte) ([]byte, error) {
	var out struct{ CiphertextBlob []byte }
	if err := k.call(ctx, "Encrypt", map[string]any{"KeyId": keyID, "Plaintext": plaintext}, &out); err != nil {
		return nil, err
	}
	if len(out.CiphertextBlob) == 0 {
		return nil, errors.New("bench: Encrypt answer has no CiphertextBlob")
	}
	return out.CiphertextBlob, nil
}

// call sends one request the simple way, for setup: nothing here is on the
// measured path.
func (k *KMS) call(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	c := k.newCall(op, body, payloadHash(body))
	if err := c.Do(ctx); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(c.buf, out); err != nil {
		return fmt.Errorf("%s answer: %w", op, err)
	}
	return nil
}

// Workload holds what the measured requests send, prepared once: the key,
// the plaintext, a ciphertext of it, and each operation's request body.
type Workload struct {
	kms        *KMS
	KeyID      string
	Plaintext  []byte
	Ciphertext []byte
	bodies     map[string][]byte
}

// Prepare encrypts plaintext once under keyID, for Decrypt to reuse, and
// encodes the request bodies of all operations.
func (k *KMS) Prepare(ctx context.Context, keyID string, plaintext []byte) (*Workload, error) {
	if len(plaintext) == 0 || len(plaintext) > MaxPlaintext {
		return nil, fmt.Errorf("bench: plaintext of %d bytes, want 1 to %d", len(plaintext), MaxPlaintext)
	}
	ct, err := k.Encrypt(ctx, keyID, plaintext)
	if err != nil {
		return nil, err
	}
	enc := mustJSON
	return &Workload{
		kms: k, KeyID: keyID, Plaintext: plaintext, Ciphertext: ct,
		bodies: map[string][]byte{
			OpEncrypt:         enc(map[string]any{"KeyId": keyID, "Plaintext": plaintext}),
			OpDecrypt:         enc(map[string]any{"KeyId": keyID, "CiphertextBlob": ct}),
			OpGenerateDataKey: enc(map[string]any{"KeyId": keyID, "KeySpec": "AES_256"}),
		},
	}, nil
}

// Op returns the named operation (one of KMSOps), whose requests send the
// prepared body and check the answer: Encrypt must return a base64
// CiphertextBlob, Decrypt the original plaintext, GenerateDataKey a 32-byte
// Plaintext and a CiphertextBlob.
func (w *Workload) Op(name string) (Op, error) {
	var target string
	var check func(*call) error
	switch name {
	case OpEncrypt:
		target, check = "Encrypt", checkEncrypt
	case OpDecrypt:
		target, check = "Decrypt", checkDecrypt
	case OpGenerateDataKey:
		target, check = "GenerateDataKey", checkGenerateDataKey
	default:
		return Op{}, fmt.Errorf("bench: unknown operation %q (want one of %s)", name, strings.Join(KMSOps, ", "))
	}
	body, hash := w.bodies[name], payloadHash(w.bodies[name])
	return Op{Name: name, NewRequester: func() Requester {
		c := w.kms.newCall(target, body, hash)
		c.check, c.want = check, w.Plaintext
		return c
	}}, nil
}

// mustJSON encodes a request body built here from strings, numbers and
// byte slices, which always marshal.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func payloadHash(body []byte) string {
	h := sha256.Sum256(body)
	return hex.EncodeToString(h[:])
}

// call is one worker's request of one operation: the body, its hash and the
// request are made once; each Do signs, sends and checks.
type call struct {
	k       *KMS
	req     *http.Request // template: no context, no body
	body    []byte
	hash    string
	getBody func() (io.ReadCloser, error)
	check   func(*call) error // nil: status 200 suffices
	want    []byte            // the plaintext Decrypt must return
	buf     []byte            // the last answer
	scratch []byte            // base64 decoding
	// signedAt is the second whose signature req.Header holds, or 0.
	signedAt int64
}

func (k *KMS) newCall(target string, body []byte, hash string) *call {
	u := k.url // the signer writes RawQuery: each call has its own URL
	req := &http.Request{
		Method:        http.MethodPost,
		URL:           &u,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{},
		ContentLength: int64(len(body)),
		Host:          u.Host,
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "TrentService."+target)
	req.Header.Set("User-Agent", "coffer-bench")
	c := &call{k: k, req: req, body: body, hash: hash}
	c.getBody = func() (io.ReadCloser, error) { return newBody(c.body), nil }
	return c
}

// reqBody is a request body over a fixed byte slice.
type reqBody struct{ bytes.Reader }

func (*reqBody) Close() error { return nil }

func newBody(b []byte) *reqBody {
	r := new(reqBody)
	r.Reset(b)
	return r
}

// Do sends the request once and checks the answer.
func (c *call) Do(ctx context.Context) error {
	req := c.req.WithContext(ctx)
	req.Body = newBody(c.body)
	req.GetBody = c.getBody
	// A SigV4 signature covers the time to the second, and everything else
	// signed here is fixed, so within one second the signature already in
	// the header is the one the signer would compute again.
	now := time.Now()
	if sec := now.Unix(); sec != c.signedAt {
		if err := c.k.signer.SignHTTP(ctx, c.k.creds, req, c.hash, "kms", c.k.region, now); err != nil {
			return err
		}
		c.signedAt = sec
	}
	resp, err := c.k.client.Do(req)
	if err != nil {
		// The transport may still hold the request: go on with a fresh
		// header map.
		c.req.Header = c.req.Header.Clone()
		return err
	}
	c.buf, err = readAnswer(resp.Body, c.buf[:0])
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return statusError(resp.StatusCode, c.buf)
	}
	if c.check == nil {
		return nil
	}
	return c.check(c)
}

// readAnswer appends r to buf, up to maxAnswer bytes.
func readAnswer(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			if len(buf) >= maxAnswer {
				return buf, fmt.Errorf("answer longer than %d bytes", maxAnswer)
			}
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, fmt.Errorf("reading the answer: %w", err)
		}
	}
}

// statusError describes a non-200 answer by its AWS error code and message.
func statusError(status int, body []byte) error {
	code, _, _ := stringField(body, "__type")
	if i := bytes.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	msg, ok, _ := stringField(body, "message")
	if !ok {
		msg, _, _ = stringField(body, "Message")
	}
	if len(msg) > 200 {
		msg = msg[:200]
	}
	if len(code) == 0 {
		return fmt.Errorf("HTTP %d", status)
	}
	return fmt.Errorf("HTTP %d %s: %s", status, code, msg)
}

// decode returns the base64 member name of the answer, decoded into the
// call's scratch buffer (valid until the next decode).
func (c *call) decode(name string) ([]byte, error) {
	v, ok, err := stringField(c.buf, name)
	if err != nil {
		return nil, err
	}
	if !ok || len(v) == 0 {
		return nil, fmt.Errorf("answer has no %s", name)
	}
	n := base64.StdEncoding.DecodedLen(len(v))
	if cap(c.scratch) < n {
		c.scratch = make([]byte, n)
	}
	n, err = base64.StdEncoding.Decode(c.scratch[:n], v)
	if err != nil {
		return nil, fmt.Errorf("%s is not base64", name)
	}
	return c.scratch[:n], nil
}

func checkEncrypt(c *call) error {
	_, err := c.decode("CiphertextBlob")
	return err
}

var errWrongPlaintext = errors.New("Decrypt returned a different plaintext")

func checkDecrypt(c *call) error {
	pt, err := c.decode("Plaintext")
	if err != nil {
		return err
	}
	if !bytes.Equal(pt, c.want) {
		return errWrongPlaintext
	}
	return nil
}

func checkGenerateDataKey(c *call) error {
	pt, err := c.decode("Plaintext")
	if err != nil {
		return err
	}
	if len(pt) != 32 {
		return fmt.Errorf("GenerateDataKey returned a %d-byte Plaintext, want 32", len(pt))
	}
	_, err = c.decode("CiphertextBlob")
	return err
}
