package kms

import (
	"context"
	"errors"
	"time"

	"github.com/coffer-kms/coffer/internal/store"
)

// MaintenanceResult says what one maintenance pass did.
type MaintenanceResult struct {
	Deleted int // keys destroyed because their deletion window ended
	Rotated int // keys whose automatic rotation came due
	Expired int // keys whose imported key material expired (and was deleted)
}

// RunMaintenance performs the time-driven work that is due now: it destroys
// keys whose deletion window has ended (with their material, aliases and
// tags), deletes imported key material whose ValidTo has passed (the key
// goes back to PendingImport), and rotates enabled keys whose automatic
// rotation is due. Several
// nodes may run it at once: each change re-checks its condition in its
// transaction.
func (s *Service) RunMaintenance(ctx context.Context) (MaintenanceResult, error) {
	var res MaintenanceResult
	now := s.now().UTC()
	const batch = 100
	keys, err := s.store.ListKeysDue(ctx, now, batch)
	if err != nil {
		return res, err
	}
	for _, k := range keys {
		switch {
		case k.State == StatePendingDeletion && !k.DeletionDate.After(now):
			deleted := false
			err := s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
				deleted = false
				cur, err := tx.GetKey(ctx, k.Ref)
				if errors.Is(err, store.ErrNotFound) {
					return nil
				}
				if err != nil {
					return err
				}
				if cur.State != StatePendingDeletion || cur.DeletionDate.After(now) {
					return nil
				}
				deleted = true
				if err := s.forgetReplica(ctx, tx, cur, now); err != nil {
					return err
				}
				return tx.DeleteKey(ctx, k.Ref)
			})
			if err != nil {
				return res, err
			}
			if deleted {
				res.Deleted++
				s.log.InfoContext(ctx, "key deleted at the end of its deletion window", "key", keyARN(k.Ref))
			}
		case !k.MaterialExpires.IsZero() && !k.MaterialExpires.After(now):
			expired, err := s.expireImportedMaterial(ctx, k.Ref, now)
			if err != nil {
				return res, err
			}
			if !expired {
				continue
			}
			res.Expired++
			s.log.InfoContext(ctx, "imported key material expired and was deleted", "key", keyARN(k.Ref))
		case k.RotationEnabled && k.State == StateEnabled && !k.NextRotation.After(now):
			errSkip := errors.New("not due")
			err := s.rotate(ctx, k.Ref, "AUTOMATIC", func(cur *store.Key) error {
				if !cur.RotationEnabled || cur.State != StateEnabled || cur.NextRotation.After(now) {
					return errSkip
				}
				cur.NextRotation = now.Add(time.Duration(cur.RotationPeriodDays) * 24 * time.Hour)
				return nil
			})
			if errors.Is(err, errSkip) {
				continue
			}
			if err != nil {
				return res, err
			}
			res.Rotated++
			s.log.InfoContext(ctx, "key rotated automatically", "key", keyARN(k.Ref))
		}
	}
	if res.Deleted > 0 || res.Expired > 0 {
		if p, ok := s.store.(store.Purger); ok {
			if err := p.Purge(ctx); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

// RunMaintenanceLoop calls RunMaintenance every interval until ctx ends.
func (s *Service) RunMaintenanceLoop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.RunMaintenance(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "maintenance pass failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
