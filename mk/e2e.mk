# End-to-end tests of the policy-server (S1): the real $(B)/policy-server on
# loopback with our C policies.  See tests/e2e/functional/run.sh.
E2E_POLICIES := pod-privileged capabilities-psp raw-validation sleeping

test-e2e: $(B)/policy-server $(E2E_POLICIES:%=$(B)/policies/%.wasm)
	@tests/e2e/functional/run.sh $(B)

TEST_SUITES += test-e2e
SAN_SUITES  += test-e2e
.PHONY: test-e2e
