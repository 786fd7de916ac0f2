package store

import (
	"context"
	"time"
)

// KeyUsage is the last successful cryptographic operation performed with a
// KMS key (GetKeyLastUsage).
type KeyUsage struct {
	Ref       KeyRef
	Operation string // Encrypt, Sign, ... (KeyLastUsageTrackingOperation)
	Time      time.Time
	RequestID string
}

// KeyUsageTrackingStart is the setting (GetSetting) holding, as RFC 3339
// text, when this database began recording key usage; the migration that
// created the key usage table wrote it.
const KeyUsageTrackingStart = "kms/key-usage-tracking-start"

// KeyUsageReader reads recorded key usage.
type KeyUsageReader interface {
	// GetKeyUsage returns the last recorded use of a key, or ErrNotFound if
	// none was recorded.
	GetKeyUsage(ctx context.Context, ref KeyRef) (KeyUsage, error)
}

// KeyUsageTx records key usage.
type KeyUsageTx interface {
	// RecordKeyUsage stores uses of keys, each replacing the key's recorded
	// use only if it is later, so that nodes flushing in any order keep the
	// latest. Uses of keys that no longer exist are ignored. It reports no
	// Change: usage is not cached metadata.
	RecordKeyUsage(ctx context.Context, uses []KeyUsage) error
}
