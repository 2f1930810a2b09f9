# streamd build.
#   make            release build (-O2, jemalloc) -> build/streamd
#   make debug      -O0 -g                        -> build-debug/streamd
#   make asan       ASan + UBSan, libc malloc     -> build-asan/streamd
#   make run        build and start on 127.0.0.1:6379 with ./data
#   make test       install missing Debian packages, build, run every test
#   make test-asan  the same tests against the sanitizer build
#   make format / format-check
CC ?= cc
MODE ?= release
BUILD ?= build

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -D_POSIX_C_SOURCE=200809L -Isrc -MMD -MP -pthread $(WARN)
ifeq ($(WERROR),1)
CFLAGS_BASE += -Werror
endif

ifeq ($(MODE),release)
CFLAGS_MODE := -O2 -g -DSTREAMD_JEMALLOC
LIBS := -ljemalloc
# The functions the benchmarks spend their time in (src/hot.order, written by
# bench/hot_order.py, which says why) placed next to each other by gold, so
# that hot code spreads evenly over the instruction cache's sets. Without
# gold the build is the same, the functions where they fall.
ifneq ($(shell command -v ld.gold 2>/dev/null),)
CFLAGS_MODE += -ffunction-sections
SERVER_LDFLAGS := -fuse-ld=gold -Wl,--section-ordering-file,src/hot.order
endif
else ifeq ($(MODE),debug)
CFLAGS_MODE := -O0 -g
LIBS :=
else ifeq ($(MODE),asan)
CFLAGS_MODE := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LIBS := -fsanitize=address,undefined
endif

# Scripting: Debian's Lua 5.1 with its cjson and bit modules, linked
# statically (liblua5.1-0-dev, lua-cjson-dev, lua-bitop-dev).
LUA_CFLAGS := -I/usr/include/lua5.1
LUA_LIBS := -l:liblua5.1-cjson.a -l:liblua5.1-bitop.a -l:liblua5.1.a -ldl

CFLAGS += $(CFLAGS_BASE) $(CFLAGS_MODE) $(LUA_CFLAGS)
# TLS (tls-port): the headers of OpenSSL 3 (libssl-dev); the libraries are
# dlopen()ed on first use (src/net/tls_lib.h), so no -lssl -lcrypto here.
LDLIBS += $(LIBS) $(LUA_LIBS) -ldl -lm -pthread

# What the objects and binaries of $(BUILD) were built with, in a stamp they
# depend on: changing the compiler or a flag (another MODE's into the same
# BUILD, WERROR, a flag edited here) rebuilds them rather than mixing the two.
FLAGS_STAMP := $(BUILD)/flags.stamp
FLAGS_NOW := $(CC) $(CFLAGS) | $(SERVER_LDFLAGS) | $(LDLIBS)
# (Not written by a dry run, make -n, which must change nothing.)
ifneq ($(file <$(FLAGS_STAMP)),$(FLAGS_NOW))
ifeq ($(findstring n,$(firstword -$(MAKEFLAGS))),)
$(shell mkdir -p $(BUILD))
$(file >$(FLAGS_STAMP),$(FLAGS_NOW))
endif
endif

LIB_SRC := $(shell find src -name '*.c' ! -name main.c | sort)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all debug asan run test test-asan unit format format-check clean deps fuzz

all: $(BUILD)/streamd $(BUILD)/streamd-check-aof $(BUILD)/streamd-check-rdb $(UNIT_BIN)

debug:
	$(MAKE) MODE=debug BUILD=build-debug all
asan:
	$(MAKE) MODE=asan BUILD=build-asan all

$(BUILD)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libstreamd.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/streamd: $(BUILD)/src/main.o $(BUILD)/libstreamd.a src/hot.order $(FLAGS_STAMP)
	$(CC) $(CFLAGS) $(SERVER_LDFLAGS) -o $@ $(BUILD)/src/main.o $(BUILD)/libstreamd.a $(LDLIBS)

# The file checkers are the server binary under other names (as Redis's).
$(BUILD)/streamd-check-aof $(BUILD)/streamd-check-rdb: $(BUILD)/streamd
	ln -sf streamd $@

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libstreamd.a $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $(filter %.o %.a,$^) $(LDLIBS)

unit: all
	@for t in $(UNIT_BIN); do echo "== $$t"; $$t || exit 1; done

run: deps
	$(MAKE) all
	@mkdir -p data
	./$(BUILD)/streamd streamd.conf --dir ./data

deps:
	@sh tests/install-deps.sh

test: deps
	$(MAKE) all
	@sh tests/run-all.sh $(BUILD)

test-asan: deps
	$(MAKE) MODE=asan BUILD=build-asan all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		sh tests/run-all.sh build-asan

# libFuzzer targets (clang): the RESP parser, the AOF record and manifest parsers.
fuzz:
	@mkdir -p build-fuzz
	clang -std=c11 -D_GNU_SOURCE -Isrc -g -O1 -fsanitize=fuzzer,address,undefined \
		tests/fuzz/fuzz_resp.c src/net/resp.c src/base/buf.c src/base/alloc.c src/base/num.c -o build-fuzz/fuzz_resp
	clang -std=c11 -D_GNU_SOURCE -Isrc -g -O1 -fsanitize=fuzzer,address,undefined \
		tests/fuzz/fuzz_aof.c src/persist/aoffile.c src/persist/manifest.c src/net/resp.c src/base/num.c src/base/buf.c \
		src/base/alloc.c -o build-fuzz/fuzz_aof

format:
	clang-format -i $$(find src tests -name '*.[ch]')
format-check:
	clang-format --dry-run --Werror $$(find src tests -name '*.[ch]')

clean:
	rm -rf build build-debug build-asan

-include $(LIB_OBJ:.o=.d) $(BUILD)/src/main.d $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%.d)

.SECONDARY:
