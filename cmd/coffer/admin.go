package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"time"

	"github.com/coffer-kms/coffer/internal/app"
	"github.com/coffer-kms/coffer/internal/config"
	"github.com/coffer-kms/coffer/internal/iam"
	"github.com/coffer-kms/coffer/internal/store"
)

const adminUsage = `usage:
  coffer admin create-account [--id 444455556666] [--data-dir D] [--store URL] [--passphrase-file F]
        create an account and print its root access key (shown once)
  coffer admin key-policy [flags]
        print the console's default key policy for --admin and --user ARNs
`

// adminCmd is `coffer admin ...`: operations on a data directory.
func adminCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, adminUsage)
		return errors.New("admin: no subcommand given")
	}
	switch args[0] {
	case "create-account":
		return createAccountCmd(ctx, args[1:], stdout)
	case "key-policy":
		return keyPolicyCmd(args[1:], stdout)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, adminUsage)
		return nil
	}
	fmt.Fprint(stdout, adminUsage)
	return fmt.Errorf("admin: unknown subcommand %q", args[0])
}

// createAccountCmd creates an account with a new random root access key in
// the data directory (or store) a server uses; the server sees it at once.
func createAccountCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("admin create-account", flag.ContinueOnError)
	id := fs.String("id", "", "the new account's 12-digit id (default: a random unused one)")
	dataDir := fs.String("data-dir", envOr("COFFER_DATA_DIR", "./coffer-data"), "data directory (COFFER_DATA_DIR)")
	storeURL := fs.String("store", envOr("COFFER_STORE", ""), "metadata store: empty for SQLite in the data dir, or postgres://... (COFFER_STORE)")
	passFile := fs.String("passphrase-file", envOr("COFFER_ROOT_PASSPHRASE_FILE", ""), "file holding the sealed root passphrase; else COFFER_ROOT_PASSPHRASE")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("admin create-account: unexpected argument %q", fs.Arg(0))
	}
	var pass []byte
	if *passFile != "" || os.Getenv("COFFER_ROOT_PASSPHRASE") != "" {
		var err error
		if pass, err = config.Passphrase(*passFile); err != nil {
			return err
		}
	}
	a, err := app.Open(ctx, app.Options{DataDir: *dataDir, Store: *storeURL, Passphrase: pass})
	clear(pass)
	if err != nil {
		return err
	}
	defer a.Close()
	account := *id
	if account == "" {
		if account, err = unusedAccountID(ctx, a.Store); err != nil {
			return err
		}
	}
	key, created, err := iam.EnsureAccount(ctx, a.Store, a.Root, account, nil, time.Now())
	if err != nil {
		return err
	}
	if !created {
		return fmt.Errorf("account %s already exists", account)
	}
	fmt.Fprintf(stdout, "Created account %s.\n", account)
	fmt.Fprintf(stdout, "The account's root access key is shown only this once; store it safely:\n\n")
	fmt.Fprintf(stdout, "export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s\n", key.AccessKeyID, key.SecretAccessKey)
	return nil
}

// unusedAccountID returns a random 12-digit account id not in st.
func unusedAccountID(ctx context.Context, st store.Store) (string, error) {
	for range 100 {
		n, err := rand.Int(rand.Reader, big.NewInt(900_000_000_000))
		if err != nil {
			return "", err
		}
		id := fmt.Sprintf("%012d", n.Int64()+100_000_000_000)
		if _, err := st.GetAccount(ctx, id); errors.Is(err, store.ErrNotFound) {
			return id, nil
		} else if err != nil {
			return "", err
		}
	}
	return "", errors.New("could not find an unused account id")
}
