package kms_test

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"testing"

	"github.com/coffer-kms/coffer/internal/keyring"
	"github.com/coffer-kms/coffer/internal/kms"
	"github.com/coffer-kms/coffer/internal/store/sqlite"
)

// benchService is a Service on a SQLite store in a temp dir with a dev
// root and the AccountBoundary authorizer.
func benchService(b *testing.B) (*kms.Service, kms.Caller) {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "coffer.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	rootPath := filepath.Join(dir, "root.dev.key")
	if err := keyring.CreateDevRoot(rootPath, rand.Reader); err != nil {
		b.Fatal(err)
	}
	root, err := keyring.OpenDevRoot(rootPath)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { root.Close() })
	s, err := kms.New(kms.Config{Store: st, Root: root})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	return s, kms.Caller{Account: "111122223333", Region: "us-east-1", PrincipalARN: "arn:aws:iam::111122223333:root", RequestID: "bench"}
}

var benchSpecs = []struct{ spec, alg string }{
	{"RSA_2048", "RSASSA_PSS_SHA_256"}, {"ECC_NIST_P256", "ECDSA_SHA_256"}, {"ECC_SECG_P256K1", "ECDSA_SHA_256"},
	{"ECC_NIST_EDWARDS25519", "ED25519_SHA_512"}, {"ML_DSA_65", "ML_DSA_SHAKE_256"},
}

// BenchmarkServiceSign is Sign through the KMS service (key lookup from the
// cache, authorization, usage recording, signing) without HTTP, SigV4 or
// JSON, for a 1 KiB RAW message.
//
//	go test -run '^$' -bench 'Service(Sign|Verify)' -benchmem ./internal/kms/
func BenchmarkServiceSign(b *testing.B) { benchService1(b, false) }

// BenchmarkServiceVerify is Verify through the KMS service.
func BenchmarkServiceVerify(b *testing.B) { benchService1(b, true) }

func benchService1(b *testing.B, verify bool) {
	s, c := benchService(b)
	ctx := context.Background()
	msg := make([]byte, 1024)
	for _, bs := range benchSpecs {
		b.Run(bs.spec, func(b *testing.B) {
			k, err := s.CreateKey(ctx, c, &kms.CreateKeyInput{KeySpec: bs.spec, KeyUsage: "SIGN_VERIFY"})
			if err != nil {
				b.Fatal(err)
			}
			id := k.KeyMetadata.KeyId
			sig, err := s.Sign(ctx, c, &kms.SignInput{KeyId: id, Message: msg, SigningAlgorithm: bs.alg})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if verify {
					_, err = s.Verify(ctx, c, &kms.VerifyInput{KeyId: id, Message: msg, Signature: sig.Signature, SigningAlgorithm: bs.alg})
				} else {
					_, err = s.Sign(ctx, c, &kms.SignInput{KeyId: id, Message: msg, SigningAlgorithm: bs.alg})
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
