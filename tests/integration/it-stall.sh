# A hub that stalls instead of dying (kill -STOP for 25 s, as a frozen VM
# or a black-holed path would): consoles on a Unix socket and on TCP say
# STALE within 10 s; the CLI neither hangs nor lies (a note is queued,
# exit 4; show exits 2, both within their deadline); after kill -CONT the
# consoles are LIVE again within 10 s at the seq and digest a fresh client
# sees, and each queued note is in the log exactly once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"
stall_cleanup() {
	[ -n "$HUB_PID" ] && kill -CONT "$HUB_PID" 2>/dev/null
	[ "$FAILS" != 0 ] && console_dump unix tcp
	tmux_cleanup
	cleanup
}
trap stall_cleanup EXIT
log_digest() { concord log | tail -1 | grep -oE 'seq [0-9]+ · [0-9a-f]{6}$'; }
# timed VAR CMD...: run CMD, its exit status in $rc and seconds in VAR.
timed() {
	local v=$1 s; shift
	s=$(date +%s%N)
	"$@" >/dev/null 2>"$T/timed.err"; rc=$?
	printf -v "$v" '%s' $(( ($(date +%s%N) - s) / 1000000000 ))
}

hub_start --listen 127.0.0.1:0
PORT=$(hub_port)
check "the hub listens on TCP too" test -n "$PORT"
UNIX=$CONCORD_HUB
TCP=ws://127.0.0.1:$PORT
concord open --title "stall" >/dev/null
concord note "before the stall" >/dev/null
console_start unix "$UNIX" user-unix
console_start tcp "$TCP" user-tcp
d=$(log_digest)
both_at() { shows_digest unix "$1" && shows_digest tcp "$1"; }
check "both consoles are LIVE at the log's digest" wait_for 20 both_at "$d"

kill -STOP "$HUB_PID"
stopped=$(date +%s)
check "the Unix-socket console says STALE within 10 s" wait_for 10 is_stale unix
check "the TCP console says STALE within 10 s" wait_for 10 is_stale tcp
for t in unix tcp; do
	if [ $t = unix ]; then h=$UNIX; else h=$TCP; fi
	timed secs concord --hub "$h" -i INC-1 note "queued over $t"
	check "note over $t exits 4 (queued) during the stall (took ${secs}s)" \
	    test "$rc" = 4 -a "$secs" -le 15
	timed secs concord --hub "$h" -i INC-1 show
	check "show over $t exits 2 during the stall (took ${secs}s)" \
	    test "$rc" = 2 -a "$secs" -le 15
	check "and says the hub is not answering" grep -qiE "not answering|no connection|no welcome" "$T/timed.err"
	timed secs concord --hub "$h" -i INC-1 --timeout 2 show
	check "--timeout 2 ends show over $t within 4 s (took ${secs}s)" \
	    test "$rc" = 2 -a "$secs" -le 4
done
# Hold the stall for 25 s in all: the duration of the fault itself.
left=$(( 25 - ($(date +%s) - stopped) ))
[ "$left" -gt 0 ] && sleep "$left"
kill -CONT "$HUB_PID"

check "the Unix-socket console is LIVE within 10 s of the hub's return" \
    wait_for 10 is_live unix
check "the TCP console is LIVE within 10 s of the hub's return" \
    wait_for 10 is_live tcp
# The next CLI to reach the hub at the same address delivers the notes
# queued for it (the outbox is per hub address).
concord note "after the stall" >/dev/null
concord --hub "$TCP" note "after the stall over tcp" >/dev/null
for t in unix tcp; do
	check "the note queued over $t is in the log once" \
	    test "$(concord log | grep -c "queued over $t")" = 1
	check "with the time it was written" sh -c \
	    "'$BIN/concord' log | grep 'queued over $t' | grep -q written"
done
d=$(log_digest)
console_start fresh "$UNIX" user-fresh
all_at() { both_at "$1" && shows_digest fresh "$1"; }
check "a fresh console, both old ones and the CLI agree on seq and digest" \
    wait_for 10 all_at "$d"
finish
