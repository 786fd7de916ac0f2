package envelope

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/coffer-kms/coffer/internal/app"
)

// coffer starts a real Coffer in-process (dev mode, temp data dir) and
// returns an SDK client for the dev account and a fresh key's ARN.
func coffer(tb testing.TB) (*kms.Client, string) {
	tb.Helper()
	ctx := context.Background()
	a, err := app.Open(ctx, app.Options{DataDir: tb.TempDir(), Dev: true})
	if err != nil {
		tb.Fatalf("app.Open: %v", err)
	}
	srv := httptest.NewServer(a.Handler)
	tb.Cleanup(func() { srv.Close(); a.Close() })
	c := kms.New(kms.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: app.DevAccessKeyID, SecretAccessKey: app.DevSecretAccessKey}, nil
		}),
		RetryMaxAttempts: 1,
	})
	out, err := c.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("envelope test")})
	if err != nil {
		tb.Fatalf("CreateKey: %v", err)
	}
	return c, aws.ToString(out.KeyMetadata.Arn)
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func randBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func seal(t testing.TB, c KMS, keyID string, encCtx map[string]string, pt []byte) []byte {
	t.Helper()
	var env bytes.Buffer
	if err := Encrypt(ctxT(t), c, keyID, encCtx, &env, bytes.NewReader(pt)); err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	return env.Bytes()
}

func TestRoundTrip(t *testing.T) {
	c, arn := coffer(t)
	encCtx := map[string]string{"bucket": "cats", "key": "plans/dawn.txt"}
	for _, tc := range []struct {
		name string
		size int
	}{
		{"empty", 0},
		{"1B", 1},
		{"64KiB-1", ChunkSize - 1},
		{"64KiB", ChunkSize},
		{"64KiB+1", ChunkSize + 1},
		{"128KiB", 2 * ChunkSize},
		{"5MiB+7", 5<<20 + 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pt := randBytes(t, tc.size)
			env := seal(t, c, arn, encCtx, pt)
			chunks := max(1, (tc.size+ChunkSize-1)/ChunkSize)
			h, err := parseHeaderBytes(env)
			if err != nil {
				t.Fatal(err)
			}
			if h.KeyID != arn {
				t.Errorf("header key id = %q, want %q", h.KeyID, arn)
			}
			hb, _ := h.marshal()
			if want := len(hb) + tc.size + chunks*tagSize; len(env) != want {
				t.Errorf("len(envelope) = %d, want %d", len(env), want)
			}
			var got bytes.Buffer
			if err := Decrypt(ctxT(t), c, &got, bytes.NewReader(env)); err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if !bytes.Equal(got.Bytes(), pt) {
				t.Fatalf("round trip: got %d bytes, want %d", got.Len(), len(pt))
			}
		})
	}
}

func TestAliasAndNoContext(t *testing.T) {
	c, arn := coffer(t)
	ctx := ctxT(t)
	if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/env"), TargetKeyId: &arn}); err != nil {
		t.Fatal(err)
	}
	pt := []byte("Attack at dawn.")
	env := seal(t, c, "alias/env", nil, pt)
	h, err := parseHeaderBytes(env)
	if err != nil {
		t.Fatal(err)
	}
	if h.KeyID != arn {
		t.Errorf("header key id = %q, want the key's ARN %q", h.KeyID, arn)
	}
	if h.Context != nil {
		t.Errorf("context = %v, want none", h.Context)
	}
	var got bytes.Buffer
	if err := Decrypt(ctx, c, &got, bytes.NewReader(env)); err != nil || got.String() != string(pt) {
		t.Fatalf("Decrypt = %q, %v", got.String(), err)
	}
}

