package keyring

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// importKeys caches one RSA wrapping key per spec: generating RSA_4096 is slow.
var importKeys sync.Map

func wrappingKey(t testing.TB, spec string) *PrivateKey {
	t.Helper()
	if k, ok := importKeys.Load(spec); ok {
		return k.(*PrivateKey)
	}
	k, err := GenerateKeyPair(rand.Reader, spec)
	if err != nil {
		t.Fatal(err)
	}
	importKeys.Store(spec, k)
	return k
}

func TestUnwrapImportedRoundTrip(t *testing.T) {
	rsaPKCS8 := func() []byte {
		k, err := GenerateKeyPair(rand.Reader, SpecRSA2048)
		if err != nil {
			t.Fatal(err)
		}
		der, err := k.MarshalPKCS8()
		if err != nil {
			t.Fatal(err)
		}
		return der
	}()
	tests := []struct {
		name     string
		spec     string
		alg      string
		material []byte
	}{
		{"symmetric OAEP SHA-1", SpecRSA2048, WrapOAEPSHA1, bytes.Repeat([]byte{1}, 32)},
		{"symmetric OAEP SHA-256", SpecRSA3072, WrapOAEPSHA256, bytes.Repeat([]byte{2}, 32)},
		{"HMAC_512 OAEP SHA-256", SpecRSA2048, WrapOAEPSHA256, bytes.Repeat([]byte{3}, 64)},
		{"symmetric KWP SHA-1", SpecRSA2048, WrapRSAAESKWSHA1, bytes.Repeat([]byte{4}, 32)},
		{"RSA private key KWP SHA-256", SpecRSA4096, WrapRSAAESKWSHA256, rsaPKCS8},
		{"odd length KWP", SpecRSA2048, WrapRSAAESKWSHA256, bytes.Repeat([]byte{5}, 29)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := wrappingKey(t, tc.spec)
			enc, err := WrapForImport(rand.Reader, &k.rsa.PublicKey, tc.alg, tc.material)
			if err != nil {
				t.Fatal(err)
			}
			got, err := UnwrapImported(k, tc.alg, enc)
			if err != nil {
				t.Fatalf("UnwrapImported: %v", err)
			}
			if !bytes.Equal(got, tc.material) {
				t.Fatalf("got %x, want %x", got, tc.material)
			}
			// Any altered byte fails, and so does the other algorithm.
			for _, i := range []int{0, len(enc) / 2, len(enc) - 1} {
				bad := bytes.Clone(enc)
				bad[i] ^= 1
				if _, err := UnwrapImported(k, tc.alg, bad); !errors.Is(err, ErrDecrypt) {
					t.Errorf("byte %d altered: err = %v, want ErrDecrypt", i, err)
				}
			}
			other := map[string]string{WrapOAEPSHA1: WrapOAEPSHA256, WrapOAEPSHA256: WrapOAEPSHA1,
				WrapRSAAESKWSHA1: WrapRSAAESKWSHA256, WrapRSAAESKWSHA256: WrapRSAAESKWSHA1}[tc.alg]
			if _, err := UnwrapImported(k, other, enc); !errors.Is(err, ErrDecrypt) {
				t.Errorf("with %s: err = %v, want ErrDecrypt", other, err)
			}
			if _, err := UnwrapImported(k, tc.alg, enc[:len(enc)-8]); !errors.Is(err, ErrDecrypt) {
				t.Errorf("truncated: err = %v, want ErrDecrypt", err)
			}
		})
	}
	if _, err := UnwrapImported(wrappingKey(t, SpecRSA2048), "RSAES_PKCS1_V1_5", []byte{1}); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("PKCS#1 v1.5: err = %v, want ErrAlgorithm", err)
	}
}

