package keyring

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"os/exec"
	"strings"
	"testing"
)

// TestMACMatchesOpenSSL: Coffer's HMACs equal `openssl mac` with the same
// key (HMAC keys never leave a KMS, so this is checked on the primitive).
func TestMACMatchesOpenSSL(t *testing.T) {
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatalf("this test needs the openssl command: %v", err)
	}
	msg := []byte("message for openssl mac")
	for spec, digest := range map[string]string{SpecHMAC224: "SHA224", SpecHMAC256: "SHA256", SpecHMAC384: "SHA384", SpecHMAC512: "SHA512"} {
		t.Run(spec, func(t *testing.T) {
			mat, err := GenerateMACMaterial(rand.Reader, spec)
			if err != nil {
				t.Fatal(err)
			}
			k, err := NewMACKey(spec, mat)
			if err != nil {
				t.Fatal(err)
			}
			got, err := k.Sum(AlgorithmsFor(spec, "GENERATE_VERIFY_MAC").MAC[0], msg)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "mac", "-digest", digest, "-macopt", "hexkey:"+hex.EncodeToString(mat), "HMAC")
			cmd.Stdin = bytes.NewReader(msg)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("openssl mac: %v\n%s", err, out)
			}
			if want := strings.ToLower(strings.TrimSpace(string(out))); want != hex.EncodeToString(got) {
				t.Fatalf("Coffer %x, openssl %s", got, want)
			}
		})
	}
}
