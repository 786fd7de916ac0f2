package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// TestErrors checks every documented error Coffer answers, by its code
// (smithy.APIError) and, where the SDK models it, by its type.
func TestErrors(t *testing.T) {
	e := start(t)
	c := e.client("")
	k := createKey(t, c, "errors")
	other := createKey(t, c, "other")
	disabled := createKey(t, c, "disabled")
	ok(c.DisableKey(ctx(), &kms.DisableKeyInput{KeyId: disabled.KeyId})).get(t)
	pending := createKey(t, c, "pending")
	ok(c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/taken"), TargetKeyId: k.KeyId})).get(t)
	blob := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("tamper with me")})).get(t).CiphertextBlob
	pendingBlob := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: pending.KeyId, Plaintext: []byte("x")})).get(t).CiphertextBlob
	ok(c.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: pending.KeyId, PendingWindowInDays: aws.Int32(7)})).get(t)

	const unknownID = "00000000-0000-4000-8000-000000000000"
	flip := func(i int) []byte {
		b := append([]byte(nil), blob...)
		if i < 0 {
			i += len(b)
		}
		b[i] ^= 0x01
		return b
	}

	cases := []struct {
		name string
		code string
		call func() error
		// typed, when set, checks the error with errors.As on the SDK type.
		typed func(error) bool
		// msg, when set, must appear in the message.
		msg string
	}{
		{name: "NotFound/unknown key id", code: "NotFoundException", call: func() error {
			_, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(unknownID)})
			return err
		}, typed: isType[*types.NotFoundException]},
		{name: "NotFound/unknown key ARN", code: "NotFoundException", call: func() error {
			_, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(keyARN(region, unknownID))})
			return err
		}, typed: isType[*types.NotFoundException]},
		{name: "NotFound/unknown alias", code: "NotFoundException", call: func() error {
			_, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/nope")})
			return err
		}, typed: isType[*types.NotFoundException]},
		{name: "NotFound/unknown alias in Encrypt", code: "NotFoundException", call: func() error {
			_, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(aliasARN(region, "alias/nope")), Plaintext: []byte("x")})
			return err
		}},
		{name: "NotFound/DeleteAlias unknown", code: "NotFoundException", call: func() error {
			_, err := c.DeleteAlias(ctx(), &kms.DeleteAliasInput{AliasName: aws.String("alias/nope")})
			return err
		}},
		{name: "NotFound/UpdateAlias unknown", code: "NotFoundException", call: func() error {
			_, err := c.UpdateAlias(ctx(), &kms.UpdateAliasInput{AliasName: aws.String("alias/nope"), TargetKeyId: k.KeyId})
			return err
		}},
		{name: "NotFound/CreateAlias unknown target", code: "NotFoundException", call: func() error {
			_, err := c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/dangling"), TargetKeyId: aws.String(unknownID)})
			return err
		}},
		{name: "NotFound/GetKeyPolicy other policy name", code: "NotFoundException", call: func() error {
			_, err := c.GetKeyPolicy(ctx(), &kms.GetKeyPolicyInput{KeyId: k.KeyId, PolicyName: aws.String("other")})
			return err
		}},
		{name: "Disabled/Encrypt", code: "DisabledException", msg: aws.ToString(disabled.Arn) + " is disabled.", call: func() error {
			_, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: disabled.KeyId, Plaintext: []byte("x")})
			return err
		}, typed: isType[*types.DisabledException]},
		{name: "Disabled/GenerateDataKey", code: "DisabledException", call: func() error {
			_, err := c.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: disabled.KeyId, KeySpec: types.DataKeySpecAes256})
			return err
		}},
		{name: "KMSInvalidState/Encrypt pending deletion", code: "KMSInvalidStateException", msg: "pending deletion", call: func() error {
			_, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: pending.KeyId, Plaintext: []byte("x")})
			return err
		}, typed: isType[*types.KMSInvalidStateException]},
		{name: "KMSInvalidState/Decrypt pending deletion", code: "KMSInvalidStateException", call: func() error {
			_, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: pendingBlob})
			return err
		}},
		{name: "KMSInvalidState/EnableKey pending deletion", code: "KMSInvalidStateException", call: func() error {
			_, err := c.EnableKey(ctx(), &kms.EnableKeyInput{KeyId: pending.KeyId})
			return err
		}},
		{name: "KMSInvalidState/TagResource pending deletion", code: "KMSInvalidStateException", call: func() error {
			_, err := c.TagResource(ctx(), &kms.TagResourceInput{KeyId: pending.KeyId, Tags: []types.Tag{{TagKey: aws.String("a"), TagValue: aws.String("b")}}})
			return err
		}},
		{name: "KMSInvalidState/CreateAlias to pending deletion", code: "KMSInvalidStateException", call: func() error {
			_, err := c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/to-pending"), TargetKeyId: pending.KeyId})
			return err
		}},
		{name: "KMSInvalidState/CancelKeyDeletion not pending", code: "KMSInvalidStateException", msg: "is not pending deletion", call: func() error {
			_, err := c.CancelKeyDeletion(ctx(), &kms.CancelKeyDeletionInput{KeyId: k.KeyId})
			return err
		}, typed: isType[*types.KMSInvalidStateException]},
		{name: "AlreadyExists/duplicate alias", code: "AlreadyExistsException", call: func() error {
			_, err := c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/taken"), TargetKeyId: other.KeyId})
			return err
		}, typed: isType[*types.AlreadyExistsException]},
		{name: "InvalidAliasName/no prefix", code: "InvalidAliasNameException", call: func() error {
			_, err := c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("catrobot"), TargetKeyId: k.KeyId})
			return err
		}, typed: isType[*types.InvalidAliasNameException]},
		{name: "InvalidAliasName/prefix only", code: "InvalidAliasNameException", call: func() error {
			_, err := c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/"), TargetKeyId: k.KeyId})
			return err
		}},
		// AWS answers NotAuthorizedException for the reserved prefix
		// (botocore/moto); the SDK has no type for it.
		{name: "reserved alias/aws/", code: "NotAuthorizedException", call: func() error {
			_, err := c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/aws/mine"), TargetKeyId: k.KeyId})
			return err
		}},
		{name: "Validation/plaintext 4097 bytes", code: "ValidationException", call: func() error {
			_, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: make([]byte, 4097)})
			return err
		}},
		{name: "Validation/GenerateDataKey NumberOfBytes 0", code: "ValidationException", call: func() error {
			_, err := c.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: k.KeyId, NumberOfBytes: aws.Int32(0)})
			return err
		}},
		{name: "Validation/GenerateDataKey NumberOfBytes 1025", code: "ValidationException", call: func() error {
			_, err := c.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: k.KeyId, NumberOfBytes: aws.Int32(1025)})
			return err
		}},
		{name: "Validation/GenerateDataKey KeySpec and NumberOfBytes", code: "ValidationException", call: func() error {
			_, err := c.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: k.KeyId, NumberOfBytes: aws.Int32(32), KeySpec: types.DataKeySpecAes256})
			return err
		}},
		{name: "Validation/GenerateDataKey neither", code: "ValidationException", call: func() error {
			_, err := c.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: k.KeyId})
			return err
		}},
		{name: "Validation/GenerateRandom 0", code: "ValidationException", call: func() error {
			_, err := c.GenerateRandom(ctx(), &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(0)})
			return err
		}},
		{name: "Validation/GenerateRandom 1025", code: "ValidationException", call: func() error {
			_, err := c.GenerateRandom(ctx(), &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(1025)})
			return err
		}},
		{name: "Validation/PendingWindowInDays 6", code: "ValidationException", call: func() error {
			_, err := c.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: other.KeyId, PendingWindowInDays: aws.Int32(6)})
			return err
		}},
		{name: "Validation/PendingWindowInDays 31", code: "ValidationException", call: func() error {
			_, err := c.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: other.KeyId, PendingWindowInDays: aws.Int32(31)})
			return err
		}},
		{name: "Validation/RotationPeriodInDays 89", code: "ValidationException", call: func() error {
			_, err := c.EnableKeyRotation(ctx(), &kms.EnableKeyRotationInput{KeyId: other.KeyId, RotationPeriodInDays: aws.Int32(89)})
			return err
		}},
		{name: "Validation/RotationPeriodInDays 2561", code: "ValidationException", call: func() error {
			_, err := c.EnableKeyRotation(ctx(), &kms.EnableKeyRotationInput{KeyId: other.KeyId, RotationPeriodInDays: aws.Int32(2561)})
			return err
		}},
		{name: "InvalidCiphertext/garbage", code: "InvalidCiphertextException", call: func() error {
			_, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: []byte("this is not a ciphertext blob at all, not even close")})
			return err
		}, typed: isType[*types.InvalidCiphertextException]},
		{name: "InvalidCiphertext/one byte", code: "InvalidCiphertextException", call: func() error {
			_, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: []byte{1}})
			return err
		}},
		{name: "InvalidCiphertext/truncated by one", code: "InvalidCiphertextException", call: func() error {
			_, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob[:len(blob)-1]})
			return err
		}},
		{name: "InvalidCiphertext/truncated to half", code: "InvalidCiphertextException", call: func() error {
			_, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob[:len(blob)/2]})
			return err
		}},
		{name: "InvalidCiphertext/extended", code: "InvalidCiphertextException", call: func() error {
			_, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: append(append([]byte(nil), blob...), 0)})
			return err
		}},
		{name: "InvalidCiphertext/flipped first byte", code: "InvalidCiphertextException", call: func() error {
			_, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: flip(0)})
			return err
		}},
		{name: "InvalidCiphertext/flipped middle byte", code: "InvalidCiphertextException", call: func() error {
			_, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: flip(len(blob) / 2)})
			return err
		}},
		{name: "InvalidCiphertext/flipped last byte", code: "InvalidCiphertextException", call: func() error {
			_, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: flip(-1)})
			return err
		}},
		{name: "IncorrectKey/Decrypt wrong KeyId", code: "IncorrectKeyException", call: func() error {
			_, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob, KeyId: other.KeyId})
			return err
		}, typed: isType[*types.IncorrectKeyException]},
		{name: "InvalidMarker/ListKeys", code: "InvalidMarkerException", call: func() error {
			_, err := c.ListKeys(ctx(), &kms.ListKeysInput{Marker: aws.String("not a marker!")})
			return err
		}, typed: isType[*types.InvalidMarkerException]},
		{name: "InvalidMarker/ListAliases", code: "InvalidMarkerException", call: func() error {
			_, err := c.ListAliases(ctx(), &kms.ListAliasesInput{Marker: aws.String("not a marker!")})
			return err
		}},
		{name: "Tag/aws: prefix on TagResource", code: "TagException", call: func() error {
			_, err := c.TagResource(ctx(), &kms.TagResourceInput{KeyId: k.KeyId, Tags: []types.Tag{{TagKey: aws.String("aws:owner"), TagValue: aws.String("me")}}})
			return err
		}, typed: isType[*types.TagException]},
		{name: "Tag/aws: prefix on CreateKey", code: "TagException", call: func() error {
			_, err := c.CreateKey(ctx(), &kms.CreateKeyInput{Tags: []types.Tag{{TagKey: aws.String("aws:owner"), TagValue: aws.String("me")}}})
			return err
		}},
		{name: "MalformedPolicyDocument/CreateKey", code: "MalformedPolicyDocumentException", call: func() error {
			_, err := c.CreateKey(ctx(), &kms.CreateKeyInput{Policy: aws.String("this is not JSON")})
			return err
		}, typed: isType[*types.MalformedPolicyDocumentException]},
		{name: "MalformedPolicyDocument/PutKeyPolicy", code: "MalformedPolicyDocumentException", call: func() error {
			_, err := c.PutKeyPolicy(ctx(), &kms.PutKeyPolicyInput{KeyId: k.KeyId, Policy: aws.String("{not json")})
			return err
		}},
		{name: "UnsupportedOperation/SM2", code: "UnsupportedOperationException", call: func() error {
			_, err := c.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: types.KeySpecSm2, KeyUsage: types.KeyUsageTypeSignVerify})
			return err
		}, typed: isType[*types.UnsupportedOperationException]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			msg := wantCode(t, err, tc.code)
			if tc.typed != nil && err != nil && !tc.typed(err) {
				t.Errorf("errors.As on the SDK's type failed for %T: %v", err, err)
			}
			if tc.msg != "" && !strings.Contains(msg, tc.msg) {
				t.Errorf("message %q does not contain %q", msg, tc.msg)
			}
			if err != nil && msg == "" {
				t.Errorf("%s has no message", tc.code)
			}
		})
	}

	t.Run("LimitExceeded/RotateKeyOnDemand 26th", func(t *testing.T) {
		rk := createKey(t, c, "rotate a lot")
		for i := 0; i < 25; i++ {
			ok(c.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: rk.KeyId})).get(t)
		}
		_, err := c.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: rk.KeyId})
		wantCode(t, err, "LimitExceededException")
		if !isType[*types.LimitExceededException](err) {
			t.Errorf("errors.As LimitExceededException failed: %v", err)
		}
	})

	t.Run("NoPlaintextInErrors", func(t *testing.T) {
		secret := "hunter2-very-secret-plaintext"
		_, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: disabled.KeyId, Plaintext: []byte(secret)})
		if err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("error %v", err)
		}
	})
}

