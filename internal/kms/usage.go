package kms

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/store"
)

// defaultUsageFlush is how often recorded key usage is written to the store.
const defaultUsageFlush = 10 * time.Second

// usageTracker remembers, in memory, the last successful cryptographic
// operation of each key since the last flush, so that the hot path records
// usage with one map write under a mutex and no store write; a background
// loop flushes the batch to the store every Config.UsageFlushInterval and
// Close flushes what is left. A crash loses at most one interval of usage
// records, never key material or metadata.
type usageTracker struct {
	mu      sync.Mutex
	pending map[store.KeyRef]store.KeyUsage
}

func newUsageTracker() *usageTracker {
	return &usageTracker{pending: make(map[store.KeyRef]store.KeyUsage)}
}

// record notes a successful operation on ref, keeping the latest.
func (u *usageTracker) record(ref store.KeyRef, op string, at time.Time, requestID string) {
	u.mu.Lock()
	if cur, ok := u.pending[ref]; !ok || !at.Before(cur.Time) {
		u.pending[ref] = store.KeyUsage{Ref: ref, Operation: op, Time: at, RequestID: requestID}
	}
	u.mu.Unlock()
}

// take returns and forgets the pending records.
func (u *usageTracker) take() []store.KeyUsage {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.pending) == 0 {
		return nil
	}
	out := make([]store.KeyUsage, 0, len(u.pending))
	for _, r := range u.pending {
		out = append(out, r)
	}
	clear(u.pending)
	return out
}

// restore puts records back after a failed flush (later records win).
func (u *usageTracker) restore(rs []store.KeyUsage) {
	for _, r := range rs {
		u.record(r.Ref, r.Operation, r.Time, r.RequestID)
	}
}

// get returns the pending record of ref, if any.
func (u *usageTracker) get(ref store.KeyRef) (store.KeyUsage, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	r, ok := u.pending[ref]
	return r, ok
}

// used records a successful cryptographic operation op (the
// KeyLastUsageTrackingOperation name) with key k.
func (s *Service) used(c Caller, k store.Key, op string) {
	s.usage.record(k.Ref, op, s.now().UTC(), c.RequestID)
}

// FlushUsage writes the key usage recorded since the last flush to the
// store. The background loop calls it; tests and Close may call it too.
func (s *Service) FlushUsage(ctx context.Context) error {
	batch := s.usage.take()
	if len(batch) == 0 {
		return nil
	}
	err := s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.RecordKeyUsage(ctx, batch) })
	if err != nil {
		s.usage.restore(batch)
		return err
	}
	return nil
}

// flushLoop flushes usage every interval until ctx is done.
func (s *Service) flushLoop(ctx context.Context, interval time.Duration, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.FlushUsage(ctx); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "flushing KMS key usage", "err", err)
			}
		}
	}
}

// GetKeyLastUsageOutput is the GetKeyLastUsage response.
type GetKeyLastUsageOutput struct {
	KeyId             string
	KeyLastUsage      *KeyLastUsageData `json:",omitempty"`
	TrackingStartDate *awsproto.Timestamp
	KeyCreationDate   *awsproto.Timestamp
}

// KeyLastUsageData is the last successful cryptographic use of a key.
type KeyLastUsageData struct {
	Operation    string
	Timestamp    *awsproto.Timestamp
	KmsRequestId string `json:",omitempty"`
}

// GetKeyLastUsage reports the last successful cryptographic operation of a
// key (named by key id or ARN, not alias), when tracking began, and when
// the key was created. CloudTrailEventId is omitted: Coffer has no
// CloudTrail event ids yet.
func (s *Service) GetKeyLastUsage(ctx context.Context, c Caller, in *KeyIDInput) (*GetKeyLastUsageOutput, error) {
	k, err := s.keyForManagement(ctx, c, in.KeyId, "kms:GetKeyLastUsage", nil)
	if err != nil {
		return nil, err
	}
	last, err := s.store.GetKeyUsage(ctx, k.Ref)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, mapStoreErr(err)
	}
	if p, ok := s.usage.get(k.Ref); ok && p.Time.After(last.Time) {
		last = p
	}
	start := k.CreationDate
	if v, err := s.store.GetSetting(ctx, store.KeyUsageTrackingStart); err == nil {
		if t, err := time.Parse(time.RFC3339, string(v)); err == nil && t.After(start) {
			start = t
		}
	}
	out := &GetKeyLastUsageOutput{KeyId: keyARN(k.Ref), TrackingStartDate: awsproto.TimePtr(start), KeyCreationDate: awsproto.TimePtr(k.CreationDate)}
	if !last.Time.IsZero() {
		out.KeyLastUsage = &KeyLastUsageData{Operation: last.Operation, Timestamp: awsproto.TimePtr(last.Time), KmsRequestId: last.RequestID}
	}
	return out, nil
}
