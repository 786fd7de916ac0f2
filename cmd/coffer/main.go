// Command coffer runs Coffer, a self-hosted key management service and
// encrypting object store that speaks the AWS wire protocols.
//
//	coffer serve [--dev] [--addr 127.0.0.1:4600] [--data-dir ./coffer-data] [--store postgres://...] [--seed FILE]
//	coffer init  [--data-dir ./coffer-data] [--account 111122223333] [--passphrase-file F]
//	coffer bench kms [--endpoint URL] ...
//
// This file is wiring only: configuration, logging and signals.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/coffer-kms/coffer/internal/app"
	"github.com/coffer-kms/coffer/internal/config"
	"github.com/coffer-kms/coffer/internal/kms"
)

const usage = `usage:
  coffer serve [flags]      run the server (coffer serve -h for flags)
  coffer init [flags]       prepare a data directory: root of trust, store, first account
  coffer bench kms [flags]  load-generate KMS Encrypt/Decrypt/GenerateDataKey against an endpoint
  coffer policy explain     say whether a principal may do an action on a key, and which statements decided it
  coffer admin key-policy   print the console's default key policy for --admin and --user ARNs
  coffer envelope encrypt|decrypt  client-side encryption of a file under a KMS data key
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "coffer:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "init":
		return initCmd(ctx, args[1:], stdout)
	case "bench":
		return bench(ctx, args[1:], stdout, stderr)
	case "policy":
		return policyCmd(ctx, args[1:], stdout)
	case "admin":
		return adminCmd(ctx, args[1:], stdout)
	case "envelope":
		return envelopeCmd(ctx, args[1:], os.Stdin, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := config.ParseServe(args)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)
	if os.Getenv("GOGC") == "" {
		// Requests allocate short-lived buffers of a few KiB; with memory
		// to spare, collecting less often saves CPU per request.
		debug.SetGCPercent(400)
	}
	var pass []byte
	if !cfg.Dev || cfg.PassphraseFile != "" || os.Getenv("COFFER_ROOT_PASSPHRASE") != "" {
		pass, _ = config.Passphrase(cfg.PassphraseFile) // absent is fine for a dev root; openRoot says when it is needed
	}
	a, err := app.Open(ctx, app.Options{DataDir: cfg.DataDir, Store: cfg.Store, Dev: cfg.Dev, Passphrase: pass, Logger: log, DisableFastPath: !cfg.FastPath})
	clear(pass)
	if err != nil {
		return err
	}
	defer a.Close()
	if cfg.Seed != "" {
		doc, err := os.ReadFile(cfg.Seed)
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		sd, err := kms.ParseSeed(doc)
		if err != nil {
			return err
		}
		n, err := a.KMS.ApplySeed(ctx, sd, app.DevAccount, cfg.Region)
		if err != nil {
			return err
		}
		log.Info("seed applied", "file", cfg.Seed, "keys_created", n)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	endpoint := "http://" + ln.Addr().String()
	log.Info("coffer serving", "endpoint", endpoint, "data_dir", cfg.DataDir, "dev", cfg.Dev)
	if a.DevCredentials != nil {
		fmt.Fprintf(stdout, "Coffer is running (dev mode). To use it with the aws CLI or an SDK:\n\n")
		// AWS_DEFAULT_REGION too: the v1 aws CLI reads only that one.
		fmt.Fprintf(stdout, "export AWS_ENDPOINT_URL=%s AWS_REGION=%s AWS_DEFAULT_REGION=%s \\\n       AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s\n\n",
			endpoint, cfg.Region, cfg.Region, a.DevCredentials.AccessKeyID, a.DevCredentials.SecretAccessKey)
	} else {
		fmt.Fprintf(stdout, "Coffer is running at %s\n", endpoint)
	}
	if path := os.Getenv("COFFER_CPUPROFILE"); path != "" {
		// A developer's aid: profile the whole run, written at shutdown.
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("COFFER_CPUPROFILE: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("COFFER_CPUPROFILE: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	return a.Serve(ctx, ln, cfg.MaintenanceInterval)
}

func initCmd(ctx context.Context, args []string, stdout io.Writer) error {
	cfg, err := config.ParseInit(args)
	if err != nil {
		return err
	}
	var pass []byte
	if !cfg.Dev {
		if pass, err = config.Passphrase(cfg.PassphraseFile); err != nil {
			return err
		}
	}
	key, err := app.Init(ctx, app.InitOptions{DataDir: cfg.DataDir, Store: cfg.Store, Account: cfg.Account, Passphrase: pass, DevRoot: cfg.Dev})
	clear(pass)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Initialized %s for account %s.\n", cfg.DataDir, cfg.Account)
	fmt.Fprintf(stdout, "The account's root access key is shown only this once; store it safely:\n\n")
	fmt.Fprintf(stdout, "export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s\n", key.AccessKeyID, key.SecretAccessKey)
	return nil
}
