#!/usr/bin/env bash
# End-to-end check with the real aws CLI: builds coffer, starts
# `coffer serve --dev` on a free loopback port with a temporary data dir,
# runs the issue's CLI session (only the endpoint added) and a few more
# checks, and prints "N passed, M failed". Exits non-zero on any failure.
# The server is killed on exit. Every step is bounded in time.
#
#   bash scripts/e2e-cli.sh            # needs go, aws (CLI v1 or v2), python3
set -uo pipefail

cd "$(dirname "$0")/.."
aws_bin=$(command -v aws) || { echo "e2e-cli: the aws CLI is not installed" >&2; exit 2; }

# Build and start coffer: sets work, server_pid and endpoint; cleans up on exit.
source scripts/lib/coffer-dev.sh
coffer_dev_up e2e-cli

# The dev account's well-known key; nothing from the user's own AWS setup.
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=""
export AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_CA_BUNDLE

# aws runs the CLI against coffer, bounded in time.
aws() { timeout 60 "$aws_bin" --endpoint-url "$endpoint" "$@"; }

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
# json FILE EXPR: evaluates a Python expression on the JSON document d.
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

cd "$work"
printf 'Attack at dawn.\nThe cat robot goes first; the laser pointer is the signal.\n' > battleplans.txt

# --- The issue's session, verbatim but for the endpoint. ---
key_id=none key_arn=none
if aws kms create-key --description "battle plans" > create-key.json 2> err.txt; then
	key_id=$(json create-key.json 'd["KeyMetadata"]["KeyId"]')
	key_arn=$(json create-key.json 'd["KeyMetadata"]["Arn"]')
	if [[ "$key_arn" == "arn:aws:kms:us-east-1:111122223333:key/$key_id" ]] &&
		[[ "$(json create-key.json 'd["KeyMetadata"]["Description"], d["KeyMetadata"]["KeyState"], d["KeyMetadata"]["KeySpec"]')" == "('battle plans', 'Enabled', 'SYMMETRIC_DEFAULT')" ]]; then
		pass "create-key"
	else
		fail "create-key" "$(cat create-key.json)"
	fi
else
	fail "create-key" "$(cat err.txt)"
fi

if aws kms create-alias --alias-name alias/catrobot --target-key-id "$key_id" 2> err.txt; then
	pass "create-alias"
else
	fail "create-alias" "$(cat err.txt)"
fi

aws kms encrypt --key-id alias/catrobot --plaintext fileb://battleplans.txt --output text --query CiphertextBlob | base64 --decode > not_battleplans.enc
if [[ ${PIPESTATUS[0]} == 0 && -s not_battleplans.enc ]] && ! grep -q "Attack at dawn" not_battleplans.enc; then
	pass "encrypt"
else
	fail "encrypt"
fi

aws kms decrypt --ciphertext-blob fileb://not_battleplans.enc --output text --query Plaintext | base64 --decode > decryptedplans.txt
if [[ ${PIPESTATUS[0]} == 0 ]] && cmp battleplans.txt decryptedplans.txt; then
	pass "decrypt + cmp"
else
	fail "decrypt + cmp"
fi

# --- More checks. ---
if aws kms list-aliases > aliases.json 2> err.txt &&
	[[ "$(json aliases.json '[a.get("TargetKeyId") for a in d["Aliases"] if a["AliasName"] == "alias/catrobot"]')" == "['$key_id']" ]]; then
	pass "list-aliases"
else
	fail "list-aliases" "$(cat aliases.json err.txt 2>/dev/null)"
fi

if aws kms describe-key --key-id alias/catrobot > describe.json 2> err.txt &&
	[[ "$(json describe.json 'd["KeyMetadata"]["KeyId"], d["KeyMetadata"]["Enabled"], d["KeyMetadata"]["KeyManager"], d["KeyMetadata"]["Origin"]')" == "('$key_id', True, 'CUSTOMER', 'AWS_KMS')" ]]; then
	pass "describe-key by alias"
else
	fail "describe-key by alias" "$(cat describe.json err.txt 2>/dev/null)"
fi

if aws kms list-keys > keys.json 2> err.txt &&
	[[ "$(json keys.json '[k["KeyId"] for k in d["Keys"]]')" == "['$key_id']" ]]; then
	pass "list-keys"
else
	fail "list-keys" "$(cat keys.json err.txt 2>/dev/null)"
fi

# An error: a missing alias. The CLI exits 254 (v2) or 255 (v1) on a
# service error and prints the error code and message.
aws kms describe-key --key-id alias/nope > /dev/null 2> err.txt
rc=$?
if [[ $rc == 254 || $rc == 255 ]] && grep -q "NotFoundException" err.txt && grep -q "alias/nope" err.txt; then
	pass "describe-key alias/nope → NotFoundException (exit $rc)"