// TestUnwrapImportedOpenSSL wraps material with the openssl commands the
// AWS KMS Developer Guide gives ("Encrypt key material": pkeyutl with OAEP,
// and for RSA_AES_KEY_WRAP, enc -id-aes256-wrap-pad) and unwraps it here.
func TestUnwrapImportedOpenSSL(t *testing.T) {
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatalf("this test needs the openssl command: %v", err)
	}
	dir := t.TempDir()
	k := wrappingKey(t, SpecRSA2048)
	pub, err := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPath := filepath.Join(dir, "WrappingPublicKey.bin")
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("WrappingPublicKey.bin", pub)
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	material := make([]byte, 32)
	rand.Read(material)
	matPath := write("PlaintextKeyMaterial.bin", material)
	for _, md := range []string{"sha1", "sha256"} {
		t.Run("OAEP "+md, func(t *testing.T) {
			out := filepath.Join(dir, "EncryptedKeyMaterial-"+md+".bin")
			run("pkeyutl", "-encrypt", "-in", matPath, "-out", out, "-inkey", pubPath, "-keyform", "DER", "-pubin",
				"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:"+md, "-pkeyopt", "rsa_mgf1_md:"+md)
			alg := map[string]string{"sha1": WrapOAEPSHA1, "sha256": WrapOAEPSHA256}[md]
			got, err := UnwrapImported(k, alg, read(out))
			if err != nil || !bytes.Equal(got, material) {
				t.Fatalf("UnwrapImported = %x, %v; want %x", got, err, material)
			}
		})
		t.Run("RSA_AES_KEY_WRAP "+md, func(t *testing.T) {
			// An RSA private key: too large for OAEP alone.
			pk, err := GenerateKeyPair(rand.Reader, SpecRSA2048)
			if err != nil {
				t.Fatal(err)
			}
			der, _ := pk.MarshalPKCS8()
			derPath := write("PrivateKey-"+md+".der", der)
			aesKey := make([]byte, 32)
			rand.Read(aesKey)
			aesPath := write("aes-key-"+md+".bin", aesKey)
			wrappedMat := filepath.Join(dir, "key-material-wrapped-"+md+".bin")
			run("enc", "-id-aes256-wrap-pad", "-K", hex.EncodeToString(aesKey), "-iv", "A65959A6", "-in", derPath, "-out", wrappedMat)
			wrappedKey := filepath.Join(dir, "aes-key-wrapped-"+md+".bin")
			run("pkeyutl", "-encrypt", "-in", aesPath, "-out", wrappedKey, "-inkey", pubPath, "-keyform", "DER", "-pubin",
				"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:"+md, "-pkeyopt", "rsa_mgf1_md:"+md)
			enc := append(read(wrappedKey), read(wrappedMat)...)
			alg := map[string]string{"sha1": WrapRSAAESKWSHA1, "sha256": WrapRSAAESKWSHA256}[md]
			got, err := UnwrapImported(k, alg, enc)
			if err != nil || !bytes.Equal(got, der) {
				t.Fatalf("UnwrapImported: %v (match %v)", err, bytes.Equal(got, der))
			}
			// And openssl unwraps what WrapForImport's AES key wrap made.
			mine, err := WrapForImport(rand.Reader, &k.rsa.PublicKey, alg, der)
			if err != nil {
				t.Fatal(err)
			}
			aes2, err := k.Decrypt(map[string]string{"sha1": AlgOAEPSHA1, "sha256": AlgOAEPSHA256}[md], mine[:k.rsa.Size()])
			if err != nil {
				t.Fatal(err)
			}
			tail := write("mine-"+md+".bin", mine[k.rsa.Size():])
			back := filepath.Join(dir, "mine-unwrapped-"+md+".der")
			run("enc", "-d", "-id-aes256-wrap-pad", "-K", hex.EncodeToString(aes2), "-iv", "A65959A6", "-in", tail, "-out", back)
			if !bytes.Equal(read(back), der) {
				t.Fatal("openssl did not unwrap WrapForImport's output to the material")
			}
		})
	}
}

func TestImportToken(t *testing.T) {
	var id [ImportTokenIDSize]byte
	rand.Read(id[:])
	tok := MarshalImportToken(id)
	got, err := ParseImportToken(tok)
	if err != nil || !EqualTokenIDs(got, id) {
		t.Fatalf("ParseImportToken = %x, %v", got, err)
	}
	tests := []struct {
		name string
		tok  []byte
	}{
		{"empty", nil},
		{"short", tok[:len(tok)-1]},
		{"long", append(bytes.Clone(tok), 0)},
		{"magic", append([]byte("CFIX"), tok[4:]...)},
		{"version", append(append([]byte("CFIT"), 2), tok[5:]...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseImportToken(tc.tok); !errors.Is(err, ErrImportToken) {
				t.Errorf("err = %v, want ErrImportToken", err)
			}
		})
	}
}

