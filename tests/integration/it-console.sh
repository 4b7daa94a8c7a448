# The console, driven in tmux against a real hub: two consoles agree with
# the CLI on seq and digest after a load, see each other's notes and claims
# within the liveness bound (the user's own claims marked as theirs, a
# claim made from another process as not renewed by the console), keep working (scroll, search, pending notes,
# local refusals) while the hub is gone and converge when it is back,
# survive resizes without cutting a wide character, and exit cleanly with
# no sanitizer report.  The consoles are the ASan/UBSan build, each in its
# own session of a private tmux server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"
TSOCK=
WIDE="wide 日本語テキスト ✓ ünïcödé"
# A wide character straddles the timeline's edge at 80 and 120 columns.
WIDE2="wide-even 漢字テキスト日本語テキスト漢字テキスト日本語テキスト漢字テ"
# Typed on the command line: 115 columns, too wide for 80.
LONG="入力 日本語テキスト漢字テキスト日本語テキスト漢字テキスト日本語テキスト漢字テキスト日本語テキスト漢字テキスト終わり"


console_cleanup() {
	local c
	if [ "$FAILS" != 0 ]; then
		for c in alice bob; do
			[ -d "$T/con-$c" ] || continue
			echo "--- $c screen"; screen "$c" 2>/dev/null | cat -s
			echo "--- $c stderr"; tail -40 "$T/con-$c/stderr" 2>/dev/null
			echo "--- $c log"; tail -20 "$T/con-$c/log" 2>/dev/null
			echo "--- $c exit"; cat "$T/con-$c/exit" 2>/dev/null
		done
	fi
	tm kill-server 2>/dev/null
	[ -n "$TSOCK" ] && rm -f "$TSOCK"
	cleanup
}
trap console_cleanup EXIT

