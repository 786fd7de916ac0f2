//go:build !windows

package keyring

import (
	"fmt"
	"io/fs"
)

func checkPrivate(path string, mode fs.FileMode) error {
	if mode.Perm()&0o077 != 0 {
		return fmt.Errorf("%w: %s has mode %#o, want 0600 (run: chmod 600 %s)", ErrFilePermissions, path, mode.Perm(), path)
	}
	return nil
}
