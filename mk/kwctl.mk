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
