package policy

import (
	"fmt"
	"strings"

	"github.com/coffer-kms/coffer/internal/arn"
)

var (
	topMembers       = []string{"Version", "Id", "Statement"}
	statementMembers = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}
	principalTypes   = []string{"AWS", "Service", "Federated", "CanonicalUser"}
)

// suggest returns ` (did you mean X?)` when name matches one of names but
// for case.
func suggest(name string, names []string) string {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return fmt.Sprintf(" (did you mean %s?)", n)
		}
	}
	return ""
}

// Parse parses and validates a policy document. Every error is a
// *MalformedError (errors.Is(err, ErrMalformed)) whose Reason names the
// statement and element at fault. Parse does not limit the document's size:
// that is the caller's business.
//
// Accepted: Version 2012-10-17 or 2008-10-17 (absent means 2008-10-17), Id,
// and Statement as one object or a non-empty list of objects. Each statement
// has an Effect (Allow or Deny), an optional Sid (unique in the document),
// at most one of Principal/NotPrincipal, Action/NotAction and
// Resource/NotResource, and an optional Condition. Unknown or repeated
// members are rejected. A statement missing both Action and NotAction, or
// both Resource and NotResource, is accepted and never matches, as AWS KMS
// accepts such key policy statements.
func Parse(doc string) (*Policy, error) {
	v, err := decodeJSON(doc)
	if err != nil {
		return nil, malformed("not valid JSON: %v", err)
	}
	top, ok := v.(object)
	if !ok {
		return nil, malformed("the policy must be a JSON object, not %s", describe(v))
	}
	p := &Policy{}
	var stmts any
	for _, m := range top {
		switch m.name {
		case "Version":
			s, ok := m.val.(string)
			if !ok || (s != Version2012 && s != Version2008) {
				return nil, malformed("Version must be %q or %q, not %s", Version2012, Version2008, describe(m.val))
			}
			p.Version = s
		case "Id":
			s, ok := m.val.(string)
			if !ok {
				return nil, malformed("Id must be a string, not %s", describe(m.val))
			}
			p.ID = s
		case "Statement":
			stmts = m.val
		default:
			return nil, malformed("unknown top-level member %q%s", m.name, suggest(m.name, topMembers))
		}
	}
	p.vars = p.Version == Version2012
	var list []any
	switch t := stmts.(type) {
	case nil:
		return nil, malformed("the policy has no Statement")
	case object:
		list = []any{t}
	case []any:
		if len(t) == 0 {
			return nil, malformed("Statement must not be an empty list")
		}
		list = t
	default:
		return nil, malformed("Statement must be an object or a list of objects, not %s", describe(stmts))
	}
	sids := map[string]int{}
	p.Statements = make([]Statement, len(list))
	for i, sv := range list {
		n := i + 1
		o, ok := sv.(object)
		if !ok {
			return nil, malformed("Statement %d must be an object, not %s", n, describe(sv))
		}
		s := &p.Statements[i]
		if err := parseStatement(n, o, p.vars, s); err != nil {
			return nil, err
		}
		if s.Sid != "" {
			if prev, dup := sids[s.Sid]; dup {
				return nil, malformed("Statement %d: Sid %q is already used by statement %d; Sids must be unique", n, s.Sid, prev)
			}
			sids[s.Sid] = n
		}
	}
	return p, nil
}

func parseStatement(n int, o object, vars bool, s *Statement) error {
	where := fmt.Sprintf("Statement %d", n)
	for _, m := range o {
		if m.name == "Sid" {
			sid, ok := m.val.(string)
			if !ok {
				return malformed("%s: Sid must be a string, not %s", where, describe(m.val))
			}
			s.Sid = sid
			if sid != "" {
				where = fmt.Sprintf("Statement %d (Sid %q)", n, sid)
			}
		}
	}
	s.label = s.Sid
	if s.label == "" {
		s.label = fmt.Sprintf("#%d", n)
	}
	var err error
	for _, m := range o {
		switch m.name {
		case "Sid":
		case "Effect":
			switch m.val {
			case "Allow":
				s.Effect = Allow
			case "Deny":
				s.Effect = Deny
			default:
				return malformed("%s: Effect must be Allow or Deny, not %s", where, describe(m.val))
			}
		case "Principal":
			s.Principal, err = parsePrincipals(where, m.name, m.val)
		case "NotPrincipal":
			s.NotPrincipal, err = parsePrincipals(where, m.name, m.val)
		case "Action":
			s.Action, err = parseActions(where, m.name, m.val)
		case "NotAction":
			s.NotAction, err = parseActions(where, m.name, m.val)
		case "Resource":
			s.Resource, err = parseResources(where, m.name, m.val)
		case "NotResource":
			s.NotResource, err = parseResources(where, m.name, m.val)
		case "Condition":
			s.Condition, err = parseCondition(where, m.val, vars)
		default:
			return malformed("%s: unknown member %q%s", where, m.name, suggest(m.name, statementMembers))
		}
		if err != nil {
			return err
		}
	}
	if s.Effect == NotApplicable {
		return malformed("%s: Effect is missing", where)
	}
	if s.Principal != nil && s.NotPrincipal != nil {
		return malformed("%s: a statement cannot have both Principal and NotPrincipal", where)
	}
	if s.Action != nil && s.NotAction != nil {
		return malformed("%s: a statement cannot have both Action and NotAction", where)
	}
	if s.Resource != nil && s.NotResource != nil {
		return malformed("%s: a statement cannot have both Resource and NotResource", where)
	}
	acts := s.Action
	if acts == nil {
		acts = s.NotAction
	}
	s.actions = make([]glob, len(acts))
	for i, a := range acts {
		s.actions[i] = compileGlob(strings.ToLower(a))
	}
	res := s.Resource
	if res == nil {
		res = s.NotResource
	}
	s.resources = make([]template, len(res))
	for i, r := range res {
		t, err := compileTemplate(r, vars)
		if err != nil {
			return malformed("%s: %s %q: %v", where, elementName(s.Resource != nil, "Resource"), r, err)
		}
		s.resources[i] = t
	}
	return nil
}

