#!/usr/bin/env bash
# bench-floor.sh — Coffer's Encrypt against the floor: `coffer bench floor`
# reads each request and returns a canned Encrypt answer of the same size,
# with no authentication or cryptography, on the same net/http stack. Its CPU
# per request is what the HTTP server and loopback network cost on this
# machine; Coffer's own work is the difference. Runs alternate twice.
#   BENCH_DURATION (default 5s)   BENCH_CONCURRENCY (default 16,64)
set -euo pipefail
BENCH_DURATION=${BENCH_DURATION:-5s}
BENCH_CONCURRENCY=${BENCH_CONCURRENCY:-16,64}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/coffer-bench-floor.XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

(cd "$root" && go build -o "$work/coffer" ./cmd/coffer)
endpoint() { # file pid
	local url="" i
	for ((i = 0; i < 300; i++)); do
		url=$(sed -n 's/^export AWS_ENDPOINT_URL=\([^ ]*\).*/\1/p' "$1")
		[[ -n $url ]] && break
		sleep 0.1
	done
	[[ -n $url ]] || { echo "bench-floor: server did not start" >&2; exit 1; }
	echo "$url"
}
: >"$work/coffer.out"; : >"$work/floor.out" # exist before the servers write them
"$work/coffer" serve --dev --data-dir "$work/data" --addr 127.0.0.1:0 >"$work/coffer.out" 2>"$work/coffer.log" &
coffer_pid=$!; pids+=("$coffer_pid")
"$work/coffer" bench floor --addr 127.0.0.1:0 >"$work/floor.out" 2>&1 &
floor_pid=$!; pids+=("$floor_pid")
coffer_url=$(endpoint "$work/coffer.out")
floor_url=$(endpoint "$work/floor.out")

for round in 1 2; do
	echo "== round $round: net/http floor (canned answers, no auth, no crypto)"
	"$work/coffer" bench kms --endpoint "$floor_url" --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --ops encrypt \
		--concurrency "$BENCH_CONCURRENCY" --duration "$BENCH_DURATION" --server-pid "$floor_pid" --label floor 2>/dev/null | tail -n +3
	echo "== round $round: coffer (SigV4, authorization, AES-GCM, SQLite-backed key cache)"
	"$work/coffer" bench kms --endpoint "$coffer_url" --ops encrypt \
		--concurrency "$BENCH_CONCURRENCY" --duration "$BENCH_DURATION" --server-pid "$coffer_pid" --label coffer 2>/dev/null | tail -n +3
done
