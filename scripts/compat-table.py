#!/usr/bin/env python3
"""Print the README's compatibility tables from the botocore API models on
this machine: every KMS, S3, IAM and STS operation, with Coffer's status.

Usage: python3 scripts/compat-table.py > /tmp/compat.md
The supported sets below are kept true by internal/arch's README test.
"""
import gzip, json, os, sys
import botocore

SUPPORTED = {
    "kms": {
        "CancelKeyDeletion", "CreateAlias", "CreateKey", "Decrypt", "DeleteAlias", "DescribeKey",
        "DisableKey", "DisableKeyRotation", "EnableKey", "EnableKeyRotation", "Encrypt",
        "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateRandom", "GetKeyPolicy",
        "GetKeyRotationStatus", "ListAliases", "ListKeyPolicies", "ListKeyRotations", "ListKeys",
        "ListResourceTags", "PutKeyPolicy", "ReEncrypt", "RotateKeyOnDemand", "ScheduleKeyDeletion",
        "TagResource", "UntagResource", "UpdateAlias", "UpdateKeyDescription",
        "CreateGrant", "ListGrants", "ListRetirableGrants", "RetireGrant", "RevokeGrant",
        "Sign", "Verify", "GetPublicKey", "GenerateMac", "VerifyMac", "DeriveSharedSecret",
        "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "GetKeyLastUsage",
        "GetParametersForImport", "ImportKeyMaterial", "DeleteImportedKeyMaterial",
        "ReplicateKey", "UpdatePrimaryRegion",
    },
    "s3": {
        "AbortMultipartUpload", "CompleteMultipartUpload", "CreateBucket", "CreateMultipartUpload",
        "DeleteBucket", "DeleteObject", "GetBucketLocation", "GetObject", "HeadBucket", "HeadObject",
        "ListBuckets", "ListObjects", "ListObjectsV2", "ListParts", "PutObject", "UploadPart", "DeleteObjects",
        "PutBucketEncryption", "GetBucketEncryption", "DeleteBucketEncryption",
        "CopyObject", "UploadPartCopy", "ListMultipartUploads",
        "PutBucketPolicy", "GetBucketPolicy", "DeleteBucketPolicy",
    },
    "iam": {
        "AddUserToGroup", "AttachGroupPolicy", "AttachRolePolicy", "AttachUserPolicy", "CreateAccessKey",
        "CreateGroup", "CreatePolicy", "CreateRole", "CreateUser", "DeleteAccessKey", "DeleteGroup",
        "DeleteGroupPolicy", "DeletePolicy", "DeleteRole", "DeleteRolePolicy", "DeleteUser", "DeleteUserPolicy",
        "DetachGroupPolicy", "DetachRolePolicy", "DetachUserPolicy", "GetGroup", "GetGroupPolicy", "GetPolicy",
        "GetPolicyVersion", "CreatePolicyVersion", "DeletePolicyVersion", "SetDefaultPolicyVersion", "ListPolicyVersions", "GetRole", "GetRolePolicy", "GetUser", "GetUserPolicy", "ListAccessKeys",
        "ListAttachedGroupPolicies", "ListAttachedRolePolicies", "ListAttachedUserPolicies", "ListGroupPolicies",
        "ListGroups", "ListGroupsForUser", "ListPolicies", "ListRolePolicies", "ListRoles", "ListUserPolicies",
        "ListUsers", "PutGroupPolicy", "PutRolePolicy", "PutUserPolicy", "RemoveUserFromGroup", "TagRole",
        "TagUser", "UpdateAccessKey", "UpdateAssumeRolePolicy",
    },
    "sts": {"AssumeRole", "GetCallerIdentity", "GetSessionToken"},
}
NOTES = {
    "kms": {
        "CreateKey": "every KeySpec/KeyUsage pair but SM2 (docs/key-specs.md); origin AWS_KMS or EXTERNAL, MultiRegion (docs/imported-and-multi-region-keys.md); custom key stores and SM2 answer UnsupportedOperationException",
        "ReplicateKey": "replica in another Region of the same server: same key id and material, own policy, description, tags, aliases and state; needs kms:ReplicateKey on the primary and kms:CreateKey in the replica Region; the replica is Enabled (or PendingImport) at once, no transient Creating state",
        "UpdatePrimaryRegion": "swaps the roles at once (no transient Updating state); needs kms:UpdatePrimaryRegion on both keys",
        "GetParametersForImport": "RSAES_OAEP_SHA_1/256 and RSA_AES_KEY_WRAP_SHA_1/256 with RSA_2048/3072/4096 wrapping keys, valid 24 h; RSAES_PKCS1_V1_5 and SM2 answer UnsupportedOperationException",
        "ImportKeyMaterial": "symmetric, HMAC and asymmetric (PKCS#8) material; expiry via the maintenance loop; re-import of the same material; NEW_KEY_MATERIAL + RotateKeyOnDemand for symmetric keys (not multi-Region ones)",
        "DeleteImportedKeyMaterial": "one material (KeyMaterialId, else the current one); the key goes back to PendingImport",
        "Sign": "RAW, DIGEST and EXTERNAL_MU (ML-DSA); every key spec but SM2",
        "Verify": "RAW, DIGEST and EXTERNAL_MU (ML-DSA); every key spec but SM2",
        "Encrypt": "symmetric keys and RSA keys (RSAES_OAEP_SHA_1/256)",
        "ReEncrypt": "symmetric and RSA keys on either side (RSA source needs SourceKeyId and SourceEncryptionAlgorithm)",
        "GenerateDataKeyPair": "every KeyPairSpec but SM2; PKCS#8 private key",
        "GetKeyLastUsage": "recorded in memory and flushed to the store every 10 s (and at shutdown); no CloudTrailEventId yet",
        "DeriveSharedSecret": "ECDH on NIST curves; the Recipient member answers UnsupportedOperationException",
        "Decrypt": "the Recipient (Nitro Enclaves) member answers UnsupportedOperationException",
        "GenerateDataKey": "the Recipient member answers UnsupportedOperationException",
        "PutKeyPolicy": "policy language, principals and the lockout safety check are enforced",
        "CreateGrant": "grants take effect at once; the grant token only names the grant",
    },
    "s3": {
        "CreateBucket": "LocationConstraint must name the region the request is signed for",
        "PutObject": "every object encrypted: SSE-S3 by default, SSE-KMS (as the caller, kms:ViaService), SSE-C (TLS or loopback); Content-MD5 and x-amz-checksum-* verified; the bucket's default encryption applies when the request names none",
        "PutBucketEncryption": "one rule; AES256, aws:kms (KMSMasterKeyID resolved in the writer's account at each PUT; none: aws/s3) and aws:kms:dsse; BucketKeyEnabled uses S3 Bucket Keys (one KMS data key per bucket, principal and 5 minutes); BlockedEncryptionTypes SSE-C refuses new SSE-C objects (AccessDenied), not blocked by default",
        "GetBucketEncryption": "never NotFound: SSE-S3 until a configuration is put, as on AWS since 2023",
        "DeleteBucketEncryption": "resets the default to SSE-S3; 204, idempotent",
        "GetObject": "Range, conditional headers, response-* overrides and partNumber (x-amz-mp-parts-count; parts counted in order)",
        "HeadObject": "partNumber as GetObject",
        "UploadPart": "parts are encrypted under keys derived from the object key; SSE-KMS parts need kms:Decrypt, as in S3",
        "CompleteMultipartUpload": "COMPOSITE and FULL_OBJECT checksums",
        "CopyObject": "re-encrypts under the destination's SSE (request headers, else the bucket default): the way to change an object's encryption; SSE-C source keys, x-amz-copy-source-if-*, COPY/REPLACE metadata; tagging and versions are not kept",
        "PutBucketPolicy": "evaluated on every S3 request with the IAM policy engine (Deny wins, cross-account needs the bucket policy and the caller's identity policy); S3 condition keys for SSE, listing, copy, plus aws:SourceIp, aws:SecureTransport and the global keys",
        "UploadPartCopy": "x-amz-copy-source-range bytes=first-last; re-encrypted under the part key",
        "ListBuckets": "no pagination parameters yet",
    },
    "sts": {
        "AssumeRole": "trust policy evaluated; ExternalId supported; session policies, session tags, MFA and SourceIdentity are refused",
    },
    "iam": {
        "CreatePolicy": "customer managed policies; no AWS managed policies exist",
    },
}
MODELS = {"kms": "kms/2014-11-01", "s3": "s3/2006-03-01", "iam": "iam/2010-05-08", "sts": "sts/2011-06-15"}
TITLES = {"kms": "AWS KMS", "s3": "Amazon S3", "iam": "AWS IAM", "sts": "AWS STS"}

base = os.path.join(os.path.dirname(botocore.__file__), "data")
for svc, path in MODELS.items():
    with gzip.open(os.path.join(base, path, "service-2.json.gz")) as f:
        ops = sorted(json.load(f)["operations"])
    n = len([o for o in ops if o in SUPPORTED[svc]])
    print(f"### {TITLES[svc]} — {n} of {len(ops)} operations\n")
    print("| operation | supported | notes |")
    print("|---|---|---|")
    for o in ops:
        mark = "yes" if o in SUPPORTED[svc] else "no"
        print(f"| {o} | {mark} | {NOTES.get(svc, {}).get(o, '')} |")
    print()
