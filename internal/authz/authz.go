// Package authz decides KMS requests the way AWS KMS does (AWS KMS
// Developer Guide, "Authentication and access control", "Key policies",
// "Grants"): the key policy, the caller's IAM identity policies and the
// key's grants are evaluated together, and an explicit Deny in any policy
// wins.
//
//   - The key policy is the starting point. A statement naming the caller
//     (or "*") allows it directly; a statement naming the caller's account
//     delegates to the account's IAM policies, which must then allow the
//     caller too (the account's root user needs no IAM policy).
//   - Without a key policy statement for the caller or its account, IAM
//     policies have no effect, but an IAM Deny still denies.
//   - Cross-account callers need the key policy to allow them or their
//     account, and an IAM policy in their own account to allow the action.
//   - A grant allows its grantee the operations it lists, subject to its
//     encryption-context constraints.
//   - Account-level actions (kms:CreateKey, kms:ListKeys, ...) are decided
//     by IAM policies alone; an account's root user may do them.
//
// Parsed policies, identity policies and grants are cached and dropped when
// the store reports a change, so a policy change takes effect at once.
package authz

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coffer-kms/coffer/internal/arn"
	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/kms"
	"github.com/coffer-kms/coffer/internal/policy"
	"github.com/coffer-kms/coffer/internal/store"
)

// Authorizer implements kms.Authorizer and kms.PolicyChecker.
type Authorizer struct {
	store   store.Store
	now     func() time.Time
	unwatch func()

	mu          sync.RWMutex
	gen         uint64
	keyPolicies map[store.KeyRef]parsedPolicy
	identities  map[identityRef]*identity
	grants      map[store.KeyRef][]grant
	keyTags     map[store.KeyRef]map[string]string
	keyAliases  map[store.KeyRef][]string
}

var (
	_ kms.Authorizer    = (*Authorizer)(nil)
	_ kms.PolicyChecker = (*Authorizer)(nil)
)

// New returns an Authorizer reading IAM policies and grants from st. now is
// the clock for aws:CurrentTime (nil: time.Now). Call Close to stop
// watching the store.
func New(st store.Store, now func() time.Time) *Authorizer {
	if now == nil {
		now = time.Now
	}
	a := &Authorizer{store: st, now: now,
		keyPolicies: map[store.KeyRef]parsedPolicy{}, identities: map[identityRef]*identity{},
		grants: map[store.KeyRef][]grant{}, keyTags: map[store.KeyRef]map[string]string{}, keyAliases: map[store.KeyRef][]string{}}
	a.unwatch = st.Watch(a.invalidate)
	return a
}

// Close stops watching the store.
func (a *Authorizer) Close() { a.unwatch() }

type parsedPolicy struct {
	text  string
	p     *policy.Policy
	needs needs
}

// needs records which costly condition keys a policy refers to, so they
// are looked up only when some policy can use them.
type needs struct {
	// context: some statement has a condition or a policy variable, so the
	// request's condition keys must be built at all.
	context                              bool
	resourceTags, aliases, principalTags bool
}

func (n needs) or(o needs) needs {
	return needs{n.context || o.context, n.resourceTags || o.resourceTags, n.aliases || o.aliases, n.principalTags || o.principalTags}
}

func needsOf(p *policy.Policy) needs {
	var n needs
	for _, s := range p.Statements {
		if len(s.Condition) > 0 {
			n.context = true
		}
		for _, r := range append(s.Resource[:len(s.Resource):len(s.Resource)], s.NotResource...) {
			if strings.Contains(r, "${") {
				n.context = true
			}
		}
		for _, c := range s.Condition {
			k := strings.ToLower(c.Key)
			n.resourceTags = n.resourceTags || strings.HasPrefix(k, "aws:resourcetag/")
			n.aliases = n.aliases || k == "kms:resourcealiases"
			n.principalTags = n.principalTags || strings.HasPrefix(k, "aws:principaltag/")
		}
	}
	return n
}

type identityRef struct {
	account string
	kind    store.PrincipalKind
	name    string
}

// identity is a principal's identity policies and tags.
type identity struct {
	policies []*policy.Policy
	names    []string // "user/alice/inline-name", "policy/managed-name", ... per policy
	tags     map[string]string
	needs    needs
}

// grant is a stored grant, its constraints decoded.
type grant struct {
	store.Grant
	constraints *kms.GrantConstraints
}

