# concord: incident coordination console and its hub.
#
# `make` builds bin/concord and bin/concordd; `make demo` runs a scripted
# incident on a hub of its own, stopped with it.  Missing Debian -dev
# packages are installed once (stamp .deps.stamp) with apt-get when
# pkg-config cannot find them.  `make check` builds everything and runs every unit and integration
# test, ending with one line "N passed, N failed".

CC      ?= cc
PKGS    := ncursesw libwebsockets libcurl libcjson sqlite3 libcrypto libpq
DEBS    := libncurses-dev libwebsockets-dev libcurl4-openssl-dev libcjson-dev \
           libsqlite3-dev libssl-dev libcmocka-dev pkg-config tmux procps psmisc \
           socat curl sqlite3 clang iproute2 libclang-rt-14-dev \
           prometheus prometheus-alertmanager openssl ca-certificates \
           libpq-dev postgresql
WARN    := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wwrite-strings \
           -Wmissing-prototypes -Wstrict-prototypes -Wformat=2
OPT     ?= -O2 -g
SAN     ?=
CFLAGS  += -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(SAN) -Iinclude

DEPS_STAMP := .deps.stamp
B          ?= build
BIN        ?= bin

# Flags are only asked of pkg-config once the dependencies are in place.
# Each program links only the libraries its modules use (src/layers says
# which module may use which): concordd never links curses.
pkglibs    = $(shell pkg-config --libs $(1) 2>/dev/null)
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIB_PKGS   := libcjson sqlite3 libpq libcrypto
HUB_PKGS   = libwebsockets $(LIB_PKGS) $(if $(TELE_SRC),libcurl)
CLI_PKGS   := ncursesw libwebsockets $(LIB_PKGS)
LIB_LIBS   = $(call pkglibs,$(LIB_PKGS))
HUB_LIBS   = $(call pkglibs,$(HUB_PKGS))
CLI_LIBS   = $(call pkglibs,$(CLI_PKGS))
CORE_LIBS  = $(call pkglibs,libcrypto)
PROTO_LIBS = $(call pkglibs,libcjson)
LWS_LIBS   = $(call pkglibs,libwebsockets)
CMOCKA     = $(shell pkg-config --cflags --libs cmocka 2>/dev/null)

