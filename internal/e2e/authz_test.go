package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	coffiam "github.com/coffer-kms/coffer/internal/iam"
	cofkms "github.com/coffer-kms/coffer/internal/kms"
)

// --- Helpers for principals other than the dev root (used by grants_test.go too). ---

// creds are the credentials a client signs with (token for STS sessions).
type creds struct{ id, secret, token string }

var rootCreds = creds{accessKey, secretKey, ""}

func (e *env) provider(c creds) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: c.id, SecretAccessKey: c.secret, SessionToken: c.token, Source: "e2e"}, nil
	})
}

// kmsAs is a KMS client signing as c at the env clock's time.
func (e *env) kmsAs(c creds) *kms.Client {
	return kms.New(kms.Options{Region: region, BaseEndpoint: aws.String(e.URL), Credentials: e.provider(c),
		HTTPSignerV4: clockSigner{v4.NewSigner(), e.clock.Now}, RetryMaxAttempts: 1})
}

// iamAs is an IAM client signing as c.
func (e *env) iamAs(c creds) *iam.Client {
	return iam.New(iam.Options{Region: region, BaseEndpoint: aws.String(e.URL), Credentials: e.provider(c),
		HTTPSignerV4: clockSigner{v4.NewSigner(), e.clock.Now}, RetryMaxAttempts: 1})
}

// stsAs is an STS client signing as c.
func (e *env) stsAs(c creds) *sts.Client {
	return sts.New(sts.Options{Region: region, BaseEndpoint: aws.String(e.URL), Credentials: e.provider(c),
		HTTPSignerV4: clockSigner{v4.NewSigner(), e.clock.Now}, RetryMaxAttempts: 1})
}

// newUser creates IAM user name (as admin, an account root) with an access
// key, and returns the user's ARN and credentials.
func (e *env) newUser(t *testing.T, admin creds, name string) (string, creds) {
	t.Helper()
	ic := e.iamAs(admin)
	u := ok(ic.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String(name)})).get(t)
	k := ok(ic.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String(name)})).get(t)
	return aws.ToString(u.User.Arn), creds{aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), ""}
}

// userARN is the ARN of IAM user name in acct.
func userARN(acct, name string) string { return "arn:aws:iam::" + acct + ":user/" + name }

// rootARN is acct's root user.
func rootARN(acct string) string { return "arn:aws:iam::" + acct + ":root" }

// stmt is one policy statement.
type stmt map[string]any

// doc is a policy document of the statements.
func doc(stmts ...stmt) string {
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": stmts})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// allowAWS allows the principals (key policy) the actions on "*".
func allowAWS(principals []string, actions ...string) stmt {
	return stmt{"Effect": "Allow", "Principal": map[string]any{"AWS": principals}, "Action": actions, "Resource": "*"}
}

// accountStmt is the key policy statement delegating to acct's IAM.
func accountStmt(acct string) stmt {
	return stmt{"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": map[string]any{"AWS": rootARN(acct)}, "Action": "kms:*", "Resource": "*"}
}

// iamAllow is an identity policy statement allowing actions on resources.
func iamAllow(actions []string, resources ...string) stmt {
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	return stmt{"Effect": "Allow", "Action": actions, "Resource": resources}
}

// newKeyWithPolicy creates a symmetric key with policy as c.
func newKeyWithPolicy(t *testing.T, c *kms.Client, policy string) (id, keyArn string) {
	t.Helper()
	out := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{Policy: aws.String(policy)})).get(t)
	return aws.ToString(out.KeyMetadata.KeyId), aws.ToString(out.KeyMetadata.Arn)
}

// putKeyPolicy replaces a key's policy as c.
func putKeyPolicy(t *testing.T, c *kms.Client, keyID, policy string) {
	t.Helper()
	ok(c.PutKeyPolicy(ctx(), &kms.PutKeyPolicyInput{KeyId: aws.String(keyID), PolicyName: aws.String("default"), Policy: aws.String(policy)})).get(t)
}

// encryptErr encrypts a short plaintext as c with the encryption context.
func encryptErr(c *kms.Client, keyID string, ec map[string]string) error {
	_, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: []byte("hello"), EncryptionContext: ec})
	return err
}

// mustEncrypt encrypts as c, failing the test on error.
func mustEncrypt(t *testing.T, c *kms.Client, keyID string, ec map[string]string) []byte {
	t.Helper()
	out := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: []byte("hello"), EncryptionContext: ec})).get(t)
	return out.CiphertextBlob
}

