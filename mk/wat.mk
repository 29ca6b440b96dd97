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
