package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	coffiam "github.com/coffer-kms/coffer/internal/iam"
)

// grantIDs lists a key's grant ids (as c), all pages of limit.
func grantIDs(t *testing.T, c *kms.Client, keyID string, limit int32, filter func(*kms.ListGrantsInput)) []string {
	t.Helper()
	var ids []string
	var marker *string
	for page := 0; ; page++ {
		if page > 100 {
			t.Fatal("ListGrants: too many pages")
		}
		in := &kms.ListGrantsInput{KeyId: aws.String(keyID), Marker: marker}
		if limit > 0 {
			in.Limit = aws.Int32(limit)
		}
		if filter != nil {
			filter(in)
		}
		out := ok(c.ListGrants(ctx(), in)).get(t)
		if limit > 0 && len(out.Grants) > int(limit) {
			t.Errorf("ListGrants Limit %d returned %d grants", limit, len(out.Grants))
		}
		for _, g := range out.Grants {
			ids = append(ids, aws.ToString(g.GrantId))
		}
		if !out.Truncated {
			if out.NextMarker != nil && *out.NextMarker != "" {
				t.Errorf("ListGrants: NextMarker %q on the last page", *out.NextMarker)
			}
			break
		}
		if aws.ToString(out.NextMarker) == "" {
			t.Fatal("ListGrants: Truncated without NextMarker")
		}
		marker = out.NextMarker
	}
	return ids
}

func sorted(xs []string) []string {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	return xs
}

func gdkErr(c *kms.Client, keyID string, ec map[string]string) error {
	_, err := c.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: aws.String(keyID), KeySpec: types.DataKeySpecAes256, EncryptionContext: ec})
	return err
}

func describeErr(c *kms.Client, keyID string) error {
	_, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	return err
}

