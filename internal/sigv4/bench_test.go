package sigv4

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// benchRequest is a typical KMS call as aws-sdk-go-v2 signs it: POST /, 7
// signed headers (amz-sdk-request, content-length, content-type, host,
// x-amz-date, x-amz-target, x-amz-user-agent) and a 5 KiB body.
func benchRequest(b *testing.B) (*Verifier, func() ([]byte, error)) {
	s := kmsSpec()
	s.body = bytes.Repeat([]byte("a"), 5<<10)
	r, body := sign(b, s)
	v := NewVerifier(testSource(), fixedNow(testTime))
	return v, func() ([]byte, error) { _, err := v.Verify(context.Background(), r, body); return body, err }
}

// BenchmarkVerify measures a whole verification, SHA-256 of the 5 KiB body
// included; BenchmarkVerifyNoBodyHash leaves the body hash out (the request
// declares it in X-Amz-Content-Sha256 and the body is streamed).
func BenchmarkVerify(b *testing.B) {
	_, verify := benchRequest(b)
	if _, err := verify(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(5 << 10)
	for b.Loop() {
		if _, err := verify(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyNoBodyHash(b *testing.B) {
	s := kmsSpec()
	s.body = bytes.Repeat([]byte("a"), 5<<10)
	s.header["X-Amz-Content-Sha256"] = hashHex(s.body)
	r, _ := sign(b, s)
	v := NewVerifier(testSource(), fixedNow(testTime))
	if _, err := v.Verify(context.Background(), r, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(context.Background(), r, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyPresigned(b *testing.B) {
	s := s3Spec("GET", "https://"+testS3Host+"/photos/2024/cat.jpg?versionId=3", nil)
	s.presign = true
	r, _ := sign(b, s)
	v := NewVerifier(testSource(), fixedNow(testTime))
	if _, err := v.Verify(context.Background(), r, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(context.Background(), r, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChunkedReader decodes aws-chunked bodies of 64 KiB chunks, as
// signed (STREAMING-AWS4-HMAC-SHA256-PAYLOAD: SHA-256 and an HMAC per chunk)
// and unsigned (STREAMING-UNSIGNED-PAYLOAD-TRAILER) uploads; the size is
// the decoded payload.
//
//	go test -run x -bench ChunkedReader -benchmem ./internal/sigv4
func BenchmarkChunkedReader(b *testing.B) {
	v := NewVerifier(testSource(), fixedNow(testTime))
	for _, mode := range []string{StreamingSigned, StreamingUnsignedTrailer} {
		for _, size := range []int{1 << 20, 1<<20 + 1000, 64 << 20} {
			name := strings.TrimPrefix(mode, "STREAMING-") + "/" + strconv.Itoa(size>>20) + "MiB"
			if size%(1<<20) != 0 {
				name += "+" + strconv.Itoa(size%(1<<20))
			}
			b.Run(name, func(b *testing.B) {
				trailer, trailers := "", []string(nil)
				var s *chunkSigner
				res := streamingResult(b, v, mode, int64(size), "")
				if mode == StreamingUnsignedTrailer {
					trailer, trailers = "x-amz-checksum-crc32", []string{"x-amz-checksum-crc32:AAAAAA=="}
					res = streamingResult(b, v, mode, int64(size), trailer)
				} else {
					s = newChunkSigner(testSecret, testTime, testRegion, res.Signature)
				}
				data := pattern(size, 1)
				var chunks [][]byte
				for c := range slices.Chunk(data, 64<<10) {
					chunks = append(chunks, c)
				}
				body := encodeChunked(s, chunks, trailers, false)
				br := bytes.NewReader(body)
				buf := make([]byte, 32<<10)
				b.ReportAllocs()
				b.SetBytes(int64(size))
				for b.Loop() {
					br.Reset(body)
					c, err := v.ChunkedReader(&res, br)
					if err != nil {
						b.Fatal(err)
					}
					if n, err := io.CopyBuffer(io.Discard, onlyReader{c}, buf); err != nil || n != int64(size) {
						b.Fatal(n, err)
					}
				}
			})
		}
	}
}
