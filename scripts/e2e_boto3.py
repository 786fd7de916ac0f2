#!/usr/bin/env python3
"""End-to-end checks of Coffer with boto3 (KMS, IAM, STS, S3).

    python3 scripts/e2e_boto3.py ENDPOINT

Run by scripts/e2e-boto3.sh, which starts `coffer serve --dev` and sets the
dev account's credentials. Prints "PASS name" / "FAIL name: reason" for each
check and "N passed, M failed" at the end; exits non-zero on any failure.
Plain Python, no pytest: only boto3/botocore and the standard library.
"""

import base64
import hashlib
import io
import json
import os
import sys
import time
import traceback

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

ACCOUNT = "111122223333"
REGION = "us-east-1"

endpoint = sys.argv[1]
passed = 0
failed = 0


def config(**extra):
    # Bounded: no retries, short timeouts.
    return Config(
        region_name=REGION,
        retries={"max_attempts": 1, "mode": "standard"},
        connect_timeout=5,
        read_timeout=30,
        **extra,
    )


def client(service, **creds):
    kw = {}
    if service == "s3":
        kw["config"] = config(s3={"addressing_style": "path"})
    else:
        kw["config"] = config()
    return boto3.session.Session(region_name=REGION, **creds).client(
        service, endpoint_url=endpoint, **kw
    )


def check(name):
    """Decorator: runs the check at once; an exception is a failure."""

    def run(fn):
        global passed, failed
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - any exception fails the check
            failed += 1
            reason = f"{type(e).__name__}: {e}"
            print(f"FAIL {name}: {reason}")
            if os.environ.get("E2E_TRACE"):
                traceback.print_exc()
        else:
            passed += 1
            print(f"PASS {name}")
        sys.stdout.flush()
        return fn

    return run


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def expect_error(fn, code=None, status=None):
    """Calls fn, which must raise a ClientError with this code and/or HTTP status."""
    try:
        fn()
    except ClientError as e:
        got_code = e.response.get("Error", {}).get("Code")
        got_status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code is not None and got_code != code:
            raise AssertionError(f"error code {got_code!r} (status {got_status}), want {code!r}: {e}")
        if status is not None and got_status != status:
            raise AssertionError(f"HTTP status {got_status} (code {got_code!r}), want {status}: {e}")
        return e
    raise AssertionError(f"no error, want {code or status}")


kms = client("kms")
iam = client("iam")
sts = client("sts")
s3 = client("s3")

state = {}
suffix = os.urandom(4).hex()
alias = f"alias/e2e-boto3-{suffix}"
plaintext = b"Attack at dawn.\nThe cat robot goes first.\n"

# ---------------------------------------------------------------- KMS


