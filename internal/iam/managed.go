package iam

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/store"
)

// Customer managed policies and their attachment to users, groups and roles.

const (
	// maxManagedPolicySize is AWS's quota on a managed policy document.
	maxManagedPolicySize = 6144
	// maxAttachedPolicies is AWS's default quota of managed policies
	// attached to one user, group or role.
	maxAttachedPolicies = 10
)

// PolicyShape is IAM's Policy.
type PolicyShape struct {
	PolicyName                    string
	PolicyId                      string
	Arn                           string
	Path                          string
	DefaultVersionId              string
	AttachmentCount               int
	PermissionsBoundaryUsageCount int
	IsAttachable                  bool
	Description                   string `xml:",omitempty"`
	CreateDate                    QueryTime
	UpdateDate                    QueryTime
}

func policyShape(p store.ManagedPolicy, attachments int) PolicyShape {
	return PolicyShape{PolicyName: p.Name, PolicyId: p.PolicyID, Arn: policyARN(p.Account, p.Path, p.Name), Path: p.Path,
		DefaultVersionId: p.DefaultVersion, AttachmentCount: attachments, IsAttachable: true, Description: p.Description,
		CreateDate: QueryTime(p.CreatedAt), UpdateDate: QueryTime(p.UpdatedAt)}
}

// CreatePolicyInput is CreatePolicy's input.
type CreatePolicyInput struct {
	PolicyName     string
	Path           string
	PolicyDocument string
	Description    string
	Tags           []Tag
}

// CreatePolicyOutput is CreatePolicy's result.
type CreatePolicyOutput struct{ Policy PolicyShape }