// TestGrants: a grantee (an IAM user with no IAM policy, using its own
// access key) can use exactly the granted operations, under the grant's
// constraints; listing, retiring and revoking.
func TestGrants(t *testing.T) {
	e := start(t)
	root := e.kmsAs(rootCreds)
	aliceARN, aliceC := e.newUser(t, rootCreds, "alice") // grantee
	bobARN, bobC := e.newUser(t, rootCreds, "bob")       // retiring principal
	eveARN, eveC := e.newUser(t, rootCreds, "eve")       // nobody
	alice, bob, eve := e.kmsAs(aliceC), e.kmsAs(bobC), e.kmsAs(eveC)
	keyID, keyArn := newKeyWithPolicy(t, root, doc(accountStmt(account)))
	otherKey, _ := newKeyWithPolicy(t, root, doc(accountStmt(account)))

	// Before any grant alice can do nothing.
	eng := map[string]string{"dept": "eng"}
	deniedErr(t, "alice before any grant", encryptErr(alice, keyID, eng))

	// Grant 1: Encrypt, Decrypt with EncryptionContextSubset, retiring bob, named.
	g1in := &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: aws.String(aliceARN),
		Operations:        []types.GrantOperation{types.GrantOperationEncrypt, types.GrantOperationDecrypt},
		Constraints:       &types.GrantConstraints{EncryptionContextSubset: eng},
		RetiringPrincipal: aws.String(bobARN), Name: aws.String("g1")}
	g1 := ok(root.CreateGrant(ctx(), g1in)).get(t)
	if len(aws.ToString(g1.GrantId)) == 0 || len(aws.ToString(g1.GrantToken)) == 0 {
		t.Fatalf("CreateGrant: empty GrantId or GrantToken: %+v", g1)
	}
	// Idempotent by Name: the same request returns the same grant.
	again := ok(root.CreateGrant(ctx(), g1in)).get(t)
	if aws.ToString(again.GrantId) != aws.ToString(g1.GrantId) {
		t.Errorf("CreateGrant again with Name g1: GrantId %s, want %s", aws.ToString(again.GrantId), aws.ToString(g1.GrantId))
	}

	allowed(t, "alice Encrypt with dept=eng", encryptErr(alice, keyID, eng))
	allowed(t, "alice Encrypt with dept=eng and more (subset)", encryptErr(alice, keyID, map[string]string{"dept": "eng", "x": "y"}))
	allowed(t, "alice Encrypt by key ARN", encryptErr(alice, keyArn, eng))
	deniedErr(t, "alice Encrypt with dept=ops", encryptErr(alice, keyID, map[string]string{"dept": "ops"}))
	deniedErr(t, "alice Encrypt without context", encryptErr(alice, keyID, nil))
	deniedErr(t, "alice Encrypt on another key", encryptErr(alice, otherKey, eng))
	blob := mustEncrypt(t, root, keyID, eng)
	allowed(t, "alice Decrypt with dept=eng", decryptErr(alice, blob, eng))
	// alice is the grantee but grant 1 does not list RetireGrant.
	_, err := alice.RetireGrant(ctx(), &kms.RetireGrantInput{KeyId: aws.String(keyArn), GrantId: g1.GrantId})
	deniedErr(t, "alice (grantee, no RetireGrant in the grant) retires grant 1", err)
	_, err = alice.RetireGrant(ctx(), &kms.RetireGrantInput{GrantToken: g1.GrantToken})
	deniedErr(t, "alice (grantee, no RetireGrant in the grant) retires grant 1 by token", err)
	deniedErr(t, "alice GenerateDataKey (not granted)", gdkErr(alice, keyID, eng))
	deniedErr(t, "alice DescribeKey (not granted)", describeErr(alice, keyID))
	_, err = alice.ReEncrypt(ctx(), &kms.ReEncryptInput{CiphertextBlob: blob, SourceEncryptionContext: eng, DestinationKeyId: aws.String(keyID), DestinationEncryptionContext: eng})
	deniedErr(t, "alice ReEncrypt (not granted)", err)
	// A valid grant token in GrantTokens is accepted.
	_, err = alice.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: []byte("x"), EncryptionContext: eng, GrantTokens: []string{aws.ToString(g1.GrantToken)}})
	allowed(t, "alice Encrypt with the grant token", err)

	// Grant 2: GenerateDataKey with EncryptionContextEquals.
	app := map[string]string{"app": "x"}
	g2 := ok(root.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: aws.String(aliceARN),
		Operations:  []types.GrantOperation{types.GrantOperationGenerateDataKey},
		Constraints: &types.GrantConstraints{EncryptionContextEquals: app}})).get(t)
	allowed(t, "alice GenerateDataKey with app=x", gdkErr(alice, keyID, app))
	deniedErr(t, "alice GenerateDataKey with app=x and more (equals)", gdkErr(alice, keyID, map[string]string{"app": "x", "b": "c"}))
	deniedErr(t, "alice GenerateDataKey without context", gdkErr(alice, keyID, nil))
	deniedErr(t, "alice Encrypt with app=x (grant 1 needs dept=eng)", encryptErr(alice, keyID, app))

	// Grant 3: DescribeKey and RetireGrant, no constraints.
	g3 := ok(root.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: aws.String(aliceARN),
		Operations: []types.GrantOperation{types.GrantOperationDescribeKey, types.GrantOperationRetireGrant}})).get(t)
	allowed(t, "alice DescribeKey through grant 3", describeErr(alice, keyID))

	// Grant 4: to bob, retiring principal bob.
	g4 := ok(root.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: aws.String(bobARN),
		RetiringPrincipal: aws.String(bobARN), Operations: []types.GrantOperation{types.GrantOperationDecrypt}})).get(t)
	allowed(t, "bob Decrypt through grant 4", decryptErr(bob, blob, eng))
	deniedErr(t, "bob Encrypt (not granted)", encryptErr(bob, keyID, eng))

	all := []string{*g1.GrantId, *g2.GrantId, *g3.GrantId, *g4.GrantId}

	// ListGrants: the entries, filters and paging.
	lg := ok(root.ListGrants(ctx(), &kms.ListGrantsInput{KeyId: aws.String(keyID)})).get(t)
	if got := len(lg.Grants); got != 4 {
		t.Fatalf("ListGrants: %d grants, want 4", got)
	}
	for _, g := range lg.Grants {
		if aws.ToString(g.KeyId) != keyArn {
			t.Errorf("grant %s: KeyId %s, want %s", aws.ToString(g.GrantId), aws.ToString(g.KeyId), keyArn)
		}
		if aws.ToString(g.IssuingAccount) != rootARN(account) {
			t.Errorf("grant %s: IssuingAccount %s", aws.ToString(g.GrantId), aws.ToString(g.IssuingAccount))
		}
		if g.CreationDate == nil || time.Since(*g.CreationDate) > time.Hour {
			t.Errorf("grant %s: CreationDate %v", aws.ToString(g.GrantId), g.CreationDate)
		}
		if aws.ToString(g.GrantId) != *g1.GrantId {
			continue
		}
		var ops []string
		for _, op := range g.Operations {
			ops = append(ops, string(op))
		}
		if aws.ToString(g.Name) != "g1" || aws.ToString(g.GranteePrincipal) != aliceARN || aws.ToString(g.RetiringPrincipal) != bobARN ||
			!slices.Equal(sorted(ops), []string{"Decrypt", "Encrypt"}) || g.Constraints == nil || g.Constraints.EncryptionContextSubset["dept"] != "eng" ||
			g.Constraints.EncryptionContextEquals != nil {
			t.Errorf("grant 1 listed as %+v (constraints %+v)", g, g.Constraints)
		}
	}
	if got := grantIDs(t, root, keyID, 0, nil); !slices.Equal(sorted(got), sorted(all)) {
		t.Errorf("ListGrants ids %v, want %v", got, all)
	}
	for _, limit := range []int32{1, 2, 3} {
		if got := grantIDs(t, root, keyID, limit, nil); !slices.Equal(sorted(got), sorted(all)) || len(got) != 4 {
			t.Errorf("ListGrants Limit %d: ids %v, want %v", limit, got, all)
		}
	}
	if got := grantIDs(t, root, keyID, 0, func(in *kms.ListGrantsInput) { in.GrantId = g2.GrantId }); !slices.Equal(got, []string{*g2.GrantId}) {
		t.Errorf("ListGrants GrantId=g2: %v", got)
	}
	if got := grantIDs(t, root, keyID, 0, func(in *kms.ListGrantsInput) { in.GranteePrincipal = aws.String(aliceARN) }); !slices.Equal(sorted(got), sorted(all[:3])) {
		t.Errorf("ListGrants GranteePrincipal=alice: %v, want %v", got, all[:3])
	}
	if got := grantIDs(t, root, keyID, 1, func(in *kms.ListGrantsInput) { in.GranteePrincipal = aws.String(aliceARN) }); !slices.Equal(sorted(got), sorted(all[:3])) {
		t.Errorf("ListGrants GranteePrincipal=alice Limit 1: %v, want %v", got, all[:3])
	}
	if got := grantIDs(t, root, keyID, 0, func(in *kms.ListGrantsInput) { in.GranteePrincipal = aws.String(eveARN) }); len(got) != 0 {
		t.Errorf("ListGrants GranteePrincipal=eve: %v", got)
	}
	if got := grantIDs(t, root, otherKey, 0, nil); len(got) != 0 {
		t.Errorf("ListGrants on another key: %v", got)
	}
	_, err = alice.ListGrants(ctx(), &kms.ListGrantsInput{KeyId: aws.String(keyID)})
	deniedErr(t, "alice ListGrants (not granted)", err)

	// ListRetirableGrants: the grants bob may retire.
	lr := ok(root.ListRetirableGrants(ctx(), &kms.ListRetirableGrantsInput{RetiringPrincipal: aws.String(bobARN)})).get(t)
	var rids []string
	for _, g := range lr.Grants {
		rids = append(rids, aws.ToString(g.GrantId))
	}
	if want := []string{*g1.GrantId, *g4.GrantId}; !slices.Equal(sorted(rids), sorted(want)) {
		t.Errorf("ListRetirableGrants bob: %v, want %v", rids, want)
	}
	lr1 := ok(root.ListRetirableGrants(ctx(), &kms.ListRetirableGrantsInput{RetiringPrincipal: aws.String(bobARN), Limit: aws.Int32(1)})).get(t)
	if len(lr1.Grants) != 1 || !lr1.Truncated || aws.ToString(lr1.NextMarker) == "" {
		t.Errorf("ListRetirableGrants Limit 1: %d grants, truncated %v, marker %q", len(lr1.Grants), lr1.Truncated, aws.ToString(lr1.NextMarker))
	} else {
		lr2 := ok(root.ListRetirableGrants(ctx(), &kms.ListRetirableGrantsInput{RetiringPrincipal: aws.String(bobARN), Limit: aws.Int32(1), Marker: lr1.NextMarker})).get(t)
		if len(lr2.Grants) != 1 || lr2.Truncated || aws.ToString(lr2.Grants[0].GrantId) == aws.ToString(lr1.Grants[0].GrantId) {
			t.Errorf("ListRetirableGrants page 2: %+v", lr2)
		}
	}
	if lr := ok(root.ListRetirableGrants(ctx(), &kms.ListRetirableGrantsInput{RetiringPrincipal: aws.String(eveARN)})).get(t); len(lr.Grants) != 0 {
		t.Errorf("ListRetirableGrants eve: %d grants", len(lr.Grants))
	}

	// RetireGrant: not by eve.
	_, err = eve.RetireGrant(ctx(), &kms.RetireGrantInput{GrantToken: g1.GrantToken})
	deniedErr(t, "eve retires grant 1 by token", err)
	_, err = eve.RetireGrant(ctx(), &kms.RetireGrantInput{KeyId: aws.String(keyArn), GrantId: g1.GrantId})
	deniedErr(t, "eve retires grant 1 by id", err)
	// DryRun by bob: DryRunOperationException, and the grant stays.
	_, err = bob.RetireGrant(ctx(), &kms.RetireGrantInput{GrantToken: g1.GrantToken, DryRun: aws.Bool(true)})
	wantCode(t, err, "DryRunOperationException")
	allowed(t, "alice Encrypt after a dry-run retire", encryptErr(alice, keyID, eng))
	// bob retires by token.
	ok(bob.RetireGrant(ctx(), &kms.RetireGrantInput{GrantToken: g1.GrantToken})).get(t)
	deniedErr(t, "alice Encrypt after grant 1 is retired", encryptErr(alice, keyID, eng))
	deniedErr(t, "alice Decrypt after grant 1 is retired", decryptErr(alice, blob, eng))
	_, err = bob.RetireGrant(ctx(), &kms.RetireGrantInput{GrantToken: g1.GrantToken})
	wantCode(t, err, "NotFoundException")
	// bob retires grant 4 by key ARN and grant id.
	ok(bob.RetireGrant(ctx(), &kms.RetireGrantInput{KeyId: aws.String(keyArn), GrantId: g4.GrantId})).get(t)
	deniedErr(t, "bob Decrypt after grant 4 is retired", decryptErr(bob, blob, eng))
	// alice retires grant 3 (it lists RetireGrant) by key id and grant id.
	ok(alice.RetireGrant(ctx(), &kms.RetireGrantInput{KeyId: aws.String(keyID), GrantId: g3.GrantId})).get(t)
	deniedErr(t, "alice DescribeKey after grant 3 is retired", describeErr(alice, keyID))

	// RevokeGrant: not by alice; DryRun; by root.
	_, err = alice.RevokeGrant(ctx(), &kms.RevokeGrantInput{KeyId: aws.String(keyID), GrantId: g2.GrantId})
	deniedErr(t, "alice revokes grant 2", err)
	_, err = root.RevokeGrant(ctx(), &kms.RevokeGrantInput{KeyId: aws.String(keyID), GrantId: g2.GrantId, DryRun: aws.Bool(true)})
	wantCode(t, err, "DryRunOperationException")
	allowed(t, "alice GenerateDataKey after a dry-run revoke", gdkErr(alice, keyID, app))
	ok(root.RevokeGrant(ctx(), &kms.RevokeGrantInput{KeyId: aws.String(keyID), GrantId: g2.GrantId})).get(t)
	deniedErr(t, "alice GenerateDataKey after grant 2 is revoked", gdkErr(alice, keyID, app))
	_, err = root.RevokeGrant(ctx(), &kms.RevokeGrantInput{KeyId: aws.String(keyID), GrantId: g2.GrantId})
	wantCode(t, err, "NotFoundException")
	if got := grantIDs(t, root, keyID, 0, nil); len(got) != 0 {
		t.Errorf("grants left: %v", got)
	}
	// Grant 1 with the same name again is a new grant now.
	g1c := ok(root.CreateGrant(ctx(), g1in)).get(t)
	if aws.ToString(g1c.GrantId) == aws.ToString(g1.GrantId) {
		t.Errorf("CreateGrant after retiring returned the retired grant id %s", aws.ToString(g1.GrantId))
	}
	// Same name, other operations: a new grant.
	g1d := ok(root.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: aws.String(aliceARN),
		Operations: []types.GrantOperation{types.GrantOperationEncrypt}, Name: aws.String("g1")})).get(t)
	if aws.ToString(g1d.GrantId) == aws.ToString(g1c.GrantId) {
		t.Errorf("CreateGrant with the same name and other operations returned the same grant")
	}
}

