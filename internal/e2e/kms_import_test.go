package e2e

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/coffer-kms/coffer/internal/keyring"
)

// importParams calls GetParametersForImport and parses the wrapping key.
func importParams(t *testing.T, c *kms.Client, keyID string, alg types.AlgorithmSpec, spec types.WrappingKeySpec) (*kms.GetParametersForImportOutput, *rsa.PublicKey) {
	t.Helper()
	p := ok(c.GetParametersForImport(ctx(), &kms.GetParametersForImportInput{KeyId: &keyID, WrappingAlgorithm: alg, WrappingKeySpec: spec})).get(t)
	pub, err := x509.ParsePKIXPublicKey(p.PublicKey)
	if err != nil {
		t.Fatalf("PublicKey is not a DER SubjectPublicKeyInfo: %v", err)
	}
	rk, isRSA := pub.(*rsa.PublicKey)
	if !isRSA {
		t.Fatalf("PublicKey is %T, want RSA", pub)
	}
	if want := map[types.WrappingKeySpec]int{"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}[spec]; rk.N.BitLen() != want {
		t.Fatalf("wrapping key is %d bits, want %d", rk.N.BitLen(), want)
	}
	return p, rk
}

// importMaterial wraps material for the parameters and imports it.
func importMaterial(c *kms.Client, keyID string, p *kms.GetParametersForImportOutput, pub *rsa.PublicKey, alg types.AlgorithmSpec, material []byte, validTo *time.Time) (*kms.ImportKeyMaterialOutput, error) {
	enc, err := keyring.WrapForImport(rand.Reader, pub, string(alg), material)
	if err != nil {
		return nil, err
	}
	in := &kms.ImportKeyMaterialInput{KeyId: &keyID, ImportToken: p.ImportToken, EncryptedKeyMaterial: enc,
		ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire}
	if validTo != nil {
		in.ExpirationModel = types.ExpirationModelTypeKeyMaterialExpires
		in.ValidTo = validTo
	}
	return c.ImportKeyMaterial(ctx(), in)
}

func createExternal(t *testing.T, c *kms.Client, spec types.KeySpec, usage types.KeyUsageType) string {
	t.Helper()
	out := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{Origin: types.OriginTypeExternal, KeySpec: spec, KeyUsage: usage})).get(t)
	md := out.KeyMetadata
	if md.Origin != types.OriginTypeExternal || md.KeyState != types.KeyStatePendingImport || md.Enabled {
		t.Fatalf("new EXTERNAL key: Origin %s, KeyState %s, Enabled %v; want EXTERNAL, PendingImport, false", md.Origin, md.KeyState, md.Enabled)
	}
	return *md.KeyId
}

func keyState(t *testing.T, c *kms.Client, keyID string) types.KeyMetadata {
	t.Helper()
	return *ok(c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: &keyID})).get(t).KeyMetadata
}

