package keyring

import (
	"crypto"
	"errors"
)

// Key specs (KeySpec and DataKeyPairSpec in the AWS KMS API model) that the
// asymmetric and HMAC primitives of this package implement.
const (
	SpecRSA2048    = "RSA_2048"
	SpecRSA3072    = "RSA_3072"
	SpecRSA4096    = "RSA_4096"
	SpecP256       = "ECC_NIST_P256"
	SpecP384       = "ECC_NIST_P384"
	SpecP521       = "ECC_NIST_P521"
	SpecSECP256K1  = "ECC_SECG_P256K1"
	SpecEd25519    = "ECC_NIST_EDWARDS25519"
	SpecMLDSA44    = "ML_DSA_44"
	SpecMLDSA65    = "ML_DSA_65"
	SpecMLDSA87    = "ML_DSA_87"
	SpecHMAC224    = "HMAC_224"
	SpecHMAC256    = "HMAC_256"
	SpecHMAC384    = "HMAC_384"
	SpecHMAC512    = "HMAC_512"
	SpecSymmetric  = "SYMMETRIC_DEFAULT"
	SpecSM2        = "SM2"
	MessageRaw     = "RAW"
	MessageDigest  = "DIGEST"
	MessageMu      = "EXTERNAL_MU"
	AlgorithmECDH  = "ECDH"
	AlgOAEPSHA1    = "RSAES_OAEP_SHA_1"
	AlgOAEPSHA256  = "RSAES_OAEP_SHA_256"
	AlgMLDSA       = "ML_DSA_SHAKE_256"
	AlgEd25519     = "ED25519_SHA_512"
	AlgEd25519ph   = "ED25519_PH_SHA_512"
	AlgPSSSHA256   = "RSASSA_PSS_SHA_256"
	AlgPSSSHA384   = "RSASSA_PSS_SHA_384"
	AlgPSSSHA512   = "RSASSA_PSS_SHA_512"
	AlgPKCS1SHA256 = "RSASSA_PKCS1_V1_5_SHA_256"
	AlgPKCS1SHA384 = "RSASSA_PKCS1_V1_5_SHA_384"
	AlgPKCS1SHA512 = "RSASSA_PKCS1_V1_5_SHA_512"
	AlgECDSASHA256 = "ECDSA_SHA_256"
	AlgECDSASHA384 = "ECDSA_SHA_384"
	AlgECDSASHA512 = "ECDSA_SHA_512"
)

// Errors of the asymmetric and HMAC primitives. Callers map them to AWS
// exceptions; none of them carries key material.
var (
	// ErrUnsupportedSpec: the key spec is not implemented (SM2).
	ErrUnsupportedSpec = errors.New("keyring: key spec not supported")
	// ErrAlgorithm: the algorithm is not one the key supports.
	ErrAlgorithm = errors.New("keyring: algorithm not valid for this key")
	// ErrMessageType: the message type is not valid with the algorithm.
	ErrMessageType = errors.New("keyring: message type not valid for this algorithm")
	// ErrDigestLength: a DIGEST (or EXTERNAL_MU) message has the wrong length.
	ErrDigestLength = errors.New("keyring: digest length does not match the algorithm")
	// ErrInvalidSignature: a signature or MAC does not verify.
	ErrInvalidSignature = errors.New("keyring: signature verification failed")
	// ErrPlaintextTooLong: the plaintext exceeds the RSA OAEP limit.
	ErrPlaintextTooLong = errors.New("keyring: plaintext too long for this key and algorithm")
	// ErrPeerKey: a peer public key is not a DER SubjectPublicKeyInfo of a
	// point on the key's curve.
	ErrPeerKey = errors.New("keyring: peer public key is not valid for this key")
)

// specInfo is what a key spec supports, as AWS KMS lists it in DescribeKey
// and GetPublicKey.
type specInfo struct {
	signing    []string
	encryption []string
	agreement  []string
	mac        []string
	usages     []string // valid KeyUsage values
}

var rsaSigning = []string{AlgPKCS1SHA256, AlgPKCS1SHA384, AlgPKCS1SHA512, AlgPSSSHA256, AlgPSSSHA384, AlgPSSSHA512}