# need DESC CMD...: a check the rest of the test cannot do without.
need() {
	local d=$1; shift
	if "$@"; then ok "$d"; else notok "$d"; echo "# giving up"; exit 1; fi
}
# console_open USER: the console of USER in a tmux session of that name,
# with its own state dir (outbox), config dir, log and stderr.
console_open() {
	local d=$T/con-$1

	mkdir -p "$d/state" "$d/run"
	tm set-option -g default-terminal "$TERMNAME" \; \
	    set-option -g remain-on-exit on \; \
	    new-session -d -s "$1" -x 120 -y 35 \
	    -e TZ=UTC -e LC_ALL=C.UTF-8 -e TERM="$TERMNAME" \
	    -e CONCORD_HUB="$CONCORD_HUB" -e CONCORD_USER="$1" \
	    -e XDG_STATE_HOME="$d/state" -e XDG_RUNTIME_DIR="$d/run" \
	    -e XDG_CONFIG_HOME="$d/config" -e CONCORD_THEME= \
	    -e CONCORD_LOG="$d/log" \
	    -e ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	    -e UBSAN_OPTIONS=print_stacktrace=1 \
	    "sh -c '\"$ABIN/concord\" -i INC-1 2>\"$d/stderr\"; echo EXITED \$? >>\"$d/exit\"'"
	[ -n "$TSOCK" ] || TSOCK=$(tm display-message -p '#{socket_path}')
}
digest() { header "$1" | grep -oE 'LIVE seq [0-9]+ · [0-9a-f]{6}' | sed 's/^LIVE //'; }
log_digest() { concord log | tail -1 | grep -oE 'seq [0-9]+ · [0-9a-f]{6}$'; }
# type_line NAME TEXT: type TEXT literally, then Enter.
type_line() { tm send-keys -t "$1" -l -- "$2" && tm send-keys -t "$1" Enter; }
keys() { local n=$1; shift; tm send-keys -t "$n" "$@"; }
# both_agree: both consoles LIVE at the seq and digest concord log prints.
both_agree() {
	local d
	d=$(log_digest) || return 1
	[ "$(digest alice)" = "$d" ] && [ "$(digest bob)" = "$d" ]
}
alive() {
	[ ! -e "$T/con-$1/exit" ] &&
	    [ "$(tm display-message -p -t "$1" '#{pane_dead}')" = 0 ]
}
exited_ok() { grep -qx 'EXITED 0' "$T/con-$1/exit" 2>/dev/null; }
# redrawn NAME W H: the screen is W x H and LIVE, the header spans it and
# shows the incident's clock whole or not at all (and the program's name
# unless the screen is narrower than 100 columns).
redrawn() {
	local s h
	s=$(screen "$1") || return 1
	[ "$(printf '%s\n' "$s" | wc -l)" = "$3" ] || return 1
	h=$(printf '%s\n' "$s" | head -1)
	[ "${#h}" -ge $(($2 - 4)) ] && [ "${#h}" -le "$2" ] || return 1
	printf '%s\n' "$h" | grep -qE "^ $([ "$2" -ge 100 ] && echo 'concord  ')INC-1 .* LIVE seq [0-9]+ · [0-9a-f]{6}\$" &&
	    printf '%s\n' "$s" | tail -1 | grep -q '^>' || return 1
	! printf '%s\n' "${h%LIVE*}" | grep -oE '[0-9]+:[0-9:]*' |
	    grep -vqxE '[0-9]{2}:[0-9]{2}:[0-9]{2}'
}
# shown_whole SCREEN TEXT: TEXT's line shows a prefix of TEXT made of
# whole characters (up to the edge, perhaps ending on an ellipsis), from
# its first word on.
shown_whole() {
	local line rest
	line=$(printf '%s\n' "$1" | grep -m1 -F -- "${2%% *} ") || return 1
	rest="${2%% *} ${line#*"${2%% *} "}"
	rest=${rest%"${rest##*[! ]}"}
	rest=${rest%…}		# a cut line ends on an ellipsis
	case $2 in "$rest"*) return 0 ;; esac
	echo "# cut: [$rest]"
	return 1
}
# wide_ok NAME: valid UTF-8, no line wider than the window, and the wide
# notes shown as whole characters.
wide_ok() {
	local s w
	s=$(screen "$1") || return 1
	w=$(tm display-message -p -t "$1" '#{window_width}')
	printf '%s\n' "$s" | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1 || return 1
	[ "$(printf '%s\n' "$s" | wc -L)" -le "$w" ] || return 1
	shown_whole "$s" "$WIDE" && shown_whole "$s" "$WIDE2"
}
# input_end NAME: the command line shows the end of LONG in whole
# characters.
input_end() {
	local line
	line=$(screen "$1" | tail -1)
	line=${line#> }
	line=${line%"${line##*[! ]}"}
	[ -n "$line" ] || return 1
	case $LONG in *"$line") return 0 ;; esac
	echo "# cut: [$line]"
	return 1
}
# clean_stderr FILE: the sanitizers said nothing.
clean_stderr() {
	[ -f "$1" ] &&
	    ! grep -qE 'ERROR: AddressSanitizer|LeakSanitizer|runtime error' "$1"
}
open_incident() { concord open --title "Checkout p99 latency" --sev 1 >/dev/null; }
count_in_log() { concord log | grep -c -- "$1\$"; }

hub_start --rate 0	# a bulk load: it-limits.sh tests the rate
need "the incident opens" open_incident
console_open alice
console_open bob

# 1. Agreement after a load written by the CLI.
need "alice's console comes up LIVE" wait_for 20 screen_has alice 'LIVE seq 1 · [0-9a-f]{6}$'
need "bob's console comes up LIVE" wait_for 20 screen_has bob 'LIVE seq 1 · [0-9a-f]{6}$'
seq 1 1000 | sed 's/^/load /' | concord note --stdin >/dev/null
check "1,000 notes from standard input" test $? = 0
concord note "the last note" >/dev/null
check "and the last note" test $? = 0
check "concord log ends at seq 1002" sh -c \
    "'$BIN/concord' log | tail -1 | grep -qE '^-- INC-1 at seq 1002 · [0-9a-f]{6}\$'"
need "both consoles are LIVE at the log's seq and digest" wait_for 30 both_agree
check "alice's header says seq 1002" test "$(digest alice | cut -d' ' -f2)" = 1002
check "bob's too" test "$(digest bob | cut -d' ' -f2)" = 1002
check "the last note is on alice's screen" screen_has alice ' alice +ic +the last note$'
check "and on bob's" screen_has bob ' alice +ic +the last note$'
check "alice sees bob present" wait_for 10 screen_has alice '^ bob[ ,]'
check "bob sees himself present" wait_for 10 screen_has bob '^ bob \(you\)'

