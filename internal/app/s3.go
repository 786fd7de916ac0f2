package app

import (
	"context"
	"fmt"

	"github.com/coffer-kms/coffer/internal/authz"
	"github.com/coffer-kms/coffer/internal/kms"
	"github.com/coffer-kms/coffer/internal/policy"
	"github.com/coffer-kms/coffer/internal/s3"
)

// s3Keys adapts the KMS service to what S3 needs (s3.KeyService): calls
// run as the S3 caller, with kms:ViaService naming S3 in the bucket's
// region, as AWS S3 calls KMS.
type s3Keys struct{ kms *kms.Service }

var _ s3.KeyService = s3Keys{}

func viaS3(c s3.Caller, region string) kms.Caller {
	return kms.Caller{Account: c.Account, Region: region, PrincipalARN: c.PrincipalARN, UserID: c.UserID,
		AccessKeyID: c.AccessKeyID, PrincipalType: c.PrincipalType, UserName: c.UserName, RoleARN: c.RoleARN,
		SourceIP: c.SourceIP, SecureTransport: c.SecureTransport, ViaService: "s3." + region + ".amazonaws.com"}
}

func (k s3Keys) GenerateDataKey(ctx context.Context, c s3.Caller, region, keyID string, encCtx map[string]string) ([]byte, []byte, string, error) {
	if keyID == "" {
		key, err := k.kms.EnsureManagedKey(ctx, c.Account, region, "s3")
		if err != nil {
			return nil, nil, "", err
		}
		keyID = fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", key.Ref.Region, key.Ref.Account, key.Ref.KeyID)
	}
	out, err := k.kms.GenerateDataKey(ctx, viaS3(c, region), &kms.GenerateDataKeyInput{KeyId: keyID, KeySpec: "AES_256", EncryptionContext: encCtx})
	if err != nil {
		return nil, nil, "", err
	}
	return out.Plaintext, out.CiphertextBlob, out.KeyId, nil
}

func (k s3Keys) Decrypt(ctx context.Context, c s3.Caller, region, keyARN string, ciphertext []byte, encCtx map[string]string) ([]byte, error) {
	out, err := k.kms.Decrypt(ctx, viaS3(c, region), &kms.DecryptInput{KeyId: keyARN, CiphertextBlob: ciphertext, EncryptionContext: encCtx})
	if err != nil {
		return nil, err
	}
	return out.Plaintext, nil
}

func (k s3Keys) SealWithOwnedKey(ctx context.Context, region string, plaintext []byte, encCtx map[string]string) ([]byte, error) {
	return k.kms.SealWithOwnedKey(ctx, region, "s3", plaintext, encCtx)
}

func (k s3Keys) OpenWithOwnedKey(ctx context.Context, region string, ciphertext []byte, encCtx map[string]string) ([]byte, error) {
	return k.kms.OpenWithOwnedKey(ctx, region, "s3", ciphertext, encCtx)
}

// s3Authorizer judges S3 actions by the caller's identity policies with
// the policy engine the KMS uses; the bucket policy is judged by the S3
// service itself (s3.Service.authorize), which combines the two.
type s3Authorizer struct{ a *authz.Authorizer }

func (sa s3Authorizer) DecideS3(ctx context.Context, c s3.Caller, action, resource string, cond map[string][]string) (policy.Decision, error) {
	d, err := sa.a.Decide(ctx, &kms.AuthzRequest{Caller: viaS3(c, c.Region), Action: action, Resource: resource, Context: cond})
	if err != nil {
		return policy.NotApplicable, err
	}
	return d.Identity, nil
}
