package e2e

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/coffer-kms/coffer/internal/keyring"
)

// TestImportRotation: new key material imported with NEW_KEY_MATERIAL
// waits in PENDING_ROTATION until RotateKeyOnDemand makes it current;
// every material has its own expiration and can be deleted and
// re-imported alone.
func TestImportRotation(t *testing.T) {
	e := start(t)
	c := e.client("")
	keyID := createExternal(t, c, types.KeySpecSymmetricDefault, "")
	const alg = types.AlgorithmSpecRsaesOaepSha256
	p, pub := importParams(t, c, keyID, alg, types.WrappingKeySpecRsa2048)
	m1, m2, m3 := make([]byte, 32), make([]byte, 32), make([]byte, 32)
	rand.Read(m1)
	rand.Read(m2)
	rand.Read(m3)
	imp := func(material []byte, it types.ImportType, validTo *time.Time, desc *string, matID *string) (*kms.ImportKeyMaterialOutput, error) {
		enc, err := keyring.WrapForImport(rand.Reader, pub, string(alg), material)
		if err != nil {
			t.Fatal(err)
		}
		in := &kms.ImportKeyMaterialInput{KeyId: &keyID, ImportToken: p.ImportToken, EncryptedKeyMaterial: enc, ImportType: it,
			ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire, KeyMaterialDescription: desc, KeyMaterialId: matID}
		if validTo != nil {
			in.ExpirationModel, in.ValidTo = types.ExpirationModelTypeKeyMaterialExpires, validTo
		}
		return c.ImportKeyMaterial(ctx(), in)
	}
	rotations := func(include types.IncludeKeyMaterial) []types.RotationsListEntry {
		t.Helper()
		return ok(c.ListKeyRotations(ctx(), &kms.ListKeyRotationsInput{KeyId: &keyID, IncludeKeyMaterial: include})).get(t).Rotations
	}
	current := func() string { return aws.ToString(keyState(t, c, keyID).CurrentKeyMaterialId) }

	out, err := imp(m1, "", nil, aws.String("first"), nil)
	if err != nil {
		t.Fatal(err)
	}
	id1 := aws.ToString(out.KeyMaterialId)
	b1 := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: &keyID, Plaintext: []byte("v1")})).get(t).CiphertextBlob

	_, err = imp(m2, "", nil, nil, nil)
	wantCode(t, err, "IncorrectKeyMaterialException") // other material defaults to EXISTING_KEY_MATERIAL
	_, err = imp(m1, types.ImportTypeNewKeyMaterial, nil, nil, nil)
	wantCode(t, err, "IncorrectKeyMaterialException") // m1 is not new

	validTo := e.clock.Now().Add(2 * time.Hour).Truncate(time.Second)
	out, err = imp(m2, types.ImportTypeNewKeyMaterial, &validTo, aws.String("second"), nil)
	if err != nil {
		t.Fatalf("NEW_KEY_MATERIAL: %v", err)
	}
	id2 := aws.ToString(out.KeyMaterialId)
	if current() != id1 {
		t.Errorf("new material became current before rotation")
	}
	r := rotations(types.IncludeKeyMaterialAllKeyMaterial)
	if len(r) != 2 || aws.ToString(r[0].KeyMaterialId) != id1 || r[0].KeyMaterialState != types.KeyMaterialStateCurrent ||
		aws.ToString(r[1].KeyMaterialId) != id2 || r[1].KeyMaterialState != types.KeyMaterialStatePendingRotation ||
		aws.ToString(r[1].KeyMaterialDescription) != "second" || r[1].ValidTo == nil || !r[1].ValidTo.Equal(validTo) {
		t.Fatalf("ListKeyRotations with a pending material: %+v", r)
	}
	_, err = imp(m3, types.ImportTypeNewKeyMaterial, nil, nil, nil)
	wantCode(t, err, "UnsupportedOperationException") // one pending material at a time

	ok(c.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: &keyID})).get(t)
	if current() != id2 {
		t.Errorf("after RotateKeyOnDemand, CurrentKeyMaterialId %s, want %s", current(), id2)
	}
	b2 := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: &keyID, Plaintext: []byte("v2")})).get(t).CiphertextBlob
	if h, err := keyring.ParseBlob(b2); err != nil || h.MaterialVersion != 2 {
		t.Errorf("new ciphertext header %+v, %v; want material version 2", h, err)
	}
	if pt, err := mustSymmetric(t, m2).Open(b2, region, nil); err != nil || string(pt) != "v2" {
		t.Errorf("the new ciphertext does not open with the imported second material: %v", err)
	}
	ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: b1})).get(t)
	if r := rotations(""); len(r) != 1 || r[0].RotationType != types.RotationTypeOnDemand || r[0].RotationDate == nil || r[0].KeyMaterialState != types.KeyMaterialStateCurrent {
		t.Errorf("ListKeyRotations ROTATIONS_ONLY: %+v", r)
	}
	_, err = c.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: &keyID})
	wantCode(t, err, "UnsupportedOperationException") // nothing pending
	_, err = c.EnableKeyRotation(ctx(), &kms.EnableKeyRotationInput{KeyId: &keyID})
	wantCode(t, err, "UnsupportedOperationException") // no automatic rotation of imported material

	// The second material expires: the key needs it back.
	e.clock.Advance(2*time.Hour + time.Second)
	c = e.client("")
	if res, err := e.App.KMS.RunMaintenance(ctx()); err != nil || res.Expired != 1 {
		t.Fatalf("RunMaintenance = %+v, %v", res, err)
	}
	if md := keyState(t, c, keyID); md.KeyState != types.KeyStatePendingImport {
		t.Errorf("after the current material expired: %s", md.KeyState)
	}
	_, err = c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: b1})
	wantCode(t, err, "KMSInvalidStateException")
	if r := rotations(types.IncludeKeyMaterialAllKeyMaterial); len(r) != 2 || r[0].ImportState != types.ImportStateImported || r[1].ImportState != types.ImportStatePendingImport {
		t.Errorf("ListKeyRotations after expiry: %+v", r)
	}
	_, err = imp(m3, types.ImportTypeNewKeyMaterial, nil, nil, nil)
	wantCode(t, err, "KMSInvalidStateException") // all material must be present first
	if _, err := imp(m2, types.ImportTypeExistingKeyMaterial, nil, nil, &id2); err != nil {
		t.Fatalf("re-import of the expired material: %v", err)
	}
	if md := keyState(t, c, keyID); md.KeyState != types.KeyStateEnabled {
		t.Errorf("after re-import: %s", md.KeyState)
	}
	r = rotations(types.IncludeKeyMaterialAllKeyMaterial)
	if len(r) != 2 || aws.ToString(r[1].KeyMaterialDescription) != "second" || r[1].RotationType != types.RotationTypeOnDemand {
		t.Errorf("re-import lost the description or the rotation: %+v", r[1])
	}
	ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: b2})).get(t)

	// Deleting the older material alone makes the key unusable until it is back.
	out2 := ok(c.DeleteImportedKeyMaterial(ctx(), &kms.DeleteImportedKeyMaterialInput{KeyId: &keyID, KeyMaterialId: &id1})).get(t)
	if aws.ToString(out2.KeyMaterialId) != id1 {
		t.Errorf("DeleteImportedKeyMaterial deleted %s, want %s", aws.ToString(out2.KeyMaterialId), id1)
	}
	if md := keyState(t, c, keyID); md.KeyState != types.KeyStatePendingImport || aws.ToString(md.CurrentKeyMaterialId) != id2 {
		t.Errorf("after deleting the older material: %s, current %s", md.KeyState, aws.ToString(md.CurrentKeyMaterialId))
	}
	if _, err := imp(m1, "", nil, nil, nil); err != nil {
		t.Fatalf("re-import of the first material: %v", err)
	}
	if got := ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: b1})).get(t).Plaintext; string(got) != "v1" {
		t.Errorf("Decrypt of the first ciphertext = %q", got)
	}

	// Multi-Region imported keys take no new material here.
	mk := aws.ToString(ok(c.CreateKey(ctx(), &kms.CreateKeyInput{MultiRegion: aws.Bool(true), Origin: types.OriginTypeExternal})).get(t).KeyMetadata.KeyId)
	mp, mpub := importParams(t, c, mk, alg, types.WrappingKeySpecRsa2048)
	if _, err := importMaterial(c, mk, mp, mpub, alg, m1, nil); err != nil {
		t.Fatal(err)
	}
	enc, _ := keyring.WrapForImport(rand.Reader, mpub, string(alg), m2)
	_, err = c.ImportKeyMaterial(ctx(), &kms.ImportKeyMaterialInput{KeyId: &mk, ImportToken: mp.ImportToken, EncryptedKeyMaterial: enc,
		ImportType: types.ImportTypeNewKeyMaterial, ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire})
	wantCode(t, err, "UnsupportedOperationException")
}
