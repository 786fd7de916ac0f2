package iam

import (
	"context"
	"strconv"
	"strings"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/store"
)

// maxPolicyVersions is how many versions a managed policy may have (IAM
// quota "Versions of a managed policy": 5).
const maxPolicyVersions = 5

// CreatePolicyVersionInput is CreatePolicyVersion's input.
type CreatePolicyVersionInput struct {
	PolicyArn      string
	PolicyDocument string
	SetAsDefault   bool
}

// PolicyVersionMeta is a PolicyVersion without its document, as
// CreatePolicyVersion and ListPolicyVersions return it.
type PolicyVersionMeta struct {
	VersionId        string
	IsDefaultVersion bool
	CreateDate       QueryTime
}

// CreatePolicyVersionOutput is CreatePolicyVersion's result.
type CreatePolicyVersionOutput struct{ PolicyVersion PolicyVersionMeta }

// CreatePolicyVersion adds a version to a customer managed policy, the
// default one if SetAsDefault. A policy has at most five versions
// (LimitExceeded). The new version's id is one more than the highest
// existing one: AWS never reuses a deleted version's id, while Coffer may
// reuse the id of a deleted highest version (the store keeps no counter).
func (s *Service) CreatePolicyVersion(ctx context.Context, c Caller, in *CreatePolicyVersionInput) (*CreatePolicyVersionOutput, error) {
	if err := checkPolicyARN(in.PolicyArn); err != nil {
		return nil, err
	}
	if err := s.validatePolicyDocument(in.PolicyDocument, "policyDocument", IdentityPolicy, maxManagedPolicySize, "policy "+in.PolicyArn); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "iam:CreatePolicyVersion", in.PolicyArn); err != nil {
		return nil, err
	}
	now := s.nowUTC()
	var out *CreatePolicyVersionOutput
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		p, err := lookupPolicy(ctx, tx, c.Account, in.PolicyArn)
		if err != nil {
			return err
		}
		vs, err := tx.ListPolicyVersions(ctx, c.Account, p.Name)
		if err != nil {
			return err
		}
		if len(vs) >= maxPolicyVersions {
			return iamErr("LimitExceeded", "A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
		}
		next := 1
		for _, v := range vs {
			next = max(next, versionNumber(v.VersionID)+1)
		}
		id := "v" + strconv.Itoa(next)
		if err := tx.AddPolicyVersion(ctx, store.PolicyVersion{Account: c.Account, PolicyName: p.Name, VersionID: id, Document: in.PolicyDocument, CreatedAt: now}); err != nil {
			return err
		}
		if in.SetAsDefault {
			p.DefaultVersion, p.UpdatedAt = id, now
			if err := tx.UpdateManagedPolicy(ctx, p); err != nil {
				return err
			}
		}
		out = &CreatePolicyVersionOutput{PolicyVersion: PolicyVersionMeta{VersionId: id, IsDefaultVersion: in.SetAsDefault, CreateDate: QueryTime(now)}}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// versionNumber is N of a version id vN[.suffix], or 0.
func versionNumber(id string) int {
	digits, _, _ := strings.Cut(strings.TrimPrefix(id, "v"), ".")
	n, err := strconv.Atoi(digits)
	if err != nil {
		return 0
	}
	return n
}

// PolicyVersionInput names one version of a managed policy
// (DeletePolicyVersion, SetDefaultPolicyVersion).
type PolicyVersionInput struct {
	PolicyArn string
	VersionId string
}

func (in *PolicyVersionInput) check() error {
	if err := checkPolicyARN(in.PolicyArn); err != nil {
		return err
	}
	if err := required(in.VersionId, "versionId"); err != nil {
		return err
	}
	if !validVersionID(in.VersionId) {
		return constraintErr(in.VersionId, "versionId", `Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`)
	}
	return nil
}

// findVersion returns the policy named by in and checks that the version
// exists (NoSuchEntity otherwise).
func findVersion(ctx context.Context, tx store.Reader, account string, in *PolicyVersionInput) (store.ManagedPolicy, error) {
	p, err := lookupPolicy(ctx, tx, account, in.PolicyArn)
	if err != nil {
		return p, err
	}
	if _, err := tx.GetPolicyVersion(ctx, account, p.Name, in.VersionId); isNotFound(err) {
		return p, iamErr("NoSuchEntity", "Policy %s version %s does not exist or is not attachable.", in.PolicyArn, in.VersionId)
	} else if err != nil {
		return p, err
	}
	return p, nil
}

// DeletePolicyVersion deletes a version that is not the default one
// (DeleteConflict for the default version).
func (s *Service) DeletePolicyVersion(ctx context.Context, c Caller, in *PolicyVersionInput) error {
	if err := in.check(); err != nil {
		return err
	}
	if err := s.authorize(ctx, c, "iam:DeletePolicyVersion", in.PolicyArn); err != nil {
		return err
	}
	return s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		p, err := findVersion(ctx, tx, c.Account, in)
		if err != nil {
			return err
		}
		if p.DefaultVersion == in.VersionId {
			return iamErr("DeleteConflict", "Cannot delete the default version of a policy.")
		}
		return tx.DeletePolicyVersion(ctx, c.Account, p.Name, in.VersionId)
	})
}