func specTable(spec string) (specInfo, bool) {
	switch spec {
	case SpecRSA2048, SpecRSA3072, SpecRSA4096:
		return specInfo{signing: rsaSigning, encryption: []string{AlgOAEPSHA1, AlgOAEPSHA256}, usages: []string{"ENCRYPT_DECRYPT", "SIGN_VERIFY"}}, true
	case SpecP256:
		return specInfo{signing: []string{AlgECDSASHA256}, agreement: []string{AlgorithmECDH}, usages: []string{"SIGN_VERIFY", "KEY_AGREEMENT"}}, true
	case SpecP384:
		return specInfo{signing: []string{AlgECDSASHA384}, agreement: []string{AlgorithmECDH}, usages: []string{"SIGN_VERIFY", "KEY_AGREEMENT"}}, true
	case SpecP521:
		return specInfo{signing: []string{AlgECDSASHA512}, agreement: []string{AlgorithmECDH}, usages: []string{"SIGN_VERIFY", "KEY_AGREEMENT"}}, true
	case SpecSECP256K1:
		return specInfo{signing: []string{AlgECDSASHA256}, usages: []string{"SIGN_VERIFY"}}, true
	case SpecEd25519:
		return specInfo{signing: []string{AlgEd25519, AlgEd25519ph}, usages: []string{"SIGN_VERIFY"}}, true
	case SpecMLDSA44, SpecMLDSA65, SpecMLDSA87:
		return specInfo{signing: []string{AlgMLDSA}, usages: []string{"SIGN_VERIFY"}}, true
	case SpecHMAC224:
		return specInfo{mac: []string{"HMAC_SHA_224"}, usages: []string{"GENERATE_VERIFY_MAC"}}, true
	case SpecHMAC256:
		return specInfo{mac: []string{"HMAC_SHA_256"}, usages: []string{"GENERATE_VERIFY_MAC"}}, true
	case SpecHMAC384:
		return specInfo{mac: []string{"HMAC_SHA_384"}, usages: []string{"GENERATE_VERIFY_MAC"}}, true
	case SpecHMAC512:
		return specInfo{mac: []string{"HMAC_SHA_512"}, usages: []string{"GENERATE_VERIFY_MAC"}}, true
	case SpecSymmetric:
		return specInfo{encryption: []string{"SYMMETRIC_DEFAULT"}, usages: []string{"ENCRYPT_DECRYPT"}}, true
	}
	return specInfo{}, false
}

// Algorithms lists the algorithms a key of spec and usage supports, by
// kind, exactly as AWS KMS reports them in DescribeKey and GetPublicKey.
// Lists that do not apply to the usage are nil.
type Algorithms struct {
	Encryption   []string
	Signing      []string
	KeyAgreement []string
	MAC          []string
}

// AlgorithmsFor returns the algorithms of a key of spec with usage.
func AlgorithmsFor(spec, usage string) Algorithms {
	info, ok := specTable(spec)
	if !ok {
		return Algorithms{}
	}
	switch usage {
	case "ENCRYPT_DECRYPT":
		return Algorithms{Encryption: info.encryption}
	case "SIGN_VERIFY":
		return Algorithms{Signing: info.signing}
	case "KEY_AGREEMENT":
		return Algorithms{KeyAgreement: info.agreement}
	case "GENERATE_VERIFY_MAC":
		return Algorithms{MAC: info.mac}
	}
	return Algorithms{}
}

// ValidUsage reports whether usage is valid for a key of spec (as AWS KMS
// allows; SM2 is not implemented and reports false).
func ValidUsage(spec, usage string) bool {
	info, ok := specTable(spec)
	if !ok {
		return false
	}
	for _, u := range info.usages {
		if u == usage {
			return true
		}
	}
	return false
}

// IsHMACSpec reports whether spec is an HMAC key spec.
func IsHMACSpec(spec string) bool {
	switch spec {
	case SpecHMAC224, SpecHMAC256, SpecHMAC384, SpecHMAC512:
		return true
	}
	return false
}

// signingHash returns the hash an algorithm applies to a RAW message (0
// for ML-DSA and pure Ed25519, which take the message itself).
func signingHash(alg string) crypto.Hash {
	switch alg {
	case AlgPSSSHA256, AlgPKCS1SHA256, AlgECDSASHA256:
		return crypto.SHA256
	case AlgPSSSHA384, AlgPKCS1SHA384, AlgECDSASHA384:
		return crypto.SHA384
	case AlgPSSSHA512, AlgPKCS1SHA512, AlgECDSASHA512, AlgEd25519ph:
		return crypto.SHA512
	}
	return 0
}

// IsMLDSA reports whether spec is an ML-DSA key spec.
func IsMLDSA(spec string) bool {
	return spec == SpecMLDSA44 || spec == SpecMLDSA65 || spec == SpecMLDSA87
}
