package e2e

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	_ "crypto/sha512"
	"crypto/x509"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/coffer-kms/coffer/internal/keyring"
)

func hashFor(alg types.SigningAlgorithmSpec) crypto.Hash {
	s := string(alg)
	switch {
	case strings.HasSuffix(s, "_256"):
		return crypto.SHA256
	case strings.HasSuffix(s, "_384"):
		return crypto.SHA384
	case strings.HasSuffix(s, "_512"):
		return crypto.SHA512
	}
	return 0
}

func digestOf(h crypto.Hash, msg []byte) []byte {
	d := h.New()
	d.Write(msg)
	return d.Sum(nil)
}

// verifyLocally checks a Coffer signature with Go's crypto and the public
// key from GetPublicKey (secp256k1 and ML-DSA have no verifier in the
// standard library; Verify on the server covers them).
func verifyLocally(t *testing.T, spki []byte, alg types.SigningAlgorithmSpec, msg, sig []byte) {
	t.Helper()
	pub, err := x509.ParsePKIXPublicKey(spki)
	if err != nil {
		return
	}
	h := hashFor(alg)
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		if strings.Contains(string(alg), "PSS") {
			err = rsa.VerifyPSS(pub, h, digestOf(h, msg), sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			err = rsa.VerifyPKCS1v15(pub, h, digestOf(h, msg), sig)
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, digestOf(h, msg), sig) {
			t.Errorf("%s: crypto/ecdsa rejects the signature", alg)
		}
	case ed25519.PublicKey:
		if alg == "ED25519_SHA_512" {
			if !ed25519.Verify(pub, msg, sig) {
				t.Errorf("crypto/ed25519 rejects the signature")
			}
		} else {
			// ED25519_PH_SHA_512 takes the SHA-512 digest D of the data and,
			// as AWS KMS does, still prehashes it: Ed25519ph over message D.
			err = ed25519.VerifyWithOptions(pub, digestOf(crypto.SHA512, digestOf(crypto.SHA512, msg)), sig, &ed25519.Options{Hash: crypto.SHA512})
		}
	}
	if err != nil {
		t.Errorf("%s: Go's crypto rejects the signature: %v", alg, err)
	}
}

