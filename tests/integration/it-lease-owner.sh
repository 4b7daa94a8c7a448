# A lease belongs to the process that made the claim.  With dave's console
# open, a `concord --as dave run` killed with SIGKILL loses its lease
# within its TTL (the console does not keep it alive); a claim made from
# the console is renewed by it for as long as it runs, and runs out once
# the console is gone.
. "$(dirname "$0")/lib.sh"
ABIN=$TOP/bin-asan
TS=concord-lease-$$
unset TMUX
TERMNAME=tmux-256color
infocmp "$TERMNAME" >/dev/null 2>&1 || TERMNAME=screen-256color
tm() { tmux -L "$TS" -f /dev/null "$@"; }
lease_cleanup() {
	if [ "$FAILS" != 0 ]; then
		echo "--- console"; tm capture-pane -p -t dave 2>/dev/null
		echo "--- console log"; tail -20 "$T/con/log" 2>/dev/null
	fi
	tm kill-server 2>/dev/null
	cleanup
}
trap lease_cleanup EXIT
logged() { concord log | grep -q "$1"; }

hub_start --ttl 3 --lock-delay 0
concord open --title "leases" >/dev/null
concord declare k9 >/dev/null
concord declare mine >/dev/null
mkdir -p "$T/con/state" "$T/con/run"
tm set-option -g default-terminal "$TERMNAME" \; \
    new-session -d -s dave -x 120 -y 30 \
    -e TZ=UTC -e LC_ALL=C.UTF-8 -e TERM="$TERMNAME" \
    -e CONCORD_HUB="$CONCORD_HUB" -e CONCORD_USER=dave \
    -e XDG_STATE_HOME="$T/con/state" -e XDG_RUNTIME_DIR="$T/con/run" \
    -e XDG_CONFIG_HOME="$T/con/config" -e CONCORD_THEME= \
    -e CONCORD_LOG="$T/con/log" -e ASAN_OPTIONS=detect_leaks=0 \
    "\"$ABIN/concord\" -i INC-1 2>\"$T/con/stderr\""
check "dave's console is LIVE" wait_for 20 sh -c \
    "tmux -L $TS capture-pane -p -t dave | head -1 | grep -q LIVE"

"$BIN/concord" --as dave run k9 --ttl 6 -- sleep 300 >/dev/null 2>&1 &
runpid=$!; PIDS+=($runpid)
check "run claims k9" wait_for 20 logged "dave.*claimed k9"
check "the console shows the claim as not renewed by it" wait_for 5 sh -c \
    "tmux -L $TS capture-pane -p -t dave | grep -q 'k9 .*HELD.*not renewed here'"
kill -9 "$runpid"
check "the dead run's lease on k9 ends within its TTL plus 1 s" \
    wait_for 7 logged "lease on k9 expired"

tm send-keys -t dave -l "/claim mine" && tm send-keys -t dave Enter
check "the console claims mine" wait_for 10 logged "dave.*claimed mine"
# Three TTLs: renewed by the console all along.
sleep 9
check "the console renews its own claim (no expiry in 3 TTLs)" \
    sh -c "! '$BIN/concord' log | grep -q 'lease on mine expired'"
tm kill-session -t dave
check "once the console is gone its claim runs out" \
    wait_for 5 logged "lease on mine expired"
finish
