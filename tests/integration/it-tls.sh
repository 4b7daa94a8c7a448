# TLS on TCP: a throwaway CA and a server certificate for 127.0.0.1 and
# localhost made with openssl in the test's directory; a hub that will not
# start on a bad pair (saying why, with nothing listening); a real hub with
# --cert and --key, then the CLI over wss:// with --ca (a note's round trip,
# the log showing it), the console (ASan build, in tmux) over wss:// LIVE and
# showing a note as it is written, then STALE, saying why, while its hub
# serves a certificate for another host; a wrong CA and a certificate for
# another host refused quickly with a message that says so (the console too,
# before it opens), with nothing logged or queued; a plaintext ws:// client
# against the TLS port and a wss:// one against a plaintext hub failing
# clearly; curl https://.../healthz, /metrics and a webhook with --cacert,
# HTTP/1.1 only, TLS 1.1 refused; and the warning (once) for ws:// to a hub
# elsewhere than this machine, on standard error and in the console.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"

tls_cleanup() {
	local c
	if [ "$FAILS" != 0 ]; then
		for c in good wrong plain; do
			[ -d "$T/con-$c" ] || continue
			echo "--- console $c screen"; screen "$c" 2>/dev/null | cat -s
			echo "--- console $c stderr"; tail -20 "$T/con-$c/stderr"
			echo "--- console $c log"; tail -20 "$T/con-$c/log"
		done
		echo "--- client log"; tail -20 "$T/client.log" 2>/dev/null
	fi
	tmux_cleanup
	cleanup
}
trap tls_cleanup EXIT

for c in openssl curl tmux; do
	if ! command -v $c >/dev/null; then
		notok "$c is installed (make deps)"
		finish
		exit
	fi
done

# 1. A CA, a server certificate for localhost and 127.0.0.1 signed by it,
# a second CA that signed nothing of the hub's, and a certificate by the
# right CA for another host.
P=$T/pki
mkdir -p "$P"
ssl() { openssl "$@" >>"$P/openssl.log" 2>&1; }
mkca() {
	ssl req -x509 -newkey rsa:2048 -nodes -keyout "$P/$1.key" \
	    -out "$P/$1.pem" -days 2 -subj "/CN=$2"
}
# mkcert NAME SAN: a server certificate signed by the test CA.
mkcert() {
	ssl req -newkey rsa:2048 -nodes -keyout "$P/$1.key" -out "$P/$1.csr" \
	    -subj "/CN=$1" &&
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
	    "$2" >"$P/$1.ext" &&
	ssl x509 -req -in "$P/$1.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" \
	    -CAcreateserial -out "$P/$1.pem" -days 2 -extfile "$P/$1.ext" &&
	chmod 600 "$P/$1.key"
}
if ! (umask 077 && mkca ca "concord test CA" && mkca wrong "another CA" &&
    mkcert hub "DNS:localhost,IP:127.0.0.1" &&
    mkcert elsewhere "DNS:hub.invalid"); then
	notok "openssl makes a CA and certificates"
	cat "$P/openssl.log"
	finish
	exit
fi
ok "openssl made a test CA, the hub's certificate and a wrong CA"

# 2. A bad pair never starts a hub: each fails at once, saying why, and
# nothing listens.
# bad NAME ARGS...: concordd with ARGS exits non-zero without listening.
bad() {
	local name=$1 rc; shift
	timeout 20 "$BIN/concordd" --data "$T/bad.data" --listen 127.0.0.1:0 \
	    "$@" </dev/null >"$T/bad-$name.out" 2>&1
	rc=$?
	[ "$rc" != 0 ] && [ "$rc" != 124 ] &&
	    ! grep -q listening "$T/bad-$name.out"
}
says() { grep -q -- "$2" "$T/bad-$1.out"; }
check "a missing certificate stops the hub" bad nocert \
    --cert "$P/none.pem" --key "$P/hub.key"
check "saying so" says nocert "cannot read the certificate $P/none.pem"
check "in one line (nothing of the library's)" test "$(wc -l <"$T/bad-nocert.out")" = 1
check "a key that is not the certificate's stops it" bad mismatch \
    --cert "$P/hub.pem" --key "$P/elsewhere.key"
