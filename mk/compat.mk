# Compatibility with policies built by another toolchain (R): a waPC policy in
# Rust (tests/compat/rust-waPC, Debian's rustc + packaged crates, offline) run
# unchanged through the real kwctl and policy-server.  See tests/compat/README.md.
# Not under SAN: the guest is the subject here, not the host's memory safety.

COMPAT_LOAD_TIME := $(B)/compat/load-time

$(COMPAT_LOAD_TIME): $(B)/tests/compat/load_time.o $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $< $(LIBS) $(LDLIBS) -o $@

test-compat: $(B)/kwctl $(B)/policy-server $(B)/policies/pod-privileged.wasm $(COMPAT_LOAD_TIME)
	@tests/compat/run.sh $(B)

TEST_SUITES += test-compat
.PHONY: test-compat
