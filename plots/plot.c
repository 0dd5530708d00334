/*
 * plot.c — figures drawn with gnuplot from the results database alone.
 *
 * For each experiment (the newest row of each name) this loads the point
 * summaries, the swept keys (parsed from the points' itervars), the `plot`
 * run_param (X key and metrics) and the series, then writes one
 * self-contained gnuplot script per figure (data inlined as datablocks,
 * terminal and output set inside, output path relative so `gnuplot NAME.gp`
 * re-draws it from its own directory) and runs gnuplot on it:
 *   NAME.png          metric vs the X key (lines with 95% error bars for a
 *                     numeric key, clustered bars for a categorical one), or
 *                     the latency quantiles as bars when there is one point
 *   NAME-series.png   time series: median and 10-90% band over replications
 *                     (plot.replication: one), events marked (series.c)
 *   NAME-scopes.png   throughput and p99 per tenant/ and tier/ scope
 *   NAME-tuner.png    a scored tuner experiment: K, load, violations,
 *                     brownout and the windowed p99 (tuner.c)
 * Work is O(rows of the experiment); gnuplot's run time dominates.
 *
 * Safety: gnuplot substitutes `backquotes` (a shell command) everywhere on a
 * command line except inside single-quoted strings, and expands @macros
 * outside quotes. So text that comes from an experiments.ini (names,
 * descriptions, itervars values, scope names) is only ever written as a
 * single-quoted string (gp_quote: ' doubled, control characters blanked so
 * that it cannot end the command line), datablocks hold numbers only (a
 * value "EOD" could end a datablock early), file names are sanitised to
 * [A-Za-z0-9_.-], and gnuplot is run by fork/exec, never through a shell.
 * Terminals are `noenhanced` so that `_` and `^` in metric names print as
 * they are.
 *
 * plot_report (report.c) shares the loaded experiment through plot_int.h.
 */
#include "plot.h"
#include "plot_int.h"
#include "../models/metric.h"
#include "zoom.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../sim/ps.h"
#include "../sim/units.h"

#define MAX_LINES 8            /* points drawn in one series panel */
#define MAX_PANELS 6           /* series panels in one figure */
#define TITLE_WRAP 90          /* characters per title line */
#define MAX_TICS 40            /* labelled categories on an x axis */
#define MAX_KEY 16             /* legend entries; more: no legend */

/* ---- small helpers ------------------------------------------------------ */

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	assert(q && "out of memory in plots/");
	return q;
}

/* An element count for an allocation: never 0 (nor negative). */
static size_t cnt(int n)
{
	return n > 0 ? (size_t)n : 1;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	assert(d && "out of memory in plots/");
	return d;
}

/* ---- file names ------------------------------------------------------------ */

/* The figures of experiment stem X: X, X-series, X-scopes, X-stages,
 * X-tuner. */
static const char *const fig_suffix[] = { "", "-series", "-scopes", "-stages",
					  "-tuner" };
#define N_SUFFIX 5

/* A name that is a file name as it stands: [A-Za-z0-9_-] then
 * [A-Za-z0-9_.-], at most PLOT_FNAME_MAX - 16 characters. ('.' first would
 * hide the file, and "." / ".." are directories; '-' first is fine since
 * every path we hand over starts with "./".) */
