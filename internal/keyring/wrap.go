package keyring

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Wrapped-secret format, version 1 (see docs/root-of-trust.md):
//
//	magic   4 bytes  "CFRW"
//	version 1 byte   0x01
//	nonce   12 bytes random
//	sealed  AES-256-GCM(rootKey, nonce, secret, ad = magic||version||aad)
//
// It is used by the providers that hold the 256-bit root key in memory (the
// dev and the sealed file providers). A PKCS#11 provider wraps inside the HSM
// and defines its own format behind the same RootOfTrust interface.
const (
	wrapVersion   = 0x01
	wrapHeaderLen = 4 + 1
	wrapNonceLen  = 12
	wrapTagLen    = 16

	// WrapOverhead is how many bytes the in-memory root providers (DevRoot,
	// SealedRoot) add to a secret when they wrap it.
	WrapOverhead = wrapHeaderLen + wrapNonceLen + wrapTagLen
)

var wrapMagic = [4]byte{'C', 'F', 'R', 'W'}

// RootKeySize is the size in bytes of the deployment's root key.
const RootKeySize = 32

// ErrClosed is returned by Wrap and Unwrap after the root of trust was
// closed and its key zeroed.
var ErrClosed = errors.New("keyring: root of trust is closed")

// rootKey is a 256-bit root key held in memory, shared by the dev and sealed
// file providers. It is safe for concurrent use; close zeroes the key bytes it
// owns. (The AES key schedule inside crypto/aes cannot be zeroed from here; it
// becomes unreachable after close.)
type rootKey struct {
	mu   sync.RWMutex
	key  []byte // owned; zeroed by close
	aead cipher.AEAD
	rand io.Reader
}

// newRootKey takes ownership of key, which must be RootKeySize bytes.
func newRootKey(key []byte, rand io.Reader) (*rootKey, error) {
	if len(key) != RootKeySize {
		return nil, fmt.Errorf("keyring: root key must be %d bytes, got %d", RootKeySize, len(key))
	}
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	return &rootKey{key: key, aead: aead, rand: rand}, nil
}

func (r *rootKey) wrap(ctx context.Context, plaintext, aad []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.aead == nil {
		return nil, ErrClosed
	}
	return wrapWith(r.aead, r.rand, plaintext, aad)
}

func (r *rootKey) unwrap(ctx context.Context, wrapped, aad []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.aead == nil {
		return nil, ErrClosed
	}
	return unwrapWith(r.aead, wrapped, aad)
}

func (r *rootKey) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.key)
	r.key = nil
	r.aead = nil
}

// wrapWith seals plaintext in the wrapped-secret format. The output is
// allocated once, at its exact size.
func wrapWith(aead cipher.AEAD, rnd io.Reader, plaintext, aad []byte) ([]byte, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	out := make([]byte, wrapHeaderLen+wrapNonceLen, WrapOverhead+len(plaintext))
	copy(out, wrapMagic[:])
	out[4] = wrapVersion
	nonce := out[wrapHeaderLen : wrapHeaderLen+wrapNonceLen]
	if _, err := io.ReadFull(rnd, nonce); err != nil {
		return nil, fmt.Errorf("keyring: reading nonce: %w", err)
	}
	ad := make([]byte, 0, wrapHeaderLen+len(aad))
	ad = append(append(ad, out[:wrapHeaderLen]...), aad...)
	return aead.Seal(out, nonce, plaintext, ad), nil
}

// unwrapWith opens a wrapped secret. Bad magic, version or length give
// ErrMalformed; every authentication failure gives ErrDecrypt.
func unwrapWith(aead cipher.AEAD, wrapped, aad []byte) ([]byte, error) {
	if len(wrapped) < WrapOverhead {
		return nil, ErrMalformed
	}
	if [4]byte(wrapped[:4]) != wrapMagic || wrapped[4] != wrapVersion {
		return nil, ErrMalformed
	}
	nonce := wrapped[wrapHeaderLen : wrapHeaderLen+wrapNonceLen]
	ct := wrapped[wrapHeaderLen+wrapNonceLen:]
	ad := make([]byte, 0, wrapHeaderLen+len(aad))
	ad = append(append(ad, wrapped[:wrapHeaderLen]...), aad...)
	out, err := aead.Open(make([]byte, 0, len(ct)-wrapTagLen), nonce, ct, ad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return out, nil
}
