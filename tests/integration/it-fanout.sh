# Fan-out under load, the correctness half of `make bench` at a small size:
# 50 followers and 4 writers flat out for 2,000 notes, run by the load
# generator (tests/tools/loadgen.c) over TCP.  Every follower receives every
# event once and in order, recomputes the hash chain over all of them, and
# ends at the hub's head with the chain value the hub gives, which is also
# what `concord verify` computes from an export; and once the followers
# have left, the hub's memory is back near where it started.
. "$(dirname "$0")/lib.sh"
F=50 W=4 N=2000
SLACK=8192	# KiB the hub may keep after they leave

hub_start --listen 127.0.0.1:0 --rate 0 --connections-per-user 0	# load
PORT=$(hub_port)
concord open --title "fan-out" >/dev/null
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$HUB_PID/status"; }
base=$(rss)

# loadgen ARGS...: run the generator against the hub, its report in
# $T/lg.out and its status in rc (waited for by its saved pid).
loadgen() {
	"$TOOLS/loadgen" "$@" "127.0.0.1:$PORT" >"$T/lg.out" 2>"$T/lg.err" &
	LG=$!
	PIDS+=($LG)
	wait $LG
	rc=$?
	cat "$T/lg.out" "$T/lg.err"
}
loadgen -f $F -w $W -n $N -p "$HUB_PID" -i INC-1
# kv KEY: the value the generator reported for KEY.
kv() { tr ' ' '\n' <"$T/lg.out" | sed -n "s/^$1=//p"; }
check "the load generator finished with status 0 (got $rc)" test "$rc" = 0
check "all $N notes were acknowledged, none refused" \
    test "$(kv notes)" = $N -a "$(kv refused)" = 0
check "every follower received every note: $(kv deliveries) deliveries" \
    test "$(kv deliveries)" = $((F * N))
check "none missing, duplicated or out of order (each writer's in the order sent)" \
    test "$(kv missing)$(kv dup)$(kv ooo)$(kv reorder)$(kv bogus)" = 00000
check "all $F followers recomputed the chain over every event: no break" \
    test "$(kv verified)" = $F -a "$(kv chain_bad)" = 0 -a \
    "$(kv checked)" = $((F * (N + 1)))
check "every follower ended at the hub's head and chain value, with the same log" \
    test "$(kv mismatch)" = 0 -a "$(kv complete)" = 1 -a "$(kv lost)" = 0
concord export --format json -o "$T/inc.json" >/dev/null
v=$(concord verify "$T/inc.json")
echo "$v"
check "concord verify agrees: seq $(kv head) · $(kv digest)" \
    test "${v##*seq }" = "$(kv head) · $(kv digest)" -a "$(kv head)" = $((N + 1))

# back: the hub's resident memory is within SLACK of what it was before.
back() { [ "$(rss)" -le $((base + SLACK)) ]; }
wait_for 20 back
check "the hub's memory after the followers left: $(rss) KiB, from $base KiB before (at most +$SLACK; $(kv rss_max_kib) KiB at the peak)" back

# The same with followers that parse their frames themselves (-R, as
# `make bench` runs them), on an incident of their own.
loadgen -R -f 20 -w 2 -n 1000
check "frame-parsing followers: status 0 (got $rc), every note to all 20, none missing, duplicated or out of order, chain recomputed from seq 1" \
    test "$rc" = 0 -a "$(kv deliveries)" = 20000 -a \
    "$(kv missing)$(kv dup)$(kv ooo)$(kv reorder)$(kv bogus)$(kv chain_bad)$(kv mismatch)" = 0000000 -a \
    "$(kv checked)" = $((20 * 1001)) -a "$(kv complete)" = 1
finish
