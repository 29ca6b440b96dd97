# libFuzzer campaigns on what reaches the server from outside:
#   make test-fuzz-http      HTTP_FUZZ_TIME seconds (default 30): the HTTP/1.1 framing
#                            (tests/fuzz/fuzz_http.c, src/server/h1_parse.c): heads,
#                            pipelining, chunked bodies cut anywhere
#   make test-fuzz-policies  POLICIES_FUZZ_TIME seconds (default 20): the policies file
#                            and its group expressions (tests/fuzz/fuzz_policies.c)
#   make test-fuzz-admission ADMISSION_FUZZ_TIME seconds (default 20): request bodies
#                            (tests/fuzz/fuzz_admission.c, src/server/admission.c)
HTTP_FUZZ_TIME ?= 30
HTTP_FUZZ_DIR  := build/fuzz-http

$(HTTP_FUZZ_DIR)/fuzz_http: tests/fuzz/fuzz_http.c src/server/h1_parse.c src/server/h1_parse.h
	@mkdir -p $(@D)
	clang -std=c11 -O1 -g -D_GNU_SOURCE -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
		-fsanitize=fuzzer,address,undefined $< src/server/h1_parse.c -o $@

# Seeds: two bytes (body limit, cut) then what a client sends.
HTTP_FUZZ_SEEDS := \
	'\003\010POST /validate/p HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}' \
	'\004\007POST /validate/p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\n{"a"\r\n3\r\n:1}\r\n0\r\nTrailer: t\r\n\r\nGET /readiness HTTP/1.1\r\nHost: x\r\n\r\n' \
	'\002\000GET / HTTP/1.0\r\n\r\nHEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\nExpect: 100-continue\r\n\r\n'

test-fuzz-http: $(HTTP_FUZZ_DIR)/fuzz_http
	@mkdir -p $(HTTP_FUZZ_DIR)/corpus $(HTTP_FUZZ_DIR)/seeds
	@i=0; for s in $(HTTP_FUZZ_SEEDS); do i=$$((i + 1)); printf "$$s" > $(HTTP_FUZZ_DIR)/seeds/seed$$i; done
	@if $< -max_total_time=$(HTTP_FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
		-artifact_prefix=$(HTTP_FUZZ_DIR)/ $(HTTP_FUZZ_DIR)/corpus $(HTTP_FUZZ_DIR)/seeds \
		>$(HTTP_FUZZ_DIR)/fuzz.log 2>&1; then \
		echo "fuzz-http: $(HTTP_FUZZ_TIME)s campaign, no crash"; echo "1 passed, 0 failed"; \
	else tail -n 40 $(HTTP_FUZZ_DIR)/fuzz.log; echo "fuzz-http: FAILED, log $(HTTP_FUZZ_DIR)/fuzz.log"; \
		echo "0 passed, 1 failed"; exit 1; fi

POLICIES_FUZZ_TIME ?= 20
POLICIES_FUZZ_DIR  := build/fuzz-policies
POLICIES_FUZZ_SRC  := src/server/policies.c src/server/expr.c $(wildcard src/json/*.c)

$(POLICIES_FUZZ_DIR)/fuzz_policies: tests/fuzz/fuzz_policies.c $(POLICIES_FUZZ_SRC) src/server/policies.h \
		src/server/expr.h include/json.h include/policy.h
	@mkdir -p $(@D)
	clang -std=c11 -O1 -g -Iinclude -D_GNU_SOURCE -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
		-fsanitize=fuzzer,address,undefined $< $(POLICIES_FUZZ_SRC) -lyaml -lm -o $@

test-fuzz-policies: $(POLICIES_FUZZ_DIR)/fuzz_policies
	@mkdir -p $(POLICIES_FUZZ_DIR)/corpus $(POLICIES_FUZZ_DIR)/seeds
	@cp -p examples/server/policies.yml $(POLICIES_FUZZ_DIR)/seeds/examples.yml
	@cp -p bench/server/policies.yml $(POLICIES_FUZZ_DIR)/seeds/bench.yml
	@printf 'g:\n  expression: "!(a() || b()) && (c() || !a()) || true"\n  message: m\n  policyMode: monitor\n  policies:\n    a: {module: registry://x/y:1}\n    b: {module: "file:///p.wasm", timeoutEvalSeconds: 3, settings: {k: [1, "2"]}}\n    c: {module: ./c.wasm, contextAwareResources: [{apiVersion: v1, kind: Pod}], hostCapabilities: ["oci/*"]}\n' \
		> $(POLICIES_FUZZ_DIR)/seeds/group.yml
	@if $< -max_total_time=$(POLICIES_FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
		-artifact_prefix=$(POLICIES_FUZZ_DIR)/ $(POLICIES_FUZZ_DIR)/corpus $(POLICIES_FUZZ_DIR)/seeds \
		>$(POLICIES_FUZZ_DIR)/fuzz.log 2>&1; then \
		echo "fuzz-policies: $(POLICIES_FUZZ_TIME)s campaign, no crash"; echo "1 passed, 0 failed"; \
	else tail -n 40 $(POLICIES_FUZZ_DIR)/fuzz.log; echo "fuzz-policies: FAILED, log $(POLICIES_FUZZ_DIR)/fuzz.log"; \
		echo "0 passed, 1 failed"; exit 1; fi

ADMISSION_FUZZ_TIME ?= 20
ADMISSION_FUZZ_DIR  := build/fuzz-admission
ADMISSION_FUZZ_SRC  := src/server/admission.c $(wildcard src/json/*.c)

$(ADMISSION_FUZZ_DIR)/fuzz_admission: tests/fuzz/fuzz_admission.c $(ADMISSION_FUZZ_SRC) src/server/admission.h include/json.h
	@mkdir -p $(@D)
	clang -std=c11 -O1 -g -Iinclude -D_GNU_SOURCE -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
		-fsanitize=fuzzer,address,undefined $< $(ADMISSION_FUZZ_SRC) -lyaml -lm -o $@

# Seeds: byte 0 the route (0 validate, 1 audit, 2 raw), then a body.
test-fuzz-admission: $(ADMISSION_FUZZ_DIR)/fuzz_admission
	@mkdir -p $(ADMISSION_FUZZ_DIR)/corpus $(ADMISSION_FUZZ_DIR)/seeds
	@for f in bench/server/requests/*.json; do \
		{ printf '\000'; cat "$$f"; } > $(ADMISSION_FUZZ_DIR)/seeds/v-$$(basename $$f); \
		{ printf '\002{"request":'; cat "$$f"; printf '}'; } > $(ADMISSION_FUZZ_DIR)/seeds/r-$$(basename $$f); done
	@if $< -max_total_time=$(ADMISSION_FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
		-artifact_prefix=$(ADMISSION_FUZZ_DIR)/ $(ADMISSION_FUZZ_DIR)/corpus $(ADMISSION_FUZZ_DIR)/seeds \
		>$(ADMISSION_FUZZ_DIR)/fuzz.log 2>&1; then \
		echo "fuzz-admission: $(ADMISSION_FUZZ_TIME)s campaign, no crash"; echo "1 passed, 0 failed"; \
	else tail -n 40 $(ADMISSION_FUZZ_DIR)/fuzz.log; echo "fuzz-admission: FAILED, log $(ADMISSION_FUZZ_DIR)/fuzz.log"; \
		echo "0 passed, 1 failed"; exit 1; fi

TEST_SUITES += test-fuzz-http test-fuzz-policies test-fuzz-admission
.PHONY: test-fuzz-http test-fuzz-policies test-fuzz-admission
