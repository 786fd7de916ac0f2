package server

import (
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/coffer-kms/coffer/internal/arn"
	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/iam"
	"github.com/coffer-kms/coffer/internal/kms"
	"github.com/coffer-kms/coffer/internal/sigv4"
)

// serveKMS handles one AWS KMS JSON 1.1 request: read the body,
// authenticate, find the operation, run it and write the answer.
func (s *Server) serveKMS(w http.ResponseWriter, r *http.Request, reqID string) {
	if r.Method != http.MethodPost {
		awsproto.WriteJSONError(w, awsproto.Errorf(awsproto.CodeUnknownOperation, http.StatusBadRequest, "KMS operations are called with POST, not %s.", r.Method))
		return
	}
	body, err := readBodyInto(r, s.maxBody, s.buffers.get())
	defer func() { s.buffers.put(body) }() // zeroed: a request body may hold plaintext
	if err != nil {
		awsproto.WriteJSONError(w, awsproto.As(err))
		return
	}
	res, err := s.verifier.Verify(r.Context(), r, body)
	if err != nil {
		s.writeKMSError(w, r, reqID, "", authError(err))
		return
	}
	if err := res.CheckService("kms"); err != nil {
		s.writeKMSError(w, r, reqID, "", authError(err))
		return
	}
	if !arn.ValidRegion(res.Region) {
		s.writeKMSError(w, r, reqID, "", awsproto.Errorf("InvalidSignatureException", http.StatusBadRequest, "Credential should be scoped to a valid region, not '%s'.", res.Region))
		return
	}
	name := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "TrentService.")
	op, ok := s.kmsOps[name]
	if !ok {
		s.writeKMSError(w, r, reqID, name, awsproto.Errorf(awsproto.CodeUnknownOperation, http.StatusBadRequest, "The operation %s is not supported by this server.", name))
		return
	}
	caller := kmsCaller(r, res)
	caller.RequestID = reqID
	out, err := op(r.Context(), caller, body)
	if err != nil {
		s.writeKMSError(w, r, reqID, name, err)
		return
	}
	sh, secret := out.(kms.SecretHolder)
	resp, err := awsproto.WriteJSONBuffer(w, out, s.buffers.get())
	s.buffers.put(resp) // zeroed: a response may hold plaintext
	if err != nil {
		s.log.ErrorContext(r.Context(), "writing response", "request_id", reqID, "operation", name, "err", err)
	}
	if secret {
		sh.ZeroSecrets()
	}
}

// writeKMSError renders err in the JSON error shape and logs server faults
// (never the request body).
func (s *Server) writeKMSError(w http.ResponseWriter, r *http.Request, reqID, op string, err error) {
	ae := awsproto.As(err)
	if ae.Status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", "request_id", reqID, "operation", op, "code", ae.Code, "err", err)
	}
	awsproto.WriteJSONError(w, ae)
}

// authError maps a SigV4 failure to the AWS JSON protocol's error names.
func authError(err error) error {
	var se *sigv4.Error
	if !errors.As(err, &se) {
		return err // a credential lookup failure: internal
	}
	code, status := "IncompleteSignatureException", http.StatusBadRequest
	switch se.Kind {
	case sigv4.KindMissingAuth:
		code, status = "MissingAuthenticationTokenException", http.StatusForbidden
	case sigv4.KindIncomplete:
		code = "IncompleteSignatureException"
	case sigv4.KindUnknownAccessKey, sigv4.KindInvalidToken:
		code = "UnrecognizedClientException"
	case sigv4.KindSignatureMismatch, sigv4.KindExpired, sigv4.KindContentSHA256Mismatch:
		code = "InvalidSignatureException"
	}
	return awsproto.Errorf(code, status, "%s", se.Message)
}

// kmsCaller describes the authenticated caller of a KMS request.
func kmsCaller(r *http.Request, res sigv4.Result) kms.Caller {
	p, _ := res.Credential.Principal.(iam.Principal)
	c := kms.Caller{Account: p.Account, Region: res.Region, PrincipalARN: p.ARN, UserID: p.UserID, AccessKeyID: res.AccessKeyID,
		PrincipalType: p.Type, UserName: p.UserName, SecureTransport: r.TLS != nil}
	c.RoleARN = p.RoleARN()
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		c.SourceIP = host
	}
	return c
}
