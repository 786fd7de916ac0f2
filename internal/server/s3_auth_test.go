package server_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func hmacSHA256(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// signedChunkedPut builds a PutObject whose body is aws-chunked with a
// signature per chunk (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), as the AWS
// documentation's "Signature Calculations for the Authorization Header:
// Transferring Payload in Multiple Chunks" describes. tamper flips a byte
// of the second chunk after signing.
func signedChunkedPut(t *testing.T, url string, data []byte, chunk int, tamper bool) *http.Request {
	t.Helper()
	const region = "us-east-1"
	now := time.Now().UTC()
	r, _ := http.NewRequest(http.MethodPut, url, nil)
	r.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("X-Amz-Decoded-Content-Length", fmt.Sprint(len(data)))
	if err := v4.NewSigner().SignHTTP(context.Background(), devCreds, r, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "s3", region, now); err != nil {
		t.Fatal(err)
	}
	auth := r.Header.Get("Authorization")
	prev := auth[strings.Index(auth, "Signature=")+len("Signature="):]
	date, amzDate := now.Format("20060102"), now.Format("20060102T150405Z")
	scope := date + "/" + region + "/s3/aws4_request"
	key := hmacSHA256([]byte("AWS4"+devCreds.SecretAccessKey), date)
	key = hmacSHA256(hmacSHA256(hmacSHA256(key, region), "s3"), "aws4_request")
	var body bytes.Buffer
	emptyHash := sha256Hex(nil)
	for off := 0; ; off += chunk {
		c := data[min(off, len(data)):min(off+chunk, len(data))]
		sig := hex.EncodeToString(hmacSHA256(key, "AWS4-HMAC-SHA256-PAYLOAD\n"+amzDate+"\n"+scope+"\n"+prev+"\n"+emptyHash+"\n"+sha256Hex(c)))
		prev = sig
		fmt.Fprintf(&body, "%x;chunk-signature=%s\r\n", len(c), sig)
		if tamper && off == chunk {
			c = append([]byte{c[0] ^ 1}, c[1:]...)
		}
		body.Write(c)
		body.WriteString("\r\n")
		if len(c) == 0 {
			break
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body.Bytes()))
	r.ContentLength = int64(body.Len())
	return r
}

func TestS3SignedChunkedPayload(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "chunks")
	data := bytes.Repeat([]byte("0123456789abcdef"), 20000) // 320,000 bytes: 5 chunks of 64 KiB
	resp, err := http.DefaultClient.Do(signedChunkedPut(t, e.url+"/chunks/signed", data, 64<<10, false))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("signed chunked PUT: %d %s", resp.StatusCode, b)
	}
	got, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("chunks"), Key: aws.String("signed")})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(got.Body); !bytes.Equal(b, data) {
		t.Fatalf("GET after signed chunked PUT: %d bytes", len(b))
	}

	resp, err = http.DefaultClient.Do(signedChunkedPut(t, e.url+"/chunks/tampered", data, 64<<10, true))
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !bytes.Contains(b, []byte("<Code>SignatureDoesNotMatch</Code>")) {
		t.Fatalf("tampered chunk: %d %s", resp.StatusCode, b)
	}
	_, err = e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("chunks"), Key: aws.String("tampered")})
	wantCode(t, "object of a rejected upload", err, "NotFound", 404)
}

// signedPut signs a PUT of body declaring payloadHash.
func signedPut(t *testing.T, url string, body []byte, payloadHash string, header map[string]string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPut, url, bytes.NewReader(body))
	for k, v := range header {
		r.Header.Set(k, v)
	}
	r.Header.Set("X-Amz-Content-Sha256", payloadHash)
	if err := v4.NewSigner().SignHTTP(context.Background(), devCreds, r, payloadHash, "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestS3PayloadHashAndSSECTransport(t *testing.T) {
	e := newS3Env(t)
	mustBucket(t, e.s3, "hash")
	h := e.app.Handler

	// The body does not have the SHA-256 the signature covers.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, signedPut(t, "http://127.0.0.1/hash/k", []byte("actual body"), sha256Hex([]byte("signed body")), nil))
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "<Code>XAmzContentSHA256Mismatch</Code>") {
		t.Fatalf("payload hash mismatch: %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, signedPut(t, "http://127.0.0.1/hash/k", []byte("actual body"), sha256Hex([]byte("actual body")), nil))
	if rec.Code != 200 {
		t.Fatalf("signed payload: %d %s", rec.Code, rec.Body)
	}

	// SSE-C over plain HTTP to a non-loopback address (the recorder has
	// no local address): refused before any byte is stored.
	cKey, cMD5 := sseCKey()
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, signedPut(t, "http://coffer.example/hash/c", []byte("x"), "UNSIGNED-PAYLOAD", map[string]string{
		"X-Amz-Server-Side-Encryption-Customer-Algorithm": "AES256",
		"X-Amz-Server-Side-Encryption-Customer-Key":       cKey,
		"X-Amz-Server-Side-Encryption-Customer-Key-MD5":   cMD5,
	}))
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "<Code>InvalidRequest</Code>") || !strings.Contains(rec.Body.String(), "secure connection") {
		t.Fatalf("SSE-C over HTTP: %d %s", rec.Code, rec.Body)
	}
}

// TestS3IdentityPolicies: an IAM user of the bucket's account may do what
// its identity policies allow, and nothing else.
func TestS3IdentityPolicies(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "policed")
	if _, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("policed"), Key: aws.String("public/a"), Body: strings.NewReader("a")}); err != nil {
		t.Fatal(err)
	}
	ic := iamsdk.New(iamsdk.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.url), Credentials: credentials.StaticCredentialsProvider{Value: devCreds}})
	if _, err := ic.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("reader")}); err != nil {
		t.Fatal(err)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::policed/public/*"}]}`
	if _, err := ic.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String("reader"), PolicyName: aws.String("read-public"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	ak, err := ic.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String("reader")})
	if err != nil {
		t.Fatal(err)
	}
	rc := e.s3Client(aws.Credentials{AccessKeyID: aws.ToString(ak.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(ak.AccessKey.SecretAccessKey)}, nil)
	got, err := rc.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("policed"), Key: aws.String("public/a")})
	if err != nil {
		t.Fatalf("allowed GET: %v", err)
	}
	got.Body.Close()
	_, err = rc.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("policed"), Key: aws.String("public/b"), Body: strings.NewReader("b")})
	wantCode(t, "PUT not allowed", err, "AccessDenied", 403)
	_, err = rc.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("policed"), Key: aws.String("private/a")})
	wantCode(t, "GET outside the resource", err, "AccessDenied", 403)
	_, err = rc.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("policed")})
	wantCode(t, "ListBucket not allowed", err, "AccessDenied", 403)
}
