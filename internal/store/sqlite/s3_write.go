package sqlite

import (
	"context"
	"fmt"
	"sort"

	"github.com/coffer-kms/coffer/internal/store"
	"github.com/coffer-kms/coffer/internal/store/sqlstore"
)

var _ store.S3Tx = (*tx)(nil)

// need returns store.ErrNotFound, naming what, unless the single-row query
// id finds a row.
func (t *tx) need(ctx context.Context, op, what string, id stmtID, args ...any) error {
	ok, err := t.exists(ctx, id, args...)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if !ok {
		return fmt.Errorf("sqlite: %s: %s: %w", op, what, store.ErrNotFound)
	}
	return nil
}

// CreateBucket implements store.S3Tx.
func (t *tx) CreateBucket(ctx context.Context, b store.Bucket) error {
	if err := t.writeOne(ctx, "create bucket "+b.Name, store.ErrExists, qCreateBucket,
		b.Name, b.Account, b.Region, micros(b.CreatedAt), b.Encryption, b.Policy); err != nil {
		return err
	}
	t.changes.Bucket(b.Name)
	return nil
}

// UpdateBucket implements store.S3Tx.
func (t *tx) UpdateBucket(ctx context.Context, b store.Bucket) error {
	if err := t.writeOne(ctx, "update bucket "+b.Name, store.ErrNotFound, qUpdateBucket,
		b.Encryption, b.Policy, b.Name); err != nil {
		return err
	}
	t.changes.Bucket(b.Name)
	return nil
}

// DeleteBucket implements store.S3Tx. It fails (with a constraint error)
// if the bucket still holds objects or uploads.
func (t *tx) DeleteBucket(ctx context.Context, name string) error {
	if err := t.writeOne(ctx, "delete bucket "+name, store.ErrNotFound, qDeleteBucket, name); err != nil {
		return err
	}
	t.changes.Bucket(name)
	return nil
}

// PutObject implements store.S3Tx; store.ErrNotFound if the bucket does
// not exist.
func (t *tx) PutObject(ctx context.Context, o store.Object) ([]string, error) {
	op := fmt.Sprintf("put object %s/%s", o.Bucket, o.Key)
	if err := t.need(ctx, op, "bucket "+o.Bucket, qBucketExists, o.Bucket); err != nil {
		return nil, err
	}
	old, err := t.blobOf(ctx, qObjectBlob, o.Bucket, o.Key)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	oldParts, err := t.queryNames(ctx, qDeleteObjectParts, o.Bucket, o.Key)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	var buf [18]any
	args := sqlstore.EncArgs(append(buf[:0], o.Bucket, o.Key, o.BlobID, o.Size, o.ETag, micros(o.LastModified),
		o.ContentType, o.Metadata, o.Checksum, o.Parts), &o.Encryption)
	if _, err := t.exec(ctx, qPutObject, args...); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	for i, id := range o.PartBlobs {
		if _, err := t.exec(ctx, qPutObjectPart, o.Bucket, o.Key, int64(i), id); err != nil {
			return nil, fmt.Errorf("sqlite: %s: part %d: %w", op, i, err)
		}
	}
	return sqlstore.Blobs(old, oldParts), nil
}

// DeleteObject implements store.S3Tx.
func (t *tx) DeleteObject(ctx context.Context, bucket, key string) ([]string, error) {
	op := fmt.Sprintf("delete object %s/%s", bucket, key)
	id, err := t.writeReturning(ctx, op, qDeleteObject, bucket, key)
	if err != nil {
		return nil, err
	}
	parts, err := t.queryNames(ctx, qDeleteObjectParts, bucket, key)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return sqlstore.Blobs(id, parts), nil
}

// CreateUpload implements store.S3Tx; store.ErrNotFound if the bucket does
// not exist.
func (t *tx) CreateUpload(ctx context.Context, u store.Upload) error {
	op := fmt.Sprintf("create upload %s/%s", u.Bucket, u.UploadID)
	if err := t.need(ctx, op, "bucket "+u.Bucket, qBucketExists, u.Bucket); err != nil {
		return err
	}
	var buf [15]any
	args := sqlstore.EncArgs(append(buf[:0], u.UploadID, u.Bucket, u.Key, micros(u.Initiated), u.ContentType,
		u.Metadata, u.ChecksumAlgorithm), &u.Encryption)
	return t.writeOne(ctx, op, store.ErrExists, qCreateUpload, args...)
}

// PutPart implements store.S3Tx.
func (t *tx) PutPart(ctx context.Context, p store.Part) (string, error) {
	op := fmt.Sprintf("put part %s/%d", p.UploadID, p.Number)
	if err := t.need(ctx, op, "upload "+p.UploadID, qUploadExists, p.UploadID); err != nil {
		return "", err
	}
	old, err := t.blobOf(ctx, qPartBlob, p.UploadID, int64(p.Number))
	if err != nil {
		return "", fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if _, err := t.exec(ctx, qPutPart, p.UploadID, int64(p.Number), p.BlobID, p.Size, p.EncryptedSize,
		p.ETag, p.Checksum, micros(p.LastModified)); err != nil {
		return "", fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return old, nil
}

// DeleteUpload implements store.S3Tx. The blob ids come sorted.
func (t *tx) DeleteUpload(ctx context.Context, bucket, uploadID string) ([]string, error) {
	op := fmt.Sprintf("delete upload %s/%s", bucket, uploadID)
	// Delete the parts first (rather than by ON DELETE CASCADE) to learn
	// their blobs.
	blobs, err := t.queryNames(ctx, qDeleteParts, uploadID, bucket)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if err := t.writeOne(ctx, op, store.ErrNotFound, qDeleteUpload, uploadID, bucket); err != nil {
		return nil, err
	}
	sort.Strings(blobs)
	return blobs, nil
}
