# The text-format parser (src/wat/, docs/wat.md) against the official spec suite:
# every module of every non-SIMD script is taken from the .wast itself, converted
# by wat_to_wasm, loaded next to wast2json's binary of it (they must load or fail
# alike), and the script's commands run against our binaries.  Its unit and fuzz
# tests (tests/unit/test_wat*.c) run with test-unit.
#
#   make test-wat                      every script of $(WASM_TESTSUITE)
#   make test-wat SPEC_ONLY="i32 br"   only those
#   make test-wat SPEC_FLAGS=-v        printing each difference and failure

test-wat: $(SPEC_RUNNER)
	@tests/spec/run-spec.sh "$(SPEC_RUNNER)" "$(WASM_TESTSUITE)" build/spec "$(SPEC_ONLY)" -T $(SPEC_FLAGS)

TEST_SUITES += test-wat
SAN_SUITES  += test-wat
.PHONY: test-wat

# Conversion speed (bench/wat/, docs/performance.md): the policies' binaries as
# wasm2wat prints them, converted back by wat_to_wasm and by wabt's wat2wasm.
BENCH_WAT_INPUTS ?= $(wildcard $(B)/policies/*.raw.wasm)

$(B)/bench/bench_wat: $(B)/bench/wat/bench_wat.o $(B)/libwat.a $(B)/libwasm.a
	$(CC) $(LDFLAGS) $< $(B)/libwat.a $(B)/libwasm.a $(LDLIBS) -o $@

bench-wat: $(B)/bench/bench_wat
	@bench/wat/run.sh $(B)/bench/bench_wat $(B)/bench/wat $(BENCH_WAT_INPUTS)

.PHONY: bench-wat

# A libFuzzer campaign on the parser (not part of `make test`; the unit test
# test_wat_fuzz is the smoke test that always runs).  Seeds: the spec suite's
# text modules (build/spec/*/*.wat) and the repository's .wat files.
#
#   make fuzz-wat                 FUZZ_TIME seconds (default 60)
WAT_FUZZ_DIR := build/fuzz-wat
WAT_FUZZ_SRC := $(wildcard src/wat/*.c) $(wildcard src/wasm/*.c)

$(WAT_FUZZ_DIR)/fuzz_wat: tests/fuzz/fuzz_wat.c $(WAT_FUZZ_SRC) $(wildcard src/wat/*.h src/wasm/*.h include/*.h)
	@mkdir -p $(@D)
	clang -std=c11 -O1 -g -Iinclude -D_GNU_SOURCE -pthread -fno-omit-frame-pointer \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	    tests/fuzz/fuzz_wat.c $(WAT_FUZZ_SRC) -lm -o $@

fuzz-wat: $(WAT_FUZZ_DIR)/fuzz_wat
	@mkdir -p $(WAT_FUZZ_DIR)/corpus $(WAT_FUZZ_DIR)/seeds
	@cp -p $(wildcard build/spec/*/*.wat) $(wildcard examples/*.wat tests/policy/*.wat bench/engine/*.wat) \
	    $(WAT_FUZZ_DIR)/seeds/ 2>/dev/null; true
	@$< -max_total_time=$(FUZZ_TIME) -timeout=10 -max_len=16384 -print_final_stats=1 \
	    -artifact_prefix=$(WAT_FUZZ_DIR)/ $(WAT_FUZZ_DIR)/corpus $(WAT_FUZZ_DIR)/seeds \
	    >$(WAT_FUZZ_DIR)/fuzz.log 2>&1 \
	  && { grep -E 'stat::number_of_executed_units|cov:' $(WAT_FUZZ_DIR)/fuzz.log | tail -n 2; \
	       echo "fuzz-wat: 1 passed, 0 failed"; } \
	  || { tail -n 40 $(WAT_FUZZ_DIR)/fuzz.log; echo "fuzz-wat: 0 passed, 1 failed"; exit 1; }

.PHONY: fuzz-wat