func decryptErr(c *kms.Client, blob []byte, ec map[string]string) error {
	out, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: ec})
	if err == nil && string(out.Plaintext) != "hello" {
		return errPlain
	}
	return err
}

type plainErr struct{}

func (plainErr) Error() string { return "decrypt returned the wrong plaintext" }

var errPlain error = plainErr{}

// allowed fails unless err is nil.
func allowed(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: got %v, want success", what, err)
	}
}

// deniedErr fails unless err is an AccessDeniedException.
func deniedErr(t *testing.T, what string, err error) {
	t.Helper()
	if errCode(err) != "AccessDeniedException" {
		t.Errorf("%s: got %s, want AccessDeniedException", what, errCode(err))
	}
}

// putUserPolicy puts an inline policy on a user as admin.
func (e *env) putUserPolicy(t *testing.T, admin creds, user, name, policy string) {
	t.Helper()
	ok(e.iamAs(admin).PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String(user), PolicyName: aws.String(name), PolicyDocument: aws.String(policy)})).get(t)
}

// --- Tests. ---

// TestAuthzKeyPolicyAndIAM: the key policy decides whether IAM policies
// count; IAM inline and managed policies, groups; explicit deny wins.
func TestAuthzKeyPolicyAndIAM(t *testing.T) {
	e := start(t)
	root := e.kmsAs(rootCreds)
	jackARN, jackC := e.newUser(t, rootCreds, "jack")
	aliceARN, aliceC := e.newUser(t, rootCreds, "alice")
	bobARN, bobC := e.newUser(t, rootCreds, "bob")
	_ = bobARN
	jack, alice, bob := e.kmsAs(jackC), e.kmsAs(aliceC), e.kmsAs(bobC)

	console, err := cofkms.ConsoleKeyPolicy(cofkms.ConsoleKeyPolicyInput{Account: account, Admins: []string{jackARN}, Users: []string{jackARN}})
	if err != nil {
		t.Fatal(err)
	}
	keyID, _ := newKeyWithPolicy(t, root, console)
	blob := mustEncrypt(t, jack, keyID, nil)

	// alice: no IAM policy.
	deniedErr(t, "alice without IAM policy encrypts", encryptErr(alice, keyID, nil))

	// Inline IAM policy, delegated by the key policy's account statement.
	e.putUserPolicy(t, rootCreds, "alice", "kms", doc(iamAllow([]string{"kms:Encrypt", "kms:Decrypt"}, "arn:aws:kms:*:"+account+":key/*")))
	allowed(t, "alice with inline policy encrypts", encryptErr(alice, keyID, nil))
	allowed(t, "alice with inline policy decrypts", decryptErr(alice, blob, nil))
	_, err = alice.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: aws.String(keyID), KeySpec: types.DataKeySpecAes256})
	deniedErr(t, "alice GenerateDataKey (not in her policy)", err)

	// An IAM policy for another resource does not count.
	e.putUserPolicy(t, rootCreds, "bob", "kms", doc(iamAllow([]string{"kms:Encrypt"}, "arn:aws:kms:us-east-1:"+account+":key/00000000-0000-0000-0000-000000000000")))
	deniedErr(t, "bob with a policy for another key", encryptErr(bob, keyID, nil))

	// Managed policy attached to a user; detaching takes effect at once.
	ic := e.iamAs(rootCreds)
	mp := ok(ic.CreatePolicy(ctx(), &iam.CreatePolicyInput{PolicyName: aws.String("kms-encrypt"),
		PolicyDocument: aws.String(doc(iamAllow([]string{"kms:Encrypt"})))})).get(t)
	ok(ic.AttachUserPolicy(ctx(), &iam.AttachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: mp.Policy.Arn})).get(t)
	allowed(t, "bob with an attached managed policy encrypts", encryptErr(bob, keyID, nil))
	ok(ic.DetachUserPolicy(ctx(), &iam.DetachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: mp.Policy.Arn})).get(t)
	deniedErr(t, "bob after DetachUserPolicy", encryptErr(bob, keyID, nil))

	// Group policies: inline and attached; leaving the group takes effect at once.
	ok(ic.CreateGroup(ctx(), &iam.CreateGroupInput{GroupName: aws.String("crypto")})).get(t)
	ok(ic.PutGroupPolicy(ctx(), &iam.PutGroupPolicyInput{GroupName: aws.String("crypto"), PolicyName: aws.String("dec"),
		PolicyDocument: aws.String(doc(iamAllow([]string{"kms:Decrypt"})))})).get(t)
	ok(ic.AttachGroupPolicy(ctx(), &iam.AttachGroupPolicyInput{GroupName: aws.String("crypto"), PolicyArn: mp.Policy.Arn})).get(t)
	deniedErr(t, "bob decrypts before joining the group", decryptErr(bob, blob, nil))
	ok(ic.AddUserToGroup(ctx(), &iam.AddUserToGroupInput{GroupName: aws.String("crypto"), UserName: aws.String("bob")})).get(t)
	allowed(t, "bob decrypts through the group's inline policy", decryptErr(bob, blob, nil))
	allowed(t, "bob encrypts through the group's attached policy", encryptErr(bob, keyID, nil))
	ok(ic.RemoveUserFromGroup(ctx(), &iam.RemoveUserFromGroupInput{GroupName: aws.String("crypto"), UserName: aws.String("bob")})).get(t)
	deniedErr(t, "bob decrypts after leaving the group", decryptErr(bob, blob, nil))

	// An IAM Deny beats the key policy's direct Allow of jack.
	e.putUserPolicy(t, rootCreds, "jack", "no-encrypt", doc(stmt{"Effect": "Deny", "Action": "kms:Encrypt", "Resource": "*"}))
	deniedErr(t, "jack with an IAM deny", encryptErr(jack, keyID, nil))
	allowed(t, "jack still decrypts", decryptErr(jack, blob, nil))
	ok(ic.DeleteUserPolicy(ctx(), &iam.DeleteUserPolicyInput{UserName: aws.String("jack"), PolicyName: aws.String("no-encrypt")})).get(t)
	allowed(t, "jack encrypts after the deny is deleted", encryptErr(jack, keyID, nil))

	// Without the account statement, IAM allows count for nothing (alice),
	// the root is shut out, but an IAM deny still denies.
	noAccount, _ := cofkms.ConsoleKeyPolicy(cofkms.ConsoleKeyPolicyInput{Account: account, Admins: []string{jackARN}, Users: []string{jackARN}})
	noAccount = withoutAccountStatement(t, noAccount)
	putKeyPolicy(t, jack, keyID, noAccount)
	deniedErr(t, "alice after the account statement is removed", encryptErr(alice, keyID, nil))
	deniedErr(t, "root after the account statement is removed", encryptErr(root, keyID, nil))
	_, err = root.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	deniedErr(t, "root DescribeKey after the account statement is removed", err)
	allowed(t, "jack (named in the key policy) encrypts", encryptErr(jack, keyID, nil))
	e.putUserPolicy(t, rootCreds, "jack", "no-encrypt", doc(stmt{"Effect": "Deny", "Action": "kms:Encrypt", "Resource": "*"}))
	deniedErr(t, "IAM deny without the account statement", encryptErr(jack, keyID, nil))
	ok(ic.DeleteUserPolicy(ctx(), &iam.DeleteUserPolicyInput{UserName: aws.String("jack"), PolicyName: aws.String("no-encrypt")})).get(t)

	// A key policy deny beats the key policy allow.
	withDeny := doc(allowAWS([]string{jackARN}, "kms:*"),
		stmt{"Effect": "Deny", "Principal": map[string]any{"AWS": jackARN}, "Action": "kms:Encrypt", "Resource": "*"},
		allowAWS([]string{aliceARN}, "kms:Decrypt"))
	putKeyPolicy(t, jack, keyID, withDeny)
	deniedErr(t, "jack with a key policy deny", encryptErr(jack, keyID, nil))
	allowed(t, "jack decrypts (deny is for Encrypt only)", decryptErr(jack, blob, nil))
	// Named directly in the key policy, same account: no IAM policy needed
	// (alice's IAM policy does allow it anyway; bob is not named).
	allowed(t, "alice named in the key policy decrypts", decryptErr(alice, blob, nil))
	deniedErr(t, "alice not allowed Encrypt by the key policy", encryptErr(alice, keyID, nil))
	deniedErr(t, "bob not named", decryptErr(bob, blob, nil))
}

