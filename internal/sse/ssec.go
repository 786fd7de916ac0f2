package sse

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
)

// CustomerAlgorithm is the only SSE-C algorithm S3 accepts.
const CustomerAlgorithm = "AES256"

// SSE-C request errors. The messages are S3's; the S3 error table maps each
// to its code and status (noted on each). None contains key material.
var (
	// ErrNoCustomerKey: the request carried none of the three SSE-C headers.
	// Not an S3 error by itself: the object is simply not SSE-C.
	ErrNoCustomerKey = errors.New("sse: no SSE-C headers")
	// ErrCustomerAlgorithmMissing: key or MD5 sent without the algorithm.
	// 400 InvalidArgument.
	ErrCustomerAlgorithmMissing = errors.New("Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.")
	// ErrCustomerAlgorithm: the algorithm is not AES256.
	// 400 InvalidEncryptionAlgorithmError.
	ErrCustomerAlgorithm = errors.New("The Encryption request you specified is not valid. Supported value: AES256.")
	// ErrCustomerKeyMissing: the algorithm sent without the key.
	// 400 InvalidArgument.
	ErrCustomerKeyMissing = errors.New("Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.")
	// ErrCustomerKeyInvalid: the key is not base64 of exactly 256 bits.
	// 400 InvalidArgument.
	ErrCustomerKeyInvalid = errors.New("The secret key was invalid for the specified algorithm.")
	// ErrCustomerKeyMD5Missing: the key sent without its MD5.
	// 400 InvalidArgument.
	ErrCustomerKeyMD5Missing = errors.New("Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.")
	// ErrCustomerKeyMD5Mismatch: the MD5 header is not base64 of the key's MD5.
	// 400 InvalidArgument.
	ErrCustomerKeyMD5Mismatch = errors.New("The calculated MD5 hash of the key did not match the hash that was provided.")
	// ErrCustomerKeyMismatch: a well-formed key that is not the object's
	// (KeyCheck.Verify). 403 AccessDenied.
	ErrCustomerKeyMismatch = errors.New("Requests specifying Server Side Encryption with Customer provided keys must provide the correct secret key.")
	// ErrKeyCheck: stored key-check bytes that do not parse.
	ErrKeyCheck = errors.New("sse: invalid SSE-C key check")
)

// CustomerKey is a validated SSE-C key. It never prints, formats or logs its
// bytes: String, Format and LogValue all give a redacted placeholder.
// Keep it only for the request that carried it.
type CustomerKey struct {
	key    [KeySize]byte
	keyMD5 string
}

// ParseCustomerKey validates the three SSE-C headers
// (x-amz-server-side-encryption-customer-algorithm, -customer-key,
// -customer-key-MD5, or their copy-source forms), in S3's order: algorithm
// present, algorithm AES256, key present, key 256 bits, MD5 present, MD5
// matching. It returns ErrNoCustomerKey when all three are empty, and
// otherwise one of the ErrCustomer* errors above.
func ParseCustomerKey(algorithm, key, keyMD5 string) (*CustomerKey, error) {
	switch {
	case algorithm == "" && key == "" && keyMD5 == "":
		return nil, ErrNoCustomerKey
	case algorithm == "":
		return nil, ErrCustomerAlgorithmMissing
	case algorithm != CustomerAlgorithm:
		return nil, ErrCustomerAlgorithm
	case key == "":
		return nil, ErrCustomerKeyMissing
	}
	raw, err := base64.StdEncoding.DecodeString(key)
	if err != nil || len(raw) != KeySize {
		clear(raw)
		return nil, ErrCustomerKeyInvalid
	}
	if keyMD5 == "" {
		clear(raw)
		return nil, ErrCustomerKeyMD5Missing
	}
	sum := md5.Sum(raw)
	want := base64.StdEncoding.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(want), []byte(keyMD5)) != 1 {
		clear(raw)
		return nil, ErrCustomerKeyMD5Mismatch
	}
	k := &CustomerKey{keyMD5: want}
	copy(k.key[:], raw)
	clear(raw)
	return k, nil
}

