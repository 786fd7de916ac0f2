package keyring

import (
	"fmt"

	gomldsa "github.com/coffer-kms/coffer/internal/third_party/mldsa"
)

// External μ (AWS KMS MessageType EXTERNAL_MU): the caller has computed
// μ = SHAKE256(tr ‖ M′, 64) itself (FIPS 204 Algorithm 7, step 6), and the
// key signs or verifies μ directly. circl computes μ internally, so these
// go through Go's own ML-DSA (internal/third_party/mldsa), built from the
// same 32-byte seed: the keys are the same FIPS 204 keys, and a signature
// over μ verifies as a RAW signature over M when μ was computed from M.

// goPrivateKey rebuilds k in Go's ML-DSA from its seed.
func goPrivateKey(k mldsaKey) (*gomldsa.PrivateKey, error) {
	seed := k.seed()
	defer clear(seed)
	switch oid := k.oid(); {
	case oid.Equal(oidMLDSA44):
		return gomldsa.NewPrivateKey44(seed)
	case oid.Equal(oidMLDSA65):
		return gomldsa.NewPrivateKey65(seed)
	case oid.Equal(oidMLDSA87):
		return gomldsa.NewPrivateKey87(seed)
	default:
		return nil, fmt.Errorf("keyring: ML-DSA parameter set %v", oid)
	}
}

// signExternalMu signs the 64-byte μ with k (hedged, as Sign is).
func signExternalMu(k mldsaKey, mu []byte) ([]byte, error) {
	priv, err := goPrivateKey(k)
	if err != nil {
		return nil, err
	}
	return gomldsa.SignExternalMu(priv, mu)
}

// verifyExternalMu reports whether sig is k's signature over the 64-byte μ.
func verifyExternalMu(k mldsaKey, mu, sig []byte) bool {
	priv, err := goPrivateKey(k)
	if err != nil {
		return false
	}
	return gomldsa.VerifyExternalMu(priv.PublicKey(), mu, sig) == nil
}
