# fuzz.mk — `make fuzz`: libFuzzer (clang) under ASan + UBSan on
#   fuzz_run   the whole path: ini text -> plan (parse, extends, ${...},
#              validation) -> model_run of the first points, runs made small
#   fuzz_ini   the loader and validation alone (fast: many inputs a second)
#   fuzz_dist  dist_parse and the draws of whatever parsed
# Included by the top Makefile.
#   make fuzz                  10 minutes in all (FUZZ_TIME=600 seconds):
#                              8/10 on fuzz_run, 1/10 on each of the others
#   make fuzz FUZZ_TIME=3600   an hour
# New inputs land in build/fuzz/corpus/; copy the interesting ones (and every
# crash, once fixed) to tests/fuzz/corpus/{run,ini,dist}/ (keep it small:
# `make fuzz-merge` minimises build/fuzz/corpus/run into tests/fuzz/corpus/run),
# which tests/test_corpus replays in `make test`. Crashes, leaks and
# timeouts land in build/fuzz/crashes/ and stop the target (make fails).
FUZZ_CC    ?= clang
FUZZ_TIME  ?= 600
FUZZ_JOBS  ?= 1
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
              $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_LIB   := $(filter-out $(MAIN) experiments/cli_%.c,$(wildcard sim/*.c models/*.c experiments/*.c results/*.c plots/*.c))
FUZZ_OPTS  := -timeout=30 -rss_limit_mb=2048 -print_final_stats=1

.PHONY: fuzz fuzz-merge

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB) $(wildcard sim/*.h models/*.h experiments/*.h results/*.h plots/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_LIB) $(LDLIBS)

fuzz: build/fuzz/fuzz_run build/fuzz/fuzz_ini build/fuzz/fuzz_dist
	@mkdir -p build/fuzz/corpus/run build/fuzz/corpus/ini build/fuzz/corpus/dist build/fuzz/crashes
	build/fuzz/fuzz_run -max_total_time=$$(( $(FUZZ_TIME) * 8 / 10 )) -max_len=4096 \
		$(FUZZ_OPTS) -artifact_prefix=build/fuzz/crashes/run- \
		-dict=tests/fuzz/ini.dict build/fuzz/corpus/run tests/fuzz/corpus/run tests/fuzz/corpus/ini
	build/fuzz/fuzz_ini -max_total_time=$$(( $(FUZZ_TIME) / 10 )) -max_len=2048 \
		$(FUZZ_OPTS) -artifact_prefix=build/fuzz/crashes/ini- \
		-dict=tests/fuzz/ini.dict build/fuzz/corpus/ini tests/fuzz/corpus/ini
	build/fuzz/fuzz_dist -max_total_time=$$(( $(FUZZ_TIME) / 10 )) -max_len=512 \
		$(FUZZ_OPTS) -artifact_prefix=build/fuzz/crashes/dist- \
		-dict=tests/fuzz/ini.dict build/fuzz/corpus/dist tests/fuzz/corpus/dist

# Minimise what fuzzing found into the committed corpus (small: it is
# replayed by every `make test`).
fuzz-merge: build/fuzz/fuzz_run
	build/fuzz/fuzz_run -merge=1 -timeout=10 tests/fuzz/corpus/run build/fuzz/corpus/run
