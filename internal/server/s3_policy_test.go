package server_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/coffer-kms/coffer/internal/app"
)

func putPolicy(t *testing.T, c *s3.Client, bucket, doc string) {
	t.Helper()
	if _, err := c.PutBucketPolicy(context.Background(), &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(doc)}); err != nil {
		t.Fatalf("PutBucketPolicy: %v", err)
	}
}

func tryPut(c *s3.Client, bucket, key string, mod func(*s3.PutObjectInput)) error {
	in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("x")}
	if mod != nil {
		mod(in)
	}
	_, err := c.PutObject(context.Background(), in)
	return err
}

func TestS3BucketPolicyOperations(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "pol")
	_, err := e.s3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("pol")})
	wantCode(t, "no policy", err, "NoSuchBucketPolicy", 404)
	_, err = e.s3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("nopol")})
	wantCode(t, "no bucket", err, "NoSuchBucket", 404)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::pol/*"}]}`
	putPolicy(t, e.s3, "pol", doc)
	got, err := e.s3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("pol")})
	if err != nil || aws.ToString(got.Policy) != doc {
		t.Fatalf("GetBucketPolicy = %q, %v", aws.ToString(got.Policy), err)
	}
	for _, tc := range []struct{ name, doc string }{
		{"not json", "Deny everything"},
		{"bad json", `{"Version":`},
		{"no principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::pol/*"}]}`},
		{"kms action", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"arn:aws:s3:::pol/*"}]}`},
		{"other bucket", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}`},
		{"bad effect", `{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pol/*"}]}`},
		{"too large", `{"Version":"2012-10-17","Id":"` + strings.Repeat("x", 21000) + `","Statement":[]}`},
	} {
		_, err := e.s3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("pol"), Policy: aws.String(tc.doc)})
		wantCode(t, tc.name, err, "MalformedPolicy", 400)
	}
	other := e.s3Client(createOtherAccount(t, e), nil)
	_, err = other.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("pol")})
	wantCode(t, "other account", err, "MethodNotAllowed", 405)
	if _, err := e.s3.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("pol")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s3.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("pol")}); err != nil {
		t.Fatalf("delete again: %v", err)
	}
	_, err = e.s3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("pol")})
	wantCode(t, "deleted", err, "NoSuchBucketPolicy", 404)
}

// The two policies of the S3 User Guide, "Specifying server-side
// encryption with AWS KMS (SSE-KMS)" / "Requiring SSE-KMS for all objects
// written to a bucket", enforced on the owner's own root: Deny wins.
func TestS3BucketPolicyRequireSSEKMS(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "kmsonly")
	putPolicy(t, e.s3, "kmsonly", `{"Version":"2012-10-17","Id":"PutObjectPolicy","Statement":[
		{"Sid":"DenyIncorrectEncryptionHeader","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::kmsonly/*",
		 "Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}}},
		{"Sid":"DenyUnencryptedObjectUploads","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::kmsonly/*",
		 "Condition":{"Null":{"s3:x-amz-server-side-encryption":"true"}}}]}`)
	wantCode(t, "no header", tryPut(e.s3, "kmsonly", "a", nil), "AccessDenied", 403)
	wantCode(t, "AES256", tryPut(e.s3, "kmsonly", "a", func(in *s3.PutObjectInput) { in.ServerSideEncryption = types.ServerSideEncryptionAes256 }), "AccessDenied", 403)
	if err := tryPut(e.s3, "kmsonly", "a", func(in *s3.PutObjectInput) { in.ServerSideEncryption = types.ServerSideEncryptionAwsKms }); err != nil {
		t.Fatalf("aws:kms: %v", err)
	}
	// A bucket default does not satisfy the header condition (as on AWS).
	putDefault(t, e.s3, "kmsonly", types.ServerSideEncryptionAwsKms, "", false)
	wantCode(t, "default only", tryPut(e.s3, "kmsonly", "b", nil), "AccessDenied", 403)
	// Reads are untouched.
	if _, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("kmsonly"), Key: aws.String("a")}); err != nil {
		t.Fatal(err)
	}
	// A multipart upload names its encryption only when it is created; its
	// parts count as SSE-KMS writes.
	cu, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("kmsonly"), Key: aws.String("mp"),
		ServerSideEncryption: types.ServerSideEncryptionAwsKms})
	if err != nil {
		t.Fatal(err)
	}
	up, err := e.s3.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("kmsonly"), Key: aws.String("mp"), UploadId: cu.UploadId,
		PartNumber: aws.Int32(1), Body: strings.NewReader("part")})
	if err != nil {
		t.Fatalf("UploadPart of an SSE-KMS upload: %v", err)
	}
	if _, err := e.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("kmsonly"), Key: aws.String("mp"),
		UploadId: cu.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{ETag: up.ETag, PartNumber: aws.Int32(1)}}}}); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	_, err = e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("kmsonly"), Key: aws.String("mp2")})
	wantCode(t, "CreateMultipartUpload without SSE", err, "AccessDenied", 403)
	// Copy into the bucket is a PutObject too.
	_, err = e.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("kmsonly"), Key: aws.String("c"), CopySource: aws.String("kmsonly/a"),
		ServerSideEncryption: types.ServerSideEncryptionAes256})
	wantCode(t, "copy AES256", err, "AccessDenied", 403)
}

func TestS3BucketPolicyRequireKMSKey(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "onekey")
	k1, err := e.kms.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	k2, err := e.kms.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	putPolicy(t, e.s3, "onekey", fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
		{"Sid":"RequireKey","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::onekey/*",
		 "Condition":{"StringNotEqualsIfExists":{"s3:x-amz-server-side-encryption-aws-kms-key-id":"%s"}}}]}`, aws.ToString(k1.KeyMetadata.Arn)))
	kmsPut := func(id string) func(*s3.PutObjectInput) {
		return func(in *s3.PutObjectInput) {
			in.ServerSideEncryption, in.SSEKMSKeyId = types.ServerSideEncryptionAwsKms, aws.String(id)
		}
	}
	if err := tryPut(e.s3, "onekey", "a", kmsPut(aws.ToString(k1.KeyMetadata.Arn))); err != nil {
		t.Fatalf("key ARN: %v", err)
	}
	if err := tryPut(e.s3, "onekey", "b", kmsPut(aws.ToString(k1.KeyMetadata.KeyId))); err != nil {
		t.Fatalf("key id, matched as its ARN: %v", err)
	}
	wantCode(t, "other key", tryPut(e.s3, "onekey", "c", kmsPut(aws.ToString(k2.KeyMetadata.Arn))), "AccessDenied", 403)
	wantCode(t, "other key id", tryPut(e.s3, "onekey", "c", kmsPut(aws.ToString(k2.KeyMetadata.KeyId))), "AccessDenied", 403)
}

func TestS3BucketPolicyCrossAccountAndConditions(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "shared")
	if err := tryPut(e.s3, "shared", "home/a", nil); err != nil {
		t.Fatal(err)
	}
	otherCreds := createOtherAccount(t, e)
	other := e.s3Client(otherCreds, nil)
	get := func(c *s3.Client, key string) error {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("shared"), Key: aws.String(key)})
		if err == nil {
			io.Copy(io.Discard, out.Body)
			out.Body.Close()
		}
		return err
	}
	wantCode(t, "cross-account without policy", get(other, "home/a"), "AccessDenied", 403)

	// A user of the other account, with and without its own identity policy.
	oi := iamsdk.New(iamsdk.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.url), Credentials: credentials.StaticCredentialsProvider{Value: otherCreds}})
	mkUser := func(name, doc string) *s3.Client {
		if _, err := oi.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
		if doc != "" {
			if _, err := oi.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}); err != nil {
				t.Fatal(err)
			}
		}
		ak, err := oi.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return e.s3Client(aws.Credentials{AccessKeyID: aws.ToString(ak.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(ak.AccessKey.SecretAccessKey)}, nil)
	}
	noIdentity := mkUser("bare", "")
	withIdentity := mkUser("reader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}]}`)
	localUser := newUser(t, e, "local", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}`)
	local := e.s3Client(localUser, nil)

	putPolicy(t, e.s3, "shared", `{"Version":"2012-10-17","Statement":[
		{"Sid":"OtherAccount","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/home/*"},
		{"Sid":"LocalUser","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+app.DevAccount+`:user/local"},"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::shared/*","arn:aws:s3:::shared"],
		 "Condition":{"StringEqualsIfExists":{"s3:prefix":"home/"}}},
		{"Sid":"NoDeleteFromOutside","Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::shared/*",
		 "Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`)
	if err := get(other, "home/a"); err != nil {
		t.Fatalf("other account's root, allowed by the bucket policy: %v", err)
	}
	wantCode(t, "outside the allowed prefix", get(other, "private"), "AccessDenied", 403)
	wantCode(t, "other account's user without identity policy", get(noIdentity, "home/a"), "AccessDenied", 403)
	if err := get(withIdentity, "home/a"); err != nil {
		t.Fatalf("other account's user with both policies: %v", err)
	}
	// Same account: the bucket policy naming the user is enough.
	if err := get(local, "home/a"); err != nil {
		t.Fatalf("local user named by the bucket policy: %v", err)
	}
	if _, err := local.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("shared"), Prefix: aws.String("home/")}); err != nil {
		t.Fatalf("list home/: %v", err)
	}
	_, err := local.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("shared"), Prefix: aws.String("etc/")})
	wantCode(t, "list another prefix (s3:prefix)", err, "AccessDenied", 403)
	// Deny from 127.0.0.1 (aws:SourceIp) wins over the owner's root.
	_, err = e.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("shared"), Key: aws.String("home/a")})
	wantCode(t, "owner delete from outside 10/8", err, "AccessDenied", 403)
}

func TestS3BucketPolicySecureTransportLockout(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "tlsonly")
	putPolicy(t, e.s3, "tlsonly", `{"Version":"2012-10-17","Statement":[{"Sid":"TLSOnly","Effect":"Deny","Principal":"*","Action":"s3:*",
		"Resource":["arn:aws:s3:::tlsonly","arn:aws:s3:::tlsonly/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`)
	wantCode(t, "plain HTTP put", tryPut(e.s3, "tlsonly", "a", nil), "AccessDenied", 403)
	_, err := e.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("tlsonly")})
	wantCode(t, "plain HTTP list", err, "AccessDenied", 403)
	// The owner's root can always read and remove the policy.
	if _, err := e.s3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("tlsonly")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s3.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("tlsonly")}); err != nil {
		t.Fatal(err)
	}
	if err := tryPut(e.s3, "tlsonly", "a", nil); err != nil {
		t.Fatal(err)
	}
}
