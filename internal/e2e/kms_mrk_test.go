package e2e

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/coffer-kms/coffer/internal/keyring"
)

const (
	west  = "eu-west-1"
	south = "ap-south-1"
)

// kmsAsIn is a KMS client signing as c for region.
func (e *env) kmsAsIn(c creds, region string) *kms.Client {
	return kms.New(kms.Options{Region: region, BaseEndpoint: aws.String(e.URL), Credentials: e.provider(c),
		HTTPSignerV4: clockSigner{v4.NewSigner(), e.clock.Now}, RetryMaxAttempts: 1})
}

func mrkConfig(t *testing.T, c *kms.Client, keyID string) (types.KeyMetadata, *types.MultiRegionConfiguration) {
	t.Helper()
	md := keyState(t, c, keyID)
	if md.MultiRegionConfiguration == nil {
		t.Fatalf("DescribeKey %s has no MultiRegionConfiguration", keyID)
	}
	return md, md.MultiRegionConfiguration
}

func regionsOf(keys []types.MultiRegionKey) string {
	var r []string
	for _, k := range keys {
		r = append(r, aws.ToString(k.Region))
	}
	return strings.Join(r, ",")
}

// TestMultiRegionSymmetric: mrk- ids, ReplicateKey, DescribeKey's
// configuration, ciphertexts across Regions (and only where a replica
// is), independent per-Region properties, the ReplicateKey errors.
func TestMultiRegionSymmetric(t *testing.T) {
	e := start(t)
	east, euw, aps := e.client(""), e.client(west), e.client(south)
	out := ok(east.CreateKey(ctx(), &kms.CreateKeyInput{MultiRegion: aws.Bool(true), Description: aws.String("primary")})).get(t)
	keyID := aws.ToString(out.KeyMetadata.KeyId)
	if !strings.HasPrefix(keyID, "mrk-") || len(keyID) != 36 || !aws.ToBool(out.KeyMetadata.MultiRegion) {
		t.Fatalf("CreateKey MultiRegion: KeyId %q, MultiRegion %v", keyID, aws.ToBool(out.KeyMetadata.MultiRegion))
	}
	cfg := out.KeyMetadata.MultiRegionConfiguration
	if cfg == nil || cfg.MultiRegionKeyType != types.MultiRegionKeyTypePrimary || aws.ToString(cfg.PrimaryKey.Region) != region || len(cfg.ReplicaKeys) != 0 {
		t.Fatalf("CreateKey MultiRegionConfiguration = %+v", cfg)
	}
	ec := map[string]string{"app": "mrk"}
	blob := ok(east.Encrypt(ctx(), &kms.EncryptInput{KeyId: &keyID, Plaintext: []byte("from the east"), EncryptionContext: ec})).get(t).CiphertextBlob

	// No replica in eu-west-1 yet: the Regions are isolated.
	_, err := euw.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: ec})
	wantCode(t, err, "InvalidCiphertextException")

	rep := ok(east.ReplicateKey(ctx(), &kms.ReplicateKeyInput{KeyId: &keyID, ReplicaRegion: aws.String(west),
		Description: aws.String("replica"), Tags: []types.Tag{{TagKey: aws.String("team"), TagValue: aws.String("west")}}})).get(t)
	rmd := rep.ReplicaKeyMetadata
	if aws.ToString(rmd.KeyId) != keyID || aws.ToString(rmd.Arn) != keyARN(west, keyID) || rmd.KeyState != types.KeyStateEnabled ||
		aws.ToString(rmd.Description) != "replica" || rmd.MultiRegionConfiguration.MultiRegionKeyType != types.MultiRegionKeyTypeReplica {
		t.Fatalf("ReplicateKey metadata: %s %s %s %q %+v", aws.ToString(rmd.KeyId), aws.ToString(rmd.Arn), rmd.KeyState, aws.ToString(rmd.Description), rmd.MultiRegionConfiguration)
	}
	if !strings.Contains(aws.ToString(rep.ReplicaPolicy), "kms:*") || len(rep.ReplicaTags) != 1 {
		t.Errorf("ReplicaPolicy %q, ReplicaTags %v", aws.ToString(rep.ReplicaPolicy), rep.ReplicaTags)
	}
	for _, c := range []*kms.Client{east, euw} {
		md, cfg := mrkConfig(t, c, keyID)
		if aws.ToString(cfg.PrimaryKey.Arn) != keyARN(region, keyID) || regionsOf(cfg.ReplicaKeys) != west {
			t.Errorf("%s: PrimaryKey %s, ReplicaKeys %s", aws.ToString(md.Arn), aws.ToString(cfg.PrimaryKey.Arn), regionsOf(cfg.ReplicaKeys))
		}
	}
	if md, _ := mrkConfig(t, east, keyID); aws.ToString(md.Description) != "primary" {
		t.Errorf("the primary's description changed to %q", aws.ToString(md.Description))
	}

	t.Run("ciphertexts cross Regions with a replica, only there", func(t *testing.T) {
		dec := ok(euw.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: ec})).get(t)
		if string(dec.Plaintext) != "from the east" || aws.ToString(dec.KeyId) != keyARN(west, keyID) {
			t.Errorf("eu-west-1 Decrypt = %q, KeyId %s", dec.Plaintext, aws.ToString(dec.KeyId))
		}
		wb := ok(euw.Encrypt(ctx(), &kms.EncryptInput{KeyId: &keyID, Plaintext: []byte("from the west"), EncryptionContext: ec})).get(t).CiphertextBlob
		if got := ok(east.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: wb, EncryptionContext: ec})).get(t).Plaintext; string(got) != "from the west" {
			t.Errorf("us-east-1 Decrypt = %q", got)
		}
		_, err := euw.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: map[string]string{"app": "other"}})
		wantCode(t, err, "InvalidCiphertextException")
		_, err = aps.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: ec})
		wantCode(t, err, "InvalidCiphertextException")
		dk := ok(east.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: &keyID, KeySpec: types.DataKeySpecAes256})).get(t)
		if got := ok(euw.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob})).get(t).Plaintext; !bytes.Equal(got, dk.Plaintext) {
			t.Error("data key from us-east-1 does not decrypt to the same key in eu-west-1")
		}
		// A single-Region key's ciphertext stays in its Region.
		single := ok(east.CreateKey(ctx(), &kms.CreateKeyInput{})).get(t).KeyMetadata.KeyId
		sb := ok(east.Encrypt(ctx(), &kms.EncryptInput{KeyId: single, Plaintext: []byte("x")})).get(t).CiphertextBlob
		_, err = euw.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: sb})
		wantCode(t, err, "InvalidCiphertextException")
		_, err = east.ReplicateKey(ctx(), &kms.ReplicateKeyInput{KeyId: single, ReplicaRegion: aws.String(west)})
		wantCode(t, err, "UnsupportedOperationException")
	})

	t.Run("replicate errors", func(t *testing.T) {
		_, err := east.ReplicateKey(ctx(), &kms.ReplicateKeyInput{KeyId: &keyID, ReplicaRegion: aws.String(west)})
		wantCode(t, err, "AlreadyExistsException")
		_, err = euw.ReplicateKey(ctx(), &kms.ReplicateKeyInput{KeyId: &keyID, ReplicaRegion: aws.String(south)})
		wantCode(t, err, "UnsupportedOperationException") // a replica cannot be replicated
		_, err = east.ReplicateKey(ctx(), &kms.ReplicateKeyInput{KeyId: &keyID, ReplicaRegion: aws.String(region)})
		wantCode(t, err, "ValidationException")
		_, err = east.ReplicateKey(ctx(), &kms.ReplicateKeyInput{KeyId: &keyID, ReplicaRegion: aws.String("not a region")})
		wantCode(t, err, "ValidationException")
		_, err = east.ReplicateKey(ctx(), &kms.ReplicateKeyInput{KeyId: &keyID, ReplicaRegion: aws.String(south), Policy: aws.String("{}")})
		wantCode(t, err, "MalformedPolicyDocumentException")
	})

	t.Run("per-Region properties", func(t *testing.T) {
		ok(euw.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/west-only"), TargetKeyId: &keyID})).get(t)
		_, err := east.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/west-only")})
		wantCode(t, err, "NotFoundException")
		ok(euw.DisableKey(ctx(), &kms.DisableKeyInput{KeyId: &keyID})).get(t)
		if md := keyState(t, east, keyID); md.KeyState != types.KeyStateEnabled {
			t.Errorf("primary state %s after disabling the replica", md.KeyState)
		}
		_, err = euw.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: ec})
		wantCode(t, err, "DisabledException")
		ok(euw.EnableKey(ctx(), &kms.EnableKeyInput{KeyId: &keyID})).get(t)
		tags := ok(east.ListResourceTags(ctx(), &kms.ListResourceTagsInput{KeyId: &keyID})).get(t).Tags
		if len(tags) != 0 {
			t.Errorf("primary has the replica's tags: %v", tags)
		}
	})

	t.Run("rotation is shared", func(t *testing.T) {
		_, err := euw.EnableKeyRotation(ctx(), &kms.EnableKeyRotationInput{KeyId: &keyID})
		wantCode(t, err, "UnsupportedOperationException")
		_, err = euw.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: &keyID})
		wantCode(t, err, "UnsupportedOperationException")
		ok(east.EnableKeyRotation(ctx(), &kms.EnableKeyRotationInput{KeyId: &keyID})).get(t)
		pst := ok(east.GetKeyRotationStatus(ctx(), &kms.GetKeyRotationStatusInput{KeyId: &keyID})).get(t)
		if st := ok(euw.GetKeyRotationStatus(ctx(), &kms.GetKeyRotationStatusInput{KeyId: &keyID})).get(t); !st.KeyRotationEnabled ||
			st.NextRotationDate == nil || !st.NextRotationDate.Equal(*pst.NextRotationDate) || aws.ToInt32(st.RotationPeriodInDays) != 365 {
			t.Errorf("the replica does not report the primary's rotation status: %+v", st)
		}
		ok(east.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: &keyID})).get(t)
		pe, pw := keyState(t, east, keyID), keyState(t, euw, keyID)
		if aws.ToString(pe.CurrentKeyMaterialId) == "" || aws.ToString(pe.CurrentKeyMaterialId) != aws.ToString(pw.CurrentKeyMaterialId) {
			t.Errorf("CurrentKeyMaterialId: primary %q, replica %q", aws.ToString(pe.CurrentKeyMaterialId), aws.ToString(pw.CurrentKeyMaterialId))
		}
		nb := ok(east.Encrypt(ctx(), &kms.EncryptInput{KeyId: &keyID, Plaintext: []byte("v2")})).get(t).CiphertextBlob
		if got := ok(euw.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: nb})).get(t); string(got.Plaintext) != "v2" || aws.ToString(got.KeyMaterialId) != aws.ToString(pe.CurrentKeyMaterialId) {
			t.Errorf("replica Decrypt after rotation = %q, material %q", got.Plaintext, aws.ToString(got.KeyMaterialId))
		}
		ok(euw.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: ec})).get(t) // version 1 still opens
		if r := ok(euw.ListKeyRotations(ctx(), &kms.ListKeyRotationsInput{KeyId: &keyID})).get(t).Rotations; len(r) != 1 {
			t.Errorf("replica ListKeyRotations: %d rotations, want 1", len(r))
		}
		// Automatic rotation of the primary reaches the replica too.
		e.clock.Advance(366 * day)
		if res, err := e.App.KMS.RunMaintenance(ctx()); err != nil || res.Rotated != 1 {
			t.Fatalf("RunMaintenance = %+v, %v; want the primary (only) rotated", res, err)
		}
		east, euw, aps = e.client(""), e.client(west), e.client(south)
		if r := ok(euw.ListKeyRotations(ctx(), &kms.ListKeyRotationsInput{KeyId: &keyID})).get(t).Rotations; len(r) != 2 {
			t.Errorf("replica ListKeyRotations after automatic rotation: %d, want 2", len(r))
		}
	})

	t.Run("UpdatePrimaryRegion", func(t *testing.T) {
		ok(east.ReplicateKey(ctx(), &kms.ReplicateKeyInput{KeyId: &keyID, ReplicaRegion: aws.String(south)})).get(t)
		_, err := euw.UpdatePrimaryRegion(ctx(), &kms.UpdatePrimaryRegionInput{KeyId: &keyID, PrimaryRegion: aws.String(south)})
		wantCode(t, err, "UnsupportedOperationException") // called on a replica
		_, err = east.UpdatePrimaryRegion(ctx(), &kms.UpdatePrimaryRegionInput{KeyId: &keyID, PrimaryRegion: aws.String("us-west-2")})
		wantCode(t, err, "NotFoundException") // no replica there
		ok(east.UpdatePrimaryRegion(ctx(), &kms.UpdatePrimaryRegionInput{KeyId: &keyID, PrimaryRegion: aws.String(west)})).get(t)
		for _, tc := range []struct {
			c    *kms.Client
			want types.MultiRegionKeyType
		}{{east, types.MultiRegionKeyTypeReplica}, {euw, types.MultiRegionKeyTypePrimary}, {aps, types.MultiRegionKeyTypeReplica}} {
			md, cfg := mrkConfig(t, tc.c, keyID)
			if cfg.MultiRegionKeyType != tc.want || aws.ToString(cfg.PrimaryKey.Region) != west || regionsOf(cfg.ReplicaKeys) != south+","+region {
				t.Errorf("%s: %s, primary %s, replicas %s", aws.ToString(md.Arn), cfg.MultiRegionKeyType, aws.ToString(cfg.PrimaryKey.Region), regionsOf(cfg.ReplicaKeys))
			}
		}
		_, err = east.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: &keyID})
		wantCode(t, err, "UnsupportedOperationException") // now a replica
		ok(euw.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: &keyID})).get(t)
		nb := ok(aps.Encrypt(ctx(), &kms.EncryptInput{KeyId: &keyID, Plaintext: []byte("v4")})).get(t).CiphertextBlob
		ok(east.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: nb})).get(t)
	})

	t.Run("deletion waits for the replicas", func(t *testing.T) {
		sk := ok(euw.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: &keyID, PendingWindowInDays: aws.Int32(7)})).get(t)
		if sk.KeyState != types.KeyStatePendingReplicaDeletion || sk.DeletionDate != nil {
			t.Errorf("ScheduleKeyDeletion of a primary with replicas: %s, DeletionDate %v", sk.KeyState, sk.DeletionDate)
		}
		md := keyState(t, euw, keyID)
		if md.KeyState != types.KeyStatePendingReplicaDeletion || aws.ToInt32(md.PendingDeletionWindowInDays) != 7 {
			t.Errorf("DescribeKey: %s, window %d", md.KeyState, aws.ToInt32(md.PendingDeletionWindowInDays))
		}
		_, err := euw.Encrypt(ctx(), &kms.EncryptInput{KeyId: &keyID, Plaintext: []byte("x")})
		wantCode(t, err, "KMSInvalidStateException")
		_, err = euw.ReplicateKey(ctx(), &kms.ReplicateKeyInput{KeyId: &keyID, ReplicaRegion: aws.String("us-west-2")})
		wantCode(t, err, "KMSInvalidStateException")
		for _, c := range []*kms.Client{east, aps} {
			ok(c.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: &keyID, PendingWindowInDays: aws.Int32(7)})).get(t)
		}
		e.clock.Advance(7*day + time.Minute)
		res, err := e.App.KMS.RunMaintenance(ctx())
		if err != nil || res.Deleted != 2 {
			t.Fatalf("RunMaintenance = %+v, %v; want the 2 replicas deleted", res, err)
		}
		east, euw = e.client(""), e.client(west)
		md, cfg := mrkConfig(t, euw, keyID)
		if md.KeyState != types.KeyStatePendingDeletion || md.DeletionDate == nil || len(cfg.ReplicaKeys) != 0 {
			t.Errorf("primary after its replicas went: %s, DeletionDate %v, replicas %s", md.KeyState, md.DeletionDate, regionsOf(cfg.ReplicaKeys))
		}
		_, err = east.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: &keyID})
		wantCode(t, err, "NotFoundException")
		ok(euw.CancelKeyDeletion(ctx(), &kms.CancelKeyDeletionInput{KeyId: &keyID})).get(t)
		if md := keyState(t, euw, keyID); md.KeyState != types.KeyStateDisabled {
			t.Errorf("after CancelKeyDeletion: %s", md.KeyState)
		}
	})
}