@check("kms create_key")
def _():
    md = kms.create_key(Description="e2e boto3")["KeyMetadata"]
    expect(md["Arn"] == f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{md['KeyId']}", f"arn {md['Arn']}")
    expect(md["KeyState"] == "Enabled", f"state {md['KeyState']}")
    expect(md["KeySpec"] == "SYMMETRIC_DEFAULT", f"spec {md['KeySpec']}")
    state["key_id"], state["key_arn"] = md["KeyId"], md["Arn"]


@check("kms create_alias")
def _():
    kms.create_alias(AliasName=alias, TargetKeyId=state["key_id"])


@check("kms encrypt/decrypt with encryption context")
def _():
    ctx = {"purpose": "war", "team": "cats"}
    ct = kms.encrypt(KeyId=alias, Plaintext=plaintext, EncryptionContext=ctx)
    expect(ct["KeyId"] == state["key_arn"], f"encrypt KeyId {ct['KeyId']}")
    blob = ct["CiphertextBlob"]
    expect(plaintext not in blob, "plaintext visible in the ciphertext")
    state["ctx_blob"] = blob
    pt = kms.decrypt(CiphertextBlob=blob, EncryptionContext=ctx)
    expect(pt["Plaintext"] == plaintext, "decrypted plaintext differs")
    expect(pt["KeyId"] == state["key_arn"], f"decrypt KeyId {pt['KeyId']}")


@check("kms decrypt with the wrong context → InvalidCiphertextException")
def _():
    expect_error(
        lambda: kms.decrypt(CiphertextBlob=state["ctx_blob"], EncryptionContext={"purpose": "peace", "team": "cats"}),
        code="InvalidCiphertextException",
    )
    expect_error(lambda: kms.decrypt(CiphertextBlob=state["ctx_blob"]), code="InvalidCiphertextException")


@check("kms generate_data_key (32-byte plaintext, decrypts)")
def _():
    dk = kms.generate_data_key(KeyId=alias, KeySpec="AES_256", EncryptionContext={"f": "x"})
    expect(len(dk["Plaintext"]) == 32, f"plaintext {len(dk['Plaintext'])} bytes")
    pt = kms.decrypt(CiphertextBlob=dk["CiphertextBlob"], EncryptionContext={"f": "x"})
    expect(pt["Plaintext"] == dk["Plaintext"], "decrypted data key differs")


@check("kms re_encrypt (new key, new context)")
def _():
    other = kms.create_key(Description="e2e boto3 re-encrypt target")["KeyMetadata"]
    state["other_arn"] = other["Arn"]
    r = kms.re_encrypt(
        CiphertextBlob=state["ctx_blob"],
        SourceEncryptionContext={"purpose": "war", "team": "cats"},
        DestinationKeyId=other["KeyId"],
        DestinationEncryptionContext={"purpose": "moved"},
    )
    expect(r["SourceKeyId"] == state["key_arn"], f"SourceKeyId {r['SourceKeyId']}")
    expect(r["KeyId"] == other["Arn"], f"KeyId {r['KeyId']}")
    pt = kms.decrypt(CiphertextBlob=r["CiphertextBlob"], EncryptionContext={"purpose": "moved"})
    expect(pt["Plaintext"] == plaintext, "re-encrypted plaintext differs")
    expect(pt["KeyId"] == other["Arn"], f"decrypt KeyId {pt['KeyId']}")


@check("kms describe_key by alias")
def _():
    md = kms.describe_key(KeyId=alias)["KeyMetadata"]
    got = (md["KeyId"], md["Enabled"], md["KeyManager"], md["Origin"], md["Description"])
    expect(got == (state["key_id"], True, "CUSTOMER", "AWS_KMS", "e2e boto3"), f"got {got}")


@check("kms list_aliases with a paginator (several pages)")
def _():
    names = {f"alias/e2e-boto3-page-{suffix}-{i}" for i in range(5)}
    for n in names:
        kms.create_alias(AliasName=n, TargetKeyId=state["key_id"])
    pages = list(kms.get_paginator("list_aliases").paginate(PaginationConfig={"PageSize": 2}))
    seen = [a["AliasName"] for p in pages for a in p["Aliases"]]
    expect(len(pages) >= 3, f"{len(pages)} pages for {len(seen)} aliases with PageSize 2")
    expect(all(len(p["Aliases"]) <= 2 for p in pages), "a page holds more than 2 aliases")
    expect(len(seen) == len(set(seen)), f"duplicates across pages: {seen}")
    missing = (names | {alias}) - set(seen)
    expect(not missing, f"missing {sorted(missing)}")
    targets = {a["AliasName"]: a.get("TargetKeyId") for p in pages for a in p["Aliases"]}
    expect(targets[alias] == state["key_id"], f"TargetKeyId {targets[alias]}")


@check("kms schedule_key_deletion / cancel_key_deletion")
def _():
    kid = kms.create_key(Description="e2e boto3 doomed")["KeyMetadata"]["KeyId"]
    r = kms.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
    expect(r["KeyState"] == "PendingDeletion" and r["PendingWindowInDays"] == 7, f"got {r}")
    md = kms.describe_key(KeyId=kid)["KeyMetadata"]
    expect(md["KeyState"] == "PendingDeletion" and "DeletionDate" in md, f"describe {md['KeyState']}")
    expect_error(lambda: kms.encrypt(KeyId=kid, Plaintext=b"x"), code="KMSInvalidStateException")
    r = kms.cancel_key_deletion(KeyId=kid)
    expect(r["KeyId"].endswith(kid), f"cancel KeyId {r['KeyId']}")
    md = kms.describe_key(KeyId=kid)["KeyMetadata"]
    # As in AWS, a cancelled deletion leaves the key disabled.
    expect(md["KeyState"] == "Disabled", f"state after cancel {md['KeyState']}")
    kms.enable_key(KeyId=kid)
    kms.encrypt(KeyId=kid, Plaintext=b"x")


# ---------------------------------------------------------------- IAM / STS

user = f"e2e-boto3-{suffix}"


@check("iam create_user + create_access_key")
def _():
    u = iam.create_user(UserName=user)["User"]
    expect(u["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/{user}", f"arn {u['Arn']}")
    k = iam.create_access_key(UserName=user)["AccessKey"]
    expect(k["UserName"] == user and k["Status"] == "Active", f"got {k}")
    state["user_arn"] = u["Arn"]
    state["user_creds"] = {
        "aws_access_key_id": k["AccessKeyId"],
        "aws_secret_access_key": k["SecretAccessKey"],
    }


@check("kms encrypt as the user without a policy → AccessDeniedException")
def _():
    ukms = client("kms", **state["user_creds"])
    state["ukms"] = ukms
    e = expect_error(lambda: ukms.encrypt(KeyId=state["key_arn"], Plaintext=b"x"), code="AccessDeniedException")
    expect(user in str(e), f"denial does not name the user: {e}")


@check("iam put_user_policy kms:Encrypt → encrypt as the user succeeds")
def _():
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "kms:Encrypt", "Resource": state["key_arn"]}],
    }
    iam.put_user_policy(UserName=user, PolicyName="kms-encrypt", PolicyDocument=json.dumps(doc))
    r = state["ukms"].encrypt(KeyId=state["key_arn"], Plaintext=plaintext)
    expect(r["KeyId"] == state["key_arn"], f"KeyId {r['KeyId']}")
    # Only Encrypt was allowed.
    expect_error(lambda: state["ukms"].decrypt(CiphertextBlob=r["CiphertextBlob"]), code="AccessDeniedException")
    expect(kms.decrypt(CiphertextBlob=r["CiphertextBlob"])["Plaintext"] == plaintext, "root decrypt differs")


