package crashtest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/coffer-kms/coffer/internal/app"
)

const (
	region = "us-east-1"
	bucket = "crash"
	// partSize is S3's smallest part but the last.
	partSize = 5 << 20
)

// customerKey is the SSE-C key of every SSE-C object in the test.
var customerKey = bytes.Repeat([]byte{0x5c}, 32)

// server is one `coffer serve --dev` process.
type server struct {
	cmd    *exec.Cmd
	url    string
	stderr *bytes.Buffer // the server's log
	done   chan error    // receives cmd.Wait's result
}

// lockedBuffer is a bytes.Buffer safe for the exec copier and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var endpointLine = regexp.MustCompile(`export AWS_ENDPOINT_URL=(\S+)`)

// buildCoffer builds cmd/coffer into a temp dir and returns the binary.
func buildCoffer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "coffer")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/coffer-kms/coffer/cmd/coffer")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startServer runs bin serve --dev on dataDir at a free loopback port and
// waits until /healthz answers. The log goes to logBuf.
func startServer(t *testing.T, bin, dataDir string, logBuf *lockedBuffer) *server {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--dev", "--data-dir", dataDir, "--addr", "127.0.0.1:0")
	cmd.Stderr = logBuf
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting coffer: %v", err)
	}
	s := &server{cmd: cmd, done: make(chan error, 1)}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := endpointLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, out)
	}()
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() { s.kill() })
	select {
	case s.url = <-urls:
	case err := <-s.done:
		s.done <- err
		t.Fatalf("coffer exited at start: %v\nlog:\n%s", err, logBuf.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("coffer printed no endpoint in 30s\nlog:\n%s", logBuf.String())
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("coffer /healthz did not answer 200: %v\nlog:\n%s", err, logBuf.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process; it is idempotent.
func (s *server) kill() {
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	err := <-s.done
	s.done <- err
}

func newClient(url string) *s3.Client {
	return s3.New(s3.Options{
		Region: region, BaseEndpoint: aws.String(url), UsePathStyle: true,
		Credentials: credentials.StaticCredentialsProvider{Value: aws.Credentials{
			AccessKeyID: app.DevAccessKeyID, SecretAccessKey: app.DevSecretAccessKey}},
		// A killed server must not be retried against: each call is one attempt.
		Retryer:    aws.NopRetryer{},
		HTTPClient: &http.Client{Timeout: 30 * time.Second},
	})
}

// version is one attempted write of a key: its content is derived from seed
// and size, so it is regenerated rather than kept.
type version struct {
	seed      uint64
	size      int
	multipart int  // 0: PutObject; else the number of parts
	acked     bool // the server answered 200 to the write
}

func (v version) content() []byte {
	b := make([]byte, v.size)
	rand.NewChaCha8([32]byte{0: byte(v.seed), 1: byte(v.seed >> 8), 2: byte(v.seed >> 16), 3: 'c'}).Read(b)
	return b
}

// object is everything written to one key, in order; the writes of a key
// come from one worker, one after the other.
type object struct {
	mode     string // "s3", "kms" or "c": the same for all versions
	versions []version
}

// acceptable returns the versions the key may show after a crash: the last
// acknowledged one and any attempted after it; absent reports whether the
// key may also be missing (nothing acknowledged).
func (o *object) acceptable() (vs []version, absent bool) {
	last := -1
	for i, v := range o.versions {
		if v.acked {
			last = i
		}
	}
	if last < 0 {
		return o.versions, true
	}
	return o.versions[last:], false
}

// ledger records every attempted and acknowledged write, safely for the
// workers.
type ledger struct {
	mu      sync.Mutex
	objects map[string]*object
	// uploads are the multipart uploads whose CreateMultipartUpload was
	// acknowledged and whose completion was not, by key.
	uploads map[string]*upload
	acks    int
	ackCh   chan struct{} // one send per ack, non-blocking
}

// upload is a multipart upload in progress: its id and the parts the
// server acknowledged.
type upload struct {
	id    string
	mode  string
	v     version
	parts map[int32]string // part number -> ETag
}

// progress records an acknowledged step of a multipart upload of key:
// its creation (part 0) or a part.
func (l *ledger) progress(key, mode string, v version, id string, part int32, etag string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if part == 0 {
		l.uploads[key] = &upload{id: id, mode: mode, v: v, parts: map[int32]string{}}
		return
	}
	l.uploads[key].parts[part] = etag
}

func (l *ledger) attempt(key, mode string, v version) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	o := l.objects[key]
	if o == nil {
		o = &object{mode: mode}
		l.objects[key] = o
	}
	o.versions = append(o.versions, v)
	return len(o.versions) - 1
}

func (l *ledger) ack(key string, i int) {
	l.mu.Lock()
	l.objects[key].versions[i].acked = true
	delete(l.uploads, key)
	l.acks++
	l.mu.Unlock()
	select {
	case l.ackCh <- struct{}{}:
	default:
	}
}

func sse(mode string) (alg types.ServerSideEncryption, cAlg, cKey, cMD5 *string) {
	sum := md5.Sum(customerKey)
	switch mode {
	case "kms":
		return types.ServerSideEncryptionAwsKms, nil, nil, nil
	case "c":
		return "", aws.String("AES256"), aws.String(base64.StdEncoding.EncodeToString(customerKey)),
			aws.String(base64.StdEncoding.EncodeToString(sum[:]))
	}
	return types.ServerSideEncryptionAes256, nil, nil, nil
}

// write uploads v to key with mode, as one PutObject or a multipart upload
// whose acknowledged steps go to progress (nil: not recorded).
func write(ctx context.Context, c *s3.Client, key, mode string, v version, progress func(id string, part int32, etag string)) error {
	if progress == nil {
		progress = func(string, int32, string) {}
	}
	body := v.content()
	alg, cAlg, cKey, cMD5 := sse(mode)
	if v.multipart == 0 {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
			Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body))),
			ServerSideEncryption: alg, SSECustomerAlgorithm: cAlg, SSECustomerKey: cKey, SSECustomerKeyMD5: cMD5})
		return err
	}
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key),
		ServerSideEncryption: alg, SSECustomerAlgorithm: cAlg, SSECustomerKey: cKey, SSECustomerKeyMD5: cMD5})
	if err != nil {
		return err
	}
	progress(aws.ToString(up.UploadId), 0, "")
	var parts []types.CompletedPart
	for n := 1; n <= v.multipart; n++ {
		lo := (n - 1) * partSize
		hi := min(len(body), n*partSize)
		if n == v.multipart {
			hi = len(body)
		}
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key),
			UploadId: up.UploadId, PartNumber: aws.Int32(int32(n)),
			Body: bytes.NewReader(body[lo:hi]), ContentLength: aws.Int64(int64(hi - lo)),
			SSECustomerAlgorithm: cAlg, SSECustomerKey: cKey, SSECustomerKeyMD5: cMD5})
		if err != nil {
			return err
		}
		progress(aws.ToString(up.UploadId), int32(n), aws.ToString(out.ETag))
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(n))})
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key),
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
		SSECustomerAlgorithm: cAlg, SSECustomerKey: cKey, SSECustomerKeyMD5: cMD5})
	return err
}

