package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coffer-kms/coffer/internal/app"
	loadgen "github.com/coffer-kms/coffer/internal/bench"
	"github.com/coffer-kms/coffer/internal/config"
)

const benchUsage = `usage:
  coffer bench kms [flags]          measure Encrypt, Decrypt and GenerateDataKey against an endpoint
  coffer bench s3 [flags]           measure S3 PUT and GET (SSE-S3, SSE-KMS, SSE-C) against an endpoint, peers and a file copy
  coffer bench compare A.json B.json  print two --json reports and the ratios A÷B
  coffer bench floor --addr 127.0.0.1:0  serve canned Encrypt answers: the net/http floor to measure against
  coffer bench floor --s3-dir DIR        serve the S3 floor instead: PUT into a file and fsync, GET it back
`

// bench runs `coffer bench`.
func bench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, benchUsage)
		return errors.New("bench: no target given")
	}
	switch args[0] {
	case "kms":
		return benchKMS(ctx, args[1:], stdout, stderr)
	case "s3":
		return benchS3(ctx, args[1:], stdout, stderr)
	case "compare":
		return benchCompare(args[1:], stdout)
	case "floor":
		fs := flag.NewFlagSet("bench floor", flag.ContinueOnError)
		addr := fs.String("addr", "127.0.0.1:0", "listen address")
		s3Dir := fs.String("s3-dir", "", "serve the S3 floor (objects as files in this directory, fsynced; no auth, no encryption) instead of the KMS one")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *s3Dir != "" {
			if fi, err := os.Stat(*s3Dir); err != nil || !fi.IsDir() {
				return fmt.Errorf("bench floor: --s3-dir %q must be an existing directory (on the disk to measure)", *s3Dir)
			}
		}
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "export AWS_ENDPOINT_URL=http://%s\n", ln.Addr())
		if *s3Dir != "" {
			return loadgen.ServeS3Floor(ctx, ln, *s3Dir)
		}
		return loadgen.ServeFloor(ctx, ln)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, benchUsage)
		return nil
	default:
		fmt.Fprint(stderr, benchUsage)
		return fmt.Errorf("bench: unknown target %q", args[0])
	}
}

// benchTarget is where a bench command sends its requests and as whom:
// the flags `bench kms` and `bench s3` share, defaulting to the AWS_*
// environment variables and then to the dev account on the default port.
type benchTarget struct {
	endpoint, region, accessKey, secretKey string
}

// register defines the target's flags on fs; service names the endpoint
// in the help text.
func (t *benchTarget) register(fs *flag.FlagSet, service string) {
	envOr := func(name, def string) string {
		if v := os.Getenv(name); v != "" {
			return v
		}
		return def
	}
	ak, sk := app.DevAccessKeyID, app.DevSecretAccessKey
	if os.Getenv("AWS_ACCESS_KEY_ID") != "" && os.Getenv("AWS_SECRET_ACCESS_KEY") != "" {
		ak, sk = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	}
	fs.StringVar(&t.endpoint, "endpoint", envOr("AWS_ENDPOINT_URL", "http://127.0.0.1:4600"), service+" endpoint URL, from $AWS_ENDPOINT_URL if set")
	fs.StringVar(&t.region, "region", envOr("AWS_REGION", config.DefaultRegion), "region to sign for, from $AWS_REGION if set")
	fs.StringVar(&t.accessKey, "access-key", ak, "access key ID, from $AWS_ACCESS_KEY_ID if set, else the dev key")
	fs.StringVar(&t.secretKey, "secret-key", sk, "secret access key, from $AWS_SECRET_ACCESS_KEY if set, else the dev key")
}

// benchKMSFlags is the configuration of `coffer bench kms`.
type benchKMSFlags struct {
	benchTarget
	ops               []string
	concurrency       []int
	duration, timeout time.Duration
	requests          int64
	size, serverPID   int
	keyID, label      string
	keySpec, pairSpec string
	json              bool
	cpuProfile        string
}