// TestGrantsDelegation: a grant with CreateGrant lets its grantee create
// grants for a subset of its operations; grants to roles reach sessions.
func TestGrantsDelegation(t *testing.T) {
	e := start(t)
	root := e.kmsAs(rootCreds)
	aliceARN, aliceC := e.newUser(t, rootCreds, "alice")
	eveARN, eveC := e.newUser(t, rootCreds, "eve")
	alice, eve := e.kmsAs(aliceC), e.kmsAs(eveC)
	keyID, _ := newKeyWithPolicy(t, root, doc(accountStmt(account)))
	blob := mustEncrypt(t, root, keyID, nil)

	ok(root.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: aws.String(aliceARN),
		Operations: []types.GrantOperation{types.GrantOperationDecrypt, types.GrantOperationCreateGrant}})).get(t)
	_, err := alice.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: aws.String(eveARN),
		Operations: []types.GrantOperation{types.GrantOperationEncrypt}})
	deniedErr(t, "alice grants eve an operation she does not have", err)
	deniedErr(t, "eve Decrypt before alice's grant", decryptErr(eve, blob, nil))
	ok(alice.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: aws.String(eveARN),
		Operations: []types.GrantOperation{types.GrantOperationDecrypt}})).get(t)
	allowed(t, "eve Decrypt through alice's grant", decryptErr(eve, blob, nil))
	deniedErr(t, "eve Encrypt", encryptErr(eve, keyID, nil))

	// A grant to a role allows its sessions.
	ic := e.iamAs(rootCreds)
	trust := doc(stmt{"Effect": "Allow", "Principal": map[string]any{"AWS": aliceARN}, "Action": "sts:AssumeRole"})
	role := ok(ic.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String("reader"), AssumeRolePolicyDocument: aws.String(trust)})).get(t)
	ar := ok(e.stsAs(aliceC).AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("s1")})).get(t)
	sess := e.kmsAs(creds{aws.ToString(ar.Credentials.AccessKeyId), aws.ToString(ar.Credentials.SecretAccessKey), aws.ToString(ar.Credentials.SessionToken)})
	deniedErr(t, "role session before the grant", decryptErr(sess, blob, nil))
	g := ok(root.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: role.Role.Arn,
		Operations: []types.GrantOperation{types.GrantOperationDecrypt}})).get(t)
	allowed(t, "role session Decrypt through a grant to the role", decryptErr(sess, blob, nil))
	deniedErr(t, "role session Encrypt", encryptErr(sess, keyID, nil))
	ok(root.RevokeGrant(ctx(), &kms.RevokeGrantInput{KeyId: aws.String(keyID), GrantId: g.GrantId})).get(t)
	deniedErr(t, "role session after revoke", decryptErr(sess, blob, nil))
}

