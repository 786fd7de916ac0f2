package sqlite

import (
	"context"
	"fmt"

	"github.com/coffer-kms/coffer/internal/store"
)

var (
	_ store.KeyUsageReader = reader{}
	_ store.KeyUsageTx     = (*tx)(nil)
)

// GetKeyUsage implements store.KeyUsageReader.
func (r reader) GetKeyUsage(ctx context.Context, ref store.KeyRef) (store.KeyUsage, error) {
	u := store.KeyUsage{Ref: ref}
	var at microsColumn
	if err := r.row(ctx, qGetKeyUsage, ref.Account, ref.Region, ref.KeyID).Scan(&u.Operation, &at, &u.RequestID); err != nil {
		return store.KeyUsage{}, noRows(err, "get key usage %s", ref.KeyID)
	}
	u.Time = at.Time()
	return u, nil
}

// RecordKeyUsage implements store.KeyUsageTx.
func (t *tx) RecordKeyUsage(ctx context.Context, uses []store.KeyUsage) error {
	for _, u := range uses {
		if _, err := t.exec(ctx, qRecordKeyUsage, u.Ref.Account, u.Ref.Region, u.Ref.KeyID, u.Operation, micros(u.Time), u.RequestID); err != nil {
			return fmt.Errorf("sqlite: record key usage %s: %w", u.Ref.KeyID, err)
		}
	}
	return nil
}
