# The C policies (policies/<name>/*.c + sdk/) -> $(B)/policies/<name>.wasm,
# and their test suites.  See docs/sdk.md.
#
#   $(B)/policies/<name>.raw.wasm   clang --target=wasm32-wasi, waPC reactor
#   $(B)/policies/<name>.wasm       the same, annotated by `kwctl annotate`
#                                   with policies/<name>/metadata.yml
#
# Suites: test-policies-native (policy logic compiled natively, also under
# SAN), test-policies (our fixtures through build/kwctl run),
# test-upstream-fixtures (the upstream expectations.json under $(SHARED)) and
# test-policies-timeout (sleeping, interrupted by the real policy-server).

WASM_CC      ?= clang
# Debian's clang finds wasi-libc on its own; set this for another sysroot.
WASI_SYSROOT ?=
SHARED       ?= ../shared

WASM_CFLAGS  := --target=wasm32-wasi $(if $(WASI_SYSROOT),--sysroot=$(WASI_SYSROOT)) \
                -std=c11 -O2 -mbulk-memory -Wall -Wextra -Isdk -ffunction-sections -fdata-sections
# A reactor: no _start; the host calls the exported wapc_init (see sdk/wapc.c).
WASM_LDFLAGS := -nostartfiles -Wl,--no-entry -Wl,--gc-sections -Wl,--strip-all \
                -Wl,-z,stack-size=65536

SDK_SRC        := $(wildcard sdk/*.c)
SDK_HDR        := $(wildcard sdk/*.h)
POLICY_NAMES   := $(patsubst policies/%/,%,$(dir $(wildcard policies/*/policy.c)))
POLICY_WASMS   := $(POLICY_NAMES:%=$(B)/policies/%.wasm)
POLICY_NATIVE  := $(POLICY_NAMES:%=$(B)/policies-native/%)
POLICY_RUNNER  := $(B)/tests/policy-runner
SDK_TEST       := $(B)/tests/policy-sdk-test

all: $(POLICY_WASMS)

define policy_rules
$(B)/policies/$(1).raw.wasm: $(wildcard policies/$(1)/*.c policies/$(1)/*.h) $(SDK_SRC) $(SDK_HDR)
	@mkdir -p $$(@D)
	$(WASM_CC) $(WASM_CFLAGS) $(WASM_LDFLAGS) $(wildcard policies/$(1)/*.c) $(SDK_SRC) -o $$@

$(B)/policies/$(1).wasm: $(B)/policies/$(1).raw.wasm policies/$(1)/metadata.yml $(B)/kwctl
	$(B)/kwctl annotate $$< -m policies/$(1)/metadata.yml -o $$@

$(B)/policies-native/$(1): $(wildcard policies/$(1)/*.c policies/$(1)/*.h) $(SDK_SRC) $(SDK_HDR) \
		sdk/native/wapc_host.c sdk/native/wapc_host.h tests/policies/native_main.c tests/policies/cases.h
	@mkdir -p $$(@D)
	$(CC) -std=c11 $(OPT) -g -Wall -Wextra -D_GNU_SOURCE -Isdk $(LDFLAGS) \
		$(wildcard policies/$(1)/*.c) $(SDK_SRC) sdk/native/wapc_host.c tests/policies/native_main.c -o $$@
endef
$(foreach p,$(POLICY_NAMES),$(eval $(call policy_rules,$(p))))

# Rego-ABI builds (sdk/opa/: the OPA Wasm ABI around a C policy) of the
# policies that upstream ships as Rego: $(B)/policies/<name>.<mode>.wasm, from
# policies/<name>/<mode>/ (policy.c, metadata.yml).  test-upstream-fixtures
# runs the fixtures' execution_mode cases against them.
OPA_SDK_SRC  := sdk/opa/opa.c $(filter-out sdk/arena.c sdk/wapc.c sdk/host.c,$(SDK_SRC))
OPA_LDFLAGS  := $(WASM_LDFLAGS) -Wl,--import-memory
REGO_WASMS   := $(B)/policies/disallow-service-loadbalancer.gatekeeper.wasm

$(B)/policies/%.gatekeeper.raw.wasm: policies/%/gatekeeper/policy.c $(OPA_SDK_SRC) sdk/opa/opa.h $(SDK_HDR)
	@mkdir -p $(@D)
	$(WASM_CC) $(WASM_CFLAGS) -Isdk/opa $(OPA_LDFLAGS) $< $(OPA_SDK_SRC) -o $@

$(B)/policies/%.gatekeeper.wasm: $(B)/policies/%.gatekeeper.raw.wasm policies/%/gatekeeper/metadata.yml $(B)/kwctl
	$(B)/kwctl annotate $< -m policies/$*/gatekeeper/metadata.yml -o $@

all: $(REGO_WASMS)

$(POLICY_RUNNER): tests/policies/kwctl_runner.c tests/policies/cases.h tests/policies/json_patch.h $(SDK_SRC) $(SDK_HDR)
	@mkdir -p $(@D)
	$(CC) -std=c11 $(OPT) -g -Wall -Wextra -D_GNU_SOURCE -Isdk $(LDFLAGS) \
		tests/policies/kwctl_runner.c $(filter-out sdk/wapc.c sdk/host.c,$(SDK_SRC)) -o $@

$(SDK_TEST): tests/policies/test_sdk.c tests/unit/test.h $(SDK_SRC) $(SDK_HDR)
	@mkdir -p $(@D)
	$(CC) -std=c11 $(OPT) -g -Wall -Wextra -D_GNU_SOURCE -Isdk $(LDFLAGS) \
		tests/policies/test_sdk.c $(filter-out sdk/wapc.c sdk/host.c,$(SDK_SRC)) -o $@

policies: $(POLICY_WASMS)

test-policies-native: $(SDK_TEST) $(POLICY_NATIVE)
	@tests/policies/run-native.sh $(SDK_TEST) $(POLICY_NATIVE)

test-policies: $(POLICY_WASMS) $(B)/kwctl $(POLICY_RUNNER)
	@$(POLICY_RUNNER) own $(B)/kwctl $(B)/policies policies $(POLICY_NAMES)

test-upstream-fixtures: $(POLICY_WASMS) $(REGO_WASMS) $(B)/kwctl $(POLICY_RUNNER)
	@$(POLICY_RUNNER) upstream $(B)/kwctl $(B)/policies $(SHARED)/fixtures/policies $(POLICY_NAMES)

# The sleeping policy's reason to exist: the server's timeout interrupts it.
test-policies-timeout: $(B)/policies/sleeping.wasm $(B)/policy-server
	@tests/policies/sleeping-timeout.sh $(B)

TEST_SUITES += test-policies-native test-policies test-upstream-fixtures test-policies-timeout
SAN_SUITES  += test-policies-native

.PHONY: policies test-policies-native test-policies test-upstream-fixtures test-policies-timeout