// TestMultiRegionHMACAndAsymmetric: HMAC and asymmetric multi-Region keys
// share their material across Regions.
func TestMultiRegionHMACAndAsymmetric(t *testing.T) {
	e := start(t)
	east, euw := e.client(""), e.client(west)
	msg := []byte("message")

	hk := aws.ToString(ok(east.CreateKey(ctx(), &kms.CreateKeyInput{MultiRegion: aws.Bool(true), KeySpec: types.KeySpecHmac384, KeyUsage: types.KeyUsageTypeGenerateVerifyMac})).get(t).KeyMetadata.KeyId)
	ok(east.ReplicateKey(ctx(), &kms.ReplicateKeyInput{KeyId: &hk, ReplicaRegion: aws.String(west)})).get(t)
	mac := ok(east.GenerateMac(ctx(), &kms.GenerateMacInput{KeyId: &hk, Message: msg, MacAlgorithm: types.MacAlgorithmSpecHmacSha384})).get(t).Mac
	if v := ok(euw.VerifyMac(ctx(), &kms.VerifyMacInput{KeyId: &hk, Message: msg, Mac: mac, MacAlgorithm: types.MacAlgorithmSpecHmacSha384})).get(t); !v.MacValid {
		t.Error("the replica does not verify the primary's MAC")
	}

	for _, spec := range []types.KeySpec{types.KeySpecEccNistP256, types.KeySpecRsa2048} {
		ak := aws.ToString(ok(east.CreateKey(ctx(), &kms.CreateKeyInput{MultiRegion: aws.Bool(true), KeySpec: spec, KeyUsage: types.KeyUsageTypeSignVerify})).get(t).KeyMetadata.KeyId)
		ok(east.ReplicateKey(ctx(), &kms.ReplicateKeyInput{KeyId: &ak, ReplicaRegion: aws.String(west)})).get(t)
		pe := ok(east.GetPublicKey(ctx(), &kms.GetPublicKeyInput{KeyId: &ak})).get(t).PublicKey
		pw := ok(euw.GetPublicKey(ctx(), &kms.GetPublicKeyInput{KeyId: &ak})).get(t).PublicKey
		if _, err := x509.ParsePKIXPublicKey(pe); err != nil || !bytes.Equal(pe, pw) {
			t.Errorf("%s: public keys differ between Regions (%v)", spec, err)
		}
		alg := types.SigningAlgorithmSpecEcdsaSha256
		if spec == types.KeySpecRsa2048 {
			alg = types.SigningAlgorithmSpecRsassaPssSha256
		}
		sig := ok(euw.Sign(ctx(), &kms.SignInput{KeyId: &ak, Message: msg, SigningAlgorithm: alg})).get(t).Signature
		if v := ok(east.Verify(ctx(), &kms.VerifyInput{KeyId: &ak, Message: msg, Signature: sig, SigningAlgorithm: alg})).get(t); !v.SignatureValid {
			t.Errorf("%s: the primary does not verify the replica's signature", spec)
		}
	}
}