// TestAuthzConsolePolicyRoles: the console policy's key users may use the
// key but not administer it or create grants for themselves (the
// attachment statement needs kms:GrantIsForAWSResource); administrators
// may administer but not use it.
func TestAuthzConsolePolicyRoles(t *testing.T) {
	e := start(t)
	root := e.kmsAs(rootCreds)
	adminARN, adminC := e.newUser(t, rootCreds, "admin")
	userArn, userC := e.newUser(t, rootCreds, "user")
	otherARN, _ := e.newUser(t, rootCreds, "other")
	admin, user := e.kmsAs(adminC), e.kmsAs(userC)
	policy, err := cofkms.ConsoleKeyPolicy(cofkms.ConsoleKeyPolicyInput{Account: account, Admins: []string{adminARN}, Users: []string{userArn}})
	if err != nil {
		t.Fatal(err)
	}
	keyID, _ := newKeyWithPolicy(t, root, policy)

	allowed(t, "key user encrypts", encryptErr(user, keyID, nil))
	_, err = user.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: aws.String(keyID), KeySpec: types.DataKeySpecAes256})
	allowed(t, "key user GenerateDataKey", err)
	_, err = user.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	allowed(t, "key user DescribeKey", err)
	_, err = user.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: aws.String(otherARN),
		Operations: []types.GrantOperation{types.GrantOperationDecrypt}})
	deniedErr(t, "key user CreateGrant (not for an AWS resource)", err)
	_, err = user.DisableKey(ctx(), &kms.DisableKeyInput{KeyId: aws.String(keyID)})
	deniedErr(t, "key user DisableKey", err)
	_, err = user.PutKeyPolicy(ctx(), &kms.PutKeyPolicyInput{KeyId: aws.String(keyID), PolicyName: aws.String("default"), Policy: aws.String(policy)})
	deniedErr(t, "key user PutKeyPolicy", err)

	deniedErr(t, "key admin encrypts", encryptErr(admin, keyID, nil))
	_, err = admin.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	allowed(t, "key admin DescribeKey", err)
	_, err = admin.TagResource(ctx(), &kms.TagResourceInput{KeyId: aws.String(keyID), Tags: []types.Tag{{TagKey: aws.String("a"), TagValue: aws.String("b")}}})
	allowed(t, "key admin TagResource", err)
	_, err = admin.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/by-admin"), TargetKeyId: aws.String(keyID)})
	// CreateAlias also needs kms:CreateAlias on the alias (IAM-only
	// resource), which the admin's IAM does not allow.
	if code := errCode(err); code != "AccessDeniedException" && code != "<nil>" {
		t.Errorf("key admin CreateAlias: got %s", code)
	}
	ok(admin.DisableKey(ctx(), &kms.DisableKeyInput{KeyId: aws.String(keyID)})).get(t)
	wantCode(t, encryptErr(user, keyID, nil), "DisabledException")
	ok(admin.EnableKey(ctx(), &kms.EnableKeyInput{KeyId: aws.String(keyID)})).get(t)
	_, err = admin.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyID), PendingWindowInDays: aws.Int32(7)})
	allowed(t, "key admin ScheduleKeyDeletion", err)
	_, err = admin.CancelKeyDeletion(ctx(), &kms.CancelKeyDeletionInput{KeyId: aws.String(keyID)})
	allowed(t, "key admin CancelKeyDeletion", err)
}

