package awsproto

// S3 errors, as the REST-XML protocol renders them:
//
//	HTTP/1.1 404 Not Found
//	Content-Type: application/xml
//	x-amz-request-id: ID
//
//	<?xml version="1.0" encoding="UTF-8"?>
//	<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>
//	  <Key>photo.jpg</Key><Resource>/bucket/photo.jpg</Resource><RequestId>ID</RequestId></Error>
//
// The body carries no XML namespace, and a HEAD response carries no body at
// all (only the status and headers). Every code Coffer sends is in
// s3ErrorTable with its status and AWS's standard message; see
// docs/s3-protocol.md for the sources.

import (
	"bytes"
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"
)

// S3 error codes Coffer sends. The status and standard message of each are
// in the table behind S3ErrorSpecFor.
const (
	S3AccessDenied                                   = "AccessDenied"
	S3AccountProblem                                 = "AccountProblem"
	S3AuthorizationHeaderMalformed                   = "AuthorizationHeaderMalformed"
	S3AuthorizationQueryParametersError              = "AuthorizationQueryParametersError"
	S3BadDigest                                      = "BadDigest"
	S3BucketAlreadyExists                            = "BucketAlreadyExists"
	S3BucketAlreadyOwnedByYou                        = "BucketAlreadyOwnedByYou"
	S3BucketNotEmpty                                 = "BucketNotEmpty"
	S3ConditionalRequestConflict                     = "ConditionalRequestConflict"
	S3EntityTooLarge                                 = "EntityTooLarge"
	S3EntityTooSmall                                 = "EntityTooSmall"
	S3ExpiredToken                                   = "ExpiredToken"
	S3IllegalLocationConstraintException             = "IllegalLocationConstraintException"
	S3IncompleteBody                                 = "IncompleteBody"
	S3InternalError                                  = "InternalError"
	S3InvalidAccessKeyID                             = "InvalidAccessKeyId"
	S3InvalidArgument                                = "InvalidArgument"
	S3InvalidBucketName                              = "InvalidBucketName"
	S3InvalidChunkSizeError                          = "InvalidChunkSizeError"
	S3InvalidDigest                                  = "InvalidDigest"
	S3InvalidEncryptionAlgorithmError                = "InvalidEncryptionAlgorithmError"
	S3InvalidLocationConstraint                      = "InvalidLocationConstraint"
	S3InvalidObjectState                             = "InvalidObjectState"
	S3InvalidPart                                    = "InvalidPart"
	S3InvalidPartOrder                               = "InvalidPartOrder"
	S3InvalidRange                                   = "InvalidRange"
	S3InvalidRequest                                 = "InvalidRequest"
	S3InvalidToken                                   = "InvalidToken"
	S3KMSDisabledException                           = "KMS.DisabledException"
	S3KMSInvalidStateException                       = "KMS.KMSInvalidStateException"
	S3KMSNotFoundException                           = "KMS.NotFoundException"
	S3KeyTooLongError                                = "KeyTooLongError"
	S3MalformedPolicy                                = "MalformedPolicy"
	S3MalformedXML                                   = "MalformedXML"
	S3MaxMessageLengthExceeded                       = "MaxMessageLengthExceeded"
	S3MetadataTooLarge                               = "MetadataTooLarge"
	S3MethodNotAllowed                               = "MethodNotAllowed"
	S3MissingContentLength                           = "MissingContentLength"
	S3MissingRequestBodyError                        = "MissingRequestBodyError"
	S3MissingSecurityHeader                          = "MissingSecurityHeader"
	S3NoSuchBucket                                   = "NoSuchBucket"
	S3NoSuchBucketPolicy                             = "NoSuchBucketPolicy"
	S3NoSuchKey                                      = "NoSuchKey"
	S3NoSuchUpload                                   = "NoSuchUpload"
	S3NoSuchVersion                                  = "NoSuchVersion"
	S3NotImplemented                                 = "NotImplemented"
	S3PreconditionFailed                             = "PreconditionFailed"
	S3RequestTimeTooSkewed                           = "RequestTimeTooSkewed"
	S3ServerSideEncryptionConfigurationNotFoundError = "ServerSideEncryptionConfigurationNotFoundError"
	S3SignatureDoesNotMatch                          = "SignatureDoesNotMatch"
	S3SlowDown                                       = "SlowDown"
	S3TooManyParts                                   = "TooManyParts"
	S3UserKeyMustBeSpecified                         = "UserKeyMustBeSpecified"
	S3XAmzContentSHA256Mismatch                      = "XAmzContentSHA256Mismatch"
)

