package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/coffer-kms/coffer/internal/envelope"
)

const envelopeUsage = `usage:
  coffer envelope encrypt --key-id KEY [--context k=v ...] [IN|-] [OUT|-]
  coffer envelope decrypt [--context k=v ...] [IN|-] [OUT|-]

Client-side encryption under a KMS data key (format: docs/envelope.md).
IN and OUT default to stdin and stdout. The KMS endpoint, region and
credentials come from the usual AWS environment and config files
(AWS_ENDPOINT_URL, AWS_REGION, AWS_PROFILE, ...), so any KMS works.
decrypt --context requires those pairs in the envelope's context.
A file OUT appears only when the command succeeds; on stdout, output
from a failed decrypt is incomplete and must be discarded.
`

// contextFlag collects repeated --context k=v pairs.
type contextFlag map[string]string

func (c contextFlag) String() string { return "" }

func (c contextFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want k=v, got %q", s)
	}
	if _, dup := c[k]; dup {
		return fmt.Errorf("context key %q given twice", k)
	}
	c[k] = v
	return nil
}

func envelopeCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "encrypt" && args[0] != "decrypt") {
		fmt.Fprint(stderr, envelopeUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return flag.ErrHelp
		}
		return errors.New("envelope: want encrypt or decrypt")
	}
	op := args[0]
	fs := flag.NewFlagSet("envelope "+op, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, envelopeUsage) }
	encCtx := contextFlag{}
	fs.Var(encCtx, "context", "encryption context pair k=v (repeatable)")
	var keyID string
	if op == "encrypt" {
		fs.StringVar(&keyID, "key-id", "", "KMS key id, ARN, alias/NAME or alias ARN")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if op == "encrypt" && keyID == "" {
		return errors.New("envelope encrypt: --key-id is required")
	}
	if fs.NArg() > 2 {
		return fmt.Errorf("envelope %s: at most IN and OUT, got %q", op, fs.Args())
	}
	in, out := "-", "-"
	if fs.NArg() > 0 {
		in = fs.Arg(0)
	}
	if fs.NArg() > 1 {
		out = fs.Arg(1)
	}

	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("envelope: AWS config: %w", err)
	}
	client := kms.NewFromConfig(cfg)

	src := stdin
	if in != "-" {
		f, err := os.Open(in)
		if err != nil {
			return err
		}
		defer f.Close()
		src = f
	}
	return writeOutput(out, stdout, stderr, op == "decrypt", func(dst io.Writer) error {
		if op == "encrypt" {
			return envelope.Encrypt(ctx, client, keyID, encCtx, dst, src)
		}
		return envelope.DecryptExpect(ctx, client, encCtx, dst, src)
	})
}

// writeOutput runs fn on stdout (for "-"), on path itself if it is not a
// regular file (a device, a FIFO), or else on a temporary file next to
// path that is renamed to path only if fn succeeds, so that a failed
// decrypt never leaves a partial plaintext behind under path.
func writeOutput(path string, stdout, stderr io.Writer, decrypting bool, fn func(io.Writer) error) error {
	if path == "-" {
		err := fn(stdout)
		if err != nil && decrypting {
			fmt.Fprintln(stderr, "coffer: decrypt failed: discard what was written to stdout")
		}
		return err
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		// A device or a FIFO (/dev/null, a named pipe): write to it in
		// place; renaming a temporary file over it would replace it.
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		err = fn(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil && decrypting {
			fmt.Fprintf(stderr, "coffer: decrypt failed: discard what was written to %s\n", path)
		}
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := fn(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	done = true
	return nil
}
