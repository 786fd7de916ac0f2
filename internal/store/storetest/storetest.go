// Package storetest is the conformance suite that every store.Store
// implementation must pass: the same subtests run against SQLite and
// PostgreSQL.
//
// Times written by the suite have millisecond precision, and the stores
// must give them back equal (time.Time.Equal) and in UTC: implementations
// keep at least microsecond precision.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/coffer-kms/coffer/internal/store"
)

// Run runs the conformance suite. open must return a new, empty store and
// arrange (with t.Cleanup) for it to be closed and removed; it is called
// once per subtest, sometimes more.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open func(t *testing.T) store.Store)
	}{
		{"Accounts", testAccounts},
		{"AccessKeys", testAccessKeys},
		{"Keys", testKeys},
		{"ListKeysPaging", testListKeysPaging},
		{"Isolation", testIsolation},
		{"ListKeysDue", testListKeysDue},
		{"Materials", testMaterials},
		{"Aliases", testAliases},
		{"Tags", testTags},
		{"Settings", testSettings},
		{"DeleteKeyCascade", testDeleteKeyCascade},
		{"Atomicity", testAtomicity},
		{"ReadYourWrites", testReadYourWrites},
		{"ContinueAfterError", testContinueAfterError},
		{"Watch", testWatch},
		{"ConcurrentUpdates", testConcurrentUpdates},
	}
	tests = append(tests, iamTests...)
	tests = append(tests, usageTests...)
	for _, tc := range append(tests, s3Tests...) {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

// base is the suite's reference time, with millisecond precision.
var base = time.Date(2025, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

func at(d time.Duration) time.Time { return base.Add(d) }

// update runs fn in s.Update and fails the test on error.
func update(t *testing.T, s store.Store, fn func(ctx context.Context, tx store.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// wantErr fails the test unless errors.Is(err, want).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func ok(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// utc normalizes a time for comparison: UTC location, no monotonic reading.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func checkTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) || got.IsZero() != want.IsZero() {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
	if !got.IsZero() && got.Location() != time.UTC {
		t.Errorf("%s: location %v, want UTC", what, got.Location())
	}
}

func normKey(k store.Key) store.Key {
	k.CreationDate = utc(k.CreationDate)
	k.DeletionDate = utc(k.DeletionDate)
	k.NextRotation = utc(k.NextRotation)
	k.MaterialExpires = utc(k.MaterialExpires)
	return k
}

func checkKey(t *testing.T, got, want store.Key) {
	t.Helper()
	checkTime(t, "CreationDate", got.CreationDate, want.CreationDate)
	checkTime(t, "DeletionDate", got.DeletionDate, want.DeletionDate)
	checkTime(t, "NextRotation", got.NextRotation, want.NextRotation)
	checkTime(t, "MaterialExpires", got.MaterialExpires, want.MaterialExpires)
	if g, w := normKey(got), normKey(want); g != w {
		t.Errorf("key mismatch:\n got  %+v\n want %+v", g, w)
	}
}

func checkKeyIDs(t *testing.T, what string, got []store.Key, want ...string) {
	t.Helper()
	ids := []string{}
	for _, k := range got {
		ids = append(ids, k.Ref.KeyID)
	}
	if want == nil {
		want = []string{}
	}
	if !reflect.DeepEqual(ids, want) {
		t.Errorf("%s: got %q, want %q", what, ids, want)
	}
}

func ref(account, region, id string) store.KeyRef {
	return store.KeyRef{Account: account, Region: region, KeyID: id}
}

// newKey returns a key with every attribute set.
func newKey(r store.KeyRef) store.Key {
	return store.Key{
		Ref:                r,
		CreationDate:       at(0),
		Description:        "key " + r.KeyID + " — ünïcode",
		KeySpec:            "SYMMETRIC_DEFAULT",
		KeyUsage:           "ENCRYPT_DECRYPT",
		Origin:             "AWS_KMS",
		KeyManager:         "CUSTOMER",
		MultiRegion:        true,
		State:              "Enabled",
		PendingWindowDays:  7,
		Policy:             `{"Version":"2012-10-17","Statement":[]}`,
		RotationEnabled:    true,
		RotationPeriodDays: 365,
		NextRotation:       at(365 * 24 * time.Hour),
		CurrentVersion:     1,
		OnDemandRotations:  2,
		MaterialExpires:    at(48 * time.Hour),
		Attrs:              `{"x":1}`,
	}
}

func createKeys(t *testing.T, s store.Store, keys ...store.Key) {
	t.Helper()
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, k := range keys {
			if err := tx.CreateKey(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
}

func testAccounts(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	_, err := s.GetAccount(ctx, "111122223333")
	wantErr(t, "GetAccount missing", err, store.ErrNotFound)
	if as, err := s.ListAccounts(ctx); err != nil || len(as) != 0 {
		t.Fatalf("ListAccounts empty = %v, %v", as, err)
	}

	accts := []store.Account{
		{ID: "222233334444", Name: "second", CreatedAt: at(time.Second)},
		{ID: "111122223333", Name: "first", CreatedAt: at(0)},
		{ID: "000000000000", Name: "zero"}, // zero CreatedAt
	}
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, a := range accts {
			if err := tx.CreateAccount(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.CreateAccount(ctx, store.Account{ID: "111122223333", Name: "dup"})
	})
	wantErr(t, "CreateAccount duplicate", err, store.ErrExists)

	got, err := s.GetAccount(ctx, "111122223333")
	ok(t, "GetAccount", err)
	if got.ID != "111122223333" || got.Name != "first" {
		t.Errorf("GetAccount = %+v", got)
	}
	checkTime(t, "CreatedAt", got.CreatedAt, at(0))

	list, err := s.ListAccounts(ctx)
	ok(t, "ListAccounts", err)
	var ids []string
	for _, a := range list {
		ids = append(ids, a.ID)
	}
	if want := []string{"000000000000", "111122223333", "222233334444"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ListAccounts ids = %q, want %q", ids, want)
	}
	if !list[0].CreatedAt.IsZero() {
		t.Errorf("zero CreatedAt came back as %v", list[0].CreatedAt)
	}
	checkTime(t, "ListAccounts CreatedAt", list[2].CreatedAt, at(time.Second))
}

func testAccessKeys(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	_, err := s.GetAccessKey(ctx, "AKIAMISSING")
	wantErr(t, "GetAccessKey missing", err, store.ErrNotFound)

	k := store.AccessKey{
		AccessKeyID:   "AKIAEXAMPLE",
		Account:       "111122223333",
		PrincipalARN:  "arn:aws:iam::111122223333:root",
		UserID:        "111122223333",
		WrappedSecret: []byte{0, 1, 2, 0xff, 0},
		Status:        "Active",
		CreatedAt:     at(0),
	}
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.PutAccessKey(ctx, k) })
	check := func(want store.AccessKey) {
		t.Helper()
		got, err := s.GetAccessKey(ctx, want.AccessKeyID)
		ok(t, "GetAccessKey", err)
		checkTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
		got.CreatedAt, want.CreatedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("GetAccessKey:\n got  %+v\n want %+v", got, want)
		}
	}
	check(k)

	// Put replaces.
	k2 := k
	k2.Status = "Inactive"
	k2.WrappedSecret = []byte("other")
	k2.CreatedAt = at(time.Hour)
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.PutAccessKey(ctx, k2) })
	check(k2)

	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.DeleteAccessKey(ctx, k.AccessKeyID) })
	_, err = s.GetAccessKey(ctx, k.AccessKeyID)
	wantErr(t, "GetAccessKey deleted", err, store.ErrNotFound)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.DeleteAccessKey(ctx, k.AccessKeyID) })
	wantErr(t, "DeleteAccessKey missing", err, store.ErrNotFound)
}