func (a *Authorizer) invalidate(ch store.Change) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gen++
	ref := store.KeyRef{Account: ch.Account, Region: ch.Region, KeyID: ch.ID}
	switch ch.Kind {
	case store.ChangeKey:
		delete(a.keyPolicies, ref)
		delete(a.grants, ref)
		delete(a.keyTags, ref)
		delete(a.keyAliases, ref)
	case store.ChangeGrant:
		delete(a.grants, ref)
	case store.ChangeAlias:
		clear(a.keyAliases)
	case store.ChangeIAM:
		for r := range a.identities {
			if r.account == ch.Account {
				delete(a.identities, r)
			}
		}
	case store.ChangeAll:
		clear(a.keyPolicies)
		clear(a.identities)
		clear(a.grants)
		clear(a.keyTags)
		clear(a.keyAliases)
	}
}

func (a *Authorizer) generation() uint64 {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.gen
}

// errDenied is AWS's AccessDeniedException message.
func errDenied(r *kms.AuthzRequest, because string) error {
	return awsproto.Errorf("AccessDeniedException", http.StatusBadRequest,
		"User: %s is not authorized to perform: %s on resource: %s because %s",
		r.Caller.PrincipalARN, r.Action, r.Resource, because)
}

// Decision is the outcome of judging one request, with what decided it.
type Decision struct {
	Allowed bool
	// Reason is AWS's "because ..." clause of a denial ("" when allowed).
	Reason string
	// Identity is the combined decision of the caller's IAM policies, and
	// IdentityMatches the statements that matched, as "policy-name: label".
	Identity        policy.Decision
	IdentityMatches []string
	// KeyPolicy is the key policy's decision, KeyPolicyVia how its Allow
	// matched the principal, KeyPolicyMatches its matching statements.
	KeyPolicy        policy.Decision
	KeyPolicyVia     policy.PrincipalMatch
	KeyPolicyMatches []string
	// GrantID is the grant that allowed the request, if one did.
	GrantID string
}

// Authorize implements kms.Authorizer.
func (a *Authorizer) Authorize(ctx context.Context, r *kms.AuthzRequest) error {
	d, err := a.Decide(ctx, r)
	if err != nil {
		return err
	}
	if !d.Allowed {
		return errDenied(r, d.Reason)
	}
	return nil
}

// Decide judges r and says why; Authorize is Decide as an error.
func (a *Authorizer) Decide(ctx context.Context, r *kms.AuthzRequest) (Decision, error) {
	var d Decision
	id, err := a.identity(ctx, r.Caller)
	if err != nil {
		return d, err
	}
	var kp parsedPolicy
	if r.Key != nil {
		if kp, err = a.keyPolicy(r.Key); err != nil {
			return d, err
		}
	}
	req, err := a.request(ctx, r, id, kp.needs)
	if err != nil {
		return d, err
	}
	for i, p := range id.policies {
		res := p.Evaluate(req)
		for _, m := range res.Matched {
			d.IdentityMatches = append(d.IdentityMatches, id.names[i]+": "+m)
		}
		switch res.Decision {
		case policy.Deny:
			d.Identity = policy.Deny
		case policy.Allow:
			if d.Identity == policy.NotApplicable {
				d.Identity = policy.Allow
			}
		}
	}
	isRoot := r.Caller.PrincipalARN == arn.AccountRoot(r.Caller.Account)
	if r.Key == nil {
		switch {
		case d.Identity == policy.Deny:
			d.Reason = "with an explicit deny in an identity-based policy"
		case isRoot || d.Identity == policy.Allow:
			d.Allowed = true
		default:
			d.Reason = "no identity-based policy allows the " + r.Action + " action"
		}
		return d, nil
	}
	kpRes := kp.p.Evaluate(req)
	d.KeyPolicy, d.KeyPolicyVia, d.KeyPolicyMatches = kpRes.Decision, kpRes.Via, kpRes.Matched
	switch {
	case kpRes.Decision == policy.Deny:
		d.Reason = "with an explicit deny in a resource-based policy"
		return d, nil
	case d.Identity == policy.Deny:
		d.Reason = "with an explicit deny in an identity-based policy"
		return d, nil
	}
	sameAccount := r.Caller.Account == r.Key.Ref.Account
	if kpRes.Decision == policy.Allow {
		if kpRes.Via == policy.PrincipalDirect && sameAccount || isRoot || d.Identity == policy.Allow {
			d.Allowed = true
			return d, nil
		}
	}
	var g string
	if !r.NoGrants {
		if g, err = a.grantAllows(ctx, r); err != nil {
			return d, err
		}
	}
	if g != "" {
		d.Allowed, d.GrantID = true, g
		return d, nil
	}
	if kpRes.Decision == policy.Allow {
		d.Reason = "no identity-based policy allows the " + r.Action + " action"
	} else {
		d.Reason = "no resource-based policy allows the " + r.Action + " action"
	}
	return d, nil
}