static int fname_safe(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > PLOT_FNAME_MAX - 16 || name[0] == '.')
		return 0;
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 128 || !(isalnum(c) || c == '_' || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

/* 32-bit FNV-1a: a stable tag that tells sanitised names apart. */
static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

/* The name's safe characters ('_' for any other, and for a leading '.'),
 * cut to 48, then "-" and the hash of the whole name in hex. */
static void fname_tagged(const char *name, char *out, size_t n)
{
	char b[64];
	size_t j = 0;
	for (const char *p = name; *p && j < 48; p++) {
		unsigned char c = (unsigned char)*p;
		int ok = c < 128 && (isalnum(c) || c == '_' || c == '-' ||
				     (c == '.' && j > 0));
		b[j++] = ok ? (char)c : '_';
	}
	b[j] = 0;
	snprintf(out, n, "%s-%08" PRIx32, b, fnv1a(name));
}

void plot_fname(const char *name, char *out, size_t n)
{
	assert(n >= PLOT_FNAME_MAX);
	if (fname_safe(name))
		snprintf(out, n, "%s", name);
	else
		fname_tagged(name, out, n);
}

int plot_fname_clash(const char *a, const char *b, char *file, size_t n)
{
	char fa[PLOT_FNAME_MAX], fb[PLOT_FNAME_MAX];
	plot_fname(a, fa, sizeof fa);
	plot_fname(b, fb, sizeof fb);
	for (int i = 0; i < N_SUFFIX; i++)
		for (int j = 0; j < N_SUFFIX; j++) {
			char x[PLOT_FNAME_MAX + 16], y[PLOT_FNAME_MAX + 16];
			snprintf(x, sizeof x, "%s%s", fa, fig_suffix[i]);
			snprintf(y, sizeof y, "%s%s", fb, fig_suffix[j]);
			if (strcasecmp(x, y))
				continue;
			if (file)
				snprintf(file, n, "%s", x);
			return !strcmp(x, y) ? 1 : 2;
		}
	return 0;
}

/* One file stem of one name, lower-cased, for finding clashes by sorting. */
typedef struct stem_ent {
	char key[PLOT_FNAME_MAX + 16];
	int idx;
} stem_ent;

static int cmp_stem(const void *a, const void *b)
{
	const stem_ent *u = a, *v = b;
	int c = strcmp(u->key, v->key);
	return c ? c : (u->idx > v->idx) - (u->idx < v->idx);
}

int plot_fname_clashes(const char *const *names, int n, int *with)
{
	stem_ent *v = xrealloc(NULL, cnt(n * N_SUFFIX) * sizeof *v);
	int m = 0;
	for (int i = 0; i < n; i++) {
		char f[PLOT_FNAME_MAX];
		plot_fname(names[i], f, sizeof f);
		for (int k = 0; k < N_SUFFIX; k++, m++) {
			snprintf(v[m].key, sizeof v[m].key, "%s%s", f,
				 fig_suffix[k]);
			for (char *c = v[m].key; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			v[m].idx = i;
		}
		with[i] = -1;
	}
	qsort(v, (size_t)m, sizeof *v, cmp_stem);
	int clashes = 0;
	for (int a = 0, b; a < m; a = b) {
		for (b = a + 1; b < m && !strcmp(v[a].key, v[b].key); b++)
			;
		/* v[a].idx is the run's smallest name; the next distinct one
		 * is its partner, and it is everyone else's. */
		int f = v[a].idx, second = -1;
		for (int k = a + 1; k < b; k++) {
			int x = v[k].idx;
			if (x == f)
				continue;
			if (second < 0)
				second = x;
			if (with[x] < 0 || f < with[x])
				with[x] = f;
		}
		if (second >= 0 && (with[f] < 0 || second < with[f]))
			with[f] = second;
	}
	for (int i = 0; i < n; i++)
		clashes += with[i] >= 0;
	free(v);
	return clashes;
}

/* The registry's row of "name" or "name@scope"; NULL for an unknown name
 * (a database from another version). */
static const model_metric *metric_row(const char *scoped)
{
	char metric[64];
	snprintf(metric, sizeof metric, "%.*s", (int)strcspn(scoped, "@"),
		 scoped);
	return model_metric_find(metric);
}

int plot_is_time(const char *metric)
{
	const model_metric *m = metric_row(metric);
	return m && !strcmp(m->unit, "s");
}

/* +1: more is better; -1: less is better; 0: a quantity to read, not a
 * goal (counts of refusals by design, sizes, settings the run chose).
 * From the registry; an unknown name counts as less is better. */
int plot_metric_goal(const char *scoped)
{
	const model_metric *m = metric_row(scoped);
	return m ? (int)m->goal : -1;
}

const char *plot_metric_unit(const char *metric)
{
	const model_metric *m = metric_row(metric);
	return m ? m->unit : "";
}

const char *plot_metric_short(const char *metric)
{
	return !strncmp(metric, "latency_", 8) ? metric + 8 : metric;
}

/* A value of the x key as a number, when the whole text is one. */
static int parse_num(const char *s, double *v)
{
	char *end;
	errno = 0;
	*v = strtod(s, &end);
	return end != s && *end == 0 && errno == 0 && isfinite(*v);
}

/* ---- loading an experiment ----------------------------------------------- */

/* "K=50, pool=ants" as keys and values (res_itervar_next). */
void plot_itervars_split(const char *s, char ***keys, char ***vals, int *n)
{
	*keys = NULL;
	*vals = NULL;
	*n = 0;
	const char *k, *v;
	size_t kn, vn;
	while (res_itervar_next(&s, &k, &kn, &v, &vn)) {
		*keys = xrealloc(*keys, (size_t)(*n + 1) * sizeof **keys);
		*vals = xrealloc(*vals, (size_t)(*n + 1) * sizeof **vals);
		(*keys)[*n] = strndup(k, kn);
		(*vals)[*n] = strndup(v, vn);
		assert((*keys)[*n] && (*vals)[*n]);
		(*n)++;
	}
}

static int load_summary(void *u, const res_summary *s)
{
	plot_exp *e = u;
	if (e->n_pts == 0 || e->pts[e->n_pts - 1].point != s->point) {
		if (e->n_pts == e->cap_pts) {
			e->cap_pts = e->cap_pts ? 2 * e->cap_pts : 16;
			e->pts = xrealloc(e->pts, (size_t)e->cap_pts *
					  sizeof *e->pts);
		}
		plot_pt *p = &e->pts[e->n_pts++];
		memset(p, 0, sizeof *p);
		p->point = s->point;
		p->itervars = xstrdup(s->itervars);
		char **keys;
		int nk;
		plot_itervars_split(s->itervars, &keys, &p->vals, &nk);
		if (e->n_pts == 1) {
			e->keys = keys;
			e->n_keys = nk;
		} else {
			for (int i = 0; i < nk; i++)
				free(keys[i]);
			free(keys);
			/* Points must agree on the keys; pad or cut. */
			p->vals = xrealloc(p->vals, (size_t)(e->n_keys + 1) *
					   sizeof *p->vals);
			for (int i = nk; i < e->n_keys; i++)
				p->vals[i] = xstrdup("");
			for (int i = e->n_keys; i < nk; i++)
				free(p->vals[i]);
		}
	}
	if (e->n_sums == e->cap_sums) {
		e->cap_sums = e->cap_sums ? 2 * e->cap_sums : 64;
		e->sums = xrealloc(e->sums, (size_t)e->cap_sums * sizeof *e->sums);
	}
	plot_sum *m = &e->sums[e->n_sums++];
	m->pt = e->n_pts - 1;
	m->scope = xstrdup(s->scope);
	m->name = xstrdup(s->name);
	m->n = s->n;
	m->mean = s->mean;
	m->ci = isnan(s->ci95) ? 0 : s->ci95;
	m->min = s->min;
	m->max = s->max;
	if (s->n > e->reps)
		e->reps = s->n;
	return 0;
}

/* Order of plot_exp.by_key: (pt, scope, name), then load order, so that
 * the first of two equal rows is found, as a scan would. */
static int cmp_sum_key(const plot_sum *a, int ia, const plot_sum *b, int ib)
{
	if (a->pt != b->pt)
		return a->pt < b->pt ? -1 : 1;
	int c = strcmp(a->scope, b->scope);
	if (!c)
		c = strcmp(a->name, b->name);
	return c ? c : (ia > ib) - (ia < ib);
}

static int cmp_by_key(const void *a, const void *b, void *u)
{
	const plot_sum *sums = u;
	int ia = *(const int *)a, ib = *(const int *)b;
	return cmp_sum_key(&sums[ia], ia, &sums[ib], ib);
}

static void index_sums(plot_exp *e)
{
	e->by_key = xrealloc(NULL, cnt(e->n_sums) *
			     sizeof *e->by_key);
	for (int i = 0; i < e->n_sums; i++)
		e->by_key[i] = i;
	/* Usually already in order: the store sorts the same way. */
	int sorted = 1;
	for (int i = 1; i < e->n_sums && sorted; i++)
		sorted = cmp_sum_key(&e->sums[i - 1], i - 1, &e->sums[i], i) < 0;
	if (!sorted)
		qsort_r(e->by_key, (size_t)e->n_sums, sizeof *e->by_key,
			cmp_by_key, e->sums);
}

double plot_unstable(const plot_exp *e, int pt)
{
	const plot_sum *s = plot_get(e, pt, "pool", "unstable");
	return s ? s->mean : 0;
}

const plot_sum *plot_get(const plot_exp *e, int pt, const char *scope,
			 const char *name)
{
	/* lower bound of (pt, scope, name) in by_key */
	int lo = 0, hi = e->n_sums;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		const plot_sum *s = &e->sums[e->by_key[mid]];
		int c = s->pt != pt ? (s->pt < pt ? -1 : 1) : strcmp(s->scope, scope);
		if (!c)
			c = strcmp(s->name, name);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == e->n_sums)
		return NULL;
	const plot_sum *s = &e->sums[e->by_key[lo]];
	if (s->pt != pt || strcmp(s->scope, scope) || strcmp(s->name, name))
		return NULL;
	return s->n > 0 && !isnan(s->mean) ? s : NULL;
}

/* A plotted metric: NAME (scope pool) or NAME@SCOPE, e.g.
 * latency_p99@tenant/quiet. */
const plot_sum *plot_getm(const plot_exp *e, int pt, const char *metric)
{
	const char *at = strchr(metric, '@');
	if (!at)
		return plot_get(e, pt, "pool", metric);
	char name[64];
	snprintf(name, sizeof name, "%.*s", (int)(at - metric), metric);
	return plot_get(e, pt, at + 1, name);
}

static int has_metric(const plot_exp *e, const char *name)
{
	for (int p = 0; p < e->n_pts; p++)
		if (plot_getm(e, p, name))
			return 1;
	return 0;
}

static void add_metric(plot_exp *e, const char *m)
{
	for (int i = 0; i < e->n_metrics; i++)
		if (!strcmp(e->metrics[i], m))
			return;
	e->metrics = xrealloc(e->metrics,
			      (size_t)(e->n_metrics + 1) * sizeof *e->metrics);
	e->metrics[e->n_metrics++] = xstrdup(m);
}

/* Groups n strings by equality in O(n log n): id[i] is the group of v[i],
 * groups numbered in order of first appearance; returns the number of
 * groups and, when first is not NULL, *first (malloc'ed) the first index
 * of each group. */
static int cmp_str_idx(const void *a, const void *b, void *u)
{
	const char *const *v = u;
	int ia = *(const int *)a, ib = *(const int *)b;
	int c = strcmp(v[ia], v[ib]);
	return c ? c : (ia > ib) - (ia < ib);
}

static int group_strings(const char *const *v, int n, int *id, int **first)
{
	int *idx = xrealloc(NULL, cnt(n) * sizeof *idx);
	int *firsts = xrealloc(NULL, cnt(n) * sizeof *firsts);
	for (int i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, (size_t)n, sizeof *idx, cmp_str_idx, (void *)v);
	/* Runs of equal strings; a run's first element is its smallest
	 * index. Mark each run's first, then number them in index order. */
	for (int i = 0; i < n; i++)
		id[i] = -1;
	for (int k = 0; k < n; k++)
		if (k == 0 || strcmp(v[idx[k - 1]], v[idx[k]]))
			id[idx[k]] = 0;         /* first of its group */
	int ng = 0;
	for (int i = 0; i < n; i++)
		if (id[i] == 0) {
			firsts[ng] = i;
			id[i] = ng++;
		}
	/* The others take their run's first's number. */
	int lead = -1;
	for (int k = 0; k < n; k++) {
		if (k == 0 || strcmp(v[idx[k - 1]], v[idx[k]]))
			lead = idx[k];
		else
			id[idx[k]] = id[lead];
	}
	free(idx);
	if (first)
		*first = firsts;
	else
		free(firsts);
	return ng;
}

/* `plot = X: Y1 Y2` from run_param; defaults per DESIGN.md. */
static void choose_axes(res_db *db, plot_exp *e)
{
	char spec[512] = "";
	e->xkey = e->n_keys > 0 ? 0 : -1;
	if (e->n_pts > 0 &&
	    res_point_param(db, e->id, e->pts[0].point, "plot", spec,
			    sizeof spec) == 0) {
		char *colon = strchr(spec, ':');
		char *list = spec;
		if (colon) {
			*colon = 0;
			char *k = spec;
			while (isspace((unsigned char)*k))
				k++;
			for (char *t = k + strlen(k);
			     t > k && isspace((unsigned char)t[-1]);)
				*--t = 0;
			for (int i = 0; i < e->n_keys; i++)
				if (!strcmp(e->keys[i], k))
					e->xkey = i;
			list = colon + 1;
		}
		for (char *tok = strtok(list, " \t,"); tok;
		     tok = strtok(NULL, " \t,"))
			if (has_metric(e, tok))
				add_metric(e, tok);
	}
	if (e->n_metrics == 0) {
		static const char *const lat[] = { "latency_p50", "latency_p99",
						   "latency_p999" };
		for (int i = 0; i < 3; i++)
			if (has_metric(e, lat[i]))
				add_metric(e, lat[i]);
		if (e->n_metrics == 0 && has_metric(e, "throughput"))
			add_metric(e, "throughput");
	}
	e->x_numeric = e->xkey >= 0;
	if (e->xkey < 0)
		return;
	for (int p = 0; p < e->n_pts; p++) {
		double v;
		if (!parse_num(e->pts[p].vals[e->xkey], &v))
			e->x_numeric = 0;
	}
	/* Categories of the x values, in order of first appearance. */
	const char **xv = xrealloc(NULL, cnt(e->n_pts) *
				   sizeof *xv);
	for (int p = 0; p < e->n_pts; p++)
		xv[p] = e->pts[p].vals[e->xkey];
	e->cat = xrealloc(NULL, cnt(e->n_pts) *
			  sizeof *e->cat);
	e->n_cat = group_strings(xv, e->n_pts, e->cat, &e->cat_first);
	free(xv);
	/* Two values make a comparison, not a curve: draw bars. */
	if (e->n_cat < 3)
		e->x_numeric = 0;
}

/* The plot.* keys, checked by `poolsim check` (a value it refused never
 * reaches the database; one from another version reads as the default). */
static void load_view(res_db *db, plot_exp *e)
{
	char v[128];
	e->xscale = 'a';
	e->xr_lo = e->xr_hi = NAN;
	e->replication = -1;
	if (e->n_pts == 0)
		return;
	int pt = e->pts[0].point;
	if (res_point_param(db, e->id, pt, "plot.xscale", v, sizeof v) == 0)
		e->xscale = !strcmp(v, "log") ? 'l' : !strcmp(v, "linear") ? 'n'
										 : 'a';
	if (res_point_param(db, e->id, pt, "plot.xrange", v, sizeof v) == 0 &&
	    plot_xrange_parse(v, &e->xr_lo, &e->xr_hi))
		e->xr_lo = e->xr_hi = NAN;
	if (res_point_param(db, e->id, pt, "plot.replication", v,
			    sizeof v) == 0 && strcmp(v, "all")) {
		char *end;
		long r = strtol(v, &end, 10);
		if (!*end && r >= 0 && r < 1000000)
			e->replication = (int)r;
	}
}

int plot_exp_load(res_db *db, const res_experiment *x, plot_exp *e)
{
	memset(e, 0, sizeof *e);
	e->id = x->id;
	e->name = xstrdup(x->name);
	e->description = xstrdup(x->description);
	char fname[PLOT_FNAME_MAX];
	plot_fname(x->name, fname, sizeof fname);
	e->fname = xstrdup(fname);
	if (res_summaries(db, x->id, NULL, NULL, load_summary, e) != 0)
		return PS_EDB;
	index_sums(e);
	if (!*e->description && e->n_pts > 0) {
		char d[1024];
		if (res_point_param(db, e->id, e->pts[0].point, "description",
				    d, sizeof d) == 0) {
			free(e->description);
			e->description = xstrdup(d);
		}
	}
	choose_axes(db, e);
	load_view(db, e);
	res_complete cm;
	if (res_completeness(db, e->id, &cm) == 0)
		res_partial_note(&cm, e->partial, sizeof e->partial);
	const char *t = *e->description ? e->description : e->name;
	size_t tn = strlen(t) + sizeof e->partial + 4;
	e->title = xrealloc(NULL, tn);
	snprintf(e->title, tn, *e->partial ? "%s [%s]" : "%s", t, e->partial);
	return 0;
}

void plot_exp_free(plot_exp *e)
{
	free(e->title);
	for (int p = 0; p < e->n_pts; p++) {
		free(e->pts[p].itervars);
		for (int k = 0; k < e->n_keys; k++)
			free(e->pts[p].vals[k]);
		free(e->pts[p].vals);
	}
	for (int k = 0; k < e->n_keys; k++)
		free(e->keys[k]);
	for (int i = 0; i < e->n_sums; i++) {
		free(e->sums[i].scope);
		free(e->sums[i].name);
	}
	for (int i = 0; i < e->n_metrics; i++)
		free(e->metrics[i]);
	free(e->pts);
	free(e->keys);
	free(e->sums);
	free(e->metrics);
	free(e->by_key);
	free(e->cat);
	free(e->cat_first);
	free(e->name);
	free(e->description);
	free(e->fname);
	memset(e, 0, sizeof *e);
}

/* "pool=ants, x=1" for the keys other than the x key: names a line. */
void plot_others(const plot_exp *e, int pt, char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = 0;
	for (int k = 0; k < e->n_keys; k++) {
		if (k == e->xkey)
			continue;
		int w = snprintf(buf + len, n - len, "%s%s=%s", len ? ", " : "",
				 e->keys[k], e->pts[pt].vals[k]);
		if (w < 0 || (size_t)w >= n - len)
			break;
		len += (size_t)w;
	}
}

/* ---- gnuplot text --------------------------------------------------------- */

/* The only way user text enters a script: one single-quoted gnuplot string
 * (see the banner). Control characters would end the command line. */
static void gp_quote(FILE *f, const char *s)
{
	fputc('\'', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\'')
			fputs("''", f);
		else if (*p < 0x20 || *p == 0x7f)
			fputc(' ', f);
		else
			fputc(*p, f);
	}
	fputc('\'', f);
}

