package e2e

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// TestImportAndMultiRegionPostgres runs imported material (with expiry by
// the maintenance loop) and a multi-Region key across Regions on the
// PostgreSQL store (migration 0006, DeleteMaterials, ListKeysDue).
func TestImportAndMultiRegionPostgres(t *testing.T) {
	e := startOn(t, t.TempDir(), pgStore(t), newClock())
	east, euw := e.client(""), e.client(west)

	keyID := aws.ToString(ok(east.CreateKey(ctx(), &kms.CreateKeyInput{MultiRegion: aws.Bool(true), Origin: types.OriginTypeExternal})).get(t).KeyMetadata.KeyId)
	material := make([]byte, 32)
	rand.Read(material)
	const alg = types.AlgorithmSpecRsaAesKeyWrapSha256
	p, pub := importParams(t, east, keyID, alg, types.WrappingKeySpecRsa2048)
	validTo := e.clock.Now().Add(time.Hour)
	if _, err := importMaterial(east, keyID, p, pub, alg, material, &validTo); err != nil {
		t.Fatal(err)
	}
	checkMaterial(t, east, keyID, material)
	ok(east.ReplicateKey(ctx(), &kms.ReplicateKeyInput{KeyId: &keyID, ReplicaRegion: aws.String(west)})).get(t)
	pw, pubw := importParams(t, euw, keyID, alg, types.WrappingKeySpecRsa2048)
	if _, err := importMaterial(euw, keyID, pw, pubw, alg, material, nil); err != nil {
		t.Fatal(err)
	}
	blob := ok(east.Encrypt(ctx(), &kms.EncryptInput{KeyId: &keyID, Plaintext: []byte("pg")})).get(t).CiphertextBlob
	if got := ok(euw.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob})).get(t).Plaintext; string(got) != "pg" {
		t.Fatalf("eu-west-1 Decrypt = %q", got)
	}

	e.clock.Advance(time.Hour + time.Second)
	east, euw = e.client(""), e.client(west)
	res, err := e.App.KMS.RunMaintenance(ctx())
	if err != nil || res.Expired != 1 {
		t.Fatalf("RunMaintenance = %+v, %v; want the primary's material expired", res, err)
	}
	if md := keyState(t, east, keyID); md.KeyState != types.KeyStatePendingImport {
		t.Errorf("primary after expiry: %s", md.KeyState)
	}
	// The replica's material does not expire: it still decrypts.
	ok(euw.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob})).get(t)

	ok(east.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: &keyID, PendingWindowInDays: aws.Int32(7)})).get(t)
	if md := keyState(t, east, keyID); md.KeyState != types.KeyStatePendingReplicaDeletion {
		t.Errorf("primary with a replica scheduled for deletion: %s", md.KeyState)
	}
	ok(euw.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: &keyID, PendingWindowInDays: aws.Int32(7)})).get(t)
	e.clock.Advance(7*day + time.Minute)
	east = e.client("")
	if res, err := e.App.KMS.RunMaintenance(ctx()); err != nil || res.Deleted != 1 {
		t.Fatalf("RunMaintenance = %+v, %v; want the replica deleted", res, err)
	}
	if md := keyState(t, east, keyID); md.KeyState != types.KeyStatePendingDeletion || md.DeletionDate == nil {
		t.Errorf("primary after its replica was deleted: %s, %v", md.KeyState, md.DeletionDate)
	}
}
