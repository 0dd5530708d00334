/*
 * workload.c — arrival processes: parsing `arrival = ...` text into a
 * wl_spec (model.h) and generating the arrival times of one run.
 *
 * Workload: wl_parse runs once per configuration, O(text) plus O(lines)
 * for a trace file. wl_gen_next is called once per task — up to tens of
 * millions per run — and is O(1) amortised: one exponential draw for
 * poisson and steps (a quiet or exhausted step is skipped in O(1) each),
 * an expected max(R0,R1)/mean-rate candidates for the thinned ramp, and an
 * array read for traces.
 *
 * steps uses the time-change view of a Poisson process: one Exp(1) draw is
 * spent against the integrated rate, crossing step boundaries as needed.
 * By memorylessness this is exactly a Poisson process with piecewise-
 * constant rate, and it uses one draw per arrival, so the same seed gives
 * the same arrivals when only a later step is edited.
 */
#include "../sim/span.h"
#include "workload.h"
#include "profile.h"
#include "../sim/csv.h"
#include "../sim/ps.h"
#include "../sim/rng.h"
#include "../sim/units.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KNOWN "poisson, const, burst, steps, ramp, trace, rate, closed"
#define MAX_ARGS 256

/* A whole count >= 1, e.g. burst(10000) or closed(64). */
static int span_count(span sp, long max, long *out, char *err, size_t errlen)
{
	double v;
	int rc = span_parse_unit(sp, unit_number, &v, err, errlen);
	if (rc)
		return rc;
	if (v < 1 || v != floor(v) || v > (double)max)
		return ps_err(err, errlen, PS_EPARSE,
			      "\"%.*s\" is not a whole number from 1 to %ld",
			      sp.len, sp.s, max);
	*out = (long)v;
	return PS_OK;
}

/* CSV, one task a row: "arrival" or "arrival, work", seconds (units
 * allowed; sim/csv.h: a header, a byte-order mark and CRLF are fine). The
 * first row fixes the column count, so a trace is either all-work or
 * no-work, never half. */
static int trace_row(const double *row, const double *prev, int ncols,
		     char *err, size_t errlen)
{
	if (prev && row[0] < prev[0])
		return ps_err(err, errlen, PS_EPARSE,
			      "column 1 (arrival): %.9g s is before the previous "
			      "arrival (%.9g s); times must not decrease",
			      row[0], prev[0]);
	return PS_OK;
}

static const char *const trace_names[] = { "arrival", "work" };
static const csv_shape trace_shape = { 1, 2, trace_names, trace_row };

static int load_trace(const char *path, csv_cache *files, wl_spec *w,
		      char *err, size_t errlen)
{
	int rc = csv_cache_get(files, path, &trace_shape, &w->trace_file, err,
			       errlen);
	if (rc)
		return rc;
	w->trace_t = w->trace_file->col[0];
	w->trace_work = w->trace_file->ncols == 2 ? w->trace_file->col[1] : NULL;
	w->trace_n = w->trace_file->nrows;
	return PS_OK;
}

/* rate(FILE, options) as steps (profile.h): row i's rate from t[i] to
 * t[i+1], the last row's for the gap before it, rate 0 from 0 to the first
 * t; with interp=linear, straight lines between rows. The generator is
 * then steps' (exact inversion of the integrated rate, linear pieces
 * included). */
static int load_rate(const span *args, int nargs, const char *basedir,
		     csv_cache *files, wl_spec *w, char *err, size_t errlen)
{
	profile p;
	int rc = prof_file(args, nargs, basedir, files, PROF_RATE, &p, err,
			   errlen);
	if (rc)
		return rc;
	w->steps = calloc((size_t)p.n, sizeof *w->steps);
	if (!w->steps) {
		prof_fini(&p);
		return ps_err(err, errlen, PS_ENOMEM, "out of memory");
	}
	for (int i = 0; i < p.n; i++)
		w->steps[i] = (wl_step){ p.seg[i].v0, p.seg[i].dur,
					 p.seg[i].v1 };
	w->n_steps = p.n;
	w->rate_file = 1;
	w->linear = p.linear;
	prof_fini(&p);
	return PS_OK;
}

