package kms

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/coffer-kms/coffer/internal/arn"
	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/keyring"
	"github.com/coffer-kms/coffer/internal/store"
)

// Key states (KeyState in the API model).
const (
	StateEnabled         = "Enabled"
	StateDisabled        = "Disabled"
	StatePendingDeletion = "PendingDeletion"
	StatePendingImport   = "PendingImport"
)

// Key specs, usages and origins Coffer supports so far.
const (
	SpecSymmetricDefault = "SYMMETRIC_DEFAULT"
	UsageEncryptDecrypt  = "ENCRYPT_DECRYPT"
	UsageSignVerify      = "SIGN_VERIFY"
	UsageKeyAgreement    = "KEY_AGREEMENT"
	// UsageGenerateVerifyMAC is the usage of HMAC keys.
	UsageGenerateVerifyMAC = "GENERATE_VERIFY_MAC"
	OriginAWSKMS           = "AWS_KMS"
	ManagerCustomer        = "CUSTOMER"
	AlgSymmetricDefault    = "SYMMETRIC_DEFAULT"
)

// Enumerations from the API model, for validation messages.
var (
	allKeySpecs = []string{"RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521",
		"ECC_SECG_P256K1", "SYMMETRIC_DEFAULT", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512", "SM2",
		"ML_DSA_44", "ML_DSA_65", "ML_DSA_87", "ECC_NIST_EDWARDS25519"}
	allCMKSpecs = []string{"RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521",
		"ECC_SECG_P256K1", "SYMMETRIC_DEFAULT", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512", "SM2"}
	allKeyUsages    = []string{"SIGN_VERIFY", "ENCRYPT_DECRYPT", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"}
	allOrigins      = []string{"AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"}
	allEncAlgs      = []string{"SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "SM2PKE"}
	maxPolicyBytes  = 32768
	maxTagsPerKey   = 50
	maxAliasesPerKy = 50
)

// defaultKeyPolicy is the key policy CreateKey gives a key when the request
// has none, formatted as AWS returns it.
func defaultKeyPolicy(account string) string {
	return `{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "` + arn.AccountRoot(account) + `"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`
}

// newKeyID returns a random version-4 UUID.
func newKeyID(r io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("kms: key id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32], nil
}

// newMaterial generates version of a key's material for its spec (256
// bits for SYMMETRIC_DEFAULT, a PKCS#8 private key for asymmetric specs, an
// HMAC key) and wraps it, returning the stored form. The plaintext never
// leaves this function.
func (s *Service) newMaterial(ctx context.Context, ref store.KeyRef, spec string, version uint32, rotationType string) (store.Material, error) {
	var plain []byte
	switch {
	case keyring.IsAsymmetricSpec(spec):
		k, err := keyring.GenerateKeyPair(s.rand, spec)
		if err != nil {
			return store.Material{}, fmt.Errorf("kms: generate material: %w", err)
		}
		plain, err = k.MarshalPKCS8()
		k.Zero()
		if err != nil {
			return store.Material{}, fmt.Errorf("kms: encode material: %w", err)
		}
	case keyring.IsHMACSpec(spec):
		var err error
		if plain, err = keyring.GenerateMACMaterial(s.rand, spec); err != nil {
			return store.Material{}, fmt.Errorf("kms: generate material: %w", err)
		}
	default:
		plain = make([]byte, 32)
		if _, err := io.ReadFull(s.rand, plain); err != nil {
			return store.Material{}, fmt.Errorf("kms: generate material: %w", err)
		}
	}
	defer clear(plain)
	return s.wrapMaterial(ctx, ref, version, rotationType, plain)
}

// wrapMaterial wraps given plaintext material for storage.
func (s *Service) wrapMaterial(ctx context.Context, ref store.KeyRef, version uint32, rotationType string, plain []byte) (store.Material, error) {
	wrapped, err := s.root.Wrap(ctx, plain, materialAAD(ref, version))
	if err != nil {
		return store.Material{}, fmt.Errorf("kms: wrap material: %w", err)
	}
	var id [32]byte
	if _, err := io.ReadFull(s.rand, id[:]); err != nil {
		return store.Material{}, fmt.Errorf("kms: material id: %w", err)
	}
	return store.Material{Ref: ref, Version: version, MaterialID: hex.EncodeToString(id[:]), Wrapped: wrapped,
		CreatedAt: s.now().UTC(), RotationType: rotationType}, nil
}

// CreateKey creates a key with fresh material: symmetric, RSA, ECC
// (NIST, secp256k1, Ed25519), ML-DSA or HMAC, with a KeyUsage its KeySpec
// allows. SM2 is UnsupportedOperationException.
func (s *Service) CreateKey(ctx context.Context, c Caller, in *CreateKeyInput) (*CreateKeyOutput, error) {
	var v validation
	if in.Description != nil {
		v.strLen("description", *in.Description, 0, 8192)
	}
	if in.Policy != nil {
		v.strLen("policy", *in.Policy, 1, 131072)
	}
	v.enum("keySpec", in.KeySpec, allKeySpecs...)
	v.enum("customerMasterKeySpec", in.CustomerMasterKeySpec, allCMKSpecs...)
	v.enum("keyUsage", in.KeyUsage, allKeyUsages...)
	v.enum("origin", in.Origin, allOrigins...)
	validateTags(&v, in.Tags)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkTagRules(in.Tags); err != nil {
		return nil, err
	}
	spec := in.KeySpec
	if in.CustomerMasterKeySpec != "" {
		if spec != "" {
			return nil, kmsErr("ValidationException", "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec parameter is deprecated. Use KeySpec parameter instead.")
		}
		spec = in.CustomerMasterKeySpec
	}
	if spec == "" {
		spec = SpecSymmetricDefault
	}
	usage := in.KeyUsage
	if usage == "" {
		usage = UsageEncryptDecrypt
	}
	origin := in.Origin
	if origin == "" {
		origin = OriginAWSKMS
	}
	switch {
	case in.CustomKeyStoreId != nil:
		return nil, kmsErr("CustomKeyStoreNotFoundException", "Custom key store '%s' does not exist. Coffer has no custom key stores.", *in.CustomKeyStoreId)
	case spec == keyring.SpecSM2:
		return nil, kmsErr("UnsupportedOperationException", "KeySpec SM2 is not supported by this server: SM2 keys exist only in the AWS China Regions, and Coffer has no vetted SM2 implementation.")
	case !keyring.ValidUsage(spec, usage):
		return nil, kmsErr("ValidationException", "KeyUsage %s is not compatible with KeySpec %s", usage, spec)
	case origin != OriginAWSKMS && origin != OriginExternal:
		return nil, kmsErr("UnsupportedOperationException", "Origin %s is not supported by this server: it has no custom key stores.", origin)
	}
	condCtx := map[string][]string{
		"kms:KeySpec":                        {spec},
		"kms:KeyUsage":                       {usage},
		"kms:KeyOrigin":                      {origin},
		"kms:MultiRegion":                    {strconv.FormatBool(in.MultiRegion)},
		"kms:BypassPolicyLockoutSafetyCheck": {strconv.FormatBool(in.BypassPolicyLockoutSafetyCheck)},
	}
	if in.MultiRegion {
		condCtx["kms:MultiRegionKeyType"] = []string{MultiRegionPrimary}
	}
	addRequestTags(condCtx, in.Tags)
	if err := s.authorizeWith(ctx, c, "kms:CreateKey", nil, nil, nil, condCtx); err != nil {
		return nil, err
	}
	newID := newKeyID
	if in.MultiRegion {
		newID = newMRKID
	}
	keyID, err := newID(s.rand)
	if err != nil {
		return nil, errInternal(err)
	}
	ref := store.KeyRef{Account: c.Account, Region: c.Region, KeyID: keyID}
	k := store.Key{Ref: ref, CreationDate: s.now().UTC(), KeySpec: spec, KeyUsage: usage, Origin: origin,
		KeyManager: ManagerCustomer, State: StateEnabled, Policy: defaultKeyPolicy(c.Account), CurrentVersion: 1,
		MultiRegion: in.MultiRegion}
	var attrs keyAttrs
	if in.MultiRegion {
		attrs.MRK = &mrkAttrs{PrimaryRegion: c.Region}
	}
	if in.Description != nil {
		k.Description = *in.Description
	}
	if in.Policy != nil {
		if err := s.checkKeyPolicy(ctx, c, &k, *in.Policy, in.BypassPolicyLockoutSafetyCheck); err != nil {
			return nil, err
		}
		k.Policy = *in.Policy
	}
	var mat store.Material
	if origin == OriginExternal {
		// No material until ImportKeyMaterial.
		k.State = StatePendingImport
		attrs.Import = &importAttrs{}
	} else if mat, err = s.newMaterial(ctx, ref, spec, 1, ""); err != nil {
		return nil, errInternal(err)
	}
	if err := setAttrs(&k, attrs); err != nil {
		return nil, errInternal(err)
	}
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateKey(ctx, k); err != nil {
			return err
		}
		if mat.Wrapped != nil {
			if err := tx.AddMaterial(ctx, mat); err != nil {
				return err
			}
		}
		return tx.PutTags(ctx, ref, toStoreTags(in.Tags))
	})
	if err != nil {
		return nil, err
	}
	md := s.metadata(k, mat.MaterialID)
	md.MultiRegionConfiguration = s.mrkConfig(ctx, k)
	return &CreateKeyOutput{KeyMetadata: md}, nil
}

// metadata renders a key as KeyMetadata. materialID is the current
// material's id ("" to omit).
func (s *Service) metadata(k store.Key, materialID string) KeyMetadata {
	md := KeyMetadata{
		AWSAccountId:          k.Ref.Account,
		KeyId:                 k.Ref.KeyID,
		Arn:                   keyARN(k.Ref),
		CreationDate:          awsproto.TimePtr(k.CreationDate),
		Enabled:               k.State == StateEnabled,
		Description:           k.Description,
		KeyUsage:              k.KeyUsage,
		KeyState:              k.State,
		Origin:                k.Origin,
		KeyManager:            k.KeyManager,
		CustomerMasterKeySpec: k.KeySpec,
		KeySpec:               k.KeySpec,
		MultiRegion:           k.MultiRegion,
		CurrentKeyMaterialId:  materialID,
	}
	algs := keyring.AlgorithmsFor(k.KeySpec, k.KeyUsage)
	md.EncryptionAlgorithms = algs.Encryption
	md.SigningAlgorithms = algs.Signing
	md.KeyAgreementAlgorithms = algs.KeyAgreement
	md.MacAlgorithms = algs.MAC
	if !slices.Contains(allCMKSpecs, k.KeySpec) {
		md.CustomerMasterKeySpec = "" // the legacy enum has no name for it
	}
	if k.Origin == OriginExternal {
		md.ExpirationModel, _ = importState(k)
		if !k.MaterialExpires.IsZero() {
			md.ValidTo = awsproto.TimePtr(k.MaterialExpires)
		}
	}
	if k.State == StatePendingReplicaDeletion {
		days := int32(k.PendingWindowDays)
		md.PendingDeletionWindowInDays = &days
	}
	if k.State == StatePendingDeletion {
		md.DeletionDate = awsproto.TimePtr(k.DeletionDate)
		days := int32(k.PendingWindowDays)
		md.PendingDeletionWindowInDays = &days
	}
	return md
}

// DescribeKey returns a key's metadata; it works in every key state.
func (s *Service) DescribeKey(ctx context.Context, c Caller, in *KeyIDInput) (*DescribeKeyOutput, error) {
	var v validation
	v.keyID("keyId", in.KeyId)
	v.grantTokens(in.GrantTokens)
	if err := v.err(); err != nil {
		return nil, err
	}
	k, cond, err := s.resolveKeyForUse(ctx, c, in.KeyId)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeWith(ctx, c, "kms:DescribeKey", &k, nil, in.GrantTokens, cond); err != nil {
		return nil, err
	}
	var matID string
	if m, err := s.loadMaterial(ctx, k, k.CurrentVersion); err == nil {
		matID = m.id
	}
	md := s.metadata(k, matID)
	md.MultiRegionConfiguration = s.mrkConfig(ctx, k)
	return &DescribeKeyOutput{KeyMetadata: md}, nil
}

// Listing kinds, so that a marker from one listing is refused by another.
const (
	listKeys      = "keys"
	listAliases   = "aliases"
	listTags      = "tags"
	listRotations = "rotations"
)

// encodeMarker makes the opaque pagination marker of a listing: the
// listing kind and the last item returned.
func encodeMarker(kind, after string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("coffer1:" + kind + ":" + after))
}

// decodeMarker returns the position a marker of listing kind names; a
// marker that Coffer did not issue for this listing is
// InvalidMarkerException.
func decodeMarker(kind string, m *string) (string, error) {
	if m == nil {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*m)
	prefix := "coffer1:" + kind + ":"
	if err != nil || len(b) <= len(prefix) || string(b[:len(prefix)]) != prefix {
		return "", kmsErr("InvalidMarkerException", "The marker %q was not issued by this listing.", *m)
	}
	return string(b[len(prefix):]), nil
}

// pageLimit validates Limit (1..1000, default 100) and the Marker of a
// listing of the given kind.
func pageLimit(kind string, limit *int32, marker *string) (int, string, error) {
	var v validation
	v.intRange("limit", limit, 1, 1000)
	v.marker(marker)
	if err := v.err(); err != nil {
		return 0, "", err
	}
	after, err := decodeMarker(kind, marker)
	if err != nil {
		return 0, "", err
	}
	n := 100
	if limit != nil {
		n = int(*limit)
	}
	return n, after, nil
}

// ListKeys lists the caller's keys in the request's region.
func (s *Service) ListKeys(ctx context.Context, c Caller, in *ListKeysInput) (*ListKeysOutput, error) {
	limit, after, err := pageLimit(listKeys, in.Limit, in.Marker)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "kms:ListKeys", nil, nil, nil); err != nil {
		return nil, err
	}
	keys, err := s.store.ListKeys(ctx, c.Account, c.Region, store.Page{After: after, Limit: limit + 1})
	if err != nil {
		return nil, mapStoreErr(err)
	}
	out := &ListKeysOutput{Keys: []KeyListEntry{}}
	for i, k := range keys {
		if i == limit {
			out.Truncated = true
			out.NextMarker = encodeMarker(listKeys, keys[i-1].Ref.KeyID)
			break
		}
		out.Keys = append(out.Keys, KeyListEntry{KeyId: k.Ref.KeyID, KeyArn: keyARN(k.Ref)})
	}
	return out, nil
}