// KeyMD5 returns the base64 MD5 of the key, the value S3 echoes in
// x-amz-server-side-encryption-customer-key-MD5.
func (k *CustomerKey) KeyMD5() string { return k.keyMD5 }

// KEK returns the key-encryption key that seals an SSE-C object key:
//
//	HKDF-SHA256(secret=customerKey, salt=nil, info="coffer/sse SSE-C kek v1")
//
// Seal and Unseal it with Binding.Domain = DomainC.
func (k *CustomerKey) KEK() []byte {
	kek, err := hkdf.Key(sha256.New, k.key[:], nil, "coffer/sse SSE-C kek v1", KeySize)
	if err != nil {
		panic("sse: hkdf: " + err.Error()) // cannot happen for 32 bytes
	}
	return kek
}

const redacted = "sse.CustomerKey(REDACTED)"

// String returns a placeholder, never the key.
func (k *CustomerKey) String() string { return redacted }

// GoString returns a placeholder, never the key.
func (k *CustomerKey) GoString() string { return redacted }

// Format prints a placeholder for every verb, never the key.
func (k *CustomerKey) Format(f fmt.State, _ rune) { io.WriteString(f, redacted) }

// LogValue gives slog a placeholder, never the key.
func (k *CustomerKey) LogValue() slog.Value { return slog.StringValue(redacted) }

// Key-check format constants.
const (
	keyCheckVersion = 0x01
	keyCheckSalt    = 32
	// KeyCheckSize is the size of a marshalled KeyCheck.
	KeyCheckSize  = 1 + keyCheckSalt + sha256.Size
	keyCheckLabel = "coffer/sse SSE-C key check v1"
)

// KeyCheck is the salted HMAC of an SSE-C key that Coffer stores to
// recognise the key on later requests (as S3 does: "a randomly salted HMAC
// value of the encryption key"):
//
//	version 0x01 | salt[32] | HMAC-SHA256(key=customerKey, "coffer/sse SSE-C key check v1" || salt)
//
// It reveals nothing usable about the key and cannot decrypt anything.
type KeyCheck struct {
	salt [keyCheckSalt]byte
	mac  [sha256.Size]byte
}

// NewKeyCheck returns a KeyCheck for k with a fresh salt from crypto/rand.
func NewKeyCheck(k *CustomerKey) (KeyCheck, error) { return newKeyCheck(rand.Reader, k) }

func newKeyCheck(rnd io.Reader, k *CustomerKey) (KeyCheck, error) {
	var c KeyCheck
	if _, err := io.ReadFull(rnd, c.salt[:]); err != nil {
		return c, fmt.Errorf("sse: generating key-check salt: %w", err)
	}
	c.mac = keyCheckMAC(k, c.salt[:])
	return c, nil
}

func keyCheckMAC(k *CustomerKey, salt []byte) (out [sha256.Size]byte) {
	m := hmac.New(sha256.New, k.key[:])
	m.Write([]byte(keyCheckLabel))
	m.Write(salt)
	m.Sum(out[:0])
	return out
}

// Verify reports, in constant time, whether k is the key c was made from:
// nil if it is, ErrCustomerKeyMismatch if not.
func (c KeyCheck) Verify(k *CustomerKey) error {
	mac := keyCheckMAC(k, c.salt[:])
	if !hmac.Equal(mac[:], c.mac[:]) {
		return ErrCustomerKeyMismatch
	}
	return nil
}

// Marshal returns the KeyCheckSize-byte encoding of c.
func (c KeyCheck) Marshal() []byte {
	b := make([]byte, 0, KeyCheckSize)
	b = append(b, keyCheckVersion)
	b = append(b, c.salt[:]...)
	return append(b, c.mac[:]...)
}

// ParseKeyCheck parses a marshalled KeyCheck, returning ErrKeyCheck if b is
// not one. Marshal(ParseKeyCheck(b)) == b.
func ParseKeyCheck(b []byte) (KeyCheck, error) {
	var c KeyCheck
	if len(b) != KeyCheckSize || b[0] != keyCheckVersion {
		return c, ErrKeyCheck
	}
	copy(c.salt[:], b[1:])
	copy(c.mac[:], b[1+keyCheckSalt:])
	return c, nil
}
