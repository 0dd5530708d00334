/*
 * test_dynamics.c — behaviour over time: SIGTERM and drain, alerts,
 * panics and errors, and the autotuner (exercises 9, 21, 14, 19).
 *
 * Oracles are hand-computed or computed here independently of the model:
 * drain answers from deterministic waves (const service of 125 ms, exact in
 * binary), the alert's firing time from a queue-depth timeline rebuilt from
 * the arrival and start times of a D/D/1 queue, crash losses from the
 * tasks in flight at the first panic, error shares against a binomial
 * bound, and the autotuner's K trace against the shape exercise 19 asks
 * for. Fixed seeds; a few seconds at -O2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "testlib.h"
#include "../models/model.h"
#include "../models/profile.h"
static double get(const model_result *r, const char *scope, const char *name)
{
	return model_result_get(r, scope, name);
}

/* ---- exercise 9: SIGTERM after 100 completions, drain ------------------ */

/* 1000 tasks, K=10, const 125 ms: waves of 10 every 0.125 s. The 100th
 * completion is at 1.25 s; the 900 left need 11.25 s more. */
static void drain_case(const char *pool, int producers, double timeout,
		       double want_done, double want_unf, double want_drain)
{
	model_config c;
	model_result r;
	test_cfg(&c, pool, 10, "burst(1000)", "const(125ms)", 1000, producers);
	c.shutdown = SHUT_AFTER;
	c.shutdown_after = 100;
	c.drain = timeout;
	model_result_init(&r);
	assert_int_equal(model_run(&c, 1, 0, &r), 0);
	fprintf(stderr, "%s producers=%d drain %g: completed %g unfinished %g "
		"drain_s %g\n", pool, producers, timeout,
		get(&r, "pool", "completed"), get(&r, "pool", "unfinished"),
		get(&r, "pool", "drain_s"));
	assert_true(get(&r, "pool", "completed") >= 100);
	assert_true(get(&r, "pool", "completed") == want_done);
	assert_true(get(&r, "pool", "unfinished") == want_unf);
	assert_true(fabs(get(&r, "pool", "drain_s") - want_drain) < 1e-12);
	assert_true(get(&r, "pool", "drain_s") <= timeout);
	model_result_fini(&r);
	model_config_fini(&c);
}

static void test_drain_exact(void **st)
{
	/* all 1000 are submitted (queued or blocked): 5 s of waves finish
	 * 400 more by 6.25 s (completions at the deadline count) */
	drain_case("workerpool", 1, 5.0, 500, 500, 5.0);
	drain_case("errgroup", 0, 5.0, 500, 500, 5.0);
	/* a timeout longer than the work: drain = time to finish */
	drain_case("workerpool", 1, 20.0, 1000, 0, 11.25);
	/* one producer loop: at SIGTERM it has 10 running, one blocked in
	 * Go and 889 not yet submitted (dropped); 0.25 s to finish */
	drain_case("errgroup", 1, 5.0, 111, 889, 0.25);
}

/* shutdown.at on an open load: no arrival after SIGTERM, and everything
 * that arrived is completed or unfinished. */
static void test_shutdown_at_open_load(void **st)
{
	model_config c;
	model_result r;
	test_cfg(&c, "ants", 4, "poisson(500/s)", "exp(10ms)", 100000, 0);
	c.shutdown = SHUT_AT;
	c.shutdown_at = 10;
	c.drain = 0.02;
	model_result_init(&r);
	assert_int_equal(model_run(&c, 7, 0, &r), 0);
	double sub = get(&r, "pool", "submitted");
	assert_true(sub > 4700 && sub < 5300);  /* ~500/s for 10 s */
	assert_true(get(&r, "pool", "completed") + get(&r, "pool", "unfinished") ==
		    sub);
	assert_true(get(&r, "pool", "drain_s") <= 0.02 + 1e-12);
	model_result_fini(&r);
	model_config_fini(&c);
}

/* ---- exercise 21: queue depth alert ---------------------------------------- */

/* D/D/1: arrival i at i/rate, starts s_j = max(a_j, s_{j-1} + svc). Depth
 * = arrived − started; first time depth > thr has held for `hold`. */
