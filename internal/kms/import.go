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
	switch {
	case imp.MaterialID != "" && subtle.ConstantTimeCompare([]byte(imp.MaterialID), []byte(matID)) != 1:
		return nil, errIncorrectMaterial("The key material in the request is not the key material that was previously imported into %s.", keyARN(k.Ref))
	case imp.MaterialID != "" && in.ImportType == importNew:
		return nil, kmsErr("UnsupportedOperationException", "%s already has imported key material; this server does not support importing new key material for on-demand rotation. Re-import the same material with ImportType EXISTING_KEY_MATERIAL.", keyARN(k.Ref))
	case imp.MaterialID == "" && in.ImportType == importExisting:
		return nil, errIncorrectMaterial("No key material was imported into %s before; use ImportType NEW_KEY_MATERIAL.", keyARN(k.Ref))
	case in.KeyMaterialId != nil && *in.KeyMaterialId != matID:
		return nil, errIncorrectMaterial("The key material in the request does not have the KeyMaterialId %s.", *in.KeyMaterialId)
	}
	ref := k.Ref
	mat, err := s.wrapMaterial(ctx, ref, 1, "", material)
	if err != nil {
		return nil, errInternal(err)
	}
	mat.MaterialID = matID
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		cur, err := txKey(ctx, tx, ref)
		if err != nil {
			return err
		}
		if cur.State == StatePendingDeletion {
			return errState(cur)
		}
		ca, err := parseAttrs(cur)
		if err != nil {
			return err
		}
		if ca.Import == nil || ca.Import.TokenID != imp.TokenID {
			return errInvalidImportToken()
		}
		if ca.Import.MaterialID != "" && ca.Import.MaterialID != matID {
			return errIncorrectMaterial("The key material in the request is not the key material that was previously imported into %s.", keyARN(ref))
		}
		if err := tx.DeleteMaterials(ctx, ref); err != nil {
			return err
		}
		if err := tx.AddMaterial(ctx, mat); err != nil {
			return err
		}
		ca.Import.MaterialID = matID
		ca.Import.Present = true
		ca.Import.ExpirationModel = model
		if in.KeyMaterialDescription != nil {
			ca.Import.Description = *in.KeyMaterialDescription
		}
		if err := setAttrs(&cur, ca); err != nil {
			return err
		}
		cur.MaterialExpires = validTo
		cur.CurrentVersion = 1
		if cur.State == StatePendingImport {
			cur.State = StateEnabled
		}
		return tx.UpdateKey(ctx, cur)
	})
	if err != nil {
		return nil, err
	}
	return &ImportKeyMaterialOutput{KeyId: keyARN(ref), KeyMaterialId: matID}, nil
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

// DeleteImportedKeyMaterial deletes an EXTERNAL key's material; the key
// becomes PendingImport (or stays PendingDeletion) until the same material
// is imported again.
func (s *Service) DeleteImportedKeyMaterial(ctx context.Context, c Caller, in *DeleteImportedKeyMaterialInput) (*DeleteImportedKeyMaterialOutput, error) {
	if in.KeyMaterialId != nil && !materialIDRE.MatchString(*in.KeyMaterialId) {
		var v validation
		v.add(in.KeyMaterialId, "keyMaterialId", "satisfy regular expression pattern: ^[a-f0-9]+$ and have length 64")
		return nil, v.err()
	}
	var matID string
	k, err := s.mutateKey(ctx, c, in.KeyId, "kms:DeleteImportedKeyMaterial", nil, func(k *store.Key) error {
		if err := requireExternal(*k); err != nil {
			return err
		}
		if k.State == StatePendingDeletion {
			return errState(*k)
		}
		a, err := parseAttrs(*k)
		if err != nil {
			return err
		}
		if a.Import != nil {
			matID = a.Import.MaterialID
		}
		if in.KeyMaterialId != nil && *in.KeyMaterialId != matID {
			return kmsErr("NotFoundException", "Key material %s is not associated with %s.", *in.KeyMaterialId, keyARN(k.Ref))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.dropImportedMaterial(ctx, k.Ref, nil); err != nil {
		return nil, mapStoreErr(err)
	}
	return &DeleteImportedKeyMaterialOutput{KeyId: keyARN(k.Ref), KeyMaterialId: matID}, nil
}

// dropImportedMaterial deletes an EXTERNAL key's material in one
// transaction: Enabled and Disabled keys become PendingImport, a key
// pending deletion stays so. check, if set, may refuse (errSkip) after
// re-reading the key. Errors are the store's (or check's), unmapped.
func (s *Service) dropImportedMaterial(ctx context.Context, ref store.KeyRef, check func(k store.Key) error) error {
	return s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		k, err := txKey(ctx, tx, ref)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(k); err != nil {
				return err
			}
		}
		a, err := parseAttrs(k)
		if err != nil {
			return err
		}
		if a.Import != nil {
			a.Import.Present = false
			a.Import.ExpirationModel = ""
		}
		if err := setAttrs(&k, a); err != nil {
			return err
		}
		if err := tx.DeleteMaterials(ctx, ref); err != nil {
			return err
		}
		k.MaterialExpires = time.Time{}
		if k.State == StateEnabled || k.State == StateDisabled {
			k.State = StatePendingImport
		}
		return tx.UpdateKey(ctx, k)
	})
}

// importState returns the ExpirationModel and whether material is present
// for an EXTERNAL key's metadata.
func importState(k store.Key) (model string, present bool) {
	a, err := parseAttrs(k)
	if err != nil || a.Import == nil {
		return "", false
	}
	return a.Import.ExpirationModel, a.Import.Present
}
