package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/coffer-kms/coffer/internal/app"
)

var devCreds = aws.Credentials{AccessKeyID: app.DevAccessKeyID, SecretAccessKey: app.DevSecretAccessKey}

func newApp(tb testing.TB) *app.App {
	tb.Helper()
	a, err := app.Open(context.Background(), app.Options{DataDir: tb.TempDir(), Dev: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(a.Close)
	return a
}

// signedRequest builds a KMS JSON request signed with the dev credentials.
func signedRequest(tb testing.TB, target string, body []byte, region string, at time.Time) *http.Request {
	tb.Helper()
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4600/", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "TrentService."+target)
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), devCreds, r, hex.EncodeToString(sum[:]), "kms", region, at); err != nil {
		tb.Fatal(err)
	}
	return r
}

// do runs a request through the handler and returns status and decoded body.
func do(tb testing.TB, h http.Handler, r *http.Request) (int, map[string]any) {
	tb.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	var out map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			tb.Fatalf("response is not JSON: %q", rec.Body.String())
		}
	}
	return rec.Code, out
}

func createKey(tb testing.TB, h http.Handler) string {
	tb.Helper()
	code, out := do(tb, h, signedRequest(tb, "CreateKey", []byte(`{}`), "us-east-1", time.Now()))
	if code != 200 {
		tb.Fatalf("CreateKey: %d %v", code, out)
	}
	return out["KeyMetadata"].(map[string]any)["KeyId"].(string)
}

func TestRouting(t *testing.T) {
	a := newApp(t)
	tests := []struct {
		name     string
		req      func() *http.Request
		wantCode int
		wantType string
	}{
		{name: "healthz", req: func() *http.Request { return httptest.NewRequest("GET", "/healthz", nil) }, wantCode: 200},
		{name: "unsigned", req: func() *http.Request {
			r := httptest.NewRequest("POST", "/", strings.NewReader("{}"))
			r.Header.Set("X-Amz-Target", "TrentService.ListKeys")
			return r
		}, wantCode: 403, wantType: "MissingAuthenticationTokenException"},
		{name: "unknown operation", req: func() *http.Request { return signedRequest(t, "Nope", []byte("{}"), "us-east-1", time.Now()) },
			wantCode: 400, wantType: "UnknownOperationException"},
		{name: "bad json", req: func() *http.Request { return signedRequest(t, "ListKeys", []byte("{"), "us-east-1", time.Now()) },
			wantCode: 400, wantType: "SerializationException"},
		{name: "skewed clock", req: func() *http.Request {
			return signedRequest(t, "ListKeys", []byte("{}"), "us-east-1", time.Now().Add(-16*time.Minute))
		}, wantCode: 400, wantType: "InvalidSignatureException"},
		{name: "bad region", req: func() *http.Request { return signedRequest(t, "ListKeys", []byte("{}"), "mars", time.Now()) },
			wantCode: 400},
		{name: "list keys", req: func() *http.Request { return signedRequest(t, "ListKeys", []byte("{}"), "us-east-1", time.Now()) }, wantCode: 200},
		{name: "anonymous S3", req: func() *http.Request { return httptest.NewRequest("GET", "/bucket", nil) }, wantCode: 403},
		{name: "another service", req: func() *http.Request {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=00")
			return r
		}, wantCode: 400, wantType: "UnknownOperationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			a.Handler.ServeHTTP(rec, tt.req())
			if rec.Code != tt.wantCode {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.wantCode, rec.Body.String())
			}
			if tt.wantType != "" && rec.Header().Get("X-Amzn-ErrorType") != tt.wantType {
				t.Fatalf("error type %q, want %q: %s", rec.Header().Get("X-Amzn-ErrorType"), tt.wantType, rec.Body.String())
			}
		})
	}
}

