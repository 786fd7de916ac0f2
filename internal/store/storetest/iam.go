package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coffer-kms/coffer/internal/store"
)

// The IAM side of the suite: users, groups, roles, policies, attachments,
// grants, and the access key fields that IAM and STS use.
//
// IAM names are case-insensitive: unique per account whatever their case,
// looked up case-insensitively, given back in the case they were created
// with, and listed in case-insensitive order (ASCII folding). Rows that
// name an identity (memberships, inline policies, attachments) give back
// the identity's name as stored.

const (
	acct1  = "111122223333"
	acct2  = "444455556666"
	region = "us-east-1"
)

var iamTests = []struct {
	name string
	fn   func(t *testing.T, open func(t *testing.T) store.Store)
}{
	{"AccessKeyFields", testAccessKeyFields},
	{"ListAccessKeys", testListAccessKeys},
	{"DeleteExpiredAccessKeys", testDeleteExpiredAccessKeys},
	{"Users", testUsers},
	{"UsersCaseInsensitive", testUsersCaseInsensitive},
	{"Groups", testGroups},
	{"GroupMemberships", testGroupMemberships},
	{"Roles", testRoles},
	{"InlinePolicies", testInlinePolicies},
	{"ManagedPolicies", testManagedPolicies},
	{"PolicyVersions", testPolicyVersions},
	{"Attachments", testAttachments},
	{"DeleteIdentityCleansUp", testDeleteIdentityCleansUp},
	{"Grants", testGrants},
	{"RetirableGrants", testRetirableGrants},
	{"DeleteKeyCascadesGrants", testDeleteKeyCascadesGrants},
	{"IAMWatch", testIAMWatch},
	{"IAMAtomicity", testIAMAtomicity},
	{"IAMContinueAfterError", testIAMContinueAfterError},
}

// errUnexpected marks a result an Update fn did not expect.
var errUnexpected = errors.New("storetest: unexpected result")

// names maps list to the names f gives, never nil.
func names[T any](list []T, f func(T) string) []string {
	out := []string{}
	for _, v := range list {
		out = append(out, f(v))
	}
	return out
}

func checkNames(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %q, want %q", what, got, want)
	}
}

func userName(u store.User) string             { return u.Name }
func groupName(g store.Group) string           { return g.Name }
func roleName(r store.Role) string             { return r.Name }
func policyName(p store.ManagedPolicy) string  { return p.Name }
func inlineName(p store.InlinePolicy) string   { return p.Name }
func versionID(v store.PolicyVersion) string   { return v.VersionID }
func grantID(g store.Grant) string             { return g.GrantID }
func accessKeyID(k store.AccessKey) string     { return k.AccessKeyID }
func attachedARN(a store.Attachment) string    { return a.PolicyARN }
func attachedWho(a store.Attachment) string    { return string(a.Kind) + ":" + a.Principal }
func memberName(u store.User) string           { return u.Name }
func groupOfUser(g store.Group) string         { return g.Name }
func versionDoc(v store.PolicyVersion) string  { return v.Document }
func inlineDoc(p store.InlinePolicy) string    { return p.Document }
func grantKey(g store.Grant) string            { return g.Ref.Account + "/" + g.Ref.KeyID + "/" + g.GrantID }
func attachedWhoARN(a store.Attachment) string { return attachedWho(a) + " " + a.PolicyARN }

// same fails the test unless got and want are deeply equal once the times
// that times points at have been checked with checkTime and cleared.
func same[T any](t *testing.T, what string, got, want T, times func(*T) []*time.Time) {
	t.Helper()
	gt, wt := times(&got), times(&want)
	for i := range gt {
		checkTime(t, fmt.Sprintf("%s time %d", what, i), *gt[i], *wt[i])
		*gt[i], *wt[i] = time.Time{}, time.Time{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

func userTimes(u *store.User) []*time.Time   { return []*time.Time{&u.CreatedAt} }
func groupTimes(g *store.Group) []*time.Time { return []*time.Time{&g.CreatedAt} }
func roleTimes(r *store.Role) []*time.Time   { return []*time.Time{&r.CreatedAt} }
func policyTimes(p *store.ManagedPolicy) []*time.Time {
	return []*time.Time{&p.CreatedAt, &p.UpdatedAt}
}
func versionTimes(v *store.PolicyVersion) []*time.Time { return []*time.Time{&v.CreatedAt} }
func grantTimes(g *store.Grant) []*time.Time           { return []*time.Time{&g.CreatedAt} }
func accessKeyTimes(k *store.AccessKey) []*time.Time {
	return []*time.Time{&k.CreatedAt, &k.Expiration}
}

func newUser(account, name, path string) store.User {
	return store.User{
		Account: account, Name: name, UserID: "AIDA" + name, Path: path, CreatedAt: at(time.Minute),
		Tags: []store.Tag{{Key: "team", Value: "ünïcode"}, {Key: "a", Value: ""}},
	}
}

func newGroup(account, name, path string) store.Group {
	return store.Group{Account: account, Name: name, GroupID: "AGPA" + name, Path: path, CreatedAt: at(2 * time.Minute)}
}

func newRole(account, name, path string) store.Role {
	return store.Role{
		Account: account, Name: name, RoleID: "AROA" + name, Path: path,
		AssumeRolePolicy:   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
		Description:        "role " + name,
		MaxSessionDuration: 43200,
		CreatedAt:          at(3 * time.Minute),
		Tags:               []store.Tag{{Key: "env", Value: "prod"}},
	}
}

func newPolicy(account, name, path string) store.ManagedPolicy {
	return store.ManagedPolicy{
		Account: account, Name: name, PolicyID: "ANPA" + name, Path: path, Description: "policy " + name,
		DefaultVersion: "v1", CreatedAt: at(4 * time.Minute), UpdatedAt: at(5 * time.Minute),
	}
}

func newGrant(r store.KeyRef, id, retiring string) store.Grant {
	return store.Grant{
		Ref: r, GrantID: id, Name: "grant-" + id,
		GranteePrincipal:  "arn:aws:iam::" + r.Account + ":role/grantee",
		RetiringPrincipal: retiring,
		IssuingAccount:    "arn:aws:iam::" + r.Account + ":root",
		Operations:        []string{"Encrypt", "Decrypt", "RetireGrant"},
		Constraints:       `{"EncryptionContextSubset":{"dept":"it"}}`,
		CreatedAt:         at(time.Hour),
	}
}

// grantID64 is a 64-hex-digit grant id ending in n.
func grantID64(n int) string { return fmt.Sprintf("%064x", n) }

func testAccessKeyFields(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	long := store.AccessKey{
		AccessKeyID: "AKIAUSER", Account: acct1, PrincipalARN: "arn:aws:iam::" + acct1 + ":user/Alice",
		UserID: "AIDAALICE", WrappedSecret: []byte{1, 2, 3}, Status: "Active", CreatedAt: at(0),
		UserName: "Alice",
	}
	temp := store.AccessKey{
		AccessKeyID: "ASIATEMP", Account: acct1, PrincipalARN: "arn:aws:sts::" + acct1 + ":assumed-role/Admin/s",
		UserID: "AROAADMIN:s", WrappedSecret: []byte{4}, Status: "Active", CreatedAt: at(0),
		RoleName: "Admin", WrappedSessionToken: []byte{0, 9, 0xff, 0}, Expiration: at(time.Hour),
	}
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.PutAccessKey(ctx, long); err != nil {
			return err
		}
		return tx.PutAccessKey(ctx, temp)
	})
	for _, want := range []store.AccessKey{long, temp} {
		got, err := s.GetAccessKey(ctx, want.AccessKeyID)
		ok(t, "GetAccessKey", err)
		same(t, "GetAccessKey "+want.AccessKeyID, got, want, accessKeyTimes)
	}
	if got, _ := s.GetAccessKey(ctx, long.AccessKeyID); got.WrappedSessionToken != nil || !got.Expiration.IsZero() {
		t.Errorf("long-term key: session token %v, expiration %v; want nil and zero", got.WrappedSessionToken, got.Expiration)
	}

	// Put replaces the new fields too, back to their zero values.
	temp2 := temp
	temp2.RoleName, temp2.WrappedSessionToken, temp2.Expiration = "", nil, time.Time{}
	temp2.UserName = "bob"
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.PutAccessKey(ctx, temp2) })
	got, err := s.GetAccessKey(ctx, temp.AccessKeyID)
	ok(t, "GetAccessKey replaced", err)
	same(t, "GetAccessKey replaced", got, temp2, accessKeyTimes)

	// The transaction sees the fields too.
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		got, err := tx.GetAccessKey(ctx, long.AccessKeyID)
		if err != nil {
			return err
		}
		same(t, "GetAccessKey in tx", got, long, accessKeyTimes)
		return nil
	})
}

func testListAccessKeys(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	key := func(id, account, user string, exp time.Time) store.AccessKey {
		return store.AccessKey{
			AccessKeyID: id, Account: account, PrincipalARN: "arn", UserID: "id", WrappedSecret: []byte{1},
			Status: "Active", CreatedAt: at(0), UserName: user, Expiration: exp,
		}
	}
	keys := []store.AccessKey{
		key("AKIAROOT2", acct1, "", time.Time{}),
		key("AKIAROOT1", acct1, "", time.Time{}),
		key("AKIAALICE2", acct1, "Alice", time.Time{}),
		key("AKIAALICE1", acct1, "Alice", time.Time{}),
		key("AKIABOB", acct1, "bob", time.Time{}),
		key("ASIATEMPROOT", acct1, "", at(time.Hour)),
		key("ASIATEMPALICE", acct1, "Alice", at(-time.Hour)),
		key("AKIAOTHER", acct2, "Alice", time.Time{}),
		key("AKIAOTHERROOT", acct2, "", time.Time{}),
	}
	keys[2].Status = "Inactive" // listed all the same
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, k := range keys {
			if err := tx.PutAccessKey(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
	list := func(account, user string, want ...string) []store.AccessKey {
		t.Helper()
		got, err := s.ListAccessKeys(ctx, account, user)
		ok(t, "ListAccessKeys", err)
		checkNames(t, fmt.Sprintf("ListAccessKeys(%s, %q)", account, user), names(got, accessKeyID), want...)
		return got
	}
	alice := list(acct1, "Alice", "AKIAALICE1", "AKIAALICE2")
	same(t, "ListAccessKeys entry", alice[1], keys[2], accessKeyTimes)
	list(acct1, "alice", "AKIAALICE1", "AKIAALICE2")
	list(acct1, "", "AKIAROOT1", "AKIAROOT2")
	list(acct1, "bob", "AKIABOB")
	list(acct1, "carol")
	list(acct2, "ALICE", "AKIAOTHER")
	list(acct2, "", "AKIAOTHERROOT")
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		got, err := tx.ListAccessKeys(ctx, acct1, "bob")
		if err != nil {
			return err
		}
		checkNames(t, "ListAccessKeys in tx", names(got, accessKeyID), "AKIABOB")
		return nil
	})
}

