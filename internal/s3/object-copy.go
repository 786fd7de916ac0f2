package s3

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/checksum"
	"github.com/coffer-kms/coffer/internal/sse"
	"github.com/coffer-kms/coffer/internal/store"
)

// Copy request headers.
const (
	hCopySource            = "X-Amz-Copy-Source"
	hCopySourceRange       = "X-Amz-Copy-Source-Range"
	hCopySSECAlgorithm     = "X-Amz-Copy-Source-Server-Side-Encryption-Customer-Algorithm"
	hCopySSECKey           = "X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key"
	hCopySSECKeyMD5        = "X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key-Md5"
	hMetadataDirective     = "X-Amz-Metadata-Directive"
	hTaggingDirective      = "X-Amz-Tagging-Directive"
	maxCopySize            = 5 << 30 // CopyObject and UploadPartCopy sources
	msgCopyToItself        = "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes."
	msgCopySourceTooLarge  = "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120"
	msgCopyRangeNotAllowed = "The x-amz-copy-source-range header is only allowed on UploadPartCopy."
)

// CopyObjectResult is the CopyObject response body.
type CopyObjectResult struct {
	XMLName           xml.Name        `xml:"CopyObjectResult"`
	ETag              string          `xml:"ETag"`
	LastModified      awsproto.S3Time `xml:"LastModified"`
	ChecksumType      string          `xml:"ChecksumType,omitempty"`
	ChecksumCRC32     string          `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string          `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string          `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string          `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string          `xml:"ChecksumSHA256,omitempty"`
}

// CopyPartResult is the UploadPartCopy response body.
type CopyPartResult struct {
	XMLName           xml.Name        `xml:"CopyPartResult"`
	ETag              string          `xml:"ETag"`
	LastModified      awsproto.S3Time `xml:"LastModified"`
	ChecksumCRC32     string          `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string          `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string          `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string          `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string          `xml:"ChecksumSHA256,omitempty"`
}

// setChecksumField stores value in the Checksum<alg> field of one of the
// copy results.
func setChecksumField(alg checksum.Algorithm, value string, crc32, crc32c, crc64, sha1, sha256 *string) {
	switch alg {
	case checksum.CRC32:
		*crc32 = value
	case checksum.CRC32C:
		*crc32c = value
	case checksum.CRC64NVME:
		*crc64 = value
	case checksum.SHA1:
		*sha1 = value
	case checksum.SHA256:
		*sha256 = value
	}
}

// copySource is the source object of a copy, checked and authorized.
type copySource struct {
	bucket store.Bucket
	object store.Object
	ck     *sse.CustomerKey
}

// loadCopySource parses x-amz-copy-source, authorizes s3:GetObject on the
// source, loads it, checks its copy-source SSE-C key and the
// x-amz-copy-source-if-* conditions (PreconditionFailed 412).
func (s *Service) loadCopySource(ctx context.Context, r *Request) (*copySource, error) {
	cs, err := awsproto.ParseCopySource(r.Header.Get(hCopySource))
	if err != nil {
		return nil, err
	}
	if cs.VersionID != "" && cs.VersionID != "null" {
		// Coffer's buckets are unversioned: only the null version exists.
		return nil, s3Err(awsproto.S3InvalidArgument, "Invalid version id specified").
			With("ArgumentName", "x-amz-copy-source").With("ArgumentValue", r.Header.Get(hCopySource))
	}
	b, err := s.bucket(ctx, r, cs.Bucket, "s3:GetObject", objectARN(cs.Bucket, cs.Key))
	if err != nil {
		return nil, err
	}
	o, err := s.store.GetObject(ctx, cs.Bucket, cs.Key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, s3Err(awsproto.S3NoSuchKey, "").With("Key", cs.Key)
	}
	if err != nil {
		return nil, fmt.Errorf("get copy source: %w", err)
	}
	ck, err := customerKeyFrom(r, hCopySSECAlgorithm, hCopySSECKey, hCopySSECKeyMD5)
	if ck, err = verifyCustomerKey(ck, err, o.Encryption); err != nil {
		return nil, err
	}
	if err := awsproto.CopySourceConditionsFromHeader(r.Header).EvaluateCopySource(o.ETag, o.LastModified); err != nil {
		return nil, err
	}
	return &copySource{bucket: b, object: o, ck: ck}, nil
}

