package keyring

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/argon2"
)

// Sealed root file format, version 1 (see docs/root-of-trust.md), big-endian:
//
//	magic    4 bytes  "CFSR"
//	version  1 byte   0x01
//	kdf      1 byte   0x01 = Argon2id (RFC 9106, version 0x13)
//	time     uint32   Argon2 passes
//	memory   uint32   Argon2 memory in KiB
//	threads  uint8    Argon2 lanes
//	salt     16 bytes random
//	nonce    12 bytes random
//	sealed   AES-256-GCM(kek, nonce, rootKey, ad = all bytes above)  48 bytes
//
// where kek = Argon2id(passphrase, salt, time, memory, threads, 32 bytes).
// The parameters and salt live in the file, so new files can use stronger
// parameters while old files still open.
const (
	sealedRootVersion  = 0x01
	sealedKDFArgon2id  = 0x01
	sealedSaltLen      = 16
	sealedNonceLen     = 12
	sealedHeaderLen    = 4 + 1 + 1 + 4 + 4 + 1 + sealedSaltLen + sealedNonceLen
	sealedRootFileLen  = sealedHeaderLen + RootKeySize + 16
	sealedMaxTime      = 64
	sealedMaxMemoryKiB = 4 << 20 // 4 GiB
	sealedMinMemoryKiB = 8       // Argon2 needs 8 KiB per lane; checked per lane too
)

var sealedRootMagic = [4]byte{'C', 'F', 'S', 'R'}

// ErrWrongPassphrase is returned by OpenSealedRoot when the sealed root key
// does not decrypt: the passphrase is wrong, or the file was altered.
var ErrWrongPassphrase = errors.New("keyring: wrong root passphrase (the sealed root key could not be decrypted)")

// kdfParams are the Argon2id parameters of a sealed root file.
type kdfParams struct {
	time      uint32
	memoryKiB uint32
	threads   uint8
}

// defaultKDF is what CreateSealedRoot uses: Argon2id with 3 passes over
// 64 MiB on 2 lanes (above the RFC 9106 second recommended option, about
// 100-200 ms on a current server core). Tests call createSealedRoot with
// cheaper parameters instead of changing this.
var defaultKDF = kdfParams{time: 3, memoryKiB: 64 * 1024, threads: 2}

func (p kdfParams) valid() bool {
	return p.time >= 1 && p.time <= sealedMaxTime &&
		p.threads >= 1 &&
		p.memoryKiB >= sealedMinMemoryKiB*uint32(p.threads) && p.memoryKiB <= sealedMaxMemoryKiB
}

func (p kdfParams) deriveKey(passphrase, salt []byte) []byte {
	return argon2.IDKey(passphrase, salt, p.time, p.memoryKiB, p.threads, RootKeySize)
}

// SealedRoot is the root of trust backed by a sealed file: the 256-bit root
// key is stored encrypted under a key derived from a passphrase with
// Argon2id, and held in memory, unsealed, while open.
//
// SealedRoot is safe for concurrent use. Wrapped secrets use the format of
// docs/root-of-trust.md, the same as DevRoot's.
type SealedRoot struct {
	rk *rootKey
}

var _ RootOfTrust = (*SealedRoot)(nil)

// CreateSealedRoot writes a new sealed root file at path, with mode 0600,
// holding a fresh root key read from rand, sealed under passphrase with
// Argon2id (time=3, memory=64 MiB, threads=2) and AES-256-GCM. It fails if
// path exists or passphrase is empty. The caller owns passphrase and may
// zero it afterwards.
func CreateSealedRoot(path string, passphrase []byte, rand io.Reader) error {
	return createSealedRoot(path, passphrase, rand, defaultKDF)
}