// FuzzKMSRequest sends signed requests with arbitrary operation names and
// bodies: the answer is always a well-formed AWS JSON response, never a 5xx.
func FuzzKMSRequest(f *testing.F) {
	a := newApp(f)
	keyID := createKey(f, a.Handler)
	for _, seed := range []struct{ op, body string }{
		{"Encrypt", `{"KeyId":"` + keyID + `","Plaintext":"aGVsbG8="}`},
		{"Decrypt", `{"CiphertextBlob":"AAAA"}`},
		{"GenerateDataKey", `{"KeyId":"` + keyID + `","NumberOfBytes":1025}`},
		{"CreateAlias", `{"AliasName":"alias/x","TargetKeyId":"` + keyID + `"}`},
		{"ListKeys", `{"Limit":0,"Marker":"%%"}`},
		{"ScheduleKeyDeletion", `{"KeyId":"` + keyID + `","PendingWindowInDays":3}`},
		{"TagResource", `{"KeyId":"` + keyID + `","Tags":[{"TagKey":"","TagValue":"v"}]}`},
		{"PutKeyPolicy", `{"KeyId":"` + keyID + `","Policy":"{"}`},
		{"ReEncrypt", `{"CiphertextBlob":"AAAA","DestinationKeyId":"alias/none"}`},
		{"Nope", `{}`},
	} {
		f.Add(seed.op, []byte(seed.body))
	}
	now := time.Now()
	f.Fuzz(func(t *testing.T, op string, body []byte) {
		if strings.ContainsAny(op, "\r\n\x00") {
			return
		}
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, signedRequest(t, op, body, "us-east-1", now))
		if rec.Code >= 500 {
			t.Fatalf("%s %q: status %d: %s", op, body, rec.Code, rec.Body.String())
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s: response is not JSON: %q", op, rec.Body.String())
		}
		if rec.Code != 200 && (out["__type"] == nil || out["message"] == "") {
			t.Fatalf("%s: error without __type/message: %s", op, rec.Body.String())
		}
	})
}

// benchmarkWithKey measures the server's cost of one operation end to end
// through the handler (authentication, decoding, the operation, encoding),
// replaying one pre-signed request so that client-side signing is not
// counted. makeBody builds the request body for a fresh key.
func benchmarkWithKey(b *testing.B, op string, makeBody func(h http.Handler, keyID string) []byte) {
	a := newApp(b)
	keyID := createKey(b, a.Handler)
	body := makeBody(a.Handler, keyID)
	r := signedRequest(b, op, body, "us-east-1", time.Now())
	hdr := r.Header
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4600/", bytes.NewReader(body))
			req.Header = hdr.Clone()
			rec := httptest.NewRecorder()
			a.Handler.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("%s: %d %s", op, rec.Code, rec.Body.String())
			}
		}
	})
}

func encryptBody(keyID string, n int) []byte {
	pt := bytes.Repeat([]byte{'p'}, n)
	return []byte(`{"KeyId":"` + keyID + `","Plaintext":"` + base64.StdEncoding.EncodeToString(pt) + `"}`)
}

func BenchmarkEncrypt4KiB(b *testing.B) {
	benchmarkWithKey(b, "Encrypt", func(_ http.Handler, keyID string) []byte { return encryptBody(keyID, 4096) })
}

func BenchmarkDecrypt4KiB(b *testing.B) {
	benchmarkWithKey(b, "Decrypt", func(h http.Handler, keyID string) []byte {
		code, out := do(b, h, signedRequest(b, "Encrypt", encryptBody(keyID, 4096), "us-east-1", time.Now()))
		if code != 200 {
			b.Fatalf("Encrypt: %d %v", code, out)
		}
		return []byte(`{"CiphertextBlob":"` + out["CiphertextBlob"].(string) + `"}`)
	})
}

func BenchmarkGenerateDataKey(b *testing.B) {
	benchmarkWithKey(b, "GenerateDataKey", func(_ http.Handler, keyID string) []byte {
		return []byte(`{"KeyId":"` + keyID + `","KeySpec":"AES_256"}`)
	})
}
