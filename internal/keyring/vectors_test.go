package keyring

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// blobVectorSpecs generate testdata/blob-v1-*.txt under -update.
var blobVectorSpecs = []struct {
	name      string
	header    BlobHeader
	region    string
	encCtx    map[string]string
	plaintext []byte
}{
	{"uuid-no-context", BlobHeader{"111122223333", "1234abcd-12ab-34cd-56ef-1234567890ab", 1}, "us-east-1", nil, []byte("hello, coffer")},
	{"mrk-s3-context", BlobHeader{"444455556666", "mrk-1234abcd12ab34cd56ef1234567890ab", 7}, "eu-west-1",
		map[string]string{"aws:s3:arn": "arn:aws:s3:::bucket/object", "purpose": "test"}, bytes.Repeat([]byte{0x5a}, 32)},
	{"empty-plaintext-odd-context", BlobHeader{"000000000000", "ffffffff-0000-4000-8000-000000000001", 0xffffffff}, "ap-southeast-2",
		map[string]string{"": "empty key", "ab": "c", "a": "bc", "ünïcode": ""}, nil},
}

func TestBlobVectors(t *testing.T) {
	if *update {
		for i, s := range blobVectorSpecs {
			rnd := detRand(byte(i + 1))
			material := make([]byte, 32)
			rnd.Read(material)
			k, err := NewSymmetricKey(material)
			if err != nil {
				t.Fatal(err)
			}
			blob, err := k.Seal(rnd, s.header, s.region, s.encCtx, s.plaintext)
			if err != nil {
				t.Fatal(err)
			}
			writeVector(t, filepath.Join("testdata", "blob-v1-"+s.name+".txt"),
				"Ciphertext blob version 1 known answer (docs/ciphertext-blob.md).\nRegenerate only on purpose: go test -run TestBlobVectors -update",
				"material", hex.EncodeToString(material),
				"account", s.header.Account,
				"key-id", s.header.KeyID,
				"material-version", strconv.FormatUint(uint64(s.header.MaterialVersion), 10),
				"region", s.region,
				"context", jsonContext(s.encCtx),
				"plaintext", hex.EncodeToString(s.plaintext),
				"blob", hex.EncodeToString(blob))
		}
	}
	for _, path := range vectorFiles(t, "blob-v1-*.txt") {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			v := readVector(t, path)
			material := v.hex(t, "material")
			want := BlobHeader{v.str(t, "account"), v.str(t, "key-id"), v.uint32(t, "material-version")}
			region := v.fields["region"]
			encCtx := v.context(t, "context")
			plaintext := v.hex(t, "plaintext")
			blob := v.hex(t, "blob")

			h, err := ParseBlob(blob)
			if err != nil || h != want {
				t.Fatalf("ParseBlob = %+v, %v; want %+v", h, err, want)
			}
			k, err := NewSymmetricKey(material)
			if err != nil {
				t.Fatal(err)
			}
			got, err := k.Open(blob, region, encCtx)
			if err != nil || !bytes.Equal(got, plaintext) {
				t.Fatalf("Open = %x, %v; want %x", got, err, plaintext)
			}
			// Sealing again with the blob's nonce must give the same bytes.
			again, err := k.Seal(bytes.NewReader(blob[37:49]), want, region, encCtx, plaintext)
			if err != nil || !bytes.Equal(again, blob) {
				t.Fatalf("Seal = %x, %v; want %x", again, err, blob)
			}
			// Independent check of the documented AAD, with crypto/cipher only.
			block, _ := aes.NewCipher(material)
			gcm, _ := cipher.NewGCM(block)
			ad := append([]byte{}, blob[:49]...)
			ad = append(ad, byte(len(region)))
			ad = append(ad, region...)
			ad = append(ad, docContextEncoding(encCtx)...)
			if got, err := gcm.Open(nil, blob[37:49], blob[49:], ad); err != nil || !bytes.Equal(got, plaintext) {
				t.Fatalf("documented AAD does not open the blob: %v", err)
			}
		})
	}
}

// docContextEncoding follows docs/ciphertext-blob.md literally, for short
// contexts (every length < 128, so each uvarint is one byte).
func docContextEncoding(m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := []byte{byte(len(m))}
	for _, k := range keys {
		out = append(out, byte(len(k)))
		out = append(out, k...)
		out = append(out, byte(len(m[k])))
		out = append(out, m[k]...)
	}
	return out
}