@check("sts get_caller_identity as the user")
def _():
    r = client("sts", **state["user_creds"]).get_caller_identity()
    expect(r["Arn"] == state["user_arn"] and r["Account"] == ACCOUNT, f"got {r}")
    r = sts.get_caller_identity()
    expect(r["Arn"] == f"arn:aws:iam::{ACCOUNT}:root", f"root got {r['Arn']}")


# ---------------------------------------------------------------- S3

bucket = f"e2e-boto3-{suffix}"
body = b"find all the doggos, distract them with the yumz\n" * 100


@check("s3 create_bucket")
def _():
    s3.create_bucket(Bucket=bucket)
    s3.head_bucket(Bucket=bucket)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    expect(bucket in names, f"list_buckets {names}")


@check("s3 put_object / get_object / head_object (SSE-S3 AES256)")
def _():
    p = s3.put_object(Bucket=bucket, Key="plans/sse-s3.txt", Body=body, ServerSideEncryption="AES256")
    expect(p["ServerSideEncryption"] == "AES256", f"put {p.get('ServerSideEncryption')}")
    g = s3.get_object(Bucket=bucket, Key="plans/sse-s3.txt")
    expect(g["Body"].read() == body, "get body differs")
    expect(g["ServerSideEncryption"] == "AES256", f"get {g.get('ServerSideEncryption')}")
    h = s3.head_object(Bucket=bucket, Key="plans/sse-s3.txt")
    expect(h["ServerSideEncryption"] == "AES256", f"head {h.get('ServerSideEncryption')}")
    expect(h["ContentLength"] == len(body), f"ContentLength {h['ContentLength']}")
    expect(h["ETag"] == p["ETag"], f"ETag {h['ETag']} != {p['ETag']}")


@check("s3 put_object default encryption is AES256")
def _():
    p = s3.put_object(Bucket=bucket, Key="plans/default.txt", Body=b"plain request")
    expect(p.get("ServerSideEncryption") == "AES256", f"put {p.get('ServerSideEncryption')}")


