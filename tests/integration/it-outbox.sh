# The outbox: notes written while the hub is down are queued durably
# (exit 4) and delivered, each once, by its author and in order, by the
# next concord command that reaches the hub; an operation id already logged
# is not logged again; corrupt and refused entries are moved aside.
. "$(dirname "$0")/lib.sh"
hub_start
OB=$XDG_STATE_HOME/concord/outbox
entries() { find "$OB" -maxdepth 1 -name '*.note' 2>/dev/null | wc -l; }
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
check "the entry is private (0600)" \
    test "$(stat -c %a "$(find "$OB" -maxdepth 1 -name '*.note')")" = 600
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
    grep -q 'bob  second while down\$' $T/log1 &&
    grep -q 'carol  third while down\$' $T/log1"
check "in the order written" sh -c "grep -E ' (while down|second while down|third while down)\$' $T/log1 |
    sed 's/.*  //' | tr '\n' '|' | grep -qx 'while down|second while down|third while down|'"
check "a queued op id already in the log is not logged twice" test "$(count "dup note")" = 1
concord -i INC-1 log >$T/log2
check "a second log delivers nothing twice" cmp -s $T/log1 $T/log2

# Corrupt and refused entries are moved aside; the others still go.
hub_kill9
concord -i INC-1 note "after corruption" 2>/dev/null
concord -i INC-99 note "for no incident" 2>/dev/null; rc=$?
check "a note for an incident the hub may not know is queued" test $rc = 4
printf 'concord-outbox 1\nhub %s\nincident INC-1\n' "$CONCORD_HUB" \
    >"$OB/0000000000000001-cut.note"
head -c 100 /dev/urandom >"$OB/0000000000000002-junk.note"
check "four entries, two of them corrupt" test "$(entries)" = 4
hub_start
concord -i INC-1 log >/dev/null 2>$T/err; rc=$?
check "the command still succeeds" test $rc = 0
check "a message names each corrupt entry" \
    test "$(grep -c 'outbox entry .* is corrupt' $T/err)" = 2
check "corrupt entries are moved to outbox/corrupt/" \
    test -f "$OB/corrupt/0000000000000001-cut.note" -a \
    -f "$OB/corrupt/0000000000000002-junk.note"
check "the good entry is delivered" test "$(count "after corruption")" = 1
check "the refusal is reported with the hub's reason" \
    grep -q "refused the queued note by alice for INC-99 (no-incident)" $T/err
check "and the refused entry is moved to outbox/refused/" \
    test "$(find "$OB/refused" -name '*.note' | wc -l)" = 1
check "the outbox is empty" test "$(entries)" = 0

# A note sent with the hub up is not queued.
concord -i INC-1 note "live" >/dev/null; rc=$?
check "with the hub up a note exits 0" test $rc = 0
check "and leaves nothing queued" test "$(entries)" = 0
# The embedded hub's way: a hub started with --deliver-outbox delivers the
# notes queued for its own socket by itself, with no client running.
hub_kill9
concord -i INC-1 --as carol note "delivered by the hub itself" 2>/dev/null; rc=$?
check "queued while the hub is down (exit 4)" test $rc = 4
hub_start --deliver-outbox
check "the hub empties the outbox on its own" wait_for 20 sh -c "[ \$(find '$OB' -maxdepth 1 -name '*.note' | wc -l) = 0 ]"
check "and the note is logged once, by its author" \
    test "$(concord -i INC-1 log | grep -c 'carol  delivered by the hub itself')" = 1
finish
