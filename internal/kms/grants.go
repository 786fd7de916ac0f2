package kms

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/coffer-kms/coffer/internal/arn"
	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/store"
)

// Grant limits and enumerations from the API model and quotas.
const maxGrantsPerKey = 50000

var allGrantOperations = []string{"Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
	"ReEncryptFrom", "ReEncryptTo", "Sign", "Verify", "GetPublicKey", "CreateGrant", "RetireGrant", "DescribeKey",
	"GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "GenerateMac", "VerifyMac", "DeriveSharedSecret"}

// symmetricGrantOperations are the grant operations a symmetric encryption
// key supports.
var symmetricGrantOperations = []string{"Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
	"ReEncryptFrom", "ReEncryptTo", "CreateGrant", "RetireGrant", "DescribeKey",
	"GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"}

// grantOperationsFor returns the grant operations a key's type supports
// (AWS KMS Developer Guide, "Grant operations").
func grantOperationsFor(k store.Key) []string {
	common := []string{"CreateGrant", "RetireGrant", "DescribeKey"}
	switch {
	case k.KeySpec == SpecSymmetricDefault:
		return symmetricGrantOperations
	case k.KeyUsage == UsageEncryptDecrypt:
		return append(common, "Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo", "GetPublicKey")
	case k.KeyUsage == UsageSignVerify:
		return append(common, "Sign", "Verify", "GetPublicKey")
	case k.KeyUsage == UsageKeyAgreement:
		return append(common, "DeriveSharedSecret", "GetPublicKey")
	case k.KeyUsage == UsageGenerateVerifyMAC:
		return append(common, "GenerateMac", "VerifyMac")
	}
	return common
}

// CreateGrantInput is the CreateGrant request.
type CreateGrantInput struct {
	KeyId             string
	GranteePrincipal  string
	RetiringPrincipal *string
	Operations        []string
	Constraints       *GrantConstraints
	GrantTokens       []string
	Name              *string
	DryRun            bool
}

// CreateGrantOutput is the CreateGrant response.
type CreateGrantOutput struct {
	GrantToken string
	GrantId    string
}

// GrantListEntry is one grant in ListGrants and ListRetirableGrants.
type GrantListEntry struct {
	KeyId             string
	GrantId           string
	Name              string              `json:",omitempty"`
	CreationDate      *awsproto.Timestamp `json:",omitempty"`
	GranteePrincipal  string
	RetiringPrincipal string `json:",omitempty"`
	IssuingAccount    string
	Operations        []string
	Constraints       *GrantConstraints `json:",omitempty"`
}

// ListGrantsInput is the ListGrants request.
type ListGrantsInput struct {
	Limit            *int32
	Marker           *string
	KeyId            string
	GrantId          *string
	GranteePrincipal *string
}

// ListGrantsOutput is the ListGrants and ListRetirableGrants response.
type ListGrantsOutput struct {
	Grants     []GrantListEntry
	NextMarker string `json:",omitempty"`
	Truncated  bool
}

// ListRetirableGrantsInput is the ListRetirableGrants request.
type ListRetirableGrantsInput struct {
	Limit             *int32
	Marker            *string
	RetiringPrincipal string
}

// RetireGrantInput is the RetireGrant request.
type RetireGrantInput struct {
	GrantToken *string
	KeyId      *string
	GrantId    *string
	DryRun     bool
}

// RevokeGrantInput is the RevokeGrant request.
type RevokeGrantInput struct {
	KeyId   string
	GrantId string
	DryRun  bool
}

const grantTokenPrefix = "coffer-grant-token/v1\x00"

// grantToken makes the token CreateGrant returns. Coffer's grants take
// effect at once, so the token only names the grant (for RetireGrant); it
// carries no authority of its own.
func grantToken(g store.Grant) string {
	return base64.RawURLEncoding.EncodeToString([]byte(grantTokenPrefix + g.Ref.Account + "\x00" + g.Ref.Region + "\x00" + g.Ref.KeyID + "\x00" + g.GrantID))
}

// parseGrantToken returns the grant a token names.
func parseGrantToken(tok string) (store.KeyRef, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), grantTokenPrefix) {
		return store.KeyRef{}, "", kmsErr("InvalidGrantTokenException", "The grant token is not valid.")
	}
	parts := strings.Split(strings.TrimPrefix(string(b), grantTokenPrefix), "\x00")
	if len(parts) != 4 || !arn.ValidAccountID(parts[0]) || !arn.ValidRegion(parts[1]) || !validKeyID(parts[2]) || !validGrantID(parts[3]) {
		return store.KeyRef{}, "", kmsErr("InvalidGrantTokenException", "The grant token is not valid.")
	}
	return store.KeyRef{Account: parts[0], Region: parts[1], KeyID: parts[2]}, parts[3], nil
}

