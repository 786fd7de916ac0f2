package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ServeS3Floor answers S3 requests on ln the way the cheapest possible
// object store that fsyncs its data would, as the floor an S3 server's PUT
// and GET figures sit on: PUT streams the body into a file in dir and
// fsyncs it (but not the directory after the rename: it is not
// crash-safe), GET streams the file back, DELETE removes it, and a PUT, GET
// or HEAD without a key (CreateBucket, a health check) succeeds. It does
// no authentication, no encryption and keeps no metadata; it copies the
// bytes through a 256 KiB buffer in user space, as a server that must see
// them (to encrypt or decrypt) has to: no sendfile. PUT and GET answers
// echo the encryption headers the PUT named so that the generator's checks
// pass; nothing is encrypted.
//
// Over the file copy alone it adds what every HTTP object store adds here:
// the loopback network, HTTP, and the generator's own sending and
// receiving on the same CPUs.
func ServeS3Floor(ctx context.Context, ln net.Listener, dir string) error {
	f := &s3Floor{dir: dir}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: f}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type s3Floor struct {
	dir  string
	etag atomic.Uint64
	// sse remembers each object's x-amz-server-side-encryption, which GET
	// answers repeat (the generator checks it).
	sse sync.Map
}

// path maps a request path to a file name that cannot leave dir.
func (f *s3Floor) path(urlPath string) string {
	sum := sha256.Sum256([]byte(urlPath))
	return filepath.Join(f.dir, "floor-"+hex.EncodeToString(sum[:16]))
}

func (f *s3Floor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.URL.Path, "/")
	bucketOnly := !strings.Contains(key, "/")
	switch {
	case bucketOnly && (r.Method == http.MethodPut || r.Method == http.MethodGet || r.Method == http.MethodHead):
		w.WriteHeader(http.StatusOK) // every bucket exists (and GET / answers a health check)
	case bucketOnly:
		http.Error(w, "the S3 floor serves objects only", http.StatusNotImplemented)
	case r.Method == http.MethodPut:
		if err := f.put(r); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("ETag", fmt.Sprintf(`"%032x"`, f.etag.Add(1)))
		f.sse.Store(r.URL.Path, r.Header.Get("X-Amz-Server-Side-Encryption"))
		for _, name := range []string{"X-Amz-Server-Side-Encryption", "X-Amz-Server-Side-Encryption-Customer-Algorithm"} {
			if v := r.Header.Get(name); v != "" {
				h.Set(name, v)
			}
		}
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodGet:
		f.get(w, r)
	case r.Method == http.MethodDelete:
		if err := os.Remove(f.path(r.URL.Path)); err != nil && !errors.Is(err, os.ErrNotExist) {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "method not served by the S3 floor", http.StatusNotImplemented)
	}
}

// put writes the body to a temp file, fsyncs it and renames it over the
// object's file (so a GET never sees half a body).
func (f *s3Floor) put(r *http.Request) error {
	tmp, err := os.CreateTemp(f.dir, "floor-tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	defer tmp.Close()
	buf := make([]byte, 256<<10)
	n, err := io.CopyBuffer(onlyWriter{tmp}, onlyReader{r.Body}, buf)
	if err != nil {
		return err
	}
	if r.ContentLength >= 0 && n != r.ContentLength {
		return fmt.Errorf("body of %d bytes, Content-Length %d", n, r.ContentLength)
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), f.path(r.URL.Path))
}

func (f *s3Floor) get(w http.ResponseWriter, r *http.Request) {
	file, err := os.Open(f.path(r.URL.Path))
	if errors.Is(err, os.ErrNotExist) {
		http.Error(w, "NoSuchKey", http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
	if v, _ := f.sse.Load(r.URL.Path); v != nil && v.(string) != "" {
		h.Set("X-Amz-Server-Side-Encryption", v.(string))
	}
	if v := r.Header.Get("X-Amz-Server-Side-Encryption-Customer-Algorithm"); v != "" {
		h.Set("X-Amz-Server-Side-Encryption-Customer-Algorithm", v)
	}
	w.WriteHeader(http.StatusOK)
	buf := make([]byte, 256<<10)
	if _, err := io.CopyBuffer(onlyWriter{w}, onlyReader{file}, buf); err != nil {
		panic(http.ErrAbortHandler)
	}
}

// onlyWriter hides ReadFrom, so that io.CopyBuffer uses the given buffer
// (and a ResponseWriter cannot turn the copy into a sendfile).
type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(b []byte) (int, error) { return o.w.Write(b) }
