package keyring

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	_ "crypto/sha1" // registers crypto.SHA1 for OAEP
	_ "crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"io"

	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/mldsa/mldsa87"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	k1ecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// PrivateKey is the private half of an asymmetric KMS key or data key
// pair: RSA, NIST ECC, secp256k1, Ed25519 or ML-DSA. It signs, verifies,
// decrypts RSA OAEP, and derives ECDH shared secrets; every primitive is
// Go's crypto, github.com/decred/dcrd/dcrec/secp256k1/v4 (secp256k1) or
// github.com/cloudflare/circl (ML-DSA). It is safe for concurrent use.
//
// The stored form is PKCS#8 DER (MarshalPKCS8), wrapped by the root of
// trust; the public form is a DER SubjectPublicKeyInfo (PublicKey).
type PrivateKey struct {
	spec  string
	rsa   *rsa.PrivateKey
	ec    *ecdsa.PrivateKey
	ed    ed25519.PrivateKey
	k1    *secp256k1.PrivateKey
	mldsa mldsaKey
	spki  []byte
}

// mldsaKey is one ML-DSA parameter set's key, behind one shape.
type mldsaKey interface {
	sign(msg []byte) ([]byte, error)
	verify(msg, sig []byte) bool
	publicKey() []byte
	seed() []byte
	oid() asn1.ObjectIdentifier
}

type mldsa44Key struct{ sk *mldsa44.PrivateKey }

func (k mldsa44Key) sign(msg []byte) ([]byte, error) {
	sig := make([]byte, mldsa44.SignatureSize)
	return sig, mldsa44.SignTo(k.sk, msg, nil, true, sig)
}
func (k mldsa44Key) verify(msg, sig []byte) bool {
	return mldsa44.Verify(k.sk.Public().(*mldsa44.PublicKey), msg, nil, sig)
}
func (k mldsa44Key) publicKey() []byte          { return k.sk.Public().(*mldsa44.PublicKey).Bytes() }
func (k mldsa44Key) seed() []byte               { return k.sk.Seed() }
func (k mldsa44Key) oid() asn1.ObjectIdentifier { return oidMLDSA44 }

type mldsa65Key struct{ sk *mldsa65.PrivateKey }

func (k mldsa65Key) sign(msg []byte) ([]byte, error) {
	sig := make([]byte, mldsa65.SignatureSize)
	return sig, mldsa65.SignTo(k.sk, msg, nil, true, sig)
}
func (k mldsa65Key) verify(msg, sig []byte) bool {
	return mldsa65.Verify(k.sk.Public().(*mldsa65.PublicKey), msg, nil, sig)
}
func (k mldsa65Key) publicKey() []byte          { return k.sk.Public().(*mldsa65.PublicKey).Bytes() }
func (k mldsa65Key) seed() []byte               { return k.sk.Seed() }
func (k mldsa65Key) oid() asn1.ObjectIdentifier { return oidMLDSA65 }

type mldsa87Key struct{ sk *mldsa87.PrivateKey }

func (k mldsa87Key) sign(msg []byte) ([]byte, error) {
	sig := make([]byte, mldsa87.SignatureSize)
	return sig, mldsa87.SignTo(k.sk, msg, nil, true, sig)
}
func (k mldsa87Key) verify(msg, sig []byte) bool {
	return mldsa87.Verify(k.sk.Public().(*mldsa87.PublicKey), msg, nil, sig)
}
func (k mldsa87Key) publicKey() []byte          { return k.sk.Public().(*mldsa87.PublicKey).Bytes() }
func (k mldsa87Key) seed() []byte               { return k.sk.Seed() }
func (k mldsa87Key) oid() asn1.ObjectIdentifier { return oidMLDSA87 }

func newMLDSA(spec string, seed []byte) (mldsaKey, error) {
	if len(seed) != 32 {
		return nil, errDER
	}
	var s [32]byte
	copy(s[:], seed)
	defer clear(s[:])
	switch spec {
	case SpecMLDSA44:
		_, sk := mldsa44.NewKeyFromSeed(&s)
		return mldsa44Key{sk}, nil
	case SpecMLDSA65:
		_, sk := mldsa65.NewKeyFromSeed(&s)
		return mldsa65Key{sk}, nil
	case SpecMLDSA87:
		_, sk := mldsa87.NewKeyFromSeed(&s)
		return mldsa87Key{sk}, nil
	}
	return nil, ErrUnsupportedSpec
}

