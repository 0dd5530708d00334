/*
 * test_workload.c — arrival processes against Poisson-process facts.
 *
 * Counts of a Poisson process over an interval are Poisson(integral of the
 * rate), so each count must lie within 5 sqrt(mean) of the integral:
 * homogeneous (rate*T), per step (rate*duration), and for the ramp the
 * trapezoid integrals over the whole ramp and each half. Inter-arrival
 * gaps must have mean 1/rate and squared CV 1. Traces replay bit for bit;
 * streams are addressed (same seed = same numbers, other entity = others).
 * Runs in well under a second at -O2.
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

#include "../models/workload.h"
#include "../sim/ps.h"

#define Z 5.0

static void parse_ok(const char *text, const char *basedir, wl_spec *w)
{
	char err[512] = "";
	if (wl_parse(text, basedir, w, err, sizeof err) != PS_OK)
		fail_msg("\"%s\" refused: %s", text, err);
}

static void parse_bad(const char *text, const char *basedir, int code,
		      const char *msg)
{
	char err[512] = "";
	wl_spec w;
	int rc = wl_parse(text, basedir, &w, err, sizeof err);
	if (rc != code)
		fail_msg("\"%s\": rc %d, want %d (%s)", text, rc, code, err);
	if (!strstr(err, msg))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", text, err, msg);
	/* The spec is left empty, so fini after a failure is harmless. */
	assert_null(w.steps);
	assert_null(w.trace_t);
	assert_null(w.think);
	wl_spec_fini(&w);
}

static void near(double got, double want, double tol, const char *what)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("%s: %.9g, want %.9g +- %.3g (%.1f tol)", what, got,
			 want, tol, (got - want) / tol);
}

/* ---- parsing ----------------------------------------------------------------- */

static void test_parse(void **state)
{
	(void)state;
	wl_spec w;
	parse_ok("poisson(100/s)", NULL, &w);
	assert_int_equal(w.kind, WL_POISSON);
	assert_true(w.rate == 100 && wl_mean_rate(&w) == 100);
	wl_spec_fini(&w);

	parse_ok(" const( 120/m ) ", NULL, &w);
	assert_int_equal(w.kind, WL_CONST);
	assert_true(w.rate == 2);
	wl_spec_fini(&w);

	parse_ok("burst(10000)", NULL, &w);
	assert_int_equal(w.kind, WL_BURST);
	assert_int_equal(w.burst_n, 10000);
	assert_true(wl_mean_rate(&w) == 0);
	wl_spec_fini(&w);

	parse_ok("steps(100/s for 10s, 0/s for 5s, 600/m for 1m)", NULL, &w);
	assert_int_equal(w.kind, WL_STEPS);
	assert_int_equal(w.n_steps, 3);
	assert_true(w.steps[0].rate == 100 && w.steps[0].dur == 10);
	assert_true(w.steps[1].rate == 0 && w.steps[1].dur == 5);
	assert_true(w.steps[2].rate == 10 && w.steps[2].dur == 60);
	near(wl_mean_rate(&w), (1000 + 600) / 75.0, 1e-12, "steps mean rate");
	wl_spec_fini(&w);

	parse_ok("ramp(100/s, 5000/s, 60s)", NULL, &w);
	assert_int_equal(w.kind, WL_RAMP);
	assert_true(w.ramp_from == 100 && w.ramp_to == 5000 && w.ramp_dur == 60);
	assert_true(wl_mean_rate(&w) == 2550);
	wl_spec_fini(&w);

	parse_ok("closed(8, think=mix(0.5: exp(10ms), 0.5: const(1ms)))", NULL, &w);
	assert_int_equal(w.kind, WL_CLOSED);
	assert_int_equal(w.closed_n, 8);
	assert_non_null(w.think);
	near(dist_mean(w.think), 0.0055, 1e-15, "think mean");
	wl_spec_fini(&w);

	parse_ok("closed(128, think=0)", NULL, &w);
	assert_int_equal(w.closed_n, 128);
	assert_null(w.think);
	wl_spec_fini(&w);

	parse_ok("closed(4, think = 20ms)", NULL, &w);
	assert_true(dist_is_const(w.think) && dist_mean(w.think) == 0.020);
	wl_spec_fini(&w);

	parse_ok("closed(3)", NULL, &w);
	assert_null(w.think);
	wl_spec_fini(&w);
	wl_spec_fini(NULL);
}

