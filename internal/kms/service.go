// Package kms owns the AWS KMS operations: keys and their states, aliases,
// tags, key policies, rotation, deletion windows and the cryptographic
// operations: symmetric encryption and data keys, and, on asymmetric and
// HMAC keys, Sign, Verify, GetPublicKey, RSA OAEP Encrypt and Decrypt,
// GenerateMac, VerifyMac, DeriveSharedSecret and data key pairs
// (docs/key-specs.md).
//
// Each operation is a method func(ctx, Caller, *XInput) (*XOutput, error)
// whose input and output types are the AWS JSON shapes, so the protocol
// layer only decodes, calls and encodes. Errors are *awsproto.Error values
// carrying the AWS exception name.
//
// Invariants: key material is held in the clear only in memory, in the
// cache, and is stored only wrapped by the root of trust with the key ARN
// and material version bound as associated data. A key is looked up only in
// the caller's region: keys, aliases and ciphertexts of one region are
// unknown in another.
package kms

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/coffer-kms/coffer/internal/keyring"
	"github.com/coffer-kms/coffer/internal/store"
)

// Caller is the authenticated principal making a request, with the region
// of the request's credential scope.
type Caller struct {
	Account      string // 12-digit account id
	Region       string // region from the SigV4 credential scope
	PrincipalARN string // e.g. arn:aws:iam::111122223333:root
	UserID       string // aws:userid
	AccessKeyID  string
	// PrincipalType is aws:PrincipalType: Account (the root user), User or
	// AssumedRole.
	PrincipalType string
	// UserName is the IAM user name (aws:username), "" otherwise.
	UserName string
	// RoleARN is the role of an assumed-role session, "" otherwise.
	RoleARN string
	// SourceIP and SecureTransport describe the connection
	// (aws:SourceIp, aws:SecureTransport).
	SourceIP        string
	SecureTransport bool
	// ViaService is set when an integrated service (Coffer's S3) calls KMS
	// on the caller's behalf: "s3.us-east-1.amazonaws.com" (kms:ViaService).
	ViaService string
	// RequestID is the request's id (x-amzn-RequestId), recorded as the
	// KmsRequestId of GetKeyLastUsage; "" when there is none.
	RequestID string
}

// Config configures a Service. Store and Root are required; the rest have
// defaults.
type Config struct {
	Store store.Store
	Root  keyring.RootOfTrust
	// Authorizer decides every request; nil means AccountBoundary.
	Authorizer Authorizer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the source of key material, nonces and ids; nil means crypto/rand.
	Rand io.Reader
	// Logger receives operational messages (never secrets); nil discards.
	Logger *slog.Logger
	// UsageFlushInterval is how often the key usage GetKeyLastUsage reports
	// is written to the store; 0 means 10 seconds.
	UsageFlushInterval time.Duration
}

// Service implements the KMS operations. It is safe for concurrent use.
type Service struct {
	store  store.Store
	root   keyring.RootOfTrust
	authz  Authorizer
	now    func() time.Time
	rand   io.Reader
	log    *slog.Logger
	cache  *cache
	unwtch func()
	usage  *usageTracker
	stop   context.CancelFunc
	done   chan struct{}
}

// New returns a Service. Call Close to stop watching the store.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Root == nil {
		return nil, fmt.Errorf("kms: Store and Root are required")
	}
	s := &Service{store: cfg.Store, root: cfg.Root, authz: cfg.Authorizer, now: cfg.Now, rand: cfg.Rand, log: cfg.Logger}
	if s.authz == nil {
		s.authz = AccountBoundary{}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.cache = newCache()
	s.unwtch = cfg.Store.Watch(s.cache.invalidate)
	s.usage = newUsageTracker()
	interval := cfg.UsageFlushInterval
	if interval <= 0 {
		interval = defaultUsageFlush
	}
	var loopCtx context.Context
	loopCtx, s.stop = context.WithCancel(context.Background())
	s.done = make(chan struct{})
	go s.flushLoop(loopCtx, interval, s.done)
	return s, nil
}

// Close stops the service's store watch and usage flushing, and writes the
// key usage not yet flushed (for at most 5 seconds). It does not close the
// store.
func (s *Service) Close() {
	if s.unwtch != nil {
		s.unwtch()
	}
	if s.stop != nil {
		s.stop()
		<-s.done
		s.stop = nil
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.FlushUsage(ctx); err != nil {
			s.log.Warn("flushing KMS key usage at close", "err", err)
		}
	}
}

// update runs fn in a store transaction and maps store failures to KMS errors.
func (s *Service) update(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) error {
	if err := s.store.Update(ctx, fn); err != nil {
		return mapStoreErr(err)
	}
	return nil
}
