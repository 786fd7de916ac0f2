package policy

import (
	"reflect"
	"testing"
)

const (
	acct   = "111122223333"
	keyARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

var (
	alice   = Principal{ARN: "arn:aws:iam::111122223333:user/alice", Account: acct}
	root    = Principal{ARN: "arn:aws:iam::111122223333:root", Account: acct}
	keyUser = Principal{ARN: "arn:aws:sts::111122223333:assumed-role/ExampleUserRole/s1", Account: acct,
		IdentityARN: "arn:aws:iam::111122223333:role/ExampleUserRole"}
	keyAdmin = Principal{ARN: "arn:aws:sts::111122223333:assumed-role/ExampleAdminRole/s2", Account: acct,
		IdentityARN: "arn:aws:iam::111122223333:role/ExampleAdminRole"}
	outsider  = Principal{ARN: "arn:aws:iam::444455556666:user/mallory", Account: "444455556666"}
	bob       = Principal{ARN: "arn:aws:iam::444455556666:user/Bob", Account: "444455556666"}
	carol     = Principal{ARN: "arn:aws:iam::444455556666:user/Carol", Account: "444455556666"}
	root4     = Principal{ARN: "arn:aws:iam::444455556666:root", Account: "444455556666"}
	auditApp  = Principal{ARN: "arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/cross-account-audit-app", Account: "444455556666", IdentityARN: "arn:aws:iam::444455556666:role/cross-account-read-only-role"}
	otherApp  = Principal{ARN: "arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/other-app", Account: "444455556666", IdentityARN: "arn:aws:iam::444455556666:role/cross-account-read-only-role"}
	trail     = Principal{Service: "cloudtrail.amazonaws.com"}
	s3svc     = Principal{Service: "s3.amazonaws.com", Account: acct}
	anonymous = Principal{}
	testTeam  = Principal{ARN: "arn:aws:sts::111122223333:assumed-role/TestTeam/bob", Account: acct, IdentityARN: "arn:aws:iam::111122223333:role/TestTeam"}
	appRole   = Principal{ARN: "arn:aws:sts::111122223333:assumed-role/RoleForExampleApp/x", Account: acct, IdentityARN: "arn:aws:iam::111122223333:role/RoleForExampleApp"}
)

// kv builds a Context from name, value pairs; a name repeated adds a value.
func kv(pairs ...string) Context {
	c := Context{}
	for i := 0; i+1 < len(pairs); i += 2 {
		c.Add(pairs[i], pairs[i+1])
	}
	return c
}

// cond is an identity policy allowing kms:Encrypt on any resource when the
// condition block holds.
func cond(block string) string {
	return stmt(`"Effect":"Allow","Action":"kms:Encrypt","Resource":"*","Condition":` + block)
}

type evalCase struct {
	name     string
	doc      string // a document, or "@name" for testdata/aws/name.json
	p        Principal
	action   string
	resource string
	ctx      Context
	want     Decision
	via      PrincipalMatch
	matched  []string // checked when non-nil
}

func TestEvaluate(t *testing.T) {
	const (
		console = "@kms-console-key-policy"
		iamUser = "Enable IAM User Permissions"
		admins  = "Allow access for Key Administrators"
		use     = "Allow use of the key"
		attach  = "Allow attachment of persistent resources"
	)
	tests := []evalCase{
		// --- KMS Developer Guide, key-policy-default: console default key policy ---
		{name: "kms key-policy-default: key user may Encrypt (Allows key users to use the KMS key)", doc: console, p: keyUser, action: "kms:Encrypt", resource: keyARN,
			want: Allow, via: PrincipalDirect, matched: []string{iamUser, use}},
		{name: "kms key-policy-default: root statement only delegates to IAM for a key user's ScheduleKeyDeletion (Via Account)", doc: console, p: keyUser, action: "kms:ScheduleKeyDeletion", resource: keyARN,
			want: Allow, via: PrincipalAccount, matched: []string{iamUser}},
		{name: "kms key-policy-default: any user of the account only via the account principal (Allows access to the AWS account and enables IAM policies)", doc: console, p: alice, action: "kms:Encrypt", resource: keyARN,
			want: Allow, via: PrincipalAccount},
		{name: "kms key-policy-default: the account root is granted directly", doc: console, p: root, action: "kms:PutKeyPolicy", resource: keyARN,
			want: Allow, via: PrincipalDirect},
		{name: "kms key-policy-default: key administrators, direct beats account", doc: console, p: keyAdmin, action: "kms:ScheduleKeyDeletion", resource: keyARN,
			want: Allow, via: PrincipalDirect, matched: []string{iamUser, admins}},
		{name: "kms key-policy-default: administrators cannot use the key directly", doc: console, p: keyAdmin, action: "kms:Decrypt", resource: keyARN,
			want: Allow, via: PrincipalAccount, matched: []string{iamUser}},
		{name: "kms key-policy-default: kms:Create* covers CreateAlias and CreateGrant", doc: console, p: keyAdmin, action: "kms:CreateAlias", resource: keyARN,
			want: Allow, via: PrincipalDirect},
		{name: "kms key-policy-default: kms:Get* covers GetPublicKey", doc: console, p: keyAdmin, action: "kms:GetPublicKey", resource: keyARN,
			want: Allow, via: PrincipalDirect},
		{name: "kms key-policy-default: another account's principal gets nothing", doc: console, p: outsider, action: "kms:Encrypt", resource: keyARN,
			want: NotApplicable, matched: []string{}},
		{name: "kms key-policy-default: grants for AWS resources (Bool kms:GrantIsForAWSResource true)", doc: console, p: keyUser, action: "kms:CreateGrant", resource: keyARN,
			ctx: kv("kms:GrantIsForAWSResource", "true"), want: Allow, via: PrincipalDirect, matched: []string{iamUser, attach}},
		{name: "kms key-policy-default: grant not for an AWS resource falls back to the account statement", doc: console, p: keyUser, action: "kms:CreateGrant", resource: keyARN,
			ctx: kv("kms:GrantIsForAWSResource", "false"), want: Allow, via: PrincipalAccount, matched: []string{iamUser}},
		{name: "kms key-policy-default: Bool absent key does not match", doc: console, p: keyUser, action: "kms:ListGrants", resource: keyARN,
			want: Allow, via: PrincipalAccount, matched: []string{iamUser}},
		{name: "iam elements_action: action names are case-insensitive", doc: console, p: keyUser, action: "KMS:ENCRYPT", resource: keyARN,
			want: Allow, via: PrincipalDirect},

		// --- IAM User Guide, policy evaluation logic ---
		{name: "iam evaluation-logic: identity policy allow has no principal (Via None)", doc: stmt(`"Effect":"Allow","Action":"kms:Encrypt","Resource":"` + keyARN + `"`), p: alice, action: "kms:Encrypt", resource: keyARN,
			want: Allow, via: PrincipalNone, matched: []string{"#1"}},
		{name: "iam evaluation-logic: implicit deny when nothing matches", doc: stmt(`"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"`), p: alice, action: "kms:Decrypt", resource: keyARN,
			want: NotApplicable},
		{name: "iam evaluation-logic: explicit deny wins over allow", doc: `{"Version":"2012-10-17","Statement":[{"Sid":"all","Effect":"Allow","Action":"kms:*","Resource":"*"},{"Sid":"nodecrypt","Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}]}`, p: alice, action: "kms:Decrypt", resource: keyARN,
			want: Deny, matched: []string{"all", "nodecrypt"}},
		{name: "iam evaluation-logic: explicit deny wins whatever the statement order", doc: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*"},{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`, p: alice, action: "kms:Decrypt", resource: keyARN,
			want: Deny, matched: []string{"#1", "#2"}},
		{name: "iam evaluation-logic: deny of another action leaves the allow", doc: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*"},{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`, p: alice, action: "kms:Encrypt", resource: keyARN,
			want: Allow, matched: []string{"#2"}},
		{name: "kms key-policy-overview: a statement without Action has no effect", doc: stmt(`"Effect":"Allow","Principal":"*","Resource":"*"`), p: alice, action: "kms:Encrypt", resource: keyARN,
			want: NotApplicable},
		{name: "kms key-policy-overview: a statement without Resource has no effect", doc: stmt(`"Effect":"Deny","Principal":"*","Action":"kms:*"`), p: alice, action: "kms:Encrypt", resource: keyARN,
			want: NotApplicable},

		// --- IAM User Guide, elements_action / elements_resource wildcards ---
		{name: "iam elements_action: kms:Delete* does not cover ScheduleKeyDeletion", doc: stmt(`"Effect":"Allow","Action":"kms:Delete*","Resource":"*"`), p: alice, action: "kms:ScheduleKeyDeletion", resource: keyARN,
			want: NotApplicable},
		{name: "iam elements_action: ? matches one character", doc: stmt(`"Effect":"Allow","Action":"kms:?ncrypt","Resource":"*"`), p: alice, action: "kms:Encrypt", resource: keyARN,
			want: Allow},
		{name: "iam elements_resource: * in region and resource id", doc: stmt(`"Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:*:111122223333:key/*"`), p: alice, action: "kms:Encrypt", resource: keyARN,
			want: Allow},
		{name: "iam elements_resource: other account's key does not match", doc: stmt(`"Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:*:444455556666:key/*"`), p: alice, action: "kms:Encrypt", resource: keyARN,
			want: NotApplicable},
		{name: "iam elements_resource: resources are case-sensitive", doc: stmt(`"Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:us-east-1:111122223333:key/1234ABCD-12ab-34cd-56ef-1234567890ab"`), p: alice, action: "kms:Encrypt", resource: keyARN,
			want: NotApplicable},
		{name: "iam elements_resource: ? matches one character", doc: stmt(`"Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890a?"`), p: alice, action: "kms:Encrypt", resource: keyARN,
			want: Allow},
		{name: "iam elements_resource: a * inside an ARN part does not cross a colon", doc: stmt(`"Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:us-*-1:111122223333:key/*"`), p: alice, action: "kms:Encrypt", resource: "arn:aws:kms:us-east:444455556666:x-1:111122223333:key/k",
			want: NotApplicable},
		{name: "iam elements_resource: a * ending an ARN part expands beyond the colon", doc: stmt(`"Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:*:key/*"`), p: alice, action: "kms:Encrypt", resource: keyARN,
			want: Allow},
		{name: "iam elements_resource: Resource * matches actions without a resource", doc: stmt(`"Effect":"Allow","Action":"kms:CreateKey","Resource":"*"`), p: alice, action: "kms:CreateKey", resource: "*",
			want: Allow},

		// --- NotAction / NotResource (IAM User Guide, elements_notaction, elements_notresource) ---
		{name: "iam elements_notaction: allow everything except IAM (other service allowed)", doc: stmt(`"Effect":"Allow","NotAction":"iam:*","Resource":"*"`), p: alice, action: "kms:Encrypt", resource: keyARN,
			want: Allow},
		{name: "iam elements_notaction: allow everything except IAM (IAM not allowed)", doc: stmt(`"Effect":"Allow","NotAction":"iam:*","Resource":"*"`), p: alice, action: "iam:CreateUser", resource: "*",
			want: NotApplicable},
		{name: "iam examples my-sec-creds-self-manage: deny without MFA (BoolIfExists, key absent)", doc: "@iam-deny-without-mfa", p: alice, action: "kms:Encrypt", resource: keyARN,
			want: Deny, matched: []string{"DenyAllExceptListedIfNoMFA"}},
		{name: "iam examples my-sec-creds-self-manage: deny without MFA (key false)", doc: "@iam-deny-without-mfa", p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:MultiFactorAuthPresent", "false"), want: Deny},
		{name: "iam examples my-sec-creds-self-manage: MFA present is not denied", doc: "@iam-deny-without-mfa", p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:MultiFactorAuthPresent", "true"), want: NotApplicable},
		{name: "iam examples my-sec-creds-self-manage: listed actions are not denied without MFA", doc: "@iam-deny-without-mfa", p: alice, action: "iam:GetUser", resource: "*",
			want: NotApplicable},
		{name: "iam elements_notresource: allow all but a bucket (other bucket)", doc: stmt(`"Effect":"Allow","Action":"s3:*","NotResource":["arn:aws:s3:::secret","arn:aws:s3:::secret/*"]`), p: alice, action: "s3:GetObject", resource: "arn:aws:s3:::public/x",
			want: Allow},
		{name: "iam elements_notresource: allow all but a bucket (that bucket)", doc: stmt(`"Effect":"Allow","Action":"s3:*","NotResource":["arn:aws:s3:::secret","arn:aws:s3:::secret/*"]`), p: alice, action: "s3:GetObject", resource: "arn:aws:s3:::secret/x",
			want: NotApplicable},

		// --- NotPrincipal with Deny (IAM User Guide, elements_notprincipal) ---
		{name: "iam elements_notprincipal: Bob and his account are exempt", doc: "@iam-notprincipal-user", p: bob, action: "s3:GetObject", resource: "arn:aws:s3:::BUCKETNAME/x",
			want: NotApplicable},
		{name: "iam elements_notprincipal: everyone else is denied", doc: "@iam-notprincipal-user", p: carol, action: "s3:GetObject", resource: "arn:aws:s3:::BUCKETNAME/x",
			want: Deny},
		{name: "iam elements_notprincipal: the listed account root is exempt", doc: "@iam-notprincipal-user", p: root4, action: "s3:GetObject", resource: "arn:aws:s3:::BUCKETNAME",
			want: NotApplicable},
		{name: "iam elements_notprincipal: assumed-role session, role and account listed are exempt", doc: "@iam-notprincipal-role", p: auditApp, action: "s3:GetObject", resource: "arn:aws:s3:::Bucket_Account_Audit/x",
			want: NotApplicable},
		{name: "iam elements_notprincipal: another session of the role is denied", doc: "@iam-notprincipal-role", p: otherApp, action: "s3:GetObject", resource: "arn:aws:s3:::Bucket_Account_Audit/x",
			want: Deny},
		{name: "iam elements_notprincipal: user listed without its account is still denied", doc: stmt(`"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::444455556666:user/Bob"},"Action":"s3:*","Resource":"*"`), p: bob, action: "s3:GetObject", resource: "arn:aws:s3:::b/x",
			want: Deny},
		{name: "iam elements_notprincipal: Allow with NotPrincipal grants everyone else directly", doc: stmt(`"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"s3:*","Resource":"*"`), p: alice, action: "s3:GetObject", resource: "arn:aws:s3:::b/x",
			want: Allow, via: PrincipalDirect},

		// --- Principal forms (IAM User Guide, elements_principal) ---
		{name: "s3 example-bucket-policies: Principal * grants anonymous read (2008-10-17)", doc: "@s3-public-read-2008", p: anonymous, action: "s3:GetObject", resource: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/index.html",
			want: Allow, via: PrincipalDirect, matched: []string{"PublicRead"}},
		{name: "iam elements_principal: account id form delegates (Via Account)", doc: stmt(`"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*"`), p: alice, action: "kms:Encrypt", resource: keyARN,
			want: Allow, via: PrincipalAccount},
		{name: "iam elements_principal: named user (Via Direct)", doc: stmt(`"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:user/alice"]},"Action":"kms:*","Resource":"*"`), p: alice, action: "kms:Encrypt", resource: keyARN,
			want: Allow, via: PrincipalDirect},
		{name: "iam elements_principal: role ARN matches its assumed-role sessions", doc: stmt(`"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/ExampleUserRole"},"Action":"kms:*","Resource":"*"`), p: keyUser, action: "kms:Encrypt", resource: keyARN,
			want: Allow, via: PrincipalDirect},
		{name: "iam elements_principal: assumed-role session ARN matches that session", doc: stmt(`"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/ExampleUserRole/s1"},"Action":"kms:*","Resource":"*"`), p: keyUser, action: "kms:Encrypt", resource: keyARN,
			want: Allow, via: PrincipalDirect},
		{name: "iam elements_principal: a user is not its role", doc: stmt(`"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/ExampleUserRole"},"Action":"kms:*","Resource":"*"`), p: alice, action: "kms:Encrypt", resource: keyARN,
			want: NotApplicable},
		{name: "coffer: wildcard ARN principal matches directly", doc: stmt(`"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/*"},"Action":"kms:*","Resource":"*"`), p: alice, action: "kms:Encrypt", resource: keyARN,
			want: Allow, via: PrincipalDirect},
		{name: "cloudtrail create-kms-key-policy: service principal with SourceArn and encryption context", doc: "@kms-cloudtrail-service", p: trail, action: "kms:GenerateDataKey", resource: keyARN,
			ctx:  kv("aws:SourceArn", "arn:aws:cloudtrail:us-east-1:111122223333:trail/trail-name", "kms:EncryptionContext:aws:cloudtrail:arn", "arn:aws:cloudtrail:us-east-1:111122223333:trail/trail-name"),
			want: Allow, via: PrincipalDirect},
		{name: "iam elements_principal: another service principal does not match", doc: "@kms-cloudtrail-service", p: s3svc, action: "kms:GenerateDataKey", resource: keyARN,
			ctx:  kv("aws:SourceArn", "arn:aws:cloudtrail:us-east-1:111122223333:trail/trail-name", "kms:EncryptionContext:aws:cloudtrail:arn", "arn:aws:cloudtrail:us-east-1:111122223333:trail/trail-name"),
			want: NotApplicable},
		{name: "iam elements_principal: an account principal does not match a service principal", doc: "@kms-default-key-policy", p: s3svc, action: "kms:Encrypt", resource: keyARN,
			want: NotApplicable},
		{name: "coffer: Federated principals never match a Coffer caller", doc: "@iam-cognito-trust", p: alice, action: "sts:AssumeRoleWithWebIdentity", resource: "*",
			want: NotApplicable},

		// --- KMS condition keys (KMS Developer Guide, conditions-kms) ---
		{name: "kms conditions-kms CallerAccount: EBS key for all principals of the account via EC2", doc: "@kms-ebs-caller-account", p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("kms:CallerAccount", acct, "kms:ViaService", "ec2.us-west-2.amazonaws.com"), want: Allow, via: PrincipalDirect},
		{name: "kms conditions-kms CallerAccount: not through EC2 (ViaService absent)", doc: "@kms-ebs-caller-account", p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("kms:CallerAccount", acct), want: NotApplicable},
		{name: "kms conditions-kms CallerAccount: another account", doc: "@kms-ebs-caller-account", p: outsider, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("kms:CallerAccount", "444455556666", "kms:ViaService", "ec2.us-west-2.amazonaws.com"), want: NotApplicable},
		{name: "kms conditions-kms ViaService: values OR (RDS)", doc: "@kms-via-service", p: Principal{ARN: "arn:aws:iam::111122223333:user/ExampleUser", Account: acct}, action: "kms:Decrypt", resource: keyARN,
			ctx: kv("kms:ViaService", "rds.us-west-2.amazonaws.com"), want: Allow, via: PrincipalDirect},
		{name: "kms conditions-kms ViaService: another service", doc: "@kms-via-service", p: Principal{ARN: "arn:aws:iam::111122223333:user/ExampleUser", Account: acct}, action: "kms:Decrypt", resource: keyARN,
			ctx: kv("kms:ViaService", "s3.us-west-2.amazonaws.com"), want: NotApplicable},
		{name: "kms conditions-kms GrantOperations: ForAllValues subset allowed", doc: "@kms-grant-operations", p: Principal{ARN: "arn:aws:iam::111122223333:role/ExampleRole", Account: acct}, action: "kms:CreateGrant", resource: keyARN,
			ctx: kv("kms:GrantOperations", "Decrypt"), want: Allow, via: PrincipalDirect},
		{name: "kms conditions-kms GrantOperations: ForAllValues both allowed", doc: "@kms-grant-operations", p: Principal{ARN: "arn:aws:iam::111122223333:role/ExampleRole", Account: acct}, action: "kms:CreateGrant", resource: keyARN,
			ctx: kv("kms:GrantOperations", "Encrypt", "kms:GrantOperations", "Decrypt"), want: Allow, via: PrincipalDirect},
		{name: "kms conditions-kms GrantOperations: ForAllValues rejects an unlisted operation", doc: "@kms-grant-operations", p: Principal{ARN: "arn:aws:iam::111122223333:role/ExampleRole", Account: acct}, action: "kms:CreateGrant", resource: keyARN,
			ctx: kv("kms:GrantOperations", "Decrypt", "kms:GrantOperations", "RetireGrant"), want: NotApplicable},
		{name: "iam multi-value-conditions: ForAllValues with the key absent is true", doc: "@kms-grant-operations", p: Principal{ARN: "arn:aws:iam::111122223333:role/ExampleRole", Account: acct}, action: "kms:CreateGrant", resource: keyARN,
			want: Allow, via: PrincipalDirect},
		{name: "kms conditions-kms EncryptionContext: required pairs and only those keys", doc: "@kms-encryption-context", p: appRole, action: "kms:GenerateDataKey", resource: keyARN,
			ctx:  kv("kms:EncryptionContext:Department", "IT", "kms:EncryptionContext:Project", "Alpha", "kms:EncryptionContextKeys", "Department", "kms:EncryptionContextKeys", "Project"),
			want: Allow, via: PrincipalDirect, matched: []string{"#1"}},
		{name: "kms conditions-kms EncryptionContext: an extra key fails ForAllValues", doc: "@kms-encryption-context", p: appRole, action: "kms:GenerateDataKey", resource: keyARN,
			ctx: kv("kms:EncryptionContext:Department", "IT", "kms:EncryptionContext:Project", "Alpha", "kms:EncryptionContext:Owner", "x",
				"kms:EncryptionContextKeys", "Department", "kms:EncryptionContextKeys", "Project", "kms:EncryptionContextKeys", "Owner"),
			want: NotApplicable},
		{name: "kms conditions-kms EncryptionContext: missing pair", doc: "@kms-encryption-context", p: appRole, action: "kms:GenerateDataKey", resource: keyARN,
			ctx: kv("kms:EncryptionContext:Department", "IT", "kms:EncryptionContextKeys", "Department"), want: NotApplicable},
		{name: "kms conditions-kms EncryptionContext: deny Stage=Restricted or Production (values OR)", doc: "@kms-encryption-context", p: appRole, action: "kms:GenerateDataKey", resource: keyARN,
			ctx: kv("kms:EncryptionContext:Stage", "Production"), want: Deny, matched: []string{"#2"}},
		{name: "kms conditions-kms EncryptionContext: key name is not case sensitive", doc: cond(`{"StringEquals":{"kms:EncryptionContext:Appname":"ExampleApp"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("kms:EncryptionContext:AppName", "ExampleApp"), want: Allow},
		{name: "kms conditions-kms EncryptionContext: StringEquals value is case sensitive", doc: cond(`{"StringEquals":{"kms:EncryptionContext:AppName":"ExampleApp"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("kms:EncryptionContext:AppName", "exampleapp"), want: NotApplicable},
		{name: "kms conditions-kms EncryptionContextKeys: case-sensitive key check through the keys list", doc: cond(`{"ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":"AppName"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("kms:EncryptionContextKeys", "appname"), want: NotApplicable},
		{name: "kms conditions-kms EncryptionContextKeys: ForAnyValue, one key matches", doc: cond(`{"ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":"AppName"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("kms:EncryptionContextKeys", "AppName", "kms:EncryptionContextKeys", "Project"), want: Allow},
		{name: "kms conditions-kms EncryptionContextKeys: ForAnyValue with no encryption context fails", doc: cond(`{"ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":"AppName"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			want: NotApplicable},
		{name: "kms conditions-kms EncryptionContextKeys: Null false requires an encryption context", doc: cond(`{"Null":{"kms:EncryptionContextKeys":false}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("kms:EncryptionContextKeys", "a"), want: Allow},
		{name: "kms conditions-kms EncryptionContextKeys: Null false without encryption context", doc: cond(`{"Null":{"kms:EncryptionContextKeys":false}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			want: NotApplicable},
		{name: "kms conditions-kms EncryptionContext: ${aws:username} variable in the value", doc: "@kms-encryption-context-variable", p: testTeam, action: "kms:Decrypt", resource: keyARN,
			ctx: kv("aws:username", "bob", "kms:EncryptionContext:user", "bob"), want: Allow, via: PrincipalDirect},
		{name: "kms conditions-kms EncryptionContext: variable resolves to another user", doc: "@kms-encryption-context-variable", p: testTeam, action: "kms:Decrypt", resource: keyARN,
			ctx: kv("aws:username", "bob", "kms:EncryptionContext:user", "alice"), want: NotApplicable},

		// --- Policy variables (IAM User Guide, reference_policies_variables) ---
		{name: "iam policies_variables: ${aws:username} home folder, own object", doc: "@iam-s3-home-directory", p: alice, action: "s3:GetObject", resource: "arn:aws:s3:::amzn-s3-demo-bucket/home/alice/notes.txt",
			ctx: kv("aws:username", "alice"), want: Allow, matched: []string{"ReadWriteDeleteYourObjects"}},
		{name: "iam policies_variables: ${aws:username} home folder, another user's object", doc: "@iam-s3-home-directory", p: alice, action: "s3:GetObject", resource: "arn:aws:s3:::amzn-s3-demo-bucket/home/bob/notes.txt",
			ctx: kv("aws:username", "alice"), want: NotApplicable},
		{name: "iam policies_variables: no value for the variable, no match", doc: "@iam-s3-home-directory", p: keyUser, action: "s3:GetObject", resource: "arn:aws:s3:::amzn-s3-demo-bucket/home/alice/notes.txt",
			want: NotApplicable},
		{name: "iam policies_variables: variable in a StringLike condition", doc: "@iam-s3-home-directory", p: alice, action: "s3:ListBucket", resource: "arn:aws:s3:::amzn-s3-demo-bucket",
			ctx: kv("aws:username", "alice", "s3:prefix", "home/alice/photos/"), want: Allow},
		{name: "iam policies_variables: variable in a StringLike condition, other prefix", doc: "@iam-s3-home-directory", p: alice, action: "s3:ListBucket", resource: "arn:aws:s3:::amzn-s3-demo-bucket",
			ctx: kv("aws:username", "alice", "s3:prefix", "home/bob/"), want: NotApplicable},
		{name: "iam policies_variables: default value when the key is absent", doc: stmt(`"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username, 'guest'}/*"`), p: keyUser, action: "s3:GetObject", resource: "arn:aws:s3:::b/guest/x",
			want: Allow},
		{name: "iam policies_variables: ${aws:PrincipalTag/team} tag variable", doc: stmt(`"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:PrincipalTag/team}/*"`), p: alice, action: "s3:GetObject", resource: "arn:aws:s3:::b/blue/x",
			ctx: kv("aws:PrincipalTag/Team", "blue"), want: Allow},
		{name: "iam policies_variables: ${*} is a literal asterisk", doc: stmt(`"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${*}"`), p: alice, action: "s3:GetObject", resource: "arn:aws:s3:::b/x",
			want: NotApplicable},
		{name: "iam policies_variables: ${*} matches an asterisk", doc: stmt(`"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${*}${?}${$}"`), p: alice, action: "s3:GetObject", resource: "arn:aws:s3:::b/*?$",
			want: Allow},
		{name: "coffer: a variable's value is literal, never a wildcard", doc: stmt(`"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/x"`), p: alice, action: "s3:GetObject", resource: "arn:aws:s3:::b/alice/x",
			ctx: kv("aws:username", "*"), want: NotApplicable},
		{name: "iam policies_variables: 2008-10-17 does not substitute", doc: `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*"}}`, p: alice, action: "s3:GetObject", resource: "arn:aws:s3:::b/alice/x",
			ctx: kv("aws:username", "alice"), want: NotApplicable},
		{name: "iam policies_variables: 2008-10-17 matches the text literally", doc: `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*"}}`, p: alice, action: "s3:GetObject", resource: "arn:aws:s3:::b/${aws:username}/x",
			ctx: kv("aws:username", "alice"), want: Allow},
		{name: "coffer: unresolved variable in NotResource makes the statement not apply", doc: stmt(`"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::b/${aws:username}/*"`), p: keyUser, action: "s3:GetObject", resource: "arn:aws:s3:::b/alice/x",
			want: NotApplicable},
		{name: "coffer: unresolved variable in a negated operator fails the condition", doc: cond(`{"StringNotEquals":{"aws:PrincipalTag/team":"${aws:username}"}}`), p: keyUser, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:PrincipalTag/team", "red"), want: NotApplicable},

		// --- Condition operators (IAM User Guide, reference_policies_elements_condition_operators) ---
		{name: "iam condition_operators: StringNotEquals with the key absent matches", doc: cond(`{"StringNotEquals":{"aws:PrincipalTag/team":"admins"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			want: Allow},
		{name: "iam condition_operators: StringNotEquals with an equal value", doc: cond(`{"StringNotEquals":{"aws:PrincipalTag/team":["admins","ops"]}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:PrincipalTag/team", "ops"), want: NotApplicable},
		{name: "iam condition_operators: StringEqualsIgnoreCase", doc: cond(`{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"Admins"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:PrincipalTag/team", "ADMINS"), want: Allow},
		{name: "iam condition_operators: StringNotEqualsIgnoreCase", doc: cond(`{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/team":"Admins"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:PrincipalTag/team", "ADMINS"), want: NotApplicable},
		{name: "iam condition_operators: StringLike with * and ?", doc: cond(`{"StringLike":{"s3:prefix":"home/?lice/*"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("s3:prefix", "home/alice/docs/"), want: Allow},
		{name: "iam condition_operators: StringNotLike", doc: cond(`{"StringNotLike":{"s3:prefix":"home/*"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("s3:prefix", "home/alice/"), want: NotApplicable},
		{name: "iam condition_operators: StringEquals is case-sensitive", doc: cond(`{"StringEquals":{"aws:username":"Alice"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:username", "alice"), want: NotApplicable},
		{name: "iam condition_operators: condition key names are case-insensitive", doc: cond(`{"StringEquals":{"AWS:UserName":"alice"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:username", "alice"), want: Allow},
		{name: "iam condition_operators: NumericLessThanEquals at the bound", doc: cond(`{"NumericLessThanEquals":{"s3:max-keys":"10"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("s3:max-keys", "10"), want: Allow},
		{name: "iam condition_operators: NumericLessThanEquals above the bound", doc: cond(`{"NumericLessThanEquals":{"s3:max-keys":10}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("s3:max-keys", "11"), want: NotApplicable},
		{name: "iam condition_operators: NumericEquals compares numbers not text", doc: cond(`{"NumericEquals":{"s3:max-keys":"10"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("s3:max-keys", "10.0"), want: Allow},
		{name: "iam condition_operators: NumericNotEquals", doc: cond(`{"NumericNotEquals":{"s3:max-keys":["10","20"]}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("s3:max-keys", "15"), want: Allow},
		{name: "iam condition_operators: NumericGreaterThan and NumericLessThan AND together", doc: cond(`{"NumericGreaterThan":{"kms:RotationPeriodInDays":"90"},"NumericLessThan":{"kms:RotationPeriodInDays":"366"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("kms:RotationPeriodInDays", "400"), want: NotApplicable},
		{name: "iam condition_operators: NumericGreaterThanEquals", doc: cond(`{"NumericGreaterThanEquals":{"kms:ScheduleKeyDeletionPendingWindowInDays":"30"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("kms:ScheduleKeyDeletionPendingWindowInDays", "30"), want: Allow},
		{name: "iam condition_operators: Numeric with a non-number request value does not match", doc: cond(`{"NumericLessThan":{"s3:max-keys":"10"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("s3:max-keys", "few"), want: NotApplicable},
		{name: "iam examples aws-dates: inside the window", doc: "@iam-date-time", p: alice, action: "service-prefix:action-name", resource: "*",
			ctx: kv("aws:CurrentTime", "2020-05-01T12:00:00Z"), want: Allow},
		{name: "iam examples aws-dates: after the window", doc: "@iam-date-time", p: alice, action: "service-prefix:action-name", resource: "*",
			ctx: kv("aws:CurrentTime", "2020-07-01T00:00:00Z"), want: NotApplicable},
		{name: "iam condition_operators: dates as epoch seconds", doc: "@iam-date-time", p: alice, action: "service-prefix:action-name", resource: "*",
			ctx: kv("aws:CurrentTime", "1588291200"), want: Allow},
		{name: "iam condition_operators: DateEquals across time zones", doc: cond(`{"DateEquals":{"aws:TokenIssueTime":"2020-01-01T00:00:00Z"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:TokenIssueTime", "2020-01-01T01:00:00+01:00"), want: Allow},
		{name: "iam condition_operators: DateNotEquals", doc: cond(`{"DateNotEquals":{"aws:TokenIssueTime":"2020-01-01"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:TokenIssueTime", "2020-01-01T00:00:00Z"), want: NotApplicable},
		{name: "iam condition_operators: DateGreaterThanEquals and DateLessThanEquals bounds", doc: cond(`{"DateGreaterThanEquals":{"kms:ValidTo":"2030-01-01T00:00:00Z"},"DateLessThanEquals":{"kms:ValidTo":"1893456000"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("kms:ValidTo", "1893456000"), want: Allow},
		{name: "iam examples deny-ip: request from outside the ranges is denied", doc: "@iam-deny-source-ip", p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:SourceIp", "198.51.100.7", "aws:ViaAWSService", "false"), want: Deny},
		{name: "iam examples deny-ip: request from inside a range", doc: "@iam-deny-source-ip", p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:SourceIp", "203.0.113.200", "aws:ViaAWSService", "false"), want: NotApplicable},
		{name: "iam examples deny-ip: calls made by an AWS service are not denied", doc: "@iam-deny-source-ip", p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:SourceIp", "198.51.100.7", "aws:ViaAWSService", "true"), want: NotApplicable},
		{name: "iam condition_operators: IpAddress with IPv6 CIDR and bare IP", doc: cond(`{"IpAddress":{"aws:SourceIp":["2001:DB8:1234:5678::/64","203.0.113.9"]}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:SourceIp", "2001:db8:1234:5678::1"), want: Allow},
		{name: "iam condition_operators: IpAddress bare IP is a /32", doc: cond(`{"IpAddress":{"aws:SourceIp":"203.0.113.9"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:SourceIp", "203.0.113.10"), want: NotApplicable},
		{name: "iam condition_operators: Bool compares case-insensitively", doc: cond(`{"Bool":{"aws:SecureTransport":"true"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:SecureTransport", "TRUE"), want: Allow},
		{name: "iam condition_operators: BinaryEquals compares base64 values", doc: cond(`{"BinaryEquals":{"key":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("key", "QmluYXJ5VmFsdWVJbkJhc2U2NA=="), want: Allow},
		{name: "iam condition_operators: BinaryEquals different bytes", doc: cond(`{"BinaryEquals":{"key":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("key", "QmluYXJ5"), want: NotApplicable},
		{name: "iam condition_operators: ArnLike matches each ARN part", doc: cond(`{"ArnLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:111122223333:trail/*"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:SourceArn", "arn:aws:cloudtrail:eu-west-1:111122223333:trail/main"), want: Allow},
		{name: "iam condition_operators: ArnLike wildcard does not span parts", doc: cond(`{"ArnLike":{"aws:SourceArn":"arn:aws:kms:us-*:111122223333:key/*"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:SourceArn", "arn:aws:kms:us-east-1:444455556666:x:111122223333:key/1"), want: NotApplicable},
		{name: "iam condition_operators: ArnEquals", doc: cond(`{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/alice"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:PrincipalArn", "arn:aws:iam::111122223333:user/alice"), want: Allow},
		{name: "iam condition_operators: ArnNotLike with the key absent matches", doc: cond(`{"ArnNotLike":{"aws:SourceArn":"arn:aws:s3:::*"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			want: Allow},
		{name: "iam condition_operators: ArnNotEquals with a matching ARN", doc: cond(`{"ArnNotEquals":{"aws:SourceArn":"arn:aws:s3:::b"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:SourceArn", "arn:aws:s3:::b"), want: NotApplicable},
		{name: "iam condition_operators: Null true requires the key absent", doc: cond(`{"Null":{"aws:TokenIssueTime":"true"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			want: Allow},
		{name: "iam condition_operators: Null true with the key present", doc: cond(`{"Null":{"aws:TokenIssueTime":"true"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:TokenIssueTime", "2020-01-01T00:00:00Z"), want: NotApplicable},
		{name: "iam condition_operators IfExists: absent key is true", doc: cond(`{"StringEqualsIfExists":{"ec2:InstanceType":"t2.micro"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			want: Allow},
		{name: "iam condition_operators IfExists: present key must match", doc: cond(`{"StringEqualsIfExists":{"ec2:InstanceType":"t2.micro"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("ec2:InstanceType", "m5.large"), want: NotApplicable},
		{name: "iam condition_operators IfExists: numeric IfExists", doc: cond(`{"NumericLessThanIfExists":{"s3:max-keys":"10"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("s3:max-keys", "5"), want: Allow},
		{name: "iam condition-logic-multiple-context-keys-or-values: keys in one operator AND", doc: cond(`{"StringEquals":{"aws:PrincipalTag/team":"blue","aws:PrincipalTag/env":"prod"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:PrincipalTag/team", "blue"), want: NotApplicable},
		{name: "iam condition-logic-multiple-context-keys-or-values: operators AND", doc: cond(`{"StringEquals":{"aws:PrincipalTag/team":"blue"},"Bool":{"aws:SecureTransport":"true"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:PrincipalTag/team", "blue", "aws:SecureTransport", "true"), want: Allow},
		{name: "iam condition-logic-multiple-context-keys-or-values: values of a key OR", doc: cond(`{"StringEquals":{"aws:PrincipalTag/team":["red","blue"]}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:PrincipalTag/team", "blue"), want: Allow},
		{name: "iam multi-value-conditions: ForAnyValue with the key absent is false", doc: cond(`{"ForAnyValue:StringEquals":{"aws:TagKeys":"env"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			want: NotApplicable},
		{name: "iam multi-value-conditions: ForAnyValue:StringNotEquals, one value outside the set", doc: cond(`{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"env"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:TagKeys", "env", "aws:TagKeys", "owner"), want: Allow},
		{name: "iam multi-value-conditions: ForAllValues:StringLike, all values inside", doc: cond(`{"ForAllValues:StringLike":{"aws:TagKeys":["env","cost-*"]}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:TagKeys", "env", "aws:TagKeys", "cost-center"), want: Allow},
		{name: "iam multi-value-conditions: ForAllValues:StringNotEquals forbids listed values", doc: cond(`{"ForAllValues:StringNotEquals":{"aws:TagKeys":"owner"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:TagKeys", "env", "aws:TagKeys", "owner"), want: NotApplicable},
		{name: "iam multi-value-conditions: ForAnyValue IfExists with the key absent is true", doc: cond(`{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"env"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			want: Allow},
		{name: "coffer: a multi-valued key without a qualifier matches if any value does", doc: cond(`{"StringEquals":{"aws:TagKeys":"env"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: kv("aws:TagKeys", "owner", "aws:TagKeys", "env"), want: Allow},
		{name: "coffer: a key present with no values is absent", doc: cond(`{"Null":{"aws:TagKeys":"true"}}`), p: alice, action: "kms:Encrypt", resource: keyARN,
			ctx: Context{"aws:tagkeys": {}}, want: Allow},
		{name: "iam evaluation-logic: Deny decides and Via is None", doc: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`,
			p: alice, action: "kms:Encrypt", resource: keyARN, ctx: kv("aws:SecureTransport", "false"), want: Deny, via: PrincipalNone},
		{name: "iam elements_principal: allow for every principal in the account via aws:PrincipalAccount", doc: stmt(`"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}`), p: alice, action: "kms:Decrypt", resource: keyARN,
			ctx: kv("aws:PrincipalAccount", acct), want: Allow, via: PrincipalDirect},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := tt.doc
			if doc[0] == '@' {
				doc = loadExample(t, doc[1:])
			}
			p := mustParse(t, doc)
			r := &Request{Principal: tt.p, Action: tt.action, Resource: tt.resource, Context: tt.ctx}
			got := p.Evaluate(r)
			if got.Decision != tt.want || got.Via != tt.via {
				t.Fatalf("Evaluate = %v via %v (matched %q), want %v via %v", got.Decision, got.Via, got.Matched, tt.want, tt.via)
			}
			if tt.matched != nil {
				m := got.Matched
				if m == nil {
					m = []string{}
				}
				if !reflect.DeepEqual(m, tt.matched) {
					t.Fatalf("Matched = %q, want %q", got.Matched, tt.matched)
				}
			}
		})
	}
}
