package kms

import (
	"bytes"
	"testing"
	"time"

	"github.com/coffer-kms/coffer/internal/store"
)

func TestMultiRegionAttrs(t *testing.T) {
	ref := func(region string) store.KeyRef {
		return store.KeyRef{Account: "111122223333", Region: region, KeyID: "mrk-0123456789abcdef0123456789abcdef"}
	}
	key := func(region string, multi bool, a keyAttrs) store.Key {
		k := store.Key{Ref: ref(region), MultiRegion: multi}
		if err := setAttrs(&k, a); err != nil {
			t.Fatal(err)
		}
		return k
	}
	tests := []struct {
		name       string
		k          store.Key
		keyType    string
		replica    bool
		blobRegion string
		replicas   int
	}{
		{"single-Region", key("us-east-1", false, keyAttrs{}), "", false, "us-east-1", 0},
		{"primary", key("us-east-1", true, keyAttrs{MRK: &mrkAttrs{PrimaryRegion: "us-east-1", ReplicaRegions: []string{"eu-west-1", "ap-south-1"}}}), MultiRegionPrimary, false, "", 2},
		{"replica", key("eu-west-1", true, keyAttrs{MRK: &mrkAttrs{PrimaryRegion: "us-east-1"}}), MultiRegionReplica, true, "", 0},
		{"multi-Region flag without attributes", key("us-east-1", true, keyAttrs{}), "", false, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := mrkKeyType(&tc.k); got != tc.keyType {
				t.Errorf("mrkKeyType = %q, want %q", got, tc.keyType)
			}
			if got := isReplica(tc.k); got != tc.replica {
				t.Errorf("isReplica = %v, want %v", got, tc.replica)
			}
			if got := blobRegion(tc.k); got != tc.blobRegion {
				t.Errorf("blobRegion = %q, want %q", got, tc.blobRegion)
			}
			if got := replicaRefs(tc.k); len(got) != tc.replicas {
				t.Errorf("replicaRefs = %v, want %d", got, tc.replicas)
			}
		})
	}
	if mrkKeyType(nil) != "" {
		t.Error("mrkKeyType(nil) is not empty")
	}
}

func TestImportedMaterialID(t *testing.T) {
	m1, m2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	const k1, k2 = "mrk-0123456789abcdef0123456789abcdef", "1234abcd-12ab-34cd-56ef-1234567890ab"
	id := importedMaterialID(k1, m1)
	if !materialIDRE.MatchString(id) {
		t.Fatalf("id %q is not 64 lowercase hex digits", id)
	}
	tests := []struct {
		name  string
		key   string
		mat   []byte
		equal bool
	}{
		{"same key and material", k1, m1, true},
		{"other material", k1, m2, false},
		{"other key", k2, m1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := importedMaterialID(tc.key, tc.mat) == id; got != tc.equal {
				t.Errorf("equal = %v, want %v", got, tc.equal)
			}
		})
	}
}

func TestAttrsRoundTrip(t *testing.T) {
	k := store.Key{Ref: store.KeyRef{Account: "111122223333", Region: "us-east-1", KeyID: "k"}}
	if err := setAttrs(&k, keyAttrs{}); err != nil || k.Attrs != "" {
		t.Fatalf("empty attributes: %q, %v", k.Attrs, err)
	}
	want := keyAttrs{Import: &importAttrs{TokenID: "ab", Materials: []importedMaterial{{Version: 1, ID: "m1", Present: true}}}, MRK: &mrkAttrs{PrimaryRegion: "us-east-1"}}
	if err := setAttrs(&k, want); err != nil {
		t.Fatal(err)
	}
	got, err := parseAttrs(k)
	if err != nil || got.Import == nil || got.Import.TokenID != "ab" || !got.Import.complete() || got.Import.material(1) == nil || got.MRK == nil || got.MRK.PrimaryRegion != "us-east-1" {
		t.Fatalf("parseAttrs = %+v, %v", got, err)
	}
	k.Attrs = "{not json"
	if _, err := parseAttrs(k); err == nil {
		t.Error("malformed attributes parsed")
	}
}

func TestImportAttrsHelpers(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := importAttrs{
		Materials: []importedMaterial{
			{Version: 1, ID: "a", Present: true, ValidTo: t0.Add(3 * time.Hour)},
			{Version: 2, ID: "b", Present: true},
			{Version: 3, ID: "c", Present: false, ValidTo: t0.Add(time.Hour)}, // absent: does not expire
		},
		Pending: &pendingMaterial{importedMaterial: importedMaterial{Version: 4, ID: "d", Present: true, ValidTo: t0.Add(2 * time.Hour)}},
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"nextExpiry", a.nextExpiry(), t0.Add(2 * time.Hour)},
		{"complete", a.complete(), false},
		{"byID", a.byID("b").Version, uint32(2)},
		{"byID missing", a.byID("z") == nil, true},
		{"material", a.material(3).ID, "c"},
		{"material missing", a.material(9) == nil, true},
		{"empty complete", (&importAttrs{}).complete(), false},
		{"empty nextExpiry", (&importAttrs{}).nextExpiry().IsZero(), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %v, want %v", tc.got, tc.want)
			}
		})
	}
}
