# The README's main job: `concord demo` on a terminal seeds a realistic
# incident on a hub of its own (never the configured one, nor the user's
# store) and opens the console on it while a background process keeps it
# moving; the background process and the demo's hub end with the console,
# and the demo's private directory is removed.
. "$(dirname "$0")/lib.sh"
hub_start
TM="tmux -L concord-demo-$$ -f /dev/null"
demo_cleanup() { $TM kill-server 2>/dev/null; cleanup; }
trap demo_cleanup EXIT
screen() { $TM capture-pane -p -t demo 2>/dev/null; }
has() { screen | grep -qE -- "$1"; }
gone() { ! kill -0 "$1" 2>/dev/null; }

$TM new-session -d -s demo -x 120 -y 35 \
    "env TZ=UTC LC_ALL=C.UTF-8 TERM=screen-256color CONCORD_HUB=$CONCORD_HUB \
    CONCORD_USER=oncall XDG_STATE_HOME=$T/demo-state CONCORD_LOG=$T/demo.log \
    ASAN_OPTIONS=detect_leaks=1 $TOP/bin-asan/concord demo 2>$T/demo.err; \
    echo EXITED \$? >$T/demo.exit"
check "the console opens LIVE on the demo incident" wait_for 30 has 'INC-1 Checkout p99 latency.* LIVE seq'
check "with roles filled" has '^ comms +carol'
console=$(pgrep -f "^$TOP/bin-asan/concord demo\$" | head -1)
actor=$(pgrep -P "${console:-0}" -f "concord demo" | head -1)
dhub=$(pgrep -P "${console:-0}" -f "concordd" | head -1)
check "the background process runs beside the console" test -n "$actor"
check "and the demo's own hub, as its child" test -n "$dhub"
dsock=$(ps -o args= -p "${dhub:-0}" | sed -n 's/.*--socket \([^ ]*\).*/\1/p')
check "on a socket of its own, not CONCORD_HUB's" \
    test -S "$dsock" -a "unix:$dsock" != "$CONCORD_HUB"
check "and actions done, held, blocked and conflicting" sh -c \
    "'$BIN/concord' --hub 'unix:$dsock' -i INC-1 show | grep -q 'failover-db *DONE' && \
     '$BIN/concord' --hub 'unix:$dsock' -i INC-1 show | grep -q 'restart-api *HELD by dave'"
check "the screen shows the held action's countdown" has 'restart-api +HELD dave f[0-9]+ [0-9]+s'
check "the incident moves while you watch" wait_for 20 sh -c \
    "'$BIN/concord' --hub 'unix:$dsock' -i INC-1 log | grep -q 'status page updated'"
check "and the console shows it" wait_for 10 has 'status page updated'
check "the configured hub got no incident" sh -c "! '$BIN/concord' incidents | grep -q INC-"
check "nothing of the demo's in the user's state directory" \
    test -z "$(ls -A "$T/demo-state" 2>/dev/null)"
$TM send-keys -t demo "/quit" Enter
check "the console leaves cleanly" wait_for 20 grep -qs 'EXITED 0' $T/demo.exit
check "the background process ends with it" wait_for 10 gone "${actor:-0}"
check "and the demo's hub" wait_for 10 gone "${dhub:-0}"
check "and its directory is removed" test -n "$dsock" -a ! -e "${dsock%/hub.sock}"
check "no sanitizer reports" sh -c "! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' $T/demo.err"

# With --hub, the demo runs on the hub named (nothing private to stop).
out=$("$BIN/concord" --hub "$CONCORD_HUB" demo --script 2>&1); rc=$?
check "concord --hub URL demo --script uses that hub" test $rc = 0
check "its incident is there" sh -c "'$BIN/concord' incidents | grep -q 'Checkout p99 latency'"
check "and it says how to open the console on it" sh -c \
    "printf '%s\n' \"\$1\" | grep -q -- '--hub $CONCORD_HUB -i INC-1'" _ "$out"
finish
