package s3

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/store"
)

// ListBucketResult is the ListObjectsV2 response.
type ListBucketResult struct {
	XMLName               xml.Name       `xml:"ListBucketResult"`
	Name                  string         `xml:"Name"`
	Prefix                string         `xml:"Prefix"`
	Delimiter             string         `xml:"Delimiter,omitempty"`
	MaxKeys               int            `xml:"MaxKeys"`
	EncodingType          string         `xml:"EncodingType,omitempty"`
	KeyCount              int            `xml:"KeyCount"`
	IsTruncated           bool           `xml:"IsTruncated"`
	ContinuationToken     string         `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
	StartAfter            string         `xml:"StartAfter,omitempty"`
	Contents              []ObjectInfo   `xml:"Contents"`
	CommonPrefixes        []CommonPrefix `xml:"CommonPrefixes"`
}

// ObjectInfo is one Contents element.
type ObjectInfo struct {
	Key               string          `xml:"Key"`
	LastModified      awsproto.S3Time `xml:"LastModified"`
	ETag              string          `xml:"ETag"`
	ChecksumAlgorithm string          `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string          `xml:"ChecksumType,omitempty"`
	Size              int64           `xml:"Size"`
	Owner             *Owner          `xml:"Owner,omitempty"`
	StorageClass      string          `xml:"StorageClass"`
}

// CommonPrefix is one CommonPrefixes element.
type CommonPrefix struct {
	Prefix string `xml:"Prefix"`
}

const listBatch = 1000

// listObjectsV2 is ListObjectsV2: keys in byte order after start-after or
// the continuation token (an opaque encoding of the last key or common
// prefix returned), grouped by delimiter, at most max-keys (1000) entries.
func (s *Service) listObjectsV2(ctx context.Context, r *Request) (*Response, error) {
	b, err := s.bucket(ctx, r, r.Bucket, "s3:ListBucket", bucketARN(r.Bucket))
	if err != nil {
		return nil, err
	}
	q := r.Query
	prefix, delim := q.Get("prefix"), q.Get("delimiter")
	enc := q.Get("encoding-type")
	if err := checkEncodingType(enc); err != nil {
		return nil, err
	}
	maxKeys, err := parseMaxKeys(q)
	if err != nil {
		return nil, err
	}
	after := q.Get("start-after")
	token := q.Get("continuation-token")
	lastPrefix := ""
	if q.Has("continuation-token") {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || len(raw) == 0 {
			return nil, s3Err(awsproto.S3InvalidArgument, "The continuation token provided is incorrect").
				With("ArgumentName", "continuation-token")
		}
		if string(raw) > after {
			after = string(raw)
		}
		if delim != "" && strings.HasSuffix(after, delim) && strings.HasPrefix(after, prefix) {
			lastPrefix = after
		}
	}
	out := &ListBucketResult{Name: b.Name, Prefix: prefix, Delimiter: delim, MaxKeys: maxKeys, EncodingType: enc,
		ContinuationToken: token, StartAfter: q.Get("start-after")}
	l, err := s.scan(ctx, b, prefix, delim, after, lastPrefix, maxKeys, q.Get("fetch-owner") == "true")
	if err != nil {
		return nil, err
	}
	out.Contents, out.CommonPrefixes, out.IsTruncated, out.KeyCount = l.contents, l.prefixes, l.truncated, l.count
	if out.IsTruncated {
		out.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(l.last))
	}
	if enc == "url" {
		out.Prefix, out.Delimiter, out.StartAfter = url.QueryEscape(out.Prefix), url.QueryEscape(out.Delimiter), url.QueryEscape(out.StartAfter)
		escapeListing(out.Contents, out.CommonPrefixes)
	}
	resp := newResponse(http.StatusOK)
	resp.XML = out
	return resp, nil
}

// escapeListing applies encoding-type=url to keys and prefixes.
func escapeListing(contents []ObjectInfo, prefixes []CommonPrefix) {
	for i := range contents {
		contents[i].Key = url.QueryEscape(contents[i].Key)
	}
	for i := range prefixes {
		prefixes[i].Prefix = url.QueryEscape(prefixes[i].Prefix)
	}
}

// listing is one page of a bucket listing.
type listing struct {
	contents  []ObjectInfo
	prefixes  []CommonPrefix
	count     int
	truncated bool
	// last is the last key or common prefix returned: where the next page
	// starts.
	last string
}

// scan lists up to maxKeys keys and common prefixes of b that start with
// prefix and sort after after; lastPrefix is a common prefix already
// returned (keys under it are skipped).
func (s *Service) scan(ctx context.Context, b store.Bucket, prefix, delim, after, lastPrefix string, maxKeys int, fetchOwner bool) (*listing, error) {
	l := &listing{}
	cursor := after
scan:
	for maxKeys > 0 {
		objs, err := s.store.ListObjects(ctx, b.Name, prefix, store.Page{After: cursor, Limit: listBatch})
		if err != nil {
			return nil, fmt.Errorf("list objects: %w", err)
		}
		for _, o := range objs {
			cursor = o.Key
			if delim != "" {
				if i := strings.Index(o.Key[len(prefix):], delim); i >= 0 {
					cp := o.Key[:len(prefix)+i+len(delim)]
					if cp == lastPrefix {
						continue
					}
					if l.count == maxKeys {
						l.truncated = true
						break scan
					}
					lastPrefix, l.last = cp, cp
					l.prefixes = append(l.prefixes, CommonPrefix{Prefix: cp})
					l.count++
					continue
				}
			}
			if l.count == maxKeys {
				l.truncated = true
				break scan
			}
			info := ObjectInfo{Key: o.Key, LastModified: awsproto.S3Time(o.LastModified), ETag: o.ETag, Size: o.Size, StorageClass: "STANDARD"}
			if alg, rest, ok := strings.Cut(o.Checksum, ":"); ok {
				info.ChecksumAlgorithm, info.ChecksumType = alg, "FULL_OBJECT"
				if _, typ, ok := strings.Cut(rest, ":"); ok {
					info.ChecksumType = typ
				}
			}
			if fetchOwner {
				info.Owner = &Owner{ID: b.Account}
			}
			l.contents = append(l.contents, info)
			l.last = o.Key
			l.count++
		}
		if len(objs) < listBatch {
			break
		}
	}
	return l, nil
}

// parseMaxKeys reads max-keys: 1000 by default and at most.
func parseMaxKeys(q url.Values) (int, error) {
	v := q.Get("max-keys")
	if v == "" {
		return 1000, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, s3Err(awsproto.S3InvalidArgument, "Provided max-keys not an integer or within integer range").
			With("ArgumentName", "max-keys").With("ArgumentValue", v)
	}
	return min(n, 1000), nil
}

func checkEncodingType(enc string) error {
	if enc != "" && enc != "url" {
		return s3Err(awsproto.S3InvalidArgument, "Invalid Encoding Method specified in Request").
			With("ArgumentName", "encoding-type").With("ArgumentValue", enc)
	}
	return nil
}
