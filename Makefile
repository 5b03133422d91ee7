# posta — GNU make.  See INSTALL.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
SPOOLDIR ?= /var/spool/posta
DESTDIR ?=
QUEUE_GROUP ?= postaq
INSTALL ?= install

# make run
RUNDIR ?= $(CURDIR)/run
SMTP_PORT ?= 2525
SUBMISSION_PORT ?= 2587
SMTPS_PORT ?= 2465
POP3_PORT ?= 2110
POP3S_PORT ?= 2995
IMAP_PORT ?= 2143
IMAPS_PORT ?= 2993

PKGS = libbsd-overlay ldns libtls libcrypt libmagic
CC ?= cc
CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Werror -Wno-unused-parameter
DEFS = -D_GNU_SOURCE -DPOSTA_CONF='"$(SYSCONFDIR)/posta/posta.conf"' \
	-DPOSTA_SBINDIR='"$(SBINDIR)"' -DPOSTA_SPOOLDIR='"$(SPOOLDIR)"'
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libtls is not linked: lib/tlsx.c loads it with dlopen(3) when a
# session asks for TLS, by the soname read here from the library
PKG_LIBS := $(filter-out -ltls,$(shell pkg-config --libs $(PKGS) 2>/dev/null))
# The small libraries are linked in whole (STATIC_PKGS=  links them as
# shared objects): a shared library costs every exec an open, four
# mappings, an mprotect and its relocations, and posta execs
# posta-smtpd per connection and posta-enqueue per message.  libbsd,
# libmd and libxcrypt: 29 fewer system calls and 220,000 fewer
# instructions for each start of posta-smtpd.
STATIC_PKGS ?= libbsd-overlay libcrypt
ifneq ($(strip $(STATIC_PKGS)),)
STATIC_LIBS := $(shell pkg-config --static --libs-only-l $(STATIC_PKGS) 2>/dev/null)
PKG_LIBS := -Wl,-Bstatic $(STATIC_LIBS) -Wl,-Bdynamic \
	$(filter-out $(STATIC_LIBS),$(PKG_LIBS))
endif
TLS_SONAME := $(shell objdump -p $(shell pkg-config --variable=libdir libtls 2>/dev/null)/libtls.so 2>/dev/null | \
	awk '$$1 == "SONAME" { print $$2 }')
DEFS += -DTLS_SONAME='"$(or $(TLS_SONAME),libtls.so)"'
ifeq ($(SANITIZE),1)
CFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
ALL_CFLAGS = $(WARN) $(DEFS) -Ilib $(PKG_CFLAGS) $(CFLAGS)
LIBS = -Wl,--as-needed $(PKG_LIBS) -ldl

