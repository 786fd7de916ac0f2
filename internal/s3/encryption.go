package s3

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/sse"
	"github.com/coffer-kms/coffer/internal/store"
)

// SSE request and response headers.
const (
	hSSE               = "X-Amz-Server-Side-Encryption"
	hSSEKMSKeyID       = "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"
	hSSEContext        = "X-Amz-Server-Side-Encryption-Context"
	hSSEBucketKey      = "X-Amz-Server-Side-Encryption-Bucket-Key-Enabled"
	hSSECAlgorithm     = "X-Amz-Server-Side-Encryption-Customer-Algorithm"
	hSSECKey           = "X-Amz-Server-Side-Encryption-Customer-Key"
	hSSECKeyMD5        = "X-Amz-Server-Side-Encryption-Customer-Key-Md5"
	modeSSEC           = "SSE-C"
	arnContextKey      = "aws:s3:arn"
	msgSSECInsecure    = "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection."
	msgSSECRequired    = "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object."
	msgSSECNotApplied  = "The encryption parameters are not applicable to this object."
	msgSSECBlocked     = "Server Side Encryption with Customer provided keys is blocked for this bucket by its BlockedEncryptionTypes setting."
	msgSSEContextShape = "The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map"
)

// customerKey parses the request's SSE-C headers: nil, nil when there are
// none; S3's errors for malformed ones or over an insecure connection.
func customerKey(r *Request) (*sse.CustomerKey, error) {
	return customerKeyFrom(r, hSSECAlgorithm, hSSECKey, hSSECKeyMD5)
}

// customerKeyFrom parses the SSE-C headers named algH, keyH and md5H
// (the destination's or the copy source's): nil, nil when there are none.
func customerKeyFrom(r *Request, algH, keyH, md5H string) (*sse.CustomerKey, error) {
	h := r.Header
	k, err := sse.ParseCustomerKey(h.Get(algH), h.Get(keyH), h.Get(md5H))
	switch {
	case errors.Is(err, sse.ErrNoCustomerKey):
		return nil, nil
	case errors.Is(err, sse.ErrCustomerAlgorithm):
		return nil, s3Err(awsproto.S3InvalidEncryptionAlgorithmError, err.Error()).
			With("ArgumentName", strings.ToLower(algH)).With("ArgumentValue", h.Get(algH))
	case err != nil:
		return nil, s3Err(awsproto.S3InvalidArgument, err.Error())
	}
	if !r.Secure {
		return nil, s3Err(awsproto.S3InvalidRequest, msgSSECInsecure)
	}
	return k, nil
}

// sealedObject is a new object's key with the record of how it is sealed.
type sealedObject struct {
	key []byte
	enc store.ObjectEncryption
	// contextHeader echoes x-amz-server-side-encryption-context on PUT.
	contextHeader string
}