check "saying so" says mismatch "is not the key of the certificate"
check "a file that is no certificate stops it" bad notcert \
    --cert "$P/hub.key" --key "$P/hub.key"
check "saying so" says notcert "holds no PEM certificate"
cp "$P/hub.key" "$P/open.key" && chmod 644 "$P/open.key"
check "a key open to others stops it" bad openkey \
    --cert "$P/hub.pem" --key "$P/open.key"
check "saying so" says openkey "is open to others (mode 0644)"
check "--cert without --key stops it" bad nokey --cert "$P/hub.pem"
check "saying so" says nokey "needs both"
# An expired certificate (notAfter a day before notBefore, now).
if ssl x509 -req -in "$P/hub.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" \
    -CAcreateserial -out "$P/expired.pem" -days -1 -extfile "$P/hub.ext"; then
	check "an expired certificate stops it" bad expired \
	    --cert "$P/expired.pem" --key "$P/hub.key"
	check "saying so" says expired "the certificate $P/expired.pem (--cert) expired on "
else
	ok "# SKIP this openssl makes no expired certificate"
fi
printf 'cert = %s\nkey = %s\n' "$P/hub.pem" "$P/none.key" >"$T/bad.conf"
check "a missing key in the configuration file stops it" bad confkey \
    --config "$T/bad.conf"
check "saying so" says confkey "cannot read the key $P/none.key"
check "--cert and --key without --listen stop it" sh -c "! timeout 20 \
    '$BIN/concordd' --data '$T/bad.data' --socket '$T/bad.sock' \
    --cert '$P/hub.pem' --key '$P/hub.key' >'$T/bad-nolisten.out' 2>&1"
check "saying they are for the TCP listener" says nolisten "for the TCP listener"
check "no half-started hub: no socket was made" test ! -e "$T/bad.sock"

# 3. The hub with TLS on TCP (its Unix socket stays plaintext).
TOKEN=tok-$RANDOM
printf 'hook-token = %s\n' "$TOKEN" >"$T/hub.conf"
hub_start --listen 127.0.0.1:0 --cert "$P/hub.pem" --key "$P/hub.key" \
    --config "$T/hub.conf" || { finish; exit; }
check "the listening line says wss://" grep -qE 'listening on unix:.* wss://127\.0\.0\.1:[0-9]+$' "$HUB_OUT"
PORT=$(grep -oE 'wss://127\.0\.0\.1:[0-9]+' "$HUB_OUT" | sed 's/.*://')
WSS=wss://127.0.0.1:$PORT
CA=$P/ca.pem
check "the hub logs the certificate it serves" grep -q "tls: certificate $P/hub.pem (/CN=hub)" "$T/data/concordd.log"
check "the Unix socket stays plaintext" sh -c "'$BIN/concord' open --title 'Checkout p99 latency' --sev 1 >/dev/null"

# 4. The CLI over wss:// with --ca: a note's round trip, the log shows it.
check "a note over wss:// with --ca" sh -c \
    "'$BIN/concord' --hub $WSS --ca '$CA' -i INC-1 note 'over tls one' >'$T/note.out'"
check "is acknowledged with its seq" grep -qx 'INC-1 seq 2' "$T/note.out"
check "concord log over wss:// shows it" sh -c \
    "'$BIN/concord' --hub $WSS --ca '$CA' -i INC-1 log | grep -qE 'alice (\\(by [^)]*\\) )?\\(ic\\)  over tls one\$'"
check "and so does the Unix socket" sh -c \
    "'$BIN/concord' -i INC-1 log | grep -qE 'alice (\\(by [^)]*\\) )?\\(ic\\)  over tls one\$'"
check "localhost, which the certificate names, works too" sh -c \
    "'$BIN/concord' --hub wss://localhost:$PORT --ca '$CA' incidents | grep -q '^INC-1 '"
check "\$CONCORD_CA and \$CONCORD_HUB do as --ca and --hub" sh -c \
    "CONCORD_HUB=$WSS CONCORD_CA='$CA' '$BIN/concord' -i INC-1 note 'over tls two' >/dev/null"
