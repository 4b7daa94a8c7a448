# The console and the demo when their terminal goes away, and a console
# that has never reached its hub.  Each console runs as a shell would start
# it, `sh -c 'concord ...; sleep 600'`, in its own session of a private
# tmux server; killing the session hangs up the terminal.  Twice the shell
# ignores SIGHUP, so only the hung-up terminal itself (POLLHUP, EIO, end
# of file) can tell the console, as after an ssh drop under a shell that
# does not pass SIGHUP on: that console used to spin at full CPU for ever.
# Whatever the console or the demo started (the demo's background process
# and its private hub) must be gone within the bound too, and the demo must
# leave the user's own store (the embedded hub's, under XDG_STATE_HOME)
# without its incident, on a terminal and with --script alike.  Consoles
# are the ASan/UBSan build.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"
GONE_MS=2000
EMB_SOCK=$XDG_RUNTIME_DIR/concord/hub.sock

# The embedded hub (the user's own store), found by its socket.
embedded_pids() { pgrep -f "^[^ ]*concordd --socket $EMB_SOCK" || true; }

terminal_cleanup() {
	local p
	if [ "$FAILS" != 0 ]; then
		for p in "$T"/term-*; do
			[ -d "$p" ] || continue
			echo "--- $p log"; tail -15 "$p/log" 2>/dev/null
			echo "--- $p stderr"; tail -15 "$p/stderr" 2>/dev/null
		done
	fi
	tm kill-server 2>/dev/null
	for p in $(embedded_pids); do kill -9 "$p"; done
	cleanup
}
trap terminal_cleanup EXIT