// copyObject is CopyObject: the source's plaintext is re-encrypted under
// a new object key sealed as the destination asks (request SSE headers,
// else the destination bucket's default): copying is how an object's
// encryption changes. The caller needs s3:GetObject on the source (and
// kms:Decrypt for an SSE-KMS source) and s3:PutObject on the destination.
func (s *Service) copyObject(ctx context.Context, r *Request) (*Response, error) {
	if len(r.Key) > maxKeyLength {
		return nil, s3Err(awsproto.S3KeyTooLongError, "")
	}
	if r.Header.Get(hCopySourceRange) != "" {
		return nil, s3Err(awsproto.S3InvalidArgument, msgCopyRangeNotAllowed).
			With("ArgumentName", "x-amz-copy-source-range").With("ArgumentValue", r.Header.Get(hCopySourceRange))
	}
	directive := strings.ToUpper(r.Header.Get(hMetadataDirective))
	switch directive {
	case "":
		directive = "COPY"
	case "COPY", "REPLACE":
	default:
		return nil, s3Err(awsproto.S3InvalidArgument, "Unknown metadata directive.").
			With("ArgumentName", "x-amz-metadata-directive").With("ArgumentValue", r.Header.Get(hMetadataDirective))
	}
	switch v := strings.ToUpper(r.Header.Get(hTaggingDirective)); v {
	case "", "COPY", "REPLACE":
	default:
		return nil, s3Err(awsproto.S3InvalidArgument, "Unknown tagging directive.").
			With("ArgumentName", "x-amz-tagging-directive").With("ArgumentValue", r.Header.Get(hTaggingDirective))
	}
	db, err := s.bucket(ctx, r, r.Bucket, "s3:PutObject", objectARN(r.Bucket, r.Key))
	if err != nil {
		return nil, err
	}
	src, err := s.loadCopySource(ctx, r)
	if err != nil {
		return nil, err
	}
	// If-Match / If-None-Match on the destination (conditional writes, as
	// for PutObject): checked now, before the bytes are copied, and again
	// in the transaction that records the copy.
	conds := writeConditions(r.Header)
	if err := checkWrite(ctx, s.store, r.Bucket, r.Key, conds); err != nil {
		return nil, err
	}
	so := src.object
	if so.Size > maxCopySize {
		return nil, s3Err(awsproto.S3InvalidRequest, msgCopySourceTooLarge)
	}
	if src.bucket.Name == r.Bucket && so.Key == r.Key && directive == "COPY" && !copyChangesSomething(r, db, so) {
		return nil, s3Err(awsproto.S3InvalidRequest, msgCopyToItself)
	}
	contentType, meta := so.ContentType, so.Metadata
	if directive == "REPLACE" {
		if meta, err = objectMetadata(r.Header); err != nil {
			return nil, err
		}
		if contentType = r.Header.Get("Content-Type"); contentType == "" {
			contentType = "application/octet-stream"
		}
	}
	alg := checksum.Algorithm("")
	if v := r.Header.Get("X-Amz-Checksum-Algorithm"); v != "" {
		if alg, err = checksum.ParseAlgorithm(v); err != nil {
			return nil, checksumError(err)
		}
	} else if a, _, ok := strings.Cut(so.Checksum, ":"); ok {
		alg = checksum.Algorithm(a)
	}

	dst, err := s.newObjectKey(ctx, r, db)
	if err != nil {
		return nil, err
	}
	defer clear(dst.key)
	rc, err := s.copyBytes(ctx, r, src, 0, so.Size, dst.key, alg, etagIsMD5(dst.enc.Mode))
	if err != nil {
		return nil, err
	}
	o := store.Object{
		Bucket: r.Bucket, Key: r.Key, BlobID: rc.blobID, Size: rc.hasher.Size(),
		ETag:         dataETag(dst.enc.Mode, rc, dst.key),
		LastModified: s.now().UTC(), ContentType: contentType, Metadata: meta, Encryption: dst.enc,
	}
	if alg != "" {
		o.Checksum = string(alg) + ":" + rc.hasher.Checksum()
	}
	var replaced []string
	err = s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := checkWrite(ctx, tx, r.Bucket, r.Key, conds); err != nil {
			return err
		}
		var err error
		replaced, err = tx.PutObject(ctx, o)
		return err
	})
	if err != nil {
		s.deleteBlob(ctx, rc.blobID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, s3Err(awsproto.S3NoSuchBucket, "").With("BucketName", r.Bucket)
		}
		return nil, fmt.Errorf("put object: %w", err)
	}
	s.releaseBlobs(ctx, replaced)
	resp := newResponse(http.StatusOK)
	setSSEHeaders(resp.Header, o.Encryption)
	if o.Encryption.KMSKeyARN != "" && dst.contextHeader != "" {
		resp.Header.Set(hSSEContext, dst.contextHeader)
	}
	out := &CopyObjectResult{ETag: o.ETag, LastModified: awsproto.S3Time(o.LastModified)}
	if alg != "" {
		out.ChecksumType = "FULL_OBJECT"
		setChecksumField(alg, rc.hasher.Checksum(), &out.ChecksumCRC32, &out.ChecksumCRC32C, &out.ChecksumCRC64NVME, &out.ChecksumSHA1, &out.ChecksumSHA256)
	}
	resp.XML = out
	return resp, nil
}

