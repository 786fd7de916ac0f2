package iam_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/coffer-kms/coffer/internal/app"
)

// clock is the injectable clock shared by the server and the signers.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is one running Coffer on 127.0.0.1 with a fake clock.
type env struct {
	t     *testing.T
	clock *clock
	app   *app.App
	url   string
}

func start(t *testing.T) *env {
	t.Helper()
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	a, err := app.Open(context.Background(), app.Options{DataDir: t.TempDir(), Dev: true, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() { srv.Close(); a.Close() })
	return &env{t: t, clock: clk, app: a, url: srv.URL}
}

// creds are the credentials a client signs with.
type creds struct{ id, secret, token string }

var root = creds{app.DevAccessKeyID, app.DevSecretAccessKey, ""}

func (e *env) provider(c creds) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: c.id, SecretAccessKey: c.secret, SessionToken: c.token, Source: "test"}, nil
	})
}

func (e *env) iam(c creds) *iam.Client {
	return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.url), Credentials: e.provider(c),
		HTTPSignerV4: signer{e.clock.Now}, RetryMaxAttempts: 1})
}

func (e *env) sts(c creds) *sts.Client {
	return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.url), Credentials: e.provider(c),
		HTTPSignerV4: signer{e.clock.Now}, RetryMaxAttempts: 1})
}

func (e *env) kms(c creds) *kms.Client {
	return kms.New(kms.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.url), Credentials: e.provider(c),
		HTTPSignerV4: signer{e.clock.Now}, RetryMaxAttempts: 1})
}

// signer signs SDK requests at the fake clock's time.
type signer struct{ now func() time.Time }

func (s signer) SignHTTP(ctx context.Context, cr aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, optFns ...func(*v4.SignerOptions)) error {
	return v4.NewSigner().SignHTTP(ctx, cr, r, payloadHash, service, region, s.now(), optFns...)
}

func ctx() context.Context { return context.Background() }

// result carries an SDK call's output and error: ok(c.X(ctx(), in)).get(t).
type result[T any] struct {
	v   T
	err error
}

func ok[T any](v T, err error) result[T] { return result[T]{v, err} }

func (r result[T]) get(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatalf("unexpected error: %v", r.err)
	}
	return r.v
}

// wantErr fails unless err is an API error with code and HTTP status.
func wantErr(t *testing.T, err error, code string, status int) string {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("got %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	var re *awshttp.ResponseError
	if status != 0 && (!errors.As(err, &re) || re.HTTPStatusCode() != status) {
		t.Fatalf("%s: HTTP status %v, want %d", code, re, status)
	}
	return ae.ErrorMessage()
}

func decode(t *testing.T, doc *string) string {
	t.Helper()
	s, err := url.QueryUnescape(aws.ToString(doc))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const (
	account  = app.DevAccount
	allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
)

// newUser creates a user with an access key and returns the key.
func (e *env) newUser(t *testing.T, name string) creds {
	t.Helper()
	c := e.iam(root)
	ok(c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String(name)})).get(t)
	k := ok(c.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String(name)})).get(t).AccessKey
	return creds{aws.ToString(k.AccessKeyId), aws.ToString(k.SecretAccessKey), ""}
}

func TestGetCallerIdentity(t *testing.T) {
	e := start(t)
	out := ok(e.sts(root).GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})).get(t)
	if aws.ToString(out.Account) != account || aws.ToString(out.Arn) != "arn:aws:iam::"+account+":root" || aws.ToString(out.UserId) != account {
		t.Fatalf("%+v", out)
	}
	_, err := e.sts(creds{"AKIAIOSFODNN7NOTHERE", "x", ""}).GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	wantErr(t, err, "InvalidClientTokenId", 403)
	_, err = e.sts(creds{root.id, "wrong", ""}).GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	wantErr(t, err, "SignatureDoesNotMatch", 403)
}

