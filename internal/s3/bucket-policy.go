package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/policy"
	"github.com/coffer-kms/coffer/internal/store"
)

// maxBucketPolicy is S3's bucket policy size limit (20 KB).
const maxBucketPolicy = 20 << 10

// Bucket policy messages, as S3 sends them.
const (
	msgPolicyNotJSON   = "Policies must be valid JSON and the first byte must be '{'"
	msgPolicyResource  = "Policy has invalid resource"
	msgPolicyAction    = "Policy has invalid action"
	msgPolicyPrincipal = "Missing required field Principal"
	msgPolicyTooLarge  = "Policy exceeds the maximum allowed document size."
	msgNotOwner        = "The specified method is not allowed against this resource."
)

// ownedBucket loads a bucket whose configuration only its owner's account
// may touch: NoSuchBucket, MethodNotAllowed (405) for another account, as
// S3 answers the bucket policy operations, then action is authorized.
func (s *Service) ownedBucket(ctx context.Context, r *Request, action string) (store.Bucket, error) {
	b, err := s.store.GetBucket(ctx, r.Bucket)
	if errors.Is(err, store.ErrNotFound) {
		return b, s3Err(awsproto.S3NoSuchBucket, "").With("BucketName", r.Bucket)
	}
	if err != nil {
		return b, fmt.Errorf("get bucket: %w", err)
	}
	if b.Account != r.Caller.Account {
		return b, s3Err(awsproto.S3MethodNotAllowed, msgNotOwner).With("Method", r.Method).With("ResourceType", "BUCKETPOLICY")
	}
	return b, s.authorize(ctx, r, &b, action, bucketARN(b.Name))
}

// putBucketPolicy is PutBucketPolicy: the document must parse as a policy
// (internal/policy), every statement must name a Principal, its actions
// S3's and its resources this bucket (MalformedPolicy 400 otherwise).
// 204 on success.
func (s *Service) putBucketPolicy(ctx context.Context, r *Request) (*Response, error) {
	if _, err := s.ownedBucket(ctx, r, "s3:PutBucketPolicy"); err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBucketPolicy+1))
	if err != nil {
		return nil, bodyError(err)
	}
	if len(raw) > maxBucketPolicy {
		return nil, s3Err(awsproto.S3MalformedPolicy, msgPolicyTooLarge)
	}
	if err := verifyBodyChecksums(r, raw); err != nil {
		return nil, err
	}
	doc := string(raw)
	if err := ValidateBucketPolicy(r.Bucket, doc); err != nil {
		return nil, err
	}
	if err := s.setBucketPolicy(ctx, r.Bucket, doc); err != nil {
		return nil, err
	}
	return newResponse(http.StatusNoContent), nil
}

// ValidateBucketPolicy checks doc as the policy of bucket: nil, or an
// *awsproto.S3Error MalformedPolicy saying what is wrong.
func ValidateBucketPolicy(bucket, doc string) error {
	if !strings.HasPrefix(strings.TrimLeft(doc, " \t\r\n"), "{") {
		return s3Err(awsproto.S3MalformedPolicy, msgPolicyNotJSON)
	}
	p, err := policy.Parse(doc)
	if err != nil {
		var me *policy.MalformedError
		if errors.As(err, &me) {
			return s3Err(awsproto.S3MalformedPolicy, "Invalid policy: "+me.Reason)
		}
		return s3Err(awsproto.S3MalformedPolicy, msgPolicyNotJSON)
	}
	for _, st := range p.Statements {
		if st.Principal == nil && st.NotPrincipal == nil {
			return s3Err(awsproto.S3MalformedPolicy, msgPolicyPrincipal)
		}
		for _, a := range append(append([]string{}, st.Action...), st.NotAction...) {
			if a != "*" && !strings.HasPrefix(strings.ToLower(a), "s3:") {
				return s3Err(awsproto.S3MalformedPolicy, msgPolicyAction)
			}
		}
		for _, res := range append(append([]string{}, st.Resource...), st.NotResource...) {
			if !bucketResource(bucket, res) {
				return s3Err(awsproto.S3MalformedPolicy, msgPolicyResource)
			}
		}
	}
	return nil
}

// bucketResource reports whether res can name bucket or its objects: the
// bucket ARN, an object ARN under it, or a pattern whose bucket part has
// a wildcard.
func bucketResource(bucket, res string) bool {
	rest, ok := strings.CutPrefix(res, "arn:aws:s3:::")
	if !ok {
		return false
	}
	name, _, _ := strings.Cut(rest, "/")
	return name == bucket || strings.ContainsAny(name, "*?")
}

// getBucketPolicy is GetBucketPolicy: the document as put, or
// NoSuchBucketPolicy (404).
func (s *Service) getBucketPolicy(ctx context.Context, r *Request) (*Response, error) {
	b, err := s.ownedBucket(ctx, r, "s3:GetBucketPolicy")
	if err != nil {
		return nil, err
	}
	if b.Policy == "" {
		return nil, s3Err(awsproto.S3NoSuchBucketPolicy, "").With("BucketName", b.Name)
	}
	resp := newResponse(http.StatusOK)
	resp.Header.Set("Content-Type", "application/json")
	resp.Header.Set("Content-Length", itoa(int64(len(b.Policy))))
	resp.Body = io.NopCloser(strings.NewReader(b.Policy))
	return resp, nil
}

// deleteBucketPolicy is DeleteBucketPolicy: 204, also when there is none.
func (s *Service) deleteBucketPolicy(ctx context.Context, r *Request) (*Response, error) {
	if _, err := s.ownedBucket(ctx, r, "s3:DeleteBucketPolicy"); err != nil {
		return nil, err
	}
	if err := s.setBucketPolicy(ctx, r.Bucket, ""); err != nil {
		return nil, err
	}
	return newResponse(http.StatusNoContent), nil
}

func (s *Service) setBucketPolicy(ctx context.Context, name, doc string) error {
	err := s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		b, err := tx.GetBucket(ctx, name)
		if err != nil {
			return err
		}
		if b.Policy == doc {
			return nil
		}
		b.Policy = doc
		return tx.UpdateBucket(ctx, b)
	})
	if errors.Is(err, store.ErrNotFound) {
		return s3Err(awsproto.S3NoSuchBucket, "").With("BucketName", name)
	}
	if err != nil {
		return fmt.Errorf("update bucket policy: %w", err)
	}
	return nil
}
