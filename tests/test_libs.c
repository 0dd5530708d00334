/*
 * test_libs.c — the library table and the tuner's policy, without a run:
 * every row is where its kind says, named once, with options that are keys
 * of experiments.ini; tune_decide on made-up observations (exercise 19's
 * rule: grow above high, shrink below low, bounds, the window's average,
 * the cooldown); the queue policy and concurrency-limits' AIMD, Vegas and
 * Gradient2 on windows worked out by hand from the reference's update
 * rules (AIMDLimit, VegasLimit, Gradient2Limit).
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

/* One window of RTT samples: n samples of mean rtt, most in flight, drops. */
static long win(const tune_spec *t, tune_state *st, long K, long n,
		double rtt, long inflight, long dropped)
{
	tune_obs o = { .t = 1, .K = K, .samples = n, .latency_mean = rtt,
		       .latency_min = rtt, .in_flight_max = inflight,
		       .in_flight = inflight, .dropped = dropped,
		       .completed = n - dropped };
	return tune_decide(t, st, &o);
}

static tune_spec netflix(int policy, long min, long max, double smoothing)
{
	tune_spec t = { .on = 1, .policy = policy, .min = min, .max = max,
			.period = 1, .smoothing = smoothing, .queue_size = 4,
			.long_window = 600, .rtt_tolerance = 1.5,
			.backoff_ratio = 0.9, .timeout = 5,
			.probe_multiplier = 30, .window_size = 10, .window = 1 };
	return t;
}

static void test_tune_policy_names(void **state)
{
	for (int i = 0; i < TUNE__COUNT; i++)
		assert_int_equal(tune_policy_parse(tune_policy_name(i)), i);
	assert_int_equal(tune_policy_parse("bbr"), -1);
	long mn, mx;
	double per, sm;
	tune_policy_defaults(TUNE_GRADIENT2, &mn, &mx, &per, &sm);
	assert_int_equal(mn, 20);
	assert_int_equal(mx, 200);
	assert_true(per == 1 && sm == 0.2);
	tune_policy_defaults(TUNE_VEGAS, &mn, &mx, &per, &sm);
	assert_int_equal(mn, 1);
	assert_int_equal(mx, 1000);
	assert_true(sm == 1.0);
}

static void test_tune_aimd(void **state)
{
	tune_spec t = netflix(TUNE_AIMD, 10, 200, 0.2);
	tune_state st;
	assert_int_equal(tune_state_init(&st, &t), 0);
	assert_int_equal(win(&t, &st, 20, 10, 0.01, 10, 0), 21); /* 10*2 >= 20 */
	assert_int_equal(win(&t, &st, 21, 10, 0.01, 10, 0), 21); /* 20 < 21 */
	assert_int_equal(win(&t, &st, 21, 10, 0.01, 21, 1), 18); /* (int)18.9 */
	assert_int_equal(win(&t, &st, 18, 9, 0.01, 18, 3), 18);  /* 9 < 10
								  * samples */
	assert_int_equal(win(&t, &st, 18, 10, 6, 18, 0), 16);    /* rtt over
								  * timeout */
	assert_int_equal(win(&t, &st, 16, 10, 0.01, 2, 5), 14);
	assert_int_equal(win(&t, &st, 14, 10, 0.01, 2, 5), 12);
	assert_int_equal(win(&t, &st, 12, 10, 0.01, 2, 5), 10); /* 10.8 */
	assert_int_equal(win(&t, &st, 10, 10, 0.01, 2, 5), 10); /* min */
	t.max = 11;
	assert_int_equal(win(&t, &st, 10, 10, 0.01, 10, 0), 11);
	assert_int_equal(win(&t, &st, 11, 10, 0.01, 10, 0), 11); /* max */
	tune_state_fini(&st);
}

static void test_tune_gradient2(void **state)
{
	tune_spec t = netflix(TUNE_GRADIENT2, 20, 200, 0.2);
	tune_state st;
	assert_int_equal(tune_state_init(&st, &t), 0);
	/* 20 * 0.8 + (20 * 1 + 4) * 0.2 = 20.8 */
	assert_int_equal(win(&t, &st, 20, 10, 0.010, 20, 0), 20);
	assert_true(fabs(st.limit - 20.8) < 1e-9);
	/* 20.8 * 0.8 + 24.8 * 0.2 = 21.6 */
	assert_int_equal(win(&t, &st, 20, 10, 0.010, 20, 0), 21);
	assert_true(fabs(st.limit - 21.6) < 1e-9);
	/* app-limited: 5 < 21.6 / 2, no growth (the long RTT still moves) */
	assert_int_equal(win(&t, &st, 21, 10, 0.010, 5, 0), 21);
	assert_true(fabs(st.limit - 21.6) < 1e-9);
	assert_int_equal(st.long_n, 3);
	/* queueing: long = 0.07 / 4 = 0.0175, gradient 1.5 * 0.0175 / 0.04
	 * = 0.65625, 21.6 * 0.8 + (21.6 * 0.65625 + 4) * 0.2 = 20.915 */
	assert_int_equal(win(&t, &st, 21, 10, 0.040, 21, 0), 20);
	assert_true(fabs(st.limit - 20.915) < 1e-9);
	/* long/short = 0.071 / 5 / 0.001 > 2: the long RTT decays by 0.95 */
	assert_int_equal(win(&t, &st, 20, 10, 0.001, 0, 0), 20);
	assert_true(fabs(st.long_rtt - 0.0142 * 0.95) < 1e-12);
	/* gradient floored at 0.5, the limit at min: 20.915 * 0.8 +
	 * (20.915 * 0.5 + 4) * 0.2 = 19.62 -> 20 */
	assert_int_equal(win(&t, &st, 20, 10, 0.1, 30, 0), 20);
	assert_true(st.limit == 20);
	/* too few samples: no decision, nothing moves */
	double l = st.long_rtt;
	assert_int_equal(win(&t, &st, 20, 9, 0.5, 30, 0), 20);
	assert_true(st.long_rtt == l);
	/* past the 10-sample warm-up the long RTT is an EWMA of 2/601 */
	for (int i = 0; i < 4; i++)
		win(&t, &st, 20, 10, 0.01, 0, 0);
	assert_int_equal(st.long_n, 10);
	l = st.long_rtt;   /* 0.211 / 10, the warm-up's mean, decayed as it is
			    * over twice the 0.01 of the last window */
	assert_true(fabs(l - 0.0211 * 0.95) < 1e-12);
	win(&t, &st, 20, 10, 0.015, 0, 0);   /* 0.0211 / 0.015 < 2: no decay */
	assert_true(fabs(st.long_rtt - (l * (1 - 2.0 / 601) + 0.015 * 2.0 / 601))
		    < 1e-15);
	tune_state_fini(&st);
}

