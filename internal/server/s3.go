package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/coffer-kms/coffer/internal/arn"
	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/iam"
	"github.com/coffer-kms/coffer/internal/s3"
	"github.com/coffer-kms/coffer/internal/sigv4"
)

// s3ObjectTimeout bounds the transfer of one object body (PUT, UploadPart
// or GET): 5 GiB at under 2 MB/s.
const s3ObjectTimeout = time.Hour

// isS3 reports whether r goes to S3: the protocols with a marker (KMS's
// X-Amz-Target, Query's Action) are routed first; what remains is S3 when
// it is signed for s3, unsigned (anonymous, or presigned for s3), or its
// signature is too malformed to name a service.
func isS3(r *http.Request) bool {
	switch scopeService(r) {
	case "s3", "", "?":
		return r.Header.Get("X-Amz-Target") == ""
	}
	return false
}

// s3Address splits r's bucket and key: virtual-hosted style when the Host
// is BUCKET.DOMAIN for one of the configured domains, else path style
// (/BUCKET/KEY).
func (s *Server) s3Address(r *http.Request) (bucket, key string) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	path := strings.TrimPrefix(r.URL.Path, "/")
	for _, d := range s.s3Domains {
		if b, ok := strings.CutSuffix(host, "."+d); ok && b != "" {
			return b, path
		}
	}
	bucket, key, _ = strings.Cut(path, "/")
	return bucket, key
}

// serveS3 handles one S3 REST-XML request: authenticate (header or
// presigned), check the service and region, set up the payload reader
// (plain with its SHA-256 checked at the end, UNSIGNED-PAYLOAD, or
// aws-chunked), and hand it to the S3 service, which writes the answer.
func (s *Server) serveS3(w http.ResponseWriter, r *http.Request, reqID string) {
	fail := func(err error) { awsproto.WriteS3Error(w, r, err, reqID) }
	bucket, key := s.s3Address(r)
	presigned := r.URL.Query().Has("X-Amz-Signature") || r.URL.Query().Has("X-Amz-Credential")

	// Bodies of bucket-level and non-PUT requests are small configuration
	// documents: read them whole, so the signature covers them at once.
	// Object bodies stream.
	var body []byte
	streaming := key != "" && r.Method == http.MethodPut
	if key != "" && (r.Method == http.MethodPut || r.Method == http.MethodGet) {
		// Object bodies (up to 5 GiB) outlast the listener's whole-request
		// timeouts: give them their own deadline.
		rc := http.NewResponseController(w)
		deadline := time.Now().Add(s3ObjectTimeout)
		_ = rc.SetReadDeadline(deadline)
		_ = rc.SetWriteDeadline(deadline)
	}
	if !streaming && r.ContentLength != 0 && r.Body != nil {
		var err error
		if body, err = readBody(r, awsproto.MaxS3DeleteBody); err != nil {
			fail(awsproto.NewS3Error(awsproto.S3MaxMessageLengthExceeded))
			return
		}
	}
	res, err := s.verifier.Verify(r.Context(), r, body)
	if err != nil {
		fail(s3AuthError(err, presigned))
		return
	}
	if err := res.CheckService("s3"); err != nil {
		fail(s3AuthError(err, presigned))
		return
	}
	if !arn.ValidRegion(res.Region) {
		fail(awsproto.NewS3Error(awsproto.S3AuthorizationHeaderMalformed).
			WithMessage("The authorization header is malformed; the region '"+res.Region+"' is wrong.").With("Region", res.Region))
		return
	}
	req := &s3.Request{
		Caller: s3Caller(r, res), Bucket: bucket, Key: key, Method: r.Method,
		Header: r.Header, Query: r.URL.Query(), Size: r.ContentLength, Secure: secureForSSEC(r),
	}
	switch {
	case !streaming:
		req.Body = strings.NewReader(string(body))
		req.Size = int64(len(body))
	case strings.HasPrefix(res.PayloadHash, sigv4.StreamingPrefix):
		cr, err := s.verifier.ChunkedReader(&res, r.Body)
		if err != nil {
			fail(s3AuthError(err, presigned))
			return
		}
		req.Body, req.Size, req.Trailers = s3BodyReader{cr}, res.DecodedContentLength, cr.Trailers
		if req.Size < 0 {
			fail(awsproto.NewS3Error(awsproto.S3MissingContentLength))
			return
		}
	case res.PayloadHash == sigv4.UnsignedPayload:
		req.Body = r.Body
	default:
		req.Body = &sha256Reader{r: r.Body, h: sha256.New(), want: res.PayloadHash}
	}
	if req.Trailers == nil {
		req.Trailers = func() map[string]string { return nil }
	}
	s.s3.Serve(w, r, req, reqID)
}

