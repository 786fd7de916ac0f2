package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func getBody(t *testing.T, c *s3.Client, in *s3.GetObjectInput) []byte {
	t.Helper()
	out, err := c.GetObject(context.Background(), in)
	if err != nil {
		t.Fatalf("GetObject %s/%s: %v", aws.ToString(in.Bucket), aws.ToString(in.Key), err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func putBytes(t *testing.T, c *s3.Client, in *s3.PutObjectInput, data []byte) *s3.PutObjectOutput {
	t.Helper()
	in.Body = bytes.NewReader(data)
	out, err := c.PutObject(context.Background(), in)
	if err != nil {
		t.Fatalf("PutObject %s/%s: %v", aws.ToString(in.Bucket), aws.ToString(in.Key), err)
	}
	return out
}

// newUser creates an IAM user with an inline policy and returns its credentials.
func newUser(t *testing.T, e *s3Env, name, policy string) aws.Credentials {
	t.Helper()
	ctx := context.Background()
	ic := iamsdk.New(iamsdk.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.url), Credentials: credentials.StaticCredentialsProvider{Value: devCreds}})
	if _, err := ic.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	ak, err := ic.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.Credentials{AccessKeyID: aws.ToString(ak.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(ak.AccessKey.SecretAccessKey)}
}

func TestS3CopyObject(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "src")
	mustBucket(t, e.s3, "dst")
	data := []byte(strings.Repeat("copy me ", 20000)) // 160,000 bytes: three packages
	put := putBytes(t, e.s3, &s3.PutObjectInput{Bucket: aws.String("src"), Key: aws.String("dir/obj"), ContentType: aws.String("text/plain"),
		Metadata: map[string]string{"color": "blue"}, ChecksumAlgorithm: types.ChecksumAlgorithmCrc32}, data)

	t.Run("sse-s3 to sse-kms, metadata copied", func(t *testing.T) {
		out, err := e.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("k1"), CopySource: aws.String("src/dir/obj"),
			ServerSideEncryption: types.ServerSideEncryptionAwsKms})
		if err != nil {
			t.Fatal(err)
		}
		if out.ServerSideEncryption != types.ServerSideEncryptionAwsKms || aws.ToString(out.SSEKMSKeyId) == "" {
			t.Fatalf("copy SSE = %q %q", out.ServerSideEncryption, aws.ToString(out.SSEKMSKeyId))
		}
		cr := out.CopyObjectResult
		if cr == nil || aws.ToString(cr.ETag) == "" || cr.LastModified == nil || aws.ToString(cr.ChecksumCRC32) != aws.ToString(put.ChecksumCRC32) {
			t.Fatalf("CopyObjectResult %+v, want CRC32 %s", cr, aws.ToString(put.ChecksumCRC32))
		}
		if got := getBody(t, e.s3, &s3.GetObjectInput{Bucket: aws.String("dst"), Key: aws.String("k1")}); !bytes.Equal(got, data) {
			t.Fatal("copied bytes differ")
		}
		h, err := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("dst"), Key: aws.String("k1")})
		if err != nil || h.Metadata["color"] != "blue" || aws.ToString(h.ContentType) != "text/plain" || h.ServerSideEncryption != types.ServerSideEncryptionAwsKms {
			t.Fatalf("head copy: %+v %v", h, err)
		}
	})
	t.Run("replace metadata, destination default", func(t *testing.T) {
		putDefault(t, e.s3, "dst", types.ServerSideEncryptionAwsKms, "", false)
		defer e.s3.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: aws.String("dst")})
		_, err := e.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("k2"), CopySource: aws.String("/src/dir%2Fobj"),
			MetadataDirective: types.MetadataDirectiveReplace, Metadata: map[string]string{"shape": "round"}, ContentType: aws.String("x/y")})
		if err != nil {
			t.Fatal(err)
		}
		h, err := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("dst"), Key: aws.String("k2")})
		if err != nil || h.Metadata["shape"] != "round" || h.Metadata["color"] != "" || aws.ToString(h.ContentType) != "x/y" ||
			h.ServerSideEncryption != types.ServerSideEncryptionAwsKms {
			t.Fatalf("head: %+v %v", h, err)
		}
	})
	t.Run("onto itself", func(t *testing.T) {
		_, err := e.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("src"), Key: aws.String("dir/obj"), CopySource: aws.String("src/dir/obj")})
		wantCode(t, "self copy", err, "InvalidRequest", 400)
		// Changing the encryption is allowed: the way to re-encrypt in place.
		out, err := e.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("src"), Key: aws.String("dir/obj"), CopySource: aws.String("src/dir/obj"),
			ServerSideEncryption: types.ServerSideEncryptionAwsKms})
		if err != nil || out.ServerSideEncryption != types.ServerSideEncryptionAwsKms {
			t.Fatalf("re-encrypt in place: %v", err)
		}
		// Back to SSE-S3 by REPLACE, and the ETag is the MD5 again.
		out, err = e.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("src"), Key: aws.String("dir/obj"), CopySource: aws.String("src/dir/obj"),
			MetadataDirective: types.MetadataDirectiveReplace, ContentType: aws.String("text/plain"), Metadata: map[string]string{"color": "blue"}})
		if err != nil || out.ServerSideEncryption != types.ServerSideEncryptionAes256 || aws.ToString(out.CopyObjectResult.ETag) != aws.ToString(put.ETag) {
			t.Fatalf("copy back: %+v %v", out, err)
		}
		if got := getBody(t, e.s3, &s3.GetObjectInput{Bucket: aws.String("src"), Key: aws.String("dir/obj")}); !bytes.Equal(got, data) {
			t.Fatal("bytes changed")
		}
	})
	t.Run("conditions", func(t *testing.T) {
		src, _ := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("src"), Key: aws.String("dir/obj")})
		past, future := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
		for _, tc := range []struct {
			name string
			mod  func(*s3.CopyObjectInput)
			ok   bool
		}{
			{"if-match ok", func(in *s3.CopyObjectInput) { in.CopySourceIfMatch = src.ETag }, true},
			{"if-match other", func(in *s3.CopyObjectInput) { in.CopySourceIfMatch = aws.String(`"0123"`) }, false},
			{"if-none-match same", func(in *s3.CopyObjectInput) { in.CopySourceIfNoneMatch = src.ETag }, false},
			{"if-modified-since future", func(in *s3.CopyObjectInput) { in.CopySourceIfModifiedSince = &future }, false},
			{"if-unmodified-since past", func(in *s3.CopyObjectInput) { in.CopySourceIfUnmodifiedSince = &past }, false},
			{"if-unmodified-since future", func(in *s3.CopyObjectInput) { in.CopySourceIfUnmodifiedSince = &future }, true},
		} {
			in := &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("cond"), CopySource: aws.String("src/dir/obj")}
			tc.mod(in)
			_, err := e.s3.CopyObject(ctx, in)
			if tc.ok && err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if !tc.ok {
				wantCode(t, tc.name, err, "PreconditionFailed", 412)
			}
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			name, source string
			mod          func(*s3.CopyObjectInput)
			code         string
			status       int
		}{
			{"no key", "src", nil, "InvalidArgument", 400},
			{"bad escape", "src/%zz", nil, "InvalidArgument", 400},
			{"missing key", "src/nope", nil, "NoSuchKey", 404},
			{"missing bucket", "nobucket/x", nil, "NoSuchBucket", 404},
			{"version", "src/dir/obj?versionId=abc", nil, "InvalidArgument", 400},
			{"bad directive", "src/dir/obj", func(in *s3.CopyObjectInput) { in.MetadataDirective = "MOVE" }, "InvalidArgument", 400},
			{"bad sse", "src/dir/obj", func(in *s3.CopyObjectInput) { in.ServerSideEncryption = "rot13" }, "InvalidArgument", 400},
			{"missing kms key", "src/dir/obj", func(in *s3.CopyObjectInput) {
				in.ServerSideEncryption, in.SSEKMSKeyId = types.ServerSideEncryptionAwsKms, aws.String("alias/nope")
			}, "KMS.NotFoundException", 400},
			{"range not allowed", "src/dir/obj", func(in *s3.CopyObjectInput) {}, "InvalidArgument", 400},
		} {
			in := &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("err"), CopySource: aws.String(tc.source)}
			if tc.mod != nil {
				tc.mod(in)
			}
			var opts []func(*s3.Options)
			if tc.name == "range not allowed" {
				opts = append(opts, withHeader("X-Amz-Copy-Source-Range", "bytes=0-1"))
			}
			_, err := e.s3.CopyObject(ctx, in, opts...)
			wantCode(t, tc.name, err, tc.code, tc.status)
		}
		_, err := e.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("nobucket"), Key: aws.String("x"), CopySource: aws.String("src/dir/obj")})
		wantCode(t, "destination bucket missing", err, "NoSuchBucket", 404)
	})
	t.Run("multipart source", func(t *testing.T) {
		big := make([]byte, 5<<20+1234)
		rand.Read(big)
		cu, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("src"), Key: aws.String("mp")})
		if err != nil {
			t.Fatal(err)
		}
		var parts []types.CompletedPart
		for i, chunk := range [][]byte{big[:5<<20], big[5<<20:]} {
			up, err := e.s3.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("src"), Key: aws.String("mp"), UploadId: cu.UploadId,
				PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(chunk)})
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, types.CompletedPart{ETag: up.ETag, PartNumber: aws.Int32(int32(i + 1))})
		}
		if _, err := e.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("src"), Key: aws.String("mp"), UploadId: cu.UploadId,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("mp-copy"), CopySource: aws.String("src/mp")}); err != nil {
			t.Fatal(err)
		}
		if got := getBody(t, e.s3, &s3.GetObjectInput{Bucket: aws.String("dst"), Key: aws.String("mp-copy")}); !bytes.Equal(got, big) {
			t.Fatal("multipart copy differs")
		}
	})
}