/* A long title as quoted pieces joined by "\n" (a constant of ours, the
 * one double-quoted string we write), broken at spaces. */
static void gp_title(FILE *f, const char *s)
{
	size_t len = strlen(s);
	if (len == 0) {
		fputs("''", f);
		return;
	}
	char *buf = xstrdup(s);
	size_t start = 0;
	int first = 1;
	while (start < len) {
		size_t end = start + TITLE_WRAP;
		if (end >= len) {
			end = len;
		} else {
			size_t b = end;
			while (b > start && buf[b] != ' ')
				b--;
			if (b > start)
				end = b;
		}
		char save = buf[end];
		buf[end] = 0;
		if (!first)
			fputs(" . \"\\n\" . ", f);
		gp_quote(f, buf + start);
		buf[end] = save;
		first = 0;
		start = end;
		while (start < len && buf[start] == ' ')
			start++;
	}
	free(buf);
}

/* The output name can be overridden (`gnuplot -e "poolsim_out='F'"`):
 * poolsim draws into a temporary file and renames it, so that an
 * interrupted plot never leaves half a figure under the real name. */
static void gp_header(FILE *f, const plot_opts *o, const char *out,
		      int width, int height)
{
	int svg = o->format && !strcmp(o->format, "svg");
	fprintf(f, "# Drawn by poolsim " POOLSIM_VERSION " from its results "
		"database; `gnuplot ./%s.gp` re-draws it.\n", out);
	fprintf(f, "set terminal %s noenhanced size %d,%d font 'sans,10'\n",
		svg ? "svg" : "pngcairo", width, height);
	fputs("if (!exists(\"poolsim_out\")) poolsim_out = ", f);
	char path[256];
	snprintf(path, sizeof path, "./%s.%s", out, svg ? "svg" : "png");
	gp_quote(f, path);
	fputs("\nset output poolsim_out\n"
	      "set encoding utf8\nset grid\nset key outside right top\n", f);
}

/* Time metrics are drawn in ms when everything is below a second. */
static double time_scale(const plot_exp *e, char **metrics, int nm,
			 const char **unit)
{
	double hi = 0;
	for (int i = 0; i < nm; i++) {
		if (!plot_is_time(metrics[i]))
			continue;
		for (int p = 0; p < e->n_pts; p++) {
			const plot_sum *s = plot_getm(e, p, metrics[i]);
			if (s && s->mean + s->ci > hi)
				hi = s->mean + s->ci;
		}
	}
	*unit = hi < 1.0 ? "ms" : "s";
	return hi < 1.0 ? 1000.0 : 1.0;
}

/* ---- running gnuplot ------------------------------------------------------ */

#define EXEC_FAILED "poolsim-exec-failed:"

/* Runs `prog -e "poolsim_out='./FIG'" ./script` in dir, no shell (the
 * "./" keeps a name that starts with '-' from reading as an option).
 * Returns 0, 1 when prog could not be executed at all, or PS_EIO with
 * gnuplot's first stderr line in err. */
