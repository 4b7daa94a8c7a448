# Shared by the console tests (after lib.sh): a private tmux server of the
# test's own, the ASan/UBSan console, and reading its screen.  The caller's
# EXIT trap calls tmux_cleanup before lib.sh's cleanup.
ABIN=$TOP/bin-asan
TS=concord-$(basename "$0" .sh)-$$
unset TMUX
TERMNAME=tmux-256color
infocmp "$TERMNAME" >/dev/null 2>&1 || TERMNAME=screen-256color

tm() { tmux -L "$TS" -f /dev/null "$@"; }
tmux_cleanup() { tm kill-server 2>/dev/null; }
screen() { tm capture-pane -p -t "$1" 2>/dev/null; }
screen_has() { screen "$1" | grep -qE -- "$2"; }
screen_lacks() { ! screen_has "$@"; }
header() { screen "$1" | head -1; }
# within MS CMD...: poll CMD every 0.02 s for up to MS milliseconds (for
# bounds too tight for wait_for's whole seconds).
within() {
	local end=$(( $(date +%s%3N) + $1 )); shift
	while ! "$@"; do
		[ "$(date +%s%3N)" -ge "$end" ] && return 1
		sleep 0.02
	done
}
# console_start NAME HUB USER: USER's console on INC-1 at HUB, in tmux
# session NAME (120x30), with its own state, runtime and config dirs and
# its log in $T/con-NAME.
console_start() {
	local d=$T/con-$1
	mkdir -p "$d/state" "$d/run"
	tm set-option -g default-terminal "$TERMNAME" \; \
	    new-session -d -s "$1" -x 120 -y 30 \
	    -e TZ=UTC -e LC_ALL=C.UTF-8 -e TERM="$TERMNAME" \
	    -e CONCORD_HUB="$2" -e CONCORD_USER="$3" \
	    -e XDG_STATE_HOME="$d/state" -e XDG_RUNTIME_DIR="$d/run" \
	    -e XDG_CONFIG_HOME="$d/config" -e CONCORD_THEME= \
	    -e CONCORD_LOG="$d/log" -e ASAN_OPTIONS=detect_leaks=0 \
	    "\"$ABIN/concord\" -i INC-1 2>\"$d/stderr\""
}
# console_dump NAME...: each console's first lines and log, after a failure.
console_dump() {
	local c
	for c in "$@"; do
		echo "--- $c screen"; screen "$c" | head -3
		echo "--- $c log"; tail -20 "$T/con-$c/log" 2>/dev/null
	done
}
# is_live NAME, is_stale NAME: the console's sync state.
is_live() { header "$1" | grep -q ' LIVE seq '; }
is_stale() { header "$1" | grep -q STALE; }
# shows_digest NAME "seq N · xxxxxx": the console is LIVE at exactly that.
shows_digest() {
	[ "$(header "$1" | grep -oE 'LIVE seq [0-9]+ · [0-9a-f]{6}' |
	    sed 's/^LIVE //')" = "$2" ]
}