func testKeys(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	r := ref("111122223333", "us-east-1", "1234abcd-12ab-34cd-56ef-1234567890ab")
	_, err := s.GetKey(ctx, r)
	wantErr(t, "GetKey missing", err, store.ErrNotFound)

	k := newKey(r)
	createKeys(t, s, k)
	got, err := s.GetKey(ctx, r)
	ok(t, "GetKey", err)
	checkKey(t, got, k)

	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.CreateKey(ctx, newKey(r)) })
	wantErr(t, "CreateKey duplicate", err, store.ErrExists)

	// Update every field, including to zero times and extreme values.
	k2 := k
	k2.Description = ""
	k2.State = "PendingDeletion"
	k2.DeletionDate = at(7 * 24 * time.Hour)
	k2.PendingWindowDays = 30
	k2.MultiRegion = false
	k2.RotationEnabled = false
	k2.NextRotation = time.Time{}
	k2.RotationPeriodDays = 0
	k2.CurrentVersion = 1<<32 - 1
	k2.OnDemandRotations = 25
	k2.Policy = ""
	k2.Attrs = ""
	k2.KeySpec, k2.KeyUsage, k2.Origin, k2.KeyManager = "HMAC_256", "GENERATE_VERIFY_MAC", "EXTERNAL", "AWS"
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.UpdateKey(ctx, k2) })
	got, err = s.GetKey(ctx, r)
	ok(t, "GetKey after update", err)
	checkKey(t, got, k2)

	// Times in another location come back as the same instant in UTC.
	k3 := k2
	k3.CreationDate = at(0).In(time.FixedZone("X", 5*3600+1800))
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.UpdateKey(ctx, k3) })
	got, err = s.GetKey(ctx, r)
	ok(t, "GetKey after update", err)
	checkKey(t, got, k2)

	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.UpdateKey(ctx, newKey(ref("111122223333", "us-east-1", "missing")))
	})
	wantErr(t, "UpdateKey missing", err, store.ErrNotFound)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.DeleteKey(ctx, ref("111122223333", "us-east-1", "missing"))
	})
	wantErr(t, "DeleteKey missing", err, store.ErrNotFound)
}

func testListKeysPaging(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	const acct, region = "111122223333", "eu-west-1"
	var keys []store.Key
	for _, id := range []string{"d", "b", "e", "a", "c"} {
		keys = append(keys, newKey(ref(acct, region, id)))
	}
	// Noise in other accounts and regions.
	keys = append(keys,
		newKey(ref(acct, "eu-west-2", "a0")),
		newKey(ref("999999999999", region, "a1")),
	)
	createKeys(t, s, keys...)

	all, err := s.ListKeys(ctx, acct, region, store.Page{})
	ok(t, "ListKeys", err)
	checkKeyIDs(t, "ListKeys all", all, "a", "b", "c", "d", "e")
	for _, k := range all {
		checkKey(t, k, newKey(k.Ref))
	}

	var pages [][]string
	after := ""
	for {
		page, err := s.ListKeys(ctx, acct, region, store.Page{After: after, Limit: 2})
		ok(t, "ListKeys page", err)
		if len(page) == 0 {
			break
		}
		var ids []string
		for _, k := range page {
			ids = append(ids, k.Ref.KeyID)
		}
		pages = append(pages, ids)
		after = page[len(page)-1].Ref.KeyID
		if len(pages) > 10 {
			t.Fatal("paging does not end")
		}
	}
	if want := [][]string{{"a", "b"}, {"c", "d"}, {"e"}}; !reflect.DeepEqual(pages, want) {
		t.Errorf("pages = %q, want %q", pages, want)
	}
	got, err := s.ListKeys(ctx, acct, region, store.Page{After: "bb"})
	ok(t, "ListKeys after", err)
	checkKeyIDs(t, "ListKeys after bb", got, "c", "d", "e")
	got, err = s.ListKeys(ctx, acct, "ap-south-1", store.Page{})
	ok(t, "ListKeys empty region", err)
	checkKeyIDs(t, "ListKeys empty region", got)
}