// SetDefaultPolicyVersion makes a version the one in force; identities the
// policy is attached to are judged by it from the next request on.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, c Caller, in *PolicyVersionInput) error {
	if err := in.check(); err != nil {
		return err
	}
	if err := s.authorize(ctx, c, "iam:SetDefaultPolicyVersion", in.PolicyArn); err != nil {
		return err
	}
	return s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		p, err := findVersion(ctx, tx, c.Account, in)
		if err != nil {
			return err
		}
		if p.DefaultVersion == in.VersionId {
			return nil
		}
		p.DefaultVersion, p.UpdatedAt = in.VersionId, s.nowUTC()
		return tx.UpdateManagedPolicy(ctx, p)
	})
}

// ListPolicyVersionsInput is ListPolicyVersions' input.
type ListPolicyVersionsInput struct {
	PolicyArn string
	Marker    string
	MaxItems  *int32
}

// ListPolicyVersionsOutput is ListPolicyVersions' result.
type ListPolicyVersionsOutput struct {
	Versions    awsproto.List[PolicyVersionMeta]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

// ListPolicyVersions lists a managed policy's versions, newest first, as
// IAM does, without their documents.
func (s *Service) ListPolicyVersions(ctx context.Context, c Caller, in *ListPolicyVersionsInput) (*ListPolicyVersionsOutput, error) {
	if err := checkPolicyARN(in.PolicyArn); err != nil {
		return nil, err
	}
	pg, err := checkPaging(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "iam:ListPolicyVersions", in.PolicyArn); err != nil {
		return nil, err
	}
	p, err := lookupPolicy(ctx, s.store, c.Account, in.PolicyArn)
	if err != nil {
		return nil, mapStoreErr(err)
	}
	vs, err := s.store.ListPolicyVersions(ctx, c.Account, p.Name)
	if err != nil {
		return nil, mapStoreErr(err)
	}
	out := &ListPolicyVersionsOutput{Versions: awsproto.List[PolicyVersionMeta]{}}
	start := 0
	if pg.after != "" { // the marker is the last version id returned
		start = len(vs)
		for i := len(vs) - 1; i >= 0; i-- {
			if vs[i].VersionID == pg.after {
				start = len(vs) - i
				break
			}
		}
	}
	for i := len(vs) - 1 - start; i >= 0; i-- {
		if len(out.Versions) == pg.limit {
			out.IsTruncated = true
			out.Marker = encodeMarker(out.Versions[len(out.Versions)-1].VersionId)
			break
		}
		v := vs[i]
		out.Versions = append(out.Versions, PolicyVersionMeta{VersionId: v.VersionID, IsDefaultVersion: v.VersionID == p.DefaultVersion, CreateDate: QueryTime(v.CreatedAt)})
	}
	return out, nil
}
