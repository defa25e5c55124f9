# capstan: one top-level build.  Every dependency comes from pkg-config,
# except leveldb, whose Debian package ships no .pc file.

SHELL       := /bin/bash
VERSION     := 0.1.0
PREFIX      ?= /usr/local
DESTDIR     ?=
BINDIR      ?= $(PREFIX)/bin
SBINDIR     ?= $(PREFIX)/sbin
LIBDIR      ?= $(PREFIX)/lib
MODULEDIR   ?= $(LIBDIR)/capstan/modules
SYSCONFDIR  ?= /etc
MANDIR      ?= $(PREFIX)/share/man
INCLUDEDIR  ?= $(PREFIX)/include

CC          ?= gcc
BUILD       ?= build
PKGS        := libwebsockets yajl libconfuse libcurl libsystemd
CLI_PKGS    := yajl yaml-0.1 libcurl

CFLAGS_BASE := -std=gnu11 -Wall -Wextra -Werror -O2 -g -D_GNU_SOURCE \
               -DCS_VERSION=\"$(VERSION)\" -DCS_MODULE_DIR=\"$(MODULEDIR)\" -Icore -Isdk/include -pthread
ifeq ($(SANITIZE),1)
CFLAGS_BASE += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS     += -fsanitize=address,undefined
BUILD       := build-san
endif

PKG_CFLAGS   = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS     = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LEVELDB_LIBS = $(shell pkg-config --libs leveldb 2>/dev/null || echo -lleveldb)
CLI_CFLAGS   = $(shell pkg-config --cflags $(CLI_PKGS) 2>/dev/null)
CLI_LIBS     = $(shell pkg-config --libs $(CLI_PKGS) 2>/dev/null)
CMOCKA_LIBS  = $(shell pkg-config --libs cmocka 2>/dev/null)
# capstand allocates with jemalloc, as Redis does: its API and scheduler
# threads build and drop many small JSON nodes, where glibc's malloc spent a
# third of the event loop (consolidating fastbins); BENCH sched/* rise 25-35 %.
# Not under the sanitizers, which bring their own allocator.
ifneq ($(SANITIZE),1)
JEMALLOC_LIBS = $(shell pkg-config --libs jemalloc 2>/dev/null || echo -ljemalloc)
endif

CORE_SRCS   := $(filter-out core/main.c,$(wildcard core/*.c))
CORE_OBJS   := $(CORE_SRCS:%.c=$(BUILD)/%.o)
CLI_SRCS    := $(wildcard cli/*.c)
CLI_OBJS    := $(CLI_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS   := $(wildcard tests/unit/test_*.c)
UNIT_BINS   := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRCS  := $(wildcard tests/bench/*.c)
BENCH_BINS  := $(BENCH_SRCS:tests/bench/%.c=$(BUILD)/bench/%)
BENCH_MODS  := $(patsubst tests/bench/mods/%.c,$(BUILD)/bench/mods/%.so,$(wildcard tests/bench/mods/*.c))
FUZZ_SRCS   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS   := $(FUZZ_SRCS:tests/fuzz/%.c=build-fuzz/%)
FUZZ_SECONDS ?= 30
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fno-sanitize-recover=undefined -D_GNU_SOURCE -DCS_VERSION=\"$(VERSION)\" \
               -DCS_MODULE_DIR=\"$(MODULEDIR)\" -Icore -Icli -Isdk/include -pthread
# modules/common and modules/schedkit are no modules: they hold code compiled
# into the controllers and the scheduler modules.
MODULE_DIRS := $(filter-out modules/common/ modules/schedkit/,$(wildcard modules/*/))
MODULES     := $(foreach d,$(MODULE_DIRS),$(BUILD)/modules/$(notdir $(d:/=)).so)
MANPAGES    := $(wildcard man/*.[0-9])

LIBS_ALL     = $(PKG_LIBS) $(LEVELDB_LIBS) -ldl -lpthread -lm

.PHONY: all deps run check unit integration e2e kubectl-test bench fuzz clean install format

all: $(BUILD)/capstand $(BUILD)/capctl $(MODULES)

deps:
	@packaging/deps.sh

# Build only once the dependencies are there: a fresh machine gets them
# installed first (packaging/deps.sh is a no-op when all are present).
$(BUILD)/.deps-ok: packaging/deps.sh
	@packaging/deps.sh --if-missing
	@mkdir -p $(BUILD) && touch $@

$(BUILD)/core/%.o: core/%.c $(wildcard core/*.h) $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/cli/%.o: cli/%.c $(wildcard cli/*.h) $(wildcard core/*.h) $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) -Icli $(CLI_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libcapcore.a: $(CORE_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/capstand: $(BUILD)/core/main.o $(BUILD)/libcapcore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_ALL) $(JEMALLOC_LIBS)

$(BUILD)/capctl: $(CLI_OBJS) $(BUILD)/libcapcore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(CLI_LIBS) $(LIBS_ALL)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libcapcore.a $(wildcard tests/unit/*.h) \
		$(wildcard modules/schedkit/*.[ch])
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) -Icli $(PKG_CFLAGS) $(CLI_CFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/libcapcore.a \
		$(LDFLAGS) $(CMOCKA_LIBS) $(CLI_LIBS) $(LIBS_ALL)

$(BUILD)/bench/%: tests/bench/%.c $(BUILD)/libcapcore.a $(wildcard tests/bench/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(PKG_CFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/libcapcore.a $(LDFLAGS) $(LIBS_ALL)

# Modules see only the public SDK headers, exactly as an out-of-tree vendor.
# The controllers (ctrl-*) also get modules/common (ctrlkit.h: helpers they
# share), the scheduler modules (sched-*) modules/schedkit (Kubernetes'
# selectors and the like), each built from the SDK headers alone: every .so
# has its own copy, hidden like the rest of the module.
kit_for       = $(if $(filter ctrl-%,$(1)),common,$(if $(filter sched-%,$(1)),schedkit))
kit_files     = $(if $(call kit_for,$(1)),$(wildcard modules/$(call kit_for,$(1))/$(2)))
.SECONDEXPANSION:
$(BUILD)/modules/%.so: $(BUILD)/.deps-ok $$(wildcard modules/$$*/*.[ch]) $(wildcard sdk/include/capstan/*.h) \
		$$(call kit_files,$$*,*.[ch])
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -O2 -g -fPIC -shared -fvisibility=hidden \
		-nostdinc -isystem $$($(CC) -print-file-name=include) \
		-isystem /usr/include/$$($(CC) -print-multiarch) -isystem /usr/include \
		-Isdk/include $(if $(call kit_for,$*),-Imodules/$(call kit_for,$*)) -D_GNU_SOURCE $(CFLAGS) $(LDFLAGS) \
		-o $@ $(wildcard modules/$*/*.c) $(call kit_files,$*,*.c)

