package envelope

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"io"
)

// The payload is the STREAM construction (Hoang, Reyhanitabar, Rogaway,
// Vizár, "Online Authenticated-Encryption and its Nonce-Reuse
// Misuse-Resistance", 2015) as age's internal/stream uses it, on
// AES-256-GCM: the plaintext is cut into chunks of ChunkSize bytes, the
// last one possibly shorter (and empty only if the whole plaintext is);
// chunk i is sealed with nonce = uint88(i) || flag, flag 0x01 on the last
// chunk and 0x00 on the others. Reordering changes a nonce, dropping the
// end leaves no chunk with the last flag, so both fail to open.
const (
	// ChunkSize is the plaintext size of every chunk but the last.
	ChunkSize = 64 << 10
	tagSize   = 16
	encChunk  = ChunkSize + tagSize
	nonceSize = 12
)

func newAEAD(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// nonce holds the 96-bit chunk nonce: an 88-bit big-endian counter, then
// the last-chunk flag. The counter's top 3 bytes stay zero: 2^64 chunks
// of 64 KiB is beyond any input.
type nonce [nonceSize]byte

func (n *nonce) set(counter uint64, last bool) {
	clear(n[:3])
	binary.BigEndian.PutUint64(n[3:11], counter)
	n[11] = 0
	if last {
		n[11] = 1
	}
}

// sealStream encrypts r to w chunk by chunk; memory is two chunks.
func sealStream(aead cipher.AEAD, w io.Writer, r io.Reader) error {
	br := bufio.NewReaderSize(r, ChunkSize)
	buf := make([]byte, ChunkSize, encChunk)
	var n nonce
	for counter := uint64(0); ; counter++ {
		if counter == 1<<64-1 {
			return errors.New("envelope: input too large")
		}
		k, err := io.ReadFull(br, buf[:ChunkSize])
		last := false
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			last = true
		case err != nil:
			return err
		default: // a full chunk: last only if nothing follows
			if _, err := br.Peek(1); err == io.EOF {
				last = true
			} else if err != nil {
				return err
			}
		}
		if last && k == 0 && counter > 0 {
			// Unreachable: a full chunk followed by EOF is sealed as last.
			return errors.New("envelope: internal error: empty final chunk")
		}
		n.set(counter, last)
		out := aead.Seal(buf[:0], n[:], buf[:k], nil)
		if _, err := w.Write(out); err != nil {
			return err
		}
		if last {
			return nil
		}
	}
}

// openStream decrypts r to w. A chunk is written only after it has been
// authenticated, but a later chunk may still fail: on error, what was
// written is an authenticated prefix that must be discarded. Every
// failure of the data is ErrInvalid; I/O errors of r and w pass through.
func openStream(aead cipher.AEAD, w io.Writer, br *bufio.Reader) error {
	buf := make([]byte, encChunk)
	var n nonce
	for counter := uint64(0); ; counter++ {
		if counter == 1<<64-1 {
			return ErrInvalid
		}
		k, err := io.ReadFull(br, buf)
		last := false
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			last = true
		case err != nil:
			return err
		default:
			if _, err := br.Peek(1); err == io.EOF {
				last = true
			} else if err != nil {
				return err
			}
		}
		if k < tagSize || (last && k == tagSize && counter > 0) {
			// No room for a tag, or an empty final chunk after others
			// (the encryptor never writes one; accepting it would give
			// one plaintext two encodings).
			return ErrInvalid
		}
		n.set(counter, last)
		pt, err := aead.Open(buf[:0], n[:], buf[:k], nil)
		if err != nil {
			return ErrInvalid
		}
		if _, err := w.Write(pt); err != nil {
			return err
		}
		if last {
			return nil
		}
	}
}
