# A reconnect storm: 500 real client links (the console's transport)
# follow one incident; the hub is killed with SIGKILL and restarted.  All
# 500 come back and catch up by themselves, their reconnections spread out
# (jittered backoff) rather than arriving at once, and a note's round trip
# through the CLI stays under 1 s while they reconnect.
. "$(dirname "$0")/lib.sh"
N=500
hub_start --connections-per-user 0	# a storm of one user
concord open --title "storm" >/dev/null
concord note "before the storm" >/dev/null
"$TOOLS/storm" "$CONCORD_HUB" INC-1 $N >"$T/storm.out" 2>"$T/storm.err" &
PIDS+=($!)
# all_at SEQ: every client is connected and holds seq SEQ or more.
all_at() {
	local want=$1 s
	s=$(grep '^status' "$T/storm.out" | tail -1) || return 1
	set -- $s
	[ "${2:-}" = "$N" ] && [ "${3:-0}" -ge "$want" ]
}
head_seq() { concord log | tail -1 | sed 's/.* at seq \([0-9]*\) .*/\1/'; }
h=$(head_seq)
check "$N clients follow the incident at seq $h" wait_for 60 all_at "$h"

hub_kill9
# some_down: the latest status has clients that noticed the loss.
some_down() {
	local s
	s=$(grep '^status' "$T/storm.out" | tail -1)
	set -- $s
	[ "${2:-$N}" -lt "$N" ]
}
check "the clients notice the hub is gone" wait_for 10 some_down
grep -c '^welcome' "$T/storm.out" >"$T/before"
hub_start --connections-per-user 0
restart=$(date +%s%N)
worst=0 notes=0
while :; do
	s=$(date +%s%N)
	concord note "during the storm $notes" >/dev/null 2>&1 || worst=999999
	ms=$(( ($(date +%s%N) - s) / 1000000 ))
	[ "$ms" -gt "$worst" ] && worst=$ms
	notes=$((notes + 1))
	all_at "$h" && break
	[ $(( ($(date +%s%N) - restart) / 1000000000 )) -ge 60 ] && break
done
check "every note's round trip during the storm stayed under 1 s ($notes notes, worst ${worst} ms)" \
    test "$worst" -lt 1000
h=$(head_seq)
check "all $N clients are back and caught up to seq $h" wait_for 60 all_at "$h"
# The reconnections spread out: no 100 ms holds them all.
before=$(cat "$T/before")
peak=$(grep '^welcome' "$T/storm.out" | tail -n +$((before + 1)) |
    awk '{ b = int($2 / 100); n[b]++ } END { m = 0; for (k in n) if (n[k] > m) m = n[k]; print m }')
first_last=$(grep '^welcome' "$T/storm.out" | tail -n +$((before + 1)) |
    awk 'NR == 1 { f = $2 } { l = $2 } END { print l - f }')
check "reconnections spread out: at most $peak of $N in any 100 ms, over ${first_last} ms" \
    test "$peak" -lt "$N" -a "$first_last" -ge 200
finish
