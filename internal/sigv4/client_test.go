package sigv4

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// TestKMSClient sends real calls from aws-sdk-go-v2's KMS client to a server
// on 127.0.0.1 that verifies them.
func TestKMSClient(t *testing.T) {
	v := NewVerifier(testSource(), nil)
	var (
		mu   sync.Mutex
		last error
	)
	lastErr := func() error { mu.Lock(); defer mu.Unlock(); return last }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		res, err := v.Verify(r.Context(), r, body)
		if err == nil {
			err = res.CheckService("kms")
		}
		mu.Lock()
		last = err
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"__type":"InvalidSignatureException","message":"denied"}`)
			return
		}
		io.WriteString(w, `{"Keys":[],"Truncated":false}`)
	}))
	defer srv.Close()

	tests := []struct {
		name                string
		akid, secret, token string
		want                error
	}{
		{name: "long-term key", akid: testAKID, secret: testSecret},
		{name: "session credentials", akid: tempAKID, secret: tempSecret, token: tempToken},
		{name: "wrong secret", akid: testAKID, secret: "wrong", want: ErrSignatureMismatch},
		{name: "unknown key", akid: "AKIDNOBODY", secret: testSecret, want: ErrUnknownAccessKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := kms.New(kms.Options{
				Region:           testRegion,
				BaseEndpoint:     aws.String(srv.URL),
				RetryMaxAttempts: 1,
				Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
					return aws.Credentials{AccessKeyID: tt.akid, SecretAccessKey: tt.secret, SessionToken: tt.token}, nil
				}),
			})
			_, err := client.ListKeys(context.Background(), &kms.ListKeysInput{Limit: aws.Int32(10)})
			if tt.want == nil {
				if err != nil || lastErr() != nil {
					t.Fatalf("ListKeys: %v (server: %v)", err, lastErr())
				}
				return
			}
			if err == nil || !errors.Is(lastErr(), tt.want) {
				t.Fatalf("ListKeys: %v (server: %v), want %v", err, lastErr(), tt.want)
			}
		})
	}
}
