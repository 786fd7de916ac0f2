package server_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/coffer-kms/coffer/internal/app"
	"github.com/coffer-kms/coffer/internal/iam"
)

// s3Env is a Coffer on a loopback listener with SDK clients for it.
type s3Env struct {
	app     *app.App
	dataDir string
	url     string
	s3      *s3.Client
	kms     *kms.Client
}

func newS3Env(t testing.TB) *s3Env {
	t.Helper()
	dir := t.TempDir()
	a, err := app.Open(context.Background(), app.Options{DataDir: dir, Dev: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	e := &s3Env{app: a, dataDir: dir, url: srv.URL}
	e.s3 = e.s3Client(devCreds, nil)
	e.kms = kms.New(kms.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.StaticCredentialsProvider{Value: devCreds}})
	return e
}

func (e *s3Env) s3Client(creds aws.Credentials, mod func(*s3.Options)) *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.url), UsePathStyle: true,
		Credentials: credentials.StaticCredentialsProvider{Value: creds}}, func(o *s3.Options) {
		if mod != nil {
			mod(o)
		}
	})
}

// apiCode returns the error code of an SDK error and its HTTP status.
func apiCode(err error) (string, int) {
	var ae smithy.APIError
	code := ""
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	var re interface{ HTTPStatusCode() int }
	status := 0
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return code, status
}

func wantCode(t *testing.T, what string, err error, code string, status int) {
	t.Helper()
	gotCode, gotStatus := apiCode(err)
	if err == nil || gotCode != code || gotStatus != status {
		t.Fatalf("%s: got %v (code %q, status %d), want %s %d", what, err, gotCode, gotStatus, code, status)
	}
}

func mustBucket(t *testing.T, c *s3.Client, name string) {
	t.Helper()
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
}

func TestS3Buckets(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "alpha")
	mustBucket(t, e.s3, "beta.bucket")

	_, err := e.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("alpha")})
	wantCode(t, "create again", err, "BucketAlreadyOwnedByYou", 409)
	for _, name := range []string{"ab", "UPPER", "has_underscore", "-dash", "192.168.1.1", "a..b", strings.Repeat("a", 64)} {
		_, err = e.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
		wantCode(t, "create "+name, err, "InvalidBucketName", 400)
	}
	_, err = e.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("gamma"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}})
	wantCode(t, "location mismatch", err, "IllegalLocationConstraintException", 400)

	// A bucket in another region, signed for that region.
	eu := e.s3Client(devCreds, func(o *s3.Options) { o.Region = "eu-west-1" })
	if _, err := eu.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("gamma"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}}); err != nil {
		t.Fatal(err)
	}
	loc, err := e.s3.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("gamma")})
	if err != nil || loc.LocationConstraint != "eu-west-1" {
		t.Fatalf("GetBucketLocation gamma: %v %v", loc, err)
	}
	loc, err = e.s3.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("alpha")})
	if err != nil || loc.LocationConstraint != "" {
		t.Fatalf("GetBucketLocation alpha: %v %v", loc, err)
	}

	list, err := e.s3.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range list.Buckets {
		names = append(names, aws.ToString(b.Name))
	}
	if strings.Join(names, ",") != "alpha,beta.bucket,gamma" || aws.ToString(list.Owner.ID) != app.DevAccount {
		t.Fatalf("ListBuckets = %v owner %v", names, aws.ToString(list.Owner.ID))
	}

	hb, err := e.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("alpha")})
	if err != nil || aws.ToString(hb.BucketRegion) != "us-east-1" {
		t.Fatalf("HeadBucket: %v %v", hb, err)
	}
	_, err = e.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("missing")})
	wantCode(t, "head missing", err, "NotFound", 404)

	if _, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("alpha"), Key: aws.String("k"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.s3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("alpha")})
	wantCode(t, "delete non-empty", err, "BucketNotEmpty", 409)
	if _, err := e.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("alpha"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("alpha")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.s3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("alpha")})
	wantCode(t, "delete deleted", err, "NoSuchBucket", 404)
	_, err = e.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("alpha")})
	wantCode(t, "list deleted", err, "NoSuchBucket", 404)
}