// withHeader adds a (signed) header to the requests of a client call.
func withHeader(name, value string) func(*s3.Options) {
	return func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue(name, value))
	}
}

func TestS3CopyObjectSSEC(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "ssec")
	key, md5 := sseCKey()
	other, otherMD5 := sseCKey()
	data := []byte("customer keyed")
	putBytes(t, e.s3, &s3.PutObjectInput{Bucket: aws.String("ssec"), Key: aws.String("c"), SSECustomerAlgorithm: aws.String("AES256"),
		SSECustomerKey: aws.String(key), SSECustomerKeyMD5: aws.String(md5)}, data)
	_, err := e.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("ssec"), Key: aws.String("plain"), CopySource: aws.String("ssec/c")})
	wantCode(t, "no copy-source key", err, "InvalidRequest", 400)
	_, err = e.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("ssec"), Key: aws.String("plain"), CopySource: aws.String("ssec/c"),
		CopySourceSSECustomerAlgorithm: aws.String("AES256"), CopySourceSSECustomerKey: aws.String(other), CopySourceSSECustomerKeyMD5: aws.String(otherMD5)})
	wantCode(t, "wrong copy-source key", err, "AccessDenied", 403)
	out, err := e.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("ssec"), Key: aws.String("plain"), CopySource: aws.String("ssec/c"),
		CopySourceSSECustomerAlgorithm: aws.String("AES256"), CopySourceSSECustomerKey: aws.String(key), CopySourceSSECustomerKeyMD5: aws.String(md5)})
	if err != nil || out.ServerSideEncryption != types.ServerSideEncryptionAes256 {
		t.Fatalf("SSE-C to default: %+v %v", out, err)
	}
	if got := getBody(t, e.s3, &s3.GetObjectInput{Bucket: aws.String("ssec"), Key: aws.String("plain")}); !bytes.Equal(got, data) {
		t.Fatal("bytes differ")
	}
	// Key rotation: the same object under a new customer key.
	_, err = e.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("ssec"), Key: aws.String("c"), CopySource: aws.String("ssec/c"),
		CopySourceSSECustomerAlgorithm: aws.String("AES256"), CopySourceSSECustomerKey: aws.String(key), CopySourceSSECustomerKeyMD5: aws.String(md5),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(other), SSECustomerKeyMD5: aws.String(otherMD5)})
	if err != nil {
		t.Fatalf("rotate: %v", err)
	}
	got := getBody(t, e.s3, &s3.GetObjectInput{Bucket: aws.String("ssec"), Key: aws.String("c"), SSECustomerAlgorithm: aws.String("AES256"),
		SSECustomerKey: aws.String(other), SSECustomerKeyMD5: aws.String(otherMD5)})
	if !bytes.Equal(got, data) {
		t.Fatal("rotated bytes differ")
	}
	_, err = e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("ssec"), Key: aws.String("c"), SSECustomerAlgorithm: aws.String("AES256"),
		SSECustomerKey: aws.String(key), SSECustomerKeyMD5: aws.String(md5)})
	wantCode(t, "old key after rotation", err, "AccessDenied", 403)
	// Copy-source SSE-C headers on an object that is not SSE-C.
	_, err = e.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("ssec"), Key: aws.String("x"), CopySource: aws.String("ssec/plain"),
		CopySourceSSECustomerAlgorithm: aws.String("AES256"), CopySourceSSECustomerKey: aws.String(key), CopySourceSSECustomerKeyMD5: aws.String(md5)})
	wantCode(t, "copy-source key on SSE-S3", err, "InvalidRequest", 400)
}

