package e2e

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

const day = 24 * time.Hour

// TestRestartPersistence: what was created survives closing the app and
// opening it again on the same data dir, and old ciphertexts decrypt.
func TestRestartPersistence(t *testing.T) {
	e := start(t)
	c := e.client("")
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"Persist","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`
	k := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{Description: aws.String("persistent"), Policy: aws.String(policy),
		Tags: []types.Tag{{TagKey: aws.String("team"), TagValue: aws.String("cats")}}})).get(t).KeyMetadata
	ok(c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/persist"), TargetKeyId: k.KeyId})).get(t)
	ok(c.TagResource(ctx(), &kms.TagResourceInput{KeyId: k.KeyId, Tags: []types.Tag{{TagKey: aws.String("env"), TagValue: aws.String("e2e")}}})).get(t)
	ok(c.EnableKeyRotation(ctx(), &kms.EnableKeyRotationInput{KeyId: k.KeyId, RotationPeriodInDays: aws.Int32(100)})).get(t)
	ec := map[string]string{"file": "battleplans.txt"}
	before := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String("alias/persist"), Plaintext: []byte("v1 secret"), EncryptionContext: ec})).get(t)
	ok(c.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: k.KeyId})).get(t)
	after := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("v2 secret")})).get(t)
	dk := ok(c.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: k.KeyId, KeySpec: types.DataKeySpecAes256})).get(t)
	disabled := createKey(t, c, "disabled")
	ok(c.DisableKey(ctx(), &kms.DisableKeyInput{KeyId: disabled.KeyId})).get(t)
	pending := createKey(t, c, "pending")
	sched := ok(c.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: pending.KeyId, PendingWindowInDays: aws.Int32(10)})).get(t)
	euw1 := e.client("eu-west-1")
	ke := createKey(t, euw1, "ireland")
	ok(euw1.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/persist"), TargetKeyId: ke.KeyId})).get(t)
	keysBefore := ok(c.ListKeys(ctx(), &kms.ListKeysInput{})).get(t).Keys

	e.restart()
	c = e.client("")
	euw1 = e.client("eu-west-1")

	t.Run("Keys", func(t *testing.T) {
		keys := ok(c.ListKeys(ctx(), &kms.ListKeysInput{})).get(t).Keys
		if len(keys) != len(keysBefore) {
			t.Errorf("%d keys after restart, %d before", len(keys), len(keysBefore))
		}
		md := ok(c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: k.KeyId})).get(t).KeyMetadata
		if aws.ToString(md.Description) != "persistent" || md.KeyState != types.KeyStateEnabled || !md.CreationDate.Equal(*k.CreationDate) {
			t.Errorf("metadata after restart: %q %s %v (was %v)", aws.ToString(md.Description), md.KeyState, md.CreationDate, k.CreationDate)
		}
		if st := ok(c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: disabled.KeyId})).get(t).KeyMetadata.KeyState; st != types.KeyStateDisabled {
			t.Errorf("disabled key is %s", st)
		}
		p := ok(c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: pending.KeyId})).get(t).KeyMetadata
		if p.KeyState != types.KeyStatePendingDeletion || p.DeletionDate == nil || !p.DeletionDate.Equal(*sched.DeletionDate) {
			t.Errorf("pending key: %s %v (scheduled %v)", p.KeyState, p.DeletionDate, sched.DeletionDate)
		}
	})
	t.Run("AliasesTagsPolicy", func(t *testing.T) {
		d := ok(c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/persist")})).get(t)
		if aws.ToString(d.KeyMetadata.KeyId) != aws.ToString(k.KeyId) {
			t.Errorf("alias/persist -> %s", aws.ToString(d.KeyMetadata.KeyId))
		}
		d = ok(euw1.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/persist")})).get(t)
		if aws.ToString(d.KeyMetadata.KeyId) != aws.ToString(ke.KeyId) {
			t.Errorf("eu-west-1 alias/persist -> %s", aws.ToString(d.KeyMetadata.KeyId))
		}
		_, err := c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/persist"), TargetKeyId: disabled.KeyId})
		wantCode(t, err, "AlreadyExistsException")
		tags := tagMap(t, c, k.KeyId)
		if len(tags) != 2 || tags["team"] != "cats" || tags["env"] != "e2e" {
			t.Errorf("tags %v", tags)
		}
		pol := ok(c.GetKeyPolicy(ctx(), &kms.GetKeyPolicyInput{KeyId: k.KeyId})).get(t)
		if aws.ToString(pol.Policy) != policy {
			t.Errorf("policy %s", aws.ToString(pol.Policy))
		}
	})
	t.Run("Rotation", func(t *testing.T) {
		st := ok(c.GetKeyRotationStatus(ctx(), &kms.GetKeyRotationStatusInput{KeyId: k.KeyId})).get(t)
		if !st.KeyRotationEnabled || aws.ToInt32(st.RotationPeriodInDays) != 100 {
			t.Errorf("rotation %v period %d", st.KeyRotationEnabled, aws.ToInt32(st.RotationPeriodInDays))
		}
		rots := ok(c.ListKeyRotations(ctx(), &kms.ListKeyRotationsInput{KeyId: k.KeyId})).get(t)
		if len(rots.Rotations) != 1 || rots.Rotations[0].RotationType != types.RotationTypeOnDemand {
			t.Errorf("rotations %+v", rots.Rotations)
		}
	})
	t.Run("Ciphertexts", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			blob []byte
			ec   map[string]string
			want []byte
		}{
			{"before rotation", before.CiphertextBlob, ec, []byte("v1 secret")},
			{"after rotation", after.CiphertextBlob, nil, []byte("v2 secret")},
			{"data key", dk.CiphertextBlob, nil, dk.Plaintext},
		} {
			dec := ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: tc.blob, EncryptionContext: tc.ec})).get(t)
			if string(dec.Plaintext) != string(tc.want) {
				t.Errorf("%s: decrypted %q", tc.name, dec.Plaintext)
			}
		}
		// New work after the restart.
		enc := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("new")})).get(t)
		ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})).get(t)
		createKey(t, c, "after restart")
	})
}

