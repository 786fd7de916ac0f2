package keyring

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// writeNewFile creates path with mode 0600, failing if it exists, writes data
// and makes the file and its directory entry durable. On failure it removes
// what it created.
func writeNewFile(path string, data []byte) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("keyring: creating %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(path)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("keyring: writing %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("keyring: syncing %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("keyring: closing %s: %w", path, err)
	}
	if d, derr := os.Open(filepath.Dir(path)); derr == nil {
		// Best effort: not every platform can sync a directory.
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// readSmallFile reads at most max bytes of path; a longer file is malformed.
// If private is set, a file that group or others may access is refused.
// The returned buffer is the caller's to zero.
func readSmallFile(path string, max int, private bool) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("keyring: opening %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("keyring: %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("keyring: %s is not a regular file", path)
	}
	if private {
		if err := checkPrivate(path, fi.Mode()); err != nil {
			return nil, err
		}
	}
	buf := make([]byte, max+1)
	n, err := io.ReadFull(f, buf)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
	case err != nil:
		clear(buf)
		return nil, fmt.Errorf("keyring: reading %s: %w", path, err)
	default:
		clear(buf)
		return nil, fmt.Errorf("keyring: %s: %w (file too large)", path, ErrMalformed)
	}
	return buf[:n], nil
}