// checkGrantTokens validates the GrantTokens member of a request.
func checkGrantTokens(tokens []string) error {
	for _, t := range tokens {
		if _, _, err := parseGrantToken(t); err != nil {
			return err
		}
	}
	return nil
}

func validGrantID(id string) bool { return len(id) == 64 && isLowerHex(id) }

// validPrincipal checks a grantee or retiring principal: an IAM or STS ARN,
// an account id, or a service principal, within the model's pattern.
func validPrincipal(p string) bool {
	if len(p) < 1 || len(p) > 256 {
		return false
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_+=,.@:/-", r)) {
			return false
		}
	}
	if arn.IsARN(p) {
		a, err := arn.Parse(p)
		return err == nil && (a.Service == "iam" || a.Service == "sts") && arn.ValidAccountID(a.Account)
	}
	return arn.ValidAccountID(p) || strings.HasSuffix(p, ".amazonaws.com")
}

func grantEntry(g store.Grant) GrantListEntry {
	c, _ := ParseGrantConstraints(g.Constraints)
	return GrantListEntry{KeyId: keyARN(g.Ref), GrantId: g.GrantID, Name: g.Name, CreationDate: awsproto.TimePtr(g.CreatedAt),
		GranteePrincipal: g.GranteePrincipal, RetiringPrincipal: g.RetiringPrincipal,
		IssuingAccount: arn.AccountRoot(g.IssuingAccount), Operations: g.Operations, Constraints: c}
}

// CreateGrant gives a principal permission to use a key in the listed
// operations, optionally limited by encryption-context constraints.
func (s *Service) CreateGrant(ctx context.Context, c Caller, in *CreateGrantInput) (*CreateGrantOutput, error) {
	var v validation
	v.keyID("keyId", in.KeyId)
	v.required("granteePrincipal", in.GranteePrincipal != "")
	v.required("operations", in.Operations != nil)
	for i, op := range in.Operations {
		v.enum("operations."+strconv.Itoa(i+1)+".member", op, allGrantOperations...)
	}
	if in.Name != nil {
		v.strLen("name", *in.Name, 1, 256)
	}
	v.grantTokens(in.GrantTokens)
	if err := v.err(); err != nil {
		return nil, err
	}
	if in.GranteePrincipal != "" && !validPrincipal(in.GranteePrincipal) {
		return nil, kmsErr("ValidationException", "GranteePrincipal %q is not a valid principal: give an IAM or STS ARN, an account id or a service principal.", in.GranteePrincipal)
	}
	retiring := ""
	if in.RetiringPrincipal != nil {
		retiring = *in.RetiringPrincipal
		if !validPrincipal(retiring) {
			return nil, kmsErr("ValidationException", "RetiringPrincipal %q is not a valid principal.", retiring)
		}
	}
	if len(in.Operations) == 0 {
		return nil, kmsErr("ValidationException", "A grant must allow at least one operation.")
	}
	if err := checkGrantTokens(in.GrantTokens); err != nil {
		return nil, err
	}
	k, err := s.resolveKey(ctx, c, in.KeyId, false)
	if err != nil {
		return nil, err
	}
	ops := slices.Clone(in.Operations)
	slices.Sort(ops)
	ops = slices.Compact(ops)
	for _, op := range ops {
		if !slices.Contains(grantOperationsFor(k), op) {
			return nil, kmsErr("ValidationException", "Grant operation %s is not valid for %s, a %s key.", op, keyARN(k.Ref), k.KeySpec)
		}
	}
	constraintType := []string{}
	var constraints string
	if in.Constraints != nil {
		if in.Constraints.EncryptionContextEquals != nil {
			constraintType = append(constraintType, "EncryptionContextEquals")
		}
		if in.Constraints.EncryptionContextSubset != nil {
			constraintType = append(constraintType, "EncryptionContextSubset")
		}
		b, _ := json.Marshal(in.Constraints)
		constraints = string(b)
	}
	authzCtx := map[string][]string{
		"kms:GrantOperations":       ops,
		"kms:GranteePrincipal":      {in.GranteePrincipal},
		"kms:GrantIsForAWSResource": {"false"},
		"kms:GrantConstraintType":   constraintType,
	}
	if retiring != "" {
		authzCtx["kms:RetiringPrincipal"] = []string{retiring}
	}
	if err := s.authorizeWith(ctx, c, "kms:CreateGrant", &k, nil, in.GrantTokens, authzCtx); err != nil {
		return nil, err
	}
	switch k.State {
	case StateEnabled:
	case StateDisabled:
		return nil, kmsErr("DisabledException", "%s is disabled.", keyARN(k.Ref))
	default:
		return nil, errState(k)
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	var idb [32]byte
	if _, err := io.ReadFull(s.rand, idb[:]); err != nil {
		return nil, errInternal(err)
	}
	g := store.Grant{Ref: k.Ref, GrantID: hex.EncodeToString(idb[:]), GranteePrincipal: in.GranteePrincipal,
		RetiringPrincipal: retiring, IssuingAccount: c.Account, Operations: ops, Constraints: constraints, CreatedAt: s.now().UTC()}
	if in.Name != nil {
		g.Name = *in.Name
	}
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		existing, err := tx.ListGrants(ctx, k.Ref, store.Page{Limit: maxGrantsPerKey + 1})
		if err != nil {
			return err
		}
		if g.Name != "" {
			// CreateGrant is idempotent by Name: the same request again
			// returns the existing grant.
			for _, e := range existing {
				if e.Name == g.Name && e.GranteePrincipal == g.GranteePrincipal && e.RetiringPrincipal == g.RetiringPrincipal &&
					slices.Equal(e.Operations, g.Operations) && e.Constraints == g.Constraints {
					g = e
					return nil
				}
			}
		}
		if len(existing) >= maxGrantsPerKey {
			return kmsErr("LimitExceededException", "%s already has %d grants, the most a key can have.", keyARN(k.Ref), maxGrantsPerKey)
		}
		return tx.CreateGrant(ctx, g)
	})
	if err != nil {
		return nil, err
	}
	return &CreateGrantOutput{GrantToken: grantToken(g), GrantId: g.GrantID}, nil
}

