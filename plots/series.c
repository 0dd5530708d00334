/*
 * series.c — NAME-series: the stored time series of an experiment, one
 * panel per (scope, series), one line per sweep point (at most 8, spread
 * over the sweep: plot_pick_point).
 *
 * What a design doc needs from it:
 *   - one shared legend under the title (not one per panel), and the same
 *     colour for a sweep point in every panel;
 *   - units on every y axis, from the series registry (models/metric.h);
 *   - across replications the median line with a band from the 10th to
 *     the 90th percentile (`plot.replication = N` draws replication N
 *     alone): replications are resampled on the union of their sample
 *     times, each holding its last value (series are levels), and a time
 *     counts while at least half the replications are still running;
 *   - lines that coincide stay visible: the first point is drawn widest,
 *     each next one narrower and dashed, so equal stretches show as nested
 *     stripes (common random numbers make equal stretches common);
 *   - events as labelled vertical markers: SIGTERM, each point's drain
 *     deadline, the step changes of a steps() arrival profile, a
 *     downstream's brownout (downstream.NAME.slowdown = steps(...) or
 *     ramp(...)) starting, changing and ending, and when each alert went
 *     pending and firing; the alert state panel names its levels and
 *     shades them as bands;
 *   - with `shutdown.*`, each point's legend entry says how many tasks
 *     finished and how many were cut off, and a last panel draws it: a
 *     bar per point, finished in its colour, cut off hatched, numbered
 *     (the drain question's answer at a glance);
 *   - tenants and services as small multiples: a panel each of their
 *     throughput, after the pool's own panels;
 *   - a tuned pool's K changes as events when there are at most 6 in the
 *     replication drawn (more are a trajectory: the K panel shows it).
 * The SIGTERM of `shutdown.at = after(N)` is not stored: it is the run's
 * end less drain_s, the end being the last sample (the run's last event,
 * which the model always samples unless thinning dropped it) or the
 * makespan, whichever is later: within one sampling interval.
 *
 * Work: O(samples × replications) per point drawn; memory the same.
 */
#include "plot.h"
#include "plot_int.h"
#include "../models/metric.h"
#include "../models/model.h"
#include "../sim/units.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/ps.h"

#define MAX_SPANELS 12         /* panels in one series figure */
#define MAX_GRID 400           /* resampled times per line */
#define MAX_MARKS 32

/* The palette of the points drawn, in their order: the same colour for a
 * point in every panel (colour-blind-safe first four). */
static const char *const palette[] = {
	"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
	"#7f7f7f", "#000000"
};
/* A dash pattern per point, all 8 distinct, and nested widths: the first
 * point widest, so that coinciding stretches show as stripes (narrower
 * steps with more than 4 points, where the widest would hide the rest). */
static const char *const dashes[] = { "1", "2", "4", "5", "(10,4,2,4,2,4)",
				      "(2,5)", "(14,5)", "3" };

static double line_w(int np, int slot)
{
	return np > 4 ? 1.2 + 0.6 * (np - 1 - slot) : 1.3 + 1.4 * (np - 1 - slot);
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	assert(q && "out of memory in plots/");
	return q;
}

/* One replication of one series. */
typedef struct rep_ser {
	double *t, *v;
	int n, cap;
} rep_ser;

/* One (point, scope, name): its replications. */
typedef struct track {
	char scope[64], name[32];
	int pt;                 /* index into plot_exp.pts */
	int slot;               /* index among the points drawn (colour) */
	rep_ser *reps;
	int n_reps;
} track;

typedef struct sload {
	track *tr;
	int n, cap;
	int pt, slot, rep;
} sload;

static int load_row(void *u, const res_series_pt *p)
{
	sload *L = u;
	track *k = NULL;
	for (int i = L->n - 1; i >= 0 && L->tr[i].pt == L->pt; i--)
		if (!strcmp(L->tr[i].scope, p->scope) &&
		    !strcmp(L->tr[i].name, p->name))
			k = &L->tr[i];
	if (!k) {
		if (L->n == L->cap) {
			L->cap = L->cap ? 2 * L->cap : 16;
			L->tr = xrealloc(L->tr, (size_t)L->cap * sizeof *L->tr);
		}
		k = &L->tr[L->n++];
		memset(k, 0, sizeof *k);
		snprintf(k->scope, sizeof k->scope, "%s", p->scope);
		snprintf(k->name, sizeof k->name, "%s", p->name);
		k->pt = L->pt;
		k->slot = L->slot;
	}
	if (L->rep >= k->n_reps) {
		k->reps = xrealloc(k->reps, (size_t)(L->rep + 1) * sizeof *k->reps);
		memset(k->reps + k->n_reps, 0,
		       (size_t)(L->rep + 1 - k->n_reps) * sizeof *k->reps);
		k->n_reps = L->rep + 1;
	}
	rep_ser *r = &k->reps[L->rep];
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 256;
		r->t = xrealloc(r->t, (size_t)r->cap * sizeof *r->t);
		r->v = xrealloc(r->v, (size_t)r->cap * sizeof *r->v);
	}
	r->t[r->n] = p->t;
	r->v[r->n] = p->value;
	r->n++;
	return 0;
}

