package keyring

import (
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"

	kwp "github.com/tink-crypto/tink-go/v2/kwp/subtle"
)

// Wrapping algorithms of GetParametersForImport (AlgorithmSpec in the AWS
// KMS API model) that Coffer implements. RSAES_PKCS1_V1_5 (no longer
// accepted by AWS KMS since 2023-10-10) and SM2PKE are not implemented.
const (
	WrapOAEPSHA1       = "RSAES_OAEP_SHA_1"
	WrapOAEPSHA256     = "RSAES_OAEP_SHA_256"
	WrapRSAAESKWSHA1   = "RSA_AES_KEY_WRAP_SHA_1"
	WrapRSAAESKWSHA256 = "RSA_AES_KEY_WRAP_SHA_256"
)

// IsWrappingAlgorithm reports whether alg is a wrapping algorithm that
// UnwrapImported implements.
func IsWrappingAlgorithm(alg string) bool {
	switch alg {
	case WrapOAEPSHA1, WrapOAEPSHA256, WrapRSAAESKWSHA1, WrapRSAAESKWSHA256:
		return true
	}
	return false
}

// IsWrappingKeySpec reports whether spec is an RSA wrapping key spec
// (RSA_2048, RSA_3072 or RSA_4096; SM2 is not implemented).
func IsWrappingKeySpec(spec string) bool {
	return spec == SpecRSA2048 || spec == SpecRSA3072 || spec == SpecRSA4096
}

// UnwrapImported decrypts key material that a user encrypted for
// ImportKeyMaterial under the public half of wrappingKey, an RSA key, with
// alg:
//
//   - RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256: encrypted is the RSAES-OAEP
//     ciphertext of the material (MGF1 with the same hash, no label).
//   - RSA_AES_KEY_WRAP_SHA_1, RSA_AES_KEY_WRAP_SHA_256: encrypted is the
//     RSAES-OAEP ciphertext (wrapping key size) of an ephemeral 256-bit AES
//     key, followed by the key material wrapped under that AES key with AES
//     Key Wrap with Padding (RFC 5649), as openssl's id-aes256-wrap-pad
//     makes it. The RFC 5649 code is Tink's (github.com/tink-crypto/tink-go
//     kwp/subtle), which requires at least 16 bytes of material.
//
// Every failure to decrypt is ErrDecrypt; an algorithm it does not know or
// a key that is not RSA is ErrAlgorithm. The caller owns the result and
// should zero it.
func UnwrapImported(wrappingKey *PrivateKey, alg string, encrypted []byte) ([]byte, error) {
	if wrappingKey == nil || wrappingKey.rsa == nil {
		return nil, fmt.Errorf("%w: the wrapping key is not an RSA key", ErrAlgorithm)
	}
	switch alg {
	case WrapOAEPSHA1, WrapOAEPSHA256:
		oaep := AlgOAEPSHA1
		if alg == WrapOAEPSHA256 {
			oaep = AlgOAEPSHA256
		}
		return wrappingKey.Decrypt(oaep, encrypted)
	case WrapRSAAESKWSHA1, WrapRSAAESKWSHA256:
		oaep := AlgOAEPSHA1
		if alg == WrapRSAAESKWSHA256 {
			oaep = AlgOAEPSHA256
		}
		n := wrappingKey.rsa.Size()
		if len(encrypted) <= n {
			return nil, ErrDecrypt
		}
		aesKey, err := wrappingKey.Decrypt(oaep, encrypted[:n])
		if err != nil {
			return nil, ErrDecrypt
		}
		defer clear(aesKey)
		if len(aesKey) != 32 {
			return nil, ErrDecrypt
		}
		w, err := kwp.NewKWP(aesKey)
		if err != nil {
			return nil, ErrDecrypt
		}
		unwrapped, err := w.Unwrap(encrypted[n:])
		if err != nil {
			return nil, ErrDecrypt
		}
		out := append([]byte(nil), unwrapped...)
		clear(unwrapped[:cap(unwrapped)])
		return out, nil
	}
	return nil, fmt.Errorf("%w: wrapping algorithm %q", ErrAlgorithm, alg)
}

// WrapForImport is the inverse of UnwrapImported, for tests and tools: it
// encrypts material for ImportKeyMaterial under an RSA public key with alg
// (a fresh AES-256 key for the RSA_AES_KEY_WRAP algorithms), reading
// randomness from rand.
func WrapForImport(rand io.Reader, pub *rsa.PublicKey, alg string, material []byte) ([]byte, error) {
	var oaep string
	switch alg {
	case WrapOAEPSHA1, WrapRSAAESKWSHA1:
		oaep = AlgOAEPSHA1
	case WrapOAEPSHA256, WrapRSAAESKWSHA256:
		oaep = AlgOAEPSHA256
	default:
		return nil, fmt.Errorf("%w: wrapping algorithm %q", ErrAlgorithm, alg)
	}
	h := oaepHash(oaep)
	if alg == WrapOAEPSHA1 || alg == WrapOAEPSHA256 {
		return rsa.EncryptOAEP(h.New(), rand, pub, material, nil)
	}
	aesKey := make([]byte, 32)
	defer clear(aesKey)
	if _, err := io.ReadFull(rand, aesKey); err != nil {
		return nil, fmt.Errorf("keyring: AES key: %w", err)
	}
	head, err := rsa.EncryptOAEP(h.New(), rand, pub, aesKey, nil)
	if err != nil {
		return nil, fmt.Errorf("keyring: RSA OAEP: %w", err)
	}
	w, err := kwp.NewKWP(aesKey)
	if err != nil {
		return nil, err
	}
	tail, err := w.Wrap(material)
	if err != nil {
		return nil, fmt.Errorf("keyring: AES key wrap: %w", err)
	}
	return append(head, tail...), nil
}

// Import token format, version 1 (docs/imported-and-multi-region-keys.md):
//
//	magic   4 bytes  "CFIT"
//	version 1 byte   0x01
//	id      32 bytes random
//
// The token carries nothing secret and no key material: it names one set
// of import parameters, whose wrapping private key the kms package stores
// wrapped by the root of trust with the key. A token is valid only while
// its id is the one stored with the key.
const (
	importTokenVersion = 0x01
	// ImportTokenIDSize is the size of an import token's random id.
	ImportTokenIDSize = 32
	importTokenLen    = 4 + 1 + ImportTokenIDSize
)

var importTokenMagic = [4]byte{'C', 'F', 'I', 'T'}

// ErrImportToken means an import token is not in Coffer's format.
var ErrImportToken = errors.New("keyring: malformed import token")

// MarshalImportToken returns the import token of id.
func MarshalImportToken(id [ImportTokenIDSize]byte) []byte {
	out := make([]byte, 0, importTokenLen)
	out = append(out, importTokenMagic[:]...)
	out = append(out, importTokenVersion)
	return append(out, id[:]...)
}

// ParseImportToken returns the id of an import token; anything that is not
// a version 1 token, byte for byte, is ErrImportToken. It never panics.
func ParseImportToken(tok []byte) ([ImportTokenIDSize]byte, error) {
	var id [ImportTokenIDSize]byte
	if len(tok) != importTokenLen || [4]byte(tok[:4]) != importTokenMagic || tok[4] != importTokenVersion {
		return id, ErrImportToken
	}
	copy(id[:], tok[5:])
	return id, nil
}

// EqualTokenIDs compares two import token ids in constant time.
func EqualTokenIDs(a, b [ImportTokenIDSize]byte) bool {
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}
