# The demo: wasm-run calling examples/demo.wat (compiled with wat2wasm at build
# time).  `make run` is the README's main job until the policy-server takes it.
#
#   make run          build and run the demo
#   make test-demo    check wasm-run's results and its errors on bad input

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
	@$(MAKE) --no-print-directory $(WASM_RUN) $(DEMO_WASM)
	@examples/demo.sh $(WASM_RUN) $(B)/examples/demo.wasm

test-demo: $(WASM_RUN) $(DEMO_WASM)
	@examples/test-demo.sh $(WASM_RUN) $(B)/examples/demo.wasm

TEST_SUITES += test-demo
SAN_SUITES  += test-demo
.PHONY: run test-demo
