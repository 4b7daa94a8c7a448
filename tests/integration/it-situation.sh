# The console at 3 a.m., driven in tmux against a real hub (the ASan/UBSan
# build): the situation in view at 80x24 (the working summary, both held
# actions of fourteen with "+N more", a help that scrolls to its end);
# command offered to bob reaches his screen as a banner and the key it
# names accepts it; a search stays in the timeline, so letters and Enter
# after it never become a note; a note carrying escape sequences and a bidi
# override shows escaped on every console, in log and in show, and the
# terminal's title is untouched; an amended note reads as amended, and
# Enter shows it whole with both texts; a search match is drawn in a
# style of its own (a background on colour, reverse under NO_COLOR); the
# ASCII fallback replaces whole characters; a line past the limit is
# refused, not sent cut; a console on the private embedded hub says so in
# its header; and one on an incident the hub does not have is refused
# before its screen opens, with the hub's incidents.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"
EMB_SOCK=$XDG_RUNTIME_DIR/concord/hub.sock
embedded_pids() { pgrep -f "^[^ ]*concordd --socket $EMB_SOCK" || true; }

situation_cleanup() {
	local c p
	if [ "$FAILS" != 0 ]; then
		for c in alice bob carol plain nocolor private; do
			[ -d "$T/con-$c" ] || continue
			echo "--- $c screen"; screen "$c" 2>/dev/null | cat -s
			echo "--- $c stderr"; tail -20 "$T/con-$c/stderr" 2>/dev/null
			echo "--- $c log"; tail -10 "$T/con-$c/log" 2>/dev/null
		done
	fi
	tm kill-server 2>/dev/null
	for p in $(embedded_pids); do kill -9 "$p"; done
	cleanup
}
trap situation_cleanup EXIT