func nistCurve(spec string) elliptic.Curve {
	switch spec {
	case SpecP256:
		return elliptic.P256()
	case SpecP384:
		return elliptic.P384()
	case SpecP521:
		return elliptic.P521()
	}
	return nil
}

func rsaBits(spec string) int {
	switch spec {
	case SpecRSA2048:
		return 2048
	case SpecRSA3072:
		return 3072
	case SpecRSA4096:
		return 4096
	}
	return 0
}

// IsAsymmetricSpec reports whether spec is an asymmetric key spec this
// package implements.
func IsAsymmetricSpec(spec string) bool {
	switch spec {
	case SpecRSA2048, SpecRSA3072, SpecRSA4096, SpecP256, SpecP384, SpecP521, SpecSECP256K1, SpecEd25519,
		SpecMLDSA44, SpecMLDSA65, SpecMLDSA87:
		return true
	}
	return false
}

// GenerateKeyPair generates a new private key of spec, reading randomness
// from rand where the primitive takes a reader (Go's RSA key generation
// always uses crypto/rand). SM2 and unknown specs are ErrUnsupportedSpec.
func GenerateKeyPair(rand io.Reader, spec string) (*PrivateKey, error) {
	k := &PrivateKey{spec: spec}
	var err error
	switch {
	case rsaBits(spec) != 0:
		k.rsa, err = rsa.GenerateKey(rand, rsaBits(spec))
	case nistCurve(spec) != nil:
		k.ec, err = ecdsa.GenerateKey(nistCurve(spec), rand)
	case spec == SpecEd25519:
		_, k.ed, err = ed25519.GenerateKey(rand)
	case spec == SpecSECP256K1:
		k.k1, err = secp256k1.GeneratePrivateKeyFromRand(rand)
	case spec == SpecMLDSA44 || spec == SpecMLDSA65 || spec == SpecMLDSA87:
		seed := make([]byte, 32)
		if _, err = io.ReadFull(rand, seed); err == nil {
			k.mldsa, err = newMLDSA(spec, seed)
		}
		clear(seed)
	default:
		return nil, fmt.Errorf("%w: %s", ErrUnsupportedSpec, spec)
	}
	if err != nil {
		return nil, fmt.Errorf("keyring: generate %s key: %w", spec, err)
	}
	if err := k.computePublic(); err != nil {
		return nil, err
	}
	return k, nil
}

// ParsePrivateKey parses the PKCS#8 DER of a key of spec, as MarshalPKCS8
// writes it, and checks that it is a key of that spec. It does not keep
// der; the caller may zero it afterwards.
func ParsePrivateKey(spec string, der []byte) (*PrivateKey, error) {
	k := &PrivateKey{spec: spec}
	switch {
	case spec == SpecSECP256K1 || spec == SpecMLDSA44 || spec == SpecMLDSA65 || spec == SpecMLDSA87:
		alg, pub, secret, err := parseCofferPKCS8(der)
		if err != nil {
			return nil, err
		}
		defer clear(secret)
		switch {
		case spec == SpecSECP256K1 && alg.Equal(oidECPublicKey):
			// PrivKeyFromBytes reduces mod n: accept only a scalar in
			// [1, n-1] that it keeps as is, with the matching public key.
			k.k1 = secp256k1.PrivKeyFromBytes(secret)
			scalar := k.k1.Serialize()
			valid := !k.k1.Key.IsZero() && subtle.ConstantTimeCompare(scalar, secret) == 1 &&
				bytes.Equal(pub, k.k1.PubKey().SerializeUncompressed())
			clear(scalar)
			if !valid {
				k.k1.Zero()
				return nil, errDER
			}
		case spec == SpecMLDSA44 && alg.Equal(oidMLDSA44), spec == SpecMLDSA65 && alg.Equal(oidMLDSA65), spec == SpecMLDSA87 && alg.Equal(oidMLDSA87):
			if k.mldsa, err = newMLDSA(spec, secret); err != nil {
				return nil, err
			}
		default:
			return nil, errDER
		}
	case IsAsymmetricSpec(spec):
		key, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, errDER
		}
		switch key := key.(type) {
		case *rsa.PrivateKey:
			if key.N.BitLen() != rsaBits(spec) {
				return nil, errDER
			}
			k.rsa = key
		case *ecdsa.PrivateKey:
			if key.Curve != nistCurve(spec) {
				return nil, errDER
			}
			k.ec = key
		case ed25519.PrivateKey:
			if spec != SpecEd25519 {
				return nil, errDER
			}
			k.ed = key
		default:
			return nil, errDER
		}
	default:
		return nil, fmt.Errorf("%w: %s", ErrUnsupportedSpec, spec)
	}
	if err := k.computePublic(); err != nil {
		return nil, err
	}
	return k, nil
}

