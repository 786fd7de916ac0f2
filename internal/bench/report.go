package bench

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Report is one run of the generator against one endpoint: its settings and
// a Result per cell. It is what `coffer bench kms --json` prints.
type Report struct {
	Label       string    `json:"label"`
	Endpoint    string    `json:"endpoint"`
	KeyID       string    `json:"key_id"`
	Size        int       `json:"plaintext_bytes"`
	DurationSec float64   `json:"cell_duration_s"`
	MaxRequests int64     `json:"cell_max_requests"`
	ServerPID   int       `json:"server_pid,omitempty"`
	CPUs        int       `json:"cpus"` // logical CPUs the generator saw
	Started     time.Time `json:"started"`
	Results     []Result  `json:"results"`
}

// Errors returns the number of failed requests over all cells.
func (r *Report) Errors() int64 {
	var n int64
	for _, c := range r.Results {
		n += c.Errors
	}
	return n
}

// WriteTable writes r as a table a person reads, followed by the errors seen.
func (r *Report) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "%s: %s, key %s, %d-byte plaintext, %s per cell, %d CPUs\n",
		r.Label, r.Endpoint, r.KeyID, r.Size, time.Duration(r.DurationSec*float64(time.Second)), r.CPUs)
	rows := [][]string{{"op", "conc", "requests", "errors", "req/s", "p50", "p99", "server CPU/req", "bench CPU/req"}}
	for _, c := range r.Results {
		rows = append(rows, []string{c.Op, strconv.Itoa(c.Concurrency), strconv.FormatInt(c.Requests, 10),
			strconv.FormatInt(c.Errors, 10), fmt.Sprintf("%.0f", c.RPS), fmtMicros(c.P50Micros), fmtMicros(c.P99Micros),
			fmtOptMicros(c.ServerCPUMicros), fmtOptMicros(c.BenchCPUMicros)})
	}
	if err := writeColumns(w, rows); err != nil {
		return err
	}
	for _, c := range r.Results {
		if c.Errors == 0 {
			continue
		}
		fmt.Fprintf(w, "errors in %s at concurrency %d: %d\n", c.Op, c.Concurrency, c.Errors)
		msgs := make([]string, 0, len(c.ErrorKinds))
		for m := range c.ErrorKinds {
			msgs = append(msgs, m)
		}
		sort.Slice(msgs, func(i, j int) bool { return c.ErrorKinds[msgs[i]] > c.ErrorKinds[msgs[j]] })
		for _, m := range msgs {
			fmt.Fprintf(w, "  %6d× %s\n", c.ErrorKinds[m], m)
		}
	}
	return nil
}

// WriteComparison writes, for every cell a and b both measured, the ratio
// a÷b of their requests per second and of their server CPU per request.
func WriteComparison(w io.Writer, a, b *Report) error {
	fmt.Fprintf(w, "%s vs %s (ratio = %s ÷ %s)\n", a.Label, b.Label, a.Label, b.Label)
	rows := [][]string{{"op", "conc", "req/s " + a.Label, "req/s " + b.Label, "ratio",
		"server CPU/req " + a.Label, "server CPU/req " + b.Label, "ratio"}}
	type cell struct {
		op   string
		conc int
	}
	bs := make(map[cell]Result, len(b.Results))
	for _, r := range b.Results {
		bs[cell{r.Op, r.Concurrency}] = r
	}
	for _, ra := range a.Results {
		rb, ok := bs[cell{ra.Op, ra.Concurrency}]
		if !ok {
			continue
		}
		cpuRatio := "-"
		if ra.ServerCPUMicros != nil && rb.ServerCPUMicros != nil && *rb.ServerCPUMicros > 0 {
			cpuRatio = fmt.Sprintf("%.3g×", *ra.ServerCPUMicros / *rb.ServerCPUMicros)
		}
		rpsRatio := "-"
		if rb.RPS > 0 {
			rpsRatio = fmt.Sprintf("%.3g×", ra.RPS/rb.RPS)
		}
		rows = append(rows, []string{ra.Op, strconv.Itoa(ra.Concurrency), fmt.Sprintf("%.0f", ra.RPS), fmt.Sprintf("%.0f", rb.RPS),
			rpsRatio, fmtOptMicros(ra.ServerCPUMicros), fmtOptMicros(rb.ServerCPUMicros), cpuRatio})
	}
	return writeColumns(w, rows)
}

// writeColumns writes rows as columns two spaces apart, the first aligned
// left and the others right, counting characters rather than bytes ("µs").
func writeColumns(w io.Writer, rows [][]string) error {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	var sb strings.Builder
	for _, row := range rows {
		for i, cell := range row {
			if i > 0 {
				sb.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			if i == 0 {
				sb.WriteString(cell + pad)
			} else {
				sb.WriteString(pad + cell)
			}
		}
		sb.WriteString("\n")
	}
	_, err := io.WriteString(w, sb.String())
	return err
}

// fmtMicros formats a time in microseconds: "850µs", "12.3ms".
func fmtMicros(us float64) string {
	switch {
	case us < 10:
		return fmt.Sprintf("%.1fµs", us)
	case us < 1000:
		return fmt.Sprintf("%.0fµs", us)
	case us < 100_000:
		return strings.TrimSuffix(fmt.Sprintf("%.2f", us/1000), ".00") + "ms"
	default:
		return fmt.Sprintf("%.0fms", us/1000)
	}
}

func fmtOptMicros(us *float64) string {
	if us == nil {
		return "-"
	}
	return fmtMicros(*us)
}
