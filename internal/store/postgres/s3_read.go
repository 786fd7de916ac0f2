package postgres

import (
	"context"
	"fmt"

	"github.com/coffer-kms/coffer/internal/store"
	"github.com/coffer-kms/coffer/internal/store/sqlstore"
)

var _ store.S3Reader = reader{}

// objectScan holds an object row's columns that need converting.
type objectScan = sqlstore.ObjectScan[tsColumn, *tsColumn]

// GetBucket implements store.S3Reader.
func (r reader) GetBucket(ctx context.Context, name string) (store.Bucket, error) {
	return get(ctx, r, sqlGetBucket, "get bucket %s", decode.Bucket, name)
}

// ListBuckets implements store.S3Reader. Buckets come sorted by name.
func (r reader) ListBuckets(ctx context.Context, account string) ([]store.Bucket, error) {
	return list(ctx, r, sqlListBuckets, "list buckets", decode.Bucket, account)
}

// CountObjects implements store.S3Reader. limit <= 0 counts everything.
func (r reader) CountObjects(ctx context.Context, bucket string, n int) (int, error) {
	var count int64
	if err := r.q.QueryRow(ctx, sqlCountObjects, bucket, limit(n)).Scan(&count); err != nil {
		return 0, fmt.Errorf("postgres: count objects %s: %w", bucket, err)
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
	if err := r.q.QueryRow(ctx, sqlGetObject, bucket, key).Scan(s.Dest(&o, buf[:0])...); err != nil {
		return store.Object{}, noRows(err, "get object %s/%s", bucket, key)
	}
	s.Finish(&o)
	if o.BlobID == "" {
		parts, err := list(ctx, r, sqlObjectPartBlobs, "get object "+bucket+"/"+key+" parts", scanString, bucket, key)
		if err != nil {
			return store.Object{}, err
		}
		if len(parts) > 0 {
			o.PartBlobs = parts
		}
	}
	return o, nil
}

// BlobsInUse implements store.S3Reader (one query for all ids).
func (r reader) BlobsInUse(ctx context.Context, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return list(ctx, r, sqlBlobsInUse, "blobs in use", scanString, ids)
}

func scanString(sc sqlstore.Scanner) (string, error) {
	var s string
	err := sc.Scan(&s)
	return s, err
}

// prefixed runs the prefix listing sql (or sqlTo when prefix has no end).
func prefixed[T any](ctx context.Context, r reader, sql, sqlTo, what string, scan func(sqlstore.Scanner) (T, error),
	bucket, prefix string, page store.Page) ([]T, error) {
	end, ok := sqlstore.PrefixEnd(prefix)
	if !ok {
		return list(ctx, r, sqlTo, what, scan, bucket, page.After, prefix, limit(page.Limit))
	}
	return list(ctx, r, sql, what, scan, bucket, page.After, prefix, end, limit(page.Limit))
}

// ListObjects implements store.S3Reader.
func (r reader) ListObjects(ctx context.Context, bucket, prefix string, page store.Page) ([]store.Object, error) {
	return prefixed(ctx, r, sqlListObjects, sqlListObjectsTo, "list objects", decode.Object, bucket, prefix, page)
}

// GetUpload implements store.S3Reader.
func (r reader) GetUpload(ctx context.Context, bucket, uploadID string) (store.Upload, error) {
	return get(ctx, r, sqlGetUpload, "get upload %s/%s", decode.Upload, bucket, uploadID)
}

// ListUploads implements store.S3Reader.
func (r reader) ListUploads(ctx context.Context, bucket, prefix string, page store.Page) ([]store.Upload, error) {
	return prefixed(ctx, r, sqlListUploads, sqlListUploadsTo, "list uploads", decode.Upload, bucket, prefix, page)
}

// ListParts implements store.S3Reader.
func (r reader) ListParts(ctx context.Context, uploadID string, afterPart, n int) ([]store.Part, error) {
	return list(ctx, r, sqlListParts, "list parts", decode.Part, uploadID, int64(afterPart), limit(n))
}

// exists runs the query sql, a SELECT EXISTS.
func (r reader) exists(ctx context.Context, sql string, args ...any) (bool, error) {
	var ok bool
	err := r.q.QueryRow(ctx, sql, args...).Scan(&ok)
	return ok, err
}
