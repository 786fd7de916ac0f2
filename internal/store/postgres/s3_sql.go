package postgres

import "github.com/coffer-kms/coffer/internal/store/sqlstore"

// The S3 queries. Keys are COLLATE "C" and compare in byte order. The
// prefix listings select the keys in [$3, $4) for a prefix $3 and its
// sqlstore.PrefixEnd $4; the ...To variants, for prefixes without an end,
// take the limit as $4.

// Reads.
const (
	sqlGetBucket    = `SELECT ` + sqlstore.BucketCols + ` FROM buckets WHERE name = $1`
	sqlListBuckets  = `SELECT ` + sqlstore.BucketCols + ` FROM buckets WHERE account = $1 ORDER BY name`
	sqlBucketExists = `SELECT EXISTS (SELECT 1 FROM buckets WHERE name = $1)`
	sqlCountObjects = `SELECT (SELECT count(*) FROM (SELECT 1 FROM objects WHERE bucket = $1 LIMIT $2) o)
		+ (SELECT count(*) FROM (SELECT 1 FROM uploads WHERE bucket = $1 LIMIT $2) u)`
	sqlGetObject   = `SELECT ` + sqlstore.ObjectCols + ` FROM objects WHERE bucket = $1 AND key = $2`
	sqlListObjects = `SELECT ` + sqlstore.ObjectCols + ` FROM objects
		WHERE bucket = $1 AND key > $2 AND key >= $3 AND key < $4 ORDER BY key LIMIT $5`
	sqlListObjectsTo = `SELECT ` + sqlstore.ObjectCols + ` FROM objects
		WHERE bucket = $1 AND key > $2 AND key >= $3 ORDER BY key LIMIT $4`
	sqlGetUpload    = `SELECT ` + sqlstore.UploadCols + ` FROM uploads WHERE bucket = $1 AND upload_id = $2`
	sqlUploadExists = `SELECT EXISTS (SELECT 1 FROM uploads WHERE upload_id = $1)`
	sqlListUploads  = `SELECT ` + sqlstore.UploadCols + ` FROM uploads
		WHERE bucket = $1 AND key > $2 AND key >= $3 AND key < $4 ORDER BY key, initiated, upload_id LIMIT $5`
	sqlListUploadsTo = `SELECT ` + sqlstore.UploadCols + ` FROM uploads
		WHERE bucket = $1 AND key > $2 AND key >= $3 ORDER BY key, initiated, upload_id LIMIT $4`
	sqlListParts = `SELECT ` + sqlstore.PartCols + ` FROM parts
		WHERE upload_id = $1 AND number > $2 ORDER BY number LIMIT $3`
	sqlObjectPartBlobs = `SELECT blob_id FROM object_parts WHERE bucket = $1 AND key = $2 ORDER BY seq`
	sqlBlobsInUse      = `SELECT id FROM unnest($1::text[]) AS t(id) WHERE
		EXISTS (SELECT 1 FROM objects WHERE blob_id = t.id)
		OR EXISTS (SELECT 1 FROM object_parts WHERE blob_id = t.id)
		OR EXISTS (SELECT 1 FROM parts WHERE blob_id = t.id)`
)

// Writes. PutObject and PutPart return the replaced row's blob_id: a
// data-modifying WITH sees the rows as they were before the statement.
const (
	sqlCreateBucket = `INSERT INTO buckets (` + sqlstore.BucketCols + `) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT DO NOTHING`
	sqlUpdateBucket = `UPDATE buckets SET encryption = $1, policy = $2 WHERE name = $3`
	sqlDeleteBucket = `DELETE FROM buckets WHERE name = $1`
	sqlPutObject    = `WITH old AS (SELECT blob_id FROM objects WHERE bucket = $1 AND key = $2),
		put AS (INSERT INTO objects (` + sqlstore.ObjectCols + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
		ON CONFLICT (bucket, key) DO UPDATE SET blob_id = excluded.blob_id, size = excluded.size,
			etag = excluded.etag, last_modified = excluded.last_modified,
			content_type = excluded.content_type, metadata = excluded.metadata,
			checksum = excluded.checksum, parts = excluded.parts, enc_mode = excluded.enc_mode,
			kms_key_arn = excluded.kms_key_arn, kms_context = excluded.kms_context,
			encrypted_data_key = excluded.encrypted_data_key, bucket_key = excluded.bucket_key,
			sealed_key = excluded.sealed_key, customer_key_check = excluded.customer_key_check,
			customer_key_md5 = excluded.customer_key_md5)
		SELECT blob_id FROM old`
	sqlDeleteObject = `DELETE FROM objects WHERE bucket = $1 AND key = $2 RETURNING blob_id`
	// sqlPutObjectParts inserts the parts $3 of object $1/$2 in order.
	sqlPutObjectParts = `INSERT INTO object_parts (bucket, key, seq, blob_id)
		SELECT $1, $2, t.ord - 1, t.id FROM unnest($3::text[]) WITH ORDINALITY AS t(id, ord)`
	sqlDeleteObjectParts = `DELETE FROM object_parts WHERE bucket = $1 AND key = $2 RETURNING blob_id`
	sqlCreateUpload      = `INSERT INTO uploads (` + sqlstore.UploadCols + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT DO NOTHING`
	sqlPutPart = `WITH old AS (SELECT blob_id FROM parts WHERE upload_id = $1 AND number = $2),
		put AS (INSERT INTO parts (` + sqlstore.PartCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (upload_id, number) DO UPDATE SET blob_id = excluded.blob_id, size = excluded.size,
			encrypted_size = excluded.encrypted_size, etag = excluded.etag,
			checksum = excluded.checksum, last_modified = excluded.last_modified)
		SELECT blob_id FROM old`
	sqlDeleteParts = `DELETE FROM parts WHERE upload_id = $1
		AND EXISTS (SELECT 1 FROM uploads WHERE upload_id = $1 AND bucket = $2) RETURNING blob_id`
	sqlDeleteUpload = `DELETE FROM uploads WHERE upload_id = $1 AND bucket = $2`
)
