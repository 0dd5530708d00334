# poolsim — make / make test / make run / make plots / make bench / make deps
#
# Every .c under sim/ models/ experiments/ results/ plots/ goes into
# libpoolsim.a; experiments/main.c is the CLI. tests/test_<mod>.c are cmocka
# programs; tests/cli/*.sh run the real binary. `make test` runs the suite
# twice: a normal build and an ASan+UBSan build (build/asan).

CC      ?= cc
BUILD   ?= build
SAN     ?=
MPI     ?=
PKGS    := gsl sqlite3 inih
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter -Werror
CFLAGS  ?= -O2 -g
ifeq ($(SAN),1)
CFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
           -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(MPI),1)
CC      := mpicc
CPPFLAGS += -DPOOLSIM_MPI=1
endif
CPPFLAGS += -std=c11 -D_GNU_SOURCE -MMD -MP $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lgsl -lgslcblas -lsqlite3 -linih) -lpthread -lm

MAIN    := experiments/main.c
SRC     := $(filter-out $(MAIN),$(wildcard sim/*.c models/*.c experiments/*.c results/*.c plots/*.c))
OBJ     := $(SRC:%.c=$(BUILD)/%.o)
LIB     := $(BUILD)/libpoolsim.a
TESTS   := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_*.c))
LONG    := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/long_*.c))
BIN     := $(if $(filter build,$(BUILD)),poolsim,$(BUILD)/poolsim)

.PHONY: all deps test test-build check-long run plots bench fuzz clean
# Keep test objects between runs (make would delete them as intermediates).
.SECONDARY:
all: $(BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

$(LIB): $(OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/$(MAIN:.c=.o) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

deps:
	@sh scripts/deps.sh

test-build: $(BIN) $(TESTS)

# The normal suite, then the same suite under AddressSanitizer + UBSan.
test: deps
	@$(MAKE) --no-print-directory test-build
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 test-build
	@sh tests/run.sh build ./poolsim build/asan build/asan/poolsim

check-long: deps
	@$(MAKE) --no-print-directory $(BIN) $(LONG)
	@sh tests/run.sh --long build ./poolsim

run: deps $(BIN)
	./poolsim run experiments.ini
	./poolsim plot
	./poolsim report

plots: $(BIN)
	./poolsim plot

-include bench/bench.mk
-include tests/fuzz/fuzz.mk

clean:
	rm -rf build poolsim

-include $(OBJ:.o=.d) $(BUILD)/$(MAIN:.c=.d) $(wildcard $(BUILD)/tests/*.d)
