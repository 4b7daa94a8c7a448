#!/usr/bin/env bash
# The console benchmark: time from a key press to the finished frame
# (median and p99, as the console itself measures it with
# CONCORD_BENCH_LOG) and resident memory, on an incident of 100,000 events
# and, side by side, on one of 1,000 (the peer: drawing should cost the same,
# since only what is visible is drawn).  The console runs for real in tmux.
set -eu
export TZ=UTC LC_ALL=C.UTF-8
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=$top/bin
BIG=${BIG:-100000}
SMALL=${SMALL:-1000}
KEYS=${KEYS:-300}
W=$(mktemp -d /tmp/concord-cbench.XXXXXX)
HUB=
trap 'rc=$?; set +e; for s in $W/tmux.*; do [ -e "$s" ] && tmux -S "$s" kill-server 2>/dev/null; done; [ -n "$HUB" ] && { kill -9 $HUB; wait $HUB; } 2>/dev/null; rm -rf "$W"; exit $rc' EXIT
export CONCORD_USER=bench CONCORD_LOG=$W/client.log CONCORD_HUB=unix:$W/hub.sock
export XDG_STATE_HOME=$W/state

# The login user acts as "bench", and the bulk load is not slowed.
"$BIN/concordd" user add "$(id -un)" --act-as --data "$W/data" \
    >/dev/null 2>&1
"$BIN/concordd" --socket "$W/hub.sock" --data "$W/data" --rate 0 \
    >"$W/hub.out" 2>&1 &
HUB=$!
for _ in $(seq 100); do grep -q listening "$W/hub.out" && break; sleep 0.1; done

load() { # events -> incident id
	local id
	id=$("$BIN/concord" open --title "bench $1 events" | awk '{print $NF}')
	"$BIN/concord" -i "$id" declare failover-db >/dev/null
	"$BIN/concord" -i "$id" declare restart-api --after failover-db >/dev/null
	seq 1 $(($1 - 3)) | sed 's/^/load note with some words to wrap /' |
	    "$BIN/concord" -i "$id" note --stdin >/dev/null
	echo "$id"
}

run() { # id events -> "median p99 rss_kib"
	local id=$1 n=$2 log=$W/keys.$1 pid i TM="tmux -S $W/tmux.$1 -f /dev/null"
	: >"$log"
	$TM new-session -d -s "$id" -x 160 -y 48 "env CONCORD_BENCH_LOG=$log $BIN/concord -i $id"
	for _ in $(seq 600); do
		$TM capture-pane -p -t "$id" | grep -q "LIVE seq $n " && break
		sleep 0.1
	done
	pid=$(pgrep -f "^$BIN/concord -i $id\$" | head -1)
	: >"$log"
	$TM send-keys -t "$id" Tab
	for i in $(seq $((KEYS / 3))); do $TM send-keys -t "$id" k; sleep 0.01; done
	for i in $(seq $((KEYS / 3))); do $TM send-keys -t "$id" j; sleep 0.01; done
	$TM send-keys -t "$id" Escape
	for i in $(seq $((KEYS / 3))); do $TM send-keys -t "$id" a; sleep 0.01; done
	sleep 0.5
	rss=$(awk '/VmRSS/ {print $2}' /proc/"$pid"/status)
	$TM send-keys -t "$id" C-u "/quit" Enter
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	$TM kill-server 2>/dev/null || true
	sort -n "$log" | awk -v rss="$rss" '{a[NR]=$1} END {
	    printf "%d %d %d %d\n", a[int((NR+1)/2)], a[int(NR*0.99+0.5)], rss, NR}'
}

echo "console bench: key press to finished frame, $KEYS keys, 160x48"
t0=$(date +%s)
big=$(load "$BIG")
small=$(load "$SMALL")
echo "loaded $BIG + $SMALL events in $(( $(date +%s) - t0 )) s"
t0=$(date +%s)
set -- $(run "$big" "$BIG"); bm=$1 bp=$2 br=$3 bn=$4
echo "ran the $BIG-event console in $(( $(date +%s) - t0 )) s"
set -- $(run "$small" "$SMALL"); sm=$1 sp=$2 sr=$3 sn=$4
printf "%7d events: median %d us, p99 %d us, RSS %.1f MiB (%d frames)\n" \
    "$BIG" "$bm" "$bp" "$(awk -v r="$br" 'BEGIN {print r / 1024}')" "$bn"
printf "%7d events: median %d us, p99 %d us, RSS %.1f MiB (%d frames)\n" \
    "$SMALL" "$sm" "$sp" "$(awk -v r="$sr" 'BEGIN {print r / 1024}')" "$sn"
echo "ratio of medians, $BIG / $SMALL events: $(awk -v a="$bm" -v b="$sm" 'BEGIN {printf "%.2f", a / b}')"
if [ -n "${BENCH_KV:-}" ]; then
	printf 'console.big.median %s\nconsole.big.p99 %s\nconsole.big.rss %s\n' \
	    "$bm" "$bp" "$br" >>"$BENCH_KV"
	printf 'console.small.median %s\nconsole.small.p99 %s\nconsole.small.rss %s\n' \
	    "$sm" "$sp" "$sr" >>"$BENCH_KV"
fi
