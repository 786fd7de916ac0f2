package keyring

import (
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
)

// Ciphertext blob format, version 1 (see docs/ciphertext-blob.md), big-endian:
//
//	offset size
//	0      2   magic 0xC0 0xFF
//	2      1   version 0x01
//	3      1   algorithm 0x01 = AES-256-GCM
//	4      12  account id, ASCII digits
//	16     1   key id kind: 0 = UUID, 1 = multi-region "mrk-" + 32 hex
//	17     16  key id, binary
//	33     4   material version, uint32
//	37     12  nonce, random
//	49     n+16 AES-256-GCM ciphertext || tag
//
// The GCM associated data is
//
//	blob[0:49] || uvarint(len(region)) || region || EncodeContext(encCtx)
const (
	blobVersion      = 0x01
	blobAlgAES256GCM = 0x01

	blobKindUUID = 0x00
	blobKindMRK  = 0x01

	blobOffAccount = 4
	blobOffKind    = 16
	blobOffKeyID   = 17
	blobOffVersion = 33
	blobOffNonce   = 37

	blobAccountLen = 12
	blobHeaderLen  = blobOffNonce                // header fields without the nonce
	blobPrefixLen  = blobOffNonce + blobNonceLen // everything before the ciphertext
	blobNonceLen   = 12
	blobTagLen     = 16

	// BlobOverhead is how many bytes a version 1 ciphertext blob adds to the
	// plaintext: len(blob) == len(plaintext) + BlobOverhead.
	BlobOverhead = blobPrefixLen + blobTagLen
)

var blobMagic = [2]byte{0xC0, 0xFF}

// ErrInvalidHeader is wrapped by SymmetricKey.Seal when the BlobHeader it is
// given is not well formed (account not 12 digits, key id not a KMS key id).
var ErrInvalidHeader = errors.New("keyring: invalid blob header")

// BlobHeader names the KMS key and the version of its material that
// encrypted a ciphertext blob. It is not secret, but it is authenticated:
// a blob whose header was altered does not decrypt.
type BlobHeader struct {
	// Account is the 12-digit AWS account id that owns the key.
	Account string
	// KeyID is the key id: a lowercase UUID
	// ("1234abcd-12ab-34cd-56ef-1234567890ab") or a multi-region key id
	// ("mrk-" followed by 32 lowercase hex digits).
	KeyID string
	// MaterialVersion is the version of the key material (a new one on every
	// rotation).
	MaterialVersion uint32
}

// ParseBlob reads the header of a ciphertext blob without decrypting it, so
// the caller can find the key that opens it. It returns ErrMalformed for
// anything that is not a complete version 1 blob; it never panics. The
// header is not authenticated until SymmetricKey.Open succeeds.
func ParseBlob(blob []byte) (BlobHeader, error) {
	if !checkBlob(blob) {
		return BlobHeader{}, ErrMalformed
	}
	return BlobHeader{
		Account:         string(blob[blobOffAccount : blobOffAccount+blobAccountLen]),
		KeyID:           formatKeyID(blob[blobOffKind], blob[blobOffKeyID:blobOffVersion]),
		MaterialVersion: binary.BigEndian.Uint32(blob[blobOffVersion:]),
	}, nil
}

// checkBlob reports whether blob is long enough and its header well formed.
// It does not allocate.
func checkBlob(blob []byte) bool {
	if len(blob) < BlobOverhead {
		return false
	}
	if blob[0] != blobMagic[0] || blob[1] != blobMagic[1] ||
		blob[2] != blobVersion || blob[3] != blobAlgAES256GCM {
		return false
	}
	for _, c := range blob[blobOffAccount : blobOffAccount+blobAccountLen] {
		if c < '0' || c > '9' {
			return false
		}
	}
	k := blob[blobOffKind]
	return k == blobKindUUID || k == blobKindMRK
}

