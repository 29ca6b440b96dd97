# Rego (OPA / Gatekeeper) execution modes: test guests and suites.
#
#   tests/opa/opa_guest.c -> $(B)/tests/policy/opa_guest.wasm  (sdk/opa/, OPA mode)
#                         -> $(B)/tests/policy/gk_guest.wasm   (the same, -DGATEKEEPER)
#
# tests/unit/test_policy_opa.c loads them (and WAT modules it builds itself for
# the failure paths); it runs in test-policy (and under SAN).  test-opa-e2e runs
# the real policy-server and kwctl with Rego modules (tests/opa/e2e.sh), also
# under SAN (a few seconds).

OPA_GUEST_SDK   := sdk/opa/opa.c $(filter-out sdk/arena.c sdk/wapc.c sdk/host.c,$(wildcard sdk/*.c))
OPA_GUEST_DEPS  := tests/opa/opa_guest.c $(OPA_GUEST_SDK) sdk/opa/opa.h $(wildcard sdk/*.h)
OPA_GUEST_FLAGS  = --target=wasm32-wasi -std=c11 -O2 -mbulk-memory -Wall -Wextra -Isdk -Isdk/opa \
                   -ffunction-sections -fdata-sections -nostartfiles -Wl,--no-entry -Wl,--gc-sections \
                   -Wl,--strip-all -Wl,-z,stack-size=65536 -Wl,--import-memory
OPA_GUESTS      := $(B)/tests/policy/opa_guest.wasm $(B)/tests/policy/gk_guest.wasm

$(B)/tests/policy/opa_guest.wasm: $(OPA_GUEST_DEPS)
	@mkdir -p $(@D)
	$(WASM_CC) $(OPA_GUEST_FLAGS) tests/opa/opa_guest.c $(OPA_GUEST_SDK) -o $@

$(B)/tests/policy/gk_guest.wasm: $(OPA_GUEST_DEPS)
	@mkdir -p $(@D)
	$(WASM_CC) $(OPA_GUEST_FLAGS) -DGATEKEEPER tests/opa/opa_guest.c $(OPA_GUEST_SDK) -o $@

$(B)/tests/test_policy_opa: $(OPA_GUESTS)

test-opa-e2e: $(B)/policy-server $(B)/kwctl $(OPA_GUESTS) $(B)/policies/disallow-service-loadbalancer.gatekeeper.wasm
	@tests/opa/e2e.sh $(B)

TEST_SUITES += test-opa-e2e
SAN_SUITES  += test-opa-e2e
.PHONY: test-opa-e2e
