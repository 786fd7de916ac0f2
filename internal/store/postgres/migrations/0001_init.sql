-- Coffer metadata schema, version 1 (PostgreSQL).
-- Text that is sorted or paged on uses COLLATE "C" so that order is by bytes,
-- as in SQLite, whatever the database's default collation.
-- Times are timestamptz (microsecond precision); NULL means the zero time.

CREATE TABLE accounts (
	id         text COLLATE "C" PRIMARY KEY,
	name       text NOT NULL,
	created_at timestamptz
);

CREATE TABLE access_keys (
	access_key_id  text COLLATE "C" PRIMARY KEY,
	account        text COLLATE "C" NOT NULL,
	principal_arn  text NOT NULL,
	user_id        text NOT NULL,
	wrapped_secret bytea NOT NULL,
	status         text NOT NULL,
	created_at     timestamptz
);
CREATE INDEX access_keys_account ON access_keys (account);

CREATE TABLE keys (
	account              text COLLATE "C" NOT NULL,
	region               text COLLATE "C" NOT NULL,
	key_id               text COLLATE "C" NOT NULL,
	creation_date        timestamptz,
	description          text NOT NULL,
	key_spec             text NOT NULL,
	key_usage            text NOT NULL,
	origin               text NOT NULL,
	key_manager          text NOT NULL,
	multi_region         boolean NOT NULL,
	state                text NOT NULL,
	deletion_date        timestamptz,
	pending_window_days  integer NOT NULL,
	policy               text NOT NULL,
	rotation_enabled     boolean NOT NULL,
	rotation_period_days integer NOT NULL,
	next_rotation        timestamptz,
	current_version      bigint NOT NULL,
	on_demand_rotations  integer NOT NULL,
	attrs                text NOT NULL,
	PRIMARY KEY (account, region, key_id)
);
CREATE INDEX keys_deletion_due ON keys (deletion_date) WHERE state = 'PendingDeletion';
CREATE INDEX keys_rotation_due ON keys (next_rotation) WHERE rotation_enabled;

CREATE TABLE key_materials (
	account       text COLLATE "C" NOT NULL,
	region        text COLLATE "C" NOT NULL,
	key_id        text COLLATE "C" NOT NULL,
	version       bigint NOT NULL,
	material_id   text NOT NULL,
	wrapped       bytea NOT NULL,
	created_at    timestamptz,
	rotation_type text NOT NULL,
	PRIMARY KEY (account, region, key_id, version),
	FOREIGN KEY (account, region, key_id) REFERENCES keys (account, region, key_id) ON DELETE CASCADE
);

CREATE TABLE aliases (
	account       text COLLATE "C" NOT NULL,
	region        text COLLATE "C" NOT NULL,
	name          text COLLATE "C" NOT NULL,
	target_key_id text COLLATE "C" NOT NULL,
	created_at    timestamptz,
	updated_at    timestamptz,
	PRIMARY KEY (account, region, name),
	FOREIGN KEY (account, region, target_key_id) REFERENCES keys (account, region, key_id) ON DELETE CASCADE
);
CREATE INDEX aliases_target ON aliases (account, region, target_key_id);

CREATE TABLE tags (
	account   text COLLATE "C" NOT NULL,
	region    text COLLATE "C" NOT NULL,
	key_id    text COLLATE "C" NOT NULL,
	tag_key   text COLLATE "C" NOT NULL,
	tag_value text NOT NULL,
	PRIMARY KEY (account, region, key_id, tag_key),
	FOREIGN KEY (account, region, key_id) REFERENCES keys (account, region, key_id) ON DELETE CASCADE
);

CREATE TABLE settings (
	name  text COLLATE "C" PRIMARY KEY,
	value bytea NOT NULL
);