static void test_parse_errors(void **state)
{
	(void)state;
	parse_bad("poison(100/s)", NULL, PS_EPARSE,
		  "bad arrival \"poison(100/s)\": unknown arrival process \"poison\"; "
		  "known: poisson, const, burst, steps, ramp, trace, rate, closed");
	parse_bad("poisson(100/d)", NULL, PS_EPARSE,
		  "bad rate \"100/d\": expected a number with /s, /m or /h");
	parse_bad("poisson(0/s)", NULL, PS_EPARSE, "the rate must be > 0");
	parse_bad("poisson(5/s", NULL, PS_EPARSE, "missing \")\"");
	parse_bad("poisson(5/s) + 1", NULL, PS_EPARSE, "unexpected \"+ 1\"");
	parse_bad("poisson()", NULL, PS_EPARSE, "expected poisson(RATE)");
	parse_bad("const(1/s, 2/s)", NULL, PS_EPARSE, "expected const(RATE)");
	parse_bad("burst(0)", NULL, PS_EPARSE, "\"0\" is not a whole number");
	parse_bad("burst(2.5)", NULL, PS_EPARSE, "\"2.5\" is not a whole number");
	parse_bad("steps(100/s 10s)", NULL, PS_EPARSE,
		  "step \"100/s 10s\": expected RATE for DURATION");
	parse_bad("steps(100/s for -1s)", NULL, PS_EPARSE,
		  "bad duration \"-1s\": must not be negative");
	parse_bad("steps(100/s for 0s)", NULL, PS_EPARSE, "the duration must be > 0");
	parse_bad("steps(10/s for 1s, 5 per s for 1s)", NULL, PS_EPARSE,
		  "bad rate \"5 per s\"");
	parse_bad("ramp(1/s, 2/s)", NULL, PS_EPARSE,
		  "expected ramp(RATE, RATE, DURATION)");
	parse_bad("ramp(1/s, 2/s, 0s)", NULL, PS_EPARSE, "duration must be > 0");
	parse_bad("closed(0, think=1ms)", NULL, PS_EPARSE, "\"0\" is not a whole number");
	parse_bad("closed(2, wait=1ms)", NULL, PS_EPARSE,
		  "expected think=DIST, got \"wait=1ms\"");
	parse_bad("closed(2, think=expo(1ms))", NULL, PS_EPARSE,
		  "unknown distribution \"expo\"");
	parse_bad("100/s", NULL, PS_EPARSE, "bad arrival \"100/s\"");
	parse_bad("trace(/nonexistent/dir/t.csv)", NULL, PS_EIO,
		  "cannot open \"/nonexistent/dir/t.csv\"");
}

/* ---- traces -------------------------------------------------------------------- */

typedef struct tmpdir {
	char dir[64];
	char path[128];
} tmpdir;

static void write_trace(tmpdir *d, const char *body)
{
	if (!d->dir[0]) {
		strcpy(d->dir, "/tmp/test_workload.XXXXXX");
		assert_non_null(mkdtemp(d->dir));
		snprintf(d->path, sizeof d->path, "%s/t.csv", d->dir);
	}
	FILE *f = fopen(d->path, "w");
	assert_non_null(f);
	fputs(body, f);
	fclose(f);
}

static void trace_bad(tmpdir *d, const char *body, int line, const char *msg)
{
	write_trace(d, body);
	char want[256], err[512] = "";
	wl_spec w;
	assert_int_equal(wl_parse("trace(t.csv)", d->dir, &w, err, sizeof err),
			 PS_EPARSE);
	if (line)
		snprintf(want, sizeof want, "%s:%d: %s", d->path, line, msg);
	else
		snprintf(want, sizeof want, "%s: %s", d->path, msg);
	if (!strstr(err, want))
		fail_msg("message \"%s\" lacks \"%s\"", err, want);
	assert_null(w.trace_t);
}

