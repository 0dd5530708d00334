/*
 * report.c — NAME.md, the Markdown a design doc pastes: the question, the
 * parameters, the point summaries (mean ± 95% half-width), the figures, and
 * the answer in one sentence per plotted metric.
 *
 * "Cannot be told apart" means the 95% interval of the paired differences
 * contains 0 wherever replications pair up: the points of an experiment
 * share random numbers replication by replication, and the scopes of one
 * point (tenants, tiers, services, stages) are measured in the same runs,
 * so replication r is compared with replication r. Only where fewer than
 * two replications pair up does it fall back to the two intervals
 * mean ± ci95 overlapping. Work is O(points × metrics × replications) per
 * experiment.
 */
#include "plot.h"
#include "plot_int.h"

#include <assert.h>
#include <ctype.h>
#include <gsl/gsl_cdf.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../sim/ps.h"

/* Every string of the database (names, descriptions, values, scopes,
 * metric names) reaches the Markdown only through md_text: the report is
 * pasted into design docs, and an experiments.ini from someone else must
 * not put raw HTML, a remote image (tracking pixel), a link, a heading or
 * a table break into them. Markdown's active punctuation is backslash-
 * escaped ('[' included, so no "![" or "](" survives; '_' inside a word,
 * as in latency_p99, is no emphasis and stays),
 * < > & become entities (no tag, comment or autolink can start), control
 * characters (a newline would end the table row) and the Unicode bidi
 * overrides (which reorder what the reader sees) become blanks. */
static void md_text(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '<')
			fputs("&lt;", f);
		else if (*p == '>')
			fputs("&gt;", f);
		else if (*p == '&')
			fputs("&amp;", f);
		else if (*p < 0x20 || *p == 0x7f)
			fputc(' ', f);
		else if (*p == '_' && p > (const unsigned char *)s &&
			 isalnum(p[-1]) && isalnum(p[1]))
			fputc('_', f);   /* inside a word: never emphasis */
		else if (strchr("\\`*_[]|#~$", *p))
			fprintf(f, "\\%c", *p);
		else if (p[0] == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xaa &&
					   p[2] <= 0xae) ||
					  (p[1] == 0x81 && p[2] >= 0xa6 &&
					   p[2] <= 0xa9))) {
			fputc(' ', f);   /* U+202A..E, U+2066..9 */
			p += 2;
		} else
			fputc(*p, f);
	}
}

/* x to `sig` significant digits in plain decimals (a design doc reader
 * should not meet 7e+02). */
static void fmt_sig(char *buf, size_t n, double x, int sig)
{
	if (x == 0 || !isfinite(x)) {
		snprintf(buf, n, "%g", x);
		return;
	}
	int mag = (int)floor(log10(fabs(x)));
	int dec = sig - 1 - mag;
	snprintf(buf, n, "%.*f", dec > 0 ? (dec < 12 ? dec : 12) : 0, x);
}

/* "mean ± ci": 4 digits for the mean, 2 for the half-width; a half-width
 * below a millionth of the mean is float noise of identical runs: 0. */
void plot_fmt_pm(char *buf, size_t n, double mean, double ci)
{
	char m[64], c[64];
	fmt_sig(m, sizeof m, mean, 4);
	if (ci <= 1e-6 * fabs(mean))
		ci = 0;
	fmt_sig(c, sizeof c, ci, 2);
	snprintf(buf, n, "%s ± %s", m, c);
}

/* How a summary was measured: an interval over replications, one
 * replication (no interval: n=1, never "± 0"), or replications that all
 * gave the same value (a deterministic replay: no noise to speak of). */
enum { M_INTERVAL, M_ONE, M_IDENTICAL };

static int measured(const plot_sum *s)
{
	return s->n < 2 ? M_ONE : s->min == s->max ? M_IDENTICAL : M_INTERVAL;
}

/* A table cell: "mean ± ci", or "mean (n=1)", or "mean (deterministic)". */
static void fmt_cell(char *buf, size_t n, const plot_sum *s, double scale)
{
	int how = measured(s);
	if (how == M_INTERVAL) {
		plot_fmt_pm(buf, n, s->mean * scale, s->ci * scale);
		return;
	}
	plot_fmt_pm(buf, n, s->mean * scale, 0);
	char *pm = strstr(buf, " ± ");
	if (pm)
		snprintf(pm, n - (size_t)(pm - buf), "%s",
			 how == M_ONE ? " (n=1)" : " (deterministic)");
}

/* A value with its unit: times in ms below a second, else s. */
static void fmt_val_of(char *buf, size_t n, const char *metric,
		       const plot_sum *v);
static void fmt_val(char *buf, size_t n, const char *metric, double mean,
		    double ci)
{
	char m[64], c[64];
	const char *u = "";
	double s = 1.0;
	if (plot_is_time(metric)) {
		int ms = fabs(mean) < 1.0;
		s = ms ? 1000.0 : 1.0;
		u = ms ? " ms" : " s";
	} else if (!strcmp(plot_metric_unit(metric), "1/s")) {
		u = "/s";
	} else if (!strcmp(plot_metric_unit(metric), "bytes")) {
		s = 1.0 / 1048576.0;
		u = " MB";
	}
	fmt_sig(m, sizeof m, mean * s, 4);
	fmt_sig(c, sizeof c, ci <= 1e-6 * fabs(mean) ? 0 : ci * s, 2);
	if (isnan(ci))
		snprintf(buf, n, "%s%s", m, u);
	else
		snprintf(buf, n, "%s%s ± %s%s", m, u, c, u);
}

