# The outbox: notes written while the hub is down are queued durably
# (exit 4) and delivered, each once, by its author and in order, by the
# next concord command that reaches the hub; an operation id already logged
# is not logged again; a refused entry is kept aside, marked with the
# hub's reason, and the others still go.
. "$(dirname "$0")/lib.sh"
hub_start
OB=$XDG_STATE_HOME/concord/outbox.db
# entries: how many notes wait for delivery; refused: how many were refused.
entries() { [ -e "$OB" ] || { echo 0; return; }
	sqlite3 "$OB" 'SELECT count(*) FROM outbox WHERE refused IS NULL'; }
refused() { sqlite3 "$OB" 'SELECT count(*) FROM outbox WHERE refused IS NOT NULL'; }
# count TEXT: how many log lines end in TEXT.
count() { concord -i INC-1 log | grep -c -- "  $1\$"; }

concord open --title "outbox" >/dev/null
concord -i INC-1 note "before" >/dev/null
concord -i INC-1 note --op dup-op "dup note" >/dev/null

hub_kill9
concord -i INC-1 note "while down" 2>$T/err; rc=$?
check "a note with the hub down exits 4" test $rc = 4
check "and says it is queued for the incident" \
    grep -q "queued note for INC-1: the hub is unreachable; it will be delivered when a concord process next reaches the hub" $T/err
check "one entry in the outbox" test "$(entries)" = 1
check "the outbox is private (0600)" test "$(stat -c %a "$OB")" = 600
concord --as bob -i INC-1 note "second while down" 2>/dev/null; rc=$?
check "a second queued note exits 4" test $rc = 4
check "two entries" test "$(entries)" = 2
CONCORD_INCIDENT=INC-1 concord --as carol note "third while down" 2>/dev/null; rc=$?
check "\$CONCORD_INCIDENT names the incident for queueing" test $rc = 4
concord -i INC-1 note --op dup-op "dup note" 2>/dev/null; rc=$?
check "a note with an op id already logged is queued too" test $rc = 4
check "four entries" test "$(entries)" = 4
concord note "no incident" 2>$T/err; rc=$?
check "without -i a note is not queued: exit 2" test $rc = 2
check "and it says -i is needed to queue" grep -q "name the incident with -i" $T/err
check "still four entries" test "$(entries)" = 4

hub_start
check "the next unrelated command succeeds" sh -c "'$BIN/concord' -i INC-1 log >$T/log1"
check "and empties the outbox" test "$(entries)" = 0
check "the first queued note is logged once" test "$(count "while down")" = 1
check "the second too" test "$(count "second while down")" = 1
check "the third too" test "$(count "third while down")" = 1
check "each by its author" sh -c "grep -q 'alice.*  while down\$' $T/log1 &&
    grep -q 'bob (by $ME)  second while down\$' $T/log1 &&
    grep -q 'carol (by $ME)  third while down\$' $T/log1"
check "in the order written" sh -c "grep -E ' (while down|second while down|third while down)\$' $T/log1 |
    sed 's/.*  //' | tr '\n' '|' | grep -qx 'while down|second while down|third while down|'"
check "a queued op id already in the log is not logged twice" test "$(count "dup note")" = 1
concord -i INC-1 log >$T/log2
check "a second log delivers nothing twice" cmp -s $T/log1 $T/log2

# A refused entry is kept aside with the hub's reason; the others go.
hub_kill9
concord -i INC-1 note "after a refusal" 2>/dev/null
concord -i INC-99 note "for no incident" 2>/dev/null; rc=$?
check "a note for an incident the hub may not know is queued" test $rc = 4
check "two entries" test "$(entries)" = 2
hub_start
concord -i INC-1 log >/dev/null 2>$T/err; rc=$?
check "the command still succeeds" test $rc = 0
check "the good entry is delivered" test "$(count "after a refusal")" = 1
check "the refusal is reported with the hub's reason" \
    grep -q "refused the queued note by alice for INC-99 (no-incident)" $T/err
check "and the refused entry is kept aside, marked" test "$(refused)" = 1
check "the hub's reason is kept with it" sh -c \
    "sqlite3 '$OB' 'SELECT refused FROM outbox' | grep -qx no-incident"
check "nothing waits any more" test "$(entries)" = 0

# A note sent with the hub up is not queued.
concord -i INC-1 note "live" >/dev/null; rc=$?
check "with the hub up a note exits 0" test $rc = 0
check "and leaves nothing queued" test "$(entries)" = 0
# A process that dies after queueing, or queues the same operation
# twice, leaves one entry: the operation id is unique in the outbox.
hub_kill9
concord -i INC-1 note --op twice-op "queued twice" 2>/dev/null
concord -i INC-1 note --op twice-op "queued twice" 2>/dev/null
check "the same operation queued twice is one entry" test "$(entries)" = 1
hub_start
concord -i INC-1 log >/dev/null
check "and is logged once" test "$(count "queued twice")" = 1
finish
