#!/usr/bin/env bash
# End-to-end check of IAM and STS with the real aws CLI: builds coffer,
# starts `coffer serve --dev` on a free loopback port with a temporary data
# dir, then as the dev account's root creates user jack with an access key,
# checks `aws sts get-caller-identity` as jack, grants jack policies (inline,
# managed, through a group), creates a role and assumes it, deactivates a
# key, creates a second account with `coffer admin create-account`, and
# prints "N passed, M failed". Exits non-zero on any failure. The server is
# killed on exit; every step is bounded in time.
#
#   bash scripts/e2e-iam-cli.sh            # needs go, aws (CLI v1 or v2), python3, curl
set -uo pipefail

cd "$(dirname "$0")/.."
aws_bin=$(command -v aws) || { echo "e2e-iam-cli: the aws CLI is not installed" >&2; exit 2; }

# Build and start coffer: sets work, server_pid and endpoint; cleans up on exit.
source scripts/lib/coffer-dev.sh
coffer_dev_up e2e-iam-cli

# The dev account's root key; nothing from the user's own AWS setup.
root_id=AKIAIOSFODNN7EXAMPLE
root_secret=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
export AWS_ACCESS_KEY_ID=$root_id AWS_SECRET_ACCESS_KEY=$root_secret
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=""
export AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_CA_BUNDLE

aws() { timeout 60 "$aws_bin" --endpoint-url "$endpoint" "$@"; }
# as ID SECRET [TOKEN] -- CMD...: runs the CLI with other credentials.
as() {
	local id=$1 secret=$2 token=$3; shift 4
	AWS_ACCESS_KEY_ID=$id AWS_SECRET_ACCESS_KEY=$secret AWS_SESSION_TOKEN=$token aws "$@"
}

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# fails_with CODE NAME CMD...: the command must fail with the API error CODE.
fails_with() {
	local code=$1 name=$2; shift 2
	"$@" > /dev/null 2> err.txt
	local rc=$?
	if [[ $rc == 254 || $rc == 255 ]] && grep -q "($code)" err.txt; then
		pass "$name → $code"
	else
		fail "$name" "exit $rc: $(cat err.txt)"
	fi
}

cd "$work"
acct=111122223333

# --- Users and access keys. ---
if aws iam create-user --user-name jack > user.json 2> err.txt &&
	[[ "$(json user.json 'd["User"]["Arn"]')" == "arn:aws:iam::$acct:user/jack" ]]; then
	pass "create-user jack"
else
	fail "create-user jack" "$(cat user.json err.txt 2>/dev/null)"
fi
fails_with EntityAlreadyExists "create-user jack again" aws iam create-user --user-name jack
fails_with NoSuchEntity "get-user nobody" aws iam get-user --user-name nobody
fails_with ValidationError "create-user 'bad name'" aws iam create-user --user-name "bad name"

jack_id=none jack_secret=none
if aws iam create-access-key --user-name jack > key.json 2> err.txt; then
	jack_id=$(json key.json 'd["AccessKey"]["AccessKeyId"]')
	jack_secret=$(json key.json 'd["AccessKey"]["SecretAccessKey"]')
	[[ $jack_id == AKIA* && ${#jack_secret} == 40 ]] && pass "create-access-key" || fail "create-access-key" "$(cat key.json)"
else
	fail "create-access-key" "$(cat err.txt)"
fi

if as "$jack_id" "$jack_secret" "" -- sts get-caller-identity > who.json 2> err.txt &&
	[[ "$(json who.json 'd["Arn"], d["Account"]')" == "('arn:aws:iam::$acct:user/jack', '$acct')" ]]; then
	pass "sts get-caller-identity as jack"
else
	fail "sts get-caller-identity as jack" "$(cat who.json err.txt 2>/dev/null)"
fi
if aws sts get-caller-identity > who.json 2> err.txt && [[ "$(json who.json 'd["Arn"]')" == "arn:aws:iam::$acct:root" ]]; then
	pass "sts get-caller-identity as root"
else
	fail "sts get-caller-identity as root" "$(cat who.json err.txt 2>/dev/null)"
fi
if aws iam list-users > users.json 2> err.txt && [[ "$(json users.json '[u["UserName"] for u in d["Users"]]')" == "['jack']" ]]; then
	pass "list-users"
else
	fail "list-users" "$(cat users.json err.txt 2>/dev/null)"
fi

# --- Policies. ---
fails_with AccessDenied "jack list-users without a policy" as "$jack_id" "$jack_secret" "" -- iam list-users
cat > list.json <<'JSON'
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["iam:ListUsers", "iam:GetUser"], "Resource": "*"}]}
JSON
if aws iam put-user-policy --user-name jack --policy-name list --policy-document file://list.json 2> err.txt &&
	as "$jack_id" "$jack_secret" "" -- iam list-users > /dev/null 2>> err.txt; then
	pass "put-user-policy lets jack list users"
