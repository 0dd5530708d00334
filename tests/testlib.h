/*
 * testlib.h — what the model test programs share: building a config from
 * text, running replications, asserting that theory lies inside the 95%
 * interval, and the queueing closed forms they compare against (written
 * here from the formulas, independently of the model code).
 *
 * Static inline: each test program includes this once after cmocka.h.
 */
#ifndef TESTLIB_H
#define TESTLIB_H

#include <math.h>
#include <stdio.h>

#include <gsl/gsl_cdf.h>

#include "../models/model.h"
#include "../sim/stats.h"

#define MAXREP 32

/* Fills c for pool/K/arrival/service/producers (tasks 0 = as many as the
 * arrival process gives). The texts are test constants: they must parse. */
static inline void test_cfg(model_config *c, const char *pool, long K,
			    const char *arrival, const char *service,
			    long tasks, int producers)
{
	char err[256] = "";
	model_config_init(c);
	int k = pool_kind_parse(pool);
	assert_true(k >= 0);
	c->pool = (pool_kind)k;
	c->K = K;
	c->tasks = tasks;
	c->producers = producers;
	if (wl_parse(arrival, NULL, &c->arrival, err, sizeof err) ||
	    dist_parse(service, NULL, &c->service, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		fail();
	}
}

/* Runs reps replications and collects scope/name of each into x. */
static inline void collect(const model_config *c, uint64_t seed, int reps,
			   const char *scope, const char *const *names,
			   int n_names, double x[][MAXREP])
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

/* Asserts theory lies in the `level` (e.g. 0.95) Student t interval of
 * x[0..n), n >= 2. */
static inline void in_ci_at(const char *what, const double *x, int n,
			    double theory, double level)
{
	double mean, hw = stats_ci95(x, n, &mean);
	hw *= gsl_cdf_tdist_Pinv(0.5 + level / 2, n - 1) /
	      gsl_cdf_tdist_Pinv(0.975, n - 1);
	int ok = fabs(mean - theory) <= hw;
	fprintf(stderr, "%-44s theory %-10.5g sim %-10.5g ± %-9.3g %s\n", what,
		theory, mean, hw, ok ? "ok" : "MISS");
	assert_true(ok);
}

/* Asserts theory lies in the 95% interval of x[0..n). */
static inline void in_ci(const char *what, const double *x, int n,
			 double theory)
{
	in_ci_at(what, x, n, theory, 0.95);
}

/* Erlang B by the stable recursion B(k) = a B(k-1) / (k + a B(k-1)). */
static inline double erlang_b(int c, double a)
{
	double b = 1;
	for (int k = 1; k <= c; k++)
		b = a * b / (k + a * b);
	return b;
}

/* Erlang C from its closed form (sum of a^k/k! terms), a < c. */
static inline double erlang_c(int c, double a)
{
	double term = 1, sum = 0;   /* term = a^k / k! */
	for (int k = 0; k < c; k++) {
		sum += term;
		term *= a / (k + 1);
	}
	double top = term * c / (c - a);   /* a^c/c! * c/(c-a) */
	return top / (sum + top);
}

/* The FIFO pools' Erlang C case (test_pools.c, long_model.c and
 * long_coverage.c study exactly this): cs workers of `pool`, Poisson
 * arrivals at rho cs mu, exp(10 ms) work, a goroutine per arrival
 * (producers = each), the first 10% of the tasks cut as warm-up.
 * *C_out and *gap_out get Erlang C and c mu - lambda (per second). */
static inline void erlang_c_cfg(model_config *c, const char *pool, int cs,
				double rho, long tasks, double *C_out,
				double *gap_out)
{
	const double S = 0.01, mu = 1 / S;
	double lambda = rho * cs * mu;
	char arr[64];
	snprintf(arr, sizeof arr, "poisson(%.17g/s)", lambda);
	test_cfg(c, pool, cs, arr, "exp(10ms)", tasks, 0);
	c->warmup = WARMUP_FRAC;
	c->warmup_value = 0.1;
	*C_out = erlang_c(cs, lambda / mu);
	*gap_out = cs * mu - lambda;
}

/* Asserts erlang_c_cfg's case against M/M/c over reps replications:
 * mean wait C / (c mu - lambda), P(wait > 0) = C (the scalar
 * waited_frac), p99 wait from P(W > t) = C e^{-(c mu - lambda) t} when
 * C > 1%, and Little's law L = X W per run. Each interval is at `level`:
 * a program that checks many cases passes a Bonferroni level (1 - 0.05/m
 * for m intervals) so that the whole program misses with about 5% chance
 * under a correct model, whatever its seeds.
 *
 * Are these intervals honest? long_coverage.c runs long_model's c = 50,
 * rho = 0.9 case for 100 seeds x 12 replications: 95 of the 100 intervals
 * cover P(wait > 0) and 94 the mean wait, and the standardized errors
 * average +0.04 and +0.01 (400 seeds: 381 and 381, +0.01 and -0.01). No
 * bias, with the 10% warm-up or with none; so a fixed seed whose interval
 * misses by 2-3 standard errors is the 1 in 20 chance, not a fault. */
static inline void erlang_c_case(const char *pool, int cs, double rho,
				 long tasks, int reps, uint64_t seed,
				 double level)
{
	char what[96];
	double C, gap;
	model_config c;
	erlang_c_cfg(&c, pool, cs, rho, tasks, &C, &gap);
	const char *names[] = { "wait_mean", "wait_p99", "system_mean",
				"throughput", "latency_mean", "waited_frac" };
	double x[6][MAXREP];
	collect(&c, seed, reps, "pool", names, 6, x);
	snprintf(what, sizeof what, "%s c=%d rho=%.2f wait_mean", pool, cs, rho);
	in_ci_at(what, x[0], reps, C / gap, level);
	snprintf(what, sizeof what, "%s c=%d rho=%.2f P(wait>0)", pool, cs, rho);
	in_ci_at(what, x[5], reps, C, level);
	if (C > 0.01) {
		snprintf(what, sizeof what, "%s c=%d rho=%.2f wait_p99", pool,
			 cs, rho);
		in_ci_at(what, x[1], reps, log(C / 0.01) / gap, level);
	}
	/* Little's law per run (approximate here: tasks present at the
	 * warm-up cut count in L but not in W) */
	for (int i = 0; i < reps; i++)
		assert_true(fabs(x[2][i] - x[3][i] * x[4][i]) <=
			    0.02 * x[2][i] + 0.01);
	model_config_fini(&c);
}

/* M/M/c/N: probability an arrival finds N in the system. */
static inline double mmcn_block(int c, int N, double a)
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

#endif
