# concordd on PostgreSQL (--store), against a private server this test
# initialises, starts and stops (pg.sh): notes and a claim are accepted,
# the database holds them with a head row per incident, a restart (clean
# and kill -9) replays with the same seq and digest, a retried operation id
# is recognised, the export verifies, an append that does not follow the
# stored head (another writer) is never acknowledged, and postgres is
# stopped cleanly by its pid.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"
check "a private PostgreSQL starts" pg_start || { finish; exit; }
check "postgres runs as an unprivileged user" \
    test "$(ps -o user= -p "$PG_PID")" != root
concordd_bad() { "$BIN/concordd" --socket "$T/x.sock" --data "$T/x" "$@" \
    </dev/null >"$T/bad.out" 2>&1; }
concordd_bad --store "nosuch:thing"
check "an unknown store is refused" grep -q 'is not a store' "$T/bad.out"
concordd_bad --store "postgres:host=$PG_DIR port=1 user=postgres"
check "an unreachable database is refused, saying so" \
    grep -q 'cannot connect to PostgreSQL' "$T/bad.out"

hub_start --store "$PG_STORE" --lock-delay 0
check "the hub logs its store" grep -q 'store postgres' "$T/data/concordd.log"
check "open" sh -c "'$BIN/concord' open --title 'pg incident' --sev 2 >/dev/null"
for i in $(seq 1 20); do
	concord --as "u$((i % 3))" note --op "op-$i" "note $i" >/dev/null ||
	    notok "note $i"
done
check "declare" sh -c "'$BIN/concord' declare restart-api >/dev/null"
check "a claim is granted" sh -c "'$BIN/concord' --as bob claim restart-api >/dev/null"
concord --as carol claim restart-api 2>"$T/err"; rc=$?
check "a second claim is refused naming the holder" \
    sh -c "[ $rc = 3 ] && grep -q 'held by bob' '$T/err'"
seq_of() { concord log | tail -1 | sed -E 's/^-- [^ ]+ at seq ([0-9]+) .*/\1/'; }
digest_of() { concord log | tail -1 | awk '{print $NF}'; }
seq1=$(seq_of) digest1=$(digest_of)
check "the log ends at seq $seq1" test "$seq1" -ge 23
check "the database holds every event" \
    test "$(pg_sql "SELECT count(*) FROM concord_events WHERE incident = 'INC-1'")" = "$seq1"
check "the head row is at the last seq" \
    test "$(pg_sql "SELECT seq FROM concord_incidents WHERE id = 'INC-1'")" = "$seq1"
check "seqs run from 1 without a gap" \
    test "$(pg_sql "SELECT max(seq) - min(seq) + 1 FROM concord_events")" = "$seq1"

out=$(concord --as u1 note --op op-1 "note 1")
check "a retried operation id is acknowledged as already logged" \
    sh -c "echo '$out' | grep -q 'already logged'"
check "and not logged twice" \
    test "$(pg_sql "SELECT count(*) FROM concord_events WHERE op = 'op-1'")" = 1

kill "$HUB_PID"; wait "$HUB_PID" 2>/dev/null; HUB_PID=
hub_start --store "$PG_STORE" --lock-delay 0
check "after a clean restart: the same seq" test "$(seq_of)" = "$seq1"
check "after a clean restart: the same digest ($digest1)" \
    test "$(digest_of)" = "$digest1"
check "a note after the restart follows on" \
    sh -c "'$BIN/concord' note 'after restart' >/dev/null"
check "at seq $((seq1 + 1))" test "$(seq_of)" = $((seq1 + 1))
seq2=$(seq_of) digest2=$(digest_of)
hub_kill9
hub_start --store "$PG_STORE" --lock-delay 0
check "after kill -9: the same seq and digest" \
    test "$(seq_of) $(digest_of)" = "$seq2 $digest2"
out=$(concord --as u1 note --op op-5 "note 5")
check "after kill -9 a retried operation id is still recognised" \
    sh -c "echo '$out' | grep -q 'already logged'"

check "export" concord export --format json -o "$T/log.json"
check "the export verifies, at the digest the hub shows" \
    sh -c "'$BIN/concord' verify '$T/log.json' | grep -q ' $digest2\$'"
check "a second incident is numbered on" \
    sh -c "'$BIN/concord' open --title second | grep -q INC-2"

# --store postgres: alone takes the database from the PG* environment.
mkdir -p "$T/env" && hub_user "$T/env"
PGHOST=$PG_DIR PGPORT=$PG_PORT PGUSER=postgres PGDATABASE=concord \
    "$BIN/concordd" --socket "$T/env.sock" --data "$T/env" \
    --store postgres: </dev/null >"$T/env.out" 2>&1 &
PIDS+=($!)
check "a hub on --store postgres: and the PG* environment starts" \
    wait_for 20 grep -q listening "$T/env.out"
check "and serves the same log" sh -c "[ \"\$(CONCORD_HUB=unix:$T/env.sock \
    '$BIN/concord' -i INC-1 log | tail -1)\" = '$(concord -i INC-1 log | tail -1)' ]"

# Another writer moves the head behind the hub's back: the hub's next
# commit does not follow it, so it is not acknowledged and the hub stops
# rather than fork the log.
pg_sql "UPDATE concord_incidents SET seq = seq + 1 WHERE id = 'INC-1'" >/dev/null
concord --incident INC-1 note --op op-fork "forked" >"$T/fork.out" 2>&1; rc=$?
check "a note that does not follow the stored head is not acknowledged (exit $rc)" \
    test "$rc" != 0
check "the hub says why" wait_for 10 grep -q 'does not follow the stored head' \
    "$HUB_OUT" "$T/data/concordd.log"
check "nothing of it is stored" \
    test "$(pg_sql "SELECT count(*) FROM concord_events WHERE op = 'op-fork'")" = 0
hub_kill9

pid=$PG_PID dir=$PG_DIR
pg_stop
check "postgres stops on SIGINT, by its pid" sh -c "! kill -0 $pid 2>/dev/null"
check "and leaves no process behind" \
    sh -c "! ps -eo args | grep -v grep | grep -qF '$dir'"
finish
