/*
 * long_model.c — heavier validation for `make check-long`: every FIFO
 * library profile (workerpool, errgroup, ants, tunny, semaphore with unit
 * weights, pond with an unbounded queue) against Erlang C mean wait and
 * p99 wait on a wider (c, rho) grid with long runs, and pond's bounded
 * nonblocking queue against M/M/c/N loss. Runtime: a minute or two at -O2.
 *
 * As in test_pools.c: the library profiles against queueing theory, with 95%
 * confidence intervals across replications (fixed seeds: never flaky).
 *
 * The theory is computed here from closed forms the model does not use:
 * M/M/c/N and Erlang C mean wait and tail P(W > t) = C e^{-(c mu - lambda) t}.
 *
 * Each check asserts |mean - theory| <= the 95% half-width. Replications
 * are independent (different rep numbers), so the interval is honest; the
 * seeds are fixed, so the outcome is too.
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
#include "../sim/stats.h"

#define MAXREP 32

static void cfg(model_config *c, const char *pool, long K, const char *arrival,
		const char *service, long tasks)
{
	char err[256] = "";
	model_config_init(c);
	int k = pool_kind_parse(pool);
	assert_true(k >= 0);
	c->pool = (pool_kind)k;
	c->K = K;
	c->tasks = tasks;
	c->producers = 0;
	if (wl_parse(arrival, NULL, &c->arrival, err, sizeof err) ||
	    dist_parse(service, NULL, &c->service, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		fail();
	}
}

/* Runs reps replications and collects scope/name of each into x. */
static void collect(const model_config *c, uint64_t seed, int reps,
		    const char *scope, const char *const *names, int n_names,
		    double x[][MAXREP])
{
	for (int i = 0; i < reps; i++) {
		model_result r;
		model_result_init(&r);
		assert_int_equal(model_run(c, seed, (uint32_t)i, &r), 0);
		for (int j = 0; j < n_names; j++) {
			x[j][i] = model_result_get(&r, scope, names[j]);
			assert_false(isnan(x[j][i]));
		}
		model_result_fini(&r);
	}
}

/* Asserts theory lies in the 95% interval of x[0..n). */
static void in_ci(const char *what, const double *x, int n, double theory)
{
	double mean, hw = stats_ci95(x, n, &mean);
	int ok = fabs(mean - theory) <= hw;
	fprintf(stderr, "%-44s theory %-10.5g sim %-10.5g ± %-9.3g %s\n", what,
		theory, mean, hw, ok ? "ok" : "MISS");
	assert_true(ok);
}

/* ---- closed forms ------------------------------------------------------- */

/* Erlang C from its closed form (sum of a^k/k! terms). */
static double erlang_c(int c, double a)
{
	double term = 1, sum = 0;   /* term = a^k / k! */
	for (int k = 0; k < c; k++) {
		sum += term;
		term *= a / (k + 1);
	}
	double top = term * c / (c - a);   /* a^c/c! * c/(c-a) */
	return top / (sum + top);
}

/* M/M/c/N: probability an arrival finds N in the system. */
static double mmcn_block(int c, int N, double a)
{
	double p[256], term = 1, sum = 0;
	assert_true(N < 256);
	for (int n = 0; n <= N; n++) {
		p[n] = term;
		sum += term;
		term *= n < c ? a / (n + 1) : a / c;
	}
	return p[N] / sum;
}


static void erlang_c_case(const char *pool, int cs, double rho, long tasks,
			  int reps, uint64_t seed)
{
	const double S = 0.01, mu = 1 / S;
	double lambda = rho * cs * mu, a = lambda / mu;
	char arr[64], what[96];
	snprintf(arr, sizeof arr, "poisson(%.17g/s)", lambda);
	model_config c;
	cfg(&c, pool, cs, arr, "exp(10ms)", tasks);
	c.warmup = WARMUP_FRAC;
	c.warmup_value = 0.1;
	const char *names[] = { "wait_mean", "wait_p99" };
	double x[2][MAXREP];
	collect(&c, seed, reps, "pool", names, 2, x);
	double C = erlang_c(cs, a), gap = cs * mu - lambda;
	snprintf(what, sizeof what, "%s c=%d rho=%.2f wait_mean", pool, cs, rho);
	in_ci(what, x[0], reps, C / gap);
	if (C > 0.01) {
		snprintf(what, sizeof what, "%s c=%d rho=%.2f wait_p99", pool, cs, rho);
		in_ci(what, x[1], reps, log(C / 0.01) / gap);
	}
	model_config_fini(&c);
}

static void test_erlang_c_all_fifo(void **st)
{
	const char *pools[] = { "workerpool", "errgroup", "ants", "tunny",
				"semaphore", "pond" };
	for (int p = 0; p < 6; p++) {
		erlang_c_case(pools[p], 2, 0.9, 400000, 12, 101);
		erlang_c_case(pools[p], 10, 0.95, 600000, 12, 102);
		erlang_c_case(pools[p], 50, 0.9, 400000, 12, 103);
	}
}

/* pond nonblocking with queue=Q: M/M/c/(c+Q) loss */
static void test_pond_bounded_loss(void **st)
{
	const char *names[] = { "rejected_frac" };
	double x[1][MAXREP];
	model_config c;
	cfg(&c, "pond", 4, "poisson(400/s)", "exp(10ms)", 200000);
	c.queue = 3;
	c.nonblocking = 1;
	c.warmup = WARMUP_TASKS;
	c.warmup_value = 1000;
	collect(&c, 104, 12, "pool", names, 1, x);
	in_ci("pond queue=3 nonblocking vs M/M/4/7", x[0], 12, mmcn_block(4, 7, 4));
	model_config_fini(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_erlang_c_all_fifo),
		cmocka_unit_test(test_pond_bounded_loss),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
