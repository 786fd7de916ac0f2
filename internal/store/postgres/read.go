package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/coffer-kms/coffer/internal/store"
	"github.com/coffer-kms/coffer/internal/store/sqlstore"
)

// querier is what the pool and a transaction have in common. pgx prepares
// and caches each query text per connection, so the hot reads run as
// prepared statements.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// reader implements store.Reader.
type reader struct {
	q querier
}

// ts encodes t for a timestamptz column: NULL for the zero time.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// tsColumn is the scan destination of a timestamptz column: what ts
// encoded, decoded in UTC.
type tsColumn struct{ pgtype.Timestamptz }

func (c *tsColumn) Time() time.Time {
	if !c.Valid {
		return time.Time{}
	}
	return c.Timestamptz.Time.UTC()
}

// decode decodes rows, with timestamptz times.
var decode sqlstore.Decoder[tsColumn, *tsColumn]

// keyScan holds a key row's columns that need converting.
type keyScan = sqlstore.KeyScan[tsColumn, *tsColumn]

// The other hot reads' scan state (see sqlstore.KeyScan).
type (
	accessKeyScan = sqlstore.AccessKeyScan[tsColumn, *tsColumn]
	materialScan  = sqlstore.MaterialScan[tsColumn, *tsColumn]
	aliasScan     = sqlstore.AliasScan[tsColumn, *tsColumn]
)

// limit turns a Page or ListKeysDue limit into a LIMIT argument (NULL: none).
func limit(n int) any {
	if n <= 0 {
		return nil
	}
	return int64(n)
}

// noRows maps pgx.ErrNoRows to store.ErrNotFound and adds context.
func noRows(err error, format string, args ...any) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: "+format+": %w", append(args, store.ErrNotFound)...)
	}
	return fmt.Errorf("postgres: "+format+": %w", append(args, err)...)
}

// get runs the single-row query sql and decodes the row with scan;
// store.ErrNotFound if there is none. what describes the read in errors,
// formatted with args.
func get[T any](ctx context.Context, r reader, sql, what string, scan func(sqlstore.Scanner) (T, error), args ...any) (T, error) {
	v, err := scan(r.q.QueryRow(ctx, sql, args...))
	if err != nil {
		var zero T
		return zero, noRows(err, what, args...)
	}
	return v, nil
}

// list runs the listing query sql and decodes each row with scan.
func list[T any](ctx context.Context, r reader, sql, what string, scan func(sqlstore.Scanner) (T, error), args ...any) ([]T, error) {
	rows, err := r.q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, err)
	}
	defer rows.Close()
	out, err := sqlstore.Collect(rows, scan)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, err)
	}
	return out, nil
}

const (
	sqlGetAccount   = `SELECT id, name, created_at FROM accounts WHERE id = $1`
	sqlListAccounts = `SELECT id, name, created_at FROM accounts ORDER BY id`
	sqlGetAccessKey = `SELECT ` + sqlstore.AccessKeyCols + ` FROM access_keys WHERE access_key_id = $1`
	sqlGetKey       = `SELECT ` + sqlstore.KeyBody + ` FROM keys WHERE account = $1 AND region = $2 AND key_id = $3`
	sqlListKeys     = `SELECT account, region, key_id, ` + sqlstore.KeyBody + ` FROM keys
		WHERE account = $1 AND region = $2 AND key_id > $3 ORDER BY key_id LIMIT $4`
	sqlListKeysDue = `SELECT account, region, key_id, ` + sqlstore.KeyBody + ` FROM keys
		WHERE (state = 'PendingDeletion' AND deletion_date <= $1)
		   OR (rotation_enabled AND next_rotation <= $1)
		   OR (material_expires IS NOT NULL AND material_expires <= $1)
		ORDER BY account, region, key_id LIMIT $2`
	sqlKeyExists   = `SELECT EXISTS (SELECT 1 FROM keys WHERE account = $1 AND region = $2 AND key_id = $3)`
	sqlGetMaterial = `SELECT material_id, wrapped, created_at, rotation_type FROM key_materials
		WHERE account = $1 AND region = $2 AND key_id = $3 AND version = $4`
	sqlListMaterials = `SELECT version, material_id, wrapped, created_at, rotation_type FROM key_materials
		WHERE account = $1 AND region = $2 AND key_id = $3 ORDER BY version`
	sqlGetAlias = `SELECT target_key_id, created_at, updated_at FROM aliases
		WHERE account = $1 AND region = $2 AND name = $3`
	sqlListAliases = `SELECT name, target_key_id, created_at, updated_at FROM aliases
		WHERE account = $1 AND region = $2 AND name > $3 ORDER BY name LIMIT $4`
	sqlListAliasesByKey = `SELECT name, target_key_id, created_at, updated_at FROM aliases
		WHERE account = $1 AND region = $2 AND target_key_id = $3 AND name > $4 ORDER BY name LIMIT $5`
	sqlListTags   = `SELECT tag_key, tag_value FROM tags WHERE account = $1 AND region = $2 AND key_id = $3 ORDER BY tag_key`
	sqlGetSetting = `SELECT value FROM settings WHERE name = $1`
)

// GetAccount implements store.Reader.
func (r reader) GetAccount(ctx context.Context, id string) (store.Account, error) {
	return get(ctx, r, sqlGetAccount, "get account %s", decode.Account, id)
}

