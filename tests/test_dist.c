/*
 * test_dist.c — every distribution of dist.h against closed forms, and the
 * parser's error messages.
 *
 * For each distribution: dist_mean/dist_var against moments computed here
 * from the parameters (truncated normal by numerical integration, not the
 * Mills-ratio formula dist.c uses), then 200k draws at a fixed seed whose
 * mean, variance and CDF at two points (the true p-quantiles from GSL's
 * gsl_cdf_*_Pinv, or hand-computed CDF values for discrete laws) must lie
 * within 5 standard errors. A wrong parameterisation (scale vs rate, sd vs
 * variance, p99 z-score) moves these by tens of standard errors.
 * Runs in about a second at -O2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>

#include "../sim/dist.h"
#include "../sim/ps.h"
#include "../sim/rng.h"

#define N_DRAWS 200000
#define Z 5.0   /* standard errors allowed */

static const char *tests_dir(void)
{
	const char *d = getenv("POOLSIM_TESTS");
	return d && *d ? d : "tests";
}

static dist *must_parse(const char *text)
{
	char err[512] = "";
	dist *d = NULL;
	int rc = dist_parse(text, tests_dir(), &d, err, sizeof err);
	if (rc != PS_OK)
		fail_msg("\"%s\" refused: %s", text, err);
	return d;
}

static void near_rel(double got, double want, double rel, const char *what,
		     const char *text)
{
	if (!(fabs(got - want) <= rel * fabs(want)))
		fail_msg("%s of \"%s\": %.12g, want %.12g", what, text, got, want);
}

/* x[i] is a point where the true CDF is F[i]. */
typedef struct cdf_pt {
	double x, F;
} cdf_pt;

/* Draws N_DRAWS samples and checks mean, variance and the CDF points. The
 * variance's standard error is estimated from the sample fourth central
 * moment: sqrt((m4 - s^4)/n). */
static void check_draws(const char *text, double mean, double var,
			const cdf_pt *pts, int npts, uint64_t seed)
{
	dist *d = must_parse(text);
	near_rel(dist_mean(d), mean, 1e-9, "dist_mean", text);
	if (var == 0)
		assert_true(dist_var(d) == 0);
	else
		near_rel(dist_var(d), var, 1e-9, "dist_var", text);

	gsl_rng *r = rng_stream(seed, 0, "test_dist", text);
	double *x = malloc(N_DRAWS * sizeof *x);
	assert_non_null(x);
	double sum = 0;
	for (int i = 0; i < N_DRAWS; i++) {
		x[i] = dist_sample(d, r);
		if (!(x[i] >= 0) || !isfinite(x[i]))
			fail_msg("\"%s\" drew %g", text, x[i]);
		sum += x[i];
	}
	double m = sum / N_DRAWS, m2 = 0, m4 = 0;
	for (int i = 0; i < N_DRAWS; i++) {
		double e = (x[i] - m) * (x[i] - m);
		m2 += e;
		m4 += e * e;
	}
	m2 /= N_DRAWS;
	m4 /= N_DRAWS;
	double se_mean = sqrt(var / N_DRAWS);
	if (fabs(m - mean) > Z * se_mean + 1e-9 * mean)
		fail_msg("\"%s\": sample mean %.9g, true %.9g (%.1f SE)", text, m,
			 mean, (m - mean) / se_mean);
	double se_var = sqrt(fmax(m4 - m2 * m2, 0) / N_DRAWS);
	if (fabs(m2 - var) > Z * se_var + 1e-9 * mean * mean)
		fail_msg("\"%s\": sample var %.9g, true %.9g (%.1f SE)", text, m2,
			 var, (m2 - var) / se_var);
	for (int k = 0; k < npts; k++) {
		long c = 0;
		for (int i = 0; i < N_DRAWS; i++)
			c += x[i] <= pts[k].x;
		double f = (double)c / N_DRAWS, F = pts[k].F;
		double se = sqrt(F * (1 - F) / N_DRAWS);
		if (fabs(f - F) > Z * se + 1e-12)
			fail_msg("\"%s\": P(X <= %.6g) = %.6f, true %.6f (%.1f SE)",
				 text, pts[k].x, f, F, (f - F) / se);
	}
	free(x);
	gsl_rng_free(r);
	dist_free(d);
}

