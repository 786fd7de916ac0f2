package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/coffer-kms/coffer/internal/store"
	"github.com/coffer-kms/coffer/internal/store/sqlstore"
)

// reader implements store.Reader over prepared statements.
type reader struct {
	q querier
}

// micros encodes t as unix microseconds, or NULL for the zero time.
func micros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// microsColumn is the scan destination of a time column: what micros
// encoded, decoded in UTC.
type microsColumn struct{ sql.NullInt64 }

func (m *microsColumn) Time() time.Time {
	if !m.Valid {
		return time.Time{}
	}
	return time.UnixMicro(m.Int64).UTC()
}

// decode decodes rows, with times in unix microseconds.
var decode sqlstore.Decoder[microsColumn, *microsColumn]

// keyScan holds a key row's columns that need converting.
type keyScan = sqlstore.KeyScan[microsColumn, *microsColumn]

// The other hot reads' scan state (see sqlstore.KeyScan).
type (
	accessKeyScan = sqlstore.AccessKeyScan[microsColumn, *microsColumn]
	materialScan  = sqlstore.MaterialScan[microsColumn, *microsColumn]
	aliasScan     = sqlstore.AliasScan[microsColumn, *microsColumn]
)

// limit turns a Page or ListKeysDue limit into SQLite's (-1: none).
func limit(n int) int64 {
	if n <= 0 {
		return -1
	}
	return int64(n)
}

// noRows maps sql.ErrNoRows to store.ErrNotFound and adds context.
func noRows(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: "+format+": %w", append(args, store.ErrNotFound)...)
	}
	return fmt.Errorf("sqlite: "+format+": %w", append(args, err)...)
}

// row runs the single-row query id.
func (r reader) row(ctx context.Context, id stmtID, args ...any) *sql.Row {
	return r.q.stmt(ctx, id).QueryRowContext(ctx, args...)
}

// get runs the single-row query id and decodes the row with scan;
// store.ErrNotFound if there is none. what describes the read in errors,
// formatted with args.
func get[T any](ctx context.Context, r reader, id stmtID, what string, scan func(sqlstore.Scanner) (T, error), args ...any) (T, error) {
	v, err := scan(r.row(ctx, id, args...))
	if err != nil {
		var zero T
		return zero, noRows(err, what, args...)
	}
	return v, nil
}

// list runs the listing query id and decodes each row with scan.
func list[T any](ctx context.Context, r reader, id stmtID, what string, scan func(sqlstore.Scanner) (T, error), args ...any) ([]T, error) {
	rows, err := r.q.stmt(ctx, id).QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	defer rows.Close()
	out, err := sqlstore.Collect(rows, scan)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return out, nil
}

// GetAccount implements store.Reader.
func (r reader) GetAccount(ctx context.Context, id string) (store.Account, error) {
	return get(ctx, r, qGetAccount, "get account %s", decode.Account, id)
}

// ListAccounts implements store.Reader.
func (r reader) ListAccounts(ctx context.Context) ([]store.Account, error) {
	return list(ctx, r, qListAccounts, "list accounts", decode.Account)
}

// GetAccessKey implements store.Reader. An empty WrappedSessionToken reads
// back as nil.
func (r reader) GetAccessKey(ctx context.Context, accessKeyID string) (store.AccessKey, error) {
	var k store.AccessKey
	var s accessKeyScan
	var buf [11]any
	if err := r.row(ctx, qGetAccessKey, accessKeyID).Scan(s.Dest(&k, buf[:0])...); err != nil {
		return store.AccessKey{}, noRows(err, "get access key %s", accessKeyID)
	}
	s.Finish(&k)
	return k, nil
}

// keyArgs returns k's sqlstore.KeyBody values, in order, appended to a.
func keyArgs(a []any, k *store.Key) []any {
	return append(a, micros(k.CreationDate), k.Description, k.KeySpec, k.KeyUsage, k.Origin, k.KeyManager,
		k.MultiRegion, k.State, micros(k.DeletionDate), int64(k.PendingWindowDays), k.Policy,
		k.RotationEnabled, int64(k.RotationPeriodDays), micros(k.NextRotation), int64(k.CurrentVersion),
		int64(k.OnDemandRotations), k.Attrs, micros(k.MaterialExpires))
}

