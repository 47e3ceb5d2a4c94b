# tidepatch - agentless patch orchestration over SSH.
#
#   make                 build ./tidepatch
#   make check           install missing packages, build, run unit + e2e tests
#   make check-unit      unit tests only
#   make fleet-check     start the SSH test fleet, check it with OpenSSH
#   make install PREFIX=/usr/local DESTDIR=
#   make deps            apt-get install what is missing (idempotent)
#   make bench           benchmarks (bench/)
#   make demo            plan, apply, a failed canary, rollback on a
#                        throw-away 4-host fleet (root; scripts/demo.sh)
#   make WERROR=1        warnings are errors (CI)
#   make SAN=1           build with ASan+UBSan into build-san/
#
# Libraries come from pkg-config; -D_DEFAULT_SOURCE is set here once.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
CC ?= cc
PKG_CONFIG ?= pkg-config

VERSION := $(shell cat VERSION)
PKGS := libssh2 openssl jansson libgit2

WARNINGS := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif

CFLAGS ?= -O2 -g
ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
else
BUILD ?= build
SANFLAGS :=
endif

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CRIT_LIBS := $(shell $(PKG_CONFIG) --libs criterion 2>/dev/null || echo -lcriterion)

ALL_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -DTP_VERSION='"$(VERSION)"' \
	-Iinclude $(WARNINGS) $(PKG_CFLAGS) $(SANFLAGS) $(CFLAGS)
ALL_LDFLAGS := $(SANFLAGS) $(LDFLAGS)

# The core (everything below the CLI) is a static library that the binary
# and the unit tests link against; only src/cli and src/main.c print.
CORE_SRC := $(sort $(filter-out src/cli/%,$(wildcard src/*/*.c)))
CLI_SRC := $(sort $(wildcard src/cli/*.c)) src/main.c
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
E2E_SRC := $(sort $(wildcard tests/e2e/*.c))

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)
E2E_OBJ := $(E2E_SRC:%.c=$(BUILD)/%.o)
CORE_LIB := $(BUILD)/libtidepatch.a

ifeq ($(SAN),1)
PROG := $(BUILD)/tidepatch
else
PROG := tidepatch
endif

MAN1 := $(wildcard man/*.1)
MAN5 := $(wildcard man/*.5)

.PHONY: all check check-unit check-e2e deps install uninstall clean bench \
	fleet-image fleet-check lint-man demo

all: $(PROG)

$(PROG): $(CLI_OBJ) $(CORE_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(CORE_LIB) $(PKG_LIBS)

$(CORE_LIB): $(CORE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/test-unit: $(UNIT_OBJ) $(CORE_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(UNIT_OBJ) $(CORE_LIB) $(PKG_LIBS) $(CRIT_LIBS)

$(BUILD)/test-e2e: $(E2E_OBJ) $(CORE_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(E2E_OBJ) $(CORE_LIB) $(PKG_LIBS) $(CRIT_LIBS)

deps:
	@sh scripts/deps.sh

# Criterion runs each test in its own process; --jobs keeps the 2-core
# machine busy without oversubscribing it.
check-unit: $(BUILD)/test-unit
	cd tests && TP_FIXTURES=$(CURDIR)/tests/fixtures ../$(BUILD)/test-unit --jobs 2

# The chroot image for end-to-end scans is built once and cached outside
# the tree (see tests/fleet/base-image.sh).
fleet-image:
	@sh tests/fleet/base-image.sh

check-e2e: $(PROG) $(BUILD)/test-e2e fleet-image
	TP_BIN=$(CURDIR)/$(PROG) TP_FIXTURES=$(CURDIR)/tests/fixtures \
	TP_BASE_IMAGE=$$(sh tests/fleet/base-image.sh --path) \
		$(BUILD)/test-e2e --jobs 1

lint-man:
	@sh scripts/lint-man.sh $(MAN1) $(MAN5)

# The SSH test fleet (tests/fleet): brings up sshd hosts on 127.0.1.N,
# checks each (special hosts included) with OpenSSH, tears them down.
fleet-check: fleet-image
	sh tests/fleet/check.sh

# A rollout from plan to rollback on a 4-host fleet with its own apt
# repository, torn down afterwards (also on Ctrl-C). Waits for
# /tmp/tp-fleet.lock: one fleet at a time on a machine.
demo: $(PROG) fleet-image
	sh scripts/demo.sh

check: deps
	$(MAKE) all
	$(MAKE) lint-man
	$(MAKE) check-unit
	$(MAKE) check-e2e
	$(MAKE) fleet-check

$(BUILD)/bench/bench: $(BUILD)/bench/bench.o $(CORE_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(CORE_LIB) $(PKG_LIBS)

bench: $(PROG)
	@sh bench/run.sh

install: $(PROG)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(PROG) $(DESTDIR)$(BINDIR)/tidepatch
	install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	$(if $(MAN5),install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/)

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tidepatch
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1)))
	$(if $(MAN5),rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5))))

clean:
	rm -rf build build-san tidepatch

-include $(CORE_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(E2E_OBJ:.o=.d)