// secureForSSEC reports whether SSE-C keys may be sent on r: over TLS, or
// to a loopback address (coffer serve --dev and tests).
func secureForSSEC(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if host, _, err := net.SplitHostPort(a.String()); err == nil {
			if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
				return true
			}
		}
	}
	return false
}

// s3Caller describes the authenticated caller of an S3 request.
func s3Caller(r *http.Request, res sigv4.Result) s3.Caller {
	p, _ := res.Credential.Principal.(iam.Principal)
	c := s3.Caller{Account: p.Account, Region: res.Region, PrincipalARN: p.ARN, UserID: p.UserID, AccessKeyID: res.AccessKeyID,
		PrincipalType: p.Type, UserName: p.UserName, SecureTransport: r.TLS != nil}
	c.RoleARN = p.RoleARN()
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		c.SourceIP = host
	}
	return c
}

// s3AuthError maps a SigV4 failure to S3's error codes.
func s3AuthError(err error, presigned bool) error {
	if errors.Is(err, iam.ErrExpiredToken) {
		return awsproto.NewS3Error(awsproto.S3ExpiredToken)
	}
	var se *sigv4.Error
	if !errors.As(err, &se) {
		return err // a credential lookup failure: internal
	}
	var e *awsproto.S3Error
	switch se.Kind {
	case sigv4.KindMissingAuth:
		return awsproto.NewS3Error(awsproto.S3AccessDenied)
	case sigv4.KindIncomplete:
		if presigned {
			e = awsproto.NewS3Error(awsproto.S3AuthorizationQueryParametersError)
		} else {
			e = awsproto.NewS3Error(awsproto.S3AuthorizationHeaderMalformed)
		}
	case sigv4.KindUnknownAccessKey:
		return awsproto.NewS3Error(awsproto.S3InvalidAccessKeyID)
	case sigv4.KindSignatureMismatch:
		return awsproto.NewS3Error(awsproto.S3SignatureDoesNotMatch)
	case sigv4.KindExpired:
		if presigned {
			return awsproto.NewS3Error(awsproto.S3AccessDenied).WithMessage("Request has expired")
		}
		return awsproto.NewS3Error(awsproto.S3RequestTimeTooSkewed)
	case sigv4.KindInvalidToken:
		return awsproto.NewS3Error(awsproto.S3InvalidToken)
	case sigv4.KindContentSHA256Mismatch:
		return awsproto.NewS3Error(awsproto.S3XAmzContentSHA256Mismatch)
	case sigv4.KindIncompleteBody, sigv4.KindMalformedChunk:
		e = awsproto.NewS3Error(awsproto.S3IncompleteBody)
	case sigv4.KindMalformedTrailer:
		e = awsproto.NewS3Error(awsproto.S3InvalidRequest)
	default:
		e = awsproto.NewS3Error(awsproto.S3InvalidRequest)
	}
	return e.WithMessage(se.Message)
}

// s3BodyReader maps the aws-chunked decoder's errors to S3's.
type s3BodyReader struct{ r io.Reader }

func (b s3BodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		err = s3AuthError(err, false)
	}
	return n, err
}

// sha256Reader checks, at EOF, that the body has the SHA-256 the
// signature covers (X-Amz-Content-Sha256): a mismatch is an error of the
// last Read, before the caller commits anything.
type sha256Reader struct {
	r    io.Reader
	h    hash.Hash
	want string
}

func (s *sha256Reader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.h.Write(p[:n])
	if err == io.EOF && hex.EncodeToString(s.h.Sum(nil)) != strings.ToLower(s.want) {
		return n, awsproto.NewS3Error(awsproto.S3XAmzContentSHA256Mismatch)
	}
	return n, err
}
