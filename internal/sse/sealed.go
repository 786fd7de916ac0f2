package sse

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Domain names the SSE mode whose key-encryption key sealed an object key.
// It is bound into the seal, so a key sealed for one mode never unseals in
// another.
type Domain string

// The three SSE domains, spelled as in MinIO's key hierarchy.
const (
	// DomainS3 is SSE-S3: the key-encryption key is Coffer's S3 service key.
	DomainS3 Domain = "SSE-S3"
	// DomainKMS is SSE-KMS: the key-encryption key is the plaintext of a KMS
	// data key generated for the object; its CiphertextBlob is stored.
	DomainKMS Domain = "SSE-KMS"
	// DomainC is SSE-C: the key-encryption key is derived from the customer's
	// key (CustomerKey.KEK).
	DomainC Domain = "SSE-C"
)

func (d Domain) valid() bool { return d == DomainS3 || d == DomainKMS || d == DomainC }

// Binding is what a sealed object key belongs to. Every field is part of the
// AEAD's associated data: a sealed key unseals only with the same Domain,
// Bucket and Object. A rename or copy therefore reseals (Unseal, then Seal
// with the new Binding); it never rewrites object data.
type Binding struct {
	Domain Domain
	// Bucket is the bucket name.
	Bucket string
	// Object is the object key name, byte for byte as S3 received it.
	Object string
}

// Sealed-key format constants.
const (
	sealedMagic0, sealedMagic1 = 0xC0, 0x5E
	sealedVersion              = 0x01
	sealedAlgHKDFAESGCM        = 0x01
	sealedHeaderSize           = 4
	sealedSaltSize             = 32
	// SealedKeySize is the size of a sealed object key: a 4-byte header, a
	// 32-byte salt and the 32-byte key encrypted with a 16-byte tag.
	SealedKeySize = sealedHeaderSize + sealedSaltSize + KeySize + 16
	sealInfo      = "coffer/sse sealed object key v1"
)

var (
	// ErrUnseal is the one error of Unseal and ParseSealedKey: a wrong
	// key-encryption key, another binding, or bytes that are not a sealed key.
	ErrUnseal = errors.New("sse: sealed object key does not unseal")
	// ErrBinding is returned by Seal for a Binding with an unknown Domain.
	ErrBinding = errors.New("sse: invalid binding")
)

// SealedKey is the parsed form of a sealed object key:
//
//	0xC0 0x5E | version 0x01 | algorithm 0x01 | salt[32] | AES-256-GCM(objectKey)[48]
//
// It has exactly one encoding: Marshal(ParseSealedKey(b)) == b.
type SealedKey struct {
	// Salt is random per seal; it selects the one-time sealing key
	// HKDF-SHA256(kek, Salt, "coffer/sse sealed object key v1").
	Salt [sealedSaltSize]byte
	// Ciphertext is the encrypted object key followed by the GCM tag.
	Ciphertext [KeySize + 16]byte
}

// ParseSealedKey parses b. It returns ErrUnseal if b is not a version-1
// sealed key.
func ParseSealedKey(b []byte) (SealedKey, error) {
	var s SealedKey
	if len(b) != SealedKeySize || b[0] != sealedMagic0 || b[1] != sealedMagic1 ||
		b[2] != sealedVersion || b[3] != sealedAlgHKDFAESGCM {
		return s, ErrUnseal
	}
	copy(s.Salt[:], b[sealedHeaderSize:])
	copy(s.Ciphertext[:], b[sealedHeaderSize+sealedSaltSize:])
	return s, nil
}

// Marshal returns the SealedKeySize-byte encoding of s.
func (s SealedKey) Marshal() []byte {
	b := make([]byte, 0, SealedKeySize)
	b = append(b, sealedMagic0, sealedMagic1, sealedVersion, sealedAlgHKDFAESGCM)
	b = append(b, s.Salt[:]...)
	return append(b, s.Ciphertext[:]...)
}

// Seal encrypts objectKey under kek (both KeySize bytes) for binding b and
// returns the SealedKeySize-byte sealed key:
//
//	salt = random 32 bytes
//	k    = HKDF-SHA256(secret=kek, salt=salt, info="coffer/sse sealed object key v1")
//	ct   = AES-256-GCM(k, nonce=0^12, objectKey, aad = header || binding(b))
//
// where binding(b) is each of Domain, Bucket, Object as uint32be(len) ||
// bytes. As k is fresh for every seal, the fixed nonce is never reused and
// one kek can seal any number of keys (no 2^32 random-nonce limit). The salt
// is read from crypto/rand. Seal returns ErrKeySize or ErrBinding.
func Seal(kek, objectKey []byte, b Binding) ([]byte, error) {
	return seal(rand.Reader, kek, objectKey, b)
}

func seal(rnd io.Reader, kek, objectKey []byte, b Binding) ([]byte, error) {
	if len(kek) != KeySize || len(objectKey) != KeySize {
		return nil, ErrKeySize
	}
	if !b.Domain.valid() {
		return nil, ErrBinding
	}
	var s SealedKey
	if _, err := io.ReadFull(rnd, s.Salt[:]); err != nil {
		return nil, fmt.Errorf("sse: generating seal salt: %w", err)
	}
	aead, err := sealAEAD(kek, s.Salt[:])
	if err != nil {
		return nil, err
	}
	hdr := s.Marshal()[:sealedHeaderSize]
	var nonce [12]byte
	aead.Seal(s.Ciphertext[:0], nonce[:], objectKey, sealAAD(hdr, b))
	return s.Marshal(), nil
}

// Unseal returns the object key sealed in sealed, if kek and b are the ones
// it was sealed with. Every failure is ErrUnseal.
func Unseal(kek, sealed []byte, b Binding) ([]byte, error) {
	if len(kek) != KeySize || !b.Domain.valid() {
		return nil, ErrUnseal
	}
	s, err := ParseSealedKey(sealed)
	if err != nil {
		return nil, ErrUnseal
	}
	aead, err := sealAEAD(kek, s.Salt[:])
	if err != nil {
		return nil, ErrUnseal
	}
	var nonce [12]byte
	key, err := aead.Open(nil, nonce[:], s.Ciphertext[:], sealAAD(sealed[:sealedHeaderSize], b))
	if err != nil {
		return nil, ErrUnseal
	}
	return key, nil
}

func sealAEAD(kek, salt []byte) (cipher.AEAD, error) {
	k, err := hkdf.Key(sha256.New, kek, salt, sealInfo, KeySize)
	if err != nil {
		return nil, fmt.Errorf("sse: %w", err)
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("sse: %w", err)
	}
	return cipher.NewGCM(block)
}

// sealAAD is header || the length-prefixed binding fields: no two bindings
// share an encoding ("a"/"bc" and "ab"/"c" differ).
func sealAAD(hdr []byte, b Binding) []byte {
	aad := append([]byte(nil), hdr...)
	for _, f := range []string{string(b.Domain), b.Bucket, b.Object} {
		aad = binary.BigEndian.AppendUint32(aad, uint32(len(f)))
		aad = append(aad, f...)
	}
	return aad
}
