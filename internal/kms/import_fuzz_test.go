package kms_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/keyring"
	"github.com/coffer-kms/coffer/internal/kms"
	"github.com/coffer-kms/coffer/internal/store/sqlite"
)

// testService is a Service on a SQLite store in a temp dir with a dev root.
func testService(tb testing.TB) (*kms.Service, kms.Caller) {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "coffer.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	rootPath := filepath.Join(dir, "root.dev.key")
	if err := keyring.CreateDevRoot(rootPath, rand.Reader); err != nil {
		tb.Fatal(err)
	}
	root, err := keyring.OpenDevRoot(rootPath)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { root.Close() })
	s, err := kms.New(kms.Config{Store: st, Root: root})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s, kms.Caller{Account: "111122223333", Region: "us-east-1", PrincipalARN: "arn:aws:iam::111122223333:root"}
}

// FuzzImportKeyMaterial sends arbitrary ImportKeyMaterial bodies (import
// token, encrypted key material, expiration members) for a key with valid
// import parameters: no panic, and every failure is an AWS client error,
// never KMSInternalException.
func FuzzImportKeyMaterial(f *testing.F) {
	s, c := testService(f)
	ctx := context.Background()
	op := s.Operations()["ImportKeyMaterial"]
	key, err := s.CreateKey(ctx, c, &kms.CreateKeyInput{Origin: "EXTERNAL"})
	if err != nil {
		f.Fatal(err)
	}
	keyID := key.KeyMetadata.KeyId
	p, err := s.GetParametersForImport(ctx, c, &kms.GetParametersForImportInput{KeyId: keyID,
		WrappingAlgorithm: "RSA_AES_KEY_WRAP_SHA_256", WrappingKeySpec: "RSA_2048"})
	if err != nil {
		f.Fatal(err)
	}
	pub, err := x509.ParsePKIXPublicKey(p.PublicKey)
	if err != nil {
		f.Fatal(err)
	}
	mat := make([]byte, 32)
	rand.Read(mat)
	enc, err := keyring.WrapForImport(rand.Reader, pub.(*rsa.PublicKey), keyring.WrapRSAAESKWSHA256, mat)
	if err != nil {
		f.Fatal(err)
	}
	body := func(tok, enc []byte, model string) []byte {
		b, _ := json.Marshal(map[string]any{"KeyId": keyID, "ImportToken": tok, "EncryptedKeyMaterial": enc, "ExpirationModel": model})
		return b
	}
	f.Add(body(p.ImportToken, enc, "KEY_MATERIAL_DOES_NOT_EXPIRE"))
	f.Add(body(p.ImportToken, enc[:300], "KEY_MATERIAL_DOES_NOT_EXPIRE"))
	f.Add(body(p.ImportToken, enc, "KEY_MATERIAL_EXPIRES"))
	f.Add(body(p.ImportToken[:10], enc, ""))
	f.Add([]byte(`{"KeyId":"` + keyID + `","ImportToken":"Q0ZJVAE=","EncryptedKeyMaterial":"AA==","ValidTo":1e30}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := op(ctx, c, b)
		if err == nil {
			return
		}
		var ae *awsproto.Error
		if !errors.As(err, &ae) {
			t.Fatalf("error %v is not an AWS error", err)
		}
		if ae.Status >= 500 {
			t.Fatalf("server error %s: %s (body %q)", ae.Code, ae.Message, b)
		}
	})
}
