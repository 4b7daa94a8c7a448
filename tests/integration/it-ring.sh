# Fan-out from the ring of recent events and from the store's wire forms.
# Four writers add 12,000 notes (the ring keeps 4,096) while one follower
# keeps up, one starts from seq 0 half-way (served from the store, then
# from the ring as it catches up) and one reads the whole log afterwards:
# each receives every event once, in order, with the chain verified
# (`concord log` refuses a log whose chain does not verify), and all end
# at the same chain value.  After a restart (the ring starts empty) the
# followers resume and a new one reads everything from the store.  A store
# from before wire forms were kept (the column dropped) is upgraded at
# start-up: every wire form is written again, byte for byte the same, and
# followers are served as before.
. "$(dirname "$0")/lib.sh"
N=12000
hub_start --rate 0	# bulk loads: it-limits.sh tests the rate
concord open --title fanout >/dev/null

# in_order FILE COUNT: FILE holds events seq 1..COUNT, each once, in order.
in_order() {
	sed 's/^{"seq":\([0-9]*\),.*/\1/' "$1" |
	    awk -v n="$2" '$1 != NR { bad = 1; exit } END { exit bad || NR != n }'
}
lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
# at FILE COUNT: FILE holds COUNT events.
at() { [ "$(lines "$1")" -ge "$2" ]; }
follow() { # NAME: a follower from seq 0, its events in $T/NAME.out
	"$BIN/concord" log --follow --json >"$T/$1.out" 2>"$T/$1.err" &
	PIDS+=($!)
	eval "PID_$1=$!"
}

follow a
check "the first follower is live" wait_for 10 at "$T/a.out" 1
for w in 1 2 3 4; do
	seq 1 $((N / 4)) | sed "s/^/writer $w note /" >"$T/in.$w"
	"$BIN/concord" --as "w$w" note --stdin <"$T/in.$w" >"$T/w$w.out" 2>&1 &
	eval "WPID_$w=$!"
	PIDS+=($!)
done
wait_for 60 at "$T/a.out" 6000
follow b
ok=1
for w in 1 2 3 4; do eval "wait \$WPID_$w" || ok=0; done
check "four writers add $N notes" test "$ok" = 1
head=$((N + 1))
"$BIN/concord" log --json >"$T/c.out" 2>"$T/c.err"
check "a follower reading the whole log afterwards verifies its chain" \
    test $? = 0
check "the follower that kept up has all $head events" \
    wait_for 60 at "$T/a.out" "$head"
check "the follower that started behind has caught up" \
    wait_for 60 at "$T/b.out" "$head"
for f in a b c; do
	check "follower $f has seq 1 to $head, each once, in order" \
	    in_order "$T/$f.out" "$head"
done
check "the live followers are still running (their chains verified)" \
    kill -0 "$PID_a" "$PID_b"
check "all three end at the same event and chain value" sh -c \
    "[ \"\$(tail -1 $T/a.out)\" = \"\$(tail -1 $T/b.out)\" ] &&
     [ \"\$(tail -1 $T/a.out)\" = \"\$(tail -1 $T/c.out)\" ]"

# A restart: the ring is empty; the log is served from the store.
kill -TERM "$HUB_PID"
wait "$HUB_PID"
hub_start --rate 0
seq 1 500 | sed 's/^/after the restart /' | concord note --stdin >/dev/null
head=$((head + 500))
check "both followers resume after the restart" sh -c \
    "$(declare -f wait_for at lines); wait_for 60 at $T/a.out $head &&
     wait_for 60 at $T/b.out $head"
"$BIN/concord" log --json >"$T/d.out" 2>"$T/d.err"
check "a new follower reads the log from the store" test $? = 0
for f in a b d; do
	check "follower $f has seq 1 to $head, each once, in order" \
	    in_order "$T/$f.out" "$head"
done
check "they end at the same event and chain value" sh -c \
    "[ \"\$(tail -1 $T/a.out)\" = \"\$(tail -1 $T/b.out)\" ] &&
     [ \"\$(tail -1 $T/a.out)\" = \"\$(tail -1 $T/d.out)\" ]"

# A store from before wire forms were kept (SQLite's: not on PostgreSQL).
if [ "${CONCORD_TEST_STORE:-}" = pg ]; then
	finish
	exit
fi
kill -TERM "$HUB_PID"
wait "$HUB_PID"
HUB_PID=
sql() { sqlite3 -cmd ".timeout 5000" "$T/data/concord.db" "$@"; }
sql "SELECT seq, hex(wire) FROM events ORDER BY incident, seq" >"$T/wire.before"
sql "ALTER TABLE events DROP COLUMN wire; PRAGMA user_version = 0"
check "the old store has no wire forms" sh -c \
    "! sqlite3 $T/data/concord.db 'SELECT wire FROM events' 2>/dev/null"
hub_start --rate 0
check "the hub upgrades it and writes every wire form" \
    grep -q "INC-1: wrote the wire form of $head events" \
    "$T/data/concordd.log"
sql "SELECT seq, hex(wire) FROM events ORDER BY incident, seq" >"$T/wire.after"
check "byte for byte the forms made when the events were accepted" \
    cmp -s "$T/wire.before" "$T/wire.after"
check "the store is at schema 1" test "$(sql 'PRAGMA user_version')" = 1
"$BIN/concord" log --json >"$T/e.out" 2>"$T/e.err"
check "a follower reads the upgraded log" test $? = 0
check "it has seq 1 to $head, each once, in order, ending where the others did" \
    sh -c "$(declare -f in_order); in_order $T/e.out $head &&
    [ \"\$(tail -1 $T/a.out)\" = \"\$(tail -1 $T/e.out)\" ]"
hub_kill9
hub_start --rate 0
check "a second start has nothing to write" sh -c \
    "[ \$(grep -c 'wrote the wire form' $T/data/concordd.log) = 1 ]"
finish
