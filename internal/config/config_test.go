package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseServe(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		check   func(t *testing.T, c *Serve)
		wantErr string
	}{
		{name: "defaults", check: func(t *testing.T, c *Serve) {
			if c.Addr != "127.0.0.1:4600" || c.DataDir != "coffer-data" || c.Dev || c.Store != "" || c.MaintenanceInterval != time.Minute {
				t.Fatalf("%+v", c)
			}
		}},
		{name: "environment", env: map[string]string{"COFFER_ADDR": "127.0.0.1:9", "COFFER_DEV": "1", "COFFER_DATA_DIR": "/tmp/x", "COFFER_STORE": "postgres://db/coffer"},
			check: func(t *testing.T, c *Serve) {
				if c.Addr != "127.0.0.1:9" || !c.Dev || c.DataDir != "/tmp/x" || c.Store != "postgres://db/coffer" {
					t.Fatalf("%+v", c)
				}
			}},
		{name: "a flag beats the environment", env: map[string]string{"COFFER_ADDR": "127.0.0.1:9"}, args: []string{"--addr", "127.0.0.1:10"},
			check: func(t *testing.T, c *Serve) {
				if c.Addr != "127.0.0.1:10" {
					t.Fatalf("addr %q", c.Addr)
				}
			}},
		{name: "dev is loopback only", args: []string{"--dev", "--addr", "0.0.0.0:4600"}, wantErr: "loopback"},
		{name: "dev on localhost", args: []string{"--dev", "--addr", "localhost:4600"}},
		{name: "dev on ipv6 loopback", args: []string{"--dev", "--addr", "[::1]:4600"}},
		{name: "bad address", args: []string{"--addr", "nope"}, wantErr: "--addr"},
		{name: "bad store", args: []string{"--store", "mysql://x"}, wantErr: "--store"},
		{name: "bad log level", args: []string{"--log-level", "loud"}, wantErr: "--log-level"},
		{name: "too frequent maintenance", args: []string{"--maintenance-interval", "10ms"}, wantErr: "maintenance"},
		{name: "stray argument", args: []string{"extra"}, wantErr: "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"COFFER_ADDR", "COFFER_DEV", "COFFER_DATA_DIR", "COFFER_STORE", "COFFER_SEED", "COFFER_REGION", "COFFER_LOG_LEVEL"} {
				t.Setenv(k, "")
				os.Unsetenv(k)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, err := ParseServe(tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func TestPassphrase(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "pass")
	if err := os.WriteFile(f, []byte("from a file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if p, err := Passphrase(f); err != nil || string(p) != "from a file" {
		t.Fatalf("file: %q %v", p, err)
	}
	t.Setenv("COFFER_ROOT_PASSPHRASE", "from env")
	if p, err := Passphrase(""); err != nil || string(p) != "from env" {
		t.Fatalf("env: %q %v", p, err)
	}
	t.Setenv("COFFER_ROOT_PASSPHRASE", "")
	if _, err := Passphrase(""); err == nil {
		t.Fatal("no passphrase accepted")
	}
	empty := filepath.Join(dir, "empty")
	_ = os.WriteFile(empty, []byte("\n"), 0o600)
	if _, err := Passphrase(empty); err == nil {
		t.Fatal("empty passphrase file accepted")
	}
}
