/*
 * goal.c — the goal searches of docs/goals.md, in stages over exp_run.
 *
 * Workload: tens to a thousand sweep points, replications in the tens;
 * each stage re-reads the goal's metrics of the experiment (one indexed
 * query per metric) and decides in O(points^2) at worst (the pairs of the
 * optimize procedure), negligible next to the runs of a stage.
 *
 * Procedures (docs/goals.md states them and their guarantees):
 * - slo: per point, a one-sided t bound per objective at level
 *   alpha / (D * m * L) (Bonferroni over D decisions, m objectives and L
 *   looks: the stages n0, 2 n0, 4 n0, ... up to repeat). A point with an
 *   unstable or failed replication fails. Grid: every point, ascending,
 *   points above the first feasible one dropped; monotone: bisection.
 * - optimize: Kim & Nelson's fully sequential procedure (KN, 2001) with
 *   its elimination checked at the stage boundaries only (which keeps its
 *   guarantee), on paired differences: sweep points share their random
 *   numbers per replication (model_run is seeded by (seed, replication),
 *   not by point). unimodal: ternary search on the grid index with paired
 *   t tests, then KN on the last bracket, alpha split in halves.
 *
 * Determinism: every decision reads only stored values, replications
 * 0..n-1 of the points concerned; runs are allocated at stage boundaries.
 */
#include "goal.h"
#include "mpi.h"
#include "../models/metric.h"
#include "../results/store.h"
#include "../sim/ps.h"
#include "../sim/units.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "goal_int.h"

double now_mean(const double *v, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += v[i];
	return s / n;
}

double sample_var(const double *v, int n, double mean)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += (v[i] - mean) * (v[i] - mean);
	return n > 1 ? s / (n - 1) : 0;
}

/* ---- reading stored values --------------------------------------------- */

typedef struct loadctx {
	search *s;
	int k;
} loadctx;

static int load_row(void *u, const res_scalar_row *r)
{
	loadctx *c = u;
	search *s = c->s;
	if (r->point < 0 || r->point >= s->n || r->replication < 0 ||
	    r->replication >= s->R || !s->vals[c->k][r->point])
		return 0;
	s->vals[c->k][r->point][r->replication] =
		r->status && !strcmp(r->status, "done") ? r->value : NAN;
	if (c->k == 0)
		s->have[r->point][r->replication] = 1;
	return 0;
}

static int reload(search *s)
{
	if (!s->id)
		return 0;
	res_db *db = NULL;
	int rc = res_open(s->o->db_path, 1, &db, s->err, s->errlen);
	if (rc)
		return rc;
	for (int k = 0; k < s->nm && !rc; k++) {
		loadctx c = { s, k };
		if (res_metric_values(db, s->id, s->mscope[k], s->mname[k],
				      load_row, &c))
			rc = ps_err(s->err, s->errlen, PS_EDB, "%s: reading the "
				    "goal's values: %s", s->o->db_path,
				    res_errmsg(db));
	}
	res_close(db);
	s->used = 0;
	for (int p = 0; p < s->n; p++)
		for (int r = 0; s->have[p] && r < s->R; r++)
			s->used += s->have[p][r];
	return rc;
}

static int point_alloc(search *s, int p)
{
	if (s->have[p])
		return 0;
	s->have[p] = calloc((size_t)s->R, 1);
	if (!s->have[p])
		return PS_ENOMEM;
	for (int k = 0; k < s->nm; k++) {
		s->vals[k][p] = malloc((size_t)s->R * sizeof(double));
		if (!s->vals[k][p])
			return PS_ENOMEM;
		for (int r = 0; r < s->R; r++)
			s->vals[k][p][r] = NAN;
	}
	return 0;
}

/* One stage: replications 0..want[p]-1 of every point p (want NULL-safe:
 * 0 = nothing), run where not stored yet, then read back. */
