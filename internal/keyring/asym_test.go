package keyring

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"testing"
)

var allAsymSpecs = []string{SpecRSA2048, SpecRSA3072, SpecRSA4096, SpecP256, SpecP384, SpecP521, SpecSECP256K1,
	SpecEd25519, SpecMLDSA44, SpecMLDSA65, SpecMLDSA87}

// testKeys caches one generated key per spec across tests (RSA 4096 is slow).
var testKeys struct {
	sync.Mutex
	m map[string]*PrivateKey
}

func asymKey(t testing.TB, spec string) *PrivateKey {
	t.Helper()
	testKeys.Lock()
	defer testKeys.Unlock()
	if testKeys.m == nil {
		testKeys.m = map[string]*PrivateKey{}
	}
	if k, ok := testKeys.m[spec]; ok {
		return k
	}
	k, err := GenerateKeyPair(rand.Reader, spec)
	if err != nil {
		t.Fatalf("GenerateKeyPair(%s): %v", spec, err)
	}
	testKeys.m[spec] = k
	return k
}

// publicKeySize is the SubjectPublicKeyInfo size AWS KMS returns for each
// spec (RSA sizes vary by a byte or so with the modulus encoding, so only
// the fixed-size ones are listed).
var publicKeySize = map[string]int{SpecP256: 91, SpecP384: 120, SpecP521: 158, SpecSECP256K1: 88, SpecEd25519: 44,
	SpecMLDSA44: 1334, SpecMLDSA65: 1974, SpecMLDSA87: 2614}

func TestKeyPairRoundTrip(t *testing.T) {
	for _, spec := range allAsymSpecs {
		t.Run(spec, func(t *testing.T) {
			k := asymKey(t, spec)
			der, err := k.MarshalPKCS8()
			if err != nil {
				t.Fatal(err)
			}
			k2, err := ParsePrivateKey(spec, der)
			if err != nil {
				t.Fatalf("ParsePrivateKey: %v", err)
			}
			if !bytes.Equal(k.PublicKey(), k2.PublicKey()) {
				t.Fatal("public key changed across PKCS#8 round trip")
			}
			der2, _ := k2.MarshalPKCS8()
			if !bytes.Equal(der, der2) {
				t.Fatal("PKCS#8 not canonical across round trip")
			}
			if n, ok := publicKeySize[spec]; ok && len(k.PublicKey()) != n {
				t.Errorf("SPKI is %d bytes, AWS returns %d", len(k.PublicKey()), n)
			}
			if spec != SpecSECP256K1 && !IsMLDSA(spec) {
				if _, err := x509.ParsePKIXPublicKey(k.PublicKey()); err != nil {
					t.Errorf("crypto/x509 cannot parse the SPKI: %v", err)
				}
				if _, err := x509.ParsePKCS8PrivateKey(der); err != nil {
					t.Errorf("crypto/x509 cannot parse the PKCS#8: %v", err)
				}
			}
			for _, other := range allAsymSpecs {
				if other == spec || (rsaBits(other) != 0) != (rsaBits(spec) != 0) {
					continue
				}
				if _, err := ParsePrivateKey(other, der); err == nil {
					t.Errorf("a %s key parsed as %s", spec, other)
				}
			}
		})
	}
}

func TestSignVerify(t *testing.T) {
	msg := []byte("the message to sign")
	for _, spec := range allAsymSpecs {
		for _, alg := range AlgorithmsFor(spec, "SIGN_VERIFY").Signing {
			t.Run(spec+"/"+alg, func(t *testing.T) {
				k := asymKey(t, spec)
				mt := MessageRaw
				in := msg
				if alg == AlgEd25519ph {
					mt, in = MessageDigest, digest(alg, msg)
				}
				sig, err := k.Sign(rand.Reader, alg, mt, in)
				if err != nil {
					t.Fatal(err)
				}
				if err := k.Verify(alg, mt, in, sig); err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if h := signingHash(alg); h != 0 && alg != AlgEd25519ph {
					if err := k.Verify(alg, MessageDigest, digest(alg, msg), sig); err != nil {
						t.Fatalf("Verify of the DIGEST form: %v", err)
					}
					if _, err := k.Sign(rand.Reader, alg, MessageDigest, msg[:5]); !errors.Is(err, ErrDigestLength) {
						t.Fatalf("short digest: %v", err)
					}
				}
				bad := bytes.Clone(sig)
				bad[len(bad)/2] ^= 1
				if err := k.Verify(alg, mt, in, bad); !errors.Is(err, ErrInvalidSignature) {
					t.Fatalf("altered signature: %v", err)
				}
				if err := k.Verify(alg, mt, append(bytes.Clone(in), 0), sig); !errors.Is(err, ErrInvalidSignature) && !errors.Is(err, ErrDigestLength) {
					t.Fatalf("other message: %v", err)
				}
			})
		}
	}
}

