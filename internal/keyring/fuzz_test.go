package keyring

import (
	"bytes"
	"errors"
	"testing"
)

func addBlobSeeds(f *testing.F) [][]byte {
	var blobs [][]byte
	for _, path := range vectorFiles(f, "blob-v1-*.txt") {
		blobs = append(blobs, readVector(f, path).hex(f, "blob"))
	}
	return blobs
}

// FuzzParseBlob checks that ParseBlob never panics and that every blob it
// accepts is canonical: re-encoding the header it returns, followed by the
// rest of the input, gives back the input byte for byte.
func FuzzParseBlob(f *testing.F) {
	for _, b := range addBlobSeeds(f) {
		f.Add(b)
		f.Add(b[:BlobOverhead])
		f.Add(b[:BlobOverhead-1])
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, blob []byte) {
		h, err := ParseBlob(blob)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseBlob error %v is not ErrMalformed", err)
			}
			return
		}
		enc, err := h.appendHeader(nil)
		if err != nil {
			t.Fatalf("header %+v accepted by ParseBlob does not re-encode: %v", h, err)
		}
		if got := append(enc, blob[blobHeaderLen:]...); !bytes.Equal(got, blob) {
			t.Fatalf("round trip:\n got %x\nwant %x", got, blob)
		}
	})
}

// FuzzOpen checks that Open never panics and fails only with ErrDecrypt or
// ErrMalformed.
func FuzzOpen(f *testing.F) {
	for _, path := range vectorFiles(f, "blob-v1-*.txt") {
		v := readVector(f, path)
		f.Add(v.hex(f, "blob"), v.str(f, "region"), "purpose", "test")
	}
	k, err := NewSymmetricKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		f.Fatal(err)
	}
	blob, _ := k.Seal(detRand(50), testHeader, "us-east-1", map[string]string{"purpose": "test"}, []byte("fuzz"))
	f.Add(blob, "us-east-1", "purpose", "test")
	f.Fuzz(func(t *testing.T, blob []byte, region, ctxKey, ctxValue string) {
		got, err := k.Open(blob, region, map[string]string{ctxKey: ctxValue})
		if err != nil {
			if !errors.Is(err, ErrDecrypt) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("Open error %v", err)
			}
			return
		}
		if len(got) != len(blob)-BlobOverhead {
			t.Fatalf("plaintext length %d for a %d-byte blob", len(got), len(blob))
		}
	})
}