func TestKeySpecSignVerify(t *testing.T) {
	e := start(t)
	c := e.client("")
	var sk specKeys
	ids := sk.get(t, c)
	msg := []byte("Coffer signs this message")
	for _, sc := range allSpecCases {
		if sc.usage != "SIGN_VERIFY" {
			continue
		}
		keyID := aws.String(ids[sc.name()])
		pub := ok(c.GetPublicKey(ctx(), &kms.GetPublicKeyInput{KeyId: keyID})).get(t)
		if pub.KeySpec != sc.spec || pub.KeyUsage != sc.usage || len(pub.SigningAlgorithms) != len(sc.sign) || pub.EncryptionAlgorithms != nil {
			t.Errorf("%s GetPublicKey: %s %s %v %v", sc.name(), pub.KeySpec, pub.KeyUsage, pub.SigningAlgorithms, pub.EncryptionAlgorithms)
		}
		for _, alg := range sc.sign {
			t.Run(sc.name()+"/"+string(alg), func(t *testing.T) {
				mt, in := types.MessageTypeRaw, msg
				if alg == "ED25519_PH_SHA_512" {
					mt, in = types.MessageTypeDigest, digestOf(crypto.SHA512, msg)
				}
				out := ok(c.Sign(ctx(), &kms.SignInput{KeyId: keyID, Message: in, MessageType: mt, SigningAlgorithm: alg})).get(t)
				if out.SigningAlgorithm != alg || aws.ToString(out.KeyId) != keyARN(region, *keyID) {
					t.Errorf("Sign output %s %s", out.SigningAlgorithm, aws.ToString(out.KeyId))
				}
				verifyLocally(t, pub.PublicKey, alg, msg, out.Signature)
				v := ok(c.Verify(ctx(), &kms.VerifyInput{KeyId: keyID, Message: in, MessageType: mt, Signature: out.Signature, SigningAlgorithm: alg})).get(t)
				if !v.SignatureValid {
					t.Error("SignatureValid false")
				}
				if h := hashFor(alg); h != 0 && !strings.HasPrefix(string(alg), "ED25519") && alg != "ML_DSA_SHAKE_256" {
					// The DIGEST form of the same message verifies too, and
					// a digest of the wrong length is a ValidationException.
					ok(c.Verify(ctx(), &kms.VerifyInput{KeyId: keyID, Message: digestOf(h, msg), MessageType: "DIGEST", Signature: out.Signature, SigningAlgorithm: alg})).get(t)
					_, err := c.Sign(ctx(), &kms.SignInput{KeyId: keyID, Message: digestOf(h, msg)[1:], MessageType: "DIGEST", SigningAlgorithm: alg})
					wantCode(t, err, "ValidationException")
				}
				bad := bytes.Clone(out.Signature)
				bad[len(bad)/2] ^= 0x10
				_, err := c.Verify(ctx(), &kms.VerifyInput{KeyId: keyID, Message: in, MessageType: mt, Signature: bad, SigningAlgorithm: alg})
				var ise *types.KMSInvalidSignatureException
				if wantCode(t, err, "KMSInvalidSignatureException"); err != nil && !asErr(err, &ise) {
					t.Errorf("not the SDK's KMSInvalidSignatureException: %T", err)
				}
			})
		}
	}
	t.Run("errors", func(t *testing.T) {
		p256 := aws.String(ids["ECC_NIST_P256/SIGN_VERIFY"])
		ml := aws.String(ids["ML_DSA_44/SIGN_VERIFY"])
		ed := aws.String(ids["ECC_NIST_EDWARDS25519/SIGN_VERIFY"])
		sym := createKey(t, c, "symmetric").KeyId
		big := make([]byte, 4097)
		for _, tc := range []struct {
			name string
			in   kms.SignInput
			code string
		}{
			{"message over 4096 bytes", kms.SignInput{KeyId: p256, Message: big, SigningAlgorithm: "ECDSA_SHA_256"}, "ValidationException"},
			{"message of 4096 bytes", kms.SignInput{KeyId: p256, Message: big[:4096], SigningAlgorithm: "ECDSA_SHA_256"}, ""},
			{"empty message", kms.SignInput{KeyId: p256, Message: []byte{}, SigningAlgorithm: "ECDSA_SHA_256"}, "ValidationException"},
			{"algorithm of another curve", kms.SignInput{KeyId: p256, Message: []byte("m"), SigningAlgorithm: "ECDSA_SHA_384"}, "InvalidKeyUsageException"},
			{"RSA algorithm on ECC key", kms.SignInput{KeyId: p256, Message: []byte("m"), SigningAlgorithm: "RSASSA_PSS_SHA_256"}, "InvalidKeyUsageException"},
			{"symmetric key", kms.SignInput{KeyId: sym, Message: []byte("m"), SigningAlgorithm: "ECDSA_SHA_256"}, "InvalidKeyUsageException"},
			{"ML-DSA DIGEST", kms.SignInput{KeyId: ml, Message: make([]byte, 64), MessageType: "DIGEST", SigningAlgorithm: "ML_DSA_SHAKE_256"}, "ValidationException"},
			{"ML-DSA EXTERNAL_MU", kms.SignInput{KeyId: ml, Message: make([]byte, 64), MessageType: "EXTERNAL_MU", SigningAlgorithm: "ML_DSA_SHAKE_256"}, ""},
			{"ML-DSA EXTERNAL_MU of 63 bytes", kms.SignInput{KeyId: ml, Message: make([]byte, 63), MessageType: "EXTERNAL_MU", SigningAlgorithm: "ML_DSA_SHAKE_256"}, "ValidationException"},
			{"ECDSA EXTERNAL_MU", kms.SignInput{KeyId: p256, Message: make([]byte, 64), MessageType: "EXTERNAL_MU", SigningAlgorithm: "ECDSA_SHA_256"}, "ValidationException"},
			{"Ed25519 DIGEST", kms.SignInput{KeyId: ed, Message: make([]byte, 64), MessageType: "DIGEST", SigningAlgorithm: "ED25519_SHA_512"}, "ValidationException"},
			{"Ed25519ph RAW", kms.SignInput{KeyId: ed, Message: []byte("m"), SigningAlgorithm: "ED25519_PH_SHA_512"}, "ValidationException"},
			{"dry run", kms.SignInput{KeyId: p256, Message: []byte("m"), SigningAlgorithm: "ECDSA_SHA_256", DryRun: aws.Bool(true)}, "DryRunOperationException"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := c.Sign(ctx(), &tc.in)
				if tc.code == "" {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				wantCode(t, err, tc.code)
			})
		}
		_, err := c.GetPublicKey(ctx(), &kms.GetPublicKeyInput{KeyId: sym})
		wantCode(t, err, "UnsupportedOperationException")
		_, err = c.GetPublicKey(ctx(), &kms.GetPublicKeyInput{KeyId: aws.String(ids["HMAC_256/GENERATE_VERIFY_MAC"])})
		wantCode(t, err, "UnsupportedOperationException")
		ok(c.DisableKey(ctx(), &kms.DisableKeyInput{KeyId: p256})).get(t)
		_, err = c.Sign(ctx(), &kms.SignInput{KeyId: p256, Message: []byte("m"), SigningAlgorithm: "ECDSA_SHA_256"})
		wantCode(t, err, "DisabledException")
		_, err = c.GetPublicKey(ctx(), &kms.GetPublicKeyInput{KeyId: p256})
		wantCode(t, err, "DisabledException")
	})
}