func testIsolation(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	refs := []store.KeyRef{
		ref("111122223333", "us-east-1", "same"),
		ref("111122223333", "us-west-2", "same"),
		ref("444455556666", "us-east-1", "same"),
	}
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		for i, r := range refs {
			k := newKey(r)
			k.Description = fmt.Sprint("number ", i)
			if err := tx.CreateKey(ctx, k); err != nil {
				return err
			}
			if err := tx.AddMaterial(ctx, store.Material{Ref: r, Version: 1, MaterialID: fmt.Sprint("m", i), Wrapped: []byte{byte(i)}, CreatedAt: at(0)}); err != nil {
				return err
			}
			if err := tx.PutTags(ctx, r, []store.Tag{{Key: "n", Value: fmt.Sprint(i)}}); err != nil {
				return err
			}
			if err := tx.CreateAlias(ctx, store.Alias{Account: r.Account, Region: r.Region, Name: "alias/same", TargetKeyID: r.KeyID, CreatedAt: at(0), UpdatedAt: at(0)}); err != nil {
				return err
			}
		}
		return nil
	})
	for i, r := range refs {
		k, err := s.GetKey(ctx, r)
		ok(t, "GetKey", err)
		if want := fmt.Sprint("number ", i); k.Description != want {
			t.Errorf("%v: Description %q, want %q", r, k.Description, want)
		}
		m, err := s.GetMaterial(ctx, r, 1)
		ok(t, "GetMaterial", err)
		if m.MaterialID != fmt.Sprint("m", i) {
			t.Errorf("%v: MaterialID %q", r, m.MaterialID)
		}
		tags, err := s.ListTags(ctx, r)
		ok(t, "ListTags", err)
		if len(tags) != 1 || tags[0].Value != fmt.Sprint(i) {
			t.Errorf("%v: tags %v", r, tags)
		}
		as, err := s.ListAliases(ctx, r.Account, r.Region, "", store.Page{})
		ok(t, "ListAliases", err)
		if len(as) != 1 {
			t.Errorf("%v: aliases %v", r, as)
		}
	}
	_, err := s.GetKey(ctx, ref("444455556666", "us-west-2", "same"))
	wantErr(t, "GetKey other (account, region)", err, store.ErrNotFound)

	// Deleting one leaves the others whole.
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.DeleteKey(ctx, refs[0]) })
	_, err = s.GetKey(ctx, refs[0])
	wantErr(t, "GetKey deleted", err, store.ErrNotFound)
	for _, r := range refs[1:] {
		_, err := s.GetKey(ctx, r)
		ok(t, "GetKey survivor", err)
		_, err = s.GetMaterial(ctx, r, 1)
		ok(t, "GetMaterial survivor", err)
		_, err = s.GetAlias(ctx, r.Account, r.Region, "alias/same")
		ok(t, "GetAlias survivor", err)
		tags, err := s.ListTags(ctx, r)
		ok(t, "ListTags survivor", err)
		if len(tags) != 1 {
			t.Errorf("%v: tags %v", r, tags)
		}
	}
}

func testListKeysDue(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	now := at(30 * 24 * time.Hour)
	mk := func(account, region, id, state string, deletion time.Time, rotation bool, next time.Time) store.Key {
		k := newKey(ref(account, region, id))
		k.State = state
		k.DeletionDate = deletion
		k.RotationEnabled = rotation
		k.NextRotation = next
		k.MaterialExpires = time.Time{}
		return k
	}
	keys := []store.Key{
		mk("111122223333", "us-east-1", "del-past", "PendingDeletion", now.Add(-time.Hour), false, time.Time{}),
		mk("111122223333", "us-east-1", "del-now", "PendingDeletion", now, false, time.Time{}),
		mk("111122223333", "us-east-1", "del-future", "PendingDeletion", now.Add(time.Millisecond), false, time.Time{}),
		mk("111122223333", "us-east-1", "enabled-with-date", "Enabled", now.Add(-time.Hour), false, time.Time{}),
		mk("111122223333", "eu-west-1", "rot-past", "Enabled", time.Time{}, true, now.Add(-24*time.Hour)),
		mk("444455556666", "us-east-1", "rot-now", "Disabled", time.Time{}, true, now),
		mk("444455556666", "us-east-1", "rot-future", "Enabled", time.Time{}, true, now.Add(time.Hour)),
		mk("444455556666", "us-east-1", "rot-off", "Enabled", time.Time{}, false, now.Add(-time.Hour)),
		mk("444455556666", "ap-south-1", "plain", "Enabled", time.Time{}, false, time.Time{}),
		mk("555566667777", "ap-south-1", "both", "PendingDeletion", now.Add(-time.Hour), true, now.Add(-time.Hour)),
		mk("555566667777", "ap-south-1", "expired", "Enabled", time.Time{}, false, time.Time{}),
		mk("555566667777", "ap-south-1", "expires-later", "Enabled", time.Time{}, false, time.Time{}),
	}
	keys[len(keys)-2].MaterialExpires = now
	keys[len(keys)-1].MaterialExpires = now.Add(time.Millisecond)
	createKeys(t, s, keys...)

	due, err := s.ListKeysDue(ctx, now, 0)
	ok(t, "ListKeysDue", err)
	var got []string
	for _, k := range due {
		got = append(got, k.Ref.Account+"/"+k.Ref.Region+"/"+k.Ref.KeyID)
	}
	sort.Strings(got)
	want := []string{
		"111122223333/eu-west-1/rot-past",
		"111122223333/us-east-1/del-now",
		"111122223333/us-east-1/del-past",
		"444455556666/us-east-1/rot-now",
		"555566667777/ap-south-1/both",
		"555566667777/ap-south-1/expired",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ListKeysDue = %q\nwant %q", got, want)
	}
	for _, k := range due {
		for _, w := range keys {
			if w.Ref == k.Ref {
				checkKey(t, k, w)
			}
		}
	}

	due, err = s.ListKeysDue(ctx, now, 2)
	ok(t, "ListKeysDue limit", err)
	if len(due) != 2 {
		t.Errorf("ListKeysDue limit 2 returned %d keys", len(due))
	}
	due, err = s.ListKeysDue(ctx, base, 0)
	ok(t, "ListKeysDue early", err)
	checkKeyIDs(t, "ListKeysDue at base", due)
}