mkdir -p "$T/cfg/concord"
printf 'hub = %s\nca = %s\n' "$WSS" "$CA" >"$T/cfg/concord/concord.conf"
check "so do the configuration file's hub and ca" sh -c \
    "env -u CONCORD_HUB XDG_CONFIG_HOME='$T/cfg' '$BIN/concord' -i INC-1 note 'over tls three' >/dev/null"
check "all three are logged once each" test "$(concord -i INC-1 log | grep -c 'over tls')" = 3

# 5. A wrong CA: refused at once, saying the certificate could not be
# verified; nothing logged, nothing queued, exit 2.
wrong() {
	local s e rc
	s=$(date +%s%3N)
	"$BIN/concord" --hub $WSS --ca "$P/wrong.pem" --as mallory -i INC-1 \
	    note "must not be logged" >"$T/wrong.out" 2>"$T/wrong.err"
	rc=$?
	e=$(date +%s%3N)
	echo "# wrong CA: exit $rc in $((e - s)) ms"
	WRONG_MS=$((e - s))
	[ "$rc" = 2 ]
}
check "a note with the wrong CA fails with exit 2" wrong
check "within 3 s, not after retrying" test "$WRONG_MS" -lt 3000
check "saying the certificate could not be verified" grep -q \
    "^concord: cannot verify the hub's certificate ($WSS): .* (is --ca right?)\$" "$T/wrong.err"
check "in one line (nothing of the library's)" test "$(wc -l <"$T/wrong.err")" = 1
check "and not that it was queued" sh -c "! grep -q queued '$T/wrong.err'"
check "the note is not in the log" sh -c "! '$BIN/concord' -i INC-1 log | grep -q 'must not be logged'"
check "the hub logged nothing of the client" sh -c "! grep -q mallory '$T/data/concordd.log'"
check "nothing waits in the outbox" sh -c \
    "! sqlite3 '$T/state/concord/outbox.db' 'select text from outbox' 2>/dev/null | grep -q 'must not'"
check "with no --ca the system's store does not know the test CA" sh -c \
    "'$BIN/concord' --hub $WSS incidents 2>&1 >/dev/null | grep -q \"cannot verify the hub's certificate\""
check "the system's store is used without --ca (here \$SSL_CERT_FILE)" sh -c \
    "SSL_CERT_FILE='$CA' '$BIN/concord' --hub $WSS incidents | grep -q '^INC-1 '"
check "a CA bundle that cannot be read is an error (exit 1)" sh -c \
    "'$BIN/concord' --hub $WSS --ca '$P/none.pem' incidents 2>'$T/noca.err'; test \$? = 1"
check "saying so" grep -q "cannot read the CA bundle" "$T/noca.err"

# 6. The right CA, but the certificate is for another host.
"$BIN/concordd" --listen 127.0.0.1:0 --data "$T/else.data" \
    --cert "$P/elsewhere.pem" --key "$P/elsewhere.key" </dev/null \
    >"$T/else.out" 2>&1 &
PIDS+=($!)
if wait_for 20 grep -q listening "$T/else.out"; then
	EP=$(grep -oE 'wss://127\.0\.0\.1:[0-9]+' "$T/else.out" | sed 's/.*://')
	check "a certificate for another host is refused (exit 2)" sh -c \
	    "'$BIN/concord' --hub wss://127.0.0.1:$EP --ca '$CA' incidents 2>'$T/else.err'; test \$? = 2"
	check "saying so" grep -q "cannot verify the hub's certificate (wss://127.0.0.1:$EP): IP address mismatch (the certificate is for another host" "$T/else.err"
else
	notok "a hub with the certificate for another host starts"
fi

# 7. Plaintext against the TLS port, TLS against a plaintext hub.
check "ws:// to the TLS port fails (exit 2)" sh -c \
    "'$BIN/concord' --hub ws://127.0.0.1:$PORT incidents 2>'$T/plain.err'; test \$? = 2"
check "saying the hub may want wss://" grep -q 'does the hub serve wss://?' "$T/plain.err"
NONLOCAL=$(ip -4 -o addr show scope global 2>/dev/null | awk '{ sub("/.*", "", $4); print $4; exit }')
hub_user "$T/plain.data"
"$BIN/concordd" --listen "${NONLOCAL:-127.0.0.1}:0" --data "$T/plain.data" \
    </dev/null >"$T/plainhub.out" 2>&1 &
