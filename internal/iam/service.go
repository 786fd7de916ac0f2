package iam

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/coffer-kms/coffer/internal/keyring"
	"github.com/coffer-kms/coffer/internal/store"
)

// Config configures a Service. Store and Root are required.
type Config struct {
	Store store.Store
	Root  keyring.RootOfTrust
	// Engine evaluates and validates policy documents; nil means a
	// PolicyEngine (internal/policy).
	Engine Engine
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the source of ids, secrets and session tokens; nil means crypto/rand.
	Rand io.Reader
	// Logger receives operational messages (never secrets); nil discards.
	Logger *slog.Logger
}

// Service implements the IAM and STS operations. It is safe for
// concurrent use.
type Service struct {
	store  store.Store
	root   keyring.RootOfTrust
	engine Engine
	now    func() time.Time
	rand   io.Reader
	log    *slog.Logger
	creds  *Credentials
}

// New returns a Service. Call Close to release its store watch.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Root == nil {
		return nil, errors.New("iam: Store and Root are required")
	}
	s := &Service{store: cfg.Store, root: cfg.Root, engine: cfg.Engine, now: cfg.Now, rand: cfg.Rand, log: cfg.Logger}
	if s.engine == nil {
		s.engine = defaultEngine()
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
	s.creds = newCredentials(cfg.Store, cfg.Root, s.now)
	return s, nil
}

// Credentials returns the service's access key lookup for SigV4
// verification; it shares the service's clock, so temporary credentials
// expire by it.
func (s *Service) Credentials() *Credentials { return s.creds }

// Close stops watching the store.
func (s *Service) Close() { s.creds.Close() }

// Caller is the authenticated principal making a request.
type Caller struct {
	Principal
	AccessKeyID string
	// Region is the region of the request's credential scope; IAM data is
	// per account, not per region.
	Region string
}

// update runs fn in a store transaction, mapping store failures.
func (s *Service) update(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) error {
	if err := s.store.Update(ctx, fn); err != nil {
		return mapStoreErr(err)
	}
	return nil
}

// nowUTC is the service clock in UTC, to the second (IAM reports seconds).
func (s *Service) nowUTC() time.Time { return s.now().UTC().Truncate(time.Second) }

func errInternal(err error) error {
	return fmt.Errorf("%w (%v)", iamErr("ServiceFailure", "The request processing has failed because of an unknown error, exception or failure."), err)
}