func TestKeySpecRSAEncrypt(t *testing.T) {
	e := start(t)
	c := e.client("")
	limits := map[types.KeySpec][2]int{"RSA_2048": {214, 190}, "RSA_3072": {342, 318}, "RSA_4096": {470, 446}}
	for spec, lim := range limits {
		keyID := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: spec, KeyUsage: "ENCRYPT_DECRYPT"})).get(t).KeyMetadata.KeyId
		pub := ok(c.GetPublicKey(ctx(), &kms.GetPublicKeyInput{KeyId: keyID})).get(t)
		rpub, err := x509.ParsePKIXPublicKey(pub.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		if pub.KeyUsage != "ENCRYPT_DECRYPT" || len(pub.EncryptionAlgorithms) != 2 || pub.EncryptionAlgorithms[0] != oaep[0] ||
			pub.EncryptionAlgorithms[1] != oaep[1] || pub.SigningAlgorithms != nil || pub.CustomerMasterKeySpec != types.CustomerMasterKeySpec(spec) {
			t.Errorf("%s GetPublicKey: %s %v %v %s", spec, pub.KeyUsage, pub.EncryptionAlgorithms, pub.SigningAlgorithms, pub.CustomerMasterKeySpec)
		}
		for i, alg := range oaep {
			t.Run(string(spec)+"/"+string(alg), func(t *testing.T) {
				pt := bytes.Repeat([]byte{'p'}, lim[i])
				out := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: keyID, Plaintext: pt, EncryptionAlgorithm: alg})).get(t)
				if len(out.CiphertextBlob) != rpub.(*rsa.PublicKey).Size() || out.EncryptionAlgorithm != alg {
					t.Errorf("ciphertext %d bytes, algorithm %s", len(out.CiphertextBlob), out.EncryptionAlgorithm)
				}
				dec := ok(c.Decrypt(ctx(), &kms.DecryptInput{KeyId: keyID, CiphertextBlob: out.CiphertextBlob, EncryptionAlgorithm: alg})).get(t)
				if !bytes.Equal(dec.Plaintext, pt) || dec.EncryptionAlgorithm != alg {
					t.Error("Decrypt did not give back the plaintext")
				}
				// Ciphertext made with the public key outside Coffer decrypts.
				h := sha256.New()
				if alg == "RSAES_OAEP_SHA_1" {
					h = crypto.SHA1.New()
				}
				local, err := rsa.EncryptOAEP(h, rand.Reader, rpub.(*rsa.PublicKey), []byte("from outside"), nil)
				if err != nil {
					t.Fatal(err)
				}
				dec = ok(c.Decrypt(ctx(), &kms.DecryptInput{KeyId: keyID, CiphertextBlob: local, EncryptionAlgorithm: alg})).get(t)
				if string(dec.Plaintext) != "from outside" {
					t.Error("Decrypt of locally made ciphertext")
				}
				_, err = c.Encrypt(ctx(), &kms.EncryptInput{KeyId: keyID, Plaintext: append(pt, 'x'), EncryptionAlgorithm: alg})
				wantCode(t, err, "ValidationException")
			})
		}
		t.Run(string(spec)+"/errors", func(t *testing.T) {
			ct := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: keyID, Plaintext: []byte("x"), EncryptionAlgorithm: "RSAES_OAEP_SHA_256"})).get(t).CiphertextBlob
			_, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: keyID, Plaintext: []byte("x")})
			wantCode(t, err, "InvalidKeyUsageException")
			_, err = c.Decrypt(ctx(), &kms.DecryptInput{KeyId: keyID, CiphertextBlob: ct})
			wantCode(t, err, "InvalidKeyUsageException")
			_, err = c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: ct, EncryptionAlgorithm: "RSAES_OAEP_SHA_256"})
			wantCode(t, err, "InvalidCiphertextException")
			_, err = c.Decrypt(ctx(), &kms.DecryptInput{KeyId: keyID, CiphertextBlob: ct, EncryptionAlgorithm: "RSAES_OAEP_SHA_1"})
			wantCode(t, err, "InvalidCiphertextException")
			_, err = c.Encrypt(ctx(), &kms.EncryptInput{KeyId: keyID, Plaintext: []byte("x"), EncryptionAlgorithm: "RSAES_OAEP_SHA_256", EncryptionContext: map[string]string{"a": "b"}})
			wantCode(t, err, "ValidationException")
			_, err = c.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: keyID, KeySpec: "AES_256"})
			wantCode(t, err, "InvalidKeyUsageException")
			_, err = c.Sign(ctx(), &kms.SignInput{KeyId: keyID, Message: []byte("m"), SigningAlgorithm: "RSASSA_PSS_SHA_256"})
			wantCode(t, err, "InvalidKeyUsageException")
		})
	}
}

