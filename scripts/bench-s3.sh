#!/usr/bin/env bash
# bench-s3.sh — measure S3 PUT and GET on Coffer, moto and a plain file copy
# of the same bytes with one `coffer bench s3` run, and Coffer's peak memory
# streaming a large object and its Range GET latency at both ends of one.
#
# Coffer's data directory and the file copies are in the same work
# directory, so on the same disk. Both servers listen on 127.0.0.1 only, on
# free ports, with throwaway state, and are stopped on exit.
#
# Environment:
#   BENCH_DURATION     time per cell and round                 (default 5s)
#   BENCH_ROUNDS       rounds per cell; the table gives medians (default 3)
#   BENCH_SIZES        object sizes                            (default 1MiB,256MiB)
#   BENCH_CONCURRENCY  requests in flight per cell             (default 2)
#   BENCH_MEMORY       object streamed for the peak RSS probe  (default 4GiB; 0: skip)
#   BENCH_RANGE        object for the Range GET probe          (default 1GiB; 0: skip)
#   BENCH_MOTO         0 to leave moto out                     (default 1)
#   BENCH_FLOOR        0 to leave out the S3 floor (`coffer bench floor --s3-dir`:
#                      HTTP, a file and an fsync, nothing else) (default 1)
#   BENCH_FLAGS        extra `coffer bench s3` flags
#   BENCH_TIMEOUT      seconds the bench run may take in all   (default 3600)
#   COFFER_CPUPROFILE  write Coffer's CPU profile (pprof) of the whole run here
#   KEEP               1 keeps the work directory (report, logs)
set -euo pipefail

BENCH_DURATION=${BENCH_DURATION:-5s}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
BENCH_SIZES=${BENCH_SIZES:-1MiB,256MiB}
BENCH_CONCURRENCY=${BENCH_CONCURRENCY:-2}
BENCH_MEMORY=${BENCH_MEMORY:-4GiB}
BENCH_RANGE=${BENCH_RANGE:-1GiB}
BENCH_MOTO=${BENCH_MOTO:-1}
BENCH_FLOOR=${BENCH_FLOOR:-1}
BENCH_FLAGS=${BENCH_FLAGS:-}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-3600}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/coffer-bench-s3.XXXXXX")
coffer_pid="" moto_pid="" floor_pid=""

cleanup() {
	local status=$?
	for pid in $coffer_pid $moto_pid $floor_pid; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $coffer_pid $moto_pid $floor_pid; do
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

log() { echo "bench-s3: $*" >&2; }

# wait_http URL SECONDS PID: until URL answers 200, the process died, or time is up.
wait_http() {
	local url=$1 secs=$2 pid=$3 i
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || return 1
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

df -h "$work" >&2
log "building coffer"
(cd "$root" && go build -o "$work/coffer" ./cmd/coffer)

"$work/coffer" serve --dev --data-dir "$work/coffer-data" --addr 127.0.0.1:0 \
	>"$work/coffer.out" 2>"$work/coffer.log" &
coffer_pid=$!
coffer_url=""
for ((i = 0; i < 300; i++)); do
	# The background shell may not have created coffer.out yet: no error.
	coffer_url=$(sed -n 's/^export AWS_ENDPOINT_URL=\([^ ]*\).*/\1/p' "$work/coffer.out" 2>/dev/null || true)
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

peer=()
if [[ $BENCH_MOTO != 0 ]]; then
	if command -v moto_server >/dev/null; then
		moto=(moto_server)
	elif python3 -c 'import moto.server' 2>/dev/null; then
		moto=(python3 -m moto.server)
	else
		log "moto is not installed (pip install 'moto[server]'); BENCH_MOTO=0 leaves it out"
		exit 1
	fi
	moto_port=$(free_port)
	bash -c 'exec "$@"' moto "${moto[@]}" -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
	moto_pid=$!
	if ! wait_http "http://127.0.0.1:$moto_port/moto-api/" 60 "$moto_pid"; then
		log "moto did not start:"
		cat "$work/moto.log" >&2
		exit 1
	fi
	log "moto at http://127.0.0.1:$moto_port (pid $moto_pid)"
	peer=(--peer "moto=http://127.0.0.1:$moto_port")
fi

if [[ $BENCH_FLOOR != 0 ]]; then
	floor_port=$(free_port)
	mkdir -p "$work/floor"
	"$work/coffer" bench floor --addr "127.0.0.1:$floor_port" --s3-dir "$work/floor" >"$work/floor.log" 2>&1 &
	floor_pid=$!
	if ! wait_http "http://127.0.0.1:$floor_port/" 30 "$floor_pid"; then
		log "the S3 floor did not start:"
		cat "$work/floor.log" >&2
		exit 1
	fi
	log "S3 floor at http://127.0.0.1:$floor_port (pid $floor_pid)"
	peer+=(--peer "floor=http://127.0.0.1:$floor_port")
fi

mkdir -p "$work/files"
status=0
# shellcheck disable=SC2086 # BENCH_FLAGS is a list of flags
timeout --signal=INT --kill-after=10 "$BENCH_TIMEOUT" \
	"$work/coffer" bench s3 --endpoint "$coffer_url" --server-pid "$coffer_pid" --label coffer \
	"${peer[@]}" --file-dir "$work/files" --region us-east-1 \
	--access-key AKIAIOSFODNN7EXAMPLE --secret-key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY \
	--sizes "$BENCH_SIZES" --concurrency "$BENCH_CONCURRENCY" --duration "$BENCH_DURATION" \
	--rounds "$BENCH_ROUNDS" --memory-size "$BENCH_MEMORY" --range-object "$BENCH_RANGE" \
	$BENCH_FLAGS >"$work/report.txt" || status=$?
cat "$work/report.txt"
if [[ $status != 0 ]]; then
	log "bench failed (status $status); coffer log:"
	tail -20 "$work/coffer.log" >&2
fi
exit "$status"