func TestSignErrors(t *testing.T) {
	msg := []byte("m")
	mu := make([]byte, 64)
	for _, tc := range []struct {
		spec, alg, mt string
		msg           []byte
		want          error
	}{
		{SpecP256, AlgECDSASHA384, MessageRaw, msg, ErrAlgorithm},
		{SpecRSA2048, AlgECDSASHA256, MessageRaw, msg, ErrAlgorithm},
		{SpecEd25519, AlgEd25519, MessageDigest, make([]byte, 64), ErrMessageType},
		{SpecEd25519, AlgEd25519ph, MessageRaw, msg, ErrMessageType},
		{SpecMLDSA44, AlgMLDSA, MessageDigest, make([]byte, 64), ErrMessageType},
		{SpecMLDSA44, AlgMLDSA, MessageMu, mu[:10], ErrDigestLength},
		{SpecP256, AlgECDSASHA256, MessageMu, mu, ErrMessageType},
		{SpecP256, AlgECDSASHA256, "OTHER", msg, ErrMessageType},
	} {
		t.Run(fmt.Sprintf("%s/%s/%s", tc.spec, tc.alg, tc.mt), func(t *testing.T) {
			if _, err := asymKey(t, tc.spec).Sign(rand.Reader, tc.alg, tc.mt, tc.msg); !errors.Is(err, tc.want) {
				t.Fatalf("Sign: %v, want %v", err, tc.want)
			}
		})
	}
}

func TestOAEP(t *testing.T) {
	limits := map[string][2]int{SpecRSA2048: {214, 190}, SpecRSA3072: {342, 318}, SpecRSA4096: {470, 446}}
	for spec, lim := range limits {
		for i, alg := range []string{AlgOAEPSHA1, AlgOAEPSHA256} {
			t.Run(spec+"/"+alg, func(t *testing.T) {
				k := asymKey(t, spec)
				if k.MaxPlaintext(alg) != lim[i] {
					t.Fatalf("MaxPlaintext = %d, AWS documents %d", k.MaxPlaintext(alg), lim[i])
				}
				pt := bytes.Repeat([]byte{7}, lim[i])
				ct, err := k.Encrypt(rand.Reader, alg, pt)
				if err != nil {
					t.Fatal(err)
				}
				got, err := k.Decrypt(alg, ct)
				if err != nil || !bytes.Equal(got, pt) {
					t.Fatalf("Decrypt: %v", err)
				}
				if _, err := k.Encrypt(rand.Reader, alg, append(pt, 1)); !errors.Is(err, ErrPlaintextTooLong) {
					t.Fatalf("too long: %v", err)
				}
				other := AlgOAEPSHA1
				if alg == AlgOAEPSHA1 {
					other = AlgOAEPSHA256
				}
				if _, err := k.Decrypt(other, ct); !errors.Is(err, ErrDecrypt) {
					t.Fatalf("other algorithm: %v", err)
				}
			})
		}
	}
}

func TestECDH(t *testing.T) {
	curves := map[string]ecdh.Curve{SpecP256: ecdh.P256(), SpecP384: ecdh.P384(), SpecP521: ecdh.P521()}
	for spec, curve := range curves {
		t.Run(spec, func(t *testing.T) {
			k := asymKey(t, spec)
			peer, _ := curve.GenerateKey(rand.Reader)
			peerDER, _ := x509.MarshalPKIXPublicKey(peer.PublicKey())
			got, err := k.DeriveSharedSecret(peerDER)
			if err != nil {
				t.Fatal(err)
			}
			kp, _ := x509.ParsePKIXPublicKey(k.PublicKey())
			ours, _ := kp.(interface {
				ECDH() (*ecdh.PublicKey, error)
			}).ECDH()
			want, _ := peer.ECDH(ours)
			if !bytes.Equal(got, want) {
				t.Fatal("shared secrets differ")
			}
			for other, oc := range curves {
				if other == spec {
					continue
				}
				op, _ := oc.GenerateKey(rand.Reader)
				der, _ := x509.MarshalPKIXPublicKey(op.PublicKey())
				if _, err := k.DeriveSharedSecret(der); !errors.Is(err, ErrPeerKey) {
					t.Fatalf("peer on %s: %v", other, err)
				}
			}
			if _, err := k.DeriveSharedSecret([]byte{0x30, 0}); !errors.Is(err, ErrPeerKey) {
				t.Fatalf("garbage peer: %v", err)
			}
		})
	}
	if _, err := asymKey(t, SpecEd25519).DeriveSharedSecret(nil); !errors.Is(err, ErrAlgorithm) {
		t.Fatalf("Ed25519 ECDH: %v", err)
	}
}