// CreatePolicy creates a customer managed policy with its version v1.
func (s *Service) CreatePolicy(ctx context.Context, c Caller, in *CreatePolicyInput) (*CreatePolicyOutput, error) {
	if err := checkName(in.PolicyName, "policyName", 128); err != nil {
		return nil, err
	}
	if err := checkPolicyPath(&in.Path); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(in.Description) > 1000 {
		return nil, constraintErr(in.Description, "description", "Member must have length less than or equal to 1000")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if len(in.Tags) > 0 {
		return nil, iamErr("InvalidInput", "Tags on managed policies are not supported by this server.")
	}
	if err := s.validatePolicyDocument(in.PolicyDocument, "policyDocument", IdentityPolicy, maxManagedPolicySize, "policy "+in.PolicyName); err != nil {
		return nil, err
	}
	arn := policyARN(c.Account, in.Path, in.PolicyName)
	if err := s.authorize(ctx, c, "iam:CreatePolicy", arn); err != nil {
		return nil, err
	}
	id, err := newID(s.rand, prefixPolicy)
	if err != nil {
		return nil, errInternal(err)
	}
	now := s.nowUTC()
	p := store.ManagedPolicy{Account: c.Account, Name: in.PolicyName, PolicyID: id, Path: in.Path, Description: in.Description,
		DefaultVersion: "v1", CreatedAt: now, UpdatedAt: now}
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateManagedPolicy(ctx, p); errors.Is(err, store.ErrExists) {
			return iamErr("EntityAlreadyExists", "A policy called %s already exists. Duplicate names are not allowed.", in.PolicyName)
		} else if err != nil {
			return err
		}
		return tx.AddPolicyVersion(ctx, store.PolicyVersion{Account: c.Account, PolicyName: p.Name, VersionID: "v1", Document: in.PolicyDocument, CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return &CreatePolicyOutput{Policy: policyShape(p, 0)}, nil
}

// checkPolicyARN validates a PolicyArn parameter.
func checkPolicyARN(a string) error {
	if err := required(a, "policyArn"); err != nil {
		return err
	}
	if len(a) < 20 || len(a) > 2048 {
		return constraintErr(a, "policyArn", "Member must have length between 20 and 2048")
	}
	if !strings.HasPrefix(a, "arn:") {
		return iamErr("InvalidInput", "ARN %s is not valid.", a)
	}
	return nil
}

// lookupPolicy reads the customer managed policy named by arn in c's
// account; NoSuchEntity for any other ARN.
func lookupPolicy(ctx context.Context, rd store.Reader, account, arn string) (store.ManagedPolicy, error) {
	acct, path, name, ok := parseEntityARN(arn, "policy")
	if !ok {
		return store.ManagedPolicy{}, iamErr("InvalidInput", "ARN %s is not valid.", arn)
	}
	notFound := iamErr("NoSuchEntity", "Policy %s does not exist or is not attachable.", arn)
	if acct != account {
		return store.ManagedPolicy{}, notFound
	}
	p, err := rd.GetManagedPolicy(ctx, account, name)
	if isNotFound(err) || (err == nil && p.Path != path) {
		return store.ManagedPolicy{}, notFound
	}
	return p, err
}

// GetPolicyInput is GetPolicy's input.
type GetPolicyInput struct{ PolicyArn string }

// GetPolicyOutput is GetPolicy's result.
type GetPolicyOutput struct{ Policy PolicyShape }

// GetPolicy returns a managed policy's metadata.
func (s *Service) GetPolicy(ctx context.Context, c Caller, in *GetPolicyInput) (*GetPolicyOutput, error) {
	if err := checkPolicyARN(in.PolicyArn); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "iam:GetPolicy", in.PolicyArn); err != nil {
		return nil, err
	}
	p, err := lookupPolicy(ctx, s.store, c.Account, in.PolicyArn)
	if err != nil {
		return nil, mapStoreErr(err)
	}
	as, err := s.store.ListPolicyAttachments(ctx, c.Account, in.PolicyArn)
	if err != nil {
		return nil, mapStoreErr(err)
	}
	return &GetPolicyOutput{Policy: policyShape(p, len(as))}, nil
}

// GetPolicyVersionInput is GetPolicyVersion's input.
type GetPolicyVersionInput struct {
	PolicyArn string
	VersionId string
}

// PolicyVersionShape is IAM's PolicyVersion.
type PolicyVersionShape struct {
	Document         string
	VersionId        string
	IsDefaultVersion bool
	CreateDate       QueryTime
}

// GetPolicyVersionOutput is GetPolicyVersion's result.
type GetPolicyVersionOutput struct{ PolicyVersion PolicyVersionShape }

// GetPolicyVersion returns one version of a managed policy, its document
// URL-encoded.
func (s *Service) GetPolicyVersion(ctx context.Context, c Caller, in *GetPolicyVersionInput) (*GetPolicyVersionOutput, error) {
	if err := checkPolicyARN(in.PolicyArn); err != nil {
		return nil, err
	}
	if err := required(in.VersionId, "versionId"); err != nil {
		return nil, err
	}
	if !validVersionID(in.VersionId) {
		return nil, constraintErr(in.VersionId, "versionId", `Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`)
	}
	if err := s.authorize(ctx, c, "iam:GetPolicyVersion", in.PolicyArn); err != nil {
		return nil, err
	}
	p, err := lookupPolicy(ctx, s.store, c.Account, in.PolicyArn)
	if err != nil {
		return nil, mapStoreErr(err)
	}
	v, err := s.store.GetPolicyVersion(ctx, c.Account, p.Name, in.VersionId)
	if isNotFound(err) {
		return nil, iamErr("NoSuchEntity", "Policy %s version %s does not exist or is not attachable.", in.PolicyArn, in.VersionId)
	}
	if err != nil {
		return nil, mapStoreErr(err)
	}
	return &GetPolicyVersionOutput{PolicyVersion: PolicyVersionShape{Document: encodeDocument(v.Document), VersionId: v.VersionID,
		IsDefaultVersion: v.VersionID == p.DefaultVersion, CreateDate: QueryTime(v.CreatedAt)}}, nil
}

func validVersionID(v string) bool {
	rest, ok := strings.CutPrefix(v, "v")
	if !ok || rest == "" || rest[0] < '1' || rest[0] > '9' {
		return false
	}
	digits, suffix, dotted := strings.Cut(rest, ".")
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	for i := 0; dotted && i < len(suffix); i++ {
		c := suffix[i]
		if !(c == '-' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// ListPoliciesInput is ListPolicies' input.
type ListPoliciesInput struct {
	Scope             string
	OnlyAttached      bool
	PathPrefix        string
	PolicyUsageFilter string
	Marker            string
	MaxItems          *int32
}

// ListPoliciesOutput is ListPolicies' result.
type ListPoliciesOutput struct {
	Policies    awsproto.List[PolicyShape]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

// ListPolicies lists the account's customer managed policies (Coffer has
// no AWS managed policies: Scope=AWS lists none).
func (s *Service) ListPolicies(ctx context.Context, c Caller, in *ListPoliciesInput) (*ListPoliciesOutput, error) {
	switch in.Scope {
	case "", "All", "Local", "AWS":
	default:
		return nil, constraintErr(in.Scope, "scope", "Member must satisfy enum value set: [All, AWS, Local]")
	}
	switch in.PolicyUsageFilter {
	case "", "PermissionsPolicy", "PermissionsBoundary":
	default:
		return nil, constraintErr(in.PolicyUsageFilter, "policyUsageFilter", "Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]")
	}
	if err := checkPolicyPath(&in.PathPrefix); err != nil {
		return nil, err
	}
	pg, err := checkPaging(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "iam:ListPolicies", policyARN(c.Account, "/", "*")); err != nil {
		return nil, err
	}
	out := &ListPoliciesOutput{Policies: awsproto.List[PolicyShape]{}}
	if in.Scope == "AWS" || in.PolicyUsageFilter == "PermissionsBoundary" {
		return out, nil
	}
	// OnlyAttached filters after the store pages, so read on until a page
	// is full or the store is exhausted.
	after := pg.after
	for {
		ps, err := s.store.ListManagedPolicies(ctx, c.Account, in.PathPrefix, store.Page{After: after, Limit: pg.limit + 1})
		if err != nil {
			return nil, mapStoreErr(err)
		}
		for _, p := range ps {
			as, err := s.store.ListPolicyAttachments(ctx, c.Account, policyARN(p.Account, p.Path, p.Name))
			if err != nil {
				return nil, mapStoreErr(err)
			}
			if in.OnlyAttached && len(as) == 0 {
				continue
			}
			if len(out.Policies) == pg.limit {
				out.IsTruncated = true
				out.Marker = encodeMarker(out.Policies[len(out.Policies)-1].PolicyName)
				return out, nil
			}
			out.Policies = append(out.Policies, policyShape(p, len(as)))
		}
		if len(ps) <= pg.limit {
			return out, nil
		}
		after = ps[len(ps)-1].Name
	}
}

// DeletePolicyInput is DeletePolicy's input.
type DeletePolicyInput struct{ PolicyArn string }

// DeletePolicy deletes a managed policy that is attached to nothing.
func (s *Service) DeletePolicy(ctx context.Context, c Caller, in *DeletePolicyInput) error {
	if err := checkPolicyARN(in.PolicyArn); err != nil {
		return err
	}
	if err := s.authorize(ctx, c, "iam:DeletePolicy", in.PolicyArn); err != nil {
		return err
	}
	return s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		p, err := lookupPolicy(ctx, tx, c.Account, in.PolicyArn)
		if err != nil {
			return err
		}
		if as, err := tx.ListPolicyAttachments(ctx, c.Account, in.PolicyArn); err != nil {
			return err
		} else if len(as) > 0 {
			return iamErr("DeleteConflict", "Cannot delete a policy attached to entities.")
		}
		if vs, err := tx.ListPolicyVersions(ctx, c.Account, p.Name); err != nil {
			return err
		} else if len(vs) > 1 {
			return iamErr("DeleteConflict", "This policy has more than one version. Before you delete a policy, you must delete the policy's non-default versions.")
		}
		return tx.DeleteManagedPolicy(ctx, c.Account, p.Name)
	})
}

// AttachmentInput is {Attach,Detach}{User,Group,Role}Policy's input.
type AttachmentInput struct {
	UserName, GroupName, RoleName string
	PolicyArn                     string
}

func (in *AttachmentInput) holder(k kindInfo) string {
	return (&InlinePolicyInput{UserName: in.UserName, GroupName: in.GroupName, RoleName: in.RoleName}).holder(k)
}

func (s *Service) attach(ctx context.Context, c Caller, k kindInfo, in *AttachmentInput, attach bool) error {
	holder := in.holder(k)
	if err := checkName(holder, k.member, k.maxName); err != nil {
		return err
	}
	if err := checkPolicyARN(in.PolicyArn); err != nil {
		return err
	}
	a, err := s.holderARN(ctx, s.store, c.Account, k, holder)
	if err != nil {
		return mapStoreErr(err)
	}
	action := "iam:Detach" + k.action + "Policy"
	if attach {
		action = "iam:Attach" + k.action + "Policy"
	}
	if err := s.authorize(ctx, c, action, a); err != nil {
		return err
	}
	return s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		if _, err := s.holderARN(ctx, tx, c.Account, k, holder); err != nil {
			return err
		}
		att := store.Attachment{Account: c.Account, Kind: k.kind, Principal: holder, PolicyARN: in.PolicyArn}
		if !attach {
			if err := tx.Detach(ctx, att); isNotFound(err) {
				return iamErr("NoSuchEntity", "Policy %s was not found.", in.PolicyArn)
			} else if err != nil {
				return err
			}
			return nil
		}
		if _, err := lookupPolicy(ctx, tx, c.Account, in.PolicyArn); err != nil {
			return err
		}
		have, err := tx.ListAttachedPolicies(ctx, c.Account, k.kind, holder)
		if err != nil {
			return err
		}
		for _, h := range have {
			if h.PolicyARN == in.PolicyArn {
				return nil
			}
		}
		if len(have) >= maxAttachedPolicies {
			return iamErr("LimitExceeded", "Cannot exceed quota for PoliciesPer%s: %d", k.action, maxAttachedPolicies)
		}
		return tx.Attach(ctx, att)
	})
}

// AttachedPolicy is ListAttached*Policies' member.
type AttachedPolicy struct {
	PolicyName string
	PolicyArn  string
}

// ListAttachedPoliciesInput is ListAttached{User,Group,Role}Policies' input.
type ListAttachedPoliciesInput struct {
	UserName, GroupName, RoleName string
	PathPrefix                    string
	Marker                        string
	MaxItems                      *int32
}

// ListAttachedPoliciesOutput is ListAttached{User,Group,Role}Policies' result.
type ListAttachedPoliciesOutput struct {
	AttachedPolicies awsproto.List[AttachedPolicy]
	IsTruncated      bool
	Marker           string `xml:",omitempty"`
}

func (s *Service) listAttached(ctx context.Context, c Caller, k kindInfo, in *ListAttachedPoliciesInput) (*ListAttachedPoliciesOutput, error) {
	holder := (&InlinePolicyInput{UserName: in.UserName, GroupName: in.GroupName, RoleName: in.RoleName}).holder(k)
	if err := checkName(holder, k.member, k.maxName); err != nil {
		return nil, err
	}
	if err := checkPolicyPath(&in.PathPrefix); err != nil {
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
	if err := s.authorize(ctx, c, "iam:ListAttached"+k.action+"Policies", a); err != nil {
		return nil, err
	}
	as, err := s.store.ListAttachedPolicies(ctx, c.Account, k.kind, holder)
	if err != nil {
		return nil, mapStoreErr(err)
	}
	var list []AttachedPolicy
	for _, at := range as {
		_, path, name, ok := parseEntityARN(at.PolicyARN, "policy")
		if !ok || !strings.HasPrefix(path, in.PathPrefix) {
			continue
		}
		list = append(list, AttachedPolicy{PolicyName: name, PolicyArn: at.PolicyARN})
	}
	list, trunc, marker := pageSlice(list, pg, func(p AttachedPolicy) string { return p.PolicyArn })
	return &ListAttachedPoliciesOutput{AttachedPolicies: append(awsproto.List[AttachedPolicy]{}, list...), IsTruncated: trunc, Marker: marker}, nil
}

// AttachUserPolicy attaches a managed policy to a user.
func (s *Service) AttachUserPolicy(ctx context.Context, c Caller, in *AttachmentInput) error {
	return s.attach(ctx, c, userKind, in, true)
}

// AttachGroupPolicy attaches a managed policy to a group.
func (s *Service) AttachGroupPolicy(ctx context.Context, c Caller, in *AttachmentInput) error {
	return s.attach(ctx, c, groupKind, in, true)
}

// AttachRolePolicy attaches a managed policy to a role.
func (s *Service) AttachRolePolicy(ctx context.Context, c Caller, in *AttachmentInput) error {
	return s.attach(ctx, c, roleKind, in, true)
}

// DetachUserPolicy detaches a managed policy from a user.
func (s *Service) DetachUserPolicy(ctx context.Context, c Caller, in *AttachmentInput) error {
	return s.attach(ctx, c, userKind, in, false)
}

// DetachGroupPolicy detaches a managed policy from a group.
func (s *Service) DetachGroupPolicy(ctx context.Context, c Caller, in *AttachmentInput) error {
	return s.attach(ctx, c, groupKind, in, false)
}

// DetachRolePolicy detaches a managed policy from a role.
func (s *Service) DetachRolePolicy(ctx context.Context, c Caller, in *AttachmentInput) error {
	return s.attach(ctx, c, roleKind, in, false)
}

// ListAttachedUserPolicies lists the managed policies attached to a user.
func (s *Service) ListAttachedUserPolicies(ctx context.Context, c Caller, in *ListAttachedPoliciesInput) (*ListAttachedPoliciesOutput, error) {
	return s.listAttached(ctx, c, userKind, in)
}

// ListAttachedGroupPolicies lists the managed policies attached to a group.
func (s *Service) ListAttachedGroupPolicies(ctx context.Context, c Caller, in *ListAttachedPoliciesInput) (*ListAttachedPoliciesOutput, error) {
	return s.listAttached(ctx, c, groupKind, in)
}

// ListAttachedRolePolicies lists the managed policies attached to a role.
func (s *Service) ListAttachedRolePolicies(ctx context.Context, c Caller, in *ListAttachedPoliciesInput) (*ListAttachedPoliciesOutput, error) {
	return s.listAttached(ctx, c, roleKind, in)
}