// keyPolicy returns a key's parsed policy, from the cache when it can.
func (a *Authorizer) keyPolicy(k *store.Key) (parsedPolicy, error) {
	a.mu.RLock()
	pp, ok := a.keyPolicies[k.Ref]
	gen := a.gen
	a.mu.RUnlock()
	if ok && pp.text == k.Policy {
		return pp, nil
	}
	p, err := policy.Parse(k.Policy)
	if err != nil {
		// A stored policy always parsed when it was stored; if the language
		// grew stricter since, the key answers to no one but IAM denies.
		return parsedPolicy{}, fmt.Errorf("authz: key policy of %s: %w", k.Ref.KeyID, err)
	}
	pp = parsedPolicy{text: k.Policy, p: p, needs: needsOf(p)}
	a.mu.Lock()
	if a.gen == gen {
		a.keyPolicies[k.Ref] = pp
	}
	a.mu.Unlock()
	return pp, nil
}

// principalRef says which IAM identity's policies apply to the caller:
// none for an account root, the user, or the role of a session.
func principalRef(c kms.Caller) (identityRef, bool) {
	switch {
	case c.RoleARN != "":
		a, err := arn.Parse(c.RoleARN)
		if err != nil {
			return identityRef{}, false
		}
		return identityRef{c.Account, store.KindRole, a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]}, true
	case c.UserName != "":
		return identityRef{c.Account, store.KindUser, c.UserName}, true
	}
	return identityRef{}, false
}

var rootIdentity = &identity{}

// identity returns the caller's identity policies and tags.
func (a *Authorizer) identity(ctx context.Context, c kms.Caller) (*identity, error) {
	ref, ok := principalRef(c)
	if !ok {
		return rootIdentity, nil
	}
	a.mu.RLock()
	id, ok := a.identities[ref]
	gen := a.gen
	a.mu.RUnlock()
	if ok {
		return id, nil
	}
	id, err := a.loadIdentity(ctx, ref)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if a.gen == gen {
		a.identities[ref] = id
	}
	a.mu.Unlock()
	return id, nil
}

func (a *Authorizer) loadIdentity(ctx context.Context, ref identityRef) (*identity, error) {
	id := &identity{}
	add := func(kind store.PrincipalKind, name string) error {
		inline, err := a.store.ListInlinePolicies(ctx, ref.account, kind, name)
		if err != nil {
			return err
		}
		for _, ip := range inline {
			if err := id.addDocument(string(kind)+"/"+name+"/"+ip.Name, ip.Document); err != nil {
				return fmt.Errorf("inline policy %s of %s %s: %w", ip.Name, kind, name, err)
			}
		}
		attached, err := a.store.ListAttachedPolicies(ctx, ref.account, kind, name)
		if err != nil {
			return err
		}
		for _, at := range attached {
			pa, err := arn.Parse(at.PolicyARN)
			if err != nil || pa.Account != ref.account {
				continue // AWS managed policies are not known here
			}
			pname := pa.Resource[strings.LastIndexByte(pa.Resource, '/')+1:]
			mp, err := a.store.GetManagedPolicy(ctx, ref.account, pname)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			v, err := a.store.GetPolicyVersion(ctx, ref.account, mp.Name, mp.DefaultVersion)
			if err != nil {
				return err
			}
			if err := id.addDocument(at.PolicyARN, v.Document); err != nil {
				return fmt.Errorf("managed policy %s: %w", mp.Name, err)
			}
		}
		return nil
	}
	switch ref.kind {
	case store.KindUser:
		u, err := a.store.GetUser(ctx, ref.account, ref.name)
		if errors.Is(err, store.ErrNotFound) {
			return id, nil // deleted meanwhile: no policies
		}
		if err != nil {
			return nil, err
		}
		id.tags = tagMap(u.Tags)
		if err := add(store.KindUser, u.Name); err != nil {
			return nil, err
		}
		groups, err := a.store.ListGroupsForUser(ctx, ref.account, u.Name)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			if err := add(store.KindGroup, g.Name); err != nil {
				return nil, err
			}
		}
	case store.KindRole:
		r, err := a.store.GetRole(ctx, ref.account, ref.name)
		if errors.Is(err, store.ErrNotFound) {
			return id, nil
		}
		if err != nil {
			return nil, err
		}
		id.tags = tagMap(r.Tags)
		if err := add(store.KindRole, r.Name); err != nil {
			return nil, err
		}
	}
	return id, nil
}

func (id *identity) addDocument(name, doc string) error {
	p, err := policy.Parse(doc)
	if err != nil {
		return err
	}
	id.policies = append(id.policies, p)
	id.names = append(id.names, name)
	id.needs = id.needs.or(needsOf(p))
	return nil
}

