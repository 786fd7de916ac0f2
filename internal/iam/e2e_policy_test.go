package iam_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/coffer-kms/coffer/internal/app"
	cofferiam "github.com/coffer-kms/coffer/internal/iam"
)

const listUsersDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:GetUser"],"Resource":"*"}]}`

func TestInlinePolicies(t *testing.T) {
	e := start(t)
	c := e.iam(root)
	jack := e.newUser(t, "jack")
	ok(c.CreateGroup(ctx(), &iam.CreateGroupInput{GroupName: aws.String("devs")})).get(t)
	ok(c.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trustAccount)})).get(t)

	for _, kind := range []string{"user", "group", "role"} {
		t.Run(kind, func(t *testing.T) {
			var err error
			switch kind {
			case "user":
				ok(c.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String("jack"), PolicyName: aws.String("p"), PolicyDocument: aws.String(listUsersDoc)})).get(t)
				got := ok(c.GetUserPolicy(ctx(), &iam.GetUserPolicyInput{UserName: aws.String("jack"), PolicyName: aws.String("p")})).get(t)
				if decode(t, got.PolicyDocument) != listUsersDoc || aws.ToString(got.UserName) != "jack" {
					t.Fatalf("GetUserPolicy: %+v", got)
				}
				if names := ok(c.ListUserPolicies(ctx(), &iam.ListUserPoliciesInput{UserName: aws.String("jack")})).get(t).PolicyNames; len(names) != 1 || names[0] != "p" {
					t.Fatalf("ListUserPolicies: %v", names)
				}
				_, err = c.GetUserPolicy(ctx(), &iam.GetUserPolicyInput{UserName: aws.String("jack"), PolicyName: aws.String("nope")})
				wantErr(t, err, "NoSuchEntity", 404)
				_, err = c.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String("nobody"), PolicyName: aws.String("p"), PolicyDocument: aws.String(listUsersDoc)})
				wantErr(t, err, "NoSuchEntity", 404)
				_, err = c.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String("jack"), PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Statement":[{"Effect":"Maybe"}]}`)})
				wantErr(t, err, "MalformedPolicyDocument", 400)
				_, err = c.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String("jack"), PolicyName: aws.String("big"),
					PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("x", 2100) + `"}]}`)})
				wantErr(t, err, "LimitExceeded", 409)
				ok(c.DeleteUserPolicy(ctx(), &iam.DeleteUserPolicyInput{UserName: aws.String("jack"), PolicyName: aws.String("p")})).get(t)
				_, err = c.DeleteUserPolicy(ctx(), &iam.DeleteUserPolicyInput{UserName: aws.String("jack"), PolicyName: aws.String("p")})
				wantErr(t, err, "NoSuchEntity", 404)
			case "group":
				ok(c.PutGroupPolicy(ctx(), &iam.PutGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("p"), PolicyDocument: aws.String(listUsersDoc)})).get(t)
				got := ok(c.GetGroupPolicy(ctx(), &iam.GetGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("p")})).get(t)
				if decode(t, got.PolicyDocument) != listUsersDoc || aws.ToString(got.GroupName) != "devs" {
					t.Fatalf("GetGroupPolicy: %+v", got)
				}
				if names := ok(c.ListGroupPolicies(ctx(), &iam.ListGroupPoliciesInput{GroupName: aws.String("devs")})).get(t).PolicyNames; len(names) != 1 {
					t.Fatalf("ListGroupPolicies: %v", names)
				}
				_, err = c.DeleteGroup(ctx(), &iam.DeleteGroupInput{GroupName: aws.String("devs")})
				wantErr(t, err, "DeleteConflict", 409)
				ok(c.DeleteGroupPolicy(ctx(), &iam.DeleteGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("p")})).get(t)
			case "role":
				ok(c.PutRolePolicy(ctx(), &iam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("p"), PolicyDocument: aws.String(listUsersDoc)})).get(t)
				got := ok(c.GetRolePolicy(ctx(), &iam.GetRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("p")})).get(t)
				if decode(t, got.PolicyDocument) != listUsersDoc || aws.ToString(got.RoleName) != "r" {
					t.Fatalf("GetRolePolicy: %+v", got)
				}
				if names := ok(c.ListRolePolicies(ctx(), &iam.ListRolePoliciesInput{RoleName: aws.String("r")})).get(t).PolicyNames; len(names) != 1 {
					t.Fatalf("ListRolePolicies: %v", names)
				}
				_, err = c.DeleteRole(ctx(), &iam.DeleteRoleInput{RoleName: aws.String("r")})
				wantErr(t, err, "DeleteConflict", 409)
				ok(c.DeleteRolePolicy(ctx(), &iam.DeleteRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("p")})).get(t)
			}
		})
	}

	// Identity policies decide IAM calls of users: allow, then an explicit deny wins.
	_, err := e.iam(jack).ListUsers(ctx(), &iam.ListUsersInput{})
	wantErr(t, err, "AccessDenied", 403)
	ok(c.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String("jack"), PolicyName: aws.String("allow"), PolicyDocument: aws.String(listUsersDoc)})).get(t)
	ok(e.iam(jack).ListUsers(ctx(), &iam.ListUsersInput{})).get(t)
	if u := ok(e.iam(jack).GetUser(ctx(), &iam.GetUserInput{})).get(t).User; aws.ToString(u.UserName) != "jack" {
		t.Fatalf("GetUser as jack: %+v", u)
	}
	_, err = e.iam(jack).CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("mallory")})
	wantErr(t, err, "AccessDenied", 403)
	ok(c.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String("jack"), PolicyName: aws.String("deny"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:ListUsers","Resource":"*"}]}`)})).get(t)
	_, err = e.iam(jack).ListUsers(ctx(), &iam.ListUsersInput{})
	if msg := wantErr(t, err, "AccessDenied", 403); !strings.Contains(msg, "explicit deny") {
		t.Fatalf("message %q", msg)
	}
}

func TestGroups(t *testing.T) {
	e := start(t)
	c := e.iam(root)
	jack := e.newUser(t, "jack")
	g := ok(c.CreateGroup(ctx(), &iam.CreateGroupInput{GroupName: aws.String("devs"), Path: aws.String("/eng/")})).get(t).Group
	if aws.ToString(g.Arn) != "arn:aws:iam::"+account+":group/eng/devs" || !strings.HasPrefix(aws.ToString(g.GroupId), "AGPA") {
		t.Fatalf("CreateGroup: %+v", g)
	}
	_, err := c.CreateGroup(ctx(), &iam.CreateGroupInput{GroupName: aws.String("DEVS")})
	wantErr(t, err, "EntityAlreadyExists", 409)
	ok(c.AddUserToGroup(ctx(), &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("jack")})).get(t)
	ok(c.AddUserToGroup(ctx(), &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("jack")})).get(t) // idempotent
	_, err = c.AddUserToGroup(ctx(), &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("nobody")})
	wantErr(t, err, "NoSuchEntity", 404)
	_, err = c.AddUserToGroup(ctx(), &iam.AddUserToGroupInput{GroupName: aws.String("nope"), UserName: aws.String("jack")})
	wantErr(t, err, "NoSuchEntity", 404)
	got := ok(c.GetGroup(ctx(), &iam.GetGroupInput{GroupName: aws.String("devs")})).get(t)
	if len(got.Users) != 1 || aws.ToString(got.Users[0].UserName) != "jack" || aws.ToString(got.Group.GroupName) != "devs" {
		t.Fatalf("GetGroup: %+v", got)
	}
	if gs := ok(c.ListGroupsForUser(ctx(), &iam.ListGroupsForUserInput{UserName: aws.String("jack")})).get(t).Groups; len(gs) != 1 {
		t.Fatalf("ListGroupsForUser: %+v", gs)
	}

	// A group's policies apply to its members.
	ok(c.PutGroupPolicy(ctx(), &iam.PutGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("p"), PolicyDocument: aws.String(listUsersDoc)})).get(t)
	ok(e.iam(jack).ListUsers(ctx(), &iam.ListUsersInput{})).get(t)

	_, err = c.DeleteGroup(ctx(), &iam.DeleteGroupInput{GroupName: aws.String("devs")})
	wantErr(t, err, "DeleteConflict", 409)
	_, err = c.DeleteUser(ctx(), &iam.DeleteUserInput{UserName: aws.String("jack")})
	wantErr(t, err, "DeleteConflict", 409)
	ok(c.RemoveUserFromGroup(ctx(), &iam.RemoveUserFromGroupInput{GroupName: aws.String("devs"), UserName: aws.String("jack")})).get(t)
	_, err = c.RemoveUserFromGroup(ctx(), &iam.RemoveUserFromGroupInput{GroupName: aws.String("devs"), UserName: aws.String("jack")})
	wantErr(t, err, "NoSuchEntity", 404)
	_, err = e.iam(jack).ListUsers(ctx(), &iam.ListUsersInput{})
	wantErr(t, err, "AccessDenied", 403)
	ok(c.DeleteGroupPolicy(ctx(), &iam.DeleteGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("p")})).get(t)
	ok(c.DeleteGroup(ctx(), &iam.DeleteGroupInput{GroupName: aws.String("devs")})).get(t)
	_, err = c.GetGroup(ctx(), &iam.GetGroupInput{GroupName: aws.String("devs")})
	wantErr(t, err, "NoSuchEntity", 404)
	if gs := ok(c.ListGroups(ctx(), &iam.ListGroupsInput{})).get(t).Groups; len(gs) != 0 {
		t.Fatalf("ListGroups: %+v", gs)
	}
}