func testDeleteExpiredAccessKeys(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	now := at(24 * time.Hour)
	key := func(id string, exp time.Time) store.AccessKey {
		return store.AccessKey{AccessKeyID: id, Account: acct1, Status: "Active", WrappedSecret: []byte{1},
			RoleName: "r", WrappedSessionToken: []byte{2}, Expiration: exp}
	}
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, k := range []store.AccessKey{
			key("ASIAPAST", now.Add(-time.Hour)),
			key("ASIANOW", now),
			key("ASIAFUTURE", now.Add(time.Millisecond)),
			key("AKIALONG", time.Time{}),
		} {
			if err := tx.PutAccessKey(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
	var c collector
	defer s.Watch(c.add)()
	var n int
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		var err error
		n, err = tx.DeleteExpiredAccessKeys(ctx, now)
		return err
	})
	if n != 2 {
		t.Errorf("DeleteExpiredAccessKeys = %d, want 2", n)
	}
	c.waitFor(t,
		store.Change{Kind: store.ChangeAccessKey, ID: "ASIAPAST"},
		store.Change{Kind: store.ChangeAccessKey, ID: "ASIANOW"})
	for _, id := range []string{"ASIAPAST", "ASIANOW"} {
		_, err := s.GetAccessKey(ctx, id)
		wantErr(t, "GetAccessKey expired "+id, err, store.ErrNotFound)
	}
	for _, id := range []string{"ASIAFUTURE", "AKIALONG"} {
		_, err := s.GetAccessKey(ctx, id)
		ok(t, "GetAccessKey kept "+id, err)
	}
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		var err error
		n, err = tx.DeleteExpiredAccessKeys(ctx, now)
		return err
	})
	if n != 0 {
		t.Errorf("DeleteExpiredAccessKeys again = %d, want 0", n)
	}
	if c.has(store.Change{Kind: store.ChangeAccessKey, ID: "ASIAFUTURE"}) || c.has(store.Change{Kind: store.ChangeAccessKey, ID: "AKIALONG"}) {
		t.Errorf("a kept key was reported: %+v", c.got)
	}
}

func testUsers(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	_, err := s.GetUser(ctx, acct1, "nobody")
	wantErr(t, "GetUser missing", err, store.ErrNotFound)
	if us, err := s.ListUsers(ctx, acct1, "", store.Page{}); err != nil || len(us) != 0 {
		t.Fatalf("ListUsers empty = %v, %v", us, err)
	}
	users := []store.User{
		newUser(acct1, "dave", "/eng/team/"),
		newUser(acct1, "Alice", "/"),
		newUser(acct1, "Eve", "/ops/"),
		newUser(acct1, "bob", "/eng/"),
		newUser(acct1, "Carol", "/engineering/"),
		newUser(acct2, "Alice", "/"), // same name, other account
	}
	users[3].Tags = nil
	users[4].CreatedAt = time.Time{}
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, u := range users {
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
	for _, want := range users {
		got, err := s.GetUser(ctx, want.Account, want.Name)
		ok(t, "GetUser", err)
		same(t, "GetUser "+want.Name, got, want, userTimes)
	}
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.CreateUser(ctx, newUser(acct1, "dave", "/")) })
	wantErr(t, "CreateUser duplicate", err, store.ErrExists)

	list := func(prefix string, page store.Page, want ...string) []store.User {
		t.Helper()
		got, err := s.ListUsers(ctx, acct1, prefix, page)
		ok(t, "ListUsers", err)
		checkNames(t, fmt.Sprintf("ListUsers(%q, %+v)", prefix, page), names(got, userName), want...)
		return got
	}
	// Sorted case-insensitively.
	all := list("", store.Page{}, "Alice", "bob", "Carol", "dave", "Eve")
	same(t, "ListUsers entry", all[2], users[4], userTimes)
	list("/", store.Page{}, "Alice", "bob", "Carol", "dave", "Eve")
	list("/eng/", store.Page{}, "bob", "dave")
	list("/eng", store.Page{}, "bob", "Carol", "dave")
	list("/e_g/", store.Page{}) // not a LIKE pattern
	list("/eng%", store.Page{}) // nor this
	list("/nowhere/", store.Page{})
	list("", store.Page{Limit: 2}, "Alice", "bob")
	list("", store.Page{After: "bob", Limit: 2}, "Carol", "dave")
	list("", store.Page{After: "BOB", Limit: 2}, "Carol", "dave")
	list("", store.Page{After: "dave"}, "Eve")
	list("", store.Page{After: "Eve"})
	list("/eng", store.Page{After: "bob", Limit: 1}, "Carol")
	if got, err := s.ListUsers(ctx, acct2, "", store.Page{}); err != nil || len(got) != 1 {
		t.Errorf("ListUsers other account = %v, %v", got, err)
	}

	// Update replaces everything but the name.
	up := newUser(acct1, "alice", "/new/")
	up.UserID = "AIDANEW"
	up.Tags = []store.Tag{{Key: "z", Value: "1"}}
	up.CreatedAt = at(time.Hour)
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.UpdateUser(ctx, up) })
	got, err := s.GetUser(ctx, acct1, "Alice")
	ok(t, "GetUser after update", err)
	up.Name = "Alice"
	same(t, "GetUser after update", got, up, userTimes)
	other, err := s.GetUser(ctx, acct2, "Alice")
	ok(t, "GetUser other account", err)
	same(t, "GetUser other account after update", other, users[5], userTimes)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.UpdateUser(ctx, newUser(acct1, "nobody", "/")) })
	wantErr(t, "UpdateUser missing", err, store.ErrNotFound)

	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.DeleteUser(ctx, acct1, "EVE") })
	_, err = s.GetUser(ctx, acct1, "Eve")
	wantErr(t, "GetUser deleted", err, store.ErrNotFound)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.DeleteUser(ctx, acct1, "Eve") })
	wantErr(t, "DeleteUser missing", err, store.ErrNotFound)
	list("", store.Page{}, "Alice", "bob", "Carol", "dave")
	_, err = s.GetUser(ctx, acct2, "Alice")
	ok(t, "GetUser other account survives", err)
	// The name is free again.
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.CreateUser(ctx, newUser(acct1, "eve", "/")) })
	list("", store.Page{}, "Alice", "bob", "Carol", "dave", "eve")
}

func testUsersCaseInsensitive(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.CreateUser(ctx, newUser(acct1, "Alice", "/")) })
	err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.CreateUser(ctx, newUser(acct1, "alice", "/")) })
	wantErr(t, `CreateUser "alice" after "Alice"`, err, store.ErrExists)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.CreateUser(ctx, newUser(acct1, "ALICE", "/")) })
	wantErr(t, `CreateUser "ALICE" after "Alice"`, err, store.ErrExists)
	for _, n := range []string{"ALICE", "alice", "aLiCe", "Alice"} {
		u, err := s.GetUser(ctx, acct1, n)
		ok(t, "GetUser "+n, err)
		if u.Name != "Alice" {
			t.Errorf("GetUser(%q).Name = %q, want %q", n, u.Name, "Alice")
		}
	}
	_, err = s.GetUser(ctx, acct1, "Alicia")
	wantErr(t, "GetUser other name", err, store.ErrNotFound)
	// Another account may use the name in any case.
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.CreateUser(ctx, newUser(acct2, "alice", "/")) })
	u, err := s.GetUser(ctx, acct2, "ALICE")
	ok(t, "GetUser other account", err)
	if u.Name != "alice" {
		t.Errorf("GetUser other account Name = %q", u.Name)
	}
	// Groups, roles and policies are case-insensitive too, each in its own
	// namespace.
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateGroup(ctx, newGroup(acct1, "Alice", "/")); err != nil {
			return err
		}
		if err := tx.CreateRole(ctx, newRole(acct1, "Alice", "/")); err != nil {
			return err
		}
		return tx.CreateManagedPolicy(ctx, newPolicy(acct1, "Alice", "/"))
	})
	for _, step := range []struct {
		name string
		fn   func(ctx context.Context, tx store.Tx) error
	}{
		{"CreateGroup", func(ctx context.Context, tx store.Tx) error {
			return tx.CreateGroup(ctx, newGroup(acct1, "ALICE", "/"))
		}},
		{"CreateRole", func(ctx context.Context, tx store.Tx) error { return tx.CreateRole(ctx, newRole(acct1, "alice", "/")) }},
		{"CreateManagedPolicy", func(ctx context.Context, tx store.Tx) error {
			return tx.CreateManagedPolicy(ctx, newPolicy(acct1, "aLICE", "/"))
		}},
	} {
		wantErr(t, step.name+" duplicate in another case", s.Update(ctx, step.fn), store.ErrExists)
	}
	if g, err := s.GetGroup(ctx, acct1, "alice"); err != nil || g.Name != "Alice" {
		t.Errorf("GetGroup = %+v, %v", g, err)
	}
	if r, err := s.GetRole(ctx, acct1, "ALICE"); err != nil || r.Name != "Alice" {
		t.Errorf("GetRole = %+v, %v", r, err)
	}
	if p, err := s.GetManagedPolicy(ctx, acct1, "alice"); err != nil || p.Name != "Alice" {
		t.Errorf("GetManagedPolicy = %+v, %v", p, err)
	}
}

