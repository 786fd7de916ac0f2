package s3

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
)

// ListBucketResultV1 is the ListObjects (version 1) response.
type ListBucketResultV1 struct {
	XMLName        xml.Name       `xml:"ListBucketResult"`
	Name           string         `xml:"Name"`
	Prefix         string         `xml:"Prefix"`
	Marker         string         `xml:"Marker"`
	NextMarker     string         `xml:"NextMarker,omitempty"`
	MaxKeys        int            `xml:"MaxKeys"`
	Delimiter      string         `xml:"Delimiter,omitempty"`
	EncodingType   string         `xml:"EncodingType,omitempty"`
	IsTruncated    bool           `xml:"IsTruncated"`
	Contents       []ObjectInfo   `xml:"Contents"`
	CommonPrefixes []CommonPrefix `xml:"CommonPrefixes"`
}

// listObjects is ListObjects (version 1): paged by marker, with NextMarker
// when a delimiter is given (clients otherwise continue from the last key,
// as S3 documents).
func (s *Service) listObjects(ctx context.Context, r *Request) (*Response, error) {
	b, err := s.bucket(ctx, r, r.Bucket, "s3:ListBucket", bucketARN(r.Bucket))
	if err != nil {
		return nil, err
	}
	q := r.Query
	prefix, delim, marker, enc := q.Get("prefix"), q.Get("delimiter"), q.Get("marker"), q.Get("encoding-type")
	if err := checkEncodingType(enc); err != nil {
		return nil, err
	}
	maxKeys, err := parseMaxKeys(q)
	if err != nil {
		return nil, err
	}
	lastPrefix := ""
	if delim != "" && strings.HasSuffix(marker, delim) && strings.HasPrefix(marker, prefix) {
		lastPrefix = marker
	}
	l, err := s.scan(ctx, b, prefix, delim, marker, lastPrefix, maxKeys, true)
	if err != nil {
		return nil, err
	}
	out := &ListBucketResultV1{Name: b.Name, Prefix: prefix, Marker: marker, MaxKeys: maxKeys, Delimiter: delim, EncodingType: enc,
		IsTruncated: l.truncated, Contents: l.contents, CommonPrefixes: l.prefixes}
	if l.truncated && delim != "" {
		out.NextMarker = l.last
	}
	if enc == "url" {
		out.Prefix, out.Marker, out.Delimiter = url.QueryEscape(out.Prefix), url.QueryEscape(out.Marker), url.QueryEscape(out.Delimiter)
		out.NextMarker = url.QueryEscape(out.NextMarker)
		escapeListing(out.Contents, out.CommonPrefixes)
	}
	resp := newResponse(http.StatusOK)
	resp.XML = out
	return resp, nil
}
