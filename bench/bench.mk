# bench.mk — `make bench`: poolsim on M/M/c (c=50, rho=0.9) against the
# Kiefer–Wolfowitz floor, measured in the same process. Included by the
# top Makefile; always an -O2 build (BUILD=build), never the ASan one.
#
#   make bench                 10M tasks (speed) and 1M tasks (RSS comparison)
#   make bench BENCH_TASKS=N   another size for the speed run

BENCH_TASKS ?= 10000000
BENCH_DIR   := $(BUILD)/bench
BENCH_WARN  := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror

$(BENCH_DIR)/kw: bench/kw.c bench/kw.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -g $(BENCH_WARN) -o $@ bench/kw.c -lm

$(BENCH_DIR)/bench_mmc: bench/bench_mmc.c bench/kw.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -O2 -g $(BENCH_WARN) -o $@ bench/bench_mmc.c $(LIB) $(LDLIBS)

bench: $(BENCH_DIR)/kw $(BENCH_DIR)/bench_mmc
	@echo "== KW floor alone =="
	@$(BENCH_DIR)/kw $(BENCH_TASKS)
	@echo "== poolsim vs floor, $(BENCH_TASKS) tasks =="
	@$(BENCH_DIR)/bench_mmc $(BENCH_TASKS)
	@echo "== same at 1000000 tasks (peak RSS must not grow with tasks) =="
	@$(BENCH_DIR)/bench_mmc 1000000
