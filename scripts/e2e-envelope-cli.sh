#!/usr/bin/env bash
# End-to-end check of client-side envelope encryption with the real aws
# CLI: builds coffer, starts `coffer serve --dev` on a free loopback port
# with a temporary data dir, creates a key and an alias with the aws CLI,
# and runs `coffer envelope encrypt|decrypt` against it through the usual
# AWS environment (AWS_ENDPOINT_URL etc.), as a user would. Prints
# "N passed, M failed"; exits non-zero on any failure. The server is
# killed on exit. Every step is bounded in time.
#
#   bash scripts/e2e-envelope-cli.sh   # needs go, aws (CLI v1 or v2), python3
set -uo pipefail

cd "$(dirname "$0")/.."
aws_bin=$(command -v aws) || { echo "e2e-envelope: the aws CLI is not installed" >&2; exit 2; }

# Build and start coffer: sets work, server_pid and endpoint; cleans up on exit.
source scripts/lib/coffer-dev.sh
coffer_dev_up e2e-envelope

# The dev account's well-known key; nothing from the user's own AWS setup.
# AWS_ENDPOINT_URL is how `coffer envelope` (the Go SDK) finds the server.
export AWS_ENDPOINT_URL="$endpoint"
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
: > "$work/aws-config"
export AWS_CONFIG_FILE="$work/aws-config" AWS_SHARED_CREDENTIALS_FILE="$work/aws-config" AWS_PAGER=""
export AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_CA_BUNDLE

aws() { timeout 60 "$aws_bin" --endpoint-url "$endpoint" "$@"; }
coffer() { timeout 120 "$work/coffer" "$@"; }

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

cd "$work"

key_id=none key_arn=none
if aws kms create-key --description "envelope e2e" > create-key.json 2> err.txt &&
	key_id=$(json create-key.json 'd["KeyMetadata"]["KeyId"]') &&
	key_arn=$(json create-key.json 'd["KeyMetadata"]["Arn"]') &&
	aws kms create-alias --alias-name alias/x --target-key-id "$key_id" 2>> err.txt; then
	pass "create-key + create-alias alias/x"
else
	fail "create-key + create-alias" "$(cat err.txt)"
fi

# 20 MiB of random data with a known marker at the start, the middle
# and the end, so that "the ciphertext does not contain the plaintext"
# is a grep.
marker="COFFER-PLAINTEXT-MARKER-$(date +%s%N)"
{
	printf '%s' "$marker"
	head -c $((10 << 20)) /dev/urandom
	printf '%s' "$marker"
	head -c $((10 << 20)) /dev/urandom
	printf '%s' "$marker"
} > plain.bin
size=$(wc -c < plain.bin)

if coffer envelope encrypt --key-id alias/x --context bucket=cats --context key=plain.bin plain.bin plain.env 2> err.txt && [[ -s plain.env ]]; then
	pass "envelope encrypt (file → file, $size bytes)"
else
	fail "envelope encrypt" "$(cat err.txt)"
fi

if ! grep -qa "$marker" plain.env; then
	pass "ciphertext does not contain the plaintext marker"
else
	fail "ciphertext contains the plaintext marker"
fi

# 64 KiB chunks, 16-byte tags: the overhead is the header plus 16 bytes a chunk.
env_size=$(wc -c < plain.env)
chunks=$(( (size + 65535) / 65536 ))
overhead=$((env_size - size - 16 * chunks))
if ((overhead > 0 && overhead < 1024)); then
	pass "envelope size: $env_size = $size + $chunks×16 + header $overhead"
else
	fail "envelope size" "$env_size bytes for $size, header $overhead"
fi

if grep -qa "$key_arn" plain.env; then
	pass "header names the key by ARN"
else
	fail "header names the key by ARN" "$key_arn"
fi

if coffer envelope decrypt plain.env plain.out 2> err.txt && cmp -s plain.bin plain.out; then
	pass "envelope decrypt + cmp (no --key-id needed)"
else
	fail "envelope decrypt + cmp" "$(cat err.txt)"
fi

# stdin → stdout both ways, as in `... | aws s3 cp - s3://bucket/obj`.
if coffer envelope encrypt --key-id "$key_arn" < plain.bin 2> err.txt | coffer envelope decrypt 2>> err.txt > piped.out &&
	cmp -s plain.bin piped.out; then
	pass "encrypt | decrypt through pipes"
