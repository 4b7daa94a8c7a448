# Build hygiene: every source compiles without warnings under clang as well
# as gcc (which built the binaries), and the pure core and the protocol
# include no curses, libwebsockets or curl headers.
. "$(dirname "$0")/lib.sh"
check "clang: every source warning-free with -Wall -Wextra -Werror" \
    make -s -C "$TOP" check-clang
check "the core and protocol include no I/O library headers" make -s -C "$TOP" purity
finish
