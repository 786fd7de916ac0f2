// Package policy owns the IAM policy language: it parses and validates
// policy documents (identity policies, KMS key policies, bucket policies) and
// evaluates one policy against a request.
//
// It is pure: no I/O, no clock, no globals. A *Policy is immutable after
// Parse and safe for concurrent use by many goroutines.
//
// Evaluate judges one policy. Combining several policies (key policy, IAM
// policies, grants) is the caller's business: any Deny wins, then Allow, and
// NotApplicable everywhere means an implicit deny. See docs/policy.md.
package policy

import (
	"errors"
	"fmt"
	"strings"
)

// Policy language versions accepted by Parse.
const (
	// Version2012 is the current policy language. Policy variables are
	// substituted only in documents of this version.
	Version2012 = "2012-10-17"
	// Version2008 is the original policy language, assumed when a document
	// has no Version. Policy variables are plain text in it.
	Version2008 = "2008-10-17"
)

// ErrMalformed matches (with errors.Is) every error Parse returns.
var ErrMalformed = errors.New("policy: malformed policy document")

// MalformedError is the error Parse returns. Reason says, for a person, what
// is wrong and where ("Statement 2 (Sid \"x\"): Effect must be Allow or
// Deny, not \"allow\"").
type MalformedError struct {
	Reason string
}

// Error implements error.
func (e *MalformedError) Error() string { return "malformed policy: " + e.Reason }

// Is reports whether target is ErrMalformed.
func (e *MalformedError) Is(target error) bool { return target == ErrMalformed }

func malformed(format string, args ...any) error {
	return &MalformedError{Reason: fmt.Sprintf(format, args...)}
}

// Decision is the outcome of evaluating a policy; it is also the type of a
// statement's Effect (Allow or Deny only).
type Decision uint8

// Decisions. The zero value is NotApplicable.
const (
	// NotApplicable: no statement matched the request (an implicit deny
	// unless another policy allows it).
	NotApplicable Decision = iota
	// Allow: an Allow statement matched and no Deny statement did.
	Allow
	// Deny: a Deny statement matched (an explicit deny, which wins over
	// every Allow in every policy).
	Deny
)

// String returns "NotApplicable", "Allow" or "Deny".
func (d Decision) String() string {
	switch d {
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	case NotApplicable:
		return "NotApplicable"
	}
	return fmt.Sprintf("Decision(%d)", uint8(d))
}

// PrincipalMatch says how a statement's Principal element matched the caller.
type PrincipalMatch uint8

// Principal matches.
const (
	// PrincipalNone: the deciding statement had no Principal element
	// (an identity policy), or the decision was not Allow.
	PrincipalNone PrincipalMatch = iota
	// PrincipalDirect: the statement named the caller itself, its role
	// (for an assumed-role session), "*", a wildcard ARN matching it, the
	// account when the caller is that account's root, or the caller's
	// service; or it used NotPrincipal and did not exclude the caller.
	PrincipalDirect
	// PrincipalAccount: the statement named the caller's account
	// ("111122223333" or "arn:aws:iam::111122223333:root") and the caller is
	// not the account root. In AWS that delegates to the account's IAM
	// policies rather than granting the caller directly.
	PrincipalAccount
)

// String returns "None", "Direct" or "Account".
func (m PrincipalMatch) String() string {
	switch m {
	case PrincipalDirect:
		return "Direct"
	case PrincipalAccount:
		return "Account"
	case PrincipalNone:
		return "None"
	}
	return fmt.Sprintf("PrincipalMatch(%d)", uint8(m))
}

// Policy is a parsed policy document. Its exported fields hold the document
// as written (after validation); unexported fields hold the precompiled form
// that Evaluate uses. Do not modify a Policy after Parse.
type Policy struct {
	// Version is the Version member as written: Version2012, Version2008,
	// or "" when absent (treated as Version2008).
	Version string
	// ID is the Id member, "" when absent.
	ID string
	// Statements in document order.
	Statements []Statement

	vars bool // policy variables are substituted (Version2012)
}

