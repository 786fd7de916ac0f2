package authz

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/coffer-kms/coffer/internal/arn"
	"github.com/coffer-kms/coffer/internal/kms"
	"github.com/coffer-kms/coffer/internal/policy"
)

// CallerFromARN describes the principal an ARN names, as if it signed a
// request in region: an account root (arn:aws:iam::ACCT:root), an IAM user
// (arn:aws:iam::ACCT:user/NAME) or an assumed-role session
// (arn:aws:sts::ACCT:assumed-role/ROLE/SESSION).
func CallerFromARN(principalARN, region string) (kms.Caller, error) {
	a, err := arn.Parse(principalARN)
	if err != nil || !arn.ValidAccountID(a.Account) {
		return kms.Caller{}, fmt.Errorf("principal %q is not an IAM or STS ARN", principalARN)
	}
	c := kms.Caller{Account: a.Account, Region: region, PrincipalARN: principalARN}
	switch {
	case a.Service == "iam" && a.Resource == "root":
		c.PrincipalType, c.UserID = "Account", a.Account
	case a.Service == "iam" && strings.HasPrefix(a.Resource, "user/"):
		c.PrincipalType = "User"
		c.UserName = a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]
	case a.Service == "sts" && strings.HasPrefix(a.Resource, "assumed-role/"):
		parts := strings.Split(a.Resource, "/")
		if len(parts) != 3 {
			return kms.Caller{}, fmt.Errorf("assumed-role ARN %q must be assumed-role/ROLE/SESSION", principalARN)
		}
		c.PrincipalType = "AssumedRole"
		c.RoleARN = "arn:aws:iam::" + a.Account + ":role/" + parts[1]
	default:
		return kms.Caller{}, fmt.Errorf("principal %q: want an account root, an IAM user or an assumed-role session", principalARN)
	}
	return c, nil
}

// WriteExplanation prints a Decision for a person: the verdict, and the
// statements of each policy (and the grant) that decided it.
func WriteExplanation(w io.Writer, r *kms.AuthzRequest, d Decision) {
	verdict := "ALLOWED"
	if !d.Allowed {
		verdict = "DENIED"
	}
	fmt.Fprintf(w, "%s  %s  %s  on %s\n", verdict, r.Caller.PrincipalARN, r.Action, r.Resource)
	if !d.Allowed {
		fmt.Fprintf(w, "  reason: because %s\n", d.Reason)
	}
	if r.Key != nil {
		fmt.Fprintf(w, "  key policy: %s", d.KeyPolicy)
		if d.KeyPolicy == policy.Allow {
			fmt.Fprintf(w, " (principal matched: %s)", d.KeyPolicyVia)
		}
		fmt.Fprintln(w)
		for _, m := range d.KeyPolicyMatches {
			fmt.Fprintf(w, "    statement %s\n", m)
		}
	}
	fmt.Fprintf(w, "  identity policies: %s\n", d.Identity)
	for _, m := range d.IdentityMatches {
		fmt.Fprintf(w, "    %s\n", m)
	}
	if d.GrantID != "" {
		fmt.Fprintf(w, "  allowed by grant %s\n", d.GrantID)
	}
}

// Explain judges r like Authorize and writes the explanation to w. It is
// `coffer policy explain`.
func (a *Authorizer) Explain(ctx context.Context, w io.Writer, r *kms.AuthzRequest) (Decision, error) {
	d, err := a.Decide(ctx, r)
	if err != nil {
		return d, err
	}
	WriteExplanation(w, r, d)
	return d, nil
}
