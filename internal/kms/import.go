package kms

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/keyring"
	"github.com/coffer-kms/coffer/internal/store"
)

// Import of key material (Origin EXTERNAL), see
// docs/imported-and-multi-region-keys.md.

// OriginExternal is the origin of keys whose material is imported.
const OriginExternal = "EXTERNAL"

// Import constants from the AWS documentation.
const (
	importParamsValidity = 24 * time.Hour
	maxValidTo           = 365 * 24 * time.Hour
	expiresModel         = "KEY_MATERIAL_EXPIRES"
	doesNotExpireModel   = "KEY_MATERIAL_DOES_NOT_EXPIRE"
	importNew            = "NEW_KEY_MATERIAL"
	importExisting       = "EXISTING_KEY_MATERIAL"
)

var (
	allWrappingAlgs     = []string{"RSAES_PKCS1_V1_5", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256", "SM2PKE"}
	allWrappingKeySpecs = []string{"RSA_2048", "RSA_3072", "RSA_4096", "SM2"}
	materialDescRE      = regexp.MustCompile(`^[a-zA-Z0-9:/_\s.-]+$`)
	materialIDRE        = regexp.MustCompile(`^[a-f0-9]{64}$`)
)

// GetParametersForImportInput is the GetParametersForImport request.
type GetParametersForImportInput struct {
	KeyId             string
	WrappingAlgorithm string
	WrappingKeySpec   string
}

// GetParametersForImportOutput is the GetParametersForImport response.
type GetParametersForImportOutput struct {
	KeyId             string
	ImportToken       []byte
	PublicKey         []byte
	ParametersValidTo *awsproto.Timestamp
}

// ImportKeyMaterialInput is the ImportKeyMaterial request.
type ImportKeyMaterialInput struct {
	KeyId                  string
	ImportToken            []byte
	EncryptedKeyMaterial   []byte
	ValidTo                *awsproto.Timestamp
	ExpirationModel        string
	ImportType             string
	KeyMaterialDescription *string
	KeyMaterialId          *string
}

// ImportKeyMaterialOutput is the ImportKeyMaterial response.
type ImportKeyMaterialOutput struct {
	KeyId         string
	KeyMaterialId string `json:",omitempty"`
}

// DeleteImportedKeyMaterialInput is the DeleteImportedKeyMaterial request.
type DeleteImportedKeyMaterialInput struct {
	KeyId         string
	KeyMaterialId *string
}

// DeleteImportedKeyMaterialOutput is the DeleteImportedKeyMaterial response.
type DeleteImportedKeyMaterialOutput struct {
	KeyId         string
	KeyMaterialId string `json:",omitempty"`
}

// requireExternal refuses the import operations on keys whose material
// KMS generated.
func requireExternal(k store.Key) error {
	if k.Origin != OriginExternal {
		return kmsErr("UnsupportedOperationException", "%s origin is %s which is not valid for this operation.", keyARN(k.Ref), k.Origin)
	}
	return nil
}

// wrappingKeyAAD binds a stored import wrapping key to its KMS key and
// token.
func wrappingKeyAAD(ref store.KeyRef, tokenID string) []byte {
	return []byte("coffer/kms/import-wrapping-key/v1\x00" + keyARN(ref) + "\x00" + tokenID)
}

// importedMaterialID is the KeyMaterialId of imported material: as AWS
// documents, it is computed from the KMS key id and the material, so a
// re-import can be recognized:
//
//	hex(HMAC-SHA256(key = material, "coffer/kms/imported-key-material-id/v1" || 0x00 || keyID))
//
// It reveals nothing about the material (a MAC tag of a public message).
// Replicas of a multi-Region key share the key id, hence the id.
func importedMaterialID(keyID string, material []byte) string {
	m := hmac.New(sha256.New, material)
	m.Write([]byte("coffer/kms/imported-key-material-id/v1\x00" + keyID))
	return hex.EncodeToString(m.Sum(nil))
}

// GetParametersForImport returns a fresh RSA wrapping public key and an
// import token, valid 24 hours, for importing material into an EXTERNAL
// key. The wrapping private key is stored with the key, wrapped by the
// root of trust; a new call replaces the previous parameters.
func (s *Service) GetParametersForImport(ctx context.Context, c Caller, in *GetParametersForImportInput) (*GetParametersForImportOutput, error) {
	var v validation
	v.keyID("keyId", in.KeyId)
	v.required("wrappingAlgorithm", in.WrappingAlgorithm != "")
	v.required("wrappingKeySpec", in.WrappingKeySpec != "")
	v.enum("wrappingAlgorithm", in.WrappingAlgorithm, allWrappingAlgs...)
	v.enum("wrappingKeySpec", in.WrappingKeySpec, allWrappingKeySpecs...)
	if err := v.err(); err != nil {
		return nil, err
	}
	cond := map[string][]string{"kms:WrappingAlgorithm": {in.WrappingAlgorithm}, "kms:WrappingKeySpec": {in.WrappingKeySpec}}
	k, err := s.keyForManagement(ctx, c, in.KeyId, "kms:GetParametersForImport", cond)
	if err != nil {
		return nil, err
	}
	if err := requireExternal(k); err != nil {
		return nil, err
	}
	if k.State == StatePendingDeletion {
		return nil, errState(k)
	}
	switch {
	case in.WrappingAlgorithm == "RSAES_PKCS1_V1_5":
		return nil, kmsErr("UnsupportedOperationException", "The wrapping algorithm RSAES_PKCS1_V1_5 is no longer supported (AWS KMS stopped accepting it on 2023-10-10). Use RSAES_OAEP_SHA_256 or RSA_AES_KEY_WRAP_SHA_256.")
	case in.WrappingAlgorithm == "SM2PKE" || in.WrappingKeySpec == "SM2":
		return nil, kmsErr("UnsupportedOperationException", "SM2 wrapping keys exist only in the AWS China Regions; this server has no vetted SM2 implementation.")
	case !keyring.IsWrappingAlgorithm(in.WrappingAlgorithm) || !keyring.IsWrappingKeySpec(in.WrappingKeySpec):
		return nil, kmsErr("UnsupportedOperationException", "Wrapping algorithm %s with wrapping key spec %s is not supported.", in.WrappingAlgorithm, in.WrappingKeySpec)
	case isOAEPWrap(in.WrappingAlgorithm) && strings.HasPrefix(k.KeySpec, "RSA_"):
		return nil, kmsErr("UnsupportedOperationException", "To import an RSA private key (%s is %s), you must use an RSA_AES wrapping algorithm.", keyARN(k.Ref), k.KeySpec)
	case isOAEPWrap(in.WrappingAlgorithm) && k.KeySpec == "ECC_NIST_P521" && in.WrappingKeySpec == "RSA_2048":
		return nil, kmsErr("UnsupportedOperationException", "You cannot use the %s wrapping algorithm with the RSA_2048 wrapping key spec to wrap ECC_NIST_P521 key material.", in.WrappingAlgorithm)
	}
	wk, err := keyring.GenerateKeyPair(s.rand, in.WrappingKeySpec)
	if err != nil {
		return nil, errInternal(err)
	}
	defer wk.Zero()
	der, err := wk.MarshalPKCS8()
	if err != nil {
		return nil, errInternal(err)
	}
	defer clear(der)
	var id [keyring.ImportTokenIDSize]byte
	if _, err := io.ReadFull(s.rand, id[:]); err != nil {
		return nil, errInternal(err)
	}
	tokenID := hex.EncodeToString(id[:])
	wrapped, err := s.root.Wrap(ctx, der, wrappingKeyAAD(k.Ref, tokenID))
	if err != nil {
		return nil, errInternal(err)
	}
	validTo := s.now().UTC().Add(importParamsValidity)
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		cur, err := txKey(ctx, tx, k.Ref)
		if err != nil {
			return err
		}
		if cur.State == StatePendingDeletion {
			return errState(cur)
		}
		a, err := parseAttrs(cur)
		if err != nil {
			return err
		}
		if a.Import == nil {
			a.Import = &importAttrs{}
		}
		a.Import.TokenID, a.Import.WrappingKey = tokenID, wrapped
		a.Import.WrappingSpec, a.Import.WrappingAlg = in.WrappingKeySpec, in.WrappingAlgorithm
		a.Import.ParamsValidTo = validTo
		if err := setAttrs(&cur, a); err != nil {
			return err
		}
		return tx.UpdateKey(ctx, cur)
	})
	if err != nil {
		return nil, err
	}
	return &GetParametersForImportOutput{KeyId: keyARN(k.Ref), ImportToken: keyring.MarshalImportToken(id),
		PublicKey: append([]byte(nil), wk.PublicKey()...), ParametersValidTo: awsproto.TimePtr(validTo)}, nil
}

