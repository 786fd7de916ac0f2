package server_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/coffer-kms/coffer/internal/app"
)

// wantDefault checks GetBucketEncryption returns one rule of alg, key and
// bucketKey.
func wantDefault(t *testing.T, c *s3.Client, bucket string, alg types.ServerSideEncryption, key string, bucketKey bool) {
	t.Helper()
	out, err := c.GetBucketEncryption(context.Background(), &s3.GetBucketEncryptionInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("GetBucketEncryption %s: %v", bucket, err)
	}
	rules := out.ServerSideEncryptionConfiguration.Rules
	if len(rules) != 1 || rules[0].ApplyServerSideEncryptionByDefault == nil {
		t.Fatalf("GetBucketEncryption %s: rules %+v", bucket, rules)
	}
	d := rules[0].ApplyServerSideEncryptionByDefault
	if d.SSEAlgorithm != alg || aws.ToString(d.KMSMasterKeyID) != key || rules[0].BucketKeyEnabled == nil || *rules[0].BucketKeyEnabled != bucketKey {
		t.Fatalf("GetBucketEncryption %s: %q key %q bucketKey %v, want %q %q %v", bucket, d.SSEAlgorithm,
			aws.ToString(d.KMSMasterKeyID), rules[0].BucketKeyEnabled, alg, key, bucketKey)
	}
}

func putDefault(t *testing.T, c *s3.Client, bucket string, alg types.ServerSideEncryption, key string, bucketKey bool) {
	t.Helper()
	d := &types.ServerSideEncryptionByDefault{SSEAlgorithm: alg}
	if key != "" {
		d.KMSMasterKeyID = aws.String(key)
	}
	_, err := c.PutBucketEncryption(context.Background(), &s3.PutBucketEncryptionInput{Bucket: aws.String(bucket),
		ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{
			{ApplyServerSideEncryptionByDefault: d, BucketKeyEnabled: aws.Bool(bucketKey)}}}})
	if err != nil {
		t.Fatalf("PutBucketEncryption %s: %v", bucket, err)
	}
}

// headSSE returns HeadObject's encryption, KMS key and bucket-key flag.
func headSSE(t *testing.T, c *s3.Client, bucket, key string) (types.ServerSideEncryption, string, bool) {
	t.Helper()
	h, err := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("HeadObject %s/%s: %v", bucket, key, err)
	}
	return h.ServerSideEncryption, aws.ToString(h.SSEKMSKeyId), aws.ToBool(h.BucketKeyEnabled)
}