static int run_gnuplot(const char *prog, const char *dir, const char *script,
		       const char *fig, char *err, size_t errlen)
{
	char set[PLOT_FNAME_MAX + 80], arg[PLOT_FNAME_MAX + 48];
	snprintf(set, sizeof set, "poolsim_out='./%s'", fig);
	snprintf(arg, sizeof arg, "./%s", script);
	int fd[2];
	if (pipe(fd) != 0)
		return ps_err(err, errlen, PS_EIO, "pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return ps_err(err, errlen, PS_EIO, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
		}
		dup2(fd[1], 2);
		close(fd[0]);
		if (chdir(dir) != 0)
			_exit(126);
		char *const argv[] = { (char *)prog, "-e", set, arg, NULL };
		execvp(prog, argv);
		if (write(2, EXEC_FAILED, sizeof EXEC_FAILED - 1) < 0)
			_exit(127);
		_exit(127);
	}
	close(fd[1]);
	char out[2048];
	size_t n = 0;
	ssize_t r;
	char sink[512];
	while ((r = read(fd[0], n < sizeof out - 1 ? out + n : sink,
			 n < sizeof out - 1 ? sizeof out - 1 - n : sizeof sink)) > 0
	       || (r < 0 && errno == EINTR))
		if (r > 0 && n < sizeof out - 1)
			n += (size_t)r;
	out[n] = 0;
	close(fd[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127 &&
	    !strncmp(out, EXEC_FAILED, sizeof EXEC_FAILED - 1))
		return 1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	/* gnuplot's messages start with the offending line; keep the last
	 * non-empty line, which says what went wrong. */
	char *last = NULL;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
		if (strspn(line, " \t^") != strlen(line))
			last = line;
	return ps_err(err, errlen, PS_EIO, "gnuplot failed on %s/%s: %s", dir,
		      script, last ? last : "(no message)");
}

/* ---- figures ---------------------------------------------------------------- */

/* "dir/.FILE.tmp": where FILE is written before it is renamed into place
 * (hidden, and never a name plot_fname gives). */
static void tmp_path(char *buf, size_t n, const char *dir, const char *file)
{
	snprintf(buf, n, "%s/.%s.tmp", dir, file);
}

/* Opens the script OUT.gp for writing, under its temporary name; path gets
 * its real name. */
static FILE *open_script(drawer *d, const char *out, char *path, size_t n)
{
	char file[PLOT_FNAME_MAX + 32], tmp[1024];
	snprintf(path, n, "%s/%s.gp", d->dir, out);
	snprintf(file, sizeof file, "%s.gp", out);
	tmp_path(tmp, sizeof tmp, d->dir, file);
	FILE *f = fopen(tmp, "w");
	if (!f && d->rc == 0)
		d->rc = ps_err(d->err, d->errlen, PS_EIO, "%s: %s", path,
			       strerror(errno));
	return f;
}

/* Closes the script and renames it into place, reports it, and runs
 * gnuplot on it into a temporary figure, renamed when gnuplot succeeds. */
static void finish_script(drawer *d, FILE *f, const char *out,
			  const char *path)
{
	char file[PLOT_FNAME_MAX + 32], tmp[1024];
	snprintf(file, sizeof file, "%s.gp", out);
	tmp_path(tmp, sizeof tmp, d->dir, file);
	int bad = ferror(f);
	if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
		if (d->rc == 0)
			d->rc = ps_err(d->err, d->errlen, PS_EIO,
				       "%s: write failed: %s", path,
				       strerror(errno));
		unlink(tmp);
		return;
	}
	if (d->o->wrote)
		d->o->wrote(d->o->u, path);
	if (d->no_gnuplot)
		return;
	const char *ext = d->o->format && !strcmp(d->o->format, "svg")
				  ? "svg" : "png";
	char fig[1024], figfile[PLOT_FNAME_MAX + 16], figtmp[PLOT_FNAME_MAX + 32];
	snprintf(fig, sizeof fig, "%s/%s.%s", d->dir, out, ext);
	snprintf(figfile, sizeof figfile, "%s.%s", out, ext);
	snprintf(figtmp, sizeof figtmp, ".%s.tmp", figfile);   /* in dir */
	tmp_path(tmp, sizeof tmp, d->dir, figfile);
	char msg[512];
	int r = run_gnuplot(d->prog, d->dir, file, figtmp, msg, sizeof msg);
	if (r == 1) {
		d->no_gnuplot = 1;
		unlink(tmp);
		return;
	}
	if (r != 0) {
		unlink(tmp);
		if (d->rc == 0)
			d->rc = ps_err(d->err, d->errlen, r, "%s", msg);
		return;
	}
	if (access(tmp, F_OK) != 0)
		return;   /* nothing drawn (a fake gnuplot) */
	if (rename(tmp, fig) != 0) {
		if (d->rc == 0)
			d->rc = ps_err(d->err, d->errlen, PS_EIO,
				       "%s: %s", fig, strerror(errno));
		unlink(tmp);
		return;
	}
	if (d->o->wrote)
		d->o->wrote(d->o->u, fig);
}

/* What series.c draws with (plot_int.h). */
void plot_gp_quote(FILE *f, const char *s)
{
	gp_quote(f, s);
}

void plot_gp_title(FILE *f, const char *s)
{
	gp_title(f, s);
}

void plot_gp_header(FILE *f, const plot_opts *o, const char *out, int width,
		    int height)
{
	gp_header(f, o, out, width, height);
}

FILE *plot_script_open(drawer *d, const char *out, char *path, size_t n)
{
	return open_script(d, out, path, n);
}

void plot_script_finish(drawer *d, FILE *f, const char *out,
			const char *path)
{
	finish_script(d, f, out, path);
}

/* One point: the latency quantiles as bars (the registry's latency_*
 * metrics in its order), throughput in the title. */
static void fig_single(drawer *d, const plot_exp *e)
{
	size_t nm;
	const model_metric *m = model_metrics(&nm);
	char *have[16];
	int nh = 0;
	for (size_t i = 0; i < nm && nh < 16; i++)
		if (!strncmp(m[i].name, "latency_", 8) &&
		    plot_getm(e, 0, m[i].name))
			have[nh++] = (char *)m[i].name;
	if (nh == 0)
		return;
	char path[512];
	FILE *f = open_script(d, e->fname, path, sizeof path);
	if (!f)
		return;
	gp_header(f, d->o, e->fname, 1000, 600);
	const char *unit;
	double sc = time_scale(e, have, nh, &unit);
	double lo = INFINITY, hi = 0;
	fputs("$data << EOD\n", f);
	for (int i = 0; i < nh; i++) {
		const plot_sum *s = plot_getm(e, 0, have[i]);
		fprintf(f, "%d %.17g %.17g\n", i, s->mean * sc, s->ci * sc);
		if (s->mean > 0)
			lo = fmin(lo, s->mean * sc);
		hi = fmax(hi, s->mean * sc);
	}
	fputs("EOD\nset title ", f);
	gp_title(f, e->title);
	fputs("\nset xtics (", f);
	for (int i = 0; i < nh; i++) {
		fputs(i ? ", " : "", f);
		gp_quote(f, plot_metric_short(have[i]));
		fprintf(f, " %d", i);
	}
	fprintf(f, ")\nset xrange [-0.6:%d.6]\n", nh - 1);
	fprintf(f, "set ylabel 'latency (%s)'\n", unit);
	if (lo < INFINITY && hi / lo > 20) {
		fprintf(f, "set logscale y\nset yrange [%.6g:*]\n", lo / 3);
	} else {
		fputs("set yrange [0:*]\n", f);
	}
	const plot_sum *tp = plot_getm(e, 0, "throughput");
	fputs("set xlabel ", f);
	char lab[160];
	/* overloaded: hollow bars, and the axis says why */
	int bad = plot_unstable(e, 0) > 0;
	const char *why = bad ? "; overloaded: the backlog grew, latency "
				"grows with the run's length" : "";
	if (tp && e->reps >= 2)
		snprintf(lab, sizeof lab, "latency quantile (throughput %.4g/s "
			 "± %.2g, %d replications%s)", tp->mean, tp->ci, e->reps,
			 why);
	else if (tp)
		snprintf(lab, sizeof lab, "latency quantile (throughput %.4g/s, "
			 "1 replication%s)", tp->mean, why);
	else
		snprintf(lab, sizeof lab, "latency quantile (%d replications%s)",
			 e->reps, why);
	gp_quote(f, lab);
	fprintf(f, "\nset boxwidth 0.6\nset style fill %s border -1\n"
		"set key off\nplot $data using 1:2:3 with boxerrorbars lc 1\n",
		bad ? "empty" : "solid 0.5");
	finish_script(d, f, e->fname, path);
}

