package iam

import (
	"context"
	"errors"
	"unicode/utf8"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/store"
)

const (
	// maxTrustPolicySize is AWS's default quota on a role trust policy.
	maxTrustPolicySize = 2048
	defaultMaxSession  = 3600
	maxMaxSession      = 43200
)

// CreateRoleInput is CreateRole's input.
type CreateRoleInput struct {
	RoleName                 string
	Path                     string
	AssumeRolePolicyDocument string
	Description              string
	MaxSessionDuration       *int32
	PermissionsBoundary      string
	Tags                     []Tag
}

// CreateRoleOutput is CreateRole's result.
type CreateRoleOutput struct{ Role RoleShape }

// CreateRole creates a role with its trust policy.
func (s *Service) CreateRole(ctx context.Context, c Caller, in *CreateRoleInput) (*CreateRoleOutput, error) {
	if err := checkName(in.RoleName, "roleName", 64); err != nil {
		return nil, err
	}
	if err := checkPath(&in.Path); err != nil {
		return nil, err
	}
	if err := checkDescription(in.Description); err != nil {
		return nil, err
	}
	maxSession := defaultMaxSession
	if in.MaxSessionDuration != nil {
		if *in.MaxSessionDuration < defaultMaxSession || *in.MaxSessionDuration > maxMaxSession {
			return nil, constraintErr(itoa(int(*in.MaxSessionDuration)), "maxSessionDuration", "Member must have value between 3600 and 43200")
		}
		maxSession = int(*in.MaxSessionDuration)
	}
	if in.PermissionsBoundary != "" {
		return nil, iamErr("InvalidInput", "Permissions boundaries are not supported by this server.")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if err := s.validatePolicyDocument(in.AssumeRolePolicyDocument, "assumeRolePolicyDocument", TrustPolicy, maxTrustPolicySize, "role "+in.RoleName); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "iam:CreateRole", roleARN(c.Account, in.Path, in.RoleName)); err != nil {
		return nil, err
	}
	id, err := newID(s.rand, prefixRole)
	if err != nil {
		return nil, errInternal(err)
	}
	r := store.Role{Account: c.Account, Name: in.RoleName, RoleID: id, Path: in.Path, AssumeRolePolicy: in.AssumeRolePolicyDocument,
		Description: in.Description, MaxSessionDuration: maxSession, CreatedAt: s.nowUTC()}
	r.Tags, _ = mergeTags(nil, in.Tags)
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateRole(ctx, r); errors.Is(err, store.ErrExists) {
			return iamErr("EntityAlreadyExists", "Role with name %s already exists.", in.RoleName)
		} else if err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateRoleOutput{Role: roleShape(r)}, nil
}

func checkDescription(d string) error {
	if utf8.RuneCountInString(d) > 1000 {
		return constraintErr(d, "description", "Member must have length less than or equal to 1000")
	}
	for _, r := range d {
		if !(r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0x7E) || (r >= 0xA1 && r <= 0xFF)) {
			return constraintErr(d, "description", `Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`)
		}
	}
	return nil
}

// RoleNameInput is the input of the operations that name a role only.
type RoleNameInput struct{ RoleName string }

// GetRoleOutput is GetRole's result.
type GetRoleOutput struct{ Role RoleShape }

// GetRole returns a role with its trust policy (URL-encoded).
func (s *Service) GetRole(ctx context.Context, c Caller, in *RoleNameInput) (*GetRoleOutput, error) {
	if err := checkName(in.RoleName, "roleName", 64); err != nil {
		return nil, err
	}
	r, err := getRole(ctx, s.store, c.Account, in.RoleName)
	if err != nil {
		return nil, mapStoreErr(err)
	}
	if err := s.authorize(ctx, c, "iam:GetRole", roleARN(c.Account, r.Path, r.Name)); err != nil {
		return nil, err
	}
	return &GetRoleOutput{Role: roleShape(r)}, nil
}

// ListRolesInput is ListRoles' input.
type ListRolesInput struct {
	PathPrefix string
	Marker     string
	MaxItems   *int32
}

