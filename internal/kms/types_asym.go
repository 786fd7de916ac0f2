package kms

// The input and output shapes of the asymmetric and HMAC operations, as in
// the AWS API model (kms/2014-11-01).

// SignInput is the Sign request.
type SignInput struct {
	KeyId            string
	Message          []byte
	MessageType      string
	GrantTokens      []string
	SigningAlgorithm string
	DryRun           bool
}

// SignOutput is the Sign response.
type SignOutput struct {
	KeyId            string
	Signature        []byte
	SigningAlgorithm string
}

// VerifyInput is the Verify request.
type VerifyInput struct {
	KeyId            string
	Message          []byte
	MessageType      string
	Signature        []byte
	SigningAlgorithm string
	GrantTokens      []string
	DryRun           bool
}

// VerifyOutput is the Verify response.
type VerifyOutput struct {
	KeyId            string
	SignatureValid   bool
	SigningAlgorithm string
}

// GetPublicKeyOutput is the GetPublicKey response.
type GetPublicKeyOutput struct {
	KeyId                  string
	PublicKey              []byte
	CustomerMasterKeySpec  string `json:",omitempty"`
	KeySpec                string
	KeyUsage               string
	EncryptionAlgorithms   []string `json:",omitempty"`
	SigningAlgorithms      []string `json:",omitempty"`
	KeyAgreementAlgorithms []string `json:",omitempty"`
}

// GenerateMacInput is the GenerateMac request.
type GenerateMacInput struct {
	Message      []byte
	KeyId        string
	MacAlgorithm string
	GrantTokens  []string
	DryRun       bool
}

// GenerateMacOutput is the GenerateMac response.
type GenerateMacOutput struct {
	Mac          []byte
	MacAlgorithm string
	KeyId        string
}

// VerifyMacInput is the VerifyMac request.
type VerifyMacInput struct {
	Message      []byte
	KeyId        string
	MacAlgorithm string
	Mac          []byte
	GrantTokens  []string
	DryRun       bool
}

// VerifyMacOutput is the VerifyMac response.
type VerifyMacOutput struct {
	KeyId        string
	MacValid     bool
	MacAlgorithm string
}

// GenerateDataKeyPairInput is the GenerateDataKeyPair and
// GenerateDataKeyPairWithoutPlaintext request.
type GenerateDataKeyPairInput struct {
	EncryptionContext map[string]string
	KeyId             string
	KeyPairSpec       string
	GrantTokens       []string
	Recipient         *struct{} `json:",omitempty"`
	DryRun            bool
}

// GenerateDataKeyPairOutput is the GenerateDataKeyPair response (without
// PrivateKeyPlaintext for GenerateDataKeyPairWithoutPlaintext).
type GenerateDataKeyPairOutput struct {
	PrivateKeyCiphertextBlob []byte
	PrivateKeyPlaintext      []byte `json:",omitempty"`
	PublicKey                []byte
	KeyId                    string
	KeyPairSpec              string
	KeyMaterialId            string `json:",omitempty"`
}

// DeriveSharedSecretInput is the DeriveSharedSecret request.
type DeriveSharedSecretInput struct {
	KeyId                 string
	KeyAgreementAlgorithm string
	PublicKey             []byte
	GrantTokens           []string
	DryRun                bool
	Recipient             *struct{} `json:",omitempty"`
}

// DeriveSharedSecretOutput is the DeriveSharedSecret response.
type DeriveSharedSecretOutput struct {
	KeyId                 string
	SharedSecret          []byte
	KeyAgreementAlgorithm string
	KeyOrigin             string
}

// ZeroSecrets zeroes the private key.
func (o *GenerateDataKeyPairOutput) ZeroSecrets() { clear(o.PrivateKeyPlaintext) }

// ZeroSecrets zeroes the shared secret.
func (o *DeriveSharedSecretOutput) ZeroSecrets() { clear(o.SharedSecret) }

var (
	_ SecretHolder = (*GenerateDataKeyPairOutput)(nil)
	_ SecretHolder = (*DeriveSharedSecretOutput)(nil)
)