func TestS3BucketEncryptionConfiguration(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "defenc")
	ck, err := e.kms.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	keyID, keyARN := aws.ToString(ck.KeyMetadata.KeyId), aws.ToString(ck.KeyMetadata.Arn)
	put := func(key string, mod func(*s3.PutObjectInput)) *s3.PutObjectOutput {
		t.Helper()
		in := &s3.PutObjectInput{Bucket: aws.String("defenc"), Key: aws.String(key), Body: strings.NewReader("data of " + key)}
		if mod != nil {
			mod(in)
		}
		out, err := e.s3.PutObject(ctx, in)
		if err != nil {
			t.Fatalf("PutObject %s: %v", key, err)
		}
		return out
	}

	// A fresh bucket has the SSE-S3 default.
	wantDefault(t, e.s3, "defenc", types.ServerSideEncryptionAes256, "", false)
	put("old", nil)

	// An aws:kms default with a key: new objects are SSE-KMS under it.
	putDefault(t, e.s3, "defenc", types.ServerSideEncryptionAwsKms, keyID, true)
	wantDefault(t, e.s3, "defenc", types.ServerSideEncryptionAwsKms, keyID, true)
	out := put("new", nil)
	if out.ServerSideEncryption != types.ServerSideEncryptionAwsKms || aws.ToString(out.SSEKMSKeyId) != keyARN || !aws.ToBool(out.BucketKeyEnabled) {
		t.Errorf("PUT under the default: %q %q bucketKey %v", out.ServerSideEncryption, aws.ToString(out.SSEKMSKeyId), out.BucketKeyEnabled)
	}
	if mode, k, bk := headSSE(t, e.s3, "defenc", "new"); mode != types.ServerSideEncryptionAwsKms || k != keyARN || !bk {
		t.Errorf("HEAD new: %q %q bucketKey %v", mode, k, bk)
	}
	got, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("defenc"), Key: aws.String("new")})
	if err != nil {
		t.Fatal(err)
	}
	got.Body.Close()
	if got.ServerSideEncryption != types.ServerSideEncryptionAwsKms || aws.ToString(got.SSEKMSKeyId) != keyARN {
		t.Errorf("GET new: %q %q", got.ServerSideEncryption, aws.ToString(got.SSEKMSKeyId))
	}

	// Request headers take precedence; older objects keep their encryption.
	out = put("explicit-aes", func(in *s3.PutObjectInput) { in.ServerSideEncryption = types.ServerSideEncryptionAes256 })
	if out.ServerSideEncryption != types.ServerSideEncryptionAes256 || out.SSEKMSKeyId != nil {
		t.Errorf("explicit AES256 PUT: %q %q", out.ServerSideEncryption, aws.ToString(out.SSEKMSKeyId))
	}
	if mode, k, _ := headSSE(t, e.s3, "defenc", "explicit-aes"); mode != types.ServerSideEncryptionAes256 || k != "" {
		t.Errorf("HEAD explicit-aes: %q %q", mode, k)
	}
	if mode, k, _ := headSSE(t, e.s3, "defenc", "old"); mode != types.ServerSideEncryptionAes256 || k != "" {
		t.Errorf("HEAD old: %q %q", mode, k)
	}
	out = put("explicit-aws-s3", func(in *s3.PutObjectInput) { in.ServerSideEncryption = types.ServerSideEncryptionAwsKms })
	if k := aws.ToString(out.SSEKMSKeyId); k == keyARN || !strings.HasPrefix(k, "arn:aws:kms:us-east-1:"+app.DevAccount+":key/") {
		t.Errorf("explicit aws:kms without a key used %q, want the aws/s3 key", k)
	}

	// CreateMultipartUpload takes the default too.
	mpu, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("defenc"), Key: aws.String("mpu")})
	if err != nil {
		t.Fatal(err)
	}
	if mpu.ServerSideEncryption != types.ServerSideEncryptionAwsKms || aws.ToString(mpu.SSEKMSKeyId) != keyARN || !aws.ToBool(mpu.BucketKeyEnabled) {
		t.Errorf("CreateMultipartUpload: %q %q bucketKey %v", mpu.ServerSideEncryption, aws.ToString(mpu.SSEKMSKeyId), mpu.BucketKeyEnabled)
	}
	if _, err := e.s3.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("defenc"), Key: aws.String("mpu"), UploadId: mpu.UploadId}); err != nil {
		t.Fatal(err)
	}

	// An alias is resolved in the writer's account at each PUT.
	if _, err := e.kms.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/s3-default"), TargetKeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	putDefault(t, e.s3, "defenc", types.ServerSideEncryptionAwsKms, "alias/s3-default", false)
	out = put("via-alias", nil)
	if out.ServerSideEncryption != types.ServerSideEncryptionAwsKms || aws.ToString(out.SSEKMSKeyId) != keyARN || aws.ToBool(out.BucketKeyEnabled) {
		t.Errorf("PUT under an alias default: %q %q bucketKey %v", out.ServerSideEncryption, aws.ToString(out.SSEKMSKeyId), out.BucketKeyEnabled)
	}

	// aws:kms without a key means aws/s3; Get echoes no key.
	putDefault(t, e.s3, "defenc", types.ServerSideEncryptionAwsKms, "", false)
	wantDefault(t, e.s3, "defenc", types.ServerSideEncryptionAwsKms, "", false)
	out = put("aws-s3", nil)
	if k := aws.ToString(out.SSEKMSKeyId); out.ServerSideEncryption != types.ServerSideEncryptionAwsKms || k == keyARN ||
		!strings.HasPrefix(k, "arn:aws:kms:us-east-1:"+app.DevAccount+":key/") {
		t.Errorf("PUT under the aws/s3 default: %q %q", out.ServerSideEncryption, k)
	}
	if mode, k, _ := headSSE(t, e.s3, "defenc", "new"); mode != types.ServerSideEncryptionAwsKms || k != keyARN {
		t.Errorf("HEAD new after the default changed: %q %q", mode, k)
	}

	// Delete resets to SSE-S3, 204 each time.
	for i := range 2 {
		if _, err := e.s3.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: aws.String("defenc")}); err != nil {
			t.Fatalf("DeleteBucketEncryption #%d: %v", i+1, err)
		}
	}
	wantDefault(t, e.s3, "defenc", types.ServerSideEncryptionAes256, "", false)
	out = put("after-delete", nil)
	if out.ServerSideEncryption != types.ServerSideEncryptionAes256 || out.SSEKMSKeyId != nil {
		t.Errorf("PUT after DeleteBucketEncryption: %q %q", out.ServerSideEncryption, aws.ToString(out.SSEKMSKeyId))
	}
	if mode, k, _ := headSSE(t, e.s3, "defenc", "via-alias"); mode != types.ServerSideEncryptionAwsKms || k != keyARN {
		t.Errorf("HEAD via-alias after delete: %q %q", mode, k)
	}
}

