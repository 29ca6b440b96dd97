# End-to-end tests of the policy-server (S1): the real $(B)/policy-server on
# loopback with our C policies.  See tests/e2e/functional/run.sh.
E2E_POLICIES := pod-privileged capabilities-psp raw-validation sleeping

# The policy layer's test guests (mk/policy.mk) drive guest logs, errors and traps.
E2E_GUESTS   := wapc_guest wapc_init_loop

test-e2e: $(B)/policy-server $(E2E_POLICIES:%=$(B)/policies/%.wasm) $(E2E_GUESTS:%=$(B)/tests/policy/%.wasm)
	@tests/e2e/functional/run.sh $(B) $(if $(filter 1,$(SAN)),1,0)

TEST_SUITES += test-e2e
SAN_SUITES  += test-e2e
.PHONY: test-e2e