// isOAEPWrap reports whether alg wraps the material with RSAES-OAEP alone.
func isOAEPWrap(alg string) bool {
	return alg == keyring.WrapOAEPSHA1 || alg == keyring.WrapOAEPSHA256
}

func errInvalidImportToken() error {
	return kmsErr("InvalidImportTokenException", "The import token is not valid for this KMS key: it is malformed, was issued for another key, or was replaced by a later GetParametersForImport call.")
}

func errIncorrectMaterial(format string, args ...any) error {
	return kmsErr("IncorrectKeyMaterialException", format, args...)
}

// ImportKeyMaterial imports key material, encrypted under the wrapping
// public key of GetParametersForImport, into an EXTERNAL key. The first
// import fixes the material: later imports (after expiry or
// DeleteImportedKeyMaterial, or to change the expiration) must bring the
// same material, else IncorrectKeyMaterialException.
func (s *Service) ImportKeyMaterial(ctx context.Context, c Caller, in *ImportKeyMaterialInput) (*ImportKeyMaterialOutput, error) {
	var v validation
	v.keyID("keyId", in.KeyId)
	v.blobLen("importToken", in.ImportToken, in.ImportToken != nil, 1, 6144)
	v.blobLen("encryptedKeyMaterial", in.EncryptedKeyMaterial, in.EncryptedKeyMaterial != nil, 1, 6144)
	v.enum("expirationModel", in.ExpirationModel, expiresModel, doesNotExpireModel)
	v.enum("importType", in.ImportType, importNew, importExisting)
	if in.KeyMaterialDescription != nil {
		d := *in.KeyMaterialDescription
		v.strLen("keyMaterialDescription", d, 0, 256)
		if d != "" && !materialDescRE.MatchString(d) {
			v.add(&d, "keyMaterialDescription", `satisfy regular expression pattern: ^[a-zA-Z0-9:/_\s.-]+$`)
		}
	}
	if in.KeyMaterialId != nil && !materialIDRE.MatchString(*in.KeyMaterialId) {
		v.add(in.KeyMaterialId, "keyMaterialId", "satisfy regular expression pattern: ^[a-f0-9]+$ and have length 64")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	model := in.ExpirationModel
	if model == "" {
		model = expiresModel
	}
	now := s.now().UTC()
	var validTo time.Time
	switch {
	case model == expiresModel && in.ValidTo == nil:
		return nil, kmsErr("ValidationException", "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES")
	case model == doesNotExpireModel && in.ValidTo != nil:
		return nil, kmsErr("ValidationException", "A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE")
	case in.ValidTo != nil:
		validTo = time.Time(*in.ValidTo).UTC()
		if !validTo.After(now) {
			return nil, kmsErr("ValidationException", "The validTo date must be in the future.")
		}
		if validTo.After(now.Add(maxValidTo)) {
			return nil, kmsErr("ValidationException", "The validTo date must be at most 365 days from now.")
		}
	}
	if in.ImportType == importNew && in.KeyMaterialId != nil {
		return nil, kmsErr("ValidationException", "You cannot specify a KeyMaterialId with ImportType NEW_KEY_MATERIAL.")
	}
	cond := map[string][]string{"kms:ExpirationModel": {model}}
	if !validTo.IsZero() {
		cond["kms:ValidTo"] = []string{validTo.Format(time.RFC3339)}
	}
	k, err := s.keyForManagement(ctx, c, in.KeyId, "kms:ImportKeyMaterial", cond)
	if err != nil {
		return nil, err
	}
	if err := requireExternal(k); err != nil {
		return nil, err
	}
	if k.State == StatePendingDeletion {
		return nil, errState(k)
	}
	if k.KeySpec != SpecSymmetricDefault && (in.ImportType != "" || in.KeyMaterialId != nil || in.KeyMaterialDescription != nil) {
		return nil, kmsErr("ValidationException", "ImportType, KeyMaterialId and KeyMaterialDescription are only valid for symmetric encryption keys.")
	}
	a, err := parseAttrs(k)
	if err != nil {
		return nil, errInternal(err)
	}
	imp := a.Import
	tokID, perr := keyring.ParseImportToken(in.ImportToken)
	if perr != nil || imp == nil || imp.TokenID == "" {
		return nil, errInvalidImportToken()
	}
	var want [keyring.ImportTokenIDSize]byte
	if _, err := hex.Decode(want[:], []byte(imp.TokenID)); err != nil || !keyring.EqualTokenIDs(tokID, want) {
		return nil, errInvalidImportToken()
	}
	if now.After(imp.ParamsValidTo) {
		return nil, kmsErr("ExpiredImportTokenException", "The import token expired at %s; call GetParametersForImport for new import parameters.", imp.ParamsValidTo.Format(time.RFC3339))
	}
	material, err := s.unwrapImport(ctx, k, imp, in.EncryptedKeyMaterial)
	if err != nil {
		return nil, err
	}
	defer clear(material)
	matID := importedMaterialID(k.Ref.KeyID, material)
	if in.KeyMaterialId != nil && subtle.ConstantTimeCompare([]byte(*in.KeyMaterialId), []byte(matID)) != 1 {
		return nil, errIncorrectMaterial("The key material in the request does not have the KeyMaterialId %s.", *in.KeyMaterialId)
	}
	ref := k.Ref
	var out ImportKeyMaterialOutput
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		cur, err := txKey(ctx, tx, ref)
		if err != nil {
			return err
		}
		if cur.State == StatePendingDeletion || cur.State == StatePendingReplicaDeletion {
			return errState(cur)
		}
		ca, err := parseAttrs(cur)
		if err != nil {
			return err
		}
		if ca.Import == nil || ca.Import.TokenID != imp.TokenID {
			return errInvalidImportToken()
		}
		im := ca.Import
		entry := importedMaterial{ID: matID, Present: true, ExpirationModel: model, ValidTo: validTo}
		if in.KeyMaterialDescription != nil {
			entry.Description = *in.KeyMaterialDescription
		}
		switch known := im.byID(matID); {
		case known != nil:
			// Re-import of a known material (after expiry or deletion, or
			// to change its expiration).
			if in.ImportType == importNew {
				return errIncorrectMaterial("This key material was already imported into %s (KeyMaterialId %s); use ImportType EXISTING_KEY_MATERIAL.", keyARN(ref), matID)
			}
			if known.Present {
				if err := tx.DeleteMaterial(ctx, ref, known.Version); err != nil {
					return err
				}
			}
			m, err := s.wrapMaterial(ctx, ref, known.Version, known.RotationType, material)
			if err != nil {
				return err
			}
			m.MaterialID, m.CreatedAt = matID, known.CreatedAt
			if !known.RotatedAt.IsZero() {
				m.CreatedAt = known.RotatedAt
			}
			if err := tx.AddMaterial(ctx, m); err != nil {
				return err
			}
			if in.KeyMaterialDescription == nil {
				entry.Description = known.Description
			}
			entry.Version, entry.RotationType, entry.RotatedAt, entry.CreatedAt = known.Version, known.RotationType, known.RotatedAt, known.CreatedAt
			*known = entry
		case im.Pending != nil && im.Pending.ID == matID:
			// The pending material again: new expiration or description.
			if in.ImportType == importNew {
				return errIncorrectMaterial("This key material is already pending rotation in %s (KeyMaterialId %s).", keyARN(ref), matID)
			}
			if in.KeyMaterialDescription == nil {
				entry.Description = im.Pending.Description
			}
			entry.Version, entry.CreatedAt = im.Pending.Version, im.Pending.CreatedAt
			im.Pending.importedMaterial = entry
		case len(im.Materials) == 0:
			if in.ImportType == importExisting {
				return errIncorrectMaterial("No key material was imported into %s before; use ImportType NEW_KEY_MATERIAL.", keyARN(ref))
			}
			m, err := s.wrapMaterial(ctx, ref, 1, "", material)
			if err != nil {
				return err
			}
			m.MaterialID = matID
			if err := tx.AddMaterial(ctx, m); err != nil {
				return err
			}
			entry.Version, entry.CreatedAt = 1, m.CreatedAt
			im.Materials = append(im.Materials, entry)
			cur.CurrentVersion = 1
		default:
			// Material this key has not seen.
			switch {
			case in.ImportType != importNew:
				return errIncorrectMaterial("The key material in the request is not the key material that was previously imported into %s. To import new key material for on-demand rotation, use ImportType NEW_KEY_MATERIAL.", keyARN(ref))
			case cur.MultiRegion:
				return kmsErr("UnsupportedOperationException", "Importing new key material into multi-Region key %s (for rotation) is not supported by this server.", keyARN(ref))
			case im.Pending != nil:
				return kmsErr("UnsupportedOperationException", "%s already has key material pending rotation (KeyMaterialId %s); rotate it with RotateKeyOnDemand or delete it first.", keyARN(ref), im.Pending.ID)
			case !im.complete():
				return errState(cur)
			}
			version := im.Materials[len(im.Materials)-1].Version + 1
			if version <= cur.CurrentVersion {
				version = cur.CurrentVersion + 1
			}
			wrapped, err := s.root.Wrap(ctx, material, materialAAD(ref, version))
			if err != nil {
				return err
			}
			entry.Version, entry.CreatedAt = version, s.now().UTC()
			im.Pending = &pendingMaterial{importedMaterial: entry, Wrapped: wrapped}
		}
		cur.MaterialExpires = im.nextExpiry()
		if cur.State == StatePendingImport && im.complete() {
			cur.State = StateEnabled
		}
		if err := setAttrs(&cur, ca); err != nil {
			return err
		}
		out = ImportKeyMaterialOutput{KeyId: keyARN(ref), KeyMaterialId: matID}
		return tx.UpdateKey(ctx, cur)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// unwrapImport decrypts the encrypted key material with the stored
// wrapping key and checks it is material for the key's spec, returning it
// in the form Coffer stores (PKCS#8 re-encoded for asymmetric keys).
func (s *Service) unwrapImport(ctx context.Context, k store.Key, imp *importAttrs, encrypted []byte) ([]byte, error) {
	der, err := s.root.Unwrap(ctx, imp.WrappingKey, wrappingKeyAAD(k.Ref, imp.TokenID))
	if err != nil {
		return nil, errInternal(err)
	}
	wk, err := keyring.ParsePrivateKey(imp.WrappingSpec, der)
	clear(der)
	if err != nil {
		return nil, errInternal(err)
	}
	defer wk.Zero()
	plain, err := keyring.UnwrapImported(wk, imp.WrappingAlg, encrypted)
	if err != nil {
		if errors.Is(err, keyring.ErrDecrypt) {
			return nil, kmsErr("InvalidCiphertextException", "The request was rejected because KMS could not decrypt the encrypted (wrapped) key material with the wrapping key and algorithm of the import token (%s).", imp.WrappingAlg)
		}
		return nil, errInternal(err)
	}
	switch {
	case keyring.IsAsymmetricSpec(k.KeySpec):
		defer clear(plain)
		pk, err := keyring.ParsePrivateKey(k.KeySpec, plain)
		if err != nil {
			return nil, errIncorrectMaterial("The key material is not a PKCS#8 private key of key spec %s.", k.KeySpec)
		}
		defer pk.Zero()
		canon, err := pk.MarshalPKCS8()
		if err != nil {
			return nil, errInternal(err)
		}
		return canon, nil
	case keyring.IsHMACSpec(k.KeySpec):
		if _, err := keyring.NewMACKey(k.KeySpec, plain); err != nil {
			clear(plain)
			return nil, errIncorrectMaterial("The key material is not valid for key spec %s: it must be as long as the hash output.", k.KeySpec)
		}
		return plain, nil
	default:
		if len(plain) != 32 {
			clear(plain)
			return nil, errIncorrectMaterial("The key material for a SYMMETRIC_DEFAULT key must be 256 bits (32 bytes).")
		}
		return plain, nil
	}
}

// DeleteImportedKeyMaterial deletes one imported material of an EXTERNAL
// key: the one named by KeyMaterialId, else the current one. Deleting a
// material the key uses makes it PendingImport (a key pending deletion
// stays so) until the same material is imported again; deleting material
// pending rotation just forgets it.
func (s *Service) DeleteImportedKeyMaterial(ctx context.Context, c Caller, in *DeleteImportedKeyMaterialInput) (*DeleteImportedKeyMaterialOutput, error) {
	if in.KeyMaterialId != nil && !materialIDRE.MatchString(*in.KeyMaterialId) {
		var v validation
		v.add(in.KeyMaterialId, "keyMaterialId", "satisfy regular expression pattern: ^[a-f0-9]+$ and have length 64")
		return nil, v.err()
	}
	k, err := s.keyForManagement(ctx, c, in.KeyId, "kms:DeleteImportedKeyMaterial", nil)
	if err != nil {
		return nil, err
	}
	if err := refuseAWSManaged(&k, "kms:DeleteImportedKeyMaterial"); err != nil {
		return nil, err
	}
	var matID string
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		cur, err := txKey(ctx, tx, k.Ref)
		if err != nil {
			return err
		}
		if err := requireExternal(cur); err != nil {
			return err
		}
		if cur.State == StatePendingDeletion || cur.State == StatePendingReplicaDeletion {
			return errState(cur)
		}
		a, err := parseAttrs(cur)
		if err != nil {
			return err
		}
		im := a.Import
		if im == nil {
			im = &importAttrs{}
			a.Import = im
		}
		var target *importedMaterial
		switch {
		case in.KeyMaterialId != nil && im.Pending != nil && im.Pending.ID == *in.KeyMaterialId:
			matID = im.Pending.ID
			im.Pending = nil
		case in.KeyMaterialId != nil:
			if target = im.byID(*in.KeyMaterialId); target == nil {
				return kmsErr("NotFoundException", "Key material %s is not associated with %s.", *in.KeyMaterialId, keyARN(cur.Ref))
			}
		default:
			target = im.material(cur.CurrentVersion)
		}
		if target != nil {
			matID = target.ID
			if target.Present {
				if err := tx.DeleteMaterial(ctx, cur.Ref, target.Version); err != nil {
					return err
				}
			}
			target.Present, target.ExpirationModel, target.ValidTo = false, "", time.Time{}
			if cur.State == StateEnabled || cur.State == StateDisabled {
				cur.State = StatePendingImport
			}
		}
		cur.MaterialExpires = im.nextExpiry()
		if err := setAttrs(&cur, a); err != nil {
			return err
		}
		return tx.UpdateKey(ctx, cur)
	})
	if err != nil {
		return nil, err
	}
	return &DeleteImportedKeyMaterialOutput{KeyId: keyARN(k.Ref), KeyMaterialId: matID}, nil
}

