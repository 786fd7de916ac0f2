package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/coffer-kms/coffer/internal/iam"
	"github.com/coffer-kms/coffer/internal/keyring"
	"github.com/coffer-kms/coffer/internal/store"
)

// InitOptions configures Init.
type InitOptions struct {
	DataDir string
	Store   string
	Account string
	// Passphrase seals the root key; empty with DevRoot.
	Passphrase []byte
	// DevRoot stores the root key in a plain file instead (development only).
	DevRoot bool
}

// Init prepares a data directory for `coffer serve`: it creates the root
// of trust, the metadata store and the first account with a new random
// root access key, which it returns (to be printed once; Coffer keeps the
// secret only wrapped).
func Init(ctx context.Context, opts InitOptions) (iam.RootAccessKey, error) {
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return iam.RootAccessKey{}, fmt.Errorf("data dir: %w", err)
	}
	sealed := filepath.Join(opts.DataDir, SealedRootFile)
	dev := filepath.Join(opts.DataDir, DevRootFile)
	if fileExists(sealed) || fileExists(dev) {
		return iam.RootAccessKey{}, fmt.Errorf("%s is already initialized (it has a root key file)", opts.DataDir)
	}
	var root keyring.RootOfTrust
	if opts.DevRoot {
		if err := keyring.CreateDevRoot(dev, rand.Reader); err != nil {
			return iam.RootAccessKey{}, err
		}
		r, err := keyring.OpenDevRoot(dev)
		if err != nil {
			return iam.RootAccessKey{}, err
		}
		defer r.Close()
		root = r
	} else {
		if len(opts.Passphrase) == 0 {
			return iam.RootAccessKey{}, errors.New("a passphrase is required to seal the root key")
		}
		if err := keyring.CreateSealedRoot(sealed, opts.Passphrase, rand.Reader); err != nil {
			return iam.RootAccessKey{}, err
		}
		r, err := keyring.OpenSealedRoot(sealed, opts.Passphrase)
		if err != nil {
			return iam.RootAccessKey{}, err
		}
		defer r.Close()
		root = r
	}
	st, err := OpenStore(ctx, opts.DataDir, opts.Store)
	if err != nil {
		return iam.RootAccessKey{}, err
	}
	defer st.Close()
	key, created, err := iam.EnsureAccount(ctx, st, root, opts.Account, nil, time.Now())
	if err != nil {
		return iam.RootAccessKey{}, err
	}
	if !created {
		return iam.RootAccessKey{}, fmt.Errorf("account %s already exists in the store", opts.Account)
	}
	err = st.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.PutSetting(ctx, settingInit, []byte("init"))
	})
	if err != nil {
		return iam.RootAccessKey{}, fmt.Errorf("mark initialized: %w", err)
	}
	return key, nil
}
