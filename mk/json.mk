# JSON layer (src/json/): its benchmark, run by hand.
#
#   make bench-json                    parse / write / parse+write of two AdmissionReviews
#   make bench-json BENCH_JSON_RUNS=21 more runs (the median is reported)
#
# jansson and json-c are timed too when their Debian runtime libraries are
# installed (dlopen, no build dependency).

BENCH_JSON_RUNS ?= 11
BENCH_JSON_DIR  := $(B)/bench/json

$(BENCH_JSON_DIR)/bench_json: $(B)/bench/json/bench_json.o $(B)/libjson.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

bench-json: $(BENCH_JSON_DIR)/bench_json
	$< -r $(BENCH_JSON_RUNS) bench/json/review_small.json bench/json/review_large.json

.PHONY: bench-json

# The JSON unit tests need only the JSON layer: linking them alone keeps them
# buildable while other layers are half-written (more specific than the generic
# $(B)/tests/% rule, so make prefers it).
$(B)/tests/test_json%: $(B)/tests/unit/test_json%.o $(B)/libjson.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@
