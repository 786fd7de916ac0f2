package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/coffer-kms/coffer/internal/store/sqlstore"
)

// stmtID names one prepared statement.
type stmtID int

const (
	qGetAccount stmtID = iota
	qListAccounts
	qGetAccessKey
	qGetKey
	qListKeys
	qListKeysDue
	qKeyExists
	qGetMaterial
	qListMaterials
	qGetAlias
	qListAliases
	qListAliasesByKey
	qAliasNamesOfKey
	qListTags
	qGetSetting

	// IAM reads.
	qListAccessKeys
	qGetUser
	qListUsers
	qUserName
	qGetGroup
	qListGroups
	qGroupName
	qListGroupsForUser
	qListGroupMembers
	qGetRole
	qListRoles
	qRoleName
	qGetInlinePolicy
	qListInlinePolicies
	qGetManagedPolicy
	qListManagedPolicies
	qPolicyName
	qGetPolicyVersion
	qListPolicyVersions
	qListAttachedPolicies
	qListPolicyAttachments
	qGetGrant
	qListGrants
	qListRetirableGrants

	// S3 reads.
	qGetBucket
	qListBuckets
	qBucketExists
	qCountObjects
	qGetObject
	qListObjects
	qListObjectsTo
	qGetUpload
	qUploadExists
	qListUploads
	qListUploadsTo
	qListParts
	qPartBlob
	qObjectBlob
	qObjectPartBlobs
	qBlobInUse

	qCreateAccount
	qPutAccessKey
	qDeleteAccessKey
	qCreateKey
	qUpdateKey
	qDeleteKey
	qDeleteMaterials
	qDeleteMaterial
	qAddMaterial
	qCreateAlias
	qUpdateAlias
	qDeleteAlias
	qPutTag
	qDeleteTag
	qPutSetting

	// IAM writes.
	qDeleteExpiredAccessKeys
	qDeleteAccessKeysOfUser
	qDeleteAccessKeysOfRole
	qCreateUser
	qUpdateUser
	qDeleteUser
	qCreateGroup
	qDeleteGroup
	qAddMember
	qRemoveMember
	qCreateRole
	qUpdateRole
	qDeleteRole
	qPutInlinePolicy
	qDeleteInlinePolicy
	qDeleteInlinePoliciesOf
	qCreateManagedPolicy
	qUpdateManagedPolicy
	qDeleteManagedPolicy
	qAddPolicyVersion
	qDeletePolicyVersion
	qAttach
	qDetach
	qDeleteAttachmentsOf
	qCreateGrant
	qDeleteGrant

	// S3 writes.
	qCreateBucket
	qUpdateBucket
	qDeleteBucket
	qPutObject
	qDeleteObject
	qPutObjectPart
	qDeleteObjectParts
	qCreateUpload
	qPutPart
	qDeleteParts
	qDeleteUpload

	// KMS key usage.
	qGetKeyUsage
	qRecordKeyUsage

	numStmts
)

const keyRefWhere = `account = ? AND region = ? AND key_id = ?`

// pathWhere filters on a path prefix ?2 (” for all) in numbered-parameter
// queries. substr rather than LIKE, whose wildcards paths may contain.
const pathWhere = `(?2 = '' OR substr(path, 1, length(?2)) = ?2)`