@check("s3 put_object SSE-KMS with the alias, head_object shows aws:kms")
def _():
    p = s3.put_object(
        Bucket=bucket, Key="plans/sse-kms.txt", Body=body, ServerSideEncryption="aws:kms", SSEKMSKeyId=alias
    )
    expect(p["ServerSideEncryption"] == "aws:kms", f"put {p.get('ServerSideEncryption')}")
    h = s3.head_object(Bucket=bucket, Key="plans/sse-kms.txt")
    expect(h["ServerSideEncryption"] == "aws:kms", f"head {h.get('ServerSideEncryption')}")
    expect(h.get("SSEKMSKeyId") == state["key_arn"], f"head SSEKMSKeyId {h.get('SSEKMSKeyId')}")
    g = s3.get_object(Bucket=bucket, Key="plans/sse-kms.txt")
    expect(g["Body"].read() == body, "get body differs")


ssec_key = os.urandom(32)


@check("s3 SSE-C put/get with a random 32-byte key")
def _():
    p = s3.put_object(
        Bucket=bucket, Key="plans/sse-c.txt", Body=body, SSECustomerAlgorithm="AES256", SSECustomerKey=ssec_key
    )
    want_md5 = base64.b64encode(hashlib.md5(ssec_key).digest()).decode()
    expect(p.get("SSECustomerAlgorithm") == "AES256", f"put algorithm {p.get('SSECustomerAlgorithm')}")
    expect(p.get("SSECustomerKeyMD5") == want_md5, f"put key MD5 {p.get('SSECustomerKeyMD5')}")
    g = s3.get_object(Bucket=bucket, Key="plans/sse-c.txt", SSECustomerAlgorithm="AES256", SSECustomerKey=ssec_key)
    expect(g["Body"].read() == body, "get body differs")
    expect(g.get("SSECustomerKeyMD5") == want_md5, f"get key MD5 {g.get('SSECustomerKeyMD5')}")
    h = s3.head_object(Bucket=bucket, Key="plans/sse-c.txt", SSECustomerAlgorithm="AES256", SSECustomerKey=ssec_key)
    expect(h["ContentLength"] == len(body), f"head ContentLength {h['ContentLength']}")


@check("s3 SSE-C get with the wrong key → 403")
def _():
    expect_error(
        lambda: s3.get_object(
            Bucket=bucket, Key="plans/sse-c.txt", SSECustomerAlgorithm="AES256", SSECustomerKey=os.urandom(32)
        ),
        status=403,
    )
    expect_error(lambda: s3.get_object(Bucket=bucket, Key="plans/sse-c.txt"), status=400)


@check("s3 ranged get_object")
def _():
    g = s3.get_object(Bucket=bucket, Key="plans/sse-s3.txt", Range="bytes=100-1099")
    data = g["Body"].read()
    expect(data == body[100:1100], f"range body {len(data)} bytes, differs")
    expect(g["ResponseMetadata"]["HTTPStatusCode"] == 206, f"status {g['ResponseMetadata']['HTTPStatusCode']}")
    expect(g["ContentRange"] == f"bytes 100-1099/{len(body)}", f"ContentRange {g['ContentRange']}")
    g = s3.get_object(Bucket=bucket, Key="plans/sse-c.txt", Range="bytes=-10",
                      SSECustomerAlgorithm="AES256", SSECustomerKey=ssec_key)
    expect(g["Body"].read() == body[-10:], "SSE-C suffix range differs")


@check("s3 list_objects_v2 with a prefix and delimiter")
def _():
    for k in ("docs/a.txt", "docs/sub/b.txt", "docs/sub/c.txt", "docs/other/d.txt", "top.txt"):
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    r = s3.list_objects_v2(Bucket=bucket, Prefix="docs/", Delimiter="/")
    keys = [o["Key"] for o in r.get("Contents", [])]
    prefixes = [p["Prefix"] for p in r.get("CommonPrefixes", [])]
    expect(keys == ["docs/a.txt"], f"keys {keys}")
    expect(prefixes == ["docs/other/", "docs/sub/"], f"prefixes {prefixes}")
    expect(r["KeyCount"] == 3, f"KeyCount {r['KeyCount']}")
    r = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    expect([o["Key"] for o in r.get("Contents", [])] == ["top.txt"], f"root keys {r.get('Contents')}")
    expect(
        [p["Prefix"] for p in r.get("CommonPrefixes", [])] == ["docs/", "plans/"],
        f"root prefixes {r.get('CommonPrefixes')}",
    )