func TestRootVectors(t *testing.T) {
	const comment = "Root of trust known answer (docs/root-of-trust.md).\nRegenerate only on purpose: go test -run TestRootVectors -update"
	if *update {
		rnd := detRand(100)
		rootKey := make([]byte, 32)
		rnd.Read(rootKey)
		aead, _ := newGCM(rootKey)
		plaintext := bytes.Repeat([]byte{0xa5}, 32)
		aad := []byte("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab#1")
		wrapped, err := wrapWith(aead, rnd, plaintext, aad)
		if err != nil {
			t.Fatal(err)
		}
		writeVector(t, filepath.Join("testdata", "wrap-v1.txt"), comment,
			"root-key", hex.EncodeToString(rootKey),
			"aad", hex.EncodeToString(aad),
			"plaintext", hex.EncodeToString(plaintext),
			"wrapped", hex.EncodeToString(wrapped))

		dir := t.TempDir()
		p := filepath.Join(dir, "sealed")
		// Cheap parameters keep the test fast; the format is the same.
		if err := createSealedRoot(p, []byte("correct horse battery staple"), detRand(101), kdfParams{time: 1, memoryKiB: 64, threads: 1}); err != nil {
			t.Fatal(err)
		}
		file, _ := readSmallFile(p, sealedRootFileLen, false)
		key, err := unsealRootKey(file, []byte("correct horse battery staple"))
		if err != nil {
			t.Fatal(err)
		}
		writeVector(t, filepath.Join("testdata", "sealedroot-v1.txt"), comment,
			"passphrase", "correct horse battery staple",
			"root-key", hex.EncodeToString(key),
			"file", hex.EncodeToString(file))

		p = filepath.Join(dir, "dev")
		if err := CreateDevRoot(p, detRand(102)); err != nil {
			t.Fatal(err)
		}
		file, _ = readSmallFile(p, devRootFileLen, true)
		writeVector(t, filepath.Join("testdata", "devroot-v1.txt"), comment,
			"root-key", hex.EncodeToString(file[5:]),
			"file", hex.EncodeToString(file))
	}

	t.Run("wrap-v1", func(t *testing.T) {
		v := readVector(t, filepath.Join("testdata", "wrap-v1.txt"))
		aead, err := newGCM(v.hex(t, "root-key"))
		if err != nil {
			t.Fatal(err)
		}
		wrapped, aad, plaintext := v.hex(t, "wrapped"), v.hex(t, "aad"), v.hex(t, "plaintext")
		got, err := unwrapWith(aead, wrapped, aad)
		if err != nil || !bytes.Equal(got, plaintext) {
			t.Fatalf("unwrap = %x, %v", got, err)
		}
		again, err := wrapWith(aead, bytes.NewReader(wrapped[5:17]), plaintext, aad)
		if err != nil || !bytes.Equal(again, wrapped) {
			t.Fatalf("wrap = %x, %v; want %x", again, err, wrapped)
		}
		if _, err := unwrapWith(aead, wrapped, append(aad, 0)); !errors.Is(err, ErrDecrypt) {
			t.Fatalf("unwrap with other aad: %v, want ErrDecrypt", err)
		}
	})
	t.Run("sealedroot-v1", func(t *testing.T) {
		v := readVector(t, filepath.Join("testdata", "sealedroot-v1.txt"))
		dir := t.TempDir()
		p := filepath.Join(dir, "sealed")
		if err := writeNewFile(p, v.hex(t, "file")); err != nil {
			t.Fatal(err)
		}
		s, err := OpenSealedRoot(p, []byte(v.str(t, "passphrase")))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if !bytes.Equal(s.rk.key, v.hex(t, "root-key")) {
			t.Fatal("unsealed root key differs from the vector")
		}
	})
	t.Run("devroot-v1", func(t *testing.T) {
		v := readVector(t, filepath.Join("testdata", "devroot-v1.txt"))
		p := filepath.Join(t.TempDir(), "dev")
		if err := writeNewFile(p, v.hex(t, "file")); err != nil {
			t.Fatal(err)
		}
		d, err := OpenDevRoot(p)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if !bytes.Equal(d.rk.key, v.hex(t, "root-key")) {
			t.Fatal("root key differs from the vector")
		}
	})
}
