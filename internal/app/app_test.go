package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServeRefusesUninitializedDataDir(t *testing.T) {
	_, err := Open(context.Background(), Options{DataDir: t.TempDir()})
	if !errors.Is(err, ErrNotInitialized) {
		t.Fatalf("Open = %v, want ErrNotInitialized", err)
	}
}

func TestDevBootstrapIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 2; i++ {
		a, err := Open(context.Background(), Options{DataDir: dir, Dev: true})
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if a.DevCredentials == nil || a.DevCredentials.AccessKeyID != DevAccessKeyID {
			t.Fatalf("open %d: dev credentials %+v", i, a.DevCredentials)
		}
		cred, err := a.Credentials.Credential(context.Background(), DevAccessKeyID)
		if err != nil || string(cred.Secret) != DevSecretAccessKey || cred.Principal.ARN != "arn:aws:iam::111122223333:root" {
			t.Fatalf("open %d: credential %v %v", i, cred.Principal, err)
		}
		a.Close()
	}
	info, err := os.Stat(filepath.Join(dir, DevRootFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("dev root file: %v %v", info, err)
	}
}

func TestInitThenServeWithSealedRoot(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	if testing.Short() {
		t.Skip("Argon2id with 64 MiB takes a moment")
	}
	key, err := Init(ctx, InitOptions{DataDir: dir, Account: "444455556666", Passphrase: []byte("correct horse battery staple")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key.AccessKeyID, "AKIA") || len(key.AccessKeyID) != 20 || len(key.SecretAccessKey) != 40 {
		t.Fatalf("root key %q / %d chars", key.AccessKeyID, len(key.SecretAccessKey))
	}
	if _, err := Init(ctx, InitOptions{DataDir: dir, Account: "444455556666", Passphrase: []byte("x")}); err == nil {
		t.Fatal("second Init succeeded")
	}

	t.Run("wrong passphrase stops with a clear message", func(t *testing.T) {
		_, err := Open(ctx, Options{DataDir: dir, Passphrase: []byte("wrong")})
		if err == nil || !strings.Contains(err.Error(), "passphrase is wrong") {
			t.Fatalf("Open = %v", err)
		}
	})
	t.Run("no passphrase", func(t *testing.T) {
		_, err := Open(ctx, Options{DataDir: dir})
		if err == nil || !strings.Contains(err.Error(), "COFFER_ROOT_PASSPHRASE") {
			t.Fatalf("Open = %v", err)
		}
	})
	t.Run("right passphrase serves the init key", func(t *testing.T) {
		a, err := Open(ctx, Options{DataDir: dir, Passphrase: []byte("correct horse battery staple")})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		if a.DevCredentials != nil {
			t.Fatal("dev credentials outside dev mode")
		}
		cred, err := a.Credentials.Credential(ctx, key.AccessKeyID)
		if err != nil || string(cred.Secret) != key.SecretAccessKey || cred.Principal.Account != "444455556666" {
			t.Fatalf("credential: %+v %v", cred.Principal, err)
		}
		if _, err := a.Credentials.Credential(ctx, DevAccessKeyID); err == nil {
			t.Fatal("the dev example key exists outside dev mode")
		}
	})
	t.Run("the secret is not stored in the clear", func(t *testing.T) {
		err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if strings.Contains(string(b), key.SecretAccessKey) {
				t.Errorf("%s contains the secret access key", p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
