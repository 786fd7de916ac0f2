package kms

import (
	"context"
	"strconv"
	"time"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/store"
)

const (
	defaultRotationDays = 365
	maxOnDemandRotation = 25
)

// requireRotatable refuses rotation for keys whose material KMS cannot
// rotate: anything but symmetric keys with AWS_KMS origin.
func requireRotatable(k store.Key) error {
	if k.KeySpec != SpecSymmetricDefault || k.Origin != OriginAWSKMS {
		return kmsErr("UnsupportedOperationException", "%s has key spec %s and origin %s; only symmetric keys with origin AWS_KMS can be rotated.", keyARN(k.Ref), k.KeySpec, k.Origin)
	}
	return nil
}

// refuseReplica refuses rotation management on multi-Region replica keys:
// rotation is a shared property, managed through the primary key.
func refuseReplica(k store.Key) error {
	if isReplica(k) {
		return kmsErr("UnsupportedOperationException", "%s is a multi-Region replica key; its rotation is managed through its primary key.", keyARN(k.Ref))
	}
	return nil
}

// requireEnabledForRotation gives the state errors of the rotation
// management operations.
func requireEnabledForRotation(k store.Key) error {
	switch k.State {
	case StateEnabled:
		return nil
	case StateDisabled:
		return kmsErr("DisabledException", "%s is disabled.", keyARN(k.Ref))
	default:
		return errState(k)
	}
}

