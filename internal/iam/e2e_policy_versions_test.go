package iam_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

const getUserDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`

// TestPolicyVersions: versions of a managed policy, their limit, the
// default one in force from the next request on, and the conflicts IAM
// reports.
func TestPolicyVersions(t *testing.T) {
	e := start(t)
	c := e.iam(root)
	jack := e.newUser(t, "jack")
	arn := aws.ToString(ok(c.CreatePolicy(ctx(), &iam.CreatePolicyInput{PolicyName: aws.String("list"), PolicyDocument: aws.String(listUsersDoc)})).get(t).Policy.Arn)
	ok(c.AttachUserPolicy(ctx(), &iam.AttachUserPolicyInput{UserName: aws.String("jack"), PolicyArn: aws.String(arn)})).get(t)
	ok(e.iam(jack).ListUsers(ctx(), &iam.ListUsersInput{})).get(t)

	// v2, not the default: v1 stays in force.
	v2 := ok(c.CreatePolicyVersion(ctx(), &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(getUserDoc)})).get(t).PolicyVersion
	if aws.ToString(v2.VersionId) != "v2" || v2.IsDefaultVersion || v2.CreateDate == nil {
		t.Fatalf("CreatePolicyVersion: %+v", v2)
	}
	ok(e.iam(jack).ListUsers(ctx(), &iam.ListUsersInput{})).get(t)

	// v2 becomes the default: ListUsers is refused at once, GetUser allowed.
	ok(c.SetDefaultPolicyVersion(ctx(), &iam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v2")})).get(t)
	_, err := e.iam(jack).ListUsers(ctx(), &iam.ListUsersInput{})
	wantErr(t, err, "AccessDenied", 403)
	ok(e.iam(jack).GetUser(ctx(), &iam.GetUserInput{UserName: aws.String("jack")})).get(t)
	if p := ok(c.GetPolicy(ctx(), &iam.GetPolicyInput{PolicyArn: aws.String(arn)})).get(t).Policy; aws.ToString(p.DefaultVersionId) != "v2" {
		t.Fatalf("GetPolicy default version %q, want v2", aws.ToString(p.DefaultVersionId))
	}
	got := ok(c.GetPolicyVersion(ctx(), &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v2")})).get(t).PolicyVersion
	if decode(t, got.Document) != getUserDoc || !got.IsDefaultVersion {
		t.Fatalf("GetPolicyVersion v2: %+v", got)
	}

	// Up to five versions; SetAsDefault makes the new one the default.
	for i, want := range []string{"v3", "v4", "v5"} {
		v := ok(c.CreatePolicyVersion(ctx(), &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(listUsersDoc), SetAsDefault: i == 2})).get(t).PolicyVersion
		if aws.ToString(v.VersionId) != want || v.IsDefaultVersion != (i == 2) {
			t.Fatalf("version %d: %+v", i, v)
		}
	}
	ok(e.iam(jack).ListUsers(ctx(), &iam.ListUsersInput{})).get(t)
	_, err = c.CreatePolicyVersion(ctx(), &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(listUsersDoc)})
	wantErr(t, err, "LimitExceeded", 409)

	list := ok(c.ListPolicyVersions(ctx(), &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})).get(t)
	var ids []string
	for _, v := range list.Versions {
		ids = append(ids, aws.ToString(v.VersionId))
		if v.IsDefaultVersion != (aws.ToString(v.VersionId) == "v5") || v.Document != nil {
			t.Fatalf("ListPolicyVersions entry %+v", v)
		}
	}
	if len(ids) != 5 || ids[0] != "v5" || ids[4] != "v1" || list.IsTruncated {
		t.Fatalf("ListPolicyVersions: %v truncated %v", ids, list.IsTruncated)
	}
	page1 := ok(c.ListPolicyVersions(ctx(), &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn), MaxItems: aws.Int32(2)})).get(t)
	page2 := ok(c.ListPolicyVersions(ctx(), &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn), MaxItems: aws.Int32(10), Marker: page1.Marker})).get(t)
	if len(page1.Versions) != 2 || !page1.IsTruncated || len(page2.Versions) != 3 || aws.ToString(page2.Versions[0].VersionId) != "v3" {
		t.Fatalf("paging: %d %v then %d", len(page1.Versions), page1.IsTruncated, len(page2.Versions))
	}

	// The default version cannot be deleted; others can; a missing one is NoSuchEntity.
	_, err = c.DeletePolicyVersion(ctx(), &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v5")})
	wantErr(t, err, "DeleteConflict", 409)
	ok(c.DeletePolicyVersion(ctx(), &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v2")})).get(t)
	_, err = c.DeletePolicyVersion(ctx(), &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v2")})
	wantErr(t, err, "NoSuchEntity", 404)
	_, err = c.SetDefaultPolicyVersion(ctx(), &iam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v9")})
	wantErr(t, err, "NoSuchEntity", 404)
	_, err = c.SetDefaultPolicyVersion(ctx(), &iam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("2")})
	wantErr(t, err, "ValidationError", 400)
	_, err = c.CreatePolicyVersion(ctx(), &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(`{"Statement":[{"Effect":"Maybe"}]}`)})
	wantErr(t, err, "MalformedPolicyDocument", 400)
	_, err = c.CreatePolicyVersion(ctx(), &iam.CreatePolicyVersionInput{PolicyArn: aws.String("arn:aws:iam::" + account + ":policy/nope"), PolicyDocument: aws.String(listUsersDoc)})
	wantErr(t, err, "NoSuchEntity", 404)
	// jack may not manage versions.
	_, err = e.iam(jack).CreatePolicyVersion(ctx(), &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(listUsersDoc)})
	wantErr(t, err, "AccessDenied", 403)

	// A policy with non-default versions cannot be deleted until they are.
	ok(c.DetachUserPolicy(ctx(), &iam.DetachUserPolicyInput{UserName: aws.String("jack"), PolicyArn: aws.String(arn)})).get(t)
	_, err = c.DeletePolicy(ctx(), &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	wantErr(t, err, "DeleteConflict", 409)
	for _, v := range []string{"v1", "v3", "v4"} {
		ok(c.DeletePolicyVersion(ctx(), &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String(v)})).get(t)
	}
	ok(c.DeletePolicy(ctx(), &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})).get(t)
}
