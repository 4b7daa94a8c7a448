#!/usr/bin/env bash
# The group-commit figure of `make bench`: throughput of the hub's group
# commit, N notes from CLI writers (`concord note --stdin`, pipelined),
# against the rate of single-event commits with the same durability (SQLite
# WAL, synchronous=FULL, one transaction per row) on the same filesystem,
# run side by side.  Reports medians and ratios (and records them in
# $BENCH_KV when set); nothing here is a pass/fail test.
set -eu
. "$(dirname "$0")/lib.sh"
N=${N:-20000}
W=$(mktemp -d "${BENCH_W:-/tmp}/commit.XXXXXX")
HUB=
trap 'rc=$?; set +e; [ -n "$HUB" ] && kill -9 $HUB 2>/dev/null; rm -rf "$W"; exit $rc' EXIT
export CONCORD_USER=bench CONCORD_LOG=$W/client.log

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

commit_hub_start() { # dir
	bench_user "$1/data"
	$ON_SERVER "$BIN/concordd" --socket "$1/hub.sock" \
	    --listen 127.0.0.1:0 --data "$1/data" $HUB_UNLIMITED \
	    >"$1/out" 2>&1 &
	HUB=$!
	wait_line "$1/out" listening 20
	PORT=$(grep -o ':[0-9]*$' "$1/out" | tr -d :)
	export CONCORD_HUB=unix:$1/hub.sock
}
record() { [ -z "${BENCH_KV:-}" ] || echo "$*" >>"$BENCH_KV"; }
metric() { curl -s "127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

# Group commit: CLIENTS pipelined writers of N/CLIENTS notes each.
hub_rate() { # clients -> "events/s events/commit"
	local c=$1 d=$W/hub.$RANDOM i start end pids=()
	mkdir -p "$d"
	commit_hub_start "$d"
	"$BIN/concord" open --title bench >/dev/null
	for i in $(seq "$c"); do seq 1 $((N / c)) | sed "s/^/w$i note /" >"$d/in.$i"; done
	start=$(now_ms)
	for i in $(seq "$c"); do
		$ON_GEN "$BIN/concord" note --stdin <"$d/in.$i" >/dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"
	end=$(now_ms)
	echo "$(( N * 1000 / (end - start) )) $(( $(metric concord_events_total) / $(metric concord_commits_total) ))"
	kill -9 $HUB; wait $HUB 2>/dev/null || true; HUB=
	rm -rf "$d"
}

# The peer: one durable commit per event, same engine and settings.
fsync_rate() { # -> commits/s
	local db=$W/peer.db n=1000 start end
	rm -f "$db"*
	sqlite3 "$db" "PRAGMA journal_mode=WAL; CREATE TABLE e (seq INTEGER PRIMARY KEY, body BLOB);" >/dev/null
	{ echo "PRAGMA synchronous=FULL;"
	  for i in $(seq $n); do echo "INSERT INTO e (body) VALUES ('note $i');"; done
	} >"$W/peer.sql"
	start=$(now_ms)
	sqlite3 "$db" <"$W/peer.sql" >/dev/null
	end=$(now_ms)
	echo $(( n * 1000 / (end - start) ))
}

echo "group commit: $N notes per run, $RUNS runs, median reported"
for c in 1 4; do
	rates=() per=() peer=()
	for r in $(seq "$RUNS"); do
		set -- $(hub_rate "$c"); rates+=("$1"); per+=("$2")
		peer+=("$(fsync_rate)")
		record "commit.$c" "$1"
		record "commit.per$c" "$2"
		record commit.sqlite "${peer[${#peer[@]} - 1]}"
	done
	med=$(printf '%s\n' "${rates[@]}" | median)
	medper=$(printf '%s\n' "${per[@]}" | median)
	echo "hub, $c writer(s): $med events/s acknowledged after commit, $medper events per commit"
	eval "hub$c=$med"
done
pmed=$(printf '%s\n' "${peer[@]}" | median)
echo "peer, one commit per event (WAL, synchronous=FULL): $pmed commits/s"
echo "ratio, hub with 4 writers / peer: $(awk -v a="$hub4" -v b="$pmed" 'BEGIN {printf "%.1f", a / b}')x"
