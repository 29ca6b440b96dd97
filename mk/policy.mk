# Policy layer (src/policy/, src/wasi/): test guests and the test-policy suite.
#
#   tests/policy/*.wat -> $(B)/tests/policy/*.wasm   (wat2wasm)
#   tests/policy/*.c   -> $(B)/tests/policy/*.wasm   (clang --target=wasm32-wasi, wasi-libc)
#
# The unit tests (tests/unit/test_policy*.c, test_wasi*.c) load those guests
# from the directory beside their own binary, so the guests are prerequisites
# of the test binaries (test-unit builds them too).

POLICY_GUEST_CC    ?= clang
POLICY_GUEST_DIR   := $(B)/tests/policy
POLICY_GUESTS      := $(patsubst tests/policy/%.wat,$(POLICY_GUEST_DIR)/%.wasm,$(wildcard tests/policy/*.wat)) \
                      $(patsubst tests/policy/%.c,$(POLICY_GUEST_DIR)/%.wasm,$(wildcard tests/policy/*.c))
POLICY_UNIT        := $(filter $(B)/tests/test_policy% $(B)/tests/test_wasi%,$(UNIT))

$(POLICY_GUEST_DIR)/%.wasm: tests/policy/%.wat
	@mkdir -p $(@D)
	wat2wasm $< -o $@

# wapc_*.c are reactors (the host calls wapc_init); the others are WASI commands.
$(POLICY_GUEST_DIR)/wapc_%.wasm: tests/policy/wapc_%.c
	@mkdir -p $(@D)
	$(POLICY_GUEST_CC) --target=wasm32-wasi -O2 -Wall -Wextra -nostartfiles -Wl,--no-entry -Wl,--strip-all $< -o $@

$(POLICY_GUEST_DIR)/%.wasm: tests/policy/%.c
	@mkdir -p $(@D)
	$(POLICY_GUEST_CC) --target=wasm32-wasi -O2 -Wall -Wextra -Wl,--strip-all $< -o $@

$(POLICY_UNIT): $(POLICY_GUESTS)

test-policy: $(POLICY_UNIT)
	@tests/run-unit.sh $(POLICY_UNIT)

TEST_SUITES += test-policy
SAN_SUITES  += test-policy
.PHONY: test-policy

# make bench-policy: the cost of one fresh-sandbox evaluation of P's pod-privileged
# policy on a typical Pod CREATE (bench/json/review_small.json), and of the test
# guests (bench/policy/review_accept.json: the same review, uid "accept"); results
# in docs/performance.md (policy section).  Not part of `make test`.
BENCH_POLICY_N ?= 20000

$(B)/bench/policy/bench_policy: $(B)/bench/policy/bench_policy.o $(LIBS)
	$(CC) $(LDFLAGS) $< $(LIBS) $(LDLIBS) -o $@

# The same policy compiled natively (gcc, with P's native waPC stand-in), for the ratio.
$(B)/bench/policy/bench_native_pod_privileged: bench/policy/bench_native.c $(wildcard policies/pod-privileged/*.c) \
		$(wildcard sdk/*.c sdk/*.h) sdk/native/wapc_host.c $(B)/libjson.a
	@mkdir -p $(@D)
	$(CC) -std=c11 $(OPT) -g -Wall -Wextra -D_GNU_SOURCE -Iinclude -Isdk $(LDFLAGS) bench/policy/bench_native.c \
		$(wildcard policies/pod-privileged/*.c) $(wildcard sdk/*.c) sdk/native/wapc_host.c $(B)/libjson.a $(LDLIBS) -o $@

bench-policy: $(B)/bench/policy/bench_policy $(B)/policies/pod-privileged.raw.wasm $(POLICY_GUESTS) \
		$(B)/bench/policy/bench_native_pod_privileged
	$< -n $(BENCH_POLICY_N) $(B)/policies/pod-privileged.raw.wasm bench/json/review_small.json
	$(B)/bench/policy/bench_native_pod_privileged -n $(BENCH_POLICY_N) bench/json/review_small.json
	$< -n $(BENCH_POLICY_N) $(B)/policies/pod-privileged.raw.wasm policies/pod-privileged/test_data/pod_plain.json
	$< -n $(BENCH_POLICY_N) $(POLICY_GUEST_DIR)/wapc_order.wasm bench/json/review_small.json
	$< -n $(BENCH_POLICY_N) $(POLICY_GUEST_DIR)/wapc_guest.wasm bench/policy/review_accept.json
	$< -n $(BENCH_POLICY_N) -e wasi $(POLICY_GUEST_DIR)/wasi_guest.wasm bench/policy/review_accept.json

.PHONY: bench-policy

# test_policy_real runs P's policies (mk/policies.mk builds them).
$(B)/tests/test_policy_real: $(B)/policies/pod-privileged.raw.wasm $(B)/policies/capabilities-psp.raw.wasm
