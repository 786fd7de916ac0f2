package s3

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/coffer-kms/coffer/internal/arn"
	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/store"
)

// createBucket is CreateBucket: the bucket belongs to the caller's account
// and to the region the request was signed for, which the
// LocationConstraint (empty: us-east-1) must name.
func (s *Service) createBucket(ctx context.Context, r *Request) (*Response, error) {
	if err := validBucketName(r.Bucket); err != nil {
		return nil, err
	}
	region := "us-east-1"
	var body [1]byte
	if n, _ := readFull(r.Body, body[:]); n > 0 {
		var cfg awsproto.CreateBucketConfiguration
		if err := awsproto.DecodeS3XML(prepend(body[:n], r.Body), awsproto.MaxS3ConfigBody, &cfg); err != nil {
			return nil, err
		}
		if cfg.LocationConstraint != "" {
			if cfg.LocationConstraint == "EU" {
				cfg.LocationConstraint = "eu-west-1"
			}
			if !arn.ValidRegion(cfg.LocationConstraint) {
				return nil, s3Err(awsproto.S3InvalidLocationConstraint, "")
			}
			region = cfg.LocationConstraint
		}
	}
	if region != r.Caller.Region {
		if region == "us-east-1" {
			return nil, s3Err(awsproto.S3IllegalLocationConstraintException, "")
		}
		return nil, s3Err(awsproto.S3IllegalLocationConstraintException,
			fmt.Sprintf("The %s location constraint is incompatible for the region specific endpoint this request was sent to.", region))
	}
	if err := s.authorize(ctx, r, nil, "s3:CreateBucket", bucketARN(r.Bucket)); err != nil {
		return nil, err
	}
	b := store.Bucket{Name: r.Bucket, Account: r.Caller.Account, Region: region, CreatedAt: s.now().UTC()}
	err := s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.CreateBucket(ctx, b) })
	if errors.Is(err, store.ErrExists) {
		old, gerr := s.store.GetBucket(ctx, r.Bucket)
		if gerr == nil && old.Account == r.Caller.Account {
			return nil, s3Err(awsproto.S3BucketAlreadyOwnedByYou, "").With("BucketName", r.Bucket)
		}
		return nil, s3Err(awsproto.S3BucketAlreadyExists, "").With("BucketName", r.Bucket)
	}
	if err != nil {
		return nil, fmt.Errorf("create bucket: %w", err)
	}
	resp := newResponse(http.StatusOK)
	resp.Header.Set("Location", "/"+r.Bucket)
	return resp, nil
}

// validBucketName applies the general purpose bucket naming rules of the
// S3 User Guide: 3-63 characters of lower-case letters, digits, dots and
// hyphens, starting and ending with a letter or digit, no two adjacent
// dots, not an IP address, not the reserved prefixes and suffixes.
func validBucketName(name string) error {
	bad := s3Err(awsproto.S3InvalidBucketName, "").With("BucketName", name)
	if len(name) < 3 || len(name) > 63 {
		return bad
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return bad
		}
	}
	first, last := name[0], name[len(name)-1]
	if first == '.' || first == '-' || last == '.' || last == '-' || strings.Contains(name, "..") {
		return bad
	}
	if net.ParseIP(name) != nil {
		return bad
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return bad
		}
	}
	for _, sfx := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, sfx) {
			return bad
		}
	}
	return nil
}