// withoutAccountStatement drops the "Enable IAM User Permissions" statement.
func withoutAccountStatement(t *testing.T, policy string) string {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal([]byte(policy), &d); err != nil {
		t.Fatal(err)
	}
	var kept []any
	for _, s := range d["Statement"].([]any) {
		if s.(map[string]any)["Sid"] != "Enable IAM User Permissions" {
			kept = append(kept, s)
		}
	}
	d["Statement"] = kept
	b, _ := json.Marshal(d)
	return string(b)
}

// TestAuthzDirectUserNoIAM: a user named directly in the key policy needs no
// IAM policy; IAM-only actions (CreateKey, ListKeys) need IAM.
func TestAuthzIAMOnlyActions(t *testing.T) {
	e := start(t)
	_, aliceC := e.newUser(t, rootCreds, "alice")
	alice := e.kmsAs(aliceC)
	_, err := alice.CreateKey(ctx(), &kms.CreateKeyInput{})
	deniedErr(t, "alice CreateKey without IAM", err)
	_, err = alice.ListKeys(ctx(), &kms.ListKeysInput{})
	deniedErr(t, "alice ListKeys without IAM", err)
	_, err = alice.GenerateRandom(ctx(), &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(8)})
	deniedErr(t, "alice GenerateRandom without IAM", err)
	e.putUserPolicy(t, rootCreds, "alice", "admin", doc(iamAllow([]string{"kms:CreateKey", "kms:ListKeys", "kms:GenerateRandom", "kms:Encrypt"})))
	out, err := alice.CreateKey(ctx(), &kms.CreateKeyInput{})
	allowed(t, "alice CreateKey with IAM", err)
	_, err = alice.ListKeys(ctx(), &kms.ListKeysInput{})
	allowed(t, "alice ListKeys with IAM", err)
	if out != nil {
		// The default key policy delegates to IAM: her kms:Encrypt works,
		// DescribeKey (not in her policy) does not.
		allowed(t, "alice encrypts under her new key", encryptErr(alice, aws.ToString(out.KeyMetadata.KeyId), nil))
		_, err = alice.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: out.KeyMetadata.KeyId})
		deniedErr(t, "alice DescribeKey not in her policy", err)
	}
}

