package keyring

import (
	"crypto/rand"
	"crypto/sha3"
	"errors"
	"testing"
)

// mu computes FIPS 204's μ for a pure ML-DSA signature with an empty
// context: SHAKE256(SHAKE256(pk, 64) ‖ 0x00 ‖ 0x00 ‖ msg, 64).
func mu(pk, msg []byte) []byte {
	tr := make([]byte, 64)
	h := sha3.NewSHAKE256()
	h.Write(pk)
	h.Read(tr)
	h.Reset()
	h.Write(tr)
	h.Write([]byte{0, 0})
	h.Write(msg)
	out := make([]byte, 64)
	h.Read(out)
	return out
}

// TestExternalMu: a signature over an external μ verifies as a RAW
// signature over the message μ was computed from, and the other way round,
// for every ML-DSA parameter set; another μ does not verify.
func TestExternalMu(t *testing.T) {
	msg := []byte("sign me through mu")
	for _, spec := range []string{SpecMLDSA44, SpecMLDSA65, SpecMLDSA87} {
		t.Run(spec, func(t *testing.T) {
			k := asymKey(t, spec)
			m := mu(k.mldsa.publicKey(), msg)
			sig, err := k.Sign(rand.Reader, AlgMLDSA, MessageMu, m)
			if err != nil {
				t.Fatalf("Sign EXTERNAL_MU: %v", err)
			}
			if err := k.Verify(AlgMLDSA, MessageRaw, msg, sig); err != nil {
				t.Fatalf("an EXTERNAL_MU signature does not verify as RAW over the message: %v", err)
			}
			raw, err := k.Sign(rand.Reader, AlgMLDSA, MessageRaw, msg)
			if err != nil {
				t.Fatal(err)
			}
			if err := k.Verify(AlgMLDSA, MessageMu, m, raw); err != nil {
				t.Fatalf("a RAW signature does not verify as EXTERNAL_MU over its μ: %v", err)
			}
			other := mu(k.mldsa.publicKey(), append(msg, '!'))
			if err := k.Verify(AlgMLDSA, MessageMu, other, sig); !errors.Is(err, ErrInvalidSignature) {
				t.Fatalf("another μ: %v, want ErrInvalidSignature", err)
			}
		})
	}
}
