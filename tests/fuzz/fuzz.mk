# fuzz.mk - `make fuzz`: libFuzzer on the policy parser and matcher.
#
#   make fuzz                  run for FUZZ_TIME seconds (default 60)
#   make fuzz FUZZ_TIME=600    longer
#
# New interesting inputs go to build/fuzz/corpus (tests/fuzz/corpus, the
# regression corpus kept in git, is read as a seed and never written);
# crashes go to build/fuzz/artifacts/. Copy a crash into tests/fuzz/corpus
# once it is fixed, so that `make check` keeps testing it.

CLANG     ?= clang
FUZZ_TIME ?= 60
FUZZ_DIR  := build/fuzz
FUZZ_SRC  := $(sort $(wildcard rules/*.c))
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
              -fno-sanitize-recover=undefined -D_GNU_SOURCE -std=gnu11 \
              -Irules

.PHONY: fuzz fuzz-build

fuzz: $(FUZZ_DIR)/fuzz_policy
	@mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/artifacts
	$(FUZZ_DIR)/fuzz_policy -max_total_time=$(FUZZ_TIME) -max_len=8192 \
		-timeout=10 -rss_limit_mb=2048 \
		-dict=tests/fuzz/policy.dict \
		-artifact_prefix=$(FUZZ_DIR)/artifacts/ \
		$(FUZZ_DIR)/corpus tests/fuzz/corpus

fuzz-build: $(FUZZ_DIR)/fuzz_policy

$(FUZZ_DIR)/builtin_policy.o: rules/builtin_policy.S rules/default.policy
	@mkdir -p $(FUZZ_DIR)
	$(CLANG) -c -o $@ rules/builtin_policy.S

$(FUZZ_DIR)/fuzz_policy: tests/fuzz/fuzz_policy.c $(FUZZ_SRC) \
		$(wildcard rules/*.h) $(FUZZ_DIR)/builtin_policy.o
	@mkdir -p $(FUZZ_DIR)
	$(CLANG) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_policy.c $(FUZZ_SRC) \
		$(FUZZ_DIR)/builtin_policy.o -ljson-c