// TestAuthzAssumeRole: a role session is judged by the role's policies; a
// key policy may name the role.
func TestAuthzAssumeRole(t *testing.T) {
	e := start(t)
	root := e.kmsAs(rootCreds)
	jackARN, jackC := e.newUser(t, rootCreds, "jack")
	ic := e.iamAs(rootCreds)
	trust := doc(stmt{"Effect": "Allow", "Principal": map[string]any{"AWS": jackARN}, "Action": "sts:AssumeRole"})
	role := ok(ic.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String("encryptor"), AssumeRolePolicyDocument: aws.String(trust)})).get(t)
	roleARN := aws.ToString(role.Role.Arn)
	ok(ic.PutRolePolicy(ctx(), &iam.PutRolePolicyInput{RoleName: aws.String("encryptor"), PolicyName: aws.String("kms"),
		PolicyDocument: aws.String(doc(iamAllow([]string{"kms:Encrypt"})))})).get(t)

	keyID, keyArn := newKeyWithPolicy(t, root, doc(accountStmt(account)))
	otherID, _ := newKeyWithPolicy(t, root, doc(accountStmt(account)))

	ar := ok(e.stsAs(jackC).AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1")})).get(t)
	sess := creds{aws.ToString(ar.Credentials.AccessKeyId), aws.ToString(ar.Credentials.SecretAccessKey), aws.ToString(ar.Credentials.SessionToken)}
	sessARN := "arn:aws:sts::" + account + ":assumed-role/encryptor/s1"
	if got := aws.ToString(ok(e.stsAs(sess).GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})).get(t).Arn); got != sessARN {
		t.Errorf("session ARN %s, want %s", got, sessARN)
	}
	rs := e.kmsAs(sess)
	allowed(t, "role session encrypts (role policy + account statement)", encryptErr(rs, keyID, nil))
	blob := mustEncrypt(t, root, keyID, nil)
	err := decryptErr(rs, blob, nil)
	deniedErr(t, "role session decrypt (not in role policy)", err)
	if msg := errMessage(err); !contains(msg, sessARN) || !contains(msg, "kms:Decrypt") || !contains(msg, keyArn) {
		t.Errorf("denial message %q does not name %s, kms:Decrypt and %s", msg, sessARN, keyArn)
	}
	deniedErr(t, "jack himself (no IAM policy)", encryptErr(e.kmsAs(jackC), keyID, nil))

	// A key policy naming the role allows its sessions without IAM.
	putKeyPolicy(t, root, otherID, doc(accountStmt(account), allowAWS([]string{roleARN}, "kms:Decrypt")))
	blob2 := mustEncrypt(t, root, otherID, nil)
	allowed(t, "role named in the key policy: session decrypts", decryptErr(rs, blob2, nil))
	// An explicit deny of the role in the key policy wins over its IAM allow.
	putKeyPolicy(t, root, otherID, doc(accountStmt(account),
		stmt{"Effect": "Deny", "Principal": map[string]any{"AWS": roleARN}, "Action": "kms:*", "Resource": "*"}))
	deniedErr(t, "role denied by the key policy", encryptErr(rs, otherID, nil))
	// A key policy naming the session ARN (AWS allows assumed-role ARNs as principals).
	putKeyPolicy(t, root, otherID, doc(accountStmt(account), allowAWS([]string{sessARN}, "kms:Decrypt")))
	allowed(t, "session named in the key policy decrypts", decryptErr(rs, blob2, nil))
}

// errMessage is an API error's message.
func errMessage(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	return s
}

