package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// TestAuthzOperationConditionKeys: the condition keys that KMS derives from
// an operation's parameters reach the policy engine through the real API
// (AWS KMS Developer Guide, conditions-kms: kms:RotationPeriodInDays,
// kms:ScheduleKeyDeletionPendingWindowInDays, kms:RequestAlias).
func TestAuthzOperationConditionKeys(t *testing.T) {
	e := start(t)
	root := e.kmsAs(rootCreds)
	policy := doc(accountStmt(account),
		stmt{"Effect": "Deny", "Principal": "*", "Action": "kms:EnableKeyRotation", "Resource": "*",
			"Condition": map[string]any{"NumericGreaterThan": map[string]any{"kms:RotationPeriodInDays": "365"}}},
		stmt{"Effect": "Deny", "Principal": "*", "Action": "kms:ScheduleKeyDeletion", "Resource": "*",
			"Condition": map[string]any{"NumericLessThan": map[string]any{"kms:ScheduleKeyDeletionPendingWindowInDays": "30"}}},
		stmt{"Effect": "Deny", "Principal": "*", "Action": "kms:Encrypt", "Resource": "*",
			"Condition": map[string]any{"StringEquals": map[string]any{"kms:RequestAlias": "alias/forbidden"}}})
	keyID, _ := newKeyWithPolicy(t, root, policy)
	if _, err := root.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/forbidden"), TargetKeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	_, err := root.EnableKeyRotation(ctx(), &kms.EnableKeyRotationInput{KeyId: aws.String(keyID), RotationPeriodInDays: aws.Int32(400)})
	deniedErr(t, "rotation every 400 days", err)
	_, err = root.EnableKeyRotation(ctx(), &kms.EnableKeyRotationInput{KeyId: aws.String(keyID), RotationPeriodInDays: aws.Int32(180)})
	allowed(t, "rotation every 180 days", err)
	_, err = root.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyID), PendingWindowInDays: aws.Int32(7)})
	deniedErr(t, "deletion in 7 days", err)
	allowed(t, "encrypt by key id", encryptErr(root, keyID, nil))
	deniedErr(t, "encrypt through the forbidden alias", encryptErr(root, "alias/forbidden", nil))
	_, err = root.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyID), PendingWindowInDays: aws.Int32(30)})
	allowed(t, "deletion in 30 days", err)
}
