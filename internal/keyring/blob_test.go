package keyring

import (
	"bytes"
	cryptorand "crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

var (
	testHeader = BlobHeader{Account: "111122223333", KeyID: "1234abcd-12ab-34cd-56ef-1234567890ab", MaterialVersion: 3}
	testCtx    = map[string]string{"purpose": "test", "aws:s3:arn": "arn:aws:s3:::b/k"}
)

func testKey(t testing.TB) *SymmetricKey {
	t.Helper()
	k, err := NewSymmetricKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestBlobRoundTrip(t *testing.T) {
	k := testKey(t)
	tests := []struct {
		name      string
		h         BlobHeader
		region    string
		encCtx    map[string]string
		plaintext []byte
	}{
		{"uuid", testHeader, "us-east-1", nil, []byte("secret")},
		{"mrk", BlobHeader{"999999999999", "mrk-00112233445566778899aabbccddeeff", 0}, "eu-central-1", testCtx, []byte("secret")},
		{"empty plaintext", testHeader, "us-east-1", testCtx, nil},
		{"4 KiB", testHeader, "us-west-2", testCtx, bytes.Repeat([]byte{1}, 4096)},
		{"max version", BlobHeader{"000000000001", testHeader.KeyID, ^uint32(0)}, "us-east-1", nil, []byte{0}},
		{"many context pairs", testHeader, "us-east-1", manyPairs(40), []byte("x")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blob, err := k.Seal(detRand(1), tt.h, tt.region, tt.encCtx, tt.plaintext)
			if err != nil {
				t.Fatal(err)
			}
			if len(blob) != len(tt.plaintext)+BlobOverhead || cap(blob) != len(blob) {
				t.Errorf("len, cap = %d, %d; want %d", len(blob), cap(blob), len(tt.plaintext)+BlobOverhead)
			}
			h, err := ParseBlob(blob)
			if err != nil || h != tt.h {
				t.Fatalf("ParseBlob = %+v, %v; want %+v", h, err, tt.h)
			}
			got, err := k.Open(blob, tt.region, tt.encCtx)
			if err != nil || !bytes.Equal(got, tt.plaintext) {
				t.Fatalf("Open = %x, %v", got, err)
			}
		})
	}
}

func manyPairs(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[strings.Repeat("k", i+1)] = strings.Repeat("v", n-i)
	}
	return m
}

