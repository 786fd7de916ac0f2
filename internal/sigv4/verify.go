package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Credential is what the server knows about an access key.
type Credential struct {
	// AccessKeyID is the public half, such as "AKIAIOSFODNN7EXAMPLE".
	AccessKeyID string
	// Secret is the secret access key. It is used only to derive signing
	// keys and never appears in an error or a log.
	Secret []byte
	// SessionToken is the token of temporary credentials, "" for long-term
	// keys. When set, a request must carry it in X-Amz-Security-Token.
	SessionToken string
	// Principal is opaque to this package and passed through in Result.
	Principal any
}

// CredentialSource looks up access keys.
type CredentialSource interface {
	// Credential returns the credential of accessKeyID. For an unknown key
	// it returns an error wrapping ErrUnknownAccessKey; any other error is
	// treated as an internal failure and returned by Verify wrapped.
	Credential(ctx context.Context, accessKeyID string) (Credential, error)
}

// Result describes a request whose signature verified.
type Result struct {
	// AccessKeyID, Date (yyyymmdd), Region and Service are the parts of the
	// credential scope the request was signed with. Callers check that
	// Service (and, unless Verifier.Region is set, Region) are theirs; see
	// CheckService.
	AccessKeyID, Date, Region, Service string
	// SignedAt is the request time (X-Amz-Date or Date), in UTC.
	SignedAt time.Time
	// Credential is what the CredentialSource returned.
	Credential Credential
	// Presigned is set for query-string (presigned URL) authentication.
	Presigned bool
	// PayloadHash is the payload hash the signature covers: a lower-case
	// hex SHA-256, "UNSIGNED-PAYLOAD", or a "STREAMING-..." value whose
	// chunk signatures the caller must verify.
	PayloadHash string
	// Signature is the request's signature, lower-case hex. For a
	// STREAMING-*-PAYLOAD upload it seeds the chain of chunk signatures.
	Signature string
	// DecodedContentLength is X-Amz-Decoded-Content-Length, the size of an
	// aws-chunked payload once decoded; -1 when absent or when PayloadHash
	// is not STREAMING-*.
	DecodedContentLength int64
	// Trailer lists the trailing headers x-amz-trailer announces, lower
	// case, for a STREAMING-*-TRAILER upload.
	Trailer []string

	// amzDate is the request time as signed (yyyymmddThhmmssZ) and key the
	// derived signing key: what Verifier.ChunkedReader needs. The key is a
	// pointer, so printing a Result never prints it.
	amzDate string
	key     *signingKey
}

// CheckService returns nil when the request was signed for service, else a
// KindIncomplete *Error worded as AWS words it.
func (res *Result) CheckService(service string) error {
	if res.Service == service {
		return nil
	}
	return incomplete("Credential should be scoped to correct service: '" + service + "'.")
}