// TestMultiRegionImported: Origin EXTERNAL with MultiRegion; the replica is
// created without material and takes the same material only.
func TestMultiRegionImported(t *testing.T) {
	e := start(t)
	east, euw := e.client(""), e.client(west)
	keyID := aws.ToString(ok(east.CreateKey(ctx(), &kms.CreateKeyInput{MultiRegion: aws.Bool(true), Origin: types.OriginTypeExternal})).get(t).KeyMetadata.KeyId)
	material := make([]byte, 32)
	rand.Read(material)
	const alg = types.AlgorithmSpecRsaesOaepSha256
	p, pub := importParams(t, east, keyID, alg, types.WrappingKeySpecRsa2048)
	if _, err := importMaterial(east, keyID, p, pub, alg, material, nil); err != nil {
		t.Fatal(err)
	}
	blob := ok(east.Encrypt(ctx(), &kms.EncryptInput{KeyId: &keyID, Plaintext: []byte("imported mrk")})).get(t).CiphertextBlob
	rep := ok(east.ReplicateKey(ctx(), &kms.ReplicateKeyInput{KeyId: &keyID, ReplicaRegion: aws.String(west)})).get(t)
	if rep.ReplicaKeyMetadata.KeyState != types.KeyStatePendingImport || rep.ReplicaKeyMetadata.Origin != types.OriginTypeExternal {
		t.Fatalf("replica of an imported key: %s, %s; want PendingImport, EXTERNAL", rep.ReplicaKeyMetadata.KeyState, rep.ReplicaKeyMetadata.Origin)
	}
	_, err := euw.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob})
	wantCode(t, err, "KMSInvalidStateException")
	pw, pubw := importParams(t, euw, keyID, alg, types.WrappingKeySpecRsa2048)
	other := make([]byte, 32)
	rand.Read(other)
	_, err = importMaterial(euw, keyID, pw, pubw, alg, other, nil)
	wantCode(t, err, "IncorrectKeyMaterialException")
	if _, err := importMaterial(euw, keyID, pw, pubw, alg, material, nil); err != nil {
		t.Fatalf("importing the primary's material into the replica: %v", err)
	}
	if got := ok(euw.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob})).get(t).Plaintext; string(got) != "imported mrk" {
		t.Errorf("replica Decrypt = %q", got)
	}
	checkMaterialIn(t, euw, west, keyID, material)
}

