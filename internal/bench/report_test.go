package bench

import (
	"strings"
	"testing"
)

func TestWriteTableAndComparison(t *testing.T) {
	cpu := func(v float64) *float64 { return &v }
	a := &Report{Label: "coffer", Endpoint: "http://127.0.0.1:1", KeyID: "k", Size: 4096, DurationSec: 5, CPUs: 2,
		Results: []Result{
			{Op: OpEncrypt, Concurrency: 16, Requests: 1000, Errors: 3, RPS: 9000, P50Micros: 850, P99Micros: 12300,
				ServerCPUMicros: cpu(60), BenchCPUMicros: cpu(45), ErrorKinds: map[string]int64{"HTTP 500 KMSInternalException: boom": 3}},
			{Op: OpDecrypt, Concurrency: 1, Requests: 10, RPS: 4000, P50Micros: 5.5, P99Micros: 250000},
		}}
	b := &Report{Label: "moto", Results: []Result{
		{Op: OpEncrypt, Concurrency: 16, RPS: 400, ServerCPUMicros: cpu(2400)},
	}}
	var sb strings.Builder
	if err := a.WriteTable(&sb); err != nil {
		t.Fatal(err)
	}
	if err := WriteComparison(&sb, a, b); err != nil {
		t.Fatal(err)
	}
	out := sb.String()
	for _, want := range []string{
		"coffer: http://127.0.0.1:1, key k, 4096-byte plaintext, 5s per cell, 2 CPUs",
		"op       conc  requests  errors  req/s    p50      p99  server CPU/req  bench CPU/req\n" +
			"encrypt    16      1000       3   9000  850µs  12.30ms            60µs           45µs\n" +
			"decrypt     1        10       0   4000  5.5µs    250ms               -              -\n",
		"errors in encrypt at concurrency 16: 3",
		"3× HTTP 500 KMSInternalException: boom",
		"coffer vs moto (ratio = coffer ÷ moto)",
		"encrypt    16          9000         400  22.5×                   60µs               2.40ms  0.025×\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if a.Errors() != 3 {
		t.Errorf("Errors() = %d, want 3", a.Errors())
	}
}