func TestBlobOpenMismatch(t *testing.T) {
	k := testKey(t)
	blob, err := k.Seal(detRand(2), testHeader, "us-east-1", testCtx, []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewSymmetricKey(bytes.Repeat([]byte{8}, 32))
	withAccount := func(acct string) []byte {
		b := bytes.Clone(blob)
		copy(b[4:16], acct)
		return b
	}
	tests := []struct {
		name   string
		key    *SymmetricKey
		blob   []byte
		region string
		encCtx map[string]string
		want   error
	}{
		{"wrong region", k, blob, "us-east-2", testCtx, ErrDecrypt},
		{"empty region", k, blob, "", testCtx, ErrDecrypt},
		{"no context", k, blob, "us-east-1", nil, ErrDecrypt},
		{"extra context pair", k, blob, "us-east-1", map[string]string{"purpose": "test", "aws:s3:arn": "arn:aws:s3:::b/k", "x": ""}, ErrDecrypt},
		{"changed context value", k, blob, "us-east-1", map[string]string{"purpose": "tesT", "aws:s3:arn": "arn:aws:s3:::b/k"}, ErrDecrypt},
		{"wrong account in header", k, withAccount("111122223334"), "us-east-1", testCtx, ErrDecrypt},
		{"non-digit account in header", k, withAccount("11112222333a"), "us-east-1", testCtx, ErrMalformed},
		{"wrong key", other, blob, "us-east-1", testCtx, ErrDecrypt},
		{"truncated tag", k, blob[:len(blob)-1], "us-east-1", testCtx, ErrDecrypt},
		{"too short", k, blob[:BlobOverhead-1], "us-east-1", testCtx, ErrMalformed},
		{"empty", k, nil, "us-east-1", testCtx, ErrMalformed},
		{"trailing byte", k, append(bytes.Clone(blob), 0), "us-east-1", testCtx, ErrDecrypt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.key.Open(tt.blob, tt.region, tt.encCtx)
			if !errors.Is(err, tt.want) || got != nil {
				t.Fatalf("Open = %x, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// TestBlobTamperEveryByte flips each bit of every byte: Open must fail with
// ErrDecrypt or ErrMalformed, never succeed and never panic.
func TestBlobTamperEveryByte(t *testing.T) {
	k := testKey(t)
	blob, err := k.Seal(detRand(3), testHeader, "us-east-1", testCtx, []byte("sixteen byte msg"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range blob {
		for bit := range 8 {
			b := bytes.Clone(blob)
			b[i] ^= 1 << bit
			_, err := k.Open(b, "us-east-1", testCtx)
			if !errors.Is(err, ErrDecrypt) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("byte %d bit %d: Open error %v", i, bit, err)
			}
		}
	}
}

func TestParseBlobMalformed(t *testing.T) {
	k := testKey(t)
	blob, err := k.Seal(detRand(4), testHeader, "us-east-1", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(blob) {
		if _, err := ParseBlob(blob[:n]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("ParseBlob of %d of %d bytes: %v", n, len(blob), err)
		}
	}
	set := func(i int, c byte) []byte { b := bytes.Clone(blob); b[i] = c; return b }
	tests := []struct {
		name string
		blob []byte
	}{
		{"magic", set(0, 0xC1)},
		{"magic second byte", set(1, 0xFE)},
		{"version 0", set(2, 0)},
		{"version 2", set(2, 2)},
		{"algorithm", set(3, 2)},
		{"account letter", set(10, 'x')},
		{"key id kind", set(16, 2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseBlob(tt.blob); !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseBlob: %v, want ErrMalformed", err)
			}
			if _, err := k.Open(tt.blob, "us-east-1", nil); !errors.Is(err, ErrMalformed) {
				t.Fatalf("Open: %v, want ErrMalformed", err)
			}
		})
	}
}

func TestSealInvalidHeader(t *testing.T) {
	k := testKey(t)
	tests := []struct {
		name string
		h    BlobHeader
	}{
		{"empty", BlobHeader{}},
		{"short account", BlobHeader{"12345678901", testHeader.KeyID, 1}},
		{"long account", BlobHeader{"1234567890123", testHeader.KeyID, 1}},
		{"account letters", BlobHeader{"12345678901a", testHeader.KeyID, 1}},
		{"account unicode digit", BlobHeader{"12345678901٣", testHeader.KeyID, 1}},
		{"uppercase uuid", BlobHeader{testHeader.Account, "1234ABCD-12ab-34cd-56ef-1234567890ab", 1}},
		{"uuid no dashes", BlobHeader{testHeader.Account, "1234abcd12ab34cd56ef1234567890ab", 1}},
		{"uuid dash moved", BlobHeader{testHeader.Account, "1234abc-d12ab-34cd-56ef-1234567890ab", 1}},
		{"uuid non-hex", BlobHeader{testHeader.Account, "1234abcg-12ab-34cd-56ef-1234567890ab", 1}},
		{"mrk short", BlobHeader{testHeader.Account, "mrk-1234abcd12ab34cd56ef1234567890a", 1}},
		{"mrk uppercase", BlobHeader{testHeader.Account, "mrk-1234ABCD12ab34cd56ef1234567890ab", 1}},
		{"MRK prefix", BlobHeader{testHeader.Account, "MRK-1234abcd12ab34cd56ef1234567890ab", 1}},
		{"arn", BlobHeader{testHeader.Account, "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", 1}},
		{"alias", BlobHeader{testHeader.Account, "alias/my-key", 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blob, err := k.Seal(detRand(5), tt.h, "us-east-1", nil, []byte("x"))
			if !errors.Is(err, ErrInvalidHeader) || blob != nil {
				t.Fatalf("Seal = %x, %v; want ErrInvalidHeader", blob, err)
			}
		})
	}
}

func TestSealRandFailure(t *testing.T) {
	k := testKey(t)
	if _, err := k.Seal(bytes.NewReader(make([]byte, 11)), testHeader, "us-east-1", nil, []byte("x")); err == nil {
		t.Fatal("Seal with a short rand succeeded")
	}
}

func TestNewSymmetricKeySize(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33} {
		if _, err := NewSymmetricKey(make([]byte, n)); err == nil {
			t.Errorf("NewSymmetricKey(%d bytes) succeeded", n)
		}
	}
}

func TestKeyIDRoundTrip(t *testing.T) {
	for _, id := range []string{
		"1234abcd-12ab-34cd-56ef-1234567890ab",
		"00000000-0000-0000-0000-000000000000",
		"ffffffff-ffff-ffff-ffff-ffffffffffff",
		"mrk-1234abcd12ab34cd56ef1234567890ab",
		"mrk-00000000000000000000000000000000",
	} {
		t.Run(id, func(t *testing.T) {
			kind, b, ok := parseKeyID(id)
			if !ok {
				t.Fatal("parseKeyID failed")
			}
			if got := formatKeyID(kind, b[:]); got != id {
				t.Fatalf("formatKeyID = %q", got)
			}
		})
	}
}

func TestEncodeContext(t *testing.T) {
	tests := []struct {
		name   string
		encCtx map[string]string
		want   string // hex
	}{
		{"nil", nil, "00"},
		{"empty", map[string]string{}, "00"},
		{"one pair", map[string]string{"a": "b"}, "01" + "0161" + "0162"},
		{"empty key and value", map[string]string{"": ""}, "01" + "00" + "00"},
		{"sorted bytewise", map[string]string{"b": "1", "a": "2", "B": "3"}, "03" + "0142" + "0133" + "0161" + "0132" + "0162" + "0131"},
		{"ab c", map[string]string{"ab": "c"}, "01" + "026162" + "0163"},
		{"a bc", map[string]string{"a": "bc"}, "01" + "0161" + "026263"},
		{"long value uvarint", map[string]string{"k": strings.Repeat("v", 200)}, "01" + "016b" + "c801" + strings.Repeat("76", 200)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hex.EncodeToString(EncodeContext(tt.encCtx)); got != tt.want {
				t.Fatalf("EncodeContext = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestEncodeContextInjective(t *testing.T) {
	contexts := []map[string]string{
		nil,
		{"": ""},
		{"ab": "c"},
		{"a": "bc"},
		{"abc": ""},
		{"": "abc"},
		{"a": "b", "c": "d"},
		{"a": "b\x01\x01c\x01d"},
		{"a": "bcd"},
		{"a\x01b": "c"},
		{"a": "", "b": ""},
		{"a": "\x01b\x00"},
		manyPairs(20),
		manyPairs(21),
	}
	seen := map[string]int{}
	for i, c := range contexts {
		enc := string(EncodeContext(c))
		if j, ok := seen[enc]; ok {
			t.Errorf("contexts %d %v and %d %v encode the same", j, contexts[j], i, c)
		}
		seen[enc] = i
	}
}

func TestSymmetricKeyConcurrent(t *testing.T) {
	k := testKey(t)
	done := make(chan error)
	for g := range 8 {
		go func() {
			var err error
			for i := range 100 {
				pt := []byte{byte(g), byte(i)}
				var blob, got []byte
				blob, err = k.Seal(cryptorand.Reader, testHeader, "us-east-1", testCtx, pt)
				if err == nil {
					got, err = k.Open(blob, "us-east-1", testCtx)
				}
				if err == nil && !bytes.Equal(got, pt) {
					err = errors.New("plaintext mismatch")
				}
				if err != nil {
					break
				}
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
