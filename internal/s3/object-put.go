package s3

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/blob"
	"github.com/coffer-kms/coffer/internal/checksum"
	"github.com/coffer-kms/coffer/internal/sse"
	"github.com/coffer-kms/coffer/internal/store"
)

// Object limits of S3.
const (
	maxKeyLength    = 1024
	maxPutSize      = 5 << 30 // a single PUT
	maxUserMetadata = 2 << 10 // x-amz-meta-* names and values
)

// storedHeaders are the system headers S3 keeps with an object and returns
// on GET and HEAD.
var storedHeaders = []string{"Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"}

// putObject is PutObject: the body is hashed (MD5 when the ETag is the MD5
// or Content-MD5 is sent, the optional additional checksum) and encrypted
// in one pass into a new blob, verified, committed, and only then
// recorded, replacing any current object.
func (s *Service) putObject(ctx context.Context, r *Request) (*Response, error) {
	if len(r.Key) > maxKeyLength {
		return nil, s3Err(awsproto.S3KeyTooLongError, "")
	}
	b, err := s.bucket(ctx, r, r.Bucket, "s3:PutObject", objectARN(r.Bucket, r.Key))
	if err != nil {
		return nil, err
	}
	switch {
	case r.Size < 0:
		return nil, s3Err(awsproto.S3MissingContentLength, "")
	case r.Size > maxPutSize:
		return nil, s3Err(awsproto.S3EntityTooLarge, "")
	}
	meta, err := objectMetadata(r.Header)
	if err != nil {
		return nil, err
	}
	contentMD5 := r.Header.Get("Content-Md5")
	alg, value, fromTrailer, err := requestChecksum(r)
	if err != nil {
		return nil, err
	}
	conds := awsproto.ConditionsFromHeader(r.Header)
	so, err := s.newObjectKey(ctx, r, b)
	if err != nil {
		return nil, err
	}
	defer clear(so.key)

	rc, err := s.receive(ctx, r, so.key, alg, value, fromTrailer, contentMD5, etagIsMD5(so.enc.Mode))
	if err != nil {
		return nil, err
	}
	hasher, id := rc.hasher, rc.blobID

	o := store.Object{
		Bucket: r.Bucket, Key: r.Key, BlobID: id, Size: hasher.Size(),
		ETag:         dataETag(so.enc.Mode, rc, so.key),
		LastModified: s.now().UTC(), ContentType: r.Header.Get("Content-Type"),
		Metadata: meta, Encryption: so.enc,
	}
	if o.ContentType == "" {
		o.ContentType = "application/octet-stream"
	}
	if alg != "" {
		o.Checksum = string(alg) + ":" + hasher.Checksum()
	}
	var replaced []string
	err = s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		if !conds.IsZero() {
			old, err := tx.GetObject(ctx, r.Bucket, r.Key)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if err := conds.EvaluateWrite(err == nil, old.ETag); err != nil {
				return err
			}
		}
		var err error
		replaced, err = tx.PutObject(ctx, o)
		return err
	})
	if err != nil {
		s.deleteBlob(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, s3Err(awsproto.S3NoSuchBucket, "").With("BucketName", r.Bucket)
		}
		return nil, err
	}
	s.releaseBlobs(ctx, replaced)
	resp := newResponse(http.StatusOK)
	resp.Header.Set("ETag", o.ETag)
	setSSEHeaders(resp.Header, o.Encryption)
	if so.enc.KMSKeyARN != "" && so.contextHeader != "" {
		resp.Header.Set(hSSEContext, so.contextHeader)
	}
	if alg != "" {
		resp.Header.Set(alg.Header(), hasher.Checksum())
		resp.Header.Set("X-Amz-Checksum-Type", "FULL_OBJECT")
	}
	return resp, nil
}

// received is a request body stored encrypted in a committed blob.
type received struct {
	blobID        string
	encryptedSize int64
	hasher        *checksum.MultiHasher
}