// TestTamper flips one bit at offsets in every header field, the first,
// a middle and the last chunk, and checks Decrypt fails with ErrInvalid
// and writes nothing it has not authenticated.
func TestTamper(t *testing.T) {
	c, arn := coffer(t)
	pt := randBytes(t, 3*ChunkSize+100)
	env := seal(t, c, arn, map[string]string{"purpose": "war"}, pt)
	h, _ := parseHeaderBytes(env)
	hb, _ := h.marshal()
	hl := len(hb)
	blobAt := len(magic) + 1 + 2 + len(h.KeyID) + 2
	offsets := map[string]int{
		"magic":           0,
		"version":         len(magic),
		"key id length":   len(magic) + 1,
		"key id":          len(magic) + 1 + 2 + 5,
		"key id last":     blobAt - 3,
		"blob length":     blobAt - 1,
		"blob ciphertext": blobAt + len(h.Blob) - 20,
		"blob tag":        blobAt + len(h.Blob) - 1,
		"context count":   blobAt + len(h.Blob) + 1,
		"context key":     blobAt + len(h.Blob) + 4,
		"context value":   hl - saltSize - macSize - 1,
		"salt":            hl - macSize - 1,
		"mac":             hl - 1,
		"chunk 0 first":   hl,
		"chunk 0 tag":     hl + encChunk - 1,
		"chunk 1":         hl + encChunk + 1000,
		"last chunk":      len(env) - tagSize - 1,
		"last byte":       len(env) - 1,
	}
	for name, off := range offsets {
		t.Run(name, func(t *testing.T) {
			bad := bytes.Clone(env)
			bad[off] ^= 0x01
			var got bytes.Buffer
			err := Decrypt(ctxT(t), c, &got, bytes.NewReader(bad))
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, errUnsupported) {
				t.Fatalf("Decrypt after flipping byte %d = %v, want ErrInvalid", off, err)
			}
			// Only whole authenticated chunks before the damage.
			if got.Len()%ChunkSize != 0 || !bytes.Equal(got.Bytes(), pt[:got.Len()]) || (off >= hl && got.Len() > (off-hl)/encChunk*ChunkSize) {
				t.Fatalf("wrote %d bytes for damage at %d", got.Len(), off)
			}
		})
	}
}

func TestTruncateReorderAppend(t *testing.T) {
	c, arn := coffer(t)
	pt := randBytes(t, 3*ChunkSize)
	env := seal(t, c, arn, nil, pt)
	h, _ := parseHeaderBytes(env)
	hb, _ := h.marshal()
	hl := len(hb)
	chunk := func(i int) []byte { return env[hl+i*encChunk : hl+(i+1)*encChunk] }
	cases := map[string][]byte{
		"no payload":          env[:hl],
		"header cut":          env[:hl-1],
		"empty":               {},
		"drop last chunk":     env[:hl+2*encChunk],
		"drop last byte":      env[:len(env)-1],
		"cut inside tag":      env[:hl+encChunk+5],
		"swap chunks 0 and 1": concat(env[:hl], chunk(1), chunk(0), chunk(2)),
		"repeat chunk":        concat(env[:hl], chunk(0), chunk(0), chunk(1), chunk(2)),
		"drop middle chunk":   concat(env[:hl], chunk(0), chunk(2)),
		"trailing byte":       concat(env, []byte{0}),
		"trailing empty tag":  concat(env, make([]byte, tagSize)),
		"two envelopes":       concat(env, env),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			var got bytes.Buffer
			err := Decrypt(ctxT(t), c, &got, bytes.NewReader(in))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Decrypt = %v, want ErrInvalid", err)
			}
			if got.Len() >= len(pt) || !bytes.Equal(got.Bytes(), pt[:got.Len()]) {
				t.Fatalf("wrote %d bytes", got.Len())
			}
		})
	}
}

func concat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

