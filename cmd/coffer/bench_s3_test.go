package main

import (
	"io"
	"slices"
	"strings"
	"testing"
)

func TestParseBenchS3(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    string
		wantErr string
		check   func(*benchS3Flags) bool
	}{
		{name: "defaults", args: "", check: func(f *benchS3Flags) bool {
			return slices.Equal(f.sizes, []int64{1 << 20, 256 << 20}) && len(f.modes) == 3 && f.concurrency == 2 && f.rounds == 3
		}},
		{name: "peers and probes", args: "--peer moto=http://127.0.0.1:5000 --peer b=http://x --server-pid 42 --memory-size 4GiB --range-object 1GiB",
			check: func(f *benchS3Flags) bool {
				return len(f.peers) == 2 && f.peers[0].label == "moto" && f.memorySize == 4<<30 && f.rangeObject == 1<<30
			}},
		{name: "sizes", args: "--sizes 4KiB,0,3", check: func(f *benchS3Flags) bool { return slices.Equal(f.sizes, []int64{4096, 3}) }},
		{name: "bad mode", args: "--sse sse-x", wantErr: "unknown mode"},
		{name: "bad op", args: "--ops delete", wantErr: "unknown operation"},
		{name: "bad peer", args: "--peer moto", wantErr: "LABEL=URL"},
		{name: "memory needs pid", args: "--memory-size 1GiB", wantErr: "--server-pid"},
		{name: "bad size", args: "--sizes 1TB", wantErr: "--sizes"},
		{name: "tiny range object", args: "--range-object 100", wantErr: "at least 1KiB"},
		{name: "zero rounds", args: "--rounds 0", wantErr: "--rounds"},
		{name: "extra argument", args: "now", wantErr: "unexpected argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := parseBenchS3(strings.Fields(tc.args), io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(f) {
				t.Fatalf("unexpected flags: %+v", f)
			}
		})
	}
}