func testMaterials(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	r := ref("111122223333", "us-east-1", "k")
	createKeys(t, s, newKey(r))
	_, err := s.GetMaterial(ctx, r, 1)
	wantErr(t, "GetMaterial missing", err, store.ErrNotFound)
	if ms, err := s.ListMaterials(ctx, r); err != nil || len(ms) != 0 {
		t.Fatalf("ListMaterials empty = %v, %v", ms, err)
	}

	mat := func(v uint32, rt string) store.Material {
		return store.Material{
			Ref: r, Version: v, MaterialID: fmt.Sprintf("%064x", v),
			Wrapped: bytes.Repeat([]byte{byte(v), 0}, 40), CreatedAt: at(time.Duration(v%1000) * time.Hour), RotationType: rt,
		}
	}
	ms := []store.Material{mat(1, ""), mat(3, "ON_DEMAND"), mat(2, "AUTOMATIC"), mat(1<<32-1, "ON_DEMAND")}
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, m := range ms {
			if err := tx.AddMaterial(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	checkMat := func(got, want store.Material) {
		t.Helper()
		checkTime(t, "Material CreatedAt", got.CreatedAt, want.CreatedAt)
		got.CreatedAt, want.CreatedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("material:\n got  %+v\n want %+v", got, want)
		}
	}
	for _, m := range ms {
		got, err := s.GetMaterial(ctx, r, m.Version)
		ok(t, "GetMaterial", err)
		checkMat(got, m)
	}
	list, err := s.ListMaterials(ctx, r)
	ok(t, "ListMaterials", err)
	want := []store.Material{ms[0], ms[2], ms[1], ms[3]}
	if len(list) != len(want) {
		t.Fatalf("ListMaterials returned %d, want %d", len(list), len(want))
	}
	for i := range want {
		checkMat(list[i], want[i])
	}

	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.AddMaterial(ctx, mat(2, "AUTOMATIC")) })
	wantErr(t, "AddMaterial duplicate", err, store.ErrExists)
	_, err = s.GetMaterial(ctx, r, 4)
	wantErr(t, "GetMaterial missing version", err, store.ErrNotFound)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		m := mat(1, "")
		m.Ref.KeyID = "missing"
		return tx.AddMaterial(ctx, m)
	})
	wantErr(t, "AddMaterial for a missing key", err, store.ErrNotFound)

	// DeleteMaterial removes one version.
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.DeleteMaterial(ctx, r, 2) })
	_, err = s.GetMaterial(ctx, r, 2)
	wantErr(t, "GetMaterial after DeleteMaterial", err, store.ErrNotFound)
	if _, err := s.GetMaterial(ctx, r, 3); err != nil {
		t.Errorf("DeleteMaterial of version 2 removed version 3: %v", err)
	}
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.DeleteMaterial(ctx, r, 2) })
	wantErr(t, "DeleteMaterial of a missing version", err, store.ErrNotFound)

	// DeleteMaterials (imported material deleted or expired) keeps the key.
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.DeleteMaterials(ctx, r) })
	if ms, err := s.ListMaterials(ctx, r); err != nil || len(ms) != 0 {
		t.Errorf("ListMaterials after DeleteMaterials = %d, %v; want none", len(ms), err)
	}
	if _, err := s.GetKey(ctx, r); err != nil {
		t.Errorf("GetKey after DeleteMaterials: %v", err)
	}
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.AddMaterial(ctx, mat(1, "")) })
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.DeleteMaterials(ctx, ref("111122223333", "us-east-1", "missing"))
	})
	wantErr(t, "DeleteMaterials of a missing key", err, store.ErrNotFound)
}