// GetKey implements store.Reader.
func (r reader) GetKey(ctx context.Context, ref store.KeyRef) (store.Key, error) {
	k := store.Key{Ref: ref}
	var s keyScan
	var buf [18]any
	if err := r.row(ctx, qGetKey, ref.Account, ref.Region, ref.KeyID).Scan(s.Dest(&k, buf[:0])...); err != nil {
		return store.Key{}, noRows(err, "get key %s/%s/%s", ref.Account, ref.Region, ref.KeyID)
	}
	s.Finish(&k)
	return k, nil
}

// ListKeys implements store.Reader.
func (r reader) ListKeys(ctx context.Context, account, region string, page store.Page) ([]store.Key, error) {
	return list(ctx, r, qListKeys, "list keys", decode.KeyWithRef, account, region, page.After, limit(page.Limit))
}

// ListKeysDue implements store.Reader.
// Keys come sorted by account, region and key id.
func (r reader) ListKeysDue(ctx context.Context, now time.Time, n int) ([]store.Key, error) {
	return list(ctx, r, qListKeysDue, "list keys due", decode.KeyWithRef, now.UnixMicro(), limit(n))
}

// GetMaterial implements store.Reader.
func (r reader) GetMaterial(ctx context.Context, ref store.KeyRef, version uint32) (store.Material, error) {
	m := store.Material{Ref: ref, Version: version}
	var s materialScan
	var buf [4]any
	row := r.row(ctx, qGetMaterial, ref.Account, ref.Region, ref.KeyID, int64(version))
	if err := row.Scan(s.Dest(&m, buf[:0])...); err != nil {
		return store.Material{}, noRows(err, "get material %s/%s/%s version %d", ref.Account, ref.Region, ref.KeyID, version)
	}
	s.Finish(&m)
	return m, nil
}

// ListMaterials implements store.Reader.
func (r reader) ListMaterials(ctx context.Context, ref store.KeyRef) ([]store.Material, error) {
	return list(ctx, r, qListMaterials, "list materials", decode.Materials(ref), ref.Account, ref.Region, ref.KeyID)
}

// GetAlias implements store.Reader.
func (r reader) GetAlias(ctx context.Context, account, region, name string) (store.Alias, error) {
	a := store.Alias{Account: account, Region: region, Name: name}
	var s aliasScan
	var buf [3]any
	if err := r.row(ctx, qGetAlias, account, region, name).Scan(s.Dest(&a, buf[:0])...); err != nil {
		return store.Alias{}, noRows(err, "get alias %s/%s/%s", account, region, name)
	}
	s.Finish(&a)
	return a, nil
}

// ListAliases implements store.Reader.
func (r reader) ListAliases(ctx context.Context, account, region, keyID string, page store.Page) ([]store.Alias, error) {
	if keyID == "" {
		return list(ctx, r, qListAliases, "list aliases", decode.Aliases(account, region),
			account, region, page.After, limit(page.Limit))
	}
	return list(ctx, r, qListAliasesByKey, "list aliases", decode.Aliases(account, region),
		account, region, keyID, page.After, limit(page.Limit))
}

// ListTags implements store.Reader.
func (r reader) ListTags(ctx context.Context, ref store.KeyRef) ([]store.Tag, error) {
	return list(ctx, r, qListTags, "list tags", decode.Tag, ref.Account, ref.Region, ref.KeyID)
}

// GetSetting implements store.Reader.
func (r reader) GetSetting(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	if err := r.row(ctx, qGetSetting, name).Scan(&v); err != nil {
		return nil, noRows(err, "get setting %s", name)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// keyExists reports whether the key exists.
func (r reader) keyExists(ctx context.Context, ref store.KeyRef) (bool, error) {
	var one int64
	err := r.row(ctx, qKeyExists, ref.Account, ref.Region, ref.KeyID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlite: key %s/%s/%s: %w", ref.Account, ref.Region, ref.KeyID, err)
	}
	return true, nil
}
