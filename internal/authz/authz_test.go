package authz

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/kms"
	"github.com/coffer-kms/coffer/internal/store"
	"github.com/coffer-kms/coffer/internal/store/sqlite"
)

// The scenarios below encode the AWS KMS Developer Guide's authorization
// rules; each case names the page (and, where there is one, the example)
// it follows:
//   [default]   "Default key policy" (key-policy-default.html)
//   [iam]       "Using IAM policies with AWS KMS" (iam-policies.html)
//   [eval]      "Troubleshooting key access" / policy evaluation (policy-evaluation.html)
//   [xacct]     "Allowing users in other accounts to use a KMS key" (key-policy-modifying-external-accounts.html)
//   [grants]    "Grants in AWS KMS" (grants.html) and "Grant constraints"
//   [cond]      "Condition keys for AWS KMS" (conditions-kms.html)
//   [abac]      "ABAC for AWS KMS" (abac.html)
//   [lockout]   "Default key policy: allows access to the AWS account" — the lockout safety check (CreateKey, PutKeyPolicy API reference)

const (
	acct   = "111122223333"
	other  = "444455556666"
	keyID  = "1234abcd-12ab-34cd-56ef-1234567890ab"
	keyARN = "arn:aws:kms:us-east-1:111122223333:key/" + keyID
)

var ref = store.KeyRef{Account: acct, Region: "us-east-1", KeyID: keyID}

func rootCaller(account string) kms.Caller {
	return kms.Caller{Account: account, Region: "us-east-1", PrincipalARN: "arn:aws:iam::" + account + ":root", UserID: account, PrincipalType: "Account"}
}

func userCaller(account, name string) kms.Caller {
	return kms.Caller{Account: account, Region: "us-east-1", PrincipalARN: "arn:aws:iam::" + account + ":user/" + name,
		UserID: "AIDA" + strings.ToUpper(name), UserName: name, PrincipalType: "User"}
}

func roleCaller(account, role, session string) kms.Caller {
	return kms.Caller{Account: account, Region: "us-east-1", PrincipalARN: "arn:aws:sts::" + account + ":assumed-role/" + role + "/" + session,
		UserID: "AROA" + strings.ToUpper(role) + ":" + session, RoleARN: "arn:aws:iam::" + account + ":role/" + role, PrincipalType: "AssumedRole"}
}

const rootStatement = `{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}`

