package s3

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/coffer-kms/coffer/internal/store"
)

// deleteObject is DeleteObject: 204 whether or not the key existed.
func (s *Service) deleteObject(ctx context.Context, r *Request) (*Response, error) {
	if _, err := s.bucket(ctx, r, r.Bucket, "s3:DeleteObject", objectARN(r.Bucket, r.Key)); err != nil {
		return nil, err
	}
	var ids []string
	err := s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		var err error
		ids, err = tx.DeleteObject(ctx, r.Bucket, r.Key)
		return err
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("delete object: %w", err)
	}
	s.releaseBlobs(ctx, ids)
	return newResponse(http.StatusNoContent), nil
}
