package sqlite

import (
	"context"

	"github.com/coffer-kms/coffer/internal/store"
	"github.com/coffer-kms/coffer/internal/store/sqlstore"
)

var _ store.IAMReader = reader{}

// ListAccessKeys implements store.IAMReader. userName matches
// case-insensitively.
func (r reader) ListAccessKeys(ctx context.Context, account, userName string) ([]store.AccessKey, error) {
	return list(ctx, r, qListAccessKeys, "list access keys", decode.AccessKey, account, userName)
}

// GetUser implements store.IAMReader.
func (r reader) GetUser(ctx context.Context, account, name string) (store.User, error) {
	return get(ctx, r, qGetUser, "get user %s/%s", decode.User(account), account, name)
}

// ListUsers implements store.IAMReader.
func (r reader) ListUsers(ctx context.Context, account, prefix string, page store.Page) ([]store.User, error) {
	return list(ctx, r, qListUsers, "list users", decode.User(account),
		account, sqlstore.PathPrefix(prefix), page.After, limit(page.Limit))
}

// GetGroup implements store.IAMReader.
func (r reader) GetGroup(ctx context.Context, account, name string) (store.Group, error) {
	return get(ctx, r, qGetGroup, "get group %s/%s", decode.Group(account), account, name)
}

// ListGroups implements store.IAMReader.
func (r reader) ListGroups(ctx context.Context, account, prefix string, page store.Page) ([]store.Group, error) {
	return list(ctx, r, qListGroups, "list groups", decode.Group(account),
		account, sqlstore.PathPrefix(prefix), page.After, limit(page.Limit))
}

// ListGroupsForUser implements store.IAMReader. Groups come sorted by name.
func (r reader) ListGroupsForUser(ctx context.Context, account, userName string) ([]store.Group, error) {
	return list(ctx, r, qListGroupsForUser, "list groups for user", decode.Group(account), account, userName)
}

// ListGroupMembers implements store.IAMReader. Users come sorted by name.
func (r reader) ListGroupMembers(ctx context.Context, account, groupName string) ([]store.User, error) {
	return list(ctx, r, qListGroupMembers, "list group members", decode.User(account), account, groupName)
}

// GetRole implements store.IAMReader.
func (r reader) GetRole(ctx context.Context, account, name string) (store.Role, error) {
	return get(ctx, r, qGetRole, "get role %s/%s", decode.Role(account), account, name)
}

// ListRoles implements store.IAMReader.
func (r reader) ListRoles(ctx context.Context, account, prefix string, page store.Page) ([]store.Role, error) {
	return list(ctx, r, qListRoles, "list roles", decode.Role(account),
		account, sqlstore.PathPrefix(prefix), page.After, limit(page.Limit))
}

// GetInlinePolicy implements store.IAMReader. Principal and Name come back
// as stored.
func (r reader) GetInlinePolicy(ctx context.Context, account string, kind store.PrincipalKind, principal, name string) (store.InlinePolicy, error) {
	return get(ctx, r, qGetInlinePolicy, "get inline policy %s/%s/%s/%s", decode.InlinePolicy(account, kind), account, string(kind), principal, name)
}

// ListInlinePolicies implements store.IAMReader. Policies come sorted by name.
func (r reader) ListInlinePolicies(ctx context.Context, account string, kind store.PrincipalKind, principal string) ([]store.InlinePolicy, error) {
	return list(ctx, r, qListInlinePolicies, "list inline policies", decode.InlinePolicy(account, kind), account, string(kind), principal)
}

// GetManagedPolicy implements store.IAMReader.
func (r reader) GetManagedPolicy(ctx context.Context, account, name string) (store.ManagedPolicy, error) {
	return get(ctx, r, qGetManagedPolicy, "get managed policy %s/%s", decode.ManagedPolicy(account), account, name)
}

// ListManagedPolicies implements store.IAMReader.
func (r reader) ListManagedPolicies(ctx context.Context, account, prefix string, page store.Page) ([]store.ManagedPolicy, error) {
	return list(ctx, r, qListManagedPolicies, "list managed policies", decode.ManagedPolicy(account),
		account, sqlstore.PathPrefix(prefix), page.After, limit(page.Limit))
}

// GetPolicyVersion implements store.IAMReader. PolicyName comes back as
// stored; versionID matches exactly.
func (r reader) GetPolicyVersion(ctx context.Context, account, policyName, versionID string) (store.PolicyVersion, error) {
	return get(ctx, r, qGetPolicyVersion, "get policy version %s/%s/%s", decode.PolicyVersion(account), account, policyName, versionID)
}

// ListPolicyVersions implements store.IAMReader: versions come in the order
// they were added.
func (r reader) ListPolicyVersions(ctx context.Context, account, policyName string) ([]store.PolicyVersion, error) {
	return list(ctx, r, qListPolicyVersions, "list policy versions", decode.PolicyVersion(account), account, policyName)
}

// ListAttachedPolicies implements store.IAMReader. Attachments come sorted
// by PolicyARN.
func (r reader) ListAttachedPolicies(ctx context.Context, account string, kind store.PrincipalKind, principal string) ([]store.Attachment, error) {
	return list(ctx, r, qListAttachedPolicies, "list attached policies", decode.Attachment(account), account, string(kind), principal)
}

// ListPolicyAttachments implements store.IAMReader. Attachments come sorted
// by Kind, then Principal.
func (r reader) ListPolicyAttachments(ctx context.Context, account, policyARN string) ([]store.Attachment, error) {
	return list(ctx, r, qListPolicyAttachments, "list policy attachments", decode.Attachment(account), account, policyARN)
}

// GetGrant implements store.IAMReader. No operations read back as nil.
func (r reader) GetGrant(ctx context.Context, ref store.KeyRef, grantID string) (store.Grant, error) {
	return get(ctx, r, qGetGrant, "get grant %s/%s/%s/%s", decode.Grant, ref.Account, ref.Region, ref.KeyID, grantID)
}

// ListGrants implements store.IAMReader.
func (r reader) ListGrants(ctx context.Context, ref store.KeyRef, page store.Page) ([]store.Grant, error) {
	return list(ctx, r, qListGrants, "list grants", decode.Grant,
		ref.Account, ref.Region, ref.KeyID, page.After, limit(page.Limit))
}

// ListRetirableGrants implements store.IAMReader.
func (r reader) ListRetirableGrants(ctx context.Context, region, principal string, page store.Page) ([]store.Grant, error) {
	return list(ctx, r, qListRetirableGrants, "list retirable grants", decode.Grant,
		region, principal, page.After, limit(page.Limit))
}
