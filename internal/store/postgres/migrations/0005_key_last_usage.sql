-- The last successful cryptographic use of each KMS key (GetKeyLastUsage).
-- Nodes flush batches; a row is replaced only by a later use.
CREATE TABLE key_last_usage (
	account    text COLLATE "C" NOT NULL,
	region     text COLLATE "C" NOT NULL,
	key_id     text COLLATE "C" NOT NULL,
	operation  text NOT NULL,
	used_at    timestamptz NOT NULL,
	request_id text NOT NULL,
	PRIMARY KEY (account, region, key_id),
	FOREIGN KEY (account, region, key_id) REFERENCES keys (account, region, key_id) ON DELETE CASCADE
);

-- When tracking began (GetKeyLastUsage TrackingStartDate), RFC 3339 UTC.
INSERT INTO settings (name, value)
	VALUES ('kms/key-usage-tracking-start', convert_to(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'UTF8'))
	ON CONFLICT (name) DO NOTHING;
