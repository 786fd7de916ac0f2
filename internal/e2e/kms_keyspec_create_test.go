package e2e

import (
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// specCase is one KeySpec/KeyUsage pair AWS KMS allows, with the algorithm
// lists DescribeKey must show for it.
type specCase struct {
	spec  types.KeySpec
	usage types.KeyUsageType
	enc   []types.EncryptionAlgorithmSpec
	sign  []types.SigningAlgorithmSpec
	agree []types.KeyAgreementAlgorithmSpec
	mac   []types.MacAlgorithmSpec
	cmk   bool // has a CustomerMasterKeySpec (the legacy enum)
}

var rsaSigning = []types.SigningAlgorithmSpec{"RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
	"RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"}

var oaep = []types.EncryptionAlgorithmSpec{"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"}

// allSpecCases is every KeySpec/KeyUsage pair the API model allows that
// Coffer implements (everything but SM2).
var allSpecCases = []specCase{
	{spec: "RSA_2048", usage: "ENCRYPT_DECRYPT", enc: oaep, cmk: true},
	{spec: "RSA_2048", usage: "SIGN_VERIFY", sign: rsaSigning, cmk: true},
	{spec: "RSA_3072", usage: "ENCRYPT_DECRYPT", enc: oaep, cmk: true},
	{spec: "RSA_3072", usage: "SIGN_VERIFY", sign: rsaSigning, cmk: true},
	{spec: "RSA_4096", usage: "ENCRYPT_DECRYPT", enc: oaep, cmk: true},
	{spec: "RSA_4096", usage: "SIGN_VERIFY", sign: rsaSigning, cmk: true},
	{spec: "ECC_NIST_P256", usage: "SIGN_VERIFY", sign: []types.SigningAlgorithmSpec{"ECDSA_SHA_256"}, cmk: true},
	{spec: "ECC_NIST_P384", usage: "SIGN_VERIFY", sign: []types.SigningAlgorithmSpec{"ECDSA_SHA_384"}, cmk: true},
	{spec: "ECC_NIST_P521", usage: "SIGN_VERIFY", sign: []types.SigningAlgorithmSpec{"ECDSA_SHA_512"}, cmk: true},
	{spec: "ECC_NIST_P256", usage: "KEY_AGREEMENT", agree: []types.KeyAgreementAlgorithmSpec{"ECDH"}, cmk: true},
	{spec: "ECC_NIST_P384", usage: "KEY_AGREEMENT", agree: []types.KeyAgreementAlgorithmSpec{"ECDH"}, cmk: true},
	{spec: "ECC_NIST_P521", usage: "KEY_AGREEMENT", agree: []types.KeyAgreementAlgorithmSpec{"ECDH"}, cmk: true},
	{spec: "ECC_SECG_P256K1", usage: "SIGN_VERIFY", sign: []types.SigningAlgorithmSpec{"ECDSA_SHA_256"}, cmk: true},
	{spec: "ECC_NIST_EDWARDS25519", usage: "SIGN_VERIFY", sign: []types.SigningAlgorithmSpec{"ED25519_SHA_512", "ED25519_PH_SHA_512"}},
	{spec: "ML_DSA_44", usage: "SIGN_VERIFY", sign: []types.SigningAlgorithmSpec{"ML_DSA_SHAKE_256"}},
	{spec: "ML_DSA_65", usage: "SIGN_VERIFY", sign: []types.SigningAlgorithmSpec{"ML_DSA_SHAKE_256"}},
	{spec: "ML_DSA_87", usage: "SIGN_VERIFY", sign: []types.SigningAlgorithmSpec{"ML_DSA_SHAKE_256"}},
	{spec: "HMAC_224", usage: "GENERATE_VERIFY_MAC", mac: []types.MacAlgorithmSpec{"HMAC_SHA_224"}, cmk: true},
	{spec: "HMAC_256", usage: "GENERATE_VERIFY_MAC", mac: []types.MacAlgorithmSpec{"HMAC_SHA_256"}, cmk: true},
	{spec: "HMAC_384", usage: "GENERATE_VERIFY_MAC", mac: []types.MacAlgorithmSpec{"HMAC_SHA_384"}, cmk: true},
	{spec: "HMAC_512", usage: "GENERATE_VERIFY_MAC", mac: []types.MacAlgorithmSpec{"HMAC_SHA_512"}, cmk: true},
}

func (sc specCase) name() string { return string(sc.spec) + "/" + string(sc.usage) }

// specKeys creates one key per spec case on e, once per env.
type specKeys struct {
	once sync.Once
	ids  map[string]string
}

func (sk *specKeys) get(t *testing.T, c *kms.Client) map[string]string {
	t.Helper()
	sk.once.Do(func() {
		sk.ids = map[string]string{}
		for _, sc := range allSpecCases {
			out, err := c.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: sc.spec, KeyUsage: sc.usage})
			if err != nil {
				t.Fatalf("CreateKey %s: %v", sc.name(), err)
			}
			sk.ids[sc.name()] = aws.ToString(out.KeyMetadata.KeyId)
		}
	})
	return sk.ids
}

