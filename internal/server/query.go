package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/coffer-kms/coffer/internal/arn"
	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/iam"
	"github.com/coffer-kms/coffer/internal/sigv4"
)

// isQuery reports whether r is an AWS Query request for IAM or STS: no
// X-Amz-Target, and either signed for service iam or sts, or unsigned
// and shaped like a Query call (a form POST, or a GET with Action=).
func isQuery(r *http.Request) bool {
	if r.Header.Get("X-Amz-Target") != "" {
		return false
	}
	switch scopeService(r) {
	case "iam", "sts":
		return true
	case "":
		ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
		return (r.Method == http.MethodPost && strings.EqualFold(strings.TrimSpace(ct), awsproto.QueryContentType)) ||
			(r.Method == http.MethodGet && r.URL.Query().Has("Action"))
	}
	return false
}

// scopeService returns the service of the request's SigV4 credential
// scope (Authorization header or X-Amz-Credential), "" if there is none.
func scopeService(r *http.Request) string {
	cred := ""
	if a := r.Header.Get("Authorization"); a != "" {
		_, rest, ok := strings.Cut(a, "Credential=")
		if !ok {
			return "?"
		}
		cred, _, _ = strings.Cut(rest, ",")
	} else if c := r.URL.Query().Get("X-Amz-Credential"); c != "" {
		cred = c
	} else {
		return ""
	}
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 {
		return "?"
	}
	return parts[3]
}

// serveQuery handles one IAM or STS Query request: read the parameters,
// authenticate, find the operation by Action, run it and write the XML
// answer (or the XML error) in the service's namespace.
func (s *Server) serveQuery(w http.ResponseWriter, r *http.Request, reqID string) {
	service := scopeService(r)
	xmlns := iam.IAMXMLNS
	if service == "sts" {
		xmlns = iam.STSXMLNS
	}
	fail := func(action string, err error) { s.writeQueryError(w, r, reqID, xmlns, action, err) }

	var body []byte
	raw := r.URL.RawQuery
	switch r.Method {
	case http.MethodPost:
		var err error
		if body, err = readBody(r, s.maxBody); err != nil {
			fail("", err)
			return
		}
		raw = string(body)
	case http.MethodGet:
	default:
		fail("", awsproto.Errorf(awsproto.CodeInvalidAction, http.StatusBadRequest, "Query requests are sent with POST or GET, not %s.", r.Method))
		return
	}
	q, perr := awsproto.ParseQuery(raw)
	if service == "" && perr == nil && q["Version"] == iam.STSVersion {
		xmlns = iam.STSXMLNS
	}

	res, err := s.verifier.Verify(r.Context(), r, body)
	if err != nil {
		fail("", queryAuthError(err))
		return
	}
	if service != "iam" && service != "sts" {
		fail("", queryAuthError(res.CheckService("iam")))
		return
	}
	if !arn.ValidRegion(res.Region) {
		fail("", awsproto.Errorf("SignatureDoesNotMatch", http.StatusForbidden, "Credential should be scoped to a valid region, not '%s'.", res.Region))
		return
	}
	if perr != nil {
		fail("", perr)
		return
	}
	if s.iam == nil {
		fail("", awsproto.Errorf(awsproto.CodeInvalidAction, http.StatusBadRequest, "IAM and STS are not enabled on this server."))
		return
	}
	action := q["Action"]
	ops, version := s.iamOps, iam.IAMVersion
	if service == "sts" {
		ops, version = s.stsOps, iam.STSVersion
	}
	if action == "" {
		fail("", awsproto.Errorf(awsproto.CodeMissingAction, http.StatusBadRequest, "Missing Action"))
		return
	}
	op, ok := ops[action]
	if v := q["Version"]; !ok || (v != "" && v != version) {
		fail(action, awsproto.Errorf(awsproto.CodeInvalidAction, http.StatusBadRequest, "Could not find operation %s for version %s", action, q["Version"]))
		return
	}
	p, _ := res.Credential.Principal.(iam.Principal)
	caller := iam.Caller{Principal: p, AccessKeyID: res.AccessKeyID, Region: res.Region}
	out, err := op(r.Context(), caller, q)
	if err != nil {
		fail(action, err)
		return
	}
	if err := awsproto.WriteQueryResponse(w, xmlns, action, reqID, out); err != nil {
		s.log.ErrorContext(r.Context(), "writing response", "request_id", reqID, "action", action, "err", err)
	}
}

// writeQueryError renders err in the Query error shape and logs server
// faults (never the request's parameters).
func (s *Server) writeQueryError(w http.ResponseWriter, r *http.Request, reqID, xmlns, action string, err error) {
	ae := awsproto.As(err)
	if ae.Status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", "request_id", reqID, "action", action, "code", ae.Code, "err", err)
	}
	awsproto.WriteQueryError(w, xmlns, reqID, ae)
}

// queryAuthError maps a SigV4 failure to the Query services' error codes.
func queryAuthError(err error) error {
	if errors.Is(err, iam.ErrExpiredToken) {
		return awsproto.Errorf("ExpiredToken", http.StatusForbidden, "The security token included in the request is expired")
	}
	var se *sigv4.Error
	if !errors.As(err, &se) {
		return err // a credential lookup failure: internal
	}
	code, status := "IncompleteSignature", http.StatusBadRequest
	switch se.Kind {
	case sigv4.KindMissingAuth:
		code, status = "MissingAuthenticationToken", http.StatusForbidden
		return awsproto.Errorf(code, status, "Request is missing Authentication Token")
	case sigv4.KindIncomplete:
		code = "IncompleteSignature"
	case sigv4.KindUnknownAccessKey, sigv4.KindInvalidToken:
		code, status = "InvalidClientTokenId", http.StatusForbidden
	case sigv4.KindSignatureMismatch, sigv4.KindExpired, sigv4.KindContentSHA256Mismatch:
		code, status = "SignatureDoesNotMatch", http.StatusForbidden
	}
	return awsproto.Errorf(code, status, "%s", se.Message)
}