PIDS+=($!)
if wait_for 20 grep -q listening "$T/plainhub.out"; then
	PLAIN=$(grep -oE 'ws://[0-9.]+:[0-9]+' "$T/plainhub.out")
	PP=${PLAIN##*:}
	check "wss:// to a plaintext hub fails (exit 2)" sh -c \
	    "'$BIN/concord' --hub wss://${NONLOCAL:-127.0.0.1}:$PP --ca '$CA' incidents 2>'$T/tlsplain.err'; test \$? = 2"
	check "saying there was no TLS handshake" grep -q 'no TLS handshake (does the hub serve ws://, not wss://?)' "$T/tlsplain.err"
else
	notok "a plaintext hub starts"
	PLAIN=
fi

# 8. HTTP over TLS: health, metrics, a webhook; TLS 1.2 at least.
check "curl https://.../healthz with --cacert" sh -c \
    "curl -sf --max-time 10 --cacert '$CA' https://127.0.0.1:$PORT/healthz | grep -qx ok"
check "and /metrics" sh -c \
    "curl -sf --max-time 10 --cacert '$CA' https://localhost:$PORT/metrics | grep -q '^concord_clients '"
check "HTTP/1.1 only, as in plaintext (curl offers h2)" test "$(curl -s \
    -o /dev/null -w '%{http_version}' --max-time 10 --cacert "$CA" \
    https://127.0.0.1:$PORT/healthz)" = 1.1
check "a webhook over https" test "$(curl -s -o "$T/hook" -w '%{http_code}' \
    --max-time 10 --cacert "$CA" -X POST -H "Authorization: Bearer $TOKEN" \
    -d '{"title":"Disk full","key":"disk-db1","incident":"INC-1"}' \
    "https://127.0.0.1:$PORT/hooks/generic")" = 200
check "is logged" sh -c "'$BIN/concord' -i INC-1 log | grep -q 'FIRING Disk full'"
check "curl without the CA refuses the hub" sh -c \
    "! curl -sf --max-time 10 https://127.0.0.1:$PORT/healthz >/dev/null 2>&1"
check "plain http to the TLS port gets no answer" sh -c \
    "! curl -sf --max-time 10 http://127.0.0.1:$PORT/healthz >/dev/null 2>&1"
check "TLS 1.2 is served" sh -c "openssl s_client -connect 127.0.0.1:$PORT \
    -tls1_2 -CAfile '$CA' </dev/null 2>&1 | grep -q 'Verify return code: 0'"
check "TLS 1.1 is not (the hub answers: protocol version)" sh -c \
    "! openssl s_client -connect 127.0.0.1:$PORT -tls1_1 \
    -cipher 'DEFAULT:@SECLEVEL=0' </dev/null >'$T/tls11.out' 2>&1 &&
    grep -q 'alert protocol version' '$T/tls11.out'"

# 9. The console over wss://, in tmux (the ASan/UBSan build).
# tls_console NAME HUB CA: the console of bob on INC-1.
tls_console() {
	local d=$T/con-$1
	mkdir -p "$d/state" "$d/run"
	tm set-option -g default-terminal "$TERMNAME" \; \
	    set-option -g remain-on-exit on \; \
	    new-session -d -s "$1" -x 120 -y 30 \
	    -e TZ=UTC -e LC_ALL=C.UTF-8 -e TERM="$TERMNAME" \
	    -e CONCORD_HUB="$2" -e CONCORD_CA="$3" -e CONCORD_USER=bob \
	    -e CONCORD_TOKEN="$CONCORD_TOKEN" \
	    -e XDG_STATE_HOME="$d/state" -e XDG_RUNTIME_DIR="$d/run" \
	    -e XDG_CONFIG_HOME="$d/config" -e CONCORD_THEME= \
	    -e CONCORD_LOG="$d/log" \
	    -e ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	    -e UBSAN_OPTIONS=print_stacktrace=1 \
	    "sh -c '\"$ABIN/concord\" -i INC-1 2>\"$d/stderr\"; echo EXITED \$? >>\"$d/exit\"'"
}
exited() { grep -qx "EXITED $2" "$T/con-$1/exit" 2>/dev/null; }
clean_stderr() {
	[ -f "$1" ] &&
	    ! grep -qE 'ERROR: AddressSanitizer|LeakSanitizer|runtime error' "$1"
}
tls_console good "$WSS" "$CA"
check "the console over wss:// comes up LIVE" wait_for 20 is_live good
check "showing the incident's notes" wait_for 10 screen_has good ' alice +ic +over tls three$'
"$BIN/concord" --hub $WSS --ca "$CA" -i INC-1 note "live over tls" >/dev/null
check "a note written over wss:// shows within 2 s" within 2000 screen_has good ' alice +ic +live over tls$'
tm send-keys -t good -l -- "typed over tls" && tm send-keys -t good Enter
check "a note typed in the console reaches the log" wait_for 10 sh -c \
    "'$BIN/concord' -i INC-1 log | grep -qE ' bob (\\(by [^)]*\\))?  typed over tls\$'"
check "no plaintext warning for wss://" screen_lacks good 'plaintext'
# The hub comes back on the same port with a certificate for another
# host: the console goes STALE and says why, and is LIVE again when the
# right certificate is back.
hub_kill9
hub_start --listen 127.0.0.1:$PORT --cert "$P/elsewhere.pem" \
    --key "$P/elsewhere.key" --config "$T/hub.conf" || { finish; exit; }
check "a console whose hub's certificate stops verifying goes STALE" \
    wait_for 20 is_stale good
check "saying the certificate could not be verified" wait_for 20 \
    screen_has good "cannot verify the hub's certificate"
hub_kill9
hub_start --listen 127.0.0.1:$PORT --cert "$P/hub.pem" --key "$P/hub.key" \
    --config "$T/hub.conf" || { finish; exit; }
check "and LIVE again with the right one" wait_for 20 is_live good
tm send-keys -t good -l -- /quit && tm send-keys -t good Enter
check "the console leaves on /quit (status 0)" wait_for 10 exited good 0
check "with no sanitizer report" clean_stderr "$T/con-good/stderr"

tls_console wrong "$WSS" "$P/wrong.pem"
check "the console with the wrong CA exits 2 before it opens" wait_for 20 exited wrong 2
check "saying the certificate could not be verified" grep -q \
    "cannot verify the hub's certificate ($WSS): .* (is --ca right?)" "$T/con-wrong/stderr"
check "with no sanitizer report" clean_stderr "$T/con-wrong/stderr"

# 10. Plaintext to a hub elsewhere than this machine warns, once.
if [ -n "$NONLOCAL" ] && [ -n "$PLAIN" ]; then
	export CONCORD_TOKEN=$(cat "$T/plain.data.token")	# that hub's
	"$BIN/concord" --hub "$PLAIN" open --title "plain" >/dev/null 2>&1
	check "ws:// to $NONLOCAL works" sh -c \
	    "'$BIN/concord' --hub '$PLAIN' -i INC-1 note 'in the clear' >/dev/null 2>'$T/warn.err'"
	check "warning on standard error" grep -q \
	    "^concord: warning: plaintext to a non-local hub ($PLAIN): " "$T/warn.err"
	check "once, for a command that connects several times" test \
	    "$("$BIN/concord" --hub "$PLAIN" -i INC-1 claim x 2>&1 | grep -c warning)" = 1
	check "as JSON with --json" sh -c "'$BIN/concord' --json --hub '$PLAIN' \
	    incidents 2>&1 >/dev/null | grep -q '^{\"warning\":\"plaintext\",\"message\":'"
	check "not for ws:// to 127.0.0.1" sh -c "! '$BIN/concord' --hub \
	    ws://127.0.0.1:$PORT incidents 2>&1 | grep -q warning"
	tls_console plain "$PLAIN" ""
	check "the console on it comes up LIVE" wait_for 20 is_live plain
	check "and says plaintext to a non-local hub" screen_has plain \
	    'plaintext to a non-local hub'
	check "its standard error stays clean" sh -c "! grep -q warning '$T/con-plain/stderr'"
	tm send-keys -t plain -l -- /quit && tm send-keys -t plain Enter
	check "and leaves on /quit (status 0)" wait_for 10 exited plain 0
else
	ok "# SKIP no address but loopback here: the unit test covers the warning"
fi
finish
