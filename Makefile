# proctor - a system-call supervisor for AI coding agents.
#
#   make            build build/proctor and build/libproctor-preload.so
#   make check      install missing build deps (as root), build, run every test
#   make demo       same dependency step, then a short scripted session
#   make bench      benchmarks (figures, never pass/fail)
#   make lint       grep for banned functions
#   make fuzz       run the policy fuzzer for a while (clang/libFuzzer)
#   make install    PREFIX=/usr/local DESTDIR=
#
# Sources are picked up by directory: supervisor/, rules/, audit/ make the
# binary; preload/ makes the LD_PRELOAD library; tests/unit/test_*.c are
# cmocka programs; tests/security/*.c are hostile programs.

VERSION  := 0.1.0
PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= cc
BUILD    := build
PYTHON   ?= /usr/bin/python3

WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter \
            -Wstrict-prototypes -Wmissing-prototypes -Wvla
CPPFLAGS := -D_GNU_SOURCE -DPROCTOR_VERSION='"$(VERSION)"' \
            -Isupervisor -Irules -Iaudit
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) -fno-strict-aliasing -pthread
LIBS     := -lseccomp -lsqlite3 -lsodium -lnettle -ljson-c -lcap -lpthread
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined

CORE_SRC := $(sort $(wildcard supervisor/*.c rules/*.c audit/*.c))
CORE_ASM := rules/builtin_policy.S
LIB_SRC  := $(filter-out supervisor/main.c,$(CORE_SRC))
OBJ      := $(CORE_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/rules/builtin_policy.o
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/rules/builtin_policy.o
ASAN_OBJ := $(LIB_SRC:%.c=$(BUILD)/asan/%.o) $(BUILD)/asan/rules/builtin_policy.o

PRELOAD_SRC := $(sort $(wildcard preload/*.c))
PRELOAD_OBJ := $(PRELOAD_SRC:%.c=$(BUILD)/pic/%.o)

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
SEC_SRC  := $(sort $(wildcard tests/security/*.c))
SEC_BIN  := $(SEC_SRC:tests/security/%.c=$(BUILD)/tests/security/%)
HELP_SRC := $(sort $(wildcard tests/helpers/*.c))
HELP_BIN := $(HELP_SRC:tests/helpers/%.c=$(BUILD)/tests/helpers/%)

.PHONY: all deps check check-full check-unit check-policies check-fuzz \
        check-integration check-security demo bench lint fuzz install \
        clean

all: $(BUILD)/proctor $(BUILD)/libproctor-preload.so

deps:
	@sh tests/deps.sh

$(BUILD)/proctor: $(OBJ)
	$(CC) $(CFLAGS) -o $@ $(OBJ) $(LIBS)

$(BUILD)/asan/proctor: $(ASAN_OBJ) $(BUILD)/asan/supervisor/main.o
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/libproctor.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libproctor-asan.a: $(ASAN_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libproctor-preload.so: $(PRELOAD_OBJ)
	$(CC) -shared -o $@ $^ -lunwind -ldl -lpthread

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/rules/builtin_policy.o $(BUILD)/asan/rules/builtin_policy.o: \
		$(CORE_ASM) rules/default.policy
	@mkdir -p $(dir $@)
	$(CC) -c -o $@ $(CORE_ASM)

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -MMD -MP -c -o $@ $<

# Unit tests link only the modules they need, so one module's work in
# progress cannot break another's tests: test_policy_* -> rules,
# test_audit_* -> audit + rules, everything else -> all modules.
RULES_ASAN := $(patsubst %.c,$(BUILD)/asan/%.o,$(wildcard rules/*.c)) \
              $(BUILD)/asan/rules/builtin_policy.o
AUDIT_ASAN := $(patsubst %.c,$(BUILD)/asan/%.o,$(wildcard audit/*.c))
UNIT_CC = $(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(SANFLAGS) -o $@ $^ \
          $(LIBS) -lcmocka

$(BUILD)/tests/unit/test_policy_%: tests/unit/test_policy_%.c $(RULES_ASAN)
	@mkdir -p $(dir $@)
	$(UNIT_CC)

$(BUILD)/tests/unit/test_audit_%: tests/unit/test_audit_%.c $(AUDIT_ASAN) \
		$(RULES_ASAN)
	@mkdir -p $(dir $@)
	$(UNIT_CC)

$(BUILD)/tests/unit/test_protect: tests/unit/test_protect.c \
		$(BUILD)/asan/supervisor/protect.o
	@mkdir -p $(dir $@)
	$(UNIT_CC)

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libproctor-asan.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(SANFLAGS) -o $@ $< \
		$(BUILD)/libproctor-asan.a $(LIBS) -lcmocka

# Fuzz regression: the libFuzzer entry point driven over the corpus by a
# plain main(), built with the sanitizers (make fuzz runs libFuzzer itself).
$(BUILD)/tests/fuzz/fuzz_policy_regress: tests/fuzz/fuzz_policy.c \
		tests/fuzz/regress_main.c $(RULES_ASAN)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/security/%: tests/security/%.c tests/security/hostile.h
	@mkdir -p $(dir $@)
	$(CC) -D_GNU_SOURCE -O1 -g -Wall -Werror -pthread -Itests/security \
		-o $@ $< -lpthread

$(BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) -D_GNU_SOURCE -O1 -g -Wall -Werror -pthread -o $@ $< -lpthread

# ---- tests -------------------------------------------------------------

TEST_BINS := all $(BUILD)/asan/proctor $(UNIT_BIN) $(SEC_BIN) $(HELP_BIN) \
             $(if $(wildcard tests/fuzz/fuzz_policy.c),$(BUILD)/tests/fuzz/fuzz_policy_regress)

check: deps
	@$(MAKE) --no-print-directory $(TEST_BINS)
	@$(MAKE) --no-print-directory lint
	@$(PYTHON) tests/run_all.py

check-full: deps
	@$(MAKE) --no-print-directory $(TEST_BINS)
	@PROCTOR_CHECK_FULL=1 $(PYTHON) tests/run_all.py

check-unit: $(UNIT_BIN)
	@$(PYTHON) tests/run_all.py unit

lint:
	@sh tests/lint.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@sh tests/demo.sh

bench: all $(HELP_BIN)
	@$(MAKE) --no-print-directory -C bench

fuzz:
	@$(MAKE) --no-print-directory -f tests/fuzz/fuzz.mk fuzz

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/proctor \
		$(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/proctor/policies
	install -m 0755 $(BUILD)/proctor $(DESTDIR)$(PREFIX)/bin/proctor
	install -m 0644 $(BUILD)/libproctor-preload.so \
		$(DESTDIR)$(PREFIX)/lib/proctor/libproctor-preload.so
	install -m 0644 rules/*.policy $(DESTDIR)$(PREFIX)/share/proctor/policies/
	install -m 0644 docs/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
