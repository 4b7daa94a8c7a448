# Shared by the bench scripts (sourced): paths, pinning, the servers
# started and stopped by saved pid, the load generator, and recording
# figures.  Each figure of a run is one line "KEY VALUE" appended to
# $BENCH_KV, read by bench/table.awk.
export TZ=UTC LC_ALL=C.UTF-8
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BENCH_BIN:-$top/bin}
LG=$top/build/tools/loadgen
RUNS=${RUNS:-3}

# The servers on core 0 and the generator on core 1, when there are two.
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
	ON_SERVER="taskset -c 0"
	ON_GEN="taskset -c 1"
else
	ON_SERVER=
	ON_GEN=
fi

# stop_pids PID...: stop each (a server this shell started) and reap it.
stop_pids() {
	local p
	for p in "$@"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
	local end=$(( $(date +%s) + $1 )); shift
	while ! "$@"; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.1
	done
}

HUB= RELAY= REDIS=
# bench_stop: stop every server this script started (by saved pid).
bench_stop() {
	stop_pids $HUB $RELAY $REDIS
	HUB= RELAY= REDIS=
}

# wait_line FILE PATTERN SECONDS: poll until FILE has a line matching.
wait_line() {
	local i
	for i in $(seq $(($3 * 10))); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "bench: no \"$2\" in $1 after $3 s:" >&2
	tail -5 "$1" >&2
	return 1
}

# A benchmark measures what the hub can take, so its limits per connection
# and user are off; bench_user DATA lets the login user act as the
# generator's connections and exports its token (TCP needs one).
HUB_UNLIMITED="--rate 0 --connections-per-user 0 --open-incidents-per-user 0"
bench_user() {
	mkdir -p "$1"
	CONCORD_TOKEN=$("$BIN/concordd" user add "$(id -un)" --act-as \
	    --data "$1" 2>/dev/null) || return 1
	export CONCORD_TOKEN
}

# hub_start DIR: a fresh concordd with its store in DIR, on TCP.
hub_start() {
	mkdir -p "$1"
	bench_user "$1/data"
	$ON_SERVER "$BIN/concordd" --listen 127.0.0.1:0 --data "$1/data" \
	    --log "$1/concordd.log" $HUB_UNLIMITED </dev/null >"$1/out" 2>&1 &
	HUB=$!
	wait_line "$1/out" listening 20
	HUB_ADDR=$(grep -oE '127\.0\.0\.1:[0-9]+' "$1/out" | head -1)
}
hub_stop() {
	stop_pids $HUB
	HUB=
}

# relay_start DIR: the Node ws relay (bench/relay.js).
relay_start() {
	NODE_PATH=$BENCH_NODE_MODULES $ON_SERVER node "$top/bench/relay.js" \
	    </dev/null >"$1/relay.out" 2>&1 &
	RELAY=$!
	wait_line "$1/relay.out" listening 20
	RELAY_ADDR=$(grep -oE '127\.0\.0\.1:[0-9]+' "$1/relay.out" | head -1)
}

# redis_start DIR: redis-server on loopback at a free port, no persistence.
# Subscribers get no output buffer limit, so a slow one is never cut off
# mid-run (which would count as missing deliveries).
redis_start() {
	local port i
	for i in $(seq 50); do
		port=$((20000 + RANDOM % 30000))
		ss -Hltn "sport = :$port" | grep -q . || break
	done
	$ON_SERVER redis-server --port "$port" --bind 127.0.0.1 \
	    --save '' --appendonly no --dir "$1" --daemonize no \
	    --client-output-buffer-limit 'pubsub 0 0 0' \
	    </dev/null >"$1/redis.out" 2>&1 &
	REDIS=$!
	wait_line "$1/redis.out" "Ready to accept connections" 20
	REDIS_ADDR=127.0.0.1:$port
}

record() { echo "$*" >>"$BENCH_KV"; }

# kv KEY FILE: the value of KEY on the generator's key=value line in FILE.
kv() {
	sed -n 's/^loadgen //p' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" |
	    tail -1
}

# lg NAME ARGS...: run the generator on its core, output in $BENCH_W/NAME,
# print its line for people, and count what it checked.  Followers read
# their websockets with the generator's own frame parser (-R), the same for
# concordd and the relay, as Redis's are read with its own RESP parser.
# Returns its status; a failed run is recorded and reported, not fatal.
lg() {
	local name=$1 out rc bad
	shift
	out=$BENCH_W/$name
	$ON_GEN "$LG" -R "$@" >"$out" 2>"$out.err"
	rc=$?
	printf '  %-24s %s\n' "$name" "$(sed -n '$p' "$out")"
	case $(kv kind "$out") in
	concord | relay | redis)
		bad=$(( $(kv missing "$out") + $(kv dup "$out") + \
		    $(kv bogus "$out") + $(kv ooo "$out") + \
		    $(kv reorder "$out") + \
		    $(kv chain_bad "$out") + $(kv mismatch "$out") + \
		    $(kv lost "$out") ))
		record check.deliveries "$(kv deliveries "$out")"
		record check.anomalies "$bad"
		record check.verified "$(kv checked "$out")"
		;;
	esac
	if [ "$rc" != 0 ]; then
		record check.failed "$name"
		echo "  $name: the generator exited $rc:" >&2
		tail -5 "$out.err" >&2
	fi
	return "$rc"
}
