package iam

import "context"

// GetCallerIdentityInput is STS GetCallerIdentity's input (none).
type GetCallerIdentityInput struct{}

// GetCallerIdentityOutput is STS GetCallerIdentity's result.
type GetCallerIdentityOutput struct {
	UserId  string
	Account string
	Arn     string
}

// GetCallerIdentity returns the caller's identity. Like AWS it needs no
// permission: an explicit Deny cannot stop it either.
func (s *Service) GetCallerIdentity(_ context.Context, c Caller, _ *GetCallerIdentityInput) (*GetCallerIdentityOutput, error) {
	return &GetCallerIdentityOutput{UserId: c.UserID, Account: c.Account, Arn: c.ARN}, nil
}
