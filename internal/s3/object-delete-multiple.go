package s3

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/checksum"
	"github.com/coffer-kms/coffer/internal/store"
)

// DeleteResult is the DeleteObjects response.
type DeleteResult struct {
	XMLName xml.Name        `xml:"DeleteResult"`
	Deleted []DeletedObject `xml:"Deleted"`
	Errors  []DeleteError   `xml:"Error"`
}

// DeletedObject is one Deleted element.
type DeletedObject struct {
	Key string `xml:"Key"`
}

// DeleteError is one Error element of DeleteObjects.
type DeleteError struct {
	Key     string `xml:"Key"`
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

// deleteObjects is DeleteObjects: each key is authorized and deleted on
// its own (s3:DeleteObject), absent keys count as deleted, and failures
// are reported per key; Quiet lists only the failures.
func (s *Service) deleteObjects(ctx context.Context, r *Request) (*Response, error) {
	b, err := s.store.GetBucket(ctx, r.Bucket)
	if errors.Is(err, store.ErrNotFound) {
		return nil, s3Err(awsproto.S3NoSuchBucket, "").With("BucketName", r.Bucket)
	}
	if err != nil {
		return nil, fmt.Errorf("get bucket: %w", err)
	}
	if b.Account != r.Caller.Account {
		// Another account needs a bucket policy: see authorize.
		return nil, s3Err(awsproto.S3AccessDenied, "")
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, awsproto.MaxS3DeleteBody+1))
	if err != nil {
		return nil, bodyError(err)
	}
	// S3 requires Content-MD5 or an x-amz-checksum-* on DeleteObjects;
	// Coffer verifies whichever is sent.
	alg, value, _, err := requestChecksum(r)
	if err != nil {
		return nil, err
	}
	h := checksum.NewMultiHasher(alg, r.Header.Get("Content-Md5") != "")
	h.Write(raw)
	if v := r.Header.Get("Content-Md5"); v != "" {
		if err := h.VerifyContentMD5(v); err != nil {
			return nil, checksumError(err)
		}
	}
	if value != "" {
		if err := h.Verify(value); err != nil {
			return nil, checksumError(err)
		}
	}
	var body awsproto.Delete
	if err := awsproto.UnmarshalS3XML(raw, &body); err != nil {
		return nil, err
	}
	if err := body.Validate(); err != nil {
		return nil, err
	}
	out := &DeleteResult{}
	for _, obj := range body.Objects {
		if err := s.deleteOne(ctx, r, b, obj); err != nil {
			e := awsproto.AsS3Error(err)
			if e.Err.Status >= 500 {
				s.log.ErrorContext(ctx, "DeleteObjects", "bucket", b.Name, "err", err)
			}
			out.Errors = append(out.Errors, DeleteError{Key: obj.Key, Code: e.Err.Code, Message: e.Err.Message})
			continue
		}
		if !body.IsQuiet() {
			out.Deleted = append(out.Deleted, DeletedObject{Key: obj.Key})
		}
	}
	resp := newResponse(http.StatusOK)
	resp.XML = out
	return resp, nil
}

func (s *Service) deleteOne(ctx context.Context, r *Request, b store.Bucket, obj awsproto.ObjectIdentifier) error {
	if err := s.authorize(ctx, r, &b, "s3:DeleteObject", objectARN(b.Name, obj.Key)); err != nil {
		return err
	}
	var ids []string
	err := s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		if obj.ETag != "" {
			o, err := tx.GetObject(ctx, b.Name, obj.Key)
			if err != nil {
				return err
			}
			if !awsproto.ETagsMatch(obj.ETag, o.ETag, true) {
				return awsproto.PreconditionFailed("ETag")
			}
		}
		var err error
		ids, err = tx.DeleteObject(ctx, b.Name, obj.Key)
		return err
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	s.releaseBlobs(ctx, ids)
	return nil
}