// Statement is one parsed policy statement. Absent list elements are nil;
// Parse never produces an empty non-nil list.
type Statement struct {
	// Sid is the statement id, "" when absent.
	Sid string
	// Effect is Allow or Deny.
	Effect Decision
	// Principal and NotPrincipal; at most one is non-nil. Both nil means
	// the statement applies to any principal (identity policies).
	Principal    *Principals
	NotPrincipal *Principals
	// Action and NotAction as written; at most one is non-nil. A statement
	// with neither never matches.
	Action    []string
	NotAction []string
	// Resource and NotResource as written; at most one is non-nil. A
	// statement with neither never matches.
	Resource    []string
	NotResource []string
	// Condition lists the condition block's entries in document order,
	// one per operator and key.
	Condition []Condition

	label     string     // Sid, or "#n"
	actions   []glob     // Action or NotAction, lowercased
	resources []template // Resource or NotResource, compiled
}

// Label is how Result.Matched names the statement: its Sid, or "#n" for the
// n-th statement (1-based, as in Parse's error reasons) when it has no Sid.
func (s *Statement) Label() string { return s.label }

// Principals is the parsed Principal or NotPrincipal element.
type Principals struct {
	// Wildcard is true for the bare string form "Principal": "*".
	Wildcard bool
	// The lists of the object form, as written. AWS entries are "*", a
	// 12-digit account id or an ARN; Service entries name an AWS service
	// principal ("s3.amazonaws.com").
	AWS           []string
	Service       []string
	Federated     []string
	CanonicalUser []string

	anyAWS      bool     // AWS contains "*"
	accounts    []string // account ids, from ids and root ARNs
	arns        []string // exact ARNs other than account roots
	arnPatterns []string // ARNs with * or ?
}

// Principal is the caller of a request.
type Principal struct {
	// ARN is the caller: arn:aws:iam::111122223333:user/alice,
	// arn:aws:iam::111122223333:root,
	// arn:aws:sts::111122223333:assumed-role/R/sess. Empty for an anonymous
	// caller or a service principal.
	ARN string
	// Account is the caller's 12-digit account id.
	Account string
	// IdentityARN is the ARN a resource policy names to mean this caller:
	// for an assumed-role session the role ARN arn:aws:iam::acct:role/R (the
	// session ARN matches too); otherwise ARN. Empty means ARN.
	IdentityARN string
	// Service is set for calls by an AWS service principal (for example
	// "s3.amazonaws.com"), else "".
	Service string
}

// Request is what Evaluate judges.
type Request struct {
	Principal Principal
	// Action is "service:Operation", for example "kms:Encrypt". Matched
	// case-insensitively.
	Action string
	// Resource is an ARN, or "*" for actions without a resource. Matched
	// case-sensitively.
	Resource string
	// Context holds the condition keys of the request. See Context.
	Context Context
}

// Context holds condition keys and their values. Names are
// case-insensitive, as in AWS: the map is keyed by the lowercased name, so
// fill it with Set or Add (or lowercase the names yourself). Values keep
// their case. A key with several values is multi-valued; a key that is
// missing, or present with no values, is absent.
//
// All keys, including kms:EncryptionContext:<context-key>, are lowercased
// whole: the AWS KMS Developer Guide (conditions-kms, "Case sensitivity of
// the encryption context condition") says the condition key, prefix and
// context-key alike, is not case sensitive.
//
// Evaluate derives nothing from the Principal: callers put aws:username,
// aws:userid, aws:PrincipalArn, kms:CallerAccount, aws:CurrentTime and so on
// into the Context themselves.
type Context map[string][]string

// Set replaces the values of key.
func (c Context) Set(key string, values ...string) { c[strings.ToLower(key)] = values }

// Add appends values to key.
func (c Context) Add(key string, values ...string) {
	k := strings.ToLower(key)
	c[k] = append(c[k], values...)
}

// Get returns the values of key and whether it is present (has at least
// one value).
func (c Context) Get(key string) ([]string, bool) {
	v := c[strings.ToLower(key)]
	return v, len(v) > 0
}

// Result is the outcome of Evaluate.
type Result struct {
	// Decision is Deny if any Deny statement matched, else Allow if any
	// Allow statement matched, else NotApplicable.
	Decision Decision
	// Via tells, when Decision is Allow, how the best matching Allow
	// statement's Principal matched the caller: PrincipalDirect wins over
	// PrincipalAccount. PrincipalNone when the statements had no Principal
	// or the Decision is not Allow.
	Via PrincipalMatch
	// Matched lists the labels (Statement.Label) of every statement that
	// matched, Allow and Deny alike, in document order; for explaining a
	// decision.
	Matched []string
}
