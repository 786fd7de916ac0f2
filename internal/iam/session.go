package iam

import (
	"context"
	"strings"

	"github.com/coffer-kms/coffer/internal/store"
)

// GetSessionToken's duration bounds, in seconds (STS API reference).
const (
	defaultUserSession = 43200 // 12 hours
	maxUserSession     = 129600
	maxRootSession     = 3600
)

// GetSessionTokenInput is STS GetSessionToken's input.
type GetSessionTokenInput struct {
	DurationSeconds *int32
	SerialNumber    string
	TokenCode       string
}

// GetSessionTokenOutput is GetSessionToken's result.
type GetSessionTokenOutput struct {
	Credentials CredentialsShape
}

// GetSessionToken returns temporary credentials (ASIA..., with a session
// token) for the calling IAM user or account root, with the caller's own
// permissions. As in AWS: it cannot be called with temporary credentials;
// a root session lasts at most an hour; and credentials it returns cannot
// call IAM operations, nor STS ones other than AssumeRole and
// GetCallerIdentity, without MFA — which Coffer does not support, so they
// never can.
func (s *Service) GetSessionToken(ctx context.Context, c Caller, in *GetSessionTokenInput) (*GetSessionTokenOutput, error) {
	duration := defaultUserSession
	if in.DurationSeconds != nil {
		if *in.DurationSeconds < minSessionDuration || *in.DurationSeconds > maxUserSession {
			return nil, constraintErr(itoa(int(*in.DurationSeconds)), "durationSeconds", "Member must have value between 900 and 129600")
		}
		duration = int(*in.DurationSeconds)
	}
	if in.SerialNumber != "" || in.TokenCode != "" {
		return nil, errValidation("MFA is not supported by this server.")
	}
	if strings.HasPrefix(c.AccessKeyID, prefixTempKey) {
		return nil, iamErr("AccessDenied", "Cannot call GetSessionToken with session credentials")
	}
	if c.IsRoot() {
		duration = min(duration, maxRootSession)
	}
	creds, err := s.issueTemporaryKey(ctx, store.AccessKey{Account: c.Account, PrincipalARN: c.ARN, UserID: c.UserID, UserName: c.UserName}, duration)
	if err != nil {
		return nil, err
	}
	return &GetSessionTokenOutput{Credentials: creds}, nil
}

// userSession reports whether c signs with credentials from
// GetSessionToken (temporary, not a role session).
func (c Caller) userSession() bool {
	return c.Type != TypeAssumedRole && strings.HasPrefix(c.AccessKeyID, prefixTempKey)
}