func TestKeySpecMac(t *testing.T) {
	e := start(t)
	c := e.client("")
	sym := createKey(t, c, "symmetric").KeyId
	for _, sc := range allSpecCases {
		if sc.usage != "GENERATE_VERIFY_MAC" {
			continue
		}
		t.Run(string(sc.spec), func(t *testing.T) {
			keyID := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: sc.spec, KeyUsage: sc.usage})).get(t).KeyMetadata.KeyId
			alg := sc.mac[0]
			out := ok(c.GenerateMac(ctx(), &kms.GenerateMacInput{KeyId: keyID, Message: []byte("msg"), MacAlgorithm: alg})).get(t)
			sizes := map[types.MacAlgorithmSpec]int{"HMAC_SHA_224": 28, "HMAC_SHA_256": 32, "HMAC_SHA_384": 48, "HMAC_SHA_512": 64}
			if out.MacAlgorithm != alg || len(out.Mac) != sizes[alg] {
				t.Errorf("GenerateMac: %s, %d bytes", out.MacAlgorithm, len(out.Mac))
			}
			v := ok(c.VerifyMac(ctx(), &kms.VerifyMacInput{KeyId: keyID, Message: []byte("msg"), Mac: out.Mac, MacAlgorithm: alg})).get(t)
			if !v.MacValid {
				t.Error("MacValid false")
			}
			_, err := c.VerifyMac(ctx(), &kms.VerifyMacInput{KeyId: keyID, Message: []byte("msh"), Mac: out.Mac, MacAlgorithm: alg})
			var ime *types.KMSInvalidMacException
			if wantCode(t, err, "KMSInvalidMacException"); err != nil && !asErr(err, &ime) {
				t.Errorf("not the SDK's KMSInvalidMacException: %T", err)
			}
			other := types.MacAlgorithmSpec("HMAC_SHA_256")
			if alg == other {
				other = "HMAC_SHA_512"
			}
			_, err = c.GenerateMac(ctx(), &kms.GenerateMacInput{KeyId: keyID, Message: []byte("m"), MacAlgorithm: other})
			wantCode(t, err, "InvalidKeyUsageException")
			_, err = c.GenerateMac(ctx(), &kms.GenerateMacInput{KeyId: keyID, Message: make([]byte, 4097), MacAlgorithm: alg})
			wantCode(t, err, "ValidationException")
			_, err = c.Encrypt(ctx(), &kms.EncryptInput{KeyId: keyID, Plaintext: []byte("m")})
			wantCode(t, err, "InvalidKeyUsageException")
			_, err = c.GenerateMac(ctx(), &kms.GenerateMacInput{KeyId: sym, Message: []byte("m"), MacAlgorithm: alg})
			wantCode(t, err, "InvalidKeyUsageException")
		})
	}
}

