// Package config turns command-line flags and COFFER_* environment
// variables into a validated runtime configuration. A flag given on the
// command line wins over the environment, which wins over the default.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultRegion is the region assumed where none is given.
const DefaultRegion = "us-east-1"

// Serve is the configuration of `coffer serve`.
type Serve struct {
	Addr    string // listen address, host:port
	DataDir string // holds the SQLite database and the root of trust file
	Dev     bool   // dev bootstrap: loopback only, dev root, example credentials
	// Store is "" for SQLite in DataDir, or a postgres:// URL.
	Store string
	// Seed is a YAML file of keys and aliases to create at start ("" for none).
	Seed string
	// Region is the default region for the seed file.
	Region string
	// PassphraseFile holds the sealed root's passphrase; otherwise the
	// COFFER_ROOT_PASSPHRASE environment variable does.
	PassphraseFile string
	// MaintenanceInterval is how often deletion windows and automatic
	// rotations are checked.
	MaintenanceInterval time.Duration
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// FastPath serves KMS requests on the httpfast path (default true);
	// false sends every request through net/http.
	FastPath bool
}

// Init is the configuration of `coffer init`.
type Init struct {
	DataDir        string
	Store          string
	Account        string
	PassphraseFile string
	Dev            bool // create a dev root (plain file) instead of a sealed one
}

// env returns the environment value of name, or def.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// ParseServe parses `coffer serve` arguments.
func ParseServe(args []string) (*Serve, error) {
	c := &Serve{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&c.Addr, "addr", env("COFFER_ADDR", "127.0.0.1:4600"), "listen address (COFFER_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", env("COFFER_DATA_DIR", "./coffer-data"), "data directory (COFFER_DATA_DIR)")
	fs.BoolVar(&c.Dev, "dev", env("COFFER_DEV", "") == "1" || env("COFFER_DEV", "") == "true", "dev bootstrap: loopback only, dev root file, example credentials (COFFER_DEV=1)")
	fs.StringVar(&c.Store, "store", env("COFFER_STORE", ""), "metadata store: empty for SQLite in the data dir, or postgres://... (COFFER_STORE)")
	fs.StringVar(&c.Seed, "seed", env("COFFER_SEED", ""), "YAML file of keys and aliases to create at start (COFFER_SEED)")
	fs.StringVar(&c.Region, "region", env("COFFER_REGION", DefaultRegion), "default region for --seed (COFFER_REGION)")
	fs.StringVar(&c.PassphraseFile, "passphrase-file", env("COFFER_ROOT_PASSPHRASE_FILE", ""), "file holding the sealed root passphrase; else COFFER_ROOT_PASSPHRASE")
	fs.DurationVar(&c.MaintenanceInterval, "maintenance-interval", time.Minute, "how often deletion windows and rotations are checked")
	fs.BoolVar(&c.FastPath, "fast-path", env("COFFER_FAST_PATH", "true") != "false", "serve KMS requests on the lean HTTP/1.1 fast path; false: net/http for everything (COFFER_FAST_PATH)")
	fs.StringVar(&c.LogLevel, "log-level", env("COFFER_LOG_LEVEL", "info"), "debug, info, warn or error (COFFER_LOG_LEVEL)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	return c, c.validate()
}

func (c *Serve) validate() error {
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", c.Addr, err)
	}
	if c.Dev && !isLoopback(host) {
		return fmt.Errorf("--dev binds loopback only; --addr %q is not a loopback address", c.Addr)
	}
	if c.DataDir == "" {
		return errors.New("--data-dir must not be empty")
	}
	c.DataDir = filepath.Clean(c.DataDir)
	if c.Store != "" && !strings.HasPrefix(c.Store, "postgres://") && !strings.HasPrefix(c.Store, "postgresql://") {
		return fmt.Errorf("--store %q: want empty (SQLite) or a postgres:// URL", c.Store)
	}
	if c.MaintenanceInterval < time.Second {
		return errors.New("--maintenance-interval must be at least 1s")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ParseInit parses `coffer init` arguments.
func ParseInit(args []string) (*Init, error) {
	c := &Init{}
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.StringVar(&c.DataDir, "data-dir", env("COFFER_DATA_DIR", "./coffer-data"), "data directory (COFFER_DATA_DIR)")
	fs.StringVar(&c.Store, "store", env("COFFER_STORE", ""), "metadata store: empty for SQLite in the data dir, or postgres://... (COFFER_STORE)")
	fs.StringVar(&c.Account, "account", env("COFFER_ACCOUNT", "111122223333"), "the first account's 12-digit id")
	fs.StringVar(&c.PassphraseFile, "passphrase-file", env("COFFER_ROOT_PASSPHRASE_FILE", ""), "file holding the root passphrase; else COFFER_ROOT_PASSPHRASE")
	fs.BoolVar(&c.Dev, "dev-root", false, "store the root key in a plain file (development only)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("init: unexpected argument %q", fs.Arg(0))
	}
	if c.DataDir == "" {
		return nil, errors.New("--data-dir must not be empty")
	}
	return c, nil
}

// Passphrase reads the root passphrase from file, or from the
// COFFER_ROOT_PASSPHRASE environment variable when file is "". A trailing
// newline in the file is dropped.
func Passphrase(file string) ([]byte, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("root passphrase file: %w", err)
		}
		b = []byte(strings.TrimRight(string(b), "\r\n"))
		if len(b) == 0 {
			return nil, fmt.Errorf("root passphrase file %s is empty", file)
		}
		return b, nil
	}
	p := os.Getenv("COFFER_ROOT_PASSPHRASE")
	if p == "" {
		return nil, errors.New("no root passphrase: set COFFER_ROOT_PASSPHRASE or --passphrase-file")
	}
	return []byte(p), nil
}
