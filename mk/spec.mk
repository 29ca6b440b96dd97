# The official WebAssembly spec tests against the engine (tests/spec/).
#
#   make test-spec                     every script of $(WASM_TESTSUITE)
#   make test-spec SPEC_FLAGS=-v       ... printing each failure (script:line, expected, got)
#   make test-spec SPEC_ONLY="i32 br"  ... only those scripts
#   make test-spec-self                the runner on its own fixtures (no suite needed)
#
# wast2json converts each .wast into build/spec/<name>/ (again only when the .wast
# is newer); the conversion does not depend on SAN, so both builds share it.

SHARED         ?= ../shared
WASM_TESTSUITE ?= $(SHARED)/wasm-testsuite
SPEC_FLAGS     ?=
SPEC_ONLY      ?=
SPEC_RUNNER    := $(B)/tests/spec_runner
SPEC_OBJS      := $(patsubst %.c,$(B)/%.o,$(wildcard tests/spec/*.c))

$(SPEC_RUNNER): $(SPEC_OBJS) $(B)/libwat.a $(B)/libwasm.a $(B)/libjson.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $(SPEC_OBJS) $(B)/libwat.a $(B)/libwasm.a $(B)/libjson.a $(LDLIBS) -o $@

test-spec: $(SPEC_RUNNER)
	@tests/spec/run-spec.sh "$(SPEC_RUNNER)" "$(WASM_TESTSUITE)" build/spec "$(SPEC_ONLY)" $(SPEC_FLAGS)

# The runner on its own fixtures (tests/spec/selftest/): passes what holds, fails what does not.
test-spec-self: $(SPEC_RUNNER)
	@tests/spec/selftest.sh "$(SPEC_RUNNER)" build/spec-self

TEST_SUITES += test-spec test-spec-self
SAN_SUITES  += test-spec test-spec-self
.PHONY: test-spec test-spec-self