static double oracle_fire(double rate, double svc, int n, double thr,
			  double hold)
{
	static double t[2 * 4000];
	static int d[2 * 4000];
	double a[4000], s[4000];
	assert_true(n <= 4000);
	for (int i = 0; i < n; i++) {
		a[i] = (i + 1) / rate;
		s[i] = i == 0 ? a[0] : fmax(a[i], s[i - 1] + svc);
	}
	/* merge: arrivals +1, starts -1 */
	int ia = 0, is = 0, m = 0, depth = 0;
	while (ia < n || is < n) {
		if (is >= n || (ia < n && a[ia] <= s[is])) {
			depth++;
			t[m] = a[ia++];
		} else {
			depth--;
			t[m] = s[is++];
		}
		d[m++] = depth;
	}
	double since = NAN;
	for (int k = 0; k < m; k++) {
		double end = k + 1 < m ? t[k + 1] : INFINITY;
		if (d[k] > thr) {
			if (isnan(since))
				since = t[k];
			if (end - since >= hold)
				return since + hold;
		} else {
			since = NAN;
		}
	}
	return NAN;
}

static double run_alert(const char *arrival, int n, model_result *r)
{
	model_config c;
	test_cfg(&c, "workerpool", 1, arrival, "const(123.4ms)", n, 1);
	c.n_alerts = 1;
	snprintf(c.alerts[0].name, sizeof c.alerts[0].name, "deep");
	c.alerts[0].metric = ALERT_QUEUE_DEPTH;
	c.alerts[0].op = ALERT_GT;
	c.alerts[0].threshold = 50;
	c.alerts[0].for_s = 30;
	model_result_init(r);
	assert_int_equal(model_run(&c, 1, 0, r), 0);
	model_config_fini(&c);
	return get(r, "alert/deep", "first_fire_s");
}

static void test_alert_fires_on_time(void **st)
{
	model_result r;
	double got = run_alert("const(19/s)", 1500, &r);
	double want = oracle_fire(19, 0.1234, 1500, 50, 30);
	fprintf(stderr, "alert: fired at %.9g, oracle %.9g\n", got, want);
	assert_false(isnan(want));
	assert_true(fabs(got - want) < 1e-6);
	/* the state series shows it firing (2) at the end of the load */
	int firing = 0;
	for (size_t i = 0; i < r.n_series; i++)
		if (!strcmp(r.series[i].scope, "alert/deep") &&
		    r.series[i].value == 2)
			firing = 1;
	assert_true(firing);
	model_result_fini(&r);
	/* below the service rate (8.1/s) the queue stays tiny: never fires */
	got = run_alert("const(8/s)", 1500, &r);
	assert_true(isnan(got));
	assert_true(isnan(oracle_fire(8, 0.1234, 1500, 50, 30)));
	assert_true(get(&r, "alert/deep", "fired_s") == 0);
	model_result_fini(&r);
}

/* ---- exercise 14: panics and errors ------------------------------------------ */

static void test_recovered_panics_are_errors(void **st)
{
	model_config c;
	model_result r;
	test_cfg(&c, "ants", 8, "poisson(500/s)", "exp(10ms)", 20000, 0);
	c.panic = 0.1;
	c.error = 0.1;   /* ants recovers by default */
	model_result_init(&r);
	assert_int_equal(model_run(&c, 3, 0, &r), 0);
	double sub = get(&r, "pool", "submitted");
	double done = get(&r, "pool", "completed");
	double errd = get(&r, "pool", "errored");
	assert_true(get(&r, "pool", "crashed") == 0);
	assert_true(done + errd == sub);
	/* binomial(20000, 0.2): sd 56.6; 4.5 sd */
	assert_true(fabs(errd - 0.2 * sub) < 4.5 * sqrt(sub * 0.2 * 0.8));
	model_result_fini(&r);
	model_config_fini(&c);
}

/* Every task panics, unrecovered: the first panic, at 0.1 + 0.35 s, kills
 * the process with the tasks that arrived at 0.1, 0.2, 0.3 and 0.4 s. */
