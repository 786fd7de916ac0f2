package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	loadgen "github.com/coffer-kms/coffer/internal/bench"
)

// benchS3Flags is the configuration of `coffer bench s3`.
type benchS3Flags struct {
	benchTarget
	label, bucket           string
	serverPID               int
	peers                   []s3Target // further endpoints, e.g. moto
	fileDir                 string
	sizes                   []int64
	modes, ops              []string
	concurrency, rounds     int
	duration, timeout       time.Duration
	requests                int64
	memorySize, rangeObject int64
	rangeRounds             int
	json                    bool
}

// s3Target is one S3 endpoint under test.
type s3Target struct {
	label, endpoint string
	pid             int
}

// peerFlag collects repeated --peer LABEL=URL flags.
type peerFlag struct{ list *[]s3Target }

func (p peerFlag) String() string { return "" }

func (p peerFlag) Set(v string) error {
	label, u, ok := strings.Cut(v, "=")
	if !ok || label == "" || u == "" {
		return fmt.Errorf("want LABEL=URL, got %q", v)
	}
	*p.list = append(*p.list, s3Target{label: label, endpoint: u})
	return nil
}

func parseBenchS3(args []string, stderr io.Writer) (*benchS3Flags, error) {
	f := &benchS3Flags{}
	fs := flag.NewFlagSet("bench s3", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.benchTarget.register(fs, "S3")
	fs.StringVar(&f.label, "label", "coffer", "name of the endpoint in the report")
	fs.IntVar(&f.serverPID, "server-pid", 0, "PID of the server: its CPU time per request, and needed by --memory-size")
	fs.Var(peerFlag{&f.peers}, "peer", "LABEL=URL of another S3 endpoint measured in the same run (repeatable), e.g. moto=http://127.0.0.1:5000")
	fs.StringVar(&f.fileDir, "file-dir", "", "also measure a plain file write+fsync and read of the same bytes in this directory (same disk as the server's data)")
	fs.StringVar(&f.bucket, "bucket", "coffer-bench", "bucket to use (created if missing)")
	sizes := fs.String("sizes", "1MiB,256MiB", "object sizes, comma-separated (0 for none)")
	modes := fs.String("sse", strings.Join(loadgen.SSEModes, ","), "encryption modes, comma-separated")
	ops := fs.String("ops", "put,get", "operations, comma-separated")
	fs.IntVar(&f.concurrency, "concurrency", 2, "concurrent requests per cell")
	fs.IntVar(&f.rounds, "rounds", 3, "times each cell runs per target (the targets take turns); the report gives the median")
	fs.DurationVar(&f.duration, "duration", 5*time.Second, "how long each cell runs at most (requests in flight then finish)")
	fs.Int64Var(&f.requests, "requests", 0, "how many requests each cell starts at most (0: no bound but --duration)")
	fs.DurationVar(&f.timeout, "timeout", 2*time.Minute, "how long a request still in flight at the end of a cell may take")
	memSize := fs.String("memory-size", "0", "also stream one object of this size (e.g. 4GiB) with SSE-S3 PUT and GET and report the server's peak RSS (needs --server-pid)")
	rangeObj := fs.String("range-object", "0", "also time a 1 KiB Range GET at the start and at the end of an object of this size (e.g. 1GiB)")
	fs.IntVar(&f.rangeRounds, "range-rounds", 50, "Range GETs at each end")
	fs.BoolVar(&f.json, "json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("bench s3: unexpected argument %q", fs.Arg(0))
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := loadgen.ParseSize(s)
		if err != nil {
			return nil, fmt.Errorf("bench s3: --sizes: %w", err)
		}
		if n > 0 {
			f.sizes = append(f.sizes, n)
		}
	}
	for _, m := range strings.Split(*modes, ",") {
		m = strings.TrimSpace(m)
		if !slices.Contains(loadgen.SSEModes, m) {
			return nil, fmt.Errorf("bench s3: --sse: unknown mode %q (want %s)", m, strings.Join(loadgen.SSEModes, ","))
		}
		f.modes = append(f.modes, m)
	}
	for _, op := range strings.Split(*ops, ",") {
		op = strings.TrimSpace(op)
		if op != loadgen.OpPut && op != loadgen.OpGet {
			return nil, fmt.Errorf("bench s3: --ops: unknown operation %q (want put,get)", op)
		}
		f.ops = append(f.ops, op)
	}
	var err error
	if f.memorySize, err = loadgen.ParseSize(*memSize); err != nil {
		return nil, fmt.Errorf("bench s3: --memory-size: %w", err)
	}
	if f.rangeObject, err = loadgen.ParseSize(*rangeObj); err != nil {
		return nil, fmt.Errorf("bench s3: --range-object: %w", err)
	}
	switch {
	case f.concurrency < 1 || f.concurrency > 256:
		return nil, errors.New("bench s3: --concurrency must be from 1 to 256")
	case f.rounds < 1:
		return nil, errors.New("bench s3: --rounds must be at least 1")
	case f.duration <= 0:
		return nil, errors.New("bench s3: --duration must be positive")
	case f.requests < 0:
		return nil, errors.New("bench s3: --requests must not be negative")
	case f.memorySize > 0 && f.serverPID <= 0:
		return nil, errors.New("bench s3: --memory-size needs --server-pid")
	case f.rangeObject > 0 && f.rangeObject < 1024:
		return nil, errors.New("bench s3: --range-object must be at least 1KiB")
	case f.rangeRounds < 1:
		return nil, errors.New("bench s3: --range-rounds must be at least 1")
	}
	if f.requests == 0 {
		f.requests = 10_000_000
	}
	return f, nil
}

// S3Report is what `coffer bench s3 --json` prints.
type S3Report struct {
	Started     time.Time             `json:"started"`
	Concurrency int                   `json:"concurrency"`
	DurationSec float64               `json:"cell_duration_s"`
	Rounds      int                   `json:"rounds"`
	Targets     []string              `json:"targets"`
	Cells       []S3Cell              `json:"cells"`
	Memory      *loadgen.MemoryResult `json:"memory,omitempty"`
	Range       *loadgen.RangeResult  `json:"range,omitempty"`
}

// S3Cell is one (size, mode, operation) measured on every target, each
// round's result kept.
type S3Cell struct {
	Size    int64                       `json:"size"`
	Mode    string                      `json:"sse"`
	Op      string                      `json:"op"`
	Results map[string][]loadgen.Result `json:"results"` // by target label, one per round
}

// medianMiBps returns the median throughput of target's rounds in MiB/s,
// their median requests per second and the number of errors.
func (c *S3Cell) median(target string) (mibps, rps float64, errs int64, runs []float64, ok bool) {
	rs := c.Results[target]
	if len(rs) == 0 {
		return 0, 0, 0, nil, false
	}
	v := make([]float64, 0, len(rs))
	for _, r := range rs {
		v = append(v, r.RPS)
		errs += r.Errors
	}
	for _, r := range v {
		runs = append(runs, r*float64(c.Size)/(1<<20))
	}
	sorted := slices.Clone(v)
	sort.Float64s(sorted)
	rps = sorted[len(sorted)/2]
	if len(sorted)%2 == 0 {
		rps = (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
	}
	return rps * float64(c.Size) / (1 << 20), rps, errs, runs, true
}

func benchS3(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseBenchS3(args, stderr)
	if err != nil {
		return err
	}
	targets := append([]s3Target{{label: f.label, endpoint: f.endpoint, pid: f.serverPID}}, f.peers...)
	clients := make([]*loadgen.S3, len(targets))
	setup, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for i, t := range targets {
		c, err := loadgen.NewS3(loadgen.S3Config{Endpoint: t.endpoint, Region: f.region,
			AccessKeyID: f.accessKey, SecretAccessKey: f.secretKey, Bucket: f.bucket, MaxConns: f.concurrency})
		if err != nil {
			return err
		}
		defer c.Close()
		if err := c.CreateBucket(setup); err != nil {
			return fmt.Errorf("bench s3: %s: %w", t.label, err)
		}
		clients[i] = c
	}
	rep := &S3Report{Started: time.Now().UTC(), Concurrency: f.concurrency, DurationSec: f.duration.Seconds(), Rounds: f.rounds}
	for _, t := range targets {
		rep.Targets = append(rep.Targets, t.label)
	}
	if f.fileDir != "" {
		rep.Targets = append(rep.Targets, "file")
	}
	pattern := loadgen.NewPattern(1, 1<<20)
	lim := loadgen.Limits{Duration: f.duration, Requests: f.requests, Timeout: f.timeout}
	cleanupCtx := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	}

	var runErr error
cells:
	for _, size := range f.sizes {
		// The file baseline does not depend on the mode: it is measured
		// once per size and shown on every mode's row.
		var file *loadgen.FileWorkload
		if f.fileDir != "" {
			if file, err = loadgen.PrepareFile(ctx, f.fileDir, pattern, size); err != nil {
				return err
			}
		}
		fileRes := map[string][]loadgen.Result{}
		for _, mode := range f.modes {
			wls := make([]*loadgen.S3Workload, len(targets))
			for i, c := range clients {
				if wls[i], err = c.Prepare(ctx, mode, pattern, size); err != nil {
					fmt.Fprintf(stderr, "%s: %s %s: %v (cells skipped)\n", targets[i].label, mode, loadgen.FormatSize(size), err)
				}
			}
			for _, opName := range f.ops {
				cell := S3Cell{Size: size, Mode: mode, Op: opName, Results: map[string][]loadgen.Result{}}
				for round := range f.rounds {
					for i, wl := range wls {
						if wl == nil {
							continue
						}
						op, err := wl.Op(opName)
						if err != nil {
							return err
						}
						res, err := loadgen.Run(ctx, op, f.concurrency, lim, targets[i].pid)
						if err != nil {
							runErr = fmt.Errorf("bench s3: %s: %w", targets[i].label, err)
							break cells
						}
						fmt.Fprintf(stderr, "%s: %s %s %s round %d: %d requests, %d errors, %.1f MiB/s\n",
							targets[i].label, loadgen.FormatSize(size), mode, opName, round+1, res.Requests, res.Errors,
							res.RPS*float64(size)/(1<<20))
						cell.Results[targets[i].label] = append(cell.Results[targets[i].label], res)
					}
					if file != nil && len(fileRes[opName]) <= round {
						op, err := file.Op(opName)
						if err != nil {
							return err
						}
						res, err := loadgen.Run(ctx, op, f.concurrency, lim, 0)
						if err != nil {
							runErr = fmt.Errorf("bench s3: file: %w", err)
							break cells
						}
						fmt.Fprintf(stderr, "file: %s %s round %d: %d requests, %d errors, %.1f MiB/s\n",
							loadgen.FormatSize(size), opName, round+1, res.Requests, res.Errors, res.RPS*float64(size)/(1<<20))
						fileRes[opName] = append(fileRes[opName], res)
					}
				}
				if file != nil {
					cell.Results["file"] = fileRes[opName]
				}
				rep.Cells = append(rep.Cells, cell)
			}
			ctx2, cancel := cleanupCtx()
			for i, wl := range wls {
				if wl == nil {
					continue
				}
				for _, k := range wl.Keys(f.concurrency) {
					if err := clients[i].DeleteObject(ctx2, k); err != nil {
						fmt.Fprintf(stderr, "%s: %v\n", targets[i].label, err)
					}
				}
			}
			cancel()
		}
		if file != nil {
			for _, p := range file.Paths(f.concurrency) {
				os.Remove(p)
			}
		}
	}

	if runErr == nil && f.rangeObject > 0 {
		key := "bench/range"
		r, err := clients[0].RangeProbe(ctx, key, loadgen.SSES3, pattern, f.rangeObject, 1024, f.rangeRounds)
		if err != nil {
			runErr = err
		} else {
			rep.Range = &r
		}
		ctx2, cancel := cleanupCtx()
		clients[0].DeleteObject(ctx2, key)
		cancel()
	}
	if runErr == nil && f.memorySize > 0 {
		key := "bench/memory"
		m, err := clients[0].MemoryProbe(ctx, f.serverPID, key, loadgen.SSES3, pattern, f.memorySize)
		if err != nil {
			runErr = err
		} else {
			rep.Memory = &m
		}
		ctx2, cancel := cleanupCtx()
		clients[0].DeleteObject(ctx2, key)
		cancel()
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
	var errs int64
	for _, c := range rep.Cells {
		for _, rs := range c.Results {
			for _, r := range rs {
				errs += r.Errors
			}
		}
	}
	if errs > 0 {
		return fmt.Errorf("bench s3: %d requests failed", errs)
	}
	return nil
}

// WriteTable writes the report as tables a person reads: per cell the
// median MiB/s and requests/s of each target, the first target's ratio to
// each other, and every round's MiB/s.
func (r *S3Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "concurrency %d, %s per cell, median of %d rounds\n", r.Concurrency,
		time.Duration(r.DurationSec*float64(time.Second)), r.Rounds)
	head := []string{"size", "sse", "op"}
	for _, t := range r.Targets {
		head = append(head, t+" MiB/s", t+" req/s")
	}
	for _, t := range r.Targets[1:] {
		head = append(head, r.Targets[0]+"÷"+t)
	}
	head = append(head, r.Targets[0]+" CPU ms/MiB", "bench CPU ms/MiB", "errors", "rounds (MiB/s)")
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, c := range r.Cells {
		row := []string{loadgen.FormatSize(c.Size), c.Mode, c.Op}
		mibs := map[string]float64{}
		var errs int64
		var rounds []string
		for _, t := range r.Targets {
			m, rps, e, runs, ok := c.median(t)
			if !ok {
				row = append(row, "-", "-")
				continue
			}
			mibs[t] = m
			errs += e
			row = append(row, fmt.Sprintf("%.1f", m), fmt.Sprintf("%.2f", rps))
			parts := make([]string, len(runs))
			for i, v := range runs {
				parts[i] = strconv.FormatFloat(v, 'f', 0, 64)
			}
			rounds = append(rounds, t+" "+strings.Join(parts, "/"))
		}
		for _, t := range r.Targets[1:] {
			if mibs[t] > 0 && mibs[r.Targets[0]] > 0 {
				row = append(row, fmt.Sprintf("%.2f", mibs[r.Targets[0]]/mibs[t]))
			} else {
				row = append(row, "-")
			}
		}
		row = append(row, c.cpuPerMiB(r.Targets[0], true), c.cpuPerMiB(r.Targets[0], false), strconv.FormatInt(errs, 10), strings.Join(rounds, "; "))
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, c := range r.Cells {
		for t, rs := range c.Results {
			for _, res := range rs {
				for msg, n := range res.ErrorKinds {
					fmt.Fprintf(w, "error: %s %s %s %s: %d× %s\n", t, loadgen.FormatSize(c.Size), c.Mode, c.Op, n, msg)
				}
			}
		}
	}
	if m := r.Memory; m != nil {
		fmt.Fprintf(w, "\nserver memory streaming one %s %s object: RSS before %.1f MiB; peak (VmHWM%s) after PUT %.1f MiB, after GET %.1f MiB; largest RSS sampled %.1f MiB; PUT %.0f MiB/s, GET %.0f MiB/s\n",
			loadgen.FormatSize(m.Size), m.Mode, mib(m.RSSBefore), map[bool]string{true: ", reset before", false: ", not reset: includes earlier work"}[m.PeakReset],
			mib(m.PeakPut), mib(m.PeakGet), mib(m.SampledMax), m.PutMiBps, m.GetMiBps)
	}
	if g := r.Range; g != nil {
		fmt.Fprintf(w, "\n%s Range GET in a %s object, %d each: start p50 %.0f µs (p99 %.0f), end p50 %.0f µs (p99 %.0f); end÷start %.2f\n",
			loadgen.FormatSize(g.RangeSize), loadgen.FormatSize(g.Size), g.Rounds, g.StartP50, g.StartP99, g.EndP50, g.EndP99, g.EndOverStart)
	}
	return nil
}

// cpuPerMiB returns the median CPU time per MiB moved of target's rounds,
// in milliseconds: the server's, or with server false the generator's own;
// "-" when it was not measured.
func (c *S3Cell) cpuPerMiB(target string, server bool) string {
	var v []float64
	for _, r := range c.Results[target] {
		us := r.BenchCPUMicros
		if server {
			us = r.ServerCPUMicros
		}
		if us != nil {
			v = append(v, *us/1000/(float64(c.Size)/(1<<20)))
		}
	}
	if len(v) == 0 {
		return "-"
	}
	sort.Float64s(v)
	return fmt.Sprintf("%.2f", v[len(v)/2])
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
