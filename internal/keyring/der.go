package keyring

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"fmt"
)

// DER encodings that crypto/x509 does not provide: keys on secp256k1
// (SEC 1 §C.4, RFC 5915, RFC 5480 with the curve OID of SEC 2) and ML-DSA
// keys (RFC 9881: parameters absent; the private key in its 32-byte seed
// form). Only encoding/asn1 is used; no arithmetic happens here.

var (
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidSECP256K1   = asn1.ObjectIdentifier{1, 3, 132, 0, 10}
	oidMLDSA44     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 17}
	oidMLDSA65     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 18}
	oidMLDSA87     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 19}
)

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type subjectPublicKeyInfo struct {
	Algorithm algorithmIdentifier
	PublicKey asn1.BitString
}

type pkcs8 struct {
	Version    int
	Algorithm  algorithmIdentifier
	PrivateKey []byte
}

// ecPrivateKey is RFC 5915's ECPrivateKey.
type ecPrivateKey struct {
	Version       int
	PrivateKey    []byte
	NamedCurveOID asn1.ObjectIdentifier `asn1:"optional,explicit,tag:0"`
	PublicKey     asn1.BitString        `asn1:"optional,explicit,tag:1"`
}

func curveParams(oid asn1.ObjectIdentifier) asn1.RawValue {
	b, err := asn1.Marshal(oid)
	if err != nil {
		panic(err) // a constant OID always marshals
	}
	return asn1.RawValue{FullBytes: b}
}

// marshalSPKI encodes a SubjectPublicKeyInfo; params nil means absent.
func marshalSPKI(alg asn1.ObjectIdentifier, params *asn1.ObjectIdentifier, pub []byte) ([]byte, error) {
	ai := algorithmIdentifier{Algorithm: alg}
	if params != nil {
		ai.Parameters = curveParams(*params)
	}
	return asn1.Marshal(subjectPublicKeyInfo{Algorithm: ai, PublicKey: asn1.BitString{Bytes: pub, BitLength: 8 * len(pub)}})
}

// marshalSECP256K1PKCS8 encodes a secp256k1 private key (32-byte scalar)
// with its uncompressed public point as PKCS#8.
func marshalSECP256K1PKCS8(scalar, uncompressedPub []byte) ([]byte, error) {
	inner, err := asn1.Marshal(ecPrivateKey{Version: 1, PrivateKey: scalar,
		PublicKey: asn1.BitString{Bytes: uncompressedPub, BitLength: 8 * len(uncompressedPub)}})
	if err != nil {
		return nil, fmt.Errorf("keyring: encode ECPrivateKey: %w", err)
	}
	defer clear(inner)
	return asn1.Marshal(pkcs8{Algorithm: algorithmIdentifier{Algorithm: oidECPublicKey, Parameters: curveParams(oidSECP256K1)}, PrivateKey: inner})
}

// marshalMLDSAPKCS8 encodes an ML-DSA private key in seed form:
// privateKey OCTET STRING containing [0] IMPLICIT OCTET STRING (32 bytes).
func marshalMLDSAPKCS8(oid asn1.ObjectIdentifier, seed []byte) ([]byte, error) {
	inner, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, Bytes: seed})
	if err != nil {
		return nil, fmt.Errorf("keyring: encode ML-DSA seed: %w", err)
	}
	defer clear(inner)
	return asn1.Marshal(pkcs8{Algorithm: algorithmIdentifier{Algorithm: oid}, PrivateKey: inner})
}

var errDER = errors.New("keyring: malformed private key DER")

// parseCofferPKCS8 parses the two PKCS#8 forms above, returning the
// algorithm OID, the secp256k1 public key (uncompressed; nil for ML-DSA)
// and the secret bytes (the scalar or the seed). The caller zeroes secret.
func parseCofferPKCS8(der []byte) (alg asn1.ObjectIdentifier, pub, secret []byte, err error) {
	var p pkcs8
	rest, err := asn1.Unmarshal(der, &p)
	if err != nil || len(rest) != 0 || p.Version != 0 {
		return nil, nil, nil, errDER
	}
	defer clear(p.PrivateKey)
	switch {
	case p.Algorithm.Algorithm.Equal(oidECPublicKey):
		var curve asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(p.Algorithm.Parameters.FullBytes, &curve); err != nil || !curve.Equal(oidSECP256K1) {
			return nil, nil, nil, errDER
		}
		var ec ecPrivateKey
		rest, err := asn1.Unmarshal(p.PrivateKey, &ec)
		if err != nil || len(rest) != 0 || ec.Version != 1 || len(ec.PrivateKey) != 32 || ec.NamedCurveOID != nil ||
			ec.PublicKey.BitLength != 8*len(ec.PublicKey.Bytes) {
			clear(ec.PrivateKey)
			return nil, nil, nil, errDER
		}
		// DER has one encoding per value, and encoding/asn1 tolerates some
		// that are not it (trailing elements in a SEQUENCE, an explicit
		// tag's length that disagrees with its content): accept only the
		// canonical encoding, so that a stored key cannot be altered
		// without changing how it parses.
		canon, err := marshalSECP256K1PKCS8(ec.PrivateKey, ec.PublicKey.Bytes)
		canonical := err == nil && bytes.Equal(canon, der)
		clear(canon)
		if !canonical {
			clear(ec.PrivateKey)
			return nil, nil, nil, errDER
		}
		// A BIT STRING aliases p.PrivateKey, which is cleared on return.
		return p.Algorithm.Algorithm, bytes.Clone(ec.PublicKey.Bytes), ec.PrivateKey, nil
	case p.Algorithm.Algorithm.Equal(oidMLDSA44), p.Algorithm.Algorithm.Equal(oidMLDSA65), p.Algorithm.Algorithm.Equal(oidMLDSA87):
		var raw asn1.RawValue
		rest, err := asn1.Unmarshal(p.PrivateKey, &raw)
		if err != nil || len(rest) != 0 || raw.Class != asn1.ClassContextSpecific || raw.Tag != 0 || raw.IsCompound || len(raw.Bytes) != 32 {
			return nil, nil, nil, errDER
		}
		canon, err := marshalMLDSAPKCS8(p.Algorithm.Algorithm, raw.Bytes)
		canonical := err == nil && bytes.Equal(canon, der)
		clear(canon)
		if !canonical {
			return nil, nil, nil, errDER
		}
		return p.Algorithm.Algorithm, nil, append([]byte(nil), raw.Bytes...), nil
	}
	return nil, nil, nil, errDER
}
