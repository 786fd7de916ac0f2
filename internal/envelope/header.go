package envelope

import (
	"bufio"
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"slices"
)

// magic opens every envelope. PNG-style: the high-bit byte catches 7-bit
// transports, CR LF catches newline conversion.
const magic = "\x89CFENV\r\n"

// version1 is the only format version.
const version1 = 1

const (
	saltSize = 32
	macSize  = sha256.Size
	// maxField bounds every length-prefixed field (uint16 lengths).
	maxField = 1<<16 - 1
	// maxHeader bounds a whole header, so parsing costs at most this
	// much memory whatever the input. KMS limits key ids to 2048
	// characters, blobs to 6144 bytes and contexts to 8192 characters.
	maxHeader = 64 << 10
)

// header is the parsed, canonical form of an envelope header.
type header struct {
	KeyID   string            // the KMS key as GenerateDataKey named it (an ARN from AWS and Coffer)
	Blob    []byte            // the KMS CiphertextBlob of the data key
	Context map[string]string // the encryption context; nil and empty are the same
	Salt    [saltSize]byte
	MAC     [macSize]byte
}

// marshalWithoutMAC returns magic .. salt: the bytes the MAC covers.
func (h *header) marshalWithoutMAC() ([]byte, error) {
	if len(h.KeyID) > maxField || len(h.Blob) > maxField || len(h.Context) > maxField {
		return nil, errors.New("envelope: header field too long")
	}
	b := make([]byte, 0, 128+len(h.KeyID)+len(h.Blob))
	b = append(b, magic...)
	b = append(b, version1)
	b = appendField(b, []byte(h.KeyID))
	b = appendField(b, h.Blob)
	keys := make([]string, 0, len(h.Context))
	for k, v := range h.Context {
		if len(k) > maxField || len(v) > maxField {
			return nil, errors.New("envelope: encryption context entry too long")
		}
		keys = append(keys, k)
	}
	slices.Sort(keys) // bytewise: Go strings compare as bytes
	b = binary.BigEndian.AppendUint16(b, uint16(len(keys)))
	for _, k := range keys {
		b = appendField(b, []byte(k))
		b = appendField(b, []byte(h.Context[k]))
	}
	b = append(b, h.Salt[:]...)
	if len(b)+macSize > maxHeader {
		return nil, errors.New("envelope: header too long")
	}
	return b, nil
}

// marshal returns the whole header, MAC included.
func (h *header) marshal() ([]byte, error) {
	b, err := h.marshalWithoutMAC()
	if err != nil {
		return nil, err
	}
	return append(b, h.MAC[:]...), nil
}

func appendField(b, f []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(f)))
	return append(b, f...)
}

// errUnsupported is wrapped in ErrInvalid's place for a well-formed magic
// with an unknown version; it is not secret, so it is worth saying.
var errUnsupported = errors.New("envelope: unsupported format version")

// parseHeader reads one header from r. Every failure is ErrInvalid (or
// an I/O error from r other than EOF), except an unknown version.
// The result is canonical: marshal gives back the bytes read.
func parseHeader(br *bufio.Reader) (*header, error) {
	r := &io.LimitedReader{R: br, N: maxHeader}
	var h header
	var fixed [len(magic) + 1]byte
	if _, err := io.ReadFull(r, fixed[:]); err != nil {
		return nil, ioOrInvalid(err)
	}
	if string(fixed[:len(magic)]) != magic {
		return nil, ErrInvalid
	}
	if fixed[len(magic)] != version1 {
		return nil, errUnsupported
	}
	keyID, err := readField(r)
	if err != nil {
		return nil, err
	}
	h.KeyID = string(keyID)
	if h.Blob, err = readField(r); err != nil {
		return nil, err
	}
	n, err := readUint16(r)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		h.Context = make(map[string]string, n)
	}
	var prev []byte
	for i := 0; i < int(n); i++ {
		k, err := readField(r)
		if err != nil {
			return nil, err
		}
		v, err := readField(r)
		if err != nil {
			return nil, err
		}
		// Strictly ascending keys: one encoding per context, no duplicates.
		if i > 0 && bytes.Compare(prev, k) >= 0 {
			return nil, ErrInvalid
		}
		prev = k
		h.Context[string(k)] = string(v)
	}
	if _, err := io.ReadFull(r, h.Salt[:]); err != nil {
		return nil, ioOrInvalid(err)
	}
	if _, err := io.ReadFull(r, h.MAC[:]); err != nil {
		return nil, ioOrInvalid(err)
	}
	return &h, nil
}

func readUint16(r io.Reader) (uint16, error) {
	var b [2]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return 0, ioOrInvalid(err)
	}
	return binary.BigEndian.Uint16(b[:]), nil
}

func readField(r io.Reader) ([]byte, error) {
	n, err := readUint16(r)
	if err != nil {
		return nil, err
	}
	f := make([]byte, n)
	if _, err := io.ReadFull(r, f); err != nil {
		return nil, ioOrInvalid(err)
	}
	return f, nil
}

// ioOrInvalid turns a short read (the input ended) into ErrInvalid and
// passes other I/O errors through.
func ioOrInvalid(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return ErrInvalid
	}
	return err
}

// Key derivation labels (HKDF-SHA-256 info strings).
const (
	labelHeader  = "coffer-envelope/v1 header"
	labelPayload = "coffer-envelope/v1 payload"
)

// keys derives the header MAC key and the payload key from the data key,
// the salt and the MACed header bytes (magic .. salt).
func keys(dataKey []byte, salt []byte, headerNoMAC []byte) (macKey, payloadKey []byte, err error) {
	macKey, err = hkdf.Key(sha256.New, dataKey, salt, labelHeader, 32)
	if err != nil {
		return nil, nil, err
	}
	hh := sha256.Sum256(headerNoMAC)
	payloadKey, err = hkdf.Key(sha256.New, dataKey, salt, labelPayload+string(hh[:]), 32)
	if err != nil {
		clear(macKey)
		return nil, nil, err
	}
	return macKey, payloadKey, nil
}

func headerMAC(macKey, headerNoMAC []byte) []byte {
	m := hmac.New(sha256.New, macKey)
	m.Write(headerNoMAC)
	return m.Sum(nil)
}
