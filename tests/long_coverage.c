/*
 * long_coverage.c — do poolsim's 95% confidence intervals mean what they
 * say? For 100 master seeds, 10 replications each, the interval of the
 * mean wait (and of P(wait > 0)) must contain the closed-form truth in
 * 90-99% of the seeds: M/M/4 at rho = 0.8 against Erlang C, and M/D/1 at
 * rho = 0.7 against Pollaczek-Khinchine. Too few hits means biased
 * estimates (warm-up, a modelling error) or intervals that are too
 * narrow; 100 hits means they are too wide. Runs in `make check-long`
 * (about 20 s at -O2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>

#include "testlib.h"
#include "../models/model.h"
#include "../sim/stats.h"

#define SEEDS 100
#define REPS 10

/* Percentage of seeds whose interval of `name` holds `truth`. */
static int coverage(const char *arrival, const char *service, long K,
		    const char *name, double truth)
{
	char err[256];
	model_config c;
	model_config_init(&c);
	c.pool = POOL_ERRGROUP;
	c.K = K;
	c.producers = 0;
	c.tasks = 20000;
	c.warmup = WARMUP_FRAC;
	c.warmup_value = 0.1;
	if (wl_parse(arrival, NULL, &c.arrival, err, sizeof err) ||
	    dist_parse(service, NULL, &c.service, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		fail();
	}
	int hits = 0;
	for (int seed = 1; seed <= SEEDS; seed++) {
		double x[REPS], mean;
		for (int r = 0; r < REPS; r++) {
			model_result res;
			model_result_init(&res);
			assert_int_equal(model_run(&c, (uint64_t)seed, (uint32_t)r,
						   &res), 0);
			x[r] = model_result_get(&res, "pool", name);
			model_result_fini(&res);
		}
		double hw = stats_ci95(x, REPS, &mean);
		hits += fabs(mean - truth) <= hw;
	}
	model_config_fini(&c);
	fprintf(stderr, "%-18s %-12s %-12s truth %.6g: covered by %d of %d "
		"intervals\n", arrival, service, name, truth, hits, SEEDS);
	return hits;
}

static void test_mmc_coverage(void **st)
{
	(void)st;
	/* M/M/4, mean service 10 ms, rho = 0.8: lambda = 320/s */
	double C = erlang_c(4, 3.2), gap = 4 * 100.0 - 320;
	int h = coverage("poisson(320/s)", "exp(10ms)", 4, "wait_mean", C / gap);
	assert_in_range(h, 90, 99);
	h = coverage("poisson(320/s)", "exp(10ms)", 4, "waited_frac", C);
	assert_in_range(h, 90, 99);
}

static void test_md1_coverage(void **st)
{
	(void)st;
	/* M/D/1, S = 10 ms, rho = 0.7: Wq = rho S / (2 (1 - rho)) */
	double wq = 0.7 * 0.01 / (2 * 0.3);
	int h = coverage("poisson(70/s)", "const(10ms)", 1, "wait_mean", wq);
	assert_in_range(h, 90, 99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mmc_coverage),
		cmocka_unit_test(test_md1_coverage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