else
	fail "put-user-policy" "$(cat err.txt)"
fi
if aws iam get-user-policy --user-name jack --policy-name list > got.json 2> err.txt &&
	[[ "$(json got.json 'd["PolicyDocument"]["Statement"][0]["Action"]')" == "['iam:ListUsers', 'iam:GetUser']" ]]; then
	pass "get-user-policy (document decoded by the CLI)"
else
	fail "get-user-policy" "$(cat got.json err.txt 2>/dev/null)"
fi
fails_with MalformedPolicyDocument "put-user-policy with a bad document" aws iam put-user-policy --user-name jack --policy-name bad --policy-document '{"Statement": "nope"}'
aws iam delete-user-policy --user-name jack --policy-name list 2> err.txt || fail "delete-user-policy" "$(cat err.txt)"
fails_with AccessDenied "jack list-users after delete-user-policy" as "$jack_id" "$jack_secret" "" -- iam list-users

policy_arn="arn:aws:iam::$acct:policy/list-users"
if aws iam create-policy --policy-name list-users --policy-document file://list.json > pol.json 2> err.txt &&
	[[ "$(json pol.json 'd["Policy"]["Arn"]')" == "$policy_arn" ]] &&
	aws iam attach-user-policy --user-name jack --policy-arn "$policy_arn" 2>> err.txt &&
	as "$jack_id" "$jack_secret" "" -- iam list-users > /dev/null 2>> err.txt &&
	[[ "$(aws iam list-attached-user-policies --user-name jack --query 'AttachedPolicies[0].PolicyArn' --output text 2>>err.txt)" == "$policy_arn" ]]; then
	pass "create-policy + attach-user-policy"
else
	fail "create-policy + attach-user-policy" "$(cat pol.json err.txt 2>/dev/null)"
fi
if [[ "$(aws iam get-policy-version --policy-arn "$policy_arn" --version-id v1 --query 'PolicyVersion.Document.Version' --output text 2>err.txt)" == "2012-10-17" ]]; then
	pass "get-policy-version"
else
	fail "get-policy-version" "$(cat err.txt)"
fi
fails_with DeleteConflict "delete-policy while attached" aws iam delete-policy --policy-arn "$policy_arn"
aws iam detach-user-policy --user-name jack --policy-arn "$policy_arn" 2> err.txt || fail "detach-user-policy" "$(cat err.txt)"

if aws iam create-group --group-name devs > /dev/null 2> err.txt &&
	aws iam add-user-to-group --group-name devs --user-name jack 2>> err.txt &&
	aws iam attach-group-policy --group-name devs --policy-arn "$policy_arn" 2>> err.txt &&
	as "$jack_id" "$jack_secret" "" -- iam list-users > /dev/null 2>> err.txt &&
	[[ "$(aws iam list-groups-for-user --user-name jack --query 'Groups[0].GroupName' --output text 2>>err.txt)" == devs ]]; then
	pass "group membership grants the group's policy"
else
	fail "groups" "$(cat err.txt)"