// TestImportSymmetric follows the AWS procedure for each wrapping
// algorithm and proves the imported material is the one in Coffer: a blob
// sealed locally with it (docs/ciphertext-blob.md) decrypts in Coffer, and
// a Coffer ciphertext opens locally.
func TestImportSymmetric(t *testing.T) {
	e := start(t)
	c := e.client("")
	for _, tc := range []struct {
		alg  types.AlgorithmSpec
		spec types.WrappingKeySpec
	}{
		{types.AlgorithmSpecRsaesOaepSha1, types.WrappingKeySpecRsa2048},
		{types.AlgorithmSpecRsaesOaepSha256, types.WrappingKeySpecRsa3072},
		{types.AlgorithmSpecRsaAesKeyWrapSha1, types.WrappingKeySpecRsa2048},
		{types.AlgorithmSpecRsaAesKeyWrapSha256, types.WrappingKeySpecRsa4096},
	} {
		t.Run(string(tc.alg)+" "+string(tc.spec), func(t *testing.T) {
			keyID := createExternal(t, c, types.KeySpecSymmetricDefault, "")
			_, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: &keyID, Plaintext: []byte("x")})
			wantCode(t, err, "KMSInvalidStateException")
			p, pub := importParams(t, c, keyID, tc.alg, tc.spec)
			if *p.KeyId != keyARN(region, keyID) {
				t.Errorf("KeyId %s, want the key ARN", *p.KeyId)
			}
			if d := p.ParametersValidTo.Sub(e.clock.Now().Add(24 * time.Hour)); d.Abs() > 2*time.Second {
				t.Errorf("ParametersValidTo %v is not 24 hours from now", p.ParametersValidTo)
			}
			material := make([]byte, 32)
			rand.Read(material)
			out, err := importMaterial(c, keyID, p, pub, tc.alg, material, nil)
			if err != nil {
				t.Fatalf("ImportKeyMaterial: %v", err)
			}
			if len(aws.ToString(out.KeyMaterialId)) != 64 {
				t.Errorf("KeyMaterialId %q is not 64 hex digits", aws.ToString(out.KeyMaterialId))
			}
			md := keyState(t, c, keyID)
			if md.KeyState != types.KeyStateEnabled || md.ExpirationModel != types.ExpirationModelTypeKeyMaterialDoesNotExpire || md.ValidTo != nil {
				t.Errorf("after import: KeyState %s, ExpirationModel %s, ValidTo %v", md.KeyState, md.ExpirationModel, md.ValidTo)
			}
			checkMaterial(t, c, keyID, material)
		})
	}
}

// checkMaterial proves keyID's current material is material.
func checkMaterial(t *testing.T, c *kms.Client, keyID string, material []byte) {
	t.Helper()
	sk, err := keyring.NewSymmetricKey(material)
	if err != nil {
		t.Fatal(err)
	}
	encCtx := map[string]string{"purpose": "import proof"}
	bound := region
	if strings.HasPrefix(keyID, "mrk-") {
		bound = "" // multi-Region keys bind no Region (docs/ciphertext-blob.md)
	}
	blob, err := sk.Seal(rand.Reader, keyring.BlobHeader{Account: account, KeyID: keyID, MaterialVersion: 1}, bound, encCtx, []byte("sealed outside Coffer"))
	if err != nil {
		t.Fatal(err)
	}
	dec := ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: encCtx})).get(t)
	if string(dec.Plaintext) != "sealed outside Coffer" {
		t.Fatalf("Decrypt of a locally sealed blob = %q", dec.Plaintext)
	}
	enc := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: &keyID, Plaintext: []byte("sealed in Coffer"), EncryptionContext: encCtx})).get(t)
	pt, err := sk.Open(enc.CiphertextBlob, bound, encCtx)
	if err != nil || string(pt) != "sealed in Coffer" {
		t.Fatalf("opening Coffer's ciphertext with the imported material: %q, %v", pt, err)
	}
}

