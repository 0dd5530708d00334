/*
 * test_stats.c — tallies, levels, the log-linear histogram, exact
 * quantiles and Student-t confidence intervals.
 *
 * Oracles written independently of stats.c: textbook variance on known
 * data, two-pass mean/variance, hand-computed areas, a sort-and-index
 * implementation of the quantile definition, and t-table values.
 * The histogram is checked on 10M samples each of lognormal(sigma=1.5),
 * Pareto(alpha=1.5) and M/M/1 waits at rho=0.98 (Lindley recursion: heavily
 * autocorrelated, ~2% exact zeros). ~8 s at -O2, mostly sorting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "../sim/stats.h"

/* ---- tally ----------------------------------------------------------- */

static void test_tally_known(void **state)
{
	(void)state;
	stats_tally t;
	stats_tally_init(&t);
	assert_true(isnan(t.min) && isnan(t.max));
	assert_true(stats_tally_var(&t) == 0);
	static const double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	for (int i = 0; i < 8; i++)
		stats_tally_add(&t, x[i]);
	/* Textbook: mean 5, sum of squared deviations 32. */
	assert_int_equal(t.n, 8);
	assert_true(fabs(t.mean - 5.0) < 1e-15);
	assert_true(fabs(stats_tally_var(&t) - 32.0 / 7.0) < 1e-14);
	assert_true(t.min == 2 && t.max == 9);
}

static void test_tally_two_pass_and_merge(void **state)
{
	(void)state;
	enum { N = 1000000 };
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 11);
	double *x = malloc(N * sizeof *x);
	/* A large offset is where the naive sum-of-squares formula collapses
	 * and Welford must not. */
	for (int i = 0; i < N; i++)
		x[i] = 1e9 + gsl_ran_gaussian(r, 2.0);
	long double s = 0;
	for (int i = 0; i < N; i++)
		s += x[i];
	double mean = (double)(s / N);
	long double ss = 0;
	for (int i = 0; i < N; i++)
		ss += (long double)(x[i] - mean) * (x[i] - mean);
	double var = (double)(ss / (N - 1));

	stats_tally all, a, b, c, empty;
	stats_tally_init(&all);
	stats_tally_init(&a);
	stats_tally_init(&b);
	stats_tally_init(&c);
	stats_tally_init(&empty);
	for (int i = 0; i < N; i++) {
		stats_tally_add(&all, x[i]);
		/* Unequal chunks: 10%, 60%, 30%. */
		stats_tally_add(i < N / 10 ? &a : i < 7 * N / 10 ? &b : &c, x[i]);
	}
	/* Each Welford step rounds at ulp(1e9) ~ 1.2e-7, a random walk over
	 * 1e6 steps: ~1e-4 absolute, 1e-13 relative. */
	assert_true(fabs(all.mean - mean) < 1e-3);
	assert_true(fabs(stats_tally_var(&all) / var - 1) < 1e-6);

	stats_tally m;
	stats_tally_init(&m);
	stats_tally_merge(&m, &empty);
	assert_int_equal(m.n, 0);
	stats_tally_merge(&m, &a);
	stats_tally_merge(&m, &empty);
	stats_tally_merge(&m, &b);
	stats_tally_merge(&m, &c);
	assert_int_equal(m.n, N);
	assert_true(fabs(m.mean - all.mean) < 1e-3);
	assert_true(fabs(stats_tally_var(&m) / var - 1) < 1e-6);
	assert_true(m.min == all.min && m.max == all.max);
	free(x);
	gsl_rng_free(r);
}

/* ---- level ------------------------------------------------------------ */

