#!/usr/bin/env bash
# make bench: concordd measured side by side with what a team might use
# instead, on this machine, in one run.  Installs what it needs (Debian's
# redis-server and, for the Node relay, npm's ws into a private
# build/bench/node_modules), then runs
#
#   bench/fanout.sh   fan-out throughput and latency against a Node ws
#                     relay and Redis pub/sub, durable throughput against
#                     the disk's fdatasync rate, memory per idle follower,
#                     catch-up time, memory under overload
#   bench/commit.sh   group commit against one SQLite commit per event
#   bench/console.sh  the console's key-to-frame time and memory
#   bench/pg.sh       concordd on PostgreSQL (a private cluster, durable
#                     settings) against the SQLite hub: acknowledged
#                     notes/s, and delivery latency on one hub and from
#                     hub to hub (about two minutes; PG_* sizes)
#
# and prints a table (median of RUNS runs with min-max, concord/peer
# ratios, the targets of the performance issue) which it also writes to
# bench/results/DATE-HOST.md (or $BENCH_OUT), with the raw figures, one
# line per run, beside it in DATE-HOST.figures.  Sizes and the sections to
# run come from the environment (see each script; RUNS, DELIVERIES,
# FOLLOWERS, WRITERS, CATCHUP, SECTIONS, ...; SECTIONS=pg runs the
# PostgreSQL figures alone); the defaults take about a quarter of an hour
# on two cores.  BENCH_BIN measures the programs of another directory
# (default bin/).  Nothing here is a pass/fail test.
set -u
. "$(dirname "$0")/lib.sh"
WS_VERSION=8.23.0
SECTIONS=${SECTIONS:-fanout latency durable idle catchup overload commit \
    console pg}
export RUNS SECTIONS

want() { case " $SECTIONS " in *" $1 "*) return 0 ;; esac; return 1; }

need=
command -v redis-server >/dev/null || need="$need redis-server"
command -v node >/dev/null || need="$need nodejs"
command -v npm >/dev/null || need="$need npm"
command -v taskset >/dev/null || need="$need util-linux"
want pg && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 &&
    need="$need postgresql"
if [ -n "$need" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "make bench needs$need: run it as root to install" >&2
		exit 1
	fi
	echo "installing$need"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $need >/dev/null ||
	    exit 1
fi
mkdir -p "$top/build/bench"
export BENCH_NODE_MODULES=$top/build/bench/node_modules
if ! grep -qs "\"version\": \"$WS_VERSION\"" \
    "$BENCH_NODE_MODULES/ws/package.json"; then
	echo "installing ws $WS_VERSION into $BENCH_NODE_MODULES"
	npm install --prefix "$top/build/bench" --no-audit --no-fund \
	    --no-save --silent "ws@$WS_VERSION" >/dev/null || exit 1
fi

# On the project's disk, not a tmpfs: the durable figures need a real one.
BENCH_W=$(mktemp -d "$top/build/bench/run.XXXXXX")
export BENCH_W BENCH_KV=$BENCH_W/figures
: >"$BENCH_KV"
trap 'rm -rf "$BENCH_W"' EXIT

host=$(hostname -s 2>/dev/null || hostname)
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
mem=$(awk '$1 == "MemTotal:" { printf "%.0f GiB", $2 / 1048576 }' \
    /proc/meminfo)
os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
fs=$(df -T "$BENCH_W" | awk 'NR == 2 { print $2 " on " $1 }')
rev=$(git -C "$top" rev-parse --short HEAD 2>/dev/null)
git -C "$top" diff --quiet HEAD -- src include 2>/dev/null ||
    rev="$rev with uncommitted changes"
machine="$host: ${cpu:-unknown CPU}, $(nproc) cores, $mem,"
machine="$machine Linux $(uname -r), $os; store on $fs"
if [ -n "$ON_SERVER" ]; then
	pinned="server pinned to core 0, generator to core 1"
else
	pinned="not pinned (one core)"
fi
versions="concordd at ${rev:-unknown}"
versions="$versions; $(redis-server --version |
    awk '{ print "Redis " substr($3, 3) }')"