// TestImportLifecycle: re-import, different material, tokens, expiry,
// DeleteImportedKeyMaterial and the key states.
func TestImportLifecycle(t *testing.T) {
	e := start(t)
	c := e.client("")
	keyID := createExternal(t, c, types.KeySpecSymmetricDefault, "")
	const alg = types.AlgorithmSpecRsaesOaepSha256
	p, pub := importParams(t, c, keyID, alg, types.WrappingKeySpecRsa2048)
	material := make([]byte, 32)
	rand.Read(material)

	t.Run("validation", func(t *testing.T) {
		enc, _ := keyring.WrapForImport(rand.Reader, pub, string(alg), material)
		_, err := c.ImportKeyMaterial(ctx(), &kms.ImportKeyMaterialInput{KeyId: &keyID, ImportToken: p.ImportToken, EncryptedKeyMaterial: enc})
		wantCode(t, err, "ValidationException") // KEY_MATERIAL_EXPIRES (default) needs ValidTo
		past := e.clock.Now().Add(-time.Hour)
		_, err = importMaterial(c, keyID, p, pub, alg, material, &past)
		wantCode(t, err, "ValidationException")
		far := e.clock.Now().Add(400 * 24 * time.Hour)
		_, err = importMaterial(c, keyID, p, pub, alg, material, &far)
		wantCode(t, err, "ValidationException")
		_, err = importMaterial(c, keyID, p, pub, alg, material[:16], nil)
		wantCode(t, err, "IncorrectKeyMaterialException")
		_, err = c.ImportKeyMaterial(ctx(), &kms.ImportKeyMaterialInput{KeyId: &keyID, ImportToken: p.ImportToken,
			EncryptedKeyMaterial: bytes.Repeat([]byte{1}, 256), ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire})
		wantCode(t, err, "InvalidCiphertextException")
		_, err = c.ImportKeyMaterial(ctx(), &kms.ImportKeyMaterialInput{KeyId: &keyID, ImportToken: []byte("not a token"),
			EncryptedKeyMaterial: enc, ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire})
		wantCode(t, err, "InvalidImportTokenException")
		_, err = c.ImportKeyMaterial(ctx(), &kms.ImportKeyMaterialInput{KeyId: &keyID, ImportToken: p.ImportToken, EncryptedKeyMaterial: enc,
			ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire, ImportType: types.ImportTypeExistingKeyMaterial})
		wantCode(t, err, "IncorrectKeyMaterialException")
		_, err = c.GetParametersForImport(ctx(), &kms.GetParametersForImportInput{KeyId: &keyID, WrappingAlgorithm: types.AlgorithmSpecRsaesPkcs1V15, WrappingKeySpec: types.WrappingKeySpecRsa2048})
		wantCode(t, err, "UnsupportedOperationException")
		_, err = c.GetParametersForImport(ctx(), &kms.GetParametersForImportInput{KeyId: &keyID, WrappingAlgorithm: types.AlgorithmSpecSm2pke, WrappingKeySpec: types.WrappingKeySpecSm2})
		wantCode(t, err, "UnsupportedOperationException")
		generated := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{})).get(t).KeyMetadata.KeyId
		_, err = c.GetParametersForImport(ctx(), &kms.GetParametersForImportInput{KeyId: generated, WrappingAlgorithm: alg, WrappingKeySpec: types.WrappingKeySpecRsa2048})
		wantCode(t, err, "UnsupportedOperationException")
		_, err = c.ImportKeyMaterial(ctx(), &kms.ImportKeyMaterialInput{KeyId: generated, ImportToken: p.ImportToken, EncryptedKeyMaterial: enc,
			ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire})
		wantCode(t, err, "UnsupportedOperationException")
		_, err = c.DeleteImportedKeyMaterial(ctx(), &kms.DeleteImportedKeyMaterialInput{KeyId: generated})
		wantCode(t, err, "UnsupportedOperationException")
		_, err = c.CreateKey(ctx(), &kms.CreateKeyInput{Origin: types.OriginTypeAwsCloudhsm})
		wantCode(t, err, "UnsupportedOperationException")
	})

	validTo := e.clock.Now().Add(2 * time.Hour).Truncate(time.Second)
	out, err := importMaterial(c, keyID, p, pub, alg, material, &validTo)
	if err != nil {
		t.Fatalf("ImportKeyMaterial: %v", err)
	}
	matID := aws.ToString(out.KeyMaterialId)
	md := keyState(t, c, keyID)
	if md.KeyState != types.KeyStateEnabled || md.ExpirationModel != types.ExpirationModelTypeKeyMaterialExpires || md.ValidTo == nil || !md.ValidTo.Equal(validTo) {
		t.Fatalf("after import: KeyState %s, ExpirationModel %s, ValidTo %v (want %v)", md.KeyState, md.ExpirationModel, md.ValidTo, validTo)
	}
	if aws.ToString(md.CurrentKeyMaterialId) != matID {
		t.Errorf("CurrentKeyMaterialId %q, want %q", aws.ToString(md.CurrentKeyMaterialId), matID)
	}
	checkMaterial(t, c, keyID, material)
	old := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: &keyID, Plaintext: []byte("before expiry")})).get(t).CiphertextBlob

	t.Run("reimport", func(t *testing.T) {
		// The same material again, with the same token: the expiration changes.
		out, err := importMaterial(c, keyID, p, pub, alg, material, nil)
		if err != nil || aws.ToString(out.KeyMaterialId) != matID {
			t.Fatalf("re-import of the same material: %v, KeyMaterialId %q (want %q)", err, aws.ToString(out.KeyMaterialId), matID)
		}
		if md := keyState(t, c, keyID); md.ExpirationModel != types.ExpirationModelTypeKeyMaterialDoesNotExpire || md.ValidTo != nil {
			t.Errorf("after re-import without expiry: ExpirationModel %s, ValidTo %v", md.ExpirationModel, md.ValidTo)
		}
		other := make([]byte, 32)
		rand.Read(other)
		_, err = importMaterial(c, keyID, p, pub, alg, other, nil)
		wantCode(t, err, "IncorrectKeyMaterialException")
		enc, _ := keyring.WrapForImport(rand.Reader, pub, string(alg), material)
		_, err = c.ImportKeyMaterial(ctx(), &kms.ImportKeyMaterialInput{KeyId: &keyID, ImportToken: p.ImportToken, EncryptedKeyMaterial: enc,
			ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire, KeyMaterialId: aws.String(string(bytes.Repeat([]byte("a"), 64)))})
		wantCode(t, err, "IncorrectKeyMaterialException")
		_, err = c.ImportKeyMaterial(ctx(), &kms.ImportKeyMaterialInput{KeyId: &keyID, ImportToken: p.ImportToken, EncryptedKeyMaterial: enc,
			ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire, KeyMaterialId: &matID, ImportType: types.ImportTypeExistingKeyMaterial,
			KeyMaterialDescription: aws.String("backup 2026-11")})
		if err != nil {
			t.Fatalf("re-import with KeyMaterialId and EXISTING_KEY_MATERIAL: %v", err)
		}
		checkImportedRotation(t, c, keyID, matID, types.ImportStateImported, "backup 2026-11")
		// Back to an expiring import for the expiry test below.
		if _, err := importMaterial(c, keyID, p, pub, alg, material, &validTo); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("tokens", func(t *testing.T) {
		p2, pub2 := importParams(t, c, keyID, types.AlgorithmSpecRsaAesKeyWrapSha256, types.WrappingKeySpecRsa2048)
		// The old token was replaced.
		_, err := importMaterial(c, keyID, p, pub, alg, material, nil)
		wantCode(t, err, "InvalidImportTokenException")
		// A token of another key is not valid here.
		k2 := createExternal(t, c, types.KeySpecSymmetricDefault, "")
		_, err = importMaterial(c, k2, p2, pub2, types.AlgorithmSpecRsaAesKeyWrapSha256, material, nil)
		wantCode(t, err, "InvalidImportTokenException")
		// Material wrapped with the other algorithm does not decrypt.
		enc, _ := keyring.WrapForImport(rand.Reader, pub2, string(types.AlgorithmSpecRsaesOaepSha256), material)
		_, err = c.ImportKeyMaterial(ctx(), &kms.ImportKeyMaterialInput{KeyId: &keyID, ImportToken: p2.ImportToken, EncryptedKeyMaterial: enc,
			ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire})
		wantCode(t, err, "InvalidCiphertextException")
		// After 24 hours the parameters expire.
		p3, pub3 := importParams(t, c, k2, alg, types.WrappingKeySpecRsa2048)
		e.clock.Advance(24*time.Hour + time.Second)
		c = e.client("")
		_, err = importMaterial(c, k2, p3, pub3, alg, material, nil)
		wantCode(t, err, "ExpiredImportTokenException")
		e.clock.Advance(-(24*time.Hour + time.Second))
		c = e.client("")
	})

	t.Run("expiry", func(t *testing.T) {
		res, err := e.App.KMS.RunMaintenance(ctx())
		if err != nil || res.Expired != 0 {
			t.Fatalf("before ValidTo: RunMaintenance = %+v, %v", res, err)
		}
		e.clock.Advance(2*time.Hour + time.Second)
		c = e.client("")
		res, err = e.App.KMS.RunMaintenance(ctx())
		if err != nil || res.Expired != 1 {
			t.Fatalf("after ValidTo: RunMaintenance = %+v, %v; want 1 expired", res, err)
		}
		md := keyState(t, c, keyID)
		if md.KeyState != types.KeyStatePendingImport || md.ValidTo != nil || md.CurrentKeyMaterialId != nil {
			t.Errorf("after expiry: KeyState %s, ValidTo %v, CurrentKeyMaterialId %v", md.KeyState, md.ValidTo, md.CurrentKeyMaterialId)
		}
		_, err = c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: old})
		wantCode(t, err, "KMSInvalidStateException")
		_, err = c.EnableKey(ctx(), &kms.EnableKeyInput{KeyId: &keyID})
		wantCode(t, err, "KMSInvalidStateException")
		// Re-importing the same material brings the key and its ciphertexts back.
		p, pub := importParams(t, c, keyID, alg, types.WrappingKeySpecRsa2048)
		if _, err := importMaterial(c, keyID, p, pub, alg, material, nil); err != nil {
			t.Fatalf("re-import after expiry: %v", err)
		}
		dec := ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: old})).get(t)
		if string(dec.Plaintext) != "before expiry" {
			t.Errorf("Decrypt after re-import = %q", dec.Plaintext)
		}
	})

	t.Run("delete", func(t *testing.T) {
		_, err := c.DeleteImportedKeyMaterial(ctx(), &kms.DeleteImportedKeyMaterialInput{KeyId: &keyID, KeyMaterialId: aws.String(string(bytes.Repeat([]byte("b"), 64)))})
		wantCode(t, err, "NotFoundException")
		out := ok(c.DeleteImportedKeyMaterial(ctx(), &kms.DeleteImportedKeyMaterialInput{KeyId: &keyID})).get(t)
		if aws.ToString(out.KeyId) != keyARN(region, keyID) || aws.ToString(out.KeyMaterialId) != matID {
			t.Errorf("DeleteImportedKeyMaterial = %s, %s", aws.ToString(out.KeyId), aws.ToString(out.KeyMaterialId))
		}
		if md := keyState(t, c, keyID); md.KeyState != types.KeyStatePendingImport {
			t.Errorf("after delete: KeyState %s", md.KeyState)
		}
		checkImportedRotation(t, c, keyID, matID, types.ImportStatePendingImport, "backup 2026-11")
		_, err = c.Encrypt(ctx(), &kms.EncryptInput{KeyId: &keyID, Plaintext: []byte("x")})
		wantCode(t, err, "KMSInvalidStateException")
		// Deletion of a key pending import, and its cancellation, keep it pending import.
		ok(c.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: &keyID, PendingWindowInDays: aws.Int32(7)})).get(t)
		_, err = c.ImportKeyMaterial(ctx(), &kms.ImportKeyMaterialInput{KeyId: &keyID, ImportToken: []byte("x"), EncryptedKeyMaterial: []byte("x"),
			ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire})
		wantCode(t, err, "KMSInvalidStateException")
		ok(c.CancelKeyDeletion(ctx(), &kms.CancelKeyDeletionInput{KeyId: &keyID})).get(t)
		if md := keyState(t, c, keyID); md.KeyState != types.KeyStatePendingImport {
			t.Errorf("after CancelKeyDeletion: KeyState %s, want PendingImport", md.KeyState)
		}
		p, pub := importParams(t, c, keyID, alg, types.WrappingKeySpecRsa2048)
		if _, err := importMaterial(c, keyID, p, pub, alg, material, nil); err != nil {
			t.Fatalf("re-import after delete: %v", err)
		}
		checkMaterial(t, c, keyID, material)
	})
}

