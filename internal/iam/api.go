package iam

import (
	"context"

	"github.com/coffer-kms/coffer/internal/awsproto"
)

// The XML namespaces and API versions of the two Query services.
const (
	IAMVersion = "2010-05-08"
	IAMXMLNS   = "https://iam.amazonaws.com/doc/2010-05-08/"
	STSVersion = "2011-06-15"
	STSXMLNS   = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// Operation is one IAM or STS API operation: it decodes its Query
// parameters, runs, and returns the result shape (encoded as the
// <ActionResult> element), or nil for operations without output.
type Operation func(ctx context.Context, c Caller, q awsproto.Query) (any, error)

// bind turns a typed operation method into an Operation.
func bind[I, O any](f func(context.Context, Caller, *I) (*O, error)) Operation {
	return func(ctx context.Context, c Caller, q awsproto.Query) (any, error) {
		in := new(I)
		if err := awsproto.DecodeQuery(q, in); err != nil {
			return nil, err
		}
		out, err := f(ctx, c, in)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

// bind0 turns an operation without output into an Operation.
func bind0[I any](f func(context.Context, Caller, *I) error) Operation {
	return func(ctx context.Context, c Caller, q awsproto.Query) (any, error) {
		in := new(I)
		if err := awsproto.DecodeQuery(q, in); err != nil {
			return nil, err
		}
		return nil, f(ctx, c, in)
	}
}

// Operations returns the IAM operations, by Action name.
func (s *Service) Operations() map[string]Operation {
	ops := map[string]Operation{}
	s.addIAMOperations(ops)
	return ops
}

// STSOperations returns the STS operations, by Action name.
func (s *Service) STSOperations() map[string]Operation {
	ops := map[string]Operation{
		"GetCallerIdentity": bind(s.GetCallerIdentity),
	}
	s.addSTSOperations(ops)
	return ops
}

// Tag is a tag of a user or role.
type Tag struct {
	Key   string
	Value string
}

// QueryTime is how Query responses carry timestamps.
type QueryTime = awsproto.QueryTime

func (s *Service) addSTSOperations(ops map[string]Operation) {
	ops["AssumeRole"] = bind(s.AssumeRole)
	ops["GetSessionToken"] = bind(s.GetSessionToken)
}
