package store

import (
	"context"
	"time"
)

// The IAM side of the store: users, groups, roles, identity policies and
// their attachments, and KMS grants. Names are unique per account (IAM
// names are case-insensitive in AWS: implementations compare them
// case-insensitively for uniqueness, keep the case given, and look them up
// case-insensitively).

// PrincipalKind says which kind of IAM identity a policy belongs to.
type PrincipalKind string

// The kinds of identity that carry policies.
const (
	KindUser  PrincipalKind = "user"
	KindGroup PrincipalKind = "group"
	KindRole  PrincipalKind = "role"
)

// User is an IAM user.
type User struct {
	Account   string
	Name      string
	UserID    string // AIDA..., the aws:userid of the user
	Path      string // "/" by default
	CreatedAt time.Time
	Tags      []Tag
}

// Group is an IAM group.
type Group struct {
	Account   string
	Name      string
	GroupID   string // AGPA...
	Path      string
	CreatedAt time.Time
}

// Role is an IAM role.
type Role struct {
	Account            string
	Name               string
	RoleID             string // AROA...
	Path               string
	AssumeRolePolicy   string // the trust policy document
	Description        string
	MaxSessionDuration int // seconds, 3600..43200
	CreatedAt          time.Time
	Tags               []Tag
}

// InlinePolicy is a policy embedded in a user, group or role.
type InlinePolicy struct {
	Account   string
	Kind      PrincipalKind
	Principal string // the user, group or role name
	Name      string
	Document  string
}

// ManagedPolicy is a customer managed policy. Its document lives in its
// versions; DefaultVersion names the one in force.
type ManagedPolicy struct {
	Account        string
	Name           string
	PolicyID       string // ANPA...
	Path           string
	Description    string
	DefaultVersion string // "v1", "v2", ...
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	Account    string
	PolicyName string
	VersionID  string // "v1", ...
	Document   string
	CreatedAt  time.Time
}

// Attachment attaches a managed policy (by ARN, so AWS managed policies can
// be attached too) to a user, group or role.
type Attachment struct {
	Account   string
	Kind      PrincipalKind
	Principal string
	PolicyARN string
}

// Grant is a KMS grant on a key.
type Grant struct {
	Ref               KeyRef
	GrantID           string // 64 hex digits
	Name              string
	GranteePrincipal  string
	RetiringPrincipal string
	IssuingAccount    string
	Operations        []string
	// Constraints is the GrantConstraints JSON document, "" for none.
	Constraints string
	CreatedAt   time.Time
}

// More kinds of Change, for the IAM side.
const (
	// ChangeIAM: an identity, its policies, groups or attachments changed
	// in Account (ID is the user, group, role or policy name).
	ChangeIAM ChangeKind = "iam"
	// ChangeGrant: a grant of key ID in Account and Region changed.
	ChangeGrant ChangeKind = "grant"
)

