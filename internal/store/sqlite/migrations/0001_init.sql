-- Coffer metadata schema, version 1 (SQLite).
-- Times are INTEGER unix microseconds, UTC; NULL means the zero time.

CREATE TABLE accounts (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	created_at INTEGER
);

CREATE TABLE access_keys (
	access_key_id  TEXT PRIMARY KEY,
	account        TEXT NOT NULL,
	principal_arn  TEXT NOT NULL,
	user_id        TEXT NOT NULL,
	wrapped_secret BLOB NOT NULL,
	status         TEXT NOT NULL,
	created_at     INTEGER
);
CREATE INDEX access_keys_account ON access_keys (account);

CREATE TABLE keys (
	account              TEXT NOT NULL,
	region               TEXT NOT NULL,
	key_id               TEXT NOT NULL,
	creation_date        INTEGER,
	description          TEXT NOT NULL,
	key_spec             TEXT NOT NULL,
	key_usage            TEXT NOT NULL,
	origin               TEXT NOT NULL,
	key_manager          TEXT NOT NULL,
	multi_region         INTEGER NOT NULL,
	state                TEXT NOT NULL,
	deletion_date        INTEGER,
	pending_window_days  INTEGER NOT NULL,
	policy               TEXT NOT NULL,
	rotation_enabled     INTEGER NOT NULL,
	rotation_period_days INTEGER NOT NULL,
	next_rotation        INTEGER,
	current_version      INTEGER NOT NULL,
	on_demand_rotations  INTEGER NOT NULL,
	attrs                TEXT NOT NULL,
	PRIMARY KEY (account, region, key_id)
);
CREATE INDEX keys_deletion_due ON keys (deletion_date) WHERE state = 'PendingDeletion';
CREATE INDEX keys_rotation_due ON keys (next_rotation) WHERE rotation_enabled;

CREATE TABLE key_materials (
	account       TEXT NOT NULL,
	region        TEXT NOT NULL,
	key_id        TEXT NOT NULL,
	version       INTEGER NOT NULL,
	material_id   TEXT NOT NULL,
	wrapped       BLOB NOT NULL,
	created_at    INTEGER,
	rotation_type TEXT NOT NULL,
	PRIMARY KEY (account, region, key_id, version),
	FOREIGN KEY (account, region, key_id) REFERENCES keys (account, region, key_id) ON DELETE CASCADE
);

CREATE TABLE aliases (
	account       TEXT NOT NULL,
	region        TEXT NOT NULL,
	name          TEXT NOT NULL,
	target_key_id TEXT NOT NULL,
	created_at    INTEGER,
	updated_at    INTEGER,
	PRIMARY KEY (account, region, name),
	FOREIGN KEY (account, region, target_key_id) REFERENCES keys (account, region, key_id) ON DELETE CASCADE
);
CREATE INDEX aliases_target ON aliases (account, region, target_key_id);

CREATE TABLE tags (
	account   TEXT NOT NULL,
	region    TEXT NOT NULL,
	key_id    TEXT NOT NULL,
	tag_key   TEXT NOT NULL,
	tag_value TEXT NOT NULL,
	PRIMARY KEY (account, region, key_id, tag_key),
	FOREIGN KEY (account, region, key_id) REFERENCES keys (account, region, key_id) ON DELETE CASCADE
);

CREATE TABLE settings (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
);