static void test_trace(void **state)
{
	(void)state;
	tmpdir d = { "", "" };
	wl_spec w;
	double t, work;

	/* Times only: work is NAN, replay is exact, then nothing. */
	write_trace(&d, "# recorded 2024-01-01\n0\n0.5\n\n0.5\n  1.25 \n3\n");
	parse_ok("trace(t.csv)", d.dir, &w);
	assert_int_equal(w.kind, WL_TRACE);
	assert_int_equal(w.trace_n, 5);
	assert_null(w.trace_work);
	near(wl_mean_rate(&w), 5 / 3.0, 1e-15, "trace mean rate");
	static const double want_t[] = { 0, 0.5, 0.5, 1.25, 3 };
	wl_gen *g = wl_gen_new(&w, 1, 0, "arrival");
	for (int i = 0; i < 5; i++) {
		assert_int_equal(wl_gen_next(g, &t, &work), 1);
		assert_true(t == want_t[i]);
		assert_true(isnan(work));
	}
	assert_int_equal(wl_gen_next(g, &t, &work), 0);
	assert_int_equal(wl_gen_next(g, &t, &work), 0);
	wl_gen_free(g);
	wl_spec_fini(&w);

	/* Times and work (units allowed, CRLF line ends tolerated). */
	write_trace(&d, "0.001, 0.02\r\n0.002,5ms\r\n10ms , 1e-3\r\n");
	char text[200];
	snprintf(text, sizeof text, "trace(%s)", d.path);   /* absolute path */
	parse_ok(text, "/elsewhere", &w);
	assert_int_equal(w.trace_n, 3);
	assert_non_null(w.trace_work);
	static const double wt[] = { 0.001, 0.002, 0.010 };
	static const double ww[] = { 0.02, 0.005, 0.001 };
	g = wl_gen_new(&w, 99, 3, "tenant/x");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(wl_gen_next(g, &t, &work), 1);
		assert_true(t == wt[i] && work == ww[i]);
	}
	assert_int_equal(wl_gen_next(g, &t, &work), 0);
	wl_gen_free(g);
	wl_spec_fini(&w);

	/* The repository's sample trace. */
	const char *td = getenv("POOLSIM_TESTS");
	parse_ok("trace(data/trace_small.csv)", td && *td ? td : "tests", &w);
	assert_int_equal(w.trace_n, 8);
	assert_non_null(w.trace_work);
	wl_spec_fini(&w);

	/* A header, a UTF-8 byte-order mark and CRLF, as spreadsheets write. */
	write_trace(&d, "\xEF\xBB\xBF" "arrival,work\r\n0,1ms\r\n0.5,2ms\r\n");
	parse_ok("trace(t.csv)", d.dir, &w);
	assert_int_equal(w.trace_n, 2);
	assert_true(w.trace_t[1] == 0.5 && w.trace_work[1] == 0.002);
	wl_spec_fini(&w);

	trace_bad(&d, "0\n1\n0.5\n", 3,
		  "column 1 (arrival): 0.5 s is before the previous arrival (1 s)");
	trace_bad(&d, "# header\n0, 1ms\n\n1\n", 4,
		  "1 column, but the first row has 2: every row needs arrival and work");
	trace_bad(&d, "0\n1, 2ms\n", 2, "2 columns, but the first row has 1");
	trace_bad(&d, "0, 1, 2\n", 1, "3 columns; expected at most arrival and work");
	trace_bad(&d, "time\n0,1\n", 2, "2 columns, but the header has 1");
	trace_bad(&d, "0\n1\nabc\n", 3, "column 1 (arrival): bad duration \"abc\"");
	trace_bad(&d, "0, -1ms\n", 1,
		  "column 2 (work): bad duration \"-1ms\": must not be negative");
	trace_bad(&d, "time,work\n0,1\nx,2\n", 3, "column 1 (arrival): bad duration \"x\"");
	trace_bad(&d, "# nothing\n\n", 0, "no data rows");
	trace_bad(&d, "arrival,work\n", 0, "no data rows");
	unlink(d.path);
	rmdir(d.dir);
}

