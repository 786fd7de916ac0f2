#!/usr/bin/env bash
# End-to-end authorization check with the real aws CLI: builds coffer,
# starts `coffer serve --dev` on a free loopback port with a temporary data
# dir, and plays the key policy / IAM policy / grant scenario as the account
# root and two IAM users, jack and alice, each with their own access key.
# Every step is a named check; it prints "N passed, M failed" and exits
# non-zero on any failure. Each change (policy, grant) is checked
# immediately after it returns: changes must take effect at once.
# The server is killed on exit. Every step is bounded in time.
#
#   bash scripts/e2e-authz-cli.sh      # needs go, aws (CLI v1 or v2), python3, curl
set -uo pipefail

cd "$(dirname "$0")/.."
aws_bin=$(command -v aws) || { echo "e2e-authz-cli: the aws CLI is not installed" >&2; exit 2; }

# Build and start coffer: sets work, server_pid and endpoint; cleans up on exit.
source scripts/lib/coffer-dev.sh
coffer_dev_up e2e-authz-cli

acct=111122223333
root_arn="arn:aws:iam::$acct:root"
jack_arn="arn:aws:iam::$acct:user/jack"
alice_arn="arn:aws:iam::$acct:user/alice"

# The dev account root's well-known key; nothing from the user's own AWS setup.
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=""
export AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_CA_BUNDLE

# aws runs the CLI against coffer (as the root user unless the access key
# variables say otherwise), bounded in time.
aws() { timeout 60 "$aws_bin" --endpoint-url "$endpoint" "$@"; }
jack_id="" jack_secret="" alice_id="" alice_secret=""
as_jack() { AWS_ACCESS_KEY_ID=$jack_id AWS_SECRET_ACCESS_KEY=$jack_secret aws "$@"; }
as_alice() { AWS_ACCESS_KEY_ID=$alice_id AWS_SECRET_ACCESS_KEY=$alice_secret aws "$@"; }

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
# json FILE EXPR: evaluates a Python expression on the JSON document d.
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# ok NAME CMD...: CMD must succeed (its stdout is in out.json).
ok() {
	local name=$1
	shift
	if "$@" > out.json 2> err.txt; then
		pass "$name"
	else
		fail "$name" "exit $?: $(cat err.txt)"
	fi
}
# refused NAME CODE [GREP...] -- CMD...: CMD must fail as a service error
# (exit 254 or 255) with error code CODE, and its message must contain
# every GREP string.
refused() {
	local name=$1 code=$2
	shift 2
	local greps=()
	while [[ $1 != -- ]]; do greps+=("$1"); shift; done
	shift
	"$@" > out.json 2> err.txt
	local rc=$?
	if [[ $rc != 254 && $rc != 255 ]] || ! grep -q "($code)" err.txt; then
		fail "$name" "want $code, got exit $rc: $(cat out.json err.txt)"
		return
	fi
	for g in "${greps[@]}"; do
		if ! grep -qF -- "$g" err.txt; then
			fail "$name" "the message does not name $g: $(cat err.txt)"
			return
		fi
	done
	pass "$name → $code (exit $rc)"
}
denied() {
	local name=$1
	shift
	refused "$name" AccessDeniedException -- "$@"
}

cd "$work"
printf 'Attack at dawn.\n' > plain.txt

# --- Users jack and alice, each with an access key. ---
for u in jack alice; do
	ok "create-user $u" aws iam create-user --user-name "$u"
	if [[ "$(json out.json 'd["User"]["Arn"]' 2>/dev/null)" != "arn:aws:iam::$acct:user/$u" ]]; then
		fail "create-user $u returns the user's ARN" "$(cat out.json)"
	fi
	ok "create-access-key $u" aws iam create-access-key --user-name "$u"
	id=$(json out.json 'd["AccessKey"]["AccessKeyId"]' 2>/dev/null)
	secret=$(json out.json 'd["AccessKey"]["SecretAccessKey"]' 2>/dev/null)
	printf -v "${u}_id" '%s' "$id"
	printf -v "${u}_secret" '%s' "$secret"