func elementName(positive bool, name string) string {
	if positive {
		return name
	}
	return "Not" + name
}

// stringList accepts a string or a non-empty list of strings.
func stringList(where, elem string, v any) ([]string, error) {
	switch t := v.(type) {
	case string:
		return []string{t}, nil
	case []any:
		if len(t) == 0 {
			return nil, malformed("%s: %s must not be an empty list", where, elem)
		}
		out := make([]string, len(t))
		for i, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, malformed("%s: %s entries must be strings, not %s", where, elem, describe(e))
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, malformed("%s: %s must be a string or a list of strings, not %s", where, elem, describe(v))
}

func parseActions(where, elem string, v any) ([]string, error) {
	list, err := stringList(where, elem, v)
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		if a == "*" {
			continue
		}
		svc, op, ok := strings.Cut(a, ":")
		if !ok || svc == "" || op == "" || strings.Contains(op, ":") {
			return nil, malformed("%s: %s %q must be service:action (for example kms:Encrypt) or *", where, elem, a)
		}
		if strings.ContainsAny(a, " \t\r\n") {
			return nil, malformed("%s: %s %q must not contain white space", where, elem, a)
		}
	}
	return list, nil
}

func parseResources(where, elem string, v any) ([]string, error) {
	list, err := stringList(where, elem, v)
	if err != nil {
		return nil, err
	}
	for _, r := range list {
		if r != "*" && !arn.IsARN(r) {
			return nil, malformed("%s: %s %q must be \"*\" or an ARN (arn:partition:service:region:account:resource)", where, elem, r)
		}
	}
	return list, nil
}

func parsePrincipals(where, elem string, v any) (*Principals, error) {
	switch t := v.(type) {
	case string:
		if t != "*" {
			return nil, malformed("%s: %s must be \"*\" or an object such as {\"AWS\": ...}, not %q", where, elem, t)
		}
		return &Principals{Wildcard: true, anyAWS: true}, nil
	case object:
		if len(t) == 0 {
			return nil, malformed("%s: %s must name at least one principal", where, elem)
		}
		ps := &Principals{}
		for _, m := range t {
			list, err := stringList(where, elem+" "+m.name, m.val)
			if err != nil {
				return nil, err
			}
			switch m.name {
			case "AWS":
				ps.AWS = list
				for _, id := range list {
					if err := ps.addAWS(id); err != nil {
						return nil, malformed("%s: %s AWS %q %v", where, elem, id, err)
					}
				}
			case "Service":
				ps.Service = list
			case "Federated":
				ps.Federated = list
			case "CanonicalUser":
				ps.CanonicalUser = list
			default:
				return nil, malformed("%s: %s has unknown principal type %q%s; want AWS, Service, Federated or CanonicalUser",
					where, elem, m.name, suggest(m.name, principalTypes))
			}
			for _, s := range list {
				if s == "" || strings.ContainsAny(s, " \t\r\n") {
					return nil, malformed("%s: %s %s %q is not a principal", where, elem, m.name, s)
				}
			}
		}
		return ps, nil
	}
	return nil, malformed("%s: %s must be \"*\" or an object such as {\"AWS\": ...}, not %s", where, elem, describe(v))
}

func (ps *Principals) addAWS(id string) error {
	switch {
	case id == "*":
		ps.anyAWS = true
	case arn.ValidAccountID(id):
		ps.accounts = append(ps.accounts, id)
	case arn.IsARN(id):
		a, err := arn.Parse(id)
		if err != nil {
			return fmt.Errorf("is not a valid ARN")
		}
		if strings.ContainsAny(id, "*?") {
			ps.arnPatterns = append(ps.arnPatterns, id)
		} else if a.Service == "iam" && a.Resource == "root" {
			if !arn.ValidAccountID(a.Account) {
				return fmt.Errorf("names an account root without a 12-digit account id")
			}
			ps.accounts = append(ps.accounts, a.Account)
		} else {
			ps.arns = append(ps.arns, id)
		}
	default:
		return fmt.Errorf(`must be "*", a 12-digit account id or an ARN`)
	}
	return nil
}
