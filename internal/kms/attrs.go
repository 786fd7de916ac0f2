package kms

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/coffer-kms/coffer/internal/store"
)

// keyAttrs is the JSON document in store.Key.Attrs: the attributes of the
// key kinds that the fixed columns do not describe. Nothing in it is
// secret in the clear: the import wrapping key is wrapped by the root of
// trust.
type keyAttrs struct {
	// Import is set on keys with Origin EXTERNAL.
	Import *importAttrs `json:"import,omitempty"`
	// MRK is set on multi-Region keys.
	MRK *mrkAttrs `json:"mrk,omitempty"`
}

// importAttrs is the import state of an EXTERNAL key.
type importAttrs struct {
	// The current import parameters (GetParametersForImport): the token
	// id (hex), the RSA wrapping private key (PKCS#8, wrapped by the root
	// of trust, see wrappingKeyAAD), its spec, the wrapping algorithm and
	// when they stop being valid. Empty before the first call.
	TokenID       string    `json:"token_id,omitempty"`
	WrappingKey   []byte    `json:"wrapping_key,omitempty"`
	WrappingSpec  string    `json:"wrapping_spec,omitempty"`
	WrappingAlg   string    `json:"wrapping_alg,omitempty"`
	ParamsValidTo time.Time `json:"params_valid_to,omitzero"`

	// MaterialID is the KeyMaterialId of the material imported first
	// (importedMaterialID); it stays after the material is deleted or
	// expires, so that only the same material can be imported again.
	MaterialID string `json:"material_id,omitempty"`
	// Present reports whether the key has its material now.
	Present bool `json:"present,omitempty"`
	// ExpirationModel of the current import (KEY_MATERIAL_EXPIRES or
	// KEY_MATERIAL_DOES_NOT_EXPIRE); the ValidTo is store.Key.MaterialExpires.
	ExpirationModel string `json:"expiration_model,omitempty"`
	// Description is the KeyMaterialDescription last given.
	Description string `json:"description,omitempty"`
}

// parseAttrs decodes a key's Attrs ("" is none).
func parseAttrs(k store.Key) (keyAttrs, error) {
	var a keyAttrs
	if k.Attrs == "" {
		return a, nil
	}
	if err := json.Unmarshal([]byte(k.Attrs), &a); err != nil {
		return a, fmt.Errorf("kms: attributes of %s: %w", keyARN(k.Ref), err)
	}
	return a, nil
}

// setAttrs encodes a into k.Attrs.
func setAttrs(k *store.Key, a keyAttrs) error {
	b, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("kms: attributes of %s: %w", keyARN(k.Ref), err)
	}
	if string(b) == "{}" {
		k.Attrs = ""
		return nil
	}
	k.Attrs = string(b)
	return nil
}