static void test_const(void **state)
{
	(void)state;
	dist *d = must_parse("const(10ms)");
	assert_true(dist_is_const(d));
	gsl_rng *r = rng_stream(1, 0, "t", "const");
	for (int i = 0; i < 1000; i++)
		assert_true(dist_sample(d, r) == 0.010);
	assert_true(dist_mean(d) == 0.010 && dist_var(d) == 0);
	dist_free(d);

	d = dist_const(0.25);
	assert_true(dist_is_const(d) && dist_sample(d, r) == 0.25);
	dist_free(d);

	d = must_parse("const(1ms) + const(2ms) + const(0)");
	assert_true(dist_is_const(d));
	assert_true(fabs(dist_sample(d, r) - 0.003) < 1e-15);
	assert_true(dist_var(d) == 0);
	dist_free(d);

	d = must_parse("const(1ms) + exp(2ms)");
	assert_false(dist_is_const(d));
	dist_free(d);
	d = must_parse("exp(2ms)");
	assert_false(dist_is_const(d));
	dist_free(d);
	gsl_rng_free(r);
}

static void test_exp(void **state)
{
	(void)state;
	double m = 0.020;
	cdf_pt p[] = { { gsl_cdf_exponential_Pinv(0.5, m), 0.5 },
		       { gsl_cdf_exponential_Pinv(0.9, m), 0.9 } };
	check_draws("exp(20ms)", m, m * m, p, 2, 11);
}

static void test_uniform(void **state)
{
	(void)state;
	double a = 0.001, b = 0.005;
	cdf_pt p[] = { { gsl_cdf_flat_Pinv(0.5, a, b), 0.5 },
		       { gsl_cdf_flat_Pinv(0.9, a, b), 0.9 } };
	check_draws("uniform(1ms, 5ms)", (a + b) / 2, (b - a) * (b - a) / 12,
		    p, 2, 12);
}

static void test_lognormal(void **state)
{
	(void)state;
	/* p50/p99 form: the 99th percentile must land on 100ms exactly, which
	 * pins sigma = ln(10)/z_0.99. */
	double zeta = log(0.010), sigma = log(10.0) / 2.3263478740408408;
	double mean = exp(zeta + sigma * sigma / 2);
	double var = (exp(sigma * sigma) - 1) * exp(2 * zeta + sigma * sigma);
	cdf_pt p[] = { { 0.010, 0.5 }, { 0.100, 0.99 },
		       { gsl_cdf_lognormal_Pinv(0.9, zeta, sigma), 0.9 } };
	check_draws("lognormal(p50=10ms, p99=100ms)", mean, var, p, 3, 13);

	/* mean/sd form: the moments are the parameters. */
	double s2 = log(1 + 0.25), z2 = log(0.010) - s2 / 2;
	cdf_pt q[] = { { gsl_cdf_lognormal_Pinv(0.5, z2, sqrt(s2)), 0.5 },
		       { gsl_cdf_lognormal_Pinv(0.9, z2, sqrt(s2)), 0.9 } };
	check_draws("lognormal(sd=5ms, mean=10ms)", 0.010, 0.005 * 0.005, q, 2, 14);
}

static void test_gamma(void **state)
{
	(void)state;
	/* mean 10ms, cv 0.5: shape 1/cv^2 = 4, scale mean/shape = 2.5ms. */
	cdf_pt p[] = { { gsl_cdf_gamma_Pinv(0.5, 4, 0.0025), 0.5 },
		       { gsl_cdf_gamma_Pinv(0.9, 4, 0.0025), 0.9 } };
	check_draws("gamma(mean=10ms, cv=0.5)", 0.010, 0.005 * 0.005, p, 2, 15);
	/* cv > 1: shape < 1, a different GSL code path. */
	cdf_pt q[] = { { gsl_cdf_gamma_Pinv(0.5, 0.25, 0.040), 0.5 },
		       { gsl_cdf_gamma_Pinv(0.9, 0.25, 0.040), 0.9 } };
	check_draws("gamma(mean=10ms, cv=2)", 0.010, 0.020 * 0.020, q, 2, 16);
}

