package s3

import (
	"context"
	"errors"
	"fmt"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/store"
)

// bucketARN and objectARN are the S3 resource ARNs policies name.
func bucketARN(bucket string) string      { return "arn:aws:s3:::" + bucket }
func objectARN(bucket, key string) string { return "arn:aws:s3:::" + bucket + "/" + key }

// authorize decides whether c may perform action on resource of a bucket
// owned by account ("" for account-level actions such as ListBuckets and
// CreateBucket, which act in the caller's own account).
//
// For this slice only the bucket's own account is allowed: a principal of
// another account is denied, since that needs a bucket policy (the seam:
// bucket policies are evaluated here, before the identity policies, once
// PutBucketPolicy exists). Within the account, the Authorizer judges the
// identity policies; the account root is always allowed.
func (s *Service) authorize(ctx context.Context, c Caller, account, action, resource string) error {
	if account != "" && account != c.Account {
		return s3Err(awsproto.S3AccessDenied, "")
	}
	if s.authz == nil {
		return nil
	}
	if err := s.authz.AuthorizeS3(ctx, c, action, resource); err != nil {
		var ae *awsproto.Error
		if !errors.As(err, &ae) || ae.Status >= 500 {
			return err // the authorizer failed: internal
		}
		return s3Err(awsproto.S3AccessDenied, fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", c.PrincipalARN, action, resource))
	}
	return nil
}

// bucket loads a bucket for an operation on it and authorizes action on
// resource: NoSuchBucket (404) if absent.
func (s *Service) bucket(ctx context.Context, c Caller, name, action, resource string) (store.Bucket, error) {
	b, err := s.store.GetBucket(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return b, s3Err(awsproto.S3NoSuchBucket, "").With("BucketName", name)
	}
	if err != nil {
		return b, fmt.Errorf("get bucket: %w", err)
	}
	if err := s.authorize(ctx, c, b.Account, action, resource); err != nil {
		return b, err
	}
	return b, nil
}