int stage(search *s, const int *want)
{
	long need = 0;
	for (int p = 0; p < s->n; p++) {
		if (want[p] <= 0)
			continue;
		if (point_alloc(s, p))
			return ps_err(s->err, s->errlen, PS_ENOMEM, "out of memory");
		for (int r = 0; r < want[p] && r < s->R; r++)
			need += !s->have[p][r];
	}
	if (need == 0)
		return 0;
	unsigned char *sel = calloc((size_t)s->plan->total_runs + 1, 1);
	int64_t *ids = calloc((size_t)s->plan->n + 1, sizeof *ids);
	if (!sel || !ids) {
		free(sel);
		free(ids);
		return ps_err(s->err, s->errlen, PS_ENOMEM, "out of memory");
	}
	for (int p = 0; p < s->n; p++)
		for (int r = 0; r < want[p] && r < s->R; r++)
			sel[s->x->first_run + (long)p * s->R + r] = !s->have[p][r];
	exp_run_opts o = *s->o;
	o.selected = sel;
	o.resume = s->started ? 1 : s->o->resume;
	o.keep_ranks = 1;
	o.ids_out = ids;
	exp_run_stats st;
	int rc = exp_run(s->plan, &o, &st, s->err, s->errlen);
	s->started = 1;
	s->st->written += st.written;
	s->st->failed += st.failed;
	s->written += st.written;
	if (ids[s->e])
		s->id = ids[s->e];
	free(sel);
	free(ids);
	if (!rc)
		rc = reload(s);
	return rc;
}

/* ---- the stage schedule ------------------------------------------------- */

int next_n(const search *s, int n)
{
	if (n < s->g->repeat_min)
		return s->g->repeat_min < s->R ? s->g->repeat_min : s->R;
	return 2 * n < s->R ? 2 * n : s->R;
}

static int count_looks(const search *s)
{
	int L = 0;
	for (int n = 0; n < s->R;) {
		n = next_n(s, n);
		L++;
	}
	return L;
}

/* ---- slo ----------------------------------------------------------------- */

/* ---- words ------------------------------------------------------------- */

static const char *value_of(const search *s, int p)
{
	const char *iv = s->x->pts[p].itervars;
	const char *eq = strchr(iv, '=');
	return s->var[0] && eq && !strchr(iv, ',') ? eq + 1 : iv;
}

/* snprintf into buf, cut at len: the sentences are cut rather than
 * refused when a list is very long (vsnprintf: no truncation warnings
 * from -Wformat-truncation, which depends on the optimisation level). */
void setf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

void appendf(char *buf, size_t len, const char *fmt, ...)
{
	size_t at = strlen(buf);
	if (at + 1 >= len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + at, len - at, fmt, ap);
	va_end(ap);
}

/* The last ", " of a list as " and ": "40, 48 and 56". */
void and_last(char *buf, size_t len)
{
	char *c = NULL;
	for (char *q = strstr(buf, ", "); q; q = strstr(q + 1, ", "))
		c = q;
	if (!c || strlen(buf) + 4 >= len)
		return;
	memmove(c + 5, c + 2, strlen(c + 2) + 1);
	memcpy(c, " and ", 5);
}

/* "40, 48–64" of the points flagged in[] (sorted order; runs of 3 or
 * more consecutive points as a range). */
void value_list(const search *s, const unsigned char *in, char *buf,
		       size_t len)
{
	buf[0] = '\0';
	for (int i = 0; i < s->n;) {
		if (!in[s->order[i]]) {
			i++;
			continue;
		}
		int j = i;
		while (j + 1 < s->n && in[s->order[j + 1]])
			j++;
		appendf(buf, len, "%s%s", *buf ? ", " : "",
			value_of(s, s->order[i]));
		if (j >= i + 2)
			appendf(buf, len, "–%s", value_of(s, s->order[j]));
		else if (j == i + 1)
			appendf(buf, len, ", %s", value_of(s, s->order[j]));
		i = j + 1;
	}
}

