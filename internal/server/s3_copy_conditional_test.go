package server_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestS3CopyObjectDestinationConditions: If-Match / If-None-Match on
// CopyObject apply to the destination (S3's conditional writes), as the
// S3 model (CopyObjectInput.IfMatch, IfNoneMatch) documents; a failed
// condition leaves the destination untouched.
func TestS3CopyObjectDestinationConditions(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "cond")
	put := func(key, body string) *string {
		t.Helper()
		out, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String(key), Body: bytes.NewReader([]byte(body))})
		if err != nil {
			t.Fatal(err)
		}
		return out.ETag
	}
	put("src", "source bytes")
	dstETag := put("dst", "old destination")
	for _, tc := range []struct {
		name   string
		key    string
		mod    func(*s3.CopyObjectInput)
		code   string // "" for success
		status int
	}{
		{"if-none-match * on existing", "dst", func(in *s3.CopyObjectInput) { in.IfNoneMatch = aws.String("*") }, "PreconditionFailed", 412},
		{"if-none-match * on new", "new1", func(in *s3.CopyObjectInput) { in.IfNoneMatch = aws.String("*") }, "", 0},
		{"if-none-match etag", "dst", func(in *s3.CopyObjectInput) { in.IfNoneMatch = dstETag }, "NotImplemented", 501},
		{"if-match other", "dst", func(in *s3.CopyObjectInput) { in.IfMatch = aws.String(`"0123"`) }, "PreconditionFailed", 412},
		{"if-match on missing", "absent", func(in *s3.CopyObjectInput) { in.IfMatch = dstETag }, "NoSuchKey", 404},
		{"if-match same", "dst", func(in *s3.CopyObjectInput) { in.IfMatch = dstETag }, "", 0},
		// dst now holds the copy: its old ETag no longer matches.
		{"if-match stale", "dst", func(in *s3.CopyObjectInput) { in.IfMatch = dstETag }, "PreconditionFailed", 412},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("cond"), Key: aws.String(tc.key)})
			in := &s3.CopyObjectInput{Bucket: aws.String("cond"), Key: aws.String(tc.key), CopySource: aws.String("cond/src")}
			tc.mod(in)
			_, err := e.s3.CopyObject(ctx, in)
			if tc.code != "" {
				wantCode(t, tc.name, err, tc.code, tc.status)
				after, _ := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("cond"), Key: aws.String(tc.key)})
				if (before == nil) != (after == nil) || before != nil && aws.ToString(before.ETag) != aws.ToString(after.ETag) {
					t.Errorf("a failed conditional copy changed the destination")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			out, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("cond"), Key: aws.String(tc.key)})
			if err != nil {
				t.Fatal(err)
			}
			defer out.Body.Close()
			var b bytes.Buffer
			b.ReadFrom(out.Body)
			if b.String() != "source bytes" {
				t.Errorf("destination %q after copy", b.String())
			}
		})
	}
}