else
	fail "describe-key alias/nope" "exit $rc: $(cat err.txt)"
fi

aws kms create-alias --alias-name alias/catrobot --target-key-id "$key_id" > /dev/null 2> err.txt
rc=$?
if [[ $rc == 254 || $rc == 255 ]] && grep -q "AlreadyExistsException" err.txt; then
	pass "create-alias duplicate → AlreadyExistsException (exit $rc)"
else
	fail "create-alias duplicate" "exit $rc: $(cat err.txt)"
fi

if aws kms generate-data-key --key-id alias/catrobot --key-spec AES_256 > dk.json 2> err.txt; then
	json dk.json 'd["Plaintext"]' | base64 --decode > dk.plain
	json dk.json 'd["CiphertextBlob"]' | base64 --decode > dk.enc
	aws kms decrypt --ciphertext-blob fileb://dk.enc --output text --query Plaintext | base64 --decode > dk.decrypted
	if [[ "$(wc -c < dk.plain)" -eq 32 ]] && cmp -s dk.plain dk.decrypted; then
		pass "generate-data-key AES_256 (32 bytes, decrypts)"
	else
		fail "generate-data-key" "plaintext $(wc -c < dk.plain) bytes"
	fi
else
	fail "generate-data-key" "$(cat err.txt)"
fi

if n=$(aws kms generate-random --number-of-bytes 24 --output text --query Plaintext 2> err.txt | base64 --decode | wc -c) && [[ "$n" -eq 24 ]]; then
	pass "generate-random"
else
	fail "generate-random" "$n bytes $(cat err.txt)"
fi

# Encryption context: right context decrypts, wrong context is refused.
aws kms encrypt --key-id "$key_arn" --plaintext fileb://battleplans.txt --encryption-context purpose=war \
	--output text --query CiphertextBlob 2> err.txt | base64 --decode > ctx.enc
aws kms decrypt --ciphertext-blob fileb://ctx.enc --encryption-context purpose=war --output text --query Plaintext 2>> err.txt | base64 --decode > ctx.txt
if cmp -s battleplans.txt ctx.txt; then
	pass "encrypt/decrypt with encryption context"
else
	fail "encrypt/decrypt with encryption context" "$(cat err.txt)"
fi
aws kms decrypt --ciphertext-blob fileb://ctx.enc --encryption-context purpose=peace > /dev/null 2> err.txt
rc=$?
if [[ $rc != 0 ]] && grep -q "InvalidCiphertextException" err.txt; then
	pass "decrypt with the wrong context → InvalidCiphertextException (exit $rc)"
else
	fail "decrypt with the wrong context" "exit $rc: $(cat err.txt)"
fi

if aws kms disable-key --key-id "$key_id" 2> err.txt; then
	aws kms encrypt --key-id alias/catrobot --plaintext fileb://battleplans.txt > /dev/null 2> err.txt
	rc=$?
	if [[ $rc != 0 ]] && grep -q "DisabledException" err.txt; then
		pass "encrypt on a disabled key → DisabledException (exit $rc)"
	else
		fail "encrypt on a disabled key" "exit $rc: $(cat err.txt)"
	fi
	aws kms enable-key --key-id "$key_id" 2> err.txt || fail "enable-key" "$(cat err.txt)"
else
	fail "disable-key" "$(cat err.txt)"
fi

AWS_SECRET_ACCESS_KEY=wrong-secret aws kms list-keys > /dev/null 2> err.txt
rc=$?
if [[ $rc != 0 ]] && grep -q "InvalidSignatureException" err.txt; then
	pass "wrong secret → InvalidSignatureException (exit $rc)"
else
	fail "wrong secret" "exit $rc: $(cat err.txt)"
fi

if [[ "$(aws kms get-key-policy --key-id "$key_id" --policy-name default --output text --query Policy 2> err.txt)" == *"arn:aws:iam::111122223333:root"* ]]; then
	pass "get-key-policy"
else
	fail "get-key-policy" "$(cat err.txt)"
fi

if aws kms schedule-key-deletion --key-id "$key_id" --pending-window-in-days 7 > sched.json 2> err.txt &&
	[[ "$(json sched.json 'd["KeyState"], d["PendingWindowInDays"]')" == "('PendingDeletion', 7)" ]]; then
	pass "schedule-key-deletion"
else
	fail "schedule-key-deletion" "$(cat sched.json err.txt 2>/dev/null)"
fi

if [[ ! -f "$work/serve.err" ]] || grep -q "level=ERROR" "$work/serve.err"; then
	fail "server log has no errors" "$(grep level=ERROR "$work/serve.err" | head -5)"
else
	pass "server log has no errors"
fi

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
