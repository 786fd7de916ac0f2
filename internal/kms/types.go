package kms

import "github.com/coffer-kms/coffer/internal/awsproto"

// The input and output shapes of the KMS operations, named and laid out as in
// the AWS API model (kms/2014-11-01) so that the JSON 1.1 codec maps them
// directly. Blobs are []byte (base64 on the wire); timestamps are
// *awsproto.Timestamp (epoch seconds); optional scalars are pointers.

// Tag is a key tag.
type Tag struct {
	TagKey   string `yaml:"TagKey"`
	TagValue string `yaml:"TagValue"`
}

// KeyMetadata describes a KMS key.
type KeyMetadata struct {
	AWSAccountId                string
	KeyId                       string
	Arn                         string
	CreationDate                *awsproto.Timestamp
	Enabled                     bool
	Description                 string
	KeyUsage                    string
	KeyState                    string
	DeletionDate                *awsproto.Timestamp `json:",omitempty"`
	Origin                      string
	KeyManager                  string
	CustomerMasterKeySpec       string `json:",omitempty"`
	KeySpec                     string
	EncryptionAlgorithms        []string `json:",omitempty"`
	SigningAlgorithms           []string `json:",omitempty"`
	KeyAgreementAlgorithms      []string `json:",omitempty"`
	MacAlgorithms               []string `json:",omitempty"`
	MultiRegion                 bool
	PendingDeletionWindowInDays *int32                    `json:",omitempty"`
	ValidTo                     *awsproto.Timestamp       `json:",omitempty"`
	ExpirationModel             string                    `json:",omitempty"`
	CurrentKeyMaterialId        string                    `json:",omitempty"`
	MultiRegionConfiguration    *MultiRegionConfiguration `json:",omitempty"`
}

// CreateKeyInput is the CreateKey request.
type CreateKeyInput struct {
	Policy                         *string
	Description                    *string
	KeyUsage                       string
	CustomerMasterKeySpec          string
	KeySpec                        string
	Origin                         string
	CustomKeyStoreId               *string
	BypassPolicyLockoutSafetyCheck bool
	Tags                           []Tag
	MultiRegion                    bool
	XksKeyId                       *string
}

// CreateKeyOutput is the CreateKey response.
type CreateKeyOutput struct{ KeyMetadata KeyMetadata }

// KeyIDInput is the request of operations that take only a key id.
type KeyIDInput struct {
	KeyId       string
	GrantTokens []string `json:",omitempty"`
}

// DescribeKeyOutput is the DescribeKey response.
type DescribeKeyOutput struct{ KeyMetadata KeyMetadata }

// Empty is the response of operations that return nothing.
type Empty struct{}

// ListInput is the paging part of List requests.
type ListInput struct {
	Limit  *int32
	Marker *string
}

// ListKeysInput is the ListKeys request.
type ListKeysInput = ListInput

// KeyListEntry is one key in ListKeys.
type KeyListEntry struct {
	KeyId  string
	KeyArn string
}

// ListKeysOutput is the ListKeys response.
type ListKeysOutput struct {
	Keys       []KeyListEntry
	NextMarker string `json:",omitempty"`
	Truncated  bool
}

// UpdateKeyDescriptionInput is the UpdateKeyDescription request.
type UpdateKeyDescriptionInput struct {
	KeyId       string
	Description *string
}

// ScheduleKeyDeletionInput is the ScheduleKeyDeletion request.
type ScheduleKeyDeletionInput struct {
	KeyId               string
	PendingWindowInDays *int32
}

// ScheduleKeyDeletionOutput is the ScheduleKeyDeletion response.
type ScheduleKeyDeletionOutput struct {
	KeyId               string
	DeletionDate        *awsproto.Timestamp `json:",omitempty"` // none while PendingReplicaDeletion
	KeyState            string
	PendingWindowInDays int32
}

// CancelKeyDeletionOutput is the CancelKeyDeletion response.
type CancelKeyDeletionOutput struct{ KeyId string }

