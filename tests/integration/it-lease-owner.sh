# A lease belongs to the process that made the claim.  With dave's console
# open, a `concord --as dave run` killed with SIGKILL loses its lease
# within its TTL (the console does not keep it alive); a claim made from
# the console is renewed by it for as long as it runs, and runs out once
# the console is gone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"
lease_cleanup() {
	[ "$FAILS" != 0 ] && console_dump dave
	tmux_cleanup
	cleanup
}
trap lease_cleanup EXIT
logged() { concord log | grep -q "$1"; }

hub_start --ttl 3 --lock-delay 0
concord open --title "leases" >/dev/null
concord declare k9 >/dev/null
concord declare mine >/dev/null
console_start dave "$CONCORD_HUB" dave
check "dave's console is LIVE" wait_for 20 is_live dave

"$BIN/concord" --as dave run k9 --ttl 6 -- sleep 300 >/dev/null 2>&1 &
runpid=$!; PIDS+=($runpid)
check "run claims k9" wait_for 20 logged "dave.*claimed k9"
check "the console shows the claim as not renewed by it" \
    wait_for 5 screen_has dave 'k9 .*HELD.*not renewed here'
kill -9 "$runpid"
check "the dead run's lease on k9 ends within its TTL plus 1 s" \
    wait_for 7 logged "lease on k9 expired"

tm send-keys -t dave -l "/claim mine" && tm send-keys -t dave Enter
check "the console claims mine" wait_for 10 logged "dave.*claimed mine"
check "and shows it as renewed here" \
    wait_for 5 screen_has dave 'mine .*HELD you.*(renewed here|↻)'

# Three TTLs: renewed by the console all along.
sleep 9
check "the console renews its own claim (no expiry in 3 TTLs)" \
    sh -c "! '$BIN/concord' log | grep -q 'lease on mine expired'"
tm kill-session -t dave
check "once the console is gone its claim runs out" \
    wait_for 5 logged "lease on mine expired"
finish