// TestAuthzCrossAccount: another account needs the key policy to allow it
// and its own IAM to allow its users.
func TestAuthzCrossAccount(t *testing.T) {
	e := start(t)
	const other = "444455556666"
	pair, created, err := coffiam.EnsureAccount(ctx(), e.App.Store, e.App.Root, other, nil, time.Now())
	if err != nil || !created {
		t.Fatalf("EnsureAccount: %v %v", created, err)
	}
	oRootC := creds{pair.AccessKeyID, pair.SecretAccessKey, ""}
	oRoot := e.kmsAs(oRootC)
	carolARN, carolC := e.newUser(t, oRootC, "carol")
	if carolARN != userARN(other, "carol") {
		t.Fatalf("carol's ARN %s", carolARN)
	}
	carol := e.kmsAs(carolC)
	root := e.kmsAs(rootCreds)

	keyID, keyArn := newKeyWithPolicy(t, root, doc(accountStmt(account)))
	blob := mustEncrypt(t, root, keyID, nil)
	// By key ARN; the other account's root and users are shut out.
	deniedErr(t, "other root, key policy silent", encryptErr(oRoot, keyArn, nil))
	deniedErr(t, "carol, key policy silent", encryptErr(carol, keyArn, nil))

	// Key policy allows the other account: its root may, its users need IAM.
	putKeyPolicy(t, root, keyID, doc(accountStmt(account), allowAWS([]string{rootARN(other)}, "kms:Encrypt", "kms:Decrypt")))
	allowed(t, "other root, key policy allows the account", encryptErr(oRoot, keyArn, nil))
	deniedErr(t, "carol without IAM", encryptErr(carol, keyArn, nil))
	e.putUserPolicy(t, oRootC, "carol", "kms", doc(iamAllow([]string{"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"}, keyArn)))
	allowed(t, "carol with IAM", encryptErr(carol, keyArn, nil))
	allowed(t, "carol decrypts", decryptErr(carol, blob, nil))
	_, err = carol.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: aws.String(keyArn), KeySpec: types.DataKeySpecAes256})
	deniedErr(t, "carol GenerateDataKey (IAM allows, key policy does not)", err)

	// A key policy naming carol directly still needs her IAM policy.
	ok(e.iamAs(oRootC).DeleteUserPolicy(ctx(), &iam.DeleteUserPolicyInput{UserName: aws.String("carol"), PolicyName: aws.String("kms")})).get(t)
	putKeyPolicy(t, root, keyID, doc(accountStmt(account), allowAWS([]string{carolARN}, "kms:Encrypt")))
	deniedErr(t, "carol named in the key policy, no IAM", encryptErr(carol, keyArn, nil))
	e.putUserPolicy(t, oRootC, "carol", "kms", doc(iamAllow([]string{"kms:Encrypt"})))
	allowed(t, "carol named in the key policy, with IAM", encryptErr(carol, keyArn, nil))
	deniedErr(t, "other root when only carol is named", encryptErr(oRoot, keyArn, nil))

	// The other account's IAM cannot reach into this account's keys by itself.
	carolKey, _ := newKeyWithPolicy(t, oRoot, doc(accountStmt(other)))
	deniedErr(t, "this root on the other account's key", encryptErr(root, "arn:aws:kms:"+region+":"+other+":key/"+carolKey, nil))

	// A key policy statement without a Principal is refused by AWS
	// ("Policy contains a statement with no principal."); if it is stored
	// anyway, it must not let other accounts in.
	_, err = root.PutKeyPolicy(ctx(), &kms.PutKeyPolicyInput{KeyId: aws.String(keyID), PolicyName: aws.String("default"),
		Policy: aws.String(doc(accountStmt(account), stmt{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}))})
	if errCode(err) != "MalformedPolicyDocumentException" {
		t.Errorf("key policy statement without Principal: got %s, want MalformedPolicyDocumentException", errCode(err))
		deniedErr(t, "other root through a statement without Principal", encryptErr(oRoot, keyArn, nil))
	}

	// A key policy naming an account that does not exist is refused.
	_, err = root.PutKeyPolicy(ctx(), &kms.PutKeyPolicyInput{KeyId: aws.String(keyID), PolicyName: aws.String("default"),
		Policy: aws.String(doc(accountStmt(account), allowAWS([]string{rootARN("999988887777")}, "kms:Encrypt")))})
	wantCode(t, err, "MalformedPolicyDocumentException")
}

