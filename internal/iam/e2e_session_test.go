package iam_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestGetSessionToken: a user's temporary credentials carry the user's
// permissions, identify as the user, expire, and are refused where AWS
// refuses them without MFA (IAM, a second GetSessionToken).
func TestGetSessionToken(t *testing.T) {
	e := start(t)
	jack := e.newUser(t, "jack")
	ok(e.iam(root).PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String("jack"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:CreateKey","iam:ListUsers"],"Resource":"*"}]}`)})).get(t)

	out := ok(e.sts(jack).GetSessionToken(ctx(), &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})).get(t).Credentials
	if !strings.HasPrefix(aws.ToString(out.AccessKeyId), "ASIA") || aws.ToString(out.SessionToken) == "" {
		t.Fatalf("credentials %+v", out)
	}
	if d := out.Expiration.Sub(e.clock.Now()); d < 899*time.Second || d > 901*time.Second {
		t.Fatalf("expires in %v, want 900s", d)
	}
	sess := creds{aws.ToString(out.AccessKeyId), aws.ToString(out.SecretAccessKey), aws.ToString(out.SessionToken)}
	id := ok(e.sts(sess).GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})).get(t)
	if aws.ToString(id.Arn) != "arn:aws:iam::"+account+":user/jack" {
		t.Fatalf("session identifies as %s, want the user", aws.ToString(id.Arn))
	}
	ok(e.kms(sess).CreateKey(ctx(), &kms.CreateKeyInput{})).get(t) // the user's own permission
	_, err := e.iam(sess).ListUsers(ctx(), &iam.ListUsersInput{})
	wantErr(t, err, "AccessDenied", 403) // IAM needs MFA with these credentials
	_, err = e.sts(sess).GetSessionToken(ctx(), &sts.GetSessionTokenInput{})
	wantErr(t, err, "AccessDenied", 403)
	_, err = e.sts(sess).GetSessionToken(ctx(), &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(899)})
	wantErr(t, err, "ValidationError", 400)
	_, err = e.sts(jack).GetSessionToken(ctx(), &sts.GetSessionTokenInput{SerialNumber: aws.String("arn:aws:iam::" + account + ":mfa/jack"), TokenCode: aws.String("123456")})
	wantErr(t, err, "ValidationError", 400)
	// The long-term key still lists only itself.
	if keys := ok(e.iam(root).ListAccessKeys(ctx(), &iam.ListAccessKeysInput{UserName: aws.String("jack")})).get(t).AccessKeyMetadata; len(keys) != 1 {
		t.Fatalf("ListAccessKeys lists %d keys, want the long-term one only", len(keys))
	}

	// Past its expiry the session is refused.
	e.clock.Advance(901 * time.Second)
	_, err = e.sts(sess).GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	wantErr(t, err, "ExpiredToken", 403)

	// A session ends with its user.
	sess2 := ok(e.sts(jack).GetSessionToken(ctx(), &sts.GetSessionTokenInput{})).get(t).Credentials // made after the clock moved
	ok(e.iam(root).DeleteUserPolicy(ctx(), &iam.DeleteUserPolicyInput{UserName: aws.String("jack"), PolicyName: aws.String("p")})).get(t)
	ok(e.iam(root).DeleteAccessKey(ctx(), &iam.DeleteAccessKeyInput{UserName: aws.String("jack"), AccessKeyId: aws.String(jack.id)})).get(t)
	ok(e.iam(root).DeleteUser(ctx(), &iam.DeleteUserInput{UserName: aws.String("jack")})).get(t)
	_, err = e.sts(creds{aws.ToString(sess2.AccessKeyId), aws.ToString(sess2.SecretAccessKey), aws.ToString(sess2.SessionToken)}).GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	wantErr(t, err, "InvalidClientTokenId", 403)

	// The root user's session lasts at most an hour.
	r := ok(e.sts(root).GetSessionToken(ctx(), &sts.GetSessionTokenInput{})).get(t).Credentials
	if d := r.Expiration.Sub(e.clock.Now()); d > 3601*time.Second {
		t.Fatalf("root session lasts %v, want at most 1h", d)
	}
}
