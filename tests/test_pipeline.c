/*
 * test_pipeline.c — exercise 12: bounded channels between errgroup stages,
 * the bottleneck stage, and cancellation reaching every stage.
 *
 * Oracles are hand-computed: with const services the pipeline is
 * deterministic, so the makespan of a saturated bottleneck, the instant of
 * the first error and what each stage holds then follow from a timeline
 * worked out on paper (written next to each check). Fixed seeds for the
 * random case, which checks the invariants the issue asks for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../models/model.h"

static void stage(model_config *c, const char *name, long K, const char *svc,
		  long buffer, double error)
{
	char err[256];
	stage_spec *s = &c->stages[c->n_stages++];
	snprintf(s->name, sizeof s->name, "%s", name);
	s->K = K;
	s->buffer = buffer;
	s->error = error;
	assert_int_equal(dist_parse(svc, NULL, &s->service, err, sizeof err), 0);
}

static void base(model_config *c, const char *arrival, long tasks)
{
	char err[256];
	model_config_init(c);
	c->tasks = tasks;
	assert_int_equal(wl_parse(arrival, NULL, &c->arrival, err, sizeof err), 0);
}

static double get(const model_result *r, const char *scope, const char *name)
{
	return model_result_get(r, scope, name);
}

/* a: K=2, 10 ms; b: K=1, 30 ms; c: K=2, 5 ms; buffers 2. a feeds b faster
 * than b drains, so b works back to back from 0.01: item n leaves b at
 * 0.01 + 0.03 n and c at + 0.005; the last of 200 at 6.015 s. */
static void test_bottleneck(void **st)
{
	model_config c;
	model_result r;
	base(&c, "burst(200)", 200);
	stage(&c, "a", 2, "const(10ms)", 2, 0);
	stage(&c, "b", 1, "const(30ms)", 2, 0);
	stage(&c, "c", 2, "const(5ms)", 2, 0);
	model_result_init(&r);
	assert_int_equal(model_run(&c, 1, 0, &r), 0);
	assert_true(get(&r, "pool", "completed") == 200);
	assert_true(fabs(get(&r, "pool", "makespan") - 6.015) < 1e-9);
	double ua = get(&r, "stage/a", "utilization");
	double ub = get(&r, "stage/b", "utilization");
	double uc = get(&r, "stage/c", "utilization");
	fprintf(stderr, "utilisation a %.3f b %.3f c %.3f\n", ua, ub, uc);
	/* b busy 6.0 of 6.015 s; a works 200 x 10 ms on 2 workers; c 200 x
	 * 5 ms on 2 */
	assert_true(fabs(ub - 6.0 / 6.015) < 1e-9);
	assert_true(fabs(ua - 2.0 / 2 / 6.015) < 1e-9);
	assert_true(fabs(uc - 1.0 / 2 / 6.015) < 1e-9);
	/* a spends most of its time blocked on the full channel into b */
	assert_true(get(&r, "stage/a", "blocked_frac") > 0.5);
	model_result_fini(&r);
	model_config_fini(&c);
}

/* a: K=2, 15 ms, buffer 2; b: K=1, 30 ms, every item fails. Timeline:
 * 0: a takes 1, 2. 0.015: 1 -> b (b until 0.045), 2 -> buffer; a takes
 * 3, 4. 0.03: 3 -> buffer, 4 blocks; a takes 5 (last entry into a).
 * 0.045: b's item 1 fails -> cancel; a's worker with 5 finishes at 0.045
 * too and returns without sending. Everything idle at 0.045. */
static void test_cancel_exact(void **st)
{
	model_config c;
	model_result r;
	base(&c, "burst(200)", 200);
	stage(&c, "a", 2, "const(15ms)", 2, 0);
	stage(&c, "b", 1, "const(30ms)", 2, 1.0);
	stage(&c, "c", 1, "const(5ms)", 0, 0);
	model_result_init(&r);
	assert_int_equal(model_run(&c, 1, 0, &r), 0);
	assert_true(fabs(get(&r, "pool", "cancelled_at") - 0.045) < 1e-12);
	assert_true(fabs(get(&r, "stage/a", "last_start_s") - 0.03) < 1e-12);
	assert_true(get(&r, "pool", "idle_after_cancel_s") == 0);
	assert_true(get(&r, "pool", "completed") == 0);
	assert_true(get(&r, "pool", "errored") == 1);
	assert_true(get(&r, "pool", "unfinished") == 199);
	assert_true(get(&r, "stage/c", "completed") == 0);
	model_result_fini(&r);
	model_config_fini(&c);
}

/* Random failures, Poisson source: after the error no item enters stage
 * 1 and every stage is idle within one (const) service time. */
static void test_cancel_reaches_every_stage(void **st)
{
	for (uint32_t rep = 0; rep < 20; rep++) {
		model_config c;
		model_result r;
		base(&c, "poisson(150/s)", 5000);
		stage(&c, "read", 3, "const(15ms)", 4, 0);
		stage(&c, "transform", 2, "const(12ms)", 1, 0.002);
		stage(&c, "write", 1, "const(6ms)", 0, 0);
		model_result_init(&r);
		assert_int_equal(model_run(&c, 9, rep, &r), 0);
		double tc = get(&r, "pool", "cancelled_at");
		assert_false(isnan(tc));
		assert_true(get(&r, "stage/read", "last_start_s") <= tc);
		double idle = get(&r, "pool", "idle_after_cancel_s");
		assert_true(idle >= 0 && idle <= 0.015 + 1e-12);
		assert_true(get(&r, "pool", "completed") +
				    get(&r, "pool", "errored") +
				    get(&r, "pool", "unfinished") ==
			    get(&r, "pool", "submitted"));
		model_result_fini(&r);
		model_config_fini(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bottleneck),
		cmocka_unit_test(test_cancel_exact),
		cmocka_unit_test(test_cancel_reaches_every_stage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
