-- The last successful cryptographic use of each KMS key (GetKeyLastUsage).
-- used_at is unix microseconds. Nodes flush batches; a row is replaced only
-- by a later use.
CREATE TABLE key_last_usage (
	account    TEXT NOT NULL,
	region     TEXT NOT NULL,
	key_id     TEXT NOT NULL,
	operation  TEXT NOT NULL,
	used_at    INTEGER NOT NULL,
	request_id TEXT NOT NULL,
	PRIMARY KEY (account, region, key_id),
	FOREIGN KEY (account, region, key_id) REFERENCES keys (account, region, key_id) ON DELETE CASCADE
);

-- When tracking began (GetKeyLastUsage TrackingStartDate), RFC 3339 UTC.
INSERT INTO settings (name, value) VALUES ('kms/key-usage-tracking-start', CAST(strftime('%Y-%m-%dT%H:%M:%SZ', 'now') AS BLOB))
	ON CONFLICT (name) DO NOTHING;
