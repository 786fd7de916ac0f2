package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestS3GetObjectPartNumber(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "parts")
	key, md5 := sseCKey()
	sseC := func(in *s3.GetObjectInput) {
		in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(key), aws.String(md5)
	}
	p1 := make([]byte, 5<<20)
	rand.Read(p1)
	p2 := []byte("the tail part")
	cu, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("parts"), Key: aws.String("mp"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(key), SSECustomerKeyMD5: aws.String(md5)})
	if err != nil {
		t.Fatal(err)
	}
	var done []types.CompletedPart
	for i, p := range [][]byte{p1, p2} {
		// Part numbers 3 and 7: GET's partNumber counts parts in order.
		num := int32(3 + 4*i)
		up, err := e.s3.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("parts"), Key: aws.String("mp"), UploadId: cu.UploadId,
			PartNumber: aws.Int32(num), Body: bytes.NewReader(p),
			SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(key), SSECustomerKeyMD5: aws.String(md5)})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, types.CompletedPart{ETag: up.ETag, PartNumber: aws.Int32(num)})
	}
	comp, err := e.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("parts"), Key: aws.String("mp"),
		UploadId: cu.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
	if err != nil {
		t.Fatal(err)
	}
	putBytes(t, e.s3, &s3.PutObjectInput{Bucket: aws.String("parts"), Key: aws.String("single")}, []byte("one part"))

	for _, tc := range []struct {
		name     string
		key      string
		part     int32
		want     []byte
		count    int32
		rangeHdr string
	}{
		{name: "first part", key: "mp", part: 1, want: p1, count: 2, rangeHdr: "bytes 0-5242879/5242893"},
		{name: "second part", key: "mp", part: 2, want: p2, count: 2, rangeHdr: "bytes 5242880-5242892/5242893"},
		{name: "single-part object", key: "single", part: 1, want: []byte("one part"), rangeHdr: "bytes 0-7/8"},
	} {
		in := &s3.GetObjectInput{Bucket: aws.String("parts"), Key: aws.String(tc.key), PartNumber: aws.Int32(tc.part)}
		if tc.key == "mp" {
			sseC(in)
		}
		out, err := e.s3.GetObject(ctx, in)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, _ := io.ReadAll(out.Body)
		out.Body.Close()
		if !bytes.Equal(got, tc.want) || aws.ToInt32(out.PartsCount) != tc.count || aws.ToString(out.ContentRange) != tc.rangeHdr {
			t.Fatalf("%s: %d bytes, PartsCount %d, Content-Range %q", tc.name, len(got), aws.ToInt32(out.PartsCount), aws.ToString(out.ContentRange))
		}
		if tc.key == "mp" && aws.ToString(out.ETag) != aws.ToString(comp.ETag) {
			t.Fatalf("%s: ETag %s, want the object's %s", tc.name, aws.ToString(out.ETag), aws.ToString(comp.ETag))
		}
	}
	h, err := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("parts"), Key: aws.String("mp"), PartNumber: aws.Int32(2),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(key), SSECustomerKeyMD5: aws.String(md5)})
	if err != nil || aws.ToInt64(h.ContentLength) != int64(len(p2)) || aws.ToInt32(h.PartsCount) != 2 {
		t.Fatalf("HEAD part 2: %+v %v", h, err)
	}

	for _, tc := range []struct {
		name   string
		in     *s3.GetObjectInput
		code   string
		status int
	}{
		{"part past the last", &s3.GetObjectInput{Key: aws.String("mp"), PartNumber: aws.Int32(3)}, "InvalidPart", 400},
		{"single-part part 2", &s3.GetObjectInput{Key: aws.String("single"), PartNumber: aws.Int32(2)}, "InvalidPart", 400},
		{"part 0", &s3.GetObjectInput{Key: aws.String("single"), PartNumber: aws.Int32(0)}, "InvalidArgument", 400},
		{"part 10001", &s3.GetObjectInput{Key: aws.String("single"), PartNumber: aws.Int32(10001)}, "InvalidArgument", 400},
		{"range and part", &s3.GetObjectInput{Key: aws.String("single"), PartNumber: aws.Int32(1), Range: aws.String("bytes=0-1")}, "InvalidRequest", 400},
	} {
		tc.in.Bucket = aws.String("parts")
		if aws.ToString(tc.in.Key) == "mp" {
			sseC(tc.in)
		}
		_, err := e.s3.GetObject(ctx, tc.in)
		wantCode(t, tc.name, err, tc.code, tc.status)
	}
}