/* ---- generators ------------------------------------------------------------------ */

static void test_poisson(void **state)
{
	(void)state;
	wl_spec w;
	parse_ok("poisson(1000/s)", NULL, &w);
	wl_gen *g = wl_gen_new(&w, 42, 0, "arrival");
	double t, work, prev = 0, T = 100;
	long n_in_T = 0, n = 0;
	double s1 = 0, s2 = 0;
	/* Counts per 0.1 s window over [0, T]: Poisson, so variance = mean. */
	enum { WINDOWS = 1000 };
	static long win[WINDOWS];
	memset(win, 0, sizeof win);
	/* Gaps over the first 200k arrivals; count of those in [0, T]. */
	for (n = 0; n < 200000; n++) {
		assert_int_equal(wl_gen_next(g, &t, &work), 1);
		assert_true(t >= prev && isnan(work));
		double gap = t - prev;
		s1 += gap;
		s2 += gap * gap;
		prev = t;
		n_in_T += t <= T;
		if (t < T)
			win[(int)(t / (T / WINDOWS))]++;
	}
	wl_gen_free(g);
	wl_spec_fini(&w);
	near((double)n_in_T, 1000 * T, Z * sqrt(1000 * T), "poisson count in [0, T]");
	double mean = s1 / n, var = s2 / n - mean * mean;
	near(mean, 1e-3, Z * 1e-3 / sqrt(n), "poisson inter-arrival mean");
	/* Exp gaps: CV^2 = 1; the variance of a sample variance of Exp(1) is
	 * (mu4 - 1)/n = 8/n. */
	near(var / (mean * mean), 1, Z * sqrt(8.0 / n), "poisson gap CV^2");
	/* Index of dispersion; its SE is about sqrt(2/(k-1)) for k windows. */
	double wm = 0, wv = 0;
	for (int i = 0; i < WINDOWS; i++)
		wm += (double)win[i];
	wm /= WINDOWS;
	for (int i = 0; i < WINDOWS; i++)
		wv += ((double)win[i] - wm) * ((double)win[i] - wm);
	wv /= WINDOWS - 1;
	near(wv / wm, 1, Z * sqrt(2.0 / (WINDOWS - 1)), "poisson dispersion");
}

static void test_const_burst(void **state)
{
	(void)state;
	wl_spec w;
	double t, work;
	parse_ok("const(3/s)", NULL, &w);
	wl_gen *g = wl_gen_new(&w, 1, 0, "arrival");
	for (int i = 1; i <= 3000000; i++) {
		assert_int_equal(wl_gen_next(g, &t, &work), 1);
		if (t != i / 3.0)
			fail_msg("const arrival %d at %.17g, want %.17g", i, t, i / 3.0);
	}
	wl_gen_free(g);
	wl_spec_fini(&w);

	parse_ok("burst(5)", NULL, &w);
	g = wl_gen_new(&w, 1, 0, "arrival");
	for (int i = 0; i < 5; i++) {
		assert_int_equal(wl_gen_next(g, &t, &work), 1);
		assert_true(t == 0 && isnan(work));
	}
	assert_int_equal(wl_gen_next(g, &t, &work), 0);
	assert_int_equal(wl_gen_next(g, &t, &work), 0);
	wl_gen_free(g);
	wl_spec_fini(&w);
}