// expireImportedMaterial deletes, in one transaction, the imported
// materials of a key whose ValidTo is not after now (and forgets expired
// material pending rotation): Enabled and Disabled keys become
// PendingImport, a key pending deletion stays so. It reports whether
// anything expired. Errors are the store's, unmapped.
func (s *Service) expireImportedMaterial(ctx context.Context, ref store.KeyRef, now time.Time) (bool, error) {
	expired := false
	err := s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		expired = false
		k, err := txKey(ctx, tx, ref)
		if err != nil {
			return err
		}
		a, err := parseAttrs(k)
		if err != nil {
			return err
		}
		im := a.Import
		if k.MaterialExpires.IsZero() || k.MaterialExpires.After(now) || im == nil {
			return nil
		}
		for i := range im.Materials {
			m := &im.Materials[i]
			if m.Present && !m.ValidTo.IsZero() && !m.ValidTo.After(now) {
				if err := tx.DeleteMaterial(ctx, ref, m.Version); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				m.Present, m.ExpirationModel, m.ValidTo = false, "", time.Time{}
				expired = true
			}
		}
		if p := im.Pending; p != nil && !p.ValidTo.IsZero() && !p.ValidTo.After(now) {
			im.Pending = nil
			expired = true
		}
		k.MaterialExpires = im.nextExpiry()
		if !im.complete() && (k.State == StateEnabled || k.State == StateDisabled) {
			k.State = StatePendingImport
		}
		if err := setAttrs(&k, a); err != nil {
			return err
		}
		return tx.UpdateKey(ctx, k)
	})
	return expired && err == nil, err
}

// importState returns the ExpirationModel of an EXTERNAL key's current
// material and whether that material is present, for its metadata.
func importState(k store.Key) (model string, present bool) {
	a, err := parseAttrs(k)
	if err != nil || a.Import == nil {
		return "", false
	}
	m := a.Import.material(k.CurrentVersion)
	if m == nil {
		return "", false
	}
	return m.ExpirationModel, m.Present
}

// importComplete reports whether an EXTERNAL key has all its imported
// materials.
func importComplete(k store.Key) bool {
	a, err := parseAttrs(k)
	return err == nil && a.Import != nil && a.Import.complete()
}