func testAliases(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	const acct, region = "111122223333", "us-east-1"
	createKeys(t, s, newKey(ref(acct, region, "k1")), newKey(ref(acct, region, "k2")), newKey(ref(acct, "us-west-2", "k1")))
	_, err := s.GetAlias(ctx, acct, region, "alias/missing")
	wantErr(t, "GetAlias missing", err, store.ErrNotFound)

	alias := func(name, target string) store.Alias {
		return store.Alias{Account: acct, Region: region, Name: name, TargetKeyID: target, CreatedAt: at(0), UpdatedAt: at(time.Minute)}
	}
	as := []store.Alias{
		alias("alias/c", "k1"), alias("alias/a", "k2"), alias("alias/b", "k1"),
		alias("alias/e", "k2"), alias("alias/d", "k1"),
	}
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, a := range as {
			if err := tx.CreateAlias(ctx, a); err != nil {
				return err
			}
		}
		// Same name in another region is another alias.
		return tx.CreateAlias(ctx, store.Alias{Account: acct, Region: "us-west-2", Name: "alias/a", TargetKeyID: "k1"})
	})
	checkAlias := func(got, want store.Alias) {
		t.Helper()
		checkTime(t, "Alias CreatedAt", got.CreatedAt, want.CreatedAt)
		checkTime(t, "Alias UpdatedAt", got.UpdatedAt, want.UpdatedAt)
		got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if got != want {
			t.Errorf("alias:\n got  %+v\n want %+v", got, want)
		}
	}
	got, err := s.GetAlias(ctx, acct, region, "alias/c")
	ok(t, "GetAlias", err)
	checkAlias(got, as[0])

	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.CreateAlias(ctx, alias("alias/c", "k2")) })
	wantErr(t, "CreateAlias duplicate", err, store.ErrExists)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.CreateAlias(ctx, alias("alias/x", "missing")) })
	wantErr(t, "CreateAlias to a missing key", err, store.ErrNotFound)

	names := func(list []store.Alias) []string {
		out := []string{}
		for _, a := range list {
			out = append(out, a.Name)
		}
		return out
	}
	list, err := s.ListAliases(ctx, acct, region, "", store.Page{})
	ok(t, "ListAliases", err)
	if want := []string{"alias/a", "alias/b", "alias/c", "alias/d", "alias/e"}; !reflect.DeepEqual(names(list), want) {
		t.Errorf("ListAliases = %q, want %q", names(list), want)
	}
	checkAlias(list[2], as[0])
	list, err = s.ListAliases(ctx, acct, region, "", store.Page{After: "alias/b", Limit: 2})
	ok(t, "ListAliases page", err)
	if want := []string{"alias/c", "alias/d"}; !reflect.DeepEqual(names(list), want) {
		t.Errorf("ListAliases page = %q, want %q", names(list), want)
	}
	list, err = s.ListAliases(ctx, acct, region, "k1", store.Page{})
	ok(t, "ListAliases by key", err)
	if want := []string{"alias/b", "alias/c", "alias/d"}; !reflect.DeepEqual(names(list), want) {
		t.Errorf("ListAliases k1 = %q, want %q", names(list), want)
	}
	list, err = s.ListAliases(ctx, acct, region, "k1", store.Page{After: "alias/b", Limit: 1})
	ok(t, "ListAliases by key page", err)
	if want := []string{"alias/c"}; !reflect.DeepEqual(names(list), want) {
		t.Errorf("ListAliases k1 page = %q, want %q", names(list), want)
	}
	list, err = s.ListAliases(ctx, acct, region, "missing", store.Page{})
	ok(t, "ListAliases by missing key", err)
	if len(list) != 0 {
		t.Errorf("ListAliases missing key = %q", names(list))
	}

	// Update retargets.
	up := alias("alias/c", "k2")
	up.UpdatedAt = at(time.Hour)
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.UpdateAlias(ctx, up) })
	got, err = s.GetAlias(ctx, acct, region, "alias/c")
	ok(t, "GetAlias after update", err)
	checkAlias(got, up)
	list, err = s.ListAliases(ctx, acct, region, "k2", store.Page{})
	ok(t, "ListAliases k2", err)
	if want := []string{"alias/a", "alias/c", "alias/e"}; !reflect.DeepEqual(names(list), want) {
		t.Errorf("ListAliases k2 = %q, want %q", names(list), want)
	}
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.UpdateAlias(ctx, alias("alias/missing", "k1")) })
	wantErr(t, "UpdateAlias missing", err, store.ErrNotFound)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.UpdateAlias(ctx, alias("alias/c", "missing")) })
	wantErr(t, "UpdateAlias to a missing key", err, store.ErrNotFound)

	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.DeleteAlias(ctx, acct, region, "alias/c") })
	_, err = s.GetAlias(ctx, acct, region, "alias/c")
	wantErr(t, "GetAlias deleted", err, store.ErrNotFound)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.DeleteAlias(ctx, acct, region, "alias/c") })
	wantErr(t, "DeleteAlias missing", err, store.ErrNotFound)
	_, err = s.GetAlias(ctx, acct, "us-west-2", "alias/a")
	ok(t, "GetAlias in other region", err)
}

func testTags(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	r := ref("111122223333", "us-east-1", "k")
	createKeys(t, s, newKey(r))
	if tags, err := s.ListTags(ctx, r); err != nil || len(tags) != 0 {
		t.Fatalf("ListTags empty = %v, %v", tags, err)
	}
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.PutTags(ctx, r, []store.Tag{{Key: "b", Value: "2"}, {Key: "a", Value: "1"}, {Key: "c", Value: ""}})
	})
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.PutTags(ctx, r, []store.Tag{{Key: "b", Value: "two"}, {Key: "d", Value: "4"}})
	})
	tags, err := s.ListTags(ctx, r)
	ok(t, "ListTags", err)
	if want := []store.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "two"}, {Key: "c", Value: ""}, {Key: "d", Value: "4"}}; !reflect.DeepEqual(tags, want) {
		t.Errorf("ListTags = %v, want %v", tags, want)
	}
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.DeleteTags(ctx, r, []string{"a", "absent", "d"})
	})
	tags, err = s.ListTags(ctx, r)
	ok(t, "ListTags", err)
	if want := []store.Tag{{Key: "b", Value: "two"}, {Key: "c", Value: ""}}; !reflect.DeepEqual(tags, want) {
		t.Errorf("ListTags after delete = %v, want %v", tags, want)
	}
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.PutTags(ctx, ref("111122223333", "us-east-1", "missing"), []store.Tag{{Key: "a", Value: "1"}})
	})
	wantErr(t, "PutTags on a missing key", err, store.ErrNotFound)
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.DeleteTags(ctx, ref("111122223333", "us-east-1", "missing"), []string{"a"})
	})
}

func testSettings(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	_, err := s.GetSetting(ctx, "root")
	wantErr(t, "GetSetting missing", err, store.ErrNotFound)
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "root", []byte{0, 1, 2}) })
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "empty", nil) })
	v, err := s.GetSetting(ctx, "root")
	ok(t, "GetSetting", err)
	if !bytes.Equal(v, []byte{0, 1, 2}) {
		t.Errorf("GetSetting = %x", v)
	}
	v, err = s.GetSetting(ctx, "empty")
	ok(t, "GetSetting empty", err)
	if len(v) != 0 {
		t.Errorf("GetSetting empty = %x", v)
	}
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "root", []byte("new")) })
	v, err = s.GetSetting(ctx, "root")
	ok(t, "GetSetting replaced", err)
	if string(v) != "new" {
		t.Errorf("GetSetting replaced = %q", v)
	}
}