# Sanitizer and plain builds keep their objects apart; bin/.flavour makes
# the programs relink when the flavour changes.
FLAVOUR := $(if $(filter 1,$(SANITIZE)),san,std)
B = build/$(FLAVOUR)
# A program is a folder under cmd/; its installed name is posta-<folder>,
# except the two shell tools.
CMDS := $(notdir $(wildcard cmd/*))
progname = $(if $(filter mxlookup mime-encode,$(1)),$(1),posta-$(1))
PROGS := $(foreach c,$(CMDS),bin/$(call progname,$(c)))
USERPROGS := $(filter bin/mxlookup bin/mime-encode,$(PROGS))
SBINPROGS := $(filter-out $(USERPROGS),$(PROGS))

LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

all: $(PROGS)

$(B)/%.o: %.c $(wildcard lib/*.h lib/*.def) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC  $<"; $(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libposta.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

# posta-enqueue runs once for every message queued: it is linked
# -static (STATIC_PROGS=  links it like the others), which spares each
# run the dynamic loader, the mappings of libc and its relocations, a
# quarter of what posta-enqueue costs (bench/RESULTS.md).  It needs
# nothing that a static glibc cannot give (no NSS, no dlopen).  The
# sanitizer flavour links every program the usual way.
STATIC_PROGS ?= enqueue
STATIC_PROG_LIBS := $(shell pkg-config --static --libs-only-l libbsd-overlay 2>/dev/null)
prog_libs = $(if $(and $(filter $(1),$(STATIC_PROGS)),$(filter std,$(FLAVOUR))),\
	-static $(STATIC_PROG_LIBS),$(LIBS))
define prog_rule
bin/$(call progname,$(1)): $(patsubst %.c,$(B)/%.o,$(wildcard cmd/$(1)/*.c)) $(B)/libposta.a bin/.flavour
	$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o %.a,$$^) $(call prog_libs,$(1))
endef
$(foreach c,$(CMDS),$(eval $(call prog_rule,$(c))))

$(B)/tests/%: tests/unit/%.c $(B)/libposta.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $$(pkg-config --cflags cmocka) $(LDFLAGS) -o $@ $< $(B)/libposta.a $(LIBS) $$(pkg-config --libs cmocka)

bin/.flavour: FORCE
	@mkdir -p bin; [ "$$(cat $@ 2>/dev/null)" = "$(FLAVOUR)" ] || echo $(FLAVOUR) >$@

FORCE:

deps-check:
	@sh tests/helpers/deps.sh check
deps-run:
	@sh tests/helpers/deps.sh run

units: $(UNIT_BIN)

# make check: unit tests, bats tests, man page lint.  tests/run prints
# the closing "N passed, N failed" line.
check: deps-check
	$(MAKE) all units fuzz
	ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
	FUZZ_BINS='$(FUZZ_BIN)' sh tests/run $(UNIT_BIN)

# make bench: every script under bench/ in turn (as root; the peers are
# fetched with apt-get download and run privately).  Not part of check.
bench: all
	@for b in bench/*; do [ -f "$$b" ] && [ -x "$$b" ] || continue; \
		echo "== $$b"; "$$b" || echo "bench: $$b failed"; done

lint-man:
	mandoc -Tlint -Wwarning man/*

run: deps-run all
	RUNDIR='$(RUNDIR)' SMTP_PORT=$(SMTP_PORT) SUBMISSION_PORT=$(SUBMISSION_PORT) \
	SMTPS_PORT=$(SMTPS_PORT) POP3_PORT=$(POP3_PORT) POP3S_PORT=$(POP3S_PORT) \
	IMAP_PORT=$(IMAP_PORT) IMAPS_PORT=$(IMAPS_PORT) sh etc/run.sh

install: all
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	for p in $(SBINPROGS); do $(INSTALL) -m 755 $$p $(DESTDIR)$(SBINDIR)/; done
	for p in $(USERPROGS); do $(INSTALL) -m 755 $$p $(DESTDIR)$(BINDIR)/; done
	chgrp $(QUEUE_GROUP) $(DESTDIR)$(SBINDIR)/posta-enqueue && \
		chmod 2755 $(DESTDIR)$(SBINDIR)/posta-enqueue || \
		echo "warning: group $(QUEUE_GROUP) missing: posta-enqueue not set-group-ID" >&2
	ln -sf posta-sendmail $(DESTDIR)$(SBINDIR)/sendmail
	ln -sf $(SBINDIR)/posta-sendmail $(DESTDIR)$(BINDIR)/mailq
	for m in man/*.[158]; do s=$${m##*.}; $(INSTALL) -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done

clean:
	rm -rf build bin

.PHONY: FORCE all bench check units run install clean deps-check deps-run lint-man

# make fuzz: libFuzzer targets (tests/fuzz/fuzz_<name>.c) built with clang,
# AddressSanitizer and UBSan, on lib/ objects compiled with the same flags
# into build/fuzz/.  make check runs each for a few seconds on its seed
# corpus (tests/fuzz/corpus/<name>/); see tests/fuzz/README.
FUZZ_CC ?= clang
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = $(WARN) $(DEFS) -Ilib -Icmd $(PKG_CFLAGS) -O1 -g \
	-fno-omit-frame-pointer $(FUZZ_SAN)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/bin/%)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build/fuzz/%.o)
# program files a target tests besides lib/
FUZZ_EXTRA_mimehdr = build/fuzz/cmd/mime-encode/hdr.o
FUZZ_EXTRA_sendmail = build/fuzz/cmd/sendmail/inject.o
FUZZ_EXTRA_OBJ = $(FUZZ_EXTRA_mimehdr) $(FUZZ_EXTRA_sendmail)
.SECONDARY: $(FUZZ_EXTRA_OBJ)

build/fuzz/%.o: %.c $(wildcard lib/*.h lib/*.def cmd/*/*.h) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC  $< (fuzz)"; $(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/libposta.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

.SECONDEXPANSION:
build/fuzz/bin/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $$(FUZZ_EXTRA_$$*) build/fuzz/libposta.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Itests/fuzz -fsanitize=fuzzer -o $@ $< $(FUZZ_EXTRA_$*) build/fuzz/libposta.a $(LIBS)

fuzz: $(FUZZ_BIN)

.PHONY: fuzz