# 2. A note and a claim made in alice's console reach bob's within 2 s.
concord declare failover-db --desc "promote replica" >/dev/null
concord declare purge-cache --desc "purge the CDN cache" --after failover-db >/dev/null
check "bob's Actions pane lists failover-db free" wait_for 10 screen_has bob '^ failover-db +FREE'
check "and purge-cache blocked" wait_for 10 screen_has bob '^ purge-cache +BLOCKED after fail'
type_line alice "checking the replica lag"
check "alice's note is in bob's timeline within 2 s" \
    within 2000 screen_has bob ' alice +ic +checking the replica lag$'
type_line alice "/claim failover-db"
check "alice's claim is in bob's timeline within 2 s" \
    within 2000 screen_has bob ' alice +ic +claimed failover-db \(fence [0-9]+, 30 s lease\)'
check "bob's Actions pane shows HELD alice within 2 s" \
    within 2000 screen_has bob '^ failover-db +HELD alice f[0-9]+ [0-9]+s'
check "alice's message line says the claim was sent (or that she holds it)" \
    screen_has alice '^ (sent: /claim failover-db$|you hold failover-db)'
check "alice's own Actions pane shows it as hers, renewed here, with its countdown" \
    wait_for 5 screen_has alice '^ failover-db +HELD you (f[0-9]+ )?[0-9]+s (renewed here|↻)'
# A claim of alice's made by another process: not renewed by her console.
concord declare k9 --desc "restart the k9 worker" >/dev/null
concord claim k9 --ttl 60 >/dev/null
check "a claim alice made from the CLI shows in her console as not renewed here" \
    wait_for 10 screen_has alice '^ k9 +HELD you (f[0-9]+ )?[0-9]+s (not renewed here|not here|!) *│'
check "and her message line says this console does not renew it" \
    wait_for 5 screen_has alice '^ you hold k9 from another process: this console does not renew it'
check "bob sees alice hold it" wait_for 5 screen_has bob '^ k9 +HELD alice f[0-9]+ [0-9]+s'
check "concord log has the claim by alice" sh -c \
    "'$BIN/concord' log | grep -q 'alice.*claimed failover-db'"

# 3. The hub dies: STALE, still usable, notes pending, claims refused.
hub_kill9
for c in alice bob; do
	need "$c's console shows STALE within 5 s" within 5000 screen_has $c \
	    '^ concord .* STALE [0-9]+:[0-9]{2} — as of [0-9]{2}:[0-9]{2}:[0-9]{2}$'
done
for c in alice bob; do
	check "$c's Timeline title says as of" screen_has $c ' Timeline \(as of [0-9:]{8}\) '
	check "$c's Roles title too" screen_has $c ' Roles \(as of [0-9:]{8}\) '
	check "$c's Actions title too" screen_has $c ' Actions \(as of [0-9:]{8}\) '
	keys $c Escape
	check "$c: Esc clears the message line" wait_for 5 screen_has $c '^ Tab complete/focus'
	keys $c Tab
	check "$c: Tab on an empty line focuses the timeline" \
	    wait_for 5 screen_has $c '^ j/k scroll'
	keys $c k k k
	check "$c: k scrolls the stale timeline" wait_for 5 \
	    screen_has $c ' Timeline \(scrolled 3 up; G follows\) \(as of'
	check "$c: the newest entries have scrolled off the bottom" \
	    screen_lacks $c 'claimed failover-db|declared k9|claimed k9'
	keys $c /
	check "$c: / opens a search" wait_for 5 screen_has $c '^search:'
	type_line $c "load 99"
	check "$c: the search finds the newest match" \
	    wait_for 5 screen_has $c '^ match at #1000 \(n older'
	check "$c: and shows it" screen_has $c ' alice +ic +load 999$'
	check "$c: the search stays in the timeline" \
	    screen_has $c '^ TIMELINE  keys move it'
	keys $c n
	check "$c: n finds an older match" wait_for 5 screen_has $c '^ match at #999 '
	keys $c N
	check "$c: N a newer one" wait_for 5 screen_has $c '^ match at #1000 '
	keys $c G
	check "$c: G follows again" wait_for 5 screen_has $c ' Timeline \(as of'
	check "$c: the newest entry is back in view" \
	    screen_has $c 'claimed failover-db'
	keys $c Escape
	type_line $c "/claim purge-cache"
	check "$c: a claim is refused locally, saying why" wait_for 5 screen_has $c \
	    '^ claim needs a live hub: not connected since [0-9]{2}:[0-9]{2}:[0-9]{2}$'
