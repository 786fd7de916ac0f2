package s3

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/coffer-kms/coffer/internal/awsproto"
)

// Operations returns the operations the service serves, by S3 name.
func (s *Service) Operations() map[string]Operation {
	return map[string]Operation{
		"ListBuckets":       s.listBuckets,
		"CreateBucket":      s.createBucket,
		"HeadBucket":        s.headBucket,
		"DeleteBucket":      s.deleteBucket,
		"GetBucketLocation": s.getBucketLocation,
		"PutObject":         s.putObject,
		"GetObject":         s.getObject,
		"HeadObject":        s.headObject,
		"DeleteObject":      s.deleteObject,
		"ListObjectsV2":     s.listObjectsV2,
		"ListObjects":       s.listObjects,
		"DeleteObjects":     s.deleteObjects,

		"PutBucketEncryption":    s.putBucketEncryption,
		"GetBucketEncryption":    s.getBucketEncryption,
		"DeleteBucketEncryption": s.deleteBucketEncryption,

		"CreateMultipartUpload":   s.createMultipartUpload,
		"UploadPart":              s.uploadPart,
		"CompleteMultipartUpload": s.completeMultipartUpload,
		"AbortMultipartUpload":    s.abortMultipartUpload,
		"ListParts":               s.listParts,
		"UploadPartCopy":          s.uploadPartCopy,
		"ListMultipartUploads":    s.listMultipartUploads,
		"CopyObject":              s.copyObject,
		"PutBucketPolicy":         s.putBucketPolicy,
		"GetBucketPolicy":         s.getBucketPolicy,
		"DeleteBucketPolicy":      s.deleteBucketPolicy,
	}
}

// route names the operation of r, or returns the S3 error for a request
// no operation serves.
func route(r *Request) (string, error) {
	q := routingQuery(r.Query)
	switch {
	case r.Bucket == "":
		if r.Method == http.MethodGet {
			return "ListBuckets", nil
		}
	case r.Key == "":
		switch r.Method {
		case http.MethodPut:
			switch {
			case len(q) == 0:
				return "CreateBucket", nil
			case q.Has("encryption") && len(q) == 1:
				return "PutBucketEncryption", nil
			case q.Has("policy") && len(q) == 1:
				return "PutBucketPolicy", nil
			}
		case http.MethodHead:
			return "HeadBucket", nil
		case http.MethodDelete:
			switch {
			case len(q) == 0:
				return "DeleteBucket", nil
			case q.Has("encryption") && len(q) == 1:
				return "DeleteBucketEncryption", nil
			case q.Has("policy") && len(q) == 1:
				return "DeleteBucketPolicy", nil
			}
		case http.MethodGet:
			switch {
			case q.Has("location"):
				return "GetBucketLocation", nil
			case q.Has("encryption") && len(q) == 1:
				return "GetBucketEncryption", nil
			case q.Has("policy") && len(q) == 1:
				return "GetBucketPolicy", nil
			case q.Has("uploads"):
				return "ListMultipartUploads", nil
			case q.Get("list-type") == "2":
				return "ListObjectsV2", nil
			case !hasSubresource(q):
				return "ListObjects", nil
			}
		case http.MethodPost:
			if q.Has("delete") {
				return "DeleteObjects", nil
			}
		}
	case q.Has("uploads"):
		if r.Method == http.MethodPost {
			return "CreateMultipartUpload", nil
		}
	case q.Has("uploadId"):
		switch r.Method {
		case http.MethodPut:
			if q.Has("partNumber") {
				if r.Header.Get("X-Amz-Copy-Source") != "" {
					return "UploadPartCopy", nil
				}
				return "UploadPart", nil
			}
		case http.MethodPost:
			return "CompleteMultipartUpload", nil
		case http.MethodDelete:
			return "AbortMultipartUpload", nil
		case http.MethodGet:
			return "ListParts", nil
		}
	default:
		if q.Has("tagging") || q.Has("acl") || q.Has("attributes") {
			break
		}
		switch r.Method {
		case http.MethodPut:
			if r.Header.Get("X-Amz-Copy-Source") != "" {
				return "CopyObject", nil
			}
			return "PutObject", nil
		case http.MethodGet:
			return "GetObject", nil
		case http.MethodHead:
			return "HeadObject", nil
		case http.MethodDelete:
			return "DeleteObject", nil
		}
	}
	return "", awsproto.NewS3Error(awsproto.S3NotImplemented).
		WithMessage("Coffer does not implement this S3 operation yet.")
}

// routingQuery is q without the parameters that never select an
// operation: presigned-URL authentication (X-Amz-*) and the SDKs' x-id.
func routingQuery(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, v := range q {
		if k == "x-id" || strings.HasPrefix(strings.ToLower(k), "x-amz-") {
			continue
		}
		out[k] = v
	}
	return out
}

// hasSubresource reports whether q names a bucket subresource (?acl,
// ?encryption, ...) rather than only listing parameters.
func hasSubresource(q url.Values) bool {
	for k := range q {
		switch k {
		case "prefix", "delimiter", "marker", "max-keys", "encoding-type":
		default:
			return true
		}
	}
	return false
}

// Serve runs r and writes the answer: the one place that writes S3
// responses and errors. It returns the operation name ("" if none) and the
// error sent, for the server's logs.
func (s *Service) Serve(w http.ResponseWriter, hr *http.Request, r *Request, reqID string) (string, error) {
	name, err := route(r)
	if err == nil {
		var resp *Response
		resp, err = s.Operations()[name](hr.Context(), r)
		if err == nil {
			s.write(hr.Context(), w, hr, resp, reqID)
			return name, nil
		}
	}
	e := awsproto.AsS3Error(err)
	if e.Err.Status >= 500 {
		s.log.ErrorContext(hr.Context(), "S3 request failed", "request_id", reqID, "operation", name, "err", err)
	}
	awsproto.WriteS3Error(w, hr, e, reqID)
	return name, err
}

func (s *Service) write(ctx context.Context, w http.ResponseWriter, hr *http.Request, resp *Response, reqID string) {
	h := w.Header()
	for k, v := range resp.Header {
		h[k] = v
	}
	h.Set("X-Amz-Request-Id", reqID)
	switch {
	case resp.XML != nil:
		if err := awsproto.WriteS3XML(w, resp.Status, resp.XML); err != nil {
			s.log.ErrorContext(ctx, "writing S3 response", "request_id", reqID, "err", err)
		}
	case resp.Body != nil:
		defer resp.Body.Close()
		w.WriteHeader(resp.Status)
		if hr.Method == http.MethodHead {
			return
		}
		buf := s.buffers.get()
		defer s.buffers.put(buf)
		if _, err := copyThrough(w, resp.Body, *buf); err != nil {
			// Headers are gone: abort the connection so the client sees a
			// truncated body, never bytes that did not authenticate.
			s.log.WarnContext(ctx, "streaming S3 object", "request_id", reqID, "err", err)
			panic(http.ErrAbortHandler)
		}
	default:
		if h.Get("Content-Length") == "" && resp.Status != http.StatusNoContent && resp.Status != http.StatusNotModified {
			h.Set("Content-Length", "0")
		}
		w.WriteHeader(resp.Status)
	}
}

// s3Err is a shortcut for a table error with a message.
func s3Err(code, msg string) *awsproto.S3Error {
	e := awsproto.NewS3Error(code)
	if msg != "" {
		e.WithMessage(msg)
	}
	return e
}

// isS3Error reports whether err is (or wraps) an S3 error of code.
func isS3Error(err error, code string) bool {
	var e *awsproto.S3Error
	return errors.As(err, &e) && e.Err.Code == code
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
