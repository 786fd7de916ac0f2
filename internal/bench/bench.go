// Package bench owns the load generator behind `coffer bench`: it runs one
// operation from many workers for a bounded time and count, checks every
// answer, and reports throughput, latency percentiles and the CPU time spent
// per request by the server under test and by the generator itself.
//
// The generator must cost less than what it measures, so the hot path does as
// little as it can: request bodies and their payload hashes are prepared once,
// connections are kept alive, latencies go into a fixed-size Histogram, and
// answers are checked by a small scanner rather than a full JSON decode.
package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Requester sends one request and checks its answer, returning an error if
// the request failed or the answer was wrong. A worker owns its Requester and
// calls Do repeatedly, never concurrently, so a Requester may keep reusable
// buffers.
type Requester interface {
	Do(ctx context.Context) error
}

// Op is an operation to measure: a name, and a way to make one Requester per
// worker.
type Op struct {
	Name         string
	NewRequester func() Requester
}

// Limits bound a cell: it stops at whichever comes first of Duration elapsed
// or Requests started. Both must be positive.
type Limits struct {
	Duration time.Duration
	Requests int64
	// Timeout bounds a request still in flight when Duration is up; such a
	// request then fails. Zero means 10s.
	Timeout time.Duration
}

// MaxErrorKinds is how many distinct error messages a Result keeps; further
// errors are only counted.
const MaxErrorKinds = 8

// Result is what one cell — one operation at one concurrency — measured.
// Times are in microseconds.
type Result struct {
	Op          string  `json:"op"`
	Concurrency int     `json:"concurrency"`
	Requests    int64   `json:"requests"` // completed, errors included
	Errors      int64   `json:"errors"`
	ElapsedSec  float64 `json:"elapsed_s"`
	RPS         float64 `json:"requests_per_s"` // successful requests per second
	MeanMicros  float64 `json:"mean_us"`
	P50Micros   float64 `json:"p50_us"`
	P99Micros   float64 `json:"p99_us"`
	MaxMicros   float64 `json:"max_us"`
	// ServerCPUMicros is the server's CPU time per request, when its process
	// was given; nil otherwise.
	ServerCPUMicros *float64 `json:"server_cpu_us_per_req,omitempty"`
	// BenchCPUMicros is the generator's own CPU time per request.
	BenchCPUMicros *float64 `json:"bench_cpu_us_per_req,omitempty"`
	// ErrorKinds counts errors by message, at most MaxErrorKinds messages.
	ErrorKinds map[string]int64 `json:"error_kinds,omitempty"`
}

// Run measures op at the given concurrency within lim. If serverPID is not
// zero, the CPU time of that process (read from /proc, so Linux only) is
// sampled before and after.
//
// Run returns an error only if it could not measure: a cancelled ctx (with
// the partial result) or an unreadable server process. Failed requests are
// counted in the Result, not returned.
func Run(ctx context.Context, op Op, concurrency int, lim Limits, serverPID int) (Result, error) {
	if concurrency < 1 {
		return Result{}, fmt.Errorf("bench: concurrency %d, want at least 1", concurrency)
	}
	if lim.Duration <= 0 || lim.Requests <= 0 {
		return Result{}, errors.New("bench: a cell needs a positive duration and request count")
	}
	if lim.Timeout <= 0 {
		lim.Timeout = 10 * time.Second
	}
	workers := make([]*worker, concurrency)
	for i := range workers {
		workers[i] = &worker{req: op.NewRequester()}
	}

	var serverBefore time.Duration
	if serverPID != 0 {
		var err error
		if serverBefore, err = ProcessCPU(serverPID); err != nil {
			return Result{}, err
		}
	}
	selfBefore, selfErr := SelfCPU()

	start := time.Now()
	deadline := start.Add(lim.Duration)
	cellCtx, cancel := context.WithDeadline(ctx, deadline.Add(lim.Timeout))
	defer cancel()
	var started atomic.Int64
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop(cellCtx, deadline, &started, lim.Requests)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	selfAfter, selfErr2 := SelfCPU()
	var serverAfter time.Duration
	var serverErr error
	if serverPID != 0 {
		serverAfter, serverErr = ProcessCPU(serverPID)
	}

	res := Result{Op: op.Name, Concurrency: concurrency, ElapsedSec: elapsed.Seconds()}
	var h Histogram
	for _, w := range workers {
		h.Merge(&w.hist)
		res.Errors += w.errors
		for msg, n := range w.kinds {
			if _, ok := res.ErrorKinds[msg]; !ok && len(res.ErrorKinds) >= MaxErrorKinds {
				continue
			}
			if res.ErrorKinds == nil {
				res.ErrorKinds = make(map[string]int64)
			}
			res.ErrorKinds[msg] += n
		}
	}
	res.Requests = int64(h.Count())
	if elapsed > 0 {
		res.RPS = float64(res.Requests-res.Errors) / elapsed.Seconds()
	}
	res.MeanMicros = micros(h.Mean())
	res.P50Micros = micros(h.Quantile(0.50))
	res.P99Micros = micros(h.Quantile(0.99))
	res.MaxMicros = micros(h.Quantile(1))
	if res.Requests > 0 {
		if selfErr == nil && selfErr2 == nil {
			v := micros(selfAfter-selfBefore) / float64(res.Requests)
			res.BenchCPUMicros = &v
		}
		if serverPID != 0 && serverErr == nil {
			v := micros(serverAfter-serverBefore) / float64(res.Requests)
			res.ServerCPUMicros = &v
		}
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if serverErr != nil {
		return res, fmt.Errorf("bench: after the %s cell: %w", op.Name, serverErr)
	}
	return res, nil
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// worker is one goroutine's state; only that goroutine touches it until Run
// merges the results.
type worker struct {
	req    Requester
	hist   Histogram
	errors int64
	kinds  map[string]int64
}

// loop sends requests until the deadline passes, limit requests have been
// started by all workers together, or ctx is done.
func (w *worker) loop(ctx context.Context, deadline time.Time, started *atomic.Int64, limit int64) {
	done := ctx.Done()
	for {
		select {
		case <-done:
			return
		default:
		}
		t0 := time.Now()
		if !t0.Before(deadline) || started.Add(1) > limit {
			return
		}
		err := w.req.Do(ctx)
		d := time.Since(t0)
		if err != nil && errors.Is(ctx.Err(), context.Canceled) {
			return // cancelled by the caller: not the server's failure
		}
		w.hist.Record(d)
		if err != nil {
			w.fail(err)
		}
	}
}

func (w *worker) fail(err error) {
	w.errors++
	msg := err.Error()
	if _, ok := w.kinds[msg]; !ok && len(w.kinds) >= MaxErrorKinds {
		return
	}
	if w.kinds == nil {
		w.kinds = make(map[string]int64)
	}
	w.kinds[msg]++
}
