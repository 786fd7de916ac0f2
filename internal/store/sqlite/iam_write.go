package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/coffer-kms/coffer/internal/store"
	"github.com/coffer-kms/coffer/internal/store/sqlstore"
)

var _ store.IAMTx = (*tx)(nil)

// nameStmt is the statement that looks up an identity's stored name.
var nameStmt = map[store.PrincipalKind]stmtID{
	store.KindUser:  qUserName,
	store.KindGroup: qGroupName,
	store.KindRole:  qRoleName,
}

// storedName returns the name of the identity of kind matching name
// case-insensitively, as stored; store.ErrNotFound if there is none.
func (t *tx) storedName(ctx context.Context, kind store.PrincipalKind, account, name string) (string, error) {
	id, ok := nameStmt[kind]
	if !ok {
		return "", fmt.Errorf("unknown principal kind %q", kind)
	}
	var stored string
	err := t.stmts.stmt(ctx, id).QueryRowContext(ctx, account, name).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("%s %s/%s: %w", kind, account, name, store.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("%s %s/%s: %w", kind, account, name, err)
	}
	return stored, nil
}

// deleteDependents removes the inline policies and attachments of a deleted
// identity.
func (t *tx) deleteDependents(ctx context.Context, kind store.PrincipalKind, account, name string) error {
	if _, err := t.exec(ctx, qDeleteInlinePoliciesOf, account, string(kind), name); err != nil {
		return err
	}
	_, err := t.exec(ctx, qDeleteAttachmentsOf, account, string(kind), name)
	return err
}

// deleteAccessKeys runs a DELETE ... RETURNING access_key_id and records
// the deleted keys.
func (t *tx) deleteAccessKeys(ctx context.Context, id stmtID, args ...any) (int, error) {
	ids, err := t.queryNames(ctx, id, args...)
	if err != nil {
		return 0, err
	}
	for _, k := range ids {
		t.changes.AccessKey(k)
	}
	return len(ids), nil
}

