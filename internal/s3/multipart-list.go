package s3

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/store"
)

// ListMultipartUploadsResult is the ListMultipartUploads response.
type ListMultipartUploadsResult struct {
	XMLName            xml.Name       `xml:"ListMultipartUploadsResult"`
	Bucket             string         `xml:"Bucket"`
	KeyMarker          string         `xml:"KeyMarker"`
	UploadIDMarker     string         `xml:"UploadIdMarker"`
	NextKeyMarker      string         `xml:"NextKeyMarker"`
	NextUploadIDMarker string         `xml:"NextUploadIdMarker"`
	Delimiter          string         `xml:"Delimiter,omitempty"`
	Prefix             string         `xml:"Prefix"`
	EncodingType       string         `xml:"EncodingType,omitempty"`
	MaxUploads         int            `xml:"MaxUploads"`
	IsTruncated        bool           `xml:"IsTruncated"`
	Uploads            []UploadInfo   `xml:"Upload"`
	CommonPrefixes     []CommonPrefix `xml:"CommonPrefixes"`
}

// UploadInfo is one Upload of ListMultipartUploads.
type UploadInfo struct {
	Key               string          `xml:"Key"`
	UploadID          string          `xml:"UploadId"`
	Initiator         Owner           `xml:"Initiator"`
	Owner             Owner           `xml:"Owner"`
	StorageClass      string          `xml:"StorageClass"`
	Initiated         awsproto.S3Time `xml:"Initiated"`
	ChecksumAlgorithm string          `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string          `xml:"ChecksumType,omitempty"`
}

// maxUploadsPerKey bounds the uploads of one key read for one page.
const maxUploadsPerKey = 10000

// listMultipartUploads is ListMultipartUploads: uploads sorted by key,
// then initiation time, after key-marker (and, for the key-marker itself,
// after upload-id-marker), grouped by delimiter into CommonPrefixes, at
// most max-uploads (1000) entries.
func (s *Service) listMultipartUploads(ctx context.Context, r *Request) (*Response, error) {
	b, err := s.bucket(ctx, r, r.Bucket, "s3:ListBucketMultipartUploads", bucketARN(r.Bucket))
	if err != nil {
		return nil, err
	}
	q := r.Query
	prefix, delim, enc := q.Get("prefix"), q.Get("delimiter"), q.Get("encoding-type")
	if err := checkEncodingType(enc); err != nil {
		return nil, err
	}
	maxUploads := 1000
	if v := q.Get("max-uploads"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, s3Err(awsproto.S3InvalidArgument, "Provided max-uploads not an integer or within integer range").
				With("ArgumentName", "max-uploads").With("ArgumentValue", v)
		}
		maxUploads = min(n, 1000)
	}
	keyMarker, idMarker := q.Get("key-marker"), q.Get("upload-id-marker")
	if keyMarker == "" {
		idMarker = "" // ignored without key-marker, as S3 does
	}
	out := &ListMultipartUploadsResult{Bucket: b.Name, KeyMarker: keyMarker, UploadIDMarker: idMarker, Delimiter: delim,
		Prefix: prefix, EncodingType: enc, MaxUploads: maxUploads}

	count, lastPrefix := 0, ""
	if delim != "" && strings.HasPrefix(keyMarker, prefix) && strings.HasSuffix(keyMarker, delim) {
		lastPrefix = keyMarker
	}
	// add returns false once the page is full (and marks it truncated).
	add := func(u store.Upload) bool {
		if delim != "" {
			if i := strings.Index(u.Key[len(prefix):], delim); i >= 0 {
				cp := u.Key[:len(prefix)+i+len(delim)]
				if cp == lastPrefix {
					return true
				}
				if count == maxUploads {
					out.IsTruncated = true
					return false
				}
				lastPrefix = cp
				out.CommonPrefixes = append(out.CommonPrefixes, CommonPrefix{Prefix: cp})
				out.NextKeyMarker, out.NextUploadIDMarker = cp, ""
				count++
				return true
			}
		}
		if count == maxUploads {
			out.IsTruncated = true
			return false
		}
		info := UploadInfo{Key: u.Key, UploadID: u.UploadID, Initiator: Owner{ID: b.Account}, Owner: Owner{ID: b.Account},
			StorageClass: "STANDARD", Initiated: awsproto.S3Time(u.Initiated)}
		if alg, typ := uploadAlgorithm(u); alg != "" {
			info.ChecksumAlgorithm, info.ChecksumType = string(alg), string(typ)
		}
		out.Uploads = append(out.Uploads, info)
		out.NextKeyMarker, out.NextUploadIDMarker = u.Key, u.UploadID
		count++
		return true
	}

	// The rest of key-marker's own uploads, after upload-id-marker.
	if idMarker != "" && strings.HasPrefix(keyMarker, prefix) {
		same, err := s.uploadsOfKey(ctx, b.Name, keyMarker)
		if err != nil {
			return nil, err
		}
		start := len(same)
		for i, u := range same {
			if u.UploadID == idMarker {
				start = i + 1
				break
			}
		}
		if start == len(same) { // marker not found: by upload id
			start = 0
			for start < len(same) && same[start].UploadID <= idMarker {
				start++
			}
		}
		for _, u := range same[start:] {
			if !add(u) {
				return s.uploadsResponse(out)
			}
		}
	}
	cursor := keyMarker
	for maxUploads > 0 {
		ups, err := s.store.ListUploads(ctx, b.Name, prefix, store.Page{After: cursor, Limit: listBatch})
		if err != nil {
			return nil, fmt.Errorf("list uploads: %w", err)
		}
		full := len(ups) == listBatch
		if full {
			// The batch may cut the uploads of its last key: read that
			// key whole.
			last := ups[len(ups)-1].Key
			for len(ups) > 0 && ups[len(ups)-1].Key == last {
				ups = ups[:len(ups)-1]
			}
			same, err := s.uploadsOfKey(ctx, b.Name, last)
			if err != nil {
				return nil, err
			}
			ups = append(ups, same...)
			cursor = last
		}
		for _, u := range ups {
			if !add(u) {
				return s.uploadsResponse(out)
			}
		}
		if !full {
			break
		}
	}
	if !out.IsTruncated {
		out.NextKeyMarker, out.NextUploadIDMarker = "", ""
	}
	return s.uploadsResponse(out)
}

func (s *Service) uploadsResponse(out *ListMultipartUploadsResult) (*Response, error) {
	if out.EncodingType == "url" {
		out.Prefix, out.Delimiter, out.KeyMarker = url.QueryEscape(out.Prefix), url.QueryEscape(out.Delimiter), url.QueryEscape(out.KeyMarker)
		out.NextKeyMarker = url.QueryEscape(out.NextKeyMarker)
		for i := range out.Uploads {
			out.Uploads[i].Key = url.QueryEscape(out.Uploads[i].Key)
		}
		for i := range out.CommonPrefixes {
			out.CommonPrefixes[i].Prefix = url.QueryEscape(out.CommonPrefixes[i].Prefix)
		}
	}
	resp := newResponse(http.StatusOK)
	resp.XML = out
	return resp, nil
}

// uploadsOfKey returns the uploads of exactly key, in initiation order.
func (s *Service) uploadsOfKey(ctx context.Context, bucket, key string) ([]store.Upload, error) {
	ups, err := s.store.ListUploads(ctx, bucket, key, store.Page{Limit: maxUploadsPerKey})
	if err != nil {
		return nil, fmt.Errorf("list uploads of %s: %w", key, err)
	}
	n := 0
	for n < len(ups) && ups[n].Key == key {
		n++
	}
	return ups[:n], nil
}