static void test_steps(void **state)
{
	(void)state;
	wl_spec w;
	parse_ok("steps(1000/s for 10s, 0/s for 5s, 200/s for 20s, 5000/s for 2s)",
		 NULL, &w);
	static const double rate[] = { 1000, 0, 200, 5000 };
	static const double lo[] = { 0, 10, 15, 35 }, hi[] = { 10, 15, 35, 37 };
	long cnt[4] = { 0 };
	for (uint32_t rep = 0; rep < 3; rep++) {
		wl_gen *g = wl_gen_new(&w, 7, rep, "arrival");
		double t, work, prev = 0;
		long c[4] = { 0 };
		while (wl_gen_next(g, &t, &work)) {
			assert_true(t >= prev && t <= 37);
			prev = t;
			int k = 0;
			while (k < 3 && t >= hi[k])
				k++;
			c[k]++;
		}
		assert_int_equal(wl_gen_next(g, &t, &work), 0);
		wl_gen_free(g);
		for (int k = 0; k < 4; k++) {
			double m = rate[k] * (hi[k] - lo[k]);
			char what[64];
			snprintf(what, sizeof what, "rep %u step %d count", rep, k);
			near((double)c[k], m, Z * sqrt(m) + 1e-9, what);
			cnt[k] += c[k];
		}
	}
	assert_int_equal(cnt[1], 0);   /* the quiet step */
	wl_spec_fini(&w);

	/* A process that ends quiet: nothing after the last busy step. */
	parse_ok("steps(0/s for 1s, 10/s for 1s, 0/s for 100s)", NULL, &w);
	wl_gen *g = wl_gen_new(&w, 1, 0, "arrival");
	double t, work;
	long n = 0;
	while (wl_gen_next(g, &t, &work)) {
		assert_true(t >= 1 && t <= 2);
		n++;
	}
	assert_true(n > 0);
	wl_gen_free(g);
	wl_spec_fini(&w);
}

static void check_ramp(const char *text, double r0, double r1, double D,
		       uint64_t seed)
{
	wl_spec w;
	parse_ok(text, NULL, &w);
	wl_gen *g = wl_gen_new(&w, seed, 0, "arrival");
	double t, work, prev = 0;
	long first = 0, second = 0;
	while (wl_gen_next(g, &t, &work)) {
		assert_true(t >= prev && t <= D && isnan(work));
		prev = t;
		if (t < D / 2)
			first++;
		else
			second++;
	}
	wl_gen_free(g);
	wl_spec_fini(&w);
	/* Integrals of r0 + (r1-r0) t/D over [0, D/2] and [D/2, D]. */
	double total = (r0 + r1) / 2 * D;
	double m1 = r0 * D / 2 + (r1 - r0) * D / 8;
	double m2 = total - m1;
	near((double)(first + second), total, Z * sqrt(total), "ramp total");
	near((double)first, m1, Z * sqrt(m1), "ramp first half");
	near((double)second, m2, Z * sqrt(m2), "ramp second half");
}

static void test_ramp(void **state)
{
	(void)state;
	/* Exercise 19's load ramp, up and back down. */
	check_ramp("ramp(100/s, 5000/s, 20s)", 100, 5000, 20, 5);
	check_ramp("ramp(5000/s, 0/s, 10s)", 5000, 0, 10, 6);
	check_ramp("ramp(300/s, 300/s, 30s)", 300, 300, 30, 7);
	/* Zero everywhere: no arrivals at all. */
	wl_spec w;
	parse_ok("ramp(0/s, 0/s, 10s)", NULL, &w);
	wl_gen *g = wl_gen_new(&w, 1, 0, "arrival");
	double t, work;
	assert_int_equal(wl_gen_next(g, &t, &work), 0);
	wl_gen_free(g);
	wl_spec_fini(&w);
}

/* ---- rate(FILE, options) ------------------------------------------------- */

/* The integral over [a, b] of the piecewise-linear rate through the knots
 * (kt, kr), 0 outside them: exact (trapezoids split at the knots). */
static double lin_integral(const double *kt, const double *kr, int n,
			   double a, double b)
{
	double s = 0;
	for (int i = 0; i + 1 < n; i++) {
		double lo = fmax(a, kt[i]), hi = fmin(b, kt[i + 1]);
		if (hi <= lo)
			continue;
		double k = (kr[i + 1] - kr[i]) / (kt[i + 1] - kt[i]);
		double r0 = kr[i] + k * (lo - kt[i]), r1 = kr[i] + k * (hi - kt[i]);
		s += (r0 + r1) / 2 * (hi - lo);
	}
	return s;
}