// IAMReader is the read side of the IAM tables. Listing methods sort by
// name (grants by GrantID) and page with Page like the KMS listings.
type IAMReader interface {
	// GetUser returns a user by name, or ErrNotFound.
	GetUser(ctx context.Context, account, name string) (User, error)
	// ListUsers lists an account's users whose path starts with pathPrefix.
	ListUsers(ctx context.Context, account, pathPrefix string, page Page) ([]User, error)
	// ListAccessKeys lists the access keys of a user ("" for the root user)
	// that are long-term (no Expiration), sorted by AccessKeyID.
	ListAccessKeys(ctx context.Context, account, userName string) ([]AccessKey, error)

	// GetGroup returns a group, or ErrNotFound.
	GetGroup(ctx context.Context, account, name string) (Group, error)
	// ListGroups lists an account's groups whose path starts with pathPrefix.
	ListGroups(ctx context.Context, account, pathPrefix string, page Page) ([]Group, error)
	// ListGroupsForUser lists the groups a user belongs to.
	ListGroupsForUser(ctx context.Context, account, userName string) ([]Group, error)
	// ListGroupMembers lists the users in a group.
	ListGroupMembers(ctx context.Context, account, groupName string) ([]User, error)

	// GetRole returns a role, or ErrNotFound.
	GetRole(ctx context.Context, account, name string) (Role, error)
	// ListRoles lists an account's roles whose path starts with pathPrefix.
	ListRoles(ctx context.Context, account, pathPrefix string, page Page) ([]Role, error)

	// GetInlinePolicy returns an inline policy, or ErrNotFound.
	GetInlinePolicy(ctx context.Context, account string, kind PrincipalKind, principal, name string) (InlinePolicy, error)
	// ListInlinePolicies lists the inline policies of one identity.
	ListInlinePolicies(ctx context.Context, account string, kind PrincipalKind, principal string) ([]InlinePolicy, error)

	// GetManagedPolicy returns a managed policy by name, or ErrNotFound.
	GetManagedPolicy(ctx context.Context, account, name string) (ManagedPolicy, error)
	// ListManagedPolicies lists an account's managed policies.
	ListManagedPolicies(ctx context.Context, account, pathPrefix string, page Page) ([]ManagedPolicy, error)
	// GetPolicyVersion returns one version, or ErrNotFound.
	GetPolicyVersion(ctx context.Context, account, policyName, versionID string) (PolicyVersion, error)
	// ListPolicyVersions lists a policy's versions, oldest first.
	ListPolicyVersions(ctx context.Context, account, policyName string) ([]PolicyVersion, error)
	// ListAttachedPolicies lists the managed policies attached to one identity.
	ListAttachedPolicies(ctx context.Context, account string, kind PrincipalKind, principal string) ([]Attachment, error)
	// ListPolicyAttachments lists every attachment of a policy ARN in an account.
	ListPolicyAttachments(ctx context.Context, account, policyARN string) ([]Attachment, error)

	// GetGrant returns a grant of a key, or ErrNotFound.
	GetGrant(ctx context.Context, ref KeyRef, grantID string) (Grant, error)
	// ListGrants lists a key's grants sorted by GrantID.
	ListGrants(ctx context.Context, ref KeyRef, page Page) ([]Grant, error)
	// ListRetirableGrants lists the grants in a region, of any account's
	// keys, whose RetiringPrincipal is principal, sorted by GrantID.
	ListRetirableGrants(ctx context.Context, region, principal string, page Page) ([]Grant, error)
}

// IAMTx is the write side of the IAM tables. Creates return ErrExists on a
// name taken in the account (case-insensitively); updates and deletes
// return ErrNotFound when the object is absent. The IAM service refuses to
// delete an identity (DeleteConflict) while it still has policies, keys,
// memberships or attachments, as AWS does; the store, as a safeguard,
// deletes whatever still refers to it (memberships, inline policies,
// attachments, the user's access keys, the role's session keys), so that
// a later identity of the same name starts clean.
type IAMTx interface {
	CreateUser(ctx context.Context, u User) error
	UpdateUser(ctx context.Context, u User) error
	DeleteUser(ctx context.Context, account, name string) error

	CreateGroup(ctx context.Context, g Group) error
	DeleteGroup(ctx context.Context, account, name string) error
	// AddUserToGroup is idempotent; ErrNotFound if the user or group is absent.
	AddUserToGroup(ctx context.Context, account, groupName, userName string) error
	// RemoveUserFromGroup: ErrNotFound if the user is not a member.
	RemoveUserFromGroup(ctx context.Context, account, groupName, userName string) error

	CreateRole(ctx context.Context, r Role) error
	UpdateRole(ctx context.Context, r Role) error
	DeleteRole(ctx context.Context, account, name string) error

	// PutInlinePolicy inserts or replaces an inline policy.
	PutInlinePolicy(ctx context.Context, p InlinePolicy) error
	DeleteInlinePolicy(ctx context.Context, account string, kind PrincipalKind, principal, name string) error

	CreateManagedPolicy(ctx context.Context, p ManagedPolicy) error
	UpdateManagedPolicy(ctx context.Context, p ManagedPolicy) error
	// DeleteManagedPolicy deletes the policy and all its versions.
	DeleteManagedPolicy(ctx context.Context, account, name string) error
	AddPolicyVersion(ctx context.Context, v PolicyVersion) error
	DeletePolicyVersion(ctx context.Context, account, policyName, versionID string) error
	// Attach is idempotent.
	Attach(ctx context.Context, a Attachment) error
	// Detach: ErrNotFound if not attached.
	Detach(ctx context.Context, a Attachment) error

	// CreateGrant inserts a grant; ErrExists if its id is taken; ErrNotFound
	// if the key is absent. DeleteKey removes a key's grants.
	CreateGrant(ctx context.Context, g Grant) error
	DeleteGrant(ctx context.Context, ref KeyRef, grantID string) error

	// DeleteExpiredAccessKeys removes temporary access keys whose
	// Expiration is at or before now, returning how many.
	DeleteExpiredAccessKeys(ctx context.Context, now time.Time) (int, error)
}
