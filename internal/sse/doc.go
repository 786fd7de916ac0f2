// Package sse owns object encryption for Coffer's S3 service: the streaming
// AEAD format object bytes are written in, the range math that lets a GET
// decrypt only the packages it touches, per-part keys for multipart uploads,
// the sealed form of an object key (SSE-S3, SSE-KMS, SSE-C), and the SSE-C
// customer-key checks.
//
// Invariants:
//
//   - Every object (every part of a multipart object) is its own DARE 2.0
//     stream (github.com/minio/sio) under a fresh random 256-bit key, in
//     AES-256-GCM packages of at most 64 KiB of plaintext, each authenticated
//     with its sequence number and, for the last one, a final flag. Memory is
//     bounded by one package whatever the object size.
//   - Plaintext only ever passes through memory: writers emit ciphertext,
//     readers release a package's plaintext only after its tag verified.
//   - An object key is stored only sealed (Seal), bound to its SSE domain,
//     bucket and object name; a sealed key moved elsewhere does not unseal.
//   - Every cryptographic failure is the one opaque error ErrAuth (or ErrUnseal
//     for sealed keys); no error or String method ever contains key bytes.
//
// The formats are written down in docs/object-encryption.md and pinned by the
// known-answer files in testdata/.
package sse
