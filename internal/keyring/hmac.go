package keyring

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
	"io"
)

// MACKey is the material of an HMAC KMS key (HMAC_224, _256, _384 or
// _512): a key as long as the hash output, used with exactly one MAC
// algorithm (HMAC_SHA_224 ... HMAC_SHA_512, RFC 2104). It is safe for
// concurrent use.
type MACKey struct {
	alg  string
	h    func() hash.Hash
	key  []byte
	spec string
}

func macParams(spec string) (alg string, h func() hash.Hash, size int) {
	switch spec {
	case SpecHMAC224:
		return "HMAC_SHA_224", sha256.New224, 28
	case SpecHMAC256:
		return "HMAC_SHA_256", sha256.New, 32
	case SpecHMAC384:
		return "HMAC_SHA_384", sha512.New384, 48
	case SpecHMAC512:
		return "HMAC_SHA_512", sha512.New, 64
	}
	return "", nil, 0
}

// GenerateMACMaterial reads new material for an HMAC key of spec from rand.
func GenerateMACMaterial(rand io.Reader, spec string) ([]byte, error) {
	_, _, n := macParams(spec)
	if n == 0 {
		return nil, fmt.Errorf("%w: %s", ErrUnsupportedSpec, spec)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(rand, b); err != nil {
		return nil, fmt.Errorf("keyring: generate %s material: %w", spec, err)
	}
	return b, nil
}

// NewMACKey makes a MACKey of spec from its material (copied; the caller
// may zero material afterwards).
func NewMACKey(spec string, material []byte) (*MACKey, error) {
	alg, h, n := macParams(spec)
	if n == 0 {
		return nil, fmt.Errorf("%w: %s", ErrUnsupportedSpec, spec)
	}
	if len(material) != n {
		return nil, fmt.Errorf("keyring: %s material must be %d bytes, got %d", spec, n, len(material))
	}
	return &MACKey{alg: alg, h: h, key: append([]byte(nil), material...), spec: spec}, nil
}

// Sum returns the HMAC of msg with alg, which must be the key's algorithm
// (else ErrAlgorithm).
func (k *MACKey) Sum(alg string, msg []byte) ([]byte, error) {
	if alg != k.alg {
		return nil, fmt.Errorf("%w: %s with a %s key", ErrAlgorithm, alg, k.spec)
	}
	m := hmac.New(k.h, k.key)
	m.Write(msg)
	return m.Sum(nil), nil
}

// Verify checks mac over msg in constant time; a mismatch is
// ErrInvalidSignature.
func (k *MACKey) Verify(alg string, msg, mac []byte) error {
	want, err := k.Sum(alg, msg)
	if err != nil {
		return err
	}
	if !hmac.Equal(want, mac) {
		return ErrInvalidSignature
	}
	return nil
}

// Zero zeroes the key bytes; the MACKey must not be used afterwards.
func (k *MACKey) Zero() { clear(k.key) }
