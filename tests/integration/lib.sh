# Shared by the integration tests: a private directory, a real hub on a
# Unix socket in it, polling helpers and TAP-style results.  Every process
# a test starts is killed by its saved pid when the test exits.
set -u
export TZ=UTC LC_ALL=C.UTF-8
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=$TOP/bin
TOOLS=$TOP/build/tools
T=$(mktemp -d /tmp/concord-it.XXXXXX)
export CONCORD_HUB=unix:$T/hub.sock
export CONCORD_USER=alice
export CONCORD_LOG=$T/client.log
export XDG_RUNTIME_DIR=$T/run XDG_STATE_HOME=$T/state
unset CONCORD_INCIDENT CONCORD_FENCE CONCORD_TOKEN CONCORD_CONFIG
# The protocol version the hub speaks, for raw clients' hellos.
PROTO_V=$(sed -n 's/^#define PROTO_VERSION[[:space:]]*\([0-9]*\).*/\1/p' "$TOP/include/proto.h")
# The test's login user: over the hub's socket every client is ME, which
# acts as the test's people (--as alice), so the log reads "alice (by ME)".
ME=$(id -un)
PIDS=()
HUB_PID=
FAILS=0

cleanup() {
	local p
	for p in "${PIDS[@]}" $HUB_PID; do
		# A shell function or subshell run in the background is a
		# shell whose command is its child: that goes too.
		pkill -9 -P "$p" 2>/dev/null
		kill -9 "$p" 2>/dev/null
	done
	# A private PostgreSQL (pg.sh) is stopped by its pid, cleanly.
	if [ -n "${PG_PID:-}${PG_DIR:-}" ]; then
		pg_stop
	fi
	wait 2>/dev/null
	if [ "$FAILS" != 0 ]; then
		echo "--- hub output"; cat "$T"/hub.out* 2>/dev/null | tail -20
		echo "--- hub log"; tail -40 "$T/data/concordd.log" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; FAILS=$((FAILS + 1)); }
# check DESC CMD...: ok if CMD succeeds.
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
	local end=$(( $(date +%s) + $1 )); shift
	while ! "$@"; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.1
	done
}
# hub_user [DIR]: on the hub whose store is DIR (default $T/data), the
# test's own login user may act as anyone (tests name their people with
# --as, as the embedded hub lets its owner); its token is in DIR.token.
hub_user() {
	local data=${1:-$T/data}
	[ -s "$data.token" ] && [ -e "$data/users.db" ] ||
	    "$BIN/concordd" user add "$ME" --act-as \
	    --data "$data" >"$data.token" 2>/dev/null
}
# hub_store_args: the --store option of every hub the test starts: none,
# or with CONCORD_TEST_STORE=pg a private PostgreSQL (pg.sh), started once
# per test.
hub_store_args() {
	HUB_STORE=()
	[ "${CONCORD_TEST_STORE:-}" = pg ] || return 0
	if [ -z "${PG_PID:-}" ]; then
		. "$TOP/tests/integration/pg.sh"
		pg_start || return 1
	fi
	HUB_STORE=(--store "$PG_STORE")
}
# hub_start [ARGS...]: start concordd on $T/hub.sock and wait for
# listening; $CONCORD_TOKEN is the test user's token, for clients over TCP.
hub_start() {
	local out=$T/hub.out.$RANDOM
	HUB_OUT=$out
	hub_user || { echo "cannot add the test user"; return 1; }
	export CONCORD_TOKEN=$(cat "$T/data.token")
	hub_store_args || return 1
	"$BIN/concordd" --socket "$T/hub.sock" --data "$T/data" \
	    ${HUB_STORE[@]+"${HUB_STORE[@]}"} "$@" </dev/null >"$out" 2>&1 &
	HUB_PID=$!
	if ! wait_for 20 grep -qs listening "$out"; then
		echo "hub did not start:"; cat "$out"; return 1
	fi
}
# hub_store_reset: forget every event, as a fresh store, while no hub runs.
hub_store_reset() {
	rm -rf "$T/data"
	if [ -n "${PG_PID:-}" ]; then
		pg_sql "DROP TABLE IF EXISTS concord_events, concord_incidents" \
		    >/dev/null
	fi
}
# hub_port: the TCP port the running hub (started with --listen
# 127.0.0.1:0) said it listens on.
hub_port() { grep -oE 'ws://127\.0\.0\.1:[0-9]+' "$HUB_OUT" | sed 's/.*://'; }
hub_kill9() {
	kill -9 "$HUB_PID" 2>/dev/null
	wait "$HUB_PID" 2>/dev/null
	HUB_PID=
}
concord() { "$BIN/concord" "$@"; }
finish() { [ "$FAILS" = 0 ]; }