fi
fails_with DeleteConflict "delete-group with members" aws iam delete-group --group-name devs

# --- Roles and AssumeRole. ---
cat > trust.json <<JSON
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::$acct:user/jack"}, "Action": "sts:AssumeRole"}]}
JSON
role_arn="arn:aws:iam::$acct:role/deployer"
if aws iam create-role --role-name deployer --assume-role-policy-document file://trust.json > role.json 2> err.txt &&
	[[ "$(json role.json 'd["Role"]["Arn"], d["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Action"]')" == "('$role_arn', 'sts:AssumeRole')" ]]; then
	pass "create-role"
else
	fail "create-role" "$(cat role.json err.txt 2>/dev/null)"
fi
fails_with AccessDenied "root assume-role" aws sts assume-role --role-arn "$role_arn" --role-session-name s1
tmp_id=none tmp_secret=none tmp_token=none
if as "$jack_id" "$jack_secret" "" -- sts assume-role --role-arn "$role_arn" --role-session-name ci --duration-seconds 900 > creds.json 2> err.txt; then
	tmp_id=$(json creds.json 'd["Credentials"]["AccessKeyId"]')
	tmp_secret=$(json creds.json 'd["Credentials"]["SecretAccessKey"]')
	tmp_token=$(json creds.json 'd["Credentials"]["SessionToken"]')
	[[ $tmp_id == ASIA* && "$(json creds.json 'd["AssumedRoleUser"]["Arn"]')" == "arn:aws:sts::$acct:assumed-role/deployer/ci" ]] &&
		pass "assume-role as jack" || fail "assume-role as jack" "$(cat creds.json)"
else
	fail "assume-role as jack" "$(cat err.txt)"
fi
if as "$tmp_id" "$tmp_secret" "$tmp_token" -- sts get-caller-identity > who.json 2> err.txt &&
	[[ "$(json who.json 'd["Arn"]')" == "arn:aws:sts::$acct:assumed-role/deployer/ci" && "$(json who.json 'd["UserId"]')" == AROA*:ci ]]; then
	pass "get-caller-identity with the session credentials"
else
	fail "get-caller-identity with the session credentials" "$(cat who.json err.txt 2>/dev/null)"
fi
fails_with InvalidClientTokenId "session credentials without the token" as "$tmp_id" "$tmp_secret" "" -- sts get-caller-identity
fails_with ValidationError "assume-role beyond MaxSessionDuration" as "$jack_id" "$jack_secret" "" -- sts assume-role --role-arn "$role_arn" --role-session-name ci --duration-seconds 7200

# --- Key status. ---
if aws iam update-access-key --user-name jack --access-key-id "$jack_id" --status Inactive 2> err.txt; then
	fails_with InvalidClientTokenId "inactive key" as "$jack_id" "$jack_secret" "" -- sts get-caller-identity
else
	fail "update-access-key" "$(cat err.txt)"
fi

# --- A second account. ---
if "$work/coffer" admin create-account --data-dir "$work/data" --id 444455556666 > acct.out 2> err.txt; then
	id2=$(grep -o 'AWS_ACCESS_KEY_ID=[^ ]*' acct.out | cut -d= -f2)
	secret2=$(grep -o 'AWS_SECRET_ACCESS_KEY=[^ ]*' acct.out | cut -d= -f2)
	if [[ "$(as "$id2" "$secret2" "" -- sts get-caller-identity --query Account --output text 2>err.txt)" == 444455556666 ]] &&
		[[ "$(as "$id2" "$secret2" "" -- iam list-users --query 'length(Users)' --output text 2>>err.txt)" == 0 ]]; then
		pass "admin create-account: a separate account"
	else
		fail "second account" "$(cat err.txt)"
	fi
else
	fail "admin create-account" "$(cat err.txt)"
fi

if grep -q "level=ERROR" "$work/serve.err"; then
	fail "server log has no errors" "$(grep level=ERROR "$work/serve.err" | head -5)"
else
	pass "server log has no errors"
fi

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