versions="$versions; Node $(node --version) with ws $WS_VERSION"
versions="$versions; libwebsockets $(pkg-config --modversion \
    libwebsockets | sed 's/-$//')"
versions="$versions; SQLite $(sqlite3 --version | awk '{ print $1 }')"
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
want pg && [ -x "$pgbin/postgres" ] && versions="$versions; PostgreSQL \
$("$pgbin/postgres" --version | awk '{ print $3 }')"

echo "concord bench on $machine"
echo "$versions; $pinned; $RUNS run(s) of each figure"
start=$(date +%s)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
fan=
for s in fanout latency durable idle catchup overload; do
	want $s && fan="$fan $s"
done
[ -z "$fan" ] || SECTIONS=$fan bash "$top/bench/fanout.sh"
if want commit; then echo; bash "$top/bench/commit.sh"; fi
if want console; then echo; bash "$top/bench/console.sh"; fi
if want pg; then echo; bash "$top/bench/pg.sh"; fi
secs=$(( $(date +%s) - start ))
load1=$(cut -d' ' -f1-3 /proc/loadavg)

out=${BENCH_OUT:-$top/bench/results/$(date +%F)-$host.md}
mkdir -p "$(dirname "$out")"
{
	echo "# concord bench, $(date +%F)"
	echo
	echo "Machine: $machine."
	echo
	echo "Software: $versions."
	echo
	echo "Method: \`make bench\` (bench/run.sh), $RUNS run(s) of each" \
	    "figure, the systems interleaved run by run, $pinned;" \
	    "the load generator is build/tools/loadgen" \
	    "(tests/tools/loadgen.c), ~200-byte notes, over TCP on" \
	    "loopback; its writers are libwebsockets clients, its" \
	    "followers read their sockets in bulk and parse websocket" \
	    "frames (concordd, the relay) or RESP (Redis) themselves." \
	    "Cells are the median with the min–max of the runs" \
	    "in brackets.  The whole run took $((secs / 60)) min" \
	    "$((secs % 60)) s;" \
	    "the load average was $load0 when it started and $load1 when" \
	    "it ended (anything else running shares the two cores)."
	echo
	awk -v runs="$RUNS" -v followers="${FOLLOWERS:-100 500}" \
	    -v writers="${WRITERS:-1 2 4}" \
	    -v deliveries="${DELIVERIES:-1000000}" \
	    -v window="${WINDOW:-64}" \
	    -v lat_followers="${LAT_FOLLOWERS:-100}" \
	    -v lat_rate="${LAT_RATE:-1000}" \
	    -v durable_followers="${DURABLE_FOLLOWERS:-10}" \
	    -v durable_writers="${DURABLE_WRITERS:-4}" \
	    -v idle_n="${IDLE_N:-1000}" \
	    -v catchup="${CATCHUP:-100000 1000000}" \
	    -v ov_followers="${OVERLOAD_FOLLOWERS:-500}" \
	    -v ov_stalled="${OVERLOAD_STALLED:-50}" \
	    -v ov_secs="${OVERLOAD_SECS:-15}" \
	    -v big="${BIG:-100000}" -v small="${SMALL:-1000}" \
	    -v pg_followers="${PG_FOLLOWERS:-10}" \
	    -v pg_writers="${PG_WRITERS:-4}" -v pg_n="${PG_N:-20000}" \
	    -v pg_lat_followers="${PG_LAT_FOLLOWERS:-10}" \
	    -v pg_lat_rate="${PG_LAT_RATE:-500}" \
	    -v pg_settings="$(cat "$BENCH_W/pg.settings" 2>/dev/null)" \
	    -v pinned="$pinned" \
	    -f "$top/bench/table.awk" "$BENCH_KV"
} >"$out"
# The raw figures beside it, one "KEY VALUE" line per run.
cp "$BENCH_KV" "${out%.md}.figures"
echo
cat "$out"
echo
echo "written to ${out#$top/}"
