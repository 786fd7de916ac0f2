// Package keyring owns Coffer's key hierarchy below the KMS API: the root of
// trust that wraps all stored key material, the binary ciphertext blob that
// symmetric Encrypt and data keys return, and the primitives that use a KMS
// key's material: AES-256-GCM blobs, asymmetric keys (RSA, NIST ECC,
// secp256k1, Ed25519, ML-DSA; PrivateKey) and HMAC keys (MACKey), see
// docs/key-specs.md.
//
// Invariants: key material exists in the clear only in memory; every
// stored secret is wrapped by a RootOfTrust with its identity bound as
// associated data; every binary format starts with magic and a version, and
// its header is authenticated. All decryption failures collapse into
// ErrDecrypt.
package keyring

import (
	"context"
	"errors"
)

// ErrDecrypt is the one opaque error for every failure to authenticate or
// decrypt: wrong key, wrong associated data, truncated or tampered input.
var ErrDecrypt = errors.New("keyring: message authentication failed")

// ErrMalformed means a blob could not be parsed at all (bad magic, unknown
// version, wrong length). Callers map it like ErrDecrypt.
var ErrMalformed = errors.New("keyring: malformed blob")

// RootOfTrust wraps and unwraps secrets under the deployment's root key.
// Implementations: the dev file provider, the sealed file provider, and later
// a PKCS#11 HSM. aad binds the wrapped secret to its identity (for key
// material: the key ARN and version); Unwrap with different aad fails with
// ErrDecrypt.
type RootOfTrust interface {
	Wrap(ctx context.Context, plaintext, aad []byte) ([]byte, error)
	Unwrap(ctx context.Context, wrapped, aad []byte) ([]byte, error)
}