/* Splits "RATE for D" at the word "for". */
static int parse_step(span a, wl_step *st, char *err, size_t errlen)
{
	const char *p = NULL;
	for (int i = 1; i + 4 <= a.len; i++)
		if (isspace((unsigned char)a.s[i - 1]) &&
		    memcmp(a.s + i, "for", 3) == 0 &&
		    (i + 3 == a.len || isspace((unsigned char)a.s[i + 3]))) {
			p = a.s + i;
			break;
		}
	if (!p)
		return ps_err(err, errlen, PS_EPARSE,
			      "step \"%.*s\": expected RATE for DURATION", a.len, a.s);
	span r = span_trim(a.s, (size_t)(p - a.s));
	span d = span_trim(p + 3, (size_t)(a.s + a.len - p - 3));
	int rc = span_parse_unit(r, unit_rate, &st->rate, err, errlen);
	if (!rc)
		rc = span_parse_unit(d, unit_time, &st->dur, err, errlen);
	if (!rc && !(st->dur > 0))
		rc = ps_err(err, errlen, PS_EPARSE,
			    "step \"%.*s\": the duration must be > 0", a.len, a.s);
	return rc;
}

static int parse_inner(const char *text, const char *basedir,
		       csv_cache *files, wl_spec *w, char *err, size_t errlen)
{
	const char *p = text;
	while (isspace((unsigned char)*p))
		p++;
	const char *name = p;
	while (isalpha((unsigned char)*p))
		p++;
	int nlen = (int)(p - name);
	if (nlen == 0)
		return ps_err(err, errlen, PS_EPARSE,
			      "expected one of " KNOWN);
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '(')
		return ps_err(err, errlen, PS_EPARSE,
			      "expected \"(\" after \"%.*s\"", nlen, name);
	/* Arguments split at commas outside parentheses, braces and quotes
	 * (think=DIST and series={...} may hold commas of their own). */
	span args[MAX_ARGS];
	int nargs, rc;
	if ((rc = prof_split_args(p + 1, args, MAX_ARGS, &nargs, &p, err,
				  errlen)))
		return rc;
	for (; isspace((unsigned char)*p); p++)
		;
	if (*p)
		return ps_err(err, errlen, PS_EPARSE,
			      "unexpected \"%s\" after \")\"", p);

#define IS(s) (nlen == (int)strlen(s) && memcmp(name, s, (size_t)nlen) == 0)
#define NARGS(lo, hi, form)                                                \
	do {                                                               \
		if (nargs < (lo) || nargs > (hi))                          \
			return ps_err(err, errlen, PS_EPARSE,              \
				      "expected " form);                   \
	} while (0)
	if (IS("poisson") || IS("const")) {
		w->kind = IS("poisson") ? WL_POISSON : WL_CONST;
		if (w->kind == WL_POISSON)
			NARGS(1, 1, "poisson(RATE)");
		else
			NARGS(1, 1, "const(RATE)");
		if ((rc = span_parse_unit(args[0], unit_rate, &w->rate, err, errlen)))
			return rc;
		if (!(w->rate > 0))
			return ps_err(err, errlen, PS_EPARSE,
				      "the rate must be > 0");
	} else if (IS("burst")) {
		w->kind = WL_BURST;
		NARGS(1, 1, "burst(N)");
		return span_count(args[0], 1L << 40, &w->burst_n, err, errlen);
	} else if (IS("steps")) {
		w->kind = WL_STEPS;
		NARGS(1, MAX_ARGS, "steps(RATE for D, RATE for D, ...)");
		w->steps = calloc((size_t)nargs, sizeof *w->steps);
		if (!w->steps)
			return ps_err(err, errlen, PS_ENOMEM, "out of memory");
		for (int i = 0; i < nargs; i++) {
			if ((rc = parse_step(args[i], &w->steps[i], err, errlen)))
				return rc;
			w->n_steps++;
		}
	} else if (IS("ramp")) {
		w->kind = WL_RAMP;
		NARGS(3, 3, "ramp(RATE, RATE, DURATION)");
		if ((rc = span_parse_unit(args[0], unit_rate, &w->ramp_from, err, errlen)) ||
		    (rc = span_parse_unit(args[1], unit_rate, &w->ramp_to, err, errlen)) ||
		    (rc = span_parse_unit(args[2], unit_time, &w->ramp_dur, err, errlen)))
			return rc;
		if (!(w->ramp_dur > 0))
			return ps_err(err, errlen, PS_EPARSE,
				      "the ramp's duration must be > 0");
	} else if (IS("trace")) {
		w->kind = WL_TRACE;
		NARGS(1, 1, "trace(FILE)");
		span f = args[0];
		if (f.len >= 2 && f.s[0] == '"' && f.s[f.len - 1] == '"')
			f = (span){ f.s + 1, f.len - 2 };
		char *path = span_path(basedir, f);
		if (!path)
			return ps_err(err, errlen, PS_ENOMEM, "out of memory");
		rc = load_trace(path, files, w, err, errlen);
		free(path);
		return rc;
	} else if (IS("rate")) {
		w->kind = WL_STEPS;
		if (nargs < 1)
			return ps_err(err, errlen, PS_EPARSE,
				      "expected rate(FILE, scale=X, from=D, "
				      "to=D, interp=step|linear, "
				      "series={label=\"value\"})");
		return load_rate(args, nargs, basedir, files, w, err, errlen);
	} else if (IS("closed")) {
		w->kind = WL_CLOSED;
		NARGS(1, 2, "closed(N, think=DIST)");
		long n;
		if ((rc = span_count(args[0], 1L << 30, &n, err, errlen)))
			return rc;
		w->closed_n = (int)n;
		if (nargs == 2) {
			span a = args[1];
			if (a.len < 6 || memcmp(a.s, "think", 5) != 0 ||
			    *span_trim(a.s + 5, (size_t)a.len - 5).s != '=')
				return ps_err(err, errlen, PS_EPARSE,
					      "expected think=DIST, got \"%.*s\"",
					      a.len, a.s);
			span ds = span_trim(a.s + 5, (size_t)a.len - 5);
			ds = span_trim(ds.s + 1, (size_t)ds.len - 1);
			char *dt = span_dup(ds);
			if (!dt)
				return ps_err(err, errlen, PS_ENOMEM, "out of memory");
			/* closed(128, think=0): a duration alone is a
			 * constant think time (0 = none). */
			double v;
			if (isdigit((unsigned char)*dt) || *dt == '.') {
				/* a number: think=5 must say its unit */
				rc = unit_time(dt, &v, err, errlen);
				if (!rc && v > 0 && !(w->think = dist_const(v)))
					rc = ps_err(err, errlen, PS_ENOMEM,
						    "out of memory");
			} else {
				rc = dist_parse_in(dt, basedir, 0, files,
						   &w->think, err, errlen);
			}
			free(dt);
			return rc;
		}
	} else {
		return ps_err(err, errlen, PS_EPARSE,
			      "unknown arrival process \"%.*s\"; known: " KNOWN,
			      nlen, name);
	}
