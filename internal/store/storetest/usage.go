package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/coffer-kms/coffer/internal/store"
)

// usageTests check the key usage records of GetKeyLastUsage.
var usageTests = []struct {
	name string
	fn   func(t *testing.T, open func(t *testing.T) store.Store)
}{
	{"KeyUsage", testKeyUsage},
}

func testKeyUsage(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	k1, k2 := ref("111122223333", "us-east-1", "k1"), ref("111122223333", "us-east-1", "k2")
	createKeys(t, s, newKey(k1), newKey(k2))

	start, err := s.GetSetting(ctx, store.KeyUsageTrackingStart)
	ok(t, "tracking start setting", err)
	if ts, err := time.Parse(time.RFC3339, string(start)); err != nil || time.Since(ts) > 24*time.Hour || time.Until(ts) > time.Hour {
		t.Errorf("tracking start %q (%v)", start, err)
	}
	_, err = s.GetKeyUsage(ctx, k1)
	wantErr(t, "GetKeyUsage before any use", err, store.ErrNotFound)

	var changes []store.Change
	var mu sync.Mutex
	cancel := s.Watch(func(c store.Change) { mu.Lock(); changes = append(changes, c); mu.Unlock() })
	defer cancel()
	record := func(uses ...store.KeyUsage) {
		t.Helper()
		update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.RecordKeyUsage(ctx, uses) })
	}
	record(store.KeyUsage{Ref: k1, Operation: "Encrypt", Time: at(time.Minute), RequestID: "r1"},
		store.KeyUsage{Ref: k2, Operation: "Sign", Time: at(time.Minute), RequestID: "r2"},
		store.KeyUsage{Ref: ref("111122223333", "us-east-1", "gone"), Operation: "Sign", Time: at(time.Minute), RequestID: "r3"})
	// An older use (another node flushing late) does not replace a newer one.
	record(store.KeyUsage{Ref: k1, Operation: "Decrypt", Time: at(time.Second), RequestID: "old"})
	record(store.KeyUsage{Ref: k2, Operation: "Verify", Time: at(time.Hour), RequestID: "new"})

	for _, tc := range []struct {
		ref       store.KeyRef
		op, reqID string
		when      time.Time
	}{{k1, "Encrypt", "r1", at(time.Minute)}, {k2, "Verify", "new", at(time.Hour)}} {
		u, err := s.GetKeyUsage(ctx, tc.ref)
		ok(t, "GetKeyUsage", err)
		if u.Operation != tc.op || u.RequestID != tc.reqID || u.Ref != tc.ref {
			t.Errorf("GetKeyUsage(%s) = %+v", tc.ref.KeyID, u)
		}
		checkTime(t, "used at", u.Time, tc.when)
	}
	_, err = s.GetKeyUsage(ctx, ref("111122223333", "us-east-1", "gone"))
	wantErr(t, "usage of a key that does not exist", err, store.ErrNotFound)

	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.DeleteKey(ctx, k1) })
	_, err = s.GetKeyUsage(ctx, k1)
	wantErr(t, "usage of a deleted key", err, store.ErrNotFound)
	mu.Lock()
	defer mu.Unlock()
	for _, c := range changes {
		if c.Kind == store.ChangeKey && c.ID == "k2" {
			t.Errorf("recording usage reported a change: %+v", c)
		}
	}
}
