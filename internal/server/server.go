// Package server owns Coffer's HTTP front: one listener, routing by
// protocol (JSON 1.1 KMS by X-Amz-Target; later Query for IAM/STS and
// REST-XML for S3), SigV4 authentication, request ids, body limits and
// panic recovery. Operations themselves live in the service packages.
package server

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/iam"
	"github.com/coffer-kms/coffer/internal/kms"
	"github.com/coffer-kms/coffer/internal/s3"
	"github.com/coffer-kms/coffer/internal/sigv4"
)

// Config configures a Server.
type Config struct {
	KMS         *kms.Service
	Credentials *iam.Credentials
	// IAM serves the IAM and STS Query APIs; nil answers them with an error.
	IAM    *iam.Service
	Logger *slog.Logger
	// Now is the clock used for signature skew checks; nil means time.Now.
	Now func() time.Time
	// MaxBodyBytes caps JSON request bodies; 0 means 1 MiB.
	MaxBodyBytes int64
	// Ready reports whether /healthz answers 200; nil means always.
	Ready func() bool
	// S3 serves the S3 REST-XML API; nil answers it with an error.
	S3 *s3.Service
	// S3Domains are the domains under which BUCKET.DOMAIN addresses a
	// bucket (virtual-hosted style); nil means "localhost".
	S3Domains []string
}

// Server is Coffer's HTTP handler.
type Server struct {
	kmsOps    map[string]kms.Operation
	iam       *iam.Service
	iamOps    map[string]iam.Operation
	stsOps    map[string]iam.Operation
	verifier  *sigv4.Verifier
	log       *slog.Logger
	maxBody   int64
	ready     func() bool
	s3        *s3.Service
	s3Domains []string
	buffers   bufferPool
}

// New returns a Server.
func New(cfg Config) *Server {
	s := &Server{
		kmsOps:    cfg.KMS.Operations(),
		log:       cfg.Logger,
		maxBody:   cfg.MaxBodyBytes,
		ready:     cfg.Ready,
		s3:        cfg.S3,
		s3Domains: cfg.S3Domains,
	}
	if s.s3Domains == nil {
		s.s3Domains = []string{"localhost"}
	}
	if cfg.IAM != nil {
		s.iam, s.iamOps, s.stsOps = cfg.IAM, cfg.IAM.Operations(), cfg.IAM.STSOperations()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.maxBody == 0 {
		s.maxBody = MaxKMSBodyBytes
	}
	if s.ready == nil {
		s.ready = func() bool { return true }
	}
	s.verifier = sigv4.NewVerifier(credentialSource{cfg.Credentials}, cfg.Now)
	return s
}

// credentialSource adapts iam.Credentials to sigv4.CredentialSource.
type credentialSource struct{ c *iam.Credentials }

func (cs credentialSource) Credential(ctx context.Context, accessKeyID string) (sigv4.Credential, error) {
	cred, err := cs.c.Credential(ctx, accessKeyID)
	if errors.Is(err, iam.ErrUnknownAccessKey) {
		return sigv4.Credential{}, sigv4.ErrUnknownAccessKey
	}
	if err != nil {
		return sigv4.Credential{}, err
	}
	return sigv4.Credential{AccessKeyID: cred.AccessKeyID, Secret: cred.Secret, SessionToken: cred.SessionToken, Principal: cred.Principal}, nil
}

// ServeHTTP routes a request by protocol.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	w.Header().Set("X-Amzn-RequestId", reqID)
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("panic serving request", "request_id", reqID, "panic", p)
			awsproto.WriteJSONError(w, awsproto.As(nil))
		}
	}()
	switch {
	case r.URL.Path == "/healthz" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		if !s.ready() {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	case isKMSTarget(r.Header):
		s.serveKMS(w, r, reqID)
	case isQuery(r):
		s.serveQuery(w, r, reqID)
	case s.s3 != nil && isS3(r):
		s.serveS3(w, r, reqID)
	default:
		awsproto.WriteJSONError(w, awsproto.Errorf(awsproto.CodeUnknownOperation, http.StatusBadRequest,
			"This endpoint does not serve %s %s: it answers AWS KMS (JSON 1.1), IAM and STS (Query) and S3 (REST-XML, signed for service s3).", r.Method, r.URL.Path))
	}
}

// MaxKMSBodyBytes is the default cap on a KMS (or IAM/STS) request body.
const MaxKMSBodyBytes = 1 << 20

// isKMSTarget reports whether the request names a KMS operation.
func isKMSTarget(h http.Header) bool {
	return strings.HasPrefix(h.Get("X-Amz-Target"), "TrentService.")
}

// IsKMSRequest reports whether a request with this method and header is a
// KMS call: a POST naming a TrentService operation. Its answer is a small
// JSON document, so a transport may buffer it whole.
func IsKMSRequest(method string, h http.Header) bool {
	return method == http.MethodPost && isKMSTarget(h)
}

// bufferPool recycles request and response buffers of one Server. Every
// buffer is zeroed before it goes back: it may have held plaintext.
type bufferPool struct{ p sync.Pool }

// get returns an empty buffer.
func (bp *bufferPool) get() []byte {
	if b, ok := bp.p.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, 8<<10)
}

// put zeroes b and keeps it for reuse, unless it grew too large to keep.
func (bp *bufferPool) put(b []byte) {
	clear(b[:cap(b)])
	if cap(b) > 256<<10 {
		return
	}
	b = b[:0]
	bp.p.Put(&b)
}

// readBody reads at most max bytes of the body; a larger body is an error.
func readBody(r *http.Request, max int64) ([]byte, error) {
	return readBodyInto(r, max, nil)
}

// readBodyInto is readBody appending to buf (from its start).
func readBodyInto(r *http.Request, max int64, buf []byte) ([]byte, error) {
	if r.ContentLength > max {
		return nil, awsproto.Errorf(awsproto.CodeRequestEntityLarge, http.StatusRequestEntityTooLarge,
			"Request body of %d bytes exceeds the maximum of %d bytes.", r.ContentLength, max)
	}
	n := r.ContentLength
	if n < 0 {
		n = 512
	}
	if int64(cap(buf)) < n+1 {
		buf = make([]byte, 0, n+1)
	}
	buf = buf[:0]
	lr := io.LimitReader(r.Body, max+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		m, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, awsproto.Errorf(awsproto.CodeSerialization, http.StatusBadRequest, "Could not read the request body: %v", err)
		}
	}
	if int64(len(buf)) > max {
		return nil, awsproto.Errorf(awsproto.CodeRequestEntityLarge, http.StatusRequestEntityTooLarge,
			"Request body exceeds the maximum of %d bytes.", max)
	}
	return buf, nil
}

func newRequestID() string {
	// A request id must be unique, not secret: the runtime's fast random
	// source is enough, and costs no system call.
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
