package bench

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
)

// The asymmetric KMS operations the generator measures.
const (
	OpSign                = "sign"
	OpVerify              = "verify"
	OpGenerateDataKeyPair = "generate-data-key-pair"
)

// AsymOps lists the operation names PrepareSigning and PrepareDataKeyPair
// workloads accept.
var AsymOps = []string{OpSign, OpVerify, OpGenerateDataKeyPair}

// SigningAlgorithm returns the signing algorithm the generator uses for a
// SIGN_VERIFY key spec: the first one AWS KMS lists for it.
func SigningAlgorithm(keySpec string) (string, error) {
	switch {
	case strings.HasPrefix(keySpec, "RSA_"):
		return "RSASSA_PSS_SHA_256", nil
	case keySpec == "ECC_NIST_P256", keySpec == "ECC_SECG_P256K1":
		return "ECDSA_SHA_256", nil
	case keySpec == "ECC_NIST_P384":
		return "ECDSA_SHA_384", nil
	case keySpec == "ECC_NIST_P521":
		return "ECDSA_SHA_512", nil
	case keySpec == "ECC_NIST_EDWARDS25519":
		return "ED25519_SHA_512", nil
	case strings.HasPrefix(keySpec, "ML_DSA_"):
		return "ML_DSA_SHAKE_256", nil
	}
	return "", fmt.Errorf("bench: no signing algorithm for key spec %q", keySpec)
}

// CreateSigningKey creates a SIGN_VERIFY key of keySpec and returns its id.
func (k *KMS) CreateSigningKey(ctx context.Context, description, keySpec string) (string, error) {
	var out struct {
		KeyMetadata struct{ KeyId string }
	}
	in := map[string]string{"Description": description, "KeySpec": keySpec, "KeyUsage": "SIGN_VERIFY"}
	if err := k.call(ctx, "CreateKey", in, &out); err != nil {
		return "", err
	}
	if out.KeyMetadata.KeyId == "" {
		return "", errors.New("bench: CreateKey answer has no KeyMetadata.KeyId")
	}
	return out.KeyMetadata.KeyId, nil
}

// AsymWorkload holds the prepared requests of the asymmetric operations.
type AsymWorkload struct {
	kms    *KMS
	bodies map[string][]byte
}

// PrepareSigning signs a 32-byte message (RAW) once under the SIGN_VERIFY
// key keyID of keySpec, so that Verify has a signature to check, and
// encodes the Sign and Verify request bodies.
func (k *KMS) PrepareSigning(ctx context.Context, keyID, keySpec string) (*AsymWorkload, error) {
	alg, err := SigningAlgorithm(keySpec)
	if err != nil {
		return nil, err
	}
	msg := sha256.Sum256([]byte("coffer bench message"))
	var out struct{ Signature []byte }
	sign := map[string]any{"KeyId": keyID, "Message": msg[:], "MessageType": "RAW", "SigningAlgorithm": alg}
	if err := k.call(ctx, "Sign", sign, &out); err != nil {
		return nil, err
	}
	if len(out.Signature) == 0 {
		return nil, errors.New("bench: Sign answer has no Signature")
	}
	verify := map[string]any{"KeyId": keyID, "Message": msg[:], "MessageType": "RAW", "SigningAlgorithm": alg, "Signature": out.Signature}
	return &AsymWorkload{kms: k, bodies: map[string][]byte{OpSign: mustJSON(sign), OpVerify: mustJSON(verify)}}, nil
}

// PrepareDataKeyPair encodes GenerateDataKeyPair requests for pairSpec
// under the symmetric key keyID.
func (k *KMS) PrepareDataKeyPair(keyID, pairSpec string) *AsymWorkload {
	return &AsymWorkload{kms: k, bodies: map[string][]byte{
		OpGenerateDataKeyPair: mustJSON(map[string]any{"KeyId": keyID, "KeyPairSpec": pairSpec}),
	}}
}

// Op returns the named operation, whose requests send the prepared body
// and check the answer: Sign must return a Signature, Verify
// "SignatureValid": true, GenerateDataKeyPair a private key (plaintext
// and encrypted) and a public key.
func (w *AsymWorkload) Op(name string) (Op, error) {
	body, ok := w.bodies[name]
	if !ok {
		return Op{}, fmt.Errorf("bench: operation %q was not prepared (this workload has %s)", name, strings.Join(keysOf(w.bodies), ", "))
	}
	var target string
	var check func(*call) error
	switch name {
	case OpSign:
		target, check = "Sign", checkSign
	case OpVerify:
		target, check = "Verify", checkVerify
	case OpGenerateDataKeyPair:
		target, check = "GenerateDataKeyPair", checkGenerateDataKeyPair
	}
	hash := payloadHash(body)
	return Op{Name: name, NewRequester: func() Requester {
		c := w.kms.newCall(target, body, hash)
		c.check = check
		return c
	}}, nil
}

func keysOf(m map[string][]byte) []string {
	var out []string
	for _, op := range AsymOps {
		if _, ok := m[op]; ok {
			out = append(out, op)
		}
	}
	return out
}

func checkSign(c *call) error {
	_, err := c.decode("Signature")
	return err
}

var errSignatureInvalid = errors.New("Verify did not answer SignatureValid: true")

func checkVerify(c *call) error {
	if !strings.Contains(string(c.buf), `"SignatureValid":true`) {
		return errSignatureInvalid
	}
	return nil
}

func checkGenerateDataKeyPair(c *call) error {
	for _, name := range []string{"PrivateKeyPlaintext", "PrivateKeyCiphertextBlob", "PublicKey"} {
		if _, err := c.decode(name); err != nil {
			return err
		}
	}
	return nil
}