// receive reads the body of r, hashing it (alg, and MD5 if etagMD5 is set
// or contentMD5 is not empty) and encrypting it under key into a new blob;
// it checks the length, Content-MD5 and the checksum value (header value,
// or the trailer when fromTrailer) and only then commits the blob. On
// error no blob is left. rc.hasher has MD5 only when it was computed.
func (s *Service) receive(ctx context.Context, r *Request, key []byte, alg checksum.Algorithm, value string, fromTrailer bool, contentMD5 string, etagMD5 bool) (*received, error) {
	bw, err := s.blobs.Create(ctx)
	if err != nil {
		return nil, fmt.Errorf("create blob: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = bw.Abort()
		}
	}()
	hasher := checksum.NewMultiHasher(alg, etagMD5 || contentMD5 != "")
	ew, err := sse.NewWriter(bw, key)
	if err != nil {
		return nil, err
	}
	buf := s.buffers.get()
	_, err = copyThrough(io.MultiWriter(hasher, ew), r.Body, *buf)
	s.buffers.put(buf)
	if err != nil {
		return nil, bodyError(err)
	}
	if err := ew.Close(); err != nil {
		return nil, fmt.Errorf("encrypt object: %w", err)
	}
	if hasher.Size() != r.Size {
		return nil, s3Err(awsproto.S3IncompleteBody, "")
	}
	if contentMD5 != "" {
		if err := hasher.VerifyContentMD5(contentMD5); err != nil {
			return nil, checksumError(err)
		}
	}
	if fromTrailer {
		value = r.Trailers()[alg.Header()]
		if value == "" {
			return nil, s3Err(awsproto.S3InvalidRequest, "The trailing checksum "+alg.Header()+" was announced but not sent.")
		}
	}
	if value != "" {
		if err := hasher.Verify(value); err != nil {
			return nil, checksumError(err)
		}
	}
	size := bw.Size()
	id, err := bw.Commit(ctx)
	if err != nil {
		return nil, fmt.Errorf("commit blob: %w", err)
	}
	committed = true
	return &received{blobID: string(id), encryptedSize: size, hasher: hasher}, nil
}

// deleteBlob removes a blob no object names any more. A failure leaves
// garbage for the collector (blob.Store.Walk), never a lost object.
func (s *Service) deleteBlob(ctx context.Context, id string) {
	bid, err := blob.ParseID(id)
	if err == nil {
		err = s.blobs.Delete(context.WithoutCancel(ctx), bid)
	}
	if err != nil && !errors.Is(err, blob.ErrNotFound) {
		s.log.WarnContext(ctx, "deleting an unreferenced blob", "blob", id, "err", err)
	}
}

// deleteBlobs deletes, best effort, the blobs of a replaced or deleted
// object (or of an upload's parts) after the metadata no longer refers to
// them; a blob left behind is an orphan for the collector.
func (s *Service) deleteBlobs(ctx context.Context, ids []string) {
	for _, id := range ids {
		if id != "" {
			s.deleteBlob(ctx, id)
		}
	}
}

// requestChecksum finds the additional checksum of a PUT: a value header
// (x-amz-checksum-ALG), a trailer announced in x-amz-trailer (value read
// after the body), or only an algorithm (x-amz-sdk-checksum-algorithm),
// which S3 then computes and stores.
func requestChecksum(r *Request) (alg checksum.Algorithm, value string, fromTrailer bool, err error) {
	for name, v := range r.Header {
		a, ok := checksum.AlgorithmFromHeader(name)
		if !ok {
			continue
		}
		if alg != "" {
			return "", "", false, s3Err(awsproto.S3InvalidRequest, "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		alg, value = a, v[0]
	}
	if t := r.Header.Get("X-Amz-Trailer"); t != "" {
		a, ok := checksum.AlgorithmFromHeader(strings.TrimSpace(t))
		if !ok || alg != "" {
			return "", "", false, s3Err(awsproto.S3InvalidRequest, "The value specified in the x-amz-trailer header is not supported")
		}
		return a, "", true, nil
	}
	if alg == "" {
		if v := r.Header.Get("X-Amz-Sdk-Checksum-Algorithm"); v != "" {
			if alg, err = checksum.ParseAlgorithm(v); err != nil {
				return "", "", false, checksumError(err)
			}
		}
	}
	return alg, value, false, nil
}

// objectMetadata collects the headers stored with an object: x-amz-meta-*
// and the system headers of storedHeaders, as a JSON object of canonical
// header names.
func objectMetadata(h http.Header) (string, error) {
	m := map[string]string{}
	userSize := 0
	for name, v := range h {
		if strings.HasPrefix(name, "X-Amz-Meta-") {
			m[name] = strings.Join(v, ",")
			userSize += len(name) - len("X-Amz-Meta-") + len(m[name])
		}
	}
	if userSize > maxUserMetadata {
		return "", s3Err(awsproto.S3MetadataTooLarge, "")
	}
	for _, name := range storedHeaders {
		if v := h.Get(name); v != "" {
			m[name] = v
		}
	}
	if len(m) == 0 {
		return "", nil
	}
	b, err := json.Marshal(m)
	return string(b), err
}

// checksumError maps a checksum failure to its S3 error.
func checksumError(err error) error {
	var ce *checksum.Error
	if errors.As(err, &ce) {
		if _, ok := awsproto.S3ErrorSpecFor(ce.Code); ok {
			return s3Err(ce.Code, ce.Message)
		}
		return s3Err(awsproto.S3InvalidRequest, ce.Message)
	}
	return err
}

// bodyError passes through S3 errors of the body reader (the server maps
// signature and framing failures) and reports others as IncompleteBody.
func bodyError(err error) error {
	var se *awsproto.S3Error
	if errors.As(err, &se) {
		return se
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return s3Err(awsproto.S3IncompleteBody, "")
	}
	return fmt.Errorf("read body: %w", err)
}
