# Hub-side liveness: a client that goes silent (its process stopped, or
# its network path black-holed by the fault proxy) is closed within about
# 10 s, one that is idle but alive is not, and a stalled follower is not
# buffered without bound (lease notices to it replace each other).  The
# clients are raw websocket clients, which answer the hub's pings.
. "$(dirname "$0")/lib.sh"
RAW=$TOOLS/rawws
FP=$TOOLS/faultproxy
S=unix:$T/hub.sock
if [ ! -x "$RAW" ] || [ ! -x "$FP" ]; then
	notok "rawws and faultproxy are built (make build/tools/rawws build/tools/faultproxy)"
	finish
	exit
fi
hub_start --listen 127.0.0.1:0
HUBPORT=$(hub_port)
LOG=$T/data/concordd.log
concord open --title "liveness" >/dev/null

metric() { curl -s "http://127.0.0.1:$HUBPORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
hello() { printf 'send:{"type":"hello","proto":%s,"user":"%s","incident":"INC-1","from":0,"token":"%s"}' "$PROTO_V" "$1" "$CONCORD_TOKEN"; }
has() { grep -qF -- "$2" "$1"; }
gone() { ! kill -0 "$1" 2>/dev/null; }
# since T0: seconds from EPOCHREALTIME T0 to now.
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

# An idle client that answers pings, for the whole test: never closed.
"$RAW" -t 60 "$S" "$(hello frank)" recv sleep:25000 \
    'send:{"type":"ping","t":1}' recvall >"$T/frank.out" 2>&1 &
frank=$!
PIDS+=($frank)

# 1. A follower whose process is stopped.
"$RAW" -t 60 "$S" "$(hello eve)" recvall >"$T/eve.out" 2>&1 &
eve=$!
PIDS+=($eve)
check "eve is welcomed" wait_for 10 has "$T/eve.out" '"type":"welcome"'
kill -STOP "$eve"
t0=$EPOCHREALTIME
check "stopped eve: the hub closes her connection" \
    wait_for 20 has "$LOG" "connection from eve silent for"
s=$(since "$t0")
check "within 11 s of the stop ($s s)" le "$s" 11
check "and counts it in /metrics" test "$(metric concord_silent_closes_total)" = 1
check "a note goes through meanwhile" \
    sh -c "'$BIN/concord' --as bob note 'while eve sleeps' >/dev/null"
kill -CONT "$eve"
check "eve, let go, finds her connection closed" wait_for 10 gone "$eve"
check "eve saw the close" grep -q '^closed' "$T/eve.out"

# 2. A client behind a black hole: nothing comes through either way.
mkfifo "$T/ctl"
"$FP" --listen 127.0.0.1:0 --to "127.0.0.1:$HUBPORT" --control "$T/ctl" \
    >"$T/fp.out" 2>"$T/fp.err" &
PIDS+=($!)
wait_for 10 grep -q '^faultproxy listening on' "$T/fp.out"
PORT=$(sed -n 's/.*:\([0-9]*\)$/\1/p' "$T/fp.out")
"$RAW" -t 60 "127.0.0.1:$PORT" "$(hello gina)" recvall >"$T/gina.out" 2>&1 &
gina=$!
PIDS+=($gina)
check "gina is welcomed through the proxy" \
    wait_for 10 has "$T/gina.out" '"type":"welcome"'
echo blackhole >"$T/ctl"
wait_for 10 grep -qx 'faultproxy: mode blackhole' "$T/fp.err"
t0=$EPOCHREALTIME
check "black-holed gina: the hub closes her connection" \
    wait_for 20 has "$LOG" "connection from gina silent for"
s=$(since "$t0")
check "within 11 s of the black hole ($s s)" le "$s" 11
check "counted too" test "$(metric concord_silent_closes_total)" = 2
echo pass >"$T/ctl"
check "once the path heals, gina finds her connection closed" \
    wait_for 10 gone "$gina"

# 3. A stalled follower: its socket full of notes, it is sent 300 lease
# renewals of someone else's; the notices replace each other while they
# wait, and once it reads again it gets its pong and a handful of them.
concord declare x >/dev/null
fence=$(concord --as bob claim x --ttl 60 | tail -1 | grep -o '[0-9]*$')
check "bob holds x (fence $fence)" test -n "$fence"
"$RAW" -t 60 "$S" "$(hello hal)" recv sleep:1000 recvall >"$T/hal.out" 2>&1 &
hal=$!
PIDS+=($hal)
check "hal is welcomed" wait_for 10 has "$T/hal.out" '"type":"welcome"'
kill -STOP "$hal"
big=$(head -c 4000 /dev/zero | tr '\0' x)
args=('send:{"type":"hello","proto":'$PROTO_V',"user":"bob"}' recv)
for i in $(seq 120); do
	args+=("send:{\"type\":\"command\",\"op\":\"b$i\",\"incident\":\"INC-1\",\"cmd\":\"note\",\"text\":\"$big\"}")
done
for i in $(seq 300); do
	args+=("send:{\"type\":\"command\",\"op\":\"r$i\",\"incident\":\"INC-1\",\"cmd\":\"action.renew\",\"name\":\"x\",\"fence\":$fence}")
done
args+=('send:{"type":"ping","t":9}')
"$RAW" -t 3 "$S" "${args[@]}" recvall >"$T/bob.out" 2>&1
check "bob's 300 renewals are acknowledged" \
    test "$(grep -c '"op":"r[0-9]*"' "$T/bob.out")" = 300
kill -CONT "$hal"
lease_done() { has "$T/hal.out" '"seq":121,'; }
check "hal, let go, catches up" wait_for 10 lease_done
n=$(grep -c '"type":"lease"' "$T/hal.out")
check "hal got a handful of lease notices, not 300 ($n)" test "$n" -le 10
check "hal was not closed" kill -0 "$hal"

# 1b. And frank, idle all along but answering pings, is still there.
check "idle frank was never closed" wait_for 30 has "$T/frank.out" '"type":"pong","t":1'
check "no silent close for frank" sh -c "! grep -q 'frank silent' '$LOG'"
finish