#undef IS
#undef NARGS
	return PS_OK;
}

int wl_parse(const char *text, const char *basedir, wl_spec *out,
	     char *err, size_t errlen)
{
	return wl_parse_in(text, basedir, NULL, out, err, errlen);
}

int wl_parse_in(const char *text, const char *basedir, csv_cache *files,
		wl_spec *out, char *err, size_t errlen)
{
	char detail[512] = "";
	memset(out, 0, sizeof *out);
	int rc = parse_inner(text, basedir, files, out, detail, sizeof detail);
	if (rc) {
		wl_spec_fini(out);
		return ps_err(err, errlen, rc, "bad arrival \"%s\": %s", text,
			      detail);
	}
	return PS_OK;
}

void wl_spec_fini(wl_spec *w)
{
	if (!w)
		return;
	free(w->steps);
	csv_release(w->trace_file);
	dist_free(w->think);
	memset(w, 0, sizeof *w);
}

double wl_mean_rate(const wl_spec *w)
{
	switch (w->kind) {
	case WL_POISSON:
	case WL_CONST:
		return w->rate;
	case WL_STEPS: {
		double n = 0, t = 0;
		for (int i = 0; i < w->n_steps; i++) {
			const wl_step *st = &w->steps[i];
			n += (w->linear ? (st->rate + st->rate_end) / 2
					: st->rate) * st->dur;
			t += st->dur;
		}
		return t > 0 ? n / t : 0;
	}
	case WL_RAMP:
		return (w->ramp_from + w->ramp_to) / 2;
	case WL_TRACE: {
		/* Arrivals over [0, last arrival]; a trace all at t=0 is a
		 * burst, with no rate to speak of. */
		double last = w->trace_n ? w->trace_t[w->trace_n - 1] : 0;
		return last > 0 ? (double)w->trace_n / last : 0;
	}
	case WL_BURST:
	case WL_CLOSED:
		return 0;
	}
	return 0;
}

double wl_profile_end(const wl_spec *w)
{
	double t = 0;
	if (w->kind == WL_STEPS)
		for (int i = 0; i < w->n_steps; i++)
			t += w->steps[i].dur;
	else if (w->kind == WL_RAMP)
		t = w->ramp_dur;
	return t;
}