// TestImportHMACAndAsymmetric imports HMAC and asymmetric (PKCS#8)
// material and checks Coffer uses exactly it.
func TestImportHMACAndAsymmetric(t *testing.T) {
	e := start(t)
	c := e.client("")
	msg := []byte("message")

	t.Run("HMAC_256", func(t *testing.T) {
		keyID := createExternal(t, c, types.KeySpecHmac256, types.KeyUsageTypeGenerateVerifyMac)
		p, pub := importParams(t, c, keyID, types.AlgorithmSpecRsaesOaepSha256, types.WrappingKeySpecRsa2048)
		material := make([]byte, 32)
		rand.Read(material)
		if _, err := importMaterial(c, keyID, p, pub, types.AlgorithmSpecRsaesOaepSha256, material[:20], nil); err == nil {
			t.Error("a 20-byte HMAC_256 key was accepted")
		} else {
			wantCode(t, err, "IncorrectKeyMaterialException")
		}
		if _, err := importMaterial(c, keyID, p, pub, types.AlgorithmSpecRsaesOaepSha256, material, nil); err != nil {
			t.Fatal(err)
		}
		mac := ok(c.GenerateMac(ctx(), &kms.GenerateMacInput{KeyId: &keyID, Message: msg, MacAlgorithm: types.MacAlgorithmSpecHmacSha256})).get(t).Mac
		h := hmac.New(sha256.New, material)
		h.Write(msg)
		if !hmac.Equal(mac, h.Sum(nil)) {
			t.Error("GenerateMac differs from HMAC-SHA256 with the imported material")
		}
		_, err := c.ImportKeyMaterial(ctx(), &kms.ImportKeyMaterialInput{KeyId: &keyID, ImportToken: p.ImportToken, EncryptedKeyMaterial: []byte{1},
			ImportType: types.ImportTypeExistingKeyMaterial, ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire})
		wantCode(t, err, "ValidationException") // ImportType is for symmetric keys only
	})

	t.Run("RSA_2048 SIGN_VERIFY with RSA_AES_KEY_WRAP", func(t *testing.T) {
		keyID := createExternal(t, c, types.KeySpecRsa2048, types.KeyUsageTypeSignVerify)
		_, err := c.GetParametersForImport(ctx(), &kms.GetParametersForImportInput{KeyId: &keyID,
			WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha256, WrappingKeySpec: types.WrappingKeySpecRsa4096})
		wantCode(t, err, "UnsupportedOperationException") // RSA private keys need RSA_AES
		p, pub := importParams(t, c, keyID, types.AlgorithmSpecRsaAesKeyWrapSha256, types.WrappingKeySpecRsa3072)
		priv, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalPKCS8PrivateKey(priv)
		if _, err = importMaterial(c, keyID, p, pub, types.AlgorithmSpecRsaAesKeyWrapSha256, der, nil); err != nil {
			t.Fatal(err)
		}
		gp := ok(c.GetPublicKey(ctx(), &kms.GetPublicKeyInput{KeyId: &keyID})).get(t)
		want, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
		if !bytes.Equal(gp.PublicKey, want) {
			t.Error("GetPublicKey is not the imported key's public key")
		}
		sig := ok(c.Sign(ctx(), &kms.SignInput{KeyId: &keyID, Message: msg, SigningAlgorithm: types.SigningAlgorithmSpecRsassaPssSha256})).get(t).Signature
		d := sha256.Sum256(msg)
		if err := rsa.VerifyPSS(&priv.PublicKey, crypto.SHA256, d[:], sig, nil); err != nil {
			t.Errorf("signature does not verify with the imported key: %v", err)
		}
		// Another private key is other material.
		other, _ := rsa.GenerateKey(rand.Reader, 2048)
		der2, _ := x509.MarshalPKCS8PrivateKey(other)
		_, err = importMaterial(c, keyID, p, pub, types.AlgorithmSpecRsaAesKeyWrapSha256, der2, nil)
		wantCode(t, err, "IncorrectKeyMaterialException")
	})

	t.Run("ECC_NIST_P521 needs more than OAEP with RSA_2048", func(t *testing.T) {
		keyID := createExternal(t, c, types.KeySpecEccNistP521, types.KeyUsageTypeSignVerify)
		_, err := c.GetParametersForImport(ctx(), &kms.GetParametersForImportInput{KeyId: &keyID,
			WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha1, WrappingKeySpec: types.WrappingKeySpecRsa2048})
		wantCode(t, err, "UnsupportedOperationException")
		importParams(t, c, keyID, types.AlgorithmSpecRsaesOaepSha256, types.WrappingKeySpecRsa3072)
	})

	t.Run("ECC_NIST_P256 with OAEP", func(t *testing.T) {
		keyID := createExternal(t, c, types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify)
		p, pub := importParams(t, c, keyID, types.AlgorithmSpecRsaesOaepSha256, types.WrappingKeySpecRsa2048)
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalPKCS8PrivateKey(priv)
		if _, err := importMaterial(c, keyID, p, pub, types.AlgorithmSpecRsaesOaepSha256, []byte("not a PKCS#8 key, 32+ bytes long.."), nil); err == nil {
			t.Error("garbage accepted as a P-256 private key")
		} else {
			wantCode(t, err, "IncorrectKeyMaterialException")
		}
		if _, err := importMaterial(c, keyID, p, pub, types.AlgorithmSpecRsaesOaepSha256, der, nil); err != nil {
			t.Fatal(err)
		}
		sig := ok(c.Sign(ctx(), &kms.SignInput{KeyId: &keyID, Message: msg, SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})).get(t).Signature
		d := sha256.Sum256(msg)
		if !ecdsa.VerifyASN1(&priv.PublicKey, d[:], sig) {
			t.Error("signature does not verify with the imported key")
		}
	})
}