static void goal_text(const search *s, exp_answer *a)
{
	const exp_goal *g = s->g;
	if (g->kind == EXP_GOAL_OPTIMIZE) {
		setf(a->goal, sizeof a->goal, "optimize: %s%s%s %s",
			 g->metric, strcmp(g->scope, "pool") ? "@" : "",
			 strcmp(g->scope, "pool") ? g->scope : "",
			 g->maximize ? "max" : "min");
		return;
	}
	setf(a->goal, sizeof a->goal, "slo: ");
	for (int k = 0; k < g->nslo; k++)
		appendf(a->goal, sizeof a->goal, "%s%s", k ? ", " : "",
			g->slo[k].text);
}

const char *var_word(const search *s)
{
	return s->var[0] ? s->var : "point";
}

/* "K = 48" or "K=48, pool=ants" */
void point_words(const search *s, int p, char *buf, size_t len)
{
	if (s->var[0] && !strchr(s->x->pts[p].itervars, ','))
		snprintf(buf, len, "%s = %s", s->var, value_of(s, p));
	else
		snprintf(buf, len, "%s", s->x->pts[p].itervars);
}

/* ---- slo searches -------------------------------------------------------- */

/* ---- optimize ------------------------------------------------------------ */

/* ---- the driver ------------------------------------------------------------ */

static double sort_key(const char *v, int *ok)
{
	double x;
	char e[64];
	*ok = 1;
	if (!unit_number(v, &x, e, sizeof e) || !unit_time(v, &x, e, sizeof e) ||
	    !unit_rate(v, &x, e, sizeof e) || !unit_size(v, &x, e, sizeof e) ||
	    !unit_percent(v, &x, e, sizeof e))
		return x;
	*ok = 0;
	return 0;
}

static int by_value(const void *a, const void *b, void *u)
{
	const search *s = u;
	int pa = *(const int *)a, pb = *(const int *)b, ok;
	double xa = sort_key(value_of(s, pa), &ok);
	double xb = sort_key(value_of(s, pb), &ok);
	if (xa != xb)
		return xa < xb ? -1 : 1;
	return pa - pb;
}

static int store_answer(search *s, const exp_answer *a)
{
	res_db *db = NULL;
	int rc = res_open(s->o->db_path, 0, &db, s->err, s->errlen);
	if (rc)
		return rc;
	res_answer r = {
		.experiment_id = s->id, .goal = a->goal, .chosen = a->chosen,
		.indifferent = a->indifferent, .text = a->text,
		.warning = a->warning, .decided = a->decided,
		.point = a->point, .confidence = a->confidence,
		.runs_used = a->runs_used, .runs_grid = a->runs_grid,
	};
	rc = res_answer_write(db, &r, s->err, s->errlen);
	res_close(db);
	return rc;
}

