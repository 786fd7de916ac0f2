package keyring

import (
	"bytes"
	"crypto/ecdh"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Wycheproof (github.com/C2SP/wycheproof) test vectors run through
// Coffer's own entry points: ECDH through ParsePrivateKey, the peer-key
// parser and DeriveSharedSecret (invalid curve points, wrong curves,
// malformed encodings must be refused), and RSAES-OAEP decryption through
// ParsePrivateKey and Decrypt (malformed ciphertexts refused). The module
// comes from the Go module cache (`go mod download`, as Go's own crypto
// tests fetch it); go.sum pins its hash.
const wycheproofModule = "github.com/c2sp/wycheproof@v0.0.0-20260105152342-fca0d3ba9f12"

func wycheproofDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", wycheproofModule).Output()
	if err != nil {
		t.Fatalf("go mod download %s: %v (the vectors must be in the module cache or reachable through the module proxy)", wycheproofModule, err)
	}
	var m struct{ Dir string }
	if err := json.Unmarshal(out, &m); err != nil || m.Dir == "" {
		t.Fatalf("go mod download: %v %s", err, out)
	}
	return filepath.Join(m.Dir, "testvectors_v1")
}

func loadVectors(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(wycheproofDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWycheproofECDH(t *testing.T) {
	for _, tc := range []struct {
		file, spec string
		curve      ecdh.Curve
	}{
		{"ecdh_secp256r1_test.json", SpecP256, ecdh.P256()},
		{"ecdh_secp384r1_test.json", SpecP384, ecdh.P384()},
		{"ecdh_secp521r1_test.json", SpecP521, ecdh.P521()},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			var f struct {
				TestGroups []struct {
					Tests []struct {
						TcID    int `json:"tcId"`
						Comment string
						Public  string
						Private string
						Shared  string
						Result  string
					}
				}
			}
			loadVectors(t, tc.file, &f)
			n := 0
			for _, g := range f.TestGroups {
				for _, v := range g.Tests {
					// Wycheproof's private keys are big-endian integers,
					// sometimes with a leading zero byte: trim to the
					// curve's size.
					d := unhex(t, v.Private)
					size := map[string]int{SpecP256: 32, SpecP384: 48, SpecP521: 66}[tc.spec]
					for len(d) > size && d[0] == 0 {
						d = d[1:]
					}
					for len(d) < size {
						d = append([]byte{0}, d...)
					}
					priv, err := tc.curve.NewPrivateKey(d)
					if err != nil {
						t.Fatalf("tcId %d: private key: %v", v.TcID, err)
					}
					der, err := x509.MarshalPKCS8PrivateKey(priv)
					if err != nil {
						t.Fatal(err)
					}
					k, err := ParsePrivateKey(tc.spec, der)
					if err != nil {
						t.Fatalf("tcId %d: ParsePrivateKey: %v", v.TcID, err)
					}
					shared, err := k.DeriveSharedSecret(unhex(t, v.Public))
					switch v.Result {
					case "valid":
						if err != nil || !bytes.Equal(shared, unhex(t, v.Shared)) {
							t.Errorf("tcId %d (%s): %x, %v; want %s", v.TcID, v.Comment, shared, err, v.Shared)
						}
					case "invalid":
						if err == nil {
							t.Errorf("tcId %d (%s): accepted an invalid peer key", v.TcID, v.Comment)
						}
					case "acceptable":
						if err == nil && !bytes.Equal(shared, unhex(t, v.Shared)) {
							t.Errorf("tcId %d (%s): wrong secret", v.TcID, v.Comment)
						}
					}
					n++
				}
			}
			t.Logf("%d vectors", n)
		})
	}
}

func TestWycheproofRSAOAEP(t *testing.T) {
	for _, tc := range []struct{ file, spec, alg string }{
		{"rsa_oaep_2048_sha256_mgf1sha256_test.json", SpecRSA2048, AlgOAEPSHA256},
		{"rsa_oaep_2048_sha1_mgf1sha1_test.json", SpecRSA2048, AlgOAEPSHA1},
		{"rsa_oaep_3072_sha256_mgf1sha256_test.json", SpecRSA3072, AlgOAEPSHA256},
		{"rsa_oaep_4096_sha256_mgf1sha256_test.json", SpecRSA4096, AlgOAEPSHA256},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var f struct {
				TestGroups []struct {
					PrivateKeyPkcs8 string `json:"privateKeyPkcs8"`
					Tests           []struct {
						TcID    int `json:"tcId"`
						Comment string
						Msg     string
						Ct      string
						Label   string
						Result  string
					}
				}
			}
			loadVectors(t, tc.file, &f)
			n := 0
			for _, g := range f.TestGroups {
				k, err := ParsePrivateKey(tc.spec, unhex(t, g.PrivateKeyPkcs8))
				if err != nil {
					t.Fatalf("ParsePrivateKey: %v", err)
				}
				for _, v := range g.Tests {
					if v.Label != "" {
						continue // AWS KMS's OAEP takes no label
					}
					pt, err := k.Decrypt(tc.alg, unhex(t, v.Ct))
					switch v.Result {
					case "valid":
						if err != nil || !bytes.Equal(pt, unhex(t, v.Msg)) {
							t.Errorf("tcId %d (%s): %v", v.TcID, v.Comment, err)
						}
					case "invalid":
						if err == nil {
							t.Errorf("tcId %d (%s): decrypted an invalid ciphertext", v.TcID, v.Comment)
						}
					}
					n++
				}
			}
			if n == 0 {
				t.Fatal("no vectors without a label")
			}
			t.Logf("%d vectors", n)
		})
	}
}
