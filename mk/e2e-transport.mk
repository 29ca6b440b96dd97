# Transport end-to-end tests (S2): the real $(B)/policy-server over TLS,
# HTTP/2 and HTTP/1.1, mTLS, certificate reload, SIGHUP and SIGTERM under load.
# See tests/e2e/transport/run.sh.  The transport's unit tests
# (tests/unit/test_http*.c) run in test-unit.
E2E_TRANSPORT_POLICIES := pod-privileged sleeping

# raw-client sends requests byte for byte as the test writes them, in pieces.
$(B)/tests/e2e/raw-client: $(B)/tests/e2e/transport/raw-client.o
	$(CC) $(LDFLAGS) $< -lssl -lcrypto -o $@

test-e2e-transport: $(B)/policy-server $(E2E_TRANSPORT_POLICIES:%=$(B)/policies/%.raw.wasm) \
                    $(B)/tests/e2e/raw-client
	@tests/e2e/transport/run.sh $(B)

TEST_SUITES += test-e2e-transport
SAN_SUITES  += test-e2e-transport
.PHONY: test-e2e-transport