/* fmt_val of a summary, saying n=1 or deterministic instead of "± 0". */
static void fmt_val_of(char *buf, size_t n, const char *metric,
		       const plot_sum *v)
{
	int how = measured(v);
	fmt_val(buf, n, metric, v->mean, how == M_INTERVAL ? v->ci : NAN);
	size_t len = strlen(buf);
	if (how != M_INTERVAL && len < n)
		snprintf(buf + len, n - len, "%s",
			 how == M_ONE ? ", n=1" : ", deterministic");
}

/* 1 for a time that is a sum or span of seconds by name (drain_s,
 * slo_violation_s, worker_seconds): shown in s, not ms. */
static int long_time(const char *metric)
{
	size_t n = strlen(metric);
	return plot_is_time(metric) &&
	       ((n > 2 && !strcmp(metric + n - 2, "_s")) ||
		(n > 8 && !strcmp(metric + n - 8, "_seconds")));
}

/* A table column's scale: times in ms (seconds for long_time), others
 * as stored. */
static double col_scale(const char *metric)
{
	return plot_is_time(metric) && !long_time(metric) ? 1000.0 : 1.0;
}

/* A table column's unit: times in ms or s, rates per second (the
 * registry's units; counts and fractions go bare). */
static const char *col_unit(const char *metric)
{
	return long_time(metric) ? " (s)" : plot_is_time(metric) ? " (ms)"
	       : !strcmp(plot_metric_unit(metric), "1/s") ? " (1/s)" : "";
}