static void test_crash_loses_in_flight(void **st)
{
	const char *pools[] = { "goroutines", "workerpool", "errgroup" };
	for (int i = 0; i < 3; i++) {
		model_config c;
		model_result r;
		test_cfg(&c, pools[i], 2, "const(10/s)", "const(350ms)", 100, 0);
		c.panic = 1;
		model_result_init(&r);
		assert_int_equal(model_run(&c, 1, 0, &r), 0);
		assert_true(get(&r, "pool", "crashed") == 1);
		assert_true(get(&r, "pool", "lost") == 4);
		assert_true(get(&r, "pool", "completed") == 0);
		model_result_fini(&r);
		model_config_fini(&c);
	}
	/* a share of panics: lost = what was in the process then */
	model_config c;
	model_result r;
	test_cfg(&c, "tunny", 4, "poisson(300/s)", "exp(10ms)", 20000, 0);
	c.panic = 0.001;
	model_result_init(&r);
	assert_int_equal(model_run(&c, 5, 0, &r), 0);
	assert_true(get(&r, "pool", "crashed") == 1);
	assert_true(get(&r, "pool", "lost") >= 1);
	assert_true(get(&r, "pool", "lost") == get(&r, "pool", "submitted") -
						get(&r, "pool", "completed"));
	model_result_fini(&r);
	model_config_fini(&c);
	/* recover = yes overrides the library default */
	test_cfg(&c, "tunny", 4, "poisson(300/s)", "exp(10ms)", 20000, 0);
	c.panic = 0.001;
	c.recover = 1;
	model_result_init(&r);
	assert_int_equal(model_run(&c, 5, 0, &r), 0);
	assert_true(get(&r, "pool", "crashed") == 0);
	model_result_fini(&r);
	model_config_fini(&c);
}

/* errgroup WithContext: the first error cancels; tasks not started yet
 * are skipped (no work). K=4 burst(100), every task errors: the first 4
 * run 125 ms and error, the other 96 are skipped at 0.125 s. */
static void test_errgroup_cancel_skips(void **st)
{
	model_config c;
	model_result r;
	test_cfg(&c, "errgroup", 4, "burst(100)", "const(125ms)", 100, 1);
	c.error = 1;
	model_result_init(&r);
	assert_int_equal(model_run(&c, 1, 0, &r), 0);
	assert_true(get(&r, "pool", "errored") == 4);
	assert_true(get(&r, "pool", "skipped") == 96);
	assert_true(get(&r, "pool", "completed") == 0);
	model_result_fini(&r);
	model_config_fini(&c);
}

/* ---- exercise 19: the autotuner ------------------------------------------------- */

/* K(t) of a run; returns the number of points. */
static int k_trace(const model_result *r, double *t, double *k, int max)
{
	int n = 0;
	for (size_t i = 0; i < r->n_series && n < max; i++)
		if (!strcmp(r->series[i].scope, "pool") &&
		    !strcmp(r->series[i].name, "K")) {
			t[n] = r->series[i].t;
			k[n++] = r->series[i].value;
		}
	return n;
}

static void run_tune(double low, int window, model_result *r)
{
	model_config c;
	test_cfg(&c, "ants", 10,
	    "steps(100/s for 60s, 5000/s for 240s, 100/s for 240s)",
	    "exp(10ms)", 0, 0);
	c.duration = 540;
	c.tune.on = 1;
	c.tune.low = low;
	c.tune.window = window;
	c.series_points = 540;
	model_result_init(r);
	assert_int_equal(model_run(&c, 11, 0, r), 0);
	model_config_fini(&c);
}