// newObjectKey makes the key of a new object and seals it as the request
// asks: SSE-C headers, x-amz-server-side-encryption, or else the bucket's
// default encryption (SSE-S3 unless PutBucketEncryption set another).
// Request headers always take precedence over the default. A default
// aws:kms key is resolved as the KMSMasterKeyID names it (id, ARN or
// alias) in the caller's account, aws/s3 when it names none.
func (s *Service) newObjectKey(ctx context.Context, r *Request, b store.Bucket) (*sealedObject, error) {
	ck, err := customerKey(r)
	if err != nil {
		return nil, err
	}
	mode := r.Header.Get(hSSE)
	kmsKeyID := r.Header.Get(hSSEKMSKeyID)
	kmsHeaders := kmsKeyID != "" || r.Header.Get(hSSEContext) != ""
	rule, err := defaultEncryption(b)
	if err != nil {
		return nil, err
	}
	bucketKey := *rule.BucketKeyEnabled
	switch v := strings.ToLower(r.Header.Get(hSSEBucketKey)); v {
	case "":
	case "true", "false":
		bucketKey = v == "true"
	default:
		return nil, s3Err(awsproto.S3InvalidArgument, "").
			With("ArgumentName", "x-amz-server-side-encryption-bucket-key-enabled").With("ArgumentValue", v)
	}
	switch {
	case ck != nil && (mode != "" || kmsHeaders):
		return nil, s3Err(awsproto.S3InvalidArgument, "Server Side Encryption with Customer provided key is incompatible with the encryption method specified")
	case ck != nil && rule.Blocks(awsproto.EncryptionTypeSSEC):
		return nil, s3Err(awsproto.S3AccessDenied, msgSSECBlocked)
	case ck != nil:
		mode = modeSSEC
	case mode == "" && !kmsHeaders:
		// No encryption in the request: the bucket default applies.
		mode = rule.ApplyServerSideEncryptionByDefault.SSEAlgorithm
		kmsKeyID = rule.ApplyServerSideEncryptionByDefault.KMSMasterKeyID
	}
	if kmsHeaders && mode != awsproto.SSEAlgorithmKMS && mode != awsproto.SSEAlgorithmKMSDSSE {
		return nil, s3Err(awsproto.S3InvalidArgument, "Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms")
	}
	key, err := sse.NewObjectKey(nil)
	if err != nil {
		return nil, err
	}
	so := &sealedObject{key: key, enc: store.ObjectEncryption{Mode: mode}}
	binding := sse.Binding{Bucket: r.Bucket, Object: r.Key}
	var kek []byte
	switch mode {
	case awsproto.SSEAlgorithmAES256:
		binding.Domain = sse.DomainS3
		if kek, err = sse.NewObjectKey(nil); err != nil {
			return nil, err
		}
		so.enc.EncryptedDataKey, err = s.keys.SealWithOwnedKey(ctx, b.Region, kek, map[string]string{arnContextKey: objectARN(r.Bucket, r.Key)})
		if err != nil {
			return nil, fmt.Errorf("seal with the S3 owned key: %w", err)
		}
	case awsproto.SSEAlgorithmKMS, awsproto.SSEAlgorithmKMSDSSE:
		binding.Domain = sse.DomainKMS
		encCtx := map[string]string{}
		if v := r.Header.Get(hSSEContext); v != "" {
			raw, derr := base64.StdEncoding.DecodeString(v)
			if derr != nil || !utf8.Valid(raw) || json.Unmarshal(raw, &encCtx) != nil {
				return nil, s3Err(awsproto.S3InvalidArgument, msgSSEContextShape)
			}
			so.contextHeader = v
		}
		useBucketKey := bucketKey && mode == awsproto.SSEAlgorithmKMS
		var blob []byte
		if useBucketKey {
			// S3 Bucket Key: the context names the bucket, and the
			// object's KEK is derived from the (cached) bucket key.
			encCtx[arnContextKey] = bucketARN(r.Bucket)
			var bk []byte
			bk, blob, so.enc.KMSKeyARN, err = s.generateBucketKey(ctx, r.Caller, b.Region, r.Bucket, kmsKeyID, encCtx)
			if err != nil {
				return nil, kmsError(err)
			}
			kek = bucketKEK(bk, r.Bucket, r.Key)
			clear(bk)
		} else {
			encCtx[arnContextKey] = objectARN(r.Bucket, r.Key)
			kek, blob, so.enc.KMSKeyARN, err = s.keys.GenerateDataKey(ctx, r.Caller, b.Region, kmsKeyID, encCtx)
			if err != nil {
				return nil, kmsError(err)
			}
		}
		ctxJSON, _ := json.Marshal(encCtx)
		so.enc.BucketKey = useBucketKey
		so.enc.EncryptedDataKey, so.enc.KMSContext = blob, string(ctxJSON)
		if so.contextHeader == "" {
			so.contextHeader = base64.StdEncoding.EncodeToString(ctxJSON)
		}
	case modeSSEC:
		binding.Domain = sse.DomainC
		kek = ck.KEK()
		check, err := sse.NewKeyCheck(ck)
		if err != nil {
			return nil, err
		}
		so.enc.CustomerKeyCheck, so.enc.CustomerKeyMD5 = check.Marshal(), ck.KeyMD5()
	default:
		return nil, s3Err(awsproto.S3InvalidArgument, "The encryption method specified is not supported").
			With("ArgumentName", "x-amz-server-side-encryption").With("ArgumentValue", mode)
	}
	defer clear(kek)
	if so.enc.SealedKey, err = sse.Seal(kek, key, binding); err != nil {
		return nil, err
	}
	return so, nil
}

