package iam

import (
	"context"
	"sort"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/store"
)

// Inline policies of users, groups and roles. The twelve operations share
// one implementation parameterized by the kind of identity.

// kindInfo describes one kind of identity for the inline policy operations.
type kindInfo struct {
	kind    store.PrincipalKind
	noun    string // "user", "group", "role"
	member  string // "userName", ...
	maxName int
	// limit is AWS's quota on a policy's size (non-white-space characters).
	limit int
	// action is the IAM action suffix ("User", "Group", "Role").
	action string
}

var (
	userKind  = kindInfo{store.KindUser, "user", "userName", 128, 2048, "User"}
	groupKind = kindInfo{store.KindGroup, "group", "groupName", 128, 5120, "Group"}
	roleKind  = kindInfo{store.KindRole, "role", "roleName", 64, 10240, "Role"}
)

// holderARN reads the named identity and returns its ARN (NoSuchEntity if absent).
func (s *Service) holderARN(ctx context.Context, rd store.Reader, account string, k kindInfo, name string) (string, error) {
	switch k.kind {
	case store.KindUser:
		u, err := getUser(ctx, rd, account, name)
		return userARN(account, u.Path, u.Name), err
	case store.KindGroup:
		g, err := getGroup(ctx, rd, account, name)
		return groupARN(account, g.Path, g.Name), err
	default:
		r, err := getRole(ctx, rd, account, name)
		return roleARN(account, r.Path, r.Name), err
	}
}

// InlinePolicyInput names an identity (by UserName, GroupName or RoleName)
// and one of its inline policies, with a document for Put.
type InlinePolicyInput struct {
	UserName, GroupName, RoleName string
	PolicyName                    string
	PolicyDocument                string
}

func (in *InlinePolicyInput) holder(k kindInfo) string {
	switch k.kind {
	case store.KindUser:
		return in.UserName
	case store.KindGroup:
		return in.GroupName
	}
	return in.RoleName
}

func (s *Service) putInline(ctx context.Context, c Caller, k kindInfo, in *InlinePolicyInput) error {
	holder := in.holder(k)
	if err := checkName(holder, k.member, k.maxName); err != nil {
		return err
	}
	if err := checkName(in.PolicyName, "policyName", 128); err != nil {
		return err
	}
	if err := s.validatePolicyDocument(in.PolicyDocument, "policyDocument", IdentityPolicy, k.limit, k.noun+" "+holder); err != nil {
		return err
	}
	a, err := s.holderARN(ctx, s.store, c.Account, k, holder)
	if err != nil {
		return mapStoreErr(err)
	}
	if err := s.authorize(ctx, c, "iam:Put"+k.action+"Policy", a); err != nil {
		return err
	}
	return s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		if _, err := s.holderARN(ctx, tx, c.Account, k, holder); err != nil {
			return err
		}
		// The quota is on the identity's inline policies together.
		have, err := tx.ListInlinePolicies(ctx, c.Account, k.kind, holder)
		if err != nil {
			return err
		}
		total := policySize(in.PolicyDocument)
		for _, p := range have {
			if p.Name != in.PolicyName {
				total += policySize(p.Document)
			}
		}
		if total > k.limit {
			return iamErr("LimitExceeded", "Maximum policy size of %d bytes exceeded for %s %s", k.limit, k.noun, holder)
		}
		return tx.PutInlinePolicy(ctx, store.InlinePolicy{Account: c.Account, Kind: k.kind, Principal: holder, Name: in.PolicyName, Document: in.PolicyDocument})
	})
}

// GetInlinePolicyOutput is Get{User,Group,Role}Policy's result.
type GetInlinePolicyOutput struct {
	UserName       string `xml:",omitempty"`
	GroupName      string `xml:",omitempty"`
	RoleName       string `xml:",omitempty"`
	PolicyName     string
	PolicyDocument string
}

func (s *Service) getInline(ctx context.Context, c Caller, k kindInfo, in *InlinePolicyInput) (*GetInlinePolicyOutput, error) {
	holder := in.holder(k)
	if err := checkName(holder, k.member, k.maxName); err != nil {
		return nil, err
	}
	if err := checkName(in.PolicyName, "policyName", 128); err != nil {
		return nil, err
	}
	a, err := s.holderARN(ctx, s.store, c.Account, k, holder)
	if err != nil {
		return nil, mapStoreErr(err)
	}
	if err := s.authorize(ctx, c, "iam:Get"+k.action+"Policy", a); err != nil {
		return nil, err
	}
	p, err := s.store.GetInlinePolicy(ctx, c.Account, k.kind, holder, in.PolicyName)
	if isNotFound(err) {
		return nil, iamErr("NoSuchEntity", "The %s policy with name %s cannot be found.", k.noun, in.PolicyName)
	}
	if err != nil {
		return nil, mapStoreErr(err)
	}
	out := &GetInlinePolicyOutput{PolicyName: p.Name, PolicyDocument: encodeDocument(p.Document)}
	switch k.kind {
	case store.KindUser:
		out.UserName = p.Principal
	case store.KindGroup:
		out.GroupName = p.Principal
	default:
		out.RoleName = p.Principal
	}
	return out, nil
}

// ListInlinePoliciesInput is List{User,Group,Role}Policies' input.
type ListInlinePoliciesInput struct {
	UserName, GroupName, RoleName string
	Marker                        string
	MaxItems                      *int32
}

