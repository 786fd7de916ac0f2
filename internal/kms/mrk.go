package kms

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/coffer-kms/coffer/internal/store"
)

// Multi-Region keys, see docs/imported-and-multi-region-keys.md. A
// multi-Region key is one store.Key row per Region, all with the same
// "mrk-" key id and the same material (each copy wrapped for its own ARN).
// The primary's attributes list the replica Regions; every replica names
// the primary Region.

// Multi-Region key types and the extra key state.
const (
	MultiRegionPrimary          = "PRIMARY"
	MultiRegionReplica          = "REPLICA"
	StatePendingReplicaDeletion = "PendingReplicaDeletion"
)

var regionRE = regexp.MustCompile(`^([a-z]+-){2,3}\d+$`)

// mrkAttrs is the multi-Region part of keyAttrs.
type mrkAttrs struct {
	// PrimaryRegion is the Region of the primary key.
	PrimaryRegion string `json:"primary_region"`
	// ReplicaRegions, on the primary only, lists its replicas' Regions.
	ReplicaRegions []string `json:"replica_regions,omitempty"`
}

// MultiRegionKey is a key of a multi-Region key set (API shape).
type MultiRegionKey struct {
	Arn    string
	Region string
}

// MultiRegionConfiguration is the DescribeKey view of a multi-Region key.
type MultiRegionConfiguration struct {
	MultiRegionKeyType string
	PrimaryKey         *MultiRegionKey
	ReplicaKeys        []MultiRegionKey
}

// ReplicateKeyInput is the ReplicateKey request.
type ReplicateKeyInput struct {
	KeyId                          string
	ReplicaRegion                  string
	Policy                         *string
	BypassPolicyLockoutSafetyCheck bool
	Description                    *string
	Tags                           []Tag
}

// ReplicateKeyOutput is the ReplicateKey response.
type ReplicateKeyOutput struct {
	ReplicaKeyMetadata KeyMetadata
	ReplicaPolicy      string
	ReplicaTags        []Tag
}

// UpdatePrimaryRegionInput is the UpdatePrimaryRegion request.
type UpdatePrimaryRegionInput struct {
	KeyId         string
	PrimaryRegion string
}

// newMRKID returns "mrk-" and 32 random lowercase hex digits.
func newMRKID(r io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("kms: key id: %w", err)
	}
	return "mrk-" + hex.EncodeToString(b[:]), nil
}

// mrkOf returns a key's multi-Region attributes (nil for single-Region keys).
func mrkOf(k store.Key) *mrkAttrs {
	if !k.MultiRegion {
		return nil
	}
	a, err := parseAttrs(k)
	if err != nil || a.MRK == nil {
		return nil
	}
	return a.MRK
}

// mrkKeyType is kms:MultiRegionKeyType of k: PRIMARY, REPLICA, or "" for
// single-Region keys (and nil).
func mrkKeyType(k *store.Key) string {
	if k == nil {
		return ""
	}
	m := mrkOf(*k)
	switch {
	case m == nil:
		return ""
	case m.PrimaryRegion == k.Ref.Region:
		return MultiRegionPrimary
	default:
		return MultiRegionReplica
	}
}

// isReplica reports whether k is a multi-Region replica key.
func isReplica(k store.Key) bool {
	m := mrkOf(k)
	return m != nil && m.PrimaryRegion != k.Ref.Region
}

// blobRegion is the region a ciphertext blob of k binds: the key's Region,
// or "" for multi-Region keys so that every replica opens it (blob key id
// kind 1, docs/ciphertext-blob.md).
func blobRegion(k store.Key) string {
	if k.MultiRegion {
		return ""
	}
	return k.Ref.Region
}

