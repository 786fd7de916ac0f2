package server_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestS3LostBlobIsAServerError: when an object's bytes are gone from the
// disk for good, GET answers 500 InternalError, not SlowDown, which SDKs
// would retry as throttling forever.
func TestS3LostBlobIsAServerError(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	if _, err := e.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("lost")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("lost"), Key: aws.String("k"), Body: bytes.NewReader([]byte("gone soon"))}); err != nil {
		t.Fatal(err)
	}
	// Remove every blob file of the data directory (this object's is the only one).
	var removed int
	err := filepath.WalkDir(e.dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(path, string(filepath.Separator)+"blobs"+string(filepath.Separator)) {
			return err
		}
		removed++
		return os.Remove(path)
	})
	if err != nil || removed == 0 {
		t.Fatalf("removing the blob: %d files, %v", removed, err)
	}
	_, err = e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("lost"), Key: aws.String("k")})
	if code, status := apiCode(err); code != "InternalError" || status != 500 {
		t.Fatalf("GET of an object whose bytes are lost: %s %d (%v), want InternalError 500", code, status, err)
	}
}
