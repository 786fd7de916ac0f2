package sqlstore

import (
	"encoding/json"
	"fmt"

	"github.com/coffer-kms/coffer/internal/store"
)

// TagsJSON encodes tags for a tags column.
func TagsJSON(tags []store.Tag) string {
	if len(tags) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(tags) // a []struct of strings cannot fail
	return string(b)
}

// parseTags decodes what TagsJSON encoded; no tags decode as nil.
func parseTags(s string) ([]store.Tag, error) {
	var tags []store.Tag
	if err := json.Unmarshal([]byte(s), &tags); err != nil {
		return nil, fmt.Errorf("tags: %w", err)
	}
	if len(tags) == 0 {
		return nil, nil
	}
	return tags, nil
}

// OpsJSON encodes grant operations for the operations column.
func OpsJSON(ops []string) string {
	if len(ops) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(ops)
	return string(b)
}

// parseOps decodes what OpsJSON encoded; no operations decode as nil.
func parseOps(s string) ([]string, error) {
	var ops []string
	if err := json.Unmarshal([]byte(s), &ops); err != nil {
		return nil, fmt.Errorf("operations: %w", err)
	}
	if len(ops) == 0 {
		return nil, nil
	}
	return ops, nil
}

// PathPrefix turns a listing's path prefix into the argument of the
// dialects' path filters, where "" means every path: "" and "/" both mean
// every path.
func PathPrefix(p string) string {
	if p == "/" {
		return ""
	}
	return p
}

// Blob makes b storable in a NOT NULL binary column.
func Blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// NullBlob makes b storable in a nullable binary column: NULL when empty.
func NullBlob(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}
