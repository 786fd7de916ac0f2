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

	// Materials are the key's imported materials by version, in version
	// order, kept after a material is deleted or expires so that only the
	// same material can be imported again for that version.
	Materials []importedMaterial `json:"materials,omitempty"`
	// Pending is new material imported with NEW_KEY_MATERIAL into a
	// symmetric key that already has material, waiting for
	// RotateKeyOnDemand to make it current. Its Wrapped bytes are the
	// material wrapped by the root of trust for its version (materialAAD).
	Pending *pendingMaterial `json:"pending,omitempty"`
}

// importedMaterial is one imported material version of an EXTERNAL key.
type importedMaterial struct {
	Version uint32 `json:"version"`
	// ID is its KeyMaterialId (importedMaterialID).
	ID string `json:"id"`
	// Present reports whether the material is in the store now.
	Present bool `json:"present,omitempty"`
	// ExpirationModel and ValidTo of its last import.
	ExpirationModel string    `json:"expiration_model,omitempty"`
	ValidTo         time.Time `json:"valid_to,omitzero"`
	// Description is the KeyMaterialDescription last given.
	Description string `json:"description,omitempty"`
	// RotationType and RotatedAt are set when RotateKeyOnDemand made it
	// current ("" for the first material).
	RotationType string    `json:"rotation_type,omitempty"`
	RotatedAt    time.Time `json:"rotated_at,omitzero"`
	// CreatedAt is when it was first imported.
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// pendingMaterial is imported material waiting for rotation.
type pendingMaterial struct {
	importedMaterial
	Wrapped []byte `json:"wrapped"`
}

// material returns the imported material of version v, or nil.
func (a *importAttrs) material(v uint32) *importedMaterial {
	for i := range a.Materials {
		if a.Materials[i].Version == v {
			return &a.Materials[i]
		}
	}
	return nil
}

// byID returns the imported material whose KeyMaterialId is id, or nil.
func (a *importAttrs) byID(id string) *importedMaterial {
	for i := range a.Materials {
		if a.Materials[i].ID == id {
			return &a.Materials[i]
		}
	}
	return nil
}

// complete reports whether every imported material is present.
func (a *importAttrs) complete() bool {
	for _, m := range a.Materials {
		if !m.Present {
			return false
		}
	}
	return len(a.Materials) > 0
}

// nextExpiry is the earliest ValidTo of the present (and pending)
// materials: store.Key.MaterialExpires. Zero if none expires.
func (a *importAttrs) nextExpiry() time.Time {
	var t time.Time
	consider := func(m importedMaterial) {
		if m.Present && !m.ValidTo.IsZero() && (t.IsZero() || m.ValidTo.Before(t)) {
			t = m.ValidTo
		}
	}
	for _, m := range a.Materials {
		consider(m)
	}
	if a.Pending != nil {
		consider(a.Pending.importedMaterial)
	}
	return t
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
