# Memory end-to-end test (issue 4): the peak RSS of the real policy-server with
# --workers 8 within 10 % of --workers 1 under the same burst of requests.  See
# tests/e2e/memory/run.sh.  Not under sanitizers: ASan's shadow memory and
# quarantine make RSS meaningless.
E2E_MEMORY_POLICIES := $(shell sed -n 's|^ *module: "@P@/\(.*\)"|\1|p' bench/server/policies.yml)

$(B)/tests/e2e/memory-load: $(B)/tests/e2e/memory/load.o
	$(CC) $(LDFLAGS) $< -lssl -lcrypto -o $@

test-e2e-memory: $(B)/policy-server $(E2E_MEMORY_POLICIES:%=$(B)/policies/%) $(B)/tests/e2e/memory-load
	@tests/e2e/memory/run.sh $(B)

TEST_SUITES += test-e2e-memory
.PHONY: test-e2e-memory
