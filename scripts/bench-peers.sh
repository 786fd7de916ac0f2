#!/usr/bin/env bash
# bench-peers.sh — measure Coffer and moto with the same `coffer bench kms`
# run and print both tables and the ratios Coffer ÷ moto.
#
# Both servers listen on 127.0.0.1 only, on free ports, with throwaway state,
# and are killed on exit. Each bench run is bounded by BENCH_TIMEOUT.
#
# Environment:
#   BENCH_DURATION  time per (operation, concurrency) cell   (default 5s)
#   BENCH_FLAGS     extra `coffer bench kms` flags, e.g. "--concurrency 1,16 --size 1024"
#   BENCH_TIMEOUT   seconds one bench run may take in all     (default 600)
#   KEEP            set to 1 to keep the work directory (reports, logs)
#
# CPU per request is read from /proc (Linux). On a small machine the
# generator and the server share the CPUs; the tables show the generator's
# own CPU per request next to the server's.
set -euo pipefail

BENCH_DURATION=${BENCH_DURATION:-5s}
BENCH_FLAGS=${BENCH_FLAGS:-}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/coffer-bench-peers.XXXXXX")
coffer_pid="" moto_pid=""

cleanup() {
	local status=$?
	for pid in $coffer_pid $moto_pid; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $coffer_pid $moto_pid; do
		wait "$pid" 2>/dev/null || true
	done
	if [[ ${KEEP:-0} == 1 ]]; then
		echo "work directory kept: $work" >&2
	else
		rm -rf "$work"
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "bench-peers: $*" >&2; }

# wait_http URL SECONDS PID: until URL answers 200, the process died, or time is up.
wait_http() {
	local url=$1 secs=$2 pid=$3 i
	for ((i = 0; i < secs * 10; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			return 1
		fi
		if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true) == 200 ]]; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

log "building coffer"
(cd "$root" && go build -o "$work/coffer" ./cmd/coffer)

# Coffer picks its own port and prints it.
: >"$work/coffer.out" # exists before the server writes it: the loop below reads it at once
"$work/coffer" serve --dev --data-dir "$work/coffer-data" --addr 127.0.0.1:0 \
	>"$work/coffer.out" 2>"$work/coffer.log" &
coffer_pid=$!
coffer_url=""
for ((i = 0; i < 300; i++)); do
	coffer_url=$(sed -n 's/^export AWS_ENDPOINT_URL=\([^ ]*\).*/\1/p' "$work/coffer.out")
	[[ -n $coffer_url ]] && break
	kill -0 "$coffer_pid" 2>/dev/null || break
	sleep 0.1
done
if [[ -z $coffer_url ]] || ! wait_http "$coffer_url/healthz" 30 "$coffer_pid"; then
	log "coffer did not start:"
	cat "$work/coffer.out" "$work/coffer.log" >&2
	exit 1
fi
log "coffer at $coffer_url (pid $coffer_pid)"

if command -v moto_server >/dev/null; then
	moto=(moto_server)
elif python3 -c 'import moto.server' 2>/dev/null; then
	moto=(python3 -m moto.server)
else
	log "moto is not installed (pip install 'moto[server]')"
	exit 1
fi
moto_port=$(free_port)
# exec keeps $! the PID of the Python process itself, whose CPU is measured.
bash -c 'exec "$@"' moto "${moto[@]}" -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
moto_pid=$!
moto_url=http://127.0.0.1:$moto_port
if ! wait_http "$moto_url/moto-api/" 60 "$moto_pid"; then
	log "moto did not start:"
	cat "$work/moto.log" >&2
	exit 1
fi
log "moto at $moto_url (pid $moto_pid)"

status=0
run_bench() { # label url pid
	log "benchmarking $1 ($BENCH_DURATION per cell)"
	# shellcheck disable=SC2086 # BENCH_FLAGS is a list of flags
	timeout --signal=INT --kill-after=10 "$BENCH_TIMEOUT" \
		"$work/coffer" bench kms --endpoint "$2" --server-pid "$3" --label "$1" \
		--region us-east-1 --access-key AKIAIOSFODNN7EXAMPLE \
		--secret-key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY \
		--duration "$BENCH_DURATION" $BENCH_FLAGS --json >"$work/$1.json" || {
		log "$1: bench failed (status $?)"
		status=1
	}
}
run_bench coffer "$coffer_url" "$coffer_pid"
run_bench moto "$moto_url" "$moto_pid"

echo
"$work/coffer" bench compare "$work/coffer.json" "$work/moto.json" || status=1
exit "$status"
