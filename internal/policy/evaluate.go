package policy

import "strings"

// Evaluate judges r against the policy alone (IAM User Guide, "Policy
// evaluation logic"; AWS KMS Developer Guide, "Key policies"):
//
//   - a statement matches when its principal, action, resource and every
//     condition match;
//   - Deny if any Deny statement matches, else Allow if any Allow statement
//     matches, else NotApplicable (an implicit deny).
//
// Evaluate does not know whether the policy is an identity or a resource
// policy: a statement without Principal or NotPrincipal matches any
// principal. It never fails: a request value that cannot be compared (a
// non-numeric value for a Numeric operator, say) simply does not match.
func (p *Policy) Evaluate(r *Request) Result {
	var res Result
	for i := range p.Statements {
		s := &p.Statements[i]
		via, ok := s.matches(r)
		if !ok {
			continue
		}
		if res.Matched == nil {
			res.Matched = make([]string, 0, len(p.Statements)-i)
		}
		res.Matched = append(res.Matched, s.label)
		switch {
		case s.Effect == Deny:
			res.Decision, res.Via = Deny, PrincipalNone
		case res.Decision == Deny:
		case res.Decision == NotApplicable:
			res.Decision, res.Via = Allow, via
		case via == PrincipalDirect || (via == PrincipalAccount && res.Via == PrincipalNone):
			res.Via = via
		}
	}
	return res
}

// matches reports whether the statement applies to r and, if it has a
// Principal, how the principal matched.
func (s *Statement) matches(r *Request) (PrincipalMatch, bool) {
	// Action / NotAction ("IAM JSON policy elements: Action, NotAction").
	switch {
	case s.Action != nil:
		if !s.actionMatches(r.Action) {
			return 0, false
		}
	case s.NotAction != nil:
		if s.actionMatches(r.Action) {
			return 0, false
		}
	default:
		return 0, false // no Action element: the statement has no effect
	}
	// Resource / NotResource.
	switch {
	case s.Resource != nil:
		if !s.resourceMatches(r, true) {
			return 0, false
		}
	case s.NotResource != nil:
		if !s.resourceMatches(r, false) {
			return 0, false
		}
	default:
		return 0, false
	}
	// Principal / NotPrincipal.
	via := PrincipalNone
	switch {
	case s.Principal != nil:
		m, ok := s.Principal.match(&r.Principal)
		if !ok {
			return 0, false
		}
		via = m
	case s.NotPrincipal != nil:
		if s.NotPrincipal.excludes(&r.Principal) {
			return 0, false
		}
		via = PrincipalDirect
	}
	// Condition: every entry must hold.
	for i := range s.Condition {
		if !s.Condition[i].eval(r.Context) {
			return 0, false
		}
	}
	return via, true
}

func (s *Statement) actionMatches(action string) bool {
	for i := range s.actions {
		if s.actions[i].match(action, true) {
			return true
		}
	}
	return false
}

// resourceMatches evaluates Resource (positive) or NotResource. A pattern
// whose policy variable does not resolve matches nothing; in NotResource
// that makes the element fail, so the statement does not apply (rather
// than applying to every resource).
func (s *Statement) resourceMatches(r *Request, positive bool) bool {
	hit := false
	for i := range s.resources {
		t := &s.resources[i]
		if t.static() {
			if t.seg && matchResource(t.raw, r.Resource, false) || !t.seg && t.g.match(r.Resource, false) {
				hit = true
				break
			}
			continue
		}
		pat, ok := t.resolve(r.Context, true)
		if !ok {
			if !positive {
				return false
			}
			continue
		}
		if matchResource(pat, r.Resource, true) {
			hit = true
			break
		}
	}
	return hit == positive
}

// match reports whether the Principal element names the caller, and how.
func (ps *Principals) match(p *Principal) (PrincipalMatch, bool) {
	if ps.Wildcard || ps.anyAWS {
		return PrincipalDirect, true
	}
	if p.Service != "" {
		for _, s := range ps.Service {
			if s == "*" || strings.EqualFold(s, p.Service) {
				return PrincipalDirect, true
			}
		}
		return 0, false
	}
	id := p.identity()
	if p.ARN != "" {
		for _, a := range ps.arns {
			if a == p.ARN || a == id {
				return PrincipalDirect, true
			}
		}
		for _, a := range ps.arnPatterns {
			if match(a, p.ARN, false, false) || match(a, id, false, false) {
				return PrincipalDirect, true
			}
		}
	}
	if p.Account != "" {
		for _, a := range ps.accounts {
			if a == p.Account {
				if isRootARN(p.ARN, p.Account) {
					return PrincipalDirect, true
				}
				return PrincipalAccount, true
			}
		}
	}
	return 0, false
}

// excludes reports whether a NotPrincipal element exempts the caller. As
// the IAM User Guide ("NotPrincipal") requires, every layer of the caller's
// identity must be listed: the account (unless the caller is the root), the
// role of an assumed-role session, and the caller's own ARN.
func (ps *Principals) excludes(p *Principal) bool {
	if ps.Wildcard || ps.anyAWS {
		return true
	}
	if p.Service != "" {
		for _, s := range ps.Service {
			if s == "*" || strings.EqualFold(s, p.Service) {
				return true
			}
		}
		return false
	}
	if p.ARN == "" {
		return false
	}
	acct := p.Account != "" && contains(ps.accounts, p.Account)
	if isRootARN(p.ARN, p.Account) {
		return acct
	}
	if !acct || !ps.namesARN(p.ARN) {
		return false
	}
	if id := p.identity(); id != p.ARN && !ps.namesARN(id) {
		return false
	}
	return true
}

func (ps *Principals) namesARN(a string) bool {
	if contains(ps.arns, a) {
		return true
	}
	for _, pat := range ps.arnPatterns {
		if match(pat, a, false, false) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func (p *Principal) identity() string {
	if p.IdentityARN != "" {
		return p.IdentityARN
	}
	return p.ARN
}

// isRootARN reports whether a is arn:<partition>:iam::<account>:root.
func isRootARN(a, account string) bool {
	rest, ok := strings.CutPrefix(a, "arn:")
	if !ok {
		return false
	}
	i := strings.IndexByte(rest, ':')
	if i < 0 {
		return false
	}
	rest = rest[i+1:]
	mid, ok := strings.CutPrefix(rest, "iam::")
	if !ok {
		return false
	}
	mid, ok = strings.CutSuffix(mid, ":root")
	return ok && mid == account
}
