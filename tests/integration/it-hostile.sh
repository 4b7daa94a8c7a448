# Malformed and hostile input from the network: every case gets a clear
# error or a timely close, the hub keeps serving everyone else, never
# crashes and loses no acknowledged event.  Raw frames come from rawws;
# every deadline below is a generous liveness bound, not a measurement.
. "$(dirname "$0")/lib.sh"
RAW=$TOOLS/rawws
S=unix:$T/hub.sock
V=$(sed -n 's/^#define PROTO_VERSION[[:space:]]*\([0-9]*\).*/\1/p' "$TOP/include/proto.h")
HELLO='send:{"type":"hello","proto":'$V',"user":"eve","incident":"INC-1"}'
if [ ! -x "$RAW" ]; then
	notok "rawws is built (make build/tools/rawws)"
	finish
	exit
fi
hub_start

# cmd OP FIELDS: a send: action for a command on INC-1.
cmd() { printf 'send:{"type":"command","op":"%s","incident":"INC-1",%s}' "$1" "$2"; }
# has FILE STRING: FILE holds STRING (fixed, not a pattern).
has() { grep -qF -- "$2" "$1"; }
hub_alive() { kill -0 "$HUB_PID" 2>/dev/null; }
running() { kill -0 "$1" 2>/dev/null; }
gone() { ! kill -0 "$1" 2>/dev/null; }
# K of "wrote K of N bytes" in FILE, or N+1 when there is no such line.
wrote() { sed -n "s/^wrote \([0-9]*\) of $2 bytes.*/\1/p" "$1" | grep . || echo $(($2 + 1)); }
notes=0		# notes the hub acknowledged
acked() { notes=$((notes + $(grep -c '"type":"ack"' "$1"))); }

concord open --title "hostile input" >/dev/null
check "open INC-1" concord note "before the storm"
notes=$((notes + 1))

# The slow cases run in the background while the quick ones go on.
# 8. A frame declaring 1000 bytes that sends 500 and stalls: the hub's
# frame deadline (10 s from the message's start) closes it.
"$RAW" -t 30 "$S" "$HELLO" recv trunc:1000 >$T/trunc.out 2>&1 &
trunc_pid=$!; PIDS+=($trunc_pid)
# 10. A client that never says hello: the hello deadline (10 s) closes it.
"$RAW" -t 30 "$S" expectclose >$T/nohello.out 2>&1 &
nohello_pid=$!; PIDS+=($nohello_pid)
# 10b. Nor may it put the deadline off by starting message after message
# (each arrives in frames, so each looks like a started message): the
# connection is gone by the time of the last ones, 15 s in.
"$RAW" -t 30 "$S" frag:2 sleep:5000 frag:2 sleep:5000 frag:2 sleep:5000 \
    frag:2 expectclose >$T/dodge.out 2>&1 &
dodge_pid=$!; PIDS+=($dodge_pid)

# 1. Malformed JSON after hello: an error, and the connection still works.
"$RAW" -t 10 "$S" "$HELLO" recv 'send:{"type":"note",' recv \
    'send:{"type":"ping","t":5}' recv >$T/c1.out 2>&1
check "1 malformed JSON: error code malformed" \
    has $T/c1.out '"type":"error","code":"malformed","message":"malformed JSON"'
check "1 the connection stays usable: ping gets its pong" \
    has $T/c1.out '< {"type":"pong","t":5}'

# 2. Anything before hello.
"$RAW" -t 10 "$S" 'send:{"type":"ping","t":5}' recv \
    "$(cmd early '"cmd":"note","text":"too early"')" recv >$T/c2.out 2>&1
check "2 ping before hello: error hello-first" \
    has $T/c2.out '"type":"error","code":"hello-first"'
check "2 a command before hello: hello-first naming its op" \
    has $T/c2.out '"type":"error","op":"early","code":"hello-first"'
check "2 no pong before hello" test "$(grep -c pong $T/c2.out)" = 0

# 3. An unknown message type.
"$RAW" -t 10 "$S" "$HELLO" recv 'send:{"type":"frobnicate"}' recv \
    >$T/c3.out 2>&1