// load runs workers writers until ctx is done. Worker w of round r writes
// keys r<r>/w<w>/<n>, and now and then overwrites one of its own.
func load(ctx context.Context, c *s3.Client, l *ledger, round, workers int, seed uint64) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(round*1000+w)))
			var mine []string
			for n := 0; ctx.Err() == nil; n++ {
				key := fmt.Sprintf("r%d/w%d/%d", round, w, n)
				mode := []string{"s3", "kms", "c"}[rng.IntN(3)]
				if len(mine) > 0 && rng.IntN(5) == 0 {
					key = mine[rng.IntN(len(mine))] // an overwrite, in the key's own mode
					l.mu.Lock()
					mode = l.objects[key].mode
					l.mu.Unlock()
				} else {
					mine = append(mine, key)
				}
				v := version{seed: rng.Uint64()}
				switch r := rng.IntN(8); {
				case r == 0: // two parts: 5 MiB and a tail
					v.multipart, v.size = 2, partSize+1+rng.IntN(256<<10)
				case r == 1: // one (last, so small) part
					v.multipart, v.size = 1, 1+rng.IntN(1<<20)
				case r < 4:
					v.size = 1 + rng.IntN(64)
				case r < 7:
					v.size = 1 + rng.IntN(256<<10)
				default:
					v.size = 1<<20 + rng.IntN(3<<20)
				}
				i := l.attempt(key, mode, v)
				rec := func(id string, part int32, etag string) { l.progress(key, mode, v, id, part, etag) }
				if write(ctx, c, key, mode, v, rec) == nil {
					l.ack(key, i)
				}
			}
		}()
	}
	wg.Wait()
}

