package server_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3BucketKeyReducesKMSCalls counts the KMS calls of 1,000 SSE-KMS
// PUTs (and 200 GETs of them) without and with S3 Bucket Keys.
func TestS3BucketKeyReducesKMSCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("4,000 requests")
	}
	e := newS3Env(t)
	ctx := context.Background()
	const n, gets = 1000, 200
	run := func(bucket string, bucketKey bool) (putCalls, getCalls int64) {
		mustBucket(t, e.s3, bucket)
		before := e.app.S3.KMSCalls().Total()
		for i := range n {
			out, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(fmt.Sprintf("o%04d", i)),
				Body: strings.NewReader("payload"), ServerSideEncryption: types.ServerSideEncryptionAwsKms, BucketKeyEnabled: aws.Bool(bucketKey)})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToBool(out.BucketKeyEnabled) != bucketKey {
				t.Fatalf("PUT echoes BucketKeyEnabled=%v", aws.ToBool(out.BucketKeyEnabled))
			}
		}
		mid := e.app.S3.KMSCalls().Total()
		for i := range gets {
			got := getBody(t, e.s3, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(fmt.Sprintf("o%04d", i))})
			if string(got) != "payload" {
				t.Fatalf("GET %d: %q", i, got)
			}
		}
		return mid - before, e.app.S3.KMSCalls().Total() - mid
	}
	putsOff, getsOff := run("nobk", false)
	putsOn, getsOn := run("withbk", true)
	t.Logf("KMS calls per %d SSE-KMS PUTs: %d without S3 Bucket Keys, %d with", n, putsOff, putsOn)
	t.Logf("KMS calls per %d GETs of them: %d without S3 Bucket Keys, %d with", gets, getsOff, getsOn)
	if putsOff != n || getsOff != gets {
		t.Errorf("without bucket keys: %d and %d calls, want one per request", putsOff, getsOff)
	}
	if putsOn > 2 || getsOn > 2 {
		t.Errorf("with bucket keys: %d and %d calls for %d requests", putsOn, getsOn, n)
	}
}

func TestS3BucketKeys(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "bkdefault")
	// A customer managed key: its default policy delegates to IAM (aws/s3
	// would allow every principal of the account through S3).
	ck, err := e.kms.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	putDefault(t, e.s3, "bkdefault", types.ServerSideEncryptionAwsKms, aws.ToString(ck.KeyMetadata.Arn), true)
	base := e.app.S3.KMSCalls()
	for i := range 5 {
		out, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkdefault"), Key: aws.String(fmt.Sprint(i)), Body: strings.NewReader("x")})
		if err != nil || !aws.ToBool(out.BucketKeyEnabled) || out.ServerSideEncryption != types.ServerSideEncryptionAwsKms {
			t.Fatalf("PUT under the default: %+v %v", out, err)
		}
	}
	if got := e.app.S3.KMSCalls().GenerateDataKey - base.GenerateDataKey; got != 1 {
		t.Fatalf("5 PUTs under a BucketKeyEnabled default: %d GenerateDataKey calls, want 1", got)
	}
	// The request header wins over the default.
	out, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkdefault"), Key: aws.String("off"), Body: strings.NewReader("x"),
		BucketKeyEnabled: aws.Bool(false)})
	if err != nil || aws.ToBool(out.BucketKeyEnabled) {
		t.Fatalf("header false: %+v %v", out, err)
	}
	h, err := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkdefault"), Key: aws.String("0")})
	if err != nil || !aws.ToBool(h.BucketKeyEnabled) {
		t.Fatalf("HEAD: %+v %v", h, err)
	}

	// Multipart and copy go through the same path.
	big := bytes.Repeat([]byte("m"), 5<<20)
	cu, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkdefault"), Key: aws.String("mp")})
	if err != nil || !aws.ToBool(cu.BucketKeyEnabled) {
		t.Fatalf("CreateMultipartUpload: %+v %v", cu, err)
	}
	var parts []types.CompletedPart
	for i, chunk := range [][]byte{big, []byte("tail")} {
		up, err := e.s3.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkdefault"), Key: aws.String("mp"), UploadId: cu.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(chunk)})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, types.CompletedPart{ETag: up.ETag, PartNumber: aws.Int32(int32(i + 1))})
	}
	if _, err := e.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("bkdefault"), Key: aws.String("mp"),
		UploadId: cu.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
	if got := getBody(t, e.s3, &s3.GetObjectInput{Bucket: aws.String("bkdefault"), Key: aws.String("mp")}); len(got) != len(big)+4 {
		t.Fatalf("multipart GET: %d bytes", len(got))
	}
	cp, err := e.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("bkdefault"), Key: aws.String("copy"), CopySource: aws.String("bkdefault/0")})
	if err != nil || !aws.ToBool(cp.BucketKeyEnabled) {
		t.Fatalf("copy: %+v %v", cp, err)
	}

	// A principal without KMS permissions gets no use of the cached
	// bucket key: the cache is per principal, KMS judges each one.
	s3only := e.s3Client(newUser(t, e, "s3only", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`), nil)
	_, err = s3only.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkdefault"), Key: aws.String("denied"), Body: strings.NewReader("x")})
	wantCode(t, "PUT without kms:GenerateDataKey", err, "AccessDenied", 403)
	_, err = s3only.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkdefault"), Key: aws.String("0")})
	wantCode(t, "GET without kms:Decrypt", err, "AccessDenied", 403)
}
