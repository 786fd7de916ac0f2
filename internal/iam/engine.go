package iam

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/coffer-kms/coffer/internal/policy"
)

// This file is the seam between the IAM service and the policy language:
// everything the service asks of policies goes through Engine — validating
// documents (PutUserPolicy, CreatePolicy, CreateRole,
// UpdateAssumeRolePolicy, ...) and deciding requests (IAM and STS actions
// of IAM users and assumed roles, and AssumeRole's trust policy). The
// default Engine is PolicyEngine, backed by internal/policy.

// Decision is the outcome of evaluating policies for a request.
type Decision int

// The decisions. NotApplicable (no statement matched) is an implicit deny.
const (
	NotApplicable Decision = iota
	Allow
	Deny
)

// DocKind says what a policy document is for.
type DocKind int

// The kinds of policy documents.
const (
	// IdentityPolicy: an inline or managed policy of a user, group or role
	// (no Principal element).
	IdentityPolicy DocKind = iota
	// TrustPolicy: a role's AssumeRolePolicyDocument, a resource policy
	// (Principal required, no Resource).
	TrustPolicy
)

// EvalRequest is one authorization question.
type EvalRequest struct {
	// Principal is the caller.
	Principal Principal
	// Action is the action, such as "iam:CreateUser" or "sts:AssumeRole".
	Action string
	// Resource is the ARN acted on ("*" for actions without a resource).
	Resource string
	// Context holds condition keys and their values (aws:username,
	// aws:PrincipalType, sts:RoleSessionName, ...); names are case-insensitive.
	Context map[string][]string
}

// EvalResult is the outcome of evaluating a set of documents.
type EvalResult struct {
	Decision Decision
	// Direct is set when the decision is Allow and a trust policy named
	// the caller itself (its ARN, its role, or "*"), not merely its
	// account: within an account that grants AssumeRole without an
	// identity policy.
	Direct bool
}

// Engine validates and evaluates policy documents.
type Engine interface {
	// Validate returns nil if doc is a valid policy of kind, else an error
	// whose message says why (it becomes MalformedPolicyDocument's message).
	Validate(doc string, kind DocKind) error
	// Evaluate decides r against the given documents of kind together (an
	// explicit Deny in any wins over every Allow). For trust policies the
	// Principal element is matched against r.Principal and the resource is
	// implicitly the role. A document that does not parse counts as
	// NotApplicable.
	Evaluate(docs []string, kind DocKind, r *EvalRequest) EvalResult
}

func defaultEngine() Engine { return NewPolicyEngine() }

// PolicyEngine is the Engine backed by internal/policy. It caches parsed
// documents (by their SHA-256) and is safe for concurrent use.
type PolicyEngine struct {
	mu    sync.Mutex
	cache map[cacheKey]*policy.Policy
}

type cacheKey struct {
	sum  [sha256.Size]byte
	kind DocKind
}

var _ Engine = (*PolicyEngine)(nil)

// NewPolicyEngine returns a PolicyEngine.
func NewPolicyEngine() *PolicyEngine {
	return &PolicyEngine{cache: make(map[cacheKey]*policy.Policy)}
}

const maxCachedPolicies = 4096

// parse parses doc for kind: a trust policy is parsed with "Resource": "*"
// added to its statements, since its resource is implicitly the role and
// internal/policy lets a statement without Resource match nothing.
func (e *PolicyEngine) parse(doc string, kind DocKind) (*policy.Policy, error) {
	key := cacheKey{sha256.Sum256([]byte(doc)), kind}
	e.mu.Lock()
	p, ok := e.cache[key]
	e.mu.Unlock()
	if ok {
		return p, nil
	}
	text := doc
	if kind == TrustPolicy {
		text = withImplicitResource(doc)
	}
	p, err := policy.Parse(text)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	if len(e.cache) >= maxCachedPolicies {
		for k := range e.cache { // evict an arbitrary entry
			delete(e.cache, k)
			break
		}
	}
	e.cache[key] = p
	e.mu.Unlock()
	return p, nil
}