// mrkConfig builds the MultiRegionConfiguration of k, reading the primary
// when k is a replica.
func (s *Service) mrkConfig(ctx context.Context, k store.Key) *MultiRegionConfiguration {
	m := mrkOf(k)
	if m == nil {
		return nil
	}
	primary := k
	if m.PrimaryRegion != k.Ref.Region {
		ref := k.Ref
		ref.Region = m.PrimaryRegion
		p, err := s.store.GetKey(ctx, ref)
		if err != nil {
			return &MultiRegionConfiguration{MultiRegionKeyType: MultiRegionReplica,
				PrimaryKey: &MultiRegionKey{Arn: keyARN(ref), Region: ref.Region}}
		}
		primary = p
	}
	cfg := &MultiRegionConfiguration{MultiRegionKeyType: MultiRegionPrimary, ReplicaKeys: []MultiRegionKey{},
		PrimaryKey: &MultiRegionKey{Arn: keyARN(primary.Ref), Region: primary.Ref.Region}}
	if primary.Ref != k.Ref {
		cfg.MultiRegionKeyType = MultiRegionReplica
	}
	if pm := mrkOf(primary); pm != nil {
		for _, r := range pm.ReplicaRegions {
			ref := primary.Ref
			ref.Region = r
			cfg.ReplicaKeys = append(cfg.ReplicaKeys, MultiRegionKey{Arn: keyARN(ref), Region: r})
		}
	}
	return cfg
}

// copyMaterial re-wraps one material version of a key for another Region's
// copy of it, keeping its id, date and rotation type.
func (s *Service) copyMaterial(ctx context.Context, m store.Material, to store.KeyRef) (store.Material, error) {
	plain, err := s.root.Unwrap(ctx, m.Wrapped, materialAAD(m.Ref, m.Version))
	if err != nil {
		return store.Material{}, fmt.Errorf("kms: unwrap material of %s v%d: %w", keyARN(m.Ref), m.Version, err)
	}
	defer clear(plain)
	wrapped, err := s.root.Wrap(ctx, plain, materialAAD(to, m.Version))
	if err != nil {
		return store.Material{}, fmt.Errorf("kms: wrap material: %w", err)
	}
	out := m
	out.Ref, out.Wrapped = to, wrapped
	return out, nil
}

