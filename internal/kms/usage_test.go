package kms

import (
	"testing"
	"time"

	"github.com/coffer-kms/coffer/internal/store"
)

func TestUsageTracker(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	k1 := store.KeyRef{Account: "111122223333", Region: "us-east-1", KeyID: "k1"}
	k2 := store.KeyRef{Account: "111122223333", Region: "us-east-1", KeyID: "k2"}
	for _, tc := range []struct {
		name   string
		run    func(u *usageTracker)
		wantK1 string // operation pending for k1, "" for none
	}{
		{"latest wins", func(u *usageTracker) {
			u.record(k1, "Encrypt", t0, "a")
			u.record(k1, "Decrypt", t0.Add(time.Second), "b")
		}, "Decrypt"},
		{"an older record does not replace a newer one", func(u *usageTracker) {
			u.record(k1, "Decrypt", t0.Add(time.Second), "b")
			u.record(k1, "Encrypt", t0, "a")
		}, "Decrypt"},
		{"take empties", func(u *usageTracker) {
			u.record(k1, "Sign", t0, "a")
			u.record(k2, "Sign", t0, "a")
			if got := u.take(); len(got) != 2 {
				panic("take returned " + string(rune('0'+len(got))))
			}
		}, ""},
		{"restore keeps what was recorded meanwhile", func(u *usageTracker) {
			u.record(k1, "Sign", t0, "a")
			batch := u.take()
			u.record(k1, "Verify", t0.Add(time.Minute), "b")
			u.restore(batch)
		}, "Verify"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := newUsageTracker()
			tc.run(u)
			r, ok := u.get(k1)
			if tc.wantK1 == "" {
				if ok {
					t.Fatalf("pending %+v", r)
				}
				return
			}
			if !ok || r.Operation != tc.wantK1 {
				t.Fatalf("pending %+v, want %s", r, tc.wantK1)
			}
		})
	}
}