/* ---- replications: median and 10-90% band --------------------------------- */

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Quantile q of sorted v[0..n) (linear between order statistics). */
static double quant(const double *v, int n, double q)
{
	double h = (n - 1) * q;
	int i = (int)floor(h);
	return i + 1 < n ? v[i] + (h - i) * (v[i + 1] - v[i]) : v[n - 1];
}

/* Writes rows "t median q10 q90" of track k; returns the rows written. */
static int write_band(FILE *f, const track *k)
{
	int nr = 0, total = 0;
	for (int r = 0; r < k->n_reps; r++)
		if (k->reps[r].n) {
			nr++;
			total += k->reps[r].n;
		}
	if (!nr)
		return 0;
	double *ts = xrealloc(NULL, (size_t)total * sizeof *ts);
	int nt = 0;
	for (int r = 0; r < k->n_reps; r++)
		for (int j = 0; j < k->reps[r].n; j++)
			ts[nt++] = k->reps[r].t[j];
	qsort(ts, (size_t)nt, sizeof *ts, cmp_dbl);
	int u = 0;
	for (int j = 0; j < nt; j++)
		if (!u || ts[j] > ts[u - 1])
			ts[u++] = ts[j];
	int stride = u > MAX_GRID ? (u + MAX_GRID - 1) / MAX_GRID : 1;
	int *at = xrealloc(NULL, (size_t)k->n_reps * sizeof *at);
	double *vals = xrealloc(NULL, (size_t)k->n_reps * sizeof *vals);
	memset(at, 0, (size_t)k->n_reps * sizeof *at);
	int rows = 0;
	for (int j = 0; j < u; j++) {
		if (j % stride && j != u - 1)
			continue;
		double t = ts[j];
		int alive = 0, nv = 0;
		for (int r = 0; r < k->n_reps; r++) {
			const rep_ser *s = &k->reps[r];
			if (!s->n || t > s->t[s->n - 1] || t < s->t[0])
				continue;
			while (at[r] + 1 < s->n && s->t[at[r] + 1] <= t)
				at[r]++;
			alive++;
			if (!isnan(s->v[at[r]]))
				vals[nv++] = s->v[at[r]];
		}
		if (2 * alive < nr)
			break;      /* most replications have ended */
		if (!nv)
			continue;
		qsort(vals, (size_t)nv, sizeof *vals, cmp_dbl);
		fprintf(f, "%.9g %.9g %.9g %.9g\n", t, quant(vals, nv, 0.5),
			quant(vals, nv, 0.1), quant(vals, nv, 0.9));
		rows++;
	}
	free(ts);
	free(at);
	free(vals);
	return rows;
}

/* ---- events ------------------------------------------------------------------ */

typedef struct mark {
	double t;
	char label[96];
	int slot;               /* the point's colour; -1: every point */
} mark;

typedef struct marks {
	mark m[MAX_MARKS];
	int n;
} marks;

static void add_mark(marks *M, double t, int slot, const char *label)
{
	if (!isfinite(t) || t < 0)
		return;
	for (int i = 0; i < M->n; i++)
		if (!strcmp(M->m[i].label, label) &&
		    fabs(M->m[i].t - t) <= 1e-9 * fmax(1, fabs(t))) {
			if (M->m[i].slot != slot)
				M->m[i].slot = -1;   /* shared by points */
			return;
		}
	if (M->n == MAX_MARKS)
		return;
	mark *k = &M->m[M->n++];
	k->t = t;
	k->slot = slot;
	snprintf(k->label, sizeof k->label, "%s", label);
}

/* The end of point pt's runs, averaged: the last sample of each
 * replication (see the banner). */
