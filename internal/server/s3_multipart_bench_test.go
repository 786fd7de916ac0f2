package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// BenchmarkS3MultipartUpload uploads 256 MiB in 8 MiB parts (the aws CLI's
// part size), four parts at a time, through aws-sdk-go-v2 against a real
// server, and completes the upload. It reports the whole upload's
// throughput and, separately, the time CompleteMultipartUpload took.
//
//	go test -run '^$' -bench S3MultipartUpload -benchtime 3x ./internal/server
func BenchmarkS3MultipartUpload(b *testing.B) {
	const size, partSize = 256 << 20, 8 << 20
	e := newS3Env(b)
	ctx := context.Background()
	if _, err := e.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bench")}); err != nil {
		b.Fatal(err)
	}
	data := make([]byte, size)
	rand.Read(data)
	b.SetBytes(size)
	b.ReportAllocs()
	var complete time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		key := aws.String(fmt.Sprintf("obj-%d", i))
		up, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bench"), Key: key})
		if err != nil {
			b.Fatal(err)
		}
		parts := make([]types.CompletedPart, size/partSize)
		errs := make([]error, len(parts))
		var wg sync.WaitGroup
		sem := make(chan struct{}, 4)
		for n := range parts {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				out, err := e.s3.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bench"), Key: key, UploadId: up.UploadId,
					PartNumber: aws.Int32(int32(n + 1)), Body: bytes.NewReader(data[n*partSize : (n+1)*partSize])})
				if err != nil {
					errs[n] = err
					return
				}
				parts[n] = types.CompletedPart{PartNumber: aws.Int32(int32(n + 1)), ETag: out.ETag}
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
		start := time.Now()
		if _, err := e.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("bench"), Key: key,
			UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
			b.Fatal(err)
		}
		complete += time.Since(start)
	}
	b.ReportMetric(float64(complete.Milliseconds())/float64(b.N), "complete-ms/op")
}