func testGroups(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	_, err := s.GetGroup(ctx, acct1, "nobody")
	wantErr(t, "GetGroup missing", err, store.ErrNotFound)
	groups := []store.Group{
		newGroup(acct1, "devs", "/eng/"),
		newGroup(acct1, "Admins", "/"),
		newGroup(acct1, "ops", "/ops/"),
		newGroup(acct1, "Auditors", "/eng/audit/"),
		newGroup(acct2, "devs", "/"),
	}
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, g := range groups {
			if err := tx.CreateGroup(ctx, g); err != nil {
				return err
			}
		}
		return nil
	})
	for _, want := range groups {
		got, err := s.GetGroup(ctx, want.Account, want.Name)
		ok(t, "GetGroup", err)
		same(t, "GetGroup "+want.Name, got, want, groupTimes)
	}
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.CreateGroup(ctx, newGroup(acct1, "DEVS", "/")) })
	wantErr(t, "CreateGroup duplicate", err, store.ErrExists)
	list := func(prefix string, page store.Page, want ...string) {
		t.Helper()
		got, err := s.ListGroups(ctx, acct1, prefix, page)
		ok(t, "ListGroups", err)
		checkNames(t, fmt.Sprintf("ListGroups(%q, %+v)", prefix, page), names(got, groupName), want...)
	}
	list("", store.Page{}, "Admins", "Auditors", "devs", "ops")
	list("/", store.Page{}, "Admins", "Auditors", "devs", "ops")
	list("/eng/", store.Page{}, "Auditors", "devs")
	list("", store.Page{After: "auditors", Limit: 1}, "devs")
	list("", store.Page{After: "devs"}, "ops")

	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.DeleteGroup(ctx, acct1, "OPS") })
	_, err = s.GetGroup(ctx, acct1, "ops")
	wantErr(t, "GetGroup deleted", err, store.ErrNotFound)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.DeleteGroup(ctx, acct1, "ops") })
	wantErr(t, "DeleteGroup missing", err, store.ErrNotFound)
	list("", store.Page{}, "Admins", "Auditors", "devs")
	_, err = s.GetGroup(ctx, acct2, "devs")
	ok(t, "GetGroup other account", err)
}

func testGroupMemberships(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	alice, bob, carol := newUser(acct1, "Alice", "/"), newUser(acct1, "bob", "/"), newUser(acct1, "Carol", "/")
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, u := range []store.User{alice, bob, carol, newUser(acct2, "Alice", "/")} {
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		for _, g := range []store.Group{newGroup(acct1, "devs", "/"), newGroup(acct1, "Admins", "/"), newGroup(acct1, "empty", "/"), newGroup(acct2, "Admins", "/")} {
			if err := tx.CreateGroup(ctx, g); err != nil {
				return err
			}
		}
		for _, m := range [][2]string{{"ADMINS", "alice"}, {"devs", "ALICE"}, {"admins", "bob"}, {"Admins", "Alice"}} {
			if err := tx.AddUserToGroup(ctx, acct1, m[0], m[1]); err != nil { // the last is a repeat
				return err
			}
		}
		return tx.AddUserToGroup(ctx, acct2, "Admins", "Alice")
	})
	err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.AddUserToGroup(ctx, acct1, "nogroup", "Alice") })
	wantErr(t, "AddUserToGroup missing group", err, store.ErrNotFound)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.AddUserToGroup(ctx, acct1, "devs", "nobody") })
	wantErr(t, "AddUserToGroup missing user", err, store.ErrNotFound)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.AddUserToGroup(ctx, acct2, "devs", "Alice") })
	wantErr(t, "AddUserToGroup group of another account", err, store.ErrNotFound)

	groupsOf := func(user string, want ...string) {
		t.Helper()
		got, err := s.ListGroupsForUser(ctx, acct1, user)
		ok(t, "ListGroupsForUser", err)
		checkNames(t, "ListGroupsForUser "+user, names(got, groupOfUser), want...)
	}
	membersOf := func(group string, want ...string) []store.User {
		t.Helper()
		got, err := s.ListGroupMembers(ctx, acct1, group)
		ok(t, "ListGroupMembers", err)
		checkNames(t, "ListGroupMembers "+group, names(got, memberName), want...)
		return got
	}
	groupsOf("alice", "Admins", "devs")
	groupsOf("BOB", "Admins")
	groupsOf("Carol")
	groupsOf("nobody")
	members := membersOf("admins", "Alice", "bob")
	same(t, "ListGroupMembers entry", members[0], alice, userTimes)
	membersOf("DEVS", "Alice")
	membersOf("empty")
	if gs, err := s.ListGroupsForUser(ctx, acct1, "Alice"); err == nil && len(gs) > 0 {
		same(t, "ListGroupsForUser entry", gs[0], newGroup(acct1, "Admins", "/"), groupTimes)
	}
	if got, err := s.ListGroupMembers(ctx, acct2, "admins"); err != nil || len(got) != 1 || got[0].Account != acct2 {
		t.Errorf("ListGroupMembers other account = %+v, %v", got, err)
	}

	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.RemoveUserFromGroup(ctx, acct1, "devs", "bob") })
	wantErr(t, "RemoveUserFromGroup not a member", err, store.ErrNotFound)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.RemoveUserFromGroup(ctx, acct1, "nogroup", "bob")
	})
	wantErr(t, "RemoveUserFromGroup missing group", err, store.ErrNotFound)
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.RemoveUserFromGroup(ctx, acct1, "ADMINS", "ALICE")
	})
	groupsOf("Alice", "devs")
	membersOf("Admins", "bob")
	if got, err := s.ListGroupMembers(ctx, acct2, "Admins"); err != nil || len(got) != 1 {
		t.Errorf("ListGroupMembers other account after remove = %+v, %v", got, err)
	}
	// Membership reads inside the transaction see its writes.
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.AddUserToGroup(ctx, acct1, "empty", "carol"); err != nil {
			return err
		}
		got, err := tx.ListGroupMembers(ctx, acct1, "empty")
		if err != nil {
			return err
		}
		checkNames(t, "ListGroupMembers in tx", names(got, memberName), "Carol")
		return tx.RemoveUserFromGroup(ctx, acct1, "empty", "Carol")
	})
	membersOf("empty")
}

func testRoles(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	_, err := s.GetRole(ctx, acct1, "nobody")
	wantErr(t, "GetRole missing", err, store.ErrNotFound)
	roles := []store.Role{
		newRole(acct1, "reader", "/service-role/"),
		newRole(acct1, "Admin", "/"),
		newRole(acct1, "Deployer", "/service-role/ci/"),
		newRole(acct2, "Admin", "/"),
	}
	roles[1].Tags = nil
	roles[1].Description = ""
	roles[1].MaxSessionDuration = 3600
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, r := range roles {
			if err := tx.CreateRole(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	for _, want := range roles {
		got, err := s.GetRole(ctx, want.Account, want.Name)
		ok(t, "GetRole", err)
		same(t, "GetRole "+want.Name, got, want, roleTimes)
	}
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.CreateRole(ctx, newRole(acct1, "ADMIN", "/")) })
	wantErr(t, "CreateRole duplicate", err, store.ErrExists)
	list := func(prefix string, page store.Page, want ...string) {
		t.Helper()
		got, err := s.ListRoles(ctx, acct1, prefix, page)
		ok(t, "ListRoles", err)
		checkNames(t, fmt.Sprintf("ListRoles(%q, %+v)", prefix, page), names(got, roleName), want...)
	}
	list("", store.Page{}, "Admin", "Deployer", "reader")
	list("/service-role/", store.Page{}, "Deployer", "reader")
	list("/service-role/", store.Page{Limit: 1}, "Deployer")
	list("/service-role/", store.Page{After: "deployer", Limit: 1}, "reader")

	up := newRole(acct1, "admin", "/x/")
	up.AssumeRolePolicy = "{}"
	up.Description = "changed"
	up.MaxSessionDuration = 7200
	up.Tags = []store.Tag{{Key: "k", Value: "v"}, {Key: "a", Value: "b"}} // order kept
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.UpdateRole(ctx, up) })
	got, err := s.GetRole(ctx, acct1, "ADMIN")
	ok(t, "GetRole after update", err)
	up.Name = "Admin"
	same(t, "GetRole after update", got, up, roleTimes)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.UpdateRole(ctx, newRole(acct1, "nobody", "/")) })
	wantErr(t, "UpdateRole missing", err, store.ErrNotFound)

	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.DeleteRole(ctx, acct1, "READER") })
	_, err = s.GetRole(ctx, acct1, "reader")
	wantErr(t, "GetRole deleted", err, store.ErrNotFound)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.DeleteRole(ctx, acct1, "reader") })
	wantErr(t, "DeleteRole missing", err, store.ErrNotFound)
	list("", store.Page{}, "Admin", "Deployer")
	other, err := s.GetRole(ctx, acct2, "admin")
	ok(t, "GetRole other account", err)
	same(t, "GetRole other account", other, roles[3], roleTimes)
}

