# concord run: holds the claim while CMD runs, records the outcome, passes
# the fence, stops CMD when the lease is broken, and when run itself is
# killed with SIGKILL, CMD dies too and the lease runs out, after which
# the next claim gets a larger fence.
. "$(dirname "$0")/lib.sh"
hub_start --lock-delay 0
concord open --title run >/dev/null
concord declare job >/dev/null
concord declare other >/dev/null
concord declare long >/dev/null

concord --as bob run job --ttl 2 -- sh -c 'echo "fence=$CONCORD_FENCE"; sleep 3; exit 0' >$T/run.out 2>$T/run.err
rc=$?
check "run exits with CMD's status" test $rc = 0
check "CMD saw CONCORD_FENCE" grep -q '^fence=[0-9][0-9]*$' $T/run.out
check "a 3 s command outlived a 2 s lease (renewed)" sh -c "'$BIN/concord' log | grep -q 'done job success'"
check "no expiry happened meanwhile" sh -c "! '$BIN/concord' log | grep -q 'lease on job expired'"
concord --as bob run other -- sh -c 'exit 7' 2>/dev/null; rc=$?
check "a failing CMD's status comes back" test $rc = 7
check "and is recorded as failed" sh -c "'$BIN/concord' log | grep -q 'done other failed.*exit status 7'"

# Broken by the IC while running (a long TTL, so the next renewal is far
# off): CMD gets SIGTERM at once and run exits with CMD's status.
"$BIN/concord" --as bob run other --ttl 60 -- sh -c 'trap "echo TERM > '$T'/term; exit 9" TERM; while :; do sleep 0.1; done' >/dev/null 2>$T/broken.err &
runpid=$!; PIDS+=($runpid)
# (its claim is the second of other: the first was the run above)
wait_for 20 sh -c "[ \$('$BIN/concord' log | grep -c 'bob.*claimed other') -ge 2 ]"
concord break other --reason "wrong host" >/dev/null
check "CMD receives SIGTERM within 2 s of the break" wait_for 2 test -s $T/term
wait $runpid; rc=$?
check "run whose lease was broken exits with CMD's status" test $rc = 9
check "and says it lost the lease" grep -q "lost the lease on other.*broke" $T/broken.err
check "no outcome is recorded for a broken lease" sh -c "! '$BIN/concord' log | grep -q 'done other.*fence.*exit status 9'"

# A refused claim exits with the conflict status, told apart from CMD's.
concord declare held >/dev/null
concord --as dave claim held >/dev/null
concord --as bob run held -- true 2>$T/refused.err; rc=$?
check "a refused claim exits 75 by default" test $rc = 75
check "naming the holder" grep -q "held by dave" $T/refused.err
concord --as bob run held -E 9 -- true 2>/dev/null; rc=$?
check "-E sets the conflict status" test $rc = 9

# SIGTERM to run: passed to CMD, outcome aborted, the action free again.
concord declare stop >/dev/null
"$BIN/concord" --as erin run stop --ttl 30 -- sh -c 'trap "exit 5" TERM; echo $$ > '$T'/stop.pid; while :; do sleep 0.1; done' >/dev/null 2>&1 &
runpid=$!; PIDS+=($runpid)
wait_for 20 test -s $T/stop.pid
kill -TERM $runpid
wait $runpid; rc=$?
check "run passes SIGTERM on and exits with CMD's status" test $rc = 5
check "the outcome is aborted" sh -c "'$BIN/concord' log | grep -q 'done stop aborted'"
check "and the action is free again" sh -c "'$BIN/concord' --as frank claim stop >/dev/null"

# SIGKILL of run: CMD dies with it, the lease expires after the TTL.
"$BIN/concord" --as carol run long --ttl 2 -- sh -c 'echo $$ > '$T'/child.pid; exec sleep 600' >/dev/null 2>&1 &
runpid=$!; PIDS+=($runpid)
wait_for 20 test -s $T/child.pid
first=$(concord log | grep "carol.*claimed long" | sed "s/.*fence \([0-9]*\).*/\1/")
kill -9 $runpid
check "CMD dies with run" wait_for 10 sh -c "! kill -0 $(cat $T/child.pid) 2>/dev/null"
check "the lease expires after its TTL" wait_for 20 sh -c "'$BIN/concord' log | grep -q 'lease on long expired (fence $first)'"
out=$(concord --as dave claim long); second=${out##* }
check "the next claim gets a larger fence ($first < $second)" test "$second" -gt "$first"
concord --as carol done long --outcome success --fence $first 2>$T/err; rc=$?
check "the expired holder's done is refused" test $rc = 3
check "naming its stale fence" grep -q "fence $first is stale" $T/err
finish
