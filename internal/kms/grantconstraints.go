package kms

import (
	"encoding/json"
	"maps"
)

// GrantConstraints limits a grant to requests whose encryption context
// equals (EncryptionContextEquals) or includes (EncryptionContextSubset)
// the given pairs.
type GrantConstraints struct {
	EncryptionContextSubset map[string]string `json:",omitempty"`
	EncryptionContextEquals map[string]string `json:",omitempty"`
}

// Allows reports whether a request's encryption context satisfies c.
func (c *GrantConstraints) Allows(encCtx map[string]string) bool {
	if c == nil {
		return true
	}
	if c.EncryptionContextEquals != nil && !maps.Equal(c.EncryptionContextEquals, encCtx) {
		return false
	}
	for k, v := range c.EncryptionContextSubset {
		if got, ok := encCtx[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// ParseGrantConstraints decodes a stored constraints document ("" is none).
func ParseGrantConstraints(doc string) (*GrantConstraints, error) {
	if doc == "" {
		return nil, nil
	}
	var c GrantConstraints
	if err := json.Unmarshal([]byte(doc), &c); err != nil {
		return nil, err
	}
	return &c, nil
}
