#!/usr/bin/env bash
# End-to-end check of Coffer's S3 with the real aws CLI: builds coffer,
# starts `coffer serve --dev` on a free loopback port with a temporary data
# dir, makes a bucket, copies a file up and down with `aws s3` and
# `aws s3api`, checks the encryption S3 reports, and prints
# "N passed, M failed". Exits non-zero on any failure.
#
# The 20 MiB file crosses the CLI's 8 MB threshold, so `aws s3 cp` uses
# multipart upload (and ranged GETs down); `aws s3api put-object` of a
# 5 MiB file covers the single-request path.
#
#   bash scripts/e2e-s3-cli.sh         # needs go, aws (CLI v1 or v2), python3
set -uo pipefail

cd "$(dirname "$0")/.."
aws_bin=$(command -v aws) || { echo "e2e-s3: the aws CLI is not installed" >&2; exit 2; }

source scripts/lib/coffer-dev.sh
coffer_dev_up e2e-s3

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
marker="COFFER-E2E-S3-PLAINTEXT-MARKER"
python3 - <<'PY'
import os
marker = b"COFFER-E2E-S3-PLAINTEXT-MARKER"
for name, size in (("upload.bin", 20 << 20), ("small.bin", 5 << 20)):
    data = bytearray(os.urandom(size))
    for off in range(0, len(data) - len(marker), 8192):
        data[off:off + len(marker)] = marker
    open(name, "wb").write(data)
PY

if aws s3 mb s3://e2e-bucket > out.txt 2> err.txt && grep -q "make_bucket: e2e-bucket" out.txt; then
	pass "s3 mb"
else
	fail "s3 mb" "$(cat out.txt err.txt)"
fi

if aws s3 cp upload.bin s3://e2e-bucket/dir/upload.bin > out.txt 2> err.txt; then
	pass "s3 cp up (20 MiB, multipart)"
else
	fail "s3 cp up" "$(cat err.txt)"
fi

# CompleteMultipartUpload copies nothing: the object is its parts' blobs
# (8 + 8 + 4 MiB), about 20 MiB on disk, not a joined 20 MiB copy besides.
blobs=$(find "$work/data/blobs/objects" -type f | wc -l)
bytes=$(find "$work/data/blobs/objects" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
if [[ $blobs == 3 && $bytes -lt $((21 << 20)) ]]; then
	pass "multipart object stored as its 3 parts' blobs ($bytes bytes)"
else
	fail "multipart object blobs" "$blobs blobs, $bytes bytes"
fi

if aws s3 cp s3://e2e-bucket/dir/upload.bin download.bin > out.txt 2> err.txt && cmp -s upload.bin download.bin; then
	pass "s3 cp down (20 MiB), same bytes"
else
	fail "s3 cp down" "$(cat err.txt)"
fi

if aws s3api put-object --bucket e2e-bucket --key api.bin --body small.bin > put.json 2> err.txt &&
	[[ "$(json put.json 'd["ServerSideEncryption"]')" == AES256 ]] &&
	[[ "$(json put.json 'd["ETag"]')" == "\"$(md5sum small.bin | cut -d' ' -f1)\"" ]]; then
	pass "s3api put-object (ETag is the MD5, AES256)"
else
	fail "s3api put-object" "$(cat put.json err.txt)"
fi

if aws s3api put-object --bucket e2e-bucket --key kms.bin --body small.bin --server-side-encryption aws:kms > put.json 2> err.txt &&
	[[ "$(json put.json 'd["ServerSideEncryption"]')" == aws:kms ]] &&
	[[ "$(json put.json 'd["SSEKMSKeyId"]')" == arn:aws:kms:us-east-1:111122223333:key/* ]]; then
	pass "s3api put-object SSE-KMS (aws/s3)"
else
	fail "s3api put-object SSE-KMS" "$(cat put.json err.txt)"
fi

if aws s3 ls s3://e2e-bucket --recursive > out.txt 2> err.txt && grep -q "dir/upload.bin" out.txt && grep -q "api.bin" out.txt &&
	aws s3 ls > buckets.txt 2>> err.txt && grep -q "e2e-bucket" buckets.txt; then
	pass "s3 ls"
else
	fail "s3 ls" "$(cat out.txt buckets.txt err.txt)"
fi

if aws s3api head-object --bucket e2e-bucket --key dir/upload.bin > head.json 2> err.txt &&
	[[ "$(json head.json 'd["ServerSideEncryption"], d["ContentLength"]')" == "('AES256', 20971520)" ]] &&
	[[ "$(json head.json 'd["ETag"]')" == *-3\" ]]; then
	pass "s3api head-object: ServerSideEncryption AES256, multipart ETag"
else
	fail "s3api head-object" "$(cat head.json err.txt)"
fi

if aws s3api get-object --bucket e2e-bucket --key kms.bin --range bytes=-100 tail.bin > get.json 2> err.txt &&
	cmp -s tail.bin <(tail -c 100 small.bin) && [[ "$(json get.json 'd["ServerSideEncryption"]')" == aws:kms ]]; then
	pass "s3api get-object --range on SSE-KMS"
else
	fail "s3api get-object --range" "$(cat get.json err.txt)"
fi

if aws s3 cp upload.bin s3://e2e-bucket/kms-mp.bin --sse aws:kms > out.txt 2> err.txt &&
	aws s3 cp s3://e2e-bucket/kms-mp.bin kms-mp.out >> out.txt 2>> err.txt && cmp -s upload.bin kms-mp.out &&
	aws s3api head-object --bucket e2e-bucket --key kms-mp.bin > head.json 2>> err.txt &&
	[[ "$(json head.json 'd["ServerSideEncryption"]')" == aws:kms ]]; then
	pass "s3 cp --sse aws:kms up and down (multipart)"
else
	fail "s3 cp --sse aws:kms" "$(cat out.txt err.txt)"
fi

if ! aws s3 rb s3://e2e-bucket > out.txt 2> err.txt && grep -q BucketNotEmpty err.txt; then
	pass "s3 rb of a non-empty bucket: BucketNotEmpty"
else
	fail "s3 rb non-empty" "$(cat out.txt err.txt)"
fi

if grep -rqa "$marker" "$work/data"; then
	fail "no plaintext in the data dir" "$(grep -rla "$marker" "$work/data")"
else
	pass "no plaintext in the data dir"
fi

if aws s3 rm s3://e2e-bucket --recursive > out.txt 2> err.txt && aws s3 rb s3://e2e-bucket >> out.txt 2>> err.txt; then
	pass "s3 rm --recursive, s3 rb"
else
	fail "s3 rm, rb" "$(cat out.txt err.txt)"
fi

# Deleting the objects removed their bytes, multipart parts included.
left=$(find "$work/data/blobs/objects" -type f | wc -l)
if [[ $left == 0 ]]; then
	pass "no blob left after s3 rm"
else
	fail "no blob left after s3 rm" "$left blobs"
fi

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
