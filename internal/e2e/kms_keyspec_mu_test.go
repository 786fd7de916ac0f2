package e2e

import (
	"crypto/sha3"
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// TestMLDSAExternalMu: a client computes μ from the public key that
// GetPublicKey returns and the message (FIPS 204: SHAKE256(tr ‖ 0 ‖ 0 ‖ M)
// with tr = SHAKE256(pk)); Sign with MessageType EXTERNAL_MU signs μ, and
// the signature verifies as a RAW signature over M — and the other way round.
func TestMLDSAExternalMu(t *testing.T) {
	e := start(t)
	c := e.client("")
	for _, spec := range []types.KeySpec{types.KeySpecMlDsa44, types.KeySpecMlDsa65, types.KeySpecMlDsa87} {
		t.Run(string(spec), func(t *testing.T) {
			k := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: spec, KeyUsage: types.KeyUsageTypeSignVerify})).get(t).KeyMetadata
			der := ok(c.GetPublicKey(ctx(), &kms.GetPublicKeyInput{KeyId: k.KeyId})).get(t).PublicKey
			var spki struct {
				Algorithm pkix.AlgorithmIdentifier
				Key       asn1.BitString
			}
			if _, err := asn1.Unmarshal(der, &spki); err != nil {
				t.Fatalf("SubjectPublicKeyInfo: %v", err)
			}
			msg := []byte("a message signed through its mu")
			mu := func(m []byte) []byte {
				h := sha3.NewSHAKE256()
				h.Write(spki.Key.Bytes)
				tr := make([]byte, 64)
				h.Read(tr)
				h.Reset()
				h.Write(tr)
				h.Write([]byte{0, 0})
				h.Write(m)
				out := make([]byte, 64)
				h.Read(out)
				return out
			}
			alg := types.SigningAlgorithmSpecMlDsaShake256
			sig := ok(c.Sign(ctx(), &kms.SignInput{KeyId: k.KeyId, Message: mu(msg), MessageType: types.MessageTypeExternalMu, SigningAlgorithm: alg})).get(t).Signature
			v := ok(c.Verify(ctx(), &kms.VerifyInput{KeyId: k.KeyId, Message: msg, MessageType: types.MessageTypeRaw, Signature: sig, SigningAlgorithm: alg})).get(t)
			if !v.SignatureValid {
				t.Fatal("an EXTERNAL_MU signature does not verify as RAW")
			}
			raw := ok(c.Sign(ctx(), &kms.SignInput{KeyId: k.KeyId, Message: msg, SigningAlgorithm: alg})).get(t).Signature
			ok(c.Verify(ctx(), &kms.VerifyInput{KeyId: k.KeyId, Message: mu(msg), MessageType: types.MessageTypeExternalMu, Signature: raw, SigningAlgorithm: alg})).get(t)
			_, err := c.Verify(ctx(), &kms.VerifyInput{KeyId: k.KeyId, Message: mu([]byte("another")), MessageType: types.MessageTypeExternalMu, Signature: raw, SigningAlgorithm: alg})
			wantCode(t, err, "KMSInvalidSignatureException")
		})
	}
}
