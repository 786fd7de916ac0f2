// Package s3 owns Coffer's S3 service: buckets and objects over the
// REST-XML protocol, every object encrypted at rest (SSE-S3, SSE-KMS or
// SSE-C) through internal/sse, its bytes in the blob store and its
// description in the metadata store.
//
// The server authenticates a request (SigV4), decodes its body (plain,
// UNSIGNED-PAYLOAD or aws-chunked) and hands a Request to Serve, which
// routes it to one operation (one file per resource and method) and is the
// one place that writes the response or the error.
//
// Invariants:
//   - No plaintext object byte reaches the disk: bytes go through an
//     sse.Writer before the blob store, under a fresh key per object.
//   - An object key is stored only sealed (sse.Seal) under a
//     key-encryption key that is itself wrapped by KMS (SSE-S3: the S3
//     service's AWS-owned key; SSE-KMS: a data key generated as the
//     caller) or derived from the customer's key (SSE-C, of which only a
//     salted check is kept).
//   - A blob is committed before the metadata naming it; a failed request
//     leaves no object visible.
//
// The service never imports internal/kms: KeyService is what it needs
// from KMS, adapted by internal/app.
package s3

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/coffer-kms/coffer/internal/blob"
	"github.com/coffer-kms/coffer/internal/policy"
	"github.com/coffer-kms/coffer/internal/store"
)

// Caller is the authenticated principal of a request.
type Caller struct {
	Account       string // 12-digit account id
	Region        string // region of the SigV4 credential scope
	PrincipalARN  string
	UserID        string
	AccessKeyID   string
	PrincipalType string
	UserName      string
	RoleARN       string
	SourceIP      string
	// SecureTransport is set for requests over TLS.
	SecureTransport bool
}

// KeyService is what S3 needs from KMS. Calls that take a Caller run as
// that principal with kms:ViaService = "s3.REGION.amazonaws.com" (region
// is the bucket's); their errors are KMS's *awsproto.Error values
// (NotFoundException, DisabledException, AccessDeniedException, ...).
type KeyService interface {
	// GenerateDataKey returns a 256-bit data key under keyID (id, ARN or
	// alias; "" for the account's aws/s3 key, created on first use), its
	// CiphertextBlob and the key's ARN.
	GenerateDataKey(ctx context.Context, c Caller, region, keyID string, encCtx map[string]string) (plaintext, ciphertext []byte, keyARN string, err error)
	// Decrypt returns the plaintext of a data key generated under keyARN.
	Decrypt(ctx context.Context, c Caller, region, keyARN string, ciphertext []byte, encCtx map[string]string) ([]byte, error)
	// SealWithOwnedKey / OpenWithOwnedKey wrap a secret under the S3
	// service's AWS-owned key of region (SSE-S3).
	SealWithOwnedKey(ctx context.Context, region string, plaintext []byte, encCtx map[string]string) ([]byte, error)
	OpenWithOwnedKey(ctx context.Context, region string, ciphertext []byte, encCtx map[string]string) ([]byte, error)
}

// Authorizer judges the caller's identity policies for action (e.g.
// "s3:GetObject") on resource (an S3 ARN) with the request's condition
// keys cond: policy.Allow, policy.Deny (an explicit deny) or
// policy.NotApplicable. The bucket policy is the Service's own part (see
// authorize). An error is a failure, not a denial.
type Authorizer interface {
	DecideS3(ctx context.Context, c Caller, action, resource string, cond map[string][]string) (policy.Decision, error)
}

// Config configures a Service.
type Config struct {
	Store store.Store
	Blobs *blob.Store
	Keys  KeyService
	// Authorizer judges identity policies; nil allows the account's own
	// principals (root always is).
	Authorizer Authorizer
	Now        func() time.Time
	Logger     *slog.Logger
	// BucketKeyTTL is how long an S3 Bucket Key is reused (per principal);
	// 0 means 5 minutes.
	BucketKeyTTL time.Duration
	// OrphanBlobAge is how old an unreferenced blob must be before
	// RunMaintenanceLoop removes it; 0 means DefaultOrphanBlobAge.
	OrphanBlobAge time.Duration
	// GCInterval is how often RunMaintenanceLoop collects orphan blobs;
	// 0 means DefaultGCInterval.
	GCInterval time.Duration
}

// Service is the S3 service.
type Service struct {
	store store.Store
	blobs *blob.Store
	keys  KeyService
	authz Authorizer
	now   func() time.Time
	log   *slog.Logger
	// policies caches parsed bucket policies by text.
	policies policyCache
	// bucketKeys caches S3 Bucket Keys; calls counts KMS calls.
	bucketKeys bucketKeyCache
	calls      kmsCounters
	// orphanAge and gcInterval drive RunMaintenanceLoop.
	orphanAge, gcInterval time.Duration
	// buffers are the copy buffers of object bodies.
	buffers copyBuffers
	// release deletes released blobs after the responses.
	release releaser
}

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, blobs: cfg.Blobs, authz: cfg.Authorizer, now: cfg.Now, log: cfg.Logger, release: newReleaser()}
	if cfg.Keys != nil {
		s.keys = countingKeys{KeyService: cfg.Keys, n: &s.calls}
	}
	s.bucketKeys.ttl = cfg.BucketKeyTTL
	if s.bucketKeys.ttl <= 0 {
		s.bucketKeys.ttl = defaultBucketKeyTTL
	}
	s.orphanAge, s.gcInterval = cfg.OrphanBlobAge, cfg.GCInterval
	if s.orphanAge <= 0 {
		s.orphanAge = DefaultOrphanBlobAge
	}
	if s.gcInterval <= 0 {
		s.gcInterval = DefaultGCInterval
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// Request is one authenticated S3 request, as the server hands it over.
type Request struct {
	Caller Caller
	// Bucket and Key come from the path or the virtual host; both may be
	// empty (ListBuckets).
	Bucket, Key string
	Method      string
	Header      http.Header
	Query       url.Values
	// Body is the decoded payload, its signature and declared length
	// checked as it is read (a failure is an error of Read, before EOF).
	Body io.Reader
	// Size is the decoded payload length, -1 if unknown.
	Size int64
	// Trailers returns the trailing headers of an aws-chunked body once
	// Body reached EOF; nil when there are none.
	Trailers func() map[string]string
	// Secure is set when SSE-C keys may travel: TLS, or a loopback
	// connection.
	Secure bool
}

// Response is what an operation answers. Serve writes it.
type Response struct {
	Status int
	Header http.Header
	// XML, when set, is marshalled as the body.
	XML any
	// Body, when set, is streamed and closed.
	Body io.ReadCloser
}

func newResponse(status int) *Response {
	return &Response{Status: status, Header: make(http.Header)}
}

// Operation is one S3 operation.
type Operation func(ctx context.Context, r *Request) (*Response, error)