# open_console NAME USER W H [ENV...]: USER's console on INC-1 in tmux
# session NAME, W x H, with its own state, runtime and config dirs.
open_console() {
	local n=$1 u=$2 w=$3 h=$4 d=$T/con-$1 env=()
	shift 4
	while [ $# -gt 0 ]; do env+=(-e "$1"); shift; done
	mkdir -p "$d/state" "$d/run"
	tm set-option -g default-terminal "$TERMNAME" \; \
	    new-session -d -s "$n" -x "$w" -y "$h" \
	    -e TZ=UTC -e LC_ALL=C.UTF-8 -e TERM="$TERMNAME" \
	    -e CONCORD_HUB="$CONCORD_HUB" -e CONCORD_USER="$u" \
	    -e XDG_STATE_HOME="$d/state" -e XDG_RUNTIME_DIR="$d/run" \
	    -e XDG_CONFIG_HOME="$d/config" -e CONCORD_THEME= \
	    -e CONCORD_LOG="$d/log" \
	    -e ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	    -e UBSAN_OPTIONS=print_stacktrace=1 "${env[@]}" \
	    "\"$ABIN/concord\" -i INC-1 2>\"$d/stderr\""
}
type_line() { tm send-keys -t "$1" -l -- "$2" && tm send-keys -t "$1" Enter; }
keys() { local n=$1; shift; tm send-keys -t "$n" "$@"; }
events() { concord log --json | wc -l; }
live_at() { header "$1" | grep -q "LIVE seq $2 "; }
# ic_is NAME USER: the header names USER as IC.
ic_is() { header "$1" | grep -qE "  IC $2 "; }
# no_raw FILE: no escape, C1 CSI or bidi override byte sequence in FILE.
no_raw() { ! grep -qE "$(printf '\033|\302\233|\342\200\256')" "$1"; }
clean_stderr() {
	! grep -qE 'ERROR: AddressSanitizer|LeakSanitizer|runtime error' "$1"
}

hub_start
concord open --title "Checkout p99 latency" --sev 1 >/dev/null
concord summary "db primary degraded; checkout slow" >/dev/null
concord role assign bob ops >/dev/null
concord role assign carol subject-matter-expert >/dev/null
for i in $(seq 1 14); do
	concord declare "act-$i" --desc "recovery step $i" >/dev/null
done
# Held: the last declared two, so declaration order would hide them.
concord --as bob claim act-13 --ttl 600 >/dev/null
concord --as carol claim act-14 --ttl 600 >/dev/null

# 1. 80x24: the situation in view.
open_console alice alice 80 24
head=$(events)
if ! wait_for 20 live_at alice "$head"; then
	notok "alice's console comes up LIVE at 80x24"; exit 1
fi
ok "alice's console comes up LIVE at 80x24"
check "the working summary is in view" screen_has alice ' Summary db primary degraded; checkout slow'
check "both held actions are on screen" sh -c \
    "tmux -L '$TS' -f /dev/null capture-pane -p -t alice | grep -qE '^ act-13 +HELD bob' &&
     tmux -L '$TS' -f /dev/null capture-pane -p -t alice | grep -qE '^ act-14 +HELD carol'"
check "held actions come first" sh -c \
    "tmux -L '$TS' -f /dev/null capture-pane -p -t alice | grep -A1 -E '^ act-13 ' | grep -qE '^ act-14 '"
check "and +N more says what does not fit" screen_has alice '^ \+[0-9]+ more '
check "the screen is 24 rows and no wider than 80" sh -c \
    "test \$(tmux -L '$TS' -f /dev/null capture-pane -p -t alice | wc -l) = 24 &&
     test \$(tmux -L '$TS' -f /dev/null capture-pane -p -t alice | wc -L) -le 80"
check "the long role is cut with an ellipsis, not silently" screen_has alice '^ subject-matter… +carol'
check "the header names the hub" sh -c "tmux -L '$TS' -f /dev/null capture-pane -p -t alice | head -1 | grep -q ' hub.sock  LIVE seq '"
keys alice '?'
check "? opens the help" wait_for 5 screen_has alice 'Keys and commands'
check "which says it scrolls" screen_has alice 'lines 1-[0-9]+ of [0-9]+'
check "/quit is not in view yet at 80x24" screen_lacks alice '/quit'
keys alice NPage
check "PgDn reaches /quit" wait_for 5 screen_has alice '/quit \(or Ctrl-C\)'
keys alice Escape
check "Esc closes it" wait_for 5 screen_lacks alice 'Keys and commands'

# 2. Command offered to bob: a banner, and the key it names accepts it.
open_console bob bob 80 24
wait_for 20 live_at bob "$(events)"
concord command offer bob >/dev/null
check "bob's console shows the offer banner within 2 s" \
    within 2000 screen_has bob 'alice offers you command: Ctrl-Y accepts'
check "alice's says it waits" wait_for 5 screen_has alice 'command offered to bob by alice, not yet accepted'
keys bob C-y
check "bob's header shows IC bob" wait_for 5 ic_is bob bob
check "alice's too" wait_for 5 ic_is alice bob
check "and the banner is gone" wait_for 5 screen_lacks bob 'offers you command'
check "the log has bob accepting" sh -c "'$BIN/concord' log | grep -q 'bob .*accepted command'"

# 3. A search stays in the timeline: nothing typed after it is a note.
concord note "the replica lag is 40 s" >/dev/null
wait_for 10 screen_has alice 'the replica lag is 40 s'
before=$(events)
keys alice Tab
check "Tab on an empty line gives the timeline the keys" \
    wait_for 5 screen_has alice '^ TIMELINE  keys move it'
keys alice /
check "/ types a search" wait_for 5 screen_has alice '^search:'
type_line alice replica
check "the search finds it" wait_for 5 screen_has alice '^ match at #[0-9]+ \(n older'
check "and the keys stay in the timeline" screen_has alice '^ TIMELINE  keys move it'
tm send-keys -t alice -l -- "Gfoo bar"
keys alice Enter
check "letters and Enter in the timeline open the entry, not a note" \
    wait_for 5 screen_has alice '^ *#[0-9]+  note by alice'
keys alice Escape
tm send-keys -t alice -l -- "q/nonexistentzzz"
keys alice Enter
keys alice Escape Escape
sleep 1		# anything sent would be logged by now (well within it)
check "no new event was logged" test "$(events)" = "$before"
check "Esc or i goes back to typing" wait_for 5 screen_has alice '^> *$'

# 4. Escape sequences and a bidi override: escaped everywhere (on screens
#    wide enough to show the whole note).
tm resize-window -t alice -x 160 -y 40 \; resize-window -t bob -x 160 -y 40
open_console carol carol 160 40
wait_for 20 live_at carol "$(events)"
title=$(tm display-message -p -t bob '#{pane_title}')
evil=$(printf 'evil \033[2J x \033]0;pwned\007 y \342\200\256 z')
concord note "$evil" >/dev/null
for c in alice bob carol; do
	check "$c's console shows the note escaped" wait_for 10 screen_has $c \
	    'evil \\e\[2J x \\e\]0;pwned\\a y \\u202e z'
done
check "the terminal title is unchanged" test "$(tm display-message -p -t bob '#{pane_title}')" = "$title"
check "and says nothing of pwned" sh -c "! tmux -L '$TS' -f /dev/null display-message -p -t bob '#{pane_title}' | grep -q pwned"
concord log >"$T/log.txt"
check "log shows it escaped" grep -qF 'evil \e[2J x \e]0;pwned\a y \u202e z' "$T/log.txt"
check "with nothing raw" no_raw "$T/log.txt"
concord --as bob decide "$evil" >/dev/null
concord show >"$T/show.txt"
check "show shows it escaped (the decision's text)" \
    grep -qF 'by bob: evil \e[2J x \e]0;pwned\a y \u202e z' "$T/show.txt"
check "with nothing raw" no_raw "$T/show.txt"

# 5. An amended note reads as amended; its detail has both texts.
concord --as carol note "cache hit rate looks low" >/dev/null
seq=$(concord log | grep 'cache hit rate looks low' | sed 's/.*#\([0-9]*\) .*/\1/')
concord --as carol amend "$seq" "cache hit rate is normal" >/dev/null
check "the console shows the new text with the mark" \
    wait_for 10 screen_has carol 'carol +subje… +\(amended\) cache hit rate is normal'
keys carol Tab
wait_for 5 screen_has carol '^ TIMELINE'
# The amendment is the newest entry; the note is the one before it.
keys carol k Enter
check "Enter opens the note whole" wait_for 5 screen_has carol "#$seq  note by carol"
check "with its current text" screen_has carol 'Now reads \(amended at #[0-9]+\):'
check "and the original" screen_has carol 'Originally:'
check "  as it was" screen_has carol '  cache hit rate looks low'
check "and the amendment" screen_has carol "#[0-9]+ [0-9:]{8} carol: amended #$seq: cache hit rate is normal"
check "with the author's role" screen_has carol 'Role: +subject-matter-expert'
keys carol Escape Escape

# 6. A match in its own style: a background on colour, reversed in NO_COLOR.
keys alice Tab /
wait_for 5 screen_has alice '^search:'
type_line alice "replica lag"
wait_for 5 screen_has alice '^ match at #'
row=$(tm capture-pane -e -p -t alice | grep 'the replica lag is 40 s')
check "the match row has a background colour of its own" \
    sh -c "printf '%s' \"\$1\" | grep -q '48;5;221m'" _ "$row"
check "and is never black on black" sh -c "! printf '%s' \"\$1\" | grep -qE '\[30m.*\[40m|\[40m.*\[30m'" _ "$row"
keys alice Escape
open_console nocolor dave 100 30 NO_COLOR=1
wait_for 20 live_at nocolor "$(events)"
keys nocolor Tab /
wait_for 5 screen_has nocolor '^search:'
type_line nocolor "replica lag"
wait_for 5 screen_has nocolor '^ match at #'
row=$(tm capture-pane -e -p -t nocolor | grep 'the replica lag is 40 s')
check "under NO_COLOR the match is reversed" \
    sh -c "printf '%s' \"\$1\" | grep -qE '\[([0-9]+;)*7m'" _ "$row"
check "and uses no colour at all" sh -c "! tmux -L '$TS' -f /dev/null capture-pane -e -p -t nocolor | grep -qE '\[(3|4)[0-7]m|[34]8;5;'"

# 7. The ASCII fallback replaces whole characters.
concord note "wide 日本語 ✓ ünï end" >/dev/null
open_console plain erin 100 30 LC_ALL=C
wait_for 20 live_at plain "$(events)"
check "under LC_ALL=C each character is one ?" screen_has plain 'wide \?\?\? \? \?n\? end'
check "and the pane rules are ASCII" screen_has plain ' Timeline -----'

# 8. A line past the limit is refused, not sent cut.
before=$(events)
tm send-keys -t bob -l -- "$(head -c 4500 /dev/zero | tr '\0' x)"
check "keys past the line's limit are refused with a message" \
    wait_for 10 screen_has bob 'the line is full \(at most [0-9]+ bytes\)'
keys bob Enter
check "Enter does not send it" wait_for 5 screen_has bob 'not sent: [0-9]+ characters did not fit'
keys bob Enter
check "a second Enter, with the line still over a note's limit, does not either" \
    wait_for 5 screen_has bob 'not sent: a note is at most 4096 bytes'
check "nothing was logged" test "$(events)" = "$before"
keys bob C-u

# 9. The private embedded hub says so.
env -u CONCORD_HUB "$BIN/concord" open --title "on my own" >/dev/null 2>&1
d=$T/con-private
mkdir -p "$d"
tm new-session -d -s private -x 100 -y 30 \
    -e TZ=UTC -e LC_ALL=C.UTF-8 -e TERM="$TERMNAME" -e CONCORD_USER=alice \
    -e XDG_STATE_HOME="$XDG_STATE_HOME" -e XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" \
    -e XDG_CONFIG_HOME="$d/config" -e CONCORD_THEME= -e CONCORD_LOG="$d/log" \
    -e ASAN_OPTIONS=detect_leaks=0 \
    "env -u CONCORD_HUB \"$ABIN/concord\" -i INC-1 2>\"$d/stderr\""
check "a console on the embedded hub names it private in its header" \
    wait_for 20 sh -c "tmux -L '$TS' -f /dev/null capture-pane -p -t private | head -1 | grep -qE ' private  LIVE seq [0-9]+ '"

# 10. An incident the hub does not have: refused before the screen opens.
tm new-session -d -s nosuch -x 100 -y 30 \
    -e TZ=UTC -e LC_ALL=C.UTF-8 -e TERM="$TERMNAME" -e CONCORD_USER=alice \
    -e CONCORD_HUB="$CONCORD_HUB" -e XDG_STATE_HOME="$T/con-nosuch" \
    -e XDG_RUNTIME_DIR="$T/con-nosuch" -e ASAN_OPTIONS=detect_leaks=0 \
    "sh -c '\"$ABIN/concord\" -i INC-9 2>\"$T/nosuch.err\"; echo EXITED \$? >\"$T/nosuch.exit\"; sleep 600'"
check "a console on an unknown incident exits 3" \
    wait_for 20 grep -qsx 'EXITED 3' "$T/nosuch.exit"
check "naming the hub's incidents" sh -c \
    "grep -q 'refused (no-incident): no incident INC-9 on this hub' '$T/nosuch.err' && grep -q '^  INC-1  SEV1' '$T/nosuch.err'"

for c in alice bob carol; do
	type_line $c /quit
done
sleep 2
for c in alice bob carol nocolor plain; do
	check "$c's stderr has no sanitizer report" clean_stderr "$T/con-$c/stderr"
done
finish
