package sse

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealRoundTrip(t *testing.T) {
	kek, obj := testKey(1), testKey(2)
	b := Binding{Domain: DomainS3, Bucket: "photos", Object: "2026/cat.jpg"}
	sealed, err := Seal(kek, obj, b)
	if err != nil || len(sealed) != SealedKeySize {
		t.Fatalf("Seal: %d bytes, %v", len(sealed), err)
	}
	got, err := Unseal(kek, sealed, b)
	if err != nil || !bytes.Equal(got, obj) {
		t.Fatalf("Unseal: %v", err)
	}
	again, _ := Seal(kek, obj, b)
	if bytes.Equal(again, sealed) {
		t.Fatal("two seals of one key are equal: the salt is not random")
	}
}

// TestSealBinding: a sealed key unseals under its own binding only.
func TestSealBinding(t *testing.T) {
	kek, obj := testKey(1), testKey(2)
	b := Binding{Domain: DomainKMS, Bucket: "ab", Object: "c"}
	sealed, err := Seal(kek, obj, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		kek  []byte
		b    Binding
	}{
		{"other domain SSE-S3", kek, Binding{DomainS3, "ab", "c"}},
		{"other domain SSE-C", kek, Binding{DomainC, "ab", "c"}},
		{"other bucket", kek, Binding{DomainKMS, "ac", "c"}},
		{"other object", kek, Binding{DomainKMS, "ab", "d"}},
		{"field boundary moved", kek, Binding{DomainKMS, "a", "bc"}},
		{"object moved into bucket", kek, Binding{DomainKMS, "abc", ""}},
		{"empty binding", kek, Binding{Domain: DomainKMS}},
		{"unknown domain", kek, Binding{"SSE-X", "ab", "c"}},
		{"wrong kek", testKey(3), b},
		{"short kek", kek[:16], b},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Unseal(tc.kek, sealed, tc.b); !errors.Is(err, ErrUnseal) {
				t.Fatalf("err = %v, want ErrUnseal", err)
			}
		})
	}
}

func TestSealTamper(t *testing.T) {
	kek, obj := testKey(1), testKey(2)
	b := Binding{Domain: DomainC, Bucket: "b", Object: "o"}
	sealed, _ := Seal(kek, obj, b)
	for i := range sealed {
		for _, bit := range []byte{0x01, 0x80} {
			bad := bytes.Clone(sealed)
			bad[i] ^= bit
			if _, err := Unseal(kek, bad, b); !errors.Is(err, ErrUnseal) {
				t.Fatalf("flip %#x at %d: %v", bit, i, err)
			}
		}
	}
	for _, bad := range [][]byte{nil, sealed[:len(sealed)-1], append(bytes.Clone(sealed), 0)} {
		if _, err := Unseal(kek, bad, b); !errors.Is(err, ErrUnseal) {
			t.Fatalf("%d bytes: %v", len(bad), err)
		}
	}
}

func TestSealMisuse(t *testing.T) {
	kek, obj := testKey(1), testKey(2)
	if _, err := Seal(kek[:31], obj, Binding{Domain: DomainS3}); !errors.Is(err, ErrKeySize) {
		t.Error(err)
	}
	if _, err := Seal(kek, obj[:31], Binding{Domain: DomainS3}); !errors.Is(err, ErrKeySize) {
		t.Error(err)
	}
	if _, err := Seal(kek, obj, Binding{Domain: "sse-s3"}); !errors.Is(err, ErrBinding) {
		t.Error(err)
	}
}

func TestSealedKeyParse(t *testing.T) {
	sealed, _ := Seal(testKey(1), testKey(2), Binding{Domain: DomainS3})
	s, err := ParseSealedKey(sealed)
	if err != nil || !bytes.Equal(s.Marshal(), sealed) {
		t.Fatalf("parse/marshal: %v", err)
	}
	for i := range 4 {
		bad := bytes.Clone(sealed)
		bad[i]++
		if _, err := ParseSealedKey(bad); !errors.Is(err, ErrUnseal) {
			t.Errorf("header byte %d changed: %v", i, err)
		}
	}
}