static void test_autotune_ramp(void **st)
{
	static double t[4000], k[4000];
	model_result r;
	/* exercise-19 defaults (0.85 / 0.40) with a 3-sample window */
	run_tune(0.40, 3, &r);
	int n = k_trace(&r, t, k, 4000);
	/* K at the start, at every change (exactly) and at the end */
	assert_true(n >= 3 && n == get(&r, "pool", "k_changes") + 2);
	assert_true(t[0] == 0 && k[0] == 10);
	double kmax = 0, k_end_high = 0;
	int steady_low = 1, steady_high = 1;
	double k_ref = NAN;
	for (int i = 0; i < n; i++) {
		if (t[i] < 60 && k[i] != 10)
			steady_low = 0;     /* 100/s: K stays at min */
		if (t[i] >= 60 && t[i] < 300 && k[i] > kmax)
			kmax = k[i];
		if (t[i] >= 200 && t[i] < 300) {
			/* the second half of the high phase: K holds */
			if (isnan(k_ref))
				k_ref = k[i];
			if (k[i] != k_ref)
				steady_high = 0;
			k_end_high = k[i];
		}
	}
	double k_last = k[n - 1];
	double rev = get(&r, "pool", "k_reversals");
	fprintf(stderr, "autotune default: kmax %g, K end-high %g, K end %g, "
		"reversals %g, changes %g\n", kmax, k_end_high, k_last, rev,
		get(&r, "pool", "k_changes"));
	assert_true(steady_low);
	assert_true(steady_high);
	/* 5000/s x 10 ms = 50 busy: K must reach at least 50/0.85 */
	assert_true(kmax >= 60);
	assert_true(k_last == 10);      /* back to min after the high phase */
	assert_true(rev <= 2 * 2);      /* <= 2 per phase change */
	assert_true(get(&r, "phase/2", "latency_p99") >
		    get(&r, "phase/3", "latency_p99"));
	model_result_fini(&r);

	/* low close to high, no window, no cooldown: flapping (the
	 * default run above had at most 4) */
	run_tune(0.84, 1, &r);
	double frev = get(&r, "pool", "k_reversals");
	fprintf(stderr, "autotune low=0.84: reversals %g, changes %g\n", frev,
		get(&r, "pool", "k_changes"));
	assert_true(frev >= 10);
	model_result_fini(&r);
}

/* ---- the scorecard (model.h): windowed quantile and score ------------- */

static void test_wq_exact_at_target(void **st)
{
	model_wq w;
	assert_int_equal(model_wq_init(&w, 0.1, 2), 0);
	assert_true(isnan(model_wq_quantile(&w, 0.99)));
	/* 99 tasks at 50 ms, 1 at 200 ms: rank ceil(0.99 * 100) = 99 is a
	 * 50 ms one (its bucket's upper edge, within 0.5%) */
	for (int i = 0; i < 99; i++)
		model_wq_add(&w, 0.05);
	model_wq_add(&w, 0.2);
	double p = model_wq_quantile(&w, 0.99);
	assert_true(p >= 0.05 && p <= 0.05 * 1.005);
	/* one more slow task: 2 of 101 above, rank 100 is slow */
	model_wq_add(&w, 0.2);
	p = model_wq_quantile(&w, 0.99);
	assert_true(p >= 0.2 && p <= 0.2 * 1.005);
	assert_true(model_wq_quantile(&w, 1) > 0.1);
	model_wq_fini(&w);

	/* exactly the target is not above it; a hair over is */
	assert_int_equal(model_wq_init(&w, 0.1, 1), 0);
	model_wq_add(&w, 0.1);
	assert_true(model_wq_quantile(&w, 0.99) == 0.1);
	model_wq_rotate(&w);
	model_wq_add(&w, 0.1 * (1 + 1e-9));
	assert_true(model_wq_quantile(&w, 0.99) > 0.1);
	/* out of range: the end buckets, never a crash */
	model_wq_rotate(&w);
	model_wq_add(&w, 0);
	model_wq_add(&w, 1e9);
	assert_true(model_wq_quantile(&w, 0.5) < 1e-6);
	assert_true(model_wq_quantile(&w, 1) >= 0.1 * 1e5);
	model_wq_fini(&w);
}

static void test_wq_window_slides(void **st)
{
	model_wq w;
	assert_int_equal(model_wq_init(&w, 1.0, 2), 0);   /* 2 intervals */
	model_wq_add(&w, 3.0);        /* interval 1: slow */
	model_wq_rotate(&w);
	model_wq_add(&w, 0.5);        /* interval 2: fast */
	/* both in the window: the max is the slow one */
	assert_true(model_wq_quantile(&w, 1) >= 3.0);
	model_wq_rotate(&w);          /* interval 1 leaves */
	assert_true(model_wq_quantile(&w, 1) <= 0.5 * 1.005);
	model_wq_rotate(&w);          /* interval 2 leaves: empty */
	assert_true(isnan(model_wq_quantile(&w, 0.5)));
	model_wq_fini(&w);
}