// ListGrants lists a key's grants, optionally one grant or one grantee's.
func (s *Service) ListGrants(ctx context.Context, c Caller, in *ListGrantsInput) (*ListGrantsOutput, error) {
	var v validation
	v.keyID("keyId", in.KeyId)
	if in.GrantId != nil {
		v.strLen("grantId", *in.GrantId, 1, 128)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	limit, after, err := pageLimit("grants", in.Limit, in.Marker)
	if err != nil {
		return nil, err
	}
	if in.GrantId != nil && !validGrantID(*in.GrantId) {
		return nil, kmsErr("InvalidGrantIdException", "The grant id %q is not valid.", *in.GrantId)
	}
	k, err := s.resolveKey(ctx, c, in.KeyId, false)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "kms:ListGrants", &k, nil, nil); err != nil {
		return nil, err
	}
	grants, err := s.store.ListGrants(ctx, k.Ref, store.Page{After: after})
	if err != nil {
		return nil, mapStoreErr(err)
	}
	out := &ListGrantsOutput{Grants: []GrantListEntry{}}
	for _, g := range grants {
		if in.GrantId != nil && g.GrantID != *in.GrantId || in.GranteePrincipal != nil && g.GranteePrincipal != *in.GranteePrincipal {
			continue
		}
		if len(out.Grants) == limit {
			out.Truncated = true
			out.NextMarker = encodeMarker("grants", out.Grants[len(out.Grants)-1].GrantId)
			break
		}
		out.Grants = append(out.Grants, grantEntry(g))
	}
	return out, nil
}

