package sigv4

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Algorithm is the only signing algorithm this package verifies.
const Algorithm = "AWS4-HMAC-SHA256"

// Terminator ends every SigV4 credential scope.
const Terminator = "aws4_request"

// authorization is a parsed Authorization header or presigned query. All
// strings are substrings of the request, never copies.
type authorization struct {
	// Credential is "AKID/yyyymmdd/region/service/aws4_request".
	Credential string
	// AccessKeyID, Date, Region, Service and Terminator are its parts.
	AccessKeyID, Date, Region, Service, Terminator string
	// SignedHeaders is the ";"-separated list as sent.
	SignedHeaders string
	// Signature is the hex signature as sent.
	Signature string
}

// scope returns the credential scope: the credential without the access key.
func (a *authorization) scope() string { return a.Credential[len(a.AccessKeyID)+1:] }

// String formats a as an Authorization header value, the way the AWS SDKs do.
func (a *authorization) String() string {
	return Algorithm + " Credential=" + a.Credential + ", SignedHeaders=" + a.SignedHeaders + ", Signature=" + a.Signature
}

func incomplete(msg string) *Error { return newError(KindIncomplete, msg) }

// parseAuthorization parses an Authorization header value of the form
//
//	AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=hex
//
// The three parameters may come in any order, separated by commas and
// optional spaces. Every failure is a KindIncomplete *Error worded as AWS
// words it.
func parseAuthorization(h string) (authorization, *Error) {
	var a authorization
	rest, ok := strings.CutPrefix(h, Algorithm)
	if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
		return a, incomplete("The authorization mechanism you have provided is not supported. Please use " + Algorithm + ".")
	}
	var haveCred, haveSH, haveSig bool
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.Trim(part, " \t")
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			sum := sha256.Sum256([]byte(h))
			return a, incomplete("Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '" +
				base64.StdEncoding.EncodeToString(sum[:]) + "'.")
		}
		var dup bool
		switch name {
		case "Credential":
			dup, haveCred, a.Credential = haveCred, true, value
		case "SignedHeaders":
			dup, haveSH, a.SignedHeaders = haveSH, true, value
		case "Signature":
			dup, haveSig, a.Signature = haveSig, true, value
		default:
			// AWS ignores parameters it does not know.
		}
		if dup {
			return a, incomplete("Authorization header has a duplicate '" + name + "' parameter. Authorization=" + h)
		}
	}
	var missing string
	if a.Credential == "" {
		missing += "Authorization header requires 'Credential' parameter. "
	}
	if a.SignedHeaders == "" {
		missing += "Authorization header requires 'SignedHeaders' parameter. "
	}
	if a.Signature == "" {
		missing += "Authorization header requires 'Signature' parameter. "
	}
	if missing != "" {
		return a, incomplete(missing + "Authorization=" + h)
	}
	if err := a.parseCredential(); err != nil {
		return a, err
	}
	if err := checkSignedHeaders(a.SignedHeaders); err != nil {
		return a, err
	}
	return a, nil
}

// parseCredential splits a.Credential into its five parts and checks those
// that need no request context (the date is checked against the request's).
func (a *authorization) parseCredential() *Error {
	c := a.Credential
	var parts [5]string
	n := 0
	for p := range strings.SplitSeq(c, "/") {
		if n == len(parts) {
			n++
			break
		}
		parts[n] = p
		n++
	}
	if n != 5 || parts[0] == "" {
		return incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + c + "'")
	}
	a.AccessKeyID, a.Date, a.Region, a.Service, a.Terminator = parts[0], parts[1], parts[2], parts[3], parts[4]
	if !validRegion(a.Region) {
		return incomplete("Credential should be scoped to a valid region, not '" + a.Region + "'.")
	}
	if !validName(a.Service) {
		return incomplete("Credential should be scoped to correct service: '" + a.Service + "'.")
	}
	if a.Terminator != Terminator {
		return incomplete("Credential should be scoped with a valid terminator: '" + Terminator + "', not '" + a.Terminator + "'.")
	}
	return nil
}

// validRegion accepts region names such as "us-east-1" or "local".
func validRegion(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validName accepts service names such as "kms", "s3" or "execute-api".
func validName(s string) bool { return validRegion(s) }

// checkSignedHeaders checks that the list has no empty name and names host.
func checkSignedHeaders(sh string) *Error {
	host := false
	for name := range strings.SplitSeq(sh, ";") {
		if name == "" {
			return incomplete("SignedHeaders must be a ';'-separated list of header names, got '" + sh + "'.")
		}
		if name == "host" {
			host = true
		}
	}
	if !host {
		return incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return nil
}
