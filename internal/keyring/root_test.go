package keyring

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fastKDF keeps sealed-root tests fast; the default is tested once below.
var fastKDF = kdfParams{time: 1, memoryKiB: 64, threads: 1}

type closableRoot interface {
	RootOfTrust
	Close() error
}

// rootProviders opens one of each in-memory provider, for the shared suite.
func rootProviders(t *testing.T) map[string]closableRoot {
	t.Helper()
	dir := t.TempDir()
	dev := filepath.Join(dir, "dev.key")
	if err := CreateDevRoot(dev, detRand(10)); err != nil {
		t.Fatal(err)
	}
	d, err := OpenDevRoot(dev)
	if err != nil {
		t.Fatal(err)
	}
	sealed := filepath.Join(dir, "sealed.key")
	if err := createSealedRoot(sealed, []byte("pass"), detRand(11), fastKDF); err != nil {
		t.Fatal(err)
	}
	s, err := OpenSealedRoot(sealed, []byte("pass"))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]closableRoot{"dev": d, "sealed": s}
}

// TestRootOfTrust is the conformance suite every RootOfTrust runs.
func TestRootOfTrust(t *testing.T) {
	ctx := context.Background()
	for name, r := range rootProviders(t) {
		t.Run(name, func(t *testing.T) {
			secret := bytes.Repeat([]byte{0x42}, 32)
			aad := []byte("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab#1")
			wrapped, err := r.Wrap(ctx, secret, aad)
			if err != nil {
				t.Fatal(err)
			}
			if len(wrapped) != len(secret)+WrapOverhead {
				t.Errorf("wrapped length %d, want %d", len(wrapped), len(secret)+WrapOverhead)
			}
			if bytes.Contains(wrapped, secret[:8]) {
				t.Error("wrapped output contains the secret")
			}
			got, err := r.Unwrap(ctx, wrapped, aad)
			if err != nil || !bytes.Equal(got, secret) {
				t.Fatalf("Unwrap = %x, %v", got, err)
			}
			again, _ := r.Wrap(ctx, secret, aad)
			if bytes.Equal(again, wrapped) {
				t.Error("two wraps gave the same output (nonce reuse?)")
			}

			t.Run("aad binding", func(t *testing.T) {
				for _, other := range [][]byte{nil, aad[:len(aad)-1], append(bytes.Clone(aad), '0'), []byte("other")} {
					if _, err := r.Unwrap(ctx, wrapped, other); !errors.Is(err, ErrDecrypt) {
						t.Errorf("Unwrap with aad %q: %v, want ErrDecrypt", other, err)
					}
				}
			})
			t.Run("tamper every byte", func(t *testing.T) {
				for i := range wrapped {
					b := bytes.Clone(wrapped)
					b[i] ^= 0x01
					if _, err := r.Unwrap(ctx, b, aad); !errors.Is(err, ErrDecrypt) && !errors.Is(err, ErrMalformed) {
						t.Fatalf("byte %d: %v", i, err)
					}
				}
				for n := range len(wrapped) {
					if _, err := r.Unwrap(ctx, wrapped[:n], aad); !errors.Is(err, ErrDecrypt) && !errors.Is(err, ErrMalformed) {
						t.Fatalf("truncated to %d: %v", n, err)
					}
				}
			})
			t.Run("empty secret", func(t *testing.T) {
				w, err := r.Wrap(ctx, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				if got, err := r.Unwrap(ctx, w, nil); err != nil || len(got) != 0 {
					t.Fatalf("Unwrap = %x, %v", got, err)
				}
			})
			t.Run("canceled context", func(t *testing.T) {
				cctx, cancel := context.WithCancel(ctx)
				cancel()
				if _, err := r.Wrap(cctx, secret, aad); !errors.Is(err, context.Canceled) {
					t.Errorf("Wrap: %v", err)
				}
				if _, err := r.Unwrap(cctx, wrapped, aad); !errors.Is(err, context.Canceled) {
					t.Errorf("Unwrap: %v", err)
				}
			})
			t.Run("close", func(t *testing.T) {
				if err := r.Close(); err != nil {
					t.Fatal(err)
				}
				if err := r.Close(); err != nil {
					t.Fatal(err)
				}
				if _, err := r.Wrap(ctx, secret, aad); !errors.Is(err, ErrClosed) {
					t.Errorf("Wrap after Close: %v", err)
				}
				if _, err := r.Unwrap(ctx, wrapped, aad); !errors.Is(err, ErrClosed) {
					t.Errorf("Unwrap after Close: %v", err)
				}
			})
		})
	}
}

func TestRootKeyCloseZeroes(t *testing.T) {
	key := bytes.Repeat([]byte{0xee}, 32)
	rk, err := newRootKey(key, nil)
	if err != nil {
		t.Fatal(err)
	}
	rk.close()
	if !bytes.Equal(key, make([]byte, 32)) {
		t.Fatal("close did not zero the key")
	}
}

func TestDevRootFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "dev.key")
	if err := CreateDevRoot(p, detRand(20)); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if fi.Size() != devRootFileLen {
		t.Errorf("size %d, want %d", fi.Size(), devRootFileLen)
	}

	t.Run("refuses to overwrite", func(t *testing.T) {
		if err := CreateDevRoot(p, detRand(21)); !errors.Is(err, os.ErrExist) {
			t.Fatalf("second CreateDevRoot: %v, want ErrExist", err)
		}
		d, err := OpenDevRoot(p)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		want := make([]byte, 32)
		detRand(20).Read(want)
		if !bytes.Equal(d.rk.key, want) {
			t.Fatal("root key changed")
		}
	})
	t.Run("short rand leaves no file", func(t *testing.T) {
		q := filepath.Join(dir, "short.key")
		if err := CreateDevRoot(q, bytes.NewReader(make([]byte, 31))); err == nil {
			t.Fatal("CreateDevRoot with short rand succeeded")
		}
		if _, err := os.Stat(q); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("file left behind: %v", err)
		}
	})
	t.Run("permissions", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("no Unix file modes")
		}
		for _, mode := range []os.FileMode{0o640, 0o604, 0o644, 0o660, 0o602, 0o610} {
			q := filepath.Join(dir, "perm.key")
			os.Remove(q)
			if err := CreateDevRoot(q, detRand(22)); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(q, mode); err != nil {
				t.Fatal(err)
			}
			_, err := OpenDevRoot(q)
			if !errors.Is(err, ErrFilePermissions) || !strings.Contains(err.Error(), "chmod 600") {
				t.Errorf("mode %#o: %v, want ErrFilePermissions", mode, err)
			}
		}
		q := filepath.Join(dir, "perm.key")
		if err := os.Chmod(q, 0o400); err != nil {
			t.Fatal(err)
		}
		d, err := OpenDevRoot(q)
		if err != nil {
			t.Fatalf("mode 0400: %v", err)
		}
		d.Close()
	})
	t.Run("malformed", func(t *testing.T) {
		good, _ := os.ReadFile(p)
		set := func(i int, c byte) []byte { b := bytes.Clone(good); b[i] = c; return b }
		tests := []struct {
			name string
			data []byte
		}{
			{"empty", nil},
			{"short", good[:len(good)-1]},
			{"long", append(bytes.Clone(good), 0)},
			{"magic", set(0, 'X')},
			{"version", set(4, 2)},
			{"sealed root file", mustHex("434653520101")},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				q := filepath.Join(dir, "bad"+string(rune('a'+i)))
				if err := writeNewFile(q, tt.data); err != nil {
					t.Fatal(err)
				}
				if _, err := OpenDevRoot(q); !errors.Is(err, ErrMalformed) {
					t.Fatalf("OpenDevRoot: %v, want ErrMalformed", err)
				}
			})
		}
	})
	t.Run("missing", func(t *testing.T) {
		if _, err := OpenDevRoot(filepath.Join(dir, "nope")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("OpenDevRoot: %v", err)
		}
	})
	t.Run("directory", func(t *testing.T) {
		if _, err := OpenDevRoot(dir); err == nil {
			t.Fatal("OpenDevRoot of a directory succeeded")
		}
	})
}

func TestSealedRootFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sealed.key")
	pass := []byte("correct horse battery staple")
	if err := createSealedRoot(p, pass, detRand(30), fastKDF); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	good, _ := os.ReadFile(p)
	rootKey := make([]byte, 32)
	detRand(30).Read(rootKey)
	if bytes.Contains(good, rootKey[:8]) {
		t.Fatal("sealed file contains the root key")
	}

	t.Run("open", func(t *testing.T) {
		s, err := OpenSealedRoot(p, pass)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if !bytes.Equal(s.rk.key, rootKey) {
			t.Fatal("unsealed a different root key")
		}
	})
	t.Run("wrong passphrase", func(t *testing.T) {
		for _, wrong := range [][]byte{[]byte("correct horse battery stapl"), []byte("Correct horse battery staple"), nil, append(bytes.Clone(pass), 0)} {
			_, err := OpenSealedRoot(p, wrong)
			if !errors.Is(err, ErrWrongPassphrase) {
				t.Fatalf("OpenSealedRoot(%q): %v, want ErrWrongPassphrase", wrong, err)
			}
			if strings.Contains(err.Error(), string(pass)) {
				t.Fatal("error message contains the passphrase")
			}
		}
	})
	t.Run("refuses to overwrite", func(t *testing.T) {
		if err := createSealedRoot(p, pass, detRand(31), fastKDF); !errors.Is(err, os.ErrExist) {
			t.Fatalf("second create: %v, want ErrExist", err)
		}
	})
	t.Run("empty passphrase", func(t *testing.T) {
		if err := createSealedRoot(filepath.Join(dir, "empty"), nil, detRand(32), fastKDF); err == nil {
			t.Fatal("create with empty passphrase succeeded")
		}
	})
	t.Run("tampered", func(t *testing.T) {
		for i := range good {
			b := bytes.Clone(good)
			b[i] ^= 0x80
			if _, err := unsealRootKey(b, pass); !errors.Is(err, ErrWrongPassphrase) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("byte %d: %v", i, err)
			}
		}
	})
	t.Run("malformed", func(t *testing.T) {
		set32 := func(off int, v uint32) []byte {
			b := bytes.Clone(good)
			b[off], b[off+1], b[off+2], b[off+3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
			return b
		}
		set := func(i int, c byte) []byte { b := bytes.Clone(good); b[i] = c; return b }
		tests := []struct {
			name string
			data []byte
		}{
			{"empty", nil},
			{"short", good[:len(good)-1]},
			{"long", append(bytes.Clone(good), 0)},
			{"magic", set(0, 'X')},
			{"version", set(4, 2)},
			{"kdf", set(5, 2)},
			{"time 0", set32(6, 0)},
			{"time huge", set32(6, 1<<20)},
			{"memory huge", set32(10, 1<<31)},
			{"memory below 8 KiB per lane", set32(10, 7)},
			{"threads 0", set(14, 0)},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				q := filepath.Join(dir, "bad"+string(rune('a'+i)))
				if err := writeNewFile(q, tt.data); err != nil {
					t.Fatal(err)
				}
				if _, err := OpenSealedRoot(q, pass); !errors.Is(err, ErrMalformed) {
					t.Fatalf("OpenSealedRoot: %v, want ErrMalformed", err)
				}
			})
		}
	})
}

// TestSealedRootDefaultKDF runs the real parameters once.
func TestSealedRootDefaultKDF(t *testing.T) {
	if testing.Short() {
		t.Skip("Argon2id with 64 MiB")
	}
	p := filepath.Join(t.TempDir(), "sealed.key")
	if err := CreateSealedRoot(p, []byte("pw"), detRand(40)); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if got := mustHex("000000030001000002"); !bytes.Equal(b[6:15], got) {
		t.Fatalf("stored parameters %x, want %x (time=3, memory=65536 KiB, threads=2)", b[6:15], got)
	}
	s, err := OpenSealedRoot(p, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}
