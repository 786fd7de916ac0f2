// Package arn owns Amazon Resource Names and the identifiers inside them:
// account ids and region names. It is pure and depends on nothing.
package arn

import (
	"errors"
	"strings"
)

// ServiceAccount is the account id reserved for what integrated services
// own themselves (the AWS owned keys, such as S3's key for SSE-S3). No
// customer account may have it.
const ServiceAccount = "000000000000"

// ErrMalformed is returned when a string is not a well-formed ARN.
var ErrMalformed = errors.New("arn: malformed")

// ARN is a parsed Amazon Resource Name:
// arn:partition:service:region:account:resource.
type ARN struct {
	Partition string
	Service   string
	Region    string
	Account   string
	Resource  string
}

// Parse splits s into its six parts. It checks the shape, not whether the
// service, region or account exist.
func Parse(s string) (ARN, error) {
	if !strings.HasPrefix(s, "arn:") {
		return ARN{}, ErrMalformed
	}
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[1] == "" || parts[2] == "" {
		return ARN{}, ErrMalformed
	}
	return ARN{Partition: parts[1], Service: parts[2], Region: parts[3], Account: parts[4], Resource: parts[5]}, nil
}

// String formats the ARN.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}

// IsARN reports whether s looks like an ARN (starts with "arn:").
func IsARN(s string) bool { return strings.HasPrefix(s, "arn:") }

// ValidAccountID reports whether id is a 12-digit account id.
func ValidAccountID(id string) bool {
	if len(id) != 12 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// ValidRegion reports whether name has the shape of an AWS region name
// (^([a-z]+-){2,3}\d+$, e.g. us-east-1, us-gov-west-1), as in the KMS API model.
func ValidRegion(name string) bool {
	if len(name) == 0 || len(name) > 32 {
		return false
	}
	parts := strings.Split(name, "-")
	if len(parts) < 3 || len(parts) > 4 {
		return false
	}
	for i, p := range parts {
		if p == "" {
			return false
		}
		last := i == len(parts)-1
		for j := 0; j < len(p); j++ {
			c := p[j]
			if last && (c < '0' || c > '9') {
				return false
			}
			if !last && (c < 'a' || c > 'z') {
				return false
			}
		}
	}
	return true
}

// KMSKey returns the ARN of a KMS key.
func KMSKey(region, account, keyID string) string {
	return "arn:aws:kms:" + region + ":" + account + ":key/" + keyID
}

// KMSAlias returns the ARN of a KMS alias; name includes "alias/".
func KMSAlias(region, account, name string) string {
	return "arn:aws:kms:" + region + ":" + account + ":" + name
}

// AccountRoot returns the ARN of an account's root principal.
func AccountRoot(account string) string {
	return "arn:aws:iam::" + account + ":root"
}
