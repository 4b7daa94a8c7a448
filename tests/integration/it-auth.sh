# Who may connect and act: over TCP a client needs a valid token and is
# refused without one, with a wrong one or with a revoked one (also while
# connected), with a clear error and nothing logged; over the Unix socket
# a client is its login user, whatever --as says, unless it may act as
# others, and then the log shows both names; a command that claims to be
# from someone else is refused; a configuration file holding a token that
# others may read is refused.  Real hubs, the real CLI, raw websockets.
. "$(dirname "$0")/lib.sh"
RAW=$TOOLS/rawws
ME=$(id -un)
if [ ! -x "$RAW" ]; then
	notok "rawws is built (make build/tools/rawws)"
	finish
	exit
fi
hub_start --listen 127.0.0.1:0
port=$(hub_port)
H=ws://127.0.0.1:$port
# tcp TOKEN ARGS...: concord over TCP with that token and no user named.
tcp() { local t=$1; shift; env -u CONCORD_USER CONCORD_TOKEN="$t" CONCORD_HUB="$H" "$BIN/concord" "$@"; }
# run NAME CMD...: run it, keeping stdout, stderr and the status.
run() { local n=$1; shift; "$@" >"$T/$n.out" 2>"$T/$n.err"; echo $? >"$T/$n.rc"; }
rc() { cat "$T/$1.rc"; }
has() { grep -qF -- "$2" "$T/$1.err"; }
head_seq() { concord -i INC-1 log | tail -1 | sed -n 's/.*at seq \([0-9]*\) .*/\1/p'; }
hello() { # USER [TOKEN]: a send: action saying hello on INC-1
	printf 'send:{"type":"hello","proto":%s,"user":"%s","incident":"INC-1"%s}' \
	    "$PROTO_V" "$1" "${2:+,\"token\":\"$2\"}"
}

concord open --title "who is who" >/dev/null
check "the test's user opens INC-1 acting as alice" \
    sh -c "'$BIN/concord' -i INC-1 log | grep -q 'alice (by $ME)  opened'"
BOB=$("$BIN/concordd" user add bob --data "$T/data" 2>"$T/add.err")
check "user add prints a token once, recognisable" \
    sh -c "printf '%s\n' '$BOB' | grep -qE '^concord:bob:[0-9a-f]{64}\$'"
check "and says only its hash is kept" grep -q "only its hash is kept" "$T/add.err"
check "the token is nowhere in the data directory" \
    sh -c "! grep -rqF '${BOB##*:}' '$T/data'"
run again "$BIN/concordd" user add bob --data "$T/data"
check "adding bob again is refused (exit 1)" test "$(rc again)" = 1
check "saying bob exists" grep -q "user bob exists" "$T/again.err"

# Over TCP: the token decides who the client is.
run bob tcp "$BOB" -i INC-1 note 'from bob over tcp'
check "bob's token over TCP: the note is logged" test "$(rc bob)" = 0
check "as bob, the token's user, with no by" \
    sh -c "'$BIN/concord' -i INC-1 log | grep -qE '#[0-9]+ +bob  from bob over tcp\$'"
seq0=$(head_seq)
run notoken tcp "" -i INC-1 note "no token"
check "TCP without a token: exit 1" test "$(rc notoken)" = 1
check "saying the hub needs a token" has notoken "this hub needs a token over TCP"
[ "${BOB: -1}" = 0 ] && last=1 || last=0
run wrong tcp "${BOB%?}$last" -i INC-1 note "wrong"
check "a wrong token: exit 1" test "$(rc wrong)" = 1
check "saying it is not valid" has wrong "the token is not valid on this hub"
run junk tcp letmein -i INC-1 note "junk"
check "a malformed token: exit 1, saying what a token is" \
    sh -c "test $(rc junk) = 1 && grep -q 'a token starts with concord:' '$T/junk.err'"
run actas tcp "$BOB" --as carol -i INC-1 note "as carol"
check "bob --as carol without the right: exit 1" test "$(rc actas)" = 1
check "saying so" has actas "you are bob here: acting as carol needs the act-as right"
check "the hub logs why, never the token" \
    sh -c "grep -q 'refused a hello from 127.0.0.1: a wrong token for bob' '$T/data/concordd.log' &&
           ! grep -qF '${BOB##*:}' '$T/data/concordd.log'"