// TestGrantsCrossAccount: ListRetirableGrants lists only principals of the
// caller's own account (AWS: "You must specify a principal in your AWS
// account"); another account cannot read this account's grants.
func TestGrantsCrossAccount(t *testing.T) {
	e := start(t)
	root := e.kmsAs(rootCreds)
	aliceARN, _ := e.newUser(t, rootCreds, "alice")
	keyID, _ := newKeyWithPolicy(t, root, doc(accountStmt(account)))
	ok(root.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: aws.String(aliceARN),
		RetiringPrincipal: aws.String(aliceARN), Operations: []types.GrantOperation{types.GrantOperationDecrypt}})).get(t)

	const other = "444455556666"
	pair, _, err := coffiam.EnsureAccount(ctx(), e.App.Store, e.App.Root, other, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	oRoot := e.kmsAs(creds{pair.AccessKeyID, pair.SecretAccessKey, ""})
	out, err := oRoot.ListRetirableGrants(ctx(), &kms.ListRetirableGrantsInput{RetiringPrincipal: aws.String(aliceARN)})
	if err == nil && len(out.Grants) > 0 {
		t.Errorf("account %s lists the retirable grants of %s's user alice: %d grants on %s", other, account, len(out.Grants), aws.ToString(out.Grants[0].KeyId))
	}
	_, err = oRoot.ListGrants(ctx(), &kms.ListGrantsInput{KeyId: aws.String(keyARN(region, keyID))})
	deniedErr(t, "other account ListGrants", err)

	// A grant to a user of another account works without any policy in
	// either account (grants need no IAM policy), by key ARN.
	carolARN, carolC := e.newUser(t, creds{pair.AccessKeyID, pair.SecretAccessKey, ""}, "carol")
	carol := e.kmsAs(carolC)
	kArn := keyARN(region, keyID)
	deniedErr(t, "carol before the grant", encryptErr(carol, kArn, nil))
	g := ok(root.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: aws.String(carolARN),
		Operations: []types.GrantOperation{types.GrantOperationEncrypt}})).get(t)
	allowed(t, "carol (other account) encrypts through a grant", encryptErr(carol, kArn, nil))
	deniedErr(t, "carol DescribeKey (not granted)", describeErr(carol, kArn))
	ok(root.RevokeGrant(ctx(), &kms.RevokeGrantInput{KeyId: aws.String(keyID), GrantId: g.GrantId})).get(t)
	deniedErr(t, "carol after revoke", encryptErr(carol, kArn, nil))
}

