package e2e

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmw "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go/middleware"
)

// requestID returns the x-amzn-RequestId of an SDK response.
func requestID(md middleware.Metadata) string {
	id, _ := awsmw.GetRequestIDMetadata(md)
	return id
}

// TestGetKeyLastUsage: the last successful cryptographic operation of a
// key, with its time and request id, before and after the records are
// flushed to the store (a restart flushes them); failed operations do not
// count; aliases are not accepted.
func TestGetKeyLastUsage(t *testing.T) {
	e := start(t)
	c := e.client("")
	sym := createKey(t, c, "usage")
	sig := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY"})).get(t).KeyMetadata

	out := ok(c.GetKeyLastUsage(ctx(), &kms.GetKeyLastUsageInput{KeyId: sym.KeyId})).get(t)
	if out.KeyLastUsage != nil {
		t.Errorf("a new key has KeyLastUsage %+v", out.KeyLastUsage)
	}
	if out.KeyCreationDate == nil || !out.KeyCreationDate.Equal(*sym.CreationDate) || out.TrackingStartDate == nil || out.TrackingStartDate.Before(*sym.CreationDate) {
		t.Errorf("KeyCreationDate %v TrackingStartDate %v, created %v", out.KeyCreationDate, out.TrackingStartDate, sym.CreationDate)
	}

	e.clock.Advance(time.Minute)
	enc := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: sym.KeyId, Plaintext: []byte("x")})).get(t)
	encAt := e.clock.Now()
	e.clock.Advance(time.Minute)
	s := ok(c.Sign(ctx(), &kms.SignInput{KeyId: sig.KeyId, Message: []byte("m"), SigningAlgorithm: "ECDSA_SHA_256"})).get(t)
	signAt := e.clock.Now()
	e.clock.Advance(time.Minute)
	// A failed Verify is not a successful use.
	_, err := c.Verify(ctx(), &kms.VerifyInput{KeyId: sig.KeyId, Message: []byte("other"), Signature: s.Signature, SigningAlgorithm: "ECDSA_SHA_256"})
	wantCode(t, err, "KMSInvalidSignatureException")

	check := func(when string) {
		t.Helper()
		for _, tc := range []struct {
			id    *string
			op    types.KeyLastUsageTrackingOperation
			at    time.Time
			reqID string
		}{{sym.KeyId, "Encrypt", encAt, requestID(enc.ResultMetadata)}, {sig.KeyId, "Sign", signAt, requestID(s.ResultMetadata)}} {
			u := ok(c.GetKeyLastUsage(ctx(), &kms.GetKeyLastUsageInput{KeyId: tc.id})).get(t)
			if u.KeyLastUsage == nil {
				t.Fatalf("%s: no KeyLastUsage for %s", when, *tc.id)
			}
			l := u.KeyLastUsage
			if l.Operation != tc.op || l.Timestamp == nil || !l.Timestamp.Equal(tc.at) || aws.ToString(l.KmsRequestId) != tc.reqID || tc.reqID == "" {
				t.Errorf("%s: %s: %s at %v request %q, want %s at %v request %q", when, *tc.id, l.Operation, l.Timestamp, aws.ToString(l.KmsRequestId), tc.op, tc.at, tc.reqID)
			}
		}
	}
	check("before the flush")
	e.restart()
	c = e.client("")
	check("after a restart")

	_, err = c.GetKeyLastUsage(ctx(), &kms.GetKeyLastUsageInput{KeyId: aws.String("alias/nope")})
	wantCode(t, err, "NotFoundException")
}
