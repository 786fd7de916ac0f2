package e2e

import (
	"bytes"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// openssl runs the openssl command line tool (OpenSSL 3) in dir and
// returns its standard output; the test fails on a non-zero exit.
func openssl(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatalf("the interop tests need the openssl command: %v", err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return out
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestKeySpecOpenSSLVerify: signatures Coffer makes verify with `openssl
// dgst -verify` (or `pkeyutl -verify -rawin` for Ed25519) and the PEM of
// the public key GetPublicKey returns. OpenSSL 3.0 has no ML-DSA and no
// Ed25519ph; those are checked by Go's crypto and Verify elsewhere.
func TestKeySpecOpenSSLVerify(t *testing.T) {
	e := start(t)
	c := e.client("")
	dir := t.TempDir()
	msg := []byte("a message for openssl\n")
	writeFile(t, filepath.Join(dir, "msg"), msg)
	cases := []struct {
		spec types.KeySpec
		algs []types.SigningAlgorithmSpec
	}{
		{"RSA_2048", rsaSigning}, {"RSA_3072", []types.SigningAlgorithmSpec{"RSASSA_PSS_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512"}},
		{"RSA_4096", []types.SigningAlgorithmSpec{"RSASSA_PSS_SHA_512", "RSASSA_PKCS1_V1_5_SHA_256"}},
		{"ECC_NIST_P256", []types.SigningAlgorithmSpec{"ECDSA_SHA_256"}}, {"ECC_NIST_P384", []types.SigningAlgorithmSpec{"ECDSA_SHA_384"}},
		{"ECC_NIST_P521", []types.SigningAlgorithmSpec{"ECDSA_SHA_512"}}, {"ECC_SECG_P256K1", []types.SigningAlgorithmSpec{"ECDSA_SHA_256"}},
		{"ECC_NIST_EDWARDS25519", []types.SigningAlgorithmSpec{"ED25519_SHA_512"}},
	}
	for _, tc := range cases {
		keyID := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: tc.spec, KeyUsage: "SIGN_VERIFY"})).get(t).KeyMetadata.KeyId
		pub := ok(c.GetPublicKey(ctx(), &kms.GetPublicKeyInput{KeyId: keyID})).get(t).PublicKey
		pubPath := filepath.Join(dir, string(tc.spec)+".pem")
		writePEM(t, pubPath, "PUBLIC KEY", pub)
		for _, alg := range tc.algs {
			t.Run(string(tc.spec)+"/"+string(alg), func(t *testing.T) {
				for _, mt := range []types.MessageType{"RAW", "DIGEST"} {
					in := msg
					if mt == "DIGEST" {
						if alg == "ED25519_SHA_512" {
							continue
						}
						in = digestOf(hashFor(alg), msg)
					}
					sig := ok(c.Sign(ctx(), &kms.SignInput{KeyId: keyID, Message: in, MessageType: mt, SigningAlgorithm: alg})).get(t).Signature
					sigPath := filepath.Join(dir, "sig")
					writeFile(t, sigPath, sig)
					if alg == "ED25519_SHA_512" {
						openssl(t, dir, "pkeyutl", "-verify", "-pubin", "-inkey", pubPath, "-rawin", "-in", "msg", "-sigfile", "sig")
						continue
					}
					args := []string{"dgst", "-sha" + strings.TrimPrefix(hashFor(alg).String(), "SHA-"), "-verify", pubPath, "-signature", "sig"}
					if strings.Contains(string(alg), "PSS") {
						args = append(args, "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest")
					}
					out := openssl(t, dir, append(args, "msg")...)
					if !strings.Contains(string(out), "Verified OK") {
						t.Errorf("openssl: %s", out)
					}
				}
			})
		}
	}
}

