package server_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3ETagNotMD5 checks the ETags of SSE-KMS and SSE-C objects, which S3
// does not define as the MD5 of the data: 32 hex digits, different for
// every write of the same bytes, and usable in conditional requests,
// listings and copies like any other ETag.
func TestS3ETagNotMD5(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "etag")
	cKey, cMD5 := sseCKey()
	shape := regexp.MustCompile(`^"[0-9a-f]{32}"$`)
	body := []byte("the same bytes, written twice")
	sum := md5.Sum(body)
	md5ETag := `"` + hex.EncodeToString(sum[:]) + `"`
	for _, tc := range []struct {
		name string
		set  func(*s3.PutObjectInput)
		get  func(*s3.GetObjectInput)
	}{
		{"SSE-KMS", func(in *s3.PutObjectInput) { in.ServerSideEncryption = types.ServerSideEncryptionAwsKms }, nil},
		{"SSE-C", func(in *s3.PutObjectInput) {
			in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(cKey), aws.String(cMD5)
		}, func(in *s3.GetObjectInput) {
			in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(cKey), aws.String(cMD5)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := aws.String("obj-" + tc.name)
			put := func(in *s3.PutObjectInput) (string, error) {
				in.Bucket, in.Key, in.Body = aws.String("etag"), key, bytes.NewReader(body)
				tc.set(in)
				out, err := e.s3.PutObject(ctx, in)
				if err != nil {
					return "", err
				}
				return aws.ToString(out.ETag), nil
			}
			first, err := put(&s3.PutObjectInput{})
			if err != nil {
				t.Fatal(err)
			}
			second, err := put(&s3.PutObjectInput{IfMatch: aws.String(first)})
			if err != nil {
				t.Fatalf("PUT If-Match the first ETag: %v", err)
			}
			if !shape.MatchString(first) || !shape.MatchString(second) || first == second || first == md5ETag || second == md5ETag {
				t.Fatalf("ETags %s, %s (MD5 %s)", first, second, md5ETag)
			}
			if _, err := put(&s3.PutObjectInput{IfMatch: aws.String(first)}); err == nil {
				t.Fatal("PUT If-Match a replaced ETag succeeded")
			}
			// With a Content-MD5 the body is still verified.
			if _, err := put(&s3.PutObjectInput{ContentMD5: aws.String("AAAAAAAAAAAAAAAAAAAAAA==")}); err == nil {
				t.Fatal("PUT with a wrong Content-MD5 succeeded")
			}
			gin := &s3.GetObjectInput{Bucket: aws.String("etag"), Key: key, IfMatch: aws.String(second)}
			if tc.get != nil {
				tc.get(gin)
			}
			got, err := e.s3.GetObject(ctx, gin)
			if err != nil {
				t.Fatalf("GET If-Match: %v", err)
			}
			got.Body.Close()
			if aws.ToString(got.ETag) != second {
				t.Errorf("GET ETag %s, want %s", aws.ToString(got.ETag), second)
			}
			list, err := e.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("etag"), Prefix: key})
			if err != nil || len(list.Contents) != 1 || aws.ToString(list.Contents[0].ETag) != second {
				t.Fatalf("list: %+v %v", list, err)
			}
		})
	}
}