// TestGrantErrors: validation, ids, tokens, unknown grants, DryRun.
func TestGrantErrors(t *testing.T) {
	e := start(t)
	root := e.kmsAs(rootCreds)
	aliceARN, _ := e.newUser(t, rootCreds, "alice")
	keyID, keyArn := newKeyWithPolicy(t, root, doc(accountStmt(account)))
	create := func(mod func(*kms.CreateGrantInput)) error {
		in := &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: aws.String(aliceARN),
			Operations: []types.GrantOperation{types.GrantOperationDecrypt}}
		mod(in)
		_, err := root.CreateGrant(ctx(), in)
		return err
	}
	count := func() int { return len(grantIDs(t, root, keyID, 0, nil)) }

	// Operations the key type does not support, unknown operations, none.
	for _, op := range []types.GrantOperation{types.GrantOperationSign, types.GrantOperationVerify, types.GrantOperationGetPublicKey,
		types.GrantOperationGenerateMac, types.GrantOperationVerifyMac, types.GrantOperationDeriveSharedSecret} {
		err := create(func(in *kms.CreateGrantInput) {
			in.Operations = []types.GrantOperation{types.GrantOperationDecrypt, op}
		})
		if code := errCode(err); code != "ValidationException" {
			t.Errorf("CreateGrant %s on a symmetric key: got %s, want ValidationException", op, code)
		}
	}
	wantCode(t, create(func(in *kms.CreateGrantInput) { in.Operations = []types.GrantOperation{"Bogus"} }), "ValidationException")
	wantCode(t, create(func(in *kms.CreateGrantInput) { in.Operations = []types.GrantOperation{} }), "ValidationException")
	wantCode(t, create(func(in *kms.CreateGrantInput) { in.GranteePrincipal = aws.String("") }), "ValidationException")
	wantCode(t, create(func(in *kms.CreateGrantInput) { in.KeyId = aws.String("00000000-0000-0000-0000-000000000000") }), "NotFoundException")
	// A garbage grant token.
	wantCode(t, create(func(in *kms.CreateGrantInput) { in.GrantTokens = []string{"garbage"} }), "InvalidGrantTokenException")
	_, err := root.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: []byte("x"), GrantTokens: []string{"garbage"}})
	wantCode(t, err, "InvalidGrantTokenException")
	_, err = root.RetireGrant(ctx(), &kms.RetireGrantInput{GrantToken: aws.String("garbage")})
	wantCode(t, err, "InvalidGrantTokenException")
	// DryRun creates nothing.
	wantCode(t, create(func(in *kms.CreateGrantInput) { in.DryRun = aws.Bool(true) }), "DryRunOperationException")
	if n := count(); n != 0 {
		t.Errorf("DryRun CreateGrant created %d grants", n)
	}
	// Invalid and unknown grant ids.
	unknown := strings.Repeat("ab", 32)
	_, err = root.RevokeGrant(ctx(), &kms.RevokeGrantInput{KeyId: aws.String(keyID), GrantId: aws.String("not-a-grant-id")})
	wantCode(t, err, "InvalidGrantIdException")
	_, err = root.RetireGrant(ctx(), &kms.RetireGrantInput{KeyId: aws.String(keyArn), GrantId: aws.String("not-a-grant-id")})
	wantCode(t, err, "InvalidGrantIdException")
	_, err = root.ListGrants(ctx(), &kms.ListGrantsInput{KeyId: aws.String(keyID), GrantId: aws.String("not-a-grant-id")})
	wantCode(t, err, "InvalidGrantIdException")
	_, err = root.RevokeGrant(ctx(), &kms.RevokeGrantInput{KeyId: aws.String(keyID), GrantId: aws.String(unknown)})
	wantCode(t, err, "NotFoundException")
	_, err = root.RetireGrant(ctx(), &kms.RetireGrantInput{KeyId: aws.String(keyArn), GrantId: aws.String(unknown)})
	wantCode(t, err, "NotFoundException")
	_, err = root.RetireGrant(ctx(), &kms.RetireGrantInput{})
	wantCode(t, err, "ValidationException")
	// Grants on a disabled key: CreateGrant refused; a grant does not
	// bypass the key state.
	g := ok(root.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: aws.String(aliceARN),
		Operations: []types.GrantOperation{types.GrantOperationDecrypt}})).get(t)
	ok(root.DisableKey(ctx(), &kms.DisableKeyInput{KeyId: aws.String(keyID)})).get(t)
	wantCode(t, create(func(*kms.CreateGrantInput) {}), "DisabledException")
	ok(root.EnableKey(ctx(), &kms.EnableKeyInput{KeyId: aws.String(keyID)})).get(t)
	// Paging errors.
	_, err = root.ListGrants(ctx(), &kms.ListGrantsInput{KeyId: aws.String(keyID), Marker: aws.String("garbage")})
	wantCode(t, err, "InvalidMarkerException")
	_, err = root.ListGrants(ctx(), &kms.ListGrantsInput{KeyId: aws.String(keyID), Limit: aws.Int32(1001)})
	wantCode(t, err, "ValidationException")
	_, err = root.ListRetirableGrants(ctx(), &kms.ListRetirableGrantsInput{RetiringPrincipal: aws.String("not a principal")})
	if code := errCode(err); code != "InvalidArnException" && code != "ValidationException" {
		t.Errorf("ListRetirableGrants with a bad principal: got %s", code)
	}
	// RevokeGrant of a grant on another key: NotFoundException.
	other, _ := newKeyWithPolicy(t, root, doc(accountStmt(account)))
	_, err = root.RevokeGrant(ctx(), &kms.RevokeGrantInput{KeyId: aws.String(other), GrantId: g.GrantId})
	wantCode(t, err, "NotFoundException")
}

