package keyring

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
)

// Dev root file format, version 1 (see docs/root-of-trust.md):
//
//	magic   4 bytes  "CFDR"
//	version 1 byte   0x01
//	key     32 bytes the root key, in the clear
const (
	devRootVersion   = 0x01
	devRootHeaderLen = 4 + 1
	devRootFileLen   = devRootHeaderLen + RootKeySize
)

var devRootMagic = [4]byte{'C', 'F', 'D', 'R'}

// ErrFilePermissions is wrapped by OpenDevRoot when the root key file may be
// read or written by group or others (on systems with Unix file modes).
var ErrFilePermissions = errors.New("keyring: root key file is accessible by group or others")

// DevRoot is the development root of trust: the 256-bit root key is stored
// IN THE CLEAR in a 0600 file. Anyone who can read that file can unwrap
// every key in the deployment. Use it only for development and tests; use
// SealedRoot (or an HSM) for anything that holds real data.
//
// DevRoot is safe for concurrent use. Wrapped secrets use the format of
// docs/root-of-trust.md.
type DevRoot struct {
	rk *rootKey
}

var _ RootOfTrust = (*DevRoot)(nil)

// CreateDevRoot writes a new dev root key file at path, with mode 0600,
// holding a fresh root key read from rand. It fails if path exists. The
// key is stored in the clear: development only.
func CreateDevRoot(path string, rand io.Reader) error {
	buf := make([]byte, devRootFileLen)
	defer clear(buf)
	copy(buf, devRootMagic[:])
	buf[4] = devRootVersion
	if _, err := io.ReadFull(rand, buf[devRootHeaderLen:]); err != nil {
		return fmt.Errorf("keyring: generating root key: %w", err)
	}
	return writeNewFile(path, buf)
}

// OpenDevRoot reads the dev root key file at path. It refuses a file that
// group or others may access (ErrFilePermissions) and a file that is not a
// version 1 dev root (ErrMalformed). Call Close when done.
func OpenDevRoot(path string) (*DevRoot, error) {
	buf, err := readSmallFile(path, devRootFileLen, true)
	if err != nil {
		return nil, err
	}
	defer clear(buf)
	if len(buf) != devRootFileLen || [4]byte(buf[:4]) != devRootMagic || buf[4] != devRootVersion {
		return nil, fmt.Errorf("keyring: %s is not a dev root key file: %w", path, ErrMalformed)
	}
	key := make([]byte, RootKeySize)
	copy(key, buf[devRootHeaderLen:])
	rk, err := newRootKey(key, rand.Reader)
	if err != nil {
		clear(key)
		return nil, err
	}
	return &DevRoot{rk: rk}, nil
}

// Wrap encrypts plaintext under the root key, binding aad. It returns
// ErrClosed after Close.
func (d *DevRoot) Wrap(ctx context.Context, plaintext, aad []byte) ([]byte, error) {
	return d.rk.wrap(ctx, plaintext, aad)
}

// Unwrap decrypts a secret produced by Wrap with the same aad. Any
// authentication failure, including a different aad, is ErrDecrypt; input
// that is not a wrapped secret is ErrMalformed. It returns ErrClosed after
// Close.
func (d *DevRoot) Unwrap(ctx context.Context, wrapped, aad []byte) ([]byte, error) {
	return d.rk.unwrap(ctx, wrapped, aad)
}

// Close zeroes the root key. Later calls to Wrap and Unwrap fail with
// ErrClosed. Close is idempotent and always returns nil.
func (d *DevRoot) Close() error {
	d.rk.close()
	return nil
}
