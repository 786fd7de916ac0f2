package authz

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/coffer-kms/coffer/internal/arn"
	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/kms"
	"github.com/coffer-kms/coffer/internal/policy"
	"github.com/coffer-kms/coffer/internal/store"
)

func malformed(format string, args ...any) error {
	return awsproto.Errorf("MalformedPolicyDocumentException", http.StatusBadRequest, format, args...)
}

// CheckKeyPolicy implements kms.PolicyChecker: the document must parse,
// name only principals that exist, and — unless bypassLockout — still let
// the caller call PutKeyPolicy (the policy lockout safety check of
// CreateKey and PutKeyPolicy).
func (a *Authorizer) CheckKeyPolicy(ctx context.Context, c kms.Caller, key *store.Key, doc string, bypassLockout bool) error {
	p, err := policy.Parse(doc)
	if err != nil {
		var me *policy.MalformedError
		if errors.As(err, &me) {
			return malformed("%s", me.Reason)
		}
		return malformed("%v", err)
	}
	if err := a.checkPrincipals(ctx, p); err != nil {
		return err
	}
	if bypassLockout {
		return nil
	}
	k := *key
	k.Policy = doc
	r := &kms.AuthzRequest{Caller: c, Action: "kms:PutKeyPolicy", Resource: arn.KMSKey(k.Ref.Region, k.Ref.Account, k.Ref.KeyID), Key: &k, NoGrants: true}
	d, err := a.Decide(ctx, r)
	if err != nil {
		return err
	}
	// "The key policy must allow the calling principal to make a subsequent
	// PutKeyPolicy request" (CreateKey API reference): the whole decision
	// for the caller, IAM policies included when the key policy delegates
	// to the account; grants never count.
	if !d.Allowed {
		return malformed("The new key policy will not allow you to update the key policy in the future.")
	}
	return nil
}

// checkPrincipals refuses principals that do not exist here: unknown
// accounts, users and roles (AWS KMS: "Principals must exist and be
// visible to KMS").
func (a *Authorizer) checkPrincipals(ctx context.Context, p *policy.Policy) error {
	for _, s := range p.Statements {
		if s.Principal == nil && s.NotPrincipal == nil {
			// A key policy is a resource policy: each statement says whom it is for.
			return malformed("Policy contains a statement with no principal: statement %s has neither Principal nor NotPrincipal.", s.Label())
		}
		for _, ps := range []*policy.Principals{s.Principal, s.NotPrincipal} {
			if ps == nil {
				continue
			}
			for _, name := range ps.AWS {
				if err := a.checkPrincipal(ctx, name); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (a *Authorizer) checkPrincipal(ctx context.Context, name string) error {
	invalid := malformed("Policy contains a statement with one or more invalid principals: %s", name)
	if name == "*" {
		return nil
	}
	if arn.ValidAccountID(name) {
		return a.exists(ctx, invalid, func() error { _, err := a.store.GetAccount(ctx, name); return err })
	}
	pa, err := arn.Parse(name)
	if err != nil || !arn.ValidAccountID(pa.Account) || strings.ContainsAny(name, "*?") {
		return invalid
	}
	if err := a.exists(ctx, invalid, func() error { _, err := a.store.GetAccount(ctx, pa.Account); return err }); err != nil {
		return err
	}
	last := pa.Resource[strings.LastIndexByte(pa.Resource, '/')+1:]
	switch {
	case pa.Service == "iam" && pa.Resource == "root":
		return nil
	case pa.Service == "iam" && strings.HasPrefix(pa.Resource, "user/"):
		return a.exists(ctx, invalid, func() error { _, err := a.store.GetUser(ctx, pa.Account, last); return err })
	case pa.Service == "iam" && strings.HasPrefix(pa.Resource, "role/"):
		return a.exists(ctx, invalid, func() error { _, err := a.store.GetRole(ctx, pa.Account, last); return err })
	case pa.Service == "sts" && strings.HasPrefix(pa.Resource, "assumed-role/"):
		parts := strings.Split(pa.Resource, "/")
		if len(parts) != 3 {
			return invalid
		}
		return a.exists(ctx, invalid, func() error { _, err := a.store.GetRole(ctx, pa.Account, parts[1]); return err })
	}
	return invalid
}

func (a *Authorizer) exists(ctx context.Context, invalid error, get func() error) error {
	err := get()
	switch {
	case errors.Is(err, store.ErrNotFound):
		return invalid
	case err != nil:
		return err
	}
	return nil
}
