/*
 * plot_int.h — what plot.c and report.c share: one experiment loaded from
 * the database (points, swept keys, summaries, the chosen axes) and the
 * naming rules for metrics. Private to plots/.
 */
#ifndef PLOT_INT_H
#define PLOT_INT_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "../results/store.h"
#include "plot.h"

/* One sweep point. vals[k] is the value of plot_exp.keys[k]. */
typedef struct plot_pt {
	int point;
	char *itervars;
	char **vals;
} plot_pt;

/* One point_summary row; pt indexes plot_exp.pts. ci is 0 when unknown
 * (n < 2: one replication has no interval); min == max with n >= 2 are
 * identical replications (a deterministic replay). */
typedef struct plot_sum {
	int pt;
	char *scope, *name;
	int n;
	double mean, ci, min, max;
} plot_sum;

/* Owns every string and array (plot_exp_free). Invariants: pts are in
 * point order; every pts[i].vals has n_keys entries; xkey < n_keys, and
 * -1 only when n_keys == 0; metrics exist in scope "pool" at some point. */
typedef struct plot_exp {
	int64_t id;
	char *name, *description;
	char *fname;            /* sanitised name for files */
	char **keys;            /* swept keys, in itervars order */
	int n_keys;
	plot_pt *pts;
	int n_pts;
	plot_sum *sums;         /* in the database's order */
	int n_sums, cap_sums, cap_pts;
	int *by_key;            /* sums indices sorted by (pt, scope, name) */
	int xkey;               /* index into keys, or -1 */
	int *cat;               /* category of each point's x value (first
				   appearance order); NULL when xkey < 0 */
	int *cat_first;         /* the first point of each category */
	int n_cat;
	int x_numeric;          /* every x value parses as a number */
	char **metrics;         /* y metrics (scope "pool") */
	int n_metrics;
	int reps;               /* largest n over the summaries */
	char partial[160];      /* "partial: 37 of 40 runs", "" when complete */
	char *title;            /* description (or name) + partial note */
	/* The plot.* keys (run_param of the first point; docs: keys). */
	char xscale;            /* 'a'uto, 'l'og or li'n'ear */
	double xr_lo, xr_hi;    /* plot.xrange ends; NAN = automatic */
	int replication;        /* plot.replication; -1 = all (median) */
} plot_exp;

/* The state of one plot_draw call, shared by the figures. */
typedef struct drawer {
	res_db *db;
	const plot_opts *o;
	const char *dir;
	const char *prog;
	int no_gnuplot;         /* set after the first failed exec */
	int rc;                 /* first error, kept while others continue */
	char *err;
	size_t errlen;
} drawer;

/* gnuplot text (plot.c): user text only ever through plot_gp_quote (a
 * single-quoted string) or plot_gp_title (quoted pieces); a script is
 * opened under a temporary name and plot_script_finish renames it, runs
 * gnuplot and reports the files. */
void plot_gp_quote(FILE *f, const char *s);
void plot_gp_title(FILE *f, const char *s);
void plot_gp_header(FILE *f, const plot_opts *o, const char *out, int width,
		    int height);
FILE *plot_script_open(drawer *d, const char *out, char *path, size_t n);
void plot_script_finish(drawer *d, FILE *f, const char *out,
			const char *path);
/* 1 when point index pt is among the (at most 8) points a series or
 * per-scope figure draws, spread evenly over the sweep. */
int plot_pick_point(int n_pts, int pt);
/* NAME-series: the time series (series.c). */
void plot_fig_series(drawer *d, const plot_exp *e);
/* NAME-tuner: K, load, violations and the windowed quantile of a scored
 * tuner experiment (tuner.c); nothing for other experiments. */
void plot_fig_tuner(drawer *d, const plot_exp *e);

int plot_exp_load(res_db *db, const res_experiment *x, plot_exp *e);
void plot_exp_free(plot_exp *e);
/* The summary of (point index, scope, name), NULL when absent or empty.
 * O(log sums): a binary search of by_key. */
const plot_sum *plot_get(const plot_exp *e, int pt, const char *scope,
			 const char *name);
/* Share of point pt's replications flagged `unstable` (the backlog grew
 * through the window: overloaded); 0 when none or not stored. */
double plot_unstable(const plot_exp *e, int pt);
/* The same for a plotted metric: NAME (scope pool) or NAME@SCOPE. */
const plot_sum *plot_getm(const plot_exp *e, int pt, const char *metric);
/* The distinct scopes of e's summaries that member() accepts, in
 * first-seen order: at most max of them into out; returns how many. */
int plot_scopes(const plot_exp *e, int (*member)(const char *scope),
		const char **out, int max);
/* "pool=ants, x=1": the swept keys other than the x key at point pt. */
void plot_others(const plot_exp *e, int pt, char *buf, size_t n);
/* Runs fn on every loaded experiment (newest of each name, or `name`). */
int plot_each(res_db *db, const char *name,
	      int (*fn)(void *u, res_db *db, plot_exp *e), void *u,
	      char *err, size_t errlen);
int plot_mkdirs(const char *dir, char *err, size_t errlen);

int plot_is_time(const char *metric);          /* seconds-valued */
/* tenant/, tier/, service/ scopes (what each part gets); stage/ scopes. */
int plot_is_group_scope(const char *scope);
int plot_is_stage_scope(const char *scope);
int plot_metric_goal(const char *metric);        /* +1 more, -1 less, 0 none */
/* The registry's unit of "name" or "name@scope" ("s", "1/s", "tasks"), or "". */
const char *plot_metric_unit(const char *metric);
const char *plot_metric_short(const char *metric);  /* latency_p99 → p99 */
/* "412.3 ± 27": mean to 4 significant digits, half-width to 2, no
 * exponents; a half-width below 1e-6 of the mean prints as 0. */
void plot_fmt_pm(char *buf, size_t n, double mean, double ci);

#endif