// TestAuthzConditions: kms:EncryptionContext:*, aws:SourceIp and kms:CallerAccount.
func TestAuthzConditions(t *testing.T) {
	e := start(t)
	root := e.kmsAs(rootCreds)
	_, aliceC := e.newUser(t, rootCreds, "alice")
	alice := e.kmsAs(aliceC)
	keyID, _ := newKeyWithPolicy(t, root, doc(accountStmt(account)))

	// IAM policy with an encryption-context condition.
	e.putUserPolicy(t, rootCreds, "alice", "ctx", doc(stmt{"Effect": "Allow", "Action": []string{"kms:Encrypt", "kms:Decrypt"}, "Resource": "*",
		"Condition": map[string]any{"StringEquals": map[string]any{"kms:EncryptionContext:dept": "eng"}}}))
	allowed(t, "alice with dept=eng", encryptErr(alice, keyID, map[string]string{"dept": "eng"}))
	allowed(t, "alice with dept=eng and more", encryptErr(alice, keyID, map[string]string{"dept": "eng", "x": "y"}))
	deniedErr(t, "alice with dept=ops", encryptErr(alice, keyID, map[string]string{"dept": "ops"}))
	deniedErr(t, "alice without context", encryptErr(alice, keyID, nil))
	blob := mustEncrypt(t, root, keyID, map[string]string{"dept": "eng"})
	allowed(t, "alice decrypts with dept=eng", decryptErr(alice, blob, map[string]string{"dept": "eng"}))
	// Context keys are case-insensitive in the condition key, case-sensitive in value.
	deniedErr(t, "alice with dept=ENG", encryptErr(alice, keyID, map[string]string{"dept": "ENG"}))

	// Key policy with aws:SourceIp: the client is 127.0.0.1.
	// The root keeps the policy actions unconditionally; kms:Encrypt is
	// allowed under the condition.
	sourceIP := func(op string, cidr string) string {
		return doc(allowAWS([]string{rootARN(account)}, "kms:PutKeyPolicy", "kms:GetKeyPolicy", "kms:DescribeKey"),
			stmt{"Effect": "Allow", "Principal": map[string]any{"AWS": rootARN(account)}, "Action": "kms:Encrypt", "Resource": "*",
				"Condition": map[string]any{op: map[string]any{"aws:SourceIp": cidr}}})
	}
	put := func(policy string) {
		t.Helper()
		putKeyPolicy(t, root, keyID, policy)
	}
	put(sourceIP("IpAddress", "127.0.0.0/8"))
	allowed(t, "root from 127.0.0.1 with IpAddress 127.0.0.0/8", encryptErr(root, keyID, nil))
	put(doc(accountStmt(account), stmt{"Effect": "Deny", "Principal": "*", "Action": "kms:Encrypt", "Resource": "*",
		"Condition": map[string]any{"NotIpAddress": map[string]any{"aws:SourceIp": "10.0.0.0/8"}}}))
	deniedErr(t, "root from 127.0.0.1, deny NotIpAddress 10.0.0.0/8", encryptErr(root, keyID, nil))
	_, err := root.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	allowed(t, "DescribeKey not covered by the deny", err)
	put(sourceIP("IpAddress", "10.0.0.0/8"))
	deniedErr(t, "root from 127.0.0.1 with IpAddress 10.0.0.0/8", encryptErr(root, keyID, nil))
	// IAM policy with aws:SourceIp.
	put(doc(accountStmt(account)))
	e.putUserPolicy(t, rootCreds, "alice", "ctx", doc(stmt{"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*",
		"Condition": map[string]any{"IpAddress": map[string]any{"aws:SourceIp": "127.0.0.1/32"}}}))
	allowed(t, "alice IAM IpAddress 127.0.0.1/32", encryptErr(alice, keyID, nil))
	e.putUserPolicy(t, rootCreds, "alice", "ctx", doc(stmt{"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*",
		"Condition": map[string]any{"IpAddress": map[string]any{"aws:SourceIp": "192.0.2.0/24"}}}))
	deniedErr(t, "alice IAM IpAddress 192.0.2.0/24", encryptErr(alice, keyID, nil))

	// kms:CallerAccount in the key policy.
	put(doc(stmt{"Effect": "Allow", "Principal": map[string]any{"AWS": "*"}, "Action": "kms:*", "Resource": "*",
		"Condition": map[string]any{"StringEquals": map[string]any{"kms:CallerAccount": account}}}))
	allowed(t, "root with kms:CallerAccount = own account", encryptErr(root, keyID, nil))
}