func TestKeySpecDataKeyPair(t *testing.T) {
	e := start(t)
	c := e.client("")
	sym := createKey(t, c, "wraps data key pairs").KeyId
	ec := map[string]string{"purpose": "test"}
	for _, spec := range []types.DataKeyPairSpec{"RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519"} {
		t.Run(string(spec), func(t *testing.T) {
			out := ok(c.GenerateDataKeyPair(ctx(), &kms.GenerateDataKeyPairInput{KeyId: sym, KeyPairSpec: spec, EncryptionContext: ec})).get(t)
			if out.KeyPairSpec != spec || len(aws.ToString(out.KeyMaterialId)) != 64 || aws.ToString(out.KeyId) != keyARN(region, *sym) {
				t.Errorf("output: %s %q %s", out.KeyPairSpec, aws.ToString(out.KeyMaterialId), aws.ToString(out.KeyId))
			}
			priv, err := keyring.ParsePrivateKey(string(spec), out.PrivateKeyPlaintext)
			if err != nil {
				t.Fatalf("PrivateKeyPlaintext is not a PKCS#8 %s key: %v", spec, err)
			}
			if !bytes.Equal(priv.PublicKey(), out.PublicKey) {
				t.Error("PublicKey does not match the private key")
			}
			if spec != "ECC_SECG_P256K1" {
				if _, err := x509.ParsePKCS8PrivateKey(out.PrivateKeyPlaintext); err != nil {
					t.Errorf("crypto/x509: %v", err)
				}
			}
			dec := ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: out.PrivateKeyCiphertextBlob, EncryptionContext: ec})).get(t)
			if !bytes.Equal(dec.Plaintext, out.PrivateKeyPlaintext) {
				t.Error("PrivateKeyCiphertextBlob does not decrypt to the private key")
			}
			_, err = c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: out.PrivateKeyCiphertextBlob})
			wantCode(t, err, "InvalidCiphertextException")
			wo := ok(c.GenerateDataKeyPairWithoutPlaintext(ctx(), &kms.GenerateDataKeyPairWithoutPlaintextInput{KeyId: sym, KeyPairSpec: spec})).get(t)
			dec = ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: wo.PrivateKeyCiphertextBlob})).get(t)
			priv, err = keyring.ParsePrivateKey(string(spec), dec.Plaintext)
			if err != nil || !bytes.Equal(priv.PublicKey(), wo.PublicKey) {
				t.Errorf("WithoutPlaintext: the blob's key does not match the public key (%v)", err)
			}
		})
	}
	t.Run("errors", func(t *testing.T) {
		_, err := c.GenerateDataKeyPair(ctx(), &kms.GenerateDataKeyPairInput{KeyId: sym, KeyPairSpec: "SM2"})
		wantCode(t, err, "UnsupportedOperationException")
		_, err = c.GenerateDataKeyPair(ctx(), &kms.GenerateDataKeyPairInput{KeyId: sym, KeyPairSpec: "ML_DSA_44"})
		wantCode(t, err, "ValidationException")
		rsaKey := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT"})).get(t).KeyMetadata.KeyId
		_, err = c.GenerateDataKeyPair(ctx(), &kms.GenerateDataKeyPairInput{KeyId: rsaKey, KeyPairSpec: "ECC_NIST_P256"})
		wantCode(t, err, "InvalidKeyUsageException")
		_, err = c.GenerateDataKeyPairWithoutPlaintext(ctx(), &kms.GenerateDataKeyPairWithoutPlaintextInput{KeyId: sym, KeyPairSpec: "ECC_NIST_P256", DryRun: aws.Bool(true)})
		wantCode(t, err, "DryRunOperationException")
	})
}