// S3ErrorSpec is one row of the S3 error table: a code, the HTTP status
// S3 sends it with, and S3's standard message for it.
type S3ErrorSpec struct {
	Code    string
	Status  int
	Message string
}

// s3ErrorTable is the one table of S3 errors. Messages are AWS's, from the
// "List of error codes" of the Amazon S3 API Reference (also carried in the
// botocore S3 model, shape Error, member Code); where that list is silent
// the message is the one S3 sends on the wire. docs/s3-protocol.md cites
// the source of each row. TestS3ErrorTable checks it.
var s3ErrorTable = []S3ErrorSpec{
	{S3AccessDenied, http.StatusForbidden, "Access Denied"},
	{S3AccountProblem, http.StatusForbidden, "There is a problem with your Amazon Web Services account that prevents the action from completing successfully. Contact Amazon Web Services Support for further assistance."},
	{S3AuthorizationHeaderMalformed, http.StatusBadRequest, "The authorization header you provided is invalid."},
	{S3AuthorizationQueryParametersError, http.StatusBadRequest, "The authorization query parameters that you provided are not valid."},
	{S3BadDigest, http.StatusBadRequest, "The Content-MD5 you specified did not match what we received."},
	{S3BucketAlreadyExists, http.StatusConflict, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again."},
	{S3BucketAlreadyOwnedByYou, http.StatusConflict, "Your previous request to create the named bucket succeeded and you already own it."},
	{S3BucketNotEmpty, http.StatusConflict, "The bucket you tried to delete is not empty."},
	{S3ConditionalRequestConflict, http.StatusConflict, "The conditional request cannot succeed due to a conflicting operation against this resource."},
	{S3EntityTooLarge, http.StatusBadRequest, "Your proposed upload exceeds the maximum allowed object size."},
	{S3EntityTooSmall, http.StatusBadRequest, "Your proposed upload is smaller than the minimum allowed object size."},
	{S3ExpiredToken, http.StatusBadRequest, "The provided token has expired."},
	{S3IllegalLocationConstraintException, http.StatusBadRequest, "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to."},
	{S3IncompleteBody, http.StatusBadRequest, "You did not provide the number of bytes specified by the Content-Length HTTP header"},
	{S3InternalError, http.StatusInternalServerError, "We encountered an internal error. Please try again."},
	{S3InvalidAccessKeyID, http.StatusForbidden, "The Amazon Web Services access key ID you provided does not exist in our records."},
	{S3InvalidArgument, http.StatusBadRequest, "Invalid Argument"},
	{S3InvalidBucketName, http.StatusBadRequest, "The specified bucket is not valid."},
	{S3InvalidChunkSizeError, http.StatusBadRequest, "Only the last chunk is allowed to have a size less than 8192 bytes"},
	{S3InvalidDigest, http.StatusBadRequest, "The Content-MD5 you specified is not valid."},
	{S3InvalidEncryptionAlgorithmError, http.StatusBadRequest, "The encryption request you specified is not valid. The valid value is AES256."},
	{S3InvalidLocationConstraint, http.StatusBadRequest, "The specified location constraint is not valid."},
	{S3InvalidObjectState, http.StatusForbidden, "The action is not valid for the current state of the object."},
	{S3InvalidPart, http.StatusBadRequest, "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag."},
	{S3InvalidPartOrder, http.StatusBadRequest, "The list of parts was not in ascending order. Parts list must be specified in order by part number."},
	{S3InvalidRange, http.StatusRequestedRangeNotSatisfiable, "The requested range cannot be satisfied."},
	{S3InvalidRequest, http.StatusBadRequest, "Invalid Request"},
	{S3InvalidToken, http.StatusBadRequest, "The provided token is malformed or otherwise invalid."},
	{S3KMSDisabledException, http.StatusBadRequest, "The request was rejected because the specified KMS key is not enabled."},
	{S3KMSInvalidStateException, http.StatusBadRequest, "The request was rejected because the state of the specified resource is not valid for this request."},
	{S3KMSNotFoundException, http.StatusBadRequest, "The request was rejected because the specified entity or resource could not be found."},
	{S3KeyTooLongError, http.StatusBadRequest, "Your key is too long."},
	{S3MalformedPolicy, http.StatusBadRequest, "Policy has invalid resource."},
	{S3MalformedXML, http.StatusBadRequest, "The XML you provided was not well-formed or did not validate against our published schema."},
	{S3MaxMessageLengthExceeded, http.StatusBadRequest, "Your request was too big."},
	{S3MetadataTooLarge, http.StatusBadRequest, "Your metadata headers exceed the maximum allowed metadata size."},
	{S3MethodNotAllowed, http.StatusMethodNotAllowed, "The specified method is not allowed against this resource."},
	{S3MissingContentLength, http.StatusLengthRequired, "You must provide the Content-Length HTTP header."},
	{S3MissingRequestBodyError, http.StatusBadRequest, "Request body is empty."},
	{S3MissingSecurityHeader, http.StatusBadRequest, "Your request is missing a required header."},
	{S3NoSuchBucket, http.StatusNotFound, "The specified bucket does not exist."},
	{S3NoSuchBucketPolicy, http.StatusNotFound, "The specified bucket does not have a bucket policy."},
	{S3NoSuchKey, http.StatusNotFound, "The specified key does not exist."},
	{S3NoSuchUpload, http.StatusNotFound, "The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload might have been aborted or completed."},
	{S3NoSuchVersion, http.StatusNotFound, "The specified version does not exist."},
	{S3NotImplemented, http.StatusNotImplemented, "A header you provided implies functionality that is not implemented."},
	{S3PreconditionFailed, http.StatusPreconditionFailed, "At least one of the preconditions you specified did not hold."},
	{S3RequestTimeTooSkewed, http.StatusForbidden, "The difference between the request time and the server's time is too large."},
	{S3ServerSideEncryptionConfigurationNotFoundError, http.StatusNotFound, "The server side encryption configuration was not found"},
	{S3SignatureDoesNotMatch, http.StatusForbidden, "The request signature we calculated does not match the signature you provided. Check your key and signing method."},
	{S3SlowDown, http.StatusServiceUnavailable, "Reduce your request rate."},
	{S3TooManyParts, http.StatusBadRequest, "You have attempted to add more parts than the maximum of 10000 that are allowed for this object."},
	{S3UserKeyMustBeSpecified, http.StatusBadRequest, "The bucket POST must contain the specified field name. If it is specified, check the order of the fields."},
	{S3XAmzContentSHA256Mismatch, http.StatusBadRequest, "The provided 'x-amz-content-sha256' header does not match what was computed."},
}

// S3ErrorSpecFor returns the table row for code.
func S3ErrorSpecFor(code string) (S3ErrorSpec, bool) {
	for _, s := range s3ErrorTable {
		if s.Code == code {
			return s, true
		}
	}
	return S3ErrorSpec{}, false
}

// S3ErrorSpecs returns a copy of the S3 error table, in code order.
func S3ErrorSpecs() []S3ErrorSpec {
	return append([]S3ErrorSpec(nil), s3ErrorTable...)
}

// S3ErrorField is an extra element of an S3 error body, after Code and
// Message: BucketName, Key, Condition, RangeRequested, ActualObjectSize,
// ArgumentName, ArgumentValue and the like.
type S3ErrorField struct {
	Name  string
	Value string
}

// S3Error is an *Error with what S3 adds to it: extra body elements and
// response headers (Content-Range on InvalidRange, for instance). It
// unwraps to its *Error, so As and errors.As see the code and status.
type S3Error struct {
	Err    *Error
	Fields []S3ErrorField
	Header http.Header
}

// NewS3Error returns the error code with the status and standard message
// of the table. It panics if code is not in the table: that is a bug in
// the caller, caught by tests, not a condition of the request.
func NewS3Error(code string) *S3Error {
	spec, ok := S3ErrorSpecFor(code)
	if !ok {
		panic("awsproto: S3 error code not in the table: " + code)
	}
	return &S3Error{Err: &Error{Code: spec.Code, Status: spec.Status, Message: spec.Message}}
}

// Error implements error.
func (e *S3Error) Error() string { return e.Err.Error() }

// Unwrap returns the underlying *Error.
func (e *S3Error) Unwrap() error { return e.Err }

// WithMessage replaces the standard message, for errors such as
// InvalidArgument and InvalidRequest whose message says what was wrong.
// It must not carry secrets or plaintext: the client sees it.
func (e *S3Error) WithMessage(msg string) *S3Error {
	e.Err.Message = msg
	return e
}

// With appends an element to the error body. Names must be XML names.
func (e *S3Error) With(name, value string) *S3Error {
	e.Fields = append(e.Fields, S3ErrorField{Name: name, Value: value})
	return e
}

// WithHeader adds a response header sent with the error.
func (e *S3Error) WithHeader(name, value string) *S3Error {
	if e.Header == nil {
		e.Header = make(http.Header)
	}
	e.Header.Add(name, value)
	return e
}

// AsS3Error returns err as an *S3Error: itself if it is one, an *Error
// (from another layer) wrapped with no extras, or else an InternalError
// that reveals nothing of err.
func AsS3Error(err error) *S3Error {
	var s *S3Error
	if errors.As(err, &s) {
		return s
	}
	var e *Error
	if errors.As(err, &e) {
		return &S3Error{Err: e}
	}
	return NewS3Error(S3InternalError)
}

// MarshalS3Error returns the XML body of e: the XML declaration and
// <Error> with Code, Message, the extra fields, then Resource and
// RequestId when they are not empty.
func MarshalS3Error(e *S3Error, resource, requestID string) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<Error>")
	el := func(name, value string) {
		b.WriteString("<" + name + ">")
		_ = xml.EscapeText(&b, []byte(value))
		b.WriteString("</" + name + ">")
	}
	el("Code", e.Err.Code)
	el("Message", e.Err.Message)
	for _, f := range e.Fields {
		if !validXMLName(f.Name) {
			continue
		}
		el(f.Name, f.Value)
	}
	if resource != "" {
		el("Resource", resource)
	}
	if requestID != "" {
		el("RequestId", requestID)
	}
	b.WriteString("</Error>")
	return b.Bytes()
}

// WriteS3Error writes err as S3 does: its status, Content-Type
// application/xml, the x-amz-request-id header when requestID is not
// empty, the error's own headers, and the XML body — except for HEAD
// requests, which get the status and headers only. The resource is the
// request's URL path. err is converted with AsS3Error.
func WriteS3Error(w http.ResponseWriter, r *http.Request, err error, requestID string) {
	e := AsS3Error(err)
	h := w.Header()
	for k, vs := range e.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if requestID != "" {
		h.Set("x-amz-request-id", requestID)
	}
	status := e.Err.Status
	if status < 300 || status > 599 {
		status = http.StatusInternalServerError
	}
	if r != nil && r.Method == http.MethodHead {
		w.WriteHeader(status)
		return
	}
	resource := ""
	if r != nil && r.URL != nil {
		resource = r.URL.Path
	}
	body := MarshalS3Error(e, resource, requestID)
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// validXMLName reports whether s is an ASCII XML element name without a
// colon, which is all S3 error elements use.
func validXMLName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return !(len(s) >= 3 && (s[0]|0x20) == 'x' && (s[1]|0x20) == 'm' && (s[2]|0x20) == 'l')
}
