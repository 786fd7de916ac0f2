package postgres

import (
	"context"
	"fmt"
	"sort"

	"github.com/coffer-kms/coffer/internal/store"
	"github.com/coffer-kms/coffer/internal/store/sqlstore"
)

var _ store.S3Tx = (*tx)(nil)

// need returns store.ErrNotFound, naming what, unless the SELECT EXISTS
// query sql finds a row.
func (t *tx) need(ctx context.Context, op, what, sql string, args ...any) error {
	ok, err := t.exists(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	if !ok {
		return fmt.Errorf("postgres: %s: %s: %w", op, what, store.ErrNotFound)
	}
	return nil
}

// replaced runs an upsert returning the replaced row's blob_id, if any.
func (t *tx) replaced(ctx context.Context, op, sql string, args ...any) (string, error) {
	blobs, err := t.queryNames(ctx, sql, args...)
	if err != nil {
		return "", fmt.Errorf("postgres: %s: %w", op, err)
	}
	if len(blobs) == 0 {
		return "", nil
	}
	return blobs[0], nil
}

// CreateBucket implements store.S3Tx.
func (t *tx) CreateBucket(ctx context.Context, b store.Bucket) error {
	if err := t.writeOne(ctx, "create bucket "+b.Name, store.ErrExists, sqlCreateBucket,
		b.Name, b.Account, b.Region, ts(b.CreatedAt), b.Encryption, b.Policy); err != nil {
		return err
	}
	t.changes.Bucket(b.Name)
	return nil
}

// UpdateBucket implements store.S3Tx.
func (t *tx) UpdateBucket(ctx context.Context, b store.Bucket) error {
	if err := t.writeOne(ctx, "update bucket "+b.Name, store.ErrNotFound, sqlUpdateBucket,
		b.Encryption, b.Policy, b.Name); err != nil {
		return err
	}
	t.changes.Bucket(b.Name)
	return nil
}

// DeleteBucket implements store.S3Tx. It fails (with a foreign key
// violation, which aborts the transaction) if the bucket still holds
// objects or uploads.
func (t *tx) DeleteBucket(ctx context.Context, name string) error {
	if err := t.writeOne(ctx, "delete bucket "+name, store.ErrNotFound, sqlDeleteBucket, name); err != nil {
		return err
	}
	t.changes.Bucket(name)
	return nil
}

// PutObject implements store.S3Tx; store.ErrNotFound if the bucket does
// not exist.
func (t *tx) PutObject(ctx context.Context, o store.Object) ([]string, error) {
	op := fmt.Sprintf("put object %s/%s", o.Bucket, o.Key)
	if err := t.need(ctx, op, "bucket "+o.Bucket, sqlBucketExists, o.Bucket); err != nil {
		return nil, err
	}
	oldParts, err := t.queryNames(ctx, sqlDeleteObjectParts, o.Bucket, o.Key)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, err)
	}
	var buf [18]any
	args := sqlstore.EncArgs(append(buf[:0], o.Bucket, o.Key, o.BlobID, o.Size, o.ETag, ts(o.LastModified),
		o.ContentType, o.Metadata, o.Checksum, o.Parts), &o.Encryption)
	old, err := t.replaced(ctx, op, sqlPutObject, args...)
	if err != nil {
		return nil, err
	}
	if len(o.PartBlobs) > 0 {
		if _, err := t.exec(ctx, sqlPutObjectParts, o.Bucket, o.Key, o.PartBlobs); err != nil {
			return nil, fmt.Errorf("postgres: %s: parts: %w", op, err)
		}
	}
	return sqlstore.Blobs(old, oldParts), nil
}

// DeleteObject implements store.S3Tx.
func (t *tx) DeleteObject(ctx context.Context, bucket, key string) ([]string, error) {
	op := fmt.Sprintf("delete object %s/%s", bucket, key)
	id, err := t.writeReturning(ctx, op, sqlDeleteObject, bucket, key)
	if err != nil {
		return nil, err
	}
	parts, err := t.queryNames(ctx, sqlDeleteObjectParts, bucket, key)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, err)
	}
	return sqlstore.Blobs(id, parts), nil
}

// CreateUpload implements store.S3Tx; store.ErrNotFound if the bucket does
// not exist.
func (t *tx) CreateUpload(ctx context.Context, u store.Upload) error {
	op := fmt.Sprintf("create upload %s/%s", u.Bucket, u.UploadID)
	if err := t.need(ctx, op, "bucket "+u.Bucket, sqlBucketExists, u.Bucket); err != nil {
		return err
	}
	var buf [15]any
	args := sqlstore.EncArgs(append(buf[:0], u.UploadID, u.Bucket, u.Key, ts(u.Initiated), u.ContentType,
		u.Metadata, u.ChecksumAlgorithm), &u.Encryption)
	return t.writeOne(ctx, op, store.ErrExists, sqlCreateUpload, args...)
}

// PutPart implements store.S3Tx.
func (t *tx) PutPart(ctx context.Context, p store.Part) (string, error) {
	op := fmt.Sprintf("put part %s/%d", p.UploadID, p.Number)
	if err := t.need(ctx, op, "upload "+p.UploadID, sqlUploadExists, p.UploadID); err != nil {
		return "", err
	}
	return t.replaced(ctx, op, sqlPutPart, p.UploadID, int64(p.Number), p.BlobID, p.Size, p.EncryptedSize,
		p.ETag, p.Checksum, ts(p.LastModified))
}

// DeleteUpload implements store.S3Tx. The blob ids come sorted.
func (t *tx) DeleteUpload(ctx context.Context, bucket, uploadID string) ([]string, error) {
	op := fmt.Sprintf("delete upload %s/%s", bucket, uploadID)
	// Delete the parts first (rather than by ON DELETE CASCADE) to learn
	// their blobs.
	blobs, err := t.queryNames(ctx, sqlDeleteParts, uploadID, bucket)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if err := t.writeOne(ctx, op, store.ErrNotFound, sqlDeleteUpload, uploadID, bucket); err != nil {
		return nil, err
	}
	sort.Strings(blobs)
	return blobs, nil
}