/* A line (or bar group) of the main figure: one metric at one combination
 * of the other swept keys (group `grp` of sweep_groups). */
typedef struct line {
	int metric;
	int grp;
	char others[256];
} line;

/* The points grouped by the values of the keys other than x: grp[p] is
 * point p's group (first appearance order), members lists each group's
 * points in point order, from start[g] to start[g + 1]. O(n log n). */
typedef struct sweep_groups {
	int n;
	int *grp, *start, *members, *first;
} sweep_groups;

static void sweep_groups_build(const plot_exp *e, sweep_groups *g)
{
	int n = e->n_pts;
	char **o = xrealloc(NULL, cnt(n) * sizeof *o);
	o[0] = NULL;
	for (int p = 0; p < n; p++) {
		char buf[256];
		plot_others(e, p, buf, sizeof buf);
		o[p] = xstrdup(buf);
	}
	g->grp = xrealloc(NULL, cnt(n) * sizeof *g->grp);
	g->n = group_strings((const char *const *)o, n, g->grp, &g->first);
	for (int p = 0; p < n; p++)
		free(o[p]);
	free(o);
	g->start = xrealloc(NULL, (size_t)(g->n + 1) * sizeof *g->start);
	g->members = xrealloc(NULL, cnt(n) * sizeof *g->members);
	memset(g->start, 0, (size_t)(g->n + 1) * sizeof *g->start);
	for (int p = 0; p < n; p++)
		g->start[g->grp[p] + 1]++;
	for (int k = 0; k < g->n; k++)
		g->start[k + 1] += g->start[k];
	int *fill = xrealloc(NULL, cnt(g->n) * sizeof *fill);
	memcpy(fill, g->start, (size_t)g->n * sizeof *fill);
	for (int p = 0; p < n; p++)
		g->members[fill[g->grp[p]]++] = p;
	free(fill);
}

static void sweep_groups_free(sweep_groups *g)
{
	free(g->grp);
	free(g->start);
	free(g->members);
	free(g->first);
}

/* Lines: every metric for every group, metric-major (legend order). */
static int collect_lines(const plot_exp *e, const sweep_groups *g, line **out)
{
	int n = e->n_metrics * g->n;
	line *l = xrealloc(NULL, cnt(n) * sizeof *l);
	for (int m = 0, i = 0; m < e->n_metrics; m++)
		for (int k = 0; k < g->n; k++, i++) {
			l[i].metric = m;
			l[i].grp = k;
			plot_others(e, g->first[k], l[i].others,
				    sizeof l[i].others);
		}
	*out = l;
	return n;
}

static void line_title(const plot_exp *e, const line *l, char *buf, size_t n)
{
	const char *m = plot_metric_short(e->metrics[l->metric]);
	if (*l->others)
		snprintf(buf, n, "%s, %s", m, l->others);
	else
		snprintf(buf, n, "%s", m);
}

/* A point of a line at its x position, for sorting by x (then by point,
 * as the stable insertion sort this replaces did). */
typedef struct xpt {
	double x;
	int p;
} xpt;

static int cmp_xpt(const void *a, const void *b)
{
	const xpt *u = a, *v = b;
	if (u->x != v->x)
		return u->x < v->x ? -1 : 1;
	return (u->p > v->p) - (u->p < v->p);
}

/* Non-time metrics: bytes are drawn in MB; the axis label says the unit
 * (the registry's). */
static double metric_scale(const char *metric)
{
	return !strcmp(plot_metric_unit(metric), "bytes") ? 1.0 / 1048576.0
							   : 1.0;
}

static void metric_label(const char *metric, char *buf, size_t n)
{
	const char *u = plot_metric_unit(metric);
	size_t len = strcspn(metric, "@");
	if (!strcmp(u, "bytes") && len > 6 &&
	    !strncmp(metric + len - 6, "_bytes", 6))
		snprintf(buf, n, "%.*s%s (MB)", (int)(len - 6), metric,
			 metric + len);
	else if (!strcmp(u, "bytes"))
		snprintf(buf, n, "%s (MB)", metric);
	else if (*u)
		snprintf(buf, n, "%s (%s)", metric, u);
	else
		snprintf(buf, n, "%s", metric);
}

/* ---- a goal's answer on the sweep figure ------------------------------------ */
/*
 * The stored answer (docs/goals.md) as marks: a dashed line at the chosen
 * (or first feasible) x, the points that cannot be told apart from it
 * shaded, and each slo target on a time metric as a horizontal line. Read
 * from the answer's own text fields: numbers of the swept variable and
 * "METRIC < VALUE" as the ini wrote them. An optimize answer adds a zoom
 * panel beside the sweep (zoom.c): the points around the chosen one as
 * paired differences from it, with 95% intervals.
 */
#define MARK_SLO 8
typedef struct goal_marks {
	int have;               /* a chosen x */
	double x, lo, hi;       /* the shaded span: lo < hi when any */
	char label[160];
	int nslo;
	char metric[MARK_SLO][32];
	double target[MARK_SLO];   /* seconds, for time metrics only */
	char goal[128];         /* the answer's goal text, for the zoom */
	double confidence;
	int point;              /* the chosen point (stored number) */
	const plot_exp *e;
} goal_marks;

/* The value of key in "K=24, pool=ants", as a number. */
static int itervar_num(const char *iv, const char *key, double *x)
{
	size_t kl = strlen(key);
	for (const char *q = iv; q && *q;) {
		while (*q == ' ' || *q == ',')
			q++;
		if (!strncmp(q, key, kl) && q[kl] == '=') {
			char v[128];
			size_t n = strcspn(q + kl + 1, ",");
			snprintf(v, sizeof v, "%.*s", (int)(n < 127 ? n : 127),
				 q + kl + 1);
			return parse_num(v, x);
		}
		q = strchr(q, ',');
	}
	return 0;
}

static int take_answer(void *u, const res_answer *a)
{
	goal_marks *g = u;
	const plot_exp *e = g->e;
	double x;
	if (e->xkey < 0 || !e->x_numeric)
		return 0;
	if (a->point >= 0 && itervar_num(a->chosen, e->keys[e->xkey], &x)) {
		g->have = 1;
		g->point = a->point;
		g->confidence = a->confidence;
		snprintf(g->goal, sizeof g->goal, "%s", a->goal);
		g->x = g->lo = g->hi = x;
		snprintf(g->label, sizeof g->label, "%s = %.6g%s",
			 e->keys[e->xkey], x, !strncmp(a->goal, "slo", 3)
			 ? (a->decided ? ": the first feasible" : "?")
			 : (a->decided ? ": chosen" : ": best mean, undecided"));
		/* "20 and 28", "9–15": every number in the list widens it */
		char buf[1024];
		snprintf(buf, sizeof buf, "%s", a->indifferent);
		for (char *t = buf; *t; t++)
			if (!(isdigit((unsigned char)*t) || *t == '.' ||
			      *t == '-' || *t == 'e' || *t == '+'))
				*t = ' ';
		for (char *save = NULL, *t = strtok_r(buf, " ", &save); t;
		     t = strtok_r(NULL, " ", &save))
			if (parse_num(t, &x)) {
				g->lo = fmin(g->lo, x);
				g->hi = fmax(g->hi, x);
			}
	}
	if (strncmp(a->goal, "slo: ", 5))
		return 0;
	char buf[256];
	snprintf(buf, sizeof buf, "%s", a->goal + 5);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save);
	     t && g->nslo < MARK_SLO; t = strtok_r(NULL, ",", &save)) {
		char m[32], op[4], v[64], e2[64];
		if (sscanf(t, " %31[^ <>] %3[<>=] %63s", m, op, v) != 3 ||
		    strchr(m, '@') || !plot_is_time(m) ||
		    unit_time(v, &x, e2, sizeof e2))
			continue;
		snprintf(g->metric[g->nslo], sizeof g->metric[0], "%s", m);
		g->target[g->nslo++] = x;
	}
	return 0;
}