// ListInlinePoliciesOutput is List{User,Group,Role}Policies' result.
type ListInlinePoliciesOutput struct {
	PolicyNames awsproto.List[string]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

func (s *Service) listInline(ctx context.Context, c Caller, k kindInfo, in *ListInlinePoliciesInput) (*ListInlinePoliciesOutput, error) {
	holder := (&InlinePolicyInput{UserName: in.UserName, GroupName: in.GroupName, RoleName: in.RoleName}).holder(k)
	if err := checkName(holder, k.member, k.maxName); err != nil {
		return nil, err
	}
	pg, err := checkPaging(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	a, err := s.holderARN(ctx, s.store, c.Account, k, holder)
	if err != nil {
		return nil, mapStoreErr(err)
	}
	if err := s.authorize(ctx, c, "iam:List"+k.action+"Policies", a); err != nil {
		return nil, err
	}
	ps, err := s.store.ListInlinePolicies(ctx, c.Account, k.kind, holder)
	if err != nil {
		return nil, mapStoreErr(err)
	}
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	sort.Strings(names)
	names, trunc, marker := pageSlice(names, pg, func(n string) string { return n })
	return &ListInlinePoliciesOutput{PolicyNames: awsproto.List[string](names), IsTruncated: trunc, Marker: marker}, nil
}

func (s *Service) deleteInline(ctx context.Context, c Caller, k kindInfo, in *InlinePolicyInput) error {
	holder := in.holder(k)
	if err := checkName(holder, k.member, k.maxName); err != nil {
		return err
	}
	if err := checkName(in.PolicyName, "policyName", 128); err != nil {
		return err
	}
	a, err := s.holderARN(ctx, s.store, c.Account, k, holder)
	if err != nil {
		return mapStoreErr(err)
	}
	if err := s.authorize(ctx, c, "iam:Delete"+k.action+"Policy", a); err != nil {
		return err
	}
	return s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := tx.DeleteInlinePolicy(ctx, c.Account, k.kind, holder, in.PolicyName); isNotFound(err) {
			return iamErr("NoSuchEntity", "The %s policy with name %s cannot be found.", k.noun, in.PolicyName)
		} else if err != nil {
			return err
		}
		return nil
	})
}

// The twelve inline policy operations.

// PutUserPolicy adds or replaces a user's inline policy.
func (s *Service) PutUserPolicy(ctx context.Context, c Caller, in *InlinePolicyInput) error {
	return s.putInline(ctx, c, userKind, in)
}

// PutGroupPolicy adds or replaces a group's inline policy.
func (s *Service) PutGroupPolicy(ctx context.Context, c Caller, in *InlinePolicyInput) error {
	return s.putInline(ctx, c, groupKind, in)
}

// PutRolePolicy adds or replaces a role's inline policy.
func (s *Service) PutRolePolicy(ctx context.Context, c Caller, in *InlinePolicyInput) error {
	return s.putInline(ctx, c, roleKind, in)
}

// GetUserPolicy returns a user's inline policy (document URL-encoded).
func (s *Service) GetUserPolicy(ctx context.Context, c Caller, in *InlinePolicyInput) (*GetInlinePolicyOutput, error) {
	return s.getInline(ctx, c, userKind, in)
}

// GetGroupPolicy returns a group's inline policy.
func (s *Service) GetGroupPolicy(ctx context.Context, c Caller, in *InlinePolicyInput) (*GetInlinePolicyOutput, error) {
	return s.getInline(ctx, c, groupKind, in)
}

// GetRolePolicy returns a role's inline policy.
func (s *Service) GetRolePolicy(ctx context.Context, c Caller, in *InlinePolicyInput) (*GetInlinePolicyOutput, error) {
	return s.getInline(ctx, c, roleKind, in)
}

// ListUserPolicies lists a user's inline policy names.
func (s *Service) ListUserPolicies(ctx context.Context, c Caller, in *ListInlinePoliciesInput) (*ListInlinePoliciesOutput, error) {
	return s.listInline(ctx, c, userKind, in)
}

// ListGroupPolicies lists a group's inline policy names.
func (s *Service) ListGroupPolicies(ctx context.Context, c Caller, in *ListInlinePoliciesInput) (*ListInlinePoliciesOutput, error) {
	return s.listInline(ctx, c, groupKind, in)
}

// ListRolePolicies lists a role's inline policy names.
func (s *Service) ListRolePolicies(ctx context.Context, c Caller, in *ListInlinePoliciesInput) (*ListInlinePoliciesOutput, error) {
	return s.listInline(ctx, c, roleKind, in)
}

// DeleteUserPolicy deletes a user's inline policy.
func (s *Service) DeleteUserPolicy(ctx context.Context, c Caller, in *InlinePolicyInput) error {
	return s.deleteInline(ctx, c, userKind, in)
}

// DeleteGroupPolicy deletes a group's inline policy.
func (s *Service) DeleteGroupPolicy(ctx context.Context, c Caller, in *InlinePolicyInput) error {
	return s.deleteInline(ctx, c, groupKind, in)
}

// DeleteRolePolicy deletes a role's inline policy.
func (s *Service) DeleteRolePolicy(ctx context.Context, c Caller, in *InlinePolicyInput) error {
	return s.deleteInline(ctx, c, roleKind, in)
}