check "3 unknown type: error malformed naming the type" \
    has $T/c3.out '"code":"malformed","message":"unknown message type \"frobnicate\""'

# 4. Another protocol version: says which one the hub speaks, then closes.
"$RAW" -t 10 "$S" 'send:{"type":"hello","proto":'$((V + 1))',"user":"eve","incident":"INC-1"}' \
    recv expectclose >$T/c4.out 2>&1
check "4 proto $((V + 1)): error code version" has $T/c4.out '"type":"error","code":"version"'
check "4 the message says the hub speaks version $V" \
    has $T/c4.out "this hub speaks version $V"
check "4 and the hub closes the connection" grep -q '^closed' $T/c4.out

# 5. Wrong field types, an unknown command, a missing op, bad text.
printf '{"type":"command","op":"utf8","incident":"INC-1","cmd":"note","text":"bad \377\376 utf8"}' >$T/utf8.json
printf '{"type":"command","op":"overlong","incident":"INC-1","cmd":"note","text":"slash \300\257"}' >$T/overlong.json
printf '{"type":"command","op":"ctl","incident":"INC-1","cmd":"note","text":"raw \001 ctl"}' >$T/ctl.json
printf '{"type":"command","op":"rawnul","incident":"INC-1","cmd":"note","text":"raw \000 nul"}' >$T/rawnul.json
printf '{"type":"command","op":"escnul","incident":"INC-1","cmd":"note","text":"esc \\u0000 nul"}' >$T/escnul.json
"$RAW" -t 10 "$S" "$HELLO" recv \
    "$(cmd ttl '"cmd":"action.claim","name":"x","ttl":"abc","based_on":1')" recv \
    "$(cmd based '"cmd":"note","text":"x","based_on":"x"')" recv \
    "$(cmd unk '"cmd":"frobnicate"')" recv \
    'send:{"type":"command","incident":"INC-1","cmd":"note","text":"no op"}' recv \
    sendfile:$T/utf8.json recv sendfile:$T/overlong.json recv \
    sendfile:$T/ctl.json recv \
    "$(cmd bell '"cmd":"note","text":"bell \u0007"')" recv \
    sendfile:$T/rawnul.json recv sendfile:$T/escnul.json recv \
    "$(cmd good5 '"cmd":"note","text":"a literal \\u0000 is fine"')" recv \
    'send:{"type":"ping","t":5}' recv >$T/c5.out 2>&1
acked $T/c5.out
check "5 ttl as a string: malformed naming the field" \
    has $T/c5.out '"op":"ttl","code":"malformed","message":"field \"ttl\" must be a number"'
check "5 based_on as a string: malformed naming the field" \
    has $T/c5.out '"op":"based","code":"malformed","message":"field \"based_on\" must be a number"'
check "5 unknown command: malformed naming it" \
    has $T/c5.out '"op":"unk","code":"malformed","message":"unknown command \"frobnicate\""'
check "5 missing op: malformed naming the field" \
    has $T/c5.out '"code":"malformed","message":"missing field \"op\""'
for op in utf8 overlong ctl bell; do
	check "5 note text $op: refused bad-request" \
	    has $T/c5.out "\"type\":\"refused\",\"op\":\"$op\",\"code\":\"bad-request\""
done
for op in rawnul escnul; do
	check "5 note text with a NUL ($op): malformed, not cut short" \
	    has $T/c5.out "\"op\":\"$op\",\"code\":\"malformed\",\"message\":\"strings may not hold NUL"
done
check "5 a literal backslash-u0000 in text is accepted" \
    has $T/c5.out '"type":"ack","incident":"INC-1","op":"good5"'
check "5 still usable after all that: pong" has $T/c5.out '< {"type":"pong","t":5}'
check "hub alive after cases 1-5" hub_alive