func TestS3BucketOfAnotherAccount(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "mine")
	// Another account's root: create it through the app's IAM bootstrap.
	other := createOtherAccount(t, e)
	oc := e.s3Client(other, nil)
	_, err := oc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("mine")})
	wantCode(t, "create taken", err, "BucketAlreadyExists", 409)
	_, err = oc.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("mine"), Key: aws.String("k"), Body: strings.NewReader("x")})
	wantCode(t, "cross-account put", err, "AccessDenied", 403)
	list, err := oc.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(list.Buckets) != 0 {
		t.Fatalf("other account lists %v, %v", list, err)
	}
}

type sseCase struct {
	name    string
	put     func(*s3.PutObjectInput)
	get     func(*s3.GetObjectInput)
	mode    types.ServerSideEncryption
	etagMD5 bool
}

func sseCKey() (key, md5b64 string) {
	k := make([]byte, 32)
	rand.Read(k)
	sum := md5.Sum(k)
	return base64.StdEncoding.EncodeToString(k), base64.StdEncoding.EncodeToString(sum[:])
}

func TestS3ObjectsEncryption(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "enc")
	ck, err := e.kms.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	keyARN := aws.ToString(ck.KeyMetadata.Arn)
	cKey, cMD5 := sseCKey()
	encCtx := base64.StdEncoding.EncodeToString([]byte(`{"project":"coffer"}`))
	cases := []sseCase{
		{name: "default SSE-S3", mode: types.ServerSideEncryptionAes256, etagMD5: true},
		{name: "explicit AES256", mode: types.ServerSideEncryptionAes256, etagMD5: true,
			put: func(in *s3.PutObjectInput) { in.ServerSideEncryption = types.ServerSideEncryptionAes256 }},
		{name: "aws:kms aws/s3", mode: types.ServerSideEncryptionAwsKms,
			put: func(in *s3.PutObjectInput) { in.ServerSideEncryption = types.ServerSideEncryptionAwsKms }},
		{name: "aws:kms key and context", mode: types.ServerSideEncryptionAwsKms,
			put: func(in *s3.PutObjectInput) {
				in.ServerSideEncryption = types.ServerSideEncryptionAwsKms
				in.SSEKMSKeyId = aws.String(aws.ToString(ck.KeyMetadata.KeyId))
				in.SSEKMSEncryptionContext = aws.String(encCtx)
			}},
		{name: "SSE-C",
			put: func(in *s3.PutObjectInput) {
				in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(cKey), aws.String(cMD5)
			},
			get: func(in *s3.GetObjectInput) {
				in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(cKey), aws.String(cMD5)
			}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key := fmt.Sprintf("obj-%d.txt", i)
			body := []byte("hello coffer " + tc.name)
			in := &s3.PutObjectInput{Bucket: aws.String("enc"), Key: aws.String(key), Body: bytes.NewReader(body),
				ContentType: aws.String("text/plain"), Metadata: map[string]string{"color": "blue"},
				ChecksumAlgorithm: types.ChecksumAlgorithmSha256}
			if tc.put != nil {
				tc.put(in)
			}
			out, err := e.s3.PutObject(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			sum := md5.Sum(body)
			isMD5 := aws.ToString(out.ETag) == `"`+hex.EncodeToString(sum[:])+`"`
			if isMD5 != tc.etagMD5 {
				t.Errorf("ETag %s: MD5=%v, want %v", aws.ToString(out.ETag), isMD5, tc.etagMD5)
			}
			if out.ServerSideEncryption != tc.mode {
				t.Errorf("PUT ServerSideEncryption = %q, want %q", out.ServerSideEncryption, tc.mode)
			}
			if out.ChecksumSHA256 == nil {
				t.Errorf("PUT has no ChecksumSHA256")
			}
			gin := &s3.GetObjectInput{Bucket: aws.String("enc"), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled}
			if tc.get != nil {
				tc.get(gin)
			}
			got, err := e.s3.GetObject(ctx, gin)
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(got.Body)
			got.Body.Close()
			if err != nil || !bytes.Equal(data, body) {
				t.Fatalf("GET = %q, %v", data, err)
			}
			if got.ServerSideEncryption != tc.mode || aws.ToString(got.ContentType) != "text/plain" || got.Metadata["color"] != "blue" {
				t.Errorf("GET headers: sse %q type %q meta %v", got.ServerSideEncryption, aws.ToString(got.ContentType), got.Metadata)
			}
			if aws.ToString(got.ETag) != aws.ToString(out.ETag) || aws.ToString(got.ChecksumSHA256) != aws.ToString(out.ChecksumSHA256) {
				t.Errorf("GET ETag/checksum %s %s, PUT %s %s", aws.ToString(got.ETag), aws.ToString(got.ChecksumSHA256), aws.ToString(out.ETag), aws.ToString(out.ChecksumSHA256))
			}
			switch {
			case tc.mode == types.ServerSideEncryptionAwsKms:
				if !strings.HasPrefix(aws.ToString(got.SSEKMSKeyId), "arn:aws:kms:us-east-1:"+app.DevAccount+":key/") {
					t.Errorf("SSEKMSKeyId = %q", aws.ToString(got.SSEKMSKeyId))
				}
				if tc.put != nil && in.SSEKMSKeyId != nil && aws.ToString(got.SSEKMSKeyId) != keyARN {
					t.Errorf("SSEKMSKeyId = %q, want %q", aws.ToString(got.SSEKMSKeyId), keyARN)
				}
			case tc.mode == "":
				if aws.ToString(got.SSECustomerAlgorithm) != "AES256" || aws.ToString(got.SSECustomerKeyMD5) != cMD5 {
					t.Errorf("SSE-C headers %q %q", aws.ToString(got.SSECustomerAlgorithm), aws.ToString(got.SSECustomerKeyMD5))
				}
			}
			hin := &s3.HeadObjectInput{Bucket: aws.String("enc"), Key: aws.String(key)}
			if tc.get != nil {
				hin.SSECustomerAlgorithm, hin.SSECustomerKey, hin.SSECustomerKeyMD5 = gin.SSECustomerAlgorithm, gin.SSECustomerKey, gin.SSECustomerKeyMD5
			}
			h, err := e.s3.HeadObject(ctx, hin)
			if err != nil || aws.ToInt64(h.ContentLength) != int64(len(body)) || h.ServerSideEncryption != tc.mode {
				t.Fatalf("HEAD: %+v %v", h, err)
			}
		})
	}

	t.Run("SSE-C errors", func(t *testing.T) {
		_, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("enc"), Key: aws.String("obj-4.txt")})
		wantCode(t, "GET without key", err, "InvalidRequest", 400)
		_, err = e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("enc"), Key: aws.String("obj-4.txt")})
		wantCode(t, "HEAD without key", err, "BadRequest", 400)
		other, otherMD5 := sseCKey()
		_, err = e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("enc"), Key: aws.String("obj-4.txt"),
			SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(other), SSECustomerKeyMD5: aws.String(otherMD5)})
		wantCode(t, "GET with another key", err, "AccessDenied", 403)
		_, err = e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("enc"), Key: aws.String("obj-0.txt"),
			SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(other), SSECustomerKeyMD5: aws.String(otherMD5)})
		wantCode(t, "SSE-C key on an SSE-S3 object", err, "InvalidRequest", 400)
		_, err = e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("enc"), Key: aws.String("bad"), Body: strings.NewReader("x"),
			SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(other), SSECustomerKeyMD5: aws.String(cMD5)})
		wantCode(t, "PUT with a wrong key MD5", err, "InvalidArgument", 400)
	})

	t.Run("KMS key disabled", func(t *testing.T) {
		if _, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("enc"), Key: aws.String("kms-then-disabled"),
			Body: strings.NewReader("secret"), ServerSideEncryption: types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(keyARN)}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.kms.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(keyARN)}); err != nil {
			t.Fatal(err)
		}
		_, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("enc"), Key: aws.String("x"),
			Body: strings.NewReader("x"), ServerSideEncryption: types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(keyARN)})
		wantCode(t, "PUT under a disabled key", err, "KMS.DisabledException", 400)
		_, err = e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("enc"), Key: aws.String("kms-then-disabled")})
		wantCode(t, "GET under a disabled key", err, "KMS.DisabledException", 400)
		_, err = e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("enc"), Key: aws.String("x"),
			Body: strings.NewReader("x"), ServerSideEncryption: types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String("alias/nope")})
		wantCode(t, "PUT under a missing key", err, "KMS.NotFoundException", 400)
	})
}

