# The layer check (tests/tools/layers.sh against src/layers, run by every
# `make`): it passes on the real tree and fails, naming the file, the line
# and the rule, on a copy given a forbidden include or call.
. "$(dirname "$0")/lib.sh"
C=$T/tree
fresh() { # a clean copy of what the check reads
	rm -rf "$C" && mkdir -p "$C/tests" &&
	    cp -R "$TOP/src" "$TOP/include" "$TOP/Makefile" "$C/" &&
	    cp -R "$TOP/tests/tools" "$C/tests/"
}
layers() { sh "$TOP/tests/tools/layers.sh" "$C" >"$T/out" 2>&1; }
# add FILE TEXT: append TEXT to FILE; its last line number is in $L.
add() { printf '%s\n' "$2" >>"$C/$1"; L=$(wc -l <"$C/$1"); }
# fails_with DESC MSG: the check fails and says MSG.
fails_with() {
	if layers; then
		notok "$1: the check passed"
	elif ! grep -qxF "$2" "$T/out"; then
		notok "$1: no \"$2\" in:"; cat "$T/out"
	else
		ok "$1"
	fi
}

check "the real tree keeps to its layers" sh "$TOP/tests/tools/layers.sh" "$TOP"
check "make runs the check" eval 'make -n -C "$TOP" all | grep -q "tests/tools/layers.sh"'
fresh
check "a copy of the tree passes" layers
check "make passes on the copy" make -s -C "$C" layers

add src/core/core-valid.c '#include <curses.h>'
fails_with "the core including curses fails" \
    "src/core/core-valid.c:$L: module core may not include curses (<curses.h>)"
check "make fails on it" eval '! make -s -C "$C" layers >/dev/null 2>&1'

fresh
add src/client/client-cmd-note.c 'static void f(void) { tui_main(NULL); }'
fails_with "the client calling the console fails" \
    "src/client/client-cmd-note.c:$L: module client may not call tui (tui_main)"

fresh
add src/client/client-main.c '#include "tui.h"'
fails_with "the client including tui.h fails" \
    "src/client/client-main.c:$L: module client may not include tui (\"tui.h\")"

fresh
add src/core/core-state.c 'static long f(void) { return util_clock_mono_ms(); }'
fails_with "the core reading the clock fails" \
    "src/core/core-state.c:$L: module core may not call util (util_clock_mono_ms)"

fresh
add src/hub/hub-ws.c 'static void f(void) { client_run(0, NULL); }'
fails_with "the hub calling the client fails" \
    "src/hub/hub-ws.c:$L: module hub may not call client (client_run)"

fresh
add src/hub/hub-ws.c 'static void f(void) { client_outbox_quiet(); }'
fails_with "the hub touching the client's outbox fails" \
    "src/hub/hub-ws.c:$L: module hub may not call client (client_outbox_quiet)"

fresh
add src/proto/proto-msg.c '#include <sqlite3.h>'
fails_with "sqlite3 outside the store and the client's outbox fails" \
    "src/proto/proto-msg.c:$L: module proto may not include sqlite3 (<sqlite3.h>)"

fresh
add src/util/util-misc.c '#include <zlib.h>'
fails_with "a header of no known library fails" \
    "src/util/util-misc.c:$L: header <zlib.h> is in no library of src/layers"

fresh
mkdir -p "$C/src/extra" && add src/extra/extra-x.c 'int extra_x(void);'
fails_with "a module with no rule fails" \
    "src/extra/extra-x.c:1: module extra has no rule in src/layers"

fresh
add src/client/client-cmd-note.c '/* tui_main(a); */ static const char *s = "tui_main(a)";'
add src/client/client-cmd-note.c "static void g(struct tui *t) { t->tui_x(); (void)'\"'; }"
check "comments, strings and members are not calls" layers

finish