# A user with the right acts as others, and the log shows both names.
OPS=$("$BIN/concordd" user add ops --act-as --data "$T/data" 2>/dev/null)
run ops tcp "$OPS" --as dave -i INC-1 note "dave's words"
check "ops --as dave over TCP: logged" test "$(rc ops)" = 0
check "as dave (by ops)" \
    sh -c "'$BIN/concord' -i INC-1 log | grep -qE '#[0-9]+ +dave \(by ops\)  dave.s words\$'"
concord -i INC-1 export --format json -o "$T/inc.json" >/dev/null
check "the export keeps both: \"actor\":\"dave\",\"by\":\"ops\"" \
    grep -q '"actor":"dave","by":"ops"' "$T/inc.json"
check "and verifies" sh -c "'$BIN/concord' verify '$T/inc.json' >/dev/null"
concord -i INC-1 export --format md -o "$T/inc.md" >/dev/null
check "the Markdown timeline says dave (by ops)" grep -q '| dave (by ops) |' "$T/inc.md"
"$BIN/concordd" user revoke ops act-as --data "$T/data" 2>/dev/null
run opsno tcp "$OPS" --as dave -i INC-1 note "again"
check "with the right revoked, ops --as dave is refused" \
    sh -c "test $(rc opsno) = 1 && grep -q 'you are ops here' '$T/opsno.err'"

# A command claiming to be from someone else is refused, not corrected.
"$RAW" -t 10 127.0.0.1:$port "$(hello bob "$BOB")" recv \
    'send:{"type":"command","op":"forge-1","incident":"INC-1","cmd":"note","actor":"alice","text":"forged"}' recv \
    'send:{"type":"command","op":"forge-2","incident":"INC-1","cmd":"note","by":"ops","text":"forged"}' recv \
    'send:{"type":"command","op":"own-1","incident":"INC-1","cmd":"note","actor":"bob","text":"bob himself"}' recv \
    >"$T/forge.out" 2>&1
check "a note naming alice as its actor, from bob: refused not-you" \
    grep -q '"op":"forge-1","code":"not-you","message":"the command says it is from alice; this connection acts as bob"' "$T/forge.out"
check "one naming a by bob is not: refused not-you" \
    grep -q '"op":"forge-2","code":"not-you"' "$T/forge.out"
check "naming bob himself is fine" grep -q '"type":"ack".*"op":"own-1"' "$T/forge.out"
check "nothing forged is logged" sh -c "! '$BIN/concord' -i INC-1 log | grep -q forged"

# Revoked: refused at once, and an open connection is closed with an error.
"$RAW" -t 20 127.0.0.1:$port "$(hello bob "$BOB")" recv expectclose \
    >"$T/open.out" 2>&1 &
open_pid=$!; PIDS+=($open_pid)
CAROL=$("$BIN/concordd" user add carol --data "$T/data" 2>/dev/null)
tcp "$CAROL" -i INC-1 log --follow \
    >"$T/follow.out" 2>"$T/follow.err" &
follow_pid=$!; PIDS+=($follow_pid)
check "bob's raw connection and carol's log --follow are up" wait_for 10 sh -c \
    "grep -q '\"type\":\"welcome\"' '$T/open.out' && grep -q 'hello from carol' '$T/data/concordd.log'"
seq1=$(head_seq)
run revoke "$BIN/concordd" user revoke bob --data "$T/data"
check "user revoke bob while the hub runs: exit 0" test "$(rc revoke)" = 0
run revoked tcp "$BOB" -i INC-1 note "after revoke"
check "bob's token is refused at once: exit 1" test "$(rc revoked)" = 1
check "saying it was revoked" has revoked "the token of bob was revoked"
check "bob's open connection is closed" wait_for 10 sh -c "! kill -0 $open_pid 2>/dev/null"
check "told first: error revoked" \
    grep -q '"type":"error","code":"revoked","message":"bob was revoked on this hub: the connection is closed"' "$T/open.out"
check "then closed" grep -q '^closed' "$T/open.out"
"$BIN/concordd" user revoke carol --data "$T/data" 2>/dev/null
check "carol's log --follow ends when carol is revoked" \
    wait_for 15 sh -c "! kill -0 $follow_pid 2>/dev/null"
wait "$follow_pid"; frc=$?
check "with exit 1" test "$frc" = 1
check "saying why" grep -q "carol was revoked on this hub\|the token of carol was revoked" "$T/follow.err"
check "user list shows who is valid, revoked, and may act as others" sh -c "
    '$BIN/concordd' user list --data '$T/data' >'$T/list.out' &&
    grep -qE '^bob +created .* revoked [0-9-]+ [0-9:]+\$' '$T/list.out' &&
    grep -qE '^ops +created .*  valid\$' '$T/list.out' &&
    grep -qE '^$ME +created .*  valid  act-as\$' '$T/list.out'"
