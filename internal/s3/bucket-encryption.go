package s3

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/checksum"
	"github.com/coffer-kms/coffer/internal/store"
)

// Default bucket encryption (PutBucketEncryption, GetBucketEncryption,
// DeleteBucketEncryption). As on AWS since January 2023, every bucket has
// a default: SSE-S3 until a configuration is put, and again after
// DeleteBucketEncryption, so Get never answers
// ServerSideEncryptionConfigurationNotFoundError. The configuration is kept
// in store.Bucket.Encryption as the JSON of bucketEncryption ("" for the
// SSE-S3 default) and applied by newObjectKey to new objects whose request
// names no encryption; existing objects keep theirs.
//
// BucketKeyEnabled is stored, returned and recorded on new SSE-KMS objects
// (echoed as x-amz-server-side-encryption-bucket-key-enabled), but Coffer
// does not yet reduce KMS calls with an S3 Bucket Key: every object still
// gets its own GenerateDataKey.

// bucketEncryption is the stored form of a bucket's default encryption.
type bucketEncryption struct {
	Rules []awsproto.ServerSideEncryptionRule
}

// defaultEncryption is the bucket's effective default rule: its stored
// configuration's rule, or SSE-S3 without a Bucket Key.
func defaultEncryption(b store.Bucket) (awsproto.ServerSideEncryptionRule, error) {
	rule := awsproto.ServerSideEncryptionRule{}
	if b.Encryption != "" {
		var cfg bucketEncryption
		if err := json.Unmarshal([]byte(b.Encryption), &cfg); err != nil {
			return rule, fmt.Errorf("bucket %s: stored encryption configuration: %w", b.Name, err)
		}
		if len(cfg.Rules) > 0 {
			rule = cfg.Rules[0]
		}
	}
	if rule.ApplyServerSideEncryptionByDefault == nil || rule.ApplyServerSideEncryptionByDefault.SSEAlgorithm == "" {
		rule.ApplyServerSideEncryptionByDefault = &awsproto.ServerSideEncryptionByDefault{SSEAlgorithm: awsproto.SSEAlgorithmAES256}
	}
	enabled := rule.BucketKeyEnabled != nil && *rule.BucketKeyEnabled
	rule.BucketKeyEnabled = &enabled
	return rule, nil
}

// putBucketEncryption is PutBucketEncryption: exactly one rule
// (MalformedXML otherwise), KMSMasterKeyID only with aws:kms or
// aws:kms:dsse (InvalidArgument). As on AWS the key is not checked here:
// it is resolved, in the account of the object writer, at each PUT.
func (s *Service) putBucketEncryption(ctx context.Context, r *Request) (*Response, error) {
	if _, err := s.bucket(ctx, r, r.Bucket, "s3:PutEncryptionConfiguration", bucketARN(r.Bucket)); err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, awsproto.MaxS3ConfigBody+1))
	if err != nil {
		return nil, bodyError(err)
	}
	if len(raw) > awsproto.MaxS3ConfigBody {
		return nil, s3Err(awsproto.S3MaxMessageLengthExceeded, "")
	}
	// S3 requires Content-MD5 or an x-amz-checksum-*; Coffer verifies
	// whichever is sent.
	if err := verifyBodyChecksums(r, raw); err != nil {
		return nil, err
	}
	var cfg awsproto.ServerSideEncryptionConfiguration
	if err := awsproto.UnmarshalS3XML(raw, &cfg); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	doc, err := json.Marshal(bucketEncryption{Rules: cfg.Rules})
	if err != nil {
		return nil, err
	}
	if err := s.setBucketEncryption(ctx, r.Bucket, string(doc)); err != nil {
		return nil, err
	}
	return newResponse(http.StatusOK), nil
}

// getBucketEncryption is GetBucketEncryption: the bucket's configuration,
// SSE-S3 when none was put.
func (s *Service) getBucketEncryption(ctx context.Context, r *Request) (*Response, error) {
	b, err := s.bucket(ctx, r, r.Bucket, "s3:GetEncryptionConfiguration", bucketARN(r.Bucket))
	if err != nil {
		return nil, err
	}
	rule, err := defaultEncryption(b)
	if err != nil {
		return nil, err
	}
	resp := newResponse(http.StatusOK)
	resp.XML = &awsproto.ServerSideEncryptionConfiguration{Rules: []awsproto.ServerSideEncryptionRule{rule}}
	return resp, nil
}

// deleteBucketEncryption is DeleteBucketEncryption: the default goes back
// to SSE-S3; 204, also when there was no configuration.
func (s *Service) deleteBucketEncryption(ctx context.Context, r *Request) (*Response, error) {
	if _, err := s.bucket(ctx, r, r.Bucket, "s3:PutEncryptionConfiguration", bucketARN(r.Bucket)); err != nil {
		return nil, err
	}
	if err := s.setBucketEncryption(ctx, r.Bucket, ""); err != nil {
		return nil, err
	}
	return newResponse(http.StatusNoContent), nil
}

// setBucketEncryption replaces the stored configuration of a bucket,
// keeping the rest of it as the transaction reads it.
func (s *Service) setBucketEncryption(ctx context.Context, name, doc string) error {
	err := s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		b, err := tx.GetBucket(ctx, name)
		if err != nil {
			return err
		}
		if b.Encryption == doc {
			return nil
		}
		b.Encryption = doc
		return tx.UpdateBucket(ctx, b)
	})
	if errors.Is(err, store.ErrNotFound) {
		return s3Err(awsproto.S3NoSuchBucket, "").With("BucketName", name)
	}
	if err != nil {
		return fmt.Errorf("update bucket encryption: %w", err)
	}
	return nil
}

// verifyBodyChecksums checks a whole request body against its Content-MD5
// and x-amz-checksum-* headers, when sent.
func verifyBodyChecksums(r *Request, raw []byte) error {
	alg, value, _, err := requestChecksum(r)
	if err != nil {
		return err
	}
	h := checksum.NewMultiHasher(alg, r.Header.Get("Content-Md5") != "")
	h.Write(raw)
	if v := r.Header.Get("Content-Md5"); v != "" {
		if err := h.VerifyContentMD5(v); err != nil {
			return checksumError(err)
		}
	}
	if value != "" {
		if err := h.Verify(value); err != nil {
			return checksumError(err)
		}
	}
	return nil
}