/* Counts of the spec's arrivals in nb equal bins of [0, T] against the
 * integrals of the knots' linear rate (scaled), over three replications;
 * nothing after T. */
static void check_linear(const wl_spec *w, const double *kt, const double *kr,
			 int n, double T, double scale, const char *what)
{
	enum { NB = 12 };
	for (uint32_t rep = 0; rep < 3; rep++) {
		long c[NB] = { 0 };
		wl_gen *g = wl_gen_new(w, 11, rep, "arrival");
		double t, work, prev = 0;
		while (wl_gen_next(g, &t, &work)) {
			assert_true(t >= prev && t <= T + 1e-9);
			prev = t;
			int b = (int)(t / T * NB);
			c[b < NB ? b : NB - 1]++;
		}
		wl_gen_free(g);
		for (int b = 0; b < NB; b++) {
			double m = scale * lin_integral(kt, kr, n, b * T / NB,
							(b + 1) * T / NB);
			char msg[96];
			snprintf(msg, sizeof msg, "%s rep %u bin %d", what, rep, b);
			near((double)c[b], m, Z * sqrt(m) + 1e-9, msg);
		}
	}
}

static void write_file(tmpdir *d, const char *name, const char *body)
{
	if (!d->dir[0]) {
		strcpy(d->dir, "/tmp/test_workload.XXXXXX");
		assert_non_null(mkdtemp(d->dir));
	}
	char path[256];
	snprintf(path, sizeof path, "%s/%s", d->dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(body, f);
	fclose(f);
}

static void test_rate_file(void **state)
{
	(void)state;
	tmpdir d = { "", "" };
	wl_spec w;
	static const double kt[] = { 0, 10, 20, 30 };
	static const double kr[] = { 100, 5000, 0, 300 };
	write_file(&d, "r.csv", "t,rate\n0,100\n10,5000\n20,0\n30,300\n");
	/* the same four samples as Prometheus writes them, a second series
	 * beside them, times from an arbitrary epoch */
	write_file(&d, "r.json",
		   "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
		   "\"result\":[{\"metric\":{\"job\":\"other\"},\"values\":"
		   "[[1700000000,\"1\"],[1700000010,\"1\"]]},"
		   "{\"metric\":{\"job\":\"api\"},\"values\":"
		   "[[1700000000.5,\"100\"],[1700000010.5,\"5000\"],"
		   "[1700000020.5,\"0\"],[1700000030.5,\"300\"]]}]}}");

	/* linear: straight lines between the rows, ending at the last */
	parse_ok("rate(r.csv, interp=linear)", d.dir, &w);
	assert_int_equal(w.linear, 1);
	near(wl_profile_end(&w), 30, 1e-12, "linear end");
	near(wl_profile_expected(&w, 30), lin_integral(kt, kr, 4, 0, 30), 1e-9,
	     "linear expected");
	near(wl_profile_expected(&w, 15), lin_integral(kt, kr, 4, 0, 15), 1e-9,
	     "linear expected at 15 s");
	near(wl_mean_rate(&w), lin_integral(kt, kr, 4, 0, 30) / 30, 1e-9,
	     "linear mean rate");
	check_linear(&w, kt, kr, 4, 30, 1, "linear");
	wl_spec_fini(&w);

	parse_ok("rate(r.json, series={job=\"api\"}, interp=linear)", d.dir, &w);
	check_linear(&w, kt, kr, 4, 30, 1, "json linear");
	wl_spec_fini(&w);

	/* a window and a scale: [5 s, 25 s) of it, doubled, from 0 */
	parse_ok("rate(r.csv, interp=linear, from=5s, to=25s, scale=2)", d.dir,
		 &w);
	static const double ct[] = { 0, 5, 15, 20 };
	static const double cr[] = { 2550, 5000, 0, 150 };
	near(wl_profile_end(&w), 20, 1e-12, "window end");
	check_linear(&w, ct, cr, 4, 20, 2, "window");
	wl_spec_fini(&w);

	/* step (the default) keeps its meaning: 100, 5000, 0, 300 for 10 s
	 * each; its window cuts the steps */
	parse_ok("rate(r.json, series={job=\"api\"}, from=15s)", d.dir, &w);
	assert_int_equal(w.linear, 0);
	near(wl_profile_end(&w), 25, 1e-12, "step window end");
	near(wl_profile_expected(&w, 25), 5000 * 5 + 0 * 10 + 300 * 10,
	     1e-9, "step window integral");
	wl_spec_fini(&w);

	/* errors: the window past the end, the series ambiguous or unknown,
	 * a CSV given a series */
	parse_bad("rate(r.csv, to=50s)", d.dir, PS_EPARSE,
		  "to=50 s is past the profile's end (40 s)");
	parse_bad("rate(r.csv, interp=linear, from=30s)", d.dir, PS_EPARSE,
		  "from=30 s is past the profile's end (30 s)");
	parse_bad("rate(r.csv, from=10s, to=5s)", d.dir, PS_EPARSE,
		  "from=10 s must be before to=5 s");
	parse_bad("rate(r.csv, to=5)", d.dir, PS_EPARSE, "needs a unit");
	parse_bad("rate(r.csv, scale=0)", d.dir, PS_EPARSE, "must be > 0");
	parse_bad("rate(r.csv, speed=2)", d.dir, PS_EPARSE,
		  "unknown option \"speed=2\"");
	parse_bad("rate(r.json)", d.dir, PS_EPARSE,
		  "data.result holds 2 series; pick one with "
		  "series={label=\"value\"}: {job=\"other\"}; {job=\"api\"}");
	parse_bad("rate(r.json, series={job=\"web\"})", d.dir, PS_EPARSE,
		  "no series of data.result matches");
	parse_bad("rate(r.csv, series={job=\"api\"})", d.dir, PS_EPARSE,
		  "this file is CSV");
	parse_bad("rate(r.json, series={job=~\"api\"})", d.dir, PS_EPARSE,
		  "equality only");

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", d.dir);
	assert_int_equal(system(cmd), 0);
}

/* Common random numbers and addressed streams. */
static void test_streams(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"poisson(50/s)", "steps(10/s for 1s, 80/s for 2s)",
		"ramp(10/s, 90/s, 3s)",
	};
	for (size_t k = 0; k < 3; k++) {
		wl_spec w;
		parse_ok(texts[k], NULL, &w);
		wl_gen *a = wl_gen_new(&w, 2024, 1, "tenant/alpha");
		wl_gen *b = wl_gen_new(&w, 2024, 1, "tenant/alpha");
		wl_gen *c = wl_gen_new(&w, 2024, 1, "tenant/beta");
		wl_gen *e = wl_gen_new(&w, 2024, 2, "tenant/alpha");
		double ta, tb, tc, te, work;
		int same_c = 0, same_e = 0, n = 0;
		while (n < 5000 && wl_gen_next(a, &ta, &work)) {
			assert_int_equal(wl_gen_next(b, &tb, &work), 1);
			assert_true(ta == tb);
			same_c += wl_gen_next(c, &tc, &work) && tc == ta;
			same_e += wl_gen_next(e, &te, &work) && te == ta;
			n++;
		}
		if (k > 0)   /* poisson never ends; the others must end together */
			assert_int_equal(wl_gen_next(b, &tb, &work), 0);
		assert_true(n > 20);
		assert_true(same_c == 0 && same_e == 0);
		wl_gen_free(a);
		wl_gen_free(b);
		wl_gen_free(c);
		wl_gen_free(e);
		wl_spec_fini(&w);
	}
	wl_gen_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_trace),
		cmocka_unit_test(test_poisson),
		cmocka_unit_test(test_const_burst),
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_ramp),
		cmocka_unit_test(test_rate_file),
		cmocka_unit_test(test_streams),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