// EnableKeyRotation turns on automatic rotation every RotationPeriodInDays
// (90..2560, default 365).
func (s *Service) EnableKeyRotation(ctx context.Context, c Caller, in *EnableKeyRotationInput) (*Empty, error) {
	var v validation
	v.intRange("rotationPeriodInDays", in.RotationPeriodInDays, 90, 2560)
	if err := v.err(); err != nil {
		return nil, err
	}
	days := defaultRotationDays
	if in.RotationPeriodInDays != nil {
		days = int(*in.RotationPeriodInDays)
	}
	k, err := s.mutateKey(ctx, c, in.KeyId, "kms:EnableKeyRotation",
		map[string][]string{"kms:RotationPeriodInDays": {strconv.Itoa(days)}}, func(k *store.Key) error {
			if err := requireEnabledForRotation(*k); err != nil {
				return err
			}
			if err := requireRotatable(*k); err != nil {
				return err
			}
			if err := refuseReplica(*k); err != nil {
				return err
			}
			k.RotationEnabled = true
			k.RotationPeriodDays = days
			k.NextRotation = s.now().UTC().Add(time.Duration(days) * 24 * time.Hour)
			return nil
		})
	if err != nil {
		return nil, err
	}
	if err := s.syncRotationStatus(ctx, k); err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// DisableKeyRotation turns off automatic rotation.
func (s *Service) DisableKeyRotation(ctx context.Context, c Caller, in *KeyIDInput) (*Empty, error) {
	k, err := s.mutateKey(ctx, c, in.KeyId, "kms:DisableKeyRotation", nil, func(k *store.Key) error {
		if err := requireEnabledForRotation(*k); err != nil {
			return err
		}
		if err := requireRotatable(*k); err != nil {
			return err
		}
		if err := refuseReplica(*k); err != nil {
			return err
		}
		k.RotationEnabled = false
		k.RotationPeriodDays = 0
		k.NextRotation = time.Time{}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.syncRotationStatus(ctx, k); err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// GetKeyRotationStatus reports whether automatic rotation is on, its period
// and the next rotation date.
func (s *Service) GetKeyRotationStatus(ctx context.Context, c Caller, in *KeyIDInput) (*GetKeyRotationStatusOutput, error) {
	k, err := s.keyForManagement(ctx, c, in.KeyId, "kms:GetKeyRotationStatus", nil)
	if err != nil {
		return nil, err
	}
	if err := requireNotPendingDeletion(&k); err != nil {
		return nil, err
	}
	if err := requireRotatable(k); err != nil {
		return nil, err
	}
	out := &GetKeyRotationStatusOutput{KeyRotationEnabled: k.RotationEnabled, KeyId: keyARN(k.Ref)}
	if k.RotationEnabled {
		days := int32(k.RotationPeriodDays)
		out.RotationPeriodInDays = &days
		next := k.NextRotation
		if m := mrkOf(k); m != nil && m.PrimaryRegion != k.Ref.Region {
			// A replica rotates with its primary: report the primary's date.
			pref := k.Ref
			pref.Region = m.PrimaryRegion
			if p, err := s.loadKey(ctx, pref); err == nil {
				next = p.NextRotation
			}
		}
		out.NextRotationDate = awsproto.TimePtr(next)
	}
	return out, nil
}

// RotateKeyOnDemand rotates a key's material now (at most 25 times per key);
// the automatic schedule is unchanged.
func (s *Service) RotateKeyOnDemand(ctx context.Context, c Caller, in *KeyIDInput) (*RotateKeyOnDemandOutput, error) {
	k, err := s.keyForManagement(ctx, c, in.KeyId, "kms:RotateKeyOnDemand", nil)
	if err != nil {
		return nil, err
	}
	if k.Origin == OriginExternal && k.KeySpec == SpecSymmetricDefault && !k.MultiRegion {
		if err := s.rotateImported(ctx, k.Ref); err != nil {
			return nil, err
		}
		return &RotateKeyOnDemandOutput{KeyId: keyARN(k.Ref)}, nil
	}
	err = s.rotate(ctx, k.Ref, "ON_DEMAND", func(k *store.Key) error {
		if err := refuseAWSManaged(k, "kms:RotateKeyOnDemand"); err != nil {
			return err
		}
		if err := requireEnabledForRotation(*k); err != nil {
			return err
		}
		if err := requireRotatable(*k); err != nil {
			return err
		}
		if err := refuseReplica(*k); err != nil {
			return err
		}
		if k.OnDemandRotations >= maxOnDemandRotation {
			return kmsErr("LimitExceededException", "%s has been rotated on demand %d times, the most allowed for a key.", keyARN(k.Ref), maxOnDemandRotation)
		}
		k.OnDemandRotations++
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &RotateKeyOnDemandOutput{KeyId: keyARN(k.Ref)}, nil
}

// rotate adds a new current material version to a key in one transaction;
// check may refuse (returning an error) or adjust the key first.
func (s *Service) rotate(ctx context.Context, ref store.KeyRef, rotationType string, check func(k *store.Key) error) error {
	return s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		k, err := txKey(ctx, tx, ref)
		if err != nil {
			return err
		}
		if err := check(&k); err != nil {
			return err
		}
		m, err := s.newMaterial(ctx, ref, k.KeySpec, k.CurrentVersion+1, rotationType)
		if err != nil {
			return err
		}
		if err := tx.AddMaterial(ctx, m); err != nil {
			return err
		}
		k.CurrentVersion = m.Version
		if err := tx.UpdateKey(ctx, k); err != nil {
			return err
		}
		// Rotation is shared by a multi-Region key: the replicas get the
		// same new material version.
		return s.syncReplicas(ctx, tx, k, &m)
	})
}

// ListKeyRotations lists a key's material rotations, newest last; with
// IncludeKeyMaterial=ALL_KEY_MATERIAL the original material too.
func (s *Service) ListKeyRotations(ctx context.Context, c Caller, in *ListKeyRotationsInput) (*ListKeyRotationsOutput, error) {
	var v validation
	v.keyID("keyId", in.KeyId)
	v.enum("includeKeyMaterial", in.IncludeKeyMaterial, "ALL_KEY_MATERIAL", "ROTATIONS_ONLY")
	if err := v.err(); err != nil {
		return nil, err
	}
	limit, after, err := pageLimit(listRotations, in.Limit, in.Marker)
	if err != nil {
		return nil, err
	}
	var afterVersion uint64
	if after != "" {
		afterVersion, err = strconv.ParseUint(after, 10, 32)
		if err != nil {
			return nil, kmsErr("InvalidMarkerException", "Invalid marker: %s", *in.Marker)
		}
	}
	k, err := s.resolveKey(ctx, c, in.KeyId, false)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "kms:ListKeyRotations", &k, nil, nil); err != nil {
		return nil, err
	}
	if err := requireNotPendingDeletion(&k); err != nil && k.State != StatePendingImport {
		return nil, err
	}
	if k.Origin == OriginExternal && k.KeySpec == SpecSymmetricDefault {
		return importedRotations(k, in.IncludeKeyMaterial, afterVersion, limit), nil
	}
	if err := requireNotPendingDeletion(&k); err != nil {
		return nil, err
	}
	if err := requireRotatable(k); err != nil {
		return nil, err
	}
	mats, err := s.store.ListMaterials(ctx, k.Ref)
	if err != nil {
		return nil, mapStoreErr(err)
	}
	out := &ListKeyRotationsOutput{Rotations: []RotationsListEntry{}}
	var last uint32
	for _, m := range mats {
		if uint64(m.Version) <= afterVersion || (m.RotationType == "" && in.IncludeKeyMaterial != "ALL_KEY_MATERIAL") {
			continue
		}
		if len(out.Rotations) == limit {
			out.Truncated = true
			out.NextMarker = encodeMarker(listRotations, strconv.FormatUint(uint64(last), 10))
			break
		}
		state := "NON_CURRENT"
		if m.Version == k.CurrentVersion {
			state = "CURRENT"
		}
		out.Rotations = append(out.Rotations, RotationsListEntry{KeyId: keyARN(k.Ref), KeyMaterialId: m.MaterialID,
			KeyMaterialState: state, RotationDate: awsproto.TimePtr(m.CreatedAt), RotationType: m.RotationType})
		last = m.Version
	}
	return out, nil
}

// syncRotationStatus copies a multi-Region primary key's rotation status
// to its replicas (a shared property).
func (s *Service) syncRotationStatus(ctx context.Context, k store.Key) error {
	if len(replicaRefs(k)) == 0 {
		return nil
	}
	return s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		cur, err := txKey(ctx, tx, k.Ref)
		if err != nil {
			return err
		}
		return s.syncReplicas(ctx, tx, cur, nil)
	})
}

// importedRotations is ListKeyRotations of a symmetric key with imported
// material: with ALL_KEY_MATERIAL every imported material (the first one
// too) and the material pending rotation; with ROTATIONS_ONLY the
// materials that a rotation made current. Entries carry ImportState,
// ExpirationModel, ValidTo and KeyMaterialDescription.
func importedRotations(k store.Key, include string, afterVersion uint64, limit int) *ListKeyRotationsOutput {
	out := &ListKeyRotationsOutput{Rotations: []RotationsListEntry{}}
	a, err := parseAttrs(k)
	if err != nil || a.Import == nil {
		return out
	}
	type item struct {
		m       importedMaterial
		pending bool
	}
	var items []item
	for _, m := range a.Import.Materials {
		items = append(items, item{m: m})
	}
	if p := a.Import.Pending; p != nil {
		items = append(items, item{m: p.importedMaterial, pending: true})
	}
	var last uint32
	for _, it := range items {
		m := it.m
		if uint64(m.Version) <= afterVersion || (m.RotationType == "" && include != "ALL_KEY_MATERIAL") {
			continue
		}
		if len(out.Rotations) == limit {
			out.Truncated = true
			out.NextMarker = encodeMarker(listRotations, strconv.FormatUint(uint64(last), 10))
			break
		}
		e := RotationsListEntry{KeyId: keyARN(k.Ref), KeyMaterialId: m.ID, KeyMaterialDescription: m.Description,
			ImportState: "PENDING_IMPORT", KeyMaterialState: "NON_CURRENT", RotationType: m.RotationType, RotationDate: awsproto.TimePtr(m.RotatedAt)}
		switch {
		case it.pending:
			e.KeyMaterialState = "PENDING_ROTATION"
		case m.Version == k.CurrentVersion:
			e.KeyMaterialState = "CURRENT"
		}
		if m.Present {
			e.ImportState = "IMPORTED"
			e.ExpirationModel = m.ExpirationModel
			e.ValidTo = awsproto.TimePtr(m.ValidTo)
		}
		out.Rotations = append(out.Rotations, e)
		last = m.Version
	}
	return out
}

// rotateImported is RotateKeyOnDemand of a symmetric key with imported
// material: the material pending rotation (ImportKeyMaterial with
// NEW_KEY_MATERIAL) becomes the current material.
func (s *Service) rotateImported(ctx context.Context, ref store.KeyRef) error {
	return s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		k, err := txKey(ctx, tx, ref)
		if err != nil {
			return err
		}
		if err := requireEnabledForRotation(k); err != nil {
			return err
		}
		a, err := parseAttrs(k)
		if err != nil {
			return err
		}
		im := a.Import
		if im == nil || im.Pending == nil {
			return kmsErr("UnsupportedOperationException", "%s has no key material pending rotation: import new key material with ImportType NEW_KEY_MATERIAL first.", keyARN(ref))
		}
		if k.OnDemandRotations >= maxOnDemandRotation {
			return kmsErr("LimitExceededException", "%s has been rotated on demand %d times, the most allowed for a key.", keyARN(ref), maxOnDemandRotation)
		}
		now := s.now().UTC()
		p := im.Pending
		m := store.Material{Ref: ref, Version: p.Version, MaterialID: p.ID, Wrapped: p.Wrapped, CreatedAt: now, RotationType: "ON_DEMAND"}
		if err := tx.AddMaterial(ctx, m); err != nil {
			return err
		}
		entry := p.importedMaterial
		entry.RotationType, entry.RotatedAt = "ON_DEMAND", now
		im.Materials = append(im.Materials, entry)
		im.Pending = nil
		k.CurrentVersion = entry.Version
		k.OnDemandRotations++
		k.MaterialExpires = im.nextExpiry()
		if err := setAttrs(&k, a); err != nil {
			return err
		}
		return tx.UpdateKey(ctx, k)
	})
}
