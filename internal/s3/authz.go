package s3

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/policy"
	"github.com/coffer-kms/coffer/internal/store"
)

// bucketARN and objectARN are the S3 resource ARNs policies name.
func bucketARN(bucket string) string      { return "arn:aws:s3:::" + bucket }
func objectARN(bucket, key string) string { return "arn:aws:s3:::" + bucket + "/" + key }

// authorize decides whether r's caller may perform action on resource of
// bucket b (nil for account-level actions such as ListBuckets and
// CreateBucket, which act in the caller's own account). As AWS (IAM User
// Guide, "Policy evaluation logic"; S3 User Guide, "How Amazon S3
// authorizes a request"):
//
//  1. an explicit Deny in the bucket policy or in the caller's identity
//     policies denies, even the bucket owner's root (except for the bucket
//     policy actions, so the owner can always repair a policy);
//  2. same account: allowed for the account root, by an identity policy
//     Allow, or by a bucket policy Allow naming the caller directly (one
//     naming only the account delegates to the identity policies);
//  3. another account: the bucket policy must allow it (naming the caller
//     or its account) and so must the caller's identity policies (its
//     account root needs none).
//
// Both policies see the same condition keys (conditionKeys).
func (s *Service) authorize(ctx context.Context, r *Request, b *store.Bucket, action, resource string) error {
	c := r.Caller
	isRoot := c.PrincipalARN == "arn:aws:iam::"+c.Account+":root"
	cond := conditionKeys(r, b, action, s.now)
	denied := func(why string) error {
		return s3Err(awsproto.S3AccessDenied, fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s %s", c.PrincipalARN, action, resource, why))
	}
	bucketRes := policy.Result{}
	if b != nil && b.Policy != "" {
		p, err := s.policies.parse(b.Policy)
		if err != nil {
			return fmt.Errorf("bucket %s: stored policy: %w", b.Name, err)
		}
		bucketRes = p.Evaluate(&policy.Request{
			Principal: policy.Principal{ARN: c.PrincipalARN, Account: c.Account, IdentityARN: c.RoleARN},
			Action:    action, Resource: resource, Context: cond,
		})
	}
	sameAccount := b == nil || b.Account == c.Account
	if bucketRes.Decision == policy.Deny && !(sameAccount && isRoot && isBucketPolicyAction(action)) {
		return denied("with an explicit deny in a resource-based policy")
	}
	identity := policy.NotApplicable
	if !isRoot && s.authz != nil {
		d, err := s.authz.DecideS3(ctx, c, action, resource, cond)
		if err != nil {
			var ae *awsproto.Error
			if !errors.As(err, &ae) || ae.Status >= 500 {
				return err // the authorizer failed: internal
			}
			return denied("because no identity-based policy allows the " + action + " action")
		}
		identity = d
	} else if !isRoot && s.authz == nil {
		identity = policy.Allow // no authorizer configured: the account's principals are trusted
	}
	if identity == policy.Deny {
		return denied("with an explicit deny in an identity-based policy")
	}
	identityOK := isRoot || identity == policy.Allow
	if sameAccount {
		if identityOK || bucketRes.Decision == policy.Allow && bucketRes.Via != policy.PrincipalAccount {
			return nil
		}
		return denied("because no identity-based policy allows the " + action + " action")
	}
	if bucketRes.Decision != policy.Allow {
		return denied("because no resource-based policy allows the " + action + " action")
	}
	if !identityOK {
		return denied("because no identity-based policy allows the " + action + " action")
	}
	return nil
}

// isBucketPolicyAction reports the actions the bucket owner's root may
// always perform, whatever the bucket policy says.
func isBucketPolicyAction(action string) bool {
	switch action {
	case "s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy":
		return true
	}
	return false
}

// uuidRE matches a bare KMS key id.
var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// conditionKeys returns the condition keys of r for action: the global
// keys (aws:PrincipalArn, aws:SourceIp, aws:SecureTransport, ...) and the
// S3 keys the action carries (S3 User Guide, "Condition keys for Amazon
// S3"): for writes s3:x-amz-server-side-encryption and
// s3:x-amz-server-side-encryption-aws-kms-key-id (a bare key id as the key
// ARN in the bucket's region and the caller's account, since policies name
// ARNs), s3:x-amz-server-side-encryption-customer-algorithm,
// s3:x-amz-copy-source, s3:x-amz-metadata-directive; for listings s3:prefix,
// s3:delimiter and s3:max-keys. They reflect the request only: a bucket
// default does not set them (as on AWS).
func conditionKeys(r *Request, b *store.Bucket, action string, now func() time.Time) policy.Context {
	c := r.Caller
	t := now().UTC()
	cx := policy.Context{}
	principalARN := c.PrincipalARN
	if c.RoleARN != "" {
		principalARN = c.RoleARN
	}
	cx.Set("aws:PrincipalArn", principalARN)
	cx.Set("aws:PrincipalAccount", c.Account)
	cx.Set("aws:userid", c.UserID)
	cx.Set("aws:CurrentTime", t.Format(time.RFC3339))
	cx.Set("aws:EpochTime", strconv.FormatInt(t.Unix(), 10))
	cx.Set("aws:RequestedRegion", c.Region)
	cx.Set("aws:SecureTransport", strconv.FormatBool(c.SecureTransport))
	cx.Set("s3:signatureversion", "AWS4-HMAC-SHA256")
	if c.PrincipalType != "" {
		cx.Set("aws:PrincipalType", c.PrincipalType)
	}
	if c.UserName != "" {
		cx.Set("aws:username", c.UserName)
	}
	if c.SourceIP != "" {
		cx.Set("aws:SourceIp", c.SourceIP)
	}
	if b != nil {
		cx.Set("s3:ResourceAccount", b.Account)
	}
	h := r.Header
	switch action {
	case "s3:PutObject":
		if v := h.Get(hSSE); v != "" {
			cx.Set("s3:x-amz-server-side-encryption", v)
		}
		if v := h.Get(hSSEKMSKeyID); v != "" {
			if uuidRE.MatchString(v) && b != nil {
				v = "arn:aws:kms:" + b.Region + ":" + c.Account + ":key/" + v
			}
			cx.Set("s3:x-amz-server-side-encryption-aws-kms-key-id", v)
		}
		if v := h.Get(hSSECAlgorithm); v != "" {
			cx.Set("s3:x-amz-server-side-encryption-customer-algorithm", v)
		}
		if v := h.Get(hCopySource); v != "" {
			cx.Set("s3:x-amz-copy-source", v)
		}
		if v := h.Get(hMetadataDirective); v != "" {
			cx.Set("s3:x-amz-metadata-directive", v)
		}
		if v := h.Get("Content-Type"); v != "" {
			cx.Set("s3:content-type", v)
		}
	case "s3:ListBucket", "s3:ListBucketMultipartUploads":
		q := r.Query
		if q.Has("prefix") {
			cx.Set("s3:prefix", q.Get("prefix"))
		}
		if q.Has("delimiter") {
			cx.Set("s3:delimiter", q.Get("delimiter"))
		}
		if v := q.Get("max-keys"); v != "" {
			cx.Set("s3:max-keys", v)
		}
	}
	return cx
}

// policyCache keeps parsed bucket policies by their text, so a request
// parses its bucket's policy only when it changed. Bounded: it is reset
// when it grows past maxCachedPolicies.
type policyCache struct {
	mu sync.Mutex
	m  map[string]*policy.Policy
}

const maxCachedPolicies = 1024

func (pc *policyCache) parse(doc string) (*policy.Policy, error) {
	pc.mu.Lock()
	p, ok := pc.m[doc]
	pc.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := policy.Parse(doc)
	if err != nil {
		return nil, err
	}
	pc.mu.Lock()
	if pc.m == nil || len(pc.m) >= maxCachedPolicies {
		pc.m = map[string]*policy.Policy{}
	}
	pc.m[doc] = p
	pc.mu.Unlock()
	return p, nil
}

// bucket loads a bucket for an operation on it and authorizes action on
// resource: NoSuchBucket (404) if absent.
func (s *Service) bucket(ctx context.Context, r *Request, name, action, resource string) (store.Bucket, error) {
	b, err := s.store.GetBucket(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return b, s3Err(awsproto.S3NoSuchBucket, "").With("BucketName", name)
	}
	if err != nil {
		return b, fmt.Errorf("get bucket: %w", err)
	}
	if err := s.authorize(ctx, r, &b, action, resource); err != nil {
		return b, err
	}
	return b, nil
}