/* "K = 250, pool = ants": a point named by its swept values. */
static void point_label(const plot_exp *e, int pt, char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = 0;
	for (int k = 0; k < e->n_keys && len < n; k++) {
		int w = snprintf(buf + len, n - len, "%s%s = %s", k ? ", " : "",
				 e->keys[k], e->pts[pt].vals[k]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	if (!e->n_keys)
		snprintf(buf, n, "the single point");
}

/* Intervals overlap. Without an interval (n=1) only equal values are
 * the same (and a difference is never "clear": clear() below); two
 * deterministic values overlap only when equal. */
static int overlap(const plot_sum *a, const plot_sum *b)
{
	if (measured(a) == M_ONE || measured(b) == M_ONE)
		return a->mean == b->mean;
	return a->mean - a->ci <= b->mean + b->ci &&
	       b->mean - b->ci <= a->mean + a->ci;
}

/* A difference is "clear" only when an interval shows it: not on one
 * replication, not between two deterministic values (no noise to be
 * clear of: the difference is exact for this input). */
static int clear(const plot_sum *a, const plot_sum *b)
{
	return measured(a) != M_ONE && measured(b) != M_ONE &&
	       !(measured(a) == M_IDENTICAL && measured(b) == M_IDENTICAL);
}

/* The points of one experiment share their random numbers replication by
 * replication (common random numbers), so two are compared by the paired
 * differences of their replications, far tighter than two separate
 * intervals. v[pt * R + rep] holds metric (at one scope) of plot point pt,
 * NAN where not stored. */
typedef struct paired {
	const plot_exp *e;
	int R;
	double *v;
} paired;

static int paired_row(void *u, const res_scalar_row *r)
{
	paired *pd = u;
	if (r->replication < 0 || r->replication >= pd->R)
		return 0;
	for (int p = 0; p < pd->e->n_pts; p++)
		if (pd->e->pts[p].point == r->point) {
			pd->v[(size_t)p * pd->R + r->replication] =
				r->status && !strcmp(r->status, "done") ? r->value : NAN;
			break;
		}
	return 0;
}

/* Loads pd for metric at scope; pd->v NULL (no paired comparisons) on
 * failure. */
static void paired_load_at(paired *pd, res_db *db, const plot_exp *e,
			   const char *scope, const char *metric)
{
	pd->e = e;
	pd->R = e->reps;
	pd->v = NULL;
	if (!db || pd->R < 2)
		return;
	size_t n = (size_t)e->n_pts * (size_t)pd->R;
	pd->v = malloc(n * sizeof *pd->v);
	if (!pd->v)
		return;
	for (size_t i = 0; i < n; i++)
		pd->v[i] = NAN;
	if (res_metric_values(db, e->id, scope, metric, paired_row, pd)) {
		free(pd->v);
		pd->v = NULL;
	}
}

/* Loads pd for a plotted metric, "NAME" (scope pool) or "NAME@SCOPE". */
static void paired_load(paired *pd, res_db *db, const plot_exp *e,
			const char *metric)
{
	char name[128];
	const char *at = strchr(metric, '@');
	if (!at) {
		paired_load_at(pd, db, e, "pool", metric);
		return;
	}
	snprintf(name, sizeof name, "%.*s", (int)(at - metric), metric);
	paired_load_at(pd, db, e, at + 1, name);
}

/* The paired verdict on two value vectors x[0..R), y[0..R): 1 when the
 * 95% interval of x - y contains 0, 0 when it does not, -1 when fewer
 * than two replications pair up. */
static int paired_same_v(const double *x, const double *y, int R)
{
	double d[R > 0 ? R : 1], m = 0, ss = 0;
	int n = 0;
	for (int r = 0; r < R; r++)
		if (!isnan(x[r]) && !isnan(y[r]))
			d[n++] = x[r] - y[r];
	if (n < 2)
		return -1;
	for (int i = 0; i < n; i++)
		m += d[i];
	m /= n;
	for (int i = 0; i < n; i++)
		ss += (d[i] - m) * (d[i] - m);
	double sd = sqrt(ss / (n - 1));
	if (sd == 0)
		return m == 0;
	return fabs(m) <= gsl_cdf_tdist_Pinv(0.975, n - 1) * sd / sqrt(n);
}

/* 1 when the 95% interval of the paired differences a - b contains 0,
 * 0 when it does not, -1 when fewer than two replications pair up. */
static int paired_same(const paired *pd, int a, int b)
{
	if (!pd->v)
		return -1;
	return paired_same_v(pd->v + (size_t)a * pd->R,
			     pd->v + (size_t)b * pd->R, pd->R);
}

/* Cannot be told apart: paired where replications pair up, else by the
 * two intervals (overlap). */
static int same(const paired *pd, int a, int b, const plot_sum *sa,
		const plot_sum *sb)
{
	if (measured(sa) == M_ONE || measured(sb) == M_ONE)
		return overlap(sa, sb);
	int r = paired_same(pd, a, b);
	return r < 0 ? overlap(sa, sb) : r;
}

/* One sentence (or two) answering "which choice is best for metric?". */
static void answer(FILE *f, const plot_exp *e, const char *metric,
		   const paired *pd)
{
	/* Neutral metrics report their highest point. */
	int hib = plot_metric_goal(metric) >= 0;
	int best = -1;
	for (int p = 0; p < e->n_pts; p++) {
		const plot_sum *s = plot_getm(e, p, metric);
		if (!s)
			continue;
		const plot_sum *b = best < 0 ? NULL
					     : plot_getm(e, best, metric);
		if (!b || (hib ? s->mean > b->mean : s->mean < b->mean))
			best = p;
	}
	if (best < 0)
		return;
	const plot_sum *b = plot_getm(e, best, metric);
	char lab[512], val[256];
	point_label(e, best, lab, sizeof lab);
	fmt_val_of(val, sizeof val, metric, b);
	if (e->n_pts == 1) {
		fputs("- ", f);
		md_text(f, metric);
		fprintf(f, " = %s.\n", val);
		return;
	}
	if (plot_metric_goal(metric) == 0) {
		/* Not a goal: say where it is highest, nothing about "best". */
		fputs("- ", f);
		md_text(f, metric);
		fputs(" is highest at ", f);
		md_text(f, lab);
		fprintf(f, ": %s.\n", val);
		return;
	}
	int comparison = e->xkey >= 0 && !e->x_numeric;
	fputs("- ", f);
	md_text(f, lab);
	if (comparison) {
		fputs(" wins on ", f);
		md_text(f, metric);
		fprintf(f, " (%s is best): %s", hib ? "highest" : "lowest", val);
	} else {
		fprintf(f, " %s ", hib ? "maximises" : "minimises");
		md_text(f, metric);
		fprintf(f, ": %s", val);
	}

	/* The choices that cannot be told apart from the winner. */
	int ties = 0, ties_exact = 1;
	for (int p = 0; p < e->n_pts; p++) {
		const plot_sum *s = plot_getm(e, p, metric);
		if (p == best || !s || !same(pd, p, best, s, b))
			continue;
		ties_exact &= !clear(s, b);
		point_label(e, p, lab, sizeof lab);
		fputs(ties ? ", " : "; ", f);
		md_text(f, lab);
		fmt_val_of(val, sizeof val, metric, s);
		fprintf(f, " (%s)", val);
		ties++;
	}
	if (ties && ties_exact)
		fprintf(f, " %s the same", ties > 1 ? "are" : "is");
	else if (ties)
		fprintf(f, " %s within the interval (cannot be told apart)",
			ties > 1 ? "are" : "is");
	/* The best of the rest, to say by how much the winner wins. */
	int ru = -1;
	for (int p = 0; p < e->n_pts; p++) {
		const plot_sum *s = plot_getm(e, p, metric);
		if (p == best || !s || same(pd, p, best, s, b))
			continue;
		const plot_sum *r = ru < 0 ? NULL
					   : plot_getm(e, ru, metric);
		if (!r || (hib ? s->mean > r->mean : s->mean < r->mean))
			ru = p;
	}
	if (ru >= 0) {
		const plot_sum *r = plot_getm(e, ru, metric);
		point_label(e, ru, lab, sizeof lab);
		fmt_val_of(val, sizeof val, metric, r);
		fprintf(f, "; %s ", ties ? "the next" : "the runner-up");
		md_text(f, lab);
		fprintf(f, " (%s) is %s%s", val, clear(b, r) ? "clearly " : "",
			hib ? "lower" : "worse");
		double ratio = hib ? b->mean / r->mean : r->mean / b->mean;
		if (isfinite(ratio) && r->mean > 0 && b->mean > 0)
			fprintf(f, ratio < 10 ? ", %.2fx %s" : ", %.0fx %s", ratio,
				hib ? "lower" : "higher");
	}
	if (ru >= 0 && measured(b) == M_IDENTICAL &&
	    measured(plot_getm(e, ru, metric)) == M_IDENTICAL)
		fputs(" (deterministic: every replication gave the same "
		      "value, so this is the exact difference for this input, "
		      "not a statistical one)", f);
	fputs(".", f);
	if (e->reps < 2)
		fputs(" With 1 replication there is no interval (the "
		      "numbers are exact only if nothing in the experiment is "
		      "random).", f);
	fputc('\n', f);
}

/* Overloaded points first: their latencies are not a steady state (the
 * backlog grew through the window, so they grow with the run's length)
 * and their rates read the capacity, not the offered load. */
static void answer_unstable(FILE *f, const plot_exp *e)
{
	const char *lat = NULL;
	for (int m = 0; m < e->n_metrics && !lat; m++)
		if (!strncmp(e->metrics[m], "latency_", 8))
			lat = e->metrics[m];
	for (int p = 0; p < e->n_pts; p++) {
		double u = plot_unstable(e, p);
		if (!(u > 0))
			continue;
		const plot_sum *s = plot_get(e, p, "pool", "unstable");
		char lab[512];
		point_label(e, p, lab, sizeof lab);
		fputs("- ", f);
		md_text(f, lab);
		fputs(": overloaded — ", f);
		md_text(f, lat ? plot_metric_short(lat) : "latency");
		fprintf(f, " grows with the run's length (the backlog grew "
			"through the measurement window in %.0f of %d "
			"replication%s; its rates read the capacity).\n",
			u * s->n, s->n, s->n == 1 ? "" : "s");
	}
}

/* ---- per tenant, tier, service and stage ---------------------------------- */

static int is_part_scope(const char *s)
{
	return plot_is_group_scope(s) || plot_is_stage_scope(s);
}

/* A table of every part scope at every point, then one sentence per point
 * ranking the parts of a family (tenant/, tier/, service/, stage/) and
 * saying which neighbours cannot be told apart. */
static void write_parts(FILE *f, const plot_exp *e)
{
	const char *sc[64];
	int ns = plot_scopes(e, is_part_scope, sc, 64);
	if (!ns)
		return;
	static const char *const cols[] = { "throughput", "latency_p99",
					    "wait_mean", "utilization",
					    "over_quota" };
	int use[5] = { 0 };
	for (int c = 0; c < 5; c++)
		for (int p = 0; p < e->n_pts; p++)
			for (int s = 0; s < ns; s++)
				use[c] |= plot_get(e, p, sc[s], cols[c]) != NULL;
	fputs("## Per tenant, tier, service and stage\n\n| point | scope |", f);
	for (int c = 0; c < 5; c++)
		if (use[c])
			fprintf(f, " %s%s |", cols[c], col_unit(cols[c]));
	fputs("\n|---|---|", f);
	for (int c = 0; c < 5; c++)
		if (use[c])
			fputs("---|", f);
	fputc('\n', f);
	for (int p = 0; p < e->n_pts; p++)
		for (int s = 0; s < ns; s++) {
			char lab[512];
			point_label(e, p, lab, sizeof lab);
			fputs("| ", f);
			md_text(f, lab);
			fputs(" | ", f);
			md_text(f, sc[s]);
			fputs(" |", f);
			for (int c = 0; c < 5; c++) {
				if (!use[c])
					continue;
				const plot_sum *v = plot_get(e, p, sc[s], cols[c]);
				double k = col_scale(cols[c]);
				char cell[160];
				if (v) {
					fmt_cell(cell, sizeof cell, v, k);
					fprintf(f, " %s |", cell);
				} else {
					fputs(" – |", f);
				}
			}
			fputc('\n', f);
		}
	fputc('\n', f);
}

/* One ranking of the parts of one family at point p by metric m, best
 * first; neighbours that cannot be told apart are joined by "≈": paired
 * over the replications (the parts are measured in the same runs), by
 * the two intervals where fewer than two pair up. */
static void rank_parts(FILE *f, res_db *db, const plot_exp *e, int p,
		       const char **sc, const int *members, int n,
		       const char *m)
{
	int idx[64], k = 0, hib = plot_metric_goal(m) >= 0;
	for (int i = 0; i < n; i++)
		if (plot_get(e, p, sc[members[i]], m))
			idx[k++] = members[i];
	if (k < 2)
		return;
	/* insertion sort, best first: a handful of scopes */
	for (int a = 1; a < k; a++)
		for (int b = a; b > 0; b--) {
			double x = plot_get(e, p, sc[idx[b]], m)->mean;
			double y = plot_get(e, p, sc[idx[b - 1]], m)->mean;
			if (hib ? x <= y : x >= y)
				break;
			int t = idx[b];
			idx[b] = idx[b - 1];
			idx[b - 1] = t;
		}
	/* each part's replications at p, for the paired comparisons */
	paired pd[64];
	for (int i = 0; i < k; i++)
		paired_load_at(&pd[i], db, e, sc[idx[i]], m);
	char val[256];
	int ties = 0, unpaired = 0;
	fprintf(f, "- %s, best first: ", m);
	for (int i = 0; i < k; i++) {
		const plot_sum *v = plot_get(e, p, sc[idx[i]], m);
		fmt_val_of(val, sizeof val, m, v);
		if (i) {
			const plot_sum *u = plot_get(e, p, sc[idx[i - 1]], m);
			int tie = -1;
			if (measured(u) != M_ONE && measured(v) != M_ONE &&
			    pd[i - 1].v && pd[i].v)
				tie = paired_same_v(pd[i - 1].v + (size_t)p * pd[i].R,
						    pd[i].v + (size_t)p * pd[i].R,
						    pd[i].R);
			if (tie < 0) {
				tie = overlap(u, v);
				unpaired |= measured(u) != M_ONE &&
					    measured(v) != M_ONE;
			}
			ties += tie;
			fputs(tie ? " ≈ " : (hib ? " > " : " < "), f);
		}
		md_text(f, sc[idx[i]]);
		fprintf(f, " (%s)", val);
	}
	if (!strncmp(sc[idx[0]], "stage/", 6)) {
		fputs("; the bottleneck is ", f);
		md_text(f, sc[idx[0]]);
	}
	if (measured(plot_get(e, p, sc[idx[0]], m)) == M_ONE)
		fputs(" (one replication: no interval).\n", f);
	else if (unpaired)
		fputs(ties ? " (≈: cannot be told apart; where replications do "
			     "not pair up, the intervals overlap).\n"
			   : " (every difference clear).\n", f);
	else
		fputs(ties ? " (≈: cannot be told apart, paired over the "
			     "replications: the parts are measured in the same "
			     "runs).\n"
			   : " (every difference clear, paired over the "
			     "replications).\n", f);
	for (int i = 0; i < k; i++)
		free(pd[i].v);
}

/* For a single-point experiment the parts are the answer: each family
 * (tenants, tiers, services, stages) ranked by what it gets and how long
 * it waits, or, for stages, by how busy each is. */
static void answer_parts(FILE *f, res_db *db, const plot_exp *e)
{
	const char *sc[64];
	int ns = plot_scopes(e, is_part_scope, sc, 64);
	static const char *const fams[] = { "tenant/", "tier/", "service/",
					    "stage/" };
	if (e->n_pts != 1)
		return;
	for (int fi = 0; fi < 4; fi++) {
		int members[64], n = 0;
		for (int s = 0; s < ns; s++)
			if (!strncmp(sc[s], fams[fi], strlen(fams[fi])))
				members[n++] = s;
		if (n < 2)
			continue;
		if (fi == 3) {
			rank_parts(f, db, e, 0, sc, members, n, "utilization");
		} else {
			rank_parts(f, db, e, 0, sc, members, n, "throughput");
			rank_parts(f, db, e, 0, sc, members, n, "latency_p99");
		}
	}
}

/* Parameters that have the same value at every point. */
typedef struct param_set {
	int n;
	char **name, **value;
	int *same;
	const plot_exp *e;
} param_set;

static int first_params(void *u, const res_param *p)
{
	param_set *s = u;
	s->name = realloc(s->name, (size_t)(s->n + 1) * sizeof *s->name);
	s->value = realloc(s->value, (size_t)(s->n + 1) * sizeof *s->value);
	s->same = realloc(s->same, (size_t)(s->n + 1) * sizeof *s->same);
	assert(s->name && s->value && s->same);
	s->name[s->n] = strdup(p->name);
	s->value[s->n] = strdup(p->value);
	assert(s->name[s->n] && s->value[s->n]);
	s->same[s->n] = 1;
	for (int k = 0; k < s->e->n_keys; k++)
		if (!strcmp(s->e->keys[k], p->name))
			s->same[s->n] = 0;
	if (!strcmp(p->name, "description") || !strcmp(p->name, "plot"))
		s->same[s->n] = 0;
	s->n++;
	return 0;
}

static int other_params(void *u, const res_param *p)
{
	param_set *s = u;
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], p->name) && strcmp(s->value[i], p->value))
			s->same[i] = 0;
	return 0;
}