static void test_weibull(void **state)
{
	(void)state;
	double l = 0.010, k = 1.5;
	double g1 = gsl_sf_gamma(1 + 1 / k), g2 = gsl_sf_gamma(1 + 2 / k);
	cdf_pt p[] = { { gsl_cdf_weibull_Pinv(0.5, l, k), 0.5 },
		       { gsl_cdf_weibull_Pinv(0.9, l, k), 0.9 } };
	/* Weibull CDF 1 - exp(-(x/l)^k): at x = l it is 1 - 1/e. */
	cdf_pt e = { l, 1 - exp(-1) };
	cdf_pt all[] = { p[0], p[1], e };
	check_draws("weibull(scale=10ms, shape=1.5)", l * g1,
		    l * l * (g2 - g1 * g1), all, 3, 17);
}

static void test_pareto(void **state)
{
	(void)state;
	double xm = 0.001, a = 5;
	cdf_pt p[] = { { gsl_cdf_pareto_Pinv(0.5, a, xm), 0.5 },
		       { gsl_cdf_pareto_Pinv(0.9, a, xm), 0.9 },
		       /* 1 - (xm/x)^a at x = 2 xm */
		       { 2 * xm, 1 - 1.0 / 32 } };
	check_draws("pareto(xm=1ms, alpha=5)", a * xm / (a - 1),
		    xm * xm * a / ((a - 1) * (a - 1) * (a - 2)), p, 3, 18);

	/* Heavy tails: infinite variance, then infinite mean. */
	dist *d = must_parse("pareto(xm=1ms, alpha=1.5)");
	near_rel(dist_mean(d), 0.003, 1e-12, "dist_mean", "alpha=1.5");
	assert_true(isinf(dist_var(d)));
	dist_free(d);
	d = must_parse("pareto(xm=1ms, alpha=0.8)");
	assert_true(isinf(dist_mean(d)) && isnan(dist_var(d)));
	dist_free(d);
}

/* Moments of normal(mu, sd) truncated at 0 by Simpson's rule on the
 * density, independently of dist.c's closed form. */
static void truncnorm_numeric(double mu, double sd, double *mean, double *var)
{
	double hi = mu + 14 * sd, z = 0, m1 = 0, m2 = 0;
	int n = 200000;
	double h = hi / n;
	for (int i = 0; i <= n; i++) {
		double x = i * h;
		double w = (i == 0 || i == n) ? 1 : (i % 2 ? 4 : 2);
		double f = exp(-0.5 * (x - mu) * (x - mu) / (sd * sd));
		z += w * f;
		m1 += w * f * x;
		m2 += w * f * x * x;
	}
	*mean = m1 / z;
	*var = m2 / z - *mean * *mean;
}

static double truncnorm_q(double p, double mu, double sd)
{
	double lo = gsl_cdf_gaussian_P(-mu, sd);
	return mu + gsl_cdf_gaussian_Pinv(lo + p * (1 - lo), sd);
}

static void check_normal(const char *text, double mu, double sd, uint64_t seed)
{
	double mean, var;
	truncnorm_numeric(mu, sd, &mean, &var);
	cdf_pt p[] = { { truncnorm_q(0.5, mu, sd), 0.5 },
		       { truncnorm_q(0.9, mu, sd), 0.9 } };
	/* dist.c's closed form is checked at 1e-9 in check_draws; Simpson on
	 * this grid is accurate well beyond that. */
	check_draws(text, mean, var, p, 2, seed);
}

static void test_normal(void **state)
{
	(void)state;
	/* Barely truncated: moments are the normal's to ~1e-6. */
	check_normal("normal(mean=10ms, sd=2ms)", 0.010, 0.002, 19);
	/* Heavily truncated: mean pulled up from 1ms, variance down. */
	check_normal("normal(mean=1ms, sd=2ms)", 0.001, 0.002, 20);
	check_normal("normal(mean=0, sd=1s)", 0, 1, 21);
	double mean, var;
	truncnorm_numeric(0, 1, &mean, &var);
	/* Half-normal: mean sqrt(2/pi), var 1 - 2/pi. */
	near_rel(mean, sqrt(2 / M_PI), 1e-9, "half-normal mean", "oracle");
	near_rel(var, 1 - 2 / M_PI, 1e-9, "half-normal var", "oracle");
}

static void test_empirical(void **state)
{
	(void)state;
	/* tests/data/empirical_ms.txt holds 1..10 ms in mixed units, with
	 * comments and a blank line: a discrete uniform on ten values. */
	double mean = 0.0055, var = (100 - 1) / 12.0 * 1e-6;
	cdf_pt p[] = { { 0.0035, 0.3 }, { 0.0075, 0.7 }, { 0.0105, 1.0 } };
	check_draws("empirical(data/empirical_ms.txt)", mean, var, p, 3, 22);
	check_draws("empirical( \"data/empirical_ms.txt\" )", mean, var, p, 3, 23);
}

