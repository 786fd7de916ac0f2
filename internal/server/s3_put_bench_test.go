package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// BenchmarkS3Put uploads one object per iteration with PutObject through
// aws-sdk-go-v2 against a real server on loopback, for each SSE mode and
// object size. Besides MB/s it reports cpu-ms/MiB: the CPU time (user +
// system) of the whole test process, client and server, per MiB uploaded.
//
//	go test -run '^$' -bench S3Put -benchtime 20x ./internal/server
func BenchmarkS3Put(b *testing.B) {
	cKey, cMD5 := sseCKey()
	modes := []struct {
		name string
		set  func(*s3.PutObjectInput)
	}{
		{"SSE-S3", func(in *s3.PutObjectInput) { in.ServerSideEncryption = types.ServerSideEncryptionAes256 }},
		{"SSE-KMS", func(in *s3.PutObjectInput) { in.ServerSideEncryption = types.ServerSideEncryptionAwsKms }},
		{"SSE-C", func(in *s3.PutObjectInput) {
			in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(cKey), aws.String(cMD5)
		}},
	}
	for _, size := range []int{1 << 20, 64 << 20} {
		for _, m := range modes {
			b.Run(fmt.Sprintf("%s/%dMiB", m.name, size>>20), func(b *testing.B) {
				e := newS3Env(b)
				ctx := context.Background()
				if _, err := e.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bench")}); err != nil {
					b.Fatal(err)
				}
				data := make([]byte, size)
				rand.Read(data)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				cpu0 := processCPU(b)
				for i := 0; b.Loop(); i++ {
					in := &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String(fmt.Sprintf("obj-%d", i)), Body: bytes.NewReader(data)}
					m.set(in)
					if _, err := e.s3.PutObject(ctx, in); err != nil {
						b.Fatal(err)
					}
				}
				cpu := processCPU(b) - cpu0
				b.ReportMetric(float64(cpu.Microseconds())/1e3/(float64(b.N)*float64(size)/(1<<20)), "cpu-ms/MiB")
			})
		}
	}
}

// processCPU returns the user and system CPU time of this process so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
