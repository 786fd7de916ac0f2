package kms

import (
	"context"
	"strconv"
	"time"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/store"
)

// ScheduleKeyDeletion puts a key in PendingDeletion for 7..30 days (default
// 30); when the window ends the maintenance loop destroys it.
func (s *Service) ScheduleKeyDeletion(ctx context.Context, c Caller, in *ScheduleKeyDeletionInput) (*ScheduleKeyDeletionOutput, error) {
	var v validation
	v.intRange("pendingWindowInDays", in.PendingWindowInDays, 7, 30)
	if err := v.err(); err != nil {
		return nil, err
	}
	days := int32(30)
	if in.PendingWindowInDays != nil {
		days = *in.PendingWindowInDays
	}
	k, err := s.mutateKey(ctx, c, in.KeyId, "kms:ScheduleKeyDeletion",
		map[string][]string{"kms:ScheduleKeyDeletionPendingWindowInDays": {strconv.Itoa(int(days))}}, func(k *store.Key) error {
			if k.State == StatePendingDeletion || k.State == StatePendingReplicaDeletion {
				return errState(*k)
			}
			if len(replicaRefs(*k)) > 0 {
				// A primary waits for its replicas to be deleted; its own
				// window starts when the last one is gone.
				k.State = StatePendingReplicaDeletion
				k.PendingWindowDays = int(days)
				k.DeletionDate = time.Time{}
				return nil
			}
			k.State = StatePendingDeletion
			k.PendingWindowDays = int(days)
			k.DeletionDate = s.now().UTC().Add(time.Duration(days) * 24 * time.Hour)
			return nil
		})
	if err != nil {
		return nil, err
	}
	return &ScheduleKeyDeletionOutput{KeyId: keyARN(k.Ref), DeletionDate: awsproto.TimePtr(k.DeletionDate),
		KeyState: k.State, PendingWindowInDays: days}, nil
}

// CancelKeyDeletion takes a key out of PendingDeletion; it becomes Disabled.
func (s *Service) CancelKeyDeletion(ctx context.Context, c Caller, in *KeyIDInput) (*CancelKeyDeletionOutput, error) {
	k, err := s.mutateKey(ctx, c, in.KeyId, "kms:CancelKeyDeletion", nil, func(k *store.Key) error {
		if k.State != StatePendingDeletion && k.State != StatePendingReplicaDeletion {
			return kmsErr("KMSInvalidStateException", "%s is not pending deletion.", keyARN(k.Ref))
		}
		k.State = StateDisabled
		if k.Origin == OriginExternal && !importComplete(*k) {
			k.State = StatePendingImport // no material to use: it must be imported again
		}
		k.DeletionDate = time.Time{}
		k.PendingWindowDays = 0
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &CancelKeyDeletionOutput{KeyId: keyARN(k.Ref)}, nil
}
