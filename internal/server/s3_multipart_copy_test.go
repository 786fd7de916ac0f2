package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestS3UploadPartCopy(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "upc")
	src := make([]byte, 6<<20+777)
	rand.Read(src)
	putBytes(t, e.s3, &s3.PutObjectInput{Bucket: aws.String("upc"), Key: aws.String("src"), ServerSideEncryption: types.ServerSideEncryptionAwsKms}, src)
	cu, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("upc"), Key: aws.String("dst"),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatal(err)
	}
	copyPart := func(n int32, rng string) (*s3.UploadPartCopyOutput, error) {
		in := &s3.UploadPartCopyInput{Bucket: aws.String("upc"), Key: aws.String("dst"), UploadId: cu.UploadId, PartNumber: aws.Int32(n),
			CopySource: aws.String("upc/src")}
		if rng != "" {
			in.CopySourceRange = aws.String(rng)
		}
		return e.s3.UploadPartCopy(ctx, in)
	}
	for _, tc := range []struct {
		name, rng string
		code      string
		status    int
	}{
		{"no unit", "0-1", "InvalidArgument", 400},
		{"open", "bytes=0-", "InvalidArgument", 400},
		{"reversed", "bytes=9-1", "InvalidArgument", 400},
		{"past the end", "bytes=0-99999999", "InvalidArgument", 400},
		{"several", "bytes=0-1,2-3", "InvalidArgument", 400},
	} {
		_, err := copyPart(1, tc.rng)
		wantCode(t, tc.name, err, tc.code, tc.status)
	}
	_, err = e.s3.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("upc"), Key: aws.String("dst"), UploadId: cu.UploadId,
		PartNumber: aws.Int32(1), CopySource: aws.String("upc/src"), CopySourceIfMatch: aws.String(`"nope"`)})
	wantCode(t, "if-match", err, "PreconditionFailed", 412)
	_, err = e.s3.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("upc"), Key: aws.String("dst"), UploadId: aws.String("nope"),
		PartNumber: aws.Int32(1), CopySource: aws.String("upc/src")})
	wantCode(t, "no upload", err, "NoSuchUpload", 404)
	_, err = copyPart(10001, "")
	wantCode(t, "part number", err, "InvalidArgument", 400)

	p1, err := copyPart(1, "bytes=0-5242879")
	if err != nil {
		t.Fatal(err)
	}
	p3, err := copyPart(3, "bytes=5242880-"+itoa64(int64(len(src)-1)))
	if err != nil {
		t.Fatal(err)
	}
	if p1.CopyPartResult == nil || aws.ToString(p1.CopyPartResult.ETag) == "" || aws.ToString(p1.CopyPartResult.ChecksumCRC32) == "" {
		t.Fatalf("CopyPartResult %+v", p1.CopyPartResult)
	}
	// The middle part: the whole source, no range.
	p2, err := copyPart(2, "")
	if err != nil {
		t.Fatal(err)
	}
	parts := []types.CompletedPart{
		{ETag: p1.CopyPartResult.ETag, PartNumber: aws.Int32(1), ChecksumCRC32: p1.CopyPartResult.ChecksumCRC32},
		{ETag: p2.CopyPartResult.ETag, PartNumber: aws.Int32(2), ChecksumCRC32: p2.CopyPartResult.ChecksumCRC32},
		{ETag: p3.CopyPartResult.ETag, PartNumber: aws.Int32(3), ChecksumCRC32: p3.CopyPartResult.ChecksumCRC32},
	}
	if _, err := e.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("upc"), Key: aws.String("dst"), UploadId: cu.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
	want := append(append(append([]byte{}, src[:5<<20]...), src...), src[5<<20:]...)
	if got := getBody(t, e.s3, &s3.GetObjectInput{Bucket: aws.String("upc"), Key: aws.String("dst")}); !bytes.Equal(got, want) {
		t.Fatalf("assembled object differs (%d bytes, want %d)", len(got), len(want))
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func TestS3ListMultipartUploads(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "lmu")
	ids := map[string][]string{}
	for _, k := range []string{"a", "a", "a", "b/1", "b/2", "c"} {
		out, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("lmu"), Key: aws.String(k)})
		if err != nil {
			t.Fatal(err)
		}
		ids[k] = append(ids[k], aws.ToString(out.UploadId))
	}
	list := func(in *s3.ListMultipartUploadsInput) *s3.ListMultipartUploadsOutput {
		t.Helper()
		in.Bucket = aws.String("lmu")
		out, err := e.s3.ListMultipartUploads(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	keys := func(out *s3.ListMultipartUploadsOutput) string {
		var s []string
		for _, u := range out.Uploads {
			s = append(s, aws.ToString(u.Key))
		}
		for _, p := range out.CommonPrefixes {
			s = append(s, "P:"+aws.ToString(p.Prefix))
		}
		return strings.Join(s, ",")
	}
	if out := list(&s3.ListMultipartUploadsInput{}); keys(out) != "a,a,a,b/1,b/2,c" || aws.ToBool(out.IsTruncated) {
		t.Fatalf("all: %s truncated=%v", keys(out), aws.ToBool(out.IsTruncated))
	}
	if out := list(&s3.ListMultipartUploadsInput{Delimiter: aws.String("/")}); keys(out) != "a,a,a,c,P:b/" {
		t.Fatalf("delimiter: %s", keys(out))
	}
	if out := list(&s3.ListMultipartUploadsInput{Prefix: aws.String("b/")}); keys(out) != "b/1,b/2" {
		t.Fatalf("prefix: %s", keys(out))
	}
	// Page by two through key-marker and upload-id-marker.
	var all []string
	in := &s3.ListMultipartUploadsInput{MaxUploads: aws.Int32(2)}
	for i := 0; ; i++ {
		out := list(in)
		for _, u := range out.Uploads {
			all = append(all, aws.ToString(u.Key)+"="+aws.ToString(u.UploadId))
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		if i > 5 {
			t.Fatal("paging does not end")
		}
		in = &s3.ListMultipartUploadsInput{MaxUploads: aws.Int32(2), KeyMarker: out.NextKeyMarker, UploadIdMarker: out.NextUploadIdMarker}
	}
	var want []string
	for _, k := range []string{"a", "b/1", "b/2", "c"} {
		for _, id := range ids[k] {
			want = append(want, k+"="+id)
		}
	}
	if strings.Join(all, " ") != strings.Join(want, " ") {
		t.Fatalf("paged:\n%v\nwant\n%v", all, want)
	}
	if out := list(&s3.ListMultipartUploadsInput{KeyMarker: aws.String("a")}); keys(out) != "b/1,b/2,c" {
		t.Fatalf("key-marker a: %s", keys(out))
	}
	_, err := e.s3.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("lmu"), EncodingType: "base64"})
	wantCode(t, "encoding", err, "InvalidArgument", 400)
	_, err = e.s3.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("nolmu")})
	wantCode(t, "no bucket", err, "NoSuchBucket", 404)
}