static double run_end(const track *tr, int ntr, int pt)
{
	double sum = 0;
	int n = 0;
	for (int r = 0;; r++) {
		double end = -1;
		int any = 0;
		for (int i = 0; i < ntr; i++) {
			if (tr[i].pt != pt || r >= tr[i].n_reps)
				continue;
			any = 1;
			const rep_ser *s = &tr[i].reps[r];
			if (s->n && s->t[s->n - 1] > end)
				end = s->t[s->n - 1];
		}
		if (!any)
			break;
		if (end >= 0) {
			sum += end;
			n++;
		}
	}
	return n ? sum / n : NAN;
}

/* First time at or above level in each replication of k, averaged over
 * the replications that reach it, when at least half do; else NAN. */
static double first_at(const track *k, double level)
{
	double sum = 0;
	int n = 0, nr = 0;
	for (int r = 0; r < k->n_reps; r++) {
		const rep_ser *s = &k->reps[r];
		if (!s->n)
			continue;
		nr++;
		for (int j = 0; j < s->n; j++)
			if (s->v[j] >= level) {
				sum += s->t[j];
				n++;
				break;
			}
	}
	return n && 2 * n >= nr ? sum / n : NAN;
}

/* A downstream's brownout, `downstream.NAME.slowdown = steps(F for D,
 * ...)` (or ramp(F0, F1, D)): a marker where its factor leaves 1
 * ("db brownout x4"), changes ("db x8") and comes back ("db brownout
 * end"). A file's are read off the stored series (collect_marks). */
typedef struct slow_ctx {
	marks *M;
	int slot;
} slow_ctx;

static int slow_param(void *u, const res_param *p)
{
	slow_ctx *c = u;
	size_t n = strlen(p->name), sl = strlen(".slowdown");
	if (strncmp(p->name, "downstream.", 11) || n <= 11 + sl ||
	    strcmp(p->name + n - sl, ".slowdown"))
		return 0;
	char name[48], lab[128], e1[128];
	snprintf(name, sizeof name, "%.*s", (int)(n - 11 - sl), p->name + 11);
	const char *v = p->value;
	while (*v == ' ')
		v++;
	int ramp = !strncmp(v, "ramp(", 5);
	if (strncmp(v, "steps(", 6) && !ramp)
		return 0;
	char buf[1024];
	snprintf(buf, sizeof buf, "%s", strchr(v, '(') + 1);
	char *close = strrchr(buf, ')');
	if (close)
		*close = 0;
	double t = 0, prev = 1;
	if (ramp) {
		double f0, f1, dur;
		char d[64];
		if (sscanf(buf, " %lf , %lf , %63[^)]", &f0, &f1, d) != 3 ||
		    unit_time(d, &dur, e1, sizeof e1))
			return 0;
		snprintf(lab, sizeof lab, "%s slowdown x%.3g to x%.3g", name,
			 f0, f1);
		add_mark(c->M, 0, c->slot, lab);
		snprintf(lab, sizeof lab, "%s x%.3g", name, f1);
		add_mark(c->M, dur, c->slot, lab);
		return 0;
	}
	for (char *save = NULL, *step = strtok_r(buf, ",", &save); step;
	     step = strtok_r(NULL, ",", &save)) {
		char *q;
		double f = strtod(step, &q);
		while (*q == ' ')
			q++;
		double dur;
		if (q == step || strncmp(q, "for ", 4) ||
		    unit_time(q + 4, &dur, e1, sizeof e1))
			return 0;   /* not a form this knows: no marks */
		if (f != prev) {
			if (prev == 1)
				snprintf(lab, sizeof lab, "%s brownout x%.3g",
					 name, f);
			else if (f == 1)
				snprintf(lab, sizeof lab, "%s brownout end",
					 name);
			else
				snprintf(lab, sizeof lab, "%s x%.3g", name, f);
			add_mark(c->M, t, c->slot, lab);
		}
		prev = f;
		t += dur;
	}
	return 0;
}

/* The first replication of k with data when its value changes at most 6
 * times (each change an event worth a marker), else NULL: more changes
 * are a trajectory the series' own panel shows. */
static const rep_ser *few_changes(const track *k)
{
	if (!k->n_reps)
		return NULL;
	const rep_ser *s = &k->reps[0];
	for (int r = 0; r < k->n_reps && !s->n; r++)
		s = &k->reps[r];
	int changes = 0;
	for (int q = 1; q < s->n; q++)
		changes += s->v[q] != s->v[q - 1];
	return changes <= 6 ? s : NULL;
}