// TestWrongContext: an envelope whose context was changed (rewritten
// canonically, so the header still parses) is refused by KMS and by the
// MAC; DecryptExpect refuses an authentic envelope made for another
// context before it calls KMS.
func TestWrongContext(t *testing.T) {
	c, arn := coffer(t)
	pt := []byte("The cat robot goes first.")
	env := seal(t, c, arn, map[string]string{"purpose": "war"}, pt)
	h, _ := parseHeaderBytes(env)
	hb, _ := h.marshal()
	payload := env[len(hb):]
	for name, encCtx := range map[string]map[string]string{
		"other value": {"purpose": "peace"},
		"extra pair":  {"purpose": "war", "x": "y"},
		"none":        nil,
	} {
		t.Run(name, func(t *testing.T) {
			h2 := *h
			h2.Context = encCtx
			hb2, err := h2.marshal()
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			err = Decrypt(ctxT(t), c, &got, bytes.NewReader(concat(hb2, payload)))
			if !errors.Is(err, ErrInvalid) || got.Len() != 0 {
				t.Fatalf("Decrypt = %v (%d bytes), want ErrInvalid", err, got.Len())
			}
		})
	}
	t.Run("DecryptExpect", func(t *testing.T) {
		var got bytes.Buffer
		if err := DecryptExpect(ctxT(t), c, map[string]string{"purpose": "war"}, &got, bytes.NewReader(env)); err != nil || got.String() != string(pt) {
			t.Fatalf("DecryptExpect(right) = %q, %v", got.String(), err)
		}
		for _, want := range []map[string]string{{"purpose": "peace"}, {"other": ""}} {
			got.Reset()
			if err := DecryptExpect(ctxT(t), c, want, &got, bytes.NewReader(env)); !errors.Is(err, ErrInvalid) || got.Len() != 0 {
				t.Fatalf("DecryptExpect(%v) = %v", want, err)
			}
		}
	})
}

// TestKMSErrors: a refusal that is not about the ciphertext stays visible.
func TestKMSErrors(t *testing.T) {
	c, arn := coffer(t)
	env := seal(t, c, arn, nil, []byte("x"))
	if _, err := c.DisableKey(ctxT(t), &kms.DisableKeyInput{KeyId: &arn}); err != nil {
		t.Fatal(err)
	}
	err := Decrypt(ctxT(t), c, io.Discard, bytes.NewReader(env))
	if err == nil || errors.Is(err, ErrInvalid) {
		t.Fatalf("Decrypt with a disabled key = %v, want the KMS error", err)
	}
	t.Logf("disabled key: %v", err)
	if err := Encrypt(ctxT(t), c, arn, nil, io.Discard, bytes.NewReader(nil)); err == nil {
		t.Fatal("Encrypt with a disabled key succeeded")
	}
	if err := Encrypt(ctxT(t), c, "alias/nope", nil, io.Discard, bytes.NewReader(nil)); err == nil {
		t.Fatal("Encrypt with a missing alias succeeded")
	}
}

// TestStreamingMemory: a large input through pipes allocates about the
// same as a small one (no buffering of the whole stream).
func TestStreamingMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	c, arn := coffer(t)
	const size = 64 << 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	src := io.LimitReader(zeroReader{}, size)
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(Encrypt(ctxT(t), c, arn, nil, pw, src)) }()
	h := sha256.New()
	cw := &countWriter{w: h}
	if err := Decrypt(ctxT(t), c, cw, pr); err != nil {
		t.Fatal(err)
	}
	if cw.n != size {
		t.Fatalf("decrypted %d bytes, want %d", cw.n, size)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("a %d MiB round trip allocated %d KiB, want < 8 MiB", size>>20, alloc>>10)
	} else {
		t.Logf("a %d MiB round trip allocated %d KiB", size>>20, alloc>>10)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func parseHeaderBytes(b []byte) (*header, error) {
	return parseHeader(bufio.NewReader(bytes.NewReader(b)))
}

func BenchmarkEncrypt(b *testing.B) {
	c, arn := coffer(b)
	for _, size := range []int{1<<20 + 3, 16 << 20} {
		pt := randBytes(b, size)
		b.Run(sizeName(size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := Encrypt(context.Background(), c, arn, nil, io.Discard, bytes.NewReader(pt)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecrypt(b *testing.B) {
	c, arn := coffer(b)
	for _, size := range []int{1<<20 + 3, 16 << 20} {
		env := seal(b, c, arn, nil, randBytes(b, size))
		b.Run(sizeName(size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := Decrypt(context.Background(), c, io.Discard, bytes.NewReader(env)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func sizeName(n int) string {
	if n%(1<<20) == 0 {
		return strconv.Itoa(n>>20) + "MiB"
	}
	return strconv.Itoa(n) + "B"
}