# gone PID...: none of them runs (an exited one waiting to be reaped by
# whoever adopted it counts as gone).
gone() {
	local p
	for p in "$@"; do
		kill -0 "$p" 2>/dev/null || continue
		[ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" = Z ] ||
		    return 1
	done
}
clean_stderr() {
	[ -f "$1" ] &&
	    ! grep -qE 'ERROR: AddressSanitizer|LeakSanitizer|runtime error' "$1"
}
# CPU ticks (user + system) a process has used so far.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null; }

# start NAME ENV... -- SHELLCMD: run SHELLCMD under sh -c in tmux session
# NAME (120x35) with the environment given, its log and files in
# $T/term-NAME; sets SH to the shell's pid.
start() {
	local name=$1 d=$T/term-$1 env=()
	shift
	while [ "$1" != -- ]; do env+=(-e "$1"); shift; done
	shift
	mkdir -p "$d"
	tm set-option -g default-terminal "$TERMNAME" \; \
	    new-session -d -s "$name" -x 120 -y 35 \
	    -e TZ=UTC -e LC_ALL=C.UTF-8 -e TERM="$TERMNAME" \
	    -e CONCORD_USER=oncall -e CONCORD_LOG="$d/log" \
	    -e XDG_STATE_HOME="$XDG_STATE_HOME" \
	    -e XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" \
	    -e XDG_CONFIG_HOME="$d/config" -e CONCORD_THEME= \
	    -e ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	    -e UBSAN_OPTIONS=print_stacktrace=1 "${env[@]}" \
	    "sh -c '$*'"
	SH=$(tm display-message -p -t "$name" '#{pane_pid}')
	PIDS+=("$SH")
}
# child_of PID PATTERN: the pid of PID's child whose command line matches.
child_of() { pgrep -P "$1" -f "$2" | head -1; }
# reap SH: kill what the shell went on to run (its sleep), then the shell.
reap() {
	local p
	for p in $(pgrep -P "$1"); do kill -9 "$p" 2>/dev/null; done
	kill -9 "$1" 2>/dev/null
}
# kill_session NAME: hang up the terminal; sets KILLED to the time in ms.
kill_session() { KILLED=$(date +%s%3N); tm kill-session -t "$1"; }
since_kill() { echo $(( $(date +%s%3N) - KILLED )); }

hub_start
concord open --title "Checkout p99 latency" --sev 1 >/dev/null
concord declare failover-db >/dev/null

# 1. A console, the terminal killed: the shell dies of SIGHUP, and so
#    does the console's wait.
start plain CONCORD_HUB="$CONCORD_HUB" -- \
    "\"$ABIN/concord\" -i INC-1 2>\"$T/term-plain/stderr\"; sleep 600"
wait_for 20 screen_has plain 'LIVE seq 2 · [0-9a-f]{6}$'
check "a console started from sh -c comes up LIVE" screen_has plain 'LIVE seq 2'
con=$(child_of "$SH" "concord -i INC-1")
check "and runs as the shell's child" test -n "$con"
kill_session plain
check "the terminal killed: the console is gone within 2 s" \
    within $GONE_MS gone "${con:-0}"
echo "# console gone $(since_kill) ms after the terminal was killed"
check "the log says the terminal was lost" \
    grep -qE 'terminal lost: |Hangup' "$T/term-plain/log"
check "no sanitizer report" clean_stderr "$T/term-plain/stderr"
reap "$SH"

# 2. The same when no SIGHUP reaches the console: the shell ignores it and
#    lives on, so only the hung-up terminal says so.  This console used to
#    spin at full CPU and never leave.
start nohup CONCORD_HUB="$CONCORD_HUB" -- \
    "trap \"\" HUP; \"$ABIN/concord\" -i INC-1 2>\"$T/term-nohup/stderr\"; echo EXITED \$? >\"$T/term-nohup/exit\"; sleep 600"
wait_for 20 screen_has nohup 'LIVE seq 2 · [0-9a-f]{6}$'
con=$(child_of "$SH" "concord -i INC-1")
check "a console under a shell that ignores SIGHUP comes up" test -n "$con"
before=$(ticks "${con:-0}")
kill_session nohup
if within $GONE_MS gone "${con:-0}"; then
	ok "the terminal killed: the console is gone within 2 s, no SIGHUP needed"
	echo "# console gone $(since_kill) ms after the terminal was killed"
else
	notok "the terminal killed: the console is gone within 2 s, no SIGHUP needed"
	after=$(ticks "${con:-0}")
	echo "# still running after 2 s, $(( ${after:-0} - ${before:-0} )) CPU ticks used since"
	kill -9 "${con:-0}" 2>/dev/null
fi
check "the shell outlived the hangup (so no SIGHUP was passed on)" kill -0 "$SH"
check "the console exited with status 129 (terminal lost)" \
    wait_for 5 grep -qx 'EXITED 129' "$T/term-nohup/exit"
check "the log names the hangup" \
    grep -q 'terminal lost: the terminal hung up' "$T/term-nohup/log"
check "nothing was written to the terminal's place (stderr empty)" \
    test ! -s "$T/term-nohup/stderr"
reap "$SH"

# 3. The demo, the same way, on the user's own settings (no CONCORD_HUB):
#    the user's store already has an incident of its own.
env -u CONCORD_HUB "$BIN/concord" open --title "the user's own incident" >/dev/null
check "the user's own store has its incident (embedded hub)" \
    sh -c "env -u CONCORD_HUB '$BIN/concord' incidents | grep -q \"the user's own incident\""
start demo CONCORD_HUB= -- \
    "trap \"\" HUP; \"$ABIN/concord\" demo 2>\"$T/term-demo/stderr\"; echo EXITED \$? >\"$T/term-demo/exit\"; sleep 600"
wait_for 40 screen_has demo 'INC-1 Checkout p99.* LIVE seq'
check "the demo's console opens LIVE" screen_has demo 'INC-1 Checkout p99.* LIVE seq'
demo=$(child_of "$SH" "concord demo")
actor=$(child_of "${demo:-0}" "concord demo")
dhub=$(child_of "${demo:-0}" "concordd")
check "the demo runs its background process" test -n "$actor"
check "and its own hub, as its child" test -n "$dhub"
dsock=$(ps -o args= -p "${dhub:-0}" | sed -n 's/.*--socket \([^ ]*\).*/\1/p')
ddir=${dsock%/hub.sock}
check "on a socket in a private directory" test -S "$dsock" -a -d "$ddir"
check "not the user's embedded hub" test "$dsock" != "$EMB_SOCK"
check "the demo incident is on the demo's hub" sh -c \
    "'$BIN/concord' --hub unix:$dsock -i INC-1 show | grep -q 'restart-api *HELD by dave'"
kill_session demo
check "the terminal killed: the demo is gone within 2 s" \
    within $GONE_MS gone "${demo:-0}"
echo "# demo gone $(since_kill) ms after the terminal was killed"
check "and its background process" within $GONE_MS gone "${actor:-0}"
check "and its hub" within $GONE_MS gone "${dhub:-0}"
check "its private directory is removed" test -n "$ddir" -a ! -e "$ddir"
check "the demo exited with status 129" \
    wait_for 5 grep -qx 'EXITED 129' "$T/term-demo/exit"
check "no sanitizer report from the demo" clean_stderr "$T/term-demo/stderr"
reap "$SH"

# 4. `make demo`, as the README says, the terminal killed with the shell
#    dying of SIGHUP: the demo, its background process and its hub go.
start make CONCORD_HUB= -- "make -s -C \"$TOP\" demo; sleep 600"
wait_for 60 screen_has make 'INC-1 Checkout p99.* LIVE seq'
check "make demo opens the console LIVE" screen_has make 'INC-1 Checkout p99.* LIVE seq'
mk=$(child_of "$SH" "make")
demo=$(child_of "${mk:-0}" "concord demo")
actor=$(child_of "${demo:-0}" "concord demo")
dhub=$(child_of "${demo:-0}" "concordd")
check "make demo runs the demo, its background process and its hub" \
    test -n "$demo" -a -n "$actor" -a -n "$dhub"
kill_session make
check "the terminal killed: the demo is gone within 2 s" \
    within $GONE_MS gone "${demo:-0}"
check "and its background process and its hub" \
    within $GONE_MS gone "${actor:-0}" "${dhub:-0}"
reap "$SH"

# 5. concord demo --script (no terminal) on the user's settings: its hub
#    is gone when it returns, and the user's store is as it was.
env -u CONCORD_HUB CONCORD_LOG="$T/script.log" "$BIN/concord" demo --script \
    >"$T/script.out" 2>&1
check "concord demo --script exits 0" test $? = 0
check "and shows the demo's timeline" \
    grep -qE '^-- INC-1 at seq 18 · [0-9a-f]{6}$' "$T/script.out"
check "and says it ran on a hub of its own" grep -q 'hub of its own' "$T/script.out"
spid=$(sed -n "s/.*the demo's hub (pid \([0-9]*\)) on .*/\1/p" "$T/script.log" | head -1)
check "its hub's pid is in the log" test -n "$spid"
check "its hub is gone when it returns" gone "${spid:-0}"
sdir=$(sed -n "s/.*the demo's hub (pid [0-9]*) on unix:\(.*\)\/hub.sock$/\1/p" "$T/script.log" | head -1)
check "and its directory" test -n "$sdir" -a ! -e "$sdir"
incs=$(env -u CONCORD_HUB "$BIN/concord" incidents)
check "the user's store still has one incident, the user's own" sh -c \
    "test \"\$(printf '%s\n' \"\$1\" | grep -c INC-)\" = 1 && printf '%s\n' \"\$1\" | grep -q \"the user's own incident\"" _ "$incs"
check "so a note finds it without -i" sh -c \
    "env -u CONCORD_HUB '$BIN/concord' note 'after the demo' >/dev/null"
# demo_queued: the user's outbox rows queued for the demo's hub (none,
# if there is no outbox: sqlite3 would create an empty one).
demo_queued() {
	local db=$XDG_STATE_HOME/concord/outbox.db
	[ -e "$db" ] || { echo 0; return; }
	sqlite3 "$db" "SELECT count(*) FROM outbox WHERE hub LIKE '%concord-demo.%'"
}
check "the user's outbox has nothing of the demo's" test "$(demo_queued)" = 0
check "the test's own hub got no demo incident either" \
    sh -c "! '$BIN/concord' incidents | grep -q 'Checkout p99 latency over'"

# 6. A console whose hub never answers (it accepts and stays silent):
#    only "connecting to", none of the state it does not have.
socat -u UNIX-LISTEN:"$T/mute.sock",fork OPEN:/dev/null,wronly \
    >"$T/socat.out" 2>&1 </dev/null &
PIDS+=($!)
wait_for 10 test -S "$T/mute.sock"
start mute CONCORD_HUB="unix:$T/mute.sock" -- \
    "\"$ABIN/concord\" -i INC-1 2>\"$T/term-mute/stderr\"; echo EXITED \$? >\"$T/term-mute/exit\"; sleep 600"
check "the header says which hub it is connecting to" \
    wait_for 10 screen_has mute "^ concord  INC-1  connecting to unix:$T/mute.sock"
check "and how long it has tried" screen_has mute 'CONNECTING [0-9]+:[0-9]{2}$'
sleep_until=$(( $(date +%s) + 3 ))
check "every pane reads not yet heard from the hub" \
    test "$(screen mute | grep -o 'not yet heard from the hub' | wc -l)" = 5
check "no severity, IC, vacant role or empty lists are shown" sh -c \
    "! tmux -L '$TS' -f /dev/null capture-pane -p -t mute | grep -qE 'SEV[0-9]|IC |vacant|none declared|nobody|no events|no feeds'"
# Still so a few seconds on (the connection attempt timing out).
wait_for 5 test "$(date +%s)" -ge "$sleep_until"
check "still connecting, still nothing invented" sh -c \
    "tmux -L '$TS' -f /dev/null capture-pane -p -t mute | grep -q 'connecting to' && ! tmux -L '$TS' -f /dev/null capture-pane -p -t mute | grep -qE 'SEV[0-9]|IC |vacant|none declared|nobody'"
tm send-keys -t mute -l -- "/command take"
tm send-keys -t mute Enter
check "taking command is refused locally" \
    wait_for 5 screen_has mute '^ .*take.*(live hub|not connected)'
tm send-keys -t mute -l -- "/quit"
tm send-keys -t mute Enter
check "the console quits with status 0" \
    wait_for 10 grep -qx 'EXITED 0' "$T/term-mute/exit"
check "no sanitizer report" clean_stderr "$T/term-mute/stderr"
# A hub that refuses the connection outright: the same.
start refused CONCORD_HUB="unix:$T/absent.sock" -- \
    "\"$ABIN/concord\" -i INC-1 2>\"$T/term-refused/stderr\"; sleep 600"
check "a refused connection: connecting to, too" \
    wait_for 10 screen_has refused "connecting to unix:$T/absent.sock"
check "with nothing invented" sh -c \
    "! tmux -L '$TS' -f /dev/null capture-pane -p -t refused | grep -qE 'SEV[0-9]|IC |vacant|none declared|nobody'"
finish