static void collect_marks(drawer *d, const plot_exp *e, const track *tr,
			  int ntr, const int *pts, int np, marks *M)
{
	char v[512], lab[96], e1[128];
	for (int j = 0; j < np; j++) {
		int pt = pts[j], point = e->pts[pt].point;
		/* SIGTERM and the drain deadline */
		double term = NAN, drain = NAN;
		if (res_point_param(d->db, e->id, point, "shutdown.at", v,
				    sizeof v) == 0) {
			if (!strncmp(v, "after(", 6)) {
				const plot_sum *ds = plot_get(e, pt, "pool",
							      "drain_s");
				const plot_sum *mk = plot_get(e, pt, "pool",
							      "makespan");
				double end = run_end(tr, ntr, pt);
				if (mk && !(end >= mk->mean))
					end = mk->mean;
				if (ds)
					term = end - ds->mean;
			} else if (unit_time(v, &term, e1, sizeof e1)) {
				term = NAN;
			}
			if (res_point_param(d->db, e->id, point, "shutdown.drain",
					    v, sizeof v) == 0 &&
			    unit_time(v, &drain, e1, sizeof e1))
				drain = NAN;
		}
		add_mark(M, term, j, "SIGTERM");
		if (isfinite(term) && drain > 0) {
			snprintf(lab, sizeof lab, "deadline %.60s", v);
			add_mark(M, term + drain, j, lab);
		}
		/* the step changes of a steps() profile */
		if (res_point_param(d->db, e->id, point, "arrival", v,
				    sizeof v) == 0 && !strncmp(v, "steps(", 6)) {
			wl_spec w;
			memset(&w, 0, sizeof w);
			if (wl_parse(v, ".", &w, e1, sizeof e1) == 0) {
				double t = 0;
				for (int s = 0; s + 1 < w.n_steps; s++) {
					t += w.steps[s].dur;
					snprintf(lab, sizeof lab, "arrivals %.4g/s",
						 w.steps[s + 1].rate);
					add_mark(M, t, j, lab);
				}
			}
			wl_spec_fini(&w);
		}
		/* K changes of a tuned pool, when they are few enough to
		 * read (replication 0's, or the one drawn): each is an event;
		 * many are a trajectory the K panel shows */
		for (int i = 0; i < ntr; i++) {
			const track *k = &tr[i];
			if (k->pt != pt || strcmp(k->scope, "pool") ||
			    strcmp(k->name, "K"))
				continue;
			const rep_ser *s = few_changes(k);
			for (int q = 1; s && q < s->n; q++)
				if (s->v[q] != s->v[q - 1]) {
					snprintf(lab, sizeof lab, "K %.6g -> %.6g",
						 s->v[q - 1], s->v[q]);
					add_mark(M, s->t[q], j, lab);
				}
		}
		/* downstream brownouts: steps() and ramp() from the ini;
		 * a file's from the stored slowdown series, where it leaves
		 * 1 and comes back (a few changes only: many are a profile
		 * its own panel shows) */
		slow_ctx sc = { M, j };
		res_point_params(d->db, e->id, point, slow_param, &sc);
		for (int i = 0; i < ntr; i++) {
			const track *k = &tr[i];
			if (k->pt != pt || strncmp(k->scope, "downstream/", 11) ||
			    strcmp(k->name, "slowdown"))
				continue;
			char key[128];
			snprintf(key, sizeof key, "downstream.%s.slowdown",
				 k->scope + 11);
			if (res_point_param(d->db, e->id, point, key, v,
					    sizeof v) != 0 ||
			    strncmp(v, "file(", 5))
				continue;
			const rep_ser *s = few_changes(k);
			for (int q = 1; s && q < s->n; q++) {
				double a = s->v[q - 1], b = s->v[q];
				if (a == b)
					continue;
				if (a == 1)
					snprintf(lab, sizeof lab, "%.40s brownout "
						 "x%.3g", k->scope + 11, b);
				else if (b == 1)
					snprintf(lab, sizeof lab, "%.40s brownout "
						 "end", k->scope + 11);
				else
					snprintf(lab, sizeof lab, "%.40s x%.3g",
						 k->scope + 11, b);
				add_mark(M, s->t[q], j, lab);
			}
		}
		/* alerts: pending and firing */
		for (int i = 0; i < ntr; i++) {
			const track *k = &tr[i];
			if (k->pt != pt || strncmp(k->scope, "alert/", 6) ||
			    strcmp(k->name, "state"))
				continue;
			snprintf(lab, sizeof lab, "%s pending", k->scope + 6);
			add_mark(M, first_at(k, 1), j, lab);
			snprintf(lab, sizeof lab, "%s firing", k->scope + 6);
			add_mark(M, first_at(k, 2), j, lab);
		}
	}
}

