# Engine benchmarks (bench/engine/): not timed tests, run by hand.
#
#   make bench-engine                  kernels (engine vs gcc -O2) + instantiation
#   make bench-engine BENCH_RUNS=9     more runs per kernel
#   make bench-engine BENCH_WABT=1     also time wabt's wasm-interp (slow: ~15 s)
#
# The kernels (bench/engine/kernels/*.c) are compiled twice: to wasm32 by
# Debian's clang (wasi-libc in /usr/lib/wasm32-wasi, no WASI imports used) and
# natively by gcc -O2, linked into the driver as <kernel>_setup/<kernel>_run.

BENCH_KERNELS := crc32 fib sort
BENCH_RUNS    ?= 5
BENCH_WABT    ?= 0
BENCH_DIR     := $(B)/bench/engine
BENCH_WASM    := $(BENCH_KERNELS:%=$(BENCH_DIR)/%.wasm) $(BENCH_DIR)/calls.wasm
BENCH_NATIVE  := $(BENCH_KERNELS:%=$(BENCH_DIR)/native_%.o)
BENCH_OBJS    := $(patsubst %.c,$(B)/%.o,$(wildcard bench/engine/*.c))
WASM_CLANG    := clang --target=wasm32-wasi -O2 -nostartfiles -Wl,--no-entry \
                 -Wl,--export=setup -Wl,--export=run -Wl,--strip-all

$(BENCH_DIR)/%.wasm: bench/engine/kernels/%.c
	@mkdir -p $(@D)
	$(WASM_CLANG) $< -o $@

$(BENCH_DIR)/calls.wasm: bench/engine/calls.wat
	@mkdir -p $(@D)
	wat2wasm $< -o $@

$(BENCH_DIR)/native_%.o: bench/engine/kernels/%.c
	@mkdir -p $(@D)
	gcc -O2 -Dsetup=$*_setup -Drun=$*_run -c $< -o $@

$(BENCH_DIR)/bench_engine: $(BENCH_OBJS) $(BENCH_NATIVE) $(B)/libwasm.a
	$(CC) $(LDFLAGS) $(BENCH_OBJS) $(BENCH_NATIVE) $(B)/libwasm.a $(LDLIBS) -o $@

bench-engine: $(BENCH_DIR)/bench_engine $(BENCH_WASM)
	$(BENCH_DIR)/bench_engine -r $(BENCH_RUNS) $(BENCH_DIR)
	@if [ "$(BENCH_WABT)" = 1 ]; then bench/engine/wabt.sh $(BENCH_DIR) $(BENCH_KERNELS); fi

.PHONY: bench-engine

# The compiler against the interpreter, alternated, medians and ratios
# (bench/tiers/run.sh; figures in docs/performance.md, "Compiler vs interpreter").
ROUNDS ?= 3
bench-tiers: $(BENCH_DIR)/bench_engine $(BENCH_WASM) $(B)/bench/policy/bench_policy \
             $(B)/policies/pod-privileged.raw.wasm
	@B=$(B) bench/tiers/run.sh $(ROUNDS)

.PHONY: bench-tiers