func isType[T error](err error) bool {
	var target T
	return asErr(err, &target)
}

// TestAuthentication checks SigV4 failures and protocol errors with raw
// requests where the SDK cannot make them.
func TestAuthentication(t *testing.T) {
	e := start(t)

	t.Run("UnknownAccessKey", func(t *testing.T) {
		c := e.clientWith(clientOpts{accessKey: "AKIAUNKNOWNUNKNOWN00", secretKey: secretKey})
		_, err := c.ListKeys(ctx(), &kms.ListKeysInput{})
		wantCode(t, err, "UnrecognizedClientException")
	})
	t.Run("WrongSecret", func(t *testing.T) {
		c := e.clientWith(clientOpts{accessKey: accessKey, secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGSECRET"})
		_, err := c.ListKeys(ctx(), &kms.ListKeysInput{})
		wantCode(t, err, "InvalidSignatureException")
	})
	for _, shift := range []time.Duration{-16 * time.Minute, 16 * time.Minute} {
		t.Run("ClockSkew"+shift.String(), func(t *testing.T) {
			c := e.clientWith(clientOpts{signingShift: shift})
			_, err := c.ListKeys(ctx(), &kms.ListKeysInput{})
			msg := wantCode(t, err, "InvalidSignatureException")
			// AWS: "Signature expired: ..." for a past signing time,
			// "Signature not yet current: ..." for a future one.
			want := "Signature expired"
			if shift > 0 {
				want = "Signature not yet current"
			}
			if !strings.Contains(msg, want) {
				t.Errorf("message %q lacks %q", msg, want)
			}
			r := e.raw(t, "TrentService.ListKeys", []byte("{}"), true, shift)
			if code := errType(t, r); code != "InvalidSignatureException" {
				t.Errorf("raw request signed %v off: %d %s", shift, r.Status, r.Body)
			}
		})
	}
	t.Run("ClockSkewWithinLimit", func(t *testing.T) {
		for _, shift := range []time.Duration{-14 * time.Minute, 14 * time.Minute} {
			c := e.clientWith(clientOpts{signingShift: shift})
			ok(c.ListKeys(ctx(), &kms.ListKeysInput{})).get(t)
		}
	})
	t.Run("NoAuthorization", func(t *testing.T) {
		r := e.raw(t, "TrentService.ListKeys", []byte("{}"), false, 0)
		if code := errType(t, r); code != "MissingAuthenticationTokenException" {
			t.Errorf("unsigned request: %d %s", r.Status, r.Body)
		}
	})
	t.Run("UnknownOperation", func(t *testing.T) {
		r := e.raw(t, "TrentService.Nope", []byte("{}"), true, 0)
		if code := errType(t, r); code != "UnknownOperationException" || r.Status != http.StatusBadRequest {
			t.Errorf("unknown operation: %d %s", r.Status, r.Body)
		}
	})
	t.Run("MalformedJSON", func(t *testing.T) {
		for name, body := range map[string]string{
			"truncated":  `{"KeyId": "abc`,
			"not json":   `KeyId=abc`,
			"wrong type": `{"KeyId": 5}`,
			"array":      `[1,2]`,
		} {
			t.Run(name, func(t *testing.T) {
				r := e.raw(t, "TrentService.DescribeKey", []byte(body), true, 0)
				if code := errType(t, r); code != "SerializationException" || r.Status != http.StatusBadRequest {
					t.Errorf("body %q: %d %s", body, r.Status, r.Body)
				}
			})
		}
	})
	t.Run("EmptyBodyIsValidation", func(t *testing.T) {
		r := e.raw(t, "TrentService.DescribeKey", []byte("{}"), true, 0)
		if code := errType(t, r); code != "ValidationException" {
			t.Errorf("DescribeKey {}: %d %s", r.Status, r.Body)
		}
	})
	t.Run("SignedRawRequestWorks", func(t *testing.T) {
		r := e.raw(t, "TrentService.GenerateRandom", []byte(`{"NumberOfBytes":8}`), true, 0)
		if r.Status != http.StatusOK {
			t.Fatalf("GenerateRandom: %d %s", r.Status, r.Body)
		}
		var out struct{ Plaintext []byte }
		if err := json.Unmarshal(r.Body, &out); err != nil || len(out.Plaintext) != 8 {
			t.Errorf("GenerateRandom body %s: %v", r.Body, err)
		}
	})
}

// errType returns the __type of a JSON error response, checking its shape.
func errType(t *testing.T, r rawResponse) string {
	t.Helper()
	if r.Status < 400 || r.Status >= 500 {
		t.Errorf("status %d, want 4xx", r.Status)
	}
	var body struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Errorf("error body is not JSON: %s", r.Body)
	}
	if body.Message == "" {
		t.Errorf("error body has no message: %s", r.Body)
	}
	if h := r.Header.Get("X-Amzn-ErrorType"); h != "" && !strings.HasPrefix(h, body.Type) {
		t.Errorf("X-Amzn-ErrorType %q, __type %q", h, body.Type)
	}
	return body.Type
}

// TestRegionIsolation: keys, aliases and ciphertexts of one region do not
// exist in another.
func TestRegionIsolation(t *testing.T) {
	e := start(t)
	use1 := e.client("us-east-1")
	euw1 := e.client("eu-west-1")

	k := createKey(t, use1, "virginia")
	t.Run("DescribeKeyOtherRegion", func(t *testing.T) {
		_, err := euw1.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: k.KeyId})
		wantCode(t, err, "NotFoundException")
		_, err = euw1.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: k.Arn})
		wantCode(t, err, "NotFoundException")
		_, err = euw1.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("x")})
		wantCode(t, err, "NotFoundException")
	})
	t.Run("ListKeysPerRegion", func(t *testing.T) {
		out := ok(euw1.ListKeys(ctx(), &kms.ListKeysInput{})).get(t)
		for _, kk := range out.Keys {
			if aws.ToString(kk.KeyId) == aws.ToString(k.KeyId) {
				t.Error("us-east-1 key listed in eu-west-1")
			}
		}
	})
	t.Run("AliasPerRegion", func(t *testing.T) {
		ke := createKey(t, euw1, "ireland")
		ok(use1.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/shared-name"), TargetKeyId: k.KeyId})).get(t)
		ok(euw1.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/shared-name"), TargetKeyId: ke.KeyId})).get(t)
		d1 := ok(use1.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/shared-name")})).get(t)
		d2 := ok(euw1.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/shared-name")})).get(t)
		if aws.ToString(d1.KeyMetadata.KeyId) != aws.ToString(k.KeyId) || aws.ToString(d2.KeyMetadata.KeyId) != aws.ToString(ke.KeyId) {
			t.Errorf("alias/shared-name: us-east-1 -> %s, eu-west-1 -> %s", aws.ToString(d1.KeyMetadata.KeyId), aws.ToString(d2.KeyMetadata.KeyId))
		}
		if !strings.Contains(aws.ToString(d2.KeyMetadata.Arn), ":eu-west-1:") {
			t.Errorf("eu-west-1 key ARN %s", aws.ToString(d2.KeyMetadata.Arn))
		}
		// A eu-west-1 key cannot be the target of a us-east-1 alias.
		_, err := use1.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/cross"), TargetKeyId: ke.Arn})
		wantCode(t, err, "NotFoundException")
		// Deleting in one region leaves the other.
		ok(use1.DeleteAlias(ctx(), &kms.DeleteAliasInput{AliasName: aws.String("alias/shared-name")})).get(t)
		ok(euw1.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/shared-name")})).get(t)
		// An alias ARN of the other region is not found.
		_, err = use1.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(aliasARN("eu-west-1", "alias/shared-name"))})
		wantCode(t, err, "NotFoundException")
	})
	t.Run("CiphertextOtherRegion", func(t *testing.T) {
		enc := ok(use1.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("stay home")})).get(t)
		_, err := euw1.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
		wantCode(t, err, "InvalidCiphertextException")
		dk := ok(use1.GenerateDataKeyWithoutPlaintext(ctx(), &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: k.KeyId, KeySpec: types.DataKeySpecAes256})).get(t)
		_, err = euw1.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob})
		wantCode(t, err, "InvalidCiphertextException")
		// Still decrypts at home.
		ok(use1.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})).get(t)
	})
}
