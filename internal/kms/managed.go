package kms

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/coffer-kms/coffer/internal/arn"
	"github.com/coffer-kms/coffer/internal/keyring"
	"github.com/coffer-kms/coffer/internal/store"
)

// ManagerAWS marks AWS managed keys: created by an integrated service for
// an account (alias/aws/SERVICE), used through that service only, and not
// manageable by the account.
const ManagerAWS = "AWS"

// managedKeyDescriptions are the descriptions AWS gives its managed keys.
var managedKeyDescriptions = map[string]string{
	"s3": "Default key that protects my S3 objects when no other key is defined",
}

// managedKeyPolicy is the key policy of an AWS managed key: use only
// through the service, by principals of the account, and read-only
// metadata access for the account (the policy AWS attaches to aws/s3).
func managedKeyPolicy(account, region, service string) string {
	return `{
  "Version" : "2012-10-17",
  "Id" : "auto-` + service + `-2",
  "Statement" : [ {
    "Sid" : "Allow access through ` + strings.ToUpper(service) + ` for all principals in the account that are authorized to use ` + strings.ToUpper(service) + `",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "*"
    },
    "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey" ],
    "Resource" : "*",
    "Condition" : {
      "StringEquals" : {
        "kms:CallerAccount" : "` + account + `",
        "kms:ViaService" : "` + service + `.` + region + `.amazonaws.com"
      }
    }
  }, {
    "Sid" : "Allow direct access to key metadata to the account",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "` + arn.AccountRoot(account) + `"
    },
    "Action" : [ "kms:Describe*", "kms:Get*", "kms:List*" ],
    "Resource" : "*"
  } ]
}`
}

// EnsureManagedKey returns the AWS managed key of an integrated service
// (alias/aws/SERVICE, e.g. aws/s3) in an account and region, creating it on
// first use as AWS does: KeyManager AWS, automatic rotation every year, the
// service's key policy. Concurrent first uses create one key.
func (s *Service) EnsureManagedKey(ctx context.Context, account, region, service string) (store.Key, error) {
	desc, ok := managedKeyDescriptions[service]
	if !ok {
		return store.Key{}, fmt.Errorf("kms: no AWS managed key is defined for service %q", service)
	}
	return s.ensureServiceKey(ctx, account, region, "alias/aws/"+service, desc, managedKeyPolicy(account, region, service))
}

// ensureServiceKey finds the key an internal alias names, or creates it: a
// symmetric key managed by AWS, rotated every year.
func (s *Service) ensureServiceKey(ctx context.Context, account, region, aliasName, desc, policy string) (store.Key, error) {
	if id, err := s.aliasTarget(ctx, account, region, aliasName); err == nil {
		return s.loadKey(ctx, store.KeyRef{Account: account, Region: region, KeyID: id})
	}
	keyID, err := newKeyID(s.rand)
	if err != nil {
		return store.Key{}, errInternal(err)
	}
	ref := store.KeyRef{Account: account, Region: region, KeyID: keyID}
	mat, err := s.newMaterial(ctx, ref, SpecSymmetricDefault, 1, "")
	if err != nil {
		return store.Key{}, errInternal(err)
	}
	now := s.now().UTC()
	k := store.Key{Ref: ref, CreationDate: now, Description: desc, KeySpec: SpecSymmetricDefault, KeyUsage: UsageEncryptDecrypt,
		Origin: OriginAWSKMS, KeyManager: ManagerAWS, State: StateEnabled, Policy: policy,
		CurrentVersion: 1, RotationEnabled: true, RotationPeriodDays: defaultRotationDays,
		NextRotation: now.Add(time.Duration(defaultRotationDays) * 24 * time.Hour)}
	var got store.Key
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		a, err := tx.GetAlias(ctx, account, region, aliasName)
		if err == nil {
			got, err = txKey(ctx, tx, store.KeyRef{Account: account, Region: region, KeyID: a.TargetKeyID})
			return err
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := tx.CreateKey(ctx, k); err != nil {
			return err
		}
		if err := tx.AddMaterial(ctx, mat); err != nil {
			return err
		}
		got = k
		return tx.CreateAlias(ctx, store.Alias{Account: account, Region: region, Name: aliasName, TargetKeyID: keyID, CreatedAt: now, UpdatedAt: now})
	})
	if err != nil {
		return store.Key{}, err
	}
	return got, nil
}

// OwnedKeyAccount is the account that holds AWS owned keys: the keys an
// integrated service uses for itself (S3's key for SSE-S3), invisible to
// every customer account.
const OwnedKeyAccount = arn.ServiceAccount

// ownedKeyPolicy lets no principal use an owned key through the API; only
// the service, through SealWithOwnedKey and OpenWithOwnedKey, does.
const ownedKeyPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"AWS owned key: used by its service only","Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*"}]}`

// SealWithOwnedKey encrypts a small secret (an object key, at most 4096
// bytes) under the AWS owned key of a service in a region, creating that
// key on first use. The key is rotated every year like any other; old
// versions keep decrypting. encCtx is bound as associated data.
func (s *Service) SealWithOwnedKey(ctx context.Context, region, service string, plaintext []byte, encCtx map[string]string) ([]byte, error) {
	if len(plaintext) == 0 || len(plaintext) > 4096 {
		return nil, fmt.Errorf("kms: owned-key plaintext must be 1..4096 bytes, not %d", len(plaintext))
	}
	k, err := s.ensureServiceKey(ctx, OwnedKeyAccount, region, "alias/aws/owned/"+service,
		"AWS owned key of the "+service+" service", ownedKeyPolicy)
	if err != nil {
		return nil, err
	}
	blob, _, err := s.seal(ctx, k, encCtx, plaintext)
	return blob, err
}

// OpenWithOwnedKey decrypts what SealWithOwnedKey sealed in the same region
// with the same encryption context. Any failure is an error that says
// nothing about why.
func (s *Service) OpenWithOwnedKey(ctx context.Context, region, service string, blob []byte, encCtx map[string]string) ([]byte, error) {
	h, err := keyring.ParseBlob(blob)
	if err != nil || h.Account != OwnedKeyAccount {
		return nil, errInvalidCiphertext()
	}
	k, err := s.loadKey(ctx, store.KeyRef{Account: OwnedKeyAccount, Region: region, KeyID: h.KeyID})
	if err != nil {
		return nil, errInvalidCiphertext()
	}
	plain, _, err := s.open(ctx, openedBlob{key: k, header: h}, region, blob, encCtx)
	return plain, err
}

// refuseAWSManaged refuses management operations on AWS managed keys,
// which their service manages (AWS KMS Developer Guide, "AWS managed keys":
// you cannot change their properties, rotate them, change their key
// policies, or schedule them for deletion).
func refuseAWSManaged(k *store.Key, action string) error {
	if k.KeyManager == ManagerAWS {
		return kmsErr("UnsupportedOperationException", "%s is an AWS managed key; %s is not allowed on it.", keyARN(k.Ref), action)
	}
	return nil
}