@check("s3 upload_fileobj 12 MiB multipart + download_fileobj")
def _():
    data = os.urandom(12 * 1024 * 1024)
    tc = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024, max_concurrency=4)
    s3.upload_fileobj(io.BytesIO(data), bucket, "big/blob.bin", Config=tc)
    h = s3.head_object(Bucket=bucket, Key="big/blob.bin")
    expect(h["ContentLength"] == len(data), f"ContentLength {h['ContentLength']}")
    expect(h["ETag"].strip('"').endswith("-3"), f"ETag {h['ETag']} is not a 3-part multipart ETag")
    expect(h["ServerSideEncryption"] == "AES256", f"head {h.get('ServerSideEncryption')}")
    out = io.BytesIO()
    s3.download_fileobj(bucket, "big/blob.bin", out, Config=tc)
    expect(out.getvalue() == data, f"download {len(out.getvalue())} bytes, differs")


@check("s3 delete_bucket not empty → BucketNotEmpty")
def _():
    expect_error(lambda: s3.delete_bucket(Bucket=bucket), code="BucketNotEmpty", status=409)


@check("s3 delete_objects + delete_bucket")
def _():
    keys = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket) for o in p.get("Contents", [])]
    expect(len(keys) == 10, f"{len(keys)} objects: {keys}")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})
    expect(not r.get("Errors"), f"errors {r.get('Errors')}")
    expect(sorted(d["Key"] for d in r.get("Deleted", [])) == sorted(keys), f"deleted {r.get('Deleted')}")
    expect(s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0, "bucket not empty after delete_objects")
    s3.delete_bucket(Bucket=bucket)
    expect_error(lambda: s3.head_bucket(Bucket=bucket), status=404)


# ------------------------------------------- KMS asymmetric and HMAC keys
# Checked against the `cryptography` package where it is installed.

try:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding
except ImportError:  # the checks below then use KMS's own Verify only
    serialization = None