/* Before a panel's plot command: the marks that belong on it. */
static void put_marks(FILE *f, const goal_marks *g, const plot_exp *e,
		      const int *panel, int pn, double sc)
{
	fputs("unset object 90\nunset arrow 90\nunset label 90\n", f);
	for (int k = 0; k < MARK_SLO; k++)
		fprintf(f, "unset arrow %d\nunset label %d\n", 91 + k, 91 + k);
	if (g->have) {
		if (g->lo < g->hi)
			fprintf(f, "set object 90 rect from %.17g, graph 0 to "
				"%.17g, graph 1 behind fc rgb '#2ca02c' fs "
				"transparent solid 0.15 noborder\n", g->lo, g->hi);
		fprintf(f, "set arrow 90 from %.17g, graph 0 to %.17g, graph 1 "
			"nohead dt 2 lw 2 lc rgb '#2ca02c'\n", g->x, g->x);
		fputs("set label 90 ", f);
		gp_quote(f, g->label);
		fprintf(f, " at %.17g, graph 0.86 left offset 0.5, 0 tc rgb "
			"'#2ca02c'\n", g->x);
	}
	for (int k = 0; k < g->nslo; k++) {
		int shown = 0;
		for (int m = 0; m < e->n_metrics; m++)
			shown |= panel[m] == pn && !strcmp(e->metrics[m],
							   g->metric[k]);
		if (!shown)
			continue;
		double y = g->target[k] * sc;
		fprintf(f, "set arrow %d from graph 0, first %.17g to graph 1, "
			"first %.17g nohead dt 3 lw 2 lc rgb '#d62728'\n",
			91 + k, y, y);
		fprintf(f, "set label %d 'target %s' at graph 0.01, first %.17g "
			"offset 0, 0.6 tc rgb '#d62728'\n", 91 + k, g->metric[k],
			y);
	}
}

static void fig_sweep(drawer *d, const plot_exp *e)
{
	if (e->n_metrics == 0)
		return;
	sweep_groups g;
	sweep_groups_build(e, &g);
	line *lines;
	int nl = collect_lines(e, &g, &lines);
	char path[512];
	FILE *f = open_script(d, e->fname, path, sizeof path);
	if (!f) {
		free(lines);
		sweep_groups_free(&g);
		return;
	}
	const char *unit;
	double sc = time_scale(e, e->metrics, e->n_metrics, &unit);
	goal_marks gm;
	memset(&gm, 0, sizeof gm);
	gm.e = e;
	if (d->db)
		res_answers(d->db, e->id, take_answer, &gm);
	/* a goal's answer: a zoom panel around it (zoom.c) */
	plot_zoom zm;
	int zoom = gm.have && plot_zoom_build(d->db, e, gm.goal, gm.point,
					      gm.lo, gm.hi, gm.confidence,
					      &zm) > 0;
	gp_header(f, d->o, e->fname, zoom ? 1500 : 1000, 600);
	int any_time = 0, all_pos = 1;
	for (int m = 0; m < e->n_metrics; m++)
		any_time |= plot_is_time(e->metrics[m]);
	/* Panels: latencies share one y axis; one other metric may sit on y2
	 * beside them; several other metrics (counts, bytes, fractions) each
	 * get a panel of their own, since no single axis reads for all. */
	int n_other = 0;
	for (int m = 0; m < e->n_metrics; m++)
		n_other += !plot_is_time(e->metrics[m]);
	int split = n_other > 1;
	int *panel = xrealloc(NULL, (size_t)e->n_metrics * sizeof *panel);
	int np = 0;
	if (any_time)
		np = 1;
	for (int m = 0; m < e->n_metrics; m++)
		panel[m] = plot_is_time(e->metrics[m]) ? 0
			  : split ? np++ : (any_time ? 0 : np++);
	/* Bars of one category are spread over the lines of their panel. */
	int *in_panel = xrealloc(NULL, cnt(nl) * sizeof *in_panel);
	int *per_panel = xrealloc(NULL, cnt(np) * sizeof *per_panel);
	memset(per_panel, 0, cnt(np) * sizeof *per_panel);
	for (int i = 0; i < nl; i++)
		in_panel[i] = per_panel[panel[lines[i].metric]]++;
	int ncat = e->n_cat;
	double xlo = INFINITY, xhi = -INFINITY;
	for (int p = 0; e->x_numeric && p < e->n_pts; p++) {
		double x;
		parse_num(e->pts[p].vals[e->xkey], &x);
		xlo = fmin(xlo, x);
		xhi = fmax(xhi, x);
	}
	/* Datablocks: numbers only. Numeric x: x mean ci unstable sorted
	 * by x; categories: bar position mean ci unstable. An unstable
	 * point (overloaded in some replication) gets a hollow circle
	 * around it: its numbers grow with the run's length. */
	int any_bad = 0;
	xpt *xs = xrealloc(NULL, cnt(e->n_pts) * sizeof *xs);
	for (int i = 0; i < nl; i++) {
		const char *m = e->metrics[lines[i].metric];
		double s = plot_is_time(m) ? sc : metric_scale(m);
		fprintf(f, "$d%d << EOD\n", i);
		int k = 0;
		for (int j = g.start[lines[i].grp]; j < g.start[lines[i].grp + 1];
		     j++) {
			int p = g.members[j];
			if (e->x_numeric) {
				parse_num(e->pts[p].vals[e->xkey], &xs[k].x);
			} else {
				double w = 0.8 / per_panel[panel[lines[i].metric]];
				xs[k].x = e->cat[p] - 0.4 + w * (in_panel[i] + 0.5);
			}
			xs[k++].p = p;
		}
		qsort(xs, (size_t)k, sizeof *xs, cmp_xpt);
		for (int j = 0; j < k; j++) {
			const plot_sum *v = plot_getm(e, xs[j].p, m);
			if (!v)
				continue;
			if (v->mean <= 0)
				all_pos = 0;
			int bad = plot_unstable(e, xs[j].p) > 0;
			any_bad |= bad;
			fprintf(f, "%.17g %.17g %.17g %d\n", xs[j].x, v->mean * s,
				v->ci * s, bad);
		}
		fputs("EOD\n", f);
	}
	free(xs);
	int npan = np + zoom;
	if (npan > 1) {
		int cols = npan < 3 ? npan : (npan == 4 ? 2 : 3);
		int rows = (npan + cols - 1) / cols;
		fprintf(f, "set multiplot layout %d,%d title ", rows, cols);
		gp_title(f, e->title);
		fputc('\n', f);
		if (np == 1)   /* beside the zoom: the key above the plot */
			fputs(nl > MAX_KEY ? "unset key\n"
			      : "set key inside top center horizontal opaque "
				"box lc rgb '#bbbbbb'\n", f);
	} else {
		fputs("set title ", f);
		gp_title(f, e->title);
		fputc('\n', f);
		/* Long legends beside the plot squeeze it: put them below. */
		size_t longest = 0;
		for (int i = 0; i < nl; i++) {
			char t[320];
			line_title(e, &lines[i], t, sizeof t);
			if (strlen(t) > longest)
				longest = strlen(t);
		}
		if (nl > MAX_KEY)
			fputs("unset key\n", f);
		else if (longest > 24)
			fputs("set key below\n", f);
	}
	fputs("set xlabel ", f);
	int most = 0;
	for (int pn = 0; pn < np; pn++)
		most = per_panel[pn] > most ? per_panel[pn] : most;
	if (most > MAX_KEY) {
		/* A legend of hundreds of entries would hide the plot. */
		char xl[200];
		snprintf(xl, sizeof xl, "%s (%d lines, one per value of the "
			 "other swept keys: too many to label)",
			 e->keys[e->xkey], g.n);
		gp_quote(f, xl);
	} else {
		gp_quote(f, e->keys[e->xkey]);
	}
	fputc('\n', f);
	if (e->x_numeric) {
		/* plot.xscale: auto is log for positive values spanning more
		 * than 20x; log needs every value (and the range) positive */
		int lo_ok = xlo > 0 && !(e->xr_lo <= 0);
		if (e->xscale == 'l' ? lo_ok
				     : e->xscale == 'a' && xlo > 0 && xhi / xlo > 20)
			fputs("set logscale x\n", f);
		else if (e->xscale == 'l')
			fputs("# plot.xscale = log: a value <= 0, drawn linear\n",
			      f);
		fprintf(f, "set offsets graph 0.03, graph 0.03, 0, 0\n");
		/* plot.xrange: a zoom; the open ends stay automatic */
		if (!isnan(e->xr_lo) || !isnan(e->xr_hi)) {
			fputs("set xrange [", f);
			if (!isnan(e->xr_lo))
				fprintf(f, "%.17g", e->xr_lo);
			fputc(':', f);
			if (!isnan(e->xr_hi))
				fprintf(f, "%.17g", e->xr_hi);
			fputs("]\n", f);
		}
	} else {
		/* Categories: bars from zero so that heights compare. */
		/* Past MAX_TICS categories, every step-th is labelled and
		 * the bars lose their borders (which would paint them black). */
		int step = (ncat + MAX_TICS - 1) / MAX_TICS;
		fputs("set xtics (", f);
		for (int c = 0; c < ncat; c += step) {
			fputs(c ? ", " : "", f);
			gp_quote(f, e->pts[e->cat_first[c]].vals[e->xkey]);
			fprintf(f, " %d", c);
		}
		fprintf(f, ")\nset xrange [-0.6:%d.6]\n", ncat - 1);
		if (step > 1)
			fputs("set xtics rotate by -30 left\n", f);
		fputs(ncat * nl > 4 * MAX_TICS
			      ? "set style fill solid 0.6 noborder\n"
			      : "set style fill solid 0.6 border -1\n", f);
	}
	if (any_bad)
		fprintf(f, "set label 99 'Note: %s are overloaded: the backlog "
			"grew through the measurement window, so their numbers "
			"grow with the run''s length.' at screen 0.01, screen "
			"0.012 left font ',8' tc rgb '#d62728'\nset bmargin 5\n",
			e->x_numeric ? "hollow, circled points" : "circled bars");
	/* A goal's search stops bad points early: their means rest on fewer
	 * replications than the rest, and can sit below the chosen point's */
	int nmin = e->reps;
	for (int i = 0; i < e->n_sums; i++)
		if (!strcmp(e->sums[i].scope, "pool") && e->sums[i].n < nmin)
			for (int m = 0; m < e->n_metrics; m++)
				if (!strcmp(e->sums[i].name, e->metrics[m]))
					nmin = e->sums[i].n;
	if (nmin < e->reps)
		fprintf(f, "set label 88 'Points have %d to %d replications (a "
			"goal stops clearly worse points early): each mean is over "
			"its own replications; compare points by paired "
			"differences (the zoom panel, the report).' at screen "
			"0.01, screen %s left font ',8'\nset bmargin %d\n",
			nmin, e->reps, any_bad ? "0.035" : "0.012",
			any_bad ? 6 : 5);
	for (int pn = 0; pn < np; pn++) {
		int has_time = any_time && pn == 0, y2 = -1;
		for (int m = 0; m < e->n_metrics; m++)
			if (panel[m] == pn && !plot_is_time(e->metrics[m]))
				y2 = m;
		char lab[160];
		if (np > 1) {
			/* One metric per panel: the axis label names it. */
			fputs(per_panel[pn] > 1 && per_panel[pn] <= MAX_KEY
				      ? "set key below\n" : "unset key\n", f);
			fputs("set title ''\n", f);
		}
		if (!e->x_numeric)
			fprintf(f, "set boxwidth %.4g\n", 0.8 / per_panel[pn]);
		fputs("unset y2label\nunset y2tics\nset ytics mirror\n"
		      "unset logscale y\n", f);
		if (has_time) {
			int n_time = 0, last = 0;
			for (int m = 0; m < e->n_metrics; m++)
				if (plot_is_time(e->metrics[m]))
					n_time++, last = m;
			snprintf(lab, sizeof lab, "%s (%s)",
				 n_time == 1 ? e->metrics[last] : "latency", unit);
			fputs("set ylabel ", f);
			gp_quote(f, lab);
			fputc('\n', f);
		}
		if (y2 >= 0) {
			metric_label(e->metrics[y2], lab, sizeof lab);
			fputs(has_time ? "set y2label " : "set ylabel ", f);
			gp_quote(f, lab);
			fputc('\n', f);
			if (has_time)
				fputs("set y2tics\nset ytics nomirror\n", f);
		}
		const char *yaxis = has_time && y2 >= 0 ? "x1y2" : "x1y1";
		if (e->x_numeric) {
			if (has_time && all_pos)
				fputs("set logscale y\n", f);
			fputs("set yrange [*:*]\nset y2range [*:*]\n", f);
		} else {
			fputs("set yrange [0:*]\nset y2range [0:*]\n", f);
		}
		if (e->x_numeric && (gm.have || gm.nslo))
			put_marks(f, &gm, e, panel, pn, sc);
		fputs("plot ", f);
		int first = 1;
		for (int i = 0; i < nl; i++) {
			if (panel[lines[i].metric] != pn)
				continue;
			char t[320];
			line_title(e, &lines[i], t, sizeof t);
			fprintf(f, "%s$d%d using 1:2:3 axes %s with %s lt %d "
				"title ", first ? "" : ", \\\n     ", i,
				plot_is_time(e->metrics[lines[i].metric]) ? "x1y1"
									  : yaxis,
				e->x_numeric ? "yerrorlines lw 2 pt 7 ps 1"
					     : "boxerrorbars",
				i + 1);
			gp_quote(f, t);
			first = 0;
		}
		for (int i = 0; any_bad && i < nl; i++) {
			if (panel[lines[i].metric] != pn)
				continue;
			const char *ax = plot_is_time(e->metrics[lines[i].metric])
						 ? "x1y1" : yaxis;
			/* the point itself hollow (numeric x), and circled */
			if (e->x_numeric)
				fprintf(f, ", \\\n     $d%d using 1:($4 > 0 ? $2 : "
					"1/0) axes %s with points pt 7 ps 1.4 lc "
					"rgb 'white' notitle, \\\n     $d%d using "
					"1:($4 > 0 ? $2 : 1/0) axes %s with points "
					"pt 6 ps 1.4 lw 2 lt %d notitle", i, ax, i,
					ax, i + 1);
			fprintf(f, ", \\\n     $d%d using 1:($4 > 0 ? $2 : 1/0) "
				"axes %s with points pt 6 ps 2.5 lw 2 lc rgb "
				"'#d62728' %s", i, ax,
				i == 0 || (np > 1 && in_panel[i] == 0)
					? "title 'overloaded'"
					: "notitle");
		}
		fputc('\n', f);
	}
	if (zoom)
		plot_zoom_draw(f, &zm);
	if (npan > 1)
		fputs("unset multiplot", f);
	free(panel);
	free(in_panel);
	free(per_panel);
	fputc('\n', f);
	free(lines);
	sweep_groups_free(&g);
	finish_script(d, f, e->fname, path);
}

