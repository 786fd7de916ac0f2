package httpfast

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// testServer runs a Server whose handler echoes the request and says which
// transport served it (net/http sets http.ServerContextKey; the fast path
// does not). Requests to /panic panic; requests to /block wait on release.
type testServer struct {
	*Server
	addr    string
	release chan struct{}
	entered chan struct{}
}

func startServer(t *testing.T, maxBody int64, tune ...func(*http.Server)) *testServer {
	t.Helper()
	ts := &testServer{release: make(chan struct{}), entered: make(chan struct{}, 10)}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		switch r.URL.Path {
		case "/panic":
			panic("boom")
		case "/block":
			ts.entered <- struct{}{}
			<-ts.release
		case "/inject":
			w.Header().Set("X-Evil", "a\r\nX-Injected: 1")
		}
		transport := "fast"
		if r.Context().Value(http.ServerContextKey) != nil {
			transport = "net/http"
		}
		w.Header().Set("X-Transport", transport)
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, "%s %s host=%s target=%s len=%d body=%s", r.Method, r.URL.Path, r.Host, r.Header.Get("X-Amz-Target"), r.ContentLength, body)
	})
	ts.Server = &Server{
		Handler: h,
		Route: func(h *Head) bool {
			return h.Method == http.MethodPost && strings.HasPrefix(h.Header.Get("X-Amz-Target"), "TrentService.")
		},
		MaxBody:  maxBody,
		Fallback: &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second},
	}
	for _, f := range tune {
		f(ts.Fallback)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = ln.Addr().String()
	done := make(chan error, 1)
	go func() { done <- ts.Serve(ln) }()
	t.Cleanup(func() {
		_ = ts.Close()
		if err := <-done; err != ErrServerClosed {
			t.Errorf("Serve returned %v", err)
		}
	})
	return ts
}

func kmsRequest(path, body string) string {
	return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: kms.local\r\nX-Amz-Target: TrentService.Encrypt\r\nContent-Length: %d\r\n\r\n%s", path, len(body), body)
}

// exchange writes raw on one connection and reads n responses.
func exchange(t *testing.T, addr, raw string, n int) []*http.Response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	var out []*http.Response
	for i := 0; i < n; i++ {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("response %d body: %v", i, err)
		}
		resp.Body = io.NopCloser(bytes.NewReader(b))
		out = append(out, resp)
	}
	return out
}

func bodyOf(t *testing.T, r *http.Response) string {
	t.Helper()
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

func TestFastPathKeepAlive(t *testing.T) {
	ts := startServer(t, 0)
	resps := exchange(t, ts.addr, kmsRequest("/", `{"a":1}`)+kmsRequest("/x", `{}`), 2)
	for i, want := range []string{
		"POST / host=kms.local target=TrentService.Encrypt len=7 body={\"a\":1}",
		"POST /x host=kms.local target=TrentService.Encrypt len=2 body={}",
	} {
		r := resps[i]
		if r.StatusCode != http.StatusAccepted || r.Header.Get("X-Transport") != "fast" || bodyOf(t, r) != want {
			t.Fatalf("response %d: %d %q %q", i, r.StatusCode, r.Header.Get("X-Transport"), want)
		}
		if r.Header.Get("Date") == "" || r.ContentLength != int64(len(want)) || r.Close {
			t.Fatalf("response %d: Date %q, length %d, close %v", i, r.Header.Get("Date"), r.ContentLength, r.Close)
		}
	}
}

// TestHandOff checks that each request the fast path does not take is
// served by net/http, with the bytes already peeked at intact, including
// pipelined requests behind it on the same connection.
func TestHandOff(t *testing.T) {
	chunked := "POST / HTTP/1.1\r\nHost: h\r\nX-Amz-Target: TrentService.Encrypt\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
	tests := []struct {
		name     string
		raw      string
		n        int
		wantBody []string
		status   []int
	}{
		{"not routed (GET)", "GET /obj HTTP/1.1\r\nHost: h\r\n\r\n", 1, []string{"GET /obj host=h target= len=0 body="}, []int{202}},
		{"chunked then fast", chunked + kmsRequest("/", "xy"), 2,
			[]string{"POST / host=h target=TrentService.Encrypt len=-1 body=abc", "POST / host=kms.local target=TrentService.Encrypt len=2 body=xy"}, []int{202, 202}},
		{"fast then chunked then fast", kmsRequest("/", "1") + chunked + kmsRequest("/", "2"), 3,
			[]string{"POST / host=kms.local target=TrentService.Encrypt len=1 body=1", "POST / host=h target=TrentService.Encrypt len=-1 body=abc", "POST / host=kms.local target=TrentService.Encrypt len=1 body=2"}, []int{202, 202, 202}},
		{"body over MaxBody", kmsRequest("/", strings.Repeat("z", 100)), 1, []string{"POST / host=kms.local target=TrentService.Encrypt len=100 body=" + strings.Repeat("z", 100)}, []int{202}},
		{"big head", "POST / HTTP/1.1\r\nHost: h\r\nX-Amz-Target: TrentService.Encrypt\r\nX-Pad: " + strings.Repeat("p", 20<<10) + "\r\nContent-Length: 1\r\n\r\nq", 1,
			[]string{"POST / host=h target=TrentService.Encrypt len=1 body=q"}, []int{202}},
		{"HTTP/1.0", "POST / HTTP/1.0\r\nHost: h\r\nX-Amz-Target: TrentService.Encrypt\r\nContent-Length: 1\r\n\r\nq", 1,
			[]string{"POST / host=h target=TrentService.Encrypt len=1 body=q"}, []int{202}},
		{"malformed", "POST / HTTP/1.1\r\nHost: h\r\nBad Header: x\r\nContent-Length: 0\r\n\r\n", 1, nil, []int{400}},
		{"bare LF", "POST / HTTP/1.1\nHost: h\nX-Amz-Target: TrentService.Encrypt\nContent-Length: 1\n\nq", 1,
			[]string{"POST / host=h target=TrentService.Encrypt len=1 body=q"}, []int{202}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, 64)
			resps := exchange(t, ts.addr, tt.raw, tt.n)
			for i, r := range resps {
				if r.StatusCode != tt.status[i] {
					t.Fatalf("response %d: status %d, want %d: %s", i, r.StatusCode, tt.status[i], bodyOf(t, r))
				}
				if tt.wantBody != nil {
					if got := bodyOf(t, r); got != tt.wantBody[i] {
						t.Fatalf("response %d: %q, want %q", i, got, tt.wantBody[i])
					}
				}
			}
			if tt.n >= 2 && !strings.HasPrefix(tt.name, "chunked") && resps[0].Header.Get("X-Transport") != "fast" {
				t.Fatalf("the first request should have been served on the fast path")
			}
			if last := resps[len(resps)-1]; tt.status[len(resps)-1] == 202 && last.Header.Get("X-Transport") != "net/http" {
				t.Fatalf("the last request should have been handed to net/http, got %q", last.Header.Get("X-Transport"))
			}
		})
	}
}

