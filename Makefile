# One build for everything.  `make` builds libraries, tools and policies;
# `make test` builds and runs every test suite; `make SAN=1 test-unit test-spec`
# does the same under AddressSanitizer + UndefinedBehaviorSanitizer in build-san/.
#
# Layout: src/<layer>/*.c -> $(B)/lib<layer>.a; src/cli/<tool>.c -> $(B)/<tool>;
# tests/unit/test_*.c -> $(B)/tests/test_*.  Areas with their own rules keep
# them in a fragment beside their code (*.mk), included below.

CC      ?= cc
B       ?= build
OPT     ?= -O2
SAN     ?=
ifeq ($(SAN),1)
  CC     = clang
  B      = build-san
  OPT    = -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
endif

CPPFLAGS += -Iinclude -D_GNU_SOURCE
CFLAGS   += -std=c11 $(OPT) -g -Wall -Wextra -Wno-unused-parameter -pthread -MMD -MP
LDFLAGS  += -pthread $(if $(filter 1,$(SAN)),-fsanitize=address$(comma)undefined)
LDLIBS   += -lssl -lcrypto -lnghttp2 -lyaml -lm
comma    := ,

# Layers, from the top of the request path down.  Link order follows it.
LAYERS  := server policy wasi wat wasm json
LIBS    := $(foreach l,$(LAYERS),$(if $(wildcard src/$(l)/*.c),$(B)/lib$(l).a))
TOOLS   := $(patsubst src/cli/%.c,$(B)/%,$(wildcard src/cli/*.c))
UNIT    := $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/test_*.c))

all: $(LIBS) $(TOOLS)

define layer_rules
$(B)/lib$(1).a: $(patsubst %.c,$(B)/%.o,$(wildcard src/$(1)/*.c))
	@mkdir -p $$(@D)
	$(AR) rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call layer_rules,$(l))))

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(B)/%: $(B)/src/cli/%.o $(LIBS)
	$(CC) $(LDFLAGS) $< $(LIBS) $(LDLIBS) -o $@

$(B)/tests/%: $(B)/tests/unit/%.o $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $< $(LIBS) $(LDLIBS) -o $@

# Each suite prints "N passed, N failed" last; tests/run-suites.sh sums them.
# Fragments append to TEST_SUITES, and to SAN_SUITES what also runs under sanitizers.
TEST_SUITES := test-unit
SAN_SUITES  := test-unit

test-unit: $(UNIT)
	@tests/run-unit.sh $(UNIT)

include $(wildcard mk/*.mk)

test: deps
	@$(MAKE) --no-print-directory all
	@tests/run-suites.sh $(TEST_SUITES)

# The same suites under ASan+UBSan (SAN=1 reaches the nested makes through MAKEFLAGS).
test-san: deps
	@$(MAKE) --no-print-directory SAN=1 all
	@$(MAKE) --no-print-directory SAN=1 san-suites

san-suites:
	@tests/run-suites.sh $(SAN_SUITES)

deps:
	@scripts/install-deps.sh

clean:
	rm -rf build build-san

.PHONY: all test test-unit test-san san-suites deps clean $(TEST_SUITES)
.SECONDARY:
-include $(shell find $(B) -name '*.d' 2>/dev/null)