// ListRolesOutput is ListRoles' result.
type ListRolesOutput struct {
	Roles       awsproto.List[RoleShape]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

// ListRoles lists the account's roles.
func (s *Service) ListRoles(ctx context.Context, c Caller, in *ListRolesInput) (*ListRolesOutput, error) {
	if err := checkPathPrefix(&in.PathPrefix); err != nil {
		return nil, err
	}
	pg, err := checkPaging(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "iam:ListRoles", roleARN(c.Account, "/", "*")); err != nil {
		return nil, err
	}
	roles, err := s.store.ListRoles(ctx, c.Account, in.PathPrefix, pg.storePage())
	if err != nil {
		return nil, mapStoreErr(err)
	}
	roles, trunc, marker := truncate(roles, pg, func(r store.Role) string { return r.Name })
	out := &ListRolesOutput{Roles: make(awsproto.List[RoleShape], 0, len(roles)), IsTruncated: trunc, Marker: marker}
	for _, r := range roles {
		sh := roleShape(r)
		sh.Tags = nil // ListRoles does not return tags
		out.Roles = append(out.Roles, sh)
	}
	return out, nil
}

// DeleteRole deletes a role without inline or attached policies. Sessions
// of the role stop being authorized (the role's policies are gone) and
// expire on their own.
func (s *Service) DeleteRole(ctx context.Context, c Caller, in *RoleNameInput) error {
	if err := checkName(in.RoleName, "roleName", 64); err != nil {
		return err
	}
	r, err := getRole(ctx, s.store, c.Account, in.RoleName)
	if err != nil {
		return mapStoreErr(err)
	}
	if err := s.authorize(ctx, c, "iam:DeleteRole", roleARN(c.Account, r.Path, r.Name)); err != nil {
		return err
	}
	return s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		r, err := getRole(ctx, tx, c.Account, in.RoleName)
		if err != nil {
			return err
		}
		if ps, err := tx.ListInlinePolicies(ctx, c.Account, store.KindRole, r.Name); err != nil {
			return err
		} else if len(ps) > 0 {
			return iamErr("DeleteConflict", "Cannot delete entity, must delete policies first.")
		}
		if as, err := tx.ListAttachedPolicies(ctx, c.Account, store.KindRole, r.Name); err != nil {
			return err
		} else if len(as) > 0 {
			return iamErr("DeleteConflict", "Cannot delete entity, must detach all policies first.")
		}
		return tx.DeleteRole(ctx, c.Account, r.Name)
	})
}

// UpdateAssumeRolePolicyInput is UpdateAssumeRolePolicy's input.
type UpdateAssumeRolePolicyInput struct {
	RoleName       string
	PolicyDocument string
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, c Caller, in *UpdateAssumeRolePolicyInput) error {
	if err := checkName(in.RoleName, "roleName", 64); err != nil {
		return err
	}
	if err := s.validatePolicyDocument(in.PolicyDocument, "policyDocument", TrustPolicy, maxTrustPolicySize, "role "+in.RoleName); err != nil {
		return err
	}
	r, err := getRole(ctx, s.store, c.Account, in.RoleName)
	if err != nil {
		return mapStoreErr(err)
	}
	if err := s.authorize(ctx, c, "iam:UpdateAssumeRolePolicy", roleARN(c.Account, r.Path, r.Name)); err != nil {
		return err
	}
	return s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		r, err := getRole(ctx, tx, c.Account, in.RoleName)
		if err != nil {
			return err
		}
		r.AssumeRolePolicy = in.PolicyDocument
		return tx.UpdateRole(ctx, r)
	})
}

// TagRoleInput is TagRole's input.
type TagRoleInput struct {
	RoleName string
	Tags     []Tag
}

// TagRole adds or replaces tags of a role.
func (s *Service) TagRole(ctx context.Context, c Caller, in *TagRoleInput) error {
	if err := checkName(in.RoleName, "roleName", 64); err != nil {
		return err
	}
	if in.Tags == nil {
		return required("", "tags")
	}
	if err := checkTags(in.Tags); err != nil {
		return err
	}
	r, err := getRole(ctx, s.store, c.Account, in.RoleName)
	if err != nil {
		return mapStoreErr(err)
	}
	if err := s.authorize(ctx, c, "iam:TagRole", roleARN(c.Account, r.Path, r.Name)); err != nil {
		return err
	}
	return s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		r, err := getRole(ctx, tx, c.Account, in.RoleName)
		if err != nil {
			return err
		}
		if r.Tags, err = mergeTags(r.Tags, in.Tags); err != nil {
			return err
		}
		return tx.UpdateRole(ctx, r)
	})
}