static void test_mix(void **state)
{
	(void)state;
	/* exercise 8's downstream: 1% of calls take 5 s. */
	double m = 0.99 * 0.010 + 0.01 * 5;
	double v = 0.99 * 0.010 * 0.010 + 0.01 * 25 - m * m;
	cdf_pt p[] = { { 0.011, 0.99 }, { 5.0, 1.0 } };
	check_draws("mix(0.99: const(10ms), 0.01: const(5s))", m, v, p, 2, 24);
	check_draws("mix(99%: const(10ms), 1%: const(5s))", m, v, p, 2, 25);

	/* Continuous components: F(x) = 0.3 (1 - e^{-x/10ms}) + 0.7 x/20ms. */
	double em = 0.010, ua = 0, ub = 0.020;
	double mm = 0.3 * em + 0.7 * (ua + ub) / 2;
	double e2 = 0.3 * 2 * em * em + 0.7 * (ub * ub) / 3;
	cdf_pt q[] = { { 0.005, 0.3 * (1 - exp(-0.5)) + 0.7 * 0.25 },
		       { 0.015, 0.3 * (1 - exp(-1.5)) + 0.7 * 0.75 } };
	check_draws("mix(0.3: exp(10ms), 0.7: uniform(0, 20ms))", mm,
		    e2 - mm * mm, q, 2, 26);

	/* A zero weight is legal and never drawn. */
	cdf_pt z[] = { { 0.0015, 1.0 } };
	check_draws("mix(0: const(1h), 1: const(1ms))", 0.001, 0, z, 1, 27);
	check_draws("mix(1: const(1ms), 0: const(1h))", 0.001, 0, z, 1, 28);
	/* Weights that sum to 1 only within rounding are accepted. */
	dist *d = must_parse("mix(0.1: const(1ms), 0.2: const(1ms), 0.7: const(1ms))");
	dist_free(d);
}

static void test_sum(void **state)
{
	(void)state;
	/* Work plus timer overshoot (DESIGN.md): exp(m) + uniform(0, w) has
	 * F(x) = 1 - (m/w) e^{-x/m} (e^{w/m} - 1) for x >= w. */
	double m = 0.020, w = 0.0011;
	double mean = m + w / 2, var = m * m + w * w / 12;
	double xs[] = { 0.010, 0.050 };
	cdf_pt p[2];
	for (int i = 0; i < 2; i++)
		p[i] = (cdf_pt){ xs[i], 1 - (m / w) * exp(-xs[i] / m) * expm1(w / m) };
	check_draws("exp(20ms) + uniform(0, 1.1ms)", mean, var, p, 2, 29);

	/* Three terms, one of them a mix: moments add. */
	double mx = 0.5 * 0.001 + 0.5 * 0.003;
	double vx = 0.5 * 1e-6 + 0.5 * 9e-6 - mx * mx;
	check_draws("const(2ms) + mix(0.5: const(1ms), 0.5: const(3ms)) + gamma(mean=4ms, cv=1)",
		    0.002 + mx + 0.004, vx + 0.004 * 0.004, NULL, 0, 30);
	/* A sum inside a mix. */
	check_draws("mix(0.5: const(1ms) + const(1ms), 0.5: exp(2ms) + const(0))",
		    0.002, 0.5 * 4e-6 + 0.5 * (2 * 4e-6) - 4e-6, NULL, 0, 31);
}

/* ---- error messages ------------------------------------------------------- */

static void bad(const char *text, int code, const char *msg)
{
	char err[512] = "";
	dist *d = (dist *)&err;   /* must be reset to NULL on error */
	int rc = dist_parse(text, tests_dir(), &d, err, sizeof err);
	if (rc != code)
		fail_msg("\"%s\": rc %d, want %d (%s)", text, rc, code, err);
	assert_null(d);
	char quoted[300];
	snprintf(quoted, sizeof quoted, "bad distribution \"%s\"", text);
	if (!strstr(err, quoted))
		fail_msg("\"%s\": message \"%s\" does not quote the text", text, err);
	if (!strstr(err, msg))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", text, err, msg);
}