// mutateKey is the shape of every management operation: resolve the key
// (id or ARN only), authorize, then, inside a transaction, re-read it and
// apply change, which returns an error to refuse.
func (s *Service) mutateKey(ctx context.Context, c Caller, keyID, action string, condCtx map[string][]string, change func(k *store.Key) error) (store.Key, error) {
	k, err := s.keyForManagement(ctx, c, keyID, action, condCtx)
	if err != nil {
		return store.Key{}, err
	}
	if err := refuseAWSManaged(&k, action); err != nil {
		return store.Key{}, err
	}
	var out store.Key
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		cur, err := txKey(ctx, tx, k.Ref)
		if err != nil {
			return err
		}
		if err := change(&cur); err != nil {
			return err
		}
		out = cur
		return tx.UpdateKey(ctx, cur)
	})
	return out, err
}

// errState is the KMSInvalidStateException for a key's current state.
func errState(k store.Key) error {
	return kmsErr("KMSInvalidStateException", "%s is %s.", keyARN(k.Ref), stateWords(k.State))
}

func stateWords(state string) string {
	switch state {
	case StatePendingDeletion:
		return "pending deletion"
	case StatePendingImport:
		return "pending import"
	case StatePendingReplicaDeletion:
		return "pending replica deletion"
	case StateDisabled:
		return "disabled"
	case StateEnabled:
		return "enabled"
	}
	return strings.ToLower(state)
}