func TestS3ObjectErrorsAndConditions(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	_, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("nobucket"), Key: aws.String("k"), Body: strings.NewReader("x")})
	wantCode(t, "PUT to a missing bucket", err, "NoSuchBucket", 404)
	mustBucket(t, e.s3, "bk1")
	_, err = e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bk1"), Key: aws.String("missing")})
	wantCode(t, "GET missing", err, "NoSuchKey", 404)
	_, err = e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bk1"), Key: aws.String("missing")})
	wantCode(t, "HEAD missing", err, "NotFound", 404)
	if _, err := e.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("bk1"), Key: aws.String("missing")}); err != nil {
		t.Fatalf("DELETE missing: %v", err)
	}
	put, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bk1"), Key: aws.String("k"), Body: strings.NewReader("0123456789")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bk1"), Key: aws.String("k"), Range: aws.String("bytes=20-30")})
	wantCode(t, "range past the end", err, "InvalidRange", 416)
	got, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bk1"), Key: aws.String("k"), Range: aws.String("bytes=-3")})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(got.Body)
	if string(data) != "789" || aws.ToString(got.ContentRange) != "bytes 7-9/10" {
		t.Fatalf("suffix range = %q %q", data, aws.ToString(got.ContentRange))
	}
	_, err = e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bk1"), Key: aws.String("k"), IfMatch: aws.String(`"nope"`)})
	wantCode(t, "If-Match", err, "PreconditionFailed", 412)
	_, err = e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bk1"), Key: aws.String("k"), IfNoneMatch: put.ETag})
	if _, status := apiCode(err); status != 304 {
		t.Fatalf("If-None-Match: %v", err)
	}
	_, err = e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bk1"), Key: aws.String("k"), Body: strings.NewReader("x"), IfNoneMatch: aws.String("*")})
	wantCode(t, "PUT If-None-Match *", err, "PreconditionFailed", 412)
	_, err = e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bk1"), Key: aws.String("k"), Body: strings.NewReader("abc"),
		ContentMD5: aws.String(base64.StdEncoding.EncodeToString(make([]byte, 16)))})
	wantCode(t, "Content-MD5 mismatch", err, "BadDigest", 400)
	_, err = e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bk1"), Key: aws.String("k"), Body: strings.NewReader("abc"),
		ChecksumCRC32: aws.String("AAAAAA==")})
	if code, _ := apiCode(err); code != "BadDigest" && code != "InvalidRequest" {
		t.Fatalf("checksum mismatch: %v", err)
	}
	// The failed PUTs left the object as it was.
	got, err = e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bk1"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := io.ReadAll(got.Body); string(data) != "0123456789" {
		t.Fatalf("object after failed PUTs: %q", data)
	}
	// Empty object.
	if _, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bk1"), Key: aws.String("empty"), Body: bytes.NewReader(nil)}); err != nil {
		t.Fatal(err)
	}
	got, err = e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bk1"), Key: aws.String("empty")})
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := io.ReadAll(got.Body); len(data) != 0 || aws.ToString(got.ETag) != `"d41d8cd98f00b204e9800998ecf8427e"` {
		t.Fatalf("empty object: %q %s", data, aws.ToString(got.ETag))
	}
}