func keyPolicy(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

func iamPolicy(statements ...string) string { return keyPolicy(statements...) }

type fixture struct {
	st store.Store
	a  *Authorizer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "coffer.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{st: st, a: New(st, func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) })}
	t.Cleanup(f.a.Close)
	f.update(t, func(ctx context.Context, tx store.Tx) error {
		for _, id := range []string{acct, other} {
			if err := tx.CreateAccount(ctx, store.Account{ID: id}); err != nil {
				return err
			}
		}
		for _, u := range []store.User{{Account: acct, Name: "alice", UserID: "AIDAALICE", Path: "/"},
			{Account: acct, Name: "jack", UserID: "AIDAJACK", Path: "/", Tags: []store.Tag{{Key: "team", Value: "crypto"}}},
			{Account: other, Name: "bob", UserID: "AIDABOB", Path: "/"}} {
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		if err := tx.CreateRole(ctx, store.Role{Account: acct, Name: "app", RoleID: "AROAAPP", Path: "/", AssumeRolePolicy: "{}", MaxSessionDuration: 3600}); err != nil {
			return err
		}
		return tx.CreateGroup(ctx, store.Group{Account: acct, Name: "crypto", GroupID: "AGPACRYPTO", Path: "/"})
	})
	return f
}

func (f *fixture) update(t *testing.T, fn func(ctx context.Context, tx store.Tx) error) {
	t.Helper()
	if err := f.st.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) key(t *testing.T, pol string) *store.Key {
	t.Helper()
	k := store.Key{Ref: ref, KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "ENCRYPT_DECRYPT", Origin: "AWS_KMS", KeyManager: "CUSTOMER", State: "Enabled", Policy: pol, CurrentVersion: 1}
	f.update(t, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.GetKey(ctx, ref); err == nil {
			return tx.UpdateKey(ctx, k)
		}
		return tx.CreateKey(ctx, k)
	})
	return &k
}

func (f *fixture) userPolicy(t *testing.T, user, doc string) {
	t.Helper()
	f.update(t, func(ctx context.Context, tx store.Tx) error {
		return tx.PutInlinePolicy(ctx, store.InlinePolicy{Account: acct, Kind: store.KindUser, Principal: user, Name: "p", Document: doc})
	})
}

func (f *fixture) authorize(c kms.Caller, action string, k *store.Key, encCtx map[string]string, extra map[string][]string) error {
	r := &kms.AuthzRequest{Caller: c, Action: action, Resource: "*", Key: k, EncryptionContext: encCtx, Context: extra}
	if k != nil {
		r.Resource = keyARN
	}
	return f.a.Authorize(context.Background(), r)
}

func (f *fixture) grant(t *testing.T, grantee string, ops []string, constraints string) {
	t.Helper()
	f.update(t, func(ctx context.Context, tx store.Tx) error {
		return tx.CreateGrant(ctx, store.Grant{Ref: ref, GrantID: strings.Repeat("a", 63) + string(rune('0'+len(ops))), GranteePrincipal: grantee,
			IssuingAccount: acct, Operations: ops, Constraints: constraints})
	})
}

const aliceEncryptDecrypt = `{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],"Resource":["arn:aws:kms:*:111122223333:key/*"]}`

func TestAuthorize(t *testing.T) {
	type setup func(t *testing.T, f *fixture) *store.Key
	withKey := func(pol string) setup { return func(t *testing.T, f *fixture) *store.Key { return f.key(t, pol) } }
	tests := []struct {
		name    string
		setup   setup
		caller  kms.Caller
		action  string
		encCtx  map[string]string
		extra   map[string][]string
		noKey   bool
		allowed bool
		reason  string // substring of the denial
	}{
		{name: "[default] root may use a key with the default policy", setup: withKey(keyPolicy(rootStatement)),
			caller: rootCaller(acct), action: "kms:Encrypt", allowed: true},
		{name: "[default] a user with no IAM policy is denied", setup: withKey(keyPolicy(rootStatement)),
			caller: userCaller(acct, "alice"), action: "kms:Encrypt", reason: "no identity-based policy allows the kms:Encrypt action"},
		{name: "[iam] an IAM policy allowing Encrypt lets the user encrypt", setup: func(t *testing.T, f *fixture) *store.Key {
			f.userPolicy(t, "alice", iamPolicy(aliceEncryptDecrypt))
			return f.key(t, keyPolicy(rootStatement))
		}, caller: userCaller(acct, "alice"), action: "kms:Encrypt", allowed: true},
		{name: "[iam] ...but not GenerateDataKey", setup: func(t *testing.T, f *fixture) *store.Key {
			f.userPolicy(t, "alice", iamPolicy(aliceEncryptDecrypt))
			return f.key(t, keyPolicy(rootStatement))
		}, caller: userCaller(acct, "alice"), action: "kms:GenerateDataKey", reason: "no identity-based policy"},
		{name: "[default] without the account statement IAM policies are ineffective", setup: func(t *testing.T, f *fixture) *store.Key {
			f.userPolicy(t, "alice", iamPolicy(aliceEncryptDecrypt))
			return f.key(t, keyPolicy(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/jack"},"Action":"kms:*","Resource":"*"}`))
		}, caller: userCaller(acct, "alice"), action: "kms:Encrypt", reason: "no resource-based policy allows"},
		{name: "[default] without the account statement even the root user is denied", setup: withKey(keyPolicy(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/jack"},"Action":"kms:*","Resource":"*"}`)),
			caller: rootCaller(acct), action: "kms:DescribeKey", reason: "no resource-based policy allows"},
		{name: "[eval] a key policy naming the user allows without IAM", setup: withKey(keyPolicy(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Encrypt","Resource":"*"}`)),
			caller: userCaller(acct, "alice"), action: "kms:Encrypt", allowed: true},
		{name: "[eval] an IAM deny beats a key policy allow", setup: func(t *testing.T, f *fixture) *store.Key {
			f.userPolicy(t, "alice", iamPolicy(`{"Effect":"Deny","Action":"kms:*","Resource":"*"}`))
			return f.key(t, keyPolicy(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Encrypt","Resource":"*"}`))
		}, caller: userCaller(acct, "alice"), action: "kms:Encrypt", reason: "explicit deny in an identity-based policy"},
		{name: "[eval] a key policy deny beats an IAM allow", setup: func(t *testing.T, f *fixture) *store.Key {
			f.userPolicy(t, "alice", iamPolicy(aliceEncryptDecrypt))
			return f.key(t, keyPolicy(rootStatement, `{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Encrypt","Resource":"*"}`))
		}, caller: userCaller(acct, "alice"), action: "kms:Encrypt", reason: "explicit deny in a resource-based policy"},
		{name: "[eval] a key policy deny binds the root user too", setup: withKey(keyPolicy(rootStatement, `{"Effect":"Deny","Principal":"*","Action":"kms:ScheduleKeyDeletion","Resource":"*"}`)),
			caller: rootCaller(acct), action: "kms:ScheduleKeyDeletion", reason: "explicit deny in a resource-based policy"},
		{name: "[iam] a group policy counts for its members", setup: func(t *testing.T, f *fixture) *store.Key {
			f.update(t, func(ctx context.Context, tx store.Tx) error {
				if err := tx.AddUserToGroup(ctx, acct, "crypto", "alice"); err != nil {
					return err
				}
				return tx.PutInlinePolicy(ctx, store.InlinePolicy{Account: acct, Kind: store.KindGroup, Principal: "crypto", Name: "g", Document: iamPolicy(aliceEncryptDecrypt)})
			})
			return f.key(t, keyPolicy(rootStatement))
		}, caller: userCaller(acct, "alice"), action: "kms:Decrypt", allowed: true},
		{name: "[iam] an attached managed policy counts", setup: func(t *testing.T, f *fixture) *store.Key {
			f.update(t, func(ctx context.Context, tx store.Tx) error {
				if err := tx.CreateManagedPolicy(ctx, store.ManagedPolicy{Account: acct, Name: "kms-use", PolicyID: "ANPAX", Path: "/", DefaultVersion: "v1"}); err != nil {
					return err
				}
				if err := tx.AddPolicyVersion(ctx, store.PolicyVersion{Account: acct, PolicyName: "kms-use", VersionID: "v1", Document: iamPolicy(aliceEncryptDecrypt)}); err != nil {
					return err
				}
				return tx.Attach(ctx, store.Attachment{Account: acct, Kind: store.KindUser, Principal: "alice", PolicyARN: "arn:aws:iam::111122223333:policy/kms-use"})
			})
			return f.key(t, keyPolicy(rootStatement))
		}, caller: userCaller(acct, "alice"), action: "kms:Encrypt", allowed: true},
		{name: "[eval] a key policy naming a role allows its sessions", setup: withKey(keyPolicy(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"kms:Decrypt","Resource":"*"}`)),
			caller: roleCaller(acct, "app", "s1"), action: "kms:Decrypt", allowed: true},
		{name: "[iam] a role's IAM policy counts for its sessions", setup: func(t *testing.T, f *fixture) *store.Key {
			f.update(t, func(ctx context.Context, tx store.Tx) error {
				return tx.PutInlinePolicy(ctx, store.InlinePolicy{Account: acct, Kind: store.KindRole, Principal: "app", Name: "r", Document: iamPolicy(aliceEncryptDecrypt)})
			})
			return f.key(t, keyPolicy(rootStatement))
		}, caller: roleCaller(acct, "app", "s1"), action: "kms:Encrypt", allowed: true},
		{name: "[xacct] the other account's root may use a key whose policy names that account", setup: withKey(keyPolicy(rootStatement, `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}`)),
			caller: rootCaller(other), action: "kms:Encrypt", allowed: true},
		{name: "[xacct] a user of the other account also needs an IAM policy there", setup: withKey(keyPolicy(rootStatement, `{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":["kms:Encrypt"],"Resource":"*"}`)),
			caller: userCaller(other, "bob"), action: "kms:Encrypt", reason: "no identity-based policy"},
		{name: "[xacct] ...and with it is allowed", setup: func(t *testing.T, f *fixture) *store.Key {
			f.update(t, func(ctx context.Context, tx store.Tx) error {
				return tx.PutInlinePolicy(ctx, store.InlinePolicy{Account: other, Kind: store.KindUser, Principal: "bob", Name: "x",
					Document: iamPolicy(`{"Effect":"Allow","Action":"kms:Encrypt","Resource":"arn:aws:kms:us-east-1:111122223333:key/*"}`)})
			})
			return f.key(t, keyPolicy(rootStatement, `{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":["kms:Encrypt"],"Resource":"*"}`))
		}, caller: userCaller(other, "bob"), action: "kms:Encrypt", allowed: true},
		{name: "[xacct] a direct cross-account user principal still needs its own IAM allow", setup: withKey(keyPolicy(rootStatement, `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:user/bob"},"Action":["kms:Encrypt"],"Resource":"*"}`)),
			caller: userCaller(other, "bob"), action: "kms:Encrypt", reason: "no identity-based policy"},
		{name: "[xacct] an IAM policy alone cannot reach another account's key", setup: func(t *testing.T, f *fixture) *store.Key {
			f.update(t, func(ctx context.Context, tx store.Tx) error {
				return tx.PutInlinePolicy(ctx, store.InlinePolicy{Account: other, Kind: store.KindUser, Principal: "bob", Name: "x",
					Document: iamPolicy(`{"Effect":"Allow","Action":"kms:*","Resource":"*"}`)})
			})
			return f.key(t, keyPolicy(rootStatement))
		}, caller: userCaller(other, "bob"), action: "kms:Encrypt", reason: "no resource-based policy"},
		{name: "[cond] kms:EncryptionContext:Department matches", setup: withKey(keyPolicy(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:Department":"IT"}}}`)),
			caller: userCaller(acct, "alice"), action: "kms:Decrypt", encCtx: map[string]string{"Department": "IT"}, allowed: true},
		{name: "[cond] kms:EncryptionContext:Department absent", setup: withKey(keyPolicy(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:Department":"IT"}}}`)),
			caller: userCaller(acct, "alice"), action: "kms:Decrypt", reason: "no resource-based policy"},
		{name: "[cond] kms:EncryptionContextKeys ForAllValues", setup: withKey(keyPolicy(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Encrypt","Resource":"*","Condition":{"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":["Department","Project"]},"Null":{"kms:EncryptionContextKeys":"false"}}}`)),
			caller: userCaller(acct, "alice"), action: "kms:Encrypt", encCtx: map[string]string{"Department": "IT", "Owner": "x"}, reason: "no resource-based policy"},
		{name: "[cond] kms:CallerAccount with a * principal", setup: withKey(keyPolicy(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"111122223333"}}}`)),
			caller: userCaller(acct, "alice"), action: "kms:Encrypt", allowed: true},
		{name: "[cond] kms:CallerAccount excludes another account", setup: withKey(keyPolicy(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"111122223333"}}}`)),
			caller: rootCaller(other), action: "kms:Encrypt", reason: "no resource-based policy"},
		{name: "[cond] kms:ViaService is absent on direct calls", setup: withKey(keyPolicy(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com","kms:CallerAccount":"111122223333"}}}`)),
			caller: userCaller(acct, "alice"), action: "kms:Decrypt", reason: "no resource-based policy"},
		{name: "[cond] kms:ViaService matches calls made through S3", setup: withKey(keyPolicy(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com","kms:CallerAccount":"111122223333"}}}`)),
			caller: userCaller(acct, "alice"), action: "kms:Decrypt", extra: map[string][]string{"kms:ViaService": {"s3.us-east-1.amazonaws.com"}}, allowed: true},
		{name: "[abac] aws:ResourceTag in an IAM policy allows a tagged key", setup: func(t *testing.T, f *fixture) *store.Key {
			f.userPolicy(t, "alice", iamPolicy(`{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/Project":"Alpha"}}}`))
			k := f.key(t, keyPolicy(rootStatement))
			f.update(t, func(ctx context.Context, tx store.Tx) error {
				return tx.PutTags(ctx, ref, []store.Tag{{Key: "Project", Value: "Alpha"}})
			})
			return k
		}, caller: userCaller(acct, "alice"), action: "kms:Encrypt", allowed: true},
		{name: "[abac] ...and denies an untagged key", setup: func(t *testing.T, f *fixture) *store.Key {
			f.userPolicy(t, "alice", iamPolicy(`{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/Project":"Alpha"}}}`))
			return f.key(t, keyPolicy(rootStatement))
		}, caller: userCaller(acct, "alice"), action: "kms:Encrypt", reason: "no identity-based policy"},
		{name: "[abac] kms:ResourceAliases", setup: func(t *testing.T, f *fixture) *store.Key {
			f.userPolicy(t, "alice", iamPolicy(`{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*","Condition":{"ForAnyValue:StringLike":{"kms:ResourceAliases":"alias/finance-*"}}}`))
			k := f.key(t, keyPolicy(rootStatement))
			f.update(t, func(ctx context.Context, tx store.Tx) error {
				return tx.CreateAlias(ctx, store.Alias{Account: acct, Region: "us-east-1", Name: "alias/finance-key", TargetKeyID: keyID})
			})
			return k
		}, caller: userCaller(acct, "alice"), action: "kms:Encrypt", allowed: true},
		{name: "[cond] aws:PrincipalTag", setup: withKey(keyPolicy(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"crypto","kms:CallerAccount":"111122223333"}}}`)),
			caller: userCaller(acct, "jack"), action: "kms:Encrypt", allowed: true},
		{name: "[cond] aws:PrincipalTag absent", setup: withKey(keyPolicy(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"crypto"}}}`)),
			caller: userCaller(acct, "alice"), action: "kms:Encrypt", reason: "no resource-based policy"},
		{name: "[eval] NotPrincipal deny spares only the named principal", setup: withKey(keyPolicy(`{"Effect":"Allow","Principal":"*","Action":"kms:DescribeKey","Resource":"*"}`, `{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/jack","arn:aws:iam::111122223333:root"]},"Action":"kms:*","Resource":"*"}`)),
			caller: userCaller(acct, "alice"), action: "kms:DescribeKey", reason: "explicit deny in a resource-based policy"},
		{name: "[eval] NotAction in a key policy", setup: withKey(keyPolicy(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"NotAction":["kms:ScheduleKeyDeletion","kms:PutKeyPolicy"],"Resource":"*"}`)),
			caller: userCaller(acct, "alice"), action: "kms:PutKeyPolicy", reason: "no resource-based policy"},
		{name: "[grants] a grant allows its grantee the listed operation", setup: func(t *testing.T, f *fixture) *store.Key {
			k := f.key(t, keyPolicy(rootStatement))
			f.grant(t, "arn:aws:iam::111122223333:user/alice", []string{"Decrypt"}, "")
			return k
		}, caller: userCaller(acct, "alice"), action: "kms:Decrypt", allowed: true},
		{name: "[grants] ...and nothing else", setup: func(t *testing.T, f *fixture) *store.Key {
			k := f.key(t, keyPolicy(rootStatement))
			f.grant(t, "arn:aws:iam::111122223333:user/alice", []string{"Decrypt"}, "")
			return k
		}, caller: userCaller(acct, "alice"), action: "kms:Encrypt", reason: "no identity-based policy"},
		{name: "[grants] EncryptionContextSubset is met", setup: func(t *testing.T, f *fixture) *store.Key {
			k := f.key(t, keyPolicy(rootStatement))
			f.grant(t, "arn:aws:iam::111122223333:user/alice", []string{"Decrypt"}, `{"EncryptionContextSubset":{"Department":"IT"}}`)
			return k
		}, caller: userCaller(acct, "alice"), action: "kms:Decrypt", encCtx: map[string]string{"Department": "IT", "Extra": "1"}, allowed: true},
		{name: "[grants] EncryptionContextEquals rejects extra pairs", setup: func(t *testing.T, f *fixture) *store.Key {
			k := f.key(t, keyPolicy(rootStatement))
			f.grant(t, "arn:aws:iam::111122223333:user/alice", []string{"Decrypt"}, `{"EncryptionContextEquals":{"Department":"IT"}}`)
			return k
		}, caller: userCaller(acct, "alice"), action: "kms:Decrypt", encCtx: map[string]string{"Department": "IT", "Extra": "1"}, reason: "no identity-based policy"},
		{name: "[grants] constraints do not apply to DescribeKey", setup: func(t *testing.T, f *fixture) *store.Key {
			k := f.key(t, keyPolicy(rootStatement))
			f.grant(t, "arn:aws:iam::111122223333:user/alice", []string{"DescribeKey"}, `{"EncryptionContextEquals":{"Department":"IT"}}`)
			return k
		}, caller: userCaller(acct, "alice"), action: "kms:DescribeKey", allowed: true},
		{name: "[grants] an explicit key policy deny beats a grant", setup: func(t *testing.T, f *fixture) *store.Key {
			k := f.key(t, keyPolicy(rootStatement, `{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Decrypt","Resource":"*"}`))
			f.grant(t, "arn:aws:iam::111122223333:user/alice", []string{"Decrypt"}, "")
			return k
		}, caller: userCaller(acct, "alice"), action: "kms:Decrypt", reason: "explicit deny"},
		{name: "[grants] a grant to a role serves its sessions", setup: func(t *testing.T, f *fixture) *store.Key {
			k := f.key(t, keyPolicy(rootStatement))
			f.grant(t, "arn:aws:iam::111122223333:role/app", []string{"Encrypt"}, "")
			return k
		}, caller: roleCaller(acct, "app", "s2"), action: "kms:Encrypt", allowed: true},
		{name: "[grants] CreateGrant through a grant for a subset of its operations", setup: func(t *testing.T, f *fixture) *store.Key {
			k := f.key(t, keyPolicy(rootStatement))
			f.grant(t, "arn:aws:iam::111122223333:user/alice", []string{"CreateGrant", "Decrypt", "Encrypt"}, "")
			return k
		}, caller: userCaller(acct, "alice"), action: "kms:CreateGrant", extra: map[string][]string{"kms:GrantOperations": {"Decrypt"}}, allowed: true},
		{name: "[grants] CreateGrant through a grant cannot widen it", setup: func(t *testing.T, f *fixture) *store.Key {
			k := f.key(t, keyPolicy(rootStatement))
			f.grant(t, "arn:aws:iam::111122223333:user/alice", []string{"CreateGrant", "Decrypt"}, "")
			return k
		}, caller: userCaller(acct, "alice"), action: "kms:CreateGrant", extra: map[string][]string{"kms:GrantOperations": {"Encrypt"}}, reason: "no identity-based policy"},
		{name: "[default] console attachment statement requires kms:GrantIsForAWSResource", setup: withKey(keyPolicy(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":["kms:CreateGrant","kms:ListGrants","kms:RevokeGrant"],"Resource":"*","Condition":{"Bool":{"kms:GrantIsForAWSResource":"true"}}}`)),
			caller: userCaller(acct, "alice"), action: "kms:CreateGrant", extra: map[string][]string{"kms:GrantIsForAWSResource": {"false"}}, reason: "no resource-based policy"},
		{name: "[cond] kms:GrantOperations ForAllValues limits what grants may allow", setup: withKey(keyPolicy(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:CreateGrant","Resource":"*","Condition":{"ForAllValues:StringEquals":{"kms:GrantOperations":["Decrypt","Encrypt"]}}}`)),
			caller: userCaller(acct, "alice"), action: "kms:CreateGrant", extra: map[string][]string{"kms:GrantOperations": {"Decrypt", "ReEncryptFrom"}}, reason: "no resource-based policy"},
		{name: "[iam] CreateKey by the root user", noKey: true, caller: rootCaller(acct), action: "kms:CreateKey", allowed: true},
		{name: "[iam] CreateKey needs an IAM policy for a user", noKey: true, caller: userCaller(acct, "alice"), action: "kms:CreateKey", reason: "no identity-based policy allows the kms:CreateKey action"},
		{name: "[iam] CreateKey with an IAM policy", noKey: true, setup: func(t *testing.T, f *fixture) *store.Key {
			f.userPolicy(t, "alice", iamPolicy(`{"Effect":"Allow","Action":["kms:CreateKey","kms:List*"],"Resource":"*"}`))
			return nil
		}, caller: userCaller(acct, "alice"), action: "kms:CreateKey", allowed: true},
		{name: "[iam] CreateKey with a kms:KeySpec condition", noKey: true, setup: func(t *testing.T, f *fixture) *store.Key {
			f.userPolicy(t, "alice", iamPolicy(`{"Effect":"Allow","Action":"kms:CreateKey","Resource":"*","Condition":{"StringEquals":{"kms:KeySpec":"SYMMETRIC_DEFAULT"}}}`))
			return nil
		}, caller: userCaller(acct, "alice"), action: "kms:CreateKey", extra: map[string][]string{"kms:KeySpec": {"RSA_2048"}}, reason: "no identity-based policy"},
		{name: "[iam] ListKeys denied explicitly", noKey: true, setup: func(t *testing.T, f *fixture) *store.Key {
			f.userPolicy(t, "alice", iamPolicy(`{"Effect":"Allow","Action":"kms:*","Resource":"*"}`, `{"Effect":"Deny","Action":"kms:ListKeys","Resource":"*"}`))
			return nil
		}, caller: userCaller(acct, "alice"), action: "kms:ListKeys", reason: "explicit deny in an identity-based policy"},
		{name: "[iam] aws:RequestTag on CreateKey", noKey: true, setup: func(t *testing.T, f *fixture) *store.Key {
			f.userPolicy(t, "alice", iamPolicy(`{"Effect":"Allow","Action":"kms:CreateKey","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/Project":"Alpha"}}}`))
			return nil
		}, caller: userCaller(acct, "alice"), action: "kms:CreateKey", extra: map[string][]string{"aws:RequestTag/Project": {"Alpha"}, "aws:TagKeys": {"Project"}}, allowed: true},
		{name: "[cond] kms:RotationPeriodInDays bounds EnableKeyRotation", setup: withKey(keyPolicy(rootStatement, `{"Effect":"Deny","Principal":"*","Action":"kms:EnableKeyRotation","Resource":"*","Condition":{"NumericGreaterThan":{"kms:RotationPeriodInDays":"365"}}}`)),
			caller: rootCaller(acct), action: "kms:EnableKeyRotation", extra: map[string][]string{"kms:RotationPeriodInDays": {"400"}}, reason: "explicit deny in a resource-based policy"},
		{name: "[cond] kms:ScheduleKeyDeletionPendingWindowInDays", setup: withKey(keyPolicy(rootStatement, `{"Effect":"Deny","Principal":"*","Action":"kms:ScheduleKeyDeletion","Resource":"*","Condition":{"NumericLessThan":{"kms:ScheduleKeyDeletionPendingWindowInDays":"30"}}}`)),
			caller: rootCaller(acct), action: "kms:ScheduleKeyDeletion", extra: map[string][]string{"kms:ScheduleKeyDeletionPendingWindowInDays": {"7"}}, reason: "explicit deny in a resource-based policy"},
		{name: "[iam] policy variable ${aws:username} in a condition", setup: func(t *testing.T, f *fixture) *store.Key {
			f.userPolicy(t, "alice", iamPolicy(`{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:owner":"${aws:username}"}}}`))
			return f.key(t, keyPolicy(rootStatement))
		}, caller: userCaller(acct, "alice"), action: "kms:Encrypt", encCtx: map[string]string{"owner": "alice"}, allowed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			var k *store.Key
			if tt.setup != nil {
				k = tt.setup(t, f)
			}
			if tt.noKey {
				k = nil
			}
			err := f.authorize(tt.caller, tt.action, k, tt.encCtx, tt.extra)
			if tt.allowed {
				if err != nil {
					t.Fatalf("denied: %v", err)
				}
				return
			}
			var ae *awsproto.Error
			if !errors.As(err, &ae) || ae.Code != "AccessDeniedException" {
				t.Fatalf("err = %v, want AccessDeniedException", err)
			}
			if !strings.Contains(ae.Message, tt.reason) || !strings.Contains(ae.Message, tt.caller.PrincipalARN) || !strings.Contains(ae.Message, tt.action) {
				t.Fatalf("message %q lacks %q, the principal or the action", ae.Message, tt.reason)
			}
		})
	}
}

// TestChangesTakeEffectAtOnce: a policy change in the store is seen by the
// next request (the caches are invalidated through Watch).
func TestChangesTakeEffectAtOnce(t *testing.T) {
	f := newFixture(t)
	k := f.key(t, keyPolicy(rootStatement))
	alice := userCaller(acct, "alice")
	if err := f.authorize(alice, "kms:Encrypt", k, nil, nil); err == nil {
		t.Fatal("allowed before any policy")
	}
	f.userPolicy(t, "alice", iamPolicy(aliceEncryptDecrypt))
	if err := f.authorize(alice, "kms:Encrypt", k, nil, nil); err != nil {
		t.Fatalf("denied after the IAM policy: %v", err)
	}
	k = f.key(t, keyPolicy(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/jack"},"Action":"kms:*","Resource":"*"}`))
	if err := f.authorize(alice, "kms:Encrypt", k, nil, nil); err == nil {
		t.Fatal("allowed after the account statement was removed")
	}
	f.grant(t, alice.PrincipalARN, []string{"Encrypt"}, "")
	if err := f.authorize(alice, "kms:Encrypt", k, nil, nil); err != nil {
		t.Fatalf("denied after the grant: %v", err)
	}
	f.update(t, func(ctx context.Context, tx store.Tx) error {
		return tx.DeleteGrant(ctx, ref, strings.Repeat("a", 63)+"1")
	})
	if err := f.authorize(alice, "kms:Encrypt", k, nil, nil); err == nil {
		t.Fatal("allowed after the grant was revoked")
	}
}

func TestCheckKeyPolicy(t *testing.T) {
	jackAll := `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/jack"},"Action":"kms:*","Resource":"*"}`
	tests := []struct {
		name   string
		caller kms.Caller
		doc    string
		bypass bool
		reason string // "" means accepted
	}{
		{name: "[lockout] the default policy keeps the root user in control", caller: rootCaller(acct), doc: keyPolicy(rootStatement)},
		{name: "[lockout] a policy that locks the caller out is refused", caller: userCaller(acct, "alice"), doc: keyPolicy(jackAll),
			reason: "The new key policy will not allow you to update the key policy in the future."},
		{name: "[lockout] ...unless BypassPolicyLockoutSafetyCheck", caller: userCaller(acct, "alice"), doc: keyPolicy(jackAll), bypass: true},
		{name: "[lockout] the root user locked out by a policy naming only jack", caller: rootCaller(acct), doc: keyPolicy(jackAll), reason: "will not allow you"},
		{name: "[lockout] jack keeps control", caller: userCaller(acct, "jack"), doc: keyPolicy(jackAll)},
		{name: "[lockout] the account statement alone does not keep a user without IAM policies in control", caller: userCaller(acct, "alice"), doc: keyPolicy(rootStatement),
			reason: "will not allow you"},
		{name: "[lockout] an explicit deny of PutKeyPolicy locks the caller out", caller: userCaller(acct, "alice"),
			doc: keyPolicy(rootStatement, `{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:PutKeyPolicy","Resource":"*"}`), reason: "will not allow you"},
		{name: "principals must exist: unknown user", caller: rootCaller(acct), doc: keyPolicy(rootStatement, `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/nobody"},"Action":"kms:*","Resource":"*"}`),
			reason: "invalid principals"},
		{name: "principals must exist: unknown account", caller: rootCaller(acct), doc: keyPolicy(rootStatement, `{"Effect":"Allow","Principal":{"AWS":"999999999999"},"Action":"kms:*","Resource":"*"}`),
			reason: "invalid principals"},
		{name: "principals may be a role and another known account", caller: rootCaller(acct), doc: keyPolicy(rootStatement, `{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:role/app","444455556666"]},"Action":"kms:Decrypt","Resource":"*"}`)},
		{name: "every key policy statement needs a principal", caller: rootCaller(acct), doc: keyPolicy(rootStatement, `{"Effect":"Allow","Action":"kms:*","Resource":"*"}`),
			reason: "no principal"},
		{name: "the policy language is checked", caller: rootCaller(acct), doc: `{"Version":"2012-10-17","Statement":[{"Effect":"allow","Principal":"*","Action":"kms:*","Resource":"*"}]}`,
			reason: "Effect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			k := f.key(t, keyPolicy(rootStatement))
			err := f.a.CheckKeyPolicy(context.Background(), tt.caller, k, tt.doc, tt.bypass)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ae *awsproto.Error
			if !errors.As(err, &ae) || ae.Code != "MalformedPolicyDocumentException" || !strings.Contains(ae.Message, tt.reason) {
				t.Fatalf("err = %v, want MalformedPolicyDocumentException with %q", err, tt.reason)
			}
		})
	}
}