static void write_params(FILE *f, res_db *db, const plot_exp *e)
{
	param_set s = { 0, NULL, NULL, NULL, e };
	if (e->n_pts)
		res_point_params(db, e->id, e->pts[0].point, first_params, &s);
	for (int p = 1; p < e->n_pts; p++)
		res_point_params(db, e->id, e->pts[p].point, other_params, &s);
	fputs("## Parameters\n\n", f);
	int any = 0;
	for (int i = 0; i < s.n; i++)
		if (s.same[i]) {
			if (!any)
				fputs("| parameter | value |\n|---|---|\n", f);
			fputs("| ", f);
			md_text(f, s.name[i]);
			fputs(" | ", f);
			md_text(f, s.value[i]);
			fputs(" |\n", f);
			any = 1;
		}
	if (any)
		fputc('\n', f);
	for (int k = 0; k < e->n_keys; k++) {
		fputs(k ? "" : "Swept:\n\n", f);
		fputs("- ", f);
		md_text(f, e->keys[k]);
		fputs(": ", f);
		int first = 1;
		for (int p = 0; p < e->n_pts; p++) {
			int seen = 0;
			for (int q = 0; q < p; q++)
				if (!strcmp(e->pts[q].vals[k], e->pts[p].vals[k]))
					seen = 1;
			if (seen)
				continue;
			fputs(first ? "" : ", ", f);
			md_text(f, e->pts[p].vals[k]);
			first = 0;
		}
		fputc('\n', f);
	}
	if (e->n_keys)
		fputc('\n', f);
	for (int i = 0; i < s.n; i++) {
		free(s.name[i]);
		free(s.value[i]);
	}
	free(s.name);
	free(s.value);
	free(s.same);
}