static void test_level(void **state)
{
	(void)state;
	stats_level l;
	stats_level_init(&l, 0, 0);
	assert_true(stats_level_mean(&l, 0) == 0);
	stats_level_set(&l, 1, 2);
	stats_level_set(&l, 3, 5);
	stats_level_set(&l, 3, 4);   /* instantaneous change: no area */
	stats_level_set(&l, 4, 1);
	/* Area by hand: 0*1 + 2*2 + 4*1 + 1*2 (to t=6) = 10. */
	assert_true(fabs(stats_level_mean(&l, 6) - 10.0 / 6.0) < 1e-15);
	assert_true(l.max == 5);
	assert_true(fabs(l.area - 8.0) < 1e-15);   /* invariant: up to t_last=4 */

	/* Warm-up cut at t=4: only the value 1 from then, then 3 from t=5. */
	stats_level_reset(&l, 4);
	assert_true(l.max == 1);
	stats_level_set(&l, 5, 3);
	assert_true(fabs(stats_level_mean(&l, 8) - (1.0 + 9.0) / 4.0) < 1e-15);
	assert_true(l.max == 3);
	/* A window's integral snapshotted at its ends: [4, 7] holds 1 + 3*2,
	 * [6, 8] is the difference of two snapshots, 3*2. */
	assert_true(fabs(stats_level_area(&l, 7) - 7.0) < 1e-15);
	assert_true(fabs(stats_level_area(&l, 8) - stats_level_area(&l, 6) -
			 6.0) < 1e-15);
	assert_true(stats_level_area(&l, 5) == 1.0);   /* at t_last */

	/* Non-zero start time. */
	stats_level_init(&l, 10, 7);
	assert_true(fabs(stats_level_mean(&l, 12) - 7) < 1e-15);
}

/* ---- exact quantile -------------------------------------------------- */

static void test_exact_quantile(void **state)
{
	(void)state;
	/* Unsorted 1..10: ceil(p*n)-th smallest. */
	static const double x[] = { 7, 3, 10, 1, 9, 2, 8, 4, 6, 5 };
	assert_true(stats_exact_quantile(x, 10, 0.0) == 1);
	assert_true(stats_exact_quantile(x, 10, 0.05) == 1);
	assert_true(stats_exact_quantile(x, 10, 0.1) == 1);
	assert_true(stats_exact_quantile(x, 10, 0.11) == 2);
	assert_true(stats_exact_quantile(x, 10, 0.5) == 5);
	assert_true(stats_exact_quantile(x, 10, 0.51) == 6);
	assert_true(stats_exact_quantile(x, 10, 0.99) == 10);
	assert_true(stats_exact_quantile(x, 10, 1.0) == 10);
	assert_true(isnan(stats_exact_quantile(x, 0, 0.5)));
	assert_true(x[0] == 7);   /* the input is not sorted in place */
}

/* ---- histogram -------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double u = *(const double *)a, v = *(const double *)b;
	return (u > v) - (u < v);
}

/* The definition, applied to a sorted array. */
static double sorted_quantile(const double *s, size_t n, double p)
{
	double k = ceil(p * (double)n);
	size_t i = k < 1 ? 0 : (size_t)k - 1;
	return s[i < n ? i : n - 1];
}

enum { NBIG = 10000000 };

static const double probes[] = { 0.0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.9,
				  0.99, 0.999, 0.9999, 1.0 };

/* Fills the histogram from x, sorts x and checks every probe within 0.1%
 * (and p50, p99, p999 within the 0.049% the bucket width guarantees). */
static void check_hist(double *x, size_t n, const char *what)
{
	stats_hist *h = stats_hist_new();
	assert_non_null(h);
	for (size_t i = 0; i < n; i++)
		stats_hist_add(h, x[i]);
	assert_int_equal(stats_hist_count(h), n);
	qsort(x, n, sizeof *x, cmp_double);
	for (size_t j = 0; j < sizeof probes / sizeof probes[0]; j++) {
		double p = probes[j];
		double want = sorted_quantile(x, n, p), got = stats_hist_quantile(h, p);
		double err = want == 0 ? fabs(got) : fabs(got / want - 1);
		if (!(err <= 0.001))
			print_error("%s p=%g exact %.9g hist %.9g rel err %.3g\n",
				    what, p, want, got, err);
		assert_true(err <= 0.001);
		assert_true(err <= 0.5 / 1024 + 1e-12);
		if (p == 0 || p == 1)
			assert_true(got == want);
	}
	stats_hist_free(h);
}

