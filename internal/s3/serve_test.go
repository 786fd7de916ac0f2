package s3

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coffer-kms/coffer/internal/awsproto"
)

func TestRoute(t *testing.T) {
	tests := []struct {
		method, bucket, key, query string
		header                     string
		want                       string
	}{
		{"GET", "", "", "", "", "ListBuckets"},
		{"PUT", "b", "", "", "", "CreateBucket"},
		{"HEAD", "b", "", "", "", "HeadBucket"},
		{"DELETE", "b", "", "", "", "DeleteBucket"},
		{"GET", "b", "", "location", "", "GetBucketLocation"},
		{"PUT", "b", "", "encryption", "", "PutBucketEncryption"},
		{"GET", "b", "", "encryption", "", "GetBucketEncryption"},
		{"DELETE", "b", "", "encryption", "", "DeleteBucketEncryption"},
		{"PUT", "b", "", "encryption&policy", "", ""},
		{"GET", "b", "", "list-type=2&prefix=a", "", "ListObjectsV2"},
		{"PUT", "b", "k", "", "", "PutObject"},
		{"GET", "b", "k", "", "", "GetObject"},
		{"HEAD", "b", "k", "", "", "HeadObject"},
		{"DELETE", "b", "k", "", "", "DeleteObject"},
		{"POST", "b", "k", "uploads", "", "CreateMultipartUpload"},
		{"PUT", "b", "k", "partNumber=1&uploadId=u", "", "UploadPart"},
		{"POST", "b", "k", "uploadId=u", "", "CompleteMultipartUpload"},
		{"DELETE", "b", "k", "uploadId=u", "", "AbortMultipartUpload"},
		{"GET", "b", "k", "uploadId=u", "", "ListParts"},
		// Not yet served: NotImplemented, never another operation.
		{"GET", "b", "", "", "", "ListObjects"},
		{"GET", "b", "", "prefix=a&marker=b", "", "ListObjects"},
		{"POST", "b", "", "delete", "", "DeleteObjects"},
		{"PUT", "b", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00", "", "CreateBucket"},
		{"GET", "b", "", "x-id=ListObjects&X-Amz-Credential=c", "", "ListObjects"},
		{"GET", "b", "", "policy", "", "GetBucketPolicy"},
		{"PUT", "b", "", "policy", "", "PutBucketPolicy"},
		{"DELETE", "b", "", "policy", "", "DeleteBucketPolicy"},
		{"PUT", "b", "k", "", "copy", "CopyObject"},
		{"GET", "b", "", "uploads", "", "ListMultipartUploads"},
		{"GET", "b", "", "uploads&prefix=a&key-marker=b", "", "ListMultipartUploads"},
		{"PUT", "b", "k", "tagging", "", ""}, // PutObjectTagging
		{"PUT", "b", "k", "partNumber=1&uploadId=u", "copy", "UploadPartCopy"},
	}
	for _, tt := range tests {
		q, _ := url.ParseQuery(tt.query)
		h := http.Header{}
		if tt.header == "copy" {
			h.Set("X-Amz-Copy-Source", "/src/k")
		}
		got, err := route(&Request{Method: tt.method, Bucket: tt.bucket, Key: tt.key, Query: q, Header: h})
		if got != tt.want {
			t.Errorf("%s /%s/%s?%s: %q, want %q", tt.method, tt.bucket, tt.key, tt.query, got, tt.want)
		}
		if tt.want == "" && !isS3Error(err, awsproto.S3NotImplemented) {
			t.Errorf("%s /%s/%s?%s: error %v, want NotImplemented", tt.method, tt.bucket, tt.key, tt.query, err)
		}
	}
	served := (&Service{}).Operations()
	for _, tt := range tests {
		if _, ok := served[tt.want]; tt.want != "" && !ok {
			t.Errorf("route names %s, which Operations lacks", tt.want)
		}
	}
}

func TestValidBucketName(t *testing.T) {
	good := []string{"abc", "my-bucket", "my.bucket.name", "a1b2c3", strings.Repeat("a", 63), "1bucket"}
	bad := []string{"ab", strings.Repeat("a", 64), "MyBucket", "my_bucket", "-bucket", "bucket-", ".bucket", "bucket.",
		"my..bucket", "192.168.5.4", "xn--bucket", "sthree-x", "bucket-s3alias", "bucket--ol-s3", "bucket.mrap", "amzn-s3-demo-x", "bu cket"}
	for _, n := range good {
		if err := validBucketName(n); err != nil {
			t.Errorf("%q refused: %v", n, err)
		}
	}
	for _, n := range bad {
		if !isS3Error(validBucketName(n), awsproto.S3InvalidBucketName) {
			t.Errorf("%q accepted", n)
		}
	}
}