done
if [[ -z "$jack_id" || -z "$alice_id" ]]; then
	echo "e2e-authz-cli: cannot go on without the users' access keys" >&2
	echo "$passed passed, $((failed + 1)) failed"
	exit 1
fi

if as_jack sts get-caller-identity > out.json 2> err.txt && [[ "$(json out.json 'd["Arn"], d["Account"]')" == "('$jack_arn', '$acct')" ]]; then
	pass "jack's access key signs as jack (sts get-caller-identity)"
else
	fail "jack's access key signs as jack" "$(cat out.json err.txt)"
fi

# --- Key policies. ---
# console_policy ACCOUNT_STATEMENT(yes|no) EXTRA_STATEMENT: the console's
# default key policy with jack as key administrator and key user; with or
# without the account root's "Enable IAM User Permissions" statement; with
# EXTRA_STATEMENT (JSON, or empty) appended.
console_policy() {
	local stmts=()
	[[ $1 == yes ]] && stmts+=('{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"'"$root_arn"'"},"Action":"kms:*","Resource":"*"}')
	stmts+=('{"Sid":"Allow access for Key Administrators","Effect":"Allow","Principal":{"AWS":"'"$jack_arn"'"},"Action":["kms:Create*","kms:Describe*","kms:Enable*","kms:List*","kms:Put*","kms:Update*","kms:Revoke*","kms:Disable*","kms:Get*","kms:Delete*","kms:TagResource","kms:UntagResource","kms:ScheduleKeyDeletion","kms:CancelKeyDeletion","kms:RotateKeyOnDemand"],"Resource":"*"}')
	stmts+=('{"Sid":"Allow use of the key","Effect":"Allow","Principal":{"AWS":"'"$jack_arn"'"},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*"}')
	stmts+=('{"Sid":"Allow attachment of persistent resources","Effect":"Allow","Principal":{"AWS":"'"$jack_arn"'"},"Action":["kms:CreateGrant","kms:ListGrants","kms:RevokeGrant"],"Resource":"*","Condition":{"Bool":{"kms:GrantIsForAWSResource":true}}}')
	[[ -n $2 ]] && stmts+=("$2")
	local IFS=,
	printf '{"Version":"2012-10-17","Id":"key-consolepolicy-3","Statement":[%s]}\n' "${stmts[*]}"
}

# Prefer `coffer admin key-policy` when it is wired in; else write the same
# document here.
if "$work/coffer" admin key-policy --account "$acct" --admin "$jack_arn" --user "$jack_arn" > console.json 2> /dev/null &&
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' console.json 2> /dev/null; then
	echo "e2e-authz-cli: console policy from coffer admin key-policy"
else
	console_policy yes "" > console.json
fi

key_id=none key_arn=none
if aws kms create-key --description "jack's key" --policy file://console.json > key.json 2> err.txt; then
	key_id=$(json key.json 'd["KeyMetadata"]["KeyId"]')
	key_arn=$(json key.json 'd["KeyMetadata"]["Arn"]')
	pass "create-key (root) with the console policy naming jack"
else
	fail "create-key (root) with the console policy naming jack" "$(cat err.txt)"
fi

# encrypt_to FILE CMD...: runs an encrypt command and stores the blob in FILE.
encrypt_to() {
	local file=$1
	shift
	"$@" --output text --query CiphertextBlob 2> err.txt | base64 --decode > "$file"
	[[ ${PIPESTATUS[0]} == 0 && -s $file ]]
}

if encrypt_to jack.enc as_jack kms encrypt --key-id "$key_id" --plaintext fileb://plain.txt; then
	pass "jack (key user) encrypts"
else
	fail "jack (key user) encrypts" "$(cat err.txt)"