// AliasInput is the CreateAlias and UpdateAlias request.
type AliasInput struct {
	AliasName   string
	TargetKeyId string
}

// DeleteAliasInput is the DeleteAlias request.
type DeleteAliasInput struct{ AliasName string }

// ListAliasesInput is the ListAliases request.
type ListAliasesInput struct {
	KeyId  *string
	Limit  *int32
	Marker *string
}

// AliasListEntry is one alias in ListAliases.
type AliasListEntry struct {
	AliasName       string
	AliasArn        string
	TargetKeyId     string              `json:",omitempty"`
	CreationDate    *awsproto.Timestamp `json:",omitempty"`
	LastUpdatedDate *awsproto.Timestamp `json:",omitempty"`
}

// ListAliasesOutput is the ListAliases response.
type ListAliasesOutput struct {
	Aliases    []AliasListEntry
	NextMarker string `json:",omitempty"`
	Truncated  bool
}

// EncryptInput is the Encrypt request.
type EncryptInput struct {
	KeyId               string
	Plaintext           []byte
	EncryptionContext   map[string]string
	GrantTokens         []string
	EncryptionAlgorithm string
	DryRun              bool
}

// EncryptOutput is the Encrypt response.
type EncryptOutput struct {
	CiphertextBlob      []byte
	KeyId               string
	EncryptionAlgorithm string
}

// DecryptInput is the Decrypt request.
type DecryptInput struct {
	CiphertextBlob      []byte
	EncryptionContext   map[string]string
	GrantTokens         []string
	KeyId               string
	EncryptionAlgorithm string
	Recipient           *struct{} `json:",omitempty"`
	DryRun              bool
	DryRunModifiers     []string
}

// DecryptOutput is the Decrypt response.
type DecryptOutput struct {
	KeyId               string
	Plaintext           []byte
	EncryptionAlgorithm string
	KeyMaterialId       string `json:",omitempty"`
}

// ReEncryptInput is the ReEncrypt request.
type ReEncryptInput struct {
	CiphertextBlob                 []byte
	SourceEncryptionContext        map[string]string
	SourceKeyId                    string
	DestinationKeyId               string
	DestinationEncryptionContext   map[string]string
	SourceEncryptionAlgorithm      string
	DestinationEncryptionAlgorithm string
	GrantTokens                    []string
	DryRun                         bool
	DryRunModifiers                []string
}

// ReEncryptOutput is the ReEncrypt response.
type ReEncryptOutput struct {
	CiphertextBlob                 []byte
	SourceKeyId                    string
	KeyId                          string
	SourceEncryptionAlgorithm      string
	DestinationEncryptionAlgorithm string
	SourceKeyMaterialId            string `json:",omitempty"`
	DestinationKeyMaterialId       string `json:",omitempty"`
}

// GenerateDataKeyInput is the GenerateDataKey and
// GenerateDataKeyWithoutPlaintext request.
type GenerateDataKeyInput struct {
	KeyId             string
	EncryptionContext map[string]string
	NumberOfBytes     *int32
	KeySpec           string
	GrantTokens       []string
	Recipient         *struct{} `json:",omitempty"`
	DryRun            bool
}

// GenerateDataKeyOutput is the GenerateDataKey response.
type GenerateDataKeyOutput struct {
	CiphertextBlob []byte
	Plaintext      []byte `json:",omitempty"`
	KeyId          string
	KeyMaterialId  string `json:",omitempty"`
}

// GenerateRandomInput is the GenerateRandom request.
type GenerateRandomInput struct {
	NumberOfBytes    *int32
	CustomKeyStoreId *string
	Recipient        *struct{} `json:",omitempty"`
}

// GenerateRandomOutput is the GenerateRandom response.
type GenerateRandomOutput struct{ Plaintext []byte }

// TagResourceInput is the TagResource request.
type TagResourceInput struct {
	KeyId string
	Tags  []Tag
}

