package s3

import (
	"context"
	"net/http"
	"strconv"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/sse"
)

// uploadPartCopy is UploadPartCopy: the source's plaintext (all of it, or
// x-amz-copy-source-range bytes=first-last) is re-encrypted under the
// part key of the destination upload. As UploadPart, it needs s3:PutObject
// on the destination (and kms:Decrypt for an SSE-KMS upload), plus
// s3:GetObject on the source.
func (s *Service) uploadPartCopy(ctx context.Context, r *Request) (*Response, error) {
	n, err := strconv.Atoi(r.Query.Get("partNumber"))
	if err != nil || n < 1 || n > awsproto.MaxS3Parts {
		return nil, s3Err(awsproto.S3InvalidArgument, "Part number must be an integer between 1 and 10000, inclusive").
			With("ArgumentName", "partNumber").With("ArgumentValue", r.Query.Get("partNumber"))
	}
	b, u, err := s.upload(ctx, r, "s3:PutObject")
	if err != nil {
		return nil, err
	}
	ck, err := checkCustomerKey(r, u.Encryption)
	if err != nil {
		return nil, err
	}
	src, err := s.loadCopySource(ctx, r)
	if err != nil {
		return nil, err
	}
	offset, length := int64(0), src.object.Size
	if v := r.Header.Get(hCopySourceRange); v != "" {
		rng, err := awsproto.ParseCopySourceRange(v, src.object.Size)
		if err != nil {
			return nil, err
		}
		offset, length = rng.Start, rng.Length
	}
	if length > maxCopySize {
		return nil, s3Err(awsproto.S3InvalidRequest, msgCopySourceTooLarge)
	}
	alg, _ := uploadAlgorithm(u)
	key, err := s.openObjectKey(ctx, r.Caller, b, u.Key, u.Encryption, ck)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	partKey, err := sse.PartKey(key, n)
	if err != nil {
		return nil, err
	}
	defer clear(partKey)
	rc, err := s.copyBytes(ctx, r, src, offset, length, partKey, alg, etagIsMD5(u.Encryption.Mode))
	if err != nil {
		return nil, err
	}
	p, err := s.recordPart(ctx, u, n, rc, partKey)
	if err != nil {
		return nil, err
	}
	resp := newResponse(http.StatusOK)
	setSSEHeaders(resp.Header, u.Encryption)
	out := &CopyPartResult{ETag: p.ETag, LastModified: awsproto.S3Time(p.LastModified)}
	if alg != "" {
		setChecksumField(alg, p.Checksum, &out.ChecksumCRC32, &out.ChecksumCRC32C, &out.ChecksumCRC64NVME, &out.ChecksumSHA1, &out.ChecksumSHA256)
	}
	resp.XML = out
	return resp, nil
}