// checkCustomerKey applies the SSE-C rules of a read: an SSE-C object
// needs its key (400 without, 403 with another), and SSE-C headers on
// another object are refused. It returns the key of an SSE-C object.
func checkCustomerKey(r *Request, enc store.ObjectEncryption) (*sse.CustomerKey, error) {
	ck, err := customerKey(r)
	return verifyCustomerKey(ck, err, enc)
}

// verifyCustomerKey applies checkCustomerKey's rules to a parsed key ck
// (and its parse error err).
func verifyCustomerKey(ck *sse.CustomerKey, err error, enc store.ObjectEncryption) (*sse.CustomerKey, error) {
	if err != nil {
		return nil, err
	}
	if enc.Mode != modeSSEC {
		if ck != nil {
			return nil, s3Err(awsproto.S3InvalidRequest, msgSSECNotApplied)
		}
		return nil, nil
	}
	if ck == nil {
		return nil, s3Err(awsproto.S3InvalidRequest, msgSSECRequired)
	}
	check, err := sse.ParseKeyCheck(enc.CustomerKeyCheck)
	if err != nil {
		return nil, fmt.Errorf("stored SSE-C check: %w", err)
	}
	if check.Verify(ck) != nil {
		return nil, s3Err(awsproto.S3AccessDenied, "")
	}
	return ck, nil
}

// openObjectKey unseals the key of an existing object: through the S3
// owned key (SSE-S3), KMS Decrypt as the caller (SSE-KMS) or the
// customer's key ck (SSE-C, already checked), as caller c.
func (s *Service) openObjectKey(ctx context.Context, c Caller, b store.Bucket, object string, enc store.ObjectEncryption, ck *sse.CustomerKey) ([]byte, error) {
	binding := sse.Binding{Bucket: b.Name, Object: object}
	var kek []byte
	var err error
	switch enc.Mode {
	case awsproto.SSEAlgorithmAES256:
		binding.Domain = sse.DomainS3
		kek, err = s.keys.OpenWithOwnedKey(ctx, b.Region, enc.EncryptedDataKey, map[string]string{arnContextKey: objectARN(b.Name, object)})
		if err != nil {
			return nil, fmt.Errorf("open with the S3 owned key: %w", err)
		}
	case awsproto.SSEAlgorithmKMS, awsproto.SSEAlgorithmKMSDSSE:
		binding.Domain = sse.DomainKMS
		var encCtx map[string]string
		if err := json.Unmarshal([]byte(enc.KMSContext), &encCtx); err != nil {
			return nil, fmt.Errorf("stored KMS context: %w", err)
		}
		if enc.BucketKey && encCtx[arnContextKey] == bucketARN(b.Name) {
			bk, err := s.decryptBucketKey(ctx, c, b.Region, enc.KMSKeyARN, enc.EncryptedDataKey, encCtx)
			if err != nil {
				return nil, kmsError(err)
			}
			kek = bucketKEK(bk, b.Name, object)
			clear(bk)
		} else if kek, err = s.keys.Decrypt(ctx, c, b.Region, enc.KMSKeyARN, enc.EncryptedDataKey, encCtx); err != nil {
			return nil, kmsError(err)
		}
	case modeSSEC:
		binding.Domain = sse.DomainC
		kek = ck.KEK()
	default:
		return nil, fmt.Errorf("object %s/%s: unknown encryption mode %q", b.Name, object, enc.Mode)
	}
	defer clear(kek)
	key, err := sse.Unseal(kek, enc.SealedKey, binding)
	if err != nil {
		return nil, fmt.Errorf("object %s/%s: %w", b.Name, object, err)
	}
	return key, nil
}