// UntagResourceInput is the UntagResource request.
type UntagResourceInput struct {
	KeyId   string
	TagKeys []string
}

// ListResourceTagsInput is the ListResourceTags request.
type ListResourceTagsInput struct {
	KeyId  string
	Limit  *int32
	Marker *string
}

// ListResourceTagsOutput is the ListResourceTags response.
type ListResourceTagsOutput struct {
	Tags       []Tag
	NextMarker string `json:",omitempty"`
	Truncated  bool
}

// GetKeyPolicyInput is the GetKeyPolicy request.
type GetKeyPolicyInput struct {
	KeyId      string
	PolicyName *string
}

// GetKeyPolicyOutput is the GetKeyPolicy response.
type GetKeyPolicyOutput struct {
	Policy     string
	PolicyName string
}

// PutKeyPolicyInput is the PutKeyPolicy request.
type PutKeyPolicyInput struct {
	KeyId                          string
	PolicyName                     *string
	Policy                         *string
	BypassPolicyLockoutSafetyCheck bool
}

// ListKeyPoliciesInput is the ListKeyPolicies request.
type ListKeyPoliciesInput struct {
	KeyId  string
	Limit  *int32
	Marker *string
}

// ListKeyPoliciesOutput is the ListKeyPolicies response.
type ListKeyPoliciesOutput struct {
	PolicyNames []string
	NextMarker  string `json:",omitempty"`
	Truncated   bool
}

// EnableKeyRotationInput is the EnableKeyRotation request.
type EnableKeyRotationInput struct {
	KeyId                string
	RotationPeriodInDays *int32
}

// GetKeyRotationStatusOutput is the GetKeyRotationStatus response.
type GetKeyRotationStatusOutput struct {
	KeyRotationEnabled   bool
	KeyId                string
	RotationPeriodInDays *int32              `json:",omitempty"`
	NextRotationDate     *awsproto.Timestamp `json:",omitempty"`
}

// RotateKeyOnDemandOutput is the RotateKeyOnDemand response.
type RotateKeyOnDemandOutput struct{ KeyId string }

// ListKeyRotationsInput is the ListKeyRotations request.
type ListKeyRotationsInput struct {
	KeyId              string
	IncludeKeyMaterial string
	Limit              *int32
	Marker             *string
}

// RotationsListEntry is one rotation in ListKeyRotations.
type RotationsListEntry struct {
	KeyId                  string
	KeyMaterialId          string              `json:",omitempty"`
	KeyMaterialDescription string              `json:",omitempty"`
	ImportState            string              `json:",omitempty"`
	KeyMaterialState       string              `json:",omitempty"`
	ExpirationModel        string              `json:",omitempty"`
	ValidTo                *awsproto.Timestamp `json:",omitempty"`
	RotationDate           *awsproto.Timestamp `json:",omitempty"`
	RotationType           string              `json:",omitempty"`
}

// ListKeyRotationsOutput is the ListKeyRotations response.
type ListKeyRotationsOutput struct {
	Rotations  []RotationsListEntry
	NextMarker string `json:",omitempty"`
	Truncated  bool
}

// SecretHolder is implemented by responses that carry plaintext (data keys,
// decrypted data). The protocol layer calls ZeroSecrets once the response
// is written, so the plaintext does not linger in memory.
type SecretHolder interface {
	ZeroSecrets()
}

// ZeroSecrets zeroes the plaintext.
func (o *DecryptOutput) ZeroSecrets() { clear(o.Plaintext) }

// ZeroSecrets zeroes the plaintext data key.
func (o *GenerateDataKeyOutput) ZeroSecrets() { clear(o.Plaintext) }

// ZeroSecrets zeroes the random bytes.
func (o *GenerateRandomOutput) ZeroSecrets() { clear(o.Plaintext) }

var (
	_ SecretHolder = (*DecryptOutput)(nil)
	_ SecretHolder = (*GenerateDataKeyOutput)(nil)
	_ SecretHolder = (*GenerateRandomOutput)(nil)
)
