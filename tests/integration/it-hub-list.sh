# A hub list (--hub, $CONCORD_HUB, hub = in concord.conf): a bad address
# in it, one listed twice or none at all is refused in one line that says
# which (exit 1, nothing sent); a list whose first hub is down is served by
# the next, and says so in the log; a first hub whose certificate does not
# verify is passed over with a warning naming it (never sent anything),
# and a list of which no hub verifies fails as a single such hub does
# (exit 2, the note not queued); a note for a list of hubs all down is
# queued for the list and delivered by a client on any list naming one of
# its hubs.
# check-pg: skip (the client's lists, not a store; it-pg-failover.sh runs one on PostgreSQL)
. "$(dirname "$0")/lib.sh"
hub_start
H=unix:$T/hub.sock
DEAD=unix:$T/nobody.sock
concord open --title lists >/dev/null

# refused ARGS...: concord exits 1 with one line on standard error.
refused() {
	"$BIN/concord" "$@" >"$T/out" 2>"$T/err"
	[ $? = 1 ] && [ "$(wc -l <"$T/err")" = 1 ]
}
says() { grep -q -- "$1" "$T/err"; }
check "--hub with a bad address in the list is refused" \
    refused --hub "$H ws://b" incidents
check "naming it" says "bad hub address ws://b"
check "a hub listed twice is refused" refused --hub "$H,ws://a:1 $H" incidents
check "saying so" says "$H is listed twice"
check "an empty list is refused" refused --hub " , " incidents
check "saying so" says "no hub address given"
check "\$CONCORD_HUB is checked alike" sh -c \
    "CONCORD_HUB='$H http://x:1' '$BIN/concord' incidents 2>'$T/err'; [ \$? = 1 ]"
check "naming the bad one" says "bad hub address http://x:1"
mkdir -p "$T/conf"
printf 'hub = %s ws://a:1 %s\n' "$H" "$H" >"$T/conf/twice.conf"
check "hub = in concord.conf with one twice is refused" sh -c \
    "env -u CONCORD_HUB CONCORD_CONFIG='$T/conf/twice.conf' '$BIN/concord' incidents 2>'$T/err'; [ \$? = 1 ]"
check "naming the line" says "twice.conf:1: hub $H is listed twice"
printf 'hub = ,\n' >"$T/conf/empty.conf"
check "hub = with no address is refused" sh -c \
    "env -u CONCORD_HUB CONCORD_CONFIG='$T/conf/empty.conf' '$BIN/concord' incidents 2>'$T/err'; [ \$? = 1 ]"
check "saying it is empty" says "empty.conf:1: hub is empty"
printf 'hub = %s, %s\n' "$DEAD" "$H" >"$T/conf/good.conf"
check "hub = with two hubs is taken" sh -c \
    "env -u CONCORD_HUB CONCORD_CONFIG='$T/conf/good.conf' '$BIN/concord' incidents | grep -q INC-1"

# The first hub down: the second serves, and the log says which.
check "a list whose first hub is down is served by the next" sh -c \
    "'$BIN/concord' --hub '$DEAD $H' -i INC-1 note 'through the second' >/dev/null"
check "the log names the hub it went to" \
    grep -q "on the hub at $H" "$T/client.log"
check "the note is logged" sh -c "'$BIN/concord' log | grep -q 'through the second'"

# All down: queued for the list; any list naming one of its hubs delivers.
DEAD2=unix:$T/nobody2.sock
"$BIN/concord" --hub "$DEAD $DEAD2" -i INC-1 note --op op-q "for the list" \
    >/dev/null 2>"$T/err"
check "a note for a list of dead hubs is queued (exit 4)" test $? = 4
check "the failure names every hub" sh -c \
    "grep -q 'cannot reach any of the 2 hubs' '$T/err' && grep -q nobody2.sock '$T/err'"
check "a client on another list with one of them delivers it" sh -c \
    "'$BIN/concord' --hub '$DEAD2,$H' incidents >/dev/null"
check "the queued note is logged once" test "$("$BIN/concord" log --json |
    grep -c '"op":"op-q"')" = 1

# A hub whose certificate does not verify (self-signed, no --ca): passed
# over with a warning naming it; alone, or all such, a hard error.
P=$T/pki
mkdir -p "$P"
if ! (umask 077 && openssl req -x509 -newkey rsa:2048 -nodes \
    -keyout "$P/self.key" -out "$P/self.pem" -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    >"$P/openssl.log" 2>&1); then
	notok "openssl makes a self-signed certificate"; cat "$P/openssl.log"
	finish; exit
fi
mkdir -p "$T/tls"
"$BIN/concordd" --data "$T/tls" --socket "$T/tls.sock" --listen 127.0.0.1:0 \
    --cert "$P/self.pem" --key "$P/self.key" </dev/null >"$T/tls.out" 2>&1 &
PIDS+=($!)
check "a TLS hub with a self-signed certificate starts" \
    wait_for 20 grep -q listening "$T/tls.out"
TP=$(grep -oE 'wss://127\.0\.0\.1:[0-9]+' "$T/tls.out" | sed 's/.*://')
U=wss://127.0.0.1:$TP
check "a list whose first hub does not verify is served by the next" sh -c \
    "'$BIN/concord' --hub '$U $H' incidents >'$T/out' 2>'$T/err' && grep -q INC-1 '$T/out'"
check "with a warning naming the hub passed over" grep -q \
    "warning: passing over the hub at $U: cannot verify the hub's certificate" "$T/err"
check "nothing reached it" sh -c "! grep -q 'hello from' '$T/tls/concordd.log'"
"$BIN/concord" --hub "$U" -i INC-1 note --op op-u "not for them" \
    >/dev/null 2>"$T/err"
check "the hub alone: exit 2, as ever" test $? = 2
check "saying why" grep -q "cannot verify the hub's certificate" "$T/err"
U2=wss://localhost:$TP
"$BIN/concord" --hub "$U,$U2" -i INC-1 note --op op-u2 "not for them" \
    >/dev/null 2>"$T/err"
check "a list of which no hub verifies: exit 2" test $? = 2
check "saying so" grep -q "no hub of the list verifies" "$T/err"
check "and the notes are not queued" test "$(sqlite3 \
    "$T/state/concord/outbox.db" "SELECT count(*) FROM outbox WHERE op LIKE 'op-u%'")" = 0
finish
