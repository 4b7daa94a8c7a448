# The fault proxy (build/tools/faultproxy) against a real hub on TCP: GET
# /healthz through it in every mode (pass, blackhole, drop, delay), a
# connection held by a black hole carrying on once it passes again, a
# control file as well as a FIFO, hundreds of websocket connections at
# once, no spinning, loopback only, and an exit on SIGTERM.
. "$(dirname "$0")/lib.sh"
FP=$TOOLS/faultproxy
RAW=$TOOLS/rawws
if [ ! -x "$FP" ] || [ ! -x "$RAW" ]; then
	notok "faultproxy and rawws are built (make build/tools/faultproxy build/tools/rawws)"
	finish
	exit
fi
hub_start --listen 127.0.0.1:0 --connections-per-user 0	# 300 of one user
HUBPORT=$(hub_port)

# proxy_start NAME CONTROL: a proxy to the hub; sets PROXY_PID and PORT.
proxy_start() {
	"$FP" --listen 127.0.0.1:0 --to "127.0.0.1:$HUBPORT" --control "$2" \
	    >"$T/$1.out" 2>"$T/$1.err" &
	PROXY_PID=$!
	PIDS+=($PROXY_PID)
	if ! wait_for 10 grep -q '^faultproxy listening on ' "$T/$1.out"; then
		echo "faultproxy did not start:"; cat "$T/$1.err"; return 1
	fi
	PORT=$(sed -n 's/^faultproxy listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$T/$1.out")
}
# mode NAME CONTROL WORDS: set the mode and wait until the proxy took it.
mode() {
	local n
	n=$(grep -c '^faultproxy: mode' "$T/$1.err")
	printf '%s\n' "$3" >"$2"
	wait_for 10 sh -c "[ \$(grep -c '^faultproxy: mode' '$T/$1.err') -gt $n ] &&
	    tail -1 '$T/$1.err' | grep -qx 'faultproxy: mode $3'"
}
# healthz PORT [SECONDS]: GET /healthz answers ok; else curl's status.
healthz() {
	local body
	body=$(curl -sf --max-time "${2:-3}" "http://127.0.0.1:$1/healthz") || return
	[ "${body%%$'\n'*}" = ok ]
}
fails() { ! "$@"; }
# elapsed CMD...: run CMD, print its status and the seconds it took.
elapsed() {
	local s=$EPOCHREALTIME rc
	"$@"; rc=$?
	echo "$rc $(awk -v a="$s" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')"
}
# cputicks PID: user and system clock ticks the process has used.
cputicks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

mkfifo "$T/ctl"
proxy_start fp "$T/ctl"
check "the proxy prints its listening line" test -n "$PORT"
fp=$PROXY_PID

# pass
check "pass: GET /healthz through the proxy" healthz "$PORT"

# blackhole: nothing goes through; a request held by it finishes once
# the proxy passes again, and new ones work.
check "blackhole taken" mode fp "$T/ctl" blackhole
t0=$(cputicks "$fp")
read -r rc secs <<<"$(elapsed healthz "$PORT" 3)"
check "blackhole: curl --max-time 3 fails (status $rc after ${secs} s)" \
    test "$rc" != 0
curl -sf --max-time 20 "http://127.0.0.1:$PORT/healthz" >"$T/held.out" 2>&1 &
held=$!
PIDS+=($held)
# Many connections held open meanwhile, and the proxy idles.
for i in $(seq 50); do
	curl -s --max-time 20 -o /dev/null "http://127.0.0.1:$PORT/healthz" &
	PIDS+=($!)
done
sleep 2		# a measurement window, not a synchronisation
t1=$(cputicks "$fp")
check "blackhole: the proxy does not spin with 51 connections held ($((t1 - t0)) ticks in about 5 s)" \
    test $((t1 - t0)) -le 20
check "blackhole: the held request has no answer yet" fails grep -q ok "$T/held.out"
check "pass taken" mode fp "$T/ctl" pass
check "pass again: the held request is answered on its connection" \
    wait_for 10 sh -c "! kill -0 $held 2>/dev/null && grep -qx ok '$T/held.out'"
check "pass again: a new curl works" healthz "$PORT"

# drop: refused at once.
check "drop taken" mode fp "$T/ctl" drop
read -r rc secs <<<"$(elapsed healthz "$PORT" 5)"
check "drop: curl fails (status $rc)" test "$rc" != 0
check "drop: at once (${secs} s)" awk -v s="$secs" 'BEGIN { exit !(s < 1) }'

# delay 500: works, a round trip later.
check "delay 500 taken" mode fp "$T/ctl" "delay 500"
read -r rc secs <<<"$(elapsed healthz "$PORT" 10)"
check "delay 500: curl works (status $rc)" test "$rc" = 0
check "delay 500: and takes at least 0.5 s (${secs} s)" \
    awk -v s="$secs" 'BEGIN { exit !(s >= 0.5) }'
check "pass taken after delay" mode fp "$T/ctl" pass
read -r rc secs <<<"$(elapsed healthz "$PORT" 10)"
check "pass: quick again (status $rc, ${secs} s)" \
    awk -v rc="$rc" -v s="$secs" 'BEGIN { exit !(rc == 0 && s < 0.5) }'

# A bad line is an error that leaves the mode alone.
printf 'frobnicate\n' >"$T/ctl"
check "a bad control line is reported" wait_for 5 grep -q 'unknown mode "frobnicate"' "$T/fp.err"
check "and the mode stays pass" healthz "$PORT"

# Hundreds of websocket connections through the proxy at once.
HELLO='send:{"type":"hello","proto":'$PROTO_V',"user":"eve","token":"'$CONCORD_TOKEN'"}'
for i in $(seq 300); do
	"$RAW" -t 30 "127.0.0.1:$PORT" "$HELLO" recv sleep:3000 \
	    "send:{\"type\":\"ping\",\"t\":$i}" recv >"$T/ws.$i.out" 2>&1 &
	PIDS+=($!)
done
clients() { curl -s "http://127.0.0.1:$HUBPORT/metrics" | awk '$1 == "concord_clients" { print $2 }'; }
many() { [ "$(clients)" -ge 300 ]; }
check "300 websocket connections through the proxy at once" wait_for 20 many
pongs() { [ "$(cat "$T"/ws.*.out | grep -c '"type":"pong"')" = 300 ]; }
check "each got its pong" wait_for 30 pongs

# A control file instead of a FIFO; it need not exist at the start.
proxy_start fp2 "$T/ctl.txt"
fp2=$PROXY_PID
check "file: pass before the file exists" healthz "$PORT"
check "file: blackhole taken" mode fp2 "$T/ctl.txt" blackhole
check "file: blackhole holds the request" fails healthz "$PORT" 2
check "file: pass taken" mode fp2 "$T/ctl.txt" pass
check "file: pass works" healthz "$PORT"

# Loopback only.
for a in 0.0.0.0:0 '[::]:0' 192.0.2.1:0 10.1.2.3:0; do
	"$FP" --listen "$a" --to "127.0.0.1:$HUBPORT" --control "$T/ctl.txt" \
	    >"$T/bad.out" 2>"$T/bad.err"
	rc=$?
	check "--listen $a is refused (status $rc: $(cat "$T/bad.err"))" \
	    sh -c "[ $rc = 1 ] && grep -q 'not a loopback address' '$T/bad.err' && [ ! -s '$T/bad.out' ]"
done

# SIGTERM ends it.
kill -TERM "$fp"
check "SIGTERM: the proxy exits" wait_for 5 sh -c "! kill -0 $fp 2>/dev/null"
wait "$fp"
check "with status 0" test $? = 0
finish
