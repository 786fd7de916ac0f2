package kms

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/coffer-kms/coffer/internal/keyring"
	"github.com/coffer-kms/coffer/internal/store"
)

var allDataKeySpecs = []string{"AES_256", "AES_128"}

// errInvalidCiphertext is the one answer for every ciphertext that cannot
// be decrypted here: malformed, tampered, other region, unknown key, wrong
// encryption context. It reveals nothing about which.
func errInvalidCiphertext() error {
	return kmsErr("InvalidCiphertextException", "The ciphertext is invalid, was not produced by this KMS in this region, or does not match the encryption context.")
}

// algorithmOrDefault is the kms:EncryptionAlgorithm of a request.
func algorithmOrDefault(alg string) string {
	if alg == "" {
		return AlgSymmetricDefault
	}
	return alg
}

// requireUsable checks that a key can perform a cryptographic operation:
// its state, and that it is a symmetric encryption key.
func requireUsable(k store.Key, op string) error {
	if err := requireEnabled(k); err != nil {
		return err
	}
	if k.KeyUsage != UsageEncryptDecrypt || k.KeySpec != SpecSymmetricDefault {
		return kmsErr("InvalidKeyUsageException", "%s key usage is %s with key spec %s, which is not valid for %s.", keyARN(k.Ref), k.KeyUsage, k.KeySpec, op)
	}
	return nil
}

// requireEnabled gives the state errors of the cryptographic operations.
func requireEnabled(k store.Key) error {
	switch k.State {
	case StateEnabled:
		return nil
	case StateDisabled:
		return kmsErr("DisabledException", "%s is disabled.", keyARN(k.Ref))
	default:
		return errState(k)
	}
}

// checkAlgorithm accepts the symmetric algorithm (or none) for a symmetric key.
func checkAlgorithm(k store.Key, alg string) error {
	if alg != "" && alg != AlgSymmetricDefault {
		return kmsErr("InvalidKeyUsageException", "The encryption algorithm %s is not valid for %s, a %s key.", alg, keyARN(k.Ref), k.KeySpec)
	}
	return nil
}

// rejectRecipient refuses the Nitro Enclaves Recipient member, which needs
// an attestation Coffer cannot verify.
func rejectRecipient(r *struct{}) error {
	if r != nil {
		return kmsErr("UnsupportedOperationException", "The Recipient parameter (AWS Nitro Enclaves attestation) is not supported by this server.")
	}
	return nil
}

// seal encrypts plaintext under a key's current material.
func (s *Service) seal(ctx context.Context, k store.Key, encCtx map[string]string, plaintext []byte) (blob []byte, materialID string, err error) {
	m, err := s.loadMaterial(ctx, k, k.CurrentVersion)
	if err != nil {
		return nil, "", errInternal(err)
	}
	h := keyring.BlobHeader{Account: k.Ref.Account, KeyID: k.Ref.KeyID, MaterialVersion: k.CurrentVersion}
	blob, err = m.sym.Seal(s.rand, h, blobRegion(k), encCtx, plaintext)
	if err != nil {
		return nil, "", errInternal(err)
	}
	return blob, m.id, nil
}

// openedBlob is a ciphertext blob whose key has been found and authorized.
type openedBlob struct {
	key    store.Key
	header keyring.BlobHeader
}

// findBlobKey parses a ciphertext blob and finds its key in the caller's
// region, checking it against an optional KeyId member, then authorizes
// action and checks the key is usable.
func (s *Service) findBlobKey(ctx context.Context, c Caller, blob []byte, keyIDMember, action string, encCtx map[string]string, grantTokens []string) (openedBlob, error) {
	h, err := keyring.ParseBlob(blob)
	if err != nil {
		return openedBlob{}, errInvalidCiphertext()
	}
	k, err := s.loadKey(ctx, store.KeyRef{Account: h.Account, Region: c.Region, KeyID: h.KeyID})
	if err != nil {
		var nf bool
		if ae, ok := asAWS(err); ok && ae.Code == "NotFoundException" {
			nf = true
		}
		if nf {
			return openedBlob{}, errInvalidCiphertext()
		}
		return openedBlob{}, err
	}
	if keyIDMember != "" {
		want, err := s.resolveKey(ctx, c, keyIDMember, true)
		if err != nil {
			return openedBlob{}, err
		}
		if want.Ref != k.Ref {
			return openedBlob{}, kmsErr("IncorrectKeyException", "The key ID in the request does not identify a KMS key that can perform this operation: the ciphertext was encrypted under a different key.")
		}
	}
	if err := s.authorize(ctx, c, action, &k, encCtx, grantTokens); err != nil {
		return openedBlob{}, err
	}
	if err := requireUsable(k, action); err != nil {
		return openedBlob{}, err
	}
	return openedBlob{key: k, header: h}, nil
}

