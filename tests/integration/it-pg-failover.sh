# Two concordd on one PostgreSQL (pg.sh), on TCP, and clients that know
# both (a hub list): `kill -9` of the hub they are on, under write load
# (one-shot writers and a `note --stdin` stream, every note with its own
# operation id), moves them to the other hub.  log --follow says which hub
# it moved to and prints the same events, seqs and hashes as a follower
# that was on the surviving hub all along; the console (ASan build, in
# tmux) names the new hub in its header and converges on the same seq and
# digest; every acknowledged note is in the log exactly once, and so are
# a note typed in the console as its hub died and one queued in the outbox
# for the dead hub alone, delivered through the other by a client on the
# list.  Then, with A back, B stops answering (SIGSTOP): the liveness
# bound moves the console and the follower round the list to A.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"
. "$(dirname "$0")/tmux.sh"
fo_cleanup() {
	if [ "$FAILS" != 0 ]; then
		console_dump con
		echo "--- follow A stderr"; cat "$T/fa.err" 2>/dev/null
		echo "--- follow B stderr"; cat "$T/fb.err" 2>/dev/null
		echo "--- stdin writer"; cat "$T/stdin.err" 2>/dev/null
		echo "--- client log"; tail -30 "$T/client.log" 2>/dev/null
		echo "--- hub B"; tail -20 "$T/b/concordd.log" 2>/dev/null
	fi
	tmux_cleanup
	cleanup
}
trap fo_cleanup EXIT

check "a private PostgreSQL starts" pg_start || { finish; exit; }
hub_start --store "$PG_STORE" --lock-delay 0 --listen 127.0.0.1:0
PA=$(hub_port)
# B has A's users (the same token works on both, as an operator would
# have it): a copy of A's users database, made before B starts.
mkdir -p "$T/b"
cp "$T"/data/users.db* "$T/b/"
"$BIN/concordd" --socket "$T/b.sock" --data "$T/b" --store "$PG_STORE" \
    --lock-delay 0 --listen 127.0.0.1:0 </dev/null >"$T/b.out" 2>&1 &
BPID=$!; PIDS+=($BPID)
check "a second hub starts on the same database" \
    wait_for 20 grep -q listening "$T/b.out"
PB=$(grep -oE 'ws://127\.0\.0\.1:[0-9]+' "$T/b.out" | sed 's/.*://')
A=ws://127.0.0.1:$PA
B=ws://127.0.0.1:$PB
LIST="$A $B"
export CONCORD_HUB=$LIST
check "hubs on ports $PA and $PB" test -n "$PA" -a -n "$PB"

check "open through the list (on A)" sh -c \
    "'$BIN/concord' open --title failover >/dev/null"
check "B knows the incident" wait_for 10 sh -c \
    "'$BIN/concord' --hub '$B' incidents | grep -q INC-1"
"$BIN/concord" -i INC-1 note "before the failover" >/dev/null

# Followers: on the list (so on A), and on B alone.
"$BIN/concord" -i INC-1 log --follow --json >"$T/fa.out" 2>"$T/fa.err" &
PIDS+=($!)
"$BIN/concord" --hub "$B" -i INC-1 log --follow --json >"$T/fb.out" \
    2>"$T/fb.err" &
PIDS+=($!)
console_start con "$LIST" carol
check "the console is LIVE" wait_for 20 is_live con
check "its header names A (127.0.0.1:$PA)" wait_for 10 sh -c \
    "tmux -L '$TS' capture-pane -p -t con | head -1 | grep -q '127.0.0.1:$PA'"
check "the list's follower is on A" wait_for 10 grep -q "before the failover" "$T/fa.out"

# Write load: four one-shot writers (each note its own op id) and a
# stream of notes on one connection, all on the list.
writer() { # writer NAME COUNT
	local i
	for i in $(seq 1 "$2"); do
		"$BIN/concord" --as "$1" -i INC-1 note --op "op-$1-$i" \
		    "$1 $i" >/dev/null 2>>"$T/w.$1.err" &&
		    echo "op-$1-$i" >>"$T/acked.$1"
	done
	touch "$T/wdone.$1"
}
for w in w1 w2 w3 w4; do writer "$w" 40 & PIDS+=($!); done
# The stream: a line every 20 ms (the load's pace, not a synchronisation),
# 100 before A is killed and 50 after, so that it spans the kill.
stream() {
	local i
	for i in $(seq 1 150); do
		[ "$i" = 101 ] && wait_for 120 test -e "$T/killed"
		echo "stream $i"
		sleep 0.02
	done
}
stream |
    "$BIN/concord" --as streamer -i INC-1 note --stdin >"$T/stdin.out" \
    2>"$T/stdin.err" &
STREAM=$!; PIDS+=($STREAM)
acked() { cat "$T"/acked.* 2>/dev/null | wc -l; }
some() { [ "$(acked)" -ge 30 ]; }
check "writers are writing through A" wait_for 60 some
before=$(acked)
hub_kill9
touch "$T/killed"
tm send-keys -t con -l -- "typed as A died" && tm send-keys -t con Enter
check "A is gone under load ($before notes acknowledged)" true

check "the list's follower says it moved to B" wait_for 30 \
    grep -q "moved to the hub at 127.0.0.1:$PB" "$T/fa.err"
