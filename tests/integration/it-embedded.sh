# The embedded hub: with no hub configured, concord starts a private
# concordd on a Unix socket under $XDG_RUNTIME_DIR/concord with its store
# under $XDG_STATE_HOME/concord, once, fully detached, and reuses it.
# check-pg: skip (the private hub concord starts, on SQLite)
. "$(dirname "$0")/lib.sh"
unset CONCORD_HUB
sock=$XDG_RUNTIME_DIR/concord/hub.sock
hubpids() { pgrep -f "^[^ ]*concordd --socket $sock" || true; }
embedded_cleanup() { for p in $(hubpids); do kill -9 "$p"; done; }
trap 'embedded_cleanup; cleanup' EXIT

# Two first calls at once start one hub.
( "$BIN/concord" open --title one >"$T/o1" 2>&1; echo $? >"$T/r1" ) &
( "$BIN/concord" open --title two >"$T/o2" 2>&1; echo $? >"$T/r2" ) &
wait
check "both first calls succeed" test "$(cat $T/r1)$(cat $T/r2)" = 00
check "exactly one hub was started" test "$(hubpids | wc -l)" = 1
check "its socket is in the runtime dir" test -S "$sock"
check "its store is in the state dir" test -f "$XDG_STATE_HOME/concord/concord.db"
pid=$(hubpids)
check "the hub is in a session of its own" test "$(ps -o sid= -p "$pid")" != "$(ps -o sid= -p $$)"
check "the hub's standard output is not the caller's" sh -c "readlink /proc/$pid/fd/1 | grep -q /dev/null"
check "reused afterwards" "$BIN/concord" -i INC-1 note reused
check "still one hub" test "$(hubpids | wc -l)" = 1
# A caller reading concord's output through a pipe is not held open by
# the hub: this pipeline ends even though the hub runs on.
embedded_cleanup
rm -f "$sock"
check "a pipeline through a first call ends (no pipe held open)" \
    timeout 20 sh -c "'$BIN/concord' incidents | cat >/dev/null"
check "the hub started by that call is still running" test "$(hubpids | wc -l)" = 1
check "no libwebsockets log lines reach the caller's terminal" sh -c \
    "! '$BIN/concord' -i INC-1 log 2>&1 | grep -qi 'lws\|libwebsockets'"
finish