/* ---- time series: series.c ------------------------------------------------ */

/* At most MAX_LINES points, spread evenly over the sweep. */
int plot_pick_point(int n_pts, int pt)
{
	if (n_pts <= MAX_LINES)
		return 1;
	for (int i = 0; i < MAX_LINES; i++)
		if ((int)lround((double)i * (n_pts - 1) / (MAX_LINES - 1)) == pt)
			return 1;
	return 0;
}

/* ---- per-tenant / per-tier bars ---------------------------------------------- */

int plot_is_group_scope(const char *s)
{
	return !strncmp(s, "tenant/", 7) || !strncmp(s, "tier/", 5) ||
	       !strncmp(s, "service/", 8);
}

int plot_scopes(const plot_exp *e, int (*member)(const char *scope),
		const char **out, int max)
{
	int n = 0;
	for (int i = 0; i < e->n_sums && n < max; i++) {
		if (!member(e->sums[i].scope))
			continue;
		int dup = 0;
		for (int j = 0; j < n; j++)
			dup |= !strcmp(out[j], e->sums[i].scope);
		if (!dup)
			out[n++] = e->sums[i].scope;
	}
	return n;
}

/* What the per-scope bars show: what each tenant, tier or service gets, or
 * (pipelines) how busy each stage is, which names the bottleneck. */
typedef struct scope_family {
	int (*member)(const char *scope);
	const char *mets[2], *titles[2], *ylabels[2];
} scope_family;

int plot_is_stage_scope(const char *s)
{
	return !strncmp(s, "stage/", 6);
}

static const scope_family families[] = {
	{ plot_is_group_scope, { "throughput", "latency_p99" },
	  { "throughput", "p99 latency" },
	  { "throughput (1/s)", "latency p99" } },
	{ plot_is_stage_scope, { "utilization", "queue_mean" },
	  { "utilization per stage", "mean input queue per stage" },
	  { "utilization (fraction)", "items waiting" } },
};

static void fig_scopes_of(drawer *d, const plot_exp *e,
			  const scope_family *fam, const char *suffix);

static void fig_scopes(drawer *d, const plot_exp *e)
{
	fig_scopes_of(d, e, &families[0], "scopes");
	fig_scopes_of(d, e, &families[1], "stages");
}

