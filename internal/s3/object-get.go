package s3

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/blob"
	"github.com/coffer-kms/coffer/internal/sse"
	"github.com/coffer-kms/coffer/internal/store"
)

// responseOverrides are GetObject's response-* query parameters and the
// headers they set.
var responseOverrides = map[string]string{
	"response-content-type":        "Content-Type",
	"response-content-language":    "Content-Language",
	"response-expires":             "Expires",
	"response-cache-control":       "Cache-Control",
	"response-content-disposition": "Content-Disposition",
	"response-content-encoding":    "Content-Encoding",
}

// getObject is GetObject: conditions, then Range, then only the packages
// the range covers are read and decrypted.
func (s *Service) getObject(ctx context.Context, r *Request) (*Response, error) {
	resp, err := s.readObject(ctx, r, true)
	if errors.Is(err, errBlobGone) {
		// A concurrent PUT or DELETE replaced the object between reading
		// its description and opening its bytes: read the new state.
		first := err
		resp, err = s.readObject(ctx, r, true)
		if errors.Is(err, errBlobGone) {
			return nil, s.blobGone(ctx, first, err)
		}
	}
	return resp, err
}

// blobGone answers a read whose object bytes were missing twice in a row.
// The same blob missing twice is lost data, not a race: a server error,
// logged with the object and blob, rather than a throttling answer that
// SDKs would retry; two different blobs mean the object keeps being
// replaced, and SlowDown is the right answer.
func (s *Service) blobGone(ctx context.Context, first, second error) error {
	if first.Error() == second.Error() {
		s.log.ErrorContext(ctx, "object bytes missing", "err", second)
		return s3Err(awsproto.S3InternalError, "")
	}
	return s3Err(awsproto.S3SlowDown, "")
}

// errBlobGone: the object's blob was deleted after its metadata was read.
var errBlobGone = errors.New("s3: object bytes replaced during the read")

// headObject is HeadObject: GetObject's headers without the body (the
// object key is not unsealed, but an SSE-C key is still checked).
func (s *Service) headObject(ctx context.Context, r *Request) (*Response, error) {
	return s.readObject(ctx, r, false)
}

func (s *Service) readObject(ctx context.Context, r *Request, body bool) (*Response, error) {
	b, err := s.bucket(ctx, r, r.Bucket, "s3:GetObject", objectARN(r.Bucket, r.Key))
	if err != nil {
		return nil, err
	}
	partNumber := 0
	if r.Query.Has("partNumber") {
		v := r.Query.Get("partNumber")
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > awsproto.MaxS3Parts {
			return nil, s3Err(awsproto.S3InvalidArgument, "Part number must be an integer between 1 and 10000, inclusive").
				With("ArgumentName", "partNumber").With("ArgumentValue", v)
		}
		if r.Header.Get("Range") != "" {
			return nil, s3Err(awsproto.S3InvalidRequest, "Cannot specify both Range header and partNumber query parameter")
		}
		partNumber = n
	}
	o, err := s.store.GetObject(ctx, r.Bucket, r.Key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, s3Err(awsproto.S3NoSuchKey, "").With("Key", r.Key)
	}
	if err != nil {
		return nil, fmt.Errorf("get object: %w", err)
	}
	ck, err := checkCustomerKey(r, o.Encryption)
	if err != nil {
		return nil, err
	}
	resp := newResponse(http.StatusOK)
	h := resp.Header
	h.Set("ETag", o.ETag)
	h.Set("Last-Modified", o.LastModified.UTC().Format(http.TimeFormat))
	switch res, header := awsproto.ConditionsFromHeader(r.Header).EvaluateRead(o.ETag, o.LastModified); res {
	case awsproto.ConditionNotModified:
		resp.Status = http.StatusNotModified
		return resp, nil
	case awsproto.ConditionFailed:
		return nil, awsproto.PreconditionFailed(header)
	}
	var rng *awsproto.ByteRange
	if partNumber > 0 {
		var count int
		if rng, count, err = partRange(o, partNumber); err != nil {
			return nil, err
		}
		if count > 0 {
			h.Set("X-Amz-Mp-Parts-Count", strconv.Itoa(count))
		}
	} else if rng, err = awsproto.ParseRange(r.Header.Get("Range"), o.Size); err != nil {
		return nil, err
	}
	h.Set("Accept-Ranges", "bytes")
	h.Set("Content-Type", o.ContentType)
	if o.Metadata != "" {
		var meta map[string]string
		if err := json.Unmarshal([]byte(o.Metadata), &meta); err != nil {
			return nil, fmt.Errorf("stored metadata: %w", err)
		}
		for k, v := range meta {
			h.Set(k, v)
		}
	}
	setSSEHeaders(h, o.Encryption)
	if strings.EqualFold(r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") && o.Checksum != "" && rng == nil {
		parts := strings.SplitN(o.Checksum, ":", 3)
		if len(parts) >= 2 {
			h.Set("X-Amz-Checksum-"+strings.ToLower(parts[0]), parts[1])
			typ := "FULL_OBJECT"
			if len(parts) == 3 {
				typ = parts[2]
			}
			h.Set("X-Amz-Checksum-Type", typ)
		}
	}
	if body {
		for q, name := range responseOverrides {
			if v := r.Query.Get(q); v != "" {
				h.Set(name, v)
			}
		}
	}
	offset, length := int64(0), o.Size
	if rng != nil {
		offset, length = rng.Start, rng.Length
		resp.Status = http.StatusPartialContent
		h.Set("Content-Range", rng.ContentRange())
	}
	h.Set("Content-Length", itoa(length))
	if !body {
		return resp, nil
	}
	pb, err := s.openPlaintext(ctx, r.Caller, b, o, ck, offset, length)
	if err != nil {
		return nil, err
	}
	resp.Body = pb
	return resp, nil
}