func TestS3ListObjectsV2(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "list")
	keys := []string{"a.txt", "dir/one", "dir/sub/two", "dir/three", "other/x", "z y+z.txt"}
	for _, k := range keys {
		if _, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("list"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	list := func(in *s3.ListObjectsV2Input) (names []string, out *s3.ListObjectsV2Output) {
		t.Helper()
		in.Bucket = aws.String("list")
		out, err := e.s3.ListObjectsV2(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			names = append(names, aws.ToString(o.Key))
		}
		for _, p := range out.CommonPrefixes {
			names = append(names, aws.ToString(p.Prefix)+"/")
		}
		return names, out
	}
	if got, _ := list(&s3.ListObjectsV2Input{}); strings.Join(got, ",") != "a.txt,dir/one,dir/sub/two,dir/three,other/x,z y+z.txt" {
		t.Errorf("all: %v", got)
	}
	if got, _ := list(&s3.ListObjectsV2Input{Delimiter: aws.String("/")}); strings.Join(got, ",") != "a.txt,z y+z.txt,dir//,other//" {
		t.Errorf("delimiter: %v", got)
	}
	if got, _ := list(&s3.ListObjectsV2Input{Prefix: aws.String("dir/"), Delimiter: aws.String("/")}); strings.Join(got, ",") != "dir/one,dir/three,dir/sub//" {
		t.Errorf("prefix+delimiter: %v", got)
	}
	if got, _ := list(&s3.ListObjectsV2Input{StartAfter: aws.String("dir/three")}); strings.Join(got, ",") != "other/x,z y+z.txt" {
		t.Errorf("start-after: %v", got)
	}
	if got, _ := list(&s3.ListObjectsV2Input{EncodingType: types.EncodingTypeUrl, Prefix: aws.String("z")}); len(got) != 1 {
		t.Errorf("encoding-type url: %v", got)
	}
	// Paginate by 2 with a delimiter: every entry once, in order.
	var all []string
	p := s3.NewListObjectsV2Paginator(e.s3, &s3.ListObjectsV2Input{Bucket: aws.String("list"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(1)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, o := range out.Contents {
			all = append(all, aws.ToString(o.Key))
		}
		for _, c := range out.CommonPrefixes {
			all = append(all, aws.ToString(c.Prefix))
		}
	}
	if strings.Join(all, ",") != "a.txt,dir/,other/,z y+z.txt" || pages != 4 {
		t.Errorf("paginated (%d pages): %v", pages, all)
	}
	if _, out := list(&s3.ListObjectsV2Input{MaxKeys: aws.Int32(2)}); !aws.ToBool(out.IsTruncated) || aws.ToInt32(out.KeyCount) != 2 {
		t.Errorf("max-keys 2: truncated %v count %d", aws.ToBool(out.IsTruncated), aws.ToInt32(out.KeyCount))
	}
}

// TestS3LargeObjectAndNoPlaintextOnDisk puts a 10 MiB object with a
// marker repeated through it, reads a range at its very end, and scans the
// whole data directory for the marker.
func TestS3LargeObjectAndNoPlaintextOnDisk(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "big")
	marker := []byte("COFFER-PLAINTEXT-MARKER-5f1e2d")
	data := make([]byte, 10<<20)
	rand.Read(data)
	for off := 0; off+len(marker) <= len(data); off += 4096 {
		copy(data[off:], marker)
	}
	cKey, cMD5 := sseCKey()
	puts := []*s3.PutObjectInput{
		{Key: aws.String("s3")},
		{Key: aws.String("kms"), ServerSideEncryption: types.ServerSideEncryptionAwsKms},
		{Key: aws.String("c"), SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(cKey), SSECustomerKeyMD5: aws.String(cMD5)},
	}
	for _, in := range puts {
		in.Bucket, in.Body = aws.String("big"), bytes.NewReader(data)
		if _, err := e.s3.PutObject(ctx, in); err != nil {
			t.Fatal(err)
		}
		gin := &s3.GetObjectInput{Bucket: aws.String("big"), Key: in.Key, Range: aws.String(fmt.Sprintf("bytes=%d-", len(data)-1000)),
			SSECustomerAlgorithm: in.SSECustomerAlgorithm, SSECustomerKey: in.SSECustomerKey, SSECustomerKeyMD5: in.SSECustomerKeyMD5}
		got, err := e.s3.GetObject(ctx, gin)
		if err != nil {
			t.Fatal(err)
		}
		tail, err := io.ReadAll(got.Body)
		if err != nil || !bytes.Equal(tail, data[len(data)-1000:]) {
			t.Fatalf("%s: tail range differs (%d bytes, %v)", aws.ToString(in.Key), len(tail), err)
		}
		gin.Range = nil
		got, err = e.s3.GetObject(ctx, gin)
		if err != nil {
			t.Fatal(err)
		}
		whole, err := io.ReadAll(got.Body)
		if err != nil || !bytes.Equal(whole, data) {
			t.Fatalf("%s: whole object differs (%d bytes, %v)", aws.ToString(in.Key), len(whole), err)
		}
	}
	// Also a small object whose whole body is the marker.
	if _, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("big"), Key: aws.String("small"), Body: bytes.NewReader(marker)}); err != nil {
		t.Fatal(err)
	}
	files := 0
	err := filepath.WalkDir(e.dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		if bytes.Contains(b, marker) {
			t.Errorf("plaintext marker found in %s", path)
		}
		return nil
	})
	if err != nil || files < 5 {
		t.Fatalf("scan: %d files, %v", files, err)
	}
}

