#!/usr/bin/env bash
# The fan-out figures of `make bench`, all driven by one load generator
# (build/tools/loadgen, tests/tools/loadgen.c), the server pinned to core 0
# and the generator to core 1, each figure repeated RUNS times with the
# systems interleaved run by run:
#
# fanout    deliveries/s at FOLLOWERS followers with WRITERS writers flat
#           out (window WINDOW), DELIVERIES deliveries a run: concordd,
#           the Node ws relay (bench/relay.js) and Redis pub/sub
# latency   p50/p99 from each note's send time to its arrival at the
#           followers, LAT_FOLLOWERS followers and LAT_RATE notes/s in all
#           for LAT_SECS s, with each server's CPU use
# durable   concordd's acknowledged (durable) notes/s with
#           DURABLE_FOLLOWERS followers and DURABLE_WRITERS writers flat
#           out, against appends of the same size each followed by
#           fdatasync on the same disk (FSYNC_N of them)
# idle      a fresh hub's memory per idle follower, IDLE_N followers
#           (and as many connections that do not follow)
# catchup   the time for one follower to reach the head with the same
#           chain value from each of CATCHUP events behind (written first
#           by pipelined writers)
# overload  a fresh hub's memory before, at its peak and at the end of
#           OVERLOAD_SECS s of writers flat out to OVERLOAD_FOLLOWERS
#           followers, OVERLOAD_STALLED of which stop reading, and after
#           they have all left
#
# SECTIONS names the sections to run (default all).  Every run checks
# what it delivers (bench/lib.sh counts it).  Run by bench/run.sh, which
# sets BENCH_W, BENCH_KV and BENCH_NODE_MODULES.
set -u
. "$(dirname "$0")/lib.sh"
trap 'bench_stop' EXIT

DELIVERIES=${DELIVERIES:-1000000}
FOLLOWERS=${FOLLOWERS:-100 500}
WRITERS=${WRITERS:-1 2 4}
WINDOW=${WINDOW:-64}
VERIFY=${VERIFY:-2}
LAT_FOLLOWERS=${LAT_FOLLOWERS:-100}
LAT_RATE=${LAT_RATE:-1000}
LAT_SECS=${LAT_SECS:-5}
DURABLE_FOLLOWERS=${DURABLE_FOLLOWERS:-10}
DURABLE_WRITERS=${DURABLE_WRITERS:-4}
DURABLE_N=${DURABLE_N:-20000}
FSYNC_N=${FSYNC_N:-2000}
IDLE_N=${IDLE_N:-1000}
IDLE_HOLD=${IDLE_HOLD:-3}
CATCHUP=${CATCHUP:-100000 1000000}
OVERLOAD_FOLLOWERS=${OVERLOAD_FOLLOWERS:-500}
OVERLOAD_STALLED=${OVERLOAD_STALLED:-50}
OVERLOAD_SECS=${OVERLOAD_SECS:-15}
SECTIONS=${SECTIONS:-fanout latency durable idle catchup overload}

want() { case " $SECTIONS " in *" $1 "*) return 0 ;; esac; return 1; }
pid_of() {
	case $1 in concord) echo "$HUB" ;; relay) echo "$RELAY" ;;
	redis) echo "$REDIS" ;; esac
}
addr_of() {
	case $1 in concord) echo "$HUB_ADDR" ;; relay) echo "$RELAY_ADDR" ;;
	redis) echo "$REDIS_ADDR" ;; esac
}
rss_of() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
clients() {
	curl -s "http://$HUB_ADDR/metrics" |
	    awk '$1 == "concord_clients" { print $2 }'
}
d=$BENCH_W/servers
mkdir -p "$d"

if want fanout || want latency; then
	hub_start "$d/hub"
	relay_start "$d"
	redis_start "$d"
fi

if want fanout; then
	echo "fan-out: deliveries/s, $DELIVERIES a run, writers flat out" \
	    "(window $WINDOW)"
	for r in $(seq "$RUNS"); do
		for f in $FOLLOWERS; do
			for w in $WRITERS; do
				for s in concord relay redis; do
					o=tput-$s-$f-$w-$r
					lg "$o" -k $s -f "$f" -w "$w" \
					    -W "$WINDOW" -V "$VERIFY" \
					    -n $((DELIVERIES / f)) \
					    -p "$(pid_of $s)" \
					    "$(addr_of $s)" || continue
					v=$(kv deliveries_per_s "$BENCH_W/$o")
					record "tput.$f.$w.$s" "$v"
					record "gencpu.$f.$w.$s" \
					    "$(kv gen_cpu "$BENCH_W/$o")"
					record "rxbytes.$f.$w.$s" \
					    "$(kv rx_bytes "$BENCH_W/$o")"
					record "deliv.$f.$w.$s" \
					    "$(kv deliveries "$BENCH_W/$o")"
				done
			done
		done
	done