func TestManagedPolicies(t *testing.T) {
	e := start(t)
	c := e.iam(root)
	jack := e.newUser(t, "jack")
	p := ok(c.CreatePolicy(ctx(), &iam.CreatePolicyInput{PolicyName: aws.String("list"), Path: aws.String("/team/"),
		PolicyDocument: aws.String(listUsersDoc), Description: aws.String("lists users")})).get(t).Policy
	arn := "arn:aws:iam::" + account + ":policy/team/list"
	if aws.ToString(p.Arn) != arn || !strings.HasPrefix(aws.ToString(p.PolicyId), "ANPA") || aws.ToString(p.DefaultVersionId) != "v1" || !p.IsAttachable {
		t.Fatalf("CreatePolicy: %+v", p)
	}
	_, err := c.CreatePolicy(ctx(), &iam.CreatePolicyInput{PolicyName: aws.String("list"), PolicyDocument: aws.String(listUsersDoc)})
	wantErr(t, err, "EntityAlreadyExists", 409)
	_, err = c.CreatePolicy(ctx(), &iam.CreatePolicyInput{PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`)})
	wantErr(t, err, "MalformedPolicyDocument", 400)
	_, err = c.CreatePolicy(ctx(), &iam.CreatePolicyInput{PolicyName: aws.String("bad"), PolicyDocument: aws.String(`not json`)})
	wantErr(t, err, "MalformedPolicyDocument", 400)

	got := ok(c.GetPolicy(ctx(), &iam.GetPolicyInput{PolicyArn: aws.String(arn)})).get(t).Policy
	if aws.ToString(got.Description) != "lists users" || aws.ToInt32(got.AttachmentCount) != 0 {
		t.Fatalf("GetPolicy: %+v", got)
	}
	v := ok(c.GetPolicyVersion(ctx(), &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})).get(t).PolicyVersion
	if decode(t, v.Document) != listUsersDoc || !v.IsDefaultVersion {
		t.Fatalf("GetPolicyVersion: %+v", v)
	}
	_, err = c.GetPolicyVersion(ctx(), &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v2")})
	wantErr(t, err, "NoSuchEntity", 404)
	_, err = c.GetPolicy(ctx(), &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::" + account + ":policy/nope")})
	wantErr(t, err, "NoSuchEntity", 404)
	_, err = c.GetPolicy(ctx(), &iam.GetPolicyInput{PolicyArn: aws.String("not-an-arn-but-long-enough")})
	wantErr(t, err, "InvalidInput", 400)

	_, err = e.iam(jack).ListUsers(ctx(), &iam.ListUsersInput{})
	wantErr(t, err, "AccessDenied", 403)
	ok(c.AttachUserPolicy(ctx(), &iam.AttachUserPolicyInput{UserName: aws.String("jack"), PolicyArn: aws.String(arn)})).get(t)
	ok(e.iam(jack).ListUsers(ctx(), &iam.ListUsersInput{})).get(t)
	att := ok(c.ListAttachedUserPolicies(ctx(), &iam.ListAttachedUserPoliciesInput{UserName: aws.String("jack")})).get(t).AttachedPolicies
	if len(att) != 1 || aws.ToString(att[0].PolicyArn) != arn || aws.ToString(att[0].PolicyName) != "list" {
		t.Fatalf("ListAttachedUserPolicies: %+v", att)
	}
	if n := aws.ToInt32(ok(c.GetPolicy(ctx(), &iam.GetPolicyInput{PolicyArn: aws.String(arn)})).get(t).Policy.AttachmentCount); n != 1 {
		t.Fatalf("AttachmentCount %d", n)
	}
	_, err = c.AttachUserPolicy(ctx(), &iam.AttachUserPolicyInput{UserName: aws.String("jack"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
	wantErr(t, err, "NoSuchEntity", 404)
	_, err = c.DeletePolicy(ctx(), &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	wantErr(t, err, "DeleteConflict", 409)

	ok(c.CreateGroup(ctx(), &iam.CreateGroupInput{GroupName: aws.String("g")})).get(t)
	ok(c.AttachGroupPolicy(ctx(), &iam.AttachGroupPolicyInput{GroupName: aws.String("g"), PolicyArn: aws.String(arn)})).get(t)
	if att := ok(c.ListAttachedGroupPolicies(ctx(), &iam.ListAttachedGroupPoliciesInput{GroupName: aws.String("g")})).get(t).AttachedPolicies; len(att) != 1 {
		t.Fatalf("ListAttachedGroupPolicies: %+v", att)
	}
	ok(c.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trustAccount)})).get(t)
	ok(c.AttachRolePolicy(ctx(), &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(arn)})).get(t)
	if att := ok(c.ListAttachedRolePolicies(ctx(), &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("r")})).get(t).AttachedPolicies; len(att) != 1 {
		t.Fatalf("ListAttachedRolePolicies: %+v", att)
	}
	if ps := ok(c.ListPolicies(ctx(), &iam.ListPoliciesInput{Scope: "Local", OnlyAttached: true})).get(t).Policies; len(ps) != 1 || aws.ToInt32(ps[0].AttachmentCount) != 3 {
		t.Fatalf("ListPolicies: %+v", ps)
	}
	if ps := ok(c.ListPolicies(ctx(), &iam.ListPoliciesInput{Scope: "AWS"})).get(t).Policies; len(ps) != 0 {
		t.Fatalf("ListPolicies AWS: %+v", ps)
	}

	ok(c.DetachUserPolicy(ctx(), &iam.DetachUserPolicyInput{UserName: aws.String("jack"), PolicyArn: aws.String(arn)})).get(t)
	_, err = c.DetachUserPolicy(ctx(), &iam.DetachUserPolicyInput{UserName: aws.String("jack"), PolicyArn: aws.String(arn)})
	wantErr(t, err, "NoSuchEntity", 404)
	_, err = e.iam(jack).ListUsers(ctx(), &iam.ListUsersInput{})
	wantErr(t, err, "AccessDenied", 403)
	ok(c.DetachGroupPolicy(ctx(), &iam.DetachGroupPolicyInput{GroupName: aws.String("g"), PolicyArn: aws.String(arn)})).get(t)
	ok(c.DetachRolePolicy(ctx(), &iam.DetachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(arn)})).get(t)
	ok(c.DeletePolicy(ctx(), &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})).get(t)
	_, err = c.GetPolicy(ctx(), &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	wantErr(t, err, "NoSuchEntity", 404)

	// Quota of attached policies per user.
	for i := 0; i < 11; i++ {
		name := "p" + string(rune('a'+i))
		ok(c.CreatePolicy(ctx(), &iam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(listUsersDoc)})).get(t)
		_, err = c.AttachUserPolicy(ctx(), &iam.AttachUserPolicyInput{UserName: aws.String("jack"), PolicyArn: aws.String("arn:aws:iam::" + account + ":policy/" + name)})
		if i < 10 && err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, err, "LimitExceeded", 409)
}

const trustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`

func TestRolesAndAssumeRole(t *testing.T) {
	e := start(t)
	c := e.iam(root)
	jack := e.newUser(t, "jack")
	r := ok(c.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String("deployer"), AssumeRolePolicyDocument: aws.String(trustAccount),
		Description: aws.String("deploys"), MaxSessionDuration: aws.Int32(7200)})).get(t).Role
	roleArn := "arn:aws:iam::" + account + ":role/deployer"
	if aws.ToString(r.Arn) != roleArn || !strings.HasPrefix(aws.ToString(r.RoleId), "AROA") || aws.ToInt32(r.MaxSessionDuration) != 7200 || decode(t, r.AssumeRolePolicyDocument) != trustAccount {
		t.Fatalf("CreateRole: %+v", r)
	}
	_, err := c.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String("deployer"), AssumeRolePolicyDocument: aws.String(trustAccount)})
	wantErr(t, err, "EntityAlreadyExists", 409)
	_, err = c.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String("x"), AssumeRolePolicyDocument: aws.String(listUsersDoc)})
	wantErr(t, err, "MalformedPolicyDocument", 400) // a trust policy needs a Principal
	_, err = c.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String("x"), AssumeRolePolicyDocument: aws.String(trustAccount), MaxSessionDuration: aws.Int32(100)})
	wantErr(t, err, "ValidationError", 400)
	_, err = c.GetRole(ctx(), &iam.GetRoleInput{RoleName: aws.String("nope")})
	wantErr(t, err, "NoSuchEntity", 404)
	if rs := ok(c.ListRoles(ctx(), &iam.ListRolesInput{})).get(t).Roles; len(rs) != 1 || aws.ToString(rs[0].RoleName) != "deployer" {
		t.Fatalf("ListRoles: %+v", rs)
	}
	ok(c.TagRole(ctx(), &iam.TagRoleInput{RoleName: aws.String("deployer"), Tags: []iamtypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}})).get(t)
	if got := ok(c.GetRole(ctx(), &iam.GetRoleInput{RoleName: aws.String("deployer")})).get(t).Role; len(got.Tags) != 1 || aws.ToString(got.Description) != "deploys" {
		t.Fatalf("GetRole: %+v", got)
	}

	assume := func(cr creds, duration int32) (*sts.AssumeRoleOutput, error) {
		in := &sts.AssumeRoleInput{RoleArn: aws.String(roleArn), RoleSessionName: aws.String("s1")}
		if duration > 0 {
			in.DurationSeconds = aws.Int32(duration)
		}
		return e.sts(cr).AssumeRole(ctx(), in)
	}
	_, err = assume(root, 0)
	wantErr(t, err, "AccessDenied", 403) // roots may not assume roles
	_, err = assume(jack, 0)
	wantErr(t, err, "AccessDenied", 403) // the trust policy names the account: jack needs an identity policy
	ok(c.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String("jack"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"` + roleArn + `"}]}`)})).get(t)
	_, err = assume(jack, 7201)
	wantErr(t, err, "ValidationError", 400)
	_, err = assume(jack, 899)
	wantErr(t, err, "ValidationError", 400)
	out := ok(assume(jack, 900)).get(t)
	cr := out.Credentials
	if !strings.HasPrefix(aws.ToString(cr.AccessKeyId), "ASIA") || aws.ToString(cr.SessionToken) == "" || len(aws.ToString(cr.SecretAccessKey)) != 40 ||
		!cr.Expiration.Equal(e.clock.Now().Add(900*time.Second)) {
		t.Fatalf("credentials: %+v (now %v)", cr, e.clock.Now())
	}
	if aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::"+account+":assumed-role/deployer/s1" ||
		aws.ToString(out.AssumedRoleUser.AssumedRoleId) != aws.ToString(r.RoleId)+":s1" {
		t.Fatalf("AssumedRoleUser: %+v", out.AssumedRoleUser)
	}
	temp := creds{aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken)}

	id := ok(e.sts(temp).GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})).get(t)
	if aws.ToString(id.Arn) != "arn:aws:sts::"+account+":assumed-role/deployer/s1" || aws.ToString(id.UserId) != aws.ToString(r.RoleId)+":s1" {
		t.Fatalf("GetCallerIdentity as the role: %+v", id)
	}
	// The session has the role's permissions.
	_, err = e.kms(temp).ListKeys(ctx(), &kms.ListKeysInput{})
	wantErr(t, err, "AccessDeniedException", 400)
	ok(c.PutRolePolicy(ctx(), &iam.PutRolePolicyInput{RoleName: aws.String("deployer"), PolicyName: aws.String("kms"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:ListKeys","iam:ListRoles"],"Resource":"*"}]}`)})).get(t)
	ok(e.kms(temp).ListKeys(ctx(), &kms.ListKeysInput{})).get(t)
	ok(e.iam(temp).ListRoles(ctx(), &iam.ListRolesInput{})).get(t)

	// Without the session token, or with a wrong one, the key is refused.
	_, err = e.sts(creds{temp.id, temp.secret, ""}).GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	wantErr(t, err, "InvalidClientTokenId", 403)
	_, err = e.sts(creds{temp.id, temp.secret, temp.token + "x"}).GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	wantErr(t, err, "InvalidClientTokenId", 403)
	_, err = e.kms(creds{temp.id, temp.secret, ""}).ListKeys(ctx(), &kms.ListKeysInput{})
	wantErr(t, err, "UnrecognizedClientException", 400)
	// Temporary keys are not listed as the user's.
	if keys := ok(c.ListAccessKeys(ctx(), &iam.ListAccessKeysInput{})).get(t).AccessKeyMetadata; len(keys) != 1 {
		t.Fatalf("root keys: %+v", keys)
	}

	// Expiry is enforced.
	e.clock.Advance(899 * time.Second)
	ok(e.sts(temp).GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})).get(t)
	e.clock.Advance(time.Second)
	_, err = e.sts(temp).GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	wantErr(t, err, "ExpiredToken", 403)
	_, err = e.kms(temp).ListKeys(ctx(), &kms.ListKeysInput{})
	wantErr(t, err, "ExpiredTokenException", 400)

	// A trust policy naming jack directly needs no identity policy.
	ok(c.DeleteUserPolicy(ctx(), &iam.DeleteUserPolicyInput{UserName: aws.String("jack"), PolicyName: aws.String("assume")})).get(t)
	_, err = assume(jack, 0)
	wantErr(t, err, "AccessDenied", 403)
	ok(c.UpdateAssumeRolePolicy(ctx(), &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("deployer"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/jack"},"Action":"sts:AssumeRole"}]}`)})).get(t)
	out = ok(assume(jack, 0)).get(t)
	if !out.Credentials.Expiration.Equal(e.clock.Now().Add(time.Hour)) {
		t.Fatalf("default duration: %v", out.Credentials.Expiration)
	}
	_, err = c.UpdateAssumeRolePolicy(ctx(), &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("deployer"), PolicyDocument: aws.String(`{}`)})
	wantErr(t, err, "MalformedPolicyDocument", 400)
	_, err = e.sts(jack).AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + account + ":role/nope"), RoleSessionName: aws.String("s")})
	wantErr(t, err, "ValidationError", 400) // session name too short
	_, err = e.sts(jack).AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + account + ":role/nope"), RoleSessionName: aws.String("s2")})
	wantErr(t, err, "AccessDenied", 403)

	ok(c.DeleteRolePolicy(ctx(), &iam.DeleteRolePolicyInput{RoleName: aws.String("deployer"), PolicyName: aws.String("kms")})).get(t)
	ok(c.DeleteRole(ctx(), &iam.DeleteRoleInput{RoleName: aws.String("deployer")})).get(t)
	_, err = c.GetRole(ctx(), &iam.GetRoleInput{RoleName: aws.String("deployer")})
	wantErr(t, err, "NoSuchEntity", 404)
}

// TestAccounts: a second account's root sees only its own IAM entities.
func TestAccounts(t *testing.T) {
	e := start(t)
	ok(e.iam(root).CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("jack")})).get(t)
	key, created, err := cofferiam.EnsureAccount(ctx(), e.app.Store, e.app.Root, "444455556666", nil, e.clock.Now())
	if err != nil || !created {
		t.Fatal(created, err)
	}
	other := creds{key.AccessKeyID, key.SecretAccessKey, ""}
	if a := aws.ToString(ok(e.sts(other).GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})).get(t).Account); a != "444455556666" {
		t.Fatalf("account %s", a)
	}
	c := e.iam(other)
	if us := ok(c.ListUsers(ctx(), &iam.ListUsersInput{})).get(t).Users; len(us) != 0 {
		t.Fatalf("other account sees users: %+v", us)
	}
	_, err = c.GetUser(ctx(), &iam.GetUserInput{UserName: aws.String("jack")})
	wantErr(t, err, "NoSuchEntity", 404)
	ok(c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("jack")})).get(t) // same name, other account
	if _, _, err := cofferiam.EnsureAccount(ctx(), e.app.Store, e.app.Root, app.DevAccount, nil, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
}
