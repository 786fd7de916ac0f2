package postgres

import (
	"context"
	"fmt"

	"github.com/coffer-kms/coffer/internal/store"
)

var (
	_ store.KeyUsageReader = reader{}
	_ store.KeyUsageTx     = (*tx)(nil)
)

const (
	sqlGetKeyUsage = `SELECT operation, used_at, request_id FROM key_last_usage
		WHERE account = $1 AND region = $2 AND key_id = $3`
	sqlRecordKeyUsage = `INSERT INTO key_last_usage (account, region, key_id, operation, used_at, request_id)
		SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM keys WHERE account = $1 AND region = $2 AND key_id = $3)
		ON CONFLICT (account, region, key_id) DO UPDATE SET operation = excluded.operation, used_at = excluded.used_at,
		request_id = excluded.request_id WHERE excluded.used_at > key_last_usage.used_at`
)

// GetKeyUsage implements store.KeyUsageReader.
func (r reader) GetKeyUsage(ctx context.Context, ref store.KeyRef) (store.KeyUsage, error) {
	u := store.KeyUsage{Ref: ref}
	var at tsColumn
	if err := r.q.QueryRow(ctx, sqlGetKeyUsage, ref.Account, ref.Region, ref.KeyID).Scan(&u.Operation, &at, &u.RequestID); err != nil {
		return store.KeyUsage{}, noRows(err, "get key usage %s", ref.KeyID)
	}
	u.Time = at.Time()
	return u, nil
}

// RecordKeyUsage implements store.KeyUsageTx.
func (t *tx) RecordKeyUsage(ctx context.Context, uses []store.KeyUsage) error {
	for _, u := range uses {
		if _, err := t.exec(ctx, sqlRecordKeyUsage, u.Ref.Account, u.Ref.Region, u.Ref.KeyID, u.Operation, ts(u.Time), u.RequestID); err != nil {
			return fmt.Errorf("postgres: record key usage %s: %w", u.Ref.KeyID, err)
		}
	}
	return nil
}
