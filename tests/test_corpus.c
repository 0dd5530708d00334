/*
 * test_corpus.c — replays the committed fuzz corpus (tests/fuzz/corpus/ini,
 * /dist and /run, including every input that once crashed or hung) through
 * the same harnesses libFuzzer runs, so `make test` (and its ASan build)
 * keeps them fixed. The run corpus goes the whole way: parse, expand,
 * validate and model_run with small runs (tests/fuzz/fuzz_run.c).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define FUZZ_NO_MAIN
#include "fuzz/fuzz_ini.c"
#include "fuzz/fuzz_dist.c"
#include "fuzz/fuzz_run.c"

static int replay(const char *sub, int (*one)(const uint8_t *, size_t))
{
	const char *top = getenv("POOLSIM_TESTS");
	char dir[1024], path[2048];
	snprintf(dir, sizeof dir, "%s/fuzz/corpus/%s", top ? top : "tests", sub);
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		static uint8_t buf[1 << 16];
		size_t len = fread(buf, 1, sizeof buf, f);
		fclose(f);
		one(buf, len);
		n++;
	}
	closedir(d);
	return n;
}

static void test_ini_corpus(void **state)
{
	int n = replay("ini", fuzz_ini_one);
	printf("replayed %d ini inputs\n", n);
	assert_true(n >= 3);
}

static void test_dist_corpus(void **state)
{
	int n = replay("dist", fuzz_dist_one);
	printf("replayed %d dist inputs\n", n);
	assert_true(n >= 3);
}

static void test_run_corpus(void **state)
{
	int n = replay("run", fuzz_run_one);
	printf("replayed %d whole-path inputs\n", n);
	assert_true(n >= 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ini_corpus),
		cmocka_unit_test(test_dist_corpus),
		cmocka_unit_test(test_run_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
