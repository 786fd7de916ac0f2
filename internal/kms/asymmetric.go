package kms

import (
	"context"
	"errors"
	"maps"

	"github.com/coffer-kms/coffer/internal/keyring"
	"github.com/coffer-kms/coffer/internal/store"
)

// Enumerations of the asymmetric and HMAC operations, from the API model.
var (
	allSigningAlgs = []string{"RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512", "RSASSA_PKCS1_V1_5_SHA_256",
		"RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512", "ECDSA_SHA_256", "ECDSA_SHA_384", "ECDSA_SHA_512", "SM2DSA",
		"ML_DSA_SHAKE_256", "ED25519_SHA_512", "ED25519_PH_SHA_512"}
	allMessageTypes  = []string{"RAW", "DIGEST", "EXTERNAL_MU"}
	allMacAlgs       = []string{"HMAC_SHA_224", "HMAC_SHA_256", "HMAC_SHA_384", "HMAC_SHA_512"}
	allAgreementAlgs = []string{"ECDH"}
	allKeyPairSpecs  = []string{"RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521",
		"ECC_SECG_P256K1", "SM2", "ECC_NIST_EDWARDS25519"}
)

// keyForCrypto is the start of the asymmetric and HMAC operations: resolve
// the KeyId member (aliases allowed), authorize action with the operation's
// condition keys, then check the key is enabled and has usage.
func (s *Service) keyForCrypto(ctx context.Context, c Caller, keyID, action, usage string, grantTokens []string, cond map[string][]string) (store.Key, error) {
	k, rc, err := s.resolveKeyForUse(ctx, c, keyID)
	if err != nil {
		return store.Key{}, err
	}
	maps.Copy(rc, cond)
	if err := s.authorizeWith(ctx, c, action, &k, nil, grantTokens, rc); err != nil {
		return store.Key{}, err
	}
	if err := requireEnabled(k); err != nil {
		return store.Key{}, err
	}
	if k.KeyUsage != usage {
		return store.Key{}, errKeyUsage(k, action[len("kms:"):])
	}
	return k, nil
}

// errKeyUsage is the InvalidKeyUsageException of a key used for an
// operation its KeyUsage does not allow.
func errKeyUsage(k store.Key, op string) error {
	return kmsErr("InvalidKeyUsageException", "%s key usage is %s with key spec %s, which is not valid for %s.", keyARN(k.Ref), k.KeyUsage, k.KeySpec, op)
}

// mapKeyringErr maps the asymmetric and HMAC primitives' errors to AWS
// exceptions; what is not theirs is internal.
func mapKeyringErr(k store.Key, algKind, alg string, err error) error {
	switch {
	case errors.Is(err, keyring.ErrAlgorithm):
		return kmsErr("InvalidKeyUsageException", "The %s algorithm %s is not valid for %s, a %s key.", algKind, alg, keyARN(k.Ref), k.KeySpec)
	case errors.Is(err, keyring.ErrMessageType), errors.Is(err, keyring.ErrDigestLength),
		errors.Is(err, keyring.ErrPlaintextTooLong), errors.Is(err, keyring.ErrPeerKey):
		return kmsErr("ValidationException", "%s", trimKeyringPrefix(err.Error()))
	case errors.Is(err, keyring.ErrInvalidSignature) && algKind == "MAC":
		return kmsErr("KMSInvalidMacException", "The request was rejected because the HMAC verification failed: the MAC was not generated with the specified message, HMAC KMS key and MAC algorithm.")
	case errors.Is(err, keyring.ErrInvalidSignature):
		return kmsErr("KMSInvalidSignatureException", "The request was rejected because the signature verification failed: the signature was not produced by signing the specified message with the specified KMS key and signing algorithm.")
	case errors.Is(err, keyring.ErrDecrypt):
		return errInvalidCiphertext()
	}
	return errInternal(err)
}