/* The report draws its own figures first (plot_draw) and links only the
 * files that drawing wrote now: never a stale figure of an earlier run or
 * of the other format that happens to lie in the directory. */
typedef struct reporter {
	const plot_opts *o;
	const char *dir;
	char *err;
	size_t errlen;
	char **drawn;           /* paths plot_draw wrote in this call */
	int n_drawn, nomem;
	const char *draw_err;   /* why figures are missing, or NULL */
} reporter;

static void note_drawn(void *u, const char *path)
{
	reporter *r = u;
	char **d = realloc(r->drawn, (size_t)(r->n_drawn + 1) * sizeof *d);
	char *p = d ? strdup(path) : NULL;
	if (d)
		r->drawn = d;
	if (p)
		r->drawn[r->n_drawn++] = p;
	else
		r->nomem = 1;
	if (r->o->wrote)
		r->o->wrote(r->o->u, path);
}

static void link_figure(FILE *f, const reporter *r, const char *base,
			const char *alt, int *n)
{
	const char *ext = r->o->format && !strcmp(r->o->format, "svg")
				  ? "svg" : "png";
	char path[1024];
	snprintf(path, sizeof path, "%s/%s.%s", r->dir, base, ext);
	int drawn = 0;
	for (int i = 0; i < r->n_drawn && !drawn; i++)
		drawn = !strcmp(r->drawn[i], path);
	if (!drawn)
		return;
	fprintf(f, "![%s](%s.%s)\n\n", alt, base, ext);
	(*n)++;
}

/* 1 when metric ("NAME" or "NAME@SCOPE") is one of the goal text's:
 * "optimize: latency_p99 min", "slo: latency_p99 < 100ms, ...". */
static int goal_metric(const char *goal, const char *metric)
{
	size_t n = strlen(metric);
	int pool = !strchr(metric, '@');
	for (const char *q = strstr(goal, metric); q; q = strstr(q + 1, metric)) {
		int start = q == goal || q[-1] == ' ';
		char after = q[n];
		if (start && (after == ' ' || after == ',' || after == '\0' ||
			      (!pool && after == '@') || (after == '@' && pool &&
			       !strncmp(q + n, "@pool", 5))))
			return 1;
	}
	return 0;
}