// withImplicitResource returns doc with "Resource": "*" in every statement
// that has neither Resource nor NotResource; doc itself if it is not a
// policy-shaped JSON object (Parse then reports it).
func withImplicitResource(doc string) string {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var top map[string]any
	if dec.Decode(&top) != nil || dec.More() {
		return doc
	}
	add := func(v any) {
		if st, ok := v.(map[string]any); ok {
			_, r := st["Resource"]
			_, nr := st["NotResource"]
			if !r && !nr {
				st["Resource"] = "*"
			}
		}
	}
	switch stmts := top["Statement"].(type) {
	case []any:
		for _, st := range stmts {
			add(st)
		}
	default:
		add(stmts)
	}
	b, err := json.Marshal(top)
	if err != nil {
		return doc
	}
	return string(b)
}

// Validate parses doc and checks what IAM demands of its kind: every
// statement has an action; identity policies name no Principal and every
// statement has a resource; trust policies name a Principal and no Resource.
func (e *PolicyEngine) Validate(doc string, kind DocKind) error {
	p, err := policy.Parse(doc) // as written: the checks below look at Resource
	if err != nil {
		var me *policy.MalformedError
		if errors.As(err, &me) {
			return errors.New(me.Reason)
		}
		return err
	}
	for i := range p.Statements {
		st := &p.Statements[i]
		where := "Statement " + strconv.Itoa(i+1)
		if st.Sid != "" {
			where += " (Sid " + strconv.Quote(st.Sid) + ")"
		}
		if st.Action == nil && st.NotAction == nil {
			return errors.New(where + ": Policy statement must contain actions.")
		}
		hasResource := st.Resource != nil || st.NotResource != nil
		hasPrincipal := st.Principal != nil || st.NotPrincipal != nil
		switch kind {
		case IdentityPolicy:
			if hasPrincipal {
				return errors.New(where + ": Policy document should not specify a principal.")
			}
			if !hasResource {
				return errors.New(where + ": Policy statement must contain resources.")
			}
		case TrustPolicy:
			if !hasPrincipal {
				return errors.New(where + ": Missing required field Principal")
			}
			if hasResource {
				return errors.New(where + ": Has prohibited field Resource")
			}
		}
	}
	return nil
}

// Evaluate implements Engine.
func (e *PolicyEngine) Evaluate(docs []string, kind DocKind, r *EvalRequest) EvalResult {
	req := policy.Request{
		Principal: policy.Principal{ARN: r.Principal.ARN, Account: r.Principal.Account, IdentityARN: r.Principal.RoleARN()},
		Action:    r.Action,
		Resource:  r.Resource,
		Context:   policy.Context{},
	}
	for k, v := range r.Context {
		req.Context.Set(k, v...)
	}
	var out EvalResult
	for _, doc := range docs {
		p, err := e.parse(doc, kind)
		if err != nil {
			continue
		}
		res := p.Evaluate(&req)
		switch res.Decision {
		case policy.Deny:
			return EvalResult{Decision: Deny}
		case policy.Allow:
			out.Decision = Allow
			if res.Via == policy.PrincipalDirect {
				out.Direct = true
			}
		}
	}
	return out
}

// policySize is the size AWS counts against policy limits: the document
// without white space.
func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// validatePolicyDocument checks a document's characters, size and shape.
func (s *Service) validatePolicyDocument(doc, member string, kind DocKind, limit int, limitWhat string) error {
	if err := required(doc, member); err != nil {
		return err
	}
	if len(doc) > 131072 {
		return constraintErr("...", member, "Member must have length less than or equal to 131072")
	}
	if strings.IndexFunc(doc, func(r rune) bool { return !(r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xFF)) }) >= 0 {
		return errValidation("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+", member)
	}
	if limit > 0 && policySize(doc) > limit {
		return iamErr("LimitExceeded", "Maximum policy size of %d bytes exceeded for %s", limit, limitWhat)
	}
	if err := s.engine.Validate(doc, kind); err != nil {
		return iamErr("MalformedPolicyDocument", "%s", err.Error())
	}
	return nil
}
