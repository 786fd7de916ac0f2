-- Coffer metadata schema, version 2 (PostgreSQL): IAM users, groups, roles,
-- inline and managed policies, attachments and KMS grants; access keys
-- learn their user, role, session token and expiration.
--
-- IAM names (users, groups, roles, managed policies, inline policy names,
-- and the identity names that other tables refer to) are unique per
-- account whatever their case: a unique index on lower(name) backs that,
-- and queries look them up, compare and sort them by lower(name). The
-- columns are COLLATE "C", so lower() folds ASCII letters only and sorts by
-- bytes, exactly as SQLite's NOCASE. Names are stored in the case given;
-- rows that refer to an identity store its name as the identity row spells
-- it. Tags and grant operations are JSON arrays in text columns.

-- Existing rows are long-term keys: no user (root), no role, no session.
ALTER TABLE access_keys
	ADD COLUMN user_name             text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN role_name             text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN wrapped_session_token bytea,      -- NULL: none
	ADD COLUMN expiration            timestamptz; -- NULL: long-term
CREATE INDEX access_keys_user ON access_keys (account, lower(user_name), access_key_id) WHERE expiration IS NULL;
CREATE INDEX access_keys_role ON access_keys (account, lower(role_name));
CREATE INDEX access_keys_expiration ON access_keys (expiration) WHERE expiration IS NOT NULL;

CREATE TABLE users (
	account    text COLLATE "C" NOT NULL,
	name       text COLLATE "C" NOT NULL,
	user_id    text NOT NULL,
	path       text COLLATE "C" NOT NULL,
	created_at timestamptz,
	tags       text NOT NULL, -- JSON [{"Key":..,"Value":..}]
	PRIMARY KEY (account, name)
);
CREATE UNIQUE INDEX users_lower_name ON users (account, lower(name));

CREATE TABLE groups (
	account    text COLLATE "C" NOT NULL,
	name       text COLLATE "C" NOT NULL,
	group_id   text NOT NULL,
	path       text COLLATE "C" NOT NULL,
	created_at timestamptz,
	PRIMARY KEY (account, name)
);
CREATE UNIQUE INDEX groups_lower_name ON groups (account, lower(name));

CREATE TABLE group_members (
	account    text COLLATE "C" NOT NULL,
	group_name text COLLATE "C" NOT NULL,
	user_name  text COLLATE "C" NOT NULL,
	PRIMARY KEY (account, group_name, user_name),
	FOREIGN KEY (account, group_name) REFERENCES groups (account, name) ON DELETE CASCADE,
	FOREIGN KEY (account, user_name) REFERENCES users (account, name) ON DELETE CASCADE
);
CREATE INDEX group_members_group ON group_members (account, lower(group_name));
CREATE INDEX group_members_user ON group_members (account, lower(user_name));
-- For the ON DELETE CASCADE from users.
CREATE INDEX group_members_user_exact ON group_members (account, user_name);

CREATE TABLE roles (
	account              text COLLATE "C" NOT NULL,
	name                 text COLLATE "C" NOT NULL,
	role_id              text NOT NULL,
	path                 text COLLATE "C" NOT NULL,
	assume_role_policy   text NOT NULL,
	description          text NOT NULL,
	max_session_duration integer NOT NULL,
	created_at           timestamptz,
	tags                 text NOT NULL, -- JSON, as users.tags
	PRIMARY KEY (account, name)
);
CREATE UNIQUE INDEX roles_lower_name ON roles (account, lower(name));

-- kind is user, group or role; principal names one of those.
CREATE TABLE inline_policies (
	account   text COLLATE "C" NOT NULL,
	kind      text COLLATE "C" NOT NULL,
	principal text COLLATE "C" NOT NULL,
	name      text COLLATE "C" NOT NULL,
	document  text NOT NULL
);
CREATE UNIQUE INDEX inline_policies_lower_name ON inline_policies (account, kind, lower(principal), lower(name));

CREATE TABLE managed_policies (
	account         text COLLATE "C" NOT NULL,
	name            text COLLATE "C" NOT NULL,
	policy_id       text NOT NULL,
	path            text COLLATE "C" NOT NULL,
	description     text NOT NULL,
	default_version text NOT NULL,
	created_at      timestamptz,
	updated_at      timestamptz,
	PRIMARY KEY (account, name)
);
CREATE UNIQUE INDEX managed_policies_lower_name ON managed_policies (account, lower(name));

-- seq orders a policy's versions oldest first.
CREATE TABLE policy_versions (
	account     text COLLATE "C" NOT NULL,
	policy_name text COLLATE "C" NOT NULL,
	version_id  text COLLATE "C" NOT NULL,
	seq         integer NOT NULL,
	document    text NOT NULL,
	created_at  timestamptz,
	PRIMARY KEY (account, policy_name, version_id),
	FOREIGN KEY (account, policy_name) REFERENCES managed_policies (account, name) ON DELETE CASCADE
);
CREATE INDEX policy_versions_lower_name ON policy_versions (account, lower(policy_name), version_id);

-- policy_arn may name an AWS managed policy: no foreign key.
CREATE TABLE attachments (
	account    text COLLATE "C" NOT NULL,
	kind       text COLLATE "C" NOT NULL,
	principal  text COLLATE "C" NOT NULL,
	policy_arn text COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX attachments_lower_principal ON attachments (account, kind, lower(principal), policy_arn);
CREATE INDEX attachments_policy ON attachments (account, policy_arn);

-- Grant ids are unique across keys, so that retirable grants page by id.
CREATE TABLE grants (
	grant_id           text COLLATE "C" PRIMARY KEY,
	account            text COLLATE "C" NOT NULL,
	region             text COLLATE "C" NOT NULL,
	key_id             text COLLATE "C" NOT NULL,
	name               text NOT NULL,
	grantee_principal  text NOT NULL,
	retiring_principal text COLLATE "C" NOT NULL,
	issuing_account    text NOT NULL,
	operations         text NOT NULL, -- JSON array of operation names
	grant_constraints  text NOT NULL, -- the GrantConstraints document, '' for none
	created_at         timestamptz,
	FOREIGN KEY (account, region, key_id) REFERENCES keys (account, region, key_id) ON DELETE CASCADE
);
CREATE INDEX grants_key ON grants (account, region, key_id, grant_id);
CREATE INDEX grants_retiring ON grants (region, retiring_principal, grant_id);