func testInlinePolicies(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	// The same identity name for every kind: each kind is its own namespace.
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateUser(ctx, newUser(acct1, "Shared", "/")); err != nil {
			return err
		}
		if err := tx.CreateGroup(ctx, newGroup(acct1, "Shared", "/")); err != nil {
			return err
		}
		if err := tx.CreateRole(ctx, newRole(acct1, "Shared", "/")); err != nil {
			return err
		}
		return tx.CreateUser(ctx, newUser(acct2, "Shared", "/"))
	})
	for _, kind := range []store.PrincipalKind{store.KindUser, store.KindGroup, store.KindRole} {
		t.Run(string(kind), func(t *testing.T) {
			_, err := s.GetInlinePolicy(ctx, acct1, kind, "Shared", "p")
			wantErr(t, "GetInlinePolicy missing", err, store.ErrNotFound)
			doc := func(n string) string { return fmt.Sprintf(`{"Statement":[{"Sid":"%s-%s"}]}`, kind, n) }
			update(t, s, func(ctx context.Context, tx store.Tx) error {
				for _, p := range []store.InlinePolicy{
					{Account: acct1, Kind: kind, Principal: "shared", Name: "Write", Document: doc("w")},
					{Account: acct1, Kind: kind, Principal: "SHARED", Name: "read", Document: doc("r")},
					{Account: acct1, Kind: kind, Principal: "Shared", Name: "Admin", Document: doc("a")},
				} {
					if err := tx.PutInlinePolicy(ctx, p); err != nil {
						return err
					}
				}
				return nil
			})
			got, err := s.GetInlinePolicy(ctx, acct1, kind, "sHaReD", "WRITE")
			ok(t, "GetInlinePolicy", err)
			if want := (store.InlinePolicy{Account: acct1, Kind: kind, Principal: "Shared", Name: "Write", Document: doc("w")}); got != want {
				t.Errorf("GetInlinePolicy:\n got  %+v\n want %+v", got, want)
			}
			list, err := s.ListInlinePolicies(ctx, acct1, kind, "shared")
			ok(t, "ListInlinePolicies", err)
			checkNames(t, "ListInlinePolicies", names(list, inlineName), "Admin", "read", "Write")
			checkNames(t, "ListInlinePolicies documents", names(list, inlineDoc), doc("a"), doc("r"), doc("w"))
			for _, p := range list {
				if p.Account != acct1 || p.Kind != kind || p.Principal != "Shared" {
					t.Errorf("ListInlinePolicies entry %+v", p)
				}
			}

			// Put replaces, whatever the case of the name, which keeps
			// its first spelling.
			update(t, s, func(ctx context.Context, tx store.Tx) error {
				return tx.PutInlinePolicy(ctx, store.InlinePolicy{Account: acct1, Kind: kind, Principal: "Shared", Name: "write", Document: doc("w2")})
			})
			got, err = s.GetInlinePolicy(ctx, acct1, kind, "Shared", "Write")
			ok(t, "GetInlinePolicy replaced", err)
			if got.Name != "Write" || got.Document != doc("w2") {
				t.Errorf("GetInlinePolicy replaced = %+v", got)
			}
			list, err = s.ListInlinePolicies(ctx, acct1, kind, "Shared")
			ok(t, "ListInlinePolicies", err)
			checkNames(t, "ListInlinePolicies after replace", names(list, inlineName), "Admin", "read", "Write")

			err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
				return tx.PutInlinePolicy(ctx, store.InlinePolicy{Account: acct1, Kind: kind, Principal: "nobody", Name: "p", Document: "{}"})
			})
			wantErr(t, "PutInlinePolicy for a missing identity", err, store.ErrNotFound)

			update(t, s, func(ctx context.Context, tx store.Tx) error {
				return tx.DeleteInlinePolicy(ctx, acct1, kind, "SHARED", "READ")
			})
			_, err = s.GetInlinePolicy(ctx, acct1, kind, "Shared", "read")
			wantErr(t, "GetInlinePolicy deleted", err, store.ErrNotFound)
			err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
				return tx.DeleteInlinePolicy(ctx, acct1, kind, "Shared", "read")
			})
			wantErr(t, "DeleteInlinePolicy missing", err, store.ErrNotFound)
			list, err = s.ListInlinePolicies(ctx, acct1, kind, "Shared")
			ok(t, "ListInlinePolicies", err)
			checkNames(t, "ListInlinePolicies after delete", names(list, inlineName), "Admin", "Write")
		})
	}
	// Each kind saw only its own policies (3 created, 1 deleted).
	for _, kind := range []store.PrincipalKind{store.KindUser, store.KindGroup, store.KindRole} {
		list, err := s.ListInlinePolicies(ctx, acct1, kind, "Shared")
		ok(t, "ListInlinePolicies", err)
		for _, p := range list {
			if want := fmt.Sprintf(`"Sid":"%s-`, kind); !strings.Contains(p.Document, want) {
				t.Errorf("%s policy %s has document %s", kind, p.Name, p.Document)
			}
		}
	}
	if list, err := s.ListInlinePolicies(ctx, acct2, store.KindUser, "Shared"); err != nil || len(list) != 0 {
		t.Errorf("ListInlinePolicies other account = %+v, %v", list, err)
	}
}

func testManagedPolicies(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	_, err := s.GetManagedPolicy(ctx, acct1, "nothing")
	wantErr(t, "GetManagedPolicy missing", err, store.ErrNotFound)
	policies := []store.ManagedPolicy{
		newPolicy(acct1, "ReadOnly", "/"),
		newPolicy(acct1, "admin", "/team/"),
		newPolicy(acct1, "Billing", "/team/finance/"),
		newPolicy(acct2, "ReadOnly", "/"),
	}
	policies[2].UpdatedAt = time.Time{}
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, p := range policies {
			if err := tx.CreateManagedPolicy(ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
	for _, want := range policies {
		got, err := s.GetManagedPolicy(ctx, want.Account, want.Name)
		ok(t, "GetManagedPolicy", err)
		same(t, "GetManagedPolicy "+want.Name, got, want, policyTimes)
	}
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.CreateManagedPolicy(ctx, newPolicy(acct1, "readonly", "/"))
	})
	wantErr(t, "CreateManagedPolicy duplicate", err, store.ErrExists)
	list := func(prefix string, page store.Page, want ...string) {
		t.Helper()
		got, err := s.ListManagedPolicies(ctx, acct1, prefix, page)
		ok(t, "ListManagedPolicies", err)
		checkNames(t, fmt.Sprintf("ListManagedPolicies(%q, %+v)", prefix, page), names(got, policyName), want...)
	}
	list("", store.Page{}, "admin", "Billing", "ReadOnly")
	list("/team/", store.Page{}, "admin", "Billing")
	list("", store.Page{After: "admin", Limit: 1}, "Billing")
	list("/", store.Page{After: "billing"}, "ReadOnly")

	up := newPolicy(acct1, "READONLY", "/new/")
	up.DefaultVersion = "v3"
	up.Description = ""
	up.UpdatedAt = at(48 * time.Hour)
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.UpdateManagedPolicy(ctx, up) })
	got, err := s.GetManagedPolicy(ctx, acct1, "readonly")
	ok(t, "GetManagedPolicy after update", err)
	up.Name = "ReadOnly"
	same(t, "GetManagedPolicy after update", got, up, policyTimes)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.UpdateManagedPolicy(ctx, newPolicy(acct1, "nothing", "/"))
	})
	wantErr(t, "UpdateManagedPolicy missing", err, store.ErrNotFound)

	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.DeleteManagedPolicy(ctx, acct1, "ADMIN") })
	_, err = s.GetManagedPolicy(ctx, acct1, "admin")
	wantErr(t, "GetManagedPolicy deleted", err, store.ErrNotFound)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.DeleteManagedPolicy(ctx, acct1, "admin") })
	wantErr(t, "DeleteManagedPolicy missing", err, store.ErrNotFound)
	list("", store.Page{}, "Billing", "ReadOnly")
	_, err = s.GetManagedPolicy(ctx, acct2, "ReadOnly")
	ok(t, "GetManagedPolicy other account", err)
}

func testPolicyVersions(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateManagedPolicy(ctx, newPolicy(acct1, "Deploy", "/")); err != nil {
			return err
		}
		return tx.CreateManagedPolicy(ctx, newPolicy(acct2, "Deploy", "/"))
	})
	_, err := s.GetPolicyVersion(ctx, acct1, "Deploy", "v1")
	wantErr(t, "GetPolicyVersion missing", err, store.ErrNotFound)
	version := func(account, id string, d time.Duration) store.PolicyVersion {
		return store.PolicyVersion{Account: account, PolicyName: "Deploy", VersionID: id,
			Document: `{"Version":"2012-10-17","Statement":[{"Sid":"` + id + `"}]}`, CreatedAt: at(d)}
	}
	// Added out of name order, with equal and zero times: listing is in
	// the order of addition.
	vs := []store.PolicyVersion{
		version(acct1, "v1", time.Hour), version(acct1, "v2", time.Hour), version(acct1, "v10", 0),
		version(acct1, "v3", 2*time.Hour),
	}
	vs[2].CreatedAt = time.Time{}
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		for i, v := range vs {
			if i == 1 {
				v.PolicyName = "DEPLOY" // stored under the policy's own name
			}
			if err := tx.AddPolicyVersion(ctx, v); err != nil {
				return err
			}
		}
		return tx.AddPolicyVersion(ctx, version(acct2, "v1", 0))
	})
	for _, want := range vs {
		got, err := s.GetPolicyVersion(ctx, acct1, "deploy", want.VersionID)
		ok(t, "GetPolicyVersion", err)
		same(t, "GetPolicyVersion "+want.VersionID, got, want, versionTimes)
	}
	_, err = s.GetPolicyVersion(ctx, acct1, "Deploy", "V1")
	wantErr(t, "GetPolicyVersion in another case", err, store.ErrNotFound)
	list, err := s.ListPolicyVersions(ctx, acct1, "DEPLOY")
	ok(t, "ListPolicyVersions", err)
	checkNames(t, "ListPolicyVersions", names(list, versionID), "v1", "v2", "v10", "v3")
	if len(list) == 4 {
		same(t, "ListPolicyVersions entry", list[2], vs[2], versionTimes)
	}

	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.AddPolicyVersion(ctx, version(acct1, "v2", 0)) })
	wantErr(t, "AddPolicyVersion duplicate", err, store.ErrExists)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		v := version(acct1, "v1", 0)
		v.PolicyName = "Missing"
		return tx.AddPolicyVersion(ctx, v)
	})
	wantErr(t, "AddPolicyVersion to a missing policy", err, store.ErrNotFound)

	update(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.DeletePolicyVersion(ctx, acct1, "deploy", "v2")
	})
	_, err = s.GetPolicyVersion(ctx, acct1, "Deploy", "v2")
	wantErr(t, "GetPolicyVersion deleted", err, store.ErrNotFound)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.DeletePolicyVersion(ctx, acct1, "Deploy", "v2")
	})
	wantErr(t, "DeletePolicyVersion missing", err, store.ErrNotFound)
	// A new version goes last, even after a deletion.
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.AddPolicyVersion(ctx, version(acct1, "v2", 0)) })
	list, err = s.ListPolicyVersions(ctx, acct1, "Deploy")
	ok(t, "ListPolicyVersions", err)
	checkNames(t, "ListPolicyVersions after delete and add", names(list, versionID), "v1", "v10", "v3", "v2")

	// Deleting the policy deletes its versions; a new policy of the same
	// name starts with none.
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.DeleteManagedPolicy(ctx, acct1, "Deploy") })
	_, err = s.GetPolicyVersion(ctx, acct1, "Deploy", "v1")
	wantErr(t, "GetPolicyVersion of a deleted policy", err, store.ErrNotFound)
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.CreateManagedPolicy(ctx, newPolicy(acct1, "deploy", "/"))
	})
	list, err = s.ListPolicyVersions(ctx, acct1, "deploy")
	ok(t, "ListPolicyVersions", err)
	checkNames(t, "ListPolicyVersions of a recreated policy", names(list, versionID))
	list, err = s.ListPolicyVersions(ctx, acct2, "Deploy")
	ok(t, "ListPolicyVersions other account", err)
	checkNames(t, "ListPolicyVersions other account", names(list, versionDoc), version(acct2, "v1", 0).Document)
}

