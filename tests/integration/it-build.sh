# Build hygiene: every source compiles without warnings under clang as well
# as gcc (which built the binaries), every module keeps to src/layers, and
# each program links only its own libraries: concordd (sanitizer build
# included) no curses and no libcurl, concord curses.
. "$(dirname "$0")/lib.sh"
check "clang: every source warning-free with -Wall -Wextra -Werror" \
    make -s -C "$TOP" check-clang
check "every module keeps to src/layers" make -s -C "$TOP" layers
# links BINARY LIB: BINARY needs a shared library whose name starts LIB.
links() { ldd "$1" | grep -q "^[[:space:]]*$2[.-]"; }
for b in "$TOP/bin/concordd" "$TOP/bin-asan/concordd"; do
	n=${b#"$TOP"/}
	check "$n links libwebsockets and sqlite3" \
	    eval 'links "$b" libwebsockets && links "$b" libsqlite3'
	# libcurl comes with telemetry (src/tele), which the hub runs.
	for l in libncursesw libncurses libtinfo \
	    $([ -d "$TOP/src/tele" ] || echo libcurl); do
		check "$n links no $l" eval '! links "$b" $l'
	done
done
for b in "$TOP/bin/concord" "$TOP/bin-asan/concord"; do
	check "${b#"$TOP"/} links libncursesw" links "$b" libncursesw
done
for t in "$TOP"/build/tests/test-* "$TOP"/build/tools/*; do
	[ -x "$t" ] || continue
	check "${t#"$TOP"/} is linked and loads" eval \
	    '! ldd "$t" | grep -q "not found"'
done
finish