// FuzzParseImportToken: never panics; what it accepts re-marshals to the
// input byte for byte.
func FuzzParseImportToken(f *testing.F) {
	f.Add(MarshalImportToken([ImportTokenIDSize]byte{1, 2, 3}))
	f.Add([]byte("CFIT\x01"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, tok []byte) {
		id, err := ParseImportToken(tok)
		if err != nil {
			if !errors.Is(err, ErrImportToken) {
				t.Fatalf("error %v is not ErrImportToken", err)
			}
			return
		}
		if got := MarshalImportToken(id); !bytes.Equal(got, tok) {
			t.Fatalf("round trip: got %x, want %x", got, tok)
		}
	})
}

// FuzzUnwrapImported: arbitrary encrypted key material never panics and
// fails with ErrDecrypt (the fuzzer cannot forge OAEP).
func FuzzUnwrapImported(f *testing.F) {
	k := wrappingKey(f, SpecRSA2048)
	for _, alg := range []string{WrapOAEPSHA1, WrapOAEPSHA256, WrapRSAAESKWSHA1, WrapRSAAESKWSHA256} {
		enc, err := WrapForImport(rand.Reader, &k.rsa.PublicKey, alg, bytes.Repeat([]byte{7}, 32))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(alg, enc)
		f.Add(alg, enc[:len(enc)/2])
	}
	f.Add("", []byte{})
	f.Fuzz(func(t *testing.T, alg string, enc []byte) {
		got, err := UnwrapImported(k, alg, enc)
		switch {
		case err == nil:
			if len(got) == 0 {
				t.Fatal("empty material without an error")
			}
		case errors.Is(err, ErrDecrypt), errors.Is(err, ErrAlgorithm):
		default:
			t.Fatalf("unexpected error %v", err)
		}
	})
}

// TestParseOpenSSLPKCS8: the PKCS#8 private keys openssl makes (what users
// import with RSA_AES_KEY_WRAP, following the AWS guide) parse for their
// key spec, and not for another.
func TestParseOpenSSLPKCS8(t *testing.T) {
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatalf("this test needs the openssl command: %v", err)
	}
	dir := t.TempDir()
	tests := []struct {
		spec  string
		args  []string
		other string
	}{
		{SpecRSA2048, []string{"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"}, SpecRSA3072},
		{SpecP384, []string{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"}, SpecP256},
		{SpecSECP256K1, []string{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"}, SpecP256},
		{SpecEd25519, []string{"-algorithm", "ED25519"}, SpecP256},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			raw := filepath.Join(dir, tc.spec+".der")
			p8 := filepath.Join(dir, tc.spec+".p8")
			if out, err := exec.Command(bin, append(append([]string{"genpkey"}, tc.args...), "-outform", "DER", "-out", raw)...).CombinedOutput(); err != nil {
				t.Fatalf("openssl genpkey: %v\n%s", err, out)
			}
			if out, err := exec.Command(bin, "pkcs8", "-topk8", "-nocrypt", "-inform", "DER", "-outform", "DER", "-in", raw, "-out", p8).CombinedOutput(); err != nil {
				t.Fatalf("openssl pkcs8: %v\n%s", err, out)
			}
			der, err := os.ReadFile(p8)
			if err != nil {
				t.Fatal(err)
			}
			k, err := ParsePrivateKey(tc.spec, der)
			if err != nil {
				t.Fatalf("ParsePrivateKey(%s) of openssl's PKCS#8: %v", tc.spec, err)
			}
			k.Zero()
			if _, err := ParsePrivateKey(tc.other, der); err == nil {
				t.Errorf("a %s key parsed as %s", tc.spec, tc.other)
			}
		})
	}
}
