# fuzz.mk — `make fuzz`: libFuzzer (clang) on the ini loader + validation
# and on dist_parse. Included by the top Makefile.
#   make fuzz FUZZ_TIME=600     seconds per target (default 60)
# New inputs land in build/fuzz/corpus/; copy the interesting ones (and every
# crash, once fixed) to tests/fuzz/corpus/{ini,dist}/, which tests/test_corpus
# replays in `make test`.
FUZZ_CC    ?= clang
FUZZ_TIME  ?= 60
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
              $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_LIB   := $(filter-out $(MAIN),$(wildcard sim/*.c models/*.c experiments/*.c results/*.c plots/*.c))

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ $(LDLIBS)

fuzz: build/fuzz/fuzz_ini build/fuzz/fuzz_dist
	@mkdir -p build/fuzz/corpus/ini build/fuzz/corpus/dist build/fuzz/crashes
	build/fuzz/fuzz_ini -max_total_time=$(FUZZ_TIME) -max_len=2048 -timeout=10 \
		-artifact_prefix=build/fuzz/crashes/ini- \
		-dict=tests/fuzz/ini.dict build/fuzz/corpus/ini tests/fuzz/corpus/ini
	build/fuzz/fuzz_dist -max_total_time=$(FUZZ_TIME) -max_len=512 -timeout=10 \
		-artifact_prefix=build/fuzz/crashes/dist- \
		-dict=tests/fuzz/ini.dict build/fuzz/corpus/dist tests/fuzz/corpus/dist
