#!/usr/bin/env bash
# bench-keyspecs.sh — Sign and Verify per key spec and GenerateDataKeyPair
# per key pair spec, end to end over HTTP against one Coffer (SQLite, dev),
# with the server's CPU time per request from /proc.
#   BENCH_DURATION (default 3s)  BENCH_CONCURRENCY (default 16)
#   SPECS / PAIR_SPECS to narrow the lists.
set -euo pipefail
BENCH_DURATION=${BENCH_DURATION:-3s}
BENCH_CONCURRENCY=${BENCH_CONCURRENCY:-16}
SPECS=${SPECS:-"RSA_2048 RSA_3072 RSA_4096 ECC_NIST_P256 ECC_NIST_P384 ECC_NIST_P521 ECC_SECG_P256K1 ECC_NIST_EDWARDS25519 ML_DSA_44 ML_DSA_65 ML_DSA_87"}
PAIR_SPECS=${PAIR_SPECS:-"RSA_2048 RSA_3072 RSA_4096 ECC_NIST_P256 ECC_NIST_P384 ECC_NIST_P521 ECC_SECG_P256K1 ECC_NIST_EDWARDS25519"}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/coffer-bench-keyspecs.XXXXXX")
pid=""
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

(cd "$root" && go build -o "$work/coffer" ./cmd/coffer)
: >"$work/out"
"$work/coffer" serve --dev --data-dir "$work/data" --addr 127.0.0.1:0 >"$work/out" 2>"$work/log" &
pid=$!
url=""
for ((i = 0; i < 300; i++)); do
	url=$(sed -n 's/^export AWS_ENDPOINT_URL=\([^ ]*\).*/\1/p' "$work/out")
	[[ -n $url ]] && break
	sleep 0.1
done
[[ -n $url ]] || { cat "$work/out" "$work/log" >&2; exit 1; }

run() { # label args...
	local label=$1
	shift
	"$work/coffer" bench kms --endpoint "$url" --concurrency "$BENCH_CONCURRENCY" --duration "$BENCH_DURATION" \
		--server-pid "$pid" --label "$label" "$@" 2>/dev/null | tail -n +3 | sed "s/^/$(printf '%-22s' "$label") /"
}
echo "spec                   op                      conc  requests  errors  req/s     p50      p99  server CPU/req  bench CPU/req"
for spec in $SPECS; do
	run "$spec" --ops sign,verify --key-spec "$spec"
done
for spec in $PAIR_SPECS; do
	run "$spec" --ops generate-data-key-pair --pair-spec "$spec"
done
