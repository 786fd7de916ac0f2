// Package awsproto owns the AWS wire codecs that Coffer speaks: for now the
// JSON 1.1 protocol used by KMS (X-Amz-Target: TrentService.*), and the AWS
// error type that every protocol renders in its own shape.
//
// It depends on the standard library only.
package awsproto

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an error as AWS reports it: an exception name (Code), an HTTP
// status and a message a person understands. Services return it; the
// protocol layer renders it.
type Error struct {
	Code    string
	Message string
	Status  int
}

// Error implements error.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with a client (4xx) or server (5xx) status.
func Errorf(code string, status int, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Code: code, Status: status, Message: msg}
}

// Common errors shared by the AWS JSON and Query protocols.
const (
	CodeSerialization      = "SerializationException"
	CodeUnknownOperation   = "UnknownOperationException"
	CodeValidation         = "ValidationException"
	CodeInternalFailure    = "InternalFailure"
	CodeAccessDenied       = "AccessDeniedException"
	CodeRequestEntityLarge = "RequestEntityTooLarge"
)

// As returns err as an *Error if it is one (or wraps one), else an
// InternalFailure that reveals nothing of err.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeInternalFailure, Status: http.StatusInternalServerError,
		Message: "We encountered an internal error. Please try again."}
}