double wl_profile_expected(const wl_spec *w, double t)
{
	double n = 0, t0 = 0;
	if (w->kind == WL_STEPS) {
		for (int i = 0; i < w->n_steps && t0 < t; i++) {
			const wl_step *st = &w->steps[i];
			double d = fmin(st->dur, t - t0);
			n += st->rate * d;
			if (w->linear)
				n += (st->rate_end - st->rate) * d * d /
				     (2 * st->dur);
			t0 += st->dur;
		}
	} else if (w->kind == WL_RAMP) {
		double d = fmin(t, w->ramp_dur);
		n = w->ramp_from * d +
		    (w->ramp_to - w->ramp_from) * d * d / (2 * w->ramp_dur);
	}
	return n;
}

/* ---- the generator ------------------------------------------------------- */

wl_gen *wl_gen_new(const wl_spec *spec, uint64_t seed, uint32_t rep,
		   const char *entity)
{
	wl_gen *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->spec = spec;
	g->poisson = spec->kind == WL_POISSON;
	g->gap = spec->kind == WL_POISSON ? 1 / spec->rate : 0;
	if (spec->kind == WL_POISSON || spec->kind == WL_STEPS ||
	    spec->kind == WL_RAMP) {
		g->ia = rng_stream(seed, rep, entity, "interarrival");
		if (!g->ia)
			goto fail;
	}
	if (spec->kind == WL_RAMP) {
		g->thin = rng_stream(seed, rep, entity, "thinning");
		if (!g->thin)
			goto fail;
	}
	return g;
fail:
	wl_gen_free(g);
	return NULL;
}

void wl_gen_free(wl_gen *g)
{
	if (!g)
		return;
	if (g->ia)
		gsl_rng_free(g->ia);
	if (g->thin)
		gsl_rng_free(g->thin);
	free(g);
}

static int next_steps(wl_gen *g)
{
	const wl_spec *s = g->spec;
	double e = rng_exp(g->ia, 1.0);   /* integrated rate to the next arrival */
	while (g->step < s->n_steps) {
		const wl_step *st = &s->steps[g->step];
		double end = g->step_start + st->dur;
		if (s->linear && st->rate != st->rate_end) {
			/* r(u) = r + k u from g->t: the area to the next
			 * arrival is r x + k x^2 / 2 = e, solved in the form
			 * that keeps its precision when k is small */
			double k = (st->rate_end - st->rate) / st->dur;
			double r = st->rate + k * (g->t - g->step_start);
			double cap = (r + st->rate_end) / 2 * (end - g->t);
			if (e < cap) {
				double x = 2 * e /
					   (r + sqrt(fmax(0, r * r + 2 * k * e)));
				g->t = fmin(g->t + x, end);
				return 1;
			}
			e -= fmax(cap, 0);
		} else if (st->rate > 0) {
			double cap = st->rate * (end - g->t);
			if (e < cap) {
				g->t = fmin(g->t + e / st->rate, end);
				return 1;
			}
			e -= cap;
		}
		g->t = g->step_start = end;
		g->step++;
	}
	return 0;
}

/* Lewis–Shedler thinning: candidates at the peak rate, each kept with
 * probability rate(t)/peak. */
static int next_ramp(wl_gen *g)
{
	const wl_spec *s = g->spec;
	double peak = fmax(s->ramp_from, s->ramp_to);
	if (!(peak > 0))
		return 0;
	for (;;) {
		g->t += rng_exp(g->ia, 1 / peak);
		if (g->t > s->ramp_dur)
			return 0;
		double rate = s->ramp_from +
			      (s->ramp_to - s->ramp_from) * (g->t / s->ramp_dur);
		if (gsl_rng_uniform(g->thin) * peak < rate)
			return 1;
	}
}

int wl_gen_next_other(wl_gen *g, double *t, double *work)
{
	const wl_spec *s = g->spec;
	assert(s->kind != WL_CLOSED);
	*work = NAN;
	if (g->done)
		return 0;
	int more = 1;
	switch (s->kind) {
	case WL_POISSON:
		assert(0 && "wl_gen_next draws poisson gaps inline");
		more = 0;
		break;
	case WL_CONST:
		/* i/rate rather than a running sum: no drift over 10^8 tasks. */
		g->i++;
		g->t = (double)g->i / s->rate;
		break;
	case WL_BURST:
		more = g->i < s->burst_n;
		g->i += more;
		break;
	case WL_STEPS:
		more = next_steps(g);
		break;
	case WL_RAMP:
		more = next_ramp(g);
		break;
	case WL_TRACE:
		more = g->i < s->trace_n;
		if (more) {
			g->t = s->trace_t[g->i];
			if (s->trace_work)
				*work = s->trace_work[g->i];
			g->i++;
		}
		break;
	case WL_CLOSED:
		more = 0;
		break;
	}
	if (!more) {
		g->done = 1;
		return 0;
	}
	*t = g->t;
	return 1;
}