/* ---- the figure ------------------------------------------------------------------ */

/* Panel order: alerts (the question of an alert experiment), the load
 * and the tuner, the pool's levels, then downstreams and stages. */
static int panel_rank(const track *k)
{
	static const char *const pool[] = { "offered", "K", "queue_depth",
					    "running", "workers" };
	if (!strncmp(k->scope, "alert/", 6))
		return 0;
	if (!strcmp(k->scope, "pool"))
		for (int i = 0; i < 5; i++)
			if (!strcmp(k->name, pool[i]))
				return 1 + i;
	if (!strncmp(k->scope, "downstream/", 11))
		return 10;
	/* tenants and services as small multiples, a panel each */
	if (!strncmp(k->scope, "tenant/", 7) || !strncmp(k->scope, "service/", 8))
		return 12;
	/* stages as small multiples: a row per series, a stage a column */
	return !strcmp(k->name, "queue_depth") ? 20 : !strcmp(k->name, "running")
								? 21 : 22;
}

static void ylabel(FILE *f, const track *k)
{
	const model_metric *m = model_series_find(k->name);
	const char *u = m ? m->unit : "";
	char lab[160];
	if (!strcmp(u, "1/s"))
		snprintf(lab, sizeof lab, "%s (/s)", k->name);
	else if (!strcmp(u, "state") || !*u || !strcmp(u, k->name))
		snprintf(lab, sizeof lab, "%s", k->name);
	else
		snprintf(lab, sizeof lab, "%s (%s)", k->name, u);
	fputs("set ylabel ", f);
	plot_gp_quote(f, lab);
	fputc('\n', f);
}

/* A round tick step giving at most max ticks over [0, hi]. */
static double tick_step(double hi, int max)
{
	if (!(hi > 0))
		return 1;
	double raw = hi / (max > 1 ? max : 1);
	double p = pow(10, floor(log10(raw)));
	static const double m[] = { 1, 2, 2.5, 5, 10 };
	for (int i = 0; i < 5; i++)
		if (m[i] * p >= raw)
			return m[i] * p;
	return 10 * p;
}

/* The legend entry of point pt: its swept values, and with shutdown.*
 * what finished and what was cut off. */
static void entry(const plot_exp *e, int pt, char *buf, size_t n)
{
	const char *iv = *e->pts[pt].itervars ? e->pts[pt].itervars : "all";
	const plot_sum *c = plot_get(e, pt, "pool", "completed");
	const plot_sum *u = plot_get(e, pt, "pool", "unfinished");
	if (c && u)
		snprintf(buf, n, "%s: %.0f finished, %.0f cut off", iv, c->mean,
			 u->mean);
	else
		snprintf(buf, n, "%s", iv);
}

/* 1 when the drawn points stored what a drain question asks: tasks
 * finished and tasks cut off (shutdown.*). */
static int has_outcome(const plot_exp *e, const int *pts, int np)
{
	for (int j = 0; j < np; j++)
		if (plot_get(e, pts[j], "pool", "completed") &&
		    plot_get(e, pts[j], "pool", "unfinished"))
			return 1;
	return 0;
}

/* The drain's answer as a panel: per point a bar of the tasks that
 * finished (its colour) followed by those cut off (grey, hatched), each
 * with its number, means over the replications. */
static double tick_step(double hi, int max);