// ReplicateKey creates a replica of a multi-Region primary key in another
// Region: same key id, material, spec, usage, origin and rotation, its own
// policy, description, tags, aliases and state. It needs kms:ReplicateKey
// on the primary and kms:CreateKey (and kms:TagResource with Tags) in the
// replica Region.
func (s *Service) ReplicateKey(ctx context.Context, c Caller, in *ReplicateKeyInput) (*ReplicateKeyOutput, error) {
	var v validation
	v.keyID("keyId", in.KeyId)
	v.required("replicaRegion", in.ReplicaRegion != "")
	if in.ReplicaRegion != "" {
		v.strLen("replicaRegion", in.ReplicaRegion, 1, 32)
		if !regionRE.MatchString(in.ReplicaRegion) {
			v.add(&in.ReplicaRegion, "replicaRegion", `satisfy regular expression pattern: ^([a-z]+-){2,3}\d+$`)
		}
	}
	if in.Description != nil {
		v.strLen("description", *in.Description, 0, 8192)
	}
	if in.Policy != nil {
		v.strLen("policy", *in.Policy, 1, 131072)
	}
	validateTags(&v, in.Tags)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkTagRules(in.Tags); err != nil {
		return nil, err
	}
	pk, err := s.keyForManagement(ctx, c, in.KeyId, "kms:ReplicateKey", map[string][]string{"kms:ReplicaRegion": {in.ReplicaRegion}})
	if err != nil {
		return nil, err
	}
	pm := mrkOf(pk)
	switch {
	case pm == nil:
		return nil, kmsErr("UnsupportedOperationException", "%s is not a multi-Region key.", keyARN(pk.Ref))
	case pm.PrimaryRegion != pk.Ref.Region:
		return nil, kmsErr("UnsupportedOperationException", "%s is not a multi-Region primary key; only the primary key can be replicated.", keyARN(pk.Ref))
	case pk.State == StatePendingDeletion || pk.State == StatePendingReplicaDeletion:
		return nil, errState(pk)
	case in.ReplicaRegion == pk.Ref.Region:
		return nil, kmsErr("ValidationException", "The replica Region %s must differ from the primary key's Region.", in.ReplicaRegion)
	}
	rc := c
	rc.Region = in.ReplicaRegion
	cond := map[string][]string{
		"kms:KeySpec": {pk.KeySpec}, "kms:KeyUsage": {pk.KeyUsage}, "kms:KeyOrigin": {pk.Origin},
		"kms:MultiRegion": {"true"}, "kms:MultiRegionKeyType": {MultiRegionReplica},
		"kms:BypassPolicyLockoutSafetyCheck": {strconv.FormatBool(in.BypassPolicyLockoutSafetyCheck)},
	}
	addRequestTags(cond, in.Tags)
	if err := s.authorizeWith(ctx, rc, "kms:CreateKey", nil, nil, nil, cond); err != nil {
		return nil, err
	}
	if len(in.Tags) > 0 {
		tc := map[string][]string{}
		addRequestTags(tc, in.Tags)
		if err := s.authorizeWith(ctx, rc, "kms:TagResource", nil, nil, nil, tc); err != nil {
			return nil, err
		}
	}
	ref := pk.Ref
	ref.Region = in.ReplicaRegion
	rk := store.Key{Ref: ref, CreationDate: s.now().UTC(), KeySpec: pk.KeySpec, KeyUsage: pk.KeyUsage, Origin: pk.Origin,
		KeyManager: pk.KeyManager, MultiRegion: true, State: StateEnabled, Policy: defaultKeyPolicy(c.Account),
		RotationEnabled: pk.RotationEnabled, RotationPeriodDays: pk.RotationPeriodDays, CurrentVersion: pk.CurrentVersion}
	if in.Description != nil {
		rk.Description = *in.Description
	}
	if in.Policy != nil {
		if err := s.checkKeyPolicy(ctx, rc, &rk, *in.Policy, in.BypassPolicyLockoutSafetyCheck); err != nil {
			return nil, err
		}
		rk.Policy = *in.Policy
	}
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		cur, err := txKey(ctx, tx, pk.Ref)
		if err != nil {
			return err
		}
		ca, err := parseAttrs(cur)
		if err != nil {
			return err
		}
		if ca.MRK == nil || ca.MRK.PrimaryRegion != cur.Ref.Region {
			return kmsErr("UnsupportedOperationException", "%s is not a multi-Region primary key; only the primary key can be replicated.", keyARN(cur.Ref))
		}
		if _, err := tx.GetKey(ctx, ref); err == nil {
			return kmsErr("AlreadyExistsException", "A replica of %s already exists in %s: %s.", keyARN(cur.Ref), ref.Region, keyARN(ref))
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		ra := keyAttrs{MRK: &mrkAttrs{PrimaryRegion: cur.Ref.Region}}
		if cur.Origin == OriginExternal {
			// Created without material: the same material must be imported.
			ra.Import = &importAttrs{}
			if ca.Import != nil {
				for _, m := range ca.Import.Materials {
					ra.Import.Materials = append(ra.Import.Materials, importedMaterial{Version: m.Version, ID: m.ID,
						RotationType: m.RotationType, RotatedAt: m.RotatedAt, CreatedAt: m.CreatedAt})
				}
			}
			rk.State = StatePendingImport
		}
		if err := setAttrs(&rk, ra); err != nil {
			return err
		}
		rk.CurrentVersion = cur.CurrentVersion
		rk.RotationEnabled, rk.RotationPeriodDays = cur.RotationEnabled, cur.RotationPeriodDays
		if err := tx.CreateKey(ctx, rk); err != nil {
			if errors.Is(err, store.ErrExists) {
				return kmsErr("AlreadyExistsException", "A replica of %s already exists in %s.", keyARN(cur.Ref), ref.Region)
			}
			return err
		}
		if cur.Origin != OriginExternal {
			mats, err := tx.ListMaterials(ctx, cur.Ref)
			if err != nil {
				return err
			}
			for _, m := range mats {
				cm, err := s.copyMaterial(ctx, m, ref)
				if err != nil {
					return err
				}
				if err := tx.AddMaterial(ctx, cm); err != nil {
					return err
				}
			}
		}
		if err := tx.PutTags(ctx, ref, toStoreTags(in.Tags)); err != nil {
			return err
		}
		if !slices.Contains(ca.MRK.ReplicaRegions, ref.Region) {
			ca.MRK.ReplicaRegions = append(ca.MRK.ReplicaRegions, ref.Region)
			slices.Sort(ca.MRK.ReplicaRegions)
		}
		if err := setAttrs(&cur, ca); err != nil {
			return err
		}
		return tx.UpdateKey(ctx, cur)
	})
	if err != nil {
		return nil, err
	}
	md := s.metadata(rk, "")
	if m, err := s.loadMaterial(ctx, rk, rk.CurrentVersion); err == nil {
		md.CurrentKeyMaterialId = m.id
	}
	md.MultiRegionConfiguration = s.mrkConfig(ctx, rk)
	tags := in.Tags
	if tags == nil {
		tags = []Tag{}
	}
	return &ReplicateKeyOutput{ReplicaKeyMetadata: md, ReplicaPolicy: rk.Policy, ReplicaTags: tags}, nil
}

