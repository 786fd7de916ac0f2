package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestS3Multipart(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "mpu")
	data := make([]byte, 11<<20+12345)
	rand.Read(data)
	chunks := [][]byte{data[:5<<20], data[5<<20 : 10<<20], data[10<<20:]}
	cKey, cMD5 := sseCKey()
	modes := []struct {
		name   string
		create func(*s3.CreateMultipartUploadInput)
		ssec   bool
		mode   types.ServerSideEncryption
	}{
		{name: "SSE-S3", mode: types.ServerSideEncryptionAes256},
		{name: "SSE-KMS", mode: types.ServerSideEncryptionAwsKms,
			create: func(in *s3.CreateMultipartUploadInput) { in.ServerSideEncryption = types.ServerSideEncryptionAwsKms }},
		{name: "SSE-C", ssec: true, create: func(in *s3.CreateMultipartUploadInput) {
			in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(cKey), aws.String(cMD5)
		}},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			key := "mp-" + m.name
			cin := &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String(key), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
				ContentType: aws.String("application/x-test")}
			if m.create != nil {
				m.create(cin)
			}
			up, err := e.s3.CreateMultipartUpload(ctx, cin)
			if err != nil {
				t.Fatal(err)
			}
			if up.ServerSideEncryption != m.mode {
				t.Errorf("CreateMultipartUpload SSE %q, want %q", up.ServerSideEncryption, m.mode)
			}
			var done []types.CompletedPart
			for i, c := range chunks {
				in := &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String(key), UploadId: up.UploadId,
					PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(c), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32}
				if m.ssec {
					in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(cKey), aws.String(cMD5)
				}
				out, err := e.s3.UploadPart(ctx, in)
				if err != nil {
					t.Fatalf("part %d: %v", i+1, err)
				}
				done = append(done, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32})
			}
			lp, err := e.s3.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpu"), Key: aws.String(key), UploadId: up.UploadId})
			if err != nil || len(lp.Parts) != 3 || aws.ToInt64(lp.Parts[0].Size) != 5<<20 {
				t.Fatalf("ListParts: %+v %v", lp, err)
			}
			comp, err := e.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String(key),
				UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(aws.ToString(comp.ETag), `-3"`) || !strings.HasSuffix(aws.ToString(comp.ChecksumCRC32), "-3") {
				t.Errorf("Complete ETag %s checksum %s", aws.ToString(comp.ETag), aws.ToString(comp.ChecksumCRC32))
			}
			for _, rng := range []*string{nil, aws.String("bytes=5242000-10486000"), aws.String("bytes=-100")} {
				gin := &s3.GetObjectInput{Bucket: aws.String("mpu"), Key: aws.String(key), Range: rng}
				if m.ssec {
					gin.SSECustomerAlgorithm, gin.SSECustomerKey, gin.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(cKey), aws.String(cMD5)
				}
				got, err := e.s3.GetObject(ctx, gin)
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(got.Body)
				want := data
				switch aws.ToString(rng) {
				case "bytes=5242000-10486000":
					want = data[5242000:10486001]
				case "bytes=-100":
					want = data[len(data)-100:]
				}
				if err != nil || !bytes.Equal(b, want) {
					t.Fatalf("GET %s: %d bytes, want %d (%v)", aws.ToString(rng), len(b), len(want), err)
				}
				if aws.ToString(got.ContentType) != "application/x-test" || got.ServerSideEncryption != m.mode {
					t.Errorf("GET headers: %q %q", aws.ToString(got.ContentType), got.ServerSideEncryption)
				}
			}
		})
	}

	t.Run("errors", func(t *testing.T) {
		up, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("bad")})
		if err != nil {
			t.Fatal(err)
		}
		var parts []types.CompletedPart
		for i, n := range []int{1000, 1000} {
			out, err := e.s3.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("bad"), UploadId: up.UploadId,
				PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(make([]byte, n))})
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
		}
		complete := func(ps []types.CompletedPart) error {
			_, err := e.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("bad"),
				UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: ps}})
			return err
		}
		wantCode(t, "small part", complete(parts), "EntityTooSmall", 400)
		wantCode(t, "wrong ETag", complete([]types.CompletedPart{{PartNumber: aws.Int32(1), ETag: aws.String(`"00"`)}}), "InvalidPart", 400)
		wantCode(t, "missing part", complete([]types.CompletedPart{{PartNumber: aws.Int32(7), ETag: parts[0].ETag}}), "InvalidPart", 400)
		// A single small part is a valid (last) part.
		if err := complete(parts[:1]); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "complete twice", complete(parts[:1]), "NoSuchUpload", 404)

		up2, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("aborted")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s3.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("aborted"), UploadId: up2.UploadId,
			PartNumber: aws.Int32(1), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
		_, err = e.s3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("mpu")})
		wantCode(t, "delete bucket with objects and an upload", err, "BucketNotEmpty", 409)
		if _, err := e.s3.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("aborted"), UploadId: up2.UploadId}); err != nil {
			t.Fatal(err)
		}
		_, err = e.s3.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("aborted"), UploadId: up2.UploadId,
			PartNumber: aws.Int32(2), Body: strings.NewReader("x")})
		wantCode(t, "part of an aborted upload", err, "NoSuchUpload", 404)
	})
}
