/*
 * long_dist.c — whole-distribution checks too slow for the normal suite:
 * a Kolmogorov–Smirnov test of 2M draws of every continuous distribution
 * against GSL's closed-form CDF, and of the ramp's arrival times against
 * the normalised integral of its rate.
 *
 * The short tests check moments and two CDF points; a law with the right
 * mean, variance and two quantiles can still be wrong in between (wrong
 * shape), which KS catches. The critical value is taken at alpha = 1e-6,
 * sqrt(-ln(alpha/2) / (2n)) ~= 0.0017 at n = 2M, so a correct sampler
 * fails about once in a million seeds while a shape error of 0.5% in the
 * CDF fails always. About 7 s at -O2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>

#include "../models/workload.h"
#include "../sim/dist.h"
#include "../sim/ps.h"
#include "../sim/rng.h"

#define N 2000000
#define ALPHA 1e-6

typedef double (*cdf_fn)(double x, const double *p);

/* Largest gap between the empirical CDF of sorted x[n] and F. */
static double ks_stat(const double *x, size_t n, cdf_fn F, const double *p)
{
	double d = 0;
	for (size_t i = 0; i < n; i++) {
		double f = F(x[i], p);
		double lo = f - (double)i / n, hi = (double)(i + 1) / n - f;
		d = fmax(d, fmax(lo, hi));
	}
	return d;
}

static double ks_crit(size_t n)
{
	return sqrt(-log(ALPHA / 2) / (2.0 * (double)n));
}

static double f_exp(double x, const double *p) { return gsl_cdf_exponential_P(x, p[0]); }
static double f_flat(double x, const double *p) { return gsl_cdf_flat_P(x, p[0], p[1]); }
static double f_lognormal(double x, const double *p) { return gsl_cdf_lognormal_P(x, p[0], p[1]); }
static double f_gamma(double x, const double *p) { return gsl_cdf_gamma_P(x, p[0], p[1]); }
static double f_weibull(double x, const double *p) { return gsl_cdf_weibull_P(x, p[0], p[1]); }
static double f_pareto(double x, const double *p) { return gsl_cdf_pareto_P(x, p[0], p[1]); }

/* normal(mu, sd) conditioned on >= 0. */
static double f_truncnorm(double x, const double *p)
{
	double lo = gsl_cdf_gaussian_P(-p[0], p[1]);
	return (gsl_cdf_gaussian_P(x - p[0], p[1]) - lo) / (1 - lo);
}

/* exp(m) + uniform(0, w): the convolution, as in test_dist.c. */
static double f_exp_plus_flat(double x, const double *p)
{
	double m = p[0], w = p[1];
	if (x <= 0)
		return 0;
	if (x < w)
		return (x - m * (1 - exp(-x / m))) / w;
	return 1 - (m / w) * exp(-x / m) * expm1(w / m);
}

/* 0.3 exp(10ms) + 0.7 uniform(0, 20ms). */
static double f_mix(double x, const double *p)
{
	(void)p;
	return 0.3 * gsl_cdf_exponential_P(x, 0.010) +
	       0.7 * gsl_cdf_flat_P(x, 0, 0.020);
}

static void ks(const char *text, cdf_fn F, const double *p, uint64_t seed)
{
	char err[512];
	dist *d = NULL;
	if (dist_parse(text, NULL, &d, err, sizeof err))
		fail_msg("%s", err);
	double *x = malloc(N * sizeof *x);
	assert_non_null(x);
	gsl_rng *r = rng_stream(seed, 0, "long_dist", text);
	for (size_t i = 0; i < N; i++)
		x[i] = dist_sample(d, r);
	gsl_sort(x, 1, N);
	double D = ks_stat(x, N, F, p), c = ks_crit(N);
	printf("%-50s D = %.6f (critical %.6f)\n", text, D, c);
	if (D > c)
		fail_msg("\"%s\": KS D = %.6f > %.6f", text, D, c);
	gsl_rng_free(r);
	free(x);
	dist_free(d);
}

static void test_ks_dists(void **state)
{
	(void)state;
	const double sig = log(10.0) / gsl_cdf_ugaussian_Pinv(0.99);
	ks("exp(20ms)", f_exp, (double[]){ 0.020 }, 1);
	ks("uniform(1ms, 5ms)", f_flat, (double[]){ 0.001, 0.005 }, 2);
	ks("lognormal(p50=10ms, p99=100ms)", f_lognormal,
	   (double[]){ log(0.010), sig }, 3);
	ks("gamma(mean=10ms, cv=0.5)", f_gamma, (double[]){ 4, 0.0025 }, 4);
	ks("gamma(mean=10ms, cv=2)", f_gamma, (double[]){ 0.25, 0.040 }, 5);
	ks("weibull(scale=10ms, shape=0.7)", f_weibull, (double[]){ 0.010, 0.7 }, 6);
	ks("pareto(xm=1ms, alpha=1.5)", f_pareto, (double[]){ 1.5, 0.001 }, 7);
	ks("normal(mean=1ms, sd=2ms)", f_truncnorm, (double[]){ 0.001, 0.002 }, 8);
	ks("exp(20ms) + uniform(0, 1.1ms)", f_exp_plus_flat,
	   (double[]){ 0.020, 0.0011 }, 9);
	ks("mix(0.3: exp(10ms), 0.7: uniform(0, 20ms))", f_mix, NULL, 10);
}

/* ramp(R0, R1, D): given the count, arrival times are i.i.d. with density
 * proportional to the rate, CDF (R0 t + (R1-R0) t^2 / 2D) / ((R0+R1) D/2). */
static double f_ramp(double t, const double *p)
{
	double r0 = p[0], r1 = p[1], D = p[2];
	return (r0 * t + (r1 - r0) * t * t / (2 * D)) / ((r0 + r1) * D / 2);
}

static void test_ks_ramp(void **state)
{
	(void)state;
	wl_spec w;
	char err[512];
	assert_int_equal(wl_parse("ramp(100/s, 5000/s, 600s)", NULL, &w, err,
				  sizeof err), PS_OK);
	wl_gen *g = wl_gen_new(&w, 3, 0, "arrival");
	size_t cap = 2000000, n = 0;
	double *x = malloc(cap * sizeof *x), t, work;
	assert_non_null(x);
	while (wl_gen_next(g, &t, &work)) {
		if (n == cap) {
			cap *= 2;
			x = realloc(x, cap * sizeof *x);
			assert_non_null(x);
		}
		x[n++] = t;
	}
	double D = ks_stat(x, n, f_ramp, (double[]){ 100, 5000, 600 });
	printf("ramp arrivals n = %zu: D = %.6f (critical %.6f)\n", n, D, ks_crit(n));
	assert_true(D <= ks_crit(n));
	free(x);
	wl_gen_free(g);
	wl_spec_fini(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ks_dists),
		cmocka_unit_test(test_ks_ramp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