// TestAuthzPutKeyPolicyChecks: lockout safety check, unknown principals,
// malformed documents; the denial message names principal, action, key.
func TestAuthzPutKeyPolicyChecks(t *testing.T) {
	e := start(t)
	root := e.kmsAs(rootCreds)
	jackARN, jackC := e.newUser(t, rootCreds, "jack")
	jack := e.kmsAs(jackC)
	keyID, keyArn := newKeyWithPolicy(t, root, doc(accountStmt(account), allowAWS([]string{jackARN}, "kms:*")))

	putErr := func(c *kms.Client, policy string, bypass bool) error {
		_, err := c.PutKeyPolicy(ctx(), &kms.PutKeyPolicyInput{KeyId: aws.String(keyID), PolicyName: aws.String("default"),
			Policy: aws.String(policy), BypassPolicyLockoutSafetyCheck: bypass})
		return err
	}
	getPolicy := func() string {
		out, err := root.GetKeyPolicy(ctx(), &kms.GetKeyPolicyInput{KeyId: aws.String(keyID), PolicyName: aws.String("default")})
		if err != nil {
			return "error: " + err.Error()
		}
		return aws.ToString(out.Policy)
	}
	before := getPolicy()

	// Lockout: jack would lose PutKeyPolicy.
	lockout := doc(accountStmt(account), allowAWS([]string{jackARN}, "kms:Encrypt", "kms:Decrypt"))
	wantCode(t, putErr(jack, lockout, false), "MalformedPolicyDocumentException")
	if got := getPolicy(); got != before {
		t.Errorf("the refused policy was stored: %s", got)
	}
	// ... and the same as root is fine (the account statement lets root in).
	allowed(t, "root puts the same policy", putErr(root, lockout, false))
	putKeyPolicy(t, root, keyID, before)
	// Lockout for root: a policy without the account statement.
	wantCode(t, putErr(root, doc(allowAWS([]string{jackARN}, "kms:*")), false), "MalformedPolicyDocumentException")
	// An explicit deny of PutKeyPolicy for the caller.
	wantCode(t, putErr(jack, doc(allowAWS([]string{jackARN}, "kms:*"),
		stmt{"Effect": "Deny", "Principal": map[string]any{"AWS": jackARN}, "Action": "kms:PutKeyPolicy", "Resource": "*"}), false),
		"MalformedPolicyDocumentException")
	// Bypass: accepted, and jack is then locked out.
	allowed(t, "jack bypasses the lockout check", putErr(jack, doc(accountStmt(account), allowAWS([]string{jackARN}, "kms:Encrypt")), true))
	deniedErr(t, "jack after locking himself out", putErr(jack, before, false))
	allowed(t, "root restores", putErr(root, before, false))

	// CreateKey with a lockout policy is refused too.
	_, err := jack.CreateKey(ctx(), &kms.CreateKeyInput{Policy: aws.String(doc(allowAWS([]string{jackARN}, "kms:Encrypt")))})
	if code := errCode(err); code != "MalformedPolicyDocumentException" && code != "AccessDeniedException" {
		t.Errorf("jack CreateKey with a lockout policy: got %s", code)
	}
	_, err = root.CreateKey(ctx(), &kms.CreateKeyInput{Policy: aws.String(doc(allowAWS([]string{jackARN}, "kms:*")))})
	wantCode(t, err, "MalformedPolicyDocumentException")

	// Principals must exist.
	for _, p := range []string{
		userARN(account, "nobody"),
		"arn:aws:iam::" + account + ":role/nobody",
		rootARN("999988887777"),
		"arn:aws:iam::" + account + ":user/*",
		"not-an-arn",
	} {
		err := putErr(root, doc(accountStmt(account), allowAWS([]string{p}, "kms:Decrypt")), false)
		msg := wantCode(t, err, "MalformedPolicyDocumentException")
		if err != nil && !contains(msg, p) {
			t.Errorf("principal %s: message %q does not name it", p, msg)
		}
	}
	// Malformed documents.
	for name, p := range map[string]string{
		"not json":      "{",
		"no statement":  `{"Version":"2012-10-17"}`,
		"bad effect":    `{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Principal":{"AWS":"` + rootARN(account) + `"},"Action":"kms:*","Resource":"*"}]}`,
		"bad version":   `{"Version":"2099-01-01","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + rootARN(account) + `"},"Action":"kms:*","Resource":"*"}]}`,
		"no principal":  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`,
		"bad condition": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + rootARN(account) + `"},"Action":"kms:*","Resource":"*","Condition":{"NoSuchOperator":{"aws:SourceIp":"1.2.3.4"}}}]}`,
	} {
		if err := putErr(root, p, false); errCode(err) != "MalformedPolicyDocumentException" {
			t.Errorf("%s: got %s, want MalformedPolicyDocumentException", name, errCode(err))
		}
	}
	if got := getPolicy(); got != before {
		t.Errorf("a refused policy was stored: %s", got)
	}

	// The AccessDeniedException message names the principal, the action and the key ARN.
	_, aliceC := e.newUser(t, rootCreds, "alice")
	_, err = e.kmsAs(aliceC).Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: []byte("x")})
	msg := wantCode(t, err, "AccessDeniedException")
	for _, want := range []string{userARN(account, "alice"), "kms:Encrypt", keyArn} {
		if !strings.Contains(msg, want) {
			t.Errorf("AccessDeniedException message %q does not contain %q", msg, want)
		}
	}
}
