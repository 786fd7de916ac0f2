package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"
)

// ProcessMemory returns the current (VmRSS) and peak (VmHWM) resident set
// size of process pid, in bytes, from /proc/PID/status (Linux only).
func ProcessMemory(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, fmt.Errorf("bench: server memory: %w", err)
	}
	return ParseProcStatus(b)
}

// ParseProcStatus returns VmRSS and VmHWM, in bytes, from the contents of a
// /proc/PID/status file.
func ParseProcStatus(status []byte) (rss, hwm int64, err error) {
	field := func(name string) (int64, error) {
		i := bytes.Index(status, []byte("\n"+name+":"))
		if i < 0 {
			return 0, fmt.Errorf("bench: /proc status: no %s", name)
		}
		line := status[i+len(name)+2:]
		if j := bytes.IndexByte(line, '\n'); j >= 0 {
			line = line[:j]
		}
		f := bytes.Fields(line)
		if len(f) != 2 || string(f[1]) != "kB" {
			return 0, fmt.Errorf("bench: /proc status: %s: %q", name, line)
		}
		n, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("bench: /proc status: %s: %w", name, err)
		}
		return n << 10, nil
	}
	if rss, err = field("VmRSS"); err != nil {
		return 0, 0, err
	}
	if hwm, err = field("VmHWM"); err != nil {
		return 0, 0, err
	}
	return rss, hwm, nil
}

// resetPeakRSS resets VmHWM of pid to its current RSS (Linux >= 4.0, needs
// the right to write /proc/PID/clear_refs, which the process owner has).
func resetPeakRSS(pid int) error {
	return os.WriteFile("/proc/"+strconv.Itoa(pid)+"/clear_refs", []byte("5"), 0)
}

// MemoryResult is what MemoryProbe measured. Sizes are in bytes.
type MemoryResult struct {
	Size int64  `json:"size"`
	Mode string `json:"mode"`
	// PeakReset says whether VmHWM was reset before the probe; if not, the
	// peaks include whatever the server did before.
	PeakReset  bool    `json:"peak_reset"`
	RSSBefore  int64   `json:"rss_before"`
	PeakPut    int64   `json:"peak_after_put"`  // VmHWM after the PUT
	PeakGet    int64   `json:"peak_after_get"`  // VmHWM after the GET
	SampledMax int64   `json:"sampled_max_rss"` // largest VmRSS seen every 50ms
	PutMiBps   float64 `json:"put_mib_per_s"`   // of the PUT
	GetMiBps   float64 `json:"get_mib_per_s"`   // of the GET
}

// MemoryProbe streams one size-byte object (generated on the fly) to key
// with one PUT and reads it back with one GET (hash compared), and reports
// the server process's resident memory around them.
func (s *S3) MemoryProbe(ctx context.Context, pid int, key, mode string, p *Pattern, size int64) (res MemoryResult, err error) {
	res = MemoryResult{Size: size, Mode: mode}
	res.PeakReset = resetPeakRSS(pid) == nil
	if res.RSSBefore, _, err = ProcessMemory(pid); err != nil {
		return res, err
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var sampled int64 // written by the sampler, read after wg.Wait
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if rss, _, err := ProcessMemory(pid); err == nil && rss > sampled {
				sampled = rss
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	defer func() {
		close(stop)
		wg.Wait()
		res.SampledMax = sampled
	}()

	t0 := time.Now()
	sum, err := s.Put(ctx, key, mode, p, size)
	if err != nil {
		return res, fmt.Errorf("bench: memory probe PUT: %w", err)
	}
	res.PutMiBps = float64(size) / (1 << 20) / time.Since(t0).Seconds()
	if _, res.PeakPut, err = ProcessMemory(pid); err != nil {
		return res, err
	}
	t0 = time.Now()
	got, n, err := s.Get(ctx, key, mode, "", make([]byte, 256<<10))
	if err != nil {
		return res, fmt.Errorf("bench: memory probe GET: %w", err)
	}
	res.GetMiBps = float64(size) / (1 << 20) / time.Since(t0).Seconds()
	if n != size || !bytes.Equal(got, sum) {
		return res, fmt.Errorf("bench: memory probe GET: %d bytes, want %d, or a SHA-256 mismatch", n, size)
	}
	if _, res.PeakGet, err = ProcessMemory(pid); err != nil {
		return res, err
	}
	return res, nil
}

// RangeResult is what RangeProbe measured: the latency of a small range at
// the start of an object and at its end. Times are in microseconds.
type RangeResult struct {
	Size         int64   `json:"object_size"`
	RangeSize    int64   `json:"range_size"`
	Rounds       int     `json:"rounds"`
	StartP50     float64 `json:"start_p50_us"`
	StartP99     float64 `json:"start_p99_us"`
	EndP50       float64 `json:"end_p50_us"`
	EndP99       float64 `json:"end_p99_us"`
	EndOverStart float64 `json:"end_over_start_p50"`
}

// RangeProbe uploads a size-byte object to key and then reads rangeSize
// bytes at its start and at its end, rounds times each, alternating, checking
// every body byte for byte.
func (s *S3) RangeProbe(ctx context.Context, key, mode string, p *Pattern, size, rangeSize int64, rounds int) (RangeResult, error) {
	res := RangeResult{Size: size, RangeSize: rangeSize, Rounds: rounds}
	if rangeSize <= 0 || rangeSize > size || rounds < 1 {
		return res, errors.New("bench: range probe: want 0 < range size <= object size and rounds >= 1")
	}
	if _, err := s.Put(ctx, key, mode, p, size); err != nil {
		return res, fmt.Errorf("bench: range probe PUT: %w", err)
	}
	wantSum := func(off int64) []byte {
		h := sha256.Sum256(p.Slice(off, rangeSize))
		return h[:]
	}
	offs := [2]int64{0, size - rangeSize}
	wants := [2][]byte{wantSum(offs[0]), wantSum(offs[1])}
	var hists [2]Histogram
	buf := make([]byte, 64<<10)
	for i := range rounds * 2 {
		at := i % 2
		rng := fmt.Sprintf("bytes=%d-%d", offs[at], offs[at]+rangeSize-1)
		t0 := time.Now()
		got, n, err := s.Get(ctx, key, mode, rng, buf)
		d := time.Since(t0)
		if err != nil {
			return res, fmt.Errorf("bench: range probe GET %s: %w", rng, err)
		}
		if n != rangeSize || !bytes.Equal(got, wants[at]) {
			return res, fmt.Errorf("bench: range probe GET %s: %d bytes or different content", rng, n)
		}
		if i >= 2 { // the first of each is a warm-up
			hists[at].Record(d)
		}
	}
	res.StartP50, res.StartP99 = micros(hists[0].Quantile(0.5)), micros(hists[0].Quantile(0.99))
	res.EndP50, res.EndP99 = micros(hists[1].Quantile(0.5)), micros(hists[1].Quantile(0.99))
	if res.StartP50 > 0 {
		res.EndOverStart = res.EndP50 / res.StartP50
	}
	return res, nil
}

var _ io.Reader = (*PatternReader)(nil)
