package iam

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/coffer-kms/coffer/internal/store"
)

type contextT = context.Context

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// authorize decides whether c may perform action (such as "iam:CreateUser")
// on resource (an ARN in c's account, or "*"). The account's root user may
// do everything in its account; IAM users and assumed roles need an
// identity policy that allows the action, and no explicit Deny.
func (s *Service) authorize(ctx context.Context, c Caller, action, resource string) error {
	if c.userSession() && strings.HasPrefix(action, "iam:") {
		return errAccessDenied(c, action, resource, "credentials from GetSessionToken cannot call IAM operations without MFA, which this server does not support")
	}
	if c.IsRoot() {
		return nil
	}
	docs, err := s.IdentityPolicies(ctx, c.Principal)
	if err != nil {
		return err
	}
	res := s.engine.Evaluate(docs, IdentityPolicy, &EvalRequest{Principal: c.Principal, Action: action, Resource: resource, Context: s.requestContext(c)})
	switch res.Decision {
	case Allow:
		return nil
	case Deny:
		return errAccessDenied(c, action, resource, "with an explicit deny in an identity-based policy")
	}
	return errAccessDenied(c, action, resource, "no identity-based policy allows the "+action+" action")
}

func errAccessDenied(c Caller, action, resource, because string) error {
	return iamErr("AccessDenied", "User: %s is not authorized to perform: %s on resource: %s because %s", c.ARN, action, resource, because)
}

// requestContext returns the global condition keys of a request by c.
func (s *Service) requestContext(c Caller) map[string][]string {
	now := s.now().UTC()
	ctx := map[string][]string{
		"aws:PrincipalType":    {c.Type},
		"aws:PrincipalAccount": {c.Account},
		"aws:userid":           {c.UserID},
		"aws:CurrentTime":      {now.Format(time.RFC3339)},
		"aws:EpochTime":        {strconv.FormatInt(now.Unix(), 10)},
		"aws:SecureTransport":  {"false"},
	}
	if c.Region != "" {
		ctx["aws:RequestedRegion"] = []string{c.Region}
	}
	switch c.Type {
	case TypeUser:
		ctx["aws:username"] = []string{c.UserName}
		ctx["aws:PrincipalArn"] = []string{c.ARN}
	case TypeAssumedRole:
		ctx["aws:PrincipalArn"] = []string{c.RoleARN()}
	default:
		ctx["aws:PrincipalArn"] = []string{c.ARN}
	}
	return ctx
}

// IdentityPolicies returns the documents of every identity policy of p: a
// user's inline and attached policies and those of its groups; a role's
// (for an assumed-role session) inline and attached policies. The root
// user has none (it needs none). Attached policies that are not customer
// managed policies of p's account are skipped.
func (s *Service) IdentityPolicies(ctx context.Context, p Principal) ([]string, error) {
	type holder struct {
		kind store.PrincipalKind
		name string
	}
	var holders []holder
	switch p.Type {
	case TypeUser:
		holders = append(holders, holder{store.KindUser, p.UserName})
		groups, err := s.store.ListGroupsForUser(ctx, p.Account, p.UserName)
		if err != nil && !isNotFound(err) {
			return nil, errInternal(err)
		}
		for _, g := range groups {
			holders = append(holders, holder{store.KindGroup, g.Name})
		}
	case TypeAssumedRole:
		holders = append(holders, holder{store.KindRole, p.RoleName})
	default:
		return nil, nil
	}
	var docs []string
	for _, h := range holders {
		inline, err := s.store.ListInlinePolicies(ctx, p.Account, h.kind, h.name)
		if err != nil && !isNotFound(err) {
			return nil, errInternal(err)
		}
		for _, ip := range inline {
			docs = append(docs, ip.Document)
		}
		attached, err := s.store.ListAttachedPolicies(ctx, p.Account, h.kind, h.name)
		if err != nil && !isNotFound(err) {
			return nil, errInternal(err)
		}
		for _, a := range attached {
			doc, ok, err := s.managedDocument(ctx, s.store, p.Account, a.PolicyARN)
			if err != nil {
				return nil, err
			}
			if ok {
				docs = append(docs, doc)
			}
		}
	}
	return docs, nil
}

// managedDocument returns the default version's document of a customer
// managed policy of account, ok=false if there is none.
func (s *Service) managedDocument(ctx context.Context, rd store.Reader, account, arn string) (string, bool, error) {
	acct, path, name, ok := parseEntityARN(arn, "policy")
	if !ok || acct != account {
		return "", false, nil
	}
	mp, err := rd.GetManagedPolicy(ctx, account, name)
	if isNotFound(err) || (err == nil && mp.Path != path) {
		return "", false, nil
	}
	if err != nil {
		return "", false, errInternal(err)
	}
	v, err := rd.GetPolicyVersion(ctx, account, name, mp.DefaultVersion)
	if isNotFound(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, errInternal(err)
	}
	return v.Document, true, nil
}
