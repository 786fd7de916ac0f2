package iam

import (
	"errors"
	"net/http"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/store"
)

// errorStatus maps the IAM and STS error codes Coffer returns to their HTTP
// status. The codes of the API models are checked against the botocore
// models by TestErrorTable; the others are the Query protocol's and
// authentication's own, as AWS returns them.
var errorStatus = map[string]int{
	// IAM model (iam/2010-05-08).
	"NoSuchEntity":            http.StatusNotFound,
	"EntityAlreadyExists":     http.StatusConflict,
	"MalformedPolicyDocument": http.StatusBadRequest,
	"LimitExceeded":           http.StatusConflict,
	"DeleteConflict":          http.StatusConflict,
	"InvalidInput":            http.StatusBadRequest,
	"ServiceFailure":          http.StatusInternalServerError,
	"PolicyNotAttachable":     http.StatusBadRequest,
	"UnmodifiableEntity":      http.StatusBadRequest,
	"ConcurrentModification":  http.StatusConflict,
	// STS model (sts/2011-06-15); MalformedPolicyDocument is shared.
	"ExpiredTokenException":   http.StatusBadRequest,
	"PackedPolicyTooLarge":    http.StatusBadRequest,
	"RegionDisabledException": http.StatusForbidden,
	// Not in the models: common to Query services.
	"ValidationError":            http.StatusBadRequest,
	"AccessDenied":               http.StatusForbidden,
	"InvalidAction":              http.StatusBadRequest,
	"MissingAction":              http.StatusBadRequest,
	"InvalidClientTokenId":       http.StatusForbidden,
	"SignatureDoesNotMatch":      http.StatusForbidden,
	"IncompleteSignature":        http.StatusBadRequest,
	"MissingAuthenticationToken": http.StatusForbidden,
	"ExpiredToken":               http.StatusForbidden,
}

// iamErr returns the named error. It panics on a code missing from
// errorStatus, which TestErrorTable also catches.
func iamErr(code, format string, args ...any) error {
	status, ok := errorStatus[code]
	if !ok {
		panic("iam: error code not in table: " + code)
	}
	return awsproto.Errorf(code, status, format, args...)
}

// ErrorStatus returns the HTTP status of an IAM or STS error code, and
// whether the code is known.
func ErrorStatus(code string) (int, bool) {
	s, ok := errorStatus[code]
	return s, ok
}

func errNoSuchEntity(kind, name string) error {
	return iamErr("NoSuchEntity", "The %s with name %s cannot be found.", kind, name)
}

func errValidation(format string, args ...any) error {
	return iamErr("ValidationError", format, args...)
}

// mapStoreErr turns store failures that escaped an operation's own
// handling into IAM errors: AWS errors pass, anything else is a ServiceFailure.
func mapStoreErr(err error) error {
	var ae *awsproto.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, store.ErrConflict) {
		return iamErr("ConcurrentModification", "The request could not be completed because of a concurrent modification. Retry the request.")
	}
	return errInternal(err)
}
