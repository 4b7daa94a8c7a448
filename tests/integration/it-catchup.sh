# A client that loses its connection and misses 10,000 events reconnects
# (with backoff), resumes after the last seq it holds, and catches up by
# replay to the same seq and chain value as a client that never left,
# recomputing the chain over every event itself (`log` refuses a log whose
# chain does not verify).
. "$(dirname "$0")/lib.sh"
hub_start --rate 0	# a bulk load: it-limits.sh tests the rate
concord open --title catchup >/dev/null
seq 1 100 | sed 's/^/before /' | concord note --stdin >/dev/null

proxy_start() {
	setsid socat UNIX-LISTEN:"$T/proxy.sock",fork,unlink-early \
	    UNIX-CONNECT:"$T/hub.sock" </dev/null >/dev/null 2>&1 &
	PROXY=$!
	PIDS+=($PROXY)
	wait_for 10 test -S "$T/proxy.sock"
}
proxy_kill() { kill -9 -- -"$PROXY" 2>/dev/null; kill -9 "$PROXY" 2>/dev/null; }
lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }

proxy_start
"$BIN/concord" log --follow --json >"$T/a.out" 2>"$T/a.err" &
PIDS+=($!)
"$BIN/concord" --hub "unix:$T/proxy.sock" log --follow --json \
    >"$T/b.out" 2>"$T/b.err" &
BPID=$!
PIDS+=($BPID)
check "both clients are live at seq 101" wait_for 30 sh -c \
    "[ \$(wc -l <$T/a.out) = 101 ] && [ \$(wc -l <$T/b.out) = 101 ]"
proxy_kill
rm -f "$T/proxy.sock"
seq 1 10000 | sed 's/^/while you were away /' | concord note --stdin >/dev/null
check "the client that stayed sees all 10,101 events" wait_for 60 sh -c \
    "[ \$(wc -l <$T/a.out) = 10101 ]"
check "the disconnected client missed them" test "$(lines "$T/b.out")" = 101
proxy_start
check "the disconnected client catches up after reconnecting" \
    wait_for 60 sh -c "[ \$(wc -l <$T/b.out) = 10101 ]"
check "it is still running (its chain verified)" kill -0 $BPID
check "it resumed after seq 101 rather than from the start" \
    grep -q "from 101)" "$T/data/concordd.log"
check "both end at the same seq and chain value" \
    test "$(tail -1 "$T/a.out")" = "$(tail -1 "$T/b.out")"
check "the last event is seq 10101" grep -q '"seq":10101,' "$T/b.out"
check "no event was received twice or skipped" sh -c \
    "grep -o '\"seq\":[0-9]*' $T/b.out | uniq -d | wc -l | grep -qx 0"

# On the wire a page of events carries the chain value once, with its last
# event: the client computes the others, and that one checks them all.
V=$(sed -n 's/^#define PROTO_VERSION[[:space:]]*\([0-9]*\).*/\1/p' \
    "$TOP/include/proto.h")
"$TOOLS/rawws" -t 10 "unix:$T/hub.sock" 'send:{"type":"hello","proto":'$V',"user":"carol","incident":"INC-1","from":0}' \
    recv recv recv recv >"$T/raw.out" 2>&1
grep '"type":"events"' "$T/raw.out" | head -1 >"$T/page.out"
check "a page holds many events ($(grep -o '"seq":' "$T/page.out" | wc -l))" \
    test "$(grep -o '"seq":' "$T/page.out" | wc -l)" -gt 100
check "and one chain value, on its last event" sh -c \
    "[ \$(grep -o '\"hash\":' $T/page.out | wc -l) = 1 ] &&
    grep -q '\"hash\":\"[0-9a-f]\{64\}\"}\]' $T/page.out"
if [ "$FAILS" != 0 ]; then	# what the reconnecting client saw
	sed 's/^/# b.err: /' "$T/b.err"
	grep -v 'hello from\|closed$' "$T/client.log" 2>/dev/null | tail -40 |
	    sed 's/^/# client: /'
fi
finish