// UpdatePrimaryRegion makes the replica in PrimaryRegion the primary key
// and the current primary a replica. It needs kms:UpdatePrimaryRegion on
// both keys, each in its own Region.
func (s *Service) UpdatePrimaryRegion(ctx context.Context, c Caller, in *UpdatePrimaryRegionInput) (*Empty, error) {
	var v validation
	v.keyID("keyId", in.KeyId)
	v.required("primaryRegion", in.PrimaryRegion != "")
	if in.PrimaryRegion != "" && !regionRE.MatchString(in.PrimaryRegion) {
		v.add(&in.PrimaryRegion, "primaryRegion", `satisfy regular expression pattern: ^([a-z]+-){2,3}\d+$`)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	cond := map[string][]string{"kms:PrimaryRegion": {in.PrimaryRegion}}
	pk, err := s.keyForManagement(ctx, c, in.KeyId, "kms:UpdatePrimaryRegion", cond)
	if err != nil {
		return nil, err
	}
	pm := mrkOf(pk)
	switch {
	case pm == nil:
		return nil, kmsErr("UnsupportedOperationException", "%s is not a multi-Region key.", keyARN(pk.Ref))
	case pm.PrimaryRegion != pk.Ref.Region:
		return nil, kmsErr("UnsupportedOperationException", "%s is not the primary key of its multi-Region key; call UpdatePrimaryRegion on the primary key (in %s).", keyARN(pk.Ref), pm.PrimaryRegion)
	}
	if in.PrimaryRegion == pk.Ref.Region {
		return &Empty{}, nil // already the primary
	}
	newRef := pk.Ref
	newRef.Region = in.PrimaryRegion
	nk, err := s.loadKey(ctx, newRef)
	if err != nil {
		return nil, err
	}
	rc := c
	rc.Region = in.PrimaryRegion
	if err := s.authorizeWith(ctx, rc, "kms:UpdatePrimaryRegion", &nk, nil, nil, cond); err != nil {
		return nil, err
	}
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		old, err := txKey(ctx, tx, pk.Ref)
		if err != nil {
			return err
		}
		nw, err := txKey(ctx, tx, newRef)
		if err != nil {
			return err
		}
		oa, err := parseAttrs(old)
		if err != nil {
			return err
		}
		na, err := parseAttrs(nw)
		if err != nil {
			return err
		}
		if oa.MRK == nil || na.MRK == nil || oa.MRK.PrimaryRegion != old.Ref.Region || na.MRK.PrimaryRegion != old.Ref.Region {
			return kmsErr("UnsupportedOperationException", "%s is not a replica of %s.", keyARN(newRef), keyARN(old.Ref))
		}
		for _, k := range []store.Key{old, nw} {
			if k.State == StatePendingDeletion || k.State == StatePendingReplicaDeletion {
				return errState(k)
			}
		}
		var replicas []string
		for _, r := range append(oa.MRK.ReplicaRegions, old.Ref.Region) {
			if r != newRef.Region {
				replicas = append(replicas, r)
			}
		}
		slices.Sort(replicas)
		na.MRK = &mrkAttrs{PrimaryRegion: newRef.Region, ReplicaRegions: replicas}
		oa.MRK = &mrkAttrs{PrimaryRegion: newRef.Region}
		// The automatic rotation schedule moves with the primary role.
		nw.RotationEnabled, nw.RotationPeriodDays, nw.NextRotation = old.RotationEnabled, old.RotationPeriodDays, old.NextRotation
		old.NextRotation = time.Time{}
		if err := setAttrs(&nw, na); err != nil {
			return err
		}
		if err := setAttrs(&old, oa); err != nil {
			return err
		}
		if err := tx.UpdateKey(ctx, nw); err != nil {
			return err
		}
		if err := tx.UpdateKey(ctx, old); err != nil {
			return err
		}
		for _, r := range replicas {
			if r == old.Ref.Region {
				continue
			}
			ref := old.Ref
			ref.Region = r
			rk, err := tx.GetKey(ctx, ref)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			ra, err := parseAttrs(rk)
			if err != nil {
				return err
			}
			ra.MRK = &mrkAttrs{PrimaryRegion: newRef.Region}
			if err := setAttrs(&rk, ra); err != nil {
				return err
			}
			if err := tx.UpdateKey(ctx, rk); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// replicaRefs returns the refs of a primary key's replicas.
func replicaRefs(k store.Key) []store.KeyRef {
	m := mrkOf(k)
	if m == nil || m.PrimaryRegion != k.Ref.Region {
		return nil
	}
	refs := make([]store.KeyRef, 0, len(m.ReplicaRegions))
	for _, r := range m.ReplicaRegions {
		ref := k.Ref
		ref.Region = r
		refs = append(refs, ref)
	}
	return refs
}

// syncReplicas applies the shared properties of a primary key (rotation
// status and new material versions) to its replicas inside tx. Replicas do
// not rotate on their own: their NextRotation stays zero.
func (s *Service) syncReplicas(ctx context.Context, tx store.Tx, primary store.Key, newMaterial *store.Material) error {
	for _, ref := range replicaRefs(primary) {
		rk, err := tx.GetKey(ctx, ref)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		rk.RotationEnabled, rk.RotationPeriodDays = primary.RotationEnabled, primary.RotationPeriodDays
		rk.NextRotation = time.Time{}
		if newMaterial != nil {
			cm, err := s.copyMaterial(ctx, *newMaterial, ref)
			if err != nil {
				return err
			}
			if err := tx.AddMaterial(ctx, cm); err != nil {
				return err
			}
			rk.CurrentVersion = newMaterial.Version
		}
		if err := tx.UpdateKey(ctx, rk); err != nil {
			return err
		}
	}
	return nil
}

// forgetReplica removes a deleted replica from its primary's list inside
// tx; a primary waiting in PendingReplicaDeletion for its last replica
// then starts its own deletion window.
func (s *Service) forgetReplica(ctx context.Context, tx store.Tx, replica store.Key, now time.Time) error {
	m := mrkOf(replica)
	if m == nil || m.PrimaryRegion == replica.Ref.Region {
		return nil
	}
	ref := replica.Ref
	ref.Region = m.PrimaryRegion
	pk, err := tx.GetKey(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	pa, err := parseAttrs(pk)
	if err != nil || pa.MRK == nil {
		return err
	}
	pa.MRK.ReplicaRegions = slices.DeleteFunc(pa.MRK.ReplicaRegions, func(r string) bool { return r == replica.Ref.Region })
	if err := setAttrs(&pk, pa); err != nil {
		return err
	}
	if pk.State == StatePendingReplicaDeletion && len(pa.MRK.ReplicaRegions) == 0 {
		pk.State = StatePendingDeletion
		pk.DeletionDate = now.Add(time.Duration(pk.PendingWindowDays) * 24 * time.Hour)
	}
	return tx.UpdateKey(ctx, pk)
}
