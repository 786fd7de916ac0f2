package kms

import (
	"context"
	"errors"
	"strings"

	"github.com/coffer-kms/coffer/internal/arn"
	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/store"
)

// validateAliasName checks an alias name as KMS does: the model's length
// and pattern, the "alias/" prefix, and the reserved "alias/aws/" space.
func validateAliasName(name string) error {
	var v validation
	if name == "" {
		v.required("aliasName", false)
	} else {
		v.strLen("aliasName", name, 1, 256)
		for _, r := range name {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(":/_-", r)) {
				v.add(&name, "aliasName", "satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$")
				break
			}
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	if !strings.HasPrefix(name, "alias/") || len(name) == len("alias/") {
		return kmsErr("InvalidAliasNameException", "Alias must start with the prefix \"alias/\" and name something after it: %s", name)
	}
	if strings.HasPrefix(name, "alias/aws/") || name == "alias/aws" {
		return kmsErr("NotAuthorizedException", "The alias %s is reserved: names beginning with alias/aws/ are reserved for AWS managed keys.", name)
	}
	return nil
}

// aliasTargetKey resolves and checks the TargetKeyId of CreateAlias and
// UpdateAlias: a key id or key ARN in the caller's account, not pending
// deletion.
func (s *Service) aliasTargetKey(ctx context.Context, c Caller, target string) (store.Key, error) {
	var v validation
	v.keyID("targetKeyId", target)
	if err := v.err(); err != nil {
		return store.Key{}, err
	}
	k, err := s.resolveKey(ctx, c, target, false)
	if err != nil {
		return store.Key{}, err
	}
	if k.Ref.Account != c.Account {
		return store.Key{}, errNotFoundKey(keyARN(k.Ref))
	}
	if k.KeyManager != ManagerCustomer {
		return store.Key{}, kmsErr("NotAuthorizedException", "An alias cannot point at an AWS managed key: %s", keyARN(k.Ref))
	}
	if k.State == StatePendingDeletion {
		return store.Key{}, errState(k)
	}
	return k, nil
}

// CreateAlias creates an alias for a key in the caller's account and region.
func (s *Service) CreateAlias(ctx context.Context, c Caller, in *AliasInput) (*Empty, error) {
	if err := validateAliasName(in.AliasName); err != nil {
		return nil, err
	}
	k, err := s.aliasTargetKey(ctx, c, in.TargetKeyId)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "kms:CreateAlias", &k, nil, nil); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	a := store.Alias{Account: c.Account, Region: c.Region, Name: in.AliasName, TargetKeyID: k.Ref.KeyID, CreatedAt: now, UpdatedAt: now}
	aliasARN := arn.KMSAlias(c.Region, c.Account, in.AliasName)
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := checkAliasTarget(ctx, tx, k.Ref); err != nil {
			return err
		}
		err := tx.CreateAlias(ctx, a)
		if errors.Is(err, store.ErrExists) {
			return kmsErr("AlreadyExistsException", "An alias with the name %s already exists", aliasARN)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// checkAliasTarget re-reads the target inside the transaction and enforces
// the per-key alias quota.
func checkAliasTarget(ctx context.Context, tx store.Tx, ref store.KeyRef) error {
	k, err := txKey(ctx, tx, ref)
	if err != nil {
		return err
	}
	if k.State == StatePendingDeletion {
		return errState(k)
	}
	existing, err := tx.ListAliases(ctx, ref.Account, ref.Region, ref.KeyID, store.Page{Limit: maxAliasesPerKy + 1})
	if err != nil {
		return err
	}
	if len(existing) >= maxAliasesPerKy {
		return kmsErr("LimitExceededException", "The key %s already has %d aliases, the most a key can have.", keyARN(ref), maxAliasesPerKy)
	}
	return nil
}

// UpdateAlias points an existing alias at another key of the same kind.
func (s *Service) UpdateAlias(ctx context.Context, c Caller, in *AliasInput) (*Empty, error) {
	if err := validateAliasName(in.AliasName); err != nil {
		return nil, err
	}
	k, err := s.aliasTargetKey(ctx, c, in.TargetKeyId)
	if err != nil {
		return nil, err
	}
	aliasARN := arn.KMSAlias(c.Region, c.Account, in.AliasName)
	cur, err := s.store.GetAlias(ctx, c.Account, c.Region, in.AliasName)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errAliasNotFound(aliasARN)
	}
	if err != nil {
		return nil, mapStoreErr(err)
	}
	old, err := s.loadKey(ctx, store.KeyRef{Account: c.Account, Region: c.Region, KeyID: cur.TargetKeyID})
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "kms:UpdateAlias", &old, nil, nil); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "kms:UpdateAlias", &k, nil, nil); err != nil {
		return nil, err
	}
	if old.KeyUsage != k.KeyUsage || (old.KeySpec == SpecSymmetricDefault) != (k.KeySpec == SpecSymmetricDefault) {
		return nil, kmsErr("ValidationException", "Alias %s must point to a key of the same type and key usage: %s is %s/%s, %s is %s/%s",
			in.AliasName, keyARN(old.Ref), old.KeySpec, old.KeyUsage, keyARN(k.Ref), k.KeySpec, k.KeyUsage)
	}
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		a, err := tx.GetAlias(ctx, c.Account, c.Region, in.AliasName)
		if errors.Is(err, store.ErrNotFound) {
			return errAliasNotFound(aliasARN)
		}
		if err != nil {
			return err
		}
		if err := checkAliasTarget(ctx, tx, k.Ref); err != nil {
			return err
		}
		a.TargetKeyID = k.Ref.KeyID
		a.UpdatedAt = s.now().UTC()
		return tx.UpdateAlias(ctx, a)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// DeleteAlias deletes an alias; the key is unaffected.