func TestKeySpecDeriveSharedSecret(t *testing.T) {
	e := start(t)
	c := e.client("")
	curves := map[types.KeySpec]ecdh.Curve{"ECC_NIST_P256": ecdh.P256(), "ECC_NIST_P384": ecdh.P384(), "ECC_NIST_P521": ecdh.P521()}
	for spec, curve := range curves {
		t.Run(string(spec), func(t *testing.T) {
			keyID := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: spec, KeyUsage: "KEY_AGREEMENT"})).get(t).KeyMetadata.KeyId
			pub := ok(c.GetPublicKey(ctx(), &kms.GetPublicKeyInput{KeyId: keyID})).get(t)
			if len(pub.KeyAgreementAlgorithms) != 1 || pub.KeyAgreementAlgorithms[0] != "ECDH" {
				t.Errorf("KeyAgreementAlgorithms %v", pub.KeyAgreementAlgorithms)
			}
			peer, _ := curve.GenerateKey(rand.Reader)
			peerDER, _ := x509.MarshalPKIXPublicKey(peer.PublicKey())
			out := ok(c.DeriveSharedSecret(ctx(), &kms.DeriveSharedSecretInput{KeyId: keyID, KeyAgreementAlgorithm: "ECDH", PublicKey: peerDER})).get(t)
			kp, _ := x509.ParsePKIXPublicKey(pub.PublicKey)
			kpe, _ := kp.(*ecdsa.PublicKey).ECDH()
			want, _ := peer.ECDH(kpe)
			if !bytes.Equal(out.SharedSecret, want) || out.KeyAgreementAlgorithm != "ECDH" || out.KeyOrigin != "AWS_KMS" {
				t.Errorf("shared secret differs from the peer's (%s, %s)", out.KeyAgreementAlgorithm, out.KeyOrigin)
			}
			for _, bad := range [][]byte{{1, 2, 3}, peerDER[:len(peerDER)-2]} {
				_, err := c.DeriveSharedSecret(ctx(), &kms.DeriveSharedSecretInput{KeyId: keyID, KeyAgreementAlgorithm: "ECDH", PublicKey: bad})
				wantCode(t, err, "ValidationException")
			}
			other := ecdh.P256()
			if spec == "ECC_NIST_P256" {
				other = ecdh.P384()
			}
			op, _ := other.GenerateKey(rand.Reader)
			opDER, _ := x509.MarshalPKIXPublicKey(op.PublicKey())
			_, err := c.DeriveSharedSecret(ctx(), &kms.DeriveSharedSecretInput{KeyId: keyID, KeyAgreementAlgorithm: "ECDH", PublicKey: opDER})
			wantCode(t, err, "ValidationException")
			_, err = c.Sign(ctx(), &kms.SignInput{KeyId: keyID, Message: []byte("m"), SigningAlgorithm: "ECDSA_SHA_256"})
			wantCode(t, err, "InvalidKeyUsageException")
		})
	}
	signKey := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY"})).get(t).KeyMetadata.KeyId
	peer, _ := ecdh.P256().GenerateKey(rand.Reader)
	peerDER, _ := x509.MarshalPKIXPublicKey(peer.PublicKey())
	_, err := c.DeriveSharedSecret(ctx(), &kms.DeriveSharedSecretInput{KeyId: signKey, KeyAgreementAlgorithm: "ECDH", PublicKey: peerDER})
	wantCode(t, err, "InvalidKeyUsageException")
}

