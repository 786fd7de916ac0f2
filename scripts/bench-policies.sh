#!/usr/bin/env bash
# bench-policies.sh — what real policies cost end to end: Encrypt throughput
# of the account root on a key with the default key policy, against an IAM
# user (jack) on a key with the console's four-statement key policy, with two
# identity policies of his own (one with a condition on the encryption
# context, both evaluated for every request). Same server, same settings,
# alternated twice so that drift in the machine's load shows.
#
#   BENCH_DURATION  time per run (default 5s)   BENCH_CONCURRENCY (default 64)   BENCH_ROUNDS (default 2)
set -euo pipefail
BENCH_DURATION=${BENCH_DURATION:-5s}
BENCH_CONCURRENCY=${BENCH_CONCURRENCY:-64}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/coffer-bench-policies.XXXXXX")
pid=""
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
log() { echo "bench-policies: $*" >&2; }

(cd "$root" && go build -o "$work/coffer" ./cmd/coffer)
: >"$work/out" # exists before the server writes it
"$work/coffer" serve --dev --data-dir "$work/data" --addr 127.0.0.1:0 >"$work/out" 2>"$work/log" &
pid=$!
url=""
for ((i = 0; i < 300; i++)); do
	url=$(sed -n 's/^export AWS_ENDPOINT_URL=\([^ ]*\).*/\1/p' "$work/out")
	[[ -n $url ]] && break
	sleep 0.1
done
[[ -n $url ]] || { cat "$work/out" "$work/log" >&2; exit 1; }
export AWS_ENDPOINT_URL=$url AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
acct=111122223333
jack=arn:aws:iam::$acct:user/jack

aws iam create-user --user-name jack >/dev/null
read -r jack_id jack_secret < <(aws iam create-access-key --user-name jack --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
aws iam put-user-policy --user-name jack --policy-name kms-use --policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],"Resource":"arn:aws:kms:*:'$acct':key/*"}]}'
aws iam put-user-policy --user-name jack --policy-name no-secrets --policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:Classification":"secret"}}}]}'
"$work/coffer" admin key-policy --account $acct --admin $jack --user $jack >"$work/policy.json"
plain_key=$(aws kms create-key --query KeyMetadata.KeyId --output text)
policy_key=$(aws kms create-key --policy "file://$work/policy.json" --query KeyMetadata.KeyId --output text)

run() { # label key-id access-key secret
	"$work/coffer" bench kms --endpoint "$url" --ops encrypt --concurrency "$BENCH_CONCURRENCY" --duration "$BENCH_DURATION" \
		--key-id "$2" --access-key "$3" --secret-key "$4" --server-pid "$pid" --label "$1" --json >"$work/$1.json"
	python3 - "$work/$1.json" "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c = r["results"][0]
print(f"{sys.argv[2]:<34} {c['requests_per_s']:>8.0f} req/s  p99 {c['p99_us']/1000:.1f} ms  server CPU/req {c.get('server_cpu_us_per_req', 0):.0f} µs  errors {c['errors']}")
PY
}
log "Encrypt 4 KiB, concurrency $BENCH_CONCURRENCY, $BENCH_DURATION per run"
for round in $(seq 1 "${BENCH_ROUNDS:-2}"); do
	run "root-default-policy-$round" "$plain_key" AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
	run "jack-console-policy+2-iam-$round" "$policy_key" "$jack_id" "$jack_secret"
done