// Limits, as AWS enforces them.
const (
	// DefaultMaxSkew is how far the request time may be from the server's
	// clock for header authentication.
	DefaultMaxSkew = 15 * time.Minute
	// MaxPresignExpires is the largest X-Amz-Expires, in seconds (7 days).
	MaxPresignExpires = 604800

	// UnsignedPayload is the X-Amz-Content-Sha256 value of a request whose
	// body is not covered by the signature.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// StreamingPrefix starts the X-Amz-Content-Sha256 values of aws-chunked
	// uploads, whose chunks carry their own signatures.
	StreamingPrefix = "STREAMING-"

	amzDateFormat  = "20060102T150405Z"
	maxCachedKeys  = 4096
	emptySHA256Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// Verifier checks AWS Signature Version 4 on incoming requests. It is safe
// for concurrent use. Its exported fields may be set after NewVerifier and
// before the first Verify, never later.
type Verifier struct {
	// Region, when set, is the only region a credential scope may name;
	// otherwise any well-formed region is accepted and reported in Result.
	Region string
	// MaxSkew is the accepted clock skew for header authentication;
	// DefaultMaxSkew when zero.
	MaxSkew time.Duration
	// MaxChunkSize is the largest signed aws-chunked chunk ChunkedReader
	// accepts; DefaultMaxChunkSize when zero.
	MaxChunkSize int

	src CredentialSource
	now func() time.Time

	mu   sync.RWMutex
	keys map[cacheKey]*signingKey
}

// NewVerifier returns a Verifier that looks access keys up in src and reads
// the time from now (time.Now when nil).
func NewVerifier(src CredentialSource, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	return &Verifier{src: src, now: now, keys: make(map[cacheKey]*signingKey)}
}

// cacheKey names a derived signing key. The secret's hash is part of it, so
// a rotated secret can never be served a key derived from the old one.
type cacheKey struct {
	accessKeyID, date, region, service string
	secret                             [sha256.Size]byte
}

// signingKey is kSigning expanded into HMAC's inner and outer pads.
type signingKey struct {
	ipad, opad [sha256.BlockSize]byte
}

func newSigningKey(k []byte) *signingKey {
	var sk signingKey
	if len(k) > sha256.BlockSize {
		s := sha256.Sum256(k)
		k = s[:]
	}
	copy(sk.ipad[:], k)
	copy(sk.opad[:], k)
	for i := range sk.ipad {
		sk.ipad[i] ^= 0x36
		sk.opad[i] ^= 0x5c
	}
	return &sk
}

// mac computes HMAC-SHA256(k, msg) into out, without allocating.
func (k *signingKey) mac(h hash.Hash, msg []byte, out *[sha256.Size]byte) {
	h.Reset()
	h.Write(k.ipad[:])
	h.Write(msg)
	inner := h.Sum(out[:0])
	h.Reset()
	h.Write(k.opad[:])
	h.Write(inner)
	h.Sum(out[:0])
}

// deriveKey computes kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date),
// region), service), "aws4_request").
func deriveKey(secret []byte, date, region, service string) []byte {
	m := hmac.New(sha256.New, append([]byte("AWS4"), secret...))
	m.Write([]byte(date))
	k := m.Sum(nil)
	for _, part := range []string{region, service, Terminator} {
		m = hmac.New(sha256.New, k)
		m.Write([]byte(part))
		k = m.Sum(k[:0])
	}
	return k
}

// signingKey returns the cached signing key for cred and scope a, deriving
// and caching it on a miss.
func (v *Verifier) signingKey(cred *Credential, a *authorization) *signingKey {
	ck := cacheKey{accessKeyID: a.AccessKeyID, date: a.Date, region: a.Region, service: a.Service, secret: sha256.Sum256(cred.Secret)}
	v.mu.RLock()
	sk := v.keys[ck]
	v.mu.RUnlock()
	if sk != nil {
		return sk
	}
	sk = newSigningKey(deriveKey(cred.Secret, a.Date, a.Region, a.Service))
	ck.accessKeyID = strings.Clone(ck.accessKeyID)
	ck.date = strings.Clone(ck.date)
	ck.region = strings.Clone(ck.region)
	ck.service = strings.Clone(ck.service)
	v.mu.Lock()
	if len(v.keys) >= maxCachedKeys {
		for k := range v.keys { // evict an arbitrary entry
			delete(v.keys, k)
			break
		}
	}
	v.keys[ck] = sk
	v.mu.Unlock()
	return sk
}

// state is the scratch space of one verification, pooled.
type state struct {
	h       hash.Hash
	pairs   []queryPair
	arena   []byte
	tail    []byte
	uri     []byte
	sts     []byte
	sum     [sha256.Size]byte
	mac     [sha256.Size]byte
	hexhash [2 * sha256.Size]byte
}

var statePool = sync.Pool{New: func() any {
	return &state{h: sha256.New(), arena: make([]byte, 0, 256), tail: make([]byte, 0, 1024), uri: make([]byte, 0, 256), sts: make([]byte, 0, 256)}
}}

func (st *state) reset() {
	clear(st.pairs) // drop references to request strings
	st.pairs = st.pairs[:0]
}

func (st *state) query(name string) (value string, n int) {
	for _, p := range st.pairs {
		if p.key == name {
			if n == 0 {
				value = p.value
			}
			n++
		}
	}
	return value, n
}

func parseAmzDate(s string) (time.Time, bool) {
	if len(s) != len(amzDateFormat) {
		return time.Time{}, false
	}
	t, err := time.Parse(amzDateFormat, s)
	return t, err == nil
}

func constantTimeEqual(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var d byte
	for i := 0; i < len(a); i++ {
		d |= a[i] ^ b[i]
	}
	return d == 0
}

// Verify checks the SigV4 signature of r, given in its Authorization header
// or, for presigned URLs, in its query string. body is the whole request
// body, already read by the caller, or nil when the caller streams it (the
// payload hash then comes from X-Amz-Content-Sha256 alone).
//
// A rejected request yields an *Error whose Kind says why (see the Err
// sentinels); a failure of the CredentialSource other than an unknown key is
// returned wrapped, not as an *Error.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte) (Result, error) {
	st := statePool.Get().(*state)
	defer func() { st.reset(); statePool.Put(st) }()

	st.pairs = parseQuery(st.pairs[:0], r.URL.RawQuery)
	_, nAlg := st.query("X-Amz-Algorithm")
	_, nCred := st.query("X-Amz-Credential")
	_, nSig := st.query("X-Amz-Signature")
	presigned := nAlg+nCred+nSig > 0
	authz := r.Header.Get("Authorization")

	var (
		a       authorization
		amzDate string
		t       time.Time
		expires int
	)
	switch {
	case authz == "" && !presigned:
		return Result{}, newError(KindMissingAuth, msgMissingAuth)
	case authz != "" && presigned:
		return Result{}, incomplete("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified")
	case !presigned:
		var err *Error
		if a, err = parseAuthorization(authz); err != nil {
			return Result{}, err
		}
		if amzDate = r.Header.Get("X-Amz-Date"); amzDate != "" {
			var ok bool
			if t, ok = parseAmzDate(amzDate); !ok {
				return Result{}, incomplete("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
			}
		} else if d := r.Header.Get("Date"); d != "" {
			pt, perr := http.ParseTime(d)
			if perr != nil {
				return Result{}, incomplete("Date must be in the RFC 1123 format, got '" + d + "'.")
			}
			t = pt.UTC()
			amzDate = t.Format(amzDateFormat)
		} else {
			return Result{}, incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + authz)
		}
	default:
		var err *Error
		if a, amzDate, expires, err = st.parsePresigned(); err != nil {
			return Result{}, err
		}
		t, _ = parseAmzDate(amzDate)
	}

	// The credential scope must agree with the request and the server.
	if a.Date != amzDate[:8] {
		return Result{}, incomplete(fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", a.Date, amzDate[:8], amzDate))
	}
	if v.Region != "" && a.Region != v.Region {
		return Result{}, incomplete("Credential should be scoped to a valid region, not '" + a.Region + "'.")
	}

	// The request time must be fresh.
	now := v.now().UTC()
	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	if presigned {
		if t.After(now.Add(skew)) {
			return Result{}, newError(KindExpired, msgPresignNotYet)
		}
		if now.After(t.Add(time.Duration(expires) * time.Second)) {
			return Result{}, newError(KindExpired, msgPresignExpired)
		}
	} else {
		f := func(t time.Time) string { return t.Format(amzDateFormat) }
		if t.Before(now.Add(-skew)) {
			return Result{}, newError(KindExpired, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s.)", amzDate, f(now.Add(-skew)), f(now), skewText(skew)))
		}
		if t.After(now.Add(skew)) {
			return Result{}, newError(KindExpired, fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %s.)", amzDate, f(now.Add(skew)), f(now), skewText(skew)))
		}
	}

	cred, err := v.src.Credential(ctx, a.AccessKeyID)
	if err != nil {
		if errors.Is(err, ErrUnknownAccessKey) {
			return Result{}, newError(KindUnknownAccessKey, msgUnknownAccessKey)
		}
		return Result{}, fmt.Errorf("sigv4: looking up access key %q: %w", a.AccessKeyID, err)
	}

	token := r.Header.Get("X-Amz-Security-Token")
	if token == "" && presigned {
		token, _ = st.query("X-Amz-Security-Token")
	}
	if (token != "" || cred.SessionToken != "") && !constantTimeEqual(token, cred.SessionToken) {
		return Result{}, newError(KindInvalidToken, msgInvalidToken)
	}

	// The payload hash the client signed.
	var payloadHash string
	bodyHashed := false
	if ph := r.Header.Get("X-Amz-Content-Sha256"); ph != "" {
		if ph != UnsignedPayload && !strings.HasPrefix(ph, StreamingPrefix) {
			if _, ok := decodeHash(ph); !ok {
				return Result{}, newError(KindContentSHA256Mismatch, "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-*, or a valid sha256 value.")
			}
		}
		payloadHash = ph
	} else if presigned && a.Service == "s3" {
		payloadHash = UnsignedPayload
	} else {
		sum := sha256.Sum256(body)
		hex.Encode(st.hexhash[:], sum[:])
		payloadHash = string(st.hexhash[:])
		bodyHashed = true
	}

	want, ok := decodeHash(a.Signature)
	if !ok {
		return Result{}, newError(KindSignatureMismatch, msgSignatureMismatch)
	}

	// Everything of the canonical request but the method and the path.
	st.tail = append(st.tail[:0], '\n')
	for i := range st.pairs {
		st.pairs[i].excluded = presigned && st.pairs[i].key == "X-Amz-Signature"
	}
	st.tail, st.arena = appendCanonicalQuery(st.tail, st.arena, st.pairs)
	st.tail = append(st.tail, '\n')
	st.tail = appendCanonicalHeaders(st.tail, r, a.SignedHeaders)
	st.tail = append(st.tail, '\n')
	st.tail = append(st.tail, a.SignedHeaders...)
	st.tail = append(st.tail, '\n')
	st.tail = append(st.tail, payloadHash...)

	sk := v.signingKey(&cred, &a)
	path := requestPath(r)
	if a.Service == "s3" {
		// S3 signs the path as sent: encoded once, not normalized.
		st.uri = append(append(append(st.uri[:0], r.Method...), '\n'), path...)
		ok = st.check(sk, amzDate, a.scope(), &want)
	} else {
		// Other services sign the normalized path encoded a second time.
		norm := normalizePath(path)
		st.uri = append(append(st.uri[:0], r.Method...), '\n')
		st.uri = appendEncoded(st.uri, norm, true)
		ok = st.check(sk, amzDate, a.scope(), &want)
		if !ok && norm != path {
			// The Go SDK signs the path without normalizing it.
			st.uri = append(append(st.uri[:0], r.Method...), '\n')
			st.uri = appendEncoded(st.uri, path, true)
			ok = st.check(sk, amzDate, a.scope(), &want)
		}
	}
	if !ok {
		return Result{}, newError(KindSignatureMismatch, msgSignatureMismatch)
	}

	// The signature covers the declared hash; the body must match it.
	if !bodyHashed && body != nil && len(payloadHash) == 2*sha256.Size {
		declared, _ := decodeHash(payloadHash)
		if sum := sha256.Sum256(body); !hmac.Equal(sum[:], declared[:]) {
			return Result{}, newError(KindContentSHA256Mismatch, msgContentMismatch)
		}
	}

	res := Result{
		AccessKeyID:          a.AccessKeyID,
		Date:                 a.Date,
		Region:               a.Region,
		Service:              a.Service,
		SignedAt:             t,
		Credential:           cred,
		Presigned:            presigned,
		PayloadHash:          payloadHash,
		Signature:            strings.ToLower(a.Signature),
		DecodedContentLength: -1,
		amzDate:              amzDate,
		key:                  sk,
	}
	if strings.HasPrefix(payloadHash, StreamingPrefix) {
		if err := res.streamingHeaders(r); err != nil {
			return Result{}, err
		}
	}
	return res, nil
}

// check hashes the canonical request (st.uri, then st.tail), builds the
// string to sign and compares its HMAC with want in constant time.
func (st *state) check(sk *signingKey, amzDate, scope string, want *[sha256.Size]byte) bool {
	h := st.h
	h.Reset()
	h.Write(st.uri) // method, '\n', canonical URI
	h.Write(st.tail)
	sum := h.Sum(st.sum[:0])
	hex.Encode(st.hexhash[:], sum)

	sts := append(st.sts[:0], Algorithm...)
	sts = append(sts, '\n')
	sts = append(sts, amzDate...)
	sts = append(sts, '\n')
	sts = append(sts, scope...)
	sts = append(sts, '\n')
	sts = append(sts, st.hexhash[:]...)
	st.sts = sts

	sk.mac(h, sts, &st.mac)
	return hmac.Equal(st.mac[:], want[:])
}

// decodeHash decodes a 64-digit hex SHA-256.
func decodeHash(s string) (out [sha256.Size]byte, ok bool) {
	if len(s) != 2*sha256.Size {
		return out, false
	}
	for i := range out {
		h, ok1 := unhex(s[2*i])
		l, ok2 := unhex(s[2*i+1])
		if !ok1 || !ok2 {
			return out, false
		}
		out[i] = h<<4 | l
	}
	return out, true
}

func skewText(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.Itoa(int(d/time.Minute)) + " min"
	}
	return strconv.Itoa(int(d/time.Second)) + " sec"
}

