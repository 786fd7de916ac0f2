package bench

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

func TestServeFloor(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeFloor(ctx, ln) }()
	resp, err := http.Post("http://"+ln.Addr().String()+"/", "application/x-amz-json-1.1", strings.NewReader(`{"KeyId":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"CiphertextBlob":"`) || !strings.Contains(string(body), FloorKeyID) {
		t.Fatalf("%d %.80s", resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestServeS3Floor runs the S3 cells against the S3 floor: PUTs land in
// files, GETs return the same bytes with the encryption header the PUT
// named, DELETE removes the file, and a missing key is a 404.
func TestServeS3Floor(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeS3Floor(ctx, ln, dir) }()
	s, err := NewS3(S3Config{Endpoint: "http://" + ln.Addr().String(), Region: "us-east-1", AccessKeyID: "AKIDFLOOR",
		SecretAccessKey: "floor-secret", Bucket: "floor", MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateBucket(ctx); err != nil {
		t.Fatal(err)
	}
	p := NewPattern(2, 64<<10)
	lim := Limits{Duration: 200 * time.Millisecond, Requests: 10}
	for _, mode := range SSEModes {
		wl, err := s.Prepare(ctx, mode, p, 300<<10+7)
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		for _, name := range []string{OpPut, OpGet} {
			op, _ := wl.Op(name)
			if res, err := Run(ctx, op, 2, lim, 0); err != nil || res.Requests == 0 || res.Errors != 0 {
				t.Fatalf("%s %s: %+v, %v", mode, name, res, err)
			}
		}
		for _, k := range wl.Keys(2) {
			if err := s.DeleteObject(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
	}
	if es, _ := os.ReadDir(dir); len(es) != 0 {
		t.Errorf("%d files left after the deletes", len(es))
	}
	if _, _, err := s.Get(ctx, "missing", SSES3, "", make([]byte, 4096)); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("GET of a missing key: %v, want HTTP 404", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