func parseBenchKMS(args []string, stderr io.Writer) (*benchKMSFlags, error) {
	f := &benchKMSFlags{}
	fs := flag.NewFlagSet("bench kms", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.benchTarget.register(fs, "KMS")
	ops := fs.String("ops", strings.Join(loadgen.KMSOps, ","), "operations to measure, comma-separated: "+strings.Join(append(slices.Clone(loadgen.KMSOps), loadgen.AsymOps...), ","))
	fs.StringVar(&f.keySpec, "key-spec", "ECC_NIST_P256", "KeySpec of the SIGN_VERIFY key that sign and verify use (created for the run)")
	fs.StringVar(&f.pairSpec, "pair-spec", "ECC_NIST_P256", "KeyPairSpec that generate-data-key-pair asks for")
	conc := fs.String("concurrency", "1,16,64", "concurrent workers, comma-separated: one cell per value and operation")
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "how long each cell runs at most")
	fs.Int64Var(&f.requests, "requests", 0, "how many requests each cell sends at most (0: bounded by --duration only, up to 10,000,000)")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Second, "how long a request still in flight at the end of a cell may take")
	fs.IntVar(&f.size, "size", 4096, "plaintext bytes for Encrypt (1 to 4096)")
	fs.IntVar(&f.serverPID, "server-pid", 0, "PID of the server process, to report its CPU time per request (Linux: /proc/PID/stat, 10ms ticks, so give cells seconds)")
	fs.StringVar(&f.keyID, "key-id", "", "key to use (default: create one with CreateKey and schedule its deletion at the end)")
	fs.BoolVar(&f.json, "json", false, "print the report as JSON")
	fs.StringVar(&f.label, "label", "", "name of the target in the report (default: the endpoint's host:port)")
	fs.StringVar(&f.cpuProfile, "cpu-profile", "", "write the generator's own CPU profile (pprof) to this file")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("bench kms: unexpected argument %q", fs.Arg(0))
	}
	for _, op := range strings.Split(*ops, ",") {
		op = strings.TrimSpace(op)
		if !slices.Contains(loadgen.KMSOps, op) && !slices.Contains(loadgen.AsymOps, op) {
			return nil, fmt.Errorf("bench kms: --ops: unknown operation %q (want %s)", op, strings.Join(append(slices.Clone(loadgen.KMSOps), loadgen.AsymOps...), ","))
		}
		if !slices.Contains(f.ops, op) {
			f.ops = append(f.ops, op)
		}
	}
	for _, s := range strings.Split(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 4096 {
			return nil, fmt.Errorf("bench kms: --concurrency: %q is not a number from 1 to 4096", s)
		}
		f.concurrency = append(f.concurrency, n)
	}
	switch {
	case f.duration <= 0:
		return nil, errors.New("bench kms: --duration must be positive")
	case f.requests < 0:
		return nil, errors.New("bench kms: --requests must not be negative")
	case f.requests == 0:
		f.requests = 10_000_000
	}
	if f.size < 1 || f.size > loadgen.MaxPlaintext {
		return nil, fmt.Errorf("bench kms: --size %d: KMS Encrypt takes 1 to %d bytes", f.size, loadgen.MaxPlaintext)
	}
	if f.serverPID < 0 {
		return nil, errors.New("bench kms: --server-pid must be positive")
	}
	if f.label == "" {
		if u, err := url.Parse(f.endpoint); err == nil && u.Host != "" {
			f.label = u.Host
		} else {
			f.label = f.endpoint
		}
	}
	return f, nil
}

func benchKMS(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseBenchKMS(args, stderr)
	if err != nil {
		return err
	}
	if f.serverPID != 0 {
		if _, err := loadgen.ProcessCPU(f.serverPID); err != nil {
			return fmt.Errorf("bench kms: --server-pid %d: %w", f.serverPID, err)
		}
	}
	k, err := loadgen.NewKMS(loadgen.KMSConfig{
		Endpoint: f.endpoint, Region: f.region,
		AccessKeyID: f.accessKey, SecretAccessKey: f.secretKey,
		MaxConns: slices.Max(f.concurrency),
	})
	if err != nil {
		return err
	}
	defer k.Close()

	setupCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	keyID := f.keyID
	if keyID == "" {
		if keyID, err = k.CreateKey(setupCtx, "coffer bench "+time.Now().UTC().Format(time.RFC3339)); err != nil {
			return fmt.Errorf("bench kms: creating a key at %s: %w", f.endpoint, err)
		}
		defer func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := k.ScheduleKeyDeletion(ctx, keyID); err != nil {
				fmt.Fprintf(stderr, "bench kms: could not schedule deletion of key %s: %v\n", keyID, err)
			}
		}()
	}
	plaintext := make([]byte, f.size)
	rand.Read(plaintext)
	wl, err := k.Prepare(setupCtx, keyID, plaintext)
	if err != nil {
		return fmt.Errorf("bench kms: %w", err)
	}
	asym, cleanup, err := prepareAsym(ctx, setupCtx, k, f, keyID, stderr)
	defer cleanup()
	if err != nil {
		return err
	}

	rep := &loadgen.Report{
		Label: f.label, Endpoint: f.endpoint, KeyID: keyID, Size: f.size,
		DurationSec: f.duration.Seconds(), MaxRequests: f.requests, ServerPID: f.serverPID,
		CPUs: runtime.NumCPU(), Started: time.Now().UTC(),
	}
	lim := loadgen.Limits{Duration: f.duration, Requests: f.requests, Timeout: f.timeout}
	// The live heap is small (histograms and buffers): collect less often,
	// so that the generator spends its CPU on requests.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			return fmt.Errorf("bench kms: %w", err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return fmt.Errorf("bench kms: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	var runErr error // a cancelled run still reports the cells it finished