func tagMap(tags []store.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

// request builds the policy request: principal, action, resource and the
// condition keys AWS KMS provides (global keys, kms:* keys of the key, the
// encryption context, and the operation's own keys).
func (a *Authorizer) request(ctx context.Context, r *kms.AuthzRequest, id *identity, kn needs) (*policy.Request, error) {
	c := r.Caller
	req := &policy.Request{
		Principal: policy.Principal{ARN: c.PrincipalARN, Account: c.Account, IdentityARN: c.RoleARN},
		Action:    r.Action, Resource: r.Resource,
	}
	if !kn.context && !id.needs.context {
		// No policy in play reads a condition key: skip building them
		// (the common case of the default key policy).
		return req, nil
	}
	principalARN := c.PrincipalARN
	if c.RoleARN != "" {
		principalARN = c.RoleARN // aws:PrincipalArn of a session is its role
	}
	now := a.now().UTC()
	cx := make(policy.Context, 16+len(r.EncryptionContext)+len(r.Context))
	cx["aws:principalarn"] = []string{principalARN}
	cx["aws:principalaccount"] = []string{c.Account}
	cx["aws:userid"] = []string{c.UserID}
	cx["aws:currenttime"] = []string{now.Format(time.RFC3339)}
	cx["aws:epochtime"] = []string{strconv.FormatInt(now.Unix(), 10)}
	cx["aws:requestedregion"] = []string{c.Region}
	cx["aws:securetransport"] = []string{strconv.FormatBool(c.SecureTransport)}
	cx["kms:calleraccount"] = []string{c.Account}
	if c.PrincipalType != "" {
		cx["aws:principaltype"] = []string{c.PrincipalType}
	}
	if c.UserName != "" {
		cx["aws:username"] = []string{c.UserName}
	}
	if c.SourceIP != "" {
		cx["aws:sourceip"] = []string{c.SourceIP}
	}
	if c.ViaService != "" {
		cx["kms:viaservice"] = []string{c.ViaService}
	}
	if len(r.EncryptionContext) > 0 {
		keys := make([]string, 0, len(r.EncryptionContext))
		for k, v := range r.EncryptionContext {
			cx["kms:encryptioncontext:"+strings.ToLower(k)] = []string{v}
			keys = append(keys, k)
		}
		cx["kms:encryptioncontextkeys"] = keys
	}
	for k, v := range r.Context {
		cx[strings.ToLower(k)] = v
	}
	if id.needs.principalTags || kn.principalTags {
		for k, v := range id.tags {
			cx["aws:principaltag/"+strings.ToLower(k)] = []string{v}
		}
	}
	req.Context = cx
	if r.Key == nil {
		return req, nil
	}
	k := r.Key
	cx["kms:keyspec"] = []string{k.KeySpec}
	cx["kms:keyusage"] = []string{k.KeyUsage}
	cx["kms:keyorigin"] = []string{k.Origin}
	cx["kms:multiregion"] = []string{strconv.FormatBool(k.MultiRegion)}
	all := kn.or(id.needs)
	if all.resourceTags {
		tags, err := a.tags(ctx, k.Ref)
		if err != nil {
			return nil, err
		}
		for tk, tv := range tags {
			cx["aws:resourcetag/"+strings.ToLower(tk)] = []string{tv}
		}
	}
	if all.aliases {
		aliases, err := a.aliases(ctx, k.Ref)
		if err != nil {
			return nil, err
		}
		cx["kms:resourcealiases"] = aliases
	}
	return req, nil
}

func (a *Authorizer) tags(ctx context.Context, ref store.KeyRef) (map[string]string, error) {
	a.mu.RLock()
	t, ok := a.keyTags[ref]
	gen := a.gen
	a.mu.RUnlock()
	if ok {
		return t, nil
	}
	list, err := a.store.ListTags(ctx, ref)
	if err != nil {
		return nil, err
	}
	t = tagMap(list)
	a.mu.Lock()
	if a.gen == gen {
		a.keyTags[ref] = t
	}
	a.mu.Unlock()
	return t, nil
}

func (a *Authorizer) aliases(ctx context.Context, ref store.KeyRef) ([]string, error) {
	a.mu.RLock()
	names, ok := a.keyAliases[ref]
	gen := a.gen
	a.mu.RUnlock()
	if ok {
		return names, nil
	}
	list, err := a.store.ListAliases(ctx, ref.Account, ref.Region, ref.KeyID, store.Page{})
	if err != nil {
		return nil, err
	}
	names = make([]string, len(list))
	for i, al := range list {
		names[i] = al.Name
	}
	a.mu.Lock()
	if a.gen == gen {
		a.keyAliases[ref] = names
	}
	a.mu.Unlock()
	return names, nil
}