// TestAutomaticRotation: with an injected clock, RunMaintenance rotates a
// key when NextRotationDate has passed, not before; old ciphertexts still
// decrypt.
func TestAutomaticRotation(t *testing.T) {
	e := start(t)
	c := e.client("")
	k := createKey(t, c, "auto")
	other := createKey(t, c, "no rotation")
	ok(c.EnableKeyRotation(ctx(), &kms.EnableKeyRotationInput{KeyId: k.KeyId, RotationPeriodInDays: aws.Int32(90)})).get(t)
	st := ok(c.GetKeyRotationStatus(ctx(), &kms.GetKeyRotationStatusInput{KeyId: k.KeyId})).get(t)
	next := *st.NextRotationDate
	if want := e.clock.Now().Add(90 * day); next.Sub(want).Abs() > 2*time.Second {
		t.Errorf("NextRotationDate %v, want %v", next, want)
	}
	v1 := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("generation 1")})).get(t)

	e.clock.Advance(89 * day)
	res, err := e.App.KMS.RunMaintenance(ctx())
	if err != nil || res.Rotated != 0 || res.Deleted != 0 {
		t.Fatalf("day 89: RunMaintenance = %+v, %v; want nothing done", res, err)
	}
	c = e.client("")
	if n := len(ok(c.ListKeyRotations(ctx(), &kms.ListKeyRotationsInput{KeyId: k.KeyId})).get(t).Rotations); n != 0 {
		t.Errorf("day 89: %d rotations", n)
	}

	e.clock.Advance(day + time.Minute)
	res, err = e.App.KMS.RunMaintenance(ctx())
	if err != nil || res.Rotated != 1 {
		t.Fatalf("day 90: RunMaintenance = %+v, %v; want 1 rotation", res, err)
	}
	rots := ok(c.ListKeyRotations(ctx(), &kms.ListKeyRotationsInput{KeyId: k.KeyId})).get(t).Rotations
	if len(rots) != 1 {
		t.Fatalf("ListKeyRotations: %d rotations, want 1", len(rots))
	}
	if rots[0].RotationType != types.RotationTypeAutomatic {
		t.Errorf("RotationType %s, want AUTOMATIC", rots[0].RotationType)
	}
	if rots[0].RotationDate == nil || rots[0].RotationDate.Sub(e.clock.Now()).Abs() > 2*time.Second {
		t.Errorf("RotationDate %v, want %v", rots[0].RotationDate, e.clock.Now())
	}
	if n := len(ok(c.ListKeyRotations(ctx(), &kms.ListKeyRotationsInput{KeyId: other.KeyId})).get(t).Rotations); n != 0 {
		t.Errorf("a key without rotation was rotated (%d)", n)
	}
	st = ok(c.GetKeyRotationStatus(ctx(), &kms.GetKeyRotationStatusInput{KeyId: k.KeyId})).get(t)
	if want := e.clock.Now().Add(90 * day); st.NextRotationDate == nil || st.NextRotationDate.Sub(want).Abs() > 2*time.Second {
		t.Errorf("next NextRotationDate %v, want %v", st.NextRotationDate, want)
	}
	// A second pass at the same time does nothing more.
	if res, err := e.App.KMS.RunMaintenance(ctx()); err != nil || res.Rotated != 0 {
		t.Errorf("second pass: %+v, %v", res, err)
	}
	v2 := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("generation 2")})).get(t)
	for want, blob := range map[string][]byte{"generation 1": v1.CiphertextBlob, "generation 2": v2.CiphertextBlob} {
		dec := ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob})).get(t)
		if string(dec.Plaintext) != want {
			t.Errorf("decrypted %q, want %q", dec.Plaintext, want)
		}
	}
	// A disabled key is not rotated when due.
	ok(c.DisableKey(ctx(), &kms.DisableKeyInput{KeyId: k.KeyId})).get(t)
	e.clock.Advance(91 * day)
	if res, err := e.App.KMS.RunMaintenance(ctx()); err != nil || res.Rotated != 0 {
		t.Errorf("disabled key due: %+v, %v", res, err)
	}
	// And old ciphertexts still decrypt after another rotation.
	ok(c.EnableKey(ctx(), &kms.EnableKeyInput{KeyId: k.KeyId})).get(t)
	if res, err := e.App.KMS.RunMaintenance(ctx()); err != nil || res.Rotated != 1 {
		t.Errorf("re-enabled key due: %+v, %v", res, err)
	}
	ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: v1.CiphertextBlob})).get(t)
	ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: v2.CiphertextBlob})).get(t)
}

