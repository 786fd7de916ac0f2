package bench

import (
	"os"
	"testing"
	"time"
)

func TestParseProcStat(t *testing.T) {
	tests := []struct {
		name         string
		line         string
		utime, stime uint64
		wantErr      bool
	}{
		{
			name:  "plain name",
			line:  "1234 (coffer) S 1 1234 1234 0 -1 4194560 5120 0 0 0 731 152 0 0 20 0 9 0 12345 1234567 890 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n",
			utime: 731, stime: 152,
		},
		{
			name:  "name with spaces and parentheses",
			line:  "42 (moto (server) 2) R 1 42 42 0 -1 4194304 100 0 0 0 5000 250 0 0 20 0 3 0 999 1 1 1",
			utime: 5000, stime: 250,
		},
		{
			name:  "name that looks like fields",
			line:  "7 () S 1 2 3 4 5 6 7 8 9 10 11 12) S 1 7 7 0 -1 0 0 0 0 0 17 18 0 0 20 0 1 0 1 1 1 1",
			utime: 17, stime: 18,
		},
		{name: "empty name", line: "9 () Z 1 9 9 0 -1 0 0 0 0 0 1 2 0 0", utime: 1, stime: 2},
		{name: "truncated", line: "1234 (coffer) S 1 1234 1234 0 -1 4194560 5120 0 0 0 731", wantErr: true},
		{name: "no name", line: "1234 coffer S 1 1234 1234 0 -1 4194560 5120 0 0 0 731 152", wantErr: true},
		{name: "not a number", line: "1 (x) S 1 1 1 0 -1 0 0 0 0 0 7x1 152", wantErr: true},
		{name: "empty", line: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, s, err := ParseProcStat([]byte(tt.line))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && (u != tt.utime || s != tt.stime) {
				t.Errorf("got utime %d stime %d, want %d %d", u, s, tt.utime, tt.stime)
			}
		})
	}
}

func TestProcessCPUSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	before, err := ProcessCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(30 * time.Millisecond); time.Now().Before(end); {
	}
	after, err := ProcessCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	self, err := SelfCPU()
	if err != nil {
		t.Fatal(err)
	}
	if after < before || self < before {
		t.Errorf("CPU time went back: /proc %v then %v, getrusage %v", before, after, self)
	}
}
