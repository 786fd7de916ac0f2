// Package sigv4 verifies AWS Signature Version 4 on incoming requests: the
// Authorization header form and the presigned-URL (query string) form, for
// the KMS JSON protocol and for S3 alike.
//
// It owns the canonical request, the string to sign, signing-key derivation
// and the checks AWS makes around them (credential scope, clock skew,
// presign expiry, session tokens, X-Amz-Content-Sha256), and the decoding
// of aws-chunked bodies with their chunk signatures and trailers
// (Verifier.ChunkedReader). It does not own
// access keys (a CredentialSource supplies them), authorization, or the wire
// error codes: every rejection is an *Error whose Kind the protocol layers
// map to their own codes, and whose Message is worded as AWS words it.
//
// Invariants:
//   - Signatures are compared in constant time; session tokens too.
//   - A secret never appears in an error, a log or a cache key (keys are
//     cached under a SHA-256 of the secret, so a rotated secret never
//     reuses a stale signing key).
//   - The canonical request follows the AWS documentation; for services
//     other than s3 the Go SDK's unnormalized path is also accepted, see
//     docs/sigv4.md.
//   - An aws-chunked body is streamed: a signed chunk is held (at most
//     Verifier.MaxChunkSize) and released only once its signature verifies.
//   - Non-test code uses the standard library only.
//
// The steps are written down as pseudo-code in docs/sigv4.md.
package sigv4