// TestKeySpecOpenSSLInterop: RSA OAEP ciphertext made by `openssl pkeyutl
// -encrypt` decrypts in Coffer; ECDH secrets match `openssl pkeyutl
// -derive`; data key pairs are PKCS#8 that openssl reads, with the public
// key GenerateDataKeyPair returned.
func TestKeySpecOpenSSLInterop(t *testing.T) {
	e := start(t)
	c := e.client("")
	dir := t.TempDir()
	t.Run("RSA OAEP", func(t *testing.T) {
		for _, spec := range []types.KeySpec{"RSA_2048", "RSA_3072", "RSA_4096"} {
			keyID := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: spec, KeyUsage: "ENCRYPT_DECRYPT"})).get(t).KeyMetadata.KeyId
			pub := ok(c.GetPublicKey(ctx(), &kms.GetPublicKeyInput{KeyId: keyID})).get(t).PublicKey
			writePEM(t, filepath.Join(dir, "rsa.pem"), "PUBLIC KEY", pub)
			writeFile(t, filepath.Join(dir, "pt"), []byte("secret for "+string(spec)))
			for alg, md := range map[types.EncryptionAlgorithmSpec]string{"RSAES_OAEP_SHA_1": "sha1", "RSAES_OAEP_SHA_256": "sha256"} {
				ct := openssl(t, dir, "pkeyutl", "-encrypt", "-pubin", "-inkey", "rsa.pem", "-in", "pt",
					"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:"+md, "-pkeyopt", "rsa_mgf1_md:"+md)
				dec := ok(c.Decrypt(ctx(), &kms.DecryptInput{KeyId: keyID, CiphertextBlob: ct, EncryptionAlgorithm: alg})).get(t)
				if string(dec.Plaintext) != "secret for "+string(spec) {
					t.Errorf("%s %s: Decrypt gave %q", spec, alg, dec.Plaintext)
				}
			}
		}
	})
	t.Run("ECDH", func(t *testing.T) {
		for spec, curve := range map[types.KeySpec]string{"ECC_NIST_P256": "P-256", "ECC_NIST_P384": "P-384", "ECC_NIST_P521": "P-521"} {
			keyID := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: spec, KeyUsage: "KEY_AGREEMENT"})).get(t).KeyMetadata.KeyId
			pub := ok(c.GetPublicKey(ctx(), &kms.GetPublicKeyInput{KeyId: keyID})).get(t).PublicKey
			writePEM(t, filepath.Join(dir, "coffer.pem"), "PUBLIC KEY", pub)
			openssl(t, dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:"+curve, "-out", "peer.pem")
			peerDER := openssl(t, dir, "pkey", "-in", "peer.pem", "-pubout", "-outform", "DER")
			want := openssl(t, dir, "pkeyutl", "-derive", "-inkey", "peer.pem", "-peerkey", "coffer.pem")
			got := ok(c.DeriveSharedSecret(ctx(), &kms.DeriveSharedSecretInput{KeyId: keyID, KeyAgreementAlgorithm: "ECDH", PublicKey: peerDER})).get(t)
			if !bytes.Equal(got.SharedSecret, want) {
				t.Errorf("%s: Coffer's shared secret differs from openssl's", spec)
			}
		}
	})
	t.Run("data key pairs", func(t *testing.T) {
		sym := createKey(t, c, "data key pairs").KeyId
		for _, spec := range []types.DataKeyPairSpec{"RSA_2048", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519"} {
			out := ok(c.GenerateDataKeyPair(ctx(), &kms.GenerateDataKeyPairInput{KeyId: sym, KeyPairSpec: spec})).get(t)
			writeFile(t, filepath.Join(dir, "priv.der"), out.PrivateKeyPlaintext)
			pub := openssl(t, dir, "pkey", "-inform", "DER", "-in", "priv.der", "-pubout", "-outform", "DER")
			if !bytes.Equal(pub, out.PublicKey) {
				t.Errorf("%s: openssl derives another public key from the PKCS#8 private key", spec)
			}
			// A signature openssl makes with the private key verifies with
			// the public key in Go (ECDSA and RSA), showing the pair matches.
			if spec == "ECC_NIST_P256" {
				writeFile(t, filepath.Join(dir, "m"), []byte("m"))
				sig := openssl(t, dir, "dgst", "-sha256", "-keyform", "DER", "-sign", "priv.der", "m")
				verifyLocally(t, out.PublicKey, "ECDSA_SHA_256", []byte("m"), sig)
			}
		}
	})
}
