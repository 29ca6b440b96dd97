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

# libFuzzer campaign on the JSON layer (tests/fuzz/fuzz_json.c): parser, YAML
# readers and writers, seeded with the bench reviews and the YAML fixtures.
#   make test-fuzz-json                    JSON_FUZZ_TIME seconds (default 30)
JSON_FUZZ_TIME ?= 30
JSON_FUZZ_DIR  := build/fuzz-json
JSON_FUZZ_SRC  := $(wildcard src/json/*.c)

$(JSON_FUZZ_DIR)/fuzz_json: tests/fuzz/fuzz_json.c $(JSON_FUZZ_SRC) $(wildcard src/json/*.h) include/json.h
	@mkdir -p $(@D)
	clang -std=c11 -O1 -g -Iinclude -D_GNU_SOURCE -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
		-fsanitize=fuzzer,address,undefined $< $(JSON_FUZZ_SRC) -lyaml -lm -o $@

test-fuzz-json: $(JSON_FUZZ_DIR)/fuzz_json
	@mkdir -p $(JSON_FUZZ_DIR)/corpus $(JSON_FUZZ_DIR)/seeds
	@cp -p bench/json/*.json tests/kwctl/fixtures/*.json tests/kwctl/fixtures/*.yml $(JSON_FUZZ_DIR)/seeds/
	@if $< -max_total_time=$(JSON_FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-artifact_prefix=$(JSON_FUZZ_DIR)/ $(JSON_FUZZ_DIR)/corpus $(JSON_FUZZ_DIR)/seeds \
		>$(JSON_FUZZ_DIR)/fuzz.log 2>&1; then \
		echo "fuzz-json: $(JSON_FUZZ_TIME)s campaign, no crash"; echo "1 passed, 0 failed"; \
	else tail -n 40 $(JSON_FUZZ_DIR)/fuzz.log; echo "fuzz-json: FAILED, log $(JSON_FUZZ_DIR)/fuzz.log"; \
		echo "0 passed, 1 failed"; exit 1; fi

TEST_SUITES += test-fuzz-json
.PHONY: test-fuzz-json
