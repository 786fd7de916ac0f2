package kms

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/coffer-kms/coffer/internal/arn"
	"github.com/coffer-kms/coffer/internal/store"
)

// Seed lists keys and aliases to create at start, so that tests can rely
// on known key ids and, optionally, known key material. Its layout follows
// local-kms's seed file, so existing seed files work:
//
//	Account: "111122223333"      # optional, default: the serve account
//	Region: us-east-1            # optional, default: the serve region
//	Keys:
//	  Symmetric:
//	    Aes:
//	      - Metadata:
//	          KeyId: bc436485-5092-42b8-92a3-0aa8b93536dc
//	          Description: "test key"
//	        BackingKeys:         # optional hex material, oldest first; the last is current
//	          - 5cdaead27fe7da2de47945d73cd6d79e36494e73802f3cd3869f1d2cb0b5d7a9
//	        Tags:
//	          - {TagKey: team, TagValue: payments}
//	Aliases:
//	  - AliasName: alias/testing
//	    TargetKeyId: bc436485-5092-42b8-92a3-0aa8b93536dc
type Seed struct {
	Account string `yaml:"Account"`
	Region  string `yaml:"Region"`
	Keys    struct {
		Symmetric struct {
			Aes []SeedKey `yaml:"Aes"`
		} `yaml:"Symmetric"`
	} `yaml:"Keys"`
	Aliases []SeedAlias `yaml:"Aliases"`
}

// SeedKey is one symmetric key in a Seed.
type SeedKey struct {
	Metadata struct {
		KeyId       string `yaml:"KeyId"`
		Description string `yaml:"Description"`
	} `yaml:"Metadata"`
	BackingKeys []string `yaml:"BackingKeys"`
	Tags        []Tag    `yaml:"Tags"`
}

// SeedAlias is one alias in a Seed.
type SeedAlias struct {
	AliasName   string `yaml:"AliasName"`
	TargetKeyId string `yaml:"TargetKeyId"`
}

// ParseSeed parses a YAML seed document.
func ParseSeed(doc []byte) (*Seed, error) {
	var sd Seed
	if err := yaml.Unmarshal(doc, &sd); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	return &sd, nil
}

// ApplySeed creates what sd lists and does not exist yet, in the given
// default account and region; existing keys keep their material. Applying
// the same seed twice changes nothing the second time. It is an
// administrative action: it runs outside the request authorizer.
func (s *Service) ApplySeed(ctx context.Context, sd *Seed, account, region string) (created int, err error) {
	if sd.Account != "" {
		account = sd.Account
	}
	if sd.Region != "" {
		region = sd.Region
	}
	if !arn.ValidAccountID(account) || !arn.ValidRegion(region) {
		return 0, fmt.Errorf("seed: invalid account %q or region %q", account, region)
	}
	for i, sk := range sd.Keys.Symmetric.Aes {
		n, err := s.seedKey(ctx, account, region, sk)
		if err != nil {
			return created, fmt.Errorf("seed: key %d (%s): %w", i+1, sk.Metadata.KeyId, err)
		}
		created += n
	}
	for _, sa := range sd.Aliases {
		if err := s.seedAlias(ctx, account, region, sa); err != nil {
			return created, fmt.Errorf("seed: alias %s: %w", sa.AliasName, err)
		}
	}
	return created, nil
}

func (s *Service) seedKey(ctx context.Context, account, region string, sk SeedKey) (int, error) {
	keyID := sk.Metadata.KeyId
	if !validKeyID(keyID) {
		return 0, fmt.Errorf("KeyId must be a lowercase UUID")
	}
	var v validation
	validateTags(&v, sk.Tags)
	if err := v.err(); err != nil {
		return 0, err
	}
	if err := checkTagRules(sk.Tags); err != nil {
		return 0, err
	}
	ref := store.KeyRef{Account: account, Region: region, KeyID: keyID}
	var mats []store.Material
	for i, h := range sk.BackingKeys {
		plain, err := hex.DecodeString(h)
		if err != nil || len(plain) != 32 {
			return 0, fmt.Errorf("BackingKeys[%d] must be 64 hex digits (256 bits)", i)
		}
		rt := ""
		if i > 0 {
			rt = "ON_DEMAND"
		}
		m, err := s.wrapMaterial(ctx, ref, uint32(i+1), rt, plain)
		clear(plain)
		if err != nil {
			return 0, err
		}
		mats = append(mats, m)
	}
	if len(mats) == 0 {
		m, err := s.newMaterial(ctx, ref, SpecSymmetricDefault, 1, "")
		if err != nil {
			return 0, err
		}
		mats = append(mats, m)
	}
	created := 0
	err := s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		created = 0
		_, err := tx.GetKey(ctx, ref)
		if err == nil {
			return tx.PutTags(ctx, ref, toStoreTags(sk.Tags))
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		k := store.Key{Ref: ref, CreationDate: s.now().UTC(), Description: sk.Metadata.Description,
			KeySpec: SpecSymmetricDefault, KeyUsage: UsageEncryptDecrypt, Origin: OriginAWSKMS, KeyManager: ManagerCustomer,
			State: StateEnabled, Policy: defaultKeyPolicy(account), CurrentVersion: uint32(len(mats))}
		if err := tx.CreateKey(ctx, k); err != nil {
			return err
		}
		for _, m := range mats {
			if err := tx.AddMaterial(ctx, m); err != nil {
				return err
			}
		}
		created = 1
		return tx.PutTags(ctx, ref, toStoreTags(sk.Tags))
	})
	return created, err
}

func (s *Service) seedAlias(ctx context.Context, account, region string, sa SeedAlias) error {
	if err := validateAliasName(sa.AliasName); err != nil {
		return err
	}
	ref := store.KeyRef{Account: account, Region: region, KeyID: sa.TargetKeyId}
	return s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.GetKey(ctx, ref); err != nil {
			return fmt.Errorf("target key %s: %w", sa.TargetKeyId, err)
		}
		now := s.now().UTC()
		cur, err := tx.GetAlias(ctx, account, region, sa.AliasName)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return tx.CreateAlias(ctx, store.Alias{Account: account, Region: region, Name: sa.AliasName,
				TargetKeyID: sa.TargetKeyId, CreatedAt: now, UpdatedAt: now})
		case err != nil:
			return err
		case cur.TargetKeyID == sa.TargetKeyId:
			return nil
		default:
			cur.TargetKeyID = sa.TargetKeyId
			cur.UpdatedAt = now
			return tx.UpdateAlias(ctx, cur)
		}
	})
}
