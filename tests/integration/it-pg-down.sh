# Losing the database (pg.sh): a hub on PostgreSQL that cannot reach it
# says so, to its clients (a follower and a console show STALE with the
# reason) and on GET /healthz (503), acknowledges nothing it cannot make
# durable, and recovers by itself when the database is back.  Twice: the
# server stopped (by its saved pid) and started again, and the server and
# its backends frozen with SIGSTOP (by their saved pids) and thawed: the
# hub's loop keeps answering meanwhile, every exchange with PostgreSQL
# having a deadline.  A retried operation id while the database is down
# does not make the hub exit, and is logged once; nor does one the
# database has logged where the hub did not know (the unique index).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"
. "$(dirname "$0")/tmux.sh"
trap 'tmux_cleanup; cleanup' EXIT
check "a private PostgreSQL starts" pg_start || { finish; exit; }
hub_start --store "$PG_STORE" --listen 127.0.0.1:0
port=$(hub_port)
url=ws://127.0.0.1:$port
concord open --title down >/dev/null
check "a note before" sh -c "'$BIN/concord' -i INC-1 note --op op-before \
    before >/dev/null"

# healthz [SECONDS]: the status and body of GET /healthz, on one line.
healthz() {
	curl -s --max-time "${1:-3}" -w ' %{http_code}' \
	    "http://127.0.0.1:$port/healthz" | tr '\n' ' '
}
healthz_says() { healthz | grep -q -- "$1"; }
follower_says() { grep -q -- "$1" "$T/follow.err"; }
console_says() { screen con | grep -qE -- "$1"; }
# count TEXT: how many times a note TEXT is in the log.
count() { concord -i INC-1 log | grep -c -- " $1\$"; }

"$BIN/concord" -i INC-1 log --follow >"$T/follow.out" 2>"$T/follow.err" &
PIDS+=($!)
check "the follower reads the log" wait_for 20 grep -q before "$T/follow.out"
console_start con "$url" carol
check "the console is live" wait_for 20 sh -c "tmux -L '$TS' capture-pane \
    -p -t con | head -1 | grep -q LIVE"

# 1. PostgreSQL stopped.
pg_halt
check "the follower shows STALE with the reason" wait_for 20 follower_says \
    'STALE: hub cannot reach its database'
check "the console shows STALE" wait_for 20 sh -c "tmux -L '$TS' \
    capture-pane -p -t con | head -1 | grep -q STALE"
check "... and the reason" wait_for 20 console_says \
    'hub cannot reach its database'
check "GET /healthz is 503 with the reason" healthz_says \
    'cannot reach its database.* 503'
"$BIN/concord" -i INC-1 --timeout 120 note --op op-down-1 "down-1" \
    >"$T/note1.out" 2>&1 &
note1=$!
PIDS+=($note1)
# A retry of an operation already logged: the store cannot be asked.
"$BIN/concord" -i INC-1 --timeout 120 note --op op-before "before" \
    >"$T/again.out" 2>&1 &
again=$!
PIDS+=($again)
answered() { ! kill -0 "$note1" 2>/dev/null || ! kill -0 "$again" 2>/dev/null; }
check "its writer is told why it waits" wait_for 20 grep -q \
    'STALE: hub cannot reach its database' "$T/note1.out"
if wait_for 3 answered; then
	notok "a note was answered while the database was down"
else
	ok "the notes are not answered while it is down"
fi
check "the hub is still running" kill -0 "$HUB_PID"
check "PostgreSQL starts again" pg_run
check "the follower is told the hub is live again" wait_for 30 \
    follower_says 'durable again'
check "the console is live again" wait_for 30 sh -c "tmux -L '$TS' \
    capture-pane -p -t con | head -1 | grep -q LIVE"
check "GET /healthz is ok again" wait_for 30 healthz_says '^ok .*200'
check "the note is acknowledged" wait "$note1"
check "the retried one too" wait "$again"
check "down-1 is in the log once" test "$(count down-1)" = 1
check "the retried note is in the log once" test "$(count before)" = 1
check "the follower saw down-1" wait_for 20 grep -q down-1 "$T/follow.out"

# 2. PostgreSQL frozen: the postmaster and its children.
pids="$PG_PID $(pgrep -P "$PG_PID" | tr '\n' ' ')"
kill -STOP $pids
t0=$(date +%s)
check "GET /healthz says it cannot reach its database" wait_for 20 \
    healthz_says 'cannot reach its database.* 503'
t1=$(date +%s)
echo "# frozen: healthz said so after $((t1 - t0)) s"
check "the follower shows STALE" wait_for 20 sh -c \
    "test \$(grep -c 'STALE: hub' '$T/follow.err') = 2"
"$BIN/concord" -i INC-1 --timeout 120 note --op op-down-2 "down-2" \
    >"$T/note2.out" 2>&1 &
note2=$!
PIDS+=($note2)
# The hub's loop goes on: ten answers, each within 3 s.
slow=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	healthz 3 | grep -q ' 503' || slow=$((slow + 1))
	sleep 0.3
done
check "GET /healthz answers within 3 s while it is frozen ($slow late)" \
    test "$slow" = 0
check "the note waits" kill -0 "$note2"
check "the hub is still running" kill -0 "$HUB_PID"
kill -CONT $pids
check "GET /healthz is ok after SIGCONT" wait_for 30 healthz_says \
    '^ok .*200'
check "the note is acknowledged" wait "$note2"
check "down-2 is in the log once" test "$(count down-2)" = 1
check "the console is live" wait_for 30 sh -c "tmux -L '$TS' \
    capture-pane -p -t con | head -1 | grep -q LIVE"
check "the follower never lost the hub" sh -c \
    "! grep -q 'lost the hub' '$T/follow.err'"
check "the metric counts two losses" sh -c "curl -s \
    http://127.0.0.1:$port/metrics | grep -qx 'concord_store_lost_total 2'"

# 3. An operation id the hub did not know was logged (as by another hub):
# the append meets the unique index, and the hub decides again.
pg_sql "UPDATE concord_events SET op = 'op-elsewhere' WHERE incident =
    'INC-1' AND seq = 2" >/dev/null
check "a note whose op was logged elsewhere is a duplicate" sh -c \
    "'$BIN/concord' -i INC-1 --json note --op op-elsewhere again |
    grep -q '\"duplicate\":true'"
check "the hub said it decides again" grep -q \
    'deciding INC-1 again' "$T/data/concordd.log"
check "the hub is still running" kill -0 "$HUB_PID"
[ "$FAILS" = 0 ] || { cat "$T/follow.err"; tail -30 "$HUB_OUT"; \
    console_dump con 2>/dev/null; }
finish