func testAttachments(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	const (
		arnA = "arn:aws:iam::aws:policy/AdministratorAccess"
		arnB = "arn:aws:iam::" + acct1 + ":policy/Billing"
		arnC = "arn:aws:iam::" + acct1 + ":policy/team/Cost"
	)
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateUser(ctx, newUser(acct1, "Alice", "/")); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, newUser(acct1, "bob", "/")); err != nil {
			return err
		}
		if err := tx.CreateGroup(ctx, newGroup(acct1, "Admins", "/")); err != nil {
			return err
		}
		if err := tx.CreateRole(ctx, newRole(acct1, "Ops", "/")); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, newUser(acct2, "Alice", "/")); err != nil {
			return err
		}
		for _, a := range []store.Attachment{
			{Account: acct1, Kind: store.KindUser, Principal: "alice", PolicyARN: arnC},
			{Account: acct1, Kind: store.KindUser, Principal: "ALICE", PolicyARN: arnA},
			{Account: acct1, Kind: store.KindUser, Principal: "Alice", PolicyARN: arnB},
			{Account: acct1, Kind: store.KindUser, Principal: "Alice", PolicyARN: arnA}, // idempotent
			{Account: acct1, Kind: store.KindUser, Principal: "bob", PolicyARN: arnA},
			{Account: acct1, Kind: store.KindGroup, Principal: "admins", PolicyARN: arnA},
			{Account: acct1, Kind: store.KindRole, Principal: "ops", PolicyARN: arnA},
			{Account: acct1, Kind: store.KindRole, Principal: "Ops", PolicyARN: arnB},
			{Account: acct2, Kind: store.KindUser, Principal: "Alice", PolicyARN: arnA},
		} {
			if err := tx.Attach(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	attached := func(kind store.PrincipalKind, who string, want ...string) {
		t.Helper()
		got, err := s.ListAttachedPolicies(ctx, acct1, kind, who)
		ok(t, "ListAttachedPolicies", err)
		checkNames(t, fmt.Sprintf("ListAttachedPolicies(%s, %s)", kind, who), names(got, attachedWhoARN), want...)
	}
	// Sorted by ARN: the account's "arn:aws:iam::1111..." before "arn:aws:iam::aws:...".
	attached(store.KindUser, "aLiCe", "user:Alice "+arnB, "user:Alice "+arnC, "user:Alice "+arnA)
	attached(store.KindUser, "bob", "user:bob "+arnA)
	attached(store.KindGroup, "ADMINS", "group:Admins "+arnA)
	attached(store.KindRole, "ops", "role:Ops "+arnB, "role:Ops "+arnA)
	attached(store.KindGroup, "Alice") // no group of that name
	attached(store.KindUser, "nobody")
	got, err := s.ListAttachedPolicies(ctx, acct1, store.KindUser, "Alice")
	ok(t, "ListAttachedPolicies", err)
	if want := (store.Attachment{Account: acct1, Kind: store.KindUser, Principal: "Alice", PolicyARN: arnB}); len(got) == 0 || got[0] != want {
		t.Errorf("ListAttachedPolicies entry = %+v, want %+v", got, want)
	}

	attachments := func(arn string, want ...string) {
		t.Helper()
		got, err := s.ListPolicyAttachments(ctx, acct1, arn)
		ok(t, "ListPolicyAttachments", err)
		checkNames(t, "ListPolicyAttachments "+arn, names(got, attachedWho), want...)
		for _, a := range got {
			if a.Account != acct1 || a.PolicyARN != arn {
				t.Errorf("ListPolicyAttachments entry %+v", a)
			}
		}
	}
	attachments(arnA, "group:Admins", "role:Ops", "user:Alice", "user:bob")
	attachments(arnB, "role:Ops", "user:Alice")
	attachments("arn:aws:iam::aws:policy/None")
	if got, err := s.ListPolicyAttachments(ctx, acct2, arnA); err != nil || len(got) != 1 {
		t.Errorf("ListPolicyAttachments other account = %+v, %v", got, err)
	}

	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.Attach(ctx, store.Attachment{Account: acct1, Kind: store.KindRole, Principal: "nobody", PolicyARN: arnA})
	})
	wantErr(t, "Attach to a missing identity", err, store.ErrNotFound)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.Detach(ctx, store.Attachment{Account: acct1, Kind: store.KindGroup, Principal: "Admins", PolicyARN: arnB})
	})
	wantErr(t, "Detach not attached", err, store.ErrNotFound)
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.Detach(ctx, store.Attachment{Account: acct1, Kind: store.KindUser, Principal: "ALICE", PolicyARN: arnA})
	})
	attached(store.KindUser, "Alice", "user:Alice "+arnB, "user:Alice "+arnC)
	attachments(arnA, "group:Admins", "role:Ops", "user:bob")
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.Detach(ctx, store.Attachment{Account: acct1, Kind: store.KindUser, Principal: "Alice", PolicyARN: arnA})
	})
	wantErr(t, "Detach again", err, store.ErrNotFound)
	if got, err := s.ListPolicyAttachments(ctx, acct2, arnA); err != nil || len(got) != 1 {
		t.Errorf("ListPolicyAttachments other account after detach = %+v, %v", got, err)
	}
}

// testDeleteIdentityCleansUp checks that deleting an identity removes what
// refers to it, so that a new identity of the same name starts clean (the
// IAM service refuses such deletes first; this is defence in depth).
func testDeleteIdentityCleansUp(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	const arn = "arn:aws:iam::aws:policy/AdministratorAccess"
	setup := func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateUser(ctx, newUser(acct1, "Alice", "/")); err != nil {
			return err
		}
		if err := tx.CreateGroup(ctx, newGroup(acct1, "Admins", "/")); err != nil {
			return err
		}
		if err := tx.CreateRole(ctx, newRole(acct1, "Ops", "/")); err != nil {
			return err
		}
		if err := tx.AddUserToGroup(ctx, acct1, "Admins", "Alice"); err != nil {
			return err
		}
		for _, kind := range []store.PrincipalKind{store.KindUser, store.KindGroup, store.KindRole} {
			who := map[store.PrincipalKind]string{store.KindUser: "Alice", store.KindGroup: "Admins", store.KindRole: "Ops"}[kind]
			if err := tx.PutInlinePolicy(ctx, store.InlinePolicy{Account: acct1, Kind: kind, Principal: who, Name: "p", Document: "{}"}); err != nil {
				return err
			}
			if err := tx.Attach(ctx, store.Attachment{Account: acct1, Kind: kind, Principal: who, PolicyARN: arn}); err != nil {
				return err
			}
		}
		if err := tx.PutAccessKey(ctx, store.AccessKey{AccessKeyID: "AKIAALICE", Account: acct1, Status: "Active", WrappedSecret: []byte{1}, UserName: "Alice"}); err != nil {
			return err
		}
		if err := tx.PutAccessKey(ctx, store.AccessKey{AccessKeyID: "ASIAOPS", Account: acct1, Status: "Active", WrappedSecret: []byte{1},
			RoleName: "Ops", WrappedSessionToken: []byte{1}, Expiration: at(time.Hour)}); err != nil {
			return err
		}
		return tx.PutAccessKey(ctx, store.AccessKey{AccessKeyID: "AKIAROOT", Account: acct1, Status: "Active", WrappedSecret: []byte{1}})
	}
	update(t, s, setup)
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.DeleteUser(ctx, acct1, "alice"); err != nil {
			return err
		}
		if err := tx.DeleteGroup(ctx, acct1, "admins"); err != nil {
			return err
		}
		return tx.DeleteRole(ctx, acct1, "ops")
	})
	for _, id := range []string{"AKIAALICE", "ASIAOPS"} {
		_, err := s.GetAccessKey(ctx, id)
		wantErr(t, "GetAccessKey of a deleted identity", err, store.ErrNotFound)
	}
	_, err := s.GetAccessKey(ctx, "AKIAROOT")
	ok(t, "GetAccessKey of root", err)
	if got, err := s.ListPolicyAttachments(ctx, acct1, arn); err != nil || len(got) != 0 {
		t.Errorf("ListPolicyAttachments after deletes = %+v, %v", got, err)
	}
	// Recreated, they start clean.
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateUser(ctx, newUser(acct1, "alice", "/")); err != nil {
			return err
		}
		if err := tx.CreateGroup(ctx, newGroup(acct1, "admins", "/")); err != nil {
			return err
		}
		return tx.CreateRole(ctx, newRole(acct1, "ops", "/"))
	})
	if gs, err := s.ListGroupsForUser(ctx, acct1, "alice"); err != nil || len(gs) != 0 {
		t.Errorf("ListGroupsForUser of a recreated user = %+v, %v", gs, err)
	}
	if us, err := s.ListGroupMembers(ctx, acct1, "admins"); err != nil || len(us) != 0 {
		t.Errorf("ListGroupMembers of a recreated group = %+v, %v", us, err)
	}
	for kind, who := range map[store.PrincipalKind]string{store.KindUser: "alice", store.KindGroup: "admins", store.KindRole: "ops"} {
		if ps, err := s.ListInlinePolicies(ctx, acct1, kind, who); err != nil || len(ps) != 0 {
			t.Errorf("ListInlinePolicies of a recreated %s = %+v, %v", kind, ps, err)
		}
		if as, err := s.ListAttachedPolicies(ctx, acct1, kind, who); err != nil || len(as) != 0 {
			t.Errorf("ListAttachedPolicies of a recreated %s = %+v, %v", kind, as, err)
		}
	}
	if ks, err := s.ListAccessKeys(ctx, acct1, "alice"); err != nil || len(ks) != 0 {
		t.Errorf("ListAccessKeys of a recreated user = %+v, %v", ks, err)
	}
}

