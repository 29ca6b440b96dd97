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
