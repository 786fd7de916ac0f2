package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/coffer-kms/coffer/internal/store"
	"github.com/coffer-kms/coffer/internal/store/sqlstore"
)

// tx is the store.Tx given to Update's fn.
type tx struct {
	reader
	tx      pgx.Tx
	changes sqlstore.Changes
}

var _ store.Tx = (*tx)(nil)

// exec runs a write and returns the number of rows it changed.
func (t *tx) exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(ctx, sql, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// writeOne runs a write that must change a row, failing with none when it
// changes nothing: store.ErrExists for an insert that conflicted,
// store.ErrNotFound for an update or delete that matched nothing. op names
// the operation in errors.
func (t *tx) writeOne(ctx context.Context, op string, none error, sql string, args ...any) error {
	n, err := t.exec(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	if n == 0 {
		return fmt.Errorf("postgres: %s: %w", op, none)
	}
	return nil
}

// queryNames runs a statement returning one text column (a write with
// RETURNING) and collects the values.
func (t *tx) queryNames(ctx context.Context, sql string, args ...any) ([]string, error) {
	rows, err := t.tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// writeReturning runs a write ... RETURNING name that must match a row and
// returns the first name returned; store.ErrNotFound if none matched. op
// names the operation in errors.
func (t *tx) writeReturning(ctx context.Context, op string, sql string, args ...any) (string, error) {
	names, err := t.queryNames(ctx, sql, args...)
	if err != nil {
		return "", fmt.Errorf("postgres: %s: %w", op, err)
	}
	if len(names) == 0 {
		return "", fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	return names[0], nil
}

// needKey returns store.ErrNotFound unless the key exists.
func (t *tx) needKey(ctx context.Context, ref store.KeyRef, op string) error {
	ok, err := t.keyExists(ctx, ref)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	if !ok {
		return fmt.Errorf("postgres: %s: key %s/%s/%s: %w", op, ref.Account, ref.Region, ref.KeyID, store.ErrNotFound)
	}
	return nil
}

// CreateAccount implements store.Tx.
func (t *tx) CreateAccount(ctx context.Context, a store.Account) error {
	return t.writeOne(ctx, "create account "+a.ID, store.ErrExists, sqlCreateAccount, a.ID, a.Name, ts(a.CreatedAt))
}

// PutAccessKey implements store.Tx.
func (t *tx) PutAccessKey(ctx context.Context, k store.AccessKey) error {
	_, err := t.exec(ctx, sqlPutAccessKey, k.AccessKeyID, k.Account, k.PrincipalARN, k.UserID,
		sqlstore.Blob(k.WrappedSecret), k.Status, ts(k.CreatedAt),
		k.UserName, k.RoleName, sqlstore.NullBlob(k.WrappedSessionToken), ts(k.Expiration))
	if err != nil {
		return fmt.Errorf("postgres: put access key %s: %w", k.AccessKeyID, err)
	}
	t.changes.AccessKey(k.AccessKeyID)
	return nil
}

// DeleteAccessKey implements store.Tx.
func (t *tx) DeleteAccessKey(ctx context.Context, accessKeyID string) error {
	if err := t.writeOne(ctx, "delete access key "+accessKeyID, store.ErrNotFound, sqlDeleteAccessKey, accessKeyID); err != nil {
		return err
	}
	t.changes.AccessKey(accessKeyID)
	return nil
}

// CreateKey implements store.Tx.
func (t *tx) CreateKey(ctx context.Context, k store.Key) error {
	var buf [21]any
	args := keyArgs(append(buf[:0], k.Ref.Account, k.Ref.Region, k.Ref.KeyID), &k)
	op := fmt.Sprintf("create key %s/%s/%s", k.Ref.Account, k.Ref.Region, k.Ref.KeyID)
	if err := t.writeOne(ctx, op, store.ErrExists, sqlCreateKey, args...); err != nil {
		return err
	}
	t.changes.Key(k.Ref)
	return nil
}

// UpdateKey implements store.Tx.
func (t *tx) UpdateKey(ctx context.Context, k store.Key) error {
	var buf [21]any
	args := append(keyArgs(buf[:0], &k), k.Ref.Account, k.Ref.Region, k.Ref.KeyID)
	op := fmt.Sprintf("update key %s/%s/%s", k.Ref.Account, k.Ref.Region, k.Ref.KeyID)
	if err := t.writeOne(ctx, op, store.ErrNotFound, sqlUpdateKey, args...); err != nil {
		return err
	}
	t.changes.Key(k.Ref)
	return nil
}

// DeleteKey implements store.Tx. It also removes the key's grants and
// reports a store.ChangeGrant for the key.
func (t *tx) DeleteKey(ctx context.Context, ref store.KeyRef) error {
	op := fmt.Sprintf("delete key %s/%s/%s", ref.Account, ref.Region, ref.KeyID)
	// Delete the aliases explicitly (rather than by ON DELETE CASCADE) to
	// learn their names, so that watchers drop them too.
	aliases, err := t.queryNames(ctx, sqlDeleteAliasesOfKey, ref.Account, ref.Region, ref.KeyID)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	if err := t.writeOne(ctx, op, store.ErrNotFound, sqlDeleteKey, ref.Account, ref.Region, ref.KeyID); err != nil {
		return err
	}
	t.changes.Key(ref)
	t.changes.Grant(ref) // its grants went too (ON DELETE CASCADE)
	for _, name := range aliases {
		t.changes.Alias(ref.Account, ref.Region, name)
	}
	return nil
}

// DeleteMaterials implements store.Tx.
func (t *tx) DeleteMaterials(ctx context.Context, ref store.KeyRef) error {
	op := fmt.Sprintf("delete materials %s/%s/%s", ref.Account, ref.Region, ref.KeyID)
	if err := t.needKey(ctx, ref, op); err != nil {
		return err
	}
	if _, err := t.exec(ctx, sqlDeleteMaterials, ref.Account, ref.Region, ref.KeyID); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	t.changes.Key(ref)
	return nil
}

// DeleteMaterial implements store.Tx.
func (t *tx) DeleteMaterial(ctx context.Context, ref store.KeyRef, version uint32) error {
	op := fmt.Sprintf("delete material %s/%s/%s version %d", ref.Account, ref.Region, ref.KeyID, version)
	if err := t.writeOne(ctx, op, store.ErrNotFound, sqlDeleteMaterial, ref.Account, ref.Region, ref.KeyID, int64(version)); err != nil {
		return err
	}
	t.changes.Key(ref)
	return nil
}

// AddMaterial implements store.Tx.
func (t *tx) AddMaterial(ctx context.Context, m store.Material) error {
	op := fmt.Sprintf("add material %s/%s/%s version %d", m.Ref.Account, m.Ref.Region, m.Ref.KeyID, m.Version)
	if err := t.needKey(ctx, m.Ref, op); err != nil {
		return err
	}
	if err := t.writeOne(ctx, op, store.ErrExists, sqlAddMaterial, m.Ref.Account, m.Ref.Region, m.Ref.KeyID, int64(m.Version),
		m.MaterialID, sqlstore.Blob(m.Wrapped), ts(m.CreatedAt), m.RotationType); err != nil {
		return err
	}
	t.changes.Key(m.Ref)
	return nil
}

// CreateAlias implements store.Tx.
func (t *tx) CreateAlias(ctx context.Context, a store.Alias) error {
	op := fmt.Sprintf("create alias %s/%s/%s", a.Account, a.Region, a.Name)
	if err := t.needKey(ctx, store.KeyRef{Account: a.Account, Region: a.Region, KeyID: a.TargetKeyID}, op); err != nil {
		return err
	}
	if err := t.writeOne(ctx, op, store.ErrExists, sqlCreateAlias, a.Account, a.Region, a.Name, a.TargetKeyID,
		ts(a.CreatedAt), ts(a.UpdatedAt)); err != nil {
		return err
	}
	t.changes.Alias(a.Account, a.Region, a.Name)
	return nil
}

// UpdateAlias implements store.Tx.
func (t *tx) UpdateAlias(ctx context.Context, a store.Alias) error {
	op := fmt.Sprintf("update alias %s/%s/%s", a.Account, a.Region, a.Name)
	if err := t.needKey(ctx, store.KeyRef{Account: a.Account, Region: a.Region, KeyID: a.TargetKeyID}, op); err != nil {
		return err
	}
	if err := t.writeOne(ctx, op, store.ErrNotFound, sqlUpdateAlias, a.TargetKeyID, ts(a.CreatedAt), ts(a.UpdatedAt),
		a.Account, a.Region, a.Name); err != nil {
		return err
	}
	t.changes.Alias(a.Account, a.Region, a.Name)
	return nil
}

// DeleteAlias implements store.Tx.
func (t *tx) DeleteAlias(ctx context.Context, account, region, name string) error {
	op := fmt.Sprintf("delete alias %s/%s/%s", account, region, name)
	if err := t.writeOne(ctx, op, store.ErrNotFound, sqlDeleteAlias, account, region, name); err != nil {
		return err
	}
	t.changes.Alias(account, region, name)
	return nil
}

// PutTags implements store.Tx.
func (t *tx) PutTags(ctx context.Context, ref store.KeyRef, tags []store.Tag) error {
	op := fmt.Sprintf("put tags %s/%s/%s", ref.Account, ref.Region, ref.KeyID)
	if err := t.needKey(ctx, ref, op); err != nil {
		return err
	}
	for _, tag := range tags {
		if _, err := t.exec(ctx, sqlPutTag, ref.Account, ref.Region, ref.KeyID, tag.Key, tag.Value); err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
	}
	t.changes.Key(ref)
	return nil
}

// DeleteTags implements store.Tx.
func (t *tx) DeleteTags(ctx context.Context, ref store.KeyRef, keys []string) error {
	var n int64
	for _, k := range keys {
		m, err := t.exec(ctx, sqlDeleteTag, ref.Account, ref.Region, ref.KeyID, k)
		if err != nil {
			return fmt.Errorf("postgres: delete tags %s/%s/%s: %w", ref.Account, ref.Region, ref.KeyID, err)
		}
		n += m
	}
	if n > 0 {
		t.changes.Key(ref)
	}
	return nil
}

// PutSetting implements store.Tx.
func (t *tx) PutSetting(ctx context.Context, name string, value []byte) error {
	if _, err := t.exec(ctx, sqlPutSetting, name, sqlstore.Blob(value)); err != nil {
		return fmt.Errorf("postgres: put setting %s: %w", name, err)
	}
	return nil
}

const (
	sqlCreateAccount = `INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`
	sqlPutAccessKey  = `INSERT INTO access_keys (` + sqlstore.AccessKeyCols + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (access_key_id) DO UPDATE SET account = excluded.account,
			principal_arn = excluded.principal_arn, user_id = excluded.user_id,
			wrapped_secret = excluded.wrapped_secret, status = excluded.status,
			created_at = excluded.created_at, user_name = excluded.user_name,
			role_name = excluded.role_name, wrapped_session_token = excluded.wrapped_session_token,
			expiration = excluded.expiration`
	sqlDeleteAccessKey = `DELETE FROM access_keys WHERE access_key_id = $1`
	sqlCreateKey       = `INSERT INTO keys (account, region, key_id, ` + sqlstore.KeyBody + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
		ON CONFLICT DO NOTHING`
	sqlUpdateKey = `UPDATE keys SET creation_date = $1, description = $2, key_spec = $3, key_usage = $4,
		origin = $5, key_manager = $6, multi_region = $7, state = $8, deletion_date = $9,
		pending_window_days = $10, policy = $11, rotation_enabled = $12, rotation_period_days = $13,
		next_rotation = $14, current_version = $15, on_demand_rotations = $16, attrs = $17,
		material_expires = $18
		WHERE account = $19 AND region = $20 AND key_id = $21`
	sqlDeleteAliasesOfKey = `DELETE FROM aliases WHERE account = $1 AND region = $2 AND target_key_id = $3 RETURNING name`
	sqlDeleteKey          = `DELETE FROM keys WHERE account = $1 AND region = $2 AND key_id = $3`
	sqlDeleteMaterials    = `DELETE FROM key_materials WHERE account = $1 AND region = $2 AND key_id = $3`
	sqlDeleteMaterial     = `DELETE FROM key_materials WHERE account = $1 AND region = $2 AND key_id = $3 AND version = $4`
	sqlAddMaterial        = `INSERT INTO key_materials (account, region, key_id, version, material_id, wrapped, created_at, rotation_type)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`
	sqlCreateAlias = `INSERT INTO aliases (account, region, name, target_key_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`
	sqlUpdateAlias = `UPDATE aliases SET target_key_id = $1, created_at = $2, updated_at = $3
		WHERE account = $4 AND region = $5 AND name = $6`
	sqlDeleteAlias = `DELETE FROM aliases WHERE account = $1 AND region = $2 AND name = $3`
	sqlPutTag      = `INSERT INTO tags (account, region, key_id, tag_key, tag_value) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (account, region, key_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value`
	sqlDeleteTag  = `DELETE FROM tags WHERE account = $1 AND region = $2 AND key_id = $3 AND tag_key = $4`
	sqlPutSetting = `INSERT INTO settings (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`
)