func TestUsers(t *testing.T) {
	e := start(t)
	c := e.iam(root)
	u := ok(c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("jack"), Path: aws.String("/eng/"),
		Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}})).get(t).User
	if aws.ToString(u.Arn) != "arn:aws:iam::"+account+":user/eng/jack" || !strings.HasPrefix(aws.ToString(u.UserId), "AIDA") ||
		len(aws.ToString(u.UserId)) != 20 || aws.ToString(u.Path) != "/eng/" || u.CreateDate == nil || len(u.Tags) != 1 {
		t.Fatalf("CreateUser: %+v", u)
	}
	got := ok(c.GetUser(ctx(), &iam.GetUserInput{UserName: aws.String("JACK")})).get(t).User // names are case-insensitive
	if aws.ToString(got.UserId) != aws.ToString(u.UserId) || aws.ToString(got.Tags[0].Value) != "blue" {
		t.Fatalf("GetUser: %+v", got)
	}
	ok(c.TagUser(ctx(), &iam.TagUserInput{UserName: aws.String("jack"), Tags: []iamtypes.Tag{{Key: aws.String("TEAM"), Value: aws.String("red")}, {Key: aws.String("x"), Value: aws.String("")}}})).get(t)
	got = ok(c.GetUser(ctx(), &iam.GetUserInput{UserName: aws.String("jack")})).get(t).User
	if len(got.Tags) != 2 || aws.ToString(got.Tags[0].Value) != "red" {
		t.Fatalf("TagUser: %+v", got.Tags)
	}
	self := ok(c.GetUser(ctx(), &iam.GetUserInput{})).get(t).User
	if aws.ToString(self.Arn) != "arn:aws:iam::"+account+":root" {
		t.Fatalf("GetUser as root: %+v", self)
	}

	_, err := c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("Jack")})
	wantErr(t, err, "EntityAlreadyExists", 409)
	_, err = c.GetUser(ctx(), &iam.GetUserInput{UserName: aws.String("nobody")})
	if msg := wantErr(t, err, "NoSuchEntity", 404); msg != "The user with name nobody cannot be found." {
		t.Fatalf("message %q", msg)
	}
	for _, bad := range []*iam.CreateUserInput{
		{UserName: aws.String("has space")},
		{UserName: aws.String(strings.Repeat("a", 65))},
		{UserName: aws.String("ok"), Path: aws.String("no-slash")},
		{UserName: aws.String("ok"), Tags: []iamtypes.Tag{{Key: aws.String("bad!"), Value: aws.String("v")}}},
	} {
		_, err = c.CreateUser(ctx(), bad)
		wantErr(t, err, "ValidationError", 400)
	}
	_, err = c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("ok"), Tags: []iamtypes.Tag{{Key: aws.String("aws:x"), Value: aws.String("v")}}})
	wantErr(t, err, "InvalidInput", 400)

	// Paging.
	for _, n := range []string{"u1", "u2", "u3", "u4"} {
		ok(c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String(n)})).get(t)
	}
	var names []string
	var marker *string
	for pages := 0; ; pages++ {
		out := ok(c.ListUsers(ctx(), &iam.ListUsersInput{MaxItems: aws.Int32(2), Marker: marker})).get(t)
		for _, u := range out.Users {
			names = append(names, aws.ToString(u.UserName))
		}
		if !out.IsTruncated {
			break
		}
		if pages > 5 || out.Marker == nil {
			t.Fatalf("paging runs away: %+v", out)
		}
		marker = out.Marker
	}
	if strings.Join(names, ",") != "jack,u1,u2,u3,u4" {
		t.Fatalf("ListUsers: %v", names)
	}
	if out := ok(c.ListUsers(ctx(), &iam.ListUsersInput{PathPrefix: aws.String("/eng/")})).get(t); len(out.Users) != 1 {
		t.Fatalf("PathPrefix: %+v", out.Users)
	}
	_, err = c.ListUsers(ctx(), &iam.ListUsersInput{MaxItems: aws.Int32(1001)})
	wantErr(t, err, "ValidationError", 400)
	_, err = c.ListUsers(ctx(), &iam.ListUsersInput{Marker: aws.String("!!")})
	wantErr(t, err, "InvalidInput", 400)

	ok(c.DeleteUser(ctx(), &iam.DeleteUserInput{UserName: aws.String("u1")})).get(t)
	_, err = c.DeleteUser(ctx(), &iam.DeleteUserInput{UserName: aws.String("u1")})
	wantErr(t, err, "NoSuchEntity", 404)
}

