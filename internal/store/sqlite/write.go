package sqlite

import (
	"context"
	"fmt"

	"github.com/coffer-kms/coffer/internal/store"
	"github.com/coffer-kms/coffer/internal/store/sqlstore"
)

// tx is the store.Tx given to Update's fn.
type tx struct {
	reader
	stmts   txStmts
	changes sqlstore.Changes
}

var _ store.Tx = (*tx)(nil)

// exec runs a write and returns the number of rows it changed.
func (t *tx) exec(ctx context.Context, id stmtID, args ...any) (int64, error) {
	res, err := t.stmts.stmt(ctx, id).ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// writeOne runs a write that must change a row, failing with none when it
// changes nothing: store.ErrExists for an insert that conflicted,
// store.ErrNotFound for an update or delete that matched nothing. op names
// the operation in errors.
func (t *tx) writeOne(ctx context.Context, op string, none error, id stmtID, args ...any) error {
	n, err := t.exec(ctx, id, args...)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if n == 0 {
		return fmt.Errorf("sqlite: %s: %w", op, none)
	}
	return nil
}

// queryNames runs a statement returning one text column (a write with
// RETURNING) and collects the values.
func (t *tx) queryNames(ctx context.Context, id stmtID, args ...any) ([]string, error) {
	rows, err := t.stmts.stmt(ctx, id).QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return sqlstore.Collect(rows, scanString)
}

func scanString(sc sqlstore.Scanner) (string, error) {
	var s string
	err := sc.Scan(&s)
	return s, err
}

// writeReturning runs a write ... RETURNING name that must match a row and
// returns the first name returned; store.ErrNotFound if none matched. op
// names the operation in errors.
func (t *tx) writeReturning(ctx context.Context, op string, id stmtID, args ...any) (string, error) {
	names, err := t.queryNames(ctx, id, args...)
	if err != nil {
		return "", fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if len(names) == 0 {
		return "", fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	return names[0], nil
}

// needKey returns store.ErrNotFound unless the key exists.
func (t *tx) needKey(ctx context.Context, ref store.KeyRef, op string) error {
	ok, err := t.keyExists(ctx, ref)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if !ok {
		return fmt.Errorf("sqlite: %s: key %s/%s/%s: %w", op, ref.Account, ref.Region, ref.KeyID, store.ErrNotFound)
	}
	return nil
}

// CreateAccount implements store.Tx.
func (t *tx) CreateAccount(ctx context.Context, a store.Account) error {
	return t.writeOne(ctx, "create account "+a.ID, store.ErrExists, qCreateAccount, a.ID, a.Name, micros(a.CreatedAt))
}

// PutAccessKey implements store.Tx.
func (t *tx) PutAccessKey(ctx context.Context, k store.AccessKey) error {
	_, err := t.exec(ctx, qPutAccessKey, k.AccessKeyID, k.Account, k.PrincipalARN, k.UserID,
		sqlstore.Blob(k.WrappedSecret), k.Status, micros(k.CreatedAt),
		k.UserName, k.RoleName, sqlstore.NullBlob(k.WrappedSessionToken), micros(k.Expiration))
	if err != nil {
		return fmt.Errorf("sqlite: put access key %s: %w", k.AccessKeyID, err)
	}
	t.changes.AccessKey(k.AccessKeyID)
	return nil
}

// DeleteAccessKey implements store.Tx.
func (t *tx) DeleteAccessKey(ctx context.Context, accessKeyID string) error {
	if err := t.writeOne(ctx, "delete access key "+accessKeyID, store.ErrNotFound, qDeleteAccessKey, accessKeyID); err != nil {
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
	if err := t.writeOne(ctx, op, store.ErrExists, qCreateKey, args...); err != nil {
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
	if err := t.writeOne(ctx, op, store.ErrNotFound, qUpdateKey, args...); err != nil {
		return err
	}
	t.changes.Key(k.Ref)
	return nil
}

// DeleteKey implements store.Tx. It also removes the key's grants and
// reports a store.ChangeGrant for the key.
func (t *tx) DeleteKey(ctx context.Context, ref store.KeyRef) error {
	op := fmt.Sprintf("delete key %s/%s/%s", ref.Account, ref.Region, ref.KeyID)
	// The aliases go with the key (ON DELETE CASCADE); note their names
	// first so that watchers drop them too.
	aliases, err := t.queryNames(ctx, qAliasNamesOfKey, ref.Account, ref.Region, ref.KeyID)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if err := t.writeOne(ctx, op, store.ErrNotFound, qDeleteKey, ref.Account, ref.Region, ref.KeyID); err != nil {
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
	if _, err := t.exec(ctx, qDeleteMaterials, ref.Account, ref.Region, ref.KeyID); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	t.changes.Key(ref)
	return nil
}

// DeleteMaterial implements store.Tx.
func (t *tx) DeleteMaterial(ctx context.Context, ref store.KeyRef, version uint32) error {
	op := fmt.Sprintf("delete material %s/%s/%s version %d", ref.Account, ref.Region, ref.KeyID, version)
	if err := t.writeOne(ctx, op, store.ErrNotFound, qDeleteMaterial, ref.Account, ref.Region, ref.KeyID, int64(version)); err != nil {
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
	if err := t.writeOne(ctx, op, store.ErrExists, qAddMaterial, m.Ref.Account, m.Ref.Region, m.Ref.KeyID, int64(m.Version),
		m.MaterialID, sqlstore.Blob(m.Wrapped), micros(m.CreatedAt), m.RotationType); err != nil {
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
	if err := t.writeOne(ctx, op, store.ErrExists, qCreateAlias, a.Account, a.Region, a.Name, a.TargetKeyID,
		micros(a.CreatedAt), micros(a.UpdatedAt)); err != nil {
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
	if err := t.writeOne(ctx, op, store.ErrNotFound, qUpdateAlias, a.TargetKeyID, micros(a.CreatedAt), micros(a.UpdatedAt),
		a.Account, a.Region, a.Name); err != nil {
		return err
	}
	t.changes.Alias(a.Account, a.Region, a.Name)
	return nil
}

// DeleteAlias implements store.Tx.
func (t *tx) DeleteAlias(ctx context.Context, account, region, name string) error {
	op := fmt.Sprintf("delete alias %s/%s/%s", account, region, name)
	if err := t.writeOne(ctx, op, store.ErrNotFound, qDeleteAlias, account, region, name); err != nil {
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
		if _, err := t.exec(ctx, qPutTag, ref.Account, ref.Region, ref.KeyID, tag.Key, tag.Value); err != nil {
			return fmt.Errorf("sqlite: %s: %w", op, err)
		}
	}
	t.changes.Key(ref)
	return nil
}

// DeleteTags implements store.Tx.
func (t *tx) DeleteTags(ctx context.Context, ref store.KeyRef, keys []string) error {
	var n int64
	for _, k := range keys {
		m, err := t.exec(ctx, qDeleteTag, ref.Account, ref.Region, ref.KeyID, k)
		if err != nil {
			return fmt.Errorf("sqlite: delete tags %s/%s/%s: %w", ref.Account, ref.Region, ref.KeyID, err)
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
	if _, err := t.exec(ctx, qPutSetting, name, sqlstore.Blob(value)); err != nil {
		return fmt.Errorf("sqlite: put setting %s: %w", name, err)
	}
	return nil
}