static void test_hist_lognormal(void **state)
{
	(void)state;
	double *x = malloc(NBIG * sizeof *x);
	assert_non_null(x);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 101);
	for (size_t i = 0; i < NBIG; i++)
		x[i] = 0.01 * gsl_ran_lognormal(r, 0, 1.5);
	check_hist(x, NBIG, "lognormal");
	gsl_rng_free(r);
	free(x);
}

static void test_hist_pareto(void **state)
{
	(void)state;
	double *x = malloc(NBIG * sizeof *x);
	assert_non_null(x);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 202);
	for (size_t i = 0; i < NBIG; i++)
		x[i] = gsl_ran_pareto(r, 1.5, 0.001);
	check_hist(x, NBIG, "pareto");
	gsl_rng_free(r);
	free(x);
}

static void test_hist_mm1_lindley(void **state)
{
	(void)state;
	double *x = malloc(NBIG * sizeof *x);
	assert_non_null(x);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 303);
	/* W_{n+1} = max(0, W_n + S_n - A_n), mean service 1 s, rho = 0.98. */
	double w = 0;
	size_t zeros = 0;
	for (size_t i = 0; i < NBIG; i++) {
		x[i] = w;
		zeros += w == 0;
		w = fmax(0, w + gsl_ran_exponential(r, 1.0) -
			 gsl_ran_exponential(r, 1.0 / 0.98));
	}
	/* Sanity of the oracle data itself: P(W = 0) = 1 - rho = 2%, and the
	 * mean wait rho/(mu - lambda) = 49 s (loosely: the stream is long-range
	 * correlated at this load). */
	assert_true(fabs((double)zeros / NBIG - 0.02) < 0.004);
	check_hist(x, NBIG, "mm1");
	gsl_rng_free(r);
	free(x);
}

static void test_hist_zeros_and_edges(void **state)
{
	(void)state;
	stats_hist *h = stats_hist_new();
	assert_true(isnan(stats_hist_quantile(h, 0.5)));
	assert_true(isnan(stats_hist_mean(h)));
	for (int i = 0; i < 30; i++)
		stats_hist_add(h, 0.0);
	stats_hist_add(h, 1e-12);             /* below MIN: zero bucket */
	for (int i = 1; i <= 69; i++)
		stats_hist_add(h, i * 1e-3);
	assert_int_equal(stats_hist_count(h), 100);
	/* the mean is the values' own, not the buckets': (1e-12 + 2415e-3)/100 */
	assert_true(fabs(stats_hist_mean(h) - (1e-12 + 2.415) / 100) < 1e-15);
	assert_true(stats_hist_quantile(h, 0) == 0);
	assert_true(stats_hist_quantile(h, 0.3) == 0);
	assert_true(fabs(stats_hist_quantile(h, 0.32) / 1e-3 - 1) < 0.0005);
	assert_true(fabs(stats_hist_quantile(h, 0.5) / 19e-3 - 1) < 0.0005);
	assert_true(stats_hist_quantile(h, 1) == 69e-3);
	/* Clamped at the top, but the exact max is still reported; the
	 * second-largest (also above MAX) reads as STATS_HIST_MAX's bucket. */
	stats_hist_add(h, 2e9);
	stats_hist_add(h, 1e9);
	assert_true(stats_hist_quantile(h, 1) == 2e9);
	assert_true(fabs(stats_hist_quantile(h, 0.99) / STATS_HIST_MAX - 1) < 0.0005);
	/* Values on bucket edges: powers of two, from 2^-29 to 2^23. */
	stats_hist_clear(h);
	assert_int_equal(stats_hist_count(h), 0);
	assert_true(isnan(stats_hist_quantile(h, 0.5)));
	assert_true(isnan(stats_hist_mean(h)));
	for (int e = -29; e <= 23; e++)
		stats_hist_add(h, ldexp(1, e));
	for (int e = -29; e <= 23; e++) {
		double p = (e + 30) / 53.0;
		double q = stats_hist_quantile(h, p);
		assert_true(fabs(q / ldexp(1, e) - 1) < 0.0005);
	}
	stats_hist_free(h);
	stats_hist_free(NULL);
}