func (s *Service) DeleteAlias(ctx context.Context, c Caller, in *DeleteAliasInput) (*Empty, error) {
	if err := validateAliasName(in.AliasName); err != nil {
		return nil, err
	}
	aliasARN := arn.KMSAlias(c.Region, c.Account, in.AliasName)
	cur, err := s.store.GetAlias(ctx, c.Account, c.Region, in.AliasName)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errAliasNotFound(aliasARN)
	}
	if err != nil {
		return nil, mapStoreErr(err)
	}
	k, err := s.loadKey(ctx, store.KeyRef{Account: c.Account, Region: c.Region, KeyID: cur.TargetKeyID})
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "kms:DeleteAlias", &k, nil, nil); err != nil {
		return nil, err
	}
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		err := tx.DeleteAlias(ctx, c.Account, c.Region, in.AliasName)
		if errors.Is(err, store.ErrNotFound) {
			return errAliasNotFound(aliasARN)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// ListAliases lists the caller's aliases in the region, optionally only
// those of one key.
func (s *Service) ListAliases(ctx context.Context, c Caller, in *ListAliasesInput) (*ListAliasesOutput, error) {
	limit, after, err := pageLimit(listAliases, in.Limit, in.Marker)
	if err != nil {
		return nil, err
	}
	keyID := ""
	if in.KeyId != nil {
		var v validation
		v.keyID("keyId", *in.KeyId)
		if err := v.err(); err != nil {
			return nil, err
		}
		k, err := s.resolveKey(ctx, c, *in.KeyId, false)
		if err != nil {
			return nil, err
		}
		if k.Ref.Account != c.Account {
			return nil, errNotFoundKey(keyARN(k.Ref))
		}
		keyID = k.Ref.KeyID
	}
	if err := s.authorize(ctx, c, "kms:ListAliases", nil, nil, nil); err != nil {
		return nil, err
	}
	aliases, err := s.store.ListAliases(ctx, c.Account, c.Region, keyID, store.Page{After: after, Limit: limit + 1})
	if err != nil {
		return nil, mapStoreErr(err)
	}
	out := &ListAliasesOutput{Aliases: []AliasListEntry{}}
	for i, a := range aliases {
		if i == limit {
			out.Truncated = true
			out.NextMarker = encodeMarker(listAliases, aliases[i-1].Name)
			break
		}
		out.Aliases = append(out.Aliases, AliasListEntry{
			AliasName: a.Name, AliasArn: arn.KMSAlias(c.Region, c.Account, a.Name), TargetKeyId: a.TargetKeyID,
			CreationDate: awsproto.TimePtr(a.CreatedAt), LastUpdatedDate: awsproto.TimePtr(a.UpdatedAt),
		})
	}
	return out, nil
}