// setSSEHeaders sets the SSE response headers S3 sends for enc.
func setSSEHeaders(h http.Header, enc store.ObjectEncryption) {
	switch enc.Mode {
	case modeSSEC:
		h.Set(hSSECAlgorithm, sse.CustomerAlgorithm)
		h.Set(hSSECKeyMD5, enc.CustomerKeyMD5)
	case awsproto.SSEAlgorithmKMS, awsproto.SSEAlgorithmKMSDSSE:
		h.Set(hSSE, enc.Mode)
		h.Set(hSSEKMSKeyID, enc.KMSKeyARN)
		if enc.BucketKey {
			h.Set(hSSEBucketKey, "true")
		}
	default:
		h.Set(hSSE, enc.Mode)
	}
}

// etagIsMD5 reports whether S3 defines the ETag of an object or part
// written with encryption mode as the MD5 of its data: only SSE-S3 (and
// plaintext, which Coffer does not store). The S3 API reference, Object
// data type, ETag (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html):
// objects created by PUT Object, POST Object or Copy "and are encrypted by
// SSE-S3 or plaintext, have ETags that are an MD5 digest of their object
// data"; those "encrypted by SSE-C or SSE-KMS, have ETags that are not an
// MD5 digest"; and a multipart object's ETag "is not an MD5 digest,
// regardless of the method of encryption". For the others the receive path
// computes MD5 only to verify a Content-MD5 header (S3 User Guide,
// "Checking object integrity",
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html).
func etagIsMD5(mode string) bool { return mode == awsproto.SSEAlgorithmAES256 }

// dataETag is the quoted ETag of the bytes rc received (an object of a
// PutObject or CopyObject, or a part), encrypted in mode under key (the
// object key, or the part key). For SSE-S3 it is the hex MD5 of the
// plaintext; the ETags of SSE-S3 parts make the multipart ETag
// (checksum.MultipartETag) S3 documents. For SSE-KMS and SSE-C it is
//
//	hex(HMAC-SHA256(key, "coffer/s3 etag v2" || blobID)[:16])
//
// which has the same 32-hex-digit shape, is unique per write (blob ids are
// random and never reused, keys are random per object) and reveals nothing
// about the data. It needs no MD5 of the data, the costliest part of
// receiving it. Objects written before it keep the ETag they were given
// (v1: an HMAC of the MD5 under the object key); ETags are stored, never
// recomputed.
func dataETag(mode string, rc *received, key []byte) string {
	if etagIsMD5(mode) {
		return `"` + rc.hasher.ETag() + `"`
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("coffer/s3 etag v2"))
	m.Write([]byte(rc.blobID))
	return `"` + hex.EncodeToString(m.Sum(nil)[:16]) + `"`
}

// kmsError maps a KMS failure to the S3 error AWS returns for it.
func kmsError(err error) error {
	var ae *awsproto.Error
	if !errors.As(err, &ae) || ae.Status >= 500 {
		return err
	}
	switch ae.Code {
	case "NotFoundException":
		return s3Err(awsproto.S3KMSNotFoundException, ae.Message)
	case "DisabledException":
		return s3Err(awsproto.S3KMSDisabledException, ae.Message)
	case "KMSInvalidStateException":
		return s3Err(awsproto.S3KMSInvalidStateException, ae.Message)
	case "AccessDeniedException":
		return s3Err(awsproto.S3AccessDenied, ae.Message)
	default:
		return s3Err(awsproto.S3InvalidArgument, ae.Message)
	}
}