fi
if [[ "$(as_jack kms decrypt --ciphertext-blob fileb://jack.enc --output text --query Plaintext 2> err.txt | base64 --decode)" == "Attack at dawn." ]]; then
	pass "jack decrypts"
else
	fail "jack decrypts" "$(cat err.txt)"
fi

refused "alice (no IAM policy) is denied encrypt" AccessDeniedException "$alice_arn" "kms:Encrypt" "$key_arn" -- \
	as_alice kms encrypt --key-id "$key_id" --plaintext fileb://plain.txt

# --- An IAM policy for alice; the key policy's account statement lets it work. ---
cat > alice-policy.json <<EOF
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],"Resource":["arn:aws:kms:*:$acct:key/*"]}]}
EOF
ok "put-user-policy alice (kms:Encrypt, kms:Decrypt)" aws iam put-user-policy --user-name alice --policy-name kms-use --policy-document file://alice-policy.json
if encrypt_to alice.enc as_alice kms encrypt --key-id "$key_id" --plaintext fileb://plain.txt; then
	pass "alice encrypts at once after put-user-policy"
else
	fail "alice encrypts at once after put-user-policy" "$(cat err.txt)"
fi
if [[ "$(as_alice kms decrypt --ciphertext-blob fileb://jack.enc --output text --query Plaintext 2> err.txt | base64 --decode)" == "Attack at dawn." ]]; then
	pass "alice decrypts jack's ciphertext"
else
	fail "alice decrypts jack's ciphertext" "$(cat err.txt)"
fi
denied "alice generate-data-key (not in her policy)" as_alice kms generate-data-key --key-id "$key_id" --key-spec AES_256

# --- jack, as key administrator, removes the account statement. ---
console_policy no "" > no-account.json
ok "jack (key admin) put-key-policy without the account statement" as_jack kms put-key-policy --key-id "$key_id" --policy-name default --policy file://no-account.json
denied "alice is denied encrypt at once (her IAM policy no longer counts)" as_alice kms encrypt --key-id "$key_id" --plaintext fileb://plain.txt
denied "alice is denied decrypt" as_alice kms decrypt --ciphertext-blob fileb://jack.enc
denied "the account root is denied encrypt" aws kms encrypt --key-id "$key_id" --plaintext fileb://plain.txt
denied "the account root is denied describe-key" aws kms describe-key --key-id "$key_id"
ok "jack still encrypts" as_jack kms encrypt --key-id "$key_id" --plaintext fileb://plain.txt
if as_jack kms get-key-policy --key-id "$key_id" --policy-name default --output text --query Policy > policy.txt 2> err.txt &&
	! grep -q "$root_arn" policy.txt && grep -q "$jack_arn" policy.txt; then
	pass "get-key-policy (jack) shows the new policy"
else
	fail "get-key-policy (jack) shows the new policy" "$(cat policy.txt err.txt)"
fi

# --- An explicit deny beats jack's allow. ---
console_policy no '{"Sid":"No encrypt for jack","Effect":"Deny","Principal":{"AWS":"'"$jack_arn"'"},"Action":"kms:Encrypt","Resource":"*"}' > deny.json
ok "jack put-key-policy with an explicit deny of kms:Encrypt for himself" as_jack kms put-key-policy --key-id "$key_id" --policy-name default --policy file://deny.json
refused "jack is denied encrypt at once (explicit deny)" AccessDeniedException "explicit deny" -- \
	as_jack kms encrypt --key-id "$key_id" --plaintext fileb://plain.txt
ok "jack still decrypts (the deny names only kms:Encrypt)" as_jack kms decrypt --ciphertext-blob fileb://jack.enc

# --- The lockout safety check. ---
cat > lockout.json <<EOF
{"Version":"2012-10-17","Statement":[{"Sid":"Use only","Effect":"Allow","Principal":{"AWS":"$jack_arn"},"Action":["kms:Encrypt","kms:Decrypt","kms:DescribeKey","kms:GetKeyPolicy"],"Resource":"*"}]}
EOF
refused "jack put-key-policy that would lock him out" MalformedPolicyDocumentException -- \
	as_jack kms put-key-policy --key-id "$key_id" --policy-name default --policy file://lockout.json
