package authz

import (
	"context"
	"slices"
	"strings"

	"github.com/coffer-kms/coffer/internal/kms"
	"github.com/coffer-kms/coffer/internal/store"
)

// contextOperations are the grant operations that take an encryption
// context; a grant's constraints apply to them only (AWS KMS Developer
// Guide, "Grant constraints": constraints are not applied to operations
// that do not support an encryption context, such as DescribeKey or
// RetireGrant).
var contextOperations = []string{"Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
	"ReEncryptFrom", "ReEncryptTo", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"}

// grantAllows returns the id of a grant on the key that allows the
// request, or "".
func (a *Authorizer) grantAllows(ctx context.Context, r *kms.AuthzRequest) (string, error) {
	gs, err := a.keyGrants(ctx, r.Key.Ref)
	if err != nil || len(gs) == 0 {
		return "", err
	}
	op := strings.TrimPrefix(r.Action, "kms:")
	for _, g := range gs {
		if !granteeIs(r.Caller, g.GranteePrincipal) || !slices.Contains(g.Operations, op) {
			continue
		}
		if slices.Contains(contextOperations, op) && !g.constraints.Allows(r.EncryptionContext) {
			continue
		}
		if op == "CreateGrant" {
			// A grant that allows CreateGrant lets its grantee create grants
			// for a subset of its own operations, no less constrained.
			requested := r.Context["kms:GrantOperations"]
			if g.constraints != nil || !subset(requested, g.Operations) {
				continue
			}
		}
		return g.GrantID, nil
	}
	return "", nil
}

func subset(xs, of []string) bool {
	for _, x := range xs {
		if !slices.Contains(of, x) {
			return false
		}
	}
	return true
}

// granteeIs reports whether a grant's grantee names the caller: its ARN, or
// for an assumed-role session its role.
func granteeIs(c kms.Caller, grantee string) bool {
	return grantee == c.PrincipalARN || c.RoleARN != "" && grantee == c.RoleARN
}

// keyGrants returns a key's grants, from the cache when it can.
func (a *Authorizer) keyGrants(ctx context.Context, ref store.KeyRef) ([]grant, error) {
	a.mu.RLock()
	gs, ok := a.grants[ref]
	gen := a.gen
	a.mu.RUnlock()
	if ok {
		return gs, nil
	}
	list, err := a.store.ListGrants(ctx, ref, store.Page{})
	if err != nil {
		return nil, err
	}
	gs = make([]grant, 0, len(list))
	for _, g := range list {
		c, err := kms.ParseGrantConstraints(g.Constraints)
		if err != nil {
			continue // an unreadable constraint allows nothing
		}
		gs = append(gs, grant{Grant: g, constraints: c})
	}
	a.mu.Lock()
	if a.gen == gen {
		a.grants[ref] = gs
	}
	a.mu.Unlock()
	return gs, nil
}
