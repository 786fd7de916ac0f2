package checksum

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinels, reachable with errors.Is through *Error.
var (
	ErrUnknownAlgorithm = errors.New("checksum: unknown algorithm")
	ErrUnknownType      = errors.New("checksum: unknown checksum type")
	ErrUnsupportedType  = errors.New("checksum: algorithm does not support checksum type")
	ErrInvalidValue     = errors.New("checksum: malformed checksum value")
	ErrMismatch         = errors.New("checksum: checksum mismatch")
	ErrInvalidDigest    = errors.New("checksum: malformed Content-MD5")
	ErrBadDigest        = errors.New("checksum: Content-MD5 mismatch")
	ErrInvalidPart      = errors.New("checksum: invalid part")
)

// Error is a checksum failure in S3's shape: Code is the S3 error code
// ("InvalidRequest", "BadDigest", "InvalidDigest", "InvalidArgument") and
// Message the text S3 sends. The S3 error table maps it to HTTP 400. It
// wraps one of the package's sentinels.
type Error struct {
	Code    string
	Message string
	err     error
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }
func (e *Error) Unwrap() error { return e.err }

func invalidAlgorithm(s string) error {
	names := make([]string, 0, 5)
	for _, a := range Algorithms() {
		names = append(names, string(a))
	}
	return &Error{
		Code:    "InvalidRequest",
		Message: fmt.Sprintf("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [%s]", strings.Join(names, ", ")),
		err:     fmt.Errorf("%w: %q", ErrUnknownAlgorithm, s),
	}
}

func invalidValue(a Algorithm) error {
	return &Error{
		Code:    "InvalidRequest",
		Message: fmt.Sprintf("Value for %s header is invalid.", a.Header()),
		err:     ErrInvalidValue,
	}
}

func mismatch(a Algorithm) error {
	return &Error{
		Code:    "BadDigest",
		Message: fmt.Sprintf("The %s you specified did not match the calculated checksum.", a),
		err:     ErrMismatch,
	}
}
