# The README's main job: `concord demo` on a terminal seeds a realistic
# incident and opens the console on it while a background process keeps it
# moving; the background process ends with the console.
. "$(dirname "$0")/lib.sh"
hub_start
TM="tmux -L concord-demo-$$ -f /dev/null"
demo_cleanup() { $TM kill-server 2>/dev/null; cleanup; }
trap demo_cleanup EXIT
screen() { $TM capture-pane -p -t demo 2>/dev/null; }
has() { screen | grep -qE -- "$1"; }

$TM new-session -d -s demo -x 120 -y 35 \
    "env TZ=UTC LC_ALL=C.UTF-8 TERM=screen-256color CONCORD_HUB=$CONCORD_HUB \
    CONCORD_USER=oncall XDG_STATE_HOME=$T/demo-state CONCORD_LOG=$T/demo.log \
    ASAN_OPTIONS=detect_leaks=1 $TOP/bin-asan/concord demo 2>$T/demo.err; \
    echo EXITED \$? >$T/demo.exit"
check "the console opens LIVE on the demo incident" wait_for 30 has 'INC-1 Checkout p99 latency.* LIVE seq'
check "with roles filled" has '^ comms +carol'
check "and actions done, held, blocked and conflicting" sh -c \
    "'$BIN/concord' -i INC-1 show | grep -q 'failover-db *DONE' && \
     '$BIN/concord' -i INC-1 show | grep -q 'restart-api *HELD by dave'"
check "the screen shows the held action's countdown" has 'restart-api +HELD dave f[0-9]+ [0-9]+s'
check "the incident moves while you watch" wait_for 20 sh -c \
    "'$BIN/concord' -i INC-1 log | grep -q 'status page updated'"
check "and the console shows it" wait_for 10 has 'status page updated'
console=$(pgrep -f "^$TOP/bin-asan/concord demo\$" | head -1)
actor=$(pgrep -P "$console" -f "concord demo" | head -1)
check "the background process runs beside the console" test -n "$actor"
$TM send-keys -t demo "/quit" Enter
check "the console leaves cleanly" wait_for 20 grep -q 'EXITED 0' $T/demo.exit
check "the background process ends with it" wait_for 10 sh -c "! kill -0 ${actor:-0} 2>/dev/null"
check "no sanitizer reports" sh -c "! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' $T/demo.err"
finish