run: all
	@mkdir -p run
	$(BUILD)/capstand -c etc/capstan.conf --data-dir ./run --module-path $(BUILD)/modules --dev-modules

unit: $(UNIT_BINS) $(MODULES)
	@tests/run-unit.sh $(UNIT_BINS)

check: all $(UNIT_BINS) abi-check
	@BUILD=$(BUILD) tests/run-all.sh $(UNIT_BINS)

bench: all $(BENCH_BINS) $(BENCH_MODS)
	@BUILD=$(BUILD) tests/bench/run.sh

kubectl-test: all
	@BUILD=$(BUILD) tests/kubectl/run.sh

# libFuzzer harnesses (clang): every parser that reads untrusted input.
build-fuzz/core/%.o: core/%.c $(wildcard core/*.h) $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined $(PKG_CFLAGS) -c $< -o $@

build-fuzz/cli/%.o: cli/%.c $(wildcard cli/*.h) $(wildcard core/*.h) $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined $(CLI_CFLAGS) -c $< -o $@

build-fuzz/libcapcore.a: $(CORE_SRCS:%.c=build-fuzz/%.o) $(filter-out build-fuzz/cli/main.o,$(CLI_SRCS:%.c=build-fuzz/%.o))
	@rm -f $@
	ar rcs $@ $^

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/libcapcore.a $(wildcard tests/unit/*.h)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) $(CLI_CFLAGS) -o $@ $< \
		build-fuzz/libcapcore.a $(CLI_LIBS) $(LIBS_ALL)

fuzz: $(FUZZ_BINS)
	@set -o pipefail; for f in $(FUZZ_BINS); do n=$$(basename $$f); \
		mkdir -p build-fuzz/corpus/$$n build-fuzz/artifacts/$$n; \
		echo "== $$n ($(FUZZ_SECONDS)s)"; \
		UBSAN_OPTIONS=halt_on_error=1 $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
			-timeout=10 -rss_limit_mb=4096 -artifact_prefix=build-fuzz/artifacts/$$n/ \
			build-fuzz/corpus/$$n tests/fuzz/seeds/$${n#fuzz_} 2>&1 | tail -3 || \
			{ echo "fuzz: $$n FAILED (see build-fuzz/artifacts/$$n/)"; exit 1; }; done

format:
	clang-format -i core/*.[ch] cli/*.[ch] tests/unit/*.[ch] tests/bench/*.[ch] tests/fuzz/*.c

clean:
	rm -rf build build-san build-fuzz

include packaging/packaging.mk
include packaging/abi.mk

# Purpose-built modules for the loader's tests (tests/unit/testmods/*.c).
TESTMOD_SRCS := $(wildcard tests/unit/testmods/*.c)
TESTMODS     := $(TESTMOD_SRCS:tests/unit/testmods/%.c=$(BUILD)/testmods/%.so)
$(BUILD)/testmods/%.so: tests/unit/testmods/%.c $(wildcard sdk/include/capstan/*.h)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -O2 -g -fPIC -shared -fvisibility=hidden \
		-Isdk/include -D_GNU_SOURCE $(CFLAGS) $(LDFLAGS) -o $@ $<
	@chmod 0644 $@
$(UNIT_BINS): $(TESTMODS)

# Modules the benchmarks load (tests/bench/mods/*.c).
$(BUILD)/bench/mods/%.so: tests/bench/mods/%.c $(wildcard sdk/include/capstan/*.h)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -O2 -g -fPIC -shared -fvisibility=hidden \
		-Isdk/include -D_GNU_SOURCE $(CFLAGS) $(LDFLAGS) -o $@ $<
	@chmod 0644 $@
