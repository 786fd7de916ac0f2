package sigv4

// Kind classifies a verification failure. The protocol layers (KMS JSON, S3
// XML) map each Kind to their own error code and HTTP status; this package
// only words the message the way AWS does.
type Kind int

// The kinds of verification failure.
const (
	// KindMissingAuth: the request carries neither an Authorization header
	// nor presigned query parameters. AWS JSON services answer
	// MissingAuthenticationTokenException.
	KindMissingAuth Kind = iota + 1
	// KindIncomplete: the Authorization header or the presigned query is
	// malformed or lacks a part (IncompleteSignatureException,
	// AuthorizationHeaderMalformed, AuthorizationQueryParametersError).
	KindIncomplete
	// KindUnknownAccessKey: the access key id is not known
	// (UnrecognizedClientException, InvalidAccessKeyId).
	KindUnknownAccessKey
	// KindSignatureMismatch: the signature does not match
	// (InvalidSignatureException, SignatureDoesNotMatch).
	KindSignatureMismatch
	// KindExpired: the request time is too far from the server's clock, or a
	// presigned URL has expired or is not yet valid.
	KindExpired
	// KindInvalidToken: X-Amz-Security-Token does not match the credential's
	// session token, or is missing or superfluous.
	KindInvalidToken
	// KindContentSHA256Mismatch: X-Amz-Content-Sha256 is not a valid value or
	// does not match the body.
	KindContentSHA256Mismatch
	// KindIncompleteBody: an aws-chunked body ended before its final chunk,
	// or decoded to fewer bytes than X-Amz-Decoded-Content-Length. S3
	// answers 400 IncompleteBody.
	KindIncompleteBody
	// KindMalformedChunk: the aws-chunked framing is malformed: a bad chunk
	// header, a chunk over the size limit, a missing CRLF, more data than
	// X-Amz-Decoded-Content-Length, or bytes after the end. S3 answers 400
	// (IncompleteBody or InvalidArgument; it documents no code of its own
	// for framing errors, InvalidChunkSizeError being only for undersized
	// chunks, which Coffer does not reject).
	KindMalformedChunk
	// KindMalformedTrailer: the trailing headers of an aws-chunked body are
	// malformed, undeclared in x-amz-trailer, duplicated or missing. S3
	// answers 400 MalformedTrailerError.
	KindMalformedTrailer
)

var kindNames = [...]string{
	KindMissingAuth:           "MissingAuth",
	KindIncomplete:            "Incomplete",
	KindUnknownAccessKey:      "UnknownAccessKey",
	KindSignatureMismatch:     "SignatureMismatch",
	KindExpired:               "Expired",
	KindInvalidToken:          "InvalidToken",
	KindContentSHA256Mismatch: "ContentSHA256Mismatch",
	KindIncompleteBody:        "IncompleteBody",
	KindMalformedChunk:        "MalformedChunk",
	KindMalformedTrailer:      "MalformedTrailer",
}

// String returns the kind's name, such as "SignatureMismatch".
func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Unknown"
}

// Error is the one error type Verify returns for a request it rejects. Its
// Message is worded as AWS words it and is safe to return to the client: it
// never holds a secret (it may echo the Authorization header, as AWS does).
//
// errors.Is(err, ErrX) holds for every *Error of the same Kind as the
// sentinel ErrX.
type Error struct {
	// Kind says why the request was rejected.
	Kind Kind
	// Message is the human message, worded as AWS words it.
	Message string
}

// Error returns "sigv4: " followed by the message.
func (e *Error) Error() string { return "sigv4: " + e.Message }

// Is reports whether target is an *Error of the same Kind, so that
// errors.Is(err, ErrSignatureMismatch) matches any signature mismatch.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind
}

// AWS wording of the fixed messages.
const (
	msgMissingAuth       = "Missing Authentication Token"
	msgUnknownAccessKey  = "The security token included in the request is invalid."
	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgInvalidToken      = "The security token included in the request is invalid."
	msgContentMismatch   = "The provided 'x-amz-content-sha256' header does not match what was computed."
	msgPresignExpired    = "Request has expired"
	msgPresignNotYet     = "Request is not valid yet"
	msgIncompleteBody    = "You did not provide the number of bytes specified by the Content-Length HTTP header."
	msgMalformedTrailer  = "The request contained trailing data that was not well-formed or did not conform to our published schema."
)

// Sentinels for errors.Is. Verify returns an *Error of the same Kind, often
// with a more specific message; compare with errors.Is, never with ==.
var (
	// ErrMissingAuth: no Authorization header and no presigned query.
	ErrMissingAuth = &Error{Kind: KindMissingAuth, Message: msgMissingAuth}
	// ErrIncomplete: a malformed or incomplete Authorization header or
	// presigned query.
	ErrIncomplete = &Error{Kind: KindIncomplete, Message: "Authorization header or query parameters are incomplete."}
	// ErrUnknownAccessKey: the access key id is unknown. A CredentialSource
	// returns an error wrapping it for an unknown key.
	ErrUnknownAccessKey = &Error{Kind: KindUnknownAccessKey, Message: msgUnknownAccessKey}
	// ErrSignatureMismatch: the signature does not match.
	ErrSignatureMismatch = &Error{Kind: KindSignatureMismatch, Message: msgSignatureMismatch}
	// ErrExpired: clock skew over the limit, or an expired presigned URL.
	ErrExpired = &Error{Kind: KindExpired, Message: "Signature expired"}
	// ErrInvalidToken: the session token is missing, superfluous or wrong.
	ErrInvalidToken = &Error{Kind: KindInvalidToken, Message: msgInvalidToken}
	// ErrContentSHA256Mismatch: X-Amz-Content-Sha256 is invalid or does not
	// match the body.
	ErrContentSHA256Mismatch = &Error{Kind: KindContentSHA256Mismatch, Message: msgContentMismatch}
	// ErrIncompleteBody: an aws-chunked body ended early or decoded short.
	ErrIncompleteBody = &Error{Kind: KindIncompleteBody, Message: msgIncompleteBody}
	// ErrMalformedChunk: malformed aws-chunked framing.
	ErrMalformedChunk = &Error{Kind: KindMalformedChunk, Message: "The aws-chunked encoding of the request body is malformed."}
	// ErrMalformedTrailer: malformed or unexpected trailing headers.
	ErrMalformedTrailer = &Error{Kind: KindMalformedTrailer, Message: msgMalformedTrailer}
)

func newError(k Kind, msg string) *Error { return &Error{Kind: k, Message: msg} }