func testGrants(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	k1, k2 := ref(acct1, region, "k1"), ref(acct1, region, "k2")
	createKeys(t, s, newKey(k1), newKey(k2))
	_, err := s.GetGrant(ctx, k1, grantID64(1))
	wantErr(t, "GetGrant missing", err, store.ErrNotFound)
	if gs, err := s.ListGrants(ctx, k1, store.Page{}); err != nil || len(gs) != 0 {
		t.Fatalf("ListGrants empty = %v, %v", gs, err)
	}
	grants := []store.Grant{
		newGrant(k1, grantID64(5), "arn:aws:iam::"+acct1+":role/retirer"),
		newGrant(k1, grantID64(3), ""),
		newGrant(k1, grantID64(1), ""),
		newGrant(k1, grantID64(4), ""),
		newGrant(k1, grantID64(2), ""),
		newGrant(k2, grantID64(6), ""),
	}
	grants[1].Operations = nil
	grants[1].Constraints = ""
	grants[1].Name = ""
	grants[2].CreatedAt = time.Time{}
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, g := range grants {
			if err := tx.CreateGrant(ctx, g); err != nil {
				return err
			}
		}
		return nil
	})
	for _, want := range grants {
		got, err := s.GetGrant(ctx, want.Ref, want.GrantID)
		ok(t, "GetGrant", err)
		same(t, "GetGrant "+want.GrantID, got, want, grantTimes)
	}
	_, err = s.GetGrant(ctx, k2, grantID64(1))
	wantErr(t, "GetGrant of another key", err, store.ErrNotFound)
	_, err = s.GetGrant(ctx, ref(acct2, region, "k1"), grantID64(1))
	wantErr(t, "GetGrant of another account", err, store.ErrNotFound)

	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.CreateGrant(ctx, newGrant(k1, grantID64(1), ""))
	})
	wantErr(t, "CreateGrant duplicate", err, store.ErrExists)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.CreateGrant(ctx, newGrant(k2, grantID64(1), ""))
	})
	wantErr(t, "CreateGrant duplicate id on another key", err, store.ErrExists)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.CreateGrant(ctx, newGrant(ref(acct1, region, "missing"), grantID64(9), ""))
	})
	wantErr(t, "CreateGrant for a missing key", err, store.ErrNotFound)

	list := func(r store.KeyRef, page store.Page, want ...string) []store.Grant {
		t.Helper()
		got, err := s.ListGrants(ctx, r, page)
		ok(t, "ListGrants", err)
		checkNames(t, fmt.Sprintf("ListGrants(%s, %+v)", r.KeyID, page), names(got, grantID), want...)
		return got
	}
	all := list(k1, store.Page{}, grantID64(1), grantID64(2), grantID64(3), grantID64(4), grantID64(5))
	same(t, "ListGrants entry", all[2], grants[1], grantTimes)
	// Page through with Limit 2.
	var pages [][]string
	after := ""
	for range 10 {
		page, err := s.ListGrants(ctx, k1, store.Page{After: after, Limit: 2})
		ok(t, "ListGrants page", err)
		if len(page) == 0 {
			break
		}
		pages = append(pages, names(page, grantID))
		after = page[len(page)-1].GrantID
	}
	if want := [][]string{{grantID64(1), grantID64(2)}, {grantID64(3), grantID64(4)}, {grantID64(5)}}; !reflect.DeepEqual(pages, want) {
		t.Errorf("ListGrants pages = %q, want %q", pages, want)
	}
	list(k2, store.Page{}, grantID64(6))

	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.DeleteGrant(ctx, k1, grantID64(3)) })
	_, err = s.GetGrant(ctx, k1, grantID64(3))
	wantErr(t, "GetGrant deleted", err, store.ErrNotFound)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.DeleteGrant(ctx, k1, grantID64(3)) })
	wantErr(t, "DeleteGrant missing", err, store.ErrNotFound)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.DeleteGrant(ctx, k1, grantID64(6)) })
	wantErr(t, "DeleteGrant of another key's grant", err, store.ErrNotFound)
	list(k1, store.Page{}, grantID64(1), grantID64(2), grantID64(4), grantID64(5))
	list(k2, store.Page{}, grantID64(6))
}

func testRetirableGrants(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	const retirer = "arn:aws:iam::999988887777:role/retirer"
	const other = "arn:aws:iam::999988887777:role/other"
	a1, a2 := ref(acct1, region, "k"), ref(acct2, region, "k")
	west := ref(acct1, "us-west-2", "k")
	createKeys(t, s, newKey(a1), newKey(a2), newKey(west))
	grants := []store.Grant{
		newGrant(a1, grantID64(4), retirer),
		newGrant(a2, grantID64(2), retirer),
		newGrant(a1, grantID64(1), retirer),
		newGrant(a2, grantID64(5), retirer),
		newGrant(a1, grantID64(3), other),
		newGrant(a2, grantID64(6), ""),
		newGrant(west, grantID64(0), retirer), // other region
	}
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, g := range grants {
			if err := tx.CreateGrant(ctx, g); err != nil {
				return err
			}
		}
		return nil
	})
	list := func(region, principal string, page store.Page, want ...string) []store.Grant {
		t.Helper()
		got, err := s.ListRetirableGrants(ctx, region, principal, page)
		ok(t, "ListRetirableGrants", err)
		checkNames(t, fmt.Sprintf("ListRetirableGrants(%s, %s, %+v)", region, principal, page), names(got, grantKey), want...)
		return got
	}
	g := func(r store.KeyRef, n int) string { return r.Account + "/" + r.KeyID + "/" + grantID64(n) }
	got := list(region, retirer, store.Page{}, g(a1, 1), g(a2, 2), g(a1, 4), g(a2, 5))
	same(t, "ListRetirableGrants entry", got[1], grants[1], grantTimes)
	list(region, retirer, store.Page{Limit: 3}, g(a1, 1), g(a2, 2), g(a1, 4))
	list(region, retirer, store.Page{After: grantID64(2), Limit: 1}, g(a1, 4))
	list(region, retirer, store.Page{After: grantID64(4)}, g(a2, 5))
	list(region, other, store.Page{}, g(a1, 3))
	list("us-west-2", retirer, store.Page{}, g(west, 0))
	list("eu-west-1", retirer, store.Page{})
	list(region, "arn:aws:iam::999988887777:role/RETIRER", store.Page{}) // ARNs are case-sensitive

	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.DeleteGrant(ctx, a2, grantID64(2)) })
	list(region, retirer, store.Page{}, g(a1, 1), g(a1, 4), g(a2, 5))
}

func testDeleteKeyCascadesGrants(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	const retirer = "arn:aws:iam::999988887777:role/retirer"
	doomed, kept := ref(acct1, region, "doomed"), ref(acct1, region, "kept")
	createKeys(t, s, newKey(doomed), newKey(kept))
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		for i, r := range []store.KeyRef{doomed, doomed, kept} {
			if err := tx.CreateGrant(ctx, newGrant(r, grantID64(i), retirer)); err != nil {
				return err
			}
		}
		return nil
	})
	var c collector
	defer s.Watch(c.add)()
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.DeleteKey(ctx, doomed) })
	c.waitFor(t, store.Change{Kind: store.ChangeGrant, Account: acct1, Region: region, ID: "doomed"})
	_, err := s.GetGrant(ctx, doomed, grantID64(0))
	wantErr(t, "GetGrant of a deleted key", err, store.ErrNotFound)
	if gs, err := s.ListGrants(ctx, doomed, store.Page{}); err != nil || len(gs) != 0 {
		t.Errorf("ListGrants of a deleted key = %+v, %v", gs, err)
	}
	gs, err := s.ListRetirableGrants(ctx, region, retirer, store.Page{})
	ok(t, "ListRetirableGrants", err)
	checkNames(t, "ListRetirableGrants after DeleteKey", names(gs, grantID), grantID64(2))
	// The id is free again, and a recreated key has no grants.
	createKeys(t, s, newKey(doomed))
	if gs, err := s.ListGrants(ctx, doomed, store.Page{}); err != nil || len(gs) != 0 {
		t.Errorf("ListGrants of a recreated key = %+v, %v", gs, err)
	}
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.CreateGrant(ctx, newGrant(doomed, grantID64(0), ""))
	})
}