// openPlaintext opens length plaintext bytes of o from offset: the object
// key is unsealed as c (SSE-KMS: KMS Decrypt as the caller) or with the
// customer's key ck, and only the packages of the range are read. It
// returns errBlobGone if the object's bytes were replaced meanwhile.
func (s *Service) openPlaintext(ctx context.Context, c Caller, b store.Bucket, o store.Object, ck *sse.CustomerKey, offset, length int64) (io.ReadCloser, error) {
	key, err := s.openObjectKey(ctx, c, b, o.Key, o.Encryption, ck)
	if err != nil {
		return nil, err
	}
	// The reader derives part keys as it goes: the key is cleared when the
	// body is closed, not before.
	ok := false
	defer func() {
		if !ok {
			clear(key)
		}
	}()
	var pr io.Reader
	var closer io.Closer
	switch {
	case o.BlobID == "" && o.Parts != "":
		// A multipart object stored by reference: each part in its own blob.
		parts, err := objectParts(o)
		if err != nil {
			return nil, err
		}
		ps, err := s.openParts(ctx, o, parts, offset, length)
		if err != nil {
			return nil, err
		}
		if pr, err = sse.OpenMultipartRange(ps, key, parts, offset, length); err != nil {
			ps.Close()
			return nil, fmt.Errorf("object %s/%s: %w", o.Bucket, o.Key, err)
		}
		closer = ps
	default:
		// One blob: a single-part object, or a multipart object whose
		// parts were joined into one blob (before object_parts existed).
		bid, err := blob.ParseID(o.BlobID)
		if err != nil {
			return nil, fmt.Errorf("object %s/%s: %w", o.Bucket, o.Key, err)
		}
		br, err := s.blobs.Open(ctx, bid)
		if errors.Is(err, blob.ErrNotFound) {
			return nil, fmt.Errorf("%w: object %s/%s, blob %s", errBlobGone, o.Bucket, o.Key, o.BlobID)
		}
		if err != nil {
			return nil, fmt.Errorf("open blob: %w", err)
		}
		if o.Parts == "" {
			pr, err = sse.OpenRange(br, br.Size(), key, offset, length)
		} else {
			var parts []sse.Part
			if parts, err = objectParts(o); err == nil {
				pr, err = sse.OpenMultipartRange(br, key, parts, offset, length)
			}
		}
		if err != nil {
			br.Close()
			return nil, fmt.Errorf("object %s/%s: %w", o.Bucket, o.Key, err)
		}
		closer = br
	}
	ok = true
	return &plaintextBody{Reader: pr, blob: closer, key: key}, nil
}

// partRange is the byte range of part n of o (GetObject and HeadObject
// with partNumber): the n-th part, in order, of a multipart object (its
// part count is returned too), or the whole object for part 1 of a
// single-part one. A part past the last is InvalidPart (400), as S3
// answers. nil for an empty object's part 1: the whole (empty) object.
func partRange(o store.Object, n int) (*awsproto.ByteRange, int, error) {
	notSatisfiable := s3Err(awsproto.S3InvalidPart, "The requested partnumber is not satisfiable").With("PartNumber", strconv.Itoa(n))
	if o.Parts == "" {
		if n != 1 {
			return nil, 0, notSatisfiable
		}
		if o.Size == 0 {
			return nil, 0, nil
		}
		return &awsproto.ByteRange{Start: 0, Length: o.Size, Size: o.Size}, 0, nil
	}
	parts, err := objectParts(o)
	if err != nil {
		return nil, 0, err
	}
	if n > len(parts) {
		return nil, len(parts), notSatisfiable
	}
	var start int64
	for i, p := range parts {
		size, err := sse.DecryptedSize(p.EncryptedSize)
		if err != nil {
			return nil, 0, fmt.Errorf("object %s/%s: part %d: %w", o.Bucket, o.Key, p.Number, err)
		}
		if i == n-1 {
			if size == 0 {
				return nil, len(parts), nil
			}
			return &awsproto.ByteRange{Start: start, Length: size, Size: o.Size}, len(parts), nil
		}
		start += size
	}
	return nil, 0, notSatisfiable
}

// plaintextBody reads an object's plaintext; Close clears its key and
// closes the blob under it.
type plaintextBody struct {
	io.Reader
	blob io.Closer
	key  []byte
}

func (p *plaintextBody) Close() error {
	clear(p.key)
	return p.blob.Close()
}
