# --listen binds exactly the host asked for: an IPv4 address, an [IPv6]
# address, a name (its first address) or every interface for an empty
# host, and the listening line says what was bound.  Each listener is
# checked from the outside: the socket ss shows, and HTTP to every local
# address (only the bound ones may answer).  A bad host is a clear error.
. "$(dirname "$0")/lib.sh"

if ! command -v ss >/dev/null || ! command -v ip >/dev/null; then
	notok "ss and ip are installed (Debian iproute2; make deps)"
	finish
	exit
fi

# tcp_start NAME SPEC: a hub listening on SPEC alone; sets PORT and LINE.
tcp_start() {
	local out=$T/$1.out
	"$BIN/concordd" --listen "$2" --data "$T/$1.data" </dev/null \
	    >"$out" 2>&1 &
	PIDS+=($!)
	LAST=$!
	PORT= LINE=
	if ! wait_for 20 grep -q listening "$out"; then
		echo "hub on $2 did not start:"; cat "$out"; return 1
	fi
	LINE=$(grep listening "$out")
	PORT=${LINE##*:}
}
tcp_stop() { kill "$LAST" 2>/dev/null; wait "$LAST" 2>/dev/null; }
# bound PORT: the local address:port of every socket listening on PORT.
bound() { ss -ltn | awk -v p=":$1" 'NR > 1 && substr($4, length($4) - length(p) + 1) == p { print $4 }'; }
# url ADDR PORT: an http URL for a local address (a link-local one
# carries its interface as the zone).
url() {
	case $1 in
	*:*) printf 'http://[%s]:%s/healthz' "$(printf %s "$1" | sed 's/%/%25/')" "$2" ;;
	*) printf 'http://%s:%s/healthz' "$1" "$2" ;;
	esac
}
answers() { curl -gsf --max-time 3 "$(url "$1" "$2")" 2>/dev/null | grep -qx ok; }
# Every address of this machine, link-local ones as ADDR%IFACE, and one
# more loopback address that is not configured by name but still local.
addrs() {
	ip -o addr show | awk '{ a = $4; sub("/.*", "", a);
	    if (a ~ /^fe80:/) a = a "%" $2; print a }'
	echo 127.0.0.2
}
have_v6() { ip -o addr show | grep -q ' inet6 ::1/'; }
# only PORT ADDR...: the listener on PORT answers on the given addresses
# and on no other address of this machine.
only() {
	local port=$1 a ok=0 want
	shift
	for a in $(addrs); do
		want=0
		for w in "$@"; do [ "$a" = "$w" ] && want=1; done
		if answers "$a" "$port"; then
			[ $want = 1 ] || { echo "  reachable on $a"; ok=1; }
		else
			[ $want = 0 ] || { echo "  not reachable on $a"; ok=1; }
		fi
	done
	return $ok
}

# 1. An IPv4 address: that address alone.
tcp_start v4 127.0.0.1:0
check "127.0.0.1:0: the listening line names 127.0.0.1 and the port" \
    test "$LINE" = "concordd: listening on ws://127.0.0.1:$PORT"
check "127.0.0.1:0: one listening socket, bound to 127.0.0.1 ($(bound "$PORT" | tr '\n' ' '))" \
    test "$(bound "$PORT")" = "127.0.0.1:$PORT"
check "127.0.0.1:0: answers on 127.0.0.1 and on no other local address" \
    only "$PORT" 127.0.0.1
tcp_stop

# 2. An IPv6 address: that address alone.
if have_v6; then
	tcp_start v6 '[::1]:0'
	check "[::1]:0: the listening line names [::1] and the port" \
	    test "$LINE" = "concordd: listening on ws://[::1]:$PORT"
	check "[::1]:0: one listening socket, bound to [::1] ($(bound "$PORT" | tr '\n' ' '))" \
	    test "$(bound "$PORT")" = "[::1]:$PORT"
	check "[::1]:0: answers on ::1 and on no other local address" \
	    only "$PORT" ::1
	tcp_stop
else
	ok "# SKIP no IPv6 loopback: [::1] not tested"
fi

# 3. An empty host: every interface, IPv4 and IPv6.
tcp_start all :0
check "an empty host binds every interface ($(bound "$PORT" | tr '\n' ' '))" \
    sh -c "printf '%s\n' '$(bound "$PORT")' | grep -qxE '(\\*|0\\.0\\.0\\.0|\\[::\\]):$PORT'"
check "an empty host: the listening line says [::] or 0.0.0.0" \
    sh -c "printf '%s\n' '$LINE' | grep -qxE 'concordd: listening on ws://(\\[::\\]|0\\.0\\.0\\.0):$PORT'"
check "an empty host answers on every local address" only "$PORT" $(addrs)
tcp_stop

# 4. A host name: its first address, named on the listening line.
tcp_start name localhost:0
check "localhost:0: the listening line names an address, not the name" \
    sh -c "printf '%s\n' '$LINE' | grep -qxE 'concordd: listening on ws://(127\\.0\\.0\\.1|\\[::1\\]):$PORT'"
addr=$(printf '%s\n' "$LINE" | sed -E 's|.*ws://\[?([^]]*)\]?:[0-9]+$|\1|')
check "localhost:0: bound to that address alone ($(bound "$PORT" | tr '\n' ' '))" \
    sh -c "[ \"\$(printf '%s\n' '$(bound "$PORT")' | sed -E 's/^\\[?([^]]*)\\]?:[0-9]+\$/\\1/')\" = '$addr' ]"
check "localhost:0: answers on $addr and on no other local address" \
    only "$PORT" "$addr"
check "localhost:0: the log says what localhost resolved to" \
    grep -q "listen: localhost is $addr" "$T/name.data/concordd.log"

# 5. Bad hosts and ports: a clear error on stderr, exit 1, nothing bound.
bad() { # DESC SPEC PATTERN
	local rc
	timeout 60 "$BIN/concordd" --listen "$2" --data "$T/bad.data" \
	    </dev/null >"$T/bad.out" 2>"$T/bad.err"
	rc=$?
	check "$1: exit 1 (was $rc)" test "$rc" = 1
	check "$1: says why ($(head -1 "$T/bad.err"))" grep -q -- "$3" "$T/bad.err"
	check "$1: nothing on standard output" test ! -s "$T/bad.out"
}
bad "a name that does not resolve" nosuch.invalid:0 \
    'concordd: cannot listen on "nosuch.invalid:0": cannot resolve nosuch.invalid'
bad "an address this machine does not have" 203.0.113.77:0 \
    'concordd: cannot listen on "203.0.113.77:0": Cannot assign requested address'
case $addr in *:*) inuse="[$addr]:$PORT" ;; *) inuse="$addr:$PORT" ;; esac
bad "a port in use (the hub on localhost)" "$inuse" \
    'Address already in use'
bad "an IPv6 address without brackets" ::1:0 \
    'an IPv6 address goes in brackets, as \[::1\]:0'
bad "no port" 127.0.0.1 'expected HOST:PORT'
bad "a port out of range" 127.0.0.1:70000 '"70000" is not a port'
tcp_stop
finish