/* The goal's answer (docs/goals.md), stored by the search: first in the
 * Answer section, with its confidence and its cost in runs. */
typedef struct goal_seen {
	FILE *f;
	char goal[512];         /* the goals' texts, "" when none */
} goal_seen;

static int report_goal(void *u, const res_answer *a)
{
	goal_seen *gs = u;
	FILE *f = gs->f;
	size_t at = strlen(gs->goal);
	snprintf(gs->goal + at, sizeof gs->goal - at, "%s ", a->goal);
	fputs("**Goal** (", f);
	md_text(f, a->goal);
	fputs("): ", f);
	md_text(f, a->text);
	fprintf(f, "; %ld runs instead of the %ld of the full grid. The points "
		"share random numbers, so the search compares them by paired "
		"differences (docs/goals.md states the procedure and its "
		"guarantee).\n\n", a->runs_used, a->runs_grid);
	if (a->warning && *a->warning) {
		fputs("**Warning:** ", f);
		md_text(f, a->warning);
		fputs(".\n\n", f);
	}
	return 0;
}

/* The replications of point p: the largest n of its summaries. */
static int point_reps(const plot_exp *e, int p)
{
	int n = 0;
	for (int i = 0; i < e->n_sums; i++)
		if (e->sums[i].pt == p && e->sums[i].n > n)
			n = e->sums[i].n;
	return n;
}

/* ---- the scorecard's ranking (slo with slo.window) ---------------------- */

/* A point's name in a sentence: its value when one key is swept. */
static void short_label(const plot_exp *e, int pt, char *buf, size_t n)
{
	if (e->n_keys == 1)
		snprintf(buf, n, "%s", e->pts[pt].vals[0]);
	else
		point_label(e, pt, buf, n);
}

/* Mean and 95% half-width (Student t, GSL) of the paired differences
 * a - b over the replications where both are stored; n < 2: no
 * interval (*hw NAN). Returns n. */
static int paired_diff(const paired *pd, int a, int b, double *mean,
		       double *hw)
{
	int n = 0;
	double m = 0, ss = 0;
	for (int r = 0; r < pd->R; r++) {
		double x = pd->v[(size_t)a * pd->R + r];
		double y = pd->v[(size_t)b * pd->R + r];
		if (isnan(x) || isnan(y))
			continue;
		double d = x - y, dm = d - m;
		n++;
		m += dm / n;
		ss += dm * (d - m);
	}
	*mean = n ? m : NAN;
	*hw = n >= 2 ? gsl_cdf_tdist_Pinv(0.975, n - 1) * sqrt(ss / (n - 1)) /
			       sqrt(n)
		     : NAN;
	return n;
}

/* The mean of a point's stored values. */
static double paired_mean(const paired *pd, int a)
{
	double m = 0;
	int n = 0;
	for (int r = 0; r < pd->R; r++) {
		double x = pd->v[(size_t)a * pd->R + r];
		if (!isnan(x)) {
			m += x;
			n++;
		}
	}
	return n ? m / n : NAN;
}

/*
 * Scored runs (docs/metrics.md, "The scorecard"): the points ranked by
 * their SLO-violation seconds, each compared with a reference point by
 * paired differences (common random numbers: replication r of one
 * against replication r of the other), its cost in worker-seconds
 * beside. The reference is the point named `utilization` (exercise 19's
 * loop, the incumbent) when there is one, else the first point.
 */
