package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestAuthzRoleWithPath: a role's ARN carries its path
// (arn:aws:iam::ACCOUNT:role/team/crypto/NAME), and a key policy naming the
// role by that ARN allows its sessions; the path-less ARN names nothing.
func TestAuthzRoleWithPath(t *testing.T) {
	e := start(t)
	root := e.kmsAs(rootCreds)
	jackARN, jackC := e.newUser(t, rootCreds, "jack")
	ic := e.iamAs(rootCreds)
	trust := doc(stmt{"Effect": "Allow", "Principal": map[string]any{"AWS": jackARN}, "Action": "sts:AssumeRole"})
	role := ok(ic.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String("pathed"), Path: aws.String("/team/crypto/"),
		AssumeRolePolicyDocument: aws.String(trust)})).get(t)
	roleARN := aws.ToString(role.Role.Arn)
	if want := "arn:aws:iam::" + account + ":role/team/crypto/pathed"; roleARN != want {
		t.Fatalf("role ARN %s, want %s", roleARN, want)
	}
	keyID, _ := newKeyWithPolicy(t, root, doc(accountStmt(account), allowAWS([]string{roleARN}, "kms:Encrypt")))
	ar := ok(e.stsAs(jackC).AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1")})).get(t)
	sess := e.kmsAs(creds{aws.ToString(ar.Credentials.AccessKeyId), aws.ToString(ar.Credentials.SecretAccessKey), aws.ToString(ar.Credentials.SessionToken)})
	allowed(t, "session of a role with a path, named by its ARN in the key policy", encryptErr(sess, keyID, nil))

	pathless := "arn:aws:iam::" + account + ":role/pathed"
	otherID, _ := newKeyWithPolicy(t, root, doc(accountStmt(account), allowAWS([]string{roleARN}, "kms:Encrypt")))
	putKeyPolicy(t, root, otherID, doc(accountStmt(account), stmt{"Effect": "Allow", "Principal": map[string]any{"AWS": "*"}, "Action": "kms:Encrypt", "Resource": "*",
		"Condition": map[string]any{"ArnEquals": map[string]any{"aws:PrincipalArn": pathless}}}))
	deniedErr(t, "aws:PrincipalArn is the role ARN with its path, not without", encryptErr(sess, otherID, nil))
	putKeyPolicy(t, root, otherID, doc(accountStmt(account), stmt{"Effect": "Allow", "Principal": map[string]any{"AWS": "*"}, "Action": "kms:Encrypt", "Resource": "*",
		"Condition": map[string]any{"ArnEquals": map[string]any{"aws:PrincipalArn": roleARN}}}))
	allowed(t, "aws:PrincipalArn of a session is its role's ARN with the path", encryptErr(sess, otherID, nil))
}
