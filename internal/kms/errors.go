package kms

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/store"
)

// The AWS KMS exception names Coffer returns, with their HTTP status. The
// test TestExceptionTable checks each against the botocore API model.
var exceptionStatus = map[string]int{
	"AlreadyExistsException":           http.StatusBadRequest,
	"ConflictException":                http.StatusBadRequest,
	"CustomKeyStoreNotFoundException":  http.StatusBadRequest,
	"DependencyTimeoutException":       http.StatusServiceUnavailable,
	"DisabledException":                http.StatusBadRequest,
	"DryRunOperationException":         http.StatusPreconditionFailed,
	"ExpiredImportTokenException":      http.StatusBadRequest,
	"IncorrectKeyException":            http.StatusBadRequest,
	"IncorrectKeyMaterialException":    http.StatusBadRequest,
	"InvalidAliasNameException":        http.StatusBadRequest,
	"InvalidArnException":              http.StatusBadRequest,
	"InvalidCiphertextException":       http.StatusBadRequest,
	"InvalidGrantIdException":          http.StatusBadRequest,
	"InvalidGrantTokenException":       http.StatusBadRequest,
	"InvalidImportTokenException":      http.StatusBadRequest,
	"InvalidKeyUsageException":         http.StatusBadRequest,
	"InvalidMarkerException":           http.StatusBadRequest,
	"KMSInternalException":             http.StatusInternalServerError,
	"KMSInvalidStateException":         http.StatusBadRequest,
	"KMSInvalidSignatureException":     http.StatusBadRequest,
	"KMSInvalidMacException":           http.StatusBadRequest,
	"LimitExceededException":           http.StatusBadRequest,
	"MalformedPolicyDocumentException": http.StatusBadRequest,
	"NotFoundException":                http.StatusBadRequest,
	"TagException":                     http.StatusBadRequest,
	"UnsupportedOperationException":    http.StatusBadRequest,
}

// genericExceptions are AWS JSON errors that are not in the KMS model but
// that KMS returns.
var genericExceptions = map[string]int{
	"AccessDeniedException":  http.StatusBadRequest,
	"ValidationException":    http.StatusBadRequest,
	"NotAuthorizedException": http.StatusBadRequest,
}

// kmsErr returns the named KMS exception. It panics on a name missing from
// the tables above, which TestExceptionTable would also catch.
func kmsErr(code, format string, args ...any) error {
	status, ok := exceptionStatus[code]
	if !ok {
		status, ok = genericExceptions[code]
	}
	if !ok {
		panic("kms: exception not in table: " + code)
	}
	return awsproto.Errorf(code, status, format, args...)
}

func errNotFoundKey(keyARN string) error {
	return kmsErr("NotFoundException", "Key '%s' does not exist", keyARN)
}

func errInvalidKeyID(id string) error {
	return kmsErr("NotFoundException", "Invalid keyId '%s'", id)
}

func errAliasNotFound(aliasARN string) error {
	return kmsErr("NotFoundException", "Alias '%s' is not found.", aliasARN)
}

func errDryRun() error {
	return kmsErr("DryRunOperationException", "The request would have succeeded, but the DryRun option is set.")
}

func errInternal(err error) error {
	return fmt.Errorf("%w (%v)", kmsErr("KMSInternalException", "The request was rejected because an internal exception occurred. The request can be retried."), err)
}

// mapStoreErr turns store failures that escaped an operation's own handling
// into KMS errors; *awsproto.Error values pass through.
func mapStoreErr(err error) error {
	var ae *awsproto.Error
	switch {
	case errors.As(err, &ae):
		return err
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w (%v)", kmsErr("DependencyTimeoutException", "The system timed out while trying to fulfill the request. You can retry the request."), err)
	case errors.Is(err, store.ErrConflict):
		return fmt.Errorf("%w (%v)", kmsErr("DependencyTimeoutException", "The request conflicted with concurrent changes and could not be completed. You can retry the request."), err)
	default:
		return errInternal(err)
	}
}

// validation collects model constraint violations and renders them the way
// AWS does: "2 validation errors detected: Value ... at 'keyId' failed to
// satisfy constraint: Member must ...".
type validation struct {
	msgs []string
}

func (v *validation) add(value *string, field, constraint string) {
	var b strings.Builder
	if value == nil {
		b.WriteString("Value null")
	} else {
		b.WriteString("Value '")
		b.WriteString(*value)
		b.WriteString("'")
	}
	b.WriteString(" at '")
	b.WriteString(field)
	b.WriteString("' failed to satisfy constraint: Member must ")
	b.WriteString(constraint)
	v.msgs = append(v.msgs, b.String())
}

// hidden records a violation without echoing the (sensitive) value.
func (v *validation) hidden(field, constraint string) {
	v.msgs = append(v.msgs, "Value at '"+field+"' failed to satisfy constraint: Member must "+constraint)
}

func (v *validation) required(field string, present bool) {
	if !present {
		v.add(nil, field, "not be null")
	}
}

func (v *validation) strLen(field, s string, minLen, maxLen int) {
	n := len([]rune(s))
	switch {
	case n < minLen:
		v.add(&s, field, fmt.Sprintf("have length greater than or equal to %d", minLen))
	case n > maxLen:
		v.add(&s, field, fmt.Sprintf("have length less than or equal to %d", maxLen))
	}
}

// keyID validates a required KeyId-shaped member (1..2048).
func (v *validation) keyID(field, s string) {
	if s == "" {
		v.required(field, false)
		return
	}
	v.strLen(field, s, 1, 2048)
}

func (v *validation) blobLen(field string, b []byte, present bool, minLen, maxLen int) {
	if !present {
		v.required(field, false)
		return
	}
	switch {
	case len(b) < minLen:
		v.hidden(field, fmt.Sprintf("have length greater than or equal to %d", minLen))
	case len(b) > maxLen:
		v.hidden(field, fmt.Sprintf("have length less than or equal to %d", maxLen))
	}
}

func (v *validation) intRange(field string, n *int32, minV, maxV int32) {
	if n == nil {
		return
	}
	s := fmt.Sprint(*n)
	switch {
	case *n < minV:
		v.add(&s, field, fmt.Sprintf("have value greater than or equal to %d", minV))
	case *n > maxV:
		v.add(&s, field, fmt.Sprintf("have value less than or equal to %d", maxV))
	}
}

func (v *validation) enum(field, s string, allowed ...string) {
	if s == "" {
		return
	}
	for _, a := range allowed {
		if s == a {
			return
		}
	}
	v.add(&s, field, "satisfy enum value set: ["+strings.Join(allowed, ", ")+"]")
}

func (v *validation) grantTokens(tokens []string) {
	if len(tokens) > 10 {
		v.hidden("grantTokens", "have length less than or equal to 10")
	}
	for _, t := range tokens {
		if len(t) < 1 || len(t) > 8192 {
			v.hidden("grantTokens", "have length between 1 and 8192")
			return
		}
	}
}

func (v *validation) marker(s *string) {
	if s == nil {
		return
	}
	v.strLen("marker", *s, 1, 1024)
}

func (v *validation) err() error {
	switch len(v.msgs) {
	case 0:
		return nil
	case 1:
		return kmsErr("ValidationException", "1 validation error detected: %s", v.msgs[0])
	default:
		return kmsErr("ValidationException", "%d validation errors detected: %s", len(v.msgs), strings.Join(v.msgs, "; "))
	}
}

// asAWS returns err's *awsproto.Error, if it has one.
func asAWS(err error) (*awsproto.Error, bool) {
	var ae *awsproto.Error
	ok := errors.As(err, &ae)
	return ae, ok
}
