# (after spec.mk in the include order: it uses SPEC_RUNNER)
# The engine's two tiers.  Modules run compiled to machine code by default
# (src/wasm/jit_x64.c, x86-64 Linux); the interpreter is the fallback and the
# reference.  The suites above exercise the compiler; these run the engine's
# unit tests and the spec suite once more on the interpreter, so that both
# tiers stay conformant.
#
#   make test-engine-interp      tests/unit/test_wasm_* with KW_WASM_TIER=interp
#   make test-spec-interp        the spec scripts with KW_WASM_TIER=interp

ENGINE_UNIT := $(filter $(B)/tests/test_wasm_%,$(UNIT))

test-engine-interp: $(ENGINE_UNIT)
	@KW_WASM_TIER=interp tests/run-unit.sh $(ENGINE_UNIT)

test-spec-interp: $(SPEC_RUNNER)
	@KW_WASM_TIER=interp tests/spec/run-spec.sh "$(SPEC_RUNNER)" "$(WASM_TESTSUITE)" build/spec "$(SPEC_ONLY)" $(SPEC_FLAGS)

TEST_SUITES += test-engine-interp test-spec-interp
SAN_SUITES  += test-engine-interp test-spec-interp
.PHONY: test-engine-interp test-spec-interp
