package kms

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/coffer-kms/coffer/internal/arn"
)

// ConsoleKeyPolicyInput names the principals of a console-style key policy.
type ConsoleKeyPolicyInput struct {
	Account string
	// Admins get the "Allow access for Key Administrators" statement.
	Admins []string
	// Users get "Allow use of the key" and "Allow attachment of persistent
	// resources".
	Users []string
	// KeySpec and KeyUsage choose the usage actions; empty means a
	// symmetric encryption key.
	KeySpec  string
	KeyUsage string
}

// consoleAdminActions is the AWS console's key administrator action list
// (the AWS KMS Developer Guide, "Default key policy": "Allows key
// administrators to administer the KMS key"), with kms:RotateKeyOnDemand
// as current consoles add it.
var consoleAdminActions = []string{"kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*",
	"kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
	"kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand"}

// consoleUseActions returns the console's "Allow use of the key" actions
// for a key type (same guide, "Allows key users to use the KMS key").
func consoleUseActions(spec, usage string) []string {
	switch {
	case strings.HasPrefix(spec, "HMAC_"):
		return []string{"kms:DescribeKey", "kms:GenerateMac", "kms:VerifyMac"}
	case usage == "SIGN_VERIFY":
		return []string{"kms:DescribeKey", "kms:GetPublicKey", "kms:Sign", "kms:Verify"}
	case spec != "" && spec != SpecSymmetricDefault && usage == UsageEncryptDecrypt:
		return []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:DescribeKey", "kms:GetPublicKey"}
	case usage == "KEY_AGREEMENT":
		return []string{"kms:DescribeKey", "kms:GetPublicKey", "kms:DeriveSharedSecret"}
	default:
		return []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"}
	}
}

// ConsoleKeyPolicy returns the key policy the AWS console generates for
// the given key administrators and key users: "Enable IAM User
// Permissions", "Allow access for Key Administrators", "Allow use of the
// key" and "Allow attachment of persistent resources" (the last not for
// HMAC keys), with the console's exact action lists. Statements whose
// principal list is empty are left out, as the console does.
func ConsoleKeyPolicy(in ConsoleKeyPolicyInput) (string, error) {
	if !arn.ValidAccountID(in.Account) {
		return "", fmt.Errorf("account %q is not a 12-digit account id", in.Account)
	}
	for _, p := range append(append([]string{}, in.Admins...), in.Users...) {
		if _, err := arn.Parse(p); err != nil {
			return "", fmt.Errorf("principal %q is not an ARN", p)
		}
	}
	type principal struct {
		AWS any `json:"AWS"`
	}
	type statement struct {
		Sid       string         `json:"Sid"`
		Effect    string         `json:"Effect"`
		Principal principal      `json:"Principal"`
		Action    any            `json:"Action"`
		Resource  string         `json:"Resource"`
		Condition map[string]any `json:"Condition,omitempty"`
	}
	one := func(list []string) any {
		if len(list) == 1 {
			return list[0]
		}
		return list
	}
	doc := struct {
		Version   string      `json:"Version"`
		ID        string      `json:"Id"`
		Statement []statement `json:"Statement"`
	}{Version: "2012-10-17", ID: "key-consolepolicy-3"}
	doc.Statement = append(doc.Statement, statement{Sid: "Enable IAM User Permissions", Effect: "Allow",
		Principal: principal{arn.AccountRoot(in.Account)}, Action: "kms:*", Resource: "*"})
	if len(in.Admins) > 0 {
		doc.Statement = append(doc.Statement, statement{Sid: "Allow access for Key Administrators", Effect: "Allow",
			Principal: principal{one(in.Admins)}, Action: consoleAdminActions, Resource: "*"})
	}
	if len(in.Users) > 0 {
		doc.Statement = append(doc.Statement, statement{Sid: "Allow use of the key", Effect: "Allow",
			Principal: principal{one(in.Users)}, Action: consoleUseActions(in.KeySpec, in.KeyUsage), Resource: "*"})
		if !strings.HasPrefix(in.KeySpec, "HMAC_") {
			doc.Statement = append(doc.Statement, statement{Sid: "Allow attachment of persistent resources", Effect: "Allow",
				Principal: principal{one(in.Users)}, Action: []string{"kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"},
				Resource: "*", Condition: map[string]any{"Bool": map[string]bool{"kms:GrantIsForAWSResource": true}}})
		}
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return "", err
	}
	return string(b), nil
}
