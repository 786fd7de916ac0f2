package postgres

import "github.com/coffer-kms/coffer/internal/store/sqlstore"

// The IAM queries. Names are compared and sorted by lower(name), which the
// unique lower(name) indexes serve (see migrations/0002_iam.sql).

// pathWhere filters on a path prefix $2 (” for all).
const pathWhere = `($2::text = '' OR starts_with(path, $2))`

const keyRefWhere = `account = $1 AND region = $2 AND key_id = $3`

// Reads.
const (
	sqlListAccessKeys = `SELECT ` + sqlstore.AccessKeyCols + ` FROM access_keys
		WHERE account = $1 AND lower(user_name) = lower($2) AND expiration IS NULL ORDER BY access_key_id`
	sqlGetUser   = `SELECT ` + sqlstore.UserCols + ` FROM users WHERE account = $1 AND lower(name) = lower($2)`
	sqlListUsers = `SELECT ` + sqlstore.UserCols + ` FROM users
		WHERE account = $1 AND ` + pathWhere + ` AND lower(name) > lower($3) ORDER BY lower(name) LIMIT $4`
	sqlUserName   = `SELECT name FROM users WHERE account = $1 AND lower(name) = lower($2)`
	sqlGetGroup   = `SELECT ` + sqlstore.GroupCols + ` FROM groups WHERE account = $1 AND lower(name) = lower($2)`
	sqlListGroups = `SELECT ` + sqlstore.GroupCols + ` FROM groups
		WHERE account = $1 AND ` + pathWhere + ` AND lower(name) > lower($3) ORDER BY lower(name) LIMIT $4`
	sqlGroupName         = `SELECT name FROM groups WHERE account = $1 AND lower(name) = lower($2)`
	sqlListGroupsForUser = `SELECT g.name, g.group_id, g.path, g.created_at
		FROM group_members m JOIN groups g ON g.account = m.account AND g.name = m.group_name
		WHERE m.account = $1 AND lower(m.user_name) = lower($2) ORDER BY lower(g.name)`
	sqlListGroupMembers = `SELECT u.name, u.user_id, u.path, u.created_at, u.tags
		FROM group_members m JOIN users u ON u.account = m.account AND u.name = m.user_name
		WHERE m.account = $1 AND lower(m.group_name) = lower($2) ORDER BY lower(u.name)`
	sqlGetRole   = `SELECT ` + sqlstore.RoleCols + ` FROM roles WHERE account = $1 AND lower(name) = lower($2)`
	sqlListRoles = `SELECT ` + sqlstore.RoleCols + ` FROM roles
		WHERE account = $1 AND ` + pathWhere + ` AND lower(name) > lower($3) ORDER BY lower(name) LIMIT $4`
	sqlRoleName        = `SELECT name FROM roles WHERE account = $1 AND lower(name) = lower($2)`
	sqlGetInlinePolicy = `SELECT principal, name, document FROM inline_policies
		WHERE account = $1 AND kind = $2 AND lower(principal) = lower($3) AND lower(name) = lower($4)`
	sqlListInlinePolicies = `SELECT principal, name, document FROM inline_policies
		WHERE account = $1 AND kind = $2 AND lower(principal) = lower($3) ORDER BY lower(name)`
	sqlGetManagedPolicy    = `SELECT ` + sqlstore.PolicyCols + ` FROM managed_policies WHERE account = $1 AND lower(name) = lower($2)`
	sqlListManagedPolicies = `SELECT ` + sqlstore.PolicyCols + ` FROM managed_policies
		WHERE account = $1 AND ` + pathWhere + ` AND lower(name) > lower($3) ORDER BY lower(name) LIMIT $4`
	sqlPolicyName       = `SELECT name FROM managed_policies WHERE account = $1 AND lower(name) = lower($2)`
	sqlGetPolicyVersion = `SELECT policy_name, version_id, document, created_at FROM policy_versions
		WHERE account = $1 AND lower(policy_name) = lower($2) AND version_id = $3`
	sqlListPolicyVersions = `SELECT policy_name, version_id, document, created_at FROM policy_versions
		WHERE account = $1 AND lower(policy_name) = lower($2) ORDER BY seq`
	sqlListAttachedPolicies = `SELECT kind, principal, policy_arn FROM attachments
		WHERE account = $1 AND kind = $2 AND lower(principal) = lower($3) ORDER BY policy_arn`
	sqlListPolicyAttachments = `SELECT kind, principal, policy_arn FROM attachments
		WHERE account = $1 AND policy_arn = $2 ORDER BY kind, lower(principal)`
	sqlGetGrant   = `SELECT ` + sqlstore.GrantCols + ` FROM grants WHERE ` + keyRefWhere + ` AND grant_id = $4`
	sqlListGrants = `SELECT ` + sqlstore.GrantCols + ` FROM grants
		WHERE ` + keyRefWhere + ` AND grant_id > $4 ORDER BY grant_id LIMIT $5`
	sqlListRetirableGrants = `SELECT ` + sqlstore.GrantCols + ` FROM grants
		WHERE region = $1 AND retiring_principal = $2 AND grant_id > $3 ORDER BY grant_id LIMIT $4`
)