static void test_score_by_hand(void **st)
{
	/* evaluations every 1 s at t = 1..20 against 100 ms: over at 6..9
	 * and from 15 on; steps up at 4.5 and 14.2 */
	double t[20], q[20];
	for (int i = 0; i < 20; i++) {
		t[i] = i + 1;
		q[i] = t[i] >= 6 && t[i] <= 9 ? 0.2 : t[i] >= 15 ? 0.3 : 0.05;
	}
	double ups[] = { 4.5, 14.2 };
	model_score sc;
	model_score_compute(t, q, 20, 1.0, 0.1, 0, 20, ups, 2, &sc);
	assert_true(sc.violation_s == 4 + 6);
	assert_int_equal(sc.steps, 2);
	/* step 1: over at 6, back under at 10: 10 - 4.5; step 2: over at
	 * 15 and never back: 20 - 14.2, unrecovered; the slowest counts */
	assert_int_equal(sc.unrecovered, 1);
	assert_true(fabs(sc.reaction_s - 5.8) < 1e-12);

	/* the window opens at 7: 8, 9 and 15..20; the first step is before
	 * it */
	model_score_compute(t, q, 20, 1.0, 0.1, 7, 20, ups, 2, &sc);
	assert_true(sc.violation_s == 2 + 6);
	assert_int_equal(sc.steps, 1);

	/* only the first step, the window ending at 12: it recovered */
	model_score_compute(t, q, 20, 1.0, 0.1, 0, 12, ups, 1, &sc);
	assert_true(fabs(sc.reaction_s - 5.5) < 1e-12);
	assert_int_equal(sc.unrecovered, 0);

	/* a step that never pushes the quantile over reacts in 0; no step:
	 * NAN; an empty window (NAN) is no violation */
	double calm[20];
	for (int i = 0; i < 20; i++)
		calm[i] = i == 3 ? NAN : 0.05;
	model_score_compute(t, calm, 20, 1.0, 0.1, 0, 20, ups, 2, &sc);
	assert_true(sc.violation_s == 0 && sc.reaction_s == 0);
	model_score_compute(t, calm, 20, 1.0, 0.1, 0, 20, NULL, 0, &sc);
	assert_true(isnan(sc.reaction_s) && sc.steps == 0);

	/* an over-target stretch caused by the second step is not the
	 * first one's: over only from 15, step 1 reacts in 0 */
	double late[20];
	for (int i = 0; i < 20; i++)
		late[i] = t[i] >= 15 && t[i] <= 17 ? 0.3 : 0.05;
	model_score_compute(t, late, 20, 1.0, 0.1, 0, 20, ups, 2, &sc);
	assert_true(fabs(sc.reaction_s - (18 - 14.2)) < 1e-12);
	assert_int_equal(sc.unrecovered, 0);
	assert_true(sc.violation_s == 3);
}

static void test_steps_up(void **st)
{
	model_config c;
	char err[256];
	model_config_init(&c);
	assert_int_equal(wl_parse("steps(100/s for 10s, 110/s for 10s, 200/s "
				  "for 10s, 50/s for 10s, 0/s for 5s, 10/s for "
				  "5s)", NULL, &c.arrival, err, sizeof err), 0);
	double ups[16];
	/* +10% is not a step; x1.8 is; a fall is not; a rise from 0 is */
	assert_int_equal(model_steps_up(&c, ups, 16), 2);
	assert_true(ups[0] == 20 && ups[1] == 45);
	/* a brownout's start is a step up, its end is not; merged in
	 * time order with the arrival's */
	c.n_downstreams = 1;
	assert_int_equal(prof_parse_factor("steps(1 for 30s, 4 for 10s, 1 "
					   "for 10s)", NULL, NULL,
					   &c.downstreams[0].slowdown, err,
					   sizeof err), 0);
	assert_true(model_steps_up_max(&c) >= 3);
	assert_int_equal(model_steps_up(&c, ups, 16), 3);
	assert_true(ups[0] == 20 && ups[1] == 30 && ups[2] == 45);
	model_config_fini(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drain_exact),
		cmocka_unit_test(test_shutdown_at_open_load),
		cmocka_unit_test(test_alert_fires_on_time),
		cmocka_unit_test(test_recovered_panics_are_errors),
		cmocka_unit_test(test_crash_loses_in_flight),
		cmocka_unit_test(test_errgroup_cancel_skips),
		cmocka_unit_test(test_autotune_ramp),
		cmocka_unit_test(test_wq_exact_at_target),
		cmocka_unit_test(test_wq_window_slides),
		cmocka_unit_test(test_score_by_hand),
		cmocka_unit_test(test_steps_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