static void write_ranking(FILE *f, res_db *db, const plot_exp *e)
{
	paired v, ws;
	if (e->n_pts < 2)
		return;
	paired_load(&v, db, e, "slo_violation_s");
	if (!v.v)
		return;
	paired_load(&ws, db, e, "worker_seconds");
	int base = 0, np = e->n_pts;
	for (int p = 0; p < np; p++)
		for (int k = 0; k < e->n_keys; k++)
			if (!strcmp(e->pts[p].vals[k], "utilization")) {
				base = p;
				k = e->n_keys;
				p = np;
			}
	int order[np], any = 0;
	double mv[np];
	for (int p = 0; p < np; p++) {
		order[p] = p;
		mv[p] = paired_mean(&v, p);
		any |= !isnan(mv[p]);
	}
	if (!any)
		goto out;
	/* fewest violation seconds first (insertion sort: a few points) */
	for (int i = 1; i < np; i++)
		for (int j = i; j > 0; j--) {
			double a = mv[order[j]], b = mv[order[j - 1]];
			if (!(isnan(b) && !isnan(a)) && !(a < b))
				break;
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	char bl[256], pl[256], ms[64], hs[64], cs[160];
	short_label(e, base, bl, sizeof bl);
	fputs("## Ranking\n\n", f);
	fputs("By SLO-violation seconds, fewest first; each against ", f);
	md_text(f, bl);
	fputs(" by the paired differences of their replications (mean ± "
	      "the 95% half-width, Student t), with the cost in "
	      "worker-seconds beside:\n\n", f);
	double wsb = ws.v ? paired_mean(&ws, base) : NAN;
	for (int i = 0; i < np; i++) {
		int p = order[i];
		short_label(e, p, pl, sizeof pl);
		fprintf(f, "%d. ", i + 1);
		md_text(f, pl);
		fmt_sig(ms, sizeof ms, mv[p], 3);
		fprintf(f, ": %s s in violation", ms);
		if (p == base) {
			fputs(" (the reference)\n", f);
			continue;
		}
		double d, hw, dw, hww;
		int n = paired_diff(&v, p, base, &d, &hw);
		cs[0] = 0;
		if (ws.v && paired_diff(&ws, p, base, &dw, &hww) >= 1 &&
		    wsb > 0) {
			fmt_sig(ms, sizeof ms, 100 * dw / wsb, 2);
			snprintf(cs, sizeof cs, " at %s%s%% worker-seconds",
				 dw >= 0 ? "+" : "", ms);
			if (!isnan(hww)) {
				size_t l = strlen(cs);
				fmt_sig(hs, sizeof hs, 100 * hww / wsb, 2);
				snprintf(cs + l, sizeof cs - l, " (± %s%%)", hs);
			}
		}
		fputs("; ", f);
		md_text(f, pl);
		if (n < 2) {
			fmt_sig(ms, sizeof ms, fabs(d), 3);
			fprintf(f, " %s %s s against ", d <= 0 ? "cuts SLO "
				"violations by" : "adds SLO violations of", ms);
			md_text(f, bl);
			fprintf(f, "%s (one replication: no interval)\n", cs);
			continue;
		}
		fmt_sig(ms, sizeof ms, fabs(d), 3);
		fmt_sig(hs, sizeof hs, hw, 2);
		if (d == 0 && hw == 0) {
			fputs(" and ", f);
			md_text(f, bl);
			fprintf(f, " have the same SLO-violation seconds in every "
				"replication%s\n", cs);
		} else if (fabs(d) <= hw) {
			fputs(" and ", f);
			md_text(f, bl);
			fprintf(f, " cannot be told apart on SLO violations (%s%s "
				"s ± %s s)%s\n", d < 0 ? "-" : "+", ms, hs, cs);
		} else {
			fprintf(f, " %s %s s ± %s s against ", d < 0 ? "cuts SLO "
				"violations by" : "adds SLO violations of", ms, hs);
			md_text(f, bl);
			fprintf(f, "%s\n", cs);
		}
	}
	fputc('\n', f);
out:
	free(v.v);
	free(ws.v);
}

static int report_one(void *u, res_db *db, plot_exp *e)
{
	reporter *r = u;
	/* Written under a temporary name and renamed: an interrupted
	 * report never leaves half a file under the real name. */
	char path[1024], tmp[1024];
	snprintf(path, sizeof path, "%s/%s.md", r->dir, e->fname);
	snprintf(tmp, sizeof tmp, "%s/.%s.md.tmp", r->dir, e->fname);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return ps_err(r->err, r->errlen, PS_EIO, "%s: %s", path,
			      strerror(errno));
	fputs("# ", f);
	md_text(f, e->name);
	fputs("\n\n", f);
	if (*e->description) {
		fputs("**Question.** ", f);
		md_text(f, e->description);
		fputs("\n\n", f);
	}
	if (*e->partial) {
		/* Numbers over fewer runs than planned: said before them. */
		fputs("> **Partial results:** ", f);
		md_text(f, e->partial + (strncmp(e->partial, "partial: ", 9) ?
					 0 : 9));
		fputs(". Missing runs are not in the numbers below, failed "
		      "ones carry their reason in the run table's status; "
		      "`poolsim run --resume` runs what is missing.\n\n", f);
	}
	if (e->n_pts == 0) {
		fputs("No finished runs are stored for this experiment.\n", f);
		goto done;
	}
	write_params(f, db, e);

	fputs("## Results\n\n", f);
	int rmin = e->reps;
	for (int p = 0; p < e->n_pts; p++) {
		int np = point_reps(e, p);
		if (np < rmin)
			rmin = np;
	}
	if (rmin < e->reps)
		fprintf(f, "%d to %d replications per point (column n: a goal's "
			"search gives each point the replications its decision "
			"needs, and compares points over the replications they "
			"share); each cell is the mean ± the 95%% confidence "
			"half-width (Student t) over that point's replications "
			"(\"deterministic\" when every replication gave the same "
			"value).\n\n", rmin, e->reps);
	else if (e->reps < 2)
		fputs("1 replication per point: each cell is that run's value, "
		      "with no interval (n=1).\n\n", f);
	else
		fprintf(f, "%d replications per point; each cell is the mean ± "
			"the 95%% confidence half-width (Student t) over "
			"replications (\"deterministic\" when every replication "
			"gave the same value).\n\n", e->reps);
	fputs("|", f);
	for (int k = 0; k < e->n_keys; k++) {
		fputc(' ', f);
		md_text(f, e->keys[k]);
		fputs(" |", f);
	}
	if (!e->n_keys)
		fputs(" point |", f);
	if (rmin < e->reps)
		fputs(" n |", f);
	int any_unstable = 0;
	for (int p = 0; p < e->n_pts; p++)
		any_unstable |= plot_unstable(e, p) > 0;
	if (any_unstable)
		fputs(" steady state |", f);
	for (int m = 0; m < e->n_metrics; m++) {
		fputc(' ', f);
		md_text(f, e->metrics[m]);
		fprintf(f, "%s |", col_unit(e->metrics[m]));
	}
	fputs("\n|", f);
	for (int c = 0; c < (e->n_keys ? e->n_keys : 1) + any_unstable +
				    (rmin < e->reps) + e->n_metrics; c++)
		fputs("---|", f);
	fputc('\n', f);
	for (int p = 0; p < e->n_pts; p++) {
		fputc('|', f);
		for (int k = 0; k < e->n_keys; k++) {
			fputc(' ', f);
			md_text(f, e->pts[p].vals[k]);
			fputs(" |", f);
		}
		if (!e->n_keys)
			fputs(" all |", f);
		if (rmin < e->reps)
			fprintf(f, " %d |", point_reps(e, p));
		if (plot_unstable(e, p) > 0)
			fputs(" **overloaded** |", f);
		else if (any_unstable)
			fputs(" |", f);
		for (int m = 0; m < e->n_metrics; m++) {
			const plot_sum *s = plot_getm(e, p, e->metrics[m]);
			double sc = col_scale(e->metrics[m]);
			char cell[160];
			if (s)
				fmt_cell(cell, sizeof cell, s, sc);
			if (s)
				fprintf(f, " %s |", cell);
			else
				fputs(" – |", f);
		}
		fputc('\n', f);
	}
	fputc('\n', f);

	int nfig = 0;
	char base[300];
	link_figure(f, r, e->fname, "metrics", &nfig);
	snprintf(base, sizeof base, "%s-tuner", e->fname);
	link_figure(f, r, base, "the tuners: K, load, SLO violations", &nfig);
	snprintf(base, sizeof base, "%s-series", e->fname);
	link_figure(f, r, base, "time series", &nfig);
	snprintf(base, sizeof base, "%s-scopes", e->fname);
	link_figure(f, r, base, "per tenant, tier and service", &nfig);
	snprintf(base, sizeof base, "%s-stages", e->fname);
	link_figure(f, r, base, "per stage", &nfig);
	if (!nfig && r->draw_err) {
		fputs("(Figures not drawn: ", f);
		md_text(f, r->draw_err);
		fputs(".)\n\n", f);
	}

	write_parts(f, e);
	write_ranking(f, db, e);

	fputs("## Answer\n\n", f);
	goal_seen gs = { f, "" };
	res_answers(db, e->id, report_goal, &gs);
	answer_unstable(f, e);
	for (int m = 0; m < e->n_metrics; m++) {
		/* the goal's own metric: the goal's answer above is the one
		 * (its points have unequal replications, chosen for it) */
		if (goal_metric(gs.goal, e->metrics[m]))
			continue;
		paired pd;
		paired_load(&pd, db, e, e->metrics[m]);
		answer(f, e, e->metrics[m], &pd);
		free(pd.v);
	}
	answer_parts(f, db, e);
	if (e->n_pts > 1)
		fputs("\nTwo choices \"cannot be told apart\" when the 95% "
		      "interval of their paired differences contains 0: the "
		      "points share random numbers, so replication r of one is "
		      "compared with replication r of the other (with one "
		      "replication, when their values are equal); more "
		      "replications (`repeat`) narrow the intervals.\n", f);
done:;
	int bad = ferror(f);
	if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
		int rc = ps_err(r->err, r->errlen, PS_EIO, "%s: write failed: "
				"%s", path, strerror(errno));
		unlink(tmp);
		return rc;
	}
	if (r->o->wrote)
		r->o->wrote(r->o->u, path);
	return 0;
}