static void test_tune_vegas(void **state)
{
	tune_spec t = netflix(TUNE_VEGAS, 1, 1000, 1.0);
	tune_state st;
	assert_int_equal(tune_state_init(&st, &t), 0);
	/* the first sample is the no-load RTT */
	assert_int_equal(win(&t, &st, 20, 10, 0.010, 20, 0), 20);
	/* log10(20) -> 1: threshold 1, alpha 3, beta 6; queue 0 <= 1: +beta */
	assert_int_equal(win(&t, &st, 20, 10, 0.010, 20, 0), 26);
	/* queue ceil(26 * 0.2) = 6 in [alpha, beta]: hold */
	assert_int_equal(win(&t, &st, 26, 10, 0.0125, 26, 0), 26);
	/* queue 13 > beta: -1 */
	assert_int_equal(win(&t, &st, 26, 10, 0.020, 26, 0), 25);
	/* a drop: -1 */
	assert_int_equal(win(&t, &st, 25, 10, 0.010, 25, 1), 24);
	/* app-limited: 5 * 2 < 24 */
	assert_int_equal(win(&t, &st, 24, 10, 0.012, 5, 0), 24);
	/* queue ceil(24 * (1 - 0.01 / 0.0105)) = 2, in (1, 3): +1 */
	assert_int_equal(win(&t, &st, 24, 10, 0.0105, 24, 0), 25);
	/* a lower RTT becomes the no-load RTT, no decision */
	assert_int_equal(win(&t, &st, 25, 10, 0.005, 25, 0), 25);
	assert_true(st.rtt_noload == 0.005);
	/* smoothing 0.5: halfway to the estimate, queue 0: 25 + 6 = 31 ->
	 * 28 */
	t.smoothing = 0.5;
	assert_int_equal(win(&t, &st, 25, 10, 0.005, 25, 0), 28);
	tune_state_fini(&st);
	/* the probe: at limit 2 with probe_multiplier 1 the second window
	 * re-probes (2 >= jitter * 2), so a slower RTT becomes the no-load
	 * one: the next window sees no queue and grows by beta (2 + 6);
	 * without the probe it would see a queue of ceil(2 * 0.8) = 2 and
	 * grow by 1 */
	t = netflix(TUNE_VEGAS, 1, 1000, 1.0);
	t.probe_multiplier = 1;
	assert_int_equal(tune_state_init(&st, &t), 0);
	assert_int_equal(win(&t, &st, 2, 10, 0.01, 2, 0), 2);
	assert_int_equal(win(&t, &st, 2, 10, 0.05, 2, 0), 2);
	assert_true(st.rtt_noload == 0.05);
	assert_int_equal(win(&t, &st, 2, 10, 0.05, 2, 0), 8);
	tune_state_fini(&st);
}

static void test_tune_queue(void **state)
{
	tune_spec t = spec();
	t.policy = TUNE_QUEUE;
	t.target = 4;
	tune_state st;
	assert_int_equal(tune_state_init(&st, &t), 0);
	tune_obs o = { .t = 1, .K = 20, .queue = 10, .busy = 20 };
	assert_int_equal(tune_decide(&t, &st, &o), 30);    /* 10 > 4 */
	o = (tune_obs){ .t = 2, .K = 30, .queue = 3, .busy = 30 };
	assert_int_equal(tune_decide(&t, &st, &o), 30);    /* in the band */
	o = (tune_obs){ .t = 3, .K = 30, .queue = 1, .busy = 25 };
	assert_int_equal(tune_decide(&t, &st, &o), 30);    /* 5 idle <= step */
	o = (tune_obs){ .t = 4, .K = 30, .queue = 0, .busy = 10 };
	assert_int_equal(tune_decide(&t, &st, &o), 20);    /* 20 idle */
	o = (tune_obs){ .t = 5, .K = 40, .queue = 9, .busy = 40 };
	assert_int_equal(tune_decide(&t, &st, &o), 40);    /* at max */
	o = (tune_obs){ .t = 6, .K = 15, .queue = 0, .busy = 0 };
	assert_int_equal(tune_decide(&t, &st, &o), 10);    /* to min */
	tune_state_fini(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_tune_thresholds),
		cmocka_unit_test(test_tune_window_and_cooldown),
		cmocka_unit_test(test_tune_policy_names),
		cmocka_unit_test(test_tune_aimd),
		cmocka_unit_test(test_tune_gradient2),
		cmocka_unit_test(test_tune_vegas),
		cmocka_unit_test(test_tune_queue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