@check("kms sign (ECC_NIST_P256, ECDSA_SHA_256) verifies in Coffer and locally")
def _():
    kid = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    msg = b"boto3 says hello"
    sig = kms.sign(KeyId=kid, Message=msg, MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    ok = kms.verify(KeyId=kid, Message=msg, MessageType="RAW", Signature=sig, SigningAlgorithm="ECDSA_SHA_256")
    expect(ok["SignatureValid"] is True, f"verify {ok}")
    expect_error(lambda: kms.verify(KeyId=kid, Message=msg + b"!", MessageType="RAW", Signature=sig,
                                    SigningAlgorithm="ECDSA_SHA_256"), code="KMSInvalidSignatureException")
    if serialization is not None:
        der = kms.get_public_key(KeyId=kid)["PublicKey"]
        serialization.load_der_public_key(der).verify(sig, msg, ec.ECDSA(hashes.SHA256()))
    expect_error(lambda: kms.encrypt(KeyId=kid, Plaintext=b"x"), code="InvalidKeyUsageException")


@check("kms RSA_2048 OAEP: encrypted locally with the public key, decrypted in Coffer")
def _():
    kid = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    if serialization is not None:
        pub = serialization.load_der_public_key(kms.get_public_key(KeyId=kid)["PublicKey"])
        ct = pub.encrypt(plaintext, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))
    else:
        ct = kms.encrypt(KeyId=kid, Plaintext=plaintext, EncryptionAlgorithm="RSAES_OAEP_SHA_256")["CiphertextBlob"]
    out = kms.decrypt(KeyId=kid, CiphertextBlob=ct, EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    expect(out["Plaintext"] == plaintext, "RSA OAEP round trip differs")


@check("kms generate_mac / verify_mac (HMAC_256)")
def _():
    kid = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]
    mac = kms.generate_mac(KeyId=kid, Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
    expect(len(mac) == 32, f"{len(mac)}-byte MAC")
    expect(kms.verify_mac(KeyId=kid, Message=b"m", Mac=mac, MacAlgorithm="HMAC_SHA_256")["MacValid"] is True, "verify_mac")
    expect_error(lambda: kms.verify_mac(KeyId=kid, Message=b"n", Mac=mac, MacAlgorithm="HMAC_SHA_256"),
                 code="KMSInvalidMacException")


@check("kms generate_data_key_pair (ECC_NIST_P256): the private key decrypts and matches the public key")
def _():
    kid = state.get("key_id") or kms.create_key()["KeyMetadata"]["KeyId"]
    r = kms.generate_data_key_pair(KeyId=kid, KeyPairSpec="ECC_NIST_P256")
    again = kms.decrypt(CiphertextBlob=r["PrivateKeyCiphertextBlob"])["Plaintext"]
    expect(again == r["PrivateKeyPlaintext"], "PrivateKeyCiphertextBlob does not decrypt to PrivateKeyPlaintext")
    if serialization is not None:
        priv = serialization.load_der_private_key(r["PrivateKeyPlaintext"], password=None)
        pub = priv.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        expect(pub == r["PublicKey"], "public key does not match the private key")


# ------------------------------------------- S3 copies and bucket policies

bucket2 = f"e2e-boto3-copy-{suffix}"


@check("s3 copy_object changes an object's encryption (SSE-S3 → SSE-KMS)")
def _():
    s3.create_bucket(Bucket=bucket2)
    s3.put_object(Bucket=bucket2, Key="src", Body=plaintext)
    r = s3.copy_object(Bucket=bucket2, Key="dst", CopySource={"Bucket": bucket2, "Key": "src"},
                       ServerSideEncryption="aws:kms", SSEKMSKeyId=alias)
    expect(r["ServerSideEncryption"] == "aws:kms", f"copy answered {r.get('ServerSideEncryption')}")
    h = s3.head_object(Bucket=bucket2, Key="dst")
    expect(h["ServerSideEncryption"] == "aws:kms", f"head {h.get('ServerSideEncryption')}")
    expect(s3.get_object(Bucket=bucket2, Key="dst")["Body"].read() == plaintext, "copy differs")
    expect_error(lambda: s3.copy_object(Bucket=bucket2, Key="dst2", CopySource={"Bucket": bucket2, "Key": "missing"}),
                 code="NoSuchKey", status=404)


@check("s3 managed copy of 12 MiB (multipart: upload_part_copy)")
def _():
    data = os.urandom(12 * 1024 * 1024)
    tc = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024, max_concurrency=3)
    s3.upload_fileobj(io.BytesIO(data), bucket2, "big", Config=tc)
    s3.copy({"Bucket": bucket2, "Key": "big"}, bucket2, "big-copy", Config=tc)
    h = s3.head_object(Bucket=bucket2, Key="big-copy")
    expect(h["ContentLength"] == len(data) and h["ETag"].strip('"').endswith("-3"), f"head {h['ContentLength']} {h['ETag']}")
    expect(s3.get_object(Bucket=bucket2, Key="big-copy", Range="bytes=-100")["Body"].read() == data[-100:], "copied tail differs")


@check("s3 bucket policy: deny PutObject unless aws:kms")
def _():
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyUnlessKMS", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{bucket2}/*",
        "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}}]})
    s3.put_bucket_policy(Bucket=bucket2, Policy=policy)
    expect(json.loads(s3.get_bucket_policy(Bucket=bucket2)["Policy"])["Statement"][0]["Sid"] == "DenyUnlessKMS", "get_bucket_policy")
    expect_error(lambda: s3.put_object(Bucket=bucket2, Key="plain", Body=b"x"), code="AccessDenied", status=403)
    s3.put_object(Bucket=bucket2, Key="kms", Body=b"x", ServerSideEncryption="aws:kms")
    s3.delete_bucket_policy(Bucket=bucket2)
    expect_error(lambda: s3.get_bucket_policy(Bucket=bucket2), code="NoSuchBucketPolicy", status=404)
    s3.put_object(Bucket=bucket2, Key="plain", Body=b"x")
    keys = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket2) for o in p.get("Contents", [])]
    s3.delete_objects(Bucket=bucket2, Delete={"Objects": [{"Key": k} for k in keys]})
    s3.delete_bucket(Bucket=bucket2)


print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
