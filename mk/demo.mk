# The README's main job and the engine demo.
#
#   make run          build everything, start the real policy-server with
#                     examples/server/policies.yml, send it AdmissionReviews,
#                     show the answers and the metrics, stop it
#   make serve        the same server in the foreground (Ctrl-C stops it)
#   make demo         wasm-run calling examples/demo.wat (the engine alone)
#   make test-demo    check wasm-run's results and its errors on bad input
#   make test-run     check what `make run` shows

DEMO_WASM := $(patsubst examples/%.wat,$(B)/examples/%.wasm,$(wildcard examples/*.wat))
WASM_RUN  := $(B)/wasm-run

all: $(DEMO_WASM)

$(B)/examples/%.wasm: examples/%.wat
	@mkdir -p $(@D)
	wat2wasm $< -o $@

# wasm-run needs only the engine and the text parser, so it links without the other layers.
$(WASM_RUN): $(B)/src/cli/wasm-run.o $(B)/libwat.a $(B)/libwasm.a
	$(CC) $(LDFLAGS) $< $(B)/libwat.a $(B)/libwasm.a $(LDLIBS) -o $@

run: deps
	@$(MAKE) --no-print-directory all
	@examples/server/demo.sh $(B)

SERVE_PORT ?= 3000
serve: deps
	@$(MAKE) --no-print-directory all
	@sed "s|@POLICIES@|$(CURDIR)/$(B)/policies|" examples/server/policies.yml > $(B)/examples-policies.yml
	$(B)/policy-server --policies $(B)/examples-policies.yml --port $(SERVE_PORT) --enable-metrics

demo: deps
	@$(MAKE) --no-print-directory $(WASM_RUN) $(DEMO_WASM)
	@examples/demo.sh $(WASM_RUN) $(B)/examples/demo.wasm

test-demo: $(WASM_RUN) $(DEMO_WASM)
	@examples/test-demo.sh $(WASM_RUN) $(B)/examples/demo.wasm

# `make run` itself: the server demo's answers.
test-run: all
	@examples/server/test-demo.sh $(B)

TEST_SUITES += test-demo test-run
SAN_SUITES  += test-demo
.PHONY: run serve demo test-demo test-run