func TestS3AuthErrors(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "auth")
	bad := e.s3Client(aws.Credentials{AccessKeyID: app.DevAccessKeyID, SecretAccessKey: "wrong"}, nil)
	_, err := bad.ListBuckets(ctx, &s3.ListBucketsInput{})
	wantCode(t, "wrong secret", err, "SignatureDoesNotMatch", 403)
	unknown := e.s3Client(aws.Credentials{AccessKeyID: "AKIAUNKNOWNKEY000000", SecretAccessKey: "x"}, nil)
	_, err = unknown.ListBuckets(ctx, &s3.ListBucketsInput{})
	wantCode(t, "unknown key", err, "InvalidAccessKeyId", 403)
	const emptySHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	r, _ := http.NewRequest(http.MethodGet, e.url+"/", nil)
	r.Header.Set("X-Amz-Content-Sha256", emptySHA)
	if err := v4.NewSigner().SignHTTP(ctx, devCreds, r, emptySHA, "s3", "us-east-1", time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !bytes.Contains(b, []byte("<Code>RequestTimeTooSkewed</Code>")) {
		t.Fatalf("skewed: %d %s", resp.StatusCode, b)
	}

	r, _ = http.NewRequest(http.MethodGet, e.url+"/auth", nil)
	resp, err = http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !bytes.Contains(b, []byte("<Code>AccessDenied</Code>")) || resp.Header.Get("Content-Type") != "application/xml" {
		t.Fatalf("anonymous: %d %s", resp.StatusCode, b)
	}

	r, _ = http.NewRequest(http.MethodGet, e.url+"/auth", nil)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=garbage")
	resp, err = http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !bytes.Contains(b, []byte("<Code>AuthorizationHeaderMalformed</Code>")) {
		t.Fatalf("malformed: %d %s", resp.StatusCode, b)
	}
}

