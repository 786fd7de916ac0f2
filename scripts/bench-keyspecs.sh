#!/usr/bin/env bash
# bench-keyspecs.sh — Sign and Verify per key spec and GenerateDataKeyPair
# per key pair spec, end to end over HTTP against one Coffer (SQLite, dev),
# with the server's CPU time per request from /proc.
#   BENCH_DURATION (default 3s)  BENCH_CONCURRENCY (default 16)
#   SPECS / PAIR_SPECS to narrow the lists.
set -uo pipefail # no -e: coffer-dev.sh polls with commands that fail until the server is up
BENCH_DURATION=${BENCH_DURATION:-3s}
BENCH_CONCURRENCY=${BENCH_CONCURRENCY:-16}
SPECS=${SPECS:-"RSA_2048 RSA_3072 RSA_4096 ECC_NIST_P256 ECC_NIST_P384 ECC_NIST_P521 ECC_SECG_P256K1 ECC_NIST_EDWARDS25519 ML_DSA_44 ML_DSA_65 ML_DSA_87"}
PAIR_SPECS=${PAIR_SPECS:-"RSA_2048 RSA_3072 RSA_4096 ECC_NIST_P256 ECC_NIST_P384 ECC_NIST_P521 ECC_SECG_P256K1 ECC_NIST_EDWARDS25519"}
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Build and start coffer: sets work, server_pid and endpoint; cleans up on exit.
source scripts/lib/coffer-dev.sh
coffer_dev_up bench-keyspecs >&2

run() { # label args...
	local label=$1
	shift
	"$work/coffer" bench kms --endpoint "$endpoint" --concurrency "$BENCH_CONCURRENCY" --duration "$BENCH_DURATION" \
		--server-pid "$server_pid" --label "$label" "$@" 2>/dev/null | tail -n +3 | sed "s/^/$(printf '%-22s' "$label") /"
}
echo "spec                   op                      conc  requests  errors  req/s     p50      p99  server CPU/req  bench CPU/req"
for spec in $SPECS; do
	run "$spec" --ops sign,verify --key-spec "$spec"
done
for spec in $PAIR_SPECS; do
	run "$spec" --ops generate-data-key-pair --pair-spec "$spec"
done