// writeConditions returns a write's If-Match and If-None-Match headers
// (the date conditions are not conditions of a write).
func writeConditions(h http.Header) awsproto.Conditions {
	c := awsproto.ConditionsFromHeader(h)
	c.IfModifiedSince, c.IfUnmodifiedSince = "", ""
	return c
}

// checkWrite evaluates conds against the current object bucket/key as r
// sees it (awsproto.Conditions.EvaluateWrite); nil without conditions.
func checkWrite(ctx context.Context, r store.S3Reader, bucket, key string, conds awsproto.Conditions) error {
	if conds.IsZero() {
		return nil
	}
	old, err := r.GetObject(ctx, bucket, key)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("get object: %w", err)
	}
	return conds.EvaluateWrite(err == nil, old.ETag)
}

// copyChangesSomething reports whether a COPY-directive copy of so onto
// itself changes anything S3 counts: encryption headers (or a bucket
// default that differs from the object's mode), storage class or website
// redirect. Without a change S3 refuses the copy.
func copyChangesSomething(r *Request, b store.Bucket, so store.Object) bool {
	h := r.Header
	for _, name := range []string{hSSE, hSSEKMSKeyID, hSSEContext, hSSEBucketKey, hSSECAlgorithm, hSSECKey,
		"X-Amz-Storage-Class", "X-Amz-Website-Redirect-Location"} {
		if h.Get(name) != "" {
			return true
		}
	}
	rule, err := defaultEncryption(b)
	if err != nil {
		return true
	}
	return rule.ApplyServerSideEncryptionByDefault.SSEAlgorithm != so.Encryption.Mode
}

// copyBytes re-encrypts length plaintext bytes of the source from offset
// under key into a new committed blob, hashing them (alg, and MD5 if
// etagMD5 is set).
func (s *Service) copyBytes(ctx context.Context, r *Request, src *copySource, offset, length int64, key []byte, alg checksum.Algorithm, etagMD5 bool) (*received, error) {
	pt, err := s.openPlaintext(ctx, r.Caller, src.bucket, src.object, src.ck, offset, length)
	if errors.Is(err, errBlobGone) {
		return nil, s3Err(awsproto.S3SlowDown, "")
	}
	if err != nil {
		return nil, err
	}
	defer pt.Close()
	body := &Request{Body: io.LimitReader(pt, length), Size: length, Trailers: func() map[string]string { return nil }}
	rc, err := s.receive(ctx, body, key, alg, "", false, "", etagMD5)
	if err != nil {
		return nil, fmt.Errorf("copy %s/%s: %w", src.bucket.Name, src.object.Key, err)
	}
	return rc, nil
}