check "the console's header names B" wait_for 30 sh -c \
    "tmux -L '$TS' capture-pane -p -t con | head -1 | grep -q '127.0.0.1:$PB'"
check "and no longer A" sh -c \
    "! tmux -L '$TS' capture-pane -p -t con | head -1 | grep -q '127.0.0.1:$PA'"
wdone() { [ "$(ls "$T"/wdone.* 2>/dev/null | wc -l)" = 4 ]; }
check "the writers finish" wait_for 180 wdone
streamed() { ! kill -0 "$STREAM" 2>/dev/null; }
check "the stream finishes" wait_for 60 streamed
check "every one-shot note is acknowledged ($(acked) of 160)" \
    test "$(acked)" = 160
check "the stream logged all 150 lines" \
    grep -q "INC-1: 150 notes logged" "$T/stdin.out"
check "the stream moved to B and sent again what was unanswered" \
    grep -q "note --stdin: " "$T/client.log"

# A note for A alone is queued (A is gone); a client on the list
# delivers it through B.
"$BIN/concord" --hub "$A" -i INC-1 --as queued note --op op-queued \
    "queued for A" >/dev/null 2>"$T/q.err"
check "a note for the dead hub alone is queued (exit 4)" test $? = 4
check "a client on the list delivers it (through B)" sh -c \
    "'$BIN/concord' incidents >/dev/null 2>&1"
check "the outbox is empty again" sh -c \
    "[ \"\$(sqlite3 '$T/state/concord/outbox.db' 'SELECT count(*) FROM outbox' 2>/dev/null || echo 0)\" = 0 ]"

head_b() { "$BIN/concord" --hub "$B" -i INC-1 log | tail -1 |
    grep -oE 'seq [0-9]+ · [0-9a-f]{6}$'; }
last_seq() { tail -1 "$1" | grep -oE '"seq":[0-9]+' | head -1 | sed 's/.*://'; }
caught_up() {
	local s
	s=$(head_b | awk '{print $2}')
	[ -n "$s" ] && [ "$(last_seq "$T/fa.out")" = "$s" ] &&
	    [ "$(last_seq "$T/fb.out")" = "$s" ]
}
check "both followers reach B's head" wait_for 30 caught_up
check "the moved follower printed exactly what B's follower did" \
    cmp -s "$T/fa.out" "$T/fb.out"
check "each event once, in order" sh -c \
    "grep -oE '\"seq\":[0-9]+' '$T/fa.out' | sed 's/.*://' | awk 'NR != \$1 { exit 1 }'"
d=$(head_b)
check "the console converges on B's seq and digest ($d)" \
    wait_for 30 shows_digest con "$d"

"$BIN/concord" --hub "$B" -i INC-1 log --json >"$T/log.json"
logged_once() { # OP: exactly one event with it
	[ "$(grep -c "\"op\":\"$1\"" "$T/log.json")" = 1 ]
}
missing=0
for op in $(cat "$T"/acked.*); do
	logged_once "$op" || { missing=$((missing + 1)); echo "# $op"; }
done
check "every acknowledged note is in the log exactly once" test "$missing" = 0
check "no op id twice in the database" test -z "$(pg_sql \
    "SELECT op FROM concord_events WHERE op IS NOT NULL GROUP BY op HAVING count(*) > 1")"
check "every streamed line once" test "$(grep -c '"text":"stream [0-9]*"' \
    "$T/log.json")" = 150
check "the note typed as A died, once" test \
    "$(grep -c '"text":"typed as A died"' "$T/log.json")" = 1
check "the queued note, once" logged_once op-queued
check "the export through B verifies" sh -c "'$BIN/concord' --hub '$B' \
    -i INC-1 export --format json -o '$T/export.json' &&
    '$BIN/concord' verify '$T/export.json' >/dev/null"
echo "# $(grep -c 'retrying op' "$T/client.log") retries, $(grep -c 'on the hub at' \
    "$T/client.log") one-shot connections passed over A"

# A again, on its port; then B stops answering (SIGSTOP: nothing is
# closed, only the liveness bound notices): the clients on B go round the
# list to A.
check "A starts again on port $PA" hub_start --store "$PG_STORE" \
    --lock-delay 0 --listen "127.0.0.1:$PA"
kill -STOP "$BPID"
"$BIN/concord" -i INC-1 note --op op-silent "while B is silent" >/dev/null
check "a one-shot note on the list is taken by A" test $? = 0
check "the console goes round to A" wait_for 30 sh -c \
    "tmux -L '$TS' capture-pane -p -t con | head -1 | grep -q '127.0.0.1:$PA'"
check "the moved follower goes round to A too" wait_for 30 sh -c \
    "[ \$(grep -c 'moved to the hub at 127.0.0.1:$PA' '$T/fa.err') -ge 1 ]"
check "and prints the note written meanwhile" wait_for 20 \
    grep -q '"op":"op-silent"' "$T/fa.out"
d=$("$BIN/concord" --hub "$A" -i INC-1 log | tail -1 |
    grep -oE 'seq [0-9]+ · [0-9a-f]{6}$')
check "the console is LIVE on A at its seq and digest ($d)" \
    wait_for 30 shows_digest con "$d"
kill -CONT "$BPID"
finish
