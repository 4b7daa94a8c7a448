# A crowd of 1,000 followers (real client links, one process) joins an
# incident and leaves it.  While they join, a follower already there is
# sent a few presence messages a second, not one per join; every member
# of the crowd is served the log; an idle follower costs the hub less than
# 16 KiB; and once they have gone the hub's memory returns near where it
# started.
. "$(dirname "$0")/lib.sh"
RAW=$TOOLS/rawws
N=1000
if [ ! -x "$RAW" ] || [ ! -x "$TOOLS/storm" ]; then
	notok "rawws and storm are built (make build/tools/rawws build/tools/storm)"
	finish
	exit
fi
hub_start --connections-per-user 0	# a crowd of one user
concord open --title crowd >/dev/null
seq 1 300 | sed 's/^/note before the crowd /' | concord note --stdin >/dev/null
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$HUB_PID/status"; }
# A follower already there, every message it is sent stamped.
stamp() { while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done; }
"$RAW" -t 120 "unix:$T/hub.sock" \
    "send:{\"type\":\"hello\",\"proto\":$PROTO_V,\"user\":\"watcher\",\"incident\":\"INC-1\",\"from\":301}" \
    recvall > >(stamp >"$T/watcher.out") 2>&1 &
PIDS+=($!)
check "the watcher is welcomed" wait_for 10 grep -q '"type":"welcome"' "$T/watcher.out"
# The hub at rest, with its page buffer and ring in use already.
concord log >/dev/null
sleep 0.5	# a tick: the watcher's own presence is sent and freed
before=$(rss)

start=$EPOCHREALTIME
"$TOOLS/storm" "$CONCORD_HUB" INC-1 $N >"$T/storm.out" 2>"$T/storm.err" &
STORM=$!
PIDS+=($STORM)
# all_at SEQ: every member of the crowd is connected and holds SEQ.
all_at() {
	local want=$1 s
	s=$(grep '^status' "$T/storm.out" | tail -1) || return 1
	set -- $s
	[ "${2:-}" = "$N" ] && [ "${3:-0}" -ge "$want" ]
}
check "all $N followers join and are served the log to seq 301" \
    wait_for 60 all_at 301
joined=$EPOCHREALTIME
with=$(rss)
per=$(( (with - before) * 1024 / N ))
check "an idle follower costs the hub $per bytes (under 16 KiB)" \
    test "$per" -lt 16384
sleep 0.6	# the last joins are announced at the next tick
pres=$(awk -v s="$start" -v e="$EPOCHREALTIME" \
    '$1 >= s && $1 <= e && /"type":"presence"/ { n++ } END { print n + 0 }' \
    "$T/watcher.out")
secs=$(awk -v s="$start" -v e="$joined" 'BEGIN { printf "%d", e - s + 1 }')
check "the watcher was sent $pres presence messages while $N joined over about $secs s" \
    test "$pres" -ge 1 -a "$pres" -le $((4 * secs + 4))
check "the last one names the whole crowd" sh -c \
    "grep '\"type\":\"presence\"' $T/watcher.out | tail -1 | grep -q '\"user\":\"storm\"'"

kill -TERM "$STORM"
wait "$STORM" 2>/dev/null
gone() {
	[ "$(grep -c 'connection from storm closed' "$T/data/concordd.log")" = "$N" ]
}
check "the hub sees all $N leave" wait_for 30 gone
# back BEFORE SLACK: the hub's memory is within SLACK KiB of BEFORE.
back() { [ "$(rss)" -le $(($1 + $2)) ]; }
slack=$(( (with - before) / 10 + 512 ))
wait_for 5 back "$before" "$slack"
after=$(rss)
check "the hub's memory returns near its start ($before KiB before, $with with the crowd, $after after)" \
    back "$before" "$slack"
check "the hub still serves" concord note "after the crowd" >/dev/null
finish
