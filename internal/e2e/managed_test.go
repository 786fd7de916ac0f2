package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	coffkms "github.com/coffer-kms/coffer/internal/kms"
)

// TestAWSManagedKey: the aws/s3 key an integrated service creates on first
// use (AWS KMS Developer Guide, "AWS managed keys"; S3: "Amazon S3
// automatically creates an AWS KMS key (aws/s3) ... the first time that you
// add an object encrypted with SSE-KMS"). It is usable only through the
// service (kms:ViaService), visible to the account, and not manageable.
func TestAWSManagedKey(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	k1, err := e.App.KMS.EnsureManagedKey(ctx, account, "us-east-1", "s3")
	if err != nil {
		t.Fatal(err)
	}
	k2, err := e.App.KMS.EnsureManagedKey(ctx, account, "us-east-1", "s3")
	if err != nil || k2.Ref != k1.Ref {
		t.Fatalf("second EnsureManagedKey: %v, %v", k2.Ref, err)
	}
	root := e.kmsAs(rootCreds)
	d, err := root.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/s3")})
	if err != nil {
		t.Fatal(err)
	}
	if string(d.KeyMetadata.KeyManager) != "AWS" || !strings.Contains(aws.ToString(d.KeyMetadata.Description), "S3 objects") {
		t.Fatalf("metadata %+v", d.KeyMetadata)
	}
	st, err := root.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: d.KeyMetadata.KeyId})
	if err != nil || !st.KeyRotationEnabled {
		t.Fatalf("rotation %+v %v", st, err)
	}
	// Direct use is denied: the policy requires kms:ViaService.
	deniedErr(t, "direct Encrypt with aws/s3", encryptErr(root, "alias/aws/s3", nil))
	// Through S3, as the calling principal, it works.
	caller := coffkms.Caller{Account: account, Region: "us-east-1", PrincipalARN: rootARN(account), UserID: account,
		PrincipalType: "Account", ViaService: "s3.us-east-1.amazonaws.com"}
	out, err := e.App.KMS.GenerateDataKey(ctx, caller, &coffkms.GenerateDataKeyInput{KeyId: "alias/aws/s3", KeySpec: "AES_256",
		EncryptionContext: map[string]string{"aws:s3:arn": "arn:aws:s3:::bucket/key"}})
	if err != nil || len(out.Plaintext) != 32 {
		t.Fatalf("GenerateDataKey via S3: %v", err)
	}
	other := caller
	other.ViaService = "s3.eu-west-1.amazonaws.com"
	if _, err := e.App.KMS.GenerateDataKey(ctx, other, &coffkms.GenerateDataKeyInput{KeyId: "alias/aws/s3", KeySpec: "AES_256"}); err == nil {
		t.Fatal("another region's S3 could use the key")
	}
	// The account cannot manage it.
	for name, call := range map[string]func() error{
		"DisableKeyRotation": func() error {
			_, err := root.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: d.KeyMetadata.KeyId})
			return err
		},
		"ScheduleKeyDeletion": func() error {
			_, err := root.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: d.KeyMetadata.KeyId})
			return err
		},
		"DisableKey": func() error {
			_, err := root.DisableKey(ctx, &kms.DisableKeyInput{KeyId: d.KeyMetadata.KeyId})
			return err
		},
		"RotateKeyOnDemand": func() error {
			_, err := root.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: d.KeyMetadata.KeyId})
			return err
		},
		"PutKeyPolicy": func() error {
			_, err := root.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: d.KeyMetadata.KeyId, PolicyName: aws.String("default"),
				Policy: aws.String(doc(accountStmt(account)))})
			return err
		},
	} {
		if code := errCode(call()); code != "UnsupportedOperationException" && code != "AccessDeniedException" {
			t.Errorf("%s on the AWS managed key: got %q", name, code)
		}
	}
}

// TestAWSOwnedKey: S3's own key for SSE-S3 lives in KMS, is created on
// first use per region, is invisible and unusable through the API, and
// binds its encryption context.
func TestAWSOwnedKey(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	objKey := []byte("0123456789abcdef0123456789abcdef")
	ec := map[string]string{"aws:s3:arn": "arn:aws:s3:::bucket/key"}
	sealed, err := e.App.KMS.SealWithOwnedKey(ctx, "us-east-1", "s3", objKey, ec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.App.KMS.OpenWithOwnedKey(ctx, "us-east-1", "s3", sealed, ec)
	if err != nil || string(got) != string(objKey) {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := e.App.KMS.OpenWithOwnedKey(ctx, "us-east-1", "s3", sealed, map[string]string{"aws:s3:arn": "arn:aws:s3:::bucket/other"}); err == nil {
		t.Fatal("opened with another object's context")
	}
	if _, err := e.App.KMS.OpenWithOwnedKey(ctx, "eu-west-1", "s3", sealed, ec); err == nil {
		t.Fatal("opened in another region")
	}
	root := e.kmsAs(rootCreds)
	// Invisible to the account, and a customer cannot decrypt with it.
	keys, err := root.ListKeys(ctx, &kms.ListKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys.Keys) != 0 {
		t.Fatalf("the account sees %d keys", len(keys.Keys))
	}
	_, err = root.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: sealed, EncryptionContext: ec})
	if code := errCode(err); code != "InvalidCiphertextException" && code != "AccessDeniedException" {
		t.Fatalf("customer Decrypt of an owned-key blob: %q", code)
	}
}
