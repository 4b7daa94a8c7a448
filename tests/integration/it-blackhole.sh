# A network path that black-holes everything for 20 s, then passes again
# (tests/tools/faultproxy between the clients and a hub on TCP): the
# console says STALE within 10 s and is LIVE again within 10 s at the
# log's seq and digest; `log --follow` says it lost the hub and got it
# back, and prints every event exactly once, in order; `run` keeps its
# lease through the outage (a 60 s TTL) and records its outcome once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"
bh_cleanup() {
	if [ "$FAILS" != 0 ]; then
		console_dump con
		echo "--- follow stderr"; cat "$T/follow.err" 2>/dev/null
		echo "--- run stderr"; cat "$T/run.err" 2>/dev/null
		echo "--- proxy"; cat "$T/proxy.out" 2>/dev/null
	fi
	tmux_cleanup
	cleanup
}
trap bh_cleanup EXIT
log_digest() { concord log | tail -1 | grep -oE 'seq [0-9]+ · [0-9a-f]{6}$'; }
mode() { echo "$1" >"$T/proxy.ctl"; }

hub_start --listen 127.0.0.1:0
PORT=$(hub_port)
: >"$T/proxy.ctl"
mode pass
"$TOOLS/faultproxy" --listen 127.0.0.1:0 --to "127.0.0.1:$PORT" \
    --control "$T/proxy.ctl" >"$T/proxy.out" 2>&1 &
PIDS+=($!)
check "the fault proxy is up" wait_for 10 grep -q 'listening on' "$T/proxy.out"
PPORT=$(grep -oE 'listening on 127\.0\.0\.1:[0-9]+' "$T/proxy.out" | sed 's/.*://')
VIA=ws://127.0.0.1:$PPORT

concord open --title "black hole" >/dev/null
concord declare job >/dev/null
concord note "before the black hole" >/dev/null
console_start con "$VIA" carol
"$BIN/concord" --hub "$VIA" -i INC-1 log --follow >"$T/follow.out" 2>"$T/follow.err" &
PIDS+=($!)
"$BIN/concord" --hub "$VIA" -i INC-1 --as bob run job --ttl 60 -- \
    sh -c 'while [ ! -e '"$T"'/finish ]; do sleep 0.2; done' \
    >/dev/null 2>"$T/run.err" &
runpid=$!; PIDS+=($runpid)
check "run claims job through the proxy" wait_for 20 sh -c \
    "'$BIN/concord' log | grep -q 'bob.*claimed job'"
check "the console is LIVE through the proxy" wait_for 20 is_live con
check "log --follow prints through the proxy" wait_for 20 grep -q "before the black hole" "$T/follow.out"

mode blackhole
start=$(date +%s)
check "the console says STALE within 10 s of the black hole" wait_for 10 is_stale con
check "log --follow says it lost the hub" wait_for 10 grep -q "lost the hub" "$T/follow.err"
for i in 1 2 3; do concord note "during the black hole $i" >/dev/null; done
left=$(( 20 - ($(date +%s) - start) ))
[ "$left" -gt 0 ] && sleep "$left"	# the outage itself lasts 20 s
mode pass

check "the console is LIVE within 10 s of the path's return" wait_for 10 is_live con
d=$(log_digest)
check "at the log's seq and digest ($d)" wait_for 10 shows_digest con "$d"
check "log --follow says it is back" wait_for 10 grep -q "reconnected" "$T/follow.err"
check "and prints what it missed" wait_for 10 grep -q "during the black hole 3" "$T/follow.out"
check "every event exactly once, in order" sh -c \
    "grep -oE '#[0-9]+ ' '$T/follow.out' | tr -d '# ' > '$T/seqs'; sort -n -c '$T/seqs' && [ -z \"\$(uniq -d '$T/seqs')\" ]"
check "run kept its lease through the outage" sh -c \
    "! '$BIN/concord' log | grep -qE 'lease on job expired|broke'"
touch "$T/finish"
wait "$runpid"; rc=$?
check "run's command finished and run exits 0" test "$rc" = 0
check "its outcome is logged once" test "$(concord log | grep -c 'done job success')" = 1
finish