done
type_line alice "noted while the hub was down"
check "alice's note shows as pending" \
    wait_for 5 screen_has alice ' alice +pending… noted while the hub was down$'
check "the message line says it is kept" screen_has alice '^ not connected: the note is kept'
check "bob's console does not have it" screen_lacks bob 'noted while'
check "alice's console is alive with the hub down" alive alice
check "bob's too" alive bob
hub_start
need "alice is LIVE again within 15 s" wait_for 15 screen_has alice 'LIVE seq [0-9]+ · [0-9a-f]{6}$'
need "bob is LIVE again within 15 s" wait_for 15 screen_has bob 'LIVE seq [0-9]+ · [0-9a-f]{6}$'
check "alice's pending note is delivered" wait_for 10 screen_lacks alice 'pending…'
check "bob sees it" wait_for 10 screen_has bob ' alice +ic +noted while the hub was down$'
check "both agree with concord log again" wait_for 10 both_agree
check "the pending note is in the log exactly once" \
    test "$(count_in_log 'noted while the hub was down')" = 1
check "the refused claim was never queued" test "$(count_in_log 'claimed purge-cache')" = 0

# 4. Resizes, with wide characters on screen.
concord note "$WIDE" >/dev/null
concord note "$WIDE2" >/dev/null
check "the wide notes reach alice" wait_for 10 screen_has alice 'wide-even 漢字'
check "and bob" wait_for 10 screen_has bob 'wide-even 漢字'
check "at 120x35 the wide notes are whole" wide_ok alice
tm send-keys -t alice -l -- "$LONG"
check "a wide line typed at 120x35 is shown whole" wait_for 5 screen_has alice "^> $LONG\$"
for size in "80 24" "200 60" "80 24" "120 35"; do
	set -- $size
	tm resize-window -t alice -x "$1" -y "$2"
	check "alice redraws at $1x$2" wait_for 10 redrawn alice "$1" "$2"
	need "alice is alive at $1x$2" alive alice
	check "at $1x$2 no wide character is cut" wide_ok alice
	check "at $1x$2 the command line shows the end of the typed line" input_end alice
done
for i in 1 2 3 4 5; do
	tm resize-window -t alice -x 80 -y 24 \; resize-window -t bob -x 200 -y 60
	tm resize-window -t alice -x 200 -y 60 \; resize-window -t bob -x 80 -y 24
done
tm resize-window -t alice -x 81 -y 25 \; resize-window -t bob -x 119 -y 34
check "after quick resizes alice redraws at 81x25" wait_for 10 redrawn alice 81 25
check "and bob at 119x34" wait_for 10 redrawn bob 119 34
need "both are alive" sh -c "test ! -e $T/con-alice/exit -a ! -e $T/con-bob/exit"
check "alice's command line still shows the end of the typed line" input_end alice
keys alice Enter
check "the typed wide line reaches bob as a note" \
    wait_for 10 screen_has bob ' alice +ic +入力 日本語'
check "alice's wide notes are whole" wide_ok alice
check "bob's too" wide_ok bob
check "and they still agree" wait_for 10 both_agree
check "the typed line is in the log whole" test "$(count_in_log "  $LONG")" = 1

# 5. Quit cleanly: status 0 and no sanitizer report.
for c in alice bob; do
	type_line $c /quit
done
for c in alice bob; do
	check "$c's console exits with status 0" wait_for 30 exited_ok $c
	check "$c's stderr has no ASan, LSan or UBSan report" \
	    clean_stderr "$T/con-$c/stderr"
done
finish