# 11. While two stalled raw connections are open, normal clients work.
check "11 the truncated-frame connection is still open" running $trunc_pid
check "11 the no-hello connection is still open" running $nohello_pid
check "11 concord note succeeds meanwhile" concord --as bob note "during the stall"
notes=$((notes + 1))
"$RAW" -t 10 "$S" "$HELLO" recv 'send:{"type":"ping","t":11}' recv >$T/c11.out 2>&1
check "11 a raw client gets its pong meanwhile" has $T/c11.out '< {"type":"pong","t":11}'

# 6. A 10 MiB frame is refused as it arrives, not buffered whole.
"$RAW" -t 20 "$S" "$HELLO" recv big:10485760 expectclose >$T/c6.out 2>&1
k=$(wrote $T/c6.out 10485760)
check "6 10 MiB frame: the hub closed after at most 2 MiB (wrote $k)" \
    test "$k" -le 2097152
check "6 with close code 1009" grep -q '^closed 1009' $T/c6.out

# 7. A fragmented message growing past 1 MiB.
"$RAW" -t 20 "$S" "$HELLO" recv frag:20 expectclose >$T/c7.out 2>&1
k=$(wrote $T/c7.out 1310720)
check "7 fragmented 1.25 MiB message: stopped before the end (wrote $k)" \
    test "$k" -lt 1310720
check "7 with close code 1009" grep -q '^closed 1009' $T/c7.out
check "hub alive after cases 6-7" hub_alive

# 9. Protocol violations close the connection.
"$RAW" -t 10 "$S" "$HELLO" recv garbage expectclose >$T/garbage.out 2>&1
check "9 garbage (reserved bits): closed 1002" grep -q '^closed 1002' $T/garbage.out
"$RAW" -t 10 "$S" "$HELLO" recv badop expectclose >$T/badop.out 2>&1
check "9 reserved opcode: closed 1002" grep -q '^closed 1002' $T/badop.out
# RFC 6455 wants an unmasked client frame to close the connection, but
# libwebsockets 4.1 does not look at the mask bit and the hub cannot see
# it: the payload arrives as if masked.  So: a close, or the payload
# handled like any other message ("x" is not JSON), and never a crash.
"$RAW" -t 10 "$S" "$HELLO" recv unmasked:x recv >$T/unmasked.out 2>&1
check "9 unmasked frame: closed 1002 or answered as any message" \
    grep -qE '^closed 1002|"code":"malformed"' $T/unmasked.out
check "hub alive after case 9" hub_alive

# The slow cases, each bounded well past the hub's 10 s deadlines but
# before rawws's own 30 s timeout.
check "8 truncated frame: the hub closed it (rawws ended before its timeout)" \
    wait_for 25 gone $trunc_pid
check "8 no timeout reported" test "$(grep -c timeout $T/trunc.out)" = 0
check "10 no hello: closed by the hub" wait_for 25 grep -q '^closed' $T/nohello.out
check "10 not by a timeout" test "$(grep -c timeout $T/nohello.out)" = 0
check "10b starting messages does not put off the hello deadline" \
    wait_for 30 grep -q '^wrote [0-9]* of' $T/dodge.out
wait_for 30 gone $dodge_pid
check "10b the messages before that were answered (not JSON)" \
    has $T/dodge.out '"code":"malformed","message":"malformed JSON"'

# 11. At the end: alive, serving, nothing acknowledged lost.
check "11 hub still alive" hub_alive
check "11 concord note after it all" concord note "after the storm"
notes=$((notes + 1))
concord log --json >$T/log.json
check "11 every acknowledged note is in the log ($notes)" \
    test "$(grep -c '"type":"note"' $T/log.json)" = "$notes"
check "11 no refused or malformed note was logged" \
    test "$(grep -cE '"op":"(early|ttl|based|unk|utf8|overlong|ctl|bell|rawnul|escnul)"' $T/log.json)" = 0
check "11 no note cut short at a NUL" test "$(grep -c 'nul' $T/log.json)" = 0
check "11 log ends with the digest line" \
    sh -c "'$BIN/concord' log | tail -1 | grep -qE '^-- INC-1 at seq [0-9]+ · [0-9a-f]{6}$'"
check "11 export" concord export --format json -o $T/inc.json
check "11 the export verifies" concord verify $T/inc.json
finish