static void fig_scopes_of(drawer *d, const plot_exp *e,
			  const scope_family *fam, const char *suffix)
{
	/* The second metric is scaled to ms when it is a time below 1 s. */
	int m1_time = plot_is_time(fam->mets[1]);
	const char **scopes = xrealloc(NULL, (size_t)e->n_sums * sizeof *scopes);
	int ns = plot_scopes(e, fam->member, scopes, e->n_sums);
	if (ns == 0) {
		free(scopes);
		return;
	}
	int pts[MAX_LINES], np = 0;
	for (int p = 0; p < e->n_pts && np < MAX_LINES; p++)
		if (plot_pick_point(e->n_pts, p))
			pts[np++] = p;
	char out[160], path[512];
	snprintf(out, sizeof out, "%s-%s", e->fname, suffix);
	FILE *f = open_script(d, out, path, sizeof path);
	if (!f) {
		free(scopes);
		return;
	}
	gp_header(f, d->o, out, 1000, 600);
	const char *const *mets = fam->mets;
	double hi = 0;
	for (int j = 0; j < np; j++)
		for (int s = 0; s < ns; s++) {
			const plot_sum *v = plot_get(e, pts[j], scopes[s],
						     mets[1]);
			if (v)
				hi = fmax(hi, v->mean + v->ci);
		}
	double sc = m1_time && hi < 1.0 ? 1000.0 : 1.0;
	for (int m = 0; m < 2; m++)
		for (int j = 0; j < np; j++) {
			fprintf(f, "$m%dp%d << EOD\n", m, j);
			double w = 0.8 / np;
			for (int s = 0; s < ns; s++) {
				const plot_sum *v = plot_get(e, pts[j], scopes[s],
							     mets[m]);
				if (v)
					fprintf(f, "%.17g %.17g %.17g\n",
						s - 0.4 + w * (j + 0.5),
						v->mean * (m ? sc : 1),
						v->ci * (m ? sc : 1));
			}
			fputs("EOD\n", f);
		}
	fputs("set multiplot layout 1,2 title ", f);
	gp_title(f, e->title);
	fputs("\nset xtics (", f);
	for (int s = 0; s < ns; s++) {
		fputs(s ? ", " : "", f);
		gp_quote(f, scopes[s]);
		fprintf(f, " %d", s);
	}
	fprintf(f, ")\nset xrange [-0.6:%d.6]\nset yrange [0:*]\n"
		"set boxwidth %.4g\nset style fill solid 0.6 border -1\n",
		ns - 1, 0.8 / np);
	/* Half a panel holds about four scope names side by side. */
	if (ns > 4)
		fputs("set xtics rotate by -30 left\n", f);
	fputs("set key outside bottom center horizontal\n", f);
	for (int m = 0; m < 2; m++) {
		fprintf(f, "set title '%s'\nset ylabel '%s%s'\nplot ",
			fam->titles[m], fam->ylabels[m],
			m && m1_time ? (sc > 1 ? " (ms)" : " (s)") : "");
		for (int j = 0; j < np; j++) {
			/* an overloaded point's bars are hollow */
			int bad = plot_unstable(e, pts[j]) > 0;
			char t[320];
			snprintf(t, sizeof t, "%s%s",
				 *e->pts[pts[j]].itervars ? e->pts[pts[j]].itervars
							  : "all",
				 bad ? " (overloaded)" : "");
			fprintf(f, "%s$m%dp%d using 1:2:3 with boxerrorbars %s"
				"title ", j ? ", " : "", m, j,
				bad ? "fs empty border lw 2 " : "");
			gp_quote(f, t);
		}
		fputc('\n', f);
	}
	fputs("unset multiplot\n", f);
	free(scopes);
	finish_script(d, f, out, path);
}

/* ---- entry points ------------------------------------------------------------ */

int plot_mkdirs(const char *dir, char *err, size_t errlen)
{
	char buf[1024];
	if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
		return ps_err(err, errlen, PS_EINVAL, "%s: path too long", dir);
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || *p == 0) {
			char c = *p;
			*p = 0;
			if (mkdir(buf, 0777) != 0 && errno != EEXIST)
				return ps_err(err, errlen, PS_EIO,
					      "cannot create %s: %s", buf,
					      strerror(errno));
			*p = c;
			if (!c)
				break;
		}
	}
	struct stat sb;
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return ps_err(err, errlen, PS_EIO, "%s: not a directory", dir);
	return 0;
}

/* Every experiment name of the database, sorted, with whether its files
 * would meet another's: such names draw under the tagged stem, so that
 * two experiments never write one file, whichever of them is drawn. */
typedef struct name_set {
	char **names;
	int *clash;
	int n, cap;
} name_set;

static int collect_name(void *u, const res_experiment *x)
{
	name_set *s = u;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->names = xrealloc(s->names, (size_t)s->cap * sizeof *s->names);
	}
	s->names[s->n++] = xstrdup(x->name);
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct each_ctx {
	res_db *db;
	int (*fn)(void *u, res_db *db, plot_exp *e);
	void *u;
	int rc, n;
	const name_set *all;
} each_ctx;

static int each_exp(void *u, const res_experiment *x)
{
	each_ctx *c = u;
	plot_exp e;
	c->n++;
	if (plot_exp_load(c->db, x, &e) != 0) {
		c->rc = PS_EDB;
	} else {
		const char *key = x->name;
		char **hit = c->all->n ? bsearch(&key, c->all->names,
						 (size_t)c->all->n,
						 sizeof *c->all->names, cmp_name)
				       : NULL;
		if (hit && c->all->clash[hit - c->all->names]) {
			char f[PLOT_FNAME_MAX];
			fname_tagged(x->name, f, sizeof f);
			free(e.fname);
			e.fname = xstrdup(f);
		}
		int r = c->fn(c->u, c->db, &e);
		if (r && !c->rc)
			c->rc = r;
	}
	plot_exp_free(&e);
	return 0;
}

int plot_each(res_db *db, const char *name,
	      int (*fn)(void *u, res_db *db, plot_exp *e), void *u,
	      char *err, size_t errlen)
{
	name_set all = { 0 };
	if (res_experiments(db, NULL, collect_name, &all) != 0) {
		for (int i = 0; i < all.n; i++)
			free(all.names[i]);
		free(all.names);
		return ps_err(err, errlen, PS_EDB, "reading experiments: %s",
			      res_errmsg(db));
	}
	qsort(all.names, (size_t)all.n, sizeof *all.names, cmp_name);
	all.clash = xrealloc(NULL, cnt(all.n) * sizeof *all.clash);
	plot_fname_clashes((const char *const *)all.names, all.n, all.clash);
	for (int i = 0; i < all.n; i++)
		all.clash[i] = all.clash[i] >= 0;
	each_ctx c = { db, fn, u, 0, 0, &all };
	int rrc = res_experiments(db, name, each_exp, &c);
	for (int i = 0; i < all.n; i++)
		free(all.names[i]);
	free(all.names);
	free(all.clash);
	if (rrc != 0)
		return ps_err(err, errlen, PS_EDB, "reading experiments: %s",
			      res_errmsg(db));
	if (c.n == 0)
		return ps_err(err, errlen, PS_EINVAL, name
			      ? "no experiment named '%s' in the database"
			      : "no experiments in the database%s", name ? name : "");
	if (c.rc == PS_EDB)
		return ps_err(err, errlen, PS_EDB, "reading results: %s",
			      res_errmsg(db));
	return c.rc;
}

static int draw_one(void *u, res_db *db, plot_exp *e)
{
	drawer *d = u;
	(void)db;
	if (e->n_pts == 0)
		return 0;   /* no finished run yet */
	if (e->xkey < 0 || e->n_pts == 1)
		fig_single(d, e);
	else
		fig_sweep(d, e);
	plot_fig_series(d, e);
	plot_fig_tuner(d, e);
	fig_scopes(d, e);
	return 0;
}

int plot_draw(res_db *db, const char *name, const plot_opts *o, char *err,
	      size_t errlen)
{
	assert(db && o);
	const char *dir = o->dir ? o->dir : "plots/out";
	int rc = plot_mkdirs(dir, err, errlen);
	if (rc)
		return rc;
	drawer d = { db, o, dir, o->gnuplot ? o->gnuplot : "gnuplot", 0, 0,
		     err, errlen };
	rc = plot_each(db, name, draw_one, &d, err, errlen);
	if (rc)
		return rc;
	if (d.rc)
		return d.rc;
	if (d.no_gnuplot)
		return ps_err(err, errlen, PS_EIO,
			      "gnuplot not found: install it with 'apt-get "
			      "install gnuplot-nox' (the .gp scripts are in %s)",
			      dir);
	return 0;
}