cells:
	for _, name := range f.ops {
		var op loadgen.Op
		if slices.Contains(loadgen.AsymOps, name) {
			op, err = asym[name].Op(name)
		} else {
			op, err = wl.Op(name)
		}
		if err != nil {
			return err
		}
		for _, c := range f.concurrency {
			res, err := loadgen.Run(ctx, op, c, lim, f.serverPID)
			if err != nil {
				runErr = fmt.Errorf("bench kms: %s at concurrency %d: %w", name, c, err)
				break cells
			}
			fmt.Fprintf(stderr, "%s: %s c=%d: %d requests, %d errors, %.0f req/s\n",
				f.label, name, c, res.Requests, res.Errors, res.RPS)
			rep.Results = append(rep.Results, res)
		}
	}

	if f.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	} else {
		err = rep.WriteTable(stdout)
	}
	if err != nil {
		return err
	}
	if runErr != nil {
		return runErr
	}
	if n := rep.Errors(); n > 0 {
		return fmt.Errorf("bench kms: %d requests failed", n)
	}
	return nil
}

// prepareAsym prepares the asymmetric operations f asks for: a SIGN_VERIFY
// key of f.keySpec (scheduled for deletion when ctx's run ends) for sign and
// verify, and GenerateDataKeyPair bodies under the symmetric key keyID.
//
// cleanup, never nil, schedules the deletion of the key it created.
func prepareAsym(ctx, setupCtx context.Context, k *loadgen.KMS, f *benchKMSFlags, keyID string, stderr io.Writer) (_ map[string]*loadgen.AsymWorkload, cleanup func(), err error) {
	out := map[string]*loadgen.AsymWorkload{}
	cleanup = func() {}
	if slices.Contains(f.ops, loadgen.OpSign) || slices.Contains(f.ops, loadgen.OpVerify) {
		signKey, err := k.CreateSigningKey(setupCtx, "coffer bench "+f.keySpec, f.keySpec)
		if err != nil {
			return nil, cleanup, fmt.Errorf("bench kms: creating a %s key: %w", f.keySpec, err)
		}
		cleanup = func() {
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := k.ScheduleKeyDeletion(dctx, signKey); err != nil {
				fmt.Fprintf(stderr, "bench kms: could not schedule deletion of key %s: %v\n", signKey, err)
			}
		}
		wl, err := k.PrepareSigning(setupCtx, signKey, f.keySpec)
		if err != nil {
			return nil, cleanup, fmt.Errorf("bench kms: %w", err)
		}
		out[loadgen.OpSign], out[loadgen.OpVerify] = wl, wl
	}
	if slices.Contains(f.ops, loadgen.OpGenerateDataKeyPair) {
		out[loadgen.OpGenerateDataKeyPair] = k.PrepareDataKeyPair(keyID, f.pairSpec)
	}
	return out, cleanup, nil
}

// benchCompare prints two reports written by `coffer bench kms --json` and
// the ratios between them.
func benchCompare(args []string, stdout io.Writer) error {
	if len(args) != 2 {
		return errors.New("bench compare: want two report files: A.json B.json")
	}
	var reps [2]*loadgen.Report
	for i, name := range args {
		b, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("bench compare: %w", err)
		}
		reps[i] = new(loadgen.Report)
		if err := json.Unmarshal(b, reps[i]); err != nil {
			return fmt.Errorf("bench compare: %s: %w", name, err)
		}
		if err := reps[i].WriteTable(stdout); err != nil {
			return err
		}
		fmt.Fprintln(stdout)
	}
	return loadgen.WriteComparison(stdout, reps[0], reps[1])
}