static void test_errors(void **state)
{
	(void)state;
	bad("const(10 parsecs)", PS_EPARSE,
	    "bad duration \"10 parsecs\": expected a number with ns, us, ms, s, m or h");
	bad("expo(10ms)", PS_EPARSE,
	    "unknown distribution \"expo\"; known: const, exp, uniform, lognormal, "
	    "gamma, weibull, pareto, normal, empirical, mix");
	bad("mix(0.5: const(1ms), 0.4: const(2ms))", PS_EPARSE,
	    "mix weights sum to 0.9, not 1");
	bad("mix(0.6: const(1ms), 0.6: const(2ms))", PS_EPARSE,
	    "mix weights sum to 1.2, not 1");
	bad("exp(10ms", PS_EPARSE, "missing \")\"");
	bad("mix(0.5: exp(1ms), 0.5: const(2ms)", PS_EPARSE, "missing \")\"");
	bad("uniform(-1ms, 2ms)", PS_EPARSE,
	    "bad duration \"-1ms\": must not be negative");
	bad("const(-3s)", PS_EPARSE, "bad duration \"-3s\": must not be negative");
	bad("mix(1.5: const(1ms), -0.5: const(1ms))", PS_EPARSE,
	    "weight \"1.5\" is outside [0, 1]");
	bad("uniform(5ms, 1ms)", PS_EPARSE, "A must not exceed B");
	bad("uniform(5ms)", PS_EPARSE, "expected uniform(A, B)");
	bad("const()", PS_EPARSE, "expected const(DURATION)");
	bad("exp(0)", PS_EPARSE, "the mean must be > 0");
	bad("exp(10)", PS_EPARSE, "a duration needs a unit: 10ms or 10s?");
	bad("uniform(0, 4)", PS_EPARSE, "a duration needs a unit: 4ms or 4s?");
	bad("lognormal(p50=10ms)", PS_EPARSE,
	    "expected lognormal(p50=D, p99=D) or lognormal(mean=D, sd=D)");
	bad("lognormal(p50=10ms, sd=1ms)", PS_EPARSE, "expected lognormal(");
	bad("lognormal(p50=10ms, p99=1ms)", PS_EPARSE, "need 0 < p50 <= p99");
	bad("gamma(mean=1ms, cv=0)", PS_EPARSE, "mean and cv must be > 0");
	bad("gamma(10ms, 0.5)", PS_EPARSE, "expected name=value, got \"10ms\"");
	bad("weibull(scale=1ms, k=2)", PS_EPARSE, "unknown parameter \"k\"");
	bad("pareto(xm=1ms, xm=2ms, alpha=3)", PS_EPARSE,
	    "parameter \"xm\" given twice");
	bad("normal(mean=1ms, sd=2 furlongs)", PS_EPARSE,
	    "bad duration \"2 furlongs\"");
	bad("exp(10ms) +", PS_EPARSE, "expected a distribution name");
	bad("exp(10ms) exp(1ms)", PS_EPARSE, "unexpected \"exp(1ms)\"");
	bad("exp(10ms))", PS_EPARSE, "unexpected \")\"");
	bad("exp 10ms", PS_EPARSE, "expected \"(\" after \"exp\"");
	bad("", PS_EPARSE, "expected a distribution name");
	bad("mix(const(1ms))", PS_EPARSE, "expected P: DIST");
	bad("mix(1: expo(1ms))", PS_EPARSE, "unknown distribution \"expo\"");
	bad("empirical(data/no_such_file.txt)", PS_EIO, "cannot open");
	bad("empirical()", PS_EPARSE, "expected empirical(FILE)");

	char deep[2048] = "";
	for (int i = 0; i < 40; i++)
		strcat(deep, "mix(1: ");
	strcat(deep, "const(1ms)");
	for (int i = 0; i < 40; i++)
		strcat(deep, ")");
	bad(deep, PS_EPARSE, "nested too deeply");
}