func testDeleteKeyCascade(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	const acct, region = "111122223333", "us-east-1"
	doomed, kept := ref(acct, region, "doomed"), ref(acct, region, "kept")
	setup := func() {
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, r := range []store.KeyRef{doomed, kept} {
				if err := tx.CreateKey(ctx, newKey(r)); err != nil {
					return err
				}
				for v := uint32(1); v <= 3; v++ {
					if err := tx.AddMaterial(ctx, store.Material{Ref: r, Version: v, MaterialID: "m", Wrapped: []byte{1}}); err != nil {
						return err
					}
				}
				if err := tx.PutTags(ctx, r, []store.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}); err != nil {
					return err
				}
				for _, n := range []string{"alias/" + r.KeyID + "1", "alias/" + r.KeyID + "2"} {
					if err := tx.CreateAlias(ctx, store.Alias{Account: acct, Region: region, Name: n, TargetKeyID: r.KeyID}); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
	setup()
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.DeleteKey(ctx, doomed) })

	_, err := s.GetKey(ctx, doomed)
	wantErr(t, "GetKey deleted", err, store.ErrNotFound)
	_, err = s.GetMaterial(ctx, doomed, 1)
	wantErr(t, "GetMaterial of deleted key", err, store.ErrNotFound)
	if ms, err := s.ListMaterials(ctx, doomed); err != nil || len(ms) != 0 {
		t.Errorf("ListMaterials of deleted key = %v, %v", ms, err)
	}
	if tags, err := s.ListTags(ctx, doomed); err != nil || len(tags) != 0 {
		t.Errorf("ListTags of deleted key = %v, %v", tags, err)
	}
	_, err = s.GetAlias(ctx, acct, region, "alias/doomed1")
	wantErr(t, "GetAlias of deleted key", err, store.ErrNotFound)
	as, err := s.ListAliases(ctx, acct, region, "", store.Page{})
	ok(t, "ListAliases", err)
	if len(as) != 2 || as[0].Name != "alias/kept1" || as[1].Name != "alias/kept2" {
		t.Errorf("ListAliases after delete = %+v", as)
	}
	if ms, err := s.ListMaterials(ctx, kept); err != nil || len(ms) != 3 {
		t.Errorf("ListMaterials of kept key = %d, %v", len(ms), err)
	}
	if tags, err := s.ListTags(ctx, kept); err != nil || len(tags) != 2 {
		t.Errorf("ListTags of kept key = %v, %v", tags, err)
	}

	// The key id can be reused, and starts clean.
	createKeys(t, s, newKey(doomed))
	if ms, err := s.ListMaterials(ctx, doomed); err != nil || len(ms) != 0 {
		t.Errorf("ListMaterials of recreated key = %v, %v", ms, err)
	}
	if tags, err := s.ListTags(ctx, doomed); err != nil || len(tags) != 0 {
		t.Errorf("ListTags of recreated key = %v, %v", tags, err)
	}
}

var errRollback = errors.New("storetest: roll back")

func testAtomicity(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	r := ref("111122223333", "us-east-1", "k")
	createKeys(t, s, newKey(r))

	err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateAccount(ctx, store.Account{ID: "111122223333", Name: "a"}); err != nil {
			return err
		}
		if err := tx.PutAccessKey(ctx, store.AccessKey{AccessKeyID: "AKIA", Account: "111122223333", Status: "Active", WrappedSecret: []byte{1}}); err != nil {
			return err
		}
		if err := tx.CreateKey(ctx, newKey(ref("111122223333", "us-east-1", "new"))); err != nil {
			return err
		}
		k := newKey(r)
		k.Description = "changed"
		if err := tx.UpdateKey(ctx, k); err != nil {
			return err
		}
		if err := tx.AddMaterial(ctx, store.Material{Ref: r, Version: 2, Wrapped: []byte{1}}); err != nil {
			return err
		}
		if err := tx.CreateAlias(ctx, store.Alias{Account: r.Account, Region: r.Region, Name: "alias/x", TargetKeyID: r.KeyID}); err != nil {
			return err
		}
		if err := tx.PutTags(ctx, r, []store.Tag{{Key: "a", Value: "b"}}); err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, "s", []byte("v")); err != nil {
			return err
		}
		return fmt.Errorf("wrapped: %w", errRollback)
	})
	wantErr(t, "Update returning an error", err, errRollback)

	_, err = s.GetAccount(ctx, "111122223333")
	wantErr(t, "GetAccount after rollback", err, store.ErrNotFound)
	_, err = s.GetAccessKey(ctx, "AKIA")
	wantErr(t, "GetAccessKey after rollback", err, store.ErrNotFound)
	_, err = s.GetKey(ctx, ref("111122223333", "us-east-1", "new"))
	wantErr(t, "GetKey after rollback", err, store.ErrNotFound)
	k, err := s.GetKey(ctx, r)
	ok(t, "GetKey", err)
	checkKey(t, k, newKey(r))
	_, err = s.GetMaterial(ctx, r, 2)
	wantErr(t, "GetMaterial after rollback", err, store.ErrNotFound)
	_, err = s.GetAlias(ctx, r.Account, r.Region, "alias/x")
	wantErr(t, "GetAlias after rollback", err, store.ErrNotFound)
	if tags, err := s.ListTags(ctx, r); err != nil || len(tags) != 0 {
		t.Errorf("ListTags after rollback = %v, %v", tags, err)
	}
	_, err = s.GetSetting(ctx, "s")
	wantErr(t, "GetSetting after rollback", err, store.ErrNotFound)

	// A panic in fn rolls back too, and the store stays usable.
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic in fn was not propagated")
			}
		}()
		s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
			if err := tx.PutSetting(ctx, "p", []byte("v")); err != nil {
				return err
			}
			panic("storetest: boom")
		})
	}()
	_, err = s.GetSetting(ctx, "p")
	wantErr(t, "GetSetting after panic", err, store.ErrNotFound)
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "after", []byte("v")) })
}