fi

if want latency; then
	echo "latency: $LAT_FOLLOWERS followers, $LAT_RATE notes/s," \
	    "$LAT_SECS s a run"
	for r in $(seq "$RUNS"); do
		for s in concord relay redis; do
			o=lat-$s-$r
			lg "$o" -k $s -f "$LAT_FOLLOWERS" -w 1 -r "$LAT_RATE" \
			    -d "$LAT_SECS" -V "$VERIFY" -p "$(pid_of $s)" \
			    "$(addr_of $s)" || continue
			record "lat.p50.$s" "$(kv p50_us "$BENCH_W/$o")"
			record "lat.p99.$s" "$(kv p99_us "$BENCH_W/$o")"
			record "lat.cpu.$s" "$(kv server_cpu "$BENCH_W/$o")"
		done
	done
fi
bench_stop

if want durable; then
	echo "durable: $DURABLE_FOLLOWERS followers, $DURABLE_WRITERS" \
	    "writers flat out, $DURABLE_N notes a run; the disk's" \
	    "fdatasync per append"
	hub_start "$d/durable"
	for r in $(seq "$RUNS"); do
		o=durable-$r
		lg "$o" -f "$DURABLE_FOLLOWERS" -w "$DURABLE_WRITERS" \
		    -W "$WINDOW" -n "$DURABLE_N" -V "$VERIFY" -p "$HUB" \
		    "$HUB_ADDR" &&
		    record durable.concord "$(kv accepted_per_s "$BENCH_W/$o")"
		o=fsync-$r
		lg "$o" -Y "$d/durable/fsync.test" -n "$FSYNC_N" &&
		    record durable.fsync "$(kv fsync_per_s "$BENCH_W/$o")"
	done
	hub_stop
	rm -rf "$d/durable"
fi

if want idle; then
	echo "idle: hub memory with $IDLE_N idle connections, a fresh hub" \
	    "each run"
	for r in $(seq "$RUNS"); do
		for m in follow nofollow; do
			o=idle-$m-$r
			hub_start "$d/idle"
			lg "$o" -f "$IDLE_N" -w 0 -H "$IDLE_HOLD" -V 0 \
			    $([ $m = nofollow ] && echo -N) -p "$HUB" \
			    "$HUB_ADDR" &&
			    record "idle.$m" \
			    "$(kv idle_bytes_per_follower "$BENCH_W/$o")"
			hub_stop
			rm -rf "$d/idle"
		done
	done
fi

if want catchup; then
	max=0
	for n in $CATCHUP; do [ "$n" -gt "$max" ] && max=$n; done
	echo "catch-up: writing $max notes, then one follower from each of" \
	    "$CATCHUP behind"
	hub_start "$d/catchup"
	o=catchup-load
	if lg "$o" -f 0 -w 4 -W 1024 -n "$max" -p "$HUB" "$HUB_ADDR"; then
		inc=$(kv incident "$BENCH_W/$o")
		head=$(kv head "$BENCH_W/$o")
		record catchup.load "$(kv accepted_per_s "$BENCH_W/$o")"
		for r in $(seq "$RUNS"); do
			for n in $CATCHUP; do
				o=catchup-$n-$r
				lg "$o" -f 1 -w 0 -F $((head - n)) -V 0 \
				    -i "$inc" -p "$HUB" "$HUB_ADDR" &&
				    record "catchup.$n" \
				    "$(kv catchup_ms "$BENCH_W/$o")" &&
				    record "catchup.gencpu.$n" \
				    "$(kv gen_cpu "$BENCH_W/$o")"
			done
		done
	fi
	hub_stop
	rm -rf "$d/catchup"
fi

if want overload; then
	echo "overload: $OVERLOAD_FOLLOWERS followers ($OVERLOAD_STALLED stop" \
	    "reading), 4 writers flat out for $OVERLOAD_SECS s, a fresh hub" \
	    "each run"
	for r in $(seq "$RUNS"); do
		o=overload-$r
		hub_start "$d/overload"
		if lg "$o" -f "$OVERLOAD_FOLLOWERS" -S "$OVERLOAD_STALLED" \
		    -w 4 -W "$WINDOW" -d "$OVERLOAD_SECS" -D 0 -V 0 \
		    -p "$HUB" "$HUB_ADDR"; then
			for k in start max end; do
				record "overload.rss_$k" \
				    "$(kv rss_${k}_kib "$BENCH_W/$o")"
			done
			# After they leave: once the hub counts no clients.
			for _ in $(seq 100); do
				[ "$(clients)" = 0 ] && break
				sleep 0.1
			done
			sleep 1
			record overload.rss_after "$(rss_of "$HUB")"
			record overload.accepted \
			    "$(kv accepted_per_s "$BENCH_W/$o")"
		fi
		hub_stop
		rm -rf "$d/overload"
	done
fi