// Writes.
const (
	sqlDeleteExpiredAccessKeys = `DELETE FROM access_keys WHERE expiration IS NOT NULL AND expiration <= $1
		RETURNING access_key_id`
	sqlDeleteAccessKeysOfUser = `DELETE FROM access_keys WHERE account = $1 AND lower(user_name) = lower($2)
		RETURNING access_key_id`
	sqlDeleteAccessKeysOfRole = `DELETE FROM access_keys WHERE account = $1 AND lower(role_name) = lower($2)
		RETURNING access_key_id`
	sqlCreateUser = `INSERT INTO users (account, ` + sqlstore.UserCols + `) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT DO NOTHING`
	sqlUpdateUser = `UPDATE users SET user_id = $1, path = $2, created_at = $3, tags = $4
		WHERE account = $5 AND lower(name) = lower($6) RETURNING name`
	sqlDeleteUser  = `DELETE FROM users WHERE account = $1 AND lower(name) = lower($2) RETURNING name`
	sqlCreateGroup = `INSERT INTO groups (account, ` + sqlstore.GroupCols + `) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT DO NOTHING`
	sqlDeleteGroup  = `DELETE FROM groups WHERE account = $1 AND lower(name) = lower($2) RETURNING name`
	sqlAddMember    = `INSERT INTO group_members (account, group_name, user_name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`
	sqlRemoveMember = `DELETE FROM group_members
		WHERE account = $1 AND lower(group_name) = lower($2) AND lower(user_name) = lower($3)
		RETURNING group_name, user_name`
	sqlCreateRole = `INSERT INTO roles (account, ` + sqlstore.RoleCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT DO NOTHING`
	sqlUpdateRole = `UPDATE roles SET role_id = $1, path = $2, assume_role_policy = $3, description = $4,
		max_session_duration = $5, created_at = $6, tags = $7
		WHERE account = $8 AND lower(name) = lower($9) RETURNING name`
	sqlDeleteRole      = `DELETE FROM roles WHERE account = $1 AND lower(name) = lower($2) RETURNING name`
	sqlPutInlinePolicy = `INSERT INTO inline_policies (account, kind, principal, name, document) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (account, kind, lower(principal), lower(name)) DO UPDATE SET document = excluded.document`
	sqlDeleteInlinePolicy = `DELETE FROM inline_policies
		WHERE account = $1 AND kind = $2 AND lower(principal) = lower($3) AND lower(name) = lower($4)
		RETURNING principal`
	sqlDeleteInlinePoliciesOf = `DELETE FROM inline_policies WHERE account = $1 AND kind = $2 AND lower(principal) = lower($3)`
	sqlCreateManagedPolicy    = `INSERT INTO managed_policies (account, ` + sqlstore.PolicyCols + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`
	sqlUpdateManagedPolicy = `UPDATE managed_policies SET policy_id = $1, path = $2, description = $3,
		default_version = $4, created_at = $5, updated_at = $6
		WHERE account = $7 AND lower(name) = lower($8) RETURNING name`
	sqlDeleteManagedPolicy = `DELETE FROM managed_policies WHERE account = $1 AND lower(name) = lower($2) RETURNING name`
	sqlAddPolicyVersion    = `INSERT INTO policy_versions (account, policy_name, version_id, seq, document, created_at)
		SELECT $1::text, $2::text, $3::text, coalesce(max(seq), 0) + 1, $4::text, $5::timestamptz FROM policy_versions
		WHERE account = $1 AND policy_name = $2
		ON CONFLICT DO NOTHING`
	sqlDeletePolicyVersion = `DELETE FROM policy_versions
		WHERE account = $1 AND lower(policy_name) = lower($2) AND version_id = $3 RETURNING policy_name`
	sqlAttach = `INSERT INTO attachments (account, kind, principal, policy_arn) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`
	sqlDetach = `DELETE FROM attachments
		WHERE account = $1 AND kind = $2 AND lower(principal) = lower($3) AND policy_arn = $4 RETURNING principal`
	sqlDeleteAttachmentsOf = `DELETE FROM attachments WHERE account = $1 AND kind = $2 AND lower(principal) = lower($3)`
	sqlCreateGrant         = `INSERT INTO grants (` + sqlstore.GrantCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT DO NOTHING`
	sqlDeleteGrant = `DELETE FROM grants WHERE ` + keyRefWhere + ` AND grant_id = $4`
)