func trimKeyringPrefix(s string) string {
	const p = "keyring: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

func messageTypeOrRaw(mt string) string {
	if mt == "" {
		return keyring.MessageRaw
	}
	return mt
}

// Sign signs a message or digest with an asymmetric SIGN_VERIFY key.
func (s *Service) Sign(ctx context.Context, c Caller, in *SignInput) (*SignOutput, error) {
	var v validation
	v.keyID("keyId", in.KeyId)
	v.blobLen("message", in.Message, in.Message != nil, 1, 4096)
	v.enum("messageType", in.MessageType, allMessageTypes...)
	v.required("signingAlgorithm", in.SigningAlgorithm != "")
	v.enum("signingAlgorithm", in.SigningAlgorithm, allSigningAlgs...)
	v.grantTokens(in.GrantTokens)
	if err := v.err(); err != nil {
		return nil, err
	}
	k, err := s.keyForCrypto(ctx, c, in.KeyId, "kms:Sign", UsageSignVerify, in.GrantTokens, map[string][]string{
		"kms:SigningAlgorithm": {in.SigningAlgorithm}, "kms:MessageType": {messageTypeOrRaw(in.MessageType)}})
	if err != nil {
		return nil, err
	}
	m, err := s.loadMaterial(ctx, k, k.CurrentVersion)
	if err != nil {
		return nil, errInternal(err)
	}
	sig, err := m.asym.Sign(s.rand, in.SigningAlgorithm, in.MessageType, in.Message)
	if err != nil {
		return nil, mapKeyringErr(k, "signing", in.SigningAlgorithm, err)
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	s.used(c, k, "Sign")
	return &SignOutput{KeyId: keyARN(k.Ref), Signature: sig, SigningAlgorithm: in.SigningAlgorithm}, nil
}

// Verify checks a signature made with an asymmetric SIGN_VERIFY key; a
// signature that does not verify is KMSInvalidSignatureException.
func (s *Service) Verify(ctx context.Context, c Caller, in *VerifyInput) (*VerifyOutput, error) {
	var v validation
	v.keyID("keyId", in.KeyId)
	v.blobLen("message", in.Message, in.Message != nil, 1, 4096)
	v.enum("messageType", in.MessageType, allMessageTypes...)
	v.blobLen("signature", in.Signature, in.Signature != nil, 1, 6144)
	v.required("signingAlgorithm", in.SigningAlgorithm != "")
	v.enum("signingAlgorithm", in.SigningAlgorithm, allSigningAlgs...)
	v.grantTokens(in.GrantTokens)
	if err := v.err(); err != nil {
		return nil, err
	}
	k, err := s.keyForCrypto(ctx, c, in.KeyId, "kms:Verify", UsageSignVerify, in.GrantTokens, map[string][]string{
		"kms:SigningAlgorithm": {in.SigningAlgorithm}, "kms:MessageType": {messageTypeOrRaw(in.MessageType)}})
	if err != nil {
		return nil, err
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	m, err := s.loadMaterial(ctx, k, k.CurrentVersion)
	if err != nil {
		return nil, errInternal(err)
	}
	if err := m.asym.Verify(in.SigningAlgorithm, in.MessageType, in.Message, in.Signature); err != nil {
		return nil, mapKeyringErr(k, "signing", in.SigningAlgorithm, err)
	}
	s.used(c, k, "Verify")
	return &VerifyOutput{KeyId: keyARN(k.Ref), SignatureValid: true, SigningAlgorithm: in.SigningAlgorithm}, nil
}

// GetPublicKey returns an asymmetric key's public key (DER
// SubjectPublicKeyInfo) with its spec, usage and algorithms.
func (s *Service) GetPublicKey(ctx context.Context, c Caller, in *KeyIDInput) (*GetPublicKeyOutput, error) {
	var v validation
	v.keyID("keyId", in.KeyId)
	v.grantTokens(in.GrantTokens)
	if err := v.err(); err != nil {
		return nil, err
	}
	k, cond, err := s.resolveKeyForUse(ctx, c, in.KeyId)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeWith(ctx, c, "kms:GetPublicKey", &k, nil, in.GrantTokens, cond); err != nil {
		return nil, err
	}
	if err := requireEnabled(k); err != nil {
		return nil, err
	}
	if !keyring.IsAsymmetricSpec(k.KeySpec) {
		return nil, kmsErr("UnsupportedOperationException", "%s key spec is %s, which is not valid for GetPublicKey: only asymmetric KMS keys have a public key.", keyARN(k.Ref), k.KeySpec)
	}
	m, err := s.loadMaterial(ctx, k, k.CurrentVersion)
	if err != nil {
		return nil, errInternal(err)
	}
	md := s.metadata(k, "")
	return &GetPublicKeyOutput{KeyId: keyARN(k.Ref), PublicKey: m.asym.PublicKey(), CustomerMasterKeySpec: md.CustomerMasterKeySpec,
		KeySpec: k.KeySpec, KeyUsage: k.KeyUsage, EncryptionAlgorithms: md.EncryptionAlgorithms,
		SigningAlgorithms: md.SigningAlgorithms, KeyAgreementAlgorithms: md.KeyAgreementAlgorithms}, nil
}

// GenerateMac computes an HMAC with a GENERATE_VERIFY_MAC key.
func (s *Service) GenerateMac(ctx context.Context, c Caller, in *GenerateMacInput) (*GenerateMacOutput, error) {
	var v validation
	v.blobLen("message", in.Message, in.Message != nil, 1, 4096)
	v.keyID("keyId", in.KeyId)
	v.required("macAlgorithm", in.MacAlgorithm != "")
	v.enum("macAlgorithm", in.MacAlgorithm, allMacAlgs...)
	v.grantTokens(in.GrantTokens)
	if err := v.err(); err != nil {
		return nil, err
	}
	k, err := s.keyForCrypto(ctx, c, in.KeyId, "kms:GenerateMac", UsageGenerateVerifyMAC, in.GrantTokens,
		map[string][]string{"kms:MacAlgorithm": {in.MacAlgorithm}})
	if err != nil {
		return nil, err
	}
	m, err := s.loadMaterial(ctx, k, k.CurrentVersion)
	if err != nil {
		return nil, errInternal(err)
	}
	mac, err := m.mac.Sum(in.MacAlgorithm, in.Message)
	if err != nil {
		return nil, mapKeyringErr(k, "MAC", in.MacAlgorithm, err)
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	s.used(c, k, "GenerateMac")
	return &GenerateMacOutput{Mac: mac, MacAlgorithm: in.MacAlgorithm, KeyId: keyARN(k.Ref)}, nil
}

// VerifyMac checks an HMAC; a MAC that does not verify is
// KMSInvalidMacException.
func (s *Service) VerifyMac(ctx context.Context, c Caller, in *VerifyMacInput) (*VerifyMacOutput, error) {
	var v validation
	v.blobLen("message", in.Message, in.Message != nil, 1, 4096)
	v.keyID("keyId", in.KeyId)
	v.required("macAlgorithm", in.MacAlgorithm != "")
	v.enum("macAlgorithm", in.MacAlgorithm, allMacAlgs...)
	v.blobLen("mac", in.Mac, in.Mac != nil, 1, 6144)
	v.grantTokens(in.GrantTokens)
	if err := v.err(); err != nil {
		return nil, err
	}
	k, err := s.keyForCrypto(ctx, c, in.KeyId, "kms:VerifyMac", UsageGenerateVerifyMAC, in.GrantTokens,
		map[string][]string{"kms:MacAlgorithm": {in.MacAlgorithm}})
	if err != nil {
		return nil, err
	}
	m, err := s.loadMaterial(ctx, k, k.CurrentVersion)
	if err != nil {
		return nil, errInternal(err)
	}
	if _, err := m.mac.Sum(in.MacAlgorithm, nil); err != nil {
		return nil, mapKeyringErr(k, "MAC", in.MacAlgorithm, err)
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	if err := m.mac.Verify(in.MacAlgorithm, in.Message, in.Mac); err != nil {
		return nil, mapKeyringErr(k, "MAC", in.MacAlgorithm, err)
	}
	s.used(c, k, "VerifyMac")
	return &VerifyMacOutput{KeyId: keyARN(k.Ref), MacValid: true, MacAlgorithm: in.MacAlgorithm}, nil
}

// DeriveSharedSecret computes the ECDH shared secret of a KEY_AGREEMENT key
// and a peer's DER public key.
func (s *Service) DeriveSharedSecret(ctx context.Context, c Caller, in *DeriveSharedSecretInput) (*DeriveSharedSecretOutput, error) {
	var v validation
	v.keyID("keyId", in.KeyId)
	v.required("keyAgreementAlgorithm", in.KeyAgreementAlgorithm != "")
	v.enum("keyAgreementAlgorithm", in.KeyAgreementAlgorithm, allAgreementAlgs...)
	v.blobLen("publicKey", in.PublicKey, in.PublicKey != nil, 1, 8192)
	v.grantTokens(in.GrantTokens)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := rejectRecipient(in.Recipient); err != nil {
		return nil, err
	}
	k, err := s.keyForCrypto(ctx, c, in.KeyId, "kms:DeriveSharedSecret", UsageKeyAgreement, in.GrantTokens,
		map[string][]string{"kms:KeyAgreementAlgorithm": {in.KeyAgreementAlgorithm}})
	if err != nil {
		return nil, err
	}
	if _, err := keyring.ParsePeerPublicKey(k.KeySpec, in.PublicKey); err != nil {
		return nil, mapKeyringErr(k, "key agreement", in.KeyAgreementAlgorithm, err)
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	m, err := s.loadMaterial(ctx, k, k.CurrentVersion)
	if err != nil {
		return nil, errInternal(err)
	}
	secret, err := m.asym.DeriveSharedSecret(in.PublicKey)
	if err != nil {
		return nil, mapKeyringErr(k, "key agreement", in.KeyAgreementAlgorithm, err)
	}
	s.used(c, k, "DeriveSharedSecret")
	return &DeriveSharedSecretOutput{KeyId: keyARN(k.Ref), SharedSecret: secret, KeyAgreementAlgorithm: in.KeyAgreementAlgorithm, KeyOrigin: k.Origin}, nil
}

// generateDataKeyPair is GenerateDataKeyPair with or without the plaintext
// private key.
func (s *Service) generateDataKeyPair(ctx context.Context, c Caller, in *GenerateDataKeyPairInput, action string, withPlaintext bool) (*GenerateDataKeyPairOutput, error) {
	var v validation
	v.keyID("keyId", in.KeyId)
	v.required("keyPairSpec", in.KeyPairSpec != "")
	v.enum("keyPairSpec", in.KeyPairSpec, allKeyPairSpecs...)
	v.grantTokens(in.GrantTokens)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := rejectRecipient(in.Recipient); err != nil {
		return nil, err
	}
	k, cond, err := s.resolveKeyForUse(ctx, c, in.KeyId)
	if err != nil {
		return nil, err
	}
	cond["kms:DataKeyPairSpec"] = []string{in.KeyPairSpec}
	if err := s.authorizeWith(ctx, c, action, &k, in.EncryptionContext, in.GrantTokens, cond); err != nil {
		return nil, err
	}
	if err := requireUsable(k, action[len("kms:"):]); err != nil {
		return nil, err
	}
	if in.KeyPairSpec == keyring.SpecSM2 {
		return nil, kmsErr("UnsupportedOperationException", "KeyPairSpec SM2 is not supported by this server: SM2 keys exist only in the AWS China Regions, and Coffer has no vetted SM2 implementation.")
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	pair, err := keyring.GenerateKeyPair(s.rand, in.KeyPairSpec)
	if err != nil {
		return nil, errInternal(err)
	}
	defer pair.Zero()
	der, err := pair.MarshalPKCS8()
	if err != nil {
		return nil, errInternal(err)
	}
	blob, matID, err := s.seal(ctx, k, in.EncryptionContext, der)
	if err != nil {
		clear(der)
		return nil, err
	}
	s.used(c, k, action[len("kms:"):])
	out := &GenerateDataKeyPairOutput{PrivateKeyCiphertextBlob: blob, PublicKey: pair.PublicKey(), KeyId: keyARN(k.Ref),
		KeyPairSpec: in.KeyPairSpec, KeyMaterialId: matID}
	if withPlaintext {
		out.PrivateKeyPlaintext = der
	} else {
		clear(der)
	}
	return out, nil
}

// GenerateDataKeyPair returns a new asymmetric data key pair: the public
// key, the PKCS#8 private key, and the private key encrypted under a
// symmetric KMS key.
func (s *Service) GenerateDataKeyPair(ctx context.Context, c Caller, in *GenerateDataKeyPairInput) (*GenerateDataKeyPairOutput, error) {
	return s.generateDataKeyPair(ctx, c, in, "kms:GenerateDataKeyPair", true)
}

// GenerateDataKeyPairWithoutPlaintext is GenerateDataKeyPair without the
// plaintext private key.
func (s *Service) GenerateDataKeyPairWithoutPlaintext(ctx context.Context, c Caller, in *GenerateDataKeyPairInput) (*GenerateDataKeyPairOutput, error) {
	return s.generateDataKeyPair(ctx, c, in, "kms:GenerateDataKeyPairWithoutPlaintext", false)
}