CORE_SRC   := $(wildcard src/core/*.c)
PROTO_SRC  := $(wildcard src/proto/*.c)
UTIL_SRC   := $(wildcard src/util/*.c)
STORE_SRC  := $(wildcard src/store/*.c)
EXPORT_SRC := $(wildcard src/export/*.c)
HUB_SRC    := $(wildcard src/hub/*.c)
TELE_SRC   := $(wildcard src/tele/*.c)
CLIENT_SRC := $(wildcard src/client/*.c)
TUI_SRC    := $(wildcard src/tui/*.c)

LIB_SRC := $(CORE_SRC) $(PROTO_SRC) $(UTIL_SRC) $(STORE_SRC) $(EXPORT_SRC)
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
HUB_OBJ := $(HUB_SRC:%.c=$(B)/%.o) $(TELE_SRC:%.c=$(B)/%.o)
CLI_OBJ := $(CLIENT_SRC:%.c=$(B)/%.o) $(TUI_SRC:%.c=$(B)/%.o)
# The curses-free part of the console, which unit tests link.
TUI_PURE := $(B)/src/tui/tui-theme.o $(B)/src/tui/tui-view.o

UNIT_SRC  := $(wildcard tests/unit/test-*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=build/tests/%)
TOOLS_SRC := $(wildcard tests/tools/*.c)
TOOLS_BIN := $(TOOLS_SRC:tests/tools/%.c=build/tools/%)

.PHONY: all deps check check-pg check-clang demo bench clean layers asan \
        fuzz fuzz-build
all: $(BIN)/concord $(BIN)/concordd layers

deps: $(DEPS_STAMP)
# Checked again whenever the Makefile changes, so a new dependency is
# installed on machines that already have a stamp.
$(DEPS_STAMP): Makefile
	@if pkg-config --exists $(PKGS) cmocka && command -v tmux >/dev/null && \
	    command -v pkill >/dev/null && command -v socat >/dev/null && \
	    command -v curl >/dev/null && command -v sqlite3 >/dev/null && \
	    command -v openssl >/dev/null && \
	    command -v clang >/dev/null && command -v ss >/dev/null && \
	    command -v prometheus >/dev/null && \
	    command -v prometheus-alertmanager >/dev/null && \
	    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && \
	    echo 'int LLVMFuzzerTestOneInput(const char *p, long n) { return 0; }' | \
	    clang -fsanitize=fuzzer -x c -o /dev/null - 2>/dev/null; then :; else \
	  echo "installing build dependencies: $(DEBS)"; \
	  if [ "$$(id -u)" != 0 ]; then echo "need root to apt-get install $(DEBS)" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $(DEBS) >/dev/null || exit 1; \
	fi
	@touch $@

$(B)/%.o: %.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(BIN)/concordd: $(HUB_OBJ) $(LIB_OBJ)
	@mkdir -p $(BIN)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(HUB_LIBS) -lpthread -lm

$(BIN)/concord: $(CLI_OBJ) $(LIB_OBJ)
	@mkdir -p $(BIN)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(CLI_LIBS) -lpthread -lm

build/tests/%: tests/unit/%.c $(LIB_OBJ) $(TUI_PURE)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(LIB_OBJ) $(TUI_PURE) $(LIB_LIBS) $(CMOCKA) -lm

# The verb table's test links the client module (main() is the console's).
CLIENT_LIB := $(CLIENT_SRC:%.c=$(B)/%.o)
build/tests/test-client: tests/unit/test-client.c $(CLIENT_LIB) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(CLIENT_LIB) $(LIB_OBJ) \
	    $(LWS_LIBS) $(LIB_LIBS) $(CMOCKA) -lpthread -lm

build/tools/%: tests/tools/%.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  TOOL    $@"
	@$(CC) $(CFLAGS) -o $@ $<

# The reconnect-storm tool runs many real client links in one process.
LINK_OBJ := $(B)/src/client/client-link.o $(B)/src/client/client-conn.o \
            $(B)/src/client/client-url.o
build/tools/storm: tests/tools/storm.c $(LINK_OBJ) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  TOOL    $@"
	@$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(LINK_OBJ) $(LIB_OBJ) \
	    $(LWS_LIBS) $(LIB_LIBS) -lm

# Telemetry (src/tele) runs in the hub; its unit test and the tool that
# polls real peers with it (tests/integration/it-tele.sh) link it too.
TELE_OBJ  := $(TELE_SRC:%.c=$(B)/%.o)
TELE_LIBS  = $(call pkglibs,libcurl)
build/tests/test-tele: tests/unit/test-tele.c $(TELE_OBJ) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(TELE_OBJ) $(LIB_OBJ) \
	    $(TELE_LIBS) $(LIB_LIBS) $(CMOCKA) -lpthread -lm
build/tools/teleprobe: tests/tools/teleprobe.c $(TELE_OBJ) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  TOOL    $@"
	@$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(TELE_OBJ) $(LIB_OBJ) \
	    $(TELE_LIBS) $(LIB_LIBS) -lpthread -lm
# The load generator of `make bench` and it-fanout.sh: many libwebsockets
# connections in one process, checking events with the protocol's decoder.
build/tools/loadgen: tests/tools/loadgen.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  TOOL    $@"
	@$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(LIB_OBJ) \
	    $(LWS_LIBS) $(LIB_LIBS) -lm

# Every module includes and calls only what src/layers allows it (the pure
# core and protocol no I/O, only tui curses, the client never the screen).
layers:
	@sh tests/tools/layers.sh . >&2

check: all asan fuzz-build $(UNIT_BIN) $(TOOLS_BIN)
	@TZ=UTC LC_ALL=C.UTF-8 tests/run.sh $(UNIT_BIN)

# The integration scripts again with every hub on PostgreSQL: each script
# starts a private server of its own (tests/integration/pg.sh) the first
# time it starts a hub.  Scripts that say "# check-pg: skip" (they test the
# SQLite store's files, or start no hub) are left out.  Not part of check.
check-pg: all asan fuzz-build $(TOOLS_BIN)
	@CONCORD_TEST_STORE=pg CONCORD_TEST_LOGS=build/test-logs-pg \
	    TZ=UTC LC_ALL=C.UTF-8 tests/run.sh

# Every source compiles warning-free with clang too (syntax and warnings
# only; used by tests/integration/it-build.sh).
check-clang: $(DEPS_STAMP)
	@for f in $(LIB_SRC) $(HUB_SRC) $(TELE_SRC) $(CLIENT_SRC) $(TUI_SRC) \
	    $(UNIT_SRC); do \
	  clang $(CFLAGS) $(PKG_CFLAGS) -fsyntax-only $$f || exit 1; done

demo: all
	@bin/concord demo

# Not part of check: concordd measured against a Node ws relay and Redis
# pub/sub with the load generator, then group commit, the console, and
# hubs on PostgreSQL against the SQLite hub; installs redis-server,
# postgresql and npm's ws when missing (see bench/run.sh).
bench: all $(TOOLS_BIN)
	@bench/run.sh

# The same programs built with AddressSanitizer and UBSan (bin-asan/), which
# the console tests drive in tmux.
asan:
	@$(MAKE) --no-print-directory B=build-asan BIN=bin-asan OPT="-O1 -g" \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" \
	    bin-asan/concord bin-asan/concordd

# libFuzzer targets for the parsers (tests/fuzz/fuzz-*.c: the protocol,
# canonical event, monitoring and webhook decoders, the configuration and
# theme parsers), built with clang under ASan and UBSan into build/fuzz/
# by `make fuzz-build` (what `make check` needs: tests/integration/it-fuzz.sh
# runs each briefly and replays tests/fuzz/regress-*/).  `make fuzz` builds
# them and runs each for FUZZ_TIME seconds (default 60) from its seed corpus
# tests/fuzz/corpus-*/, printing the executions of each (tests/fuzz/run.sh).
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_BIN   := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_LIB   := $(CORE_SRC) $(PROTO_SRC) $(UTIL_SRC) $(EXPORT_SRC) \
              src/tui/tui-theme.c
FUZZ_OBJ   := $(FUZZ_LIB:%.c=build/fuzz/%.o)
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
              -fno-omit-frame-pointer
FUZZ_FLAGS = -std=c11 -D_GNU_SOURCE -O1 -g $(WARN) $(FUZZ_SAN) -Iinclude \
             $(PKG_CFLAGS)
FUZZ_TIME ?= 60

fuzz-build: $(FUZZ_BIN)
fuzz: fuzz-build
	@FUZZ_TIME=$(FUZZ_TIME) sh tests/fuzz/run.sh $(FUZZ_BIN)
.SECONDARY: $(FUZZ_OBJ)

build/fuzz/%.o: %.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@clang $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

build/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@clang $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) \
	    $(CORE_LIBS) $(PROTO_LIBS) -lm

clean:
	rm -rf build bin build-asan bin-asan

-include $(shell find $(B) -name '*.d' 2>/dev/null)
