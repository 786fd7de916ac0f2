// Package httpfast serves small HTTP/1.1 requests on plain TCP connections
// with less work than net/http, and hands every connection it does not
// fully understand to a net/http Server unchanged.
//
// A connection starts on the fast path. For each request the fast path
// peeks at the head without consuming it; if the head is one it accepts
// (see parseHead) and the Route function selects it, the request is read
// whole (its body is bounded by MaxBody), the ordinary http.Handler runs
// with a buffered ResponseWriter, and the response goes out in one write.
// Otherwise the connection — with every unread byte, including the head
// just peeked at — is handed to the fallback net/http Server for the rest
// of its life. Handlers therefore see the same *http.Request either way,
// and anything unusual (chunked bodies, Expect: 100-continue, HTTP/1.0,
// oversized or malformed heads, streaming responses) gets net/http's
// complete behaviour.
//
// What it saves, per request: net/http's background read and the
// goroutine hand-offs around it, the per-request reader and writer
// set-up, and a separate write for the head and the body. On the KMS
// Encrypt benchmark that is about two thirds of the HTTP server's CPU time
// (scripts/bench-floor.sh).
package httpfast

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Server serves a listener with a fast path for selected small requests
// and a net/http fallback for everything else.
type Server struct {
	// Handler answers every request, fast or not.
	Handler http.Handler
	// Route reports whether a request with this head may be served on the
	// fast path. Its response is buffered whole, so select only requests
	// whose answers are small. nil selects nothing.
	Route func(*Head) bool
	// MaxBody bounds the body of a fast-path request; a longer request is
	// handed to net/http. 0 means 1 MiB.
	MaxBody int64
	// Fallback serves every connection the fast path hands over. Its
	// timeouts also bound the fast path: ReadHeaderTimeout for a head,
	// ReadTimeout for a whole request, WriteTimeout for a response,
	// IdleTimeout between requests (0 means ReadTimeout, as in net/http).
	Fallback *http.Server
	// Logger receives recovered panics; nil discards.
	Logger *slog.Logger

	mu       sync.Mutex
	ln       net.Listener
	conns    map[*conn]struct{}
	closing  bool
	handoff  *handoffListener
	active   sync.WaitGroup
	baseCtx  context.Context
	cancel   context.CancelFunc
	serveErr chan error
}

// headBufSize is the connection reader's size: a head that does not fit
// is handed to net/http (which allows up to Fallback.MaxHeaderBytes).
const headBufSize = 16 << 10

// maxFields bounds the header fields of a fast-path request.
const maxFields = 100

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = http.ErrServerClosed

// Serve accepts connections on ln until Shutdown or Close, and always
// returns a non-nil error (ErrServerClosed after a shutdown).
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		_ = ln.Close()
		return ErrServerClosed
	}
	s.ln = ln
	s.conns = make(map[*conn]struct{})
	s.handoff = &handoffListener{addr: ln.Addr(), conns: make(chan net.Conn), done: make(chan struct{})}
	s.baseCtx, s.cancel = context.WithCancel(context.Background())
	s.serveErr = make(chan error, 1)
	s.mu.Unlock()
	if s.MaxBody == 0 {
		s.MaxBody = 1 << 20
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	go func() { s.serveErr <- s.Fallback.Serve(s.handoff) }()

	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.isClosing() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() { // transient (EMFILE and the like), as net/http retries
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.Logger.Warn("accept", "err", err, "retry_in", delay)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		c := &conn{srv: s, nc: nc, remote: nc.RemoteAddr().String()}
		if !s.track(c) {
			_ = nc.Close()
			return ErrServerClosed
		}
		go c.serve()
	}
}

// Shutdown stops accepting, closes idle fast-path connections, waits for
// fast-path requests in flight, then shuts the fallback server down
// gracefully; ctx bounds the wait.
func (s *Server) Shutdown(ctx context.Context) error {
	s.beginClose()
	done := make(chan struct{})
	go func() { s.active.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.closeAll()
		return ctx.Err()
	}
	s.closeAll()
	return s.Fallback.Shutdown(ctx)
}

// Close closes every connection at once, fast or not.
func (s *Server) Close() error {
	s.beginClose()
	s.closeAll()
	return s.Fallback.Close()
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// beginClose marks the server closing and wakes every fast-path
// connection blocked waiting for its next request, which then closes.
func (s *Server) beginClose() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return
	}
	s.closing = true
	if s.ln != nil {
		_ = s.ln.Close()
	}
	if s.handoff != nil {
		s.handoff.close()
	}
	for c := range s.conns {
		if c.idle.Load() {
			_ = c.nc.SetReadDeadline(time.Unix(1, 0)) // the wait for a next request ends at once
		}
	}
}

func (s *Server) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		_ = c.nc.Close()
	}
	if s.cancel != nil {
		s.cancel()
	}
}

func (s *Server) track(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
}

func (s *Server) timeouts() (header, read, write, idle time.Duration) {
	f := s.Fallback
	header, read, write, idle = f.ReadHeaderTimeout, f.ReadTimeout, f.WriteTimeout, f.IdleTimeout
	if header == 0 {
		header = read
	}
	if idle == 0 {
		idle = read
	}
	return header, read, write, idle
}

