#!/usr/bin/env bash
# The PostgreSQL figures of `make bench`: concordd on PostgreSQL (several
# hubs on one database) against the SQLite hub, in the same run, each
# figure repeated RUNS times with the systems interleaved run by run.  A
# private PostgreSQL cluster is started the tests' way
# (tests/integration/pg.sh: initdb in a fresh directory, a Unix socket
# only, stopped by its saved pid) but with PostgreSQL's durable defaults
# (fsync=on, synchronous_commit=on), where the tests turn fsync off; it
# runs on the hubs' core.  Three hubs: the SQLite one, and hubs A and B on
# the database (B started for the latency figures only).
#
# durable   acknowledged notes/s with PG_FOLLOWERS followers and PG_WRITERS
#           writers flat out (window WINDOW), PG_N notes a run: the SQLite
#           hub, and hub A on PostgreSQL
# latency   p50/p99 from each note's send time to its arrival at the
#           followers, PG_LAT_FOLLOWERS followers and one writer at
#           PG_LAT_RATE notes/s for PG_LAT_SECS s: the SQLite hub
#           (writer and followers on it), hub A alone (writer and followers
#           on A) and hub to hub (the writer on A, the followers on B, which
#           hears of A's commits through LISTEN/NOTIFY)
#
# PG_SECTIONS names the sections (default both).  Every run checks what it
# delivers (bench/lib.sh counts it).  The settings each side ran with are
# written to $BENCH_W/pg.settings for the table.  Run by bench/run.sh,
# which sets BENCH_W and BENCH_KV; the defaults take about two minutes.
set -u
. "$(dirname "$0")/lib.sh"

PG_N=${PG_N:-20000}
PG_FOLLOWERS=${PG_FOLLOWERS:-10}
PG_WRITERS=${PG_WRITERS:-4}
PG_LAT_FOLLOWERS=${PG_LAT_FOLLOWERS:-10}
PG_LAT_RATE=${PG_LAT_RATE:-500}
PG_LAT_SECS=${PG_LAT_SECS:-5}
PG_SECTIONS=${PG_SECTIONS:-durable latency}
WINDOW=${WINDOW:-64}
VERIFY=${VERIFY:-2}

want() { case " $PG_SECTIONS " in *" $1 "*) return 0 ;; esac; return 1; }

d=$BENCH_W/pg
T=$d			# pg.sh's logs
mkdir -p "$d"
PG_SETTINGS="-c max_connections=50"
. "$top/tests/integration/pg.sh"
# postgres and its processes on the hubs' core (taskset execs: same pid).
[ -n "$ON_SERVER" ] && PG_AS=($ON_SERVER ${PG_AS[@]+"${PG_AS[@]}"})

SQ= PA= PB=
pg_bench_stop() {
	stop_pids $SQ $PA $PB
	SQ= PA= PB=
	pg_stop
}
trap 'pg_bench_stop' EXIT

# One user for every hub: the same users.db in each hub's directory.
bench_user "$d/users" || exit 1

# start_hub DIR ARGS...: a fresh concordd in DIR on TCP, with ARGS; sets
# STARTED (its pid) and STARTED_ADDR.
start_hub() {
	local dir=$1
	shift
	mkdir -p "$dir/data"
	cp "$d/users/users.db" "$dir/data/users.db"
	$ON_SERVER "$BIN/concordd" --listen 127.0.0.1:0 --data "$dir/data" \
	    --log "$dir/concordd.log" $HUB_UNLIMITED "$@" \
	    </dev/null >"$dir/out" 2>&1 &
	STARTED=$!
	wait_line "$dir/out" listening 20 || return 1
	STARTED_ADDR=$(grep -oE '127\.0\.0\.1:[0-9]+' "$dir/out" | head -1)
}
incidents() {
	curl -s "http://$1/metrics" |
	    awk '$1 == "concord_incidents" { print $2 }'
}

if ! pg_start >"$d/pg.start" 2>&1; then
	echo "pg: cannot start PostgreSQL:" >&2
	cat "$d/pg.start" >&2
	record check.failed pg-start
	exit 0
fi
pg_version=$("$PG_BIN/postgres" --version | awk '{ print $3 }')
{
	echo "PostgreSQL $pg_version:" \
	    "fsync=$(pg_sql 'SHOW fsync'), " \
	    "synchronous_commit=$(pg_sql 'SHOW synchronous_commit'), " \
	    "wal_sync_method=$(pg_sql 'SHOW wal_sync_method')"
} | tr -s ' ' >"$BENCH_W/pg.settings"
echo "PostgreSQL $pg_version, $(sed 's/^[^:]*: //' "$BENCH_W/pg.settings")"

start_hub "$d/sqlite" || exit 1
SQ=$STARTED SQ_ADDR=$STARTED_ADDR
start_hub "$d/a" --store "$PG_STORE" || exit 1
PA=$STARTED PA_ADDR=$STARTED_ADDR

if want durable; then
	echo "pg durable: $PG_FOLLOWERS followers, $PG_WRITERS writers flat" \
	    "out, $PG_N notes a run"
	for r in $(seq "$RUNS"); do
		for s in sqlite pg; do
			o=pgd-$s-$r
			if [ $s = sqlite ]; then p=$SQ a=$SQ_ADDR
			else p=$PA a=$PA_ADDR; fi
			lg "$o" -f "$PG_FOLLOWERS" -w "$PG_WRITERS" \
			    -W "$WINDOW" -n "$PG_N" -V "$VERIFY" -p "$p" \
			    "$a" &&
			    record "pg.durable.$s" \
			    "$(kv accepted_per_s "$BENCH_W/$o")"
		done
	done
fi

if want latency; then
	echo "pg latency: $PG_LAT_FOLLOWERS followers, $PG_LAT_RATE notes/s," \
	    "$PG_LAT_SECS s a run; hub to hub: written on A, followed on B"
	start_hub "$d/b" --store "$PG_STORE" || exit 1
	PB=$STARTED PB_ADDR=$STARTED_ADDR
	# The incident followed on B, opened on A; B loads it when it hears.
	o=pgx-open
	if lg "$o" -f 0 -w 1 -n 1 "$PA_ADDR"; then
		inc=$(kv incident "$BENCH_W/$o")
		same() { [ "$(incidents "$PB_ADDR")" = \
		    "$(incidents "$PA_ADDR")" ]; }
		wait_for 20 same || echo "pg: hub B does not know $inc" >&2
	else
		inc=
	fi
	for r in $(seq "$RUNS"); do
		for s in sqlite pg pgx; do
			o=pgl-$s-$r
			case $s in
			sqlite) set -- -p "$SQ" "$SQ_ADDR" ;;
			pg) set -- -p "$PA" "$PA_ADDR" ;;
			pgx) [ -n "$inc" ] || continue
			    # From its head: no notes of earlier runs.
			    set -- -i "$inc" -F 1000000000000 -p "$PB" \
				-A "$PA_ADDR" "$PB_ADDR" ;;
			esac
			lg "$o" -f "$PG_LAT_FOLLOWERS" -w 1 \
			    -r "$PG_LAT_RATE" -d "$PG_LAT_SECS" -V "$VERIFY" \
			    "$@" || continue
			record "pg.p50.$s" "$(kv p50_us "$BENCH_W/$o")"
			record "pg.p99.$s" "$(kv p99_us "$BENCH_W/$o")"
			record "pg.cpu.$s" "$(kv server_cpu "$BENCH_W/$o")"
		done
	done
fi