func TestS3BucketEncryptionErrors(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "badenc")
	cfg := func(rules ...types.ServerSideEncryptionRule) *s3.PutBucketEncryptionInput {
		return &s3.PutBucketEncryptionInput{Bucket: aws.String("badenc"),
			ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: rules}}
	}
	aes := types.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAes256}}
	kmsRule := types.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms}}
	aesWithKey := types.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{
		SSEAlgorithm: types.ServerSideEncryptionAes256, KMSMasterKeyID: aws.String("alias/whatever")}}

	// The SDK refuses to send no Rule: a signed request of our own.
	for _, body := range []string{
		`<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></ServerSideEncryptionConfiguration>`,
		`<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule><Rule><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`,
	} {
		rec := httptest.NewRecorder()
		e.app.Handler.ServeHTTP(rec, signedPut(t, "http://127.0.0.1/badenc?encryption", []byte(body), sha256Hex([]byte(body)), nil))
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "<Code>MalformedXML</Code>") {
			t.Fatalf("raw PutBucketEncryption %s: %d %s", body, rec.Code, rec.Body)
		}
	}
	_, err := e.s3.PutBucketEncryption(ctx, cfg(aes, kmsRule))
	wantCode(t, "two rules", err, "MalformedXML", 400)
	_, err = e.s3.PutBucketEncryption(ctx, cfg(aesWithKey))
	wantCode(t, "AES256 with a key", err, "InvalidArgument", 400)
	// The failed puts left the default alone.
	wantDefault(t, e.s3, "badenc", types.ServerSideEncryptionAes256, "", false)

	_, err = e.s3.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("nosuch"),
		ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{aes}}})
	wantCode(t, "Put on a missing bucket", err, "NoSuchBucket", 404)
	_, err = e.s3.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("nosuch")})
	wantCode(t, "Get on a missing bucket", err, "NoSuchBucket", 404)
	_, err = e.s3.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: aws.String("nosuch")})
	wantCode(t, "Delete on a missing bucket", err, "NoSuchBucket", 404)

	// Another account's bucket: AccessDenied on all three.
	other := e.s3Client(createOtherAccount(t, e), nil)
	_, err = other.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("badenc")})
	wantCode(t, "Get by another account", err, "AccessDenied", 403)
	_, err = other.PutBucketEncryption(ctx, cfg(kmsRule))
	wantCode(t, "Put by another account", err, "AccessDenied", 403)
	_, err = other.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: aws.String("badenc")})
	wantCode(t, "Delete by another account", err, "AccessDenied", 403)
	wantDefault(t, e.s3, "badenc", types.ServerSideEncryptionAes256, "", false)
}
