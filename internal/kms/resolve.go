package kms

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/coffer-kms/coffer/internal/arn"
	"github.com/coffer-kms/coffer/internal/keyring"
	"github.com/coffer-kms/coffer/internal/store"
)

// keyARN returns a key's ARN.
func keyARN(ref store.KeyRef) string { return arn.KMSKey(ref.Region, ref.Account, ref.KeyID) }

// validKeyID reports whether id is a key id as Coffer mints them: a
// lowercase UUID, or "mrk-" and 32 lowercase hex digits for multi-Region keys.
func validKeyID(id string) bool {
	if strings.HasPrefix(id, "mrk-") {
		return len(id) == 36 && isLowerHex(id[4:])
	}
	if len(id) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if id[i] != '-' {
				return false
			}
		default:
			if !isLowerHex(id[i : i+1]) {
				return false
			}
		}
	}
	return true
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// keySpecifier is a parsed KeyId request member.
type keySpecifier struct {
	ref   store.KeyRef // KeyID empty when the specifier is an alias
	alias string       // "alias/..." when it names an alias
}

// parseKeySpecifier understands a key id, a key ARN, and, if allowAlias, an
// alias name or alias ARN. ARNs must name the caller's region: keys of
// other regions do not exist here.
func parseKeySpecifier(c Caller, id string, allowAlias bool) (keySpecifier, error) {
	switch {
	case strings.HasPrefix(id, "alias/"):
		if !allowAlias {
			return keySpecifier{}, errInvalidKeyID(id)
		}
		return keySpecifier{ref: store.KeyRef{Account: c.Account, Region: c.Region}, alias: id}, nil
	case arn.IsARN(id):
		a, err := arn.Parse(id)
		if err != nil || a.Service != "kms" || !arn.ValidAccountID(a.Account) {
			return keySpecifier{}, kmsErr("InvalidArnException", "Invalid arn %s", id)
		}
		if a.Region != c.Region {
			return keySpecifier{}, kmsErr("NotFoundException", "Invalid arn %s", a.Region)
		}
		switch {
		case strings.HasPrefix(a.Resource, "key/"):
			keyID := strings.TrimPrefix(a.Resource, "key/")
			if !validKeyID(keyID) {
				return keySpecifier{}, errNotFoundKey(id)
			}
			return keySpecifier{ref: store.KeyRef{Account: a.Account, Region: a.Region, KeyID: keyID}}, nil
		case strings.HasPrefix(a.Resource, "alias/") && allowAlias:
			if a.Account != c.Account {
				// Aliases are usable only in the caller's own account.
				return keySpecifier{}, errAliasNotFound(id)
			}
			return keySpecifier{ref: store.KeyRef{Account: a.Account, Region: a.Region}, alias: a.Resource}, nil
		default:
			return keySpecifier{}, kmsErr("InvalidArnException", "Invalid arn %s", id)
		}
	default:
		if !validKeyID(id) {
			return keySpecifier{}, errInvalidKeyID(id)
		}
		return keySpecifier{ref: store.KeyRef{Account: c.Account, Region: c.Region, KeyID: id}}, nil
	}
}

// resolveKey finds the key a KeyId member names.
func (s *Service) resolveKey(ctx context.Context, c Caller, id string, allowAlias bool) (store.Key, error) {
	spec, err := parseKeySpecifier(c, id, allowAlias)
	if err != nil {
		return store.Key{}, err
	}
	if spec.alias != "" {
		keyID, err := s.aliasTarget(ctx, spec.ref.Account, spec.ref.Region, spec.alias)
		if err != nil {
			return store.Key{}, err
		}
		spec.ref.KeyID = keyID
	}
	return s.loadKey(ctx, spec.ref)
}

// resolveKeyForUse is resolveKey (aliases allowed) that also returns the
// condition keys the key specifier sets: kms:RequestAlias when the request
// named the key by an alias.
func (s *Service) resolveKeyForUse(ctx context.Context, c Caller, id string) (store.Key, map[string][]string, error) {
	k, err := s.resolveKey(ctx, c, id, true)
	if err != nil {
		return store.Key{}, nil, err
	}
	cond := map[string][]string{}
	if strings.HasPrefix(id, "alias/") {
		cond["kms:RequestAlias"] = []string{id}
	} else if a, err := arn.Parse(id); err == nil && strings.HasPrefix(a.Resource, "alias/") {
		cond["kms:RequestAlias"] = []string{a.Resource}
	}
	return k, cond, nil
}

