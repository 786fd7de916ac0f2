package bench

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// FloorKeyID is the key id the floor server's canned answers name; pass it
// to the generator with --key-id so that no CreateKey is attempted.
const FloorKeyID = "1234abcd-12ab-34cd-56ef-1234567890ab"

// ServeFloor answers every request on ln the way the cheapest possible KMS
// would: it reads the body and returns a canned, well-formed Encrypt
// response of the size Coffer returns for a 4 KiB plaintext (a 4161-byte
// ciphertext blob). It does no authentication and no cryptography, so its
// CPU time per request is the floor that Go's net/http and the loopback
// network set on this machine — the figure Coffer's own cost sits on.
func ServeFloor(ctx context.Context, ln net.Listener) error {
	blob := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 4161))
	resp := []byte(`{"CiphertextBlob":"` + blob + `","KeyId":"arn:aws:kms:us-east-1:111122223333:key/` + FloorKeyID +
		`","EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}`)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/x-amz-json-1.1")
		h.Set("Content-Length", strconv.Itoa(len(resp)))
		_, _ = w.Write(resp)
	})}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}