func TestKeySpecCreate(t *testing.T) {
	e := start(t)
	c := e.client("")
	for _, sc := range allSpecCases {
		t.Run(sc.name(), func(t *testing.T) {
			created := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: sc.spec, KeyUsage: sc.usage})).get(t).KeyMetadata
			md := ok(c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: created.KeyId})).get(t).KeyMetadata
			for _, m := range []*types.KeyMetadata{created, md} {
				if m.KeySpec != sc.spec || m.KeyUsage != sc.usage || m.KeyState != types.KeyStateEnabled {
					t.Errorf("KeySpec %s KeyUsage %s KeyState %s", m.KeySpec, m.KeyUsage, m.KeyState)
				}
				if !slices.Equal(m.EncryptionAlgorithms, sc.enc) || !slices.Equal(m.SigningAlgorithms, sc.sign) ||
					!slices.Equal(m.KeyAgreementAlgorithms, sc.agree) || !slices.Equal(m.MacAlgorithms, sc.mac) {
					t.Errorf("algorithms: enc %v sign %v agree %v mac %v", m.EncryptionAlgorithms, m.SigningAlgorithms, m.KeyAgreementAlgorithms, m.MacAlgorithms)
				}
				if want := types.CustomerMasterKeySpec(sc.spec); sc.cmk && m.CustomerMasterKeySpec != want || !sc.cmk && m.CustomerMasterKeySpec != "" {
					t.Errorf("CustomerMasterKeySpec %q", m.CustomerMasterKeySpec)
				}
			}
			_, err := c.EnableKeyRotation(ctx(), &kms.EnableKeyRotationInput{KeyId: created.KeyId})
			wantCode(t, err, "UnsupportedOperationException")
			_, err = c.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: created.KeyId})
			wantCode(t, err, "UnsupportedOperationException")
		})
	}
	// The legacy CustomerMasterKeySpec member works for the specs it names.
	md := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{CustomerMasterKeySpec: "ECC_NIST_P384", KeyUsage: "SIGN_VERIFY"})).get(t).KeyMetadata
	if md.KeySpec != "ECC_NIST_P384" || md.CustomerMasterKeySpec != "ECC_NIST_P384" {
		t.Errorf("CustomerMasterKeySpec key: %s %s", md.KeySpec, md.CustomerMasterKeySpec)
	}
}

func TestKeySpecCreateErrors(t *testing.T) {
	e := start(t)
	c := e.client("")
	for _, tc := range []struct {
		name  string
		spec  types.KeySpec
		usage types.KeyUsageType
		code  string
	}{
		{"RSA default usage is ENCRYPT_DECRYPT", "RSA_2048", "", ""},
		{"RSA KEY_AGREEMENT", "RSA_2048", "KEY_AGREEMENT", "ValidationException"},
		{"RSA GENERATE_VERIFY_MAC", "RSA_3072", "GENERATE_VERIFY_MAC", "ValidationException"},
		{"ECC default ENCRYPT_DECRYPT", "ECC_NIST_P256", "", "ValidationException"},
		{"secp256k1 KEY_AGREEMENT", "ECC_SECG_P256K1", "KEY_AGREEMENT", "ValidationException"},
		{"Ed25519 KEY_AGREEMENT", "ECC_NIST_EDWARDS25519", "KEY_AGREEMENT", "ValidationException"},
		{"ML-DSA ENCRYPT_DECRYPT", "ML_DSA_65", "ENCRYPT_DECRYPT", "ValidationException"},
		{"HMAC without usage", "HMAC_256", "", "ValidationException"},
		{"HMAC SIGN_VERIFY", "HMAC_256", "SIGN_VERIFY", "ValidationException"},
		{"symmetric SIGN_VERIFY", "SYMMETRIC_DEFAULT", "SIGN_VERIFY", "ValidationException"},
		{"SM2 SIGN_VERIFY", "SM2", "SIGN_VERIFY", "UnsupportedOperationException"},
		{"SM2 ENCRYPT_DECRYPT", "SM2", "ENCRYPT_DECRYPT", "UnsupportedOperationException"},
		{"unknown spec", "RSA_1024", "SIGN_VERIFY", "ValidationException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: tc.spec, KeyUsage: tc.usage})
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tc.code)
		})
	}
	// The legacy enum has no ML-DSA or Ed25519.
	_, err := c.CreateKey(ctx(), &kms.CreateKeyInput{CustomerMasterKeySpec: "ML_DSA_44", KeyUsage: "SIGN_VERIFY"})
	wantCode(t, err, "ValidationException")
}

// TestKeySpecSurvivesRestart checks that asymmetric and HMAC material is
// stored (wrapped) and reloaded: a signature made before a restart
// verifies after it, with the same public key.
func TestKeySpecSurvivesRestart(t *testing.T) {
	e := start(t)
	c := e.client("")
	sig := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: "ECC_NIST_EDWARDS25519", KeyUsage: "SIGN_VERIFY"})).get(t).KeyMetadata
	mac := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: "HMAC_512", KeyUsage: "GENERATE_VERIFY_MAC"})).get(t).KeyMetadata
	pub := ok(c.GetPublicKey(ctx(), &kms.GetPublicKeyInput{KeyId: sig.KeyId})).get(t).PublicKey
	s := ok(c.Sign(ctx(), &kms.SignInput{KeyId: sig.KeyId, Message: []byte("m"), SigningAlgorithm: "ED25519_SHA_512"})).get(t).Signature
	m := ok(c.GenerateMac(ctx(), &kms.GenerateMacInput{KeyId: mac.KeyId, Message: []byte("m"), MacAlgorithm: "HMAC_SHA_512"})).get(t).Mac
	e.restart()
	c = e.client("")
	if pub2 := ok(c.GetPublicKey(ctx(), &kms.GetPublicKeyInput{KeyId: sig.KeyId})).get(t).PublicKey; !slices.Equal(pub, pub2) {
		t.Fatal("public key changed across restart")
	}
	ok(c.Verify(ctx(), &kms.VerifyInput{KeyId: sig.KeyId, Message: []byte("m"), Signature: s, SigningAlgorithm: "ED25519_SHA_512"})).get(t)
	ok(c.VerifyMac(ctx(), &kms.VerifyMacInput{KeyId: mac.KeyId, Message: []byte("m"), Mac: m, MacAlgorithm: "HMAC_SHA_512"})).get(t)
}