func TestExpectContinueGoesToNetHTTP(t *testing.T) {
	ts := startServer(t, 0)
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: h\r\nX-Amz-Target: TrentService.Encrypt\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("want 100 Continue, got %q, %v", line, err)
	}
	br.ReadString('\n') // the empty line after the interim response
	io.WriteString(c, "ok")
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("final response: %v %v", resp, err)
	}
}

func TestPanicClosesOnlyThatConnection(t *testing.T) {
	ts := startServer(t, 0)
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, kmsRequest("/panic", ""))
	if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Fatalf("after a panic the connection should close without an answer: %d, %v", n, err)
	}
	if r := exchange(t, ts.addr, kmsRequest("/", "z"), 1)[0]; r.StatusCode != http.StatusAccepted {
		t.Fatalf("server did not survive the panic: %d", r.StatusCode)
	}
}

func TestResponseHeaderInjection(t *testing.T) {
	ts := startServer(t, 0)
	r := exchange(t, ts.addr, kmsRequest("/inject", ""), 1)[0]
	if r.Header.Get("X-Injected") != "" || r.Header.Get("X-Evil") != "a  X-Injected: 1" {
		t.Fatalf("header injection: %q", r.Header)
	}
}

// TestShutdownWaitsForFastRequests checks that Shutdown lets a request in
// flight finish and closes an idle keep-alive connection.
func TestShutdownWaitsForFastRequests(t *testing.T) {
	ts := startServer(t, 0)
	idle, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	io.WriteString(idle, kmsRequest("/", ""))
	if _, err := http.ReadResponse(bufio.NewReader(idle), nil); err != nil {
		t.Fatal(err)
	}
	busy := make(chan *http.Response, 1)
	go func() { busy <- exchange(t, ts.addr, kmsRequest("/block", ""), 1)[0] }()
	<-ts.entered
	shut := make(chan error, 1)
	go func() { shut <- ts.Shutdown(context.Background()) }()
	_ = idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := idle.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Fatalf("idle connection still open after Shutdown: %d, %v", n, err)
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) while a request was in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(ts.release)
	if r := <-busy; r.StatusCode != http.StatusAccepted {
		t.Fatalf("in-flight request: %d", r.StatusCode)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// TestConcurrentClients drives both paths at once with net/http's client
// (run with -race).
func TestConcurrentClients(t *testing.T) {
	ts := startServer(t, 0)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	defer client.CloseIdleConnections()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				body := fmt.Sprintf("g%d-%d", g, i)
				req, _ := http.NewRequest(http.MethodPost, "http://"+ts.addr+"/", strings.NewReader(body))
				if i%5 == 0 {
					req.Method = http.MethodPut // not routed: net/http serves it
				} else {
					req.Header.Set("X-Amz-Target", "TrentService.Encrypt")
				}
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if !strings.HasSuffix(string(got), "body="+body) {
					errs <- fmt.Errorf("got %q for %q", got, body)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestDeadlineIsLazy(t *testing.T) {
	var calls int
	apply := func(time.Time) error { calls++; return nil }
	var d deadline
	d.set(apply, time.Minute) // first: set
	d.set(apply, time.Minute) // within the slack: skipped
	if calls != 1 {
		t.Fatalf("calls = %d after two sets of the same timeout, want 1", calls)
	}
	d.set(apply, time.Second) // shorter: must move
	if calls != 2 || time.Until(d.at) > time.Second {
		t.Fatalf("a shorter timeout was not applied: calls %d, at %v", calls, time.Until(d.at))
	}
	d.set(apply, time.Minute) // much longer: must move
	d.set(apply, 0)           // none: cleared
	if calls != 4 || !d.at.IsZero() {
		t.Fatalf("calls = %d, at = %v", calls, d.at)
	}
}

func TestIdleTimeoutClosesFastConnections(t *testing.T) {
	ts := startServer(t, 0, func(s *http.Server) { s.IdleTimeout = 200 * time.Millisecond })
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, kmsRequest("/", ""))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	if n, err := br.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Fatalf("idle connection not closed: %d, %v", n, err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("idle connection closed after %v, want about 200ms", d)
	}
}
