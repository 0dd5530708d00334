# bench.mk — `make bench`: poolsim on M/M/c (c=50, rho=0.9) against the
# Kiefer–Wolfowitz floor and SimPy, events/s, peak RSS at two sizes, the
# autotuner's cost (a tuned run at most 1.5x the same run untuned, measured
# in the same process: bench_mmc --tune, which fails above it), the -j
# speed-up of a sweep, and the runs a goal's K search saves (ksearch.sh).
# Included by the top Makefile; always an -O2 build (BUILD=build), never
# the ASan one.
#
#   make bench                 10M tasks (speed) and 1M tasks (RSS comparison)
#   make bench BENCH_TASKS=N   another size for the speed run
#   make bench-baseline        re-measure bench/baseline.txt (the gate's ratio)
#   make gate-demo             a deliberately slowed throwaway build must fail
#                              the gate, the real one must pass

BENCH_TASKS ?= 10000000
SIMPY_TASKS ?= 100000
BENCH_DIR   := $(BUILD)/bench
BENCH_WARN  := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror
SYSPY       := /usr/bin/python3

.PHONY: bench bench-baseline gate-demo

$(BENCH_DIR)/kw: bench/kw.c bench/kw.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -g $(BENCH_WARN) -o $@ bench/kw.c -lm

$(BENCH_DIR)/bench_mmc: bench/bench_mmc.c bench/kw.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -O2 -g $(BENCH_WARN) -o $@ bench/bench_mmc.c $(LIB) $(LDLIBS)

# SimPy (Debian's python3-simpy, SimPy 2.3.1 for the system python) only
# for this target, not for make test.
bench: $(BENCH_DIR)/kw $(BENCH_DIR)/bench_mmc $(BIN)
	@sh scripts/deps.sh python3-simpy bc
	@echo "== KW floor alone =="
	@$(BENCH_DIR)/kw $(BENCH_TASKS)
	@echo "== poolsim vs floor, $(BENCH_TASKS) tasks =="
	@$(BENCH_DIR)/bench_mmc $(BENCH_TASKS) | tee $(BENCH_DIR)/big.txt
	@echo "== same at 1000000 tasks (peak RSS must not grow with tasks) =="
	@$(BENCH_DIR)/bench_mmc 1000000 | tee $(BENCH_DIR)/small.txt
	@awk '/peak RSS/ { r[FILENAME] = $$(NF-1) } END { \
		b = r["$(BENCH_DIR)/big.txt"]; s = r["$(BENCH_DIR)/small.txt"]; \
		printf "  peak RSS: %s MB at $(BENCH_TASKS) tasks, %s MB at 1000000 (ratio %.2f)\n", b, s, b / s }' \
		$(BENCH_DIR)/big.txt $(BENCH_DIR)/small.txt
	@echo "== the other FIFO libraries on the same model (best of 3, 1M tasks) =="
	@for p in errgroup ants tunny semaphore pond; do \
		BENCH_POOL=$$p $(BENCH_DIR)/bench_mmc --gate 3 1000000 | tr '\n' ' '; echo; done
	@echo "== the autotuner's cost: gradient2 + scorecard against the same run untuned (ants, 10 ms tasks, rho 0.9, best of 3, 1M tasks) =="
	@$(BENCH_DIR)/bench_mmc --tune 3 1000000
	@echo "== SimPy 2 ($(SYSPY)), same model, $(SIMPY_TASKS) tasks =="
	@$(SYSPY) bench/simpy_mmc.py $(SIMPY_TASKS) > $(BENCH_DIR)/simpy.txt
	@awk '/poolsim model_run/ { p = $$3 } /^simpy/ { s = $$3; w = $$4 } END { \
		printf "  SimPy %.0f ns/task (mean wait %.4f s), poolsim %.1f ns/task: poolsim %.0fx faster (target >= 100x)\n", s, w, p, s / p }' \
		$(BENCH_DIR)/big.txt $(BENCH_DIR)/simpy.txt
	@echo "== -j speed-up on a sweep of short runs (wall time; load now: $$(cut -d' ' -f1-3 /proc/loadavg)) =="
	@sh bench/jscale.sh ./$(BIN)
	@echo "== the same sweep with 4x longer runs (the per-process start and end weigh less) =="
	@sh bench/jscale.sh ./$(BIN) 48 400000
	@echo "== goals: runs a K search uses against the full grid (docs/goals.md) =="
	@sh bench/ksearch.sh ./$(BIN)

bench-baseline: $(BENCH_DIR)/bench_mmc
	@$(BENCH_DIR)/bench_mmc --gate 9 1000000 > $(BENCH_DIR)/baseline.new
	@{ echo "# The regression gate's reference (tests/cli/bench_gate.sh): poolsim"; \
	   echo "# CPU time per task over the KW recursion on a tournament tree's"; \
	   echo "# (ratio_tree; ratio is the heap floor's, for information), best of"; \
	   echo "# 9 interleaved, 1M tasks of M/M/50 at rho=0.9. Refresh with make"; \
	   echo "# bench-baseline after a deliberate speed change, and commit it."; \
	   echo "# $$(head -1 $(BENCH_DIR)/baseline.new), $$(date -u +%Y-%m-%d)"; \
	   tail -2 $(BENCH_DIR)/baseline.new; } > bench/baseline.txt
	@cat bench/baseline.txt

# A throwaway build with a busy loop per event (about +40% on the ratio here)
# must fail the gate; the real build must pass it.
gate-demo: $(BENCH_DIR)/bench_mmc
	@$(MAKE) --no-print-directory BUILD=build/slow \
		CFLAGS="-O2 -g -DPOOLSIM_SLOW_SPINS=150" build/slow/bench/bench_mmc >/dev/null
	@echo "== slowed build (POOLSIM_SLOW_SPINS=150): must FAIL =="
	@if GATE_BENCH=build/slow/bench/bench_mmc sh tests/cli/bench_gate.sh; then \
		echo "gate-demo: the slowed build passed the gate"; exit 1; fi
	@echo "== real build: must pass =="
	@sh tests/cli/bench_gate.sh
