# The console resynchronises by itself when the hub's log is not the one it
# holds (a hub brought back with another store: a chain that does not match,
# or fewer events), and it degrades well on other terminals: ASCII lines
# when the locale is not UTF-8, an 8-colour terminal, NO_COLOR.
# check-pg: skip (starts hubs of its own, each on its own SQLite store)
. "$(dirname "$0")/lib.sh"
TM="tmux -L concord-resync-$$ -f /dev/null"
resync_cleanup() { $TM kill-server 2>/dev/null; cleanup; }
trap resync_cleanup EXIT
screen() { $TM capture-pane -p -t "$1" 2>/dev/null; }
has() { screen "$1" | grep -qE -- "$2"; }
console() { # NAME ENV... : a console on INC-1 with extra environment
	local name=$1; shift
	$TM new-session -d -s "$name" -x 100 -y 30 "env TZ=UTC \
	    CONCORD_HUB=$CONCORD_HUB CONCORD_USER=$name \
	    XDG_STATE_HOME=$T/st-$name CONCORD_LOG=$T/$name.log $* \
	    $TOP/bin-asan/concord -i INC-1 2>$T/$name.err"
}
tail_digest() { concord -i INC-1 log | tail -1 | sed 's/.*at seq \([0-9]*\) · \(.*\)/seq \1 · \2/'; }

# A second store where INC-1 has another, longer history.
hub_user "$T/other"
"$BIN/concordd" --socket "$T/other.sock" --data "$T/other" >"$T/other.out" 2>&1 &
other=$!
PIDS+=($other)
wait_for 20 grep -q listening "$T/other.out"
CONCORD_HUB=unix:$T/other.sock concord open --title "other history" >/dev/null
seq 1 9 | sed 's/^/other /' | CONCORD_HUB=unix:$T/other.sock concord -i INC-1 note --stdin >/dev/null
kill "$other"; wait "$other" 2>/dev/null

hub_start --data "$T/data"
concord open --title "first history" >/dev/null
seq 1 4 | sed 's/^/first /' | concord -i INC-1 note --stdin >/dev/null
console zoe TERM=screen-256color LC_ALL=C.UTF-8
check "the console is live on the first history" wait_for 20 has zoe "LIVE $(tail_digest)\$"

# The hub comes back with the other store: the chain no longer matches.
hub_kill9
"$BIN/concordd" --socket "$T/hub.sock" --data "$T/other" >"$T/hub2.out" 2>&1 &
HUB_PID=$!
wait_for 20 grep -q listening "$T/hub2.out"
check "the console resynchronises onto the hub's log" wait_for 30 has zoe "LIVE $(tail_digest)\$"
check "it shows the other history" wait_for 5 has zoe 'other 9$'
check "and none of the first" sh -c "! $TM capture-pane -p -t zoe | grep -q 'first 4'"

# And back: the hub now has fewer events than the console holds.
hub_kill9
"$BIN/concordd" --socket "$T/hub.sock" --data "$T/data" >"$T/hub3.out" 2>&1 &
HUB_PID=$!
wait_for 20 grep -q listening "$T/hub3.out"
check "with fewer events on the hub it resynchronises too" wait_for 30 has zoe "LIVE $(tail_digest)\$"
check "showing the first history again" has zoe 'first 4$'

# Other terminals.
console ascii TERM=screen LC_ALL=C
check "without a UTF-8 locale the lines are ASCII" wait_for 20 has ascii '^ Roles -+\|'
check "and the sync state is still shown" has ascii 'LIVE seq [0-9]+ \. [0-9a-f]{6}$'
console plain TERM=screen-256color LC_ALL=C.UTF-8 NO_COLOR=1
check "NO_COLOR: the console runs" wait_for 20 has plain 'LIVE seq'
$TM send-keys -t plain "with no colour" Enter
check "and works" wait_for 10 sh -c "'$BIN/concord' -i INC-1 log | grep -q 'plain (by $ME)  with no colour'"
for s in zoe ascii plain; do $TM send-keys -t "$s" "/quit" Enter; done
check "no sanitizer reports" wait_for 10 sh -c \
    "! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' $T/zoe.err $T/ascii.err $T/plain.err && [ -z \"\$($TM list-sessions 2>/dev/null)\" ]"
finish