if as_jack kms get-key-policy --key-id "$key_id" --policy-name default --output text --query Policy > policy.txt 2> err.txt &&
	grep -q "No encrypt for jack" policy.txt; then
	pass "the refused lockout policy was not stored"
else
	fail "the refused lockout policy was not stored" "$(cat policy.txt err.txt)"
fi
cat > ghost.json <<EOF
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"$jack_arn"},"Action":"kms:*","Resource":"*"},{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::$acct:user/nobody"},"Action":"kms:Decrypt","Resource":"*"}]}
EOF
refused "put-key-policy naming a user that does not exist" MalformedPolicyDocumentException "user/nobody" -- \
	as_jack kms put-key-policy --key-id "$key_id" --policy-name default --policy file://ghost.json

# --- A grant lets alice Decrypt, and nothing else, until it is revoked. ---
grant_id=""
if as_jack kms create-grant --key-id "$key_id" --grantee-principal "$alice_arn" --operations Decrypt > grant.json 2> err.txt; then
	grant_id=$(json grant.json 'd["GrantId"]')
	pass "jack create-grant for alice (Decrypt)"
else
	fail "jack create-grant for alice (Decrypt)" "$(cat err.txt)"
fi
if [[ "$(as_alice kms decrypt --ciphertext-blob fileb://jack.enc --output text --query Plaintext 2> err.txt | base64 --decode)" == "Attack at dawn." ]]; then
	pass "alice decrypts at once through the grant"
else
	fail "alice decrypts at once through the grant" "$(cat err.txt)"
fi
denied "alice (grant: Decrypt only) is denied encrypt" as_alice kms encrypt --key-id "$key_id" --plaintext fileb://plain.txt
denied "alice (grant: Decrypt only) is denied generate-data-key" as_alice kms generate-data-key --key-id "$key_id" --key-spec AES_256
denied "alice (grant: Decrypt only) is denied describe-key" as_alice kms describe-key --key-id "$key_id"
if as_jack kms list-grants --key-id "$key_id" > grants.json 2> err.txt &&
	[[ "$(json grants.json '[(g["GrantId"], g["GranteePrincipal"], g["Operations"]) for g in d["Grants"]]')" == "[('$grant_id', '$alice_arn', ['Decrypt'])]" ]]; then
	pass "jack list-grants shows alice's grant"
else
	fail "jack list-grants shows alice's grant" "$(cat grants.json err.txt 2>/dev/null)"
fi
ok "jack revoke-grant" as_jack kms revoke-grant --key-id "$key_id" --grant-id "$grant_id"
denied "alice is denied decrypt at once after revoke-grant" as_alice kms decrypt --ciphertext-blob fileb://jack.enc
if as_jack kms list-grants --key-id "$key_id" > grants.json 2> err.txt && [[ "$(json grants.json 'len(d["Grants"])')" == 0 ]]; then
	pass "list-grants is empty after revoke-grant"
else
	fail "list-grants is empty after revoke-grant" "$(cat grants.json err.txt 2>/dev/null)"
fi

# --- coffer policy explain agrees (reads the live data dir). ---
if timeout 30 "$work/coffer" policy explain --data-dir "$work/data" --principal "$alice_arn" --action kms:Decrypt --resource "$key_arn" > explain.txt 2> err.txt &&
	grep -q "^DENIED" explain.txt; then
	pass "coffer policy explain: alice may not Decrypt"
else
	fail "coffer policy explain: alice may not Decrypt" "$(cat explain.txt err.txt)"
fi

if [[ ! -f "$work/serve.err" ]] || grep -q "level=ERROR" "$work/serve.err"; then
	fail "server log has no errors" "$(grep level=ERROR "$work/serve.err" | head -5)"
else
	pass "server log has no errors"
fi

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
