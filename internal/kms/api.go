package kms

import (
	"context"

	"github.com/coffer-kms/coffer/internal/awsproto"
)

// Operation is one KMS API operation: it decodes its JSON request body,
// runs, and returns the response shape or an error.
type Operation func(ctx context.Context, c Caller, body []byte) (any, error)

// bind turns a typed operation method into an Operation.
func bind[I, O any](f func(context.Context, Caller, *I) (*O, error)) Operation {
	return func(ctx context.Context, c Caller, body []byte) (any, error) {
		in := new(I)
		if err := awsproto.DecodeJSON(body, in); err != nil {
			return nil, err
		}
		out, err := f(ctx, c, in)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

// Operations returns the operations this service implements, by their
// name in the API model (the part of X-Amz-Target after "TrentService.").
func (s *Service) Operations() map[string]Operation {
	return map[string]Operation{
		"CreateKey":                           bind(s.CreateKey),
		"DescribeKey":                         bind(s.DescribeKey),
		"ListKeys":                            bind(s.ListKeys),
		"EnableKey":                           bind(s.EnableKey),
		"DisableKey":                          bind(s.DisableKey),
		"UpdateKeyDescription":                bind(s.UpdateKeyDescription),
		"ScheduleKeyDeletion":                 bind(s.ScheduleKeyDeletion),
		"CancelKeyDeletion":                   bind(s.CancelKeyDeletion),
		"CreateAlias":                         bind(s.CreateAlias),
		"UpdateAlias":                         bind(s.UpdateAlias),
		"DeleteAlias":                         bind(s.DeleteAlias),
		"ListAliases":                         bind(s.ListAliases),
		"Encrypt":                             bind(s.Encrypt),
		"Decrypt":                             bind(s.Decrypt),
		"ReEncrypt":                           bind(s.ReEncrypt),
		"GenerateDataKey":                     bind(s.GenerateDataKey),
		"GenerateDataKeyWithoutPlaintext":     bind(s.GenerateDataKeyWithoutPlaintext),
		"GenerateRandom":                      bind(s.GenerateRandom),
		"TagResource":                         bind(s.TagResource),
		"UntagResource":                       bind(s.UntagResource),
		"ListResourceTags":                    bind(s.ListResourceTags),
		"GetKeyPolicy":                        bind(s.GetKeyPolicy),
		"PutKeyPolicy":                        bind(s.PutKeyPolicy),
		"ListKeyPolicies":                     bind(s.ListKeyPolicies),
		"EnableKeyRotation":                   bind(s.EnableKeyRotation),
		"DisableKeyRotation":                  bind(s.DisableKeyRotation),
		"GetKeyRotationStatus":                bind(s.GetKeyRotationStatus),
		"RotateKeyOnDemand":                   bind(s.RotateKeyOnDemand),
		"ListKeyRotations":                    bind(s.ListKeyRotations),
		"CreateGrant":                         bind(s.CreateGrant),
		"ListGrants":                          bind(s.ListGrants),
		"ListRetirableGrants":                 bind(s.ListRetirableGrants),
		"RetireGrant":                         bind(s.RetireGrant),
		"RevokeGrant":                         bind(s.RevokeGrant),
		"GetKeyLastUsage":                     bind(s.GetKeyLastUsage),
		"GetParametersForImport":              bind(s.GetParametersForImport),
		"ImportKeyMaterial":                   bind(s.ImportKeyMaterial),
		"DeleteImportedKeyMaterial":           bind(s.DeleteImportedKeyMaterial),
		"ReplicateKey":                        bind(s.ReplicateKey),
		"UpdatePrimaryRegion":                 bind(s.UpdatePrimaryRegion),
		"Sign":                                bind(s.Sign),
		"Verify":                              bind(s.Verify),
		"GetPublicKey":                        bind(s.GetPublicKey),
		"GenerateMac":                         bind(s.GenerateMac),
		"VerifyMac":                           bind(s.VerifyMac),
		"DeriveSharedSecret":                  bind(s.DeriveSharedSecret),
		"GenerateDataKeyPair":                 bind(s.GenerateDataKeyPair),
		"GenerateDataKeyPairWithoutPlaintext": bind(s.GenerateDataKeyPairWithoutPlaintext),
	}
}