/* A bad line in an empirical file is reported as FILE:LINE. */
static void test_empirical_bad_line(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_dist.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof path, "%s/bad.txt", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("1ms\n# fine\n2ms\n3 weeks\n", f);
	fclose(f);

	char err[512], want[400];
	dist *d = NULL;
	assert_int_equal(dist_parse("empirical(bad.txt)", dir, &d, err, sizeof err),
			 PS_EPARSE);
	snprintf(want, sizeof want, "%s:4: column 1 (sample): bad duration "
		 "\"3 weeks\"", path);
	if (!strstr(err, want))
		fail_msg("message \"%s\" lacks \"%s\"", err, want);

	f = fopen(path, "w");
	fputs("# only comments\n\n", f);
	fclose(f);
	assert_int_equal(dist_parse("empirical(bad.txt)", dir, &d, err, sizeof err),
			 PS_EPARSE);
	assert_non_null(strstr(err, "no data rows"));

	/* An absolute path ignores basedir. */
	f = fopen(path, "w");
	fputs("2s\n", f);
	fclose(f);
	char text[300];
	snprintf(text, sizeof text, "empirical(%s)", path);
	assert_int_equal(dist_parse(text, "/nonexistent", &d, err, sizeof err), PS_OK);
	assert_true(dist_mean(d) == 2);
	dist_free(d);
	unlink(path);
	rmdir(dir);
}

/* dist_format's text parses back into the same law: same moments and the
 * same draws from the same stream; formatting again is a fixed point. */
static void test_round_trip(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"const(10ms)",
		"exp(20ms) + uniform(0, 1.1ms)",
		"mix(0.99: const(10ms), 0.01: const(5s))",
		"mix(0.25: lognormal(p50=10ms, p99=100ms), 0.75: lognormal(mean=3ms, sd=1ms)) + const(1ms)",
		"gamma(mean=10ms, cv=0.3) + weibull(scale=2ms, shape=0.7) + pareto(xm=1ms, alpha=2.5)",
		"mix(0.5: normal(mean=1ms, sd=2ms), 0.5: mix(0.1: exp(1s), 0.9: empirical(data/empirical_ms.txt)))",
	};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		dist *a = must_parse(texts[i]);
		char f1[1024], f2[1024];
		size_t need = dist_format(a, f1, sizeof f1);
		assert_true(need < sizeof f1 && strlen(f1) == need);
		dist *b = must_parse(f1);
		dist_format(b, f2, sizeof f2);
		assert_string_equal(f1, f2);
		assert_true(dist_mean(a) == dist_mean(b));
		assert_true(dist_var(a) == dist_var(b) ||
			    (isnan(dist_var(a)) && isnan(dist_var(b))));
		assert_int_equal(dist_is_const(a), dist_is_const(b));
		gsl_rng *ra = rng_stream(7, 0, "rt", texts[i]);
		gsl_rng *rb = rng_stream(7, 0, "rt", texts[i]);
		for (int k = 0; k < 1000; k++)
			assert_true(dist_sample(a, ra) == dist_sample(b, rb));
		gsl_rng_free(ra);
		gsl_rng_free(rb);
		/* A short buffer is cut but still NUL-terminated. */
		char small[8];
		assert_int_equal(dist_format(a, small, sizeof small), need);
		assert_int_equal(strlen(small), sizeof small - 1);
		dist_free(a);
		dist_free(b);
	}
}

/* dist_draw (the inline sampler) gives dist_sample's values, draw for
 * draw on the same stream, for the laws it inlines and for one it does
 * not. */
static void test_sampler(void **state)
{
	(void)state;
	static const char *const texts[] = { "exp(20ms)", "const(3ms)",
					     "lognormal(p50=10ms, p99=100ms)" };
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		dist *d = must_parse(texts[i]);
		dist_sampler ds;
		dist_sampler_init(&ds, d);
		gsl_rng *ra = rng_stream(9, 0, "sampler", texts[i]);
		gsl_rng *rb = rng_stream(9, 0, "sampler", texts[i]);
		for (int k = 0; k < 10000; k++)
			assert_true(dist_sample(d, ra) == dist_draw(&ds, rb));
		gsl_rng_free(ra);
		gsl_rng_free(rb);
		dist_free(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_const),
		cmocka_unit_test(test_sampler),
		cmocka_unit_test(test_exp),
		cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_lognormal),
		cmocka_unit_test(test_gamma),
		cmocka_unit_test(test_weibull),
		cmocka_unit_test(test_pareto),
		cmocka_unit_test(test_normal),
		cmocka_unit_test(test_empirical),
		cmocka_unit_test(test_mix),
		cmocka_unit_test(test_sum),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_empirical_bad_line),
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