// ListRetirableGrants lists the grants in this region whose retiring
// principal is the given one.
func (s *Service) ListRetirableGrants(ctx context.Context, c Caller, in *ListRetirableGrantsInput) (*ListGrantsOutput, error) {
	var v validation
	v.required("retiringPrincipal", in.RetiringPrincipal != "")
	if err := v.err(); err != nil {
		return nil, err
	}
	if !validPrincipal(in.RetiringPrincipal) {
		return nil, kmsErr("InvalidArnException", "RetiringPrincipal %q is not a valid principal.", in.RetiringPrincipal)
	}
	if a, err := arn.Parse(in.RetiringPrincipal); err != nil || a.Account != c.Account {
		// AWS: "You must specify a principal in your AWS account."
		return nil, kmsErr("AccessDeniedException", "User: %s is not authorized to list the retirable grants of %s: the principal must be in your AWS account (%s).",
			c.PrincipalARN, in.RetiringPrincipal, c.Account)
	}
	limit, after, err := pageLimit("retirable", in.Limit, in.Marker)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "kms:ListRetirableGrants", nil, nil, nil); err != nil {
		return nil, err
	}
	grants, err := s.store.ListRetirableGrants(ctx, c.Region, in.RetiringPrincipal, store.Page{After: after, Limit: limit + 1})
	if err != nil {
		return nil, mapStoreErr(err)
	}
	out := &ListGrantsOutput{Grants: []GrantListEntry{}}
	for i, g := range grants {
		if i == limit {
			out.Truncated = true
			out.NextMarker = encodeMarker("retirable", grants[i-1].GrantID)
			break
		}
		out.Grants = append(out.Grants, grantEntry(g))
	}
	return out, nil
}

// RetireGrant deletes a grant; allowed to its retiring principal, to its
// grantee when the grant lists RetireGrant, to the account that created
// it, or to whoever a policy allows kms:RetireGrant.
func (s *Service) RetireGrant(ctx context.Context, c Caller, in *RetireGrantInput) (*Empty, error) {
	var ref store.KeyRef
	var grantID string
	switch {
	case in.GrantToken != nil:
		var err error
		if ref, grantID, err = parseGrantToken(*in.GrantToken); err != nil {
			return nil, err
		}
	case in.KeyId != nil && in.GrantId != nil:
		k, err := s.resolveKey(ctx, c, *in.KeyId, false)
		if err != nil {
			return nil, err
		}
		if !validGrantID(*in.GrantId) {
			return nil, kmsErr("InvalidGrantIdException", "The grant id %q is not valid.", *in.GrantId)
		}
		ref, grantID = k.Ref, *in.GrantId
	default:
		return nil, kmsErr("ValidationException", "Specify either GrantToken, or both KeyId and GrantId.")
	}
	if ref.Region != c.Region {
		return nil, kmsErr("NotFoundException", "Grant %s does not exist.", grantID)
	}
	g, err := s.store.GetGrant(ctx, ref, grantID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, kmsErr("NotFoundException", "Grant %s does not exist.", grantID)
	}
	if err != nil {
		return nil, mapStoreErr(err)
	}
	mayRetire := principalIs(c, g.RetiringPrincipal) ||
		principalIs(c, g.GranteePrincipal) && slices.Contains(g.Operations, "RetireGrant") ||
		c.PrincipalARN == arn.AccountRoot(g.IssuingAccount)
	if !mayRetire {
		k, err := s.loadKey(ctx, ref)
		if err != nil {
			return nil, err
		}
		// A policy may allow kms:RetireGrant; another grant may not: a
		// grant's RetireGrant operation covers that grant only.
		r := AuthzRequest{Caller: c, Action: "kms:RetireGrant", Resource: keyARN(k.Ref), Key: &k, NoGrants: true}
		if err := s.authz.Authorize(ctx, &r); err != nil {
			return nil, err
		}
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	return s.deleteGrant(ctx, ref, grantID)
}

// RevokeGrant deletes a grant; it needs kms:RevokeGrant permission on the key.
func (s *Service) RevokeGrant(ctx context.Context, c Caller, in *RevokeGrantInput) (*Empty, error) {
	var v validation
	v.keyID("keyId", in.KeyId)
	v.required("grantId", in.GrantId != "")
	if err := v.err(); err != nil {
		return nil, err
	}
	if !validGrantID(in.GrantId) {
		return nil, kmsErr("InvalidGrantIdException", "The grant id %q is not valid.", in.GrantId)
	}
	k, err := s.resolveKey(ctx, c, in.KeyId, false)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "kms:RevokeGrant", &k, nil, nil); err != nil {
		return nil, err
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	return s.deleteGrant(ctx, k.Ref, in.GrantId)
}

func (s *Service) deleteGrant(ctx context.Context, ref store.KeyRef, grantID string) (*Empty, error) {
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		err := tx.DeleteGrant(ctx, ref, grantID)
		if errors.Is(err, store.ErrNotFound) {
			return kmsErr("NotFoundException", "Grant %s does not exist.", grantID)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// principalIs reports whether a grant's principal names the caller: its
// ARN, or for an assumed-role session the role.
func principalIs(c Caller, p string) bool {
	if p == "" {
		return false
	}
	return p == c.PrincipalARN || c.RoleARN != "" && p == c.RoleARN
}
