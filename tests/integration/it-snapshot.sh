# Snapshots: a client that accepts one and is further behind than the
# hub's threshold starts from the hub's state at a seq (with its chain
# value) instead of replaying everything, and reaches the same picture.
. "$(dirname "$0")/lib.sh"
hub_start --snapshot-after 100 --rate 0	# a bulk load
concord open --title snap >/dev/null
concord declare failover-db >/dev/null
out=$(concord --as bob claim failover-db); fence=${out##* }
seq 1 1000 | sed 's/^/n /' | concord note --stdin >/dev/null
full=$(concord log --json | tail -1 | sed 's/.*"hash":"\([0-9a-f]*\)".*/\1/')
snap=$(concord show --json | sed 's/.*"chain":"\([0-9a-f]*\)".*/\1/')
check "show (from a snapshot) and log (by replay) agree on the chain" test "$full" = "$snap"
check "the hub sent a snapshot" grep -q "snapshot of INC-1 at seq 1003" "$T/data/concordd.log"
check "the snapshot carries the lease" sh -c "'$BIN/concord' show | grep -q 'HELD by bob, fence $fence'"
check "a holder's own grant is found through a snapshot" concord --as bob release failover-db
check "show reflects it" sh -c "'$BIN/concord' show | grep -q 'failover-db *FREE'"
finish