// conn is one client connection while it is on the fast path.
type conn struct {
	srv    *Server
	nc     net.Conn
	remote string
	br     *bufio.Reader
	body   []byte
	w      responseWriter

	headerTimeout, readTimeout, writeTimeout, idleTimeout time.Duration
	readDeadline, writeDeadline                           deadline
	// idle is true while the connection waits for its next request.
	idle atomic.Bool
}

// serve runs the fast path on one connection until it closes or is handed
// over.
func (c *conn) serve() {
	handedOff := false
	defer func() {
		c.srv.untrack(c)
		if !handedOff {
			_ = c.nc.Close()
		}
	}()
	c.br = bufio.NewReaderSize(c.nc, headBufSize)
	c.headerTimeout, c.readTimeout, c.writeTimeout, c.idleTimeout = c.srv.timeouts()
	for {
		if c.srv.isClosing() {
			return
		}
		if c.br.Buffered() == 0 {
			c.readDeadline.set(c.nc.SetReadDeadline, c.idleTimeout)
			c.idle.Store(true)
			if c.srv.isClosing() {
				return
			}
			_, err := c.br.Peek(1)
			c.idle.Store(false)
			if err != nil {
				return // closed, idle too long, or shutting down
			}
		}
		head, ok := c.readHead()
		if !ok {
			if c.srv.isClosing() {
				return
			}
			handedOff = c.handOff()
			return
		}
		c.srv.active.Add(1)
		keep := c.serveRequest(&head)
		c.srv.active.Done()
		if !keep {
			return
		}
	}
}

// deadline is a connection deadline set lazily: a call to set moves it
// only when the wanted deadline is not already within a second of the one
// in force, so that a busy connection changes its deadlines about once a
// second instead of several times per request. Timeouts are therefore
// exact to within a second.
type deadline struct{ at time.Time }

const deadlineSlack = time.Second

func (d *deadline) set(apply func(time.Time) error, timeout time.Duration) {
	if timeout <= 0 {
		if !d.at.IsZero() {
			d.at = time.Time{}
			_ = apply(d.at)
		}
		return
	}
	want := time.Now().Add(timeout)
	if !d.at.IsZero() && !d.at.After(want) && want.Sub(d.at) < deadlineSlack {
		return
	}
	d.at = want
	_ = apply(want)
}

// readHead peeks at the next request head and consumes it if the fast
// path serves it. ok is false, with nothing consumed, if the head is not
// one the fast path accepts or routes, its body is over MaxBody, it does
// not fit the buffer, or it could not be read; the caller then hands the
// connection over (a read error reaches net/http, which handles it as it
// would).
func (c *conn) readHead() (Head, bool) {
	for n := 1; ; {
		buf, err := c.br.Peek(n)
		if err != nil && len(buf) < n {
			return Head{}, false
		}
		buf, _ = c.br.Peek(c.br.Buffered())
		end, ok := headEnd(buf)
		if !ok {
			return Head{}, false
		}
		if end == 0 && n == 1 {
			// The head is not all here: bound the wait for the rest.
			c.readDeadline.set(c.nc.SetReadDeadline, c.headerTimeout)
		}
		if end > 0 {
			if c.srv.Route == nil {
				return Head{}, false
			}
			head, ok := parseHead(string(buf[:end]), maxFields)
			if !ok || head.ContentLength > c.srv.MaxBody || !c.srv.Route(&head) {
				return Head{}, false
			}
			_, _ = c.br.Discard(end)
			return head, true
		}
		if len(buf) == headBufSize {
			return Head{}, false
		}
		n = len(buf) + 1
	}
}

// handOff gives the connection, with every byte not yet consumed, to the
// fallback server. It reports whether the fallback took it.
func (c *conn) handOff() bool {
	_ = c.nc.SetDeadline(time.Time{})
	c.readDeadline, c.writeDeadline = deadline{}, deadline{}
	hc := &handoffConn{Conn: c.nc}
	if c.br.Buffered() > 0 {
		hc.r = c.br
	}
	return c.srv.handoff.give(hc)
}

// serveRequest reads the body of the request whose head was just
// consumed, runs the handler and writes the response. It reports whether
// the connection can serve another request.
func (c *conn) serveRequest(h *Head) (keep bool) {
	if int64(cap(c.body)) < h.ContentLength {
		c.body = make([]byte, h.ContentLength)
	}
	body := c.body[:h.ContentLength]
	if int64(c.br.Buffered()) < h.ContentLength {
		c.readDeadline.set(c.nc.SetReadDeadline, c.readTimeout)
	}
	if _, err := io.ReadFull(c.br, body); err != nil {
		return false
	}
	u, err := url.ParseRequestURI(h.Target)
	if err != nil {
		c.writeRaw("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: 23\r\n\r\n400 Bad Request: target")
		return false
	}
	req := (&http.Request{
		Method: h.Method, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h.Header, Host: h.Host, ContentLength: h.ContentLength, RemoteAddr: c.remote, RequestURI: h.Target,
		Body: &bodyReader{b: body},
	}).WithContext(c.srv.baseCtx)
	c.w.reset()
	if !c.run(req) {
		clear(body)
		return false
	}
	clear(body) // the body may hold plaintext: do not keep it past the request
	c.writeDeadline.set(c.nc.SetWriteDeadline, c.writeTimeout)
	keep = c.w.writeTo(c.nc)
	return keep && !c.srv.isClosing()
}