// parsePresigned reads the X-Amz-* query parameters of a presigned URL.
func (st *state) parsePresigned() (a authorization, amzDate string, expires int, err *Error) {
	const missing = "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
	var vals [6]string
	for i, name := range [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"} {
		v, n := st.query(name)
		if n > 1 {
			return a, "", 0, incomplete("Query-string authentication requires a single '" + name + "' parameter.")
		}
		if v == "" {
			return a, "", 0, incomplete(missing)
		}
		vals[i] = v
	}
	if vals[0] != Algorithm {
		return a, "", 0, incomplete("X-Amz-Algorithm only supports \"" + Algorithm + "\"")
	}
	a.Credential, a.Signature, amzDate, a.SignedHeaders = vals[1], vals[2], vals[3], vals[4]
	if _, ok := parseAmzDate(amzDate); !ok {
		return a, "", 0, incomplete("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
	}
	e, perr := strconv.Atoi(vals[5])
	switch {
	case perr != nil:
		return a, "", 0, incomplete("X-Amz-Expires should be a number")
	case e < 0:
		return a, "", 0, incomplete("X-Amz-Expires must be non-negative")
	case e == 0:
		return a, "", 0, incomplete("X-Amz-Expires must be at least 1 second")
	case e > MaxPresignExpires:
		return a, "", 0, incomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800")
	}
	if err := a.parseCredential(); err != nil {
		return a, "", 0, err
	}
	if err := checkSignedHeaders(a.SignedHeaders); err != nil {
		return a, "", 0, err
	}
	return a, amzDate, e, nil
}
