package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeKMS answers CreateKey, Encrypt, Decrypt, GenerateDataKey and
// ScheduleKeyDeletion with canned JSON, and misbehaves on purpose every
// failEvery-th request of an operation.
type fakeKMS struct {
	t         *testing.T
	failEvery map[string]int // by X-Amz-Target operation
	mu        sync.Mutex
	calls     map[string]int
}

func (f *fakeKMS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") ||
		!strings.Contains(auth, "/us-east-1/kms/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-target, Signature=") ||
		r.Header.Get("X-Amz-Date") == "" || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		f.t.Errorf("badly signed request: %v", r.Header)
		http.Error(w, `{"__type":"InvalidSignatureException","message":"bad"}`, http.StatusBadRequest)
		return
	}
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "TrentService.")
	f.mu.Lock()
	f.calls[op]++
	n := f.calls[op]
	f.mu.Unlock()
	fail := f.failEvery[op] > 0 && n%f.failEvery[op] == 0

	body, _ := io.ReadAll(r.Body)
	var in struct {
		KeyId          string
		Plaintext      []byte
		CiphertextBlob []byte
	}
	if err := json.Unmarshal(body, &in); err != nil {
		http.Error(w, `{"__type":"SerializationException","message":"bad body"}`, http.StatusBadRequest)
		return
	}
	var out any
	switch op {
	case "CreateKey":
		out = map[string]any{"KeyMetadata": map[string]string{"KeyId": "key-1"}}
	case "ScheduleKeyDeletion":
		out = map[string]string{"KeyId": in.KeyId}
	case "Encrypt":
		if fail {
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"__type":"KMSInternalException","message":"boom"}`)
			return
		}
		// "Encryption": a marker then the plaintext reversed.
		ct := append([]byte("ct:"), in.Plaintext...)
		out = map[string]any{"KeyId": in.KeyId, "CiphertextBlob": ct}
	case "Decrypt":
		pt := bytes.TrimPrefix(in.CiphertextBlob, []byte("ct:"))
		if fail {
			pt = append([]byte(nil), pt...)
			pt[0] ^= 1
		}
		out = map[string]any{"KeyId": in.KeyId, "Plaintext": pt}
	case "GenerateDataKey":
		pt := make([]byte, 32)
		if fail {
			pt = pt[:16]
		}
		out = map[string]any{"KeyId": in.KeyId, "Plaintext": pt, "CiphertextBlob": []byte("ct:data-key")}
	default:
		http.Error(w, `{"__type":"UnknownOperationException"}`, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(out)
}

func newFakeKMS(t *testing.T, failEvery map[string]int) (*KMS, *fakeKMS) {
	t.Helper()
	f := &fakeKMS{t: t, failEvery: failEvery, calls: map[string]int{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	k, err := NewKMS(KMSConfig{Endpoint: srv.URL, Region: "us-east-1", AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret", MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	return k, f
}

func TestRunChecksAnswers(t *testing.T) {
	// Each operation's 5th, 10th, ... request gets a wrong answer: a 500
	// for Encrypt, a changed plaintext for Decrypt, a short data key for
	// GenerateDataKey. Prepare's own Encrypt is call 1 of Encrypt.
	k, f := newFakeKMS(t, map[string]int{"Encrypt": 5, "Decrypt": 5, "GenerateDataKey": 5})
	ctx := context.Background()
	keyID, err := k.CreateKey(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	wl, err := k.Prepare(ctx, keyID, bytes.Repeat([]byte("p"), 100))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		op       string
		errors   int64
		wantKind string
	}{
		{OpEncrypt, 10, "HTTP 500 KMSInternalException: boom"}, // calls 2..51: 5, 10, ... 50
		{OpDecrypt, 10, errWrongPlaintext.Error()},
		{OpGenerateDataKey, 10, "GenerateDataKey returned a 16-byte Plaintext, want 32"},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			op, err := wl.Op(tt.op)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Run(ctx, op, 4, Limits{Duration: 10 * time.Second, Requests: 50}, 0)
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests != 50 || res.Errors != tt.errors {
				t.Errorf("requests %d errors %d, want 50 and %d", res.Requests, res.Errors, tt.errors)
			}
			if res.ErrorKinds[tt.wantKind] != tt.errors || len(res.ErrorKinds) != 1 {
				t.Errorf("error kinds %v, want %d× %q", res.ErrorKinds, tt.errors, tt.wantKind)
			}
			if want := float64(50-tt.errors) / res.ElapsedSec; res.RPS != want {
				t.Errorf("RPS %v, want successes per second %v", res.RPS, want)
			}
			if res.P50Micros <= 0 || res.P99Micros < res.P50Micros || res.BenchCPUMicros == nil {
				t.Errorf("latency or CPU missing: %+v", res)
			}
		})
	}
	if err := k.ScheduleKeyDeletion(ctx, keyID); err != nil {
		t.Fatal(err)
	}
	if f.calls["ScheduleKeyDeletion"] != 1 {
		t.Errorf("calls %v", f.calls)
	}
}

func TestRunStopsAtDuration(t *testing.T) {
	k, _ := newFakeKMS(t, nil)
	wl, err := k.Prepare(context.Background(), "key-1", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	op, _ := wl.Op(OpGenerateDataKey)
	start := time.Now()
	res, err := Run(context.Background(), op, 2, Limits{Duration: 100 * time.Millisecond, Requests: 1 << 40}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("a 100ms cell took %v", took)
	}
	if res.Requests == 0 || res.Errors != 0 {
		t.Errorf("requests %d errors %d, want some and none", res.Requests, res.Errors)
	}
}

func TestRunCancelled(t *testing.T) {
	k, _ := newFakeKMS(t, nil)
	wl, err := k.Prepare(context.Background(), "key-1", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	op, _ := wl.Op(OpEncrypt)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = Run(ctx, op, 2, Limits{Duration: time.Minute, Requests: 1 << 40}, 0)
	if err == nil {
		t.Fatal("Run returned no error after its context ended")
	}
}

func TestStatusError(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"aws shape", `{"__type":"NotFoundException","message":"Key 'x' does not exist"}`, "HTTP 400 NotFoundException: Key 'x' does not exist"},
		{"namespaced type", `{"__type":"com.amazonaws.kms#NotFoundException","Message":"gone"}`, "HTTP 400 NotFoundException: gone"},
		{"not json", `<html>`, "HTTP 400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := statusError(400, []byte(tt.body)).Error(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// BenchmarkDecrypt measures the generator's own cost per request against an
// in-process fake, which is mostly the fake server's and net/http's.
func BenchmarkDecrypt(b *testing.B) {
	f := &fakeKMS{t: &testing.T{}, calls: map[string]int{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	k, _ := NewKMS(KMSConfig{Endpoint: srv.URL, Region: "us-east-1", AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"})
	defer k.Close()
	wl, err := k.Prepare(context.Background(), "key-1", make([]byte, 4096))
	if err != nil {
		b.Fatal(err)
	}
	op, _ := wl.Op(OpDecrypt)
	r := op.NewRequester()
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Do(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
