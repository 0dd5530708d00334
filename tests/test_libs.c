/*
 * test_libs.c — the library table and the tuner's policy, without a run:
 * every row is where its kind says, named once, with options that are keys
 * of experiments.ini; tune_decide on made-up observations (exercise 19's
 * rule: grow above high, shrink below low, bounds, the window's average,
 * the cooldown).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "../experiments/keys.h"
#include "../models/model.h"
#include "../models/tune.h"

static void test_table(void **state)
{
	for (int k = 0; k < POOL__COUNT; k++) {
		const model_lib *l = model_lib_of((pool_kind)k);
		assert_non_null(l);
		assert_int_equal(l->kind, k);
		assert_non_null(l->ops);
		assert_ptr_equal(model_lib_find(l->name), l);
		assert_int_equal(pool_kind_parse(l->name), k);
		assert_true(strlen(l->summary) > 0);
		/* an unbounded library has no K to split, tier or resize */
		if (l->caps & MODEL_LIB_UNBOUNDED)
			assert_false(l->caps & (MODEL_LIB_RESIZE | MODEL_LIB_SHARDS));
		/* every option is a key of the key table that says so */
		char opts[256];
		strcpy(opts, l->options);
		for (char *w = strtok(opts, " "); w; w = strtok(NULL, " ")) {
			const exp_key *key = exp_key_find(w);
			assert_non_null(key);
			assert_true(exp_key_pools(key) & (1u << k));
		}
	}
	assert_null(model_lib_of(POOL__COUNT));
	assert_null(model_lib_find("nope"));
	/* and every library option of the key table belongs to a library */
	size_t n;
	const exp_key *keys = exp_keys(&n);
	for (size_t i = 0; i < n; i++)
		if (keys[i].pools & EXP_KEY_LIBRARY)
			assert_true(exp_key_pools(&keys[i]) != 0);
}

static tune_spec spec(void)
{
	tune_spec t = { .on = 1, .min = 10, .max = 40, .step = 10,
			.period = 1, .high = 0.85, .low = 0.40, .window = 1,
			.cooldown = 0 };
	return t;
}

static long decide(const tune_spec *t, tune_state *st, double now, long K,
		   long workers)
{
	tune_obs o = { .t = now, .K = K, .workers = workers };
	return tune_decide(t, st, &o);
}

static void test_tune_thresholds(void **state)
{
	tune_spec t = spec();
	tune_state st;
	assert_int_equal(tune_state_init(&st, &t), 0);
	assert_int_equal(decide(&t, &st, 1, 20, 20), 30);   /* u = 1 > high */
	assert_int_equal(decide(&t, &st, 2, 30, 20), 30);   /* 0.67: hold */
	assert_int_equal(decide(&t, &st, 3, 30, 10), 20);   /* 0.33 < low */
	assert_int_equal(decide(&t, &st, 4, 40, 40), 40);   /* at max */
	assert_int_equal(decide(&t, &st, 5, 15, 1), 10);    /* to min */
	assert_int_equal(decide(&t, &st, 6, 10, 0), 10);    /* at min */
	assert_int_equal(st.changes, 3);
	tune_state_fini(&st);
}

static void test_tune_window_and_cooldown(void **state)
{
	tune_spec t = spec();
	t.window = 2;
	t.cooldown = 5;
	tune_state st;
	assert_int_equal(tune_state_init(&st, &t), 0);
	assert_int_equal(decide(&t, &st, 1, 20, 20), 30);   /* 1.0 alone */
	assert_int_equal(decide(&t, &st, 2, 30, 30), 30);   /* 1.0, but within
							     * the cooldown */
	assert_int_equal(decide(&t, &st, 7, 30, 30), 40);   /* cooldown over */
	assert_int_equal(decide(&t, &st, 8, 40, 4), 40);    /* (1 + 0.1) / 2 */
	assert_int_equal(decide(&t, &st, 11, 40, 4), 40);   /* 0.1, but 4 s after
							     * the change at 7:
							     * not yet */
	assert_int_equal(decide(&t, &st, 13, 40, 4), 30);   /* 6 s: shrink */
	tune_state_fini(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_tune_thresholds),
		cmocka_unit_test(test_tune_window_and_cooldown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