func (k *PrivateKey) computePublic() error {
	var err error
	switch {
	case k.rsa != nil:
		k.spki, err = x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
	case k.ec != nil:
		k.spki, err = x509.MarshalPKIXPublicKey(&k.ec.PublicKey)
	case k.ed != nil:
		k.spki, err = x509.MarshalPKIXPublicKey(k.ed.Public())
	case k.k1 != nil:
		k.spki, err = marshalSPKI(oidECPublicKey, &oidSECP256K1, k.k1.PubKey().SerializeUncompressed())
	case k.mldsa != nil:
		k.spki, err = marshalSPKI(k.mldsa.oid(), nil, k.mldsa.publicKey())
	}
	if err != nil {
		return fmt.Errorf("keyring: encode %s public key: %w", k.spec, err)
	}
	return nil
}

// Spec returns the key's spec.
func (k *PrivateKey) Spec() string { return k.spec }

// PublicKey returns the DER SubjectPublicKeyInfo of the key's public half
// (the shared slice: do not modify it).
func (k *PrivateKey) PublicKey() []byte { return k.spki }

// MarshalPKCS8 returns the private key as PKCS#8 DER. The caller owns and
// should zero the result.
func (k *PrivateKey) MarshalPKCS8() ([]byte, error) {
	switch {
	case k.rsa != nil:
		return x509.MarshalPKCS8PrivateKey(k.rsa)
	case k.ec != nil:
		return x509.MarshalPKCS8PrivateKey(k.ec)
	case k.ed != nil:
		return x509.MarshalPKCS8PrivateKey(k.ed)
	case k.k1 != nil:
		scalar := k.k1.Serialize()
		defer clear(scalar)
		return marshalSECP256K1PKCS8(scalar, k.k1.PubKey().SerializeUncompressed())
	case k.mldsa != nil:
		seed := k.mldsa.seed()
		defer clear(seed)
		return marshalMLDSAPKCS8(k.mldsa.oid(), seed)
	}
	return nil, ErrUnsupportedSpec
}

// Zero drops what can be dropped of the private key: the secp256k1 scalar
// is zeroed; Go's RSA, ECDSA and ML-DSA keys cannot be zeroed from outside
// their packages and become garbage.
func (k *PrivateKey) Zero() {
	if k.k1 != nil {
		k.k1.Zero()
	}
	clear(k.ed)
}

// prepare turns a Sign or Verify message of msgType ("" is RAW) into what
// the algorithm's primitive takes: a digest, or the message itself.
func prepare(alg, msgType string, msg []byte) ([]byte, error) {
	h := signingHash(alg)
	switch msgType {
	case "", MessageRaw:
		if alg == AlgEd25519ph {
			return nil, fmt.Errorf("%w: %s requires MessageType DIGEST", ErrMessageType, alg)
		}
		if h == 0 {
			return msg, nil
		}
		hh := h.New()
		hh.Write(msg)
		return hh.Sum(nil), nil
	case MessageDigest:
		if h == 0 {
			return nil, fmt.Errorf("%w: %s does not accept MessageType DIGEST", ErrMessageType, alg)
		}
		if len(msg) != h.Size() {
			return nil, fmt.Errorf("%w: %s takes a %d-byte digest, got %d bytes", ErrDigestLength, alg, h.Size(), len(msg))
		}
		if alg == AlgEd25519ph {
			// AWS KMS still applies Ed25519ph's SHA-512 prehash (FIPS
			// 186-5 §7.8.1 step 1) to the digest: the signature is
			// Ed25519ph of the 64-byte message the caller sent.
			d := sha512.Sum512(msg)
			return d[:], nil
		}
		return msg, nil
	case MessageMu:
		if alg != AlgMLDSA {
			return nil, fmt.Errorf("%w: %s does not accept MessageType EXTERNAL_MU", ErrMessageType, alg)
		}
		if len(msg) != 64 {
			return nil, fmt.Errorf("%w: EXTERNAL_MU is a 64-byte mu, got %d bytes", ErrDigestLength, len(msg))
		}
		return msg, nil // μ itself: Sign and Verify take the external-μ entry points
	}
	return nil, fmt.Errorf("%w: %s", ErrMessageType, msgType)
}

