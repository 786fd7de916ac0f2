package sse

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func customerHeaders(key []byte) (string, string) {
	sum := md5.Sum(key)
	return base64.StdEncoding.EncodeToString(key), base64.StdEncoding.EncodeToString(sum[:])
}

func TestParseCustomerKey(t *testing.T) {
	raw := testKey(9)
	key, keyMD5 := customerHeaders(raw)
	short, shortMD5 := customerHeaders(raw[:16])
	_, otherMD5 := customerHeaders(testKey(10))
	for _, tc := range []struct {
		name, alg, key, md5 string
		want                error
	}{
		{"valid", "AES256", key, keyMD5, nil},
		{"none", "", "", "", ErrNoCustomerKey},
		{"key without algorithm", "", key, keyMD5, ErrCustomerAlgorithmMissing},
		{"md5 without algorithm", "", "", keyMD5, ErrCustomerAlgorithmMissing},
		{"wrong algorithm", "AES128", key, keyMD5, ErrCustomerAlgorithm},
		{"lowercase algorithm", "aes256", key, keyMD5, ErrCustomerAlgorithm},
		{"kms algorithm", "aws:kms", key, keyMD5, ErrCustomerAlgorithm},
		{"algorithm without key", "AES256", "", "", ErrCustomerKeyMissing},
		{"algorithm and md5 without key", "AES256", "", keyMD5, ErrCustomerKeyMissing},
		{"128-bit key", "AES256", short, shortMD5, ErrCustomerKeyInvalid},
		{"key not base64", "AES256", "!!" + key[2:], keyMD5, ErrCustomerKeyInvalid},
		{"key unpadded base64", "AES256", strings.TrimRight(key, "="), keyMD5, ErrCustomerKeyInvalid},
		{"md5 missing", "AES256", key, "", ErrCustomerKeyMD5Missing},
		{"md5 of another key", "AES256", key, otherMD5, ErrCustomerKeyMD5Mismatch},
		{"md5 not base64", "AES256", key, "zz", ErrCustomerKeyMD5Mismatch},
		{"md5 hex", "AES256", key, fmt.Sprintf("%x", md5.Sum(raw)), ErrCustomerKeyMD5Mismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParseCustomerKey(tc.alg, tc.key, tc.md5)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err != nil {
				if strings.Contains(err.Error(), key) || strings.Contains(err.Error(), tc.key+"x") {
					t.Fatal("error contains the key")
				}
				return
			}
			if k.KeyMD5() != keyMD5 {
				t.Fatalf("KeyMD5 = %q", k.KeyMD5())
			}
		})
	}
}

func TestCustomerKeyRedacted(t *testing.T) {
	raw := testKey(9)
	key, keyMD5 := customerHeaders(raw)
	k, err := ParseCustomerKey("AES256", key, keyMD5)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d"} {
		fmt.Fprintf(&out, f+"\n", k)
		fmt.Fprintf(&out, f+"\n", struct{ K *CustomerKey }{k})
	}
	slog.New(slog.NewTextHandler(&out, nil)).Info("req", "key", k)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("req", "key", k)
	s := out.String()
	for _, secret := range []string{key, hex.EncodeToString(raw), fmt.Sprintf("%X", raw), string(raw), fmt.Sprint(raw)} {
		if strings.Contains(s, secret) {
			t.Fatalf("key material printed:\n%s", s)
		}
	}
	if !strings.Contains(s, "REDACTED") {
		t.Fatal("no placeholder")
	}
}

func TestKeyCheck(t *testing.T) {
	parse := func(raw []byte) *CustomerKey {
		key, sum := customerHeaders(raw)
		k, err := ParseCustomerKey("AES256", key, sum)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	k, other := parse(testKey(9)), parse(testKey(10))
	c, err := NewKeyCheck(k)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Verify(k); err != nil {
		t.Fatalf("Verify(same key) = %v", err)
	}
	if err := c.Verify(other); !errors.Is(err, ErrCustomerKeyMismatch) {
		t.Fatalf("Verify(other key) = %v", err)
	}
	b := c.Marshal()
	if len(b) != KeyCheckSize || bytes.Contains(b, testKey(9)) {
		t.Fatal("marshalled check has the wrong size or contains the key")
	}
	c2, err := ParseKeyCheck(b)
	if err != nil || !bytes.Equal(c2.Marshal(), b) || c2.Verify(k) != nil {
		t.Fatalf("ParseKeyCheck: %v", err)
	}
	c3, _ := NewKeyCheck(k)
	if bytes.Equal(c3.Marshal(), b) {
		t.Fatal("two checks of one key are equal: the salt is not random")
	}
	for i := range b {
		bad := bytes.Clone(b)
		bad[i] ^= 1
		if c, err := ParseKeyCheck(bad); err == nil && c.Verify(k) == nil {
			t.Fatalf("flipped byte %d still verifies", i)
		}
	}
	for _, bad := range [][]byte{nil, b[:64], append(bytes.Clone(b), 0)} {
		if _, err := ParseKeyCheck(bad); !errors.Is(err, ErrKeyCheck) {
			t.Fatalf("%d bytes: %v", len(bad), err)
		}
	}
	// The SSE-C KEK is not the key, differs per key, and seals.
	if bytes.Equal(k.KEK(), testKey(9)) || bytes.Equal(k.KEK(), other.KEK()) {
		t.Fatal("KEK")
	}
	sealed, _ := Seal(k.KEK(), testKey(1), Binding{DomainC, "b", "o"})
	if _, err := Unseal(other.KEK(), sealed, Binding{DomainC, "b", "o"}); !errors.Is(err, ErrUnseal) {
		t.Fatal("another customer key unseals")
	}
}