func TestAccessKeys(t *testing.T) {
	e := start(t)
	c := e.iam(root)
	jack := e.newUser(t, "jack")
	if !strings.HasPrefix(jack.id, "AKIA") || len(jack.id) != 20 || len(jack.secret) != 40 {
		t.Fatalf("key %s", jack.id)
	}

	// The new key signs STS, KMS and (with a policy) IAM calls as jack.
	id := ok(e.sts(jack).GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})).get(t)
	if aws.ToString(id.Arn) != "arn:aws:iam::"+account+":user/jack" || !strings.HasPrefix(aws.ToString(id.UserId), "AIDA") {
		t.Fatalf("GetCallerIdentity as jack: %+v", id)
	}
	_, err := e.kms(jack).ListKeys(ctx(), &kms.ListKeysInput{})
	wantErr(t, err, "AccessDeniedException", 400) // KMS decides by jack's identity policies: none yet
	ok(c.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String("jack"), PolicyName: aws.String("kms"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:ListKeys","Resource":"*"}]}`)})).get(t)
	ok(e.kms(jack).ListKeys(ctx(), &kms.ListKeysInput{})).get(t)
	_, err = e.iam(jack).ListUsers(ctx(), &iam.ListUsersInput{})
	if msg := wantErr(t, err, "AccessDenied", 403); !strings.Contains(msg, "user/jack is not authorized to perform: iam:ListUsers") {
		t.Fatalf("message %q", msg)
	}
	_, err = e.iam(jack).ListAccessKeys(ctx(), &iam.ListAccessKeysInput{})
	wantErr(t, err, "AccessDenied", 403)
	keys := ok(c.ListAccessKeys(ctx(), &iam.ListAccessKeysInput{UserName: aws.String("jack")})).get(t).AccessKeyMetadata
	if len(keys) != 1 || aws.ToString(keys[0].AccessKeyId) != jack.id || keys[0].Status != iamtypes.StatusTypeActive {
		t.Fatalf("ListAccessKeys: %+v", keys)
	}

	// Inactive keys are refused everywhere; reactivated, they work again.
	ok(c.UpdateAccessKey(ctx(), &iam.UpdateAccessKeyInput{UserName: aws.String("jack"), AccessKeyId: aws.String(jack.id), Status: iamtypes.StatusTypeInactive})).get(t)
	_, err = e.sts(jack).GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	wantErr(t, err, "InvalidClientTokenId", 403)
	_, err = e.kms(jack).ListKeys(ctx(), &kms.ListKeysInput{})
	wantErr(t, err, "UnrecognizedClientException", 400)
	ok(c.UpdateAccessKey(ctx(), &iam.UpdateAccessKeyInput{UserName: aws.String("jack"), AccessKeyId: aws.String(jack.id), Status: iamtypes.StatusTypeActive})).get(t)
	ok(e.kms(jack).ListKeys(ctx(), &kms.ListKeysInput{})).get(t)

	_, err = c.UpdateAccessKey(ctx(), &iam.UpdateAccessKeyInput{UserName: aws.String("jack"), AccessKeyId: aws.String(jack.id), Status: "Sleeping"})
	wantErr(t, err, "ValidationError", 400)
	_, err = c.UpdateAccessKey(ctx(), &iam.UpdateAccessKeyInput{UserName: aws.String("jack"), AccessKeyId: aws.String(root.id), Status: iamtypes.StatusTypeInactive})
	wantErr(t, err, "NoSuchEntity", 404) // the root key is not jack's
	_, err = c.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String("nobody")})
	wantErr(t, err, "NoSuchEntity", 404)
	ok(c.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String("jack")})).get(t)
	_, err = c.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String("jack")})
	wantErr(t, err, "LimitExceeded", 409)

	_, err = c.DeleteUser(ctx(), &iam.DeleteUserInput{UserName: aws.String("jack")})
	wantErr(t, err, "DeleteConflict", 409)
	ok(c.DeleteUserPolicy(ctx(), &iam.DeleteUserPolicyInput{UserName: aws.String("jack"), PolicyName: aws.String("kms")})).get(t)
	for _, k := range ok(c.ListAccessKeys(ctx(), &iam.ListAccessKeysInput{UserName: aws.String("jack")})).get(t).AccessKeyMetadata {
		ok(c.DeleteAccessKey(ctx(), &iam.DeleteAccessKeyInput{UserName: aws.String("jack"), AccessKeyId: k.AccessKeyId})).get(t)
	}
	_, err = e.sts(jack).GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	wantErr(t, err, "InvalidClientTokenId", 403)
	_, err = c.DeleteAccessKey(ctx(), &iam.DeleteAccessKeyInput{UserName: aws.String("jack"), AccessKeyId: aws.String(jack.id)})
	wantErr(t, err, "NoSuchEntity", 404)
	ok(c.DeleteUser(ctx(), &iam.DeleteUserInput{UserName: aws.String("jack")})).get(t)

	// The root user manages its own keys without UserName.
	rk := ok(c.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{})).get(t).AccessKey
	rootKeys := ok(c.ListAccessKeys(ctx(), &iam.ListAccessKeysInput{})).get(t).AccessKeyMetadata
	if len(rootKeys) != 2 {
		t.Fatalf("root keys: %+v", rootKeys)
	}
	second := creds{aws.ToString(rk.AccessKeyId), aws.ToString(rk.SecretAccessKey), ""}
	if arn := aws.ToString(ok(e.sts(second).GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})).get(t).Arn); arn != "arn:aws:iam::"+account+":root" {
		t.Fatalf("second root key signs as %s", arn)
	}
}
