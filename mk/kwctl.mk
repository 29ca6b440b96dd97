# kwctl (src/cli/kwctl.c) and policy metadata (src/policy/metadata*.c).
#
#   make test-kwctl      the real kwctl binary on our policies and on bad input
#                        (tests/kwctl/run.sh), after the metadata unit test

# The metadata unit test needs only the metadata objects and the JSON layer, so
# it builds while the rest of the policy layer is in progress.
METADATA_OBJS := $(B)/src/policy/metadata.o $(B)/src/policy/metadata_section.o

$(B)/tests/test_metadata: $(B)/tests/unit/test_metadata.o $(METADATA_OBJS) $(B)/libjson.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# kwctl is its main (src/cli/kwctl.c) plus its commands (src/cli/kwctl/*.c):
# an explicit rule, which make prefers to the one-file pattern rule for tools.
KWCTL_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard src/cli/kwctl/*.c))

$(B)/kwctl: $(B)/src/cli/kwctl.o $(KWCTL_OBJS) $(LIBS)
	$(CC) $(LDFLAGS) $(B)/src/cli/kwctl.o $(KWCTL_OBJS) $(LIBS) $(LDLIBS) -o $@

# The suite runs kwctl on modules of mk/policies.mk (annotated and not).
KWCTL_TEST_POLICIES := $(B)/policies/pod-privileged.wasm $(B)/policies/pod-privileged.raw.wasm \
                       $(B)/policies/raw-mutation.wasm

TEST_SUITES += test-kwctl
SAN_SUITES  += test-kwctl

test-kwctl: $(B)/kwctl $(KWCTL_TEST_POLICIES)
	@tests/kwctl/run.sh $(B)

.PHONY: test-kwctl

# libFuzzer campaign on the metadata section reader/writer (module bytes are
# read before any engine checks them), seeded with our policy modules.
#   make test-fuzz-metadata               METADATA_FUZZ_TIME seconds (default 20)
METADATA_FUZZ_TIME ?= 20
METADATA_FUZZ_DIR  := build/fuzz-metadata
METADATA_FUZZ_SRC  := src/policy/metadata.c src/policy/metadata_section.c $(wildcard src/json/*.c)

$(METADATA_FUZZ_DIR)/fuzz_metadata: tests/fuzz/fuzz_metadata.c $(METADATA_FUZZ_SRC) src/policy/metadata_internal.h \
		include/policy.h include/json.h
	@mkdir -p $(@D)
	clang -std=c11 -O1 -g -Iinclude -D_GNU_SOURCE -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
		-fsanitize=fuzzer,address,undefined $< $(METADATA_FUZZ_SRC) -lyaml -lm -o $@

test-fuzz-metadata: $(METADATA_FUZZ_DIR)/fuzz_metadata $(KWCTL_TEST_POLICIES)
	@mkdir -p $(METADATA_FUZZ_DIR)/corpus $(METADATA_FUZZ_DIR)/seeds
	@cp -p $(KWCTL_TEST_POLICIES) $(METADATA_FUZZ_DIR)/seeds/
	@if $< -max_total_time=$(METADATA_FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
		-artifact_prefix=$(METADATA_FUZZ_DIR)/ $(METADATA_FUZZ_DIR)/corpus $(METADATA_FUZZ_DIR)/seeds \
		>$(METADATA_FUZZ_DIR)/fuzz.log 2>&1; then \
		echo "fuzz-metadata: $(METADATA_FUZZ_TIME)s campaign, no crash"; echo "1 passed, 0 failed"; \
	else tail -n 40 $(METADATA_FUZZ_DIR)/fuzz.log; echo "fuzz-metadata: FAILED, log $(METADATA_FUZZ_DIR)/fuzz.log"; \
		echo "0 passed, 1 failed"; exit 1; fi

TEST_SUITES += test-fuzz-metadata
.PHONY: test-fuzz-metadata