func testIAMWatch(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	r := ref(acct1, region, "k")
	createKeys(t, s, newKey(r))
	var c collector
	defer s.Watch(c.add)()
	iam := func(names ...string) []store.Change {
		var out []store.Change
		for _, n := range names {
			out = append(out, store.Change{Kind: store.ChangeIAM, Account: acct1, ID: n})
		}
		return out
	}
	grantChange := store.Change{Kind: store.ChangeGrant, Account: acct1, Region: region, ID: "k"}
	const arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	writes := []struct {
		name string
		fn   func(ctx context.Context, tx store.Tx) error
		want []store.Change
	}{
		{"CreateUser", func(ctx context.Context, tx store.Tx) error { return tx.CreateUser(ctx, newUser(acct1, "Alice", "/")) }, iam("Alice")},
		{"UpdateUser", func(ctx context.Context, tx store.Tx) error {
			return tx.UpdateUser(ctx, newUser(acct1, "alice", "/x/"))
		}, iam("Alice")},
		{"CreateGroup", func(ctx context.Context, tx store.Tx) error {
			return tx.CreateGroup(ctx, newGroup(acct1, "Admins", "/"))
		}, iam("Admins")},
		{"AddUserToGroup", func(ctx context.Context, tx store.Tx) error { return tx.AddUserToGroup(ctx, acct1, "Admins", "Alice") }, iam("Admins", "Alice")},
		{"RemoveUserFromGroup", func(ctx context.Context, tx store.Tx) error {
			return tx.RemoveUserFromGroup(ctx, acct1, "admins", "alice")
		}, iam("Admins", "Alice")},
		{"CreateRole", func(ctx context.Context, tx store.Tx) error { return tx.CreateRole(ctx, newRole(acct1, "Ops", "/")) }, iam("Ops")},
		{"UpdateRole", func(ctx context.Context, tx store.Tx) error { return tx.UpdateRole(ctx, newRole(acct1, "Ops", "/y/")) }, iam("Ops")},
		{"PutInlinePolicy", func(ctx context.Context, tx store.Tx) error {
			return tx.PutInlinePolicy(ctx, store.InlinePolicy{Account: acct1, Kind: store.KindRole, Principal: "Ops", Name: "p", Document: "{}"})
		}, iam("Ops")},
		{"DeleteInlinePolicy", func(ctx context.Context, tx store.Tx) error {
			return tx.DeleteInlinePolicy(ctx, acct1, store.KindRole, "Ops", "p")
		}, iam("Ops")},
		{"CreateManagedPolicy", func(ctx context.Context, tx store.Tx) error {
			return tx.CreateManagedPolicy(ctx, newPolicy(acct1, "Pol", "/"))
		}, iam("Pol")},
		{"UpdateManagedPolicy", func(ctx context.Context, tx store.Tx) error {
			return tx.UpdateManagedPolicy(ctx, newPolicy(acct1, "Pol", "/"))
		}, iam("Pol")},
		{"AddPolicyVersion", func(ctx context.Context, tx store.Tx) error {
			return tx.AddPolicyVersion(ctx, store.PolicyVersion{Account: acct1, PolicyName: "Pol", VersionID: "v1", Document: "{}"})
		}, iam("Pol")},
		{"DeletePolicyVersion", func(ctx context.Context, tx store.Tx) error { return tx.DeletePolicyVersion(ctx, acct1, "Pol", "v1") }, iam("Pol")},
		{"Attach", func(ctx context.Context, tx store.Tx) error {
			return tx.Attach(ctx, store.Attachment{Account: acct1, Kind: store.KindUser, Principal: "Alice", PolicyARN: arn})
		}, iam("Alice")},
		{"Detach", func(ctx context.Context, tx store.Tx) error {
			return tx.Detach(ctx, store.Attachment{Account: acct1, Kind: store.KindUser, Principal: "Alice", PolicyARN: arn})
		}, iam("Alice")},
		{"DeleteManagedPolicy", func(ctx context.Context, tx store.Tx) error { return tx.DeleteManagedPolicy(ctx, acct1, "Pol") }, iam("Pol")},
		{"DeleteRole", func(ctx context.Context, tx store.Tx) error { return tx.DeleteRole(ctx, acct1, "Ops") }, iam("Ops")},
		{"DeleteGroup", func(ctx context.Context, tx store.Tx) error {
			if err := tx.AddUserToGroup(ctx, acct1, "Admins", "Alice"); err != nil {
				return err
			}
			return tx.DeleteGroup(ctx, acct1, "Admins")
		}, iam("Admins", "Alice")},
		{"DeleteUser", func(ctx context.Context, tx store.Tx) error {
			if err := tx.PutAccessKey(ctx, store.AccessKey{AccessKeyID: "AKIAALICE", Account: acct1, Status: "Active", WrappedSecret: []byte{1}, UserName: "Alice"}); err != nil {
				return err
			}
			return tx.DeleteUser(ctx, acct1, "ALICE")
		}, append(iam("Alice"), store.Change{Kind: store.ChangeAccessKey, ID: "AKIAALICE"})},
		{"PutAccessKey", func(ctx context.Context, tx store.Tx) error {
			return tx.PutAccessKey(ctx, store.AccessKey{AccessKeyID: "ASIAT", Account: acct1, Status: "Active", WrappedSecret: []byte{1},
				RoleName: "r", WrappedSessionToken: []byte{1}, Expiration: at(0)})
		}, []store.Change{{Kind: store.ChangeAccessKey, ID: "ASIAT"}}},
		{"DeleteExpiredAccessKeys", func(ctx context.Context, tx store.Tx) error {
			_, err := tx.DeleteExpiredAccessKeys(ctx, at(time.Second))
			return err
		}, []store.Change{{Kind: store.ChangeAccessKey, ID: "ASIAT"}}},
		{"CreateGrant", func(ctx context.Context, tx store.Tx) error {
			return tx.CreateGrant(ctx, newGrant(r, grantID64(1), ""))
		}, []store.Change{grantChange}},
		{"DeleteGrant", func(ctx context.Context, tx store.Tx) error { return tx.DeleteGrant(ctx, r, grantID64(1)) }, []store.Change{grantChange}},
		{"DeleteKey", func(ctx context.Context, tx store.Tx) error {
			if err := tx.CreateGrant(ctx, newGrant(r, grantID64(2), "")); err != nil {
				return err
			}
			return tx.DeleteKey(ctx, r)
		}, []store.Change{grantChange, {Kind: store.ChangeKey, Account: acct1, Region: region, ID: "k"}}},
	}
	for _, w := range writes {
		c.mu.Lock()
		c.got = nil
		c.mu.Unlock()
		if err := s.Update(ctx, w.fn); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		c.waitFor(t, w.want...)
	}

	// Failed or rolled-back writes tell no one.
	c.mu.Lock()
	c.got = nil
	c.mu.Unlock()
	err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateUser(ctx, newUser(acct1, "Ghost", "/")); err != nil {
			return err
		}
		return errRollback
	})
	wantErr(t, "Update rolled back", err, errRollback)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.DeleteUser(ctx, acct1, "nobody") })
	wantErr(t, "DeleteUser missing", err, store.ErrNotFound)
	// A marker write, to know that everything before it was delivered.
	marker := store.Change{Kind: store.ChangeIAM, Account: acct1, ID: "marker"}
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.CreateUser(ctx, newUser(acct1, "marker", "/")) })
	c.waitFor(t, marker)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range c.got {
		if ch != marker && ch.Kind != store.ChangeAll {
			t.Errorf("unexpected change %+v", ch)
		}
	}
}