// deleteIdentity deletes a user, group or role with statement id (a
// DELETE ... RETURNING name) and then its inline policies and attachments.
// It returns the identity's name as stored.
func (t *tx) deleteIdentity(ctx context.Context, op string, kind store.PrincipalKind, id stmtID, account, name string) (string, error) {
	stored, err := t.writeReturning(ctx, op, id, account, name)
	if err != nil {
		return "", err
	}
	if err := t.deleteDependents(ctx, kind, account, stored); err != nil {
		return "", fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return stored, nil
}

// createIAM inserts the IAM object name of account with statement id;
// store.ErrExists if the name is taken.
func (t *tx) createIAM(ctx context.Context, op, account, name string, id stmtID, args ...any) error {
	if err := t.writeOne(ctx, op, store.ErrExists, id, args...); err != nil {
		return err
	}
	t.changes.IAM(account, name)
	return nil
}

// writeIAM runs statement id, a write ... RETURNING the name of an IAM
// object of account, and records a change to that object as named by the
// database; store.ErrNotFound if the write matched nothing.
func (t *tx) writeIAM(ctx context.Context, op, account string, id stmtID, args ...any) error {
	stored, err := t.writeReturning(ctx, op, id, args...)
	if err != nil {
		return err
	}
	t.changes.IAM(account, stored)
	return nil
}

// CreateUser implements store.IAMTx.
func (t *tx) CreateUser(ctx context.Context, u store.User) error {
	op := fmt.Sprintf("create user %s/%s", u.Account, u.Name)
	return t.createIAM(ctx, op, u.Account, u.Name, qCreateUser,
		u.Account, u.Name, u.UserID, u.Path, micros(u.CreatedAt), sqlstore.TagsJSON(u.Tags))
}

// UpdateUser implements store.IAMTx: it replaces every attribute but the
// name, which keeps its stored case.
func (t *tx) UpdateUser(ctx context.Context, u store.User) error {
	op := fmt.Sprintf("update user %s/%s", u.Account, u.Name)
	return t.writeIAM(ctx, op, u.Account, qUpdateUser,
		u.UserID, u.Path, micros(u.CreatedAt), sqlstore.TagsJSON(u.Tags), u.Account, u.Name)
}

// DeleteUser implements store.IAMTx. Whatever still refers to the user (its
// group memberships, inline policies, attachments and access keys) is
// removed with it, so that a user later created with the same name starts
// clean; the IAM service refuses such deletes first.
func (t *tx) DeleteUser(ctx context.Context, account, name string) error {
	op := fmt.Sprintf("delete user %s/%s", account, name)
	groups, err := t.ListGroupsForUser(ctx, account, name)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	stored, err := t.deleteIdentity(ctx, op, store.KindUser, qDeleteUser, account, name)
	if err != nil {
		return err
	}
	if _, err := t.deleteAccessKeys(ctx, qDeleteAccessKeysOfUser, account, stored); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	t.changes.IAM(account, stored)
	for _, g := range groups {
		t.changes.IAM(account, g.Name)
	}
	return nil
}

// CreateGroup implements store.IAMTx.
func (t *tx) CreateGroup(ctx context.Context, g store.Group) error {
	op := fmt.Sprintf("create group %s/%s", g.Account, g.Name)
	return t.createIAM(ctx, op, g.Account, g.Name, qCreateGroup,
		g.Account, g.Name, g.GroupID, g.Path, micros(g.CreatedAt))
}

// DeleteGroup implements store.IAMTx. The group's memberships, inline
// policies and attachments are removed with it.
func (t *tx) DeleteGroup(ctx context.Context, account, name string) error {
	op := fmt.Sprintf("delete group %s/%s", account, name)
	members, err := t.ListGroupMembers(ctx, account, name)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	stored, err := t.deleteIdentity(ctx, op, store.KindGroup, qDeleteGroup, account, name)
	if err != nil {
		return err
	}
	t.changes.IAM(account, stored)
	for _, u := range members {
		t.changes.IAM(account, u.Name)
	}
	return nil
}

// AddUserToGroup implements store.IAMTx. It reports a store.ChangeIAM for
// both the group and the user.
func (t *tx) AddUserToGroup(ctx context.Context, account, groupName, userName string) error {
	op := fmt.Sprintf("add user %s to group %s", userName, groupName)
	g, err := t.storedName(ctx, store.KindGroup, account, groupName)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	u, err := t.storedName(ctx, store.KindUser, account, userName)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	n, err := t.exec(ctx, qAddMember, account, g, u)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if n > 0 {
		t.changes.IAM(account, g)
		t.changes.IAM(account, u)
	}
	return nil
}

// RemoveUserFromGroup implements store.IAMTx. It reports a store.ChangeIAM
// for both the group and the user.
func (t *tx) RemoveUserFromGroup(ctx context.Context, account, groupName, userName string) error {
	rows, err := t.stmts.stmt(ctx, qRemoveMember).QueryContext(ctx, account, groupName, userName)
	if err != nil {
		return fmt.Errorf("sqlite: remove user %s from group %s: %w", userName, groupName, err)
	}
	defer rows.Close()
	found := false
	for rows.Next() {
		var g, u string
		if err := rows.Scan(&g, &u); err != nil {
			return fmt.Errorf("sqlite: remove user %s from group %s: %w", userName, groupName, err)
		}
		found = true
		t.changes.IAM(account, g)
		t.changes.IAM(account, u)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: remove user %s from group %s: %w", userName, groupName, err)
	}
	if !found {
		return fmt.Errorf("sqlite: remove user %s from group %s/%s: %w", userName, account, groupName, store.ErrNotFound)
	}
	return nil
}

// CreateRole implements store.IAMTx.
func (t *tx) CreateRole(ctx context.Context, r store.Role) error {
	op := fmt.Sprintf("create role %s/%s", r.Account, r.Name)
	return t.createIAM(ctx, op, r.Account, r.Name, qCreateRole,
		r.Account, r.Name, r.RoleID, r.Path, r.AssumeRolePolicy, r.Description, int64(r.MaxSessionDuration),
		micros(r.CreatedAt), sqlstore.TagsJSON(r.Tags))
}

// UpdateRole implements store.IAMTx: it replaces every attribute but the
// name, which keeps its stored case.
func (t *tx) UpdateRole(ctx context.Context, r store.Role) error {
	op := fmt.Sprintf("update role %s/%s", r.Account, r.Name)
	return t.writeIAM(ctx, op, r.Account, qUpdateRole,
		r.RoleID, r.Path, r.AssumeRolePolicy, r.Description, int64(r.MaxSessionDuration),
		micros(r.CreatedAt), sqlstore.TagsJSON(r.Tags), r.Account, r.Name)
}

// DeleteRole implements store.IAMTx. The role's inline policies,
// attachments and temporary access keys are removed with it.
func (t *tx) DeleteRole(ctx context.Context, account, name string) error {
	op := fmt.Sprintf("delete role %s/%s", account, name)
	stored, err := t.deleteIdentity(ctx, op, store.KindRole, qDeleteRole, account, name)
	if err != nil {
		return err
	}
	if _, err := t.deleteAccessKeys(ctx, qDeleteAccessKeysOfRole, account, stored); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	t.changes.IAM(account, stored)
	return nil
}

// PutInlinePolicy implements store.IAMTx; store.ErrNotFound if the
// identity is absent. Replacing keeps the stored case of the policy name.
func (t *tx) PutInlinePolicy(ctx context.Context, p store.InlinePolicy) error {
	op := fmt.Sprintf("put inline policy %s/%s/%s/%s", p.Account, p.Kind, p.Principal, p.Name)
	principal, err := t.storedName(ctx, p.Kind, p.Account, p.Principal)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if _, err := t.exec(ctx, qPutInlinePolicy, p.Account, string(p.Kind), principal, p.Name, p.Document); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	t.changes.IAM(p.Account, principal)
	return nil
}

// DeleteInlinePolicy implements store.IAMTx.
func (t *tx) DeleteInlinePolicy(ctx context.Context, account string, kind store.PrincipalKind, principal, name string) error {
	op := fmt.Sprintf("delete inline policy %s/%s/%s/%s", account, kind, principal, name)
	return t.writeIAM(ctx, op, account, qDeleteInlinePolicy, account, string(kind), principal, name)
}

// CreateManagedPolicy implements store.IAMTx.
func (t *tx) CreateManagedPolicy(ctx context.Context, p store.ManagedPolicy) error {
	op := fmt.Sprintf("create managed policy %s/%s", p.Account, p.Name)
	return t.createIAM(ctx, op, p.Account, p.Name, qCreateManagedPolicy,
		p.Account, p.Name, p.PolicyID, p.Path, p.Description, p.DefaultVersion, micros(p.CreatedAt),
		micros(p.UpdatedAt))
}

// UpdateManagedPolicy implements store.IAMTx: it replaces every attribute
// but the name, which keeps its stored case.
func (t *tx) UpdateManagedPolicy(ctx context.Context, p store.ManagedPolicy) error {
	op := fmt.Sprintf("update managed policy %s/%s", p.Account, p.Name)
	return t.writeIAM(ctx, op, p.Account, qUpdateManagedPolicy,
		p.PolicyID, p.Path, p.Description, p.DefaultVersion, micros(p.CreatedAt), micros(p.UpdatedAt),
		p.Account, p.Name)
}

// DeleteManagedPolicy implements store.IAMTx. Attachments, which name the
// policy by ARN, are left alone.
func (t *tx) DeleteManagedPolicy(ctx context.Context, account, name string) error {
	op := fmt.Sprintf("delete managed policy %s/%s", account, name)
	return t.writeIAM(ctx, op, account, qDeleteManagedPolicy, account, name)
}

// AddPolicyVersion implements store.IAMTx: store.ErrNotFound if the policy
// is absent, store.ErrExists if the version is taken.
func (t *tx) AddPolicyVersion(ctx context.Context, v store.PolicyVersion) error {
	op := fmt.Sprintf("add policy version %s/%s/%s", v.Account, v.PolicyName, v.VersionID)
	var policy string
	err := t.stmts.stmt(ctx, qPolicyName).QueryRowContext(ctx, v.Account, v.PolicyName).Scan(&policy)
	if err != nil {
		return noRows(err, "%s: policy", op)
	}
	if err := t.writeOne(ctx, op, store.ErrExists, qAddPolicyVersion,
		v.Account, policy, v.VersionID, v.Document, micros(v.CreatedAt)); err != nil {
		return err
	}
	t.changes.IAM(v.Account, policy)
	return nil
}

// DeletePolicyVersion implements store.IAMTx.
func (t *tx) DeletePolicyVersion(ctx context.Context, account, policyName, versionID string) error {
	op := fmt.Sprintf("delete policy version %s/%s/%s", account, policyName, versionID)
	return t.writeIAM(ctx, op, account, qDeletePolicyVersion, account, policyName, versionID)
}

// Attach implements store.IAMTx; store.ErrNotFound if the identity is
// absent. The policy ARN is not checked.
func (t *tx) Attach(ctx context.Context, a store.Attachment) error {
	op := fmt.Sprintf("attach %s to %s/%s/%s", a.PolicyARN, a.Account, a.Kind, a.Principal)
	principal, err := t.storedName(ctx, a.Kind, a.Account, a.Principal)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	n, err := t.exec(ctx, qAttach, a.Account, string(a.Kind), principal, a.PolicyARN)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if n > 0 {
		t.changes.IAM(a.Account, principal)
	}
	return nil
}

// Detach implements store.IAMTx.
func (t *tx) Detach(ctx context.Context, a store.Attachment) error {
	op := fmt.Sprintf("detach %s from %s/%s/%s", a.PolicyARN, a.Account, a.Kind, a.Principal)
	return t.writeIAM(ctx, op, a.Account, qDetach, a.Account, string(a.Kind), a.Principal, a.PolicyARN)
}

// CreateGrant implements store.IAMTx. Grant ids are unique across all keys.
func (t *tx) CreateGrant(ctx context.Context, g store.Grant) error {
	op := fmt.Sprintf("create grant %s/%s/%s/%s", g.Ref.Account, g.Ref.Region, g.Ref.KeyID, g.GrantID)
	if err := t.needKey(ctx, g.Ref, op); err != nil {
		return err
	}
	if err := t.writeOne(ctx, op, store.ErrExists, qCreateGrant, g.Ref.Account, g.Ref.Region, g.Ref.KeyID, g.GrantID,
		g.Name, g.GranteePrincipal, g.RetiringPrincipal, g.IssuingAccount, sqlstore.OpsJSON(g.Operations),
		g.Constraints, micros(g.CreatedAt)); err != nil {
		return err
	}
	t.changes.Grant(g.Ref)
	return nil
}

// DeleteGrant implements store.IAMTx; store.ErrNotFound if the key has no
// such grant.
func (t *tx) DeleteGrant(ctx context.Context, ref store.KeyRef, grantID string) error {
	op := fmt.Sprintf("delete grant %s/%s/%s/%s", ref.Account, ref.Region, ref.KeyID, grantID)
	if err := t.writeOne(ctx, op, store.ErrNotFound, qDeleteGrant, ref.Account, ref.Region, ref.KeyID, grantID); err != nil {
		return err
	}
	t.changes.Grant(ref)
	return nil
}

// DeleteExpiredAccessKeys implements store.IAMTx. It reports a
// store.ChangeAccessKey for every key deleted.
func (t *tx) DeleteExpiredAccessKeys(ctx context.Context, now time.Time) (int, error) {
	n, err := t.deleteAccessKeys(ctx, qDeleteExpiredAccessKeys, now.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired access keys: %w", err)
	}
	return n, nil
}