// checkMaterialIn is checkMaterial for a key in region (a multi-Region
// key's blobs bind no Region).
func checkMaterialIn(t *testing.T, c *kms.Client, region, keyID string, material []byte) {
	t.Helper()
	enc := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: &keyID, Plaintext: []byte("x")})).get(t)
	if !strings.HasPrefix(aws.ToString(enc.KeyId), "arn:aws:kms:"+region+":") {
		t.Errorf("Encrypt KeyId %s", aws.ToString(enc.KeyId))
	}
	sk := mustSymmetric(t, material)
	if pt, err := sk.Open(enc.CiphertextBlob, "", nil); err != nil || string(pt) != "x" {
		t.Errorf("opening the replica's ciphertext with the material (no Region bound): %q, %v", pt, err)
	}
}

// TestMultiRegionAuthorization: ReplicateKey needs kms:ReplicateKey on the
// primary and kms:CreateKey in the replica Region; UpdatePrimaryRegion
// needs kms:UpdatePrimaryRegion on both keys.
func TestMultiRegionAuthorization(t *testing.T) {
	e := start(t)
	east := e.client("")
	keyID := aws.ToString(ok(east.CreateKey(ctx(), &kms.CreateKeyInput{MultiRegion: aws.Bool(true)})).get(t).KeyMetadata.KeyId)
	_, cr := e.newUser(t, rootCreds, "replicator")
	ue, uw := e.kmsAsIn(cr, region), e.kmsAsIn(cr, west)
	keysIn := func(r string) string { return "arn:aws:kms:" + r + ":" + account + ":key/*" }

	e.putUserPolicy(t, rootCreds, "replicator", "p", doc(iamAllow([]string{"kms:ReplicateKey", "kms:DescribeKey"}, keysIn(region))))
	_, err := ue.ReplicateKey(ctx(), &kms.ReplicateKeyInput{KeyId: &keyID, ReplicaRegion: aws.String(west)})
	deniedErr(t, "ReplicateKey without kms:CreateKey in the replica Region", err)

	e.putUserPolicy(t, rootCreds, "replicator", "p", doc(iamAllow([]string{"kms:CreateKey"}),
		stmt{"Effect": "Allow", "Action": []string{"kms:DescribeKey"}, "Resource": "*"}))
	_, err = ue.ReplicateKey(ctx(), &kms.ReplicateKeyInput{KeyId: &keyID, ReplicaRegion: aws.String(west)})
	deniedErr(t, "ReplicateKey without kms:ReplicateKey on the primary", err)

	e.putUserPolicy(t, rootCreds, "replicator", "p", doc(iamAllow([]string{"kms:ReplicateKey"}, keysIn(region)), iamAllow([]string{"kms:CreateKey"})))
	allowed(t, "ReplicateKey with kms:ReplicateKey and kms:CreateKey", func() error {
		_, err := ue.ReplicateKey(ctx(), &kms.ReplicateKeyInput{KeyId: &keyID, ReplicaRegion: aws.String(west)})
		return err
	}())
	_, err = ue.ReplicateKey(ctx(), &kms.ReplicateKeyInput{KeyId: &keyID, ReplicaRegion: aws.String(south), Tags: []types.Tag{{TagKey: aws.String("a"), TagValue: aws.String("b")}}})
	deniedErr(t, "ReplicateKey with Tags but no kms:TagResource", err)

	e.putUserPolicy(t, rootCreds, "replicator", "p", doc(iamAllow([]string{"kms:UpdatePrimaryRegion"}, keysIn(region))))
	_, err = ue.UpdatePrimaryRegion(ctx(), &kms.UpdatePrimaryRegionInput{KeyId: &keyID, PrimaryRegion: aws.String(west)})
	deniedErr(t, "UpdatePrimaryRegion without permission on the replica", err)
	e.putUserPolicy(t, rootCreds, "replicator", "p", doc(iamAllow([]string{"kms:UpdatePrimaryRegion"}, keysIn(region), keysIn(west))))
	allowed(t, "UpdatePrimaryRegion with permission on both keys", func() error {
		_, err := ue.UpdatePrimaryRegion(ctx(), &kms.UpdatePrimaryRegionInput{KeyId: &keyID, PrimaryRegion: aws.String(west)})
		return err
	}())
	_ = uw
}

func mustSymmetric(t *testing.T, material []byte) *keyring.SymmetricKey {
	t.Helper()
	sk, err := keyring.NewSymmetricKey(material)
	if err != nil {
		t.Fatal(err)
	}
	return sk
}