func (k *PrivateKey) supports(alg string) bool {
	info, _ := specTable(k.spec)
	for _, a := range info.signing {
		if a == alg {
			return true
		}
	}
	return false
}

func isPSS(alg string) bool {
	return alg == AlgPSSSHA256 || alg == AlgPSSSHA384 || alg == AlgPSSSHA512
}

// Sign signs msg (of msgType RAW, DIGEST or EXTERNAL_MU; "" is RAW) with
// alg, as AWS KMS Sign does: RSASSA-PSS with a salt as long as the hash,
// PKCS #1 v1.5, ECDSA (DER signature), Ed25519 or Ed25519ph (64 bytes), or
// ML-DSA with an empty context (hedged). It returns ErrAlgorithm,
// ErrMessageType, ErrDigestLength or ErrExternalMu for requests the key
// cannot serve.
func (k *PrivateKey) Sign(rand io.Reader, alg, msgType string, msg []byte) ([]byte, error) {
	if !k.supports(alg) {
		return nil, fmt.Errorf("%w: %s with a %s key", ErrAlgorithm, alg, k.spec)
	}
	in, err := prepare(alg, msgType, msg)
	if err != nil {
		return nil, err
	}
	h := signingHash(alg)
	var sig []byte
	switch {
	case k.rsa != nil && isPSS(alg):
		sig, err = rsa.SignPSS(rand, k.rsa, h, in, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case k.rsa != nil:
		sig, err = rsa.SignPKCS1v15(rand, k.rsa, h, in)
	case k.ec != nil:
		sig, err = ecdsa.SignASN1(rand, k.ec, in)
	case k.k1 != nil:
		sig = k1ecdsa.Sign(k.k1, in).Serialize()
	case k.ed != nil && alg == AlgEd25519:
		sig = ed25519.Sign(k.ed, in)
	case k.ed != nil:
		sig, err = k.ed.Sign(nil, in, &ed25519.Options{Hash: crypto.SHA512})
	case k.mldsa != nil && msgType == MessageMu:
		sig, err = signExternalMu(k.mldsa, in)
	case k.mldsa != nil:
		sig, err = k.mldsa.sign(in)
	default:
		return nil, ErrAlgorithm
	}
	if err != nil {
		return nil, fmt.Errorf("keyring: sign %s: %w", alg, err)
	}
	return sig, nil
}

// Verify checks sig over msg as Sign made it. A signature that does not
// verify is ErrInvalidSignature; requests the key cannot serve get Sign's
// errors.
func (k *PrivateKey) Verify(alg, msgType string, msg, sig []byte) error {
	if !k.supports(alg) {
		return fmt.Errorf("%w: %s with a %s key", ErrAlgorithm, alg, k.spec)
	}
	in, err := prepare(alg, msgType, msg)
	if err != nil {
		return err
	}
	h := signingHash(alg)
	ok := false
	switch {
	case k.rsa != nil && isPSS(alg):
		ok = rsa.VerifyPSS(&k.rsa.PublicKey, h, in, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
	case k.rsa != nil:
		ok = rsa.VerifyPKCS1v15(&k.rsa.PublicKey, h, in, sig) == nil
	case k.ec != nil:
		ok = ecdsa.VerifyASN1(&k.ec.PublicKey, in, sig)
	case k.k1 != nil:
		s, err := k1ecdsa.ParseDERSignature(sig)
		ok = err == nil && s.Verify(in, k.k1.PubKey())
	case k.ed != nil && alg == AlgEd25519:
		ok = ed25519.Verify(k.ed.Public().(ed25519.PublicKey), in, sig)
	case k.ed != nil:
		ok = ed25519.VerifyWithOptions(k.ed.Public().(ed25519.PublicKey), in, sig, &ed25519.Options{Hash: crypto.SHA512}) == nil
	case k.mldsa != nil && msgType == MessageMu:
		ok = verifyExternalMu(k.mldsa, in, sig)
	case k.mldsa != nil:
		ok = k.mldsa.verify(in, sig)
	}
	if !ok {
		return ErrInvalidSignature
	}
	return nil
}

func oaepHash(alg string) crypto.Hash {
	switch alg {
	case AlgOAEPSHA1:
		return crypto.SHA1
	case AlgOAEPSHA256:
		return crypto.SHA256
	}
	return 0
}

// MaxPlaintext is the longest plaintext RSA OAEP with alg can encrypt under
// k (k - 2·hLen - 2 bytes), or 0 if k is not an RSA key or alg not OAEP.
func (k *PrivateKey) MaxPlaintext(alg string) int {
	h := oaepHash(alg)
	if k.rsa == nil || h == 0 {
		return 0
	}
	return k.rsa.Size() - 2*h.Size() - 2
}

// Encrypt encrypts plaintext with RSAES-OAEP (MGF1 with the same hash, no
// label), as AWS KMS Encrypt does for RSA keys; the result is the raw RSA
// output, k.Size() bytes.
func (k *PrivateKey) Encrypt(rand io.Reader, alg string, plaintext []byte) ([]byte, error) {
	h := oaepHash(alg)
	if k.rsa == nil || h == 0 {
		return nil, fmt.Errorf("%w: %s with a %s key", ErrAlgorithm, alg, k.spec)
	}
	if len(plaintext) > k.MaxPlaintext(alg) {
		return nil, fmt.Errorf("%w: %d bytes, at most %d with %s", ErrPlaintextTooLong, len(plaintext), k.MaxPlaintext(alg), alg)
	}
	ct, err := rsa.EncryptOAEP(h.New(), rand, &k.rsa.PublicKey, plaintext, nil)
	if err != nil {
		return nil, fmt.Errorf("keyring: RSA OAEP encrypt: %w", err)
	}
	return ct, nil
}

// Decrypt decrypts RSAES-OAEP ciphertext. Every failure is ErrDecrypt.
func (k *PrivateKey) Decrypt(alg string, ciphertext []byte) ([]byte, error) {
	h := oaepHash(alg)
	if k.rsa == nil || h == 0 {
		return nil, fmt.Errorf("%w: %s with a %s key", ErrAlgorithm, alg, k.spec)
	}
	pt, err := rsa.DecryptOAEP(h.New(), nil, k.rsa, ciphertext, nil)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// DeriveSharedSecret computes the ECDH shared secret (the raw x
// coordinate, as AWS KMS DeriveSharedSecret returns it) between k, a NIST
// curve key, and peerSPKI, a DER SubjectPublicKeyInfo of a point on the
// same curve. A peer key that does not parse, is on another curve or is not
// a valid point is ErrPeerKey.
func (k *PrivateKey) DeriveSharedSecret(peerSPKI []byte) ([]byte, error) {
	if k.ec == nil {
		return nil, fmt.Errorf("%w: ECDH with a %s key", ErrAlgorithm, k.spec)
	}
	peer, err := ParsePeerPublicKey(k.spec, peerSPKI)
	if err != nil {
		return nil, err
	}
	priv, err := k.ec.ECDH()
	if err != nil {
		return nil, fmt.Errorf("keyring: ECDH key: %w", err)
	}
	secret, err := priv.ECDH(peer)
	if err != nil {
		return nil, ErrPeerKey
	}
	return secret, nil
}

// ParsePeerPublicKey parses a peer's DER SubjectPublicKeyInfo for ECDH with
// a key of spec (ECC_NIST_P256, _P384 or _P521). Anything else is
// ErrPeerKey.
func ParsePeerPublicKey(spec string, der []byte) (*ecdh.PublicKey, error) {
	curve := nistCurve(spec)
	if curve == nil {
		return nil, fmt.Errorf("%w: %s has no ECDH", ErrAlgorithm, spec)
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: not a DER SubjectPublicKeyInfo", ErrPeerKey)
	}
	ep, ok := pub.(*ecdsa.PublicKey)
	if !ok || ep.Curve != curve {
		return nil, fmt.Errorf("%w: not a public key on the curve of %s", ErrPeerKey, spec)
	}
	out, err := ep.ECDH()
	if err != nil {
		return nil, fmt.Errorf("%w: invalid point", ErrPeerKey)
	}
	return out, nil
}