var queries = [numStmts]string{
	qGetAccount:   `SELECT id, name, created_at FROM accounts WHERE id = ?`,
	qListAccounts: `SELECT id, name, created_at FROM accounts ORDER BY id`,
	qGetAccessKey: `SELECT ` + sqlstore.AccessKeyCols + ` FROM access_keys WHERE access_key_id = ?`,
	qGetKey:       `SELECT ` + sqlstore.KeyBody + ` FROM keys WHERE ` + keyRefWhere,
	qListKeys: `SELECT account, region, key_id, ` + sqlstore.KeyBody + ` FROM keys
		WHERE account = ? AND region = ? AND key_id > ? ORDER BY key_id LIMIT ?`,
	qListKeysDue: `SELECT account, region, key_id, ` + sqlstore.KeyBody + ` FROM keys
		WHERE (state = 'PendingDeletion' AND deletion_date <= ?1)
		   OR (rotation_enabled AND next_rotation <= ?1)
		   OR (material_expires IS NOT NULL AND material_expires <= ?1)
		ORDER BY account, region, key_id LIMIT ?2`,
	qKeyExists: `SELECT 1 FROM keys WHERE ` + keyRefWhere,
	qGetMaterial: `SELECT material_id, wrapped, created_at, rotation_type FROM key_materials
		WHERE ` + keyRefWhere + ` AND version = ?`,
	qListMaterials: `SELECT version, material_id, wrapped, created_at, rotation_type FROM key_materials
		WHERE ` + keyRefWhere + ` ORDER BY version`,
	qGetAlias: `SELECT target_key_id, created_at, updated_at FROM aliases
		WHERE account = ? AND region = ? AND name = ?`,
	qListAliases: `SELECT name, target_key_id, created_at, updated_at FROM aliases
		WHERE account = ? AND region = ? AND name > ? ORDER BY name LIMIT ?`,
	qListAliasesByKey: `SELECT name, target_key_id, created_at, updated_at FROM aliases
		WHERE account = ? AND region = ? AND target_key_id = ? AND name > ? ORDER BY name LIMIT ?`,
	qAliasNamesOfKey: `SELECT name FROM aliases WHERE account = ? AND region = ? AND target_key_id = ? ORDER BY name`,
	qListTags:        `SELECT tag_key, tag_value FROM tags WHERE ` + keyRefWhere + ` ORDER BY tag_key`,
	qGetSetting:      `SELECT value FROM settings WHERE name = ?`,

	// Name columns are COLLATE NOCASE: = and ORDER BY ignore case.
	qListAccessKeys: `SELECT ` + sqlstore.AccessKeyCols + ` FROM access_keys
		WHERE account = ? AND user_name = ? AND expiration IS NULL ORDER BY access_key_id`,
	qGetUser: `SELECT ` + sqlstore.UserCols + ` FROM users WHERE account = ? AND name = ?`,
	qListUsers: `SELECT ` + sqlstore.UserCols + ` FROM users
		WHERE account = ?1 AND ` + pathWhere + ` AND name > ?3 ORDER BY name LIMIT ?4`,
	qUserName: `SELECT name FROM users WHERE account = ? AND name = ?`,
	qGetGroup: `SELECT ` + sqlstore.GroupCols + ` FROM groups WHERE account = ? AND name = ?`,
	qListGroups: `SELECT ` + sqlstore.GroupCols + ` FROM groups
		WHERE account = ?1 AND ` + pathWhere + ` AND name > ?3 ORDER BY name LIMIT ?4`,
	qGroupName: `SELECT name FROM groups WHERE account = ? AND name = ?`,
	qListGroupsForUser: `SELECT g.name, g.group_id, g.path, g.created_at
		FROM group_members m JOIN groups g ON g.account = m.account AND g.name = m.group_name
		WHERE m.account = ? AND m.user_name = ? ORDER BY g.name`,
	qListGroupMembers: `SELECT u.name, u.user_id, u.path, u.created_at, u.tags
		FROM group_members m JOIN users u ON u.account = m.account AND u.name = m.user_name
		WHERE m.account = ? AND m.group_name = ? ORDER BY u.name`,
	qGetRole: `SELECT ` + sqlstore.RoleCols + ` FROM roles WHERE account = ? AND name = ?`,
	qListRoles: `SELECT ` + sqlstore.RoleCols + ` FROM roles
		WHERE account = ?1 AND ` + pathWhere + ` AND name > ?3 ORDER BY name LIMIT ?4`,
	qRoleName: `SELECT name FROM roles WHERE account = ? AND name = ?`,
	qGetInlinePolicy: `SELECT principal, name, document FROM inline_policies
		WHERE account = ? AND kind = ? AND principal = ? AND name = ?`,
	qListInlinePolicies: `SELECT principal, name, document FROM inline_policies
		WHERE account = ? AND kind = ? AND principal = ? ORDER BY name`,
	qGetManagedPolicy: `SELECT ` + sqlstore.PolicyCols + ` FROM managed_policies WHERE account = ? AND name = ?`,
	qListManagedPolicies: `SELECT ` + sqlstore.PolicyCols + ` FROM managed_policies
		WHERE account = ?1 AND ` + pathWhere + ` AND name > ?3 ORDER BY name LIMIT ?4`,
	qPolicyName: `SELECT name FROM managed_policies WHERE account = ? AND name = ?`,
	qGetPolicyVersion: `SELECT policy_name, version_id, document, created_at FROM policy_versions
		WHERE account = ? AND policy_name = ? AND version_id = ?`,
	qListPolicyVersions: `SELECT policy_name, version_id, document, created_at FROM policy_versions
		WHERE account = ? AND policy_name = ? ORDER BY seq`,
	qListAttachedPolicies: `SELECT kind, principal, policy_arn FROM attachments
		WHERE account = ? AND kind = ? AND principal = ? ORDER BY policy_arn`,
	qListPolicyAttachments: `SELECT kind, principal, policy_arn FROM attachments
		WHERE account = ? AND policy_arn = ? ORDER BY kind, principal`,
	qGetGrant: `SELECT ` + sqlstore.GrantCols + ` FROM grants WHERE ` + keyRefWhere + ` AND grant_id = ?`,
	qListGrants: `SELECT ` + sqlstore.GrantCols + ` FROM grants
		WHERE ` + keyRefWhere + ` AND grant_id > ? ORDER BY grant_id LIMIT ?`,
	qListRetirableGrants: `SELECT ` + sqlstore.GrantCols + ` FROM grants
		WHERE region = ? AND retiring_principal = ? AND grant_id > ? ORDER BY grant_id LIMIT ?`,

	// S3 keys compare in byte order (BINARY). The listings select the keys
	// in [?3, ?4) for a prefix ?3 and its sqlstore.PrefixEnd ?4; the ...To
	// variants are for prefixes without an end.
	qGetBucket:    `SELECT ` + sqlstore.BucketCols + ` FROM buckets WHERE name = ?`,
	qListBuckets:  `SELECT ` + sqlstore.BucketCols + ` FROM buckets WHERE account = ? ORDER BY name`,
	qBucketExists: `SELECT 1 FROM buckets WHERE name = ?`,
	qCountObjects: `SELECT (SELECT count(*) FROM (SELECT 1 FROM objects WHERE bucket = ?1 LIMIT ?2))
		+ (SELECT count(*) FROM (SELECT 1 FROM uploads WHERE bucket = ?1 LIMIT ?2))`,
	qGetObject: `SELECT ` + sqlstore.ObjectCols + ` FROM objects WHERE bucket = ? AND key = ?`,
	qListObjects: `SELECT ` + sqlstore.ObjectCols + ` FROM objects
		WHERE bucket = ?1 AND key > ?2 AND key >= ?3 AND key < ?4 ORDER BY key LIMIT ?5`,
	qListObjectsTo: `SELECT ` + sqlstore.ObjectCols + ` FROM objects
		WHERE bucket = ?1 AND key > ?2 AND key >= ?3 ORDER BY key LIMIT ?5`,
	qGetUpload:    `SELECT ` + sqlstore.UploadCols + ` FROM uploads WHERE bucket = ? AND upload_id = ?`,
	qUploadExists: `SELECT 1 FROM uploads WHERE upload_id = ?`,
	qListUploads: `SELECT ` + sqlstore.UploadCols + ` FROM uploads
		WHERE bucket = ?1 AND key > ?2 AND key >= ?3 AND key < ?4 ORDER BY key, initiated, upload_id LIMIT ?5`,
	qListUploadsTo: `SELECT ` + sqlstore.UploadCols + ` FROM uploads
		WHERE bucket = ?1 AND key > ?2 AND key >= ?3 ORDER BY key, initiated, upload_id LIMIT ?5`,
	qListParts: `SELECT ` + sqlstore.PartCols + ` FROM parts
		WHERE upload_id = ? AND number > ? ORDER BY number LIMIT ?`,
	qPartBlob:        `SELECT blob_id FROM parts WHERE upload_id = ? AND number = ?`,
	qObjectBlob:      `SELECT blob_id FROM objects WHERE bucket = ? AND key = ?`,
	qObjectPartBlobs: `SELECT blob_id FROM object_parts WHERE bucket = ? AND key = ? ORDER BY seq`,
	qBlobInUse: `SELECT EXISTS (SELECT 1 FROM objects WHERE blob_id = ?1)
		OR EXISTS (SELECT 1 FROM object_parts WHERE blob_id = ?1)
		OR EXISTS (SELECT 1 FROM parts WHERE blob_id = ?1)`,

	qCreateAccount: `INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
	qPutAccessKey: `INSERT INTO access_keys (` + sqlstore.AccessKeyCols + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (access_key_id) DO UPDATE SET account = excluded.account,
			principal_arn = excluded.principal_arn, user_id = excluded.user_id,
			wrapped_secret = excluded.wrapped_secret, status = excluded.status,
			created_at = excluded.created_at, user_name = excluded.user_name,
			role_name = excluded.role_name, wrapped_session_token = excluded.wrapped_session_token,
			expiration = excluded.expiration`,
	qDeleteAccessKey: `DELETE FROM access_keys WHERE access_key_id = ?`,
	qCreateKey: `INSERT INTO keys (account, region, key_id, ` + sqlstore.KeyBody + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
	qUpdateKey: `UPDATE keys SET creation_date = ?, description = ?, key_spec = ?, key_usage = ?,
		origin = ?, key_manager = ?, multi_region = ?, state = ?, deletion_date = ?,
		pending_window_days = ?, policy = ?, rotation_enabled = ?, rotation_period_days = ?,
		next_rotation = ?, current_version = ?, on_demand_rotations = ?, attrs = ?,
		material_expires = ?
		WHERE ` + keyRefWhere,
	qDeleteKey:       `DELETE FROM keys WHERE ` + keyRefWhere,
	qDeleteMaterials: `DELETE FROM key_materials WHERE ` + keyRefWhere,
	qDeleteMaterial:  `DELETE FROM key_materials WHERE ` + keyRefWhere + ` AND version = ?`,
	qAddMaterial: `INSERT INTO key_materials (account, region, key_id, version, material_id, wrapped, created_at, rotation_type)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
	qCreateAlias: `INSERT INTO aliases (account, region, name, target_key_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
	qUpdateAlias: `UPDATE aliases SET target_key_id = ?, created_at = ?, updated_at = ?
		WHERE account = ? AND region = ? AND name = ?`,
	qDeleteAlias: `DELETE FROM aliases WHERE account = ? AND region = ? AND name = ?`,
	qPutTag: `INSERT INTO tags (account, region, key_id, tag_key, tag_value) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account, region, key_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value`,
	qDeleteTag: `DELETE FROM tags WHERE ` + keyRefWhere + ` AND tag_key = ?`,
	qPutSetting: `INSERT INTO settings (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`,

	qDeleteExpiredAccessKeys: `DELETE FROM access_keys WHERE expiration IS NOT NULL AND expiration <= ?
		RETURNING access_key_id`,
	qDeleteAccessKeysOfUser: `DELETE FROM access_keys WHERE account = ? AND user_name = ? RETURNING access_key_id`,
	qDeleteAccessKeysOfRole: `DELETE FROM access_keys WHERE account = ? AND role_name = ? RETURNING access_key_id`,
	qCreateUser: `INSERT INTO users (account, ` + sqlstore.UserCols + `) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`,
	qUpdateUser: `UPDATE users SET user_id = ?, path = ?, created_at = ?, tags = ?
		WHERE account = ? AND name = ? RETURNING name`,
	qDeleteUser: `DELETE FROM users WHERE account = ? AND name = ? RETURNING name`,
	qCreateGroup: `INSERT INTO groups (account, ` + sqlstore.GroupCols + `) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`,
	qDeleteGroup: `DELETE FROM groups WHERE account = ? AND name = ? RETURNING name`,
	qAddMember:   `INSERT INTO group_members (account, group_name, user_name) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
	qRemoveMember: `DELETE FROM group_members WHERE account = ? AND group_name = ? AND user_name = ?
		RETURNING group_name, user_name`,
	qCreateRole: `INSERT INTO roles (account, ` + sqlstore.RoleCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`,
	qUpdateRole: `UPDATE roles SET role_id = ?, path = ?, assume_role_policy = ?, description = ?,
		max_session_duration = ?, created_at = ?, tags = ?
		WHERE account = ? AND name = ? RETURNING name`,
	qDeleteRole: `DELETE FROM roles WHERE account = ? AND name = ? RETURNING name`,
	qPutInlinePolicy: `INSERT INTO inline_policies (account, kind, principal, name, document) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account, kind, principal, name) DO UPDATE SET document = excluded.document`,
	qDeleteInlinePolicy: `DELETE FROM inline_policies WHERE account = ? AND kind = ? AND principal = ? AND name = ?
		RETURNING principal`,
	qDeleteInlinePoliciesOf: `DELETE FROM inline_policies WHERE account = ? AND kind = ? AND principal = ?`,
	qCreateManagedPolicy: `INSERT INTO managed_policies (account, ` + sqlstore.PolicyCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`,
	qUpdateManagedPolicy: `UPDATE managed_policies SET policy_id = ?, path = ?, description = ?,
		default_version = ?, created_at = ?, updated_at = ?
		WHERE account = ? AND name = ? RETURNING name`,
	qDeleteManagedPolicy: `DELETE FROM managed_policies WHERE account = ? AND name = ? RETURNING name`,
	// The WHERE clause also avoids SQLite's INSERT ... SELECT ... ON
	// CONFLICT parsing ambiguity.
	qAddPolicyVersion: `INSERT INTO policy_versions (account, policy_name, version_id, seq, document, created_at)
		SELECT ?1, ?2, ?3, coalesce(max(seq), 0) + 1, ?4, ?5 FROM policy_versions
		WHERE account = ?1 AND policy_name = ?2
		ON CONFLICT DO NOTHING`,
	qDeletePolicyVersion: `DELETE FROM policy_versions WHERE account = ? AND policy_name = ? AND version_id = ?
		RETURNING policy_name`,
	qAttach: `INSERT INTO attachments (account, kind, principal, policy_arn) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING`,
	qDetach: `DELETE FROM attachments WHERE account = ? AND kind = ? AND principal = ? AND policy_arn = ?
		RETURNING principal`,
	qDeleteAttachmentsOf: `DELETE FROM attachments WHERE account = ? AND kind = ? AND principal = ?`,
	qCreateGrant: `INSERT INTO grants (` + sqlstore.GrantCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`,
	qDeleteGrant: `DELETE FROM grants WHERE ` + keyRefWhere + ` AND grant_id = ?`,

	qCreateBucket: `INSERT INTO buckets (` + sqlstore.BucketCols + `) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`,
	qUpdateBucket: `UPDATE buckets SET encryption = ?, policy = ? WHERE name = ?`,
	qDeleteBucket: `DELETE FROM buckets WHERE name = ?`,
	qPutObject: `INSERT INTO objects (` + sqlstore.ObjectCols + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (bucket, key) DO UPDATE SET blob_id = excluded.blob_id, size = excluded.size,
			etag = excluded.etag, last_modified = excluded.last_modified,
			content_type = excluded.content_type, metadata = excluded.metadata,
			checksum = excluded.checksum, parts = excluded.parts, enc_mode = excluded.enc_mode,
			kms_key_arn = excluded.kms_key_arn, kms_context = excluded.kms_context,
			encrypted_data_key = excluded.encrypted_data_key, bucket_key = excluded.bucket_key,
			sealed_key = excluded.sealed_key, customer_key_check = excluded.customer_key_check,
			customer_key_md5 = excluded.customer_key_md5`,
	qDeleteObject:      `DELETE FROM objects WHERE bucket = ? AND key = ? RETURNING blob_id`,
	qPutObjectPart:     `INSERT INTO object_parts (bucket, key, seq, blob_id) VALUES (?, ?, ?, ?)`,
	qDeleteObjectParts: `DELETE FROM object_parts WHERE bucket = ? AND key = ? RETURNING blob_id`,
	qCreateUpload: `INSERT INTO uploads (` + sqlstore.UploadCols + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
	qPutPart: `INSERT INTO parts (` + sqlstore.PartCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (upload_id, number) DO UPDATE SET blob_id = excluded.blob_id, size = excluded.size,
			encrypted_size = excluded.encrypted_size, etag = excluded.etag,
			checksum = excluded.checksum, last_modified = excluded.last_modified`,
	qDeleteParts: `DELETE FROM parts WHERE upload_id = ?1
		AND EXISTS (SELECT 1 FROM uploads WHERE upload_id = ?1 AND bucket = ?2) RETURNING blob_id`,
	qDeleteUpload: `DELETE FROM uploads WHERE upload_id = ? AND bucket = ?`,
	qGetKeyUsage:  `SELECT operation, used_at, request_id FROM key_last_usage WHERE ` + keyRefWhere,
	qRecordKeyUsage: `INSERT INTO key_last_usage (account, region, key_id, operation, used_at, request_id)
		SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM keys WHERE account = ?1 AND region = ?2 AND key_id = ?3)
		ON CONFLICT (account, region, key_id) DO UPDATE SET operation = excluded.operation, used_at = excluded.used_at,
		request_id = excluded.request_id WHERE excluded.used_at > key_last_usage.used_at`,
}

// stmts holds every query prepared on one *sql.DB.
type stmts [numStmts]*sql.Stmt

func (s *stmts) prepare(ctx context.Context, db *sql.DB) error {
	for id, q := range queries {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
		s[id] = st
	}
	return nil
}

func (s *stmts) close() {
	for i, st := range s {
		if st != nil {
			st.Close()
			s[i] = nil
		}
	}
}

func (s *stmts) stmt(_ context.Context, id stmtID) *sql.Stmt { return s[id] }

// txStmts hands out the writer's statements bound to one transaction,
// binding each at most once.
type txStmts struct {
	tx    *sql.Tx
	base  *stmts
	bound [numStmts]*sql.Stmt
}

func (t *txStmts) stmt(ctx context.Context, id stmtID) *sql.Stmt {
	if st := t.bound[id]; st != nil {
		return st
	}
	st := t.tx.StmtContext(ctx, t.base[id])
	t.bound[id] = st
	return st
}

// querier gives the prepared statement for a query: on the read pool for
// Store-level reads, bound to the transaction inside Update.
type querier interface {
	stmt(ctx context.Context, id stmtID) *sql.Stmt
}
