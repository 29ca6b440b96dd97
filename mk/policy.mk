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
