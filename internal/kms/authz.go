package kms

import (
	"context"

	"github.com/coffer-kms/coffer/internal/store"
)

// AuthzRequest is one authorization question: may Caller perform Action
// (e.g. "kms:Encrypt") on Resource (a key ARN, or "*" for account-level
// actions such as kms:CreateKey)? Key is the key's metadata (with its
// policy) when the resource is a key.
type AuthzRequest struct {
	Caller            Caller
	Action            string
	Resource          string
	Key               *store.Key
	EncryptionContext map[string]string
	GrantTokens       []string
	// Context holds the operation's own condition keys (kms:GrantOperations,
	// kms:RequestAlias, aws:RequestTag/..., ...) with their values.
	Context map[string][]string
	// NoGrants asks for a decision by policies alone: grants do not count
	// (RetireGrant, where a grant's RetireGrant operation covers only that
	// grant, and the lockout check).
	NoGrants bool
}

// Authorizer decides requests. It returns nil to allow, or an error (an
// AccessDeniedException) to deny. This is the seam where the policy engine
// (key policies, IAM policies, grants) sits.
type Authorizer interface {
	Authorize(ctx context.Context, r *AuthzRequest) error
}

// PolicyChecker is implemented by Authorizers that judge a key policy
// before it is stored (CreateKey, PutKeyPolicy): its language, its
// principals, and the lockout safety check unless bypassLockout. key is the
// key the policy is for (not yet stored for CreateKey). It returns a
// MalformedPolicyDocumentException to refuse.
type PolicyChecker interface {
	CheckKeyPolicy(ctx context.Context, c Caller, key *store.Key, doc string, bypassLockout bool) error
}

// AccountBoundary is the Authorizer used until the policy engine arrives:
// a principal may act on its own account's keys and nothing else.
type AccountBoundary struct{}

// Authorize allows r when the key (if any) belongs to the caller's account.
func (AccountBoundary) Authorize(_ context.Context, r *AuthzRequest) error {
	if r.Key != nil && r.Key.Ref.Account != r.Caller.Account {
		return errAccessDenied(r, "no resource-based policy allows the "+r.Action+" action")
	}
	return nil
}

// errAccessDenied is AWS's denial message: principal, action, resource and
// the reason.
func errAccessDenied(r *AuthzRequest, because string) error {
	return kmsErr("AccessDeniedException", "User: %s is not authorized to perform: %s on resource: %s because %s",
		r.Caller.PrincipalARN, r.Action, r.Resource, because)
}

// checkKeyPolicy validates a key policy document for key: its size and
// form, and, when the Authorizer can, its language, principals and the
// lockout safety check.
func (s *Service) checkKeyPolicy(ctx context.Context, c Caller, k *store.Key, doc string, bypassLockout bool) error {
	if err := checkPolicyDocument(doc); err != nil {
		return err
	}
	if pc, ok := s.authz.(PolicyChecker); ok {
		return pc.CheckKeyPolicy(ctx, c, k, doc, bypassLockout)
	}
	return nil
}

// authorize asks the Authorizer about action on key k (nil for account-level).
func (s *Service) authorize(ctx context.Context, c Caller, action string, k *store.Key, encCtx map[string]string, grantTokens []string) error {
	return s.authorizeWith(ctx, c, action, k, encCtx, grantTokens, nil)
}

// authorizeWith is authorize with operation-specific condition keys.
func (s *Service) authorizeWith(ctx context.Context, c Caller, action string, k *store.Key, encCtx map[string]string, grantTokens []string, condCtx map[string][]string) error {
	if err := checkGrantTokens(grantTokens); err != nil {
		return err
	}
	if m := mrkKeyType(k); m != "" {
		if _, set := condCtx["kms:MultiRegionKeyType"]; !set {
			cc := make(map[string][]string, len(condCtx)+1)
			for ck, cv := range condCtx {
				cc[ck] = cv
			}
			cc["kms:MultiRegionKeyType"] = []string{m}
			condCtx = cc
		}
	}
	r := AuthzRequest{Caller: c, Action: action, Resource: "*", Key: k, EncryptionContext: encCtx, GrantTokens: grantTokens, Context: condCtx}
	if k != nil {
		r.Resource = keyARN(k.Ref)
	}
	return s.authz.Authorize(ctx, &r)
}