// open decrypts a blob whose key was found by findBlobKey.
func (s *Service) open(ctx context.Context, ob openedBlob, region string, blob []byte, encCtx map[string]string) ([]byte, string, error) {
	m, err := s.loadMaterial(ctx, ob.key, ob.header.MaterialVersion)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", errInvalidCiphertext()
	}
	if err != nil {
		return nil, "", errInternal(err)
	}
	if ob.key.MultiRegion {
		region = blobRegion(ob.key)
	}
	plain, err := m.sym.Open(blob, region, encCtx)
	if err != nil {
		return nil, "", errInvalidCiphertext()
	}
	return plain, m.id, nil
}

// Encrypt encrypts up to 4096 bytes under a symmetric key, or, with an RSA
// ENCRYPT_DECRYPT key, up to the OAEP limit of the key and algorithm.
func (s *Service) Encrypt(ctx context.Context, c Caller, in *EncryptInput) (*EncryptOutput, error) {
	var v validation
	v.keyID("keyId", in.KeyId)
	v.blobLen("plaintext", in.Plaintext, in.Plaintext != nil, 1, 4096)
	v.grantTokens(in.GrantTokens)
	v.enum("encryptionAlgorithm", in.EncryptionAlgorithm, allEncAlgs...)
	if err := v.err(); err != nil {
		return nil, err
	}
	k, cond, err := s.resolveKeyForUse(ctx, c, in.KeyId)
	if err != nil {
		return nil, err
	}
	cond["kms:EncryptionAlgorithm"] = []string{algorithmOrDefault(in.EncryptionAlgorithm)}
	if err := s.authorizeWith(ctx, c, "kms:Encrypt", &k, in.EncryptionContext, in.GrantTokens, cond); err != nil {
		return nil, err
	}
	if isRSAEncryption(k) {
		return s.encryptRSA(ctx, c, k, in)
	}
	if err := requireUsable(k, "Encrypt"); err != nil {
		return nil, err
	}
	if err := checkAlgorithm(k, in.EncryptionAlgorithm); err != nil {
		return nil, err
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	blob, _, err := s.seal(ctx, k, in.EncryptionContext, in.Plaintext)
	if err != nil {
		return nil, err
	}
	s.used(c, k, "Encrypt")
	return &EncryptOutput{CiphertextBlob: blob, KeyId: keyARN(k.Ref), EncryptionAlgorithm: AlgSymmetricDefault}, nil
}

// Decrypt decrypts a ciphertext blob, which names its key; RSA ciphertext
// needs the KeyId and EncryptionAlgorithm members.
func (s *Service) Decrypt(ctx context.Context, c Caller, in *DecryptInput) (*DecryptOutput, error) {
	var v validation
	v.blobLen("ciphertextBlob", in.CiphertextBlob, in.CiphertextBlob != nil, 1, 6144)
	if in.KeyId != "" {
		v.strLen("keyId", in.KeyId, 1, 2048)
	}
	v.grantTokens(in.GrantTokens)
	v.enum("encryptionAlgorithm", in.EncryptionAlgorithm, allEncAlgs...)
	for _, m := range in.DryRunModifiers {
		v.enum("dryRunModifiers", m, "IGNORE_CIPHERTEXT")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := rejectRecipient(in.Recipient); err != nil {
		return nil, err
	}
	ignoreCiphertext := in.DryRun && slices.Contains(in.DryRunModifiers, "IGNORE_CIPHERTEXT")
	if ignoreCiphertext && in.KeyId != "" {
		// Only the permission to the named key is checked.
		k, cond, err := s.resolveKeyForUse(ctx, c, in.KeyId)
		if err != nil {
			return nil, err
		}
		cond["kms:EncryptionAlgorithm"] = []string{algorithmOrDefault(in.EncryptionAlgorithm)}
		if err := s.authorizeWith(ctx, c, "kms:Decrypt", &k, in.EncryptionContext, in.GrantTokens, cond); err != nil {
			return nil, err
		}
		return nil, errDryRun()
	}
	if in.KeyId != "" {
		k, cond, err := s.resolveKeyForUse(ctx, c, in.KeyId)
		if err != nil {
			return nil, err
		}
		if isRSAEncryption(k) {
			return s.decryptRSA(ctx, c, k, cond, in)
		}
	}
	ob, err := s.findBlobKey(ctx, c, in.CiphertextBlob, in.KeyId, "kms:Decrypt", in.EncryptionContext, in.GrantTokens)
	if err != nil {
		return nil, err
	}
	if err := checkAlgorithm(ob.key, in.EncryptionAlgorithm); err != nil {
		return nil, err
	}
	if ignoreCiphertext {
		return nil, errDryRun()
	}
	plain, matID, err := s.open(ctx, ob, c.Region, in.CiphertextBlob, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	if in.DryRun {
		clear(plain)
		return nil, errDryRun()
	}
	s.used(c, ob.key, "Decrypt")
	return &DecryptOutput{KeyId: keyARN(ob.key.Ref), Plaintext: plain, EncryptionAlgorithm: AlgSymmetricDefault, KeyMaterialId: matID}, nil
}

// ReEncrypt decrypts a blob and encrypts the plaintext under another key
// (or the same key's current material) without revealing it. Either side
// may be an RSA ENCRYPT_DECRYPT key (RSA source ciphertext needs
// SourceKeyId and SourceEncryptionAlgorithm).
func (s *Service) ReEncrypt(ctx context.Context, c Caller, in *ReEncryptInput) (*ReEncryptOutput, error) {
	var v validation
	v.blobLen("ciphertextBlob", in.CiphertextBlob, in.CiphertextBlob != nil, 1, 6144)
	v.keyID("destinationKeyId", in.DestinationKeyId)
	if in.SourceKeyId != "" {
		v.strLen("sourceKeyId", in.SourceKeyId, 1, 2048)
	}
	v.grantTokens(in.GrantTokens)
	v.enum("sourceEncryptionAlgorithm", in.SourceEncryptionAlgorithm, allEncAlgs...)
	v.enum("destinationEncryptionAlgorithm", in.DestinationEncryptionAlgorithm, allEncAlgs...)
	for _, m := range in.DryRunModifiers {
		v.enum("dryRunModifiers", m, "IGNORE_CIPHERTEXT")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	src, err := s.reEncryptSource(ctx, c, in)
	if err != nil {
		return nil, err
	}
	dst, cond, err := s.resolveKeyForUse(ctx, c, in.DestinationKeyId)
	if err != nil {
		return nil, err
	}
	cond["kms:ReEncryptOnSameKey"] = []string{strconv.FormatBool(dst.Ref == src.key.Ref)}
	cond["kms:EncryptionAlgorithm"] = []string{algorithmOrDefault(in.DestinationEncryptionAlgorithm)}
	if err := s.authorizeWith(ctx, c, "kms:ReEncryptTo", &dst, in.DestinationEncryptionContext, in.GrantTokens, cond); err != nil {
		return nil, err
	}
	dstRSA := isRSAEncryption(dst)
	dstAlg := AlgSymmetricDefault
	if dstRSA {
		if err := requireEnabled(dst); err != nil {
			return nil, err
		}
		if err := checkRSAAlgorithm(dst, in.DestinationEncryptionAlgorithm); err != nil {
			return nil, err
		}
		if len(in.DestinationEncryptionContext) > 0 {
			return nil, errRSAContext()
		}
		dstAlg = in.DestinationEncryptionAlgorithm
	} else {
		if err := requireUsable(dst, "ReEncrypt"); err != nil {
			return nil, err
		}
		if err := checkAlgorithm(dst, in.DestinationEncryptionAlgorithm); err != nil {
			return nil, err
		}
	}
	if in.DryRun && slices.Contains(in.DryRunModifiers, "IGNORE_CIPHERTEXT") {
		return nil, errDryRun()
	}
	var plain []byte
	var srcMatID string
	if src.rsa {
		m, err := s.loadMaterial(ctx, src.key, src.key.CurrentVersion)
		if err != nil {
			return nil, errInternal(err)
		}
		if plain, err = m.asym.Decrypt(src.alg, in.CiphertextBlob); err != nil {
			return nil, errInvalidCiphertext()
		}
	} else if plain, srcMatID, err = s.open(ctx, src.blob, c.Region, in.CiphertextBlob, in.SourceEncryptionContext); err != nil {
		return nil, err
	}
	defer clear(plain)
	if in.DryRun {
		return nil, errDryRun()
	}
	var blob []byte
	var dstMatID string
	if dstRSA {
		m, err := s.loadMaterial(ctx, dst, dst.CurrentVersion)
		if err != nil {
			return nil, errInternal(err)
		}
		if max := m.asym.MaxPlaintext(dstAlg); len(plain) > max {
			return nil, kmsErr("ValidationException", "The plaintext is %d bytes; %s with a %s key encrypts at most %d bytes.", len(plain), dstAlg, dst.KeySpec, max)
		}
		if blob, err = m.asym.Encrypt(s.rand, dstAlg, plain); err != nil {
			return nil, mapKeyringErr(dst, "encryption", dstAlg, err)
		}
	} else if blob, dstMatID, err = s.seal(ctx, dst, in.DestinationEncryptionContext, plain); err != nil {
		return nil, err
	}
	s.used(c, src.key, "ReEncrypt")
	s.used(c, dst, "ReEncrypt")
	return &ReEncryptOutput{CiphertextBlob: blob, SourceKeyId: keyARN(src.key.Ref), KeyId: keyARN(dst.Ref),
		SourceEncryptionAlgorithm: src.alg, DestinationEncryptionAlgorithm: dstAlg,
		SourceKeyMaterialId: srcMatID, DestinationKeyMaterialId: dstMatID}, nil
}

// reEncryptSourceKey is the source of a ReEncrypt: a symmetric ciphertext
// blob, or RSA ciphertext of the RSA key SourceKeyId names.
type reEncryptSourceKey struct {
	key  store.Key
	blob openedBlob // symmetric source
	rsa  bool
	alg  string
}

// reEncryptSource finds, authorizes (kms:ReEncryptFrom) and checks the
// source key of a ReEncrypt.
func (s *Service) reEncryptSource(ctx context.Context, c Caller, in *ReEncryptInput) (reEncryptSourceKey, error) {
	if in.SourceKeyId != "" {
		k, cond, err := s.resolveKeyForUse(ctx, c, in.SourceKeyId)
		if err != nil {
			return reEncryptSourceKey{}, err
		}
		if isRSAEncryption(k) {
			cond["kms:EncryptionAlgorithm"] = []string{algorithmOrDefault(in.SourceEncryptionAlgorithm)}
			if err := s.authorizeWith(ctx, c, "kms:ReEncryptFrom", &k, in.SourceEncryptionContext, in.GrantTokens, cond); err != nil {
				return reEncryptSourceKey{}, err
			}
			if err := requireEnabled(k); err != nil {
				return reEncryptSourceKey{}, err
			}
			if err := checkRSAAlgorithm(k, in.SourceEncryptionAlgorithm); err != nil {
				return reEncryptSourceKey{}, err
			}
			if len(in.SourceEncryptionContext) > 0 {
				return reEncryptSourceKey{}, errRSAContext()
			}
			return reEncryptSourceKey{key: k, rsa: true, alg: in.SourceEncryptionAlgorithm}, nil
		}
	}
	ob, err := s.findBlobKey(ctx, c, in.CiphertextBlob, in.SourceKeyId, "kms:ReEncryptFrom", in.SourceEncryptionContext, in.GrantTokens)
	if err != nil {
		return reEncryptSourceKey{}, err
	}
	if err := checkAlgorithm(ob.key, in.SourceEncryptionAlgorithm); err != nil {
		return reEncryptSourceKey{}, err
	}
	return reEncryptSourceKey{key: ob.key, blob: ob, alg: AlgSymmetricDefault}, nil
}

// dataKeyLength validates the KeySpec / NumberOfBytes pair (exactly one).
func dataKeyLength(in *GenerateDataKeyInput) (int, error) {
	var v validation
	v.keyID("keyId", in.KeyId)
	v.intRange("numberOfBytes", in.NumberOfBytes, 1, 1024)
	v.enum("keySpec", in.KeySpec, allDataKeySpecs...)
	v.grantTokens(in.GrantTokens)
	if err := v.err(); err != nil {
		return 0, err
	}
	switch {
	case (in.KeySpec == "") == (in.NumberOfBytes == nil):
		return 0, kmsErr("ValidationException", "Please specify either number of bytes or key spec.")
	case in.KeySpec == "AES_128":
		return 16, nil
	case in.KeySpec == "AES_256":
		return 32, nil
	default:
		return int(*in.NumberOfBytes), nil
	}
}

// generateDataKey is GenerateDataKey with or without the plaintext.
func (s *Service) generateDataKey(ctx context.Context, c Caller, in *GenerateDataKeyInput, action string, withPlaintext bool) (*GenerateDataKeyOutput, error) {
	n, err := dataKeyLength(in)
	if err != nil {
		return nil, err
	}
	if err := rejectRecipient(in.Recipient); err != nil {
		return nil, err
	}
	k, cond, err := s.resolveKeyForUse(ctx, c, in.KeyId)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeWith(ctx, c, action, &k, in.EncryptionContext, in.GrantTokens, cond); err != nil {
		return nil, err
	}
	if err := requireUsable(k, action[len("kms:"):]); err != nil {
		return nil, err
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	plain := make([]byte, n)
	if _, err := io.ReadFull(s.rand, plain); err != nil {
		return nil, errInternal(fmt.Errorf("data key: %w", err))
	}
	blob, matID, err := s.seal(ctx, k, in.EncryptionContext, plain)
	if err != nil {
		clear(plain)
		return nil, err
	}
	s.used(c, k, action[len("kms:"):])
	out := &GenerateDataKeyOutput{CiphertextBlob: blob, KeyId: keyARN(k.Ref), KeyMaterialId: matID}
	if withPlaintext {
		out.Plaintext = plain
	} else {
		clear(plain)
	}
	return out, nil
}

// GenerateDataKey returns a new data key in plaintext and encrypted.
func (s *Service) GenerateDataKey(ctx context.Context, c Caller, in *GenerateDataKeyInput) (*GenerateDataKeyOutput, error) {
	return s.generateDataKey(ctx, c, in, "kms:GenerateDataKey", true)
}

// GenerateDataKeyWithoutPlaintext returns a new data key, encrypted only.
func (s *Service) GenerateDataKeyWithoutPlaintext(ctx context.Context, c Caller, in *GenerateDataKeyInput) (*GenerateDataKeyOutput, error) {
	return s.generateDataKey(ctx, c, in, "kms:GenerateDataKeyWithoutPlaintext", false)
}

// GenerateRandom returns 1..1024 random bytes.
func (s *Service) GenerateRandom(ctx context.Context, c Caller, in *GenerateRandomInput) (*GenerateRandomOutput, error) {
	var v validation
	v.required("numberOfBytes", in.NumberOfBytes != nil)
	v.intRange("numberOfBytes", in.NumberOfBytes, 1, 1024)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := rejectRecipient(in.Recipient); err != nil {
		return nil, err
	}
	if in.CustomKeyStoreId != nil {
		return nil, kmsErr("CustomKeyStoreNotFoundException", "Custom key store '%s' does not exist.", *in.CustomKeyStoreId)
	}
	if err := s.authorize(ctx, c, "kms:GenerateRandom", nil, nil, nil); err != nil {
		return nil, err
	}
	b := make([]byte, *in.NumberOfBytes)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return nil, errInternal(err)
	}
	return &GenerateRandomOutput{Plaintext: b}, nil
}