// requireNotPendingDeletion refuses management of keys pending deletion.
func requireNotPendingDeletion(k *store.Key) error {
	if k.State == StatePendingDeletion || k.State == StatePendingImport || k.State == StatePendingReplicaDeletion {
		return errState(*k)
	}
	return nil
}

// EnableKey sets a key's state to Enabled.
func (s *Service) EnableKey(ctx context.Context, c Caller, in *KeyIDInput) (*Empty, error) {
	_, err := s.mutateKey(ctx, c, in.KeyId, "kms:EnableKey", nil, func(k *store.Key) error {
		if err := requireNotPendingDeletion(k); err != nil {
			return err
		}
		k.State = StateEnabled
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// DisableKey sets a key's state to Disabled.
func (s *Service) DisableKey(ctx context.Context, c Caller, in *KeyIDInput) (*Empty, error) {
	_, err := s.mutateKey(ctx, c, in.KeyId, "kms:DisableKey", nil, func(k *store.Key) error {
		if err := requireNotPendingDeletion(k); err != nil {
			return err
		}
		k.State = StateDisabled
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// UpdateKeyDescription replaces a key's description.
func (s *Service) UpdateKeyDescription(ctx context.Context, c Caller, in *UpdateKeyDescriptionInput) (*Empty, error) {
	var v validation
	v.required("description", in.Description != nil)
	if in.Description != nil {
		v.strLen("description", *in.Description, 0, 8192)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	_, err := s.mutateKey(ctx, c, in.KeyId, "kms:UpdateKeyDescription", nil, func(k *store.Key) error {
		if err := requireNotPendingDeletion(k); err != nil {
			return err
		}
		k.Description = *in.Description
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}