func testReadYourWrites(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	r := ref("111122223333", "us-east-1", "k")
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateKey(ctx, newKey(r)); err != nil {
			return err
		}
		k, err := tx.GetKey(ctx, r)
		if err != nil {
			return fmt.Errorf("GetKey in tx: %w", err)
		}
		checkKey(t, k, newKey(r))
		// Not visible outside the transaction before commit.
		if _, err := s.GetKey(ctx, r); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetKey outside the tx before commit: %v, want ErrNotFound", err)
		}
		keys, err := tx.ListKeys(ctx, r.Account, r.Region, store.Page{})
		if err != nil {
			return err
		}
		checkKeyIDs(t, "ListKeys in tx", keys, "k")
		if err := tx.AddMaterial(ctx, store.Material{Ref: r, Version: 1, MaterialID: "m", Wrapped: []byte{1}}); err != nil {
			return err
		}
		if _, err := tx.GetMaterial(ctx, r, 1); err != nil {
			return fmt.Errorf("GetMaterial in tx: %w", err)
		}
		if err := tx.CreateAlias(ctx, store.Alias{Account: r.Account, Region: r.Region, Name: "alias/k", TargetKeyID: "k"}); err != nil {
			return err
		}
		if _, err := tx.GetAlias(ctx, r.Account, r.Region, "alias/k"); err != nil {
			return fmt.Errorf("GetAlias in tx: %w", err)
		}
		if err := tx.DeleteKey(ctx, r); err != nil {
			return err
		}
		if _, err := tx.GetKey(ctx, r); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetKey in tx after DeleteKey: %v, want ErrNotFound", err)
		}
		if _, err := tx.GetAlias(ctx, r.Account, r.Region, "alias/k"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetAlias in tx after DeleteKey: %v, want ErrNotFound", err)
		}
		return tx.CreateKey(ctx, newKey(r))
	})
	_, err := s.GetKey(ctx, r)
	ok(t, "GetKey after commit", err)
}

// testContinueAfterError checks that a tx stays usable after a method
// returned ErrExists or ErrNotFound (PostgreSQL aborts a transaction on any
// failed statement unless the implementation avoids it).
func testContinueAfterError(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	r := ref("111122223333", "us-east-1", "k")
	missing := ref("111122223333", "us-east-1", "missing")
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateAccount(ctx, store.Account{ID: "1", Name: "a"}); err != nil {
			return err
		}
		if err := tx.CreateKey(ctx, newKey(r)); err != nil {
			return err
		}
		if err := tx.CreateAlias(ctx, store.Alias{Account: r.Account, Region: r.Region, Name: "alias/k", TargetKeyID: "k"}); err != nil {
			return err
		}
		if err := tx.AddMaterial(ctx, store.Material{Ref: r, Version: 1, Wrapped: []byte{1}}); err != nil {
			return err
		}
		return nil
	})
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		steps := []struct {
			name string
			err  error
			want error
		}{
			{"CreateAccount", tx.CreateAccount(ctx, store.Account{ID: "1", Name: "dup"}), store.ErrExists},
			{"CreateKey", tx.CreateKey(ctx, newKey(r)), store.ErrExists},
			{"CreateAlias", tx.CreateAlias(ctx, store.Alias{Account: r.Account, Region: r.Region, Name: "alias/k", TargetKeyID: "k"}), store.ErrExists},
			{"CreateAlias missing key", tx.CreateAlias(ctx, store.Alias{Account: r.Account, Region: r.Region, Name: "alias/m", TargetKeyID: "missing"}), store.ErrNotFound},
			{"AddMaterial", tx.AddMaterial(ctx, store.Material{Ref: r, Version: 1, Wrapped: []byte{1}}), store.ErrExists},
			{"AddMaterial missing key", tx.AddMaterial(ctx, store.Material{Ref: missing, Version: 1, Wrapped: []byte{1}}), store.ErrNotFound},
			{"UpdateKey", tx.UpdateKey(ctx, newKey(missing)), store.ErrNotFound},
			{"DeleteKey", tx.DeleteKey(ctx, missing), store.ErrNotFound},
			{"UpdateAlias", tx.UpdateAlias(ctx, store.Alias{Account: r.Account, Region: r.Region, Name: "alias/m", TargetKeyID: "k"}), store.ErrNotFound},
			{"DeleteAlias", tx.DeleteAlias(ctx, r.Account, r.Region, "alias/m"), store.ErrNotFound},
			{"DeleteAccessKey", tx.DeleteAccessKey(ctx, "AKIAMISSING"), store.ErrNotFound},
			{"PutTags missing key", tx.PutTags(ctx, missing, []store.Tag{{Key: "a", Value: "b"}}), store.ErrNotFound},
		}
		for _, st := range steps {
			if !errors.Is(st.err, st.want) {
				t.Errorf("%s: got %v, want %v", st.name, st.err, st.want)
			}
		}
		_, err := tx.GetKey(ctx, missing)
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetKey missing: %v", err)
		}
		return tx.PutSetting(ctx, "after-errors", []byte("ok"))
	})
	v, err := s.GetSetting(ctx, "after-errors")
	ok(t, "GetSetting after errors", err)
	if string(v) != "ok" {
		t.Errorf("GetSetting = %q", v)
	}
}

// collector gathers Watch changes.
type collector struct {
	mu  sync.Mutex
	got []store.Change
}

func (c *collector) add(ch store.Change) {
	c.mu.Lock()
	c.got = append(c.got, ch)
	c.mu.Unlock()
}