func TestS3CopyObjectPermissions(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "pba")
	mustBucket(t, e.s3, "pbb")
	putBytes(t, e.s3, &s3.PutObjectInput{Bucket: aws.String("pba"), Key: aws.String("s3"), ServerSideEncryption: types.ServerSideEncryptionAes256}, []byte("one"))
	ck, err := e.kms.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	putBytes(t, e.s3, &s3.PutObjectInput{Bucket: aws.String("pba"), Key: aws.String("kms"), ServerSideEncryption: types.ServerSideEncryptionAwsKms,
		SSEKMSKeyId: ck.KeyMetadata.KeyId}, []byte("two"))

	onlyPut := newUser(t, e, "putter", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::pbb/*"}]}`)
	both := newUser(t, e, "copier", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::pbb/*"},
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::pba/*"}]}`)
	withKMS := newUser(t, e, "kmscopier", fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::pbb/*"},
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::pba/*"},
		{"Effect":"Allow","Action":"kms:Decrypt","Resource":"%s","Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}]}`,
		aws.ToString(ck.KeyMetadata.Arn)))

	cp := func(c aws.Credentials, src string) error {
		_, err := e.s3Client(c, nil).CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("pbb"), Key: aws.String("out"), CopySource: aws.String(src)})
		return err
	}
	wantCode(t, "no GetObject on source", cp(onlyPut, "pba/s3"), "AccessDenied", 403)
	if err := cp(both, "pba/s3"); err != nil {
		t.Fatalf("Get+Put: %v", err)
	}
	wantCode(t, "SSE-KMS source without kms:Decrypt", cp(both, "pba/kms"), "AccessDenied", 403)
	if err := cp(withKMS, "pba/kms"); err != nil {
		t.Fatalf("with kms:Decrypt via S3: %v", err)
	}
	_, err = e.s3Client(both, nil).CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("pba"), Key: aws.String("out"), CopySource: aws.String("pba/s3")})
	wantCode(t, "no PutObject on destination", err, "AccessDenied", 403)
}
