package s3

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/store"
)

// deleteBucket is DeleteBucket: 204, BucketNotEmpty while it holds
// objects or multipart uploads.
func (s *Service) deleteBucket(ctx context.Context, r *Request) (*Response, error) {
	if _, err := s.bucket(ctx, r, r.Bucket, "s3:DeleteBucket", bucketARN(r.Bucket)); err != nil {
		return nil, err
	}
	err := s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		n, err := tx.CountObjects(ctx, r.Bucket, 1)
		if err != nil {
			return err
		}
		if n > 0 {
			return s3Err(awsproto.S3BucketNotEmpty, "").With("BucketName", r.Bucket)
		}
		return tx.DeleteBucket(ctx, r.Bucket)
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, s3Err(awsproto.S3NoSuchBucket, "").With("BucketName", r.Bucket)
	case isS3Error(err, awsproto.S3BucketNotEmpty):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("delete bucket: %w", err)
	}
	return newResponse(http.StatusNoContent), nil
}
