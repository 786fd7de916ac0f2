package sqlstore

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/coffer-kms/coffer/internal/store"
)

func TestMigrations(t *testing.T) {
	fsys := fstest.MapFS{
		"migrations/0002_b.sql": {Data: []byte("B")},
		"migrations/0001_a.sql": {Data: []byte("A")},
	}
	ms, err := Migrations(fsys)
	want := []Migration{{1, "0001_a.sql", "A"}, {2, "0002_b.sql", "B"}}
	if err != nil || !reflect.DeepEqual(ms, want) {
		t.Errorf("Migrations = %+v, %v; want %+v", ms, err, want)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"bad name":     {"migrations/x_a.sql": {}},
		"zero":         {"migrations/0000_a.sql": {}},
		"same version": {"migrations/1_a.sql": {}, "migrations/0001_b.sql": {}},
	} {
		if _, err := Migrations(fsys); err == nil {
			t.Errorf("%s: Migrations succeeded", name)
		}
	}
}

func TestPending(t *testing.T) {
	ms := []Migration{{Version: 1}, {Version: 2}, {Version: 3}}
	for _, tc := range []struct {
		name    string
		applied []int
		want    []int
		err     string
	}{
		{name: "new database", want: []int{1, 2, 3}},
		{name: "partly", applied: []int{1}, want: []int{2, 3}},
		{name: "gap", applied: []int{1, 3}, want: []int{2}},
		{name: "current", applied: []int{3, 1, 2}},
		{name: "newer", applied: []int{1, 2, 3, 4}, err: "schema version 4, newer than this binary's 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			todo, err := Pending(ms, tc.applied)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Pending = %v, want error %q", err, tc.err)
				}
				return
			}
			var got []int
			for _, m := range todo {
				got = append(got, m.Version)
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Pending = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestChangesOnce(t *testing.T) {
	var cs Changes
	ref := store.KeyRef{Account: "a", Region: "r", KeyID: "k"}
	cs.Key(ref)
	cs.Grant(ref)
	cs.Key(ref)
	cs.IAM("a", "bob")
	cs.IAM("a", "bob")
	want := Changes{
		{Kind: store.ChangeKey, Account: "a", Region: "r", ID: "k"},
		{Kind: store.ChangeGrant, Account: "a", Region: "r", ID: "k"},
		{Kind: store.ChangeIAM, Account: "a", ID: "bob"},
	}
	if !reflect.DeepEqual(cs, want) {
		t.Errorf("Changes = %+v, want %+v", cs, want)
	}
}

func TestWatchers(t *testing.T) {
	var w Watchers
	var got []string
	cancel := w.Add(func(c store.Change) { got = append(got, c.ID) })
	w.Notify([]store.Change{{ID: "1"}, {ID: "2"}})
	cancel()
	cancel() // idempotent
	w.Notify([]store.Change{{ID: "3"}})
	if !reflect.DeepEqual(got, []string{"1", "2"}) {
		t.Errorf("callback saw %v, want [1 2]", got)
	}
}

func TestPrefixEnd(t *testing.T) {
	for _, tc := range []struct {
		prefix, end string
		ok          bool
	}{
		{"", "", false},
		{"a/", "a0", true},
		{"a", "b", true},
		{"a\u007f", "a\u0080", true},
		{"\uD7FF", "\uE000", true},
		{"a\U0010FFFF", "b", true},
		{"\U0010FFFF\U0010FFFF", "", false},
		{"é", "ê", true},
		{"a\xff", "b", true},    // invalid UTF-8: byte successor
		{"\xff\xff", "", false}, // invalid, no successor
	} {
		end, ok := PrefixEnd(tc.prefix)
		if end != tc.end || ok != tc.ok {
			t.Errorf("PrefixEnd(%q) = %q, %v; want %q, %v", tc.prefix, end, ok, tc.end, tc.ok)
		}
	}
}
