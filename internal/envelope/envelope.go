// Package envelope owns client-side envelope encryption: a stream of any
// size is encrypted locally under a fresh data key from KMS
// GenerateDataKey, and the encrypted data key travels in the envelope's
// header, so a store (S3, a disk, a pipe) never sees the plaintext and
// any holder of kms:Decrypt on the key can decrypt it with no other
// state. The format is in docs/envelope.md.
//
// Invariants: the header (key id, encrypted data key, encryption context,
// salt) is authenticated by a MAC under a key derived from the data key,
// and the payload key is derived from the data key and the header's hash,
// so no byte of an envelope can change without Decrypt failing with
// ErrInvalid. Memory is constant in the input size (64 KiB chunks). The
// data key's plaintext is cleared once the derived keys exist.
package envelope

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// KMS is what envelope needs from a KMS client. *kms.Client from
// aws-sdk-go-v2 satisfies it, against AWS, Coffer or any compatible
// endpoint.
type KMS interface {
	GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

var _ KMS = (*kms.Client)(nil)

// ErrInvalid is the one error for an envelope that does not decrypt: not
// an envelope, a changed or truncated header or payload, reordered
// chunks, a wrong encryption context, or a data key KMS refuses as an
// invalid ciphertext. It says nothing about which.
var ErrInvalid = errors.New("envelope: invalid or tampered envelope")

// dataKeySize is the AES_256 data key's length.
const dataKeySize = 32

// Encrypt asks KMS for an AES_256 data key under keyID (a key id, ARN,
// alias name or alias ARN) with encryption context encCtx, and writes to
// dst an envelope of src: the header, then src encrypted chunk by chunk.
// encCtx is stored in the header in the clear and is required, as KMS
// requires it, to decrypt; it must not hold secrets. KMS errors are
// returned wrapped. Nothing is written to dst before GenerateDataKey
// succeeds.
func Encrypt(ctx context.Context, c KMS, keyID string, encCtx map[string]string, dst io.Writer, src io.Reader) error {
	return encrypt(ctx, c, rand.Reader, keyID, encCtx, dst, src)
}

// encrypt is Encrypt with its randomness injected (for known answers).
func encrypt(ctx context.Context, c KMS, rnd io.Reader, keyID string, encCtx map[string]string, dst io.Writer, src io.Reader) error {
	if keyID == "" {
		return errors.New("envelope: no key id")
	}
	var h header
	if len(encCtx) > 0 {
		h.Context = encCtx
	}
	if _, err := h.marshalWithoutMAC(); err != nil { // field sizes, before asking KMS
		return err
	}
	if _, err := io.ReadFull(rnd, h.Salt[:]); err != nil {
		return fmt.Errorf("envelope: salt: %w", err)
	}
	out, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId:             &keyID,
		KeySpec:           types.DataKeySpecAes256,
		EncryptionContext: h.Context,
	})
	if err != nil {
		return fmt.Errorf("envelope: GenerateDataKey: %w", err)
	}
	defer clear(out.Plaintext)
	if len(out.Plaintext) != dataKeySize || len(out.CiphertextBlob) == 0 {
		return fmt.Errorf("envelope: GenerateDataKey returned a %d-byte data key and a %d-byte blob", len(out.Plaintext), len(out.CiphertextBlob))
	}
	h.KeyID = keyID
	if out.KeyId != nil && *out.KeyId != "" {
		h.KeyID = *out.KeyId
	}
	h.Blob = out.CiphertextBlob
	hdr, err := h.marshalWithoutMAC()
	if err != nil {
		return err
	}
	macKey, payloadKey, err := keys(out.Plaintext, h.Salt[:], hdr)
	clear(out.Plaintext)
	if err != nil {
		return err
	}
	defer clear(payloadKey)
	hdr = append(hdr, headerMAC(macKey, hdr)...)
	clear(macKey)
	aead, err := newAEAD(payloadKey)
	if err != nil {
		return err
	}
	if _, err := dst.Write(hdr); err != nil {
		return err
	}
	return sealStream(aead, dst, src)
}

// Decrypt reads an envelope from src, asks KMS to decrypt its data key
// (with the encryption context from the header; KMS finds the key from
// the blob, so no key id is needed), and writes the plaintext to dst.
//
// Any fault in the envelope is ErrInvalid; KMS errors other than an
// invalid ciphertext (no permission, a disabled key, the network) are
// returned wrapped, and so are I/O errors of src and dst.
//
// Decrypt writes each 64 KiB chunk only once it is authenticated, but it
// cannot know that the stream is complete until the final chunk: when
// Decrypt returns an error, whatever it wrote to dst must be discarded.
func Decrypt(ctx context.Context, c KMS, dst io.Writer, src io.Reader) error {
	return DecryptExpect(ctx, c, nil, dst, src)
}

// DecryptExpect is Decrypt that also requires the envelope's encryption
// context to hold every pair in want (it may hold more): a way to refuse
// an authentic envelope made for another purpose. A mismatch is
// ErrInvalid, found before KMS is called and before anything is written.
func DecryptExpect(ctx context.Context, c KMS, want map[string]string, dst io.Writer, src io.Reader) error {
	br := bufio.NewReaderSize(src, encChunk)
	h, err := parseHeader(br)
	if err != nil {
		return err
	}
	for k, v := range want {
		if got, ok := h.Context[k]; !ok || got != v {
			return ErrInvalid
		}
	}
	hdr, err := h.marshalWithoutMAC()
	if err != nil {
		return ErrInvalid
	}
	out, err := c.Decrypt(ctx, &kms.DecryptInput{
		CiphertextBlob:    h.Blob,
		EncryptionContext: h.Context,
	})
	if err != nil {
		var ice *types.InvalidCiphertextException
		var ike *types.IncorrectKeyException
		if errors.As(err, &ice) || errors.As(err, &ike) {
			return ErrInvalid
		}
		return fmt.Errorf("envelope: KMS Decrypt: %w", err)
	}
	defer clear(out.Plaintext)
	if len(out.Plaintext) != dataKeySize {
		return ErrInvalid
	}
	if out.KeyId != nil && !sameKey(*out.KeyId, h.KeyID) {
		return ErrInvalid
	}
	macKey, payloadKey, err := keys(out.Plaintext, h.Salt[:], hdr)
	clear(out.Plaintext)
	if err != nil {
		return err
	}
	defer clear(payloadKey)
	ok := hmac.Equal(headerMAC(macKey, hdr), h.MAC[:])
	clear(macKey)
	if !ok {
		return ErrInvalid
	}
	aead, err := newAEAD(payloadKey)
	if err != nil {
		return err
	}
	return openStream(aead, dst, br)
}

// sameKey reports whether the key KMS says it used is the header's key:
// equal, or one the ARN of the other's bare key id (some KMS
// implementations answer with a key id where others give an ARN).
func sameKey(a, b string) bool {
	if a == "" || b == "" || a == b {
		return true
	}
	return strings.HasSuffix(a, ":key/"+b) || strings.HasSuffix(b, ":key/"+a)
}
