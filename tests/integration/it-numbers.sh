# Numbers on the wire are exact, and nothing the hub acknowledges can break
# the chain.  Every numeric field of a command is sent at, just past and far
# past its range, as a fraction and in exponent form, straight from a raw
# client: each is refused with an error naming the field, or acknowledged
# and stored and sent on exactly; either way `concord log`, `concord export`
# and `concord verify` still pass, and so does a hub restarted on the store.
# (A force of 2^53 - 1 was once acknowledged, stored exactly, sent on as
# 9.00719925474099e+15, and the incident's chain was broken for everyone.)
# Operation ids that are not UTF-8 are refused, so the JSON export stays
# UTF-8, and verify refuses an export that is not.
. "$(dirname "$0")/lib.sh"
RAW=$TOOLS/rawws
S=unix:$T/hub.sock
V=$(sed -n 's/^#define PROTO_VERSION[[:space:]]*\([0-9]*\).*/\1/p' "$TOP/include/proto.h")
HELLO='send:{"type":"hello","proto":'$V',"user":"alice","incident":"INC-1"}'
MAX=9007199254740991
if [ ! -x "$RAW" ]; then
	notok "rawws is built (make build/tools/rawws)"
	finish
	exit
fi
hub_start

# send NAME JSON-FIELDS: one command on INC-1 (op NAME) from a raw client;
# its answer is in $T/NAME.out.
send() {
	printf '{"type":"command","op":"%s","incident":"INC-1",%s}' "$1" "$2" \
	    >$T/$1.json
	"$RAW" -t 10 "$S" "$HELLO" recv sendfile:$T/$1.json recv >$T/$1.out 2>&1
}
has() { grep -qF -- "$2" "$1"; }
acked() { has $T/$1.out '"type":"ack","incident":"INC-1","op":"'$1'"'; }
# malformed NAME FIELD: the answer is an error naming FIELD.
malformed() {
	has $T/$1.out '"op":"'$1'","code":"malformed","message":"field \"'$2'\" must be'
}
# answered NAME: an ack, a refusal or an error: nothing left unanswered.
answered() { grep -qE '"type":"(ack|refused|error)"' $T/$1.out; }
chain_ok() {
	concord export --format json -o $T/inc.json 2>$T/export.err &&
	    concord verify $T/inc.json >$T/verify.out 2>&1 &&
	    concord log >$T/log.out 2>&1 &&
	    tail -1 $T/log.out | grep -qE '^-- INC-1 at seq [0-9]+ · [0-9a-f]{6}$'
}

concord open --title "numbers" >/dev/null
concord note "one" >/dev/null
concord declare job --desc "a job" >/dev/null
check "the log verifies before" chain_ok

# The finding itself.
send big '"based_on":3,"cmd":"command.take","force":'$MAX',"text":"gone"'
check "force 2^53-1: refused naming the field and its range" \
    has $T/big.out '"op":"big","code":"malformed","message":"field \"force\" must be an integer from 0 to 1"'
check "the chain still verifies after it" chain_ok

# Every numeric field of a command, out of range or not an integer.
for v in $((MAX + 1)) 9007199254740993 99999999999999999999 1e300 1.5 1e-3 -1; do
	tag=$(printf %s "$v" | tr -c 'a-z0-9' '_')
	for f in seq time written sev ttl fence force ref based_on; do
		send "${f}_$tag" '"cmd":"note","text":"n","'$f'":'$v
		check "$f $v: refused naming the field" malformed "${f}_$tag" $f
	done
done
check "every refused number left the chain intact" chain_ok

# In range, in any JSON form: acknowledged and stored exactly.
send w1 '"cmd":"note","text":"from the train","written":'$MAX
check "written 2^53-1: acknowledged" acked w1
send w2 '"cmd":"note","text":"from the plane","written":1.7e12'
check "written 1.7e12: acknowledged" acked w2
send t1 '"based_on":99,"cmd":"action.claim","name":"job","ttl":86400000.0'
check "ttl 86400000.0: acknowledged" acked t1
send f1 '"cmd":"action.release","name":"job","fence":'$MAX
check "fence 2^53-1: answered (a stale fence)" \
    has $T/f1.out '"op":"f1","code":"stale-fence"'
