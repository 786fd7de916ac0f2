package s3

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"

	"github.com/coffer-kms/coffer/internal/awsproto"
)

// ListAllMyBucketsResult is the ListBuckets response.
type ListAllMyBucketsResult struct {
	XMLName xml.Name `xml:"ListAllMyBucketsResult"`
	Buckets Buckets  `xml:"Buckets"`
	Owner   Owner    `xml:"Owner"`
}

// Buckets is the Buckets element, present even when empty.
type Buckets struct {
	Bucket []BucketInfo `xml:"Bucket"`
}

// BucketInfo is one Bucket of ListBuckets.
type BucketInfo struct {
	Name         string          `xml:"Name"`
	CreationDate awsproto.S3Time `xml:"CreationDate"`
	BucketRegion string          `xml:"BucketRegion"`
}

// Owner is a bucket or object owner: the account's canonical id.
type Owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

// listBuckets is ListBuckets: the caller's account's buckets by name.
func (s *Service) listBuckets(ctx context.Context, r *Request) (*Response, error) {
	if err := s.authorize(ctx, r, nil, "s3:ListAllMyBuckets", "*"); err != nil {
		return nil, err
	}
	bs, err := s.store.ListBuckets(ctx, r.Caller.Account)
	if err != nil {
		return nil, fmt.Errorf("list buckets: %w", err)
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].Name < bs[j].Name })
	out := &ListAllMyBucketsResult{Owner: Owner{ID: r.Caller.Account}}
	for _, b := range bs {
		out.Buckets.Bucket = append(out.Buckets.Bucket, BucketInfo{Name: b.Name, CreationDate: awsproto.S3Time(b.CreatedAt), BucketRegion: b.Region})
	}
	resp := newResponse(http.StatusOK)
	resp.XML = out
	return resp, nil
}

// headBucket is HeadBucket: 200 with the bucket's region, or 404/403
// without a body.
func (s *Service) headBucket(ctx context.Context, r *Request) (*Response, error) {
	b, err := s.bucket(ctx, r, r.Bucket, "s3:ListBucket", bucketARN(r.Bucket))
	if err != nil {
		return nil, err
	}
	resp := newResponse(http.StatusOK)
	resp.Header.Set("X-Amz-Bucket-Region", b.Region)
	return resp, nil
}

// LocationConstraint is the GetBucketLocation response; us-east-1 is the
// empty constraint.
type LocationConstraint struct {
	XMLName xml.Name `xml:"LocationConstraint"`
	Region  string   `xml:",chardata"`
}

// getBucketLocation is GetBucketLocation.
func (s *Service) getBucketLocation(ctx context.Context, r *Request) (*Response, error) {
	b, err := s.bucket(ctx, r, r.Bucket, "s3:GetBucketLocation", bucketARN(r.Bucket))
	if err != nil {
		return nil, err
	}
	out := &LocationConstraint{Region: b.Region}
	if b.Region == "us-east-1" {
		out.Region = ""
	}
	resp := newResponse(http.StatusOK)
	resp.XML = out
	return resp, nil
}
