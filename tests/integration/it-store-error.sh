# A store that cannot give a follower its events closes that follower with
# an error "store" (and the hub logs it), and nothing else: the hub keeps
# running, accepting notes and serving everyone else.  The log is damaged
# behind the running hub's back with sqlite3: an event's wire form removed,
# another event's form in its place, the event deleted.  After a restart the
# hub writes the missing wire form again and serves the log whole.
# check-pg: skip (edits the SQLite store with sqlite3)
. "$(dirname "$0")/lib.sh"
RAW=$TOOLS/rawws
S=unix:$T/hub.sock
if [ ! -x "$RAW" ]; then
	notok "rawws is built (make build/tools/rawws)"
	finish
	exit
fi
hub_start
concord open --title "store errors" >/dev/null
seq 1 200 | sed 's/^/note /' | concord note --stdin >/dev/null
# Restarted, the hub's ring is empty: every event comes from the store.
kill -TERM "$HUB_PID"
wait "$HUB_PID"
hub_start

sql() { sqlite3 -cmd ".timeout 5000" "$T/data/concord.db" "$@"; }
# from0 OUT: a raw follower from seq 0 until the hub closes it (or 10 s).
from0() {
	"$RAW" -t 10 "$S" \
	    "send:{\"type\":\"hello\",\"proto\":$PROTO_V,\"user\":\"eve\",\"incident\":\"INC-1\",\"from\":0}" \
	    expectclose >"$1" 2>&1
}
"$BIN/concord" log --follow --json >"$T/live.out" 2>"$T/live.err" &
LIVE=$!
PIDS+=($LIVE)
check "a follower keeps up" wait_for 10 grep -q '"seq":201,' "$T/live.out"

# alive SEQ: the hub takes a note, and the live follower gets it as SEQ.
alive() {
	concord note "still here $1" >/dev/null &&
	    wait_for 10 grep -q "\"seq\":$1," "$T/live.out"
}

sql "UPDATE events SET wire = NULL WHERE incident = 'INC-1' AND seq = 100"
from0 "$T/null.out"
check "a follower owed an event without a wire form is told so" \
    grep -q '"code":"store".*after seq 99.*event 100 has no wire form' \
    "$T/null.out"
check "and closed" grep -q '^closed 1008' "$T/null.out"
check "it had every event before it" grep -q '"seq":99,' "$T/null.out"
check "the hub logged it" \
    grep -q "store: INC-1: .*event 100 has no wire form.*closing the connection of eve" \
    "$T/data/concordd.log"
check "the hub goes on: a note is accepted and followed" alive 202

# A restart writes the missing form: the log is whole again.
kill -TERM "$HUB_PID"
wait "$HUB_PID"
hub_start
check "the restarted hub wrote the missing wire form" \
    grep -q "INC-1: wrote the wire form of 1 events" "$T/data/concordd.log"
"$BIN/concord" log --json >"$T/whole.out" 2>&1
check "and a follower from 0 is served the whole log" sh -c \
    "[ \$(grep -c '^{\"seq\":' $T/whole.out) = 202 ]"
check "the live follower came back" wait_for 30 alive 203

sql "UPDATE events SET wire = (SELECT wire FROM events WHERE
    incident = 'INC-1' AND seq = 51) WHERE incident = 'INC-1' AND seq = 50"
from0 "$T/wrong.out"
check "a stored form that is not the event's is refused" \
    grep -q '"code":"store".*wire form of event 50 is not' "$T/wrong.out"
check "the follower is closed" grep -q '^closed 1008' "$T/wrong.out"
check "it was sent nothing past seq 49" sh -c \
    "! grep -q '\"seq\":50,' $T/wrong.out && grep -q '\"seq\":49,' $T/wrong.out"

sql "DELETE FROM events WHERE incident = 'INC-1' AND seq = 150"
"$RAW" -t 10 "$S" \
    "send:{\"type\":\"hello\",\"proto\":$PROTO_V,\"user\":\"eve\",\"incident\":\"INC-1\",\"from\":120}" \
    expectclose >"$T/gap.out" 2>&1
check "a follower owed an event the store lacks is told so" \
    grep -q '"code":"store".*event 150 is not in the store' "$T/gap.out"
check "the hub is still up and serving" alive 204
check "the live follower never noticed" kill -0 "$LIVE"
check "the hub logged each" sh -c \
    "[ \$(grep -c 'store: INC-1: ' $T/data/concordd.log) = 3 ]"
finish