static void test_hist_merge(void **state)
{
	(void)state;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 404);
	stats_hist *all = stats_hist_new(), *a = stats_hist_new(),
		   *b = stats_hist_new(), *m = stats_hist_new();
	for (int i = 0; i < 1000000; i++) {
		/* Two different ranges so a's and b's buckets barely overlap. */
		double v = i % 3 ? gsl_ran_lognormal(r, -6, 1) : gsl_ran_exponential(r, 2.0);
		if (i % 97 == 0)
			v = 0;
		stats_hist_add(all, v);
		stats_hist_add(i % 3 ? a : b, v);
	}
	stats_hist_merge(m, a);
	stats_hist_merge(m, b);
	assert_int_equal(stats_hist_count(m), stats_hist_count(all));
	/* the same values summed in another order: equal to rounding */
	assert_true(fabs(stats_hist_mean(m) / stats_hist_mean(all) - 1) < 1e-12);
	for (int p = 0; p <= 1000; p++)
		assert_true(stats_hist_quantile(m, p / 1000.0) ==
			    stats_hist_quantile(all, p / 1000.0));
	/* Merging into a cleared histogram starts afresh. */
	stats_hist_clear(m);
	stats_hist_merge(m, b);
	assert_true(stats_hist_quantile(m, 0.5) == stats_hist_quantile(b, 0.5));
	assert_true(stats_hist_mean(m) == stats_hist_mean(b));
	assert_true(stats_hist_quantile(m, 1) == stats_hist_quantile(b, 1));
	stats_hist_free(all);
	stats_hist_free(a);
	stats_hist_free(b);
	stats_hist_free(m);
	gsl_rng_free(r);
}

/* ---- confidence interval ---------------------------------------------- */

static void test_ci95(void **state)
{
	(void)state;
	double mean;
	/* 1..10: mean 5.5, sample sd sqrt(55/6); t(0.975, 9) = 2.262 (table). */
	double x[30];
	for (int i = 0; i < 10; i++)
		x[i] = i + 1;
	double hw = stats_ci95(x, 10, &mean);
	assert_true(fabs(mean - 5.5) < 1e-15);
	double se = sqrt(55.0 / 6.0) / sqrt(10);
	assert_true(fabs(hw / se - 2.262) < 0.0005);
	/* n = 2: t(0.975, 1) = 12.706. */
	hw = stats_ci95(x, 2, &mean);
	assert_true(fabs(hw / (sqrt(0.5) / sqrt(2)) - 12.706) < 0.0005);
	/* n = 30: t(0.975, 29) = 2.045. */
	for (int i = 0; i < 30; i++)
		x[i] = i % 2;
	hw = stats_ci95(x, 30, &mean);
	assert_true(fabs(mean - 0.5) < 1e-15);
	se = sqrt(0.25 * 30.0 / 29.0) / sqrt(30);
	assert_true(fabs(hw / se - 2.045) < 0.0005);
	/* Degenerate sizes. */
	assert_true(stats_ci95(x, 1, &mean) == 0);
	assert_true(mean == 0);
	assert_true(stats_ci95(x, 0, &mean) == 0);
	assert_true(isnan(mean));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tally_known),
		cmocka_unit_test(test_tally_two_pass_and_merge),
		cmocka_unit_test(test_level),
		cmocka_unit_test(test_exact_quantile),
		cmocka_unit_test(test_hist_zeros_and_edges),
		cmocka_unit_test(test_hist_merge),
		cmocka_unit_test(test_ci95),
		cmocka_unit_test(test_hist_lognormal),
		cmocka_unit_test(test_hist_pareto),
		cmocka_unit_test(test_hist_mm1_lindley),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