func TestMAC(t *testing.T) {
	for _, spec := range []string{SpecHMAC224, SpecHMAC256, SpecHMAC384, SpecHMAC512} {
		t.Run(spec, func(t *testing.T) {
			mat, err := GenerateMACMaterial(rand.Reader, spec)
			if err != nil {
				t.Fatal(err)
			}
			k, err := NewMACKey(spec, mat)
			if err != nil {
				t.Fatal(err)
			}
			alg := AlgorithmsFor(spec, "GENERATE_VERIFY_MAC").MAC[0]
			mac, err := k.Sum(alg, []byte("msg"))
			if err != nil {
				t.Fatal(err)
			}
			if err := k.Verify(alg, []byte("msg"), mac); err != nil {
				t.Fatal(err)
			}
			if err := k.Verify(alg, []byte("msh"), mac); !errors.Is(err, ErrInvalidSignature) {
				t.Fatalf("wrong message: %v", err)
			}
			if _, err := k.Sum("HMAC_SHA_1", nil); !errors.Is(err, ErrAlgorithm) {
				t.Fatalf("wrong algorithm: %v", err)
			}
		})
	}
}

func TestSpecTable(t *testing.T) {
	for _, tc := range []struct {
		spec, usage string
		ok          bool
	}{
		{SpecRSA2048, "ENCRYPT_DECRYPT", true}, {SpecRSA2048, "SIGN_VERIFY", true}, {SpecRSA2048, "KEY_AGREEMENT", false},
		{SpecP256, "KEY_AGREEMENT", true}, {SpecP256, "ENCRYPT_DECRYPT", false}, {SpecSECP256K1, "KEY_AGREEMENT", false},
		{SpecEd25519, "SIGN_VERIFY", true}, {SpecEd25519, "KEY_AGREEMENT", false}, {SpecMLDSA65, "SIGN_VERIFY", true},
		{SpecHMAC384, "GENERATE_VERIFY_MAC", true}, {SpecHMAC384, "SIGN_VERIFY", false}, {SpecSM2, "SIGN_VERIFY", false},
	} {
		if got := ValidUsage(tc.spec, tc.usage); got != tc.ok {
			t.Errorf("ValidUsage(%s, %s) = %v", tc.spec, tc.usage, got)
		}
	}
}

func digest(alg string, msg []byte) []byte {
	h := signingHash(alg).New()
	h.Write(msg)
	return h.Sum(nil)
}

// FuzzParsePeerPublicKey feeds arbitrary DER to the DeriveSharedSecret
// peer key parser: no panic, and every failure is ErrPeerKey.
func FuzzParsePeerPublicKey(f *testing.F) {
	for _, c := range []ecdh.Curve{ecdh.P256(), ecdh.P384(), ecdh.P521()} {
		k, _ := c.GenerateKey(rand.Reader)
		der, _ := x509.MarshalPKIXPublicKey(k.PublicKey())
		f.Add(der)
		f.Add(der[:len(der)-1])
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, der []byte) {
		for _, spec := range []string{SpecP256, SpecP384, SpecP521} {
			if _, err := ParsePeerPublicKey(spec, der); err != nil && !errors.Is(err, ErrPeerKey) {
				t.Fatalf("%s: error %v is not ErrPeerKey", spec, err)
			}
		}
	})
}

// FuzzParsePrivateKey feeds arbitrary DER to the stored-material parser
// (including Coffer's own secp256k1 and ML-DSA PKCS#8 forms): no panic,
// and anything accepted re-encodes to the same bytes.
func FuzzParsePrivateKey(f *testing.F) {
	for _, spec := range []string{SpecSECP256K1, SpecMLDSA44, SpecP256, SpecEd25519} {
		k, err := GenerateKeyPair(rand.Reader, spec)
		if err != nil {
			f.Fatal(err)
		}
		der, _ := k.MarshalPKCS8()
		f.Add(spec, der)
	}
	f.Fuzz(func(t *testing.T, spec string, der []byte) {
		k, err := ParsePrivateKey(spec, der)
		if err != nil {
			return
		}
		if spec == SpecSECP256K1 || IsMLDSA(spec) {
			out, err := k.MarshalPKCS8()
			if err != nil || !bytes.Equal(out, der) {
				t.Fatalf("accepted non-canonical %s PKCS#8", spec)
			}
		}
	})
}
