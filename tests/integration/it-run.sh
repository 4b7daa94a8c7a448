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

# Broken by the IC while running: CMD is stopped and run exits 3.
"$BIN/concord" --as bob run other --ttl 5 -- sleep 60 >/dev/null 2>$T/broken.err &
runpid=$!; PIDS+=($runpid)
wait_for 20 sh -c "'$BIN/concord' log | grep -q 'bob.*claimed other'"
concord break other --reason "wrong host" >/dev/null
wait $runpid; rc=$?
check "run whose lease was broken exits 3" test $rc = 3
check "and says it lost the lease" grep -q "lost the lease on other" $T/broken.err

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