send s1 '"cmd":"note","text":"hub numbers","seq":'$MAX',"time":'$MAX
check "a note with seq and time 2^53-1: acknowledged (the hub sets both)" acked s1
send r1 '"cmd":"mark","kind":"decision","ref":'$MAX
check "ref 2^53-1: refused, no such event" has $T/r1.out '"op":"r1","code":"unknown-event"'
send b1 '"based_on":'$MAX',"cmd":"sev","sev":4e0'
check "sev 4e0 with based_on 2^53-1: acknowledged" acked b1
send c1 '"based_on":3,"cmd":"command.take","force":1,"text":"alice vanished"'
check "command.take force 1: answered (alice is the IC)" \
    has $T/c1.out '"op":"c1","code":"no-change"'
check "the chain verifies after every number" chain_ok
check "the export holds written exactly" has $T/inc.json '"written":'$MAX','
check "and 1.7e12 as written in plain decimal" has $T/inc.json '"written":1700000000000,'
check "and the ttl" has $T/inc.json '"ttl":86400000,'
check "no number in the export went through a double" \
    test "$(grep -cE '":-?[0-9.]+[eE]|":-?[0-9]+\.[0-9]' $T/inc.json)" = 0
check "log shows the written time beside the hub's" \
    grep -qE "\\(written ([0-9-]+ )?[0-9]{2}:[0-9]{2}:[0-9]{2}\\)  #[0-9]+ +alice \\(by $ME\\)( \\([a-z,]+\\))?  from the plane" $T/log.out

# What a follower is sent is exact too.
concord log --json >$T/log.json
check "a follower gets written exactly" has $T/log.json '"written":'$MAX','

# Operation ids: UTF-8 without control characters, 1 to 64 bytes.
printf '{"type":"command","op":"op-\377\376","incident":"INC-1","cmd":"note","text":"x"}' >$T/badop.json
"$RAW" -t 10 "$S" "$HELLO" recv sendfile:$T/badop.json recv >$T/badop.out 2>&1
check "an op id that is not UTF-8: refused" \
    has $T/badop.out '"code":"malformed","message":"field \"op\" must be 1 to 64 bytes of UTF-8'
printf '{"type":"command","op":"op-\\u0007","incident":"INC-1","cmd":"note","text":"x"}' >$T/bel.json
"$RAW" -t 10 "$S" "$HELLO" recv sendfile:$T/bel.json recv >$T/bel.out 2>&1
check "an op id with a control character: refused" \
    has $T/bel.out '"code":"malformed","message":"field \"op\" must be'
check "the chain verifies" chain_ok
check "the export is UTF-8" iconv -f UTF-8 -t UTF-8 -o /dev/null $T/inc.json

# verify refuses an export that is not UTF-8, even with a good chain.
sed 's/"op":"w1"/"op":"w\xff"/' $T/inc.json >$T/bad.json
check "the doctored export differs" sh -c "! cmp -s $T/inc.json $T/bad.json"
check "verify refuses an export that is not UTF-8" \
    sh -c "! '$BIN/concord' verify $T/bad.json 2>$T/bad.err"
check "saying why" grep -q 'not UTF-8' $T/bad.err
sed 's/"sev":4,/"sev":9007199254740991,/' $T/inc.json >$T/sev.json
check "verify refuses an export with a number out of its range" \
    sh -c "! '$BIN/concord' verify $T/sev.json 2>$T/sev.err"
check "naming the field" grep -q '"sev\\\?" must be an integer from 0 to 4' $T/sev.err

# A hub restarted on the store loads and verifies every event.
hub_kill9
hub_start
check "after a restart the chain still verifies" chain_ok
check "and the log still ends at the same seq" \
    test "$(tail -1 $T/log.out | cut -d' ' -f5)" -ge 8
finish