func testIAMAtomicity(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	r := ref(acct1, region, "k")
	createKeys(t, s, newKey(r))
	expired := store.AccessKey{AccessKeyID: "ASIAOLD", Account: acct1, Status: "Active", WrappedSecret: []byte{1},
		RoleName: "r", WrappedSessionToken: []byte{1}, Expiration: at(0)}
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.PutAccessKey(ctx, expired); err != nil {
			return err
		}
		// A user to delete, with a group, policy, attachment and key.
		if err := tx.CreateUser(ctx, newUser(acct1, "Keep", "/")); err != nil {
			return err
		}
		if err := tx.CreateGroup(ctx, newGroup(acct1, "KeepGroup", "/")); err != nil {
			return err
		}
		if err := tx.AddUserToGroup(ctx, acct1, "KeepGroup", "Keep"); err != nil {
			return err
		}
		if err := tx.PutInlinePolicy(ctx, store.InlinePolicy{Account: acct1, Kind: store.KindUser, Principal: "Keep", Name: "p", Document: "{}"}); err != nil {
			return err
		}
		if err := tx.PutAccessKey(ctx, store.AccessKey{AccessKeyID: "AKIAKEEP", Account: acct1, Status: "Active", WrappedSecret: []byte{1}, UserName: "Keep"}); err != nil {
			return err
		}
		return tx.CreateGrant(ctx, newGrant(r, grantID64(7), "retirer"))
	})
	var c collector
	defer s.Watch(c.add)()

	err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		steps := []func() error{
			func() error { return tx.CreateUser(ctx, newUser(acct1, "Alice", "/")) },
			func() error { return tx.CreateGroup(ctx, newGroup(acct1, "Admins", "/")) },
			func() error { return tx.AddUserToGroup(ctx, acct1, "Admins", "Alice") },
			func() error { return tx.CreateRole(ctx, newRole(acct1, "Ops", "/")) },
			func() error {
				return tx.PutInlinePolicy(ctx, store.InlinePolicy{Account: acct1, Kind: store.KindRole, Principal: "Ops", Name: "p", Document: "{}"})
			},
			func() error { return tx.CreateManagedPolicy(ctx, newPolicy(acct1, "Pol", "/")) },
			func() error {
				return tx.AddPolicyVersion(ctx, store.PolicyVersion{Account: acct1, PolicyName: "Pol", VersionID: "v1", Document: "{}"})
			},
			func() error {
				return tx.Attach(ctx, store.Attachment{Account: acct1, Kind: store.KindGroup, Principal: "Admins", PolicyARN: "arn"})
			},
			func() error { return tx.CreateGrant(ctx, newGrant(r, grantID64(1), "retirer")) },
			func() error { return tx.DeleteGrant(ctx, r, grantID64(7)) },
			func() error {
				return tx.PutAccessKey(ctx, store.AccessKey{AccessKeyID: "AKIANEW", Account: acct1, Status: "Active", WrappedSecret: []byte{1}, UserName: "Alice"})
			},
			func() error {
				n, err := tx.DeleteExpiredAccessKeys(ctx, at(time.Hour))
				if err == nil && n != 1 {
					return fmt.Errorf("DeleteExpiredAccessKeys = %d: %w", n, errUnexpected)
				}
				return err
			},
			func() error { return tx.DeleteUser(ctx, acct1, "Keep") },
		}
		for i, step := range steps {
			if err := step(); err != nil {
				return fmt.Errorf("step %d: %w", i, err)
			}
		}
		// The transaction sees its own writes.
		if u, err := tx.GetUser(ctx, acct1, "alice"); err != nil || u.Name != "Alice" {
			return fmt.Errorf("GetUser in tx = %+v, %v: %w", u, err, errUnexpected)
		}
		if gs, err := tx.ListGroupsForUser(ctx, acct1, "Alice"); err != nil || len(gs) != 1 {
			return fmt.Errorf("ListGroupsForUser in tx = %+v, %v: %w", gs, err, errUnexpected)
		}
		if _, err := tx.GetGrant(ctx, r, grantID64(1)); err != nil {
			return fmt.Errorf("GetGrant in tx: %w", err)
		}
		if _, err := tx.GetUser(ctx, acct1, "Keep"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("GetUser of a user deleted in tx: %v: %w", err, errUnexpected)
		}
		// Not visible outside the transaction before commit.
		if _, err := s.GetUser(ctx, acct1, "Alice"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("GetUser outside the tx before commit: %v: %w", err, errUnexpected)
		}
		return errRollback
	})
	wantErr(t, "Update returning an error", err, errRollback)

	_, err = s.GetUser(ctx, acct1, "Alice")
	wantErr(t, "GetUser after rollback", err, store.ErrNotFound)
	_, err = s.GetGroup(ctx, acct1, "Admins")
	wantErr(t, "GetGroup after rollback", err, store.ErrNotFound)
	_, err = s.GetRole(ctx, acct1, "Ops")
	wantErr(t, "GetRole after rollback", err, store.ErrNotFound)
	_, err = s.GetInlinePolicy(ctx, acct1, store.KindRole, "Ops", "p")
	wantErr(t, "GetInlinePolicy after rollback", err, store.ErrNotFound)
	_, err = s.GetManagedPolicy(ctx, acct1, "Pol")
	wantErr(t, "GetManagedPolicy after rollback", err, store.ErrNotFound)
	_, err = s.GetPolicyVersion(ctx, acct1, "Pol", "v1")
	wantErr(t, "GetPolicyVersion after rollback", err, store.ErrNotFound)
	if as, err := s.ListPolicyAttachments(ctx, acct1, "arn"); err != nil || len(as) != 0 {
		t.Errorf("ListPolicyAttachments after rollback = %+v, %v", as, err)
	}
	_, err = s.GetGrant(ctx, r, grantID64(1))
	wantErr(t, "GetGrant after rollback", err, store.ErrNotFound)
	_, err = s.GetGrant(ctx, r, grantID64(7))
	ok(t, "GetGrant of a grant deleted then rolled back", err)
	_, err = s.GetAccessKey(ctx, "AKIANEW")
	wantErr(t, "GetAccessKey after rollback", err, store.ErrNotFound)
	_, err = s.GetAccessKey(ctx, expired.AccessKeyID)
	ok(t, "GetAccessKey of an expired key whose deletion rolled back", err)
	_, err = s.GetUser(ctx, acct1, "Keep")
	ok(t, "GetUser of a user whose deletion rolled back", err)
	if gs, err := s.ListGroupsForUser(ctx, acct1, "Keep"); err != nil || len(gs) != 1 {
		t.Errorf("ListGroupsForUser after rollback = %+v, %v", gs, err)
	}
	if ps, err := s.ListInlinePolicies(ctx, acct1, store.KindUser, "Keep"); err != nil || len(ps) != 1 {
		t.Errorf("ListInlinePolicies after rollback = %+v, %v", ps, err)
	}
	_, err = s.GetAccessKey(ctx, "AKIAKEEP")
	ok(t, "GetAccessKey of a user whose deletion rolled back", err)

	// A marker write, to know that nothing was delivered before it.
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.CreateUser(ctx, newUser(acct1, "marker", "/")) })
	marker := store.Change{Kind: store.ChangeIAM, Account: acct1, ID: "marker"}
	c.waitFor(t, marker)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range c.got {
		if ch != marker && ch.Kind != store.ChangeAll {
			t.Errorf("a rolled-back transaction reported %+v", ch)
		}
	}
}

// testIAMContinueAfterError checks that a tx stays usable after an IAM
// method returned ErrExists or ErrNotFound.
func testIAMContinueAfterError(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	r := ref(acct1, region, "k")
	missingKey := ref(acct1, region, "missing")
	createKeys(t, s, newKey(r))
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateUser(ctx, newUser(acct1, "Alice", "/")); err != nil {
			return err
		}
		if err := tx.CreateGroup(ctx, newGroup(acct1, "Admins", "/")); err != nil {
			return err
		}
		if err := tx.CreateRole(ctx, newRole(acct1, "Ops", "/")); err != nil {
			return err
		}
		if err := tx.CreateManagedPolicy(ctx, newPolicy(acct1, "Pol", "/")); err != nil {
			return err
		}
		if err := tx.AddPolicyVersion(ctx, store.PolicyVersion{Account: acct1, PolicyName: "Pol", VersionID: "v1"}); err != nil {
			return err
		}
		return tx.CreateGrant(ctx, newGrant(r, grantID64(1), ""))
	})
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		steps := []struct {
			name string
			err  error
			want error
		}{
			{"CreateUser", tx.CreateUser(ctx, newUser(acct1, "ALICE", "/")), store.ErrExists},
			{"UpdateUser", tx.UpdateUser(ctx, newUser(acct1, "nobody", "/")), store.ErrNotFound},
			{"DeleteUser", tx.DeleteUser(ctx, acct1, "nobody"), store.ErrNotFound},
			{"CreateGroup", tx.CreateGroup(ctx, newGroup(acct1, "admins", "/")), store.ErrExists},
			{"DeleteGroup", tx.DeleteGroup(ctx, acct1, "nobody"), store.ErrNotFound},
			{"AddUserToGroup", tx.AddUserToGroup(ctx, acct1, "Admins", "nobody"), store.ErrNotFound},
			{"RemoveUserFromGroup", tx.RemoveUserFromGroup(ctx, acct1, "Admins", "Alice"), store.ErrNotFound},
			{"CreateRole", tx.CreateRole(ctx, newRole(acct1, "OPS", "/")), store.ErrExists},
			{"UpdateRole", tx.UpdateRole(ctx, newRole(acct1, "nobody", "/")), store.ErrNotFound},
			{"DeleteRole", tx.DeleteRole(ctx, acct1, "nobody"), store.ErrNotFound},
			{"PutInlinePolicy", tx.PutInlinePolicy(ctx, store.InlinePolicy{Account: acct1, Kind: store.KindUser, Principal: "nobody", Name: "p"}), store.ErrNotFound},
			{"DeleteInlinePolicy", tx.DeleteInlinePolicy(ctx, acct1, store.KindUser, "Alice", "p"), store.ErrNotFound},
			{"CreateManagedPolicy", tx.CreateManagedPolicy(ctx, newPolicy(acct1, "POL", "/")), store.ErrExists},
			{"UpdateManagedPolicy", tx.UpdateManagedPolicy(ctx, newPolicy(acct1, "nothing", "/")), store.ErrNotFound},
			{"DeleteManagedPolicy", tx.DeleteManagedPolicy(ctx, acct1, "nothing"), store.ErrNotFound},
			{"AddPolicyVersion", tx.AddPolicyVersion(ctx, store.PolicyVersion{Account: acct1, PolicyName: "Pol", VersionID: "v1"}), store.ErrExists},
			{"AddPolicyVersion missing policy", tx.AddPolicyVersion(ctx, store.PolicyVersion{Account: acct1, PolicyName: "nothing", VersionID: "v1"}), store.ErrNotFound},
			{"DeletePolicyVersion", tx.DeletePolicyVersion(ctx, acct1, "Pol", "v9"), store.ErrNotFound},
			{"Attach", tx.Attach(ctx, store.Attachment{Account: acct1, Kind: store.KindGroup, Principal: "nobody", PolicyARN: "arn"}), store.ErrNotFound},
			{"Detach", tx.Detach(ctx, store.Attachment{Account: acct1, Kind: store.KindGroup, Principal: "Admins", PolicyARN: "arn"}), store.ErrNotFound},
			{"CreateGrant", tx.CreateGrant(ctx, newGrant(r, grantID64(1), "")), store.ErrExists},
			{"CreateGrant missing key", tx.CreateGrant(ctx, newGrant(missingKey, grantID64(2), "")), store.ErrNotFound},
			{"DeleteGrant", tx.DeleteGrant(ctx, r, grantID64(2)), store.ErrNotFound},
		}
		for _, st := range steps {
			if !errors.Is(st.err, st.want) {
				t.Errorf("%s: got %v, want %v", st.name, st.err, st.want)
			}
		}
		for _, read := range []struct {
			name string
			err  error
		}{
			{"GetUser", func() error { _, err := tx.GetUser(ctx, acct1, "nobody"); return err }()},
			{"GetGroup", func() error { _, err := tx.GetGroup(ctx, acct1, "nobody"); return err }()},
			{"GetRole", func() error { _, err := tx.GetRole(ctx, acct1, "nobody"); return err }()},
			{"GetInlinePolicy", func() error { _, err := tx.GetInlinePolicy(ctx, acct1, store.KindUser, "Alice", "p"); return err }()},
			{"GetManagedPolicy", func() error { _, err := tx.GetManagedPolicy(ctx, acct1, "nothing"); return err }()},
			{"GetPolicyVersion", func() error { _, err := tx.GetPolicyVersion(ctx, acct1, "Pol", "v9"); return err }()},
			{"GetGrant", func() error { _, err := tx.GetGrant(ctx, r, grantID64(9)); return err }()},
		} {
			if !errors.Is(read.err, store.ErrNotFound) {
				t.Errorf("%s missing in tx: %v, want ErrNotFound", read.name, read.err)
			}
		}
		return tx.CreateUser(ctx, newUser(acct1, "after-errors", "/"))
	})
	_, err := s.GetUser(ctx, acct1, "after-errors")
	ok(t, "GetUser after errors", err)
}