static void outcome_panel(FILE *f, const plot_exp *e, const int *pts,
			  int np, int panel_px)
{
	double most = 0;
	for (int j = 0; j < np; j++) {
		const plot_sum *c = plot_get(e, pts[j], "pool", "completed");
		const plot_sum *u = plot_get(e, pts[j], "pool", "unfinished");
		most = fmax(most, (c ? c->mean : 0) + (u ? u->mean : 0));
	}
	/* Rows: y finished cut-off colour, then three labels with their x
	 * (NaN: none): inside the finished bar, inside the cut-off bar, and
	 * right of the bar for what is too narrow to hold its number. */
	fputs("$outcome << EOD\n", f);
	int right = 0;
	for (int j = 0; j < np; j++) {
		const plot_sum *c = plot_get(e, pts[j], "pool", "completed");
		const plot_sum *u = plot_get(e, pts[j], "pool", "unfinished");
		double fin = c ? c->mean : 0, cut = u ? u->mean : 0;
		int fin_in = fin >= 0.25 * most, cut_in = cut >= 0.25 * most;
		char rt[96] = "";
		if (!fin_in && fin >= 0.5)
			snprintf(rt, sizeof rt, "%.0f finished", fin);
		if (!cut_in && cut >= 0.5)
			snprintf(rt + strlen(rt), sizeof rt - strlen(rt),
				 "%s%.0f cut off", *rt ? ", " : "", cut);
		right |= *rt != 0;
		fprintf(f, "%d %.9g %.9g 0x%s ", np - 1 - j, fin, cut,
			palette[j] + 1);
		if (fin_in)
			fprintf(f, "%.9g \"%.0f finished\" ", fin / 2, fin);
		else
			fputs("NaN \"\" ", f);
		if (cut_in)
			fprintf(f, "%.9g \"%.0f cut off\" ", fin + cut / 2, cut);
		else
			fputs("NaN \"\" ", f);
		if (*rt)
			fprintf(f, "%.9g \"%s\"\n", fin + cut, rt);
		else
			fputs("NaN \"\"\n", f);
	}
	fputs("EOD\n", f);
	fputs("unset arrow\nunset label\nunset object 1\nunset object 2\n"
	      "set title 'what finished, what was cut off'\n"
	      "set xlabel 'tasks (mean over replications)'\n"
	      "set ylabel ''\nset ytics (", f);
	for (int j = 0; j < np; j++) {
		char t[160];
		snprintf(t, sizeof t, "%s", *e->pts[pts[j]].itervars
			 ? e->pts[pts[j]].itervars : "all");
		fprintf(f, "%s", j ? ", " : "");
		plot_gp_quote(f, t);
		fprintf(f, " %d", np - 1 - j);
	}
	double xmax = most > 0 ? most * (right ? 1.6 : 1.05) : 1;
	fprintf(f, ")\nset xtics %.6g\nset yrange [-0.7:%d.7]\n"
		"set xrange [0:%.6g]\n"
		"unset offsets\nunset key\nset style textbox opaque noborder\n"
		"plot $outcome using ($2/2):1:($2/2):(0.3):4 with boxxyerror "
		"fs solid 0.6 noborder lc rgb variable notitle, \\\n"
		"     $outcome using ($2+$3/2):1:($3/2):(0.3) with boxxyerror "
		"fs pattern 4 border lc rgb '#7f7f7f' lc rgb '#7f7f7f' "
		"notitle, \\\n"
		"     $outcome using 5:1:6 with labels font ',9' notitle, \\\n"
		"     $outcome using 7:1:8 with labels boxed font ',9' "
		"notitle, \\\n"
		"     $outcome using 9:1:10 with labels left offset 0.5,0 "
		"font ',9' notitle\n",
		tick_step(xmax, panel_px / 70), np - 1, xmax);
}

/* 1 with the tier of a tenant/NAME panel in buf (tenant.NAME.tier of
 * the panel's point): small multiples per tenant say whose tier each is. */
static int tenant_tier(drawer *d, const plot_exp *e, const track *h,
		       char *buf, size_t n)
{
	char key[128];
	snprintf(key, sizeof key, "tenant.%s.tier", h->scope + 7);
	return res_point_param(d->db, e->id, e->pts[h->pt].point, key, buf,
			       n) == 0 && *buf;
}