// TestS3Presigned uses presigned PUT and GET URLs with a plain HTTP client.
func TestS3Presigned(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "pre")
	ps := s3.NewPresignClient(e.s3)
	put, err := ps.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("pre"), Key: aws.String("p.txt")})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := http.NewRequest(put.Method, put.URL, strings.NewReader("presigned body"))
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Amz-Server-Side-Encryption") != "AES256" {
		t.Fatalf("presigned PUT: %d %v", resp.StatusCode, resp.Header)
	}
	get, err := ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("pre"), Key: aws.String("p.txt")})
	if err != nil {
		t.Fatal(err)
	}
	resp, err = http.Get(get.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "presigned body" {
		t.Fatalf("presigned GET: %d %q", resp.StatusCode, b)
	}
	resp, err = http.Get(strings.Replace(get.URL, "X-Amz-Signature=", "X-Amz-Signature=0", 1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("tampered presigned GET: %d", resp.StatusCode)
	}
}

// TestS3VirtualHostedAndTLSChunked runs the SDK with virtual-hosted-style
// addressing (BUCKET.localhost) over TLS, where aws-sdk-go-v2 sends
// aws-chunked bodies with a trailing checksum.
func TestS3VirtualHostedAndTLSChunked(t *testing.T) {
	dir := t.TempDir()
	a, err := app.Open(context.Background(), app.Options{DataDir: dir, Dev: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	var sawChunked bool
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
			sawChunked = true
		}
		a.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	dialer := &net.Dialer{}
	hc := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, srv.Listener.Addr().String())
		},
	}}
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String("https://localhost:" + port), HTTPClient: hc,
		Credentials: credentials.StaticCredentialsProvider{Value: devCreds}})
	ctx := context.Background()
	mustBucket(t, c, "vhost")
	body := bytes.Repeat([]byte("chunked "), 100000)
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vhost"), Key: aws.String("dir/k"), Body: bytes.NewReader(body),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32}); err != nil {
		t.Fatal(err)
	}
	if !sawChunked {
		t.Errorf("the SDK did not send an aws-chunked body")
	}
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("vhost"), Key: aws.String("dir/k"), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(got.Body)
	if !bytes.Equal(data, body) || got.ChecksumCRC32 == nil {
		t.Fatalf("GET over vhost: %d bytes, crc32 %v", len(data), got.ChecksumCRC32)
	}
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("vhost")})
	if err != nil || len(list.Contents) != 1 || aws.ToString(list.Contents[0].Key) != "dir/k" {
		t.Fatalf("list over vhost: %v %v", list, err)
	}
}