/* index.md: every experiment's report, what it asks, when it ran; and
 * when, by which version and from which database the reports were drawn. */
typedef struct indexer {
	FILE *f;
	const char *dir;
} indexer;

static int index_row(void *u, const res_experiment *x)
{
	indexer *ix = u;
	char fname[PLOT_FNAME_MAX], path[1024];
	plot_fname(x->name, fname, sizeof fname);
	snprintf(path, sizeof path, "%s/%s.md", ix->dir, fname);
	if (access(path, F_OK) != 0)
		return 0;
	fputs("| [", ix->f);
	md_text(ix->f, x->name);
	fprintf(ix->f, "](%s.md) | ", fname);
	md_text(ix->f, x->description && *x->description ? x->description
							  : "–");
	fputs(" | ", ix->f);
	md_text(ix->f, x->created_at ? x->created_at : "");
	fputs(" |\n", ix->f);
	return 0;
}

static int write_index(res_db *db, const plot_opts *o, const char *dir,
		       char *err, size_t errlen)
{
	char path[1024], tmp[1024], now[64];
	snprintf(path, sizeof path, "%s/index.md", dir);
	snprintf(tmp, sizeof tmp, "%s/.index.md.tmp", dir);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return ps_err(err, errlen, PS_EIO, "%s: %s", path,
			      strerror(errno));
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fputs("# poolsim results\n\nDrawn ", f);
	fprintf(f, "%s by poolsim " POOLSIM_VERSION " from the database `", now);
	md_text(f, o->db_path ? o->db_path : "?");
	fputs("`.\n\n| experiment | question | run at (UTC) |\n|---|---|---|\n",
	      f);
	indexer ix = { f, dir };
	int rc = res_experiments(db, NULL, index_row, &ix);
	int bad = ferror(f);
	if (fclose(f) != 0 || bad || rc || rename(tmp, path) != 0) {
		rc = rc ? ps_err(err, errlen, PS_EDB, "reading experiments: %s",
				 res_errmsg(db))
			: ps_err(err, errlen, PS_EIO, "%s: write failed: %s",
				 path, strerror(errno));
		unlink(tmp);
		return rc;
	}
	if (o->wrote)
		o->wrote(o->u, path);
	return 0;
}

int plot_report(res_db *db, const char *name, const plot_opts *o, char *err,
		size_t errlen)
{
	assert(db && o);
	const char *dir = o->dir ? o->dir : "plots/out";
	int rc = plot_mkdirs(dir, err, errlen);
	if (rc)
		return rc;
	reporter r = { o, dir, err, errlen, NULL, 0, 0, NULL };
	plot_opts po = *o;
	po.dir = dir;
	po.wrote = note_drawn;
	po.u = &r;
	char derr[1024];
	int drc = plot_draw(db, name, &po, derr, sizeof derr);
	if (drc)
		r.draw_err = derr;
	rc = r.nomem ? ps_err(err, errlen, PS_ENOMEM, "out of memory")
		     : plot_each(db, name, report_one, &r, err, errlen);
	for (int i = 0; i < r.n_drawn; i++)
		free(r.drawn[i]);
	free(r.drawn);
	if (!rc && o->index)
		rc = write_index(db, o, dir, err, errlen);
	/* the reports are written; say why figures are missing */
	if (!rc && drc)
		rc = ps_err(err, errlen, drc, "%s", derr);
	return rc;
}