// aliasTarget returns the key id an alias points at.
func (s *Service) aliasTarget(ctx context.Context, account, region, name string) (string, error) {
	ar := aliasRef{account, region, name}
	if id, ok := s.cache.alias(ar); ok {
		return id, nil
	}
	gen := s.cache.generation()
	a, err := s.store.GetAlias(ctx, account, region, name)
	if errors.Is(err, store.ErrNotFound) {
		return "", errAliasNotFound(arn.KMSAlias(region, account, name))
	}
	if err != nil {
		return "", mapStoreErr(err)
	}
	s.cache.putAlias(gen, ar, a.TargetKeyID)
	return a.TargetKeyID, nil
}

// loadKey returns a key's metadata, from the cache when it can.
func (s *Service) loadKey(ctx context.Context, ref store.KeyRef) (store.Key, error) {
	if k, ok := s.cache.key(ref); ok {
		return k, nil
	}
	gen := s.cache.generation()
	k, err := s.store.GetKey(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return store.Key{}, errNotFoundKey(keyARN(ref))
	}
	if err != nil {
		return store.Key{}, mapStoreErr(err)
	}
	s.cache.putKey(gen, k)
	return k, nil
}

// materialAAD is the associated data binding wrapped material to its key
// and version.
func materialAAD(ref store.KeyRef, version uint32) []byte {
	return []byte("coffer/kms/material/v1\x00" + keyARN(ref) + "\x00" + strconv.FormatUint(uint64(version), 10))
}

// loadMaterial returns version of key k's material, unwrapped and parsed
// for its key spec, from the cache when it can.
func (s *Service) loadMaterial(ctx context.Context, k store.Key, version uint32) (*material, error) {
	ref := k.Ref
	if m, ok := s.cache.material(ref, version); ok {
		return m, nil
	}
	gen := s.cache.generation()
	sm, err := s.store.GetMaterial(ctx, ref, version)
	if err != nil {
		return nil, err // store.ErrNotFound is meaningful to callers
	}
	plain, err := s.root.Unwrap(ctx, sm.Wrapped, materialAAD(ref, version))
	if err != nil {
		return nil, fmt.Errorf("kms: unwrap material of %s v%d: %w", keyARN(ref), version, err)
	}
	defer clear(plain)
	m := &material{id: sm.MaterialID}
	switch {
	case keyring.IsAsymmetricSpec(k.KeySpec):
		m.asym, err = keyring.ParsePrivateKey(k.KeySpec, plain)
	case keyring.IsHMACSpec(k.KeySpec):
		m.mac, err = keyring.NewMACKey(k.KeySpec, plain)
	default:
		m.sym, err = keyring.NewSymmetricKey(plain)
	}
	if err != nil {
		return nil, fmt.Errorf("kms: material of %s v%d: %w", keyARN(ref), version, err)
	}
	s.cache.putMaterial(gen, ref, version, m)
	return m, nil
}

// keyForManagement is the start of every operation that names a key by id
// or ARN only (no aliases): validate the KeyId member, resolve it and
// authorize action on it, with the operation's condition keys.
func (s *Service) keyForManagement(ctx context.Context, c Caller, keyID, action string, condCtx map[string][]string) (store.Key, error) {
	var v validation
	v.keyID("keyId", keyID)
	if err := v.err(); err != nil {
		return store.Key{}, err
	}
	k, err := s.resolveKey(ctx, c, keyID, false)
	if err != nil {
		return store.Key{}, err
	}
	if err := s.authorizeWith(ctx, c, action, &k, nil, nil, condCtx); err != nil {
		return store.Key{}, err
	}
	return k, nil
}

// txKey re-reads a key inside a transaction; a key deleted meanwhile is
// NotFoundException.
func txKey(ctx context.Context, tx store.Tx, ref store.KeyRef) (store.Key, error) {
	k, err := tx.GetKey(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return store.Key{}, errNotFoundKey(keyARN(ref))
	}
	return k, err
}
