package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/coffer-kms/coffer/internal/store"
	"github.com/coffer-kms/coffer/internal/store/sqlstore"
)

var _ store.S3Reader = reader{}

// objectScan holds an object row's columns that need converting.
type objectScan = sqlstore.ObjectScan[microsColumn, *microsColumn]

// GetBucket implements store.S3Reader.
func (r reader) GetBucket(ctx context.Context, name string) (store.Bucket, error) {
	return get(ctx, r, qGetBucket, "get bucket %s", decode.Bucket, name)
}

// ListBuckets implements store.S3Reader. Buckets come sorted by name.
func (r reader) ListBuckets(ctx context.Context, account string) ([]store.Bucket, error) {
	return list(ctx, r, qListBuckets, "list buckets", decode.Bucket, account)
}

// CountObjects implements store.S3Reader. limit <= 0 counts everything.
func (r reader) CountObjects(ctx context.Context, bucket string, n int) (int, error) {
	var count int64
	if err := r.row(ctx, qCountObjects, bucket, limit(n)).Scan(&count); err != nil {
		return 0, fmt.Errorf("sqlite: count objects %s: %w", bucket, err)
	}
	if n > 0 {
		count = min(count, int64(n))
	}
	return int(count), nil
}

// GetObject implements store.S3Reader. Empty byte fields read back as nil.
func (r reader) GetObject(ctx context.Context, bucket, key string) (store.Object, error) {
	var o store.Object
	var s objectScan
	var buf [18]any
	if err := r.row(ctx, qGetObject, bucket, key).Scan(s.Dest(&o, buf[:0])...); err != nil {
		return store.Object{}, noRows(err, "get object %s/%s", bucket, key)
	}
	s.Finish(&o)
	if o.BlobID == "" {
		parts, err := list(ctx, r, qObjectPartBlobs, "get object "+bucket+"/"+key+" parts", scanString, bucket, key)
		if err != nil {
			return store.Object{}, err
		}
		if len(parts) > 0 {
			o.PartBlobs = parts
		}
	}
	return o, nil
}

// BlobsInUse implements store.S3Reader.
func (r reader) BlobsInUse(ctx context.Context, ids []string) ([]string, error) {
	var used []string
	for _, id := range ids {
		var in bool
		if err := r.row(ctx, qBlobInUse, id).Scan(&in); err != nil {
			return nil, fmt.Errorf("sqlite: blobs in use: %w", err)
		}
		if in {
			used = append(used, id)
		}
	}
	return used, nil
}

// prefixed runs the prefix listing id (or idTo when prefix has no end).
func prefixed[T any](ctx context.Context, r reader, id, idTo stmtID, what string, scan func(sqlstore.Scanner) (T, error),
	bucket, prefix string, page store.Page) ([]T, error) {
	end, ok := sqlstore.PrefixEnd(prefix)
	if !ok {
		id = idTo
	}
	return list(ctx, r, id, what, scan, bucket, page.After, prefix, end, limit(page.Limit))
}

// ListObjects implements store.S3Reader.
func (r reader) ListObjects(ctx context.Context, bucket, prefix string, page store.Page) ([]store.Object, error) {
	return prefixed(ctx, r, qListObjects, qListObjectsTo, "list objects", decode.Object, bucket, prefix, page)
}

// GetUpload implements store.S3Reader.
func (r reader) GetUpload(ctx context.Context, bucket, uploadID string) (store.Upload, error) {
	return get(ctx, r, qGetUpload, "get upload %s/%s", decode.Upload, bucket, uploadID)
}

// ListUploads implements store.S3Reader.
func (r reader) ListUploads(ctx context.Context, bucket, prefix string, page store.Page) ([]store.Upload, error) {
	return prefixed(ctx, r, qListUploads, qListUploadsTo, "list uploads", decode.Upload, bucket, prefix, page)
}

// ListParts implements store.S3Reader.
func (r reader) ListParts(ctx context.Context, uploadID string, afterPart, n int) ([]store.Part, error) {
	return list(ctx, r, qListParts, "list parts", decode.Part, uploadID, int64(afterPart), limit(n))
}

// exists reports whether the single-row query id finds a row.
func (r reader) exists(ctx context.Context, id stmtID, args ...any) (bool, error) {
	var one int64
	err := r.row(ctx, id, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// blobOf returns the blob_id the single-row query id finds, "" if none.
func (r reader) blobOf(ctx context.Context, id stmtID, args ...any) (string, error) {
	var blob string
	err := r.row(ctx, id, args...).Scan(&blob)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return blob, err
}