// checkImportedRotation checks ListKeyRotations of an imported symmetric
// key: nothing with ROTATIONS_ONLY, its one material with ALL_KEY_MATERIAL.
func checkImportedRotation(t *testing.T, c *kms.Client, keyID, matID string, state types.ImportState, desc string) {
	t.Helper()
	if r := ok(c.ListKeyRotations(ctx(), &kms.ListKeyRotationsInput{KeyId: &keyID})).get(t).Rotations; len(r) != 0 {
		t.Errorf("ListKeyRotations ROTATIONS_ONLY: %d entries, want none", len(r))
	}
	r := ok(c.ListKeyRotations(ctx(), &kms.ListKeyRotationsInput{KeyId: &keyID, IncludeKeyMaterial: types.IncludeKeyMaterialAllKeyMaterial})).get(t).Rotations
	if len(r) != 1 {
		t.Fatalf("ListKeyRotations ALL_KEY_MATERIAL: %d entries, want 1", len(r))
	}
	e := r[0]
	if aws.ToString(e.KeyMaterialId) != matID || e.ImportState != state || aws.ToString(e.KeyMaterialDescription) != desc || e.KeyMaterialState != types.KeyMaterialStateCurrent {
		t.Errorf("rotation entry: id %s, %s, %q, %s", aws.ToString(e.KeyMaterialId), e.ImportState, aws.ToString(e.KeyMaterialDescription), e.KeyMaterialState)
	}
}