// run calls the handler, recovering a panic (the connection then closes
// without an answer, as net/http does).
func (c *conn) run(req *http.Request) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			if p != http.ErrAbortHandler {
				c.srv.Logger.Error("panic serving request", "remote", c.remote, "panic", p)
			}
			ok = false
		}
	}()
	c.srv.Handler.ServeHTTP(&c.w, req)
	return true
}

func (c *conn) writeRaw(s string) {
	_, _ = io.WriteString(c.nc, s)
}

// bodyReader is a fast-path request body: the bytes already read.
type bodyReader struct {
	b []byte
	i int
}

func (r *bodyReader) Read(p []byte) (int, error) {
	if r.i >= len(r.b) {
		return 0, io.EOF
	}
	n := copy(p, r.b[r.i:])
	r.i += n
	return n, nil
}

func (r *bodyReader) Close() error { return nil }

// responseWriter buffers a fast-path response whole.
type responseWriter struct {
	header  http.Header
	status  int
	body    []byte
	out     []byte
	dateSec int64
	date    []byte
}

func (w *responseWriter) reset() {
	if w.header == nil {
		w.header = make(http.Header, 8)
	} else {
		clear(w.header)
	}
	w.status = 0
	w.body = w.body[:0]
}

// Header implements http.ResponseWriter.
func (w *responseWriter) Header() http.Header { return w.header }

// WriteHeader implements http.ResponseWriter; like net/http it ignores
// informational codes and every call after the first.
func (w *responseWriter) WriteHeader(code int) {
	if w.status != 0 || code < 200 || code > 999 {
		return
	}
	w.status = code
}

// Write implements http.ResponseWriter.
func (w *responseWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body = append(w.body, p...)
	return len(p), nil
}

// writeTo writes the response in one write and zeroes the buffers (a
// response may carry plaintext). It reports whether the write succeeded
// and the handler did not ask to close the connection.
func (w *responseWriter) writeTo(nc net.Conn) bool {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	out := append(w.out[:0], "HTTP/1.1 "...)
	out = strconv.AppendInt(out, int64(w.status), 10)
	out = append(out, ' ')
	out = append(out, http.StatusText(w.status)...)
	out = append(out, "\r\n"...)
	keep := true
	for k, vs := range w.header {
		switch k {
		case "Content-Length", "Transfer-Encoding", "Date":
			continue
		case "Connection":
			keep = false
			continue
		}
		for _, v := range vs {
			out = append(out, k...)
			out = append(out, ": "...)
			out = appendSanitized(out, v)
			out = append(out, "\r\n"...)
		}
	}
	if _, ok := w.header["Content-Type"]; !ok && len(w.body) > 0 {
		out = append(out, "Content-Type: "...)
		out = append(out, http.DetectContentType(w.body)...)
		out = append(out, "\r\n"...)
	}
	if !keep {
		out = append(out, "Connection: close\r\n"...)
	}
	out = append(out, "Date: "...)
	if now := time.Now().Unix(); now != w.dateSec { // formatted once a second per connection
		w.dateSec = now
		w.date = time.Unix(now, 0).UTC().AppendFormat(w.date[:0], http.TimeFormat)
	}
	out = append(out, w.date...)
	out = append(out, "\r\nContent-Length: "...)
	out = strconv.AppendInt(out, int64(len(w.body)), 10)
	out = append(out, "\r\n\r\n"...)
	out = append(out, w.body...)
	_, err := nc.Write(out)
	clear(out)
	clear(w.body)
	w.out, w.body = out[:0], w.body[:0]
	return err == nil && keep
}

// appendSanitized appends a header value with CR and LF replaced by
// spaces, as net/http does, so that a value cannot split the response.
func appendSanitized(dst []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		dst = append(dst, c)
	}
	return dst
}

// handoffConn is a connection handed to net/http: reads drain what the
// fast path had buffered before reaching the socket.
type handoffConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *handoffConn) Read(p []byte) (int, error) {
	if c.r != nil {
		if c.r.Buffered() > 0 {
			n := min(len(p), c.r.Buffered())
			return c.r.Read(p[:n])
		}
		c.r = nil
	}
	return c.Conn.Read(p)
}

// handoffListener feeds handed-over connections to the fallback server.
type handoffListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *handoffListener) give(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.done:
		return false
	}
}

func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *handoffListener) close() { l.once.Do(func() { close(l.done) }) }

func (l *handoffListener) Close() error { l.close(); return nil }

func (l *handoffListener) Addr() net.Addr { return l.addr }
