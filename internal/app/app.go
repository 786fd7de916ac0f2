// Package app assembles a running Coffer from its parts: it opens the root
// of trust and the metadata store in a data directory, bootstraps the dev
// account, builds the services and the HTTP server, and runs them. The
// command (cmd/coffer) and the end-to-end tests both start Coffer through
// it, so tests exercise the same wiring users run.
package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/coffer-kms/coffer/internal/authz"
	"github.com/coffer-kms/coffer/internal/blob"
	"github.com/coffer-kms/coffer/internal/httpfast"
	"github.com/coffer-kms/coffer/internal/iam"
	"github.com/coffer-kms/coffer/internal/keyring"
	"github.com/coffer-kms/coffer/internal/kms"
	"github.com/coffer-kms/coffer/internal/s3"
	"github.com/coffer-kms/coffer/internal/server"
	"github.com/coffer-kms/coffer/internal/store"
	"github.com/coffer-kms/coffer/internal/store/postgres"
	"github.com/coffer-kms/coffer/internal/store/sqlite"
)

// File names inside the data directory.
const (
	DevRootFile    = "root.dev.key"
	SealedRootFile = "root.sealed"
	SQLiteFile     = "coffer.db"
	BlobDir        = "blobs"
	settingInit    = "initialized"
)

// ErrNotInitialized means serve was asked to run on a data directory that
// `coffer init` has not prepared.
var ErrNotInitialized = errors.New("the data directory is not initialized: run `coffer init` first (or `coffer serve --dev` for development)")

// Options configures Open.
type Options struct {
	DataDir string
	// Store is "" for SQLite in DataDir, or a postgres:// URL.
	Store string
	// Dev creates what is missing (data dir, dev root, the dev account with
	// the AWS example access key) instead of refusing to start.
	Dev bool
	// Passphrase opens a sealed root; unused with a dev root.
	Passphrase []byte
	// Now is the clock (nil: time.Now); Rand the randomness (nil: crypto/rand).
	Now    func() time.Time
	Rand   io.Reader
	Logger *slog.Logger
	// DisableFastPath sends every request through net/http instead of
	// serving KMS requests on the leaner httpfast path.
	DisableFastPath bool
}

// App is an assembled Coffer.
type App struct {
	Store       store.Store
	Root        keyring.RootOfTrust
	KMS         *kms.Service
	S3          *s3.Service
	Credentials *iam.Credentials
	Handler     http.Handler
	// DevCredentials is the dev account's root key when Dev bootstrap ran.
	DevCredentials *iam.RootAccessKey

	log        *slog.Logger
	closers    []func() error
	noFastPath bool
}

// Open assembles a Coffer from opts.
func Open(ctx context.Context, opts Options) (_ *App, err error) {
	a := &App{log: opts.Logger, noFastPath: opts.DisableFastPath}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if opts.Dev {
		if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("data dir: %w", err)
		}
	}
	root, err := openRoot(opts, a.log)
	if err != nil {
		return nil, err
	}
	a.Root = root
	if c, ok := root.(io.Closer); ok {
		a.closers = append(a.closers, c.Close)
	}
	st, err := OpenStore(ctx, opts.DataDir, opts.Store)
	if err != nil {
		return nil, err
	}
	a.Store = st
	a.closers = append(a.closers, st.Close)

	if opts.Dev {
		dev := iam.RootAccessKey{AccessKeyID: DevAccessKeyID, SecretAccessKey: DevSecretAccessKey}
		if _, _, err := iam.EnsureAccount(ctx, st, root, DevAccount, &dev, now()); err != nil {
			return nil, err
		}
		if err := st.Update(ctx, func(ctx context.Context, tx store.Tx) error {
			return tx.PutSetting(ctx, settingInit, []byte("dev"))
		}); err != nil {
			return nil, fmt.Errorf("mark initialized: %w", err)
		}
		a.DevCredentials = &dev
	} else if _, err := st.GetSetting(ctx, settingInit); errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotInitialized
	} else if err != nil {
		return nil, fmt.Errorf("read settings: %w", err)
	}

	authorizer := authz.New(st, now)
	a.closers = append(a.closers, func() error { authorizer.Close(); return nil })
	a.KMS, err = kms.New(kms.Config{Store: st, Root: root, Authorizer: authorizer, Now: now, Rand: opts.Rand, Logger: a.log})
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func() error { a.KMS.Close(); return nil })
	iamSvc, err := iam.New(iam.Config{Store: st, Root: root, Now: now, Rand: opts.Rand, Logger: a.log})
	if err != nil {
		return nil, err
	}
	a.Credentials = iamSvc.Credentials()
	a.closers = append(a.closers, func() error { iamSvc.Close(); return nil })
	blobs, err := blob.New(ctx, filepath.Join(opts.DataDir, BlobDir), blob.Options{})
	if err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	if n, err := blobs.Sweep(ctx); err != nil {
		return nil, fmt.Errorf("blob store sweep: %w", err)
	} else if n > 0 {
		a.log.Info("removed unfinished uploads", "count", n)
	}
	a.S3 = s3.New(s3.Config{Store: st, Blobs: blobs, Keys: s3Keys{a.KMS}, Authorizer: s3Authorizer{authorizer}, Now: now, Logger: a.log})
	a.closers = append(a.closers, func() error { a.S3.WaitReleased(); return nil })
	a.Handler = server.New(server.Config{KMS: a.KMS, Credentials: a.Credentials, IAM: iamSvc, S3: a.S3, Logger: a.log, Now: now})
	return a, nil
}

