# Many connections: a hub started with the common soft limit of 1024 open
# files raises it and holds 1,200 websocket connections at once (opened by
# this shell through /dev/tcp, each upgraded), while a note still makes its
# round trip quickly; when they go, the count goes back down.
. "$(dirname "$0")/lib.sh"
N=1200

hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt $((2 * N + 100)) ]; then
	ok "# SKIP the hard limit on open files ($hard) is too low for $N connections"
	finish
	exit
fi
ulimit -Sn $((2 * N + 100))	# for this shell's own ends
hub_user
(ulimit -Sn 1024; exec "$BIN/concordd" --socket "$T/hub.sock" \
    --listen 127.0.0.1:0 --data "$T/data" </dev/null >"$T/hub.out" 2>&1) &
HUB_PID=$!
check "the hub starts" wait_for 20 grep -q listening "$T/hub.out"
PORT=$(grep -o 'ws://127\.0\.0\.1:[0-9]*' "$T/hub.out"); PORT=${PORT##*:}
limit=$(sed -n 's/.*open file limit \([0-9]*\)$/\1/p' "$T/data/concordd.log")
check "it raised its open file limit from 1024 (to $limit)" \
    test "${limit:-0}" -gt $((N + 64))
clients() { curl -s "http://127.0.0.1:$PORT/metrics" | awk '$1 == "concord_clients" { print $2 }'; }
concord open --title "many" >/dev/null

# Open N connections and ask each for a websocket (the 101 answers are
# left unread: bash cannot wait on descriptors past 1024).  They say
# nothing more, so the hub closes them 9 s on: count them before that.
fds=()
s=$EPOCHREALTIME
for i in $(seq $N); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" || break
	fds+=($fd)
	printf 'GET / HTTP/1.1\r\nHost: hub\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: concord\r\n\r\n' >&$fd
done
check "$N connections opened (${#fds[@]})" test "${#fds[@]}" = $N
all() { [ "$(clients)" -ge $N ]; }
check "the hub counts all $N as websocket clients at once" wait_for 5 all
s=$(awk -v a="$s" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
check "within ${s} s of the first (before the hub's 9 s silence limit)" \
    awk -v s="$s" 'BEGIN { exit !(s < 8) }'
s=$EPOCHREALTIME
check "a note goes through meanwhile" \
    sh -c "'$BIN/concord' note 'among many' >/dev/null"
s=$(awk -v a="$s" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
check "in well under a second ($s s)" awk -v s="$s" 'BEGIN { exit !(s < 0.5) }'
for fd in "${fds[@]}"; do exec {fd}>&-; done
none() { [ "$(clients)" = 0 ]; }
check "once they close, the hub counts none" wait_for 10 none
finish
