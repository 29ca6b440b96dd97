# libFuzzer campaign on the engine (tests/fuzz/fuzz_wasm.c).
#
#   make test-fuzz                 FUZZ_TIME seconds (default 60), then
#                                  "N passed, N failed" (failed: crash, hang, sanitizer report)
#   make test-fuzz FUZZ_TIME=600   a longer campaign
#
# The engine is compiled again here with clang's coverage instrumentation and
# ASan+UBSan (build/fuzz/obj/), independent of B and SAN.  Seeds: the .wasm files
# wast2json made from the spec suite (build/spec/), plus the demo module.

FUZZ_TIME   ?= 60
FUZZ_DIR    := build/fuzz
FUZZ_FLAGS  := -std=c11 -O1 -g -Iinclude -D_GNU_SOURCE -pthread -Wall -Wextra -Wno-unused-parameter \
               -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_ENGINE := $(patsubst src/wasm/%.c,$(FUZZ_DIR)/obj/%.o,$(wildcard src/wasm/*.c))

$(FUZZ_DIR)/obj/%.o: src/wasm/%.c
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c $< -o $@

$(FUZZ_DIR)/fuzz_wasm: tests/fuzz/fuzz_wasm.c tests/fuzz/fuzz_module.h $(FUZZ_ENGINE)
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined $< $(FUZZ_ENGINE) -lm -o $@

test-fuzz: $(FUZZ_DIR)/fuzz_wasm $(DEMO_WASM)
	@tests/fuzz/run-fuzz.sh $(FUZZ_DIR)/fuzz_wasm $(FUZZ_TIME) "$(WASM_TESTSUITE)" build/spec $(DEMO_WASM)

# The compiled tier against the interpreter (tests/fuzz/fuzz_jit.c), same
# seeds: `make test-fuzz-jit [FUZZ_JIT_TIME=600]`.  A difference aborts with
# both sides printed; the closing line counts the calls compared.
# Extra seeds: tests/fuzz/jit-seeds/*.wat (the compiler's fused instructions).
FUZZ_JIT_TIME  ?= 60
FUZZ_JIT_SEEDS := $(patsubst tests/fuzz/jit-seeds/%.wat,build/fuzz-jit/wat/%.wasm,$(wildcard tests/fuzz/jit-seeds/*.wat))

build/fuzz-jit/fuzz_jit: tests/fuzz/fuzz_jit.c tests/fuzz/fuzz_module.h src/wasm/internal.h $(FUZZ_ENGINE)
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined $< $(FUZZ_ENGINE) -lm -o $@

build/fuzz-jit/wat/%.wasm: tests/fuzz/jit-seeds/%.wat
	@mkdir -p $(@D)
	wat2wasm $< -o $@

test-fuzz-jit: build/fuzz-jit/fuzz_jit $(DEMO_WASM) $(FUZZ_JIT_SEEDS)
	@tests/fuzz/run-fuzz.sh $< $(FUZZ_JIT_TIME) "$(WASM_TESTSUITE)" build/spec $(DEMO_WASM) $(FUZZ_JIT_SEEDS); \
	status=$$?; grep -h '^fuzz_jit: [0-9]* inputs' build/fuzz-jit/fuzz.log; exit $$status

TEST_SUITES += test-fuzz test-fuzz-jit
.PHONY: test-fuzz test-fuzz-jit
-include $(wildcard $(FUZZ_DIR)/obj/*.d)