func createSealedRoot(path string, passphrase []byte, rand io.Reader, p kdfParams) error {
	if len(passphrase) == 0 {
		return errors.New("keyring: empty root passphrase")
	}
	if !p.valid() {
		return fmt.Errorf("keyring: invalid Argon2id parameters %+v", p)
	}
	rootKey := make([]byte, RootKeySize)
	defer clear(rootKey)
	if _, err := io.ReadFull(rand, rootKey); err != nil {
		return fmt.Errorf("keyring: generating root key: %w", err)
	}
	hdr := make([]byte, sealedHeaderLen, sealedRootFileLen)
	copy(hdr, sealedRootMagic[:])
	hdr[4] = sealedRootVersion
	hdr[5] = sealedKDFArgon2id
	binary.BigEndian.PutUint32(hdr[6:], p.time)
	binary.BigEndian.PutUint32(hdr[10:], p.memoryKiB)
	hdr[14] = p.threads
	salt := hdr[15 : 15+sealedSaltLen]
	nonce := hdr[15+sealedSaltLen : sealedHeaderLen]
	if _, err := io.ReadFull(rand, hdr[15:sealedHeaderLen]); err != nil {
		return fmt.Errorf("keyring: generating salt and nonce: %w", err)
	}
	kek := p.deriveKey(passphrase, salt)
	defer clear(kek)
	aead, err := newGCM(kek)
	if err != nil {
		return err
	}
	file := aead.Seal(hdr, nonce, rootKey, hdr)
	return writeNewFile(path, file)
}

// OpenSealedRoot reads the sealed root file at path and unseals the root key
// with passphrase. A wrong passphrase (or an altered file) gives
// ErrWrongPassphrase; a file that is not a version 1 sealed root, or whose
// KDF parameters are out of range, gives ErrMalformed. Call Close when done.
func OpenSealedRoot(path string, passphrase []byte) (*SealedRoot, error) {
	buf, err := readSmallFile(path, sealedRootFileLen, false)
	if err != nil {
		return nil, err
	}
	key, err := unsealRootKey(buf, passphrase)
	if err != nil {
		if errors.Is(err, ErrMalformed) {
			return nil, fmt.Errorf("keyring: %s is not a sealed root key file: %w", path, err)
		}
		return nil, err
	}
	rk, err := newRootKey(key, rand.Reader)
	if err != nil {
		clear(key)
		return nil, err
	}
	return &SealedRoot{rk: rk}, nil
}

// unsealRootKey parses a sealed root file and returns the root key.
func unsealRootKey(file, passphrase []byte) ([]byte, error) {
	if len(file) != sealedRootFileLen || [4]byte(file[:4]) != sealedRootMagic ||
		file[4] != sealedRootVersion || file[5] != sealedKDFArgon2id {
		return nil, ErrMalformed
	}
	p := kdfParams{
		time:      binary.BigEndian.Uint32(file[6:]),
		memoryKiB: binary.BigEndian.Uint32(file[10:]),
		threads:   file[14],
	}
	if !p.valid() {
		return nil, ErrMalformed
	}
	hdr := file[:sealedHeaderLen]
	salt := hdr[15 : 15+sealedSaltLen]
	nonce := hdr[15+sealedSaltLen:]
	kek := p.deriveKey(passphrase, salt)
	defer clear(kek)
	aead, err := newGCM(kek)
	if err != nil {
		return nil, err
	}
	key, err := aead.Open(make([]byte, 0, RootKeySize), nonce, file[sealedHeaderLen:], hdr)
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	return key, nil
}

// Wrap encrypts plaintext under the root key, binding aad. It returns
// ErrClosed after Close.
func (s *SealedRoot) Wrap(ctx context.Context, plaintext, aad []byte) ([]byte, error) {
	return s.rk.wrap(ctx, plaintext, aad)
}

// Unwrap decrypts a secret produced by Wrap with the same aad. Any
// authentication failure, including a different aad, is ErrDecrypt; input
// that is not a wrapped secret is ErrMalformed. It returns ErrClosed after
// Close.
func (s *SealedRoot) Unwrap(ctx context.Context, wrapped, aad []byte) ([]byte, error) {
	return s.rk.unwrap(ctx, wrapped, aad)
}

// Close zeroes the unsealed root key. Later calls to Wrap and Unwrap fail
// with ErrClosed. Close is idempotent and always returns nil.
func (s *SealedRoot) Close() error {
	s.rk.close()
	return nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
