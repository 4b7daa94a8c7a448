# Authorisation by the table, with a real hub and the CLI: a hub whose
# configuration lets the holder of ops change the severity refuses a
# plain responder, naming the right, and lets them once they hold ops;
# with viewers on, a newcomer may follow the incident but every command
# of theirs is refused, until the IC gives them a role.  A configuration
# with an unknown right or word stops the hub, naming the line.  The
# default table in concord(1) is the one the unit tests hold the core to.
. "$(dirname "$0")/lib.sh"
quiet() { "$@" >/dev/null; }

# Bad tables stop the hub before it listens, naming file and line.
badconf() { # LINE EXPECTED-CAUSE DESCRIPTION
	printf 'lock-delay = 1\n%s\n' "$1" >"$T/bad.conf"
	"$BIN/concordd" --socket "$T/bad.sock" --data "$T/bad" \
	    --config "$T/bad.conf" </dev/null >"$T/bad.out" 2>&1 &
	local pid=$!
	PIDS+=("$pid")
	wait_for 20 sh -c "! kill -0 $pid 2>/dev/null"
	wait "$pid"
	local rc=$?
	if [ $rc = 1 ] && grep -qF "$T/bad.conf:2: $2" "$T/bad.out" &&
	    ! grep -q listening "$T/bad.out"; then
		ok "$3"
	else
		notok "$3 (exit $rc)"; cat "$T/bad.out"
	fi
}
badconf "allow.sevv = ic" 'unknown right "sevv"' \
    "an unknown right stops the hub, naming the line"
badconf "allow.sev = ic op/s" 'sev: "op/s" is not ic, responder, viewer, none' \
    "an unknown word stops the hub, naming the line"
badconf "allow.note =" 'note: say who holds it' \
    "an empty grant stops the hub"
badconf "allow.take = none responder" 'take: none stands alone' \
    "none with others stops the hub"

cat >"$T/hub.conf" <<'EOF'
# The holder of ops may change the severity too.
allow.sev = ic ops
EOF
hub_start --config "$T/hub.conf"
check "the hub logs the right it was given" \
    grep -q 'authorisation: allow.sev = ic ops' "$T/data/concordd.log"

concord open --title "Checkout p99 latency" --sev 3 >/dev/null
check "bob, a responder, may note" quiet concord --as bob note "p99 up since 14:02"

# A responder without the right: refused (exit 3), naming the right.
concord --as bob sev 2 2>"$T/err"; rc=$?
check "bob's sev change is refused with exit 3" test $rc = 3
check "the refusal names the right, who holds it and what bob is" grep -qF \
    "refused (forbidden): changing the severity needs the right 'sev' (held by: ic (alice), role ops (vacant)); bob is a responder" \
    "$T/err"
check "nothing was logged" sh -c "! '$BIN/concord' log | grep -q 'severity SEV2'"

# Given the role that holds it, allowed.
check "alice gives bob ops" quiet concord role assign bob ops
check "now bob may change the severity" quiet concord --as bob sev 2
check "the log shows it, by bob as ops" \
    sh -c "'$BIN/concord' log | grep -qE 'bob (\\(by [^)]*\\) )?\\(ops\\) *severity SEV2'"
concord --as carol status identified 2>"$T/err"; rc=$?
check "status is still the IC's alone (not-ic)" sh -c \
    "test $rc = 3 && grep -qF \"refused (not-ic): changing the status needs the right 'status' (held by: ic (alice)); carol is a responder\" '$T/err'"

# Viewers: off by default; on, dave (never acted) may follow, not act.
check "dave may act while viewers are off" quiet concord --as dave mark 1 detection
concord --as erin access viewers on 2>"$T/err"; rc=$?
check "only the IC turns viewers on" sh -c \
    "test $rc = 3 && grep -qF \"needs the right 'access'\" '$T/err'"
check "alice turns viewers on" quiet concord access viewers on
check "the log says so" \
    sh -c "'$BIN/concord' log | grep -q 'viewers on: only responders may act'"
concord --as erin note "me too" 2>"$T/err"; rc=$?
check "erin, a viewer, is refused a note (exit 3)" test $rc = 3
check "the refusal names the right and says erin is a viewer" grep -qF \
    "refused (forbidden): adding a note needs the right 'note' (held by: responder); erin is a viewer" \
    "$T/err"
concord --as erin claim nosuch 2>"$T/err"; rc=$?
check "and a claim, before the action is even looked at" sh -c \
    "test $rc = 3 && grep -qF \"needs the right 'claim'\" '$T/err'"
check "erin may still follow: log" \
    sh -c "'$BIN/concord' --as erin log | grep -q 'p99 up since 14:02'"
check "and show, which says viewers are on" sh -c \
    "'$BIN/concord' --as erin show | grep -q '^viewers on: only responders may act'"
check "show --json too" sh -c \
    "'$BIN/concord' --as erin show --json | grep -q '\"viewers\":true'"
check "dave, who has acted, still may" quiet concord --as dave note "seen it"
check "alice gives erin a role" quiet concord role assign erin lead
check "then erin may note" quiet concord --as erin note "on it"
check "viewers off again" quiet concord access viewers off
check "and frank, a newcomer, may act" quiet concord --as frank note "hello"

# The table in concord(1) is the one tests/unit/test-core.c holds the
# core's default to.
man_table() {
	sed -n '/^\.It Sy Right Ta/,/^\.El/p' "$TOP/man/concord.1" |
	    sed -n 's/^\.It Li \([a-z-]*\) Ta .* Ta \(.*\)$/\1=\2/p' | sort -u
}
unit_table() {
	sed -n 's/^	{ "[^"]*", "\([a-z-]*\)", "\([^"]*\)".*/\1=\2/p' \
	    "$TOP/tests/unit/test-core.c" | sort -u
}
check "concord(1) documents 23 rights" test "$(man_table | wc -l)" = 23
check "as the unit tests' default table" \
    test "$(man_table)" = "$(unit_table)"
finish
