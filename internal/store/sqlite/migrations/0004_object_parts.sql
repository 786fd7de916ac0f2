-- Coffer metadata schema, version 4 (SQLite): multipart objects stored by
-- reference to their parts' blobs, and blob lookups for the orphan blob
-- collector.
--
-- A multipart object completed by reference has objects.blob_id = '' and one
-- object_parts row per part, in object order (seq 0, 1, ...). The rows are
-- written and removed with the object row, in the same transaction.

CREATE TABLE object_parts (
	bucket  TEXT NOT NULL,
	key     TEXT NOT NULL COLLATE BINARY,
	seq     INTEGER NOT NULL,
	blob_id TEXT NOT NULL,
	PRIMARY KEY (bucket, key, seq)
);
CREATE INDEX object_parts_blob ON object_parts (blob_id);
CREATE INDEX objects_blob ON objects (blob_id);
CREATE INDEX parts_blob ON parts (blob_id);
