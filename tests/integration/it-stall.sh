# A hub that stalls instead of dying (kill -STOP for 25 s, as a frozen VM
# or a black-holed path would): consoles on a Unix socket and on TCP say
# STALE within 10 s; the CLI neither hangs nor lies (a note is queued,
# exit 4; show exits 2, both within their deadline); after kill -CONT the
# consoles are LIVE again within 10 s at the seq and digest a fresh client
# sees, and each queued note is in the log exactly once.
. "$(dirname "$0")/lib.sh"
ABIN=$TOP/bin-asan
TS=concord-stall-$$
unset TMUX
TERMNAME=tmux-256color
infocmp "$TERMNAME" >/dev/null 2>&1 || TERMNAME=screen-256color
tm() { tmux -L "$TS" -f /dev/null "$@"; }
stall_cleanup() {
	local c
	[ -n "$HUB_PID" ] && kill -CONT "$HUB_PID" 2>/dev/null
	if [ "$FAILS" != 0 ]; then
		for c in unix tcp; do
			echo "--- $c screen"; tm capture-pane -p -t "$c" 2>/dev/null | head -3
			echo "--- $c log"; tail -20 "$T/con-$c/log" 2>/dev/null
		done
	fi
	tm kill-server 2>/dev/null
	cleanup
}
trap stall_cleanup EXIT

# console_start NAME HUB: a console on INC-1 at HUB, in tmux session NAME.
console_start() {
	local d=$T/con-$1
	mkdir -p "$d/state" "$d/run"
	tm set-option -g default-terminal "$TERMNAME" \; \
	    new-session -d -s "$1" -x 120 -y 30 \
	    -e TZ=UTC -e LC_ALL=C.UTF-8 -e TERM="$TERMNAME" \
	    -e CONCORD_HUB="$2" -e CONCORD_USER="user-$1" \
	    -e XDG_STATE_HOME="$d/state" -e XDG_RUNTIME_DIR="$d/run" \
	    -e XDG_CONFIG_HOME="$d/config" -e CONCORD_THEME= \
	    -e CONCORD_LOG="$d/log" -e ASAN_OPTIONS=detect_leaks=0 \
	    "\"$ABIN/concord\" -i INC-1 2>\"$d/stderr\""
}
header() { tm capture-pane -p -t "$1" | head -1; }
digest() { header "$1" | grep -oE 'LIVE seq [0-9]+ · [0-9a-f]{6}' | sed 's/^LIVE //'; }
is_stale() { header "$1" | grep -q STALE; }
log_digest() { concord log | tail -1 | grep -oE 'seq [0-9]+ · [0-9a-f]{6}$'; }
# timed VAR CMD...: run CMD, its exit status in $rc and seconds in VAR.
timed() {
	local v=$1 s; shift
	s=$(date +%s%N)
	"$@" >/dev/null 2>"$T/timed.err"; rc=$?
	printf -v "$v" '%s' $(( ($(date +%s%N) - s) / 1000000000 ))
}

hub_start --listen 127.0.0.1:0
PORT=$(grep -oE 'ws://127\.0\.0\.1:[0-9]+' "$T"/hub.out.* | head -1 | sed 's/.*://')
check "the hub listens on TCP too" test -n "$PORT"
UNIX=$CONCORD_HUB
TCP=ws://127.0.0.1:$PORT
concord open --title "stall" >/dev/null
concord note "before the stall" >/dev/null
console_start unix "$UNIX"
console_start tcp "$TCP"
d=$(log_digest)
check "both consoles are LIVE at the log's digest" wait_for 20 sh -c \
    "[ \"\$(tmux -L $TS capture-pane -p -t unix | head -1 | grep -oE 'seq [0-9]+ · [0-9a-f]{6}')\" = '$d' ] &&
     [ \"\$(tmux -L $TS capture-pane -p -t tcp | head -1 | grep -oE 'seq [0-9]+ · [0-9a-f]{6}')\" = '$d' ]"

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
    wait_for 10 sh -c "tmux -L $TS capture-pane -p -t unix | head -1 | grep -q LIVE"
check "the TCP console is LIVE within 10 s of the hub's return" \
    wait_for 10 sh -c "tmux -L $TS capture-pane -p -t tcp | head -1 | grep -q LIVE"
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
console_start fresh "$UNIX"
check "a fresh console, both old ones and the CLI agree on seq and digest" \
    wait_for 10 sh -c "d='$d'; for c in unix tcp fresh; do
	[ \"\$(tmux -L $TS capture-pane -p -t \$c | head -1 | grep -oE 'LIVE seq [0-9]+ · [0-9a-f]{6}' | sed 's/^LIVE //')\" = \"\$d\" ] || exit 1; done"
finish
