package server_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3BucketKeyColdCacheConcurrentPuts: concurrent SSE-KMS PUTs with an
// S3 Bucket Key, by one principal on one bucket with a cold cache, fetch
// one data key between them.
func TestS3BucketKeyColdCacheConcurrentPuts(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "coldbk")
	before := e.app.S3.KMSCalls().GenerateDataKey
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("coldbk"), Key: aws.String(fmt.Sprintf("o%d", i)),
				Body: strings.NewReader("payload"), ServerSideEncryption: types.ServerSideEncryptionAwsKms, BucketKeyEnabled: aws.Bool(true)})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := e.app.S3.KMSCalls().GenerateDataKey - before; got != 1 {
		t.Errorf("%d concurrent PUTs made %d GenerateDataKey calls, want 1", n, got)
	}
	for i := range n {
		if got := getBody(t, e.s3, &s3.GetObjectInput{Bucket: aws.String("coldbk"), Key: aws.String(fmt.Sprintf("o%d", i))}); string(got) != "payload" {
			t.Fatalf("GET o%d: %q", i, got)
		}
	}
}