// createOtherAccount bootstraps a second account with a root access key.
func createOtherAccount(t *testing.T, e *s3Env) aws.Credentials {
	t.Helper()
	key := iam.RootAccessKey{AccessKeyID: "AKIAOTHERACCOUNT0001", SecretAccessKey: "otherSecretKeyForTheSecondAccount000000"}
	if _, _, err := iam.EnsureAccount(context.Background(), e.app.Store, e.app.Root, "444455556666", &key, time.Now()); err != nil {
		t.Fatal(err)
	}
	return aws.Credentials{AccessKeyID: key.AccessKeyID, SecretAccessKey: key.SecretAccessKey}
}

func TestS3ListObjectsV1AndDeleteObjects(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "v1list")
	for _, k := range []string{"a", "b/1", "b/2", "c", "d"} {
		if _, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("v1list"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	var all []string
	marker := ""
	for pages := 0; pages < 10; pages++ {
		out, err := e.s3.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("v1list"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(2), Marker: aws.String(marker)})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			all = append(all, aws.ToString(o.Key))
		}
		for _, p := range out.CommonPrefixes {
			all = append(all, aws.ToString(p.Prefix))
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		marker = aws.ToString(out.NextMarker)
	}
	if strings.Join(all, ",") != "a,b/,c,d" {
		t.Fatalf("ListObjects pages: %v", all)
	}

	out, err := e.s3.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("v1list"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("a")}, {Key: aws.String("b/1")}, {Key: aws.String("never-existed")}, {Key: aws.String("c"), ETag: aws.String(`"0000"`)},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Deleted) != 3 || len(out.Errors) != 1 || aws.ToString(out.Errors[0].Key) != "c" || aws.ToString(out.Errors[0].Code) != "PreconditionFailed" {
		t.Fatalf("DeleteObjects: deleted %d, errors %+v", len(out.Deleted), out.Errors)
	}
	list, err := e.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("v1list")})
	if err != nil || aws.ToInt32(list.KeyCount) != 3 {
		t.Fatalf("after DeleteObjects: %v %v", list, err)
	}
}