// TestKeySpecConditionKeys: the condition keys of the new operations reach
// the policy engine (kms:SigningAlgorithm, kms:MessageType,
// kms:MacAlgorithm, kms:KeyAgreementAlgorithm, kms:DataKeyPairSpec,
// kms:EncryptionAlgorithm).
func TestKeySpecConditionKeys(t *testing.T) {
	e := start(t)
	root := e.kmsAs(rootCreds)
	deny := func(action, key, value string) stmt {
		return stmt{"Effect": "Deny", "Principal": "*", "Action": action, "Resource": "*",
			"Condition": map[string]any{"StringEquals": map[string]any{key: value}}}
	}
	policy := doc(accountStmt(account),
		deny("kms:Sign", "kms:SigningAlgorithm", "RSASSA_PKCS1_V1_5_SHA_256"),
		deny("kms:Verify", "kms:MessageType", "DIGEST"),
		deny("kms:Encrypt", "kms:EncryptionAlgorithm", "RSAES_OAEP_SHA_1"),
		deny("kms:GenerateMac", "kms:MacAlgorithm", "HMAC_SHA_256"),
		deny("kms:DeriveSharedSecret", "kms:KeyAgreementAlgorithm", "ECDH"),
		deny("kms:GenerateDataKeyPair", "kms:DataKeyPairSpec", "RSA_4096"))
	mk := func(spec types.KeySpec, usage types.KeyUsageType) *string {
		return ok(root.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: spec, KeyUsage: usage, Policy: aws.String(policy)})).get(t).KeyMetadata.KeyId
	}
	rsaSign, rsaEnc := mk("RSA_2048", "SIGN_VERIFY"), mk("RSA_2048", "ENCRYPT_DECRYPT")
	mac, agree, sym := mk("HMAC_256", "GENERATE_VERIFY_MAC"), mk("ECC_NIST_P256", "KEY_AGREEMENT"), mk("", "")

	_, err := root.Sign(ctx(), &kms.SignInput{KeyId: rsaSign, Message: []byte("m"), SigningAlgorithm: "RSASSA_PKCS1_V1_5_SHA_256"})
	deniedErr(t, "Sign with a denied algorithm", err)
	sig, err := root.Sign(ctx(), &kms.SignInput{KeyId: rsaSign, Message: []byte("m"), SigningAlgorithm: "RSASSA_PSS_SHA_256"})
	allowed(t, "Sign with another algorithm", err)
	if err == nil {
		_, err = root.Verify(ctx(), &kms.VerifyInput{KeyId: rsaSign, Message: digestOf(crypto.SHA256, []byte("m")), MessageType: "DIGEST", Signature: sig.Signature, SigningAlgorithm: "RSASSA_PSS_SHA_256"})
		deniedErr(t, "Verify of a DIGEST", err)
		_, err = root.Verify(ctx(), &kms.VerifyInput{KeyId: rsaSign, Message: []byte("m"), Signature: sig.Signature, SigningAlgorithm: "RSASSA_PSS_SHA_256"})
		allowed(t, "Verify of a RAW message", err)
	}
	_, err = root.Encrypt(ctx(), &kms.EncryptInput{KeyId: rsaEnc, Plaintext: []byte("m"), EncryptionAlgorithm: "RSAES_OAEP_SHA_1"})
	deniedErr(t, "Encrypt with OAEP SHA-1", err)
	_, err = root.Encrypt(ctx(), &kms.EncryptInput{KeyId: rsaEnc, Plaintext: []byte("m"), EncryptionAlgorithm: "RSAES_OAEP_SHA_256"})
	allowed(t, "Encrypt with OAEP SHA-256", err)
	_, err = root.GenerateMac(ctx(), &kms.GenerateMacInput{KeyId: mac, Message: []byte("m"), MacAlgorithm: "HMAC_SHA_256"})
	deniedErr(t, "GenerateMac", err)
	peer, _ := ecdh.P256().GenerateKey(rand.Reader)
	peerDER, _ := x509.MarshalPKIXPublicKey(peer.PublicKey())
	_, err = root.DeriveSharedSecret(ctx(), &kms.DeriveSharedSecretInput{KeyId: agree, KeyAgreementAlgorithm: "ECDH", PublicKey: peerDER})
	deniedErr(t, "DeriveSharedSecret", err)
	_, err = root.GenerateDataKeyPair(ctx(), &kms.GenerateDataKeyPairInput{KeyId: sym, KeyPairSpec: "RSA_4096"})
	deniedErr(t, "GenerateDataKeyPair RSA_4096", err)
	_, err = root.GenerateDataKeyPair(ctx(), &kms.GenerateDataKeyPairInput{KeyId: sym, KeyPairSpec: "ECC_NIST_P256"})
	allowed(t, "GenerateDataKeyPair ECC_NIST_P256", err)

	// Grants: a grant for Sign lets its grantee sign; a grant operation
	// the key type does not support is refused.
	_, alice := e.newUser(t, rootCreds, "alice")
	ok(root.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: rsaSign, GranteePrincipal: aws.String(userARN(account, "alice")),
		Operations: []types.GrantOperation{"Sign", "GetPublicKey"}})).get(t)
	ac := e.kmsAs(alice)
	_, err = ac.Sign(ctx(), &kms.SignInput{KeyId: rsaSign, Message: []byte("m"), SigningAlgorithm: "RSASSA_PSS_SHA_384"})
	allowed(t, "Sign through a grant", err)
	_, err = ac.Verify(ctx(), &kms.VerifyInput{KeyId: rsaSign, Message: []byte("m"), Signature: make([]byte, 256), SigningAlgorithm: "RSASSA_PSS_SHA_384"})
	deniedErr(t, "Verify without a grant", err)
	_, err = root.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: rsaSign, GranteePrincipal: aws.String(userARN(account, "alice")),
		Operations: []types.GrantOperation{"Encrypt"}})
	wantCode(t, err, "ValidationException")
}