// verify checks the bucket against the ledger: every key's content is one
// it may have (see object.acceptable), the listing shows exactly the keys
// present with their sizes, and then collapses each key's history to what
// is now visible.
func verify(t *testing.T, ctx context.Context, c *s3.Client, l *ledger) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	present := map[string]int64{}
	keys := make([]string, 0, len(l.objects))
	for k := range l.objects {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	lost, unacked, gone := 0, 0, 0
	for _, key := range keys {
		o := l.objects[key]
		vs, mayBeAbsent := o.acceptable()
		_, cAlg, cKey, cMD5 := sse(o.mode)
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
			SSECustomerAlgorithm: cAlg, SSECustomerKey: cKey, SSECustomerKeyMD5: cMD5})
		if err != nil {
			var ae smithy.APIError
			if errors.As(err, &ae) && ae.ErrorCode() == "NoSuchKey" {
				if !mayBeAbsent {
					lost++
					t.Errorf("LOST: %s (mode %s, %d bytes, multipart %d) was acknowledged and is gone after the crash",
						key, o.mode, vs[0].size, vs[0].multipart)
				}
				gone++
				delete(l.objects, key)
				continue
			}
			t.Errorf("GET %s: %v", key, err)
			continue
		}
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			t.Errorf("GET %s: reading: %v", key, err)
			continue
		}
		match := -1
		for i, v := range vs {
			if v.size == len(got) && bytes.Equal(got, v.content()) {
				match = i
				break
			}
		}
		if match < 0 {
			if !mayBeAbsent {
				lost++
			}
			t.Errorf("CORRUPT: %s (mode %s) reads back %d bytes that are none of the %d acceptable versions (sizes %v; acknowledged: %v)",
				key, o.mode, len(got), len(vs), sizes(vs), !mayBeAbsent)
			continue
		}
		if n := aws.ToInt64(out.ContentLength); n != int64(len(got)) {
			t.Errorf("GET %s: Content-Length %d, body %d", key, n, len(got))
		}
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
			SSECustomerAlgorithm: cAlg, SSECustomerKey: cKey, SSECustomerKeyMD5: cMD5})
		if err != nil {
			t.Errorf("HEAD %s: %v", key, err)
		} else if aws.ToInt64(head.ContentLength) != int64(len(got)) {
			t.Errorf("HEAD %s: Content-Length %d, GET gave %d bytes", key, aws.ToInt64(head.ContentLength), len(got))
		}
		present[key] = int64(len(got))
		if mayBeAbsent || match > 0 {
			unacked++ // a write whose 200 never reached the client took effect: allowed
		}
		v := vs[match]
		v.acked = true // what a reader has seen is the state from now on
		o.versions = []version{v}
	}

	listed := map[string]int64{}
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListObjectsV2: %v", err)
		}
		for _, o := range page.Contents {
			listed[aws.ToString(o.Key)] = aws.ToInt64(o.Size)
		}
	}
	for k, n := range listed {
		if m, ok := present[k]; !ok {
			t.Errorf("List shows %s (%d bytes), which GET does not serve or which was never written whole", k, n)
		} else if m != n {
			t.Errorf("List shows %s with %d bytes, GET gave %d", k, n, m)
		}
	}
	for k := range present {
		if _, ok := listed[k]; !ok {
			t.Errorf("GET serves %s but List does not show it", k)
		}
	}
	if lost > 0 {
		t.Errorf("%d acknowledged objects lost or corrupted", lost)
	}
	t.Logf("verified %d objects present (%d listed); %d show a write that was not acknowledged, %d never-acknowledged keys absent",
		len(present), len(listed), unacked, gone)
}

