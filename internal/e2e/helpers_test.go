// Package e2e holds Coffer's end-to-end tests: a real Coffer assembled by
// internal/app, served on 127.0.0.1:0, driven by aws-sdk-go-v2 (and, where
// the SDK cannot build the request, by raw signed HTTP requests).
package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"

	"github.com/coffer-kms/coffer/internal/app"
	"github.com/coffer-kms/coffer/internal/httpfast"
)

const (
	account   = app.DevAccount
	accessKey = app.DevAccessKeyID
	secretKey = app.DevSecretAccessKey
	region    = "us-east-1"
)

// clock is an injectable, advanceable clock shared by the server and the
// client's signer, so that SigV4 skew checks follow the fake time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is one running Coffer: the app, its HTTP server and its clock.
type env struct {
	t     *testing.T
	dir   string
	store string // "" for SQLite in dir, else a postgres:// URL
	clock *clock
	App   *app.App
	srv   *httpfast.Server
	URL   string

	mu     sync.Mutex
	faults []string // requests answered with a 5xx
	logBuf *bytes.Buffer
}

// start opens a Coffer on a new temp data dir with a fake clock.
func start(t *testing.T) *env {
	t.Helper()
	return startOn(t, t.TempDir(), "", newClock())
}

// startOn opens a Coffer on data dir dir and store (see app.Options.Store)
// with clock.
func startOn(t *testing.T, dir, store string, clk *clock) *env {
	t.Helper()
	e := &env{t: t, dir: dir, store: store, clock: clk, logBuf: new(bytes.Buffer)}
	e.open()
	t.Cleanup(func() {
		e.close()
		e.mu.Lock()
		defer e.mu.Unlock()
		for _, f := range e.faults {
			t.Errorf("server fault: %s", f)
		}
		if t.Failed() && e.logBuf.Len() > 0 {
			t.Logf("server log:\n%s", e.logBuf.String())
		}
	})
	return e
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (e *env) open() {
	e.t.Helper()
	log := slog.New(slog.NewTextHandler(lockedWriter{&e.mu, e.logBuf}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a, err := app.Open(context.Background(), app.Options{DataDir: e.dir, Store: e.store, Dev: true, Now: e.clock.Now, Logger: log})
	if err != nil {
		e.t.Fatalf("app.Open: %v", err)
	}
	e.App = a
	// The server is the one `coffer serve` runs: the KMS fast path in front
	// of net/http, so every test exercises both transports.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatalf("listen: %v", err)
	}
	e.srv = a.HTTPServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		a.Handler.ServeHTTP(rec, r)
		if rec.status >= 500 {
			e.mu.Lock()
			e.faults = append(e.faults, r.Header.Get("X-Amz-Target")+": "+http.StatusText(rec.status)+": "+rec.body.String())
			e.mu.Unlock()
		}
	}))
	srv := e.srv
	go func() { _ = srv.Serve(ln) }()
	e.URL = "http://" + ln.Addr().String()
}

func (e *env) close() {
	if e.srv != nil {
		e.srv.Close()
		e.srv = nil
	}
	if e.App != nil {
		e.App.Close()
		e.App = nil
	}
}

// restart closes the server and the app and opens them again on the same
// data dir (and clock). Clients made before must be made again.
func (e *env) restart() {
	e.t.Helper()
	e.close()
	e.open()
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	if r.status >= 500 && r.body.Len() < 1024 {
		r.body.Write(p)
	}
	return r.ResponseWriter.Write(p)
}

// clockSigner signs with the time its clock gives, not the SDK's.
type clockSigner struct {
	s   *v4.Signer
	now func() time.Time
}

func (c clockSigner) SignHTTP(ctx context.Context, cr aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, optFns ...func(*v4.SignerOptions)) error {
	return c.s.SignHTTP(ctx, cr, r, payloadHash, service, region, c.now(), optFns...)
}

type clientOpts struct {
	region       string
	accessKey    string
	secretKey    string
	signingShift time.Duration
}

// client returns an SDK client for the dev account in region (default
// us-east-1), signing with the env's clock and never retrying.
func (e *env) client(region string) *kms.Client {
	return e.clientWith(clientOpts{region: region})
}

func (e *env) clientWith(o clientOpts) *kms.Client {
	if o.region == "" {
		o.region = region
	}
	if o.accessKey == "" {
		o.accessKey, o.secretKey = accessKey, secretKey
	}
	now := func() time.Time { return e.clock.Now().Add(o.signingShift) }
	return kms.New(kms.Options{
		Region:       o.region,
		BaseEndpoint: aws.String(e.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: o.accessKey, SecretAccessKey: o.secretKey, Source: "e2e"}, nil
		}),
		HTTPSignerV4:     clockSigner{v4.NewSigner(), now},
		RetryMaxAttempts: 1,
	})
}

// rawResponse is the answer to a hand-built request.
type rawResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// raw POSTs body to the server as KMS operation target; sign says whether
// to sign it (with the dev root key, at the env clock's time plus shift).
func (e *env) raw(t *testing.T, target string, body []byte, sign bool, shift time.Duration) rawResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.URL+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	if sign {
		sum := sha256.Sum256(body)
		cr := aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey}
		if err := v4.NewSigner().SignHTTP(context.Background(), cr, req, hex.EncodeToString(sum[:]), "kms", region, e.clock.Now().Add(shift)); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawResponse{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// wantCode fails unless err is an API error with the given code; it
// returns the error's message.
func wantCode(t *testing.T, err error, code string) string {
	t.Helper()
	if err == nil {
		t.Errorf("got success, want %s", code)
		return ""
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Errorf("got %v, want API error %s", err, code)
		return ""
	}
	if ae.ErrorCode() != code {
		t.Errorf("got %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	return ae.ErrorMessage()
}

// result carries an SDK call's output and error to get, which fails the
// test at once on error: ok(c.DescribeKey(ctx(), in)).get(t).
type result[T any] struct {
	v   T
	err error
}

func ok[T any](v T, err error) result[T] { return result[T]{v, err} }

func (r result[T]) get(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatalf("unexpected error: %v", r.err)
	}
	return r.v
}

func ctx() context.Context { return context.Background() }

// keyARN is the ARN of a key in the dev account.
func keyARN(region, keyID string) string {
	return "arn:aws:kms:" + region + ":" + account + ":key/" + keyID
}

func aliasARN(region, name string) string {
	return "arn:aws:kms:" + region + ":" + account + ":" + name
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// asErr is errors.As for the SDK's typed exceptions.
func asErr[T error](err error, target *T) bool {
	return err != nil && errors.As(err, target)
}

// errCode is an error's API code, or its text.
func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
