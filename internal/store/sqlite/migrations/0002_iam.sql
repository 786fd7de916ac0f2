-- Coffer metadata schema, version 2 (SQLite): IAM users, groups, roles,
-- inline and managed policies, attachments and KMS grants; access keys
-- learn their user, role, session token and expiration.
--
-- IAM names (users, groups, roles, managed policies, inline policy names,
-- and the identity names that other tables refer to) are COLLATE NOCASE:
-- unique per account whatever their case, looked up, compared and sorted
-- case-insensitively (ASCII folding, like PostgreSQL's lower() under
-- COLLATE "C"), and stored in the case given. Rows that refer to an
-- identity store its name as the identity row spells it.
-- Tags and grant operations are JSON arrays.

-- Existing rows are long-term keys: no user (root), no role, no session.
ALTER TABLE access_keys ADD COLUMN user_name TEXT NOT NULL DEFAULT '' COLLATE NOCASE;
ALTER TABLE access_keys ADD COLUMN role_name TEXT NOT NULL DEFAULT '' COLLATE NOCASE;
ALTER TABLE access_keys ADD COLUMN wrapped_session_token BLOB; -- NULL: none
ALTER TABLE access_keys ADD COLUMN expiration INTEGER;         -- NULL: long-term
CREATE INDEX access_keys_user ON access_keys (account, user_name, access_key_id) WHERE expiration IS NULL;
CREATE INDEX access_keys_role ON access_keys (account, role_name);
CREATE INDEX access_keys_expiration ON access_keys (expiration) WHERE expiration IS NOT NULL;

CREATE TABLE users (
	account    TEXT NOT NULL,
	name       TEXT NOT NULL COLLATE NOCASE,
	user_id    TEXT NOT NULL,
	path       TEXT NOT NULL,
	created_at INTEGER,
	tags       TEXT NOT NULL, -- JSON [{"Key":..,"Value":..}]
	PRIMARY KEY (account, name)
);

CREATE TABLE groups (
	account    TEXT NOT NULL,
	name       TEXT NOT NULL COLLATE NOCASE,
	group_id   TEXT NOT NULL,
	path       TEXT NOT NULL,
	created_at INTEGER,
	PRIMARY KEY (account, name)
);

CREATE TABLE group_members (
	account    TEXT NOT NULL,
	group_name TEXT NOT NULL COLLATE NOCASE,
	user_name  TEXT NOT NULL COLLATE NOCASE,
	PRIMARY KEY (account, group_name, user_name),
	FOREIGN KEY (account, group_name) REFERENCES groups (account, name) ON DELETE CASCADE,
	FOREIGN KEY (account, user_name) REFERENCES users (account, name) ON DELETE CASCADE
);
CREATE INDEX group_members_user ON group_members (account, user_name);

CREATE TABLE roles (
	account              TEXT NOT NULL,
	name                 TEXT NOT NULL COLLATE NOCASE,
	role_id              TEXT NOT NULL,
	path                 TEXT NOT NULL,
	assume_role_policy   TEXT NOT NULL,
	description          TEXT NOT NULL,
	max_session_duration INTEGER NOT NULL,
	created_at           INTEGER,
	tags                 TEXT NOT NULL, -- JSON, as users.tags
	PRIMARY KEY (account, name)
);

-- kind is user, group or role; principal names one of those.
CREATE TABLE inline_policies (
	account   TEXT NOT NULL,
	kind      TEXT NOT NULL,
	principal TEXT NOT NULL COLLATE NOCASE,
	name      TEXT NOT NULL COLLATE NOCASE,
	document  TEXT NOT NULL,
	PRIMARY KEY (account, kind, principal, name)
);

CREATE TABLE managed_policies (
	account         TEXT NOT NULL,
	name            TEXT NOT NULL COLLATE NOCASE,
	policy_id       TEXT NOT NULL,
	path            TEXT NOT NULL,
	description     TEXT NOT NULL,
	default_version TEXT NOT NULL,
	created_at      INTEGER,
	updated_at      INTEGER,
	PRIMARY KEY (account, name)
);

-- seq orders a policy's versions oldest first.
CREATE TABLE policy_versions (
	account     TEXT NOT NULL,
	policy_name TEXT NOT NULL COLLATE NOCASE,
	version_id  TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	document    TEXT NOT NULL,
	created_at  INTEGER,
	PRIMARY KEY (account, policy_name, version_id),
	FOREIGN KEY (account, policy_name) REFERENCES managed_policies (account, name) ON DELETE CASCADE
);

-- policy_arn may name an AWS managed policy: no foreign key.
CREATE TABLE attachments (
	account    TEXT NOT NULL,
	kind       TEXT NOT NULL,
	principal  TEXT NOT NULL COLLATE NOCASE,
	policy_arn TEXT NOT NULL,
	PRIMARY KEY (account, kind, principal, policy_arn)
);
CREATE INDEX attachments_policy ON attachments (account, policy_arn);

-- Grant ids are unique across keys, so that retirable grants page by id.
CREATE TABLE grants (
	grant_id           TEXT PRIMARY KEY,
	account            TEXT NOT NULL,
	region             TEXT NOT NULL,
	key_id             TEXT NOT NULL,
	name               TEXT NOT NULL,
	grantee_principal  TEXT NOT NULL,
	retiring_principal TEXT NOT NULL,
	issuing_account    TEXT NOT NULL,
	operations         TEXT NOT NULL, -- JSON array of operation names
	grant_constraints  TEXT NOT NULL, -- the GrantConstraints document, '' for none
	created_at         INTEGER,
	FOREIGN KEY (account, region, key_id) REFERENCES keys (account, region, key_id) ON DELETE CASCADE
);
CREATE INDEX grants_key ON grants (account, region, key_id, grant_id);
CREATE INDEX grants_retiring ON grants (region, retiring_principal, grant_id);
