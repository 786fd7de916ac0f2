package kms

import (
	"context"
	"errors"

	"github.com/coffer-kms/coffer/internal/keyring"
	"github.com/coffer-kms/coffer/internal/store"
)

// isRSAEncryption reports whether k is an RSA key with usage ENCRYPT_DECRYPT.
func isRSAEncryption(k store.Key) bool {
	return k.KeyUsage == UsageEncryptDecrypt && keyring.IsAsymmetricSpec(k.KeySpec)
}

// checkRSAAlgorithm checks the request's EncryptionAlgorithm against an RSA
// key: it must be RSAES_OAEP_SHA_1 or _256 (none means SYMMETRIC_DEFAULT,
// which RSA keys do not support).
func checkRSAAlgorithm(k store.Key, alg string) error {
	alg = algorithmOrDefault(alg)
	if alg != keyring.AlgOAEPSHA1 && alg != keyring.AlgOAEPSHA256 {
		return kmsErr("InvalidKeyUsageException", "The encryption algorithm %s is not valid for %s, a %s key.", alg, keyARN(k.Ref), k.KeySpec)
	}
	return nil
}

// errRSAContext refuses an encryption context with an RSA key: RSA OAEP
// ciphertext cannot bind one, so AWS KMS does not accept it.
func errRSAContext() error {
	return kmsErr("ValidationException", "EncryptionContext is not supported with asymmetric KMS keys.")
}

// encryptRSA is Encrypt with an RSA key (resolved and authorized by the
// caller): RSAES-OAEP, raw RSA output as the ciphertext.
func (s *Service) encryptRSA(ctx context.Context, c Caller, k store.Key, in *EncryptInput) (*EncryptOutput, error) {
	if err := requireEnabled(k); err != nil {
		return nil, err
	}
	if err := checkRSAAlgorithm(k, in.EncryptionAlgorithm); err != nil {
		return nil, err
	}
	if len(in.EncryptionContext) > 0 {
		return nil, errRSAContext()
	}
	m, err := s.loadMaterial(ctx, k, k.CurrentVersion)
	if err != nil {
		return nil, errInternal(err)
	}
	if max := m.asym.MaxPlaintext(in.EncryptionAlgorithm); len(in.Plaintext) > max {
		return nil, kmsErr("ValidationException", "Plaintext is %d bytes; %s with a %s key encrypts at most %d bytes.", len(in.Plaintext), in.EncryptionAlgorithm, k.KeySpec, max)
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	ct, err := m.asym.Encrypt(s.rand, in.EncryptionAlgorithm, in.Plaintext)
	if err != nil {
		return nil, mapKeyringErr(k, "encryption", in.EncryptionAlgorithm, err)
	}
	s.used(c, k, "Encrypt")
	return &EncryptOutput{CiphertextBlob: ct, KeyId: keyARN(k.Ref), EncryptionAlgorithm: in.EncryptionAlgorithm}, nil
}

// decryptRSA is Decrypt with an RSA key named by the KeyId member.
func (s *Service) decryptRSA(ctx context.Context, c Caller, k store.Key, cond map[string][]string, in *DecryptInput) (*DecryptOutput, error) {
	cond["kms:EncryptionAlgorithm"] = []string{algorithmOrDefault(in.EncryptionAlgorithm)}
	if err := s.authorizeWith(ctx, c, "kms:Decrypt", &k, in.EncryptionContext, in.GrantTokens, cond); err != nil {
		return nil, err
	}
	if err := requireEnabled(k); err != nil {
		return nil, err
	}
	if err := checkRSAAlgorithm(k, in.EncryptionAlgorithm); err != nil {
		return nil, err
	}
	if len(in.EncryptionContext) > 0 {
		return nil, errRSAContext()
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	m, err := s.loadMaterial(ctx, k, k.CurrentVersion)
	if err != nil {
		return nil, errInternal(err)
	}
	pt, err := m.asym.Decrypt(in.EncryptionAlgorithm, in.CiphertextBlob)
	if errors.Is(err, keyring.ErrDecrypt) {
		return nil, errInvalidCiphertext()
	}
	if err != nil {
		return nil, mapKeyringErr(k, "encryption", in.EncryptionAlgorithm, err)
	}
	s.used(c, k, "Decrypt")
	return &DecryptOutput{KeyId: keyARN(k.Ref), Plaintext: pt, EncryptionAlgorithm: in.EncryptionAlgorithm}, nil
}