// ListAccounts implements store.Reader.
func (r reader) ListAccounts(ctx context.Context) ([]store.Account, error) {
	return list(ctx, r, sqlListAccounts, "list accounts", decode.Account)
}

// GetAccessKey implements store.Reader. An empty WrappedSessionToken reads
// back as nil.
func (r reader) GetAccessKey(ctx context.Context, accessKeyID string) (store.AccessKey, error) {
	var k store.AccessKey
	var s accessKeyScan
	var buf [11]any
	if err := r.q.QueryRow(ctx, sqlGetAccessKey, accessKeyID).Scan(s.Dest(&k, buf[:0])...); err != nil {
		return store.AccessKey{}, noRows(err, "get access key %s", accessKeyID)
	}
	s.Finish(&k)
	return k, nil
}

// keyArgs appends k's sqlstore.KeyBody values, in order, to a.
func keyArgs(a []any, k *store.Key) []any {
	return append(a, ts(k.CreationDate), k.Description, k.KeySpec, k.KeyUsage, k.Origin, k.KeyManager,
		k.MultiRegion, k.State, ts(k.DeletionDate), int32(k.PendingWindowDays), k.Policy,
		k.RotationEnabled, int32(k.RotationPeriodDays), ts(k.NextRotation), int64(k.CurrentVersion),
		int32(k.OnDemandRotations), k.Attrs, ts(k.MaterialExpires))
}

// GetKey implements store.Reader.
func (r reader) GetKey(ctx context.Context, ref store.KeyRef) (store.Key, error) {
	k := store.Key{Ref: ref}
	var s keyScan
	var buf [18]any
	err := r.q.QueryRow(ctx, sqlGetKey, ref.Account, ref.Region, ref.KeyID).Scan(s.Dest(&k, buf[:0])...)
	if err != nil {
		return store.Key{}, noRows(err, "get key %s/%s/%s", ref.Account, ref.Region, ref.KeyID)
	}
	s.Finish(&k)
	return k, nil
}

// ListKeys implements store.Reader.
func (r reader) ListKeys(ctx context.Context, account, region string, page store.Page) ([]store.Key, error) {
	return list(ctx, r, sqlListKeys, "list keys", decode.KeyWithRef, account, region, page.After, limit(page.Limit))
}

// ListKeysDue implements store.Reader. Keys come sorted by account, region
// and key id.
func (r reader) ListKeysDue(ctx context.Context, now time.Time, n int) ([]store.Key, error) {
	return list(ctx, r, sqlListKeysDue, "list keys due", decode.KeyWithRef, now, limit(n))
}

// GetMaterial implements store.Reader.
func (r reader) GetMaterial(ctx context.Context, ref store.KeyRef, version uint32) (store.Material, error) {
	m := store.Material{Ref: ref, Version: version}
	var s materialScan
	var buf [4]any
	row := r.q.QueryRow(ctx, sqlGetMaterial, ref.Account, ref.Region, ref.KeyID, int64(version))
	if err := row.Scan(s.Dest(&m, buf[:0])...); err != nil {
		return store.Material{}, noRows(err, "get material %s/%s/%s version %d", ref.Account, ref.Region, ref.KeyID, version)
	}
	s.Finish(&m)
	return m, nil
}

// ListMaterials implements store.Reader.
func (r reader) ListMaterials(ctx context.Context, ref store.KeyRef) ([]store.Material, error) {
	return list(ctx, r, sqlListMaterials, "list materials", decode.Materials(ref), ref.Account, ref.Region, ref.KeyID)
}

// GetAlias implements store.Reader.
func (r reader) GetAlias(ctx context.Context, account, region, name string) (store.Alias, error) {
	a := store.Alias{Account: account, Region: region, Name: name}
	var s aliasScan
	var buf [3]any
	if err := r.q.QueryRow(ctx, sqlGetAlias, account, region, name).Scan(s.Dest(&a, buf[:0])...); err != nil {
		return store.Alias{}, noRows(err, "get alias %s/%s/%s", account, region, name)
	}
	s.Finish(&a)
	return a, nil
}

// ListAliases implements store.Reader.
func (r reader) ListAliases(ctx context.Context, account, region, keyID string, page store.Page) ([]store.Alias, error) {
	if keyID == "" {
		return list(ctx, r, sqlListAliases, "list aliases", decode.Aliases(account, region),
			account, region, page.After, limit(page.Limit))
	}
	return list(ctx, r, sqlListAliasesByKey, "list aliases", decode.Aliases(account, region),
		account, region, keyID, page.After, limit(page.Limit))
}

// ListTags implements store.Reader.
func (r reader) ListTags(ctx context.Context, ref store.KeyRef) ([]store.Tag, error) {
	return list(ctx, r, sqlListTags, "list tags", decode.Tag, ref.Account, ref.Region, ref.KeyID)
}

// GetSetting implements store.Reader.
func (r reader) GetSetting(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	if err := r.q.QueryRow(ctx, sqlGetSetting, name).Scan(&v); err != nil {
		return nil, noRows(err, "get setting %s", name)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// keyExists reports whether the key exists.
func (r reader) keyExists(ctx context.Context, ref store.KeyRef) (bool, error) {
	var ok bool
	if err := r.q.QueryRow(ctx, sqlKeyExists, ref.Account, ref.Region, ref.KeyID).Scan(&ok); err != nil {
		return false, fmt.Errorf("postgres: key %s/%s/%s: %w", ref.Account, ref.Region, ref.KeyID, err)
	}
	return ok, nil
}