// TestKeySpecReEncryptRSA: ReEncrypt from and to RSA keys, in every
// combination with a symmetric key.
func TestKeySpecReEncryptRSA(t *testing.T) {
	e := start(t)
	c := e.client("")
	sym := createKey(t, c, "symmetric").KeyId
	rsa1 := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT"})).get(t).KeyMetadata.KeyId
	rsa2 := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: "RSA_3072", KeyUsage: "ENCRYPT_DECRYPT"})).get(t).KeyMetadata.KeyId
	pt := []byte("moves between keys")

	rsaCT := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: rsa1, Plaintext: pt, EncryptionAlgorithm: "RSAES_OAEP_SHA_256"})).get(t).CiphertextBlob
	// RSA → symmetric.
	out := ok(c.ReEncrypt(ctx(), &kms.ReEncryptInput{CiphertextBlob: rsaCT, SourceKeyId: rsa1, SourceEncryptionAlgorithm: "RSAES_OAEP_SHA_256",
		DestinationKeyId: sym, DestinationEncryptionContext: map[string]string{"k": "v"}})).get(t)
	if out.SourceEncryptionAlgorithm != "RSAES_OAEP_SHA_256" || out.DestinationEncryptionAlgorithm != "SYMMETRIC_DEFAULT" {
		t.Errorf("algorithms %s → %s", out.SourceEncryptionAlgorithm, out.DestinationEncryptionAlgorithm)
	}
	dec := ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob, EncryptionContext: map[string]string{"k": "v"}})).get(t)
	if !bytes.Equal(dec.Plaintext, pt) {
		t.Error("RSA → symmetric lost the plaintext")
	}
	// Symmetric → RSA.
	out = ok(c.ReEncrypt(ctx(), &kms.ReEncryptInput{CiphertextBlob: out.CiphertextBlob, SourceEncryptionContext: map[string]string{"k": "v"},
		DestinationKeyId: rsa2, DestinationEncryptionAlgorithm: "RSAES_OAEP_SHA_1"})).get(t)
	dec = ok(c.Decrypt(ctx(), &kms.DecryptInput{KeyId: rsa2, CiphertextBlob: out.CiphertextBlob, EncryptionAlgorithm: "RSAES_OAEP_SHA_1"})).get(t)
	if !bytes.Equal(dec.Plaintext, pt) {
		t.Error("symmetric → RSA lost the plaintext")
	}
	// RSA → RSA.
	out = ok(c.ReEncrypt(ctx(), &kms.ReEncryptInput{CiphertextBlob: out.CiphertextBlob, SourceKeyId: rsa2, SourceEncryptionAlgorithm: "RSAES_OAEP_SHA_1",
		DestinationKeyId: rsa1, DestinationEncryptionAlgorithm: "RSAES_OAEP_SHA_256"})).get(t)
	dec = ok(c.Decrypt(ctx(), &kms.DecryptInput{KeyId: rsa1, CiphertextBlob: out.CiphertextBlob, EncryptionAlgorithm: "RSAES_OAEP_SHA_256"})).get(t)
	if !bytes.Equal(dec.Plaintext, pt) {
		t.Error("RSA → RSA lost the plaintext")
	}
	// Errors: RSA source without its algorithm or key id; RSA destination without an algorithm.
	_, err := c.ReEncrypt(ctx(), &kms.ReEncryptInput{CiphertextBlob: rsaCT, SourceKeyId: rsa1, DestinationKeyId: sym})
	wantCode(t, err, "InvalidKeyUsageException")
	_, err = c.ReEncrypt(ctx(), &kms.ReEncryptInput{CiphertextBlob: rsaCT, DestinationKeyId: sym})
	wantCode(t, err, "InvalidCiphertextException")
	_, err = c.ReEncrypt(ctx(), &kms.ReEncryptInput{CiphertextBlob: rsaCT, SourceKeyId: rsa1, SourceEncryptionAlgorithm: "RSAES_OAEP_SHA_256", DestinationKeyId: rsa2})
	wantCode(t, err, "InvalidKeyUsageException")
	// A 4096-byte symmetric plaintext does not fit an RSA destination.
	big := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: sym, Plaintext: make([]byte, 4096)})).get(t).CiphertextBlob
	_, err = c.ReEncrypt(ctx(), &kms.ReEncryptInput{CiphertextBlob: big, DestinationKeyId: rsa1, DestinationEncryptionAlgorithm: "RSAES_OAEP_SHA_256"})
	wantCode(t, err, "ValidationException")
}
