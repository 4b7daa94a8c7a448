# Leases across a hub crash: a lease held when the hub is killed with
# SIGKILL is still held after the restart (even after an outage longer
# than its TTL: leases are extended by the grace period, never shortened),
# with the same fence, and its holder can still release it.  An expired
# holder's done is refused with its stale fence.
. "$(dirname "$0")/lib.sh"
hub_start --lock-delay 0 --grace 30
concord open --title leases >/dev/null
concord declare failover-db >/dev/null
concord declare purge-cache >/dev/null
out=$(concord --as bob claim failover-db --ttl 2); fence=${out##* }
start=$(date +%s)
hub_kill9
# An outage longer than the lease's TTL.
wait_for 10 test $(( $(date +%s) - start )) -ge 3
hub_start --lock-delay 0 --grace 30
concord --as carol claim failover-db 2>$T/err; rc=$?
check "the lease is still held after the restart" test $rc = 3
check "by bob with the same fence" grep -q "held by bob (fence $fence," $T/err
check "no expiry was logged" sh -c "! '$BIN/concord' log | grep -q expired"
check "the holder can still release it" concord --as bob release failover-db --fence $fence
check "after which it can be claimed" concord --as carol claim failover-db

out=$(concord --as bob claim purge-cache --ttl 1); old=${out##* }
check "a lease that is not renewed expires" wait_for 20 sh -c "'$BIN/concord' log | grep -q 'lease on purge-cache expired (fence $old)'"
concord --as bob done purge-cache --outcome success --fence $old 2>$T/err; rc=$?
check "the expired holder's done is refused" test $rc = 3
check "with its stale fence" grep -q "fence $old is stale" $T/err
concord --as bob renew purge-cache --fence $old 2>$T/err; rc=$?
check "and a renewal does not resurrect it" test $rc = 3
finish
