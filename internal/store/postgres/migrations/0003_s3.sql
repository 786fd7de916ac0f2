-- Coffer metadata schema, version 3 (PostgreSQL): S3 buckets, objects,
-- multipart uploads and their parts.
--
-- Bucket names are global (the primary key), whatever the account. Object
-- keys are COLLATE "C": they compare and sort in byte order, as S3 lists
-- them and as SQLite's BINARY does, which prefix listings rely on.
-- Metadata columns are JSON objects in text; empty byte strings are NULL.
-- Objects and uploads keep their bucket from being deleted (the service
-- empties it first); parts go with their upload.

CREATE TABLE buckets (
	name       text COLLATE "C" PRIMARY KEY,
	account    text COLLATE "C" NOT NULL,
	region     text COLLATE "C" NOT NULL,
	created_at timestamptz,
	encryption text NOT NULL, -- JSON, '' for the default (SSE-S3)
	policy     text NOT NULL  -- '' for none
);
CREATE INDEX buckets_account ON buckets (account, name);

CREATE TABLE objects (
	bucket             text COLLATE "C" NOT NULL REFERENCES buckets (name) ON DELETE RESTRICT,
	key                text COLLATE "C" NOT NULL,
	blob_id            text NOT NULL,
	size               bigint NOT NULL,
	etag               text NOT NULL,
	last_modified      timestamptz,
	content_type       text NOT NULL,
	metadata           text NOT NULL,
	checksum           text NOT NULL,
	parts              text NOT NULL, -- JSON array of part sizes, '' for single-part
	enc_mode           text NOT NULL,
	kms_key_arn        text NOT NULL,
	kms_context        text NOT NULL,
	encrypted_data_key bytea,
	bucket_key         boolean NOT NULL,
	sealed_key         bytea,
	customer_key_check bytea,
	customer_key_md5   text NOT NULL,
	PRIMARY KEY (bucket, key)
);

CREATE TABLE uploads (
	upload_id          text COLLATE "C" PRIMARY KEY,
	bucket             text COLLATE "C" NOT NULL REFERENCES buckets (name) ON DELETE RESTRICT,
	key                text COLLATE "C" NOT NULL,
	initiated          timestamptz,
	content_type       text NOT NULL,
	metadata           text NOT NULL,
	checksum_algorithm text NOT NULL,
	enc_mode           text NOT NULL,
	kms_key_arn        text NOT NULL,
	kms_context        text NOT NULL,
	encrypted_data_key bytea,
	bucket_key         boolean NOT NULL,
	sealed_key         bytea,
	customer_key_check bytea,
	customer_key_md5   text NOT NULL
);
CREATE INDEX uploads_bucket ON uploads (bucket, key, initiated, upload_id);

CREATE TABLE parts (
	upload_id      text COLLATE "C" NOT NULL REFERENCES uploads (upload_id) ON DELETE CASCADE,
	number         integer NOT NULL,
	blob_id        text NOT NULL,
	size           bigint NOT NULL,
	encrypted_size bigint NOT NULL,
	etag           text NOT NULL,
	checksum       text NOT NULL,
	last_modified  timestamptz,
	PRIMARY KEY (upload_id, number)
);
