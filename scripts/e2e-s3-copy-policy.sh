#!/usr/bin/env bash
# End-to-end check, with the real aws CLI, of S3 copies, multipart listing,
# part reads and bucket policies: builds coffer, starts `coffer serve --dev`
# on a free loopback port, and prints "N passed, M failed". Exits non-zero
# on any failure.
#
# `aws s3 cp s3://... s3://...` of a 20 MiB object makes the CLI copy with
# CreateMultipartUpload + UploadPartCopy (x-amz-copy-source-range); a small
# one uses CopyObject.
#
#   bash scripts/e2e-s3-copy-policy.sh     # needs go, aws (CLI v1 or v2), python3
set -uo pipefail

cd "$(dirname "$0")/.."
aws_bin=$(command -v aws) || { echo "e2e-s3-copy: the aws CLI is not installed" >&2; exit 2; }

source scripts/lib/coffer-dev.sh
coffer_dev_up e2e-s3-copy

export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=""
export AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_CA_BUNDLE

aws() { timeout 120 "$aws_bin" --endpoint-url "$endpoint" "$@"; }

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

cd "$work"
head -c $((20 << 20)) /dev/urandom > big.bin
echo "small object" > small.txt

aws s3 mb s3://copy-bucket > /dev/null 2>&1
aws s3 cp big.bin s3://copy-bucket/big.bin > /dev/null 2> err.txt || fail "upload" "$(cat err.txt)"
aws s3 cp small.txt s3://copy-bucket/small.txt > /dev/null 2>> err.txt || fail "upload small" "$(cat err.txt)"

if aws s3 cp s3://copy-bucket/big.bin s3://copy-bucket/big-kms.bin --sse aws:kms > out.txt 2> err.txt &&
	aws s3 cp s3://copy-bucket/big-kms.bin big.out > /dev/null 2>> err.txt && cmp -s big.bin big.out &&
	aws s3api head-object --bucket copy-bucket --key big-kms.bin > head.json 2>> err.txt &&
	[[ "$(json head.json 'd["ServerSideEncryption"]')" == aws:kms ]]; then
	pass "s3 cp s3->s3 20 MiB --sse aws:kms (UploadPartCopy), same bytes"
else
	fail "s3 cp s3->s3 multipart copy" "$(cat out.txt err.txt)"
fi

if aws s3api copy-object --bucket copy-bucket --key small-copy.txt --copy-source copy-bucket/small.txt \
	--server-side-encryption aws:kms > copy.json 2> err.txt &&
	[[ "$(json copy.json 'd["ServerSideEncryption"]')" == aws:kms ]] &&
	[[ -n "$(json copy.json 'd["CopyObjectResult"]["ETag"]')" ]]; then
	pass "s3api copy-object to SSE-KMS (CopyObjectResult)"
else
	fail "s3api copy-object" "$(cat copy.json err.txt)"
fi

if ! aws s3api copy-object --bucket copy-bucket --key small.txt --copy-source copy-bucket/small.txt > out.txt 2> err.txt &&
	grep -q InvalidRequest err.txt; then
	pass "copy onto itself without change: InvalidRequest"
else
	fail "copy onto itself" "$(cat out.txt err.txt)"
fi

if ! aws s3api copy-object --bucket copy-bucket --key c.txt --copy-source copy-bucket/small.txt \
	--copy-source-if-match '"0123"' > out.txt 2> err.txt && grep -q PreconditionFailed err.txt; then
	pass "copy-source-if-match mismatch: PreconditionFailed"
else
	fail "copy-source-if-match" "$(cat out.txt err.txt)"
fi

if aws s3api get-object --bucket copy-bucket --key big.bin --part-number 2 part.bin > get.json 2> err.txt &&
	[[ "$(json get.json 'd["PartsCount"]')" == 3 ]] &&
	cmp -s part.bin <(tail -c +$((8 * 1024 * 1024 + 1)) big.bin | head -c $((8 * 1024 * 1024))); then
	pass "get-object --part-number 2 (PartsCount 3)"
else
	fail "get-object --part-number" "$(cat get.json err.txt)"
fi

if aws s3api create-multipart-upload --bucket copy-bucket --key pending/one > mpu.json 2> err.txt &&
	aws s3api list-multipart-uploads --bucket copy-bucket --prefix pending/ > list.json 2>> err.txt &&
	[[ "$(json list.json '[u["Key"] for u in d["Uploads"]]')" == "['pending/one']" ]] &&
	aws s3api abort-multipart-upload --bucket copy-bucket --key pending/one --upload-id "$(json mpu.json 'd["UploadId"]')" 2>> err.txt; then
	pass "list-multipart-uploads"
else
	fail "list-multipart-uploads" "$(cat list.json err.txt)"
fi

cat > policy.json <<'JSON'
{"Version":"2012-10-17","Statement":[
 {"Sid":"DenyIncorrectEncryptionHeader","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::copy-bucket/*",
  "Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}}},
 {"Sid":"DenyUnencryptedObjectUploads","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::copy-bucket/*",
  "Condition":{"Null":{"s3:x-amz-server-side-encryption":"true"}}}]}
JSON
if aws s3api put-bucket-policy --bucket copy-bucket --policy file://policy.json 2> err.txt &&
	aws s3api get-bucket-policy --bucket copy-bucket > got.json 2>> err.txt &&
	[[ "$(json got.json 'json.loads(d["Policy"])["Statement"][0]["Sid"]')" == DenyIncorrectEncryptionHeader ]]; then
	pass "put-bucket-policy, get-bucket-policy"
else
	fail "put/get-bucket-policy" "$(cat err.txt)"
fi

if ! aws s3 cp small.txt s3://copy-bucket/denied.txt > out.txt 2> err.txt && grep -q AccessDenied err.txt &&
	aws s3 cp small.txt s3://copy-bucket/allowed.txt --sse aws:kms > out.txt 2>> err.txt &&
	aws s3 cp big.bin s3://copy-bucket/allowed-big.bin --sse aws:kms > out.txt 2>> err.txt; then
	pass "policy: PUT without aws:kms denied, with it allowed (also multipart)"
else
	fail "policy enforcement" "$(cat out.txt err.txt)"
fi

if aws s3api delete-bucket-policy --bucket copy-bucket 2> err.txt &&
	! aws s3api get-bucket-policy --bucket copy-bucket > out.txt 2> err.txt && grep -q NoSuchBucketPolicy err.txt; then
	pass "delete-bucket-policy, then NoSuchBucketPolicy"
else
	fail "delete-bucket-policy" "$(cat out.txt err.txt)"
fi

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
