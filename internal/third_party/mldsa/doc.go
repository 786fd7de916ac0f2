// Package mldsa is ML-DSA (FIPS 204) from the Go standard library's
// crypto/internal/fips140/mldsa (Go 1.26), copied unchanged but for its
// imports, because Go 1.26 exposes ML-DSA only internally and Coffer needs
// the external-μ entry points (SignExternalMu, VerifyExternalMu) that
// AWS KMS's MessageType EXTERNAL_MU calls for and that no public vetted
// package offers (cloudflare/circl computes μ itself).
//
// Changes from the original, all mechanical: crypto/internal/fips140/sha3 →
// crypto/sha3 (NewShake* → NewSHAKE*); crypto/internal/fips140/drbg.Read →
// crypto/rand.Read; crypto/internal/fips140/subtle and
// crypto/internal/constanttime → crypto/subtle's ConstantTime* functions
// (the same operations); crypto/internal/fips140deps/byteorder →
// encoding/binary; fips140.RecordApproved calls and the FIPS 140-3 CAST
// (cast.go, its fipsSelfTest and fipsPCT calls, which act only in FIPS mode) removed. The tests are the package's own (field tests and the
// NIST ACVP rejection KATs). See LICENSE (BSD-3-Clause, The Go Authors).
//
// Drop this copy for the public crypto/mldsa package when Go offers one with
// external μ.
package mldsa