// The example access key pair of the AWS documentation, installed as the
// dev account's root key.
const (
	DevAccount         = "111122223333"
	DevAccessKeyID     = "AKIAIOSFODNN7EXAMPLE"
	DevSecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// openRoot opens the root of trust found in the data dir: a sealed root if
// there is one, else a dev root; with Dev and neither, it creates a dev root.
func openRoot(opts Options, log *slog.Logger) (keyring.RootOfTrust, error) {
	sealed := filepath.Join(opts.DataDir, SealedRootFile)
	dev := filepath.Join(opts.DataDir, DevRootFile)
	if fileExists(sealed) {
		if len(opts.Passphrase) == 0 {
			return nil, errors.New("the data directory has a sealed root key: set COFFER_ROOT_PASSPHRASE or --passphrase-file")
		}
		r, err := keyring.OpenSealedRoot(sealed, opts.Passphrase)
		if errors.Is(err, keyring.ErrWrongPassphrase) {
			return nil, fmt.Errorf("cannot open the root of trust %s: the passphrase is wrong", sealed)
		}
		if err != nil {
			return nil, fmt.Errorf("open sealed root: %w", err)
		}
		return r, nil
	}
	if !fileExists(dev) {
		if !opts.Dev {
			return nil, ErrNotInitialized
		}
		if err := keyring.CreateDevRoot(dev, rand.Reader); err != nil {
			return nil, fmt.Errorf("create dev root: %w", err)
		}
	}
	log.Warn("DEV ROOT OF TRUST: the root key is stored unencrypted; never use this data directory for real keys", "file", dev)
	r, err := keyring.OpenDevRoot(dev)
	if err != nil {
		return nil, fmt.Errorf("open dev root: %w", err)
	}
	return r, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return !errors.Is(err, fs.ErrNotExist)
}

// OpenStore opens the metadata store: SQLite in dataDir when url is "",
// else PostgreSQL.
func OpenStore(ctx context.Context, dataDir, url string) (store.Store, error) {
	if url == "" {
		st, err := sqlite.Open(ctx, filepath.Join(dataDir, SQLiteFile))
		if err != nil {
			return nil, fmt.Errorf("open SQLite store: %w", err)
		}
		return st, nil
	}
	if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		return nil, fmt.Errorf("store %q: want a postgres:// URL", url)
	}
	st, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL store: %w", err)
	}
	return st, nil
}

// Close releases everything Open acquired, in reverse order.
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		if err := a.closers[i](); err != nil {
			a.log.Warn("close", "err", err)
		}
	}
	a.closers = nil
}

// HTTPServer returns the HTTP server for h: net/http with Coffer's
// timeouts and limits, behind the fast path for KMS requests unless
// Options.DisableFastPath is set (then every request goes to net/http).
func (a *App) HTTPServer(h http.Handler) *httpfast.Server {
	fallback := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	srv := &httpfast.Server{Handler: h, Fallback: fallback, Logger: a.log, MaxBody: server.MaxKMSBodyBytes}
	if !a.noFastPath {
		srv.Route = func(h *httpfast.Head) bool { return server.IsKMSRequest(h.Method, h.Header) }
	}
	return srv
}

// Serve answers HTTP on ln and runs the maintenance loop until ctx ends,
// then shuts down gracefully.
func (a *App) Serve(ctx context.Context, ln net.Listener, maintenance time.Duration) error {
	srv := a.HTTPServer(a.Handler)
	mctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go a.KMS.RunMaintenanceLoop(mctx, maintenance)
	go a.S3.RunMaintenanceLoop(mctx) // orphan blobs; its own, longer interval
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	err := srv.Shutdown(sctx)
	a.S3.WaitReleased()
	return err
}
