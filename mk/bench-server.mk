# Server load tests (S2), by hand, not part of `make test`:
#
#   make bench-server                   all scenarios, 10 s per run
#   make bench-server BENCH_SECONDS=30  longer runs
#
# Needs wrk, h2load (nghttp2-client) and gnuplot; the ten-policy scenario reads
# the upstream load-testing requests from $(SHARED) and is skipped without them.
# Results: $(B)/bench/server/results.txt and *.png.  See bench/server/README.md.
BENCH_SECONDS ?= 10
SHARED        ?= ../shared
BENCH_SERVER_POLICIES := $(patsubst policies/%/,%,$(dir $(wildcard policies/*/policy.c)))

$(B)/bench/server/transport-server: $(B)/bench/server/transport-server.o $(B)/libserver.a $(B)/libjson.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

bench-server: $(B)/policy-server $(B)/bench/server/transport-server \
              $(BENCH_SERVER_POLICIES:%=$(B)/policies/%.wasm)
	@WITH_BENCH=1 scripts/install-deps.sh
	bench/server/run.sh $(B) $(SHARED) $(BENCH_SECONDS)

.PHONY: bench-server

# Instructions per HTTP/1.1 request in the parser (callgrind, see bench/server/h1-parse.c).
$(B)/bench/server/h1-parse: $(B)/bench/server/h1-parse.o $(B)/libserver.a $(B)/libjson.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@