func (c *collector) has(ch store.Change) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, g := range c.got {
		if g == ch {
			return true
		}
	}
	return false
}

// waitFor waits until c has seen every change in want.
func (c *collector) waitFor(t *testing.T, want ...store.Change) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, w := range want {
		for !c.has(w) {
			if time.Now().After(deadline) {
				c.mu.Lock()
				t.Fatalf("change %+v not delivered; got %+v", w, c.got)
				c.mu.Unlock()
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func testWatch(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	const acct, region = "111122223333", "us-east-1"
	r := ref(acct, region, "k")
	var c, c2 collector
	cancel := s.Watch(c.add)
	defer cancel()
	cancel2 := s.Watch(c2.add)

	keyChange := store.Change{Kind: store.ChangeKey, Account: acct, Region: region, ID: "k"}
	aliasChange := store.Change{Kind: store.ChangeAlias, Account: acct, Region: region, ID: "alias/k"}
	akChange := store.Change{Kind: store.ChangeAccessKey, ID: "AKIAW"}
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateKey(ctx, newKey(r)); err != nil {
			return err
		}
		if err := tx.CreateAlias(ctx, store.Alias{Account: acct, Region: region, Name: "alias/k", TargetKeyID: "k"}); err != nil {
			return err
		}
		return tx.PutAccessKey(ctx, store.AccessKey{AccessKeyID: "AKIAW", Account: acct, Status: "Active", WrappedSecret: []byte{1}})
	})
	c.waitFor(t, keyChange, aliasChange, akChange)
	c2.waitFor(t, keyChange, aliasChange, akChange)

	// A cancelled watcher hears nothing more; a rolled-back tx tells no one.
	cancel2()
	rolledBack := store.Change{Kind: store.ChangeKey, Account: acct, Region: region, ID: "rolled-back"}
	err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateKey(ctx, newKey(ref(acct, region, "rolled-back"))); err != nil {
			return err
		}
		return errRollback
	})
	wantErr(t, "Update rolled back", err, errRollback)

	// Every kind of write reports its object.
	writes := []struct {
		name string
		fn   func(ctx context.Context, tx store.Tx) error
		want []store.Change
	}{
		{"UpdateKey", func(ctx context.Context, tx store.Tx) error { return tx.UpdateKey(ctx, newKey(r)) }, []store.Change{keyChange}},
		{"AddMaterial", func(ctx context.Context, tx store.Tx) error {
			return tx.AddMaterial(ctx, store.Material{Ref: r, Version: 1, Wrapped: []byte{1}})
		}, []store.Change{keyChange}},
		{"PutTags", func(ctx context.Context, tx store.Tx) error {
			return tx.PutTags(ctx, r, []store.Tag{{Key: "a", Value: "b"}})
		}, []store.Change{keyChange}},
		{"DeleteTags", func(ctx context.Context, tx store.Tx) error { return tx.DeleteTags(ctx, r, []string{"a"}) }, []store.Change{keyChange}},
		{"UpdateAlias", func(ctx context.Context, tx store.Tx) error {
			return tx.UpdateAlias(ctx, store.Alias{Account: acct, Region: region, Name: "alias/k", TargetKeyID: "k"})
		}, []store.Change{aliasChange}},
		{"DeleteAccessKey", func(ctx context.Context, tx store.Tx) error { return tx.DeleteAccessKey(ctx, "AKIAW") }, []store.Change{akChange}},
		{"DeleteKey", func(ctx context.Context, tx store.Tx) error { return tx.DeleteKey(ctx, r) }, []store.Change{keyChange, aliasChange}},
		{"CreateAlias", func(ctx context.Context, tx store.Tx) error {
			if err := tx.CreateKey(ctx, newKey(ref(acct, region, "k2"))); err != nil {
				return err
			}
			return tx.CreateAlias(ctx, store.Alias{Account: acct, Region: region, Name: "alias/k2", TargetKeyID: "k2"})
		}, []store.Change{
			{Kind: store.ChangeKey, Account: acct, Region: region, ID: "k2"},
			{Kind: store.ChangeAlias, Account: acct, Region: region, ID: "alias/k2"},
		}},
		{"DeleteAlias", func(ctx context.Context, tx store.Tx) error { return tx.DeleteAlias(ctx, acct, region, "alias/k2") },
			[]store.Change{{Kind: store.ChangeAlias, Account: acct, Region: region, ID: "alias/k2"}}},
	}
	for _, w := range writes {
		c.mu.Lock()
		c.got = nil
		c.mu.Unlock()
		update(t, s, w.fn)
		c.waitFor(t, w.want...)
	}
	if c.has(rolledBack) {
		t.Error("a rolled-back transaction was reported")
	}
	if c2.has(store.Change{Kind: store.ChangeAlias, Account: acct, Region: region, ID: "alias/k2"}) {
		t.Error("a cancelled watcher was called")
	}
}

func testConcurrentUpdates(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	r := ref("111122223333", "us-east-1", "counter")
	k := newKey(r)
	k.OnDemandRotations = 0
	createKeys(t, s, k)

	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
				k, err := tx.GetKey(ctx, r)
				if err != nil {
					return err
				}
				k.OnDemandRotations++
				k.CurrentVersion++
				if err := tx.UpdateKey(ctx, k); err != nil {
					return err
				}
				// Reads of other objects interleave too.
				_, err = tx.ListKeys(ctx, r.Account, r.Region, store.Page{})
				return err
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Update: %v", err)
		}
	}
	got, err := s.GetKey(ctx, r)
	ok(t, "GetKey", err)
	if got.OnDemandRotations != n || got.CurrentVersion != n+1 {
		t.Errorf("after %d increments: OnDemandRotations=%d CurrentVersion=%d, want %d and %d",
			n, got.OnDemandRotations, got.CurrentVersion, n, n+1)
	}
}
