package iam

import (
	"encoding/base64"
	"fmt"
	"io"
)

// Prefixes of IAM unique ids and access key ids, as AWS uses them.
const (
	prefixUser      = "AIDA"
	prefixGroup     = "AGPA"
	prefixRole      = "AROA"
	prefixPolicy    = "ANPA"
	prefixAccessKey = "AKIA" // long-term access keys
	prefixTempKey   = "ASIA" // temporary (STS) access keys
)

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// newID returns prefix followed by 16 characters of the base32 alphabet.
func newID(r io.Reader, prefix string) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("iam: id: %w", err)
	}
	id := []byte(prefix)
	for _, c := range b {
		id = append(id, idAlphabet[c%32])
	}
	return string(id), nil
}

// newKeyPair returns an access key id with prefix and a 40-character secret.
func newKeyPair(r io.Reader, prefix string) (id, secret string, err error) {
	k, err := newAccessKey(r)
	if err != nil {
		return "", "", err
	}
	return prefix + k.AccessKeyID[4:], k.SecretAccessKey, nil
}

// newSessionToken returns a random session token (base64 of 96 bytes).
func newSessionToken(r io.Reader) (string, error) {
	b := make([]byte, 96)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("iam: session token: %w", err)
	}
	t := "IQoJb3JpZ2luX2Vj" + base64.StdEncoding.EncodeToString(b)
	clear(b)
	return t, nil
}