else
	fail "encrypt | decrypt through pipes" "$(cat err.txt)"
fi

# OUT a FIFO: written in place (a temporary file renamed over it would
# replace it), read by cat on the other end.
mkfifo fifo
timeout 120 cat fifo > fifo.out &
cat_pid=$!
if coffer envelope decrypt --context bucket=cats plain.env fifo 2> err.txt && wait "$cat_pid" &&
	[[ -p fifo ]] && cmp -s plain.bin fifo.out; then
	pass "decrypt --context bucket=cats into a FIFO (expected pair present; FIFO kept)"
else
	fail "decrypt --context bucket=cats into a FIFO" "$(cat err.txt)"
fi
coffer envelope decrypt --context bucket=dogs plain.env wrong.out 2> err.txt
rc=$?
if [[ $rc != 0 && ! -e wrong.out ]] && grep -q "invalid or tampered" err.txt; then
	pass "decrypt --context bucket=dogs fails (exit $rc), no output file"
else
	fail "decrypt --context bucket=dogs" "exit $rc: $(cat err.txt)"
fi

# Tampering: flip one byte in the header's context, in the middle of the
# payload and at the very end; truncate the last chunk away.
tamper() { # tamper IN OUT OFFSET
	cp "$1" "$2"
	python3 - "$2" "$3" <<'PY'
import sys
p, off = sys.argv[1], int(sys.argv[2])
with open(p, "r+b") as f:
    f.seek(off); b = f.read(1); f.seek(off); f.write(bytes([b[0] ^ 1]))
PY
}
ctx_off=$(python3 -c 'import sys; d=open(sys.argv[1],"rb").read(4096); print(d.index(b"cats"))' plain.env)
for spec in "header context:$ctx_off" "payload middle:$((env_size / 2))" "last byte:$((env_size - 1))"; do
	name=${spec%%:*} off=${spec##*:}
	tamper plain.env bad.env "$off"
	coffer envelope decrypt bad.env bad.out 2> err.txt
	rc=$?
	if [[ $rc != 0 && ! -e bad.out ]] && grep -q "invalid or tampered" err.txt; then
		pass "decrypt with a flipped byte ($name, offset $off) fails (exit $rc), no output file"
	else
		fail "decrypt with a flipped byte ($name)" "exit $rc: $(cat err.txt)"
	fi
	rm -f bad.out
done

head -c $((env_size - 65536 - 16)) plain.env > cut.env
coffer envelope decrypt cut.env - 2> err.txt > cut.out
rc=$?
if [[ $rc != 0 ]] && grep -q "invalid or tampered" err.txt && grep -q "discard" err.txt; then
	pass "decrypt of a truncated envelope to stdout fails (exit $rc) and says to discard the output"
else
	fail "decrypt of a truncated envelope" "exit $rc: $(cat err.txt)"
fi

coffer envelope encrypt --key-id alias/nope plain.bin nope.env > /dev/null 2> err.txt
rc=$?
if [[ $rc != 0 && ! -e nope.env ]] && grep -q "NotFoundException" err.txt; then
	pass "encrypt with a missing alias fails (exit $rc) with NotFoundException"
else
	fail "encrypt with a missing alias" "exit $rc: $(cat err.txt)"
fi

if aws kms disable-key --key-id "$key_id" 2> err.txt; then
	coffer envelope decrypt plain.env disabled.out 2> err.txt
	rc=$?
	if [[ $rc != 0 && ! -e disabled.out ]] && grep -q "DisabledException" err.txt; then
		pass "decrypt under a disabled key fails (exit $rc) with DisabledException"
	else
		fail "decrypt under a disabled key" "exit $rc: $(cat err.txt)"
	fi
	aws kms enable-key --key-id "$key_id" 2> err.txt || fail "enable-key" "$(cat err.txt)"
else
	fail "disable-key" "$(cat err.txt)"
fi

if leftovers=$(ls -A | grep -- '\.tmp-'); then
	fail "no temporary output files left behind" "$leftovers"
else
	pass "no temporary output files left behind"
fi

if grep -q "level=ERROR" "$work/serve.err"; then
	fail "server log has no errors" "$(grep level=ERROR "$work/serve.err" | head -5)"
else
	pass "server log has no errors"
fi

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