// finishUploads completes, after a crash, every multipart upload whose
// creation was acknowledged: the parts the server acknowledged before the
// crash are not sent again, only the missing ones, and the object must then
// read back whole. If the completion itself took effect before the crash
// (verify found the upload's content), the upload may be gone.
func finishUploads(t *testing.T, ctx context.Context, c *s3.Client, l *ledger) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	keys := make([]string, 0, len(l.uploads))
	for k := range l.uploads {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	finished, reused, early := 0, 0, 0
	for _, key := range keys {
		u := l.uploads[key]
		o, mode := l.objects[key], u.mode
		_, cAlg, cKey, cMD5 := sse(mode)
		// Did verify find this very upload completed?
		done := o != nil && len(o.versions) == 1 && o.versions[0].seed == u.v.seed
		body := u.v.content()
		var parts []types.CompletedPart
		var err error
		for n := int32(1); n <= int32(u.v.multipart); n++ {
			etag, ok := u.parts[n]
			if ok {
				reused++
			} else {
				lo := int(n-1) * partSize
				hi := len(body)
				if int(n) < u.v.multipart {
					hi = int(n) * partSize
				}
				var out *s3.UploadPartOutput
				out, err = c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key),
					UploadId: aws.String(u.id), PartNumber: aws.Int32(n),
					Body: bytes.NewReader(body[lo:hi]), ContentLength: aws.Int64(int64(hi - lo)),
					SSECustomerAlgorithm: cAlg, SSECustomerKey: cKey, SSECustomerKeyMD5: cMD5})
				if err != nil {
					break
				}
				etag = aws.ToString(out.ETag)
			}
			parts = append(parts, types.CompletedPart{ETag: aws.String(etag), PartNumber: aws.Int32(n)})
		}
		if err == nil {
			_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key),
				UploadId: aws.String(u.id), MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
				SSECustomerAlgorithm: cAlg, SSECustomerKey: cKey, SSECustomerKeyMD5: cMD5})
		}
		delete(l.uploads, key)
		if err != nil {
			var ae smithy.APIError
			if done && errors.As(err, &ae) && ae.ErrorCode() == "NoSuchUpload" {
				early++
				continue // completed before the crash, as verify saw
			}
			t.Errorf("LOST: multipart upload %s of %s (%d of %d parts acknowledged) cannot be finished after the crash: %v",
				u.id, key, len(u.parts), u.v.multipart, err)
			continue
		}
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
			SSECustomerAlgorithm: cAlg, SSECustomerKey: cKey, SSECustomerKeyMD5: cMD5})
		if err != nil {
			t.Errorf("GET %s after finishing its upload: %v", key, err)
			continue
		}
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil || !bytes.Equal(got, body) {
			t.Errorf("CORRUPT: %s, finished after the crash from %d acknowledged parts, reads back %d bytes, want %d (%v)",
				key, len(u.parts), len(got), len(body), err)
			continue
		}
		v := u.v
		v.acked = true
		if o == nil {
			o = &object{mode: mode}
			l.objects[key] = o
		}
		o.versions = []version{v}
		finished++
	}
	if len(keys) > 0 {
		t.Logf("%d multipart uploads interrupted by the crash: %d finished after it, reusing %d parts acknowledged before it; %d had completed unacknowledged",
			len(keys), finished, reused, early)
	}
}