static int search_one(const exp_plan *plan, int e, const exp_run_opts *o,
		      exp_run_stats *st, exp_answer *a, char *err,
		      size_t errlen)
{
	const exp_experiment *x = &plan->e[e];
	search s = { 0 };
	int rc = 0;
	s.plan = plan;
	s.e = e;
	s.x = x;
	s.g = &x->meta.goal;
	s.o = o;
	s.st = st;
	s.R = x->meta.repeat;
	s.n = x->npts;
	s.err = err;
	s.errlen = errlen;
	s.looks = count_looks(&s);
	const exp_goal *g = s.g;
	if (g->kind == EXP_GOAL_OPTIMIZE) {
		s.nm = 1;
		snprintf(s.mname[0], sizeof s.mname[0], "%s", g->metric);
		snprintf(s.mscope[0], sizeof s.mscope[0], "%s", g->scope);
	} else {
		for (int k = 0; k < g->nslo; k++) {
			snprintf(s.mname[k], sizeof s.mname[k], "%s", g->slo[k].metric);
			snprintf(s.mscope[k], sizeof s.mscope[k], "%s", g->slo[k].scope);
		}
		s.nm = g->nslo + 1;
		snprintf(s.mname[g->nslo], sizeof s.mname[0], "unstable");
		snprintf(s.mscope[g->nslo], sizeof s.mscope[0], "pool");
	}
	s.order = malloc((size_t)s.n * sizeof *s.order);
	s.have = calloc((size_t)s.n, sizeof *s.have);
	for (int k = 0; k < s.nm; k++)
		s.vals[k] = calloc((size_t)s.n, sizeof *s.vals[k]);
	for (int k = 0; k < s.nm; k++)
		if (!s.vals[k])
			rc = PS_ENOMEM;
	if (!s.order || !s.have || rc) {
		rc = ps_err(err, errlen, PS_ENOMEM, "out of memory");
		goto out;
	}
	/* one swept variable (check_goal): its name, and the points in the
	 * order of its values when they are all numbers */
	const char *iv = x->pts[0].itervars, *eq = strchr(iv, '=');
	if (eq && !strchr(iv, ',') && (size_t)(eq - iv) < sizeof s.var)
		snprintf(s.var, sizeof s.var, "%.*s", (int)(eq - iv), iv);
	for (int p = 0; p < s.n; p++)
		s.order[p] = p;
	int numeric = s.var[0] != '\0';
	for (int p = 0; p < s.n && numeric; p++)
		sort_key(value_of(&s, p), &numeric);
	if (numeric) {
		qsort_r(s.order, (size_t)s.n, sizeof *s.order, by_value, &s);
	}
	goal_text(&s, a);
	a->confidence = g->confidence;
	a->runs_grid = (long)s.n * s.R;
	rc = g->kind == EXP_GOAL_OPTIMIZE ? optimize_search(&s, a) :
	     slo_search(&s, a);
	a->runs_used = s.used;
	if (!rc && s.id)
		rc = store_answer(&s, a);
	/* runs it used that an earlier invocation stored (--resume) */
	if (s.used > s.written)
		st->skipped += s.used - s.written;
out:
	for (int p = 0; s.have && p < s.n; p++)
		free(s.have[p]);
	for (int k = 0; k < s.nm; k++) {
		for (int p = 0; s.vals[k] && p < s.n; p++)
			free(s.vals[k][p]);
		free(s.vals[k]);
	}
	free(s.have);
	free(s.order);
	return rc;
}

int exp_plan_has_goal(const exp_plan *p)
{
	for (int i = 0; i < p->n; i++)
		if (p->e[i].meta.goal.kind != EXP_GOAL_NONE)
			return 1;
	return 0;
}

int exp_goal_run(const exp_plan *p, const exp_run_opts *o,
		 exp_run_stats *st, exp_answer *answers, char *err,
		 size_t errlen)
{
	memset(st, 0, sizeof *st);
	if (exp_mpi_rank() > 0)
		return exp_run(p, o, st, err, errlen);   /* serve every stage */
	for (int e = 0; answers && e < p->n; e++) {
		memset(&answers[e], 0, sizeof answers[e]);
		answers[e].point = -1;
	}
	int rc = 0;
	/* the experiments without a goal: one ordinary sweep */
	unsigned char *sel = calloc((size_t)p->total_runs + 1, 1);
	if (!sel)
		return ps_err(err, errlen, PS_ENOMEM, "out of memory");
	long nsel = 0;
	for (int e = 0; e < p->n; e++)
		if (p->e[e].meta.goal.kind == EXP_GOAL_NONE)
			for (long k = 0; k < (long)p->e[e].npts * p->e[e].meta.repeat; k++) {
				sel[p->e[e].first_run + k] = 1;
				nsel++;
			}
	if (nsel) {
		exp_run_opts oo = *o;
		oo.selected = sel;
		oo.keep_ranks = 1;
		rc = exp_run(p, &oo, st, err, errlen);
	}
	free(sel);
	for (int e = 0; e < p->n && !rc; e++) {
		if (p->e[e].meta.goal.kind == EXP_GOAL_NONE)
			continue;
		exp_answer tmp, *a = answers ? &answers[e] : &tmp;
		memset(a, 0, sizeof *a);
		a->point = -1;
		rc = search_one(p, e, o, st, a, err, errlen);
		if (!rc && o->stop && *o->stop)
			rc = ps_err(err, errlen, PS_EINTR, "interrupted");
	}
	st->kept = st->written + st->skipped;
	if (exp_mpi_size() > 1)
		exp_mpi_send_stop_all();
	return rc;
}