// appendHeader appends the 37 header bytes before the nonce (magic through
// material version) to dst. It is the inverse of ParseBlob.
func (h BlobHeader) appendHeader(dst []byte) ([]byte, error) {
	if !validAccount(h.Account) {
		return dst, fmt.Errorf("%w: account id %q is not 12 digits", ErrInvalidHeader, h.Account)
	}
	kind, id, ok := parseKeyID(h.KeyID)
	if !ok {
		return dst, fmt.Errorf("%w: key id %q is not a KMS key id", ErrInvalidHeader, h.KeyID)
	}
	dst = append(dst, blobMagic[0], blobMagic[1], blobVersion, blobAlgAES256GCM)
	dst = append(dst, h.Account...)
	dst = append(dst, kind)
	dst = append(dst, id[:]...)
	return binary.BigEndian.AppendUint32(dst, h.MaterialVersion), nil
}

func validAccount(s string) bool {
	if len(s) != blobAccountLen {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseKeyID decodes a lowercase UUID or "mrk-" + 32 lowercase hex digits.
// Both forms are 36 characters long; a UUID never starts with "mrk-".
func parseKeyID(s string) (kind byte, id [16]byte, ok bool) {
	if len(s) != 36 {
		return 0, id, false
	}
	var hex [32]byte
	if s[:4] == "mrk-" {
		copy(hex[:], s[4:])
		kind = blobKindMRK
	} else {
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return 0, id, false
		}
		copy(hex[0:8], s[0:8])
		copy(hex[8:12], s[9:13])
		copy(hex[12:16], s[14:18])
		copy(hex[16:20], s[19:23])
		copy(hex[20:32], s[24:36])
		kind = blobKindUUID
	}
	for i := range id {
		hi, ok1 := fromLowerHex(hex[2*i])
		lo, ok2 := fromLowerHex(hex[2*i+1])
		if !ok1 || !ok2 {
			return 0, id, false
		}
		id[i] = hi<<4 | lo
	}
	return kind, id, true
}

func fromLowerHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

const lowerHex = "0123456789abcdef"

// formatKeyID is the inverse of parseKeyID. id must be 16 bytes.
func formatKeyID(kind byte, id []byte) string {
	var b [36]byte
	n := 0
	put := func(bs []byte) {
		for _, c := range bs {
			b[n] = lowerHex[c>>4]
			b[n+1] = lowerHex[c&0x0f]
			n += 2
		}
	}
	if kind == blobKindMRK {
		n = copy(b[:], "mrk-")
		put(id)
		return string(b[:])
	}
	for i, part := range [5][2]int{{0, 4}, {4, 6}, {6, 8}, {8, 10}, {10, 16}} {
		if i > 0 {
			b[n] = '-'
			n++
		}
		put(id[part[0]:part[1]])
	}
	return string(b[:])
}

// SymmetricKey is one version of a symmetric KMS key's material, ready to
// seal and open ciphertext blobs. It is safe for concurrent use.
//
// Nonces are random (96 bits), so one key version must not seal more than
// 2^32 blobs; KMS key rotation bounds this in practice.
type SymmetricKey struct {
	aead cipher.AEAD
}

// NewSymmetricKey makes a SymmetricKey from 32 bytes of AES-256 key
// material. It does not keep material; the caller may zero it afterwards.
func NewSymmetricKey(material []byte) (*SymmetricKey, error) {
	if len(material) != 32 {
		return nil, fmt.Errorf("keyring: symmetric key material must be 32 bytes, got %d", len(material))
	}
	aead, err := newGCM(material)
	if err != nil {
		return nil, err
	}
	return &SymmetricKey{aead: aead}, nil
}

// Seal encrypts plaintext into a version 1 ciphertext blob named by h,
// bound to region and to the encryption context encCtx (nil and empty are
// the same). The nonce is read from rand. It returns an error wrapping
// ErrInvalidHeader if h is not well formed. The blob is
// len(plaintext)+BlobOverhead bytes, allocated once.
func (k *SymmetricKey) Seal(rand io.Reader, h BlobHeader, region string, encCtx map[string]string, plaintext []byte) ([]byte, error) {
	out := make([]byte, 0, BlobOverhead+len(plaintext))
	out, err := h.appendHeader(out)
	if err != nil {
		return nil, err
	}
	out = out[:blobPrefixLen]
	nonce := out[blobOffNonce:blobPrefixLen]
	if _, err := io.ReadFull(rand, nonce); err != nil {
		return nil, fmt.Errorf("keyring: reading nonce: %w", err)
	}
	ad := getAAD()
	*ad = appendAAD((*ad)[:0], out[:blobPrefixLen], region, encCtx)
	out = k.aead.Seal(out, nonce, plaintext, *ad)
	putAAD(ad)
	return out, nil
}

// Open decrypts a ciphertext blob made by Seal with this key, checking that
// it was bound to the same region and encryption context. It returns
// ErrMalformed if blob is not a version 1 blob and ErrDecrypt for every
// other failure (wrong key, region or context, altered bytes).
func (k *SymmetricKey) Open(blob []byte, region string, encCtx map[string]string) ([]byte, error) {
	if !checkBlob(blob) {
		return nil, ErrMalformed
	}
	ct := blob[blobPrefixLen:]
	ad := getAAD()
	*ad = appendAAD((*ad)[:0], blob[:blobPrefixLen], region, encCtx)
	out, err := k.aead.Open(make([]byte, 0, len(ct)-blobTagLen), blob[blobOffNonce:blobPrefixLen], ct, *ad)
	putAAD(ad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return out, nil
}

// appendAAD appends the blob's associated data: the header (with nonce),
// the length-prefixed region and the encoded encryption context.
func appendAAD(dst, header []byte, region string, encCtx map[string]string) []byte {
	dst = append(dst, header...)
	dst = binary.AppendUvarint(dst, uint64(len(region)))
	dst = append(dst, region...)
	return AppendContext(dst, encCtx)
}

// aadPool recycles associated-data buffers: they are passed through the
// cipher.AEAD interface, so they would otherwise escape to the heap on
// every call.
var aadPool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

func getAAD() *[]byte { return aadPool.Get().(*[]byte) }

func putAAD(b *[]byte) {
	if cap(*b) > 64<<10 {
		return // do not keep huge buffers alive
	}
	aadPool.Put(b)
}

// EncodeContext returns the canonical encoding of an encryption context:
//
//	uvarint(count) || for each pair, sorted by key (bytewise):
//	    uvarint(len(key)) || key || uvarint(len(value)) || value
//
// It is injective: different contexts never encode the same
// ({"ab":"c"} and {"a":"bc"} differ). A nil and an empty map both encode as
// the single byte 0x00.
func EncodeContext(encCtx map[string]string) []byte {
	n := uvarintLen(len(encCtx))
	for k, v := range encCtx {
		n += uvarintLen(len(k)) + len(k) + uvarintLen(len(v)) + len(v)
	}
	return AppendContext(make([]byte, 0, n), encCtx)
}

func uvarintLen(n int) int {
	l := 1
	for ; n >= 0x80; n >>= 7 {
		l++
	}
	return l
}

// AppendContext appends EncodeContext(encCtx) to dst and returns the
// extended buffer.
func AppendContext(dst []byte, encCtx map[string]string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(encCtx)))
	switch len(encCtx) {
	case 0:
		return dst
	case 1:
		for k, v := range encCtx {
			dst = appendPair(dst, k, v)
		}
		return dst
	}
	var stack [16]string
	keys := stack[:0]
	for k := range encCtx {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		dst = appendPair(dst, k, encCtx[k])
	}
	return dst
}

func appendPair(dst []byte, k, v string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(k)))
	dst = append(dst, k...)
	dst = binary.AppendUvarint(dst, uint64(len(v)))
	return append(dst, v...)
}