void plot_fig_series(drawer *d, const plot_exp *e)
{
	sload L = { 0 };
	int pts[8], np = 0;
	for (int p = 0; p < e->n_pts && np < 8; p++) {
		if (!plot_pick_point(e->n_pts, p))
			continue;
		int r0 = e->replication >= 0 ? e->replication : 0;
		int r1 = e->replication >= 0 ? e->replication + 1
					     : (e->reps > 0 ? e->reps : 1);
		L.pt = p;
		L.slot = np;
		for (L.rep = r0; L.rep < r1; L.rep++)
			if (res_series_run(d->db, e->id, e->pts[p].point, L.rep,
					   load_row, &L) != 0) {
				if (d->rc == 0)
					d->rc = ps_err(d->err, d->errlen, PS_EDB,
						       "reading series of %s: "
						       "%s", e->name,
						       res_errmsg(d->db));
				break;
			}
		pts[np++] = p;
	}
	if (L.n == 0)
		goto out;
	/* panels: distinct (scope, name), ranked, then first seen */
	int panel[MAX_SPANELS], npn = 0;
	for (int rank = 0; rank <= 22; rank++)
		for (int i = 0; i < L.n && npn < MAX_SPANELS; i++) {
			if (panel_rank(&L.tr[i]) != rank)
				continue;
			int dup = 0;
			for (int j = 0; j < npn; j++)
				dup |= !strcmp(L.tr[panel[j]].scope, L.tr[i].scope) &&
				       !strcmp(L.tr[panel[j]].name, L.tr[i].name);
			if (!dup)
				panel[npn++] = i;
		}
	marks M = { .n = 0 };
	collect_marks(d, e, L.tr, L.n, pts, np, &M);

	char out[PLOT_FNAME_MAX + 16], path[1024];
	snprintf(out, sizeof out, "%s-series", e->fname);
	FILE *f = plot_script_open(d, out, path, sizeof path);
	if (!f)
		goto out;
	int outcome = has_outcome(e, pts, np);
	int nall = npn + outcome;   /* panels, the outcome's among them */
	int cols = nall <= 1 ? 1 : nall <= 4 ? 2 : 3;
	int rows = (nall + cols - 1) / cols;
	int width = cols == 3 ? 1200 : 1000;
	/* the legend: as many columns (at most 3) as its entries fit */
	size_t longest = 40;
	for (int j = 0; j < np; j++) {
		char t2[400];
		entry(e, pts[j], t2, sizeof t2);
		if (strlen(t2) > longest)
			longest = strlen(t2);
	}
	/* gnuplot fits the key's columns into the first panel's width */
	int colw = (int)longest * 7 + 70;
	int kcols = ((width - 120) / cols) / colw;
	kcols = kcols < 1 ? 1 : kcols > 3 ? 3 : kcols;
	int legend_rows = (np + 1 + kcols - 1) / kcols;
	int head = 75 + 17 * legend_rows;     /* title and legend, px */
	int height = head + 280 * rows;
	plot_gp_header(f, d->o, out, width, height);

	/* data: per track "t median q10 q90" */
	/* bands: up to 4 points (more would paint the panel grey) */
	int band = e->replication < 0 && e->reps > 1 && np <= 4;
	double tmax = 0;
	int *rowsn = xrealloc(NULL, (size_t)L.n * sizeof *rowsn);
	for (int i = 0; i < L.n; i++) {
		fprintf(f, "$s%d << EOD\n", i);
		rowsn[i] = write_band(f, &L.tr[i]);
		fputs("EOD\n", f);
		for (int r = 0; r < L.tr[i].n_reps; r++) {
			const rep_ser *s = &L.tr[i].reps[r];
			if (s->n && s->t[s->n - 1] > tmax)
				tmax = s->t[s->n - 1];
		}
	}
	for (int i = 0; i < M.n; i++)
		tmax = fmax(tmax, M.m[i].t);

	double top = 1.0 - (double)head / height;
	fprintf(f, "set multiplot layout %d,%d margins 0.08,0.97,%.4f,%.4f "
		"spacing 0.08,%.4f title ", rows, cols, 55.0 / height, top,
		95.0 / height);
	plot_gp_title(f, e->title);
	int panel_px = (width - 120) / cols;
	fprintf(f, "\nset xlabel 'time (s)'\nset xrange [0:%.6g]\n"
		"set xtics %.6g\nset offsets 0, 0, graph 0.08, 0\n",
		tmax > 0 ? tmax * 1.01 : 1,
		tick_step(tmax, panel_px / 70));
	/* event markers on every panel */
	for (int i = 0; i < M.n; i++)
		fprintf(f, "set arrow %d from %.9g, graph 0 to %.9g, graph 1 "
			"nohead dt 3 lw 1.5 lc rgb '%s' front\n", i + 1,
			M.m[i].t, M.m[i].t,
			M.m[i].slot < 0 ? "#333333" : palette[M.m[i].slot]);
	for (int k = 0; k < npn; k++) {
		const track *h = &L.tr[panel[k]];
		int is_state = !strncmp(h->scope, "alert/", 6) &&
			       !strcmp(h->name, "state");
		char t[320];
		char tier[64];
		if (!strcmp(h->scope, "pool"))
			snprintf(t, sizeof t, "%s", h->name);
		else if (!strncmp(h->scope, "tenant/", 7) &&
			 tenant_tier(d, e, h, tier, sizeof tier))
			snprintf(t, sizeof t, "%s %s (tier %s)", h->scope,
				 h->name, tier);
		else
			snprintf(t, sizeof t, "%s %s", h->scope, h->name);
		fputs("set title ", f);
		plot_gp_quote(f, t);
		fputc('\n', f);
		ylabel(f, h);
		/* labels of the markers: on the top row only */
		if (k < cols)
			for (int i = 0; i < M.n; i++) {
				fprintf(f, "set label %d ", i + 1);
				plot_gp_quote(f, M.m[i].label);
				fprintf(f, " at %.9g, graph 0.97 rotate by 90 right "
					"offset -0.6,0 font ',8' tc rgb '%s' front\n",
					M.m[i].t, M.m[i].slot < 0 ? "#333333"
						  : palette[M.m[i].slot]);
			}
		else if (k == cols)
			fputs("unset label\n", f);
		if (is_state) {
			fputs("set ytics ('inactive' 0, 'pending' 1, 'firing' 2)\n"
			      "set yrange [-0.25:2.4]\n"
			      "set object 1 rect from graph 0, first 0.5 to graph 1, "
			      "first 1.5 fs solid 0.15 noborder fc rgb '#e69f00' "
			      "behind\n"
			      "set object 2 rect from graph 0, first 1.5 to graph 1, "
			      "first 2.4 fs solid 0.15 noborder fc rgb '#d55e00' "
			      "behind\n", f);
		} else {
			fputs("set ytics autofreq\nset yrange [0:*]\n"
			      "unset object 1\nunset object 2\n", f);
		}
		/* the shared legend: in the first panel, at the top of the
		 * page, made of dummy entries so that it holds every point */
		if (k == 0)
			fprintf(f, "set key at screen 0.5, screen %.4f center top "
				"horizontal maxcols %d samplen 4 width 2 Left reverse box "
				"lc rgb '#bbbbbb'\n",
				1.0 - 45.0 / height, kcols);
		else
			fputs("unset key\n", f);
		fputs("plot ", f);
		int first = 1;
		/* widest first; bands under the lines */
		for (int pass = 0; pass < 2; pass++)
			for (int i = 0; i < L.n; i++) {
				const track *s = &L.tr[i];
				if (strcmp(s->scope, h->scope) ||
				    strcmp(s->name, h->name) || !rowsn[i])
					continue;
				const char *c = palette[s->slot];
				if (pass == 0 && !band)
					continue;
				if (pass == 0)
					fprintf(f, "%s$s%d using 1:3:4 with "
						"filledcurves fs transparent solid "
						"0.15 noborder lc rgb '%s' notitle",
						first ? "" : ", \\\n     ", i, c);
				else
					fprintf(f, "%s$s%d using 1:2 with steps "
						"lw %.2g dt %s lc rgb '%s' notitle",
						first ? "" : ", \\\n     ", i,
						line_w(np, s->slot),
						dashes[s->slot % 8], c);
				first = 0;
			}
		if (k == 0) {
			for (int j = 0; j < np; j++) {
				char t2[400];
				entry(e, pts[j], t2, sizeof t2);
				fprintf(f, "%sNaN with lines lw %.2g dt %s lc rgb '%s' "
					"title ", first ? "" : ", \\\n     ",
					line_w(np, j), dashes[j % 8], palette[j]);
				plot_gp_quote(f, t2);
				first = 0;
			}
			if (band) {
				fprintf(f, ", \\\n     NaN with filledcurves fs "
					"solid 0.3 noborder lc rgb '#7f7f7f' title "
					"'median of %d replications, band 10-90%%'",
					e->reps);
			} else if (e->replication < 0 && e->reps > 1) {
				fprintf(f, ", \\\n     NaN with lines lc rgb "
					"'#ffffff' title 'median of %d replications "
					"(no 10-90%% bands with %d lines)'", e->reps,
					np);
			} else {
				char t3[96];
				snprintf(t3, sizeof t3, "replication %d",
					 e->replication >= 0 ? e->replication : 0);
				fputs(", \\\n     NaN with lines lc rgb '#ffffff' "
				      "title ", f);
				plot_gp_quote(f, t3);
			}
		}
		fputc('\n', f);
	}
	if (outcome)
		outcome_panel(f, e, pts, np, panel_px);
	fputs("unset multiplot\n", f);
	free(rowsn);
	plot_script_finish(d, f, out, path);
out:
	for (int i = 0; i < L.n; i++) {
		for (int r = 0; r < L.tr[i].n_reps; r++) {
			free(L.tr[i].reps[r].t);
			free(L.tr[i].reps[r].v);
		}
		free(L.tr[i].reps);
	}
	free(L.tr);
}
