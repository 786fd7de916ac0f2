package server_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestS3BlockedEncryptionTypes(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "blockc")
	key, md5 := sseCKey()
	withC := func(in *s3.PutObjectInput) {
		in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(key), aws.String(md5)
	}
	// An SSE-C object written before the block stays readable.
	if err := tryPut(e.s3, "blockc", "old", withC); err != nil {
		t.Fatal(err)
	}
	block := func(typ ...types.EncryptionType) error {
		_, err := e.s3.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("blockc"),
			ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
				ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAes256},
				BlockedEncryptionTypes:             &types.BlockedEncryptionTypes{EncryptionType: typ}}}}})
		return err
	}
	if err := block(types.EncryptionTypeSseC); err != nil {
		t.Fatal(err)
	}
	got, err := e.s3.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("blockc")})
	if err != nil {
		t.Fatal(err)
	}
	if bt := got.ServerSideEncryptionConfiguration.Rules[0].BlockedEncryptionTypes; bt == nil || len(bt.EncryptionType) != 1 || bt.EncryptionType[0] != types.EncryptionTypeSseC {
		t.Fatalf("GetBucketEncryption BlockedEncryptionTypes = %+v", bt)
	}
	wantCode(t, "SSE-C PUT", tryPut(e.s3, "blockc", "new", withC), "AccessDenied", 403)
	_, err = e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("blockc"), Key: aws.String("mp"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(key), SSECustomerKeyMD5: aws.String(md5)})
	wantCode(t, "SSE-C CreateMultipartUpload", err, "AccessDenied", 403)
	_, err = e.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("blockc"), Key: aws.String("copy"), CopySource: aws.String("blockc/old"),
		CopySourceSSECustomerAlgorithm: aws.String("AES256"), CopySourceSSECustomerKey: aws.String(key), CopySourceSSECustomerKeyMD5: aws.String(md5),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(key), SSECustomerKeyMD5: aws.String(md5)})
	wantCode(t, "SSE-C copy destination", err, "AccessDenied", 403)
	// Reads, and copies out of SSE-C, still work.
	out, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("blockc"), Key: aws.String("old"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(key), SSECustomerKeyMD5: aws.String(md5)})
	if err != nil {
		t.Fatal(err)
	}
	out.Body.Close()
	if _, err := e.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("blockc"), Key: aws.String("plain"), CopySource: aws.String("blockc/old"),
		CopySourceSSECustomerAlgorithm: aws.String("AES256"), CopySourceSSECustomerKey: aws.String(key), CopySourceSSECustomerKeyMD5: aws.String(md5)}); err != nil {
		t.Fatalf("copy out of SSE-C: %v", err)
	}
	if err := tryPut(e.s3, "blockc", "sse-s3", nil); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "NONE with SSE-C", block(types.EncryptionTypeNone, types.EncryptionTypeSseC), "InvalidArgument", 400)
	wantCode(t, "unknown type", block("SSE-KMS"), "MalformedXML", 400)
	// NONE unblocks.
	if err := block(types.EncryptionTypeNone); err != nil {
		t.Fatal(err)
	}
	if err := tryPut(e.s3, "blockc", "new", withC); err != nil {
		t.Fatalf("after NONE: %v", err)
	}
}
