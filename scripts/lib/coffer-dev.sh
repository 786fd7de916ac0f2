# Sourced by the end-to-end scripts (from the repository root):
#   coffer_dev_up NAME
# builds coffer, starts `coffer serve --dev` on a free loopback port with a
# temporary data dir, waits until /healthz answers 200, and sets
#   work        the temporary directory (removed on exit)
#   server_pid  the server's PID (killed on exit)
#   endpoint    the server's URL
# COFFER_DEV_FLAGS adds flags to `coffer serve` (e.g. --maintenance-interval 2s).
# It installs an EXIT trap that stops the server and removes $work; a
# script that needs its own cleanup can define coffer_dev_cleanup_hook.

coffer_dev_cleanup() {
	if [[ -n "${server_pid:-}" ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$server_pid" 2>/dev/null
		wait "$server_pid" 2>/dev/null
	fi
	if declare -F coffer_dev_cleanup_hook >/dev/null; then coffer_dev_cleanup_hook; fi
	[[ -n "${work:-}" ]] && rm -rf "$work"
}

coffer_dev_up() {
	local name=$1
	work=$(mktemp -d "${TMPDIR:-/tmp}/coffer-$name.XXXXXX")
	server_pid=""
	trap coffer_dev_cleanup EXIT
	trap 'exit 130' INT TERM

	echo "$name: building coffer"
	timeout 300 go build -o "$work/coffer" ./cmd/coffer || { echo "$name: build failed" >&2; exit 1; }

	# --addr 127.0.0.1:0: the kernel picks a free port; coffer prints the endpoint.
	# shellcheck disable=SC2086 # COFFER_DEV_FLAGS is a list of flags
	"$work/coffer" serve --dev --data-dir "$work/data" --addr 127.0.0.1:0 ${COFFER_DEV_FLAGS:-} >"$work/serve.out" 2>"$work/serve.err" &
	server_pid=$!

	endpoint=""
	for _ in $(seq 150); do
		endpoint=$(grep -o 'AWS_ENDPOINT_URL=[^ ]*' "$work/serve.out" 2>/dev/null | head -1 | cut -d= -f2-)
		[[ -n "$endpoint" ]] && break
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	if [[ -z "$endpoint" ]]; then
		echo "$name: coffer did not start" >&2
		cat "$work/serve.out" "$work/serve.err" >&2
		exit 1
	fi
	local healthy="" code
	for _ in $(seq 100); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$endpoint/healthz")
		if [[ "$code" == 200 ]]; then healthy=1; break; fi
		sleep 0.1
	done
	if [[ -z "$healthy" ]]; then
		echo "$name: $endpoint/healthz never answered 200" >&2
		cat "$work/serve.err" >&2
		exit 1
	fi
	echo "$name: coffer is up at $endpoint"
}
