# poolsim — make / make test / make run / make plots / make bench / make deps
#
# Every .c under sim/ models/ experiments/ results/ plots/ goes into
# libpoolsim.a; experiments/main.c is the CLI. tests/test_<mod>.c are cmocka
# programs; tests/cli/*.sh run the real binary. `make test` runs the suite
# twice: a normal build and an ASan+UBSan build (build/asan).

CC      ?= cc
MPI     ?=
# MPI objects are compiled by mpicc with POOLSIM_MPI: keep them apart.
ifeq ($(MPI),1)
BUILD   ?= build/mpi
endif
BUILD   ?= build
SAN     ?=
PKGS    := gsl sqlite3 inih jansson
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
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lgsl -lgslcblas -lsqlite3 -linih -ljansson) -lpthread -lm

MAIN    := experiments/main.c
SRC     := $(filter-out $(MAIN),$(wildcard sim/*.c models/*.c experiments/*.c results/*.c plots/*.c))
OBJ     := $(SRC:%.c=$(BUILD)/%.o)
LIB     := $(BUILD)/libpoolsim.a
TESTS   := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_*.c))
LONG    := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/long_*.c))
BIN     := $(if $(filter build,$(BUILD)),poolsim,$(BUILD)/poolsim)

.PHONY: all deps mpi-deps check-mpi test test-build check-long run plots bench fuzz clean docs \
        golden golden-update
# Keep test objects between runs (make would delete them as intermediates).
.SECONDARY:
all: $(BIN)

$(BUILD)/%.o: %.c | $(if $(filter 1,$(MPI)),mpi-deps)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

$(LIB): $(OBJ)
	@rm -f $@
	ar rcs $@ $^

# make MPI=1 installs Open MPI first (Debian: libopenmpi-dev, openmpi-bin).
mpi-deps:
	@sh scripts/deps.sh libopenmpi-dev openmpi-bin

$(BIN): $(BUILD)/$(MAIN:.c=.o) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

deps:
	@sh scripts/deps.sh

GOLDEN  := $(BUILD)/tests/golden/dump

test-build: $(BIN) $(TESTS) $(GOLDEN)

# The normal suite, then the same suite under AddressSanitizer + UBSan.
# Open MPI (about a minute to install once) so tests/cli/mpi.sh runs in CI;
# without it that test says SKIP and the rest still runs.
test: deps
	@sh scripts/deps.sh libopenmpi-dev openmpi-bin || \
		echo "poolsim: warning: no Open MPI: tests/cli/mpi.sh will be skipped" >&2
	@$(MAKE) --no-print-directory test-build build/bench/bench_mmc
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 test-build
	@! command -v mpicc >/dev/null || $(MAKE) --no-print-directory MPI=1 BUILD=build/mpi build/mpi/poolsim
	@sh tests/run.sh build ./poolsim build/asan build/asan/poolsim

# The MPI test alone: mpirun -n 3 against -j 2.
check-mpi: mpi-deps
	@$(MAKE) --no-print-directory build/mpi/poolsim MPI=1 BUILD=build/mpi
	@$(MAKE) --no-print-directory $(BIN)
	@POOLSIM=$(CURDIR)/poolsim POOLSIM_TESTS=$(CURDIR)/tests sh tests/cli/mpi.sh

check-long: deps
	@$(MAKE) --no-print-directory $(BIN) $(LONG)
	@sh tests/run.sh --long build ./poolsim
	@echo "== goals: probability of correct selection over 100 seeds (docs/goals.md) =="
	@sh tests/long/goal_pcs.sh ./poolsim 100

# The golden digest (tests/golden/golden.sh): every stored number of the
# default study and tests/golden/coverage.ini, lean paths on and off, against
# tests/golden/digests.txt. A refactor must pass it unchanged; a fix that
# means to change numbers runs golden-update and names the digests changed.
golden: deps $(BIN) $(GOLDEN)
	@sh tests/golden/golden.sh ./$(BIN) $(GOLDEN) check

golden-update: deps $(BIN) $(GOLDEN)
	@sh tests/golden/golden.sh ./$(BIN) $(GOLDEN) update

# report draws every figure (as plot would), then writes the reports.
run: deps $(BIN)
	./poolsim run experiments.ini
	./poolsim report

# The key and metric tables of docs/ from the code's own tables
# (tests/cli/docs.sh fails when they differ).
docs: $(BIN)
	sh scripts/gen-docs.sh ./$(BIN)

plots: $(BIN)
	./poolsim plot

-include bench/bench.mk
-include tests/fuzz/fuzz.mk

clean:
	rm -rf build poolsim

-include $(OBJ:.o=.d) $(BUILD)/$(MAIN:.c=.d) $(wildcard $(BUILD)/tests/*.d)