// TestDeletionWindow: a key scheduled for deletion in 7 days is kept by
// RunMaintenance on day 6 and destroyed after day 7, with its aliases.
func TestDeletionWindow(t *testing.T) {
	e := start(t)
	c := e.client("")
	k := createKey(t, c, "doomed")
	keep := createKey(t, c, "reprieved")
	ok(c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/doomed"), TargetKeyId: k.KeyId})).get(t)
	ok(c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/doomed-2"), TargetKeyId: k.KeyId})).get(t)
	ok(c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/reprieved"), TargetKeyId: keep.KeyId})).get(t)
	blob := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("last words")})).get(t).CiphertextBlob
	keepBlob := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: keep.KeyId, Plaintext: []byte("still here")})).get(t).CiphertextBlob

	scheduledAt := e.clock.Now()
	out := ok(c.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: k.KeyId, PendingWindowInDays: aws.Int32(7)})).get(t)
	wantDate := scheduledAt.Add(7 * day)
	if out.DeletionDate == nil || out.DeletionDate.Sub(wantDate).Abs() > time.Second {
		t.Errorf("DeletionDate %v, want %v", out.DeletionDate, wantDate)
	}
	ok(c.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: keep.KeyId, PendingWindowInDays: aws.Int32(7)})).get(t)

	e.clock.Advance(6 * day)
	c = e.client("")
	res, err := e.App.KMS.RunMaintenance(ctx())
	if err != nil || res.Deleted != 0 {
		t.Fatalf("day 6: RunMaintenance = %+v, %v; want nothing deleted", res, err)
	}
	md := ok(c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: k.KeyId})).get(t).KeyMetadata
	if md.KeyState != types.KeyStatePendingDeletion || md.DeletionDate == nil || md.DeletionDate.Sub(wantDate).Abs() > time.Second {
		t.Errorf("day 6: state %s DeletionDate %v (want %v)", md.KeyState, md.DeletionDate, wantDate)
	}
	// The alias still resolves while the key is pending deletion.
	ok(c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/doomed")})).get(t)
	// A reprieve: cancelled keys survive the window.
	ok(c.CancelKeyDeletion(ctx(), &kms.CancelKeyDeletionInput{KeyId: keep.KeyId})).get(t)
	ok(c.EnableKey(ctx(), &kms.EnableKeyInput{KeyId: keep.KeyId})).get(t)

	e.clock.Advance(day + time.Minute)
	c = e.client("")
	res, err = e.App.KMS.RunMaintenance(ctx())
	if err != nil || res.Deleted != 1 {
		t.Fatalf("day 7: RunMaintenance = %+v, %v; want 1 deleted", res, err)
	}

	t.Run("DescribeKey", func(t *testing.T) {
		for _, id := range []*string{k.KeyId, k.Arn} {
			_, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: id})
			wantCode(t, err, "NotFoundException")
		}
		_, err := c.CancelKeyDeletion(ctx(), &kms.CancelKeyDeletionInput{KeyId: k.KeyId})
		wantCode(t, err, "NotFoundException")
	})
	t.Run("NotListed", func(t *testing.T) {
		for _, kk := range ok(c.ListKeys(ctx(), &kms.ListKeysInput{})).get(t).Keys {
			if aws.ToString(kk.KeyId) == aws.ToString(k.KeyId) {
				t.Error("deleted key still listed")
			}
		}
	})
	t.Run("AliasesGone", func(t *testing.T) {
		for _, a := range ok(c.ListAliases(ctx(), &kms.ListAliasesInput{})).get(t).Aliases {
			if n := aws.ToString(a.AliasName); n == "alias/doomed" || n == "alias/doomed-2" {
				t.Errorf("alias %s of the deleted key still listed (target %s)", n, aws.ToString(a.TargetKeyId))
			}
		}
		_, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/doomed")})
		wantCode(t, err, "NotFoundException")
		// The name is free again.
		ok(c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/doomed"), TargetKeyId: keep.KeyId})).get(t)
	})
	t.Run("CiphertextUnrecoverable", func(t *testing.T) {
		_, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob})
		// AWS: the key no longer exists, so the blob cannot be decrypted;
		// Coffer answers with its one opaque ciphertext error.
		msg := wantCode(t, err, "InvalidCiphertextException")
		t.Logf("Decrypt of the deleted key's ciphertext: %v (%s)", errCode(err), msg)
	})
	t.Run("ReprievedKeyWorks", func(t *testing.T) {
		md := ok(c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/reprieved")})).get(t).KeyMetadata
		if md.KeyState != types.KeyStateEnabled {
			t.Errorf("reprieved key %s", md.KeyState)
		}
		dec := ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: keepBlob})).get(t)
		if string(dec.Plaintext) != "still here" {
			t.Errorf("decrypted %q", dec.Plaintext)
		}
	})
	t.Run("StillGoneAfterRestart", func(t *testing.T) {
		e.restart()
		c := e.client("")
		_, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: k.KeyId})
		wantCode(t, err, "NotFoundException")
		_, err = c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob})
		wantCode(t, err, "InvalidCiphertextException")
	})
}
