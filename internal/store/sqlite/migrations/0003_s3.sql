-- Coffer metadata schema, version 3 (SQLite): S3 buckets, objects,
-- multipart uploads and their parts.
--
-- Bucket names are global (the primary key), whatever the account. Object
-- keys sort in byte order: text columns use SQLite's default BINARY
-- collation (memcmp of the UTF-8 bytes), which prefix listings rely on.
-- Metadata columns are JSON objects; empty byte strings are NULL.
-- Objects and uploads keep their bucket from being deleted (the service
-- empties it first); parts go with their upload.

CREATE TABLE buckets (
	name       TEXT PRIMARY KEY,
	account    TEXT NOT NULL,
	region     TEXT NOT NULL,
	created_at INTEGER,
	encryption TEXT NOT NULL, -- JSON, '' for the default (SSE-S3)
	policy     TEXT NOT NULL  -- '' for none
);
CREATE INDEX buckets_account ON buckets (account, name);

CREATE TABLE objects (
	bucket             TEXT NOT NULL REFERENCES buckets (name) ON DELETE RESTRICT,
	key                TEXT NOT NULL COLLATE BINARY,
	blob_id            TEXT NOT NULL,
	size               INTEGER NOT NULL,
	etag               TEXT NOT NULL,
	last_modified      INTEGER,
	content_type       TEXT NOT NULL,
	metadata           TEXT NOT NULL,
	checksum           TEXT NOT NULL,
	parts              TEXT NOT NULL, -- JSON array of part sizes, '' for single-part
	enc_mode           TEXT NOT NULL,
	kms_key_arn        TEXT NOT NULL,
	kms_context        TEXT NOT NULL,
	encrypted_data_key BLOB,
	bucket_key         INTEGER NOT NULL,
	sealed_key         BLOB,
	customer_key_check BLOB,
	customer_key_md5   TEXT NOT NULL,
	PRIMARY KEY (bucket, key)
);

CREATE TABLE uploads (
	upload_id          TEXT PRIMARY KEY,
	bucket             TEXT NOT NULL REFERENCES buckets (name) ON DELETE RESTRICT,
	key                TEXT NOT NULL COLLATE BINARY,
	initiated          INTEGER,
	content_type       TEXT NOT NULL,
	metadata           TEXT NOT NULL,
	checksum_algorithm TEXT NOT NULL,
	enc_mode           TEXT NOT NULL,
	kms_key_arn        TEXT NOT NULL,
	kms_context        TEXT NOT NULL,
	encrypted_data_key BLOB,
	bucket_key         INTEGER NOT NULL,
	sealed_key         BLOB,
	customer_key_check BLOB,
	customer_key_md5   TEXT NOT NULL
);
CREATE INDEX uploads_bucket ON uploads (bucket, key, initiated, upload_id);

CREATE TABLE parts (
	upload_id      TEXT NOT NULL REFERENCES uploads (upload_id) ON DELETE CASCADE,
	number         INTEGER NOT NULL,
	blob_id        TEXT NOT NULL,
	size           INTEGER NOT NULL,
	encrypted_size INTEGER NOT NULL,
	etag           TEXT NOT NULL,
	checksum       TEXT NOT NULL,
	last_modified  INTEGER,
	PRIMARY KEY (upload_id, number)
);