check "nothing of the refused was logged" test "$(head_seq)" = "$seq1"
check "nor anything before it" sh -c \
    "! '$BIN/concord' -i INC-1 log | grep -qE 'no token|wrong|junk|as carol|after revoke|  again\$'"
NEW=$("$BIN/concordd" user add bob --data "$T/data" 2>/dev/null)
check "a revoked user added again gets a new token" test -n "$NEW" -a "$NEW" != "$BOB"
run back tcp "$NEW" -i INC-1 note "bob is back"
check "which works" test "$(rc back)" = 0
run old tcp "$BOB" -i INC-1 note old
check "the old one still does not" test "$(rc old)" = 1

# The configuration file's token: used when the file is the user's alone.
printf 'hub = %s\ntoken = %s\n' "$H" "$OPS" >"$T/c.conf"
chmod 644 "$T/c.conf"
run conf env -u CONCORD_TOKEN -u CONCORD_HUB -u CONCORD_USER CONCORD_CONFIG="$T/c.conf" "$BIN/concord" -i INC-1 note "from the file"
check "a config file with a token and mode 0644: refused, exit 1" test "$(rc conf)" = 1
check "saying others may read it, and what to do" \
    has conf "holds a token and others may read or change it (mode 0644): refusing to use it; chmod 600"
chmod 600 "$T/c.conf"
run conf2 env -u CONCORD_TOKEN -u CONCORD_HUB -u CONCORD_USER CONCORD_CONFIG="$T/c.conf" "$BIN/concord" -i INC-1 note "from the file"
check "with mode 0600 its token is used: as ops" \
    sh -c "test $(rc conf2) = 0 && '$BIN/concord' -i INC-1 log | grep -qE '#[0-9]+ +ops  from the file\$'"

# Over the Unix socket a client is its login user; --as needs the right.
"$BIN/concordd" --socket "$T/plain.sock" --data "$T/plain" </dev/null \
    >"$T/plain.out" 2>&1 &
PIDS+=($!)
wait_for 20 grep -q listening "$T/plain.out"
# plain ARGS...: concord on that hub, with no user named.
plain() { env -u CONCORD_USER "$BIN/concord" --hub "unix:$T/plain.sock" "$@"; }
run unix_open plain open --title plain
check "a socket client is its login user: $ME opens" test "$(rc unix_open)" = 0
plain -i INC-1 log >"$T/plain.log"
check "logged as $ME, no by" grep -qE "#1 +$ME  opened" "$T/plain.log"
run alice plain --as alice -i INC-1 note "as alice"
check "--as alice (\$CONCORD_USER too) over the socket without the right: exit 1" \
    sh -c "test $(rc alice) = 1 && grep -q 'you are $ME here: acting as alice' '$T/alice.err'"
run mallory plain --as mallory -i INC-1 note "as mallory"
check "--as mallory over the socket without the right: exit 1" test "$(rc mallory)" = 1
check "saying who it is and what it needs" \
    has mallory "you are $ME here: acting as mallory needs the act-as right (concordd user grant $ME act-as)"
plain -i INC-1 log >"$T/plain.log"
check "nothing logged as mallory" sh -c "! grep -q mallory '$T/plain.log'"
"$BIN/concordd" user add "$ME" --data "$T/plain" >/dev/null 2>&1
"$BIN/concordd" user grant "$ME" act-as --data "$T/plain" 2>/dev/null
run mallory2 plain --as mallory -i INC-1 note "as mallory"
plain -i INC-1 log >"$T/plain.log"
check "granted act-as, the same hub at once lets it act as mallory" \
    sh -c "test $(rc mallory2) = 0 && grep -q 'mallory (by $ME)  as mallory' '$T/plain.log'"
"$BIN/concordd" user revoke "$ME" --data "$T/plain" 2>/dev/null
run gone plain -i INC-1 note "after"
check "a revoked login user is refused on the socket too" \
    sh -c "test $(rc gone) = 1 && grep -q '$ME was revoked on this hub' '$T/gone.err'"
run priv "$BIN/concordd" --private --listen 127.0.0.1:0 --data "$T/priv"
check "a private hub takes no TCP listener" \
    sh -c "test $(rc priv) = 1 && grep -q 'a private hub listens on its socket alone' '$T/priv.err'"
finish