// TestGrantRetireScope: a grant that lists RetireGrant lets its grantee
// retire that grant, not the key's other grants (AWS KMS Developer Guide,
// "Retiring and revoking grants": the grantee may retire a grant if the
// grant includes the RetireGrant operation; permission to retire is
// determined by the grant itself).
func TestGrantRetireScope(t *testing.T) {
	e := start(t)
	root := e.kmsAs(rootCreds)
	aliceARN, aliceC := e.newUser(t, rootCreds, "alice")
	bobARN, _ := e.newUser(t, rootCreds, "bob")
	alice := e.kmsAs(aliceC)
	keyID, keyArn := newKeyWithPolicy(t, root, doc(accountStmt(account)))
	mine := ok(root.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: aws.String(aliceARN),
		Operations: []types.GrantOperation{types.GrantOperationDescribeKey, types.GrantOperationRetireGrant}})).get(t)
	bobs := ok(root.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: aws.String(bobARN),
		Operations: []types.GrantOperation{types.GrantOperationDecrypt}})).get(t)
	_, err := alice.RetireGrant(ctx(), &kms.RetireGrantInput{KeyId: aws.String(keyArn), GrantId: bobs.GrantId})
	deniedErr(t, "alice retires bob's grant through her own RetireGrant grant", err)
	bobs2 := ok(root.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: aws.String(bobARN),
		Operations: []types.GrantOperation{types.GrantOperationEncrypt}})).get(t)
	_, err = alice.RetireGrant(ctx(), &kms.RetireGrantInput{GrantToken: bobs2.GrantToken})
	deniedErr(t, "alice retires bob's grant by token through her own RetireGrant grant", err)
	ok(alice.RetireGrant(ctx(), &kms.RetireGrantInput{GrantToken: mine.GrantToken})).get(t)
}
