package iam

import (
	"context"
	"time"

	"github.com/coffer-kms/coffer/internal/store"
)

// AssumeRoleInput is STS AssumeRole's input.
type AssumeRoleInput struct {
	RoleArn         string
	RoleSessionName string
	DurationSeconds *int32
	ExternalId      string
	Policy          string
	PolicyArns      []struct{ Arn string }
	Tags            []Tag
	SerialNumber    string
	TokenCode       string
	SourceIdentity  string
}

// CredentialsShape is STS's Credentials. It holds the secret and the
// session token, returned this once.
type CredentialsShape struct {
	AccessKeyId     string
	SecretAccessKey string
	SessionToken    string
	Expiration      QueryTime
}

// AssumedRoleUser is STS's AssumedRoleUser.
type AssumedRoleUser struct {
	AssumedRoleId string
	Arn           string
}

// AssumeRoleOutput is AssumeRole's result.
type AssumeRoleOutput struct {
	Credentials     CredentialsShape
	AssumedRoleUser AssumedRoleUser
}

const (
	minSessionDuration = 900
	// chainedSessionLimit bounds sessions of a role assumed by a role.
	chainedSessionLimit = 3600
)

// AssumeRole returns temporary credentials (ASIA..., with a session token)
// for a role whose trust policy allows the caller. Within the role's
// account a trust policy that names the caller itself suffices; one that
// names the account (or a caller of another account) also needs an
// identity policy of the caller allowing sts:AssumeRole on the role. An
// explicit Deny in either wins. The root user may not assume roles, as in AWS.
func (s *Service) AssumeRole(ctx context.Context, c Caller, in *AssumeRoleInput) (*AssumeRoleOutput, error) {
	if err := required(in.RoleArn, "roleArn"); err != nil {
		return nil, err
	}
	if len(in.RoleArn) < 20 || len(in.RoleArn) > 2048 {
		return nil, constraintErr(in.RoleArn, "roleArn", "Member must have length between 20 and 2048")
	}
	if err := required(in.RoleSessionName, "roleSessionName"); err != nil {
		return nil, err
	}
	if err := checkName(in.RoleSessionName, "roleSessionName", 64); err != nil {
		return nil, err
	}
	if len(in.RoleSessionName) < 2 {
		return nil, constraintErr(in.RoleSessionName, "roleSessionName", "Member must have length greater than or equal to 2")
	}
	duration := defaultMaxSession
	if in.DurationSeconds != nil {
		if *in.DurationSeconds < minSessionDuration || *in.DurationSeconds > maxMaxSession {
			return nil, constraintErr(itoa(int(*in.DurationSeconds)), "durationSeconds", "Member must have value between 900 and 43200")
		}
		duration = int(*in.DurationSeconds)
	}
	if in.Policy != "" || len(in.PolicyArns) > 0 || len(in.Tags) > 0 || in.SerialNumber != "" || in.TokenCode != "" || in.SourceIdentity != "" {
		return nil, errValidation("Session policies, session tags, source identity and MFA are not supported by this server.")
	}
	if c.IsRoot() {
		return nil, iamErr("AccessDenied", "Roles may not be assumed by root accounts.")
	}
	denied := iamErr("AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.ARN, in.RoleArn)
	acct, path, name, ok := parseEntityARN(in.RoleArn, "role")
	if !ok {
		return nil, errValidation("%s is invalid", in.RoleArn)
	}
	role, err := s.store.GetRole(ctx, acct, name)
	if isNotFound(err) || (err == nil && role.Path != path) {
		return nil, denied
	}
	if err != nil {
		return nil, mapStoreErr(err)
	}

	req := &EvalRequest{Principal: c.Principal, Action: "sts:AssumeRole", Resource: in.RoleArn, Context: s.requestContext(c)}
	req.Context["sts:RoleSessionName"] = []string{in.RoleSessionName}
	if in.ExternalId != "" {
		req.Context["sts:ExternalId"] = []string{in.ExternalId}
	}
	trust := s.engine.Evaluate([]string{role.AssumeRolePolicy}, TrustPolicy, req)
	docs, err := s.IdentityPolicies(ctx, c.Principal)
	if err != nil {
		return nil, err
	}
	identity := s.engine.Evaluate(docs, IdentityPolicy, req)
	allowed := trust.Decision == Allow && identity.Decision != Deny &&
		(identity.Decision == Allow || (trust.Direct && acct == c.Account))
	if !allowed {
		return nil, denied
	}

	if duration > role.MaxSessionDuration {
		return nil, errValidation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	if c.Type == TypeAssumedRole && duration > chainedSessionLimit {
		return nil, errValidation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}

	sessionARN := assumedRoleARN(acct, role.Name, in.RoleSessionName)
	userID := role.RoleID + ":" + in.RoleSessionName
	creds, err := s.issueTemporaryKey(ctx, store.AccessKey{Account: acct, PrincipalARN: sessionARN, UserID: userID, RoleName: role.Name}, duration)
	if err != nil {
		return nil, err
	}
	return &AssumeRoleOutput{
		Credentials:     creds,
		AssumedRoleUser: AssumedRoleUser{AssumedRoleId: userID, Arn: sessionARN},
	}, nil
}

// issueTemporaryKey creates temporary credentials (ASIA..., with a session
// token) for the principal k describes, valid for duration seconds: the
// secret and the token are stored only wrapped by the root of trust and
// returned this once. Expired temporary keys are swept in the same
// transaction.
func (s *Service) issueTemporaryKey(ctx context.Context, k store.AccessKey, duration int) (CredentialsShape, error) {
	id, secret, err := newKeyPair(s.rand, prefixTempKey)
	if err != nil {
		return CredentialsShape{}, errInternal(err)
	}
	token, err := newSessionToken(s.rand)
	if err != nil {
		return CredentialsShape{}, errInternal(err)
	}
	if k.WrappedSecret, err = s.root.Wrap(ctx, []byte(secret), secretAAD(id)); err != nil {
		return CredentialsShape{}, errInternal(err)
	}
	if k.WrappedSessionToken, err = s.root.Wrap(ctx, []byte(token), sessionTokenAAD(id)); err != nil {
		return CredentialsShape{}, errInternal(err)
	}
	now := s.nowUTC()
	k.AccessKeyID, k.Status, k.CreatedAt = id, "Active", now
	k.Expiration = now.Add(time.Duration(duration) * time.Second)
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.DeleteExpiredAccessKeys(ctx, s.now()); err != nil {
			return err
		}
		if _, err := tx.GetAccessKey(ctx, id); err == nil {
			return errInternal(errCollision)
		}
		return tx.PutAccessKey(ctx, k)
	})
	if err != nil {
		return CredentialsShape{}, err
	}
	return CredentialsShape{AccessKeyId: id, SecretAccessKey: secret, SessionToken: token, Expiration: QueryTime(k.Expiration)}, nil
}