func sizes(vs []version) []int {
	out := make([]int, len(vs))
	for i, v := range vs {
		out[i] = v.size
	}
	return out
}

// checkLog fails on error-level lines or panics in a server's log.
func checkLog(t *testing.T, what, log string) {
	t.Helper()
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "level=ERROR") || strings.HasPrefix(line, "panic:") || strings.Contains(line, "fatal error:") {
			t.Errorf("%s: server log: %s", what, line)
		}
	}
}

// TestKillDuringUploads: rounds of concurrent uploads (PutObject and
// multipart; SSE-S3, SSE-KMS and SSE-C; 1 byte to ~5 MiB) against the real
// binary, each ended by SIGKILL at a random moment after the first
// acknowledgements; after each restart every acknowledged object must read
// back byte for byte, and HEAD, GET and List must agree and show only whole
// objects. Multipart uploads cut by the crash are then finished from the
// parts acknowledged before it (see finishUploads). The timing is random;
// the checks hold for any timing.
func TestKillDuringUploads(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the coffer binary")
	}
	const rounds, workers = 3, 6
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	bin := buildCoffer(t)
	dataDir := t.TempDir()
	l := &ledger{objects: map[string]*object{}, uploads: map[string]*upload{}, ackCh: make(chan struct{}, 1)}
	ctx := context.Background()

	for round := 0; round <= rounds; round++ {
		logBuf := new(lockedBuffer)
		srv := startServer(t, bin, dataDir, logBuf)
		c := newClient(srv.url)
		what := fmt.Sprintf("start %d", round)
		if round == 0 {
			if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
				t.Fatalf("CreateBucket: %v", err)
			}
		} else {
			verify(t, ctx, c, l)
			finishUploads(t, ctx, c, l)
			checkLog(t, what, logBuf.String())
			if t.Failed() {
				t.Fatalf("after crash %d (seed %d); server log:\n%s", round, seed, logBuf.String())
			}
		}
		if round == rounds {
			// The recovered server still takes writes, and stops cleanly.
			if err := write(ctx, c, "after/all", "kms", version{seed: 1, size: 1000}, nil); err != nil {
				t.Fatalf("PUT after recovery: %v", err)
			}
			srv.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case err := <-srv.done:
				srv.done <- err
				if err != nil {
					t.Errorf("coffer exited with %v on SIGTERM", err)
				}
			case <-time.After(15 * time.Second):
				t.Errorf("coffer did not stop within 15s of SIGTERM")
			}
			checkLog(t, "final", logBuf.String())
			break
		}

		loadCtx, cancel := context.WithCancel(ctx)
		l.mu.Lock()
		acksBefore := l.acks
		l.mu.Unlock()
		done := make(chan struct{})
		go func() {
			defer close(done)
			load(loadCtx, c, l, round, workers, seed)
		}()
		// Kill after a few acknowledgements, at a random moment: most
		// writes are then in flight, at any of their stages.
		for seen := 0; seen < 5; seen++ {
			select {
			case <-l.ackCh:
			case <-time.After(20 * time.Second):
				t.Fatalf("round %d: no acknowledgement in 20s; log:\n%s", round, logBuf.String())
			}
		}
		time.Sleep(time.Duration(rng.IntN(1500)) * time.Millisecond)
		srv.kill()
		cancel()
		<-done
		l.mu.Lock()
		t.Logf("round %d: killed after %d acknowledged writes (%d keys attempted in all)", round, l.acks-acksBefore, len(l.objects))
		l.mu.Unlock()
	}
	if l.acks == 0 {
		t.Fatal("no write was acknowledged: the test tested nothing")
	}
}
