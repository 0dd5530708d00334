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

enum { ST_OPEN, ST_PASS, ST_FAIL, ST_UNDECIDED };

#define MAXM (EXP_SLO_MAX + 1)

/* One goal experiment's search. vals[k][p] (NULL until point p is first
 * run) holds repeat values of metric k, NAN where not stored; metric
 * nm-1 is `unstable` for slo. */
typedef struct search {
	const exp_plan *plan;
	int e;
	const exp_experiment *x;
	const exp_goal *g;
	const exp_run_opts *o;
	exp_run_stats *st;
	int64_t id;             /* the experiment row, once written */
	int started;            /* a first exp_run call was made */
	int R;                  /* repeat: the most replications per point */
	int n;                  /* points */
	int *order;             /* point indices by the variable's value */
	char var[64];           /* the swept variable's name, or "" */
	int nm;
	char mname[MAXM][32], mscope[MAXM][64];
	double **vals[MAXM];
	unsigned char **have;   /* [p][r]: stored */
	long used;
	long written;           /* by this search's exp_run calls */
	int looks;              /* L */
	char *err;
	size_t errlen;
} search;

static double now_mean(const double *v, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += v[i];
	return s / n;
}

static double sample_var(const double *v, int n, double mean)
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
static int stage(search *s, const int *want)
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

static int next_n(const search *s, int n)
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

/* Replications 0..n-1 of p against every objective, each at level a
 * (one-sided). */
static int slo_status(const search *s, int p, int n, double a)
{
	const exp_goal *g = s->g;
	int open = 0;
	double *v = s->vals[g->nslo][p];        /* unstable */
	for (int r = 0; r < n; r++)
		if (!(v[r] == 0))
			return ST_FAIL;         /* unstable, failed or missing */
	for (int k = 0; k < g->nslo; k++) {
		const double *y = s->vals[k][p];
		for (int r = 0; r < n; r++)
			if (isnan(y[r]))
				return ST_FAIL;
		double m = now_mean(y, n), sd = sqrt(sample_var(y, n, m));
		double hw = sd == 0 ? 0 : n < 2 ? INFINITY :
			    gsl_cdf_tdist_Pinv(1 - a, n - 1) * sd / sqrt(n);
		double t = g->slo[k].target;
		int pass = g->slo[k].less ? m + hw < t : m - hw > t;
		int fail = g->slo[k].less ? m - hw >= t : m + hw <= t;
		if (fail)
			return ST_FAIL;
		if (!pass)
			open = 1;
	}
	return open ? ST_OPEN : ST_PASS;
}

/* Points in[0..k) each to a decision, stage by stage together. */
static int slo_decide(search *s, const int *pts, int k, double a, int *status,
		      int *nreps)
{
	int *want = calloc((size_t)s->n, sizeof *want);
	if (!want)
		return ps_err(s->err, s->errlen, PS_ENOMEM, "out of memory");
	int rc = 0;
	for (int n = next_n(s, 0);; n = next_n(s, n)) {
		int any = 0;
		memset(want, 0, (size_t)s->n * sizeof *want);
		for (int i = 0; i < k; i++)
			if (status[pts[i]] == ST_OPEN) {
				want[pts[i]] = n;
				any = 1;
			}
		if (!any)
			break;
		if ((rc = stage(s, want)))
			break;
		for (int i = 0; i < k; i++)
			if (status[pts[i]] == ST_OPEN) {
				status[pts[i]] = slo_status(s, pts[i], n, a);
				nreps[pts[i]] = n;
				if (status[pts[i]] == ST_OPEN && n >= s->R)
					status[pts[i]] = ST_UNDECIDED;
			}
		if (n >= s->R)
			break;
	}
	free(want);
	return rc;
}

/* ---- words ------------------------------------------------------------- */

static const char *value_of(const search *s, int p)
{
	const char *iv = s->x->pts[p].itervars;
	const char *eq = strchr(iv, '=');
	return s->var[0] && eq && !strchr(iv, ',') ? eq + 1 : iv;
}

static void appendf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void setf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* snprintf into buf, cut at len: the sentences are cut rather than
 * refused when a list is very long (vsnprintf: no truncation warnings
 * from -Wformat-truncation, which depends on the optimisation level). */
static void setf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static void appendf(char *buf, size_t len, const char *fmt, ...)
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
static void and_last(char *buf, size_t len)
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
static void value_list(const search *s, const unsigned char *in, char *buf,
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

static const char *var_word(const search *s)
{
	return s->var[0] ? s->var : "point";
}

/* "K = 48" or "K=48, pool=ants" */
static void point_words(const search *s, int p, char *buf, size_t len)
{
	if (s->var[0] && !strchr(s->x->pts[p].itervars, ','))
		snprintf(buf, len, "%s = %s", s->var, value_of(s, p));
	else
		snprintf(buf, len, "%s", s->x->pts[p].itervars);
}

/* ---- slo searches -------------------------------------------------------- */

static int slo_search(search *s, exp_answer *a)
{
	const exp_goal *g = s->g;
	int n = s->n, rc = 0;
	int *status = calloc((size_t)n, sizeof *status);
	int *nreps = calloc((size_t)n, sizeof *nreps);
	unsigned char *in = calloc((size_t)n, 1);
	if (!status || !nreps || !in) {
		rc = ps_err(s->err, s->errlen, PS_ENOMEM, "out of memory");
		goto out;
	}
	double alpha = 1 - g->confidence;
	int first_pass = -1;    /* index in order */
	if (g->shape == EXP_SHAPE_MONOTONE) {
		int D = 1;
		while ((1 << D) < n + 1)
			D++;
		double aa = alpha / ((double)D * g->nslo * s->looks);
		int lo = -1, hi = n;   /* order indices: lo fails, hi passes */
		for (;;) {
			/* the untried index in (lo, hi) nearest the middle */
			int mid = -1, best = 0;
			for (int i = lo + 1; i < hi; i++) {
				if (status[s->order[i]] != ST_OPEN)
					continue;
				int d = abs(2 * i - (lo + hi));
				if (mid < 0 || d < best) {
					mid = i;
					best = d;
				}
			}
			if (mid < 0)
				break;
			int p = s->order[mid];
			if ((rc = slo_decide(s, &p, 1, aa, status, nreps)))
				goto out;
			if (status[p] == ST_PASS)
				hi = mid;
			else if (status[p] == ST_FAIL)
				lo = mid;
		}
		first_pass = hi < n ? hi : -1;
		int und = 0;
		for (int i = lo + 1; i < hi; i++)
			if (status[s->order[i]] == ST_UNDECIDED) {
				in[s->order[i]] = 1;
				und = 1;
			}
		a->decided = !und;
		if (und && hi < n)
			in[s->order[hi]] = 1;
	} else {
		double aa = alpha / ((double)n * g->nslo * s->looks);
		/* every point, stage by stage; points above the first that
		 * passes cannot be the answer and drop out */
		int *want = calloc((size_t)n, sizeof *want);
		if (!want) {
			rc = ps_err(s->err, s->errlen, PS_ENOMEM, "out of memory");
			goto out;
		}
		for (int r = next_n(s, 0);; r = next_n(s, r)) {
			memset(want, 0, (size_t)n * sizeof *want);
			int any = 0;
			for (int i = 0; i < n; i++) {
				int p = s->order[i];
				if (status[p] == ST_PASS)
					break;
				if (status[p] == ST_OPEN) {
					want[p] = r;
					any = 1;
				}
			}
			if (!any)
				break;
			if ((rc = stage(s, want))) {
				free(want);
				goto out;
			}
			for (int p = 0; p < n; p++)
				if (want[p]) {
					status[p] = slo_status(s, p, r, aa);
					nreps[p] = r;
					if (status[p] == ST_OPEN && r >= s->R)
						status[p] = ST_UNDECIDED;
				}
			if (r >= s->R)
				break;
		}
		free(want);
		int und = 0;
		for (int i = 0; i < n; i++) {
			int p = s->order[i];
			if (status[p] == ST_PASS) {
				first_pass = i;
				break;
			}
			if (status[p] == ST_UNDECIDED) {
				in[p] = 1;
				und = 1;
			}
		}
		a->decided = !und;
		if (und && first_pass >= 0)
			in[s->order[first_pass]] = 1;
	}
	char pw[300], list[1024];
	a->point = first_pass >= 0 ? s->order[first_pass] : -1;
	a->found = first_pass >= 0;
	if (a->point >= 0) {
		setf(a->chosen, sizeof a->chosen, "%s",
			 s->x->pts[a->point].itervars);
		point_words(s, a->point, pw, sizeof pw);
	}
	value_list(s, in, list, sizeof list);
	if (!a->decided)
		setf(a->indifferent, sizeof a->indifferent, "%s", list);
	and_last(list, sizeof list);
	char objs[300] = "";
	for (int k = 0; k < g->nslo; k++)
		appendf(objs, sizeof objs, "%s%s", k ? " and " : "",
			g->slo[k].text);
	if (a->decided && a->found)
		setf(a->text, sizeof a->text, "%s is the smallest %s with "
			 "%s at %g%% confidence (one-sided)", pw, var_word(s),
			 objs, 100 * g->confidence);
	else if (a->decided)
		setf(a->text, sizeof a->text, "no %s in the range meets "
			 "%s: every one fails at %g%% confidence (one-sided)",
			 var_word(s), objs, 100 * g->confidence);
	else
		setf(a->text, sizeof a->text, "undecided between %s = %s%s "
			 "(the smallest %s with %s at %g%% confidence: repeat "
			 "= %d was not enough)", var_word(s), list,
			 a->found ? "" : " or none in the range", var_word(s),
			 objs, 100 * g->confidence, s->R);
	/* The monotone shape, on the points run: an objective's metric
	 * significantly worse at a larger value than at a smaller one. */
	if (g->shape == EXP_SHAPE_MONOTONE) {
		for (int k = 0; k < g->nslo && !a->warning[0]; k++)
			for (int i = 0; i < n && !a->warning[0]; i++)
				for (int j = i + 1; j < n && !a->warning[0]; j++) {
					int pi = s->order[i], pj = s->order[j];
					int m = nreps[pi] < nreps[pj] ? nreps[pi] :
						nreps[pj];
					if (m < 2)
						continue;
					double d[m > 0 ? m : 1];
					int bad = 0;
					for (int r = 0; r < m; r++) {
						d[r] = s->vals[k][pj][r] - s->vals[k][pi][r];
						if (!g->slo[k].less)
							d[r] = -d[r];
						bad |= isnan(d[r]);
					}
					if (bad)
						continue;
					double mu = now_mean(d, m);
					double sd = sqrt(sample_var(d, m, mu));
					double t = gsl_cdf_tdist_Pinv(1 - alpha /
						(double)(n * n), m - 1);
					if (mu - t * sd / sqrt(m) > 0) {
						char wi[300], wj[300];
						point_words(s, pi, wi, sizeof wi);
						point_words(s, pj, wj, sizeof wj);
						setf(a->warning, sizeof a->warning,
							 "the data contradict slo.shape = "
							 "monotone: %s is worse at %s than at "
							 "%s", g->slo[k].metric, wj, wi);
					}
				}
	}
out:
	free(status);
	free(nreps);
	free(in);
	return rc;
}

/* ---- optimize ------------------------------------------------------------ */

/* X of point p, replication r, in the "larger is better" orientation. */
static double xval(const search *s, int p, int r)
{
	double v = s->vals[0][p][r];
	return s->g->maximize ? v : -v;
}

/* KN on the points cand[0..k) at level alpha. Fills *chosen and in[]
 * (the survivors); returns 0 or an error; *decided = 0 when repeat ran
 * out with more than one survivor. */
static int kn(search *s, const int *cand, int k, double alpha, int *chosen,
	      unsigned char *in, int *decided)
{
	int n0 = s->g->repeat_min < s->R ? s->g->repeat_min : s->R;
	int rc = 0;
	int *want = calloc((size_t)s->n, sizeof *want);
	int *alive = malloc((size_t)k * sizeof *alive);
	int *keep = malloc((size_t)k * sizeof *keep);
	double *S2 = calloc((size_t)k * (size_t)k, sizeof *S2);
	double *mean = malloc((size_t)k * sizeof *mean);
	double *d = malloc((size_t)s->R * sizeof *d);
	if (!want || !alive || !keep || !S2 || !mean || !d) {
		rc = ps_err(s->err, s->errlen, PS_ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < k; i++)
		want[cand[i]] = n0;
	if ((rc = stage(s, want)))
		goto out;
	*decided = 1;
	int na = 0;
	for (int i = 0; i < k; i++) {
		int bad = 0;
		for (int r = 0; r < n0; r++)
			bad |= isnan(xval(s, cand[i], r));
		if (!bad)
			alive[na++] = i;   /* a failed run puts a point out */
	}
	if (na == 0) {
		*chosen = -1;
		goto out;
	}
	/* delta in the metric's unit; a relative one from the first stage */
	double delta = s->g->delta;
	if (s->g->delta_rel) {
		double best = -INFINITY;
		for (int i = 0; i < na; i++) {
			double m = 0;
			for (int r = 0; r < n0; r++)
				m += xval(s, cand[alive[i]], r);
			if (m / n0 > best)
				best = m / n0;
		}
		delta = s->g->delta * fabs(best);
		if (!(delta > 0))
			delta = 1e-12;
	}
	double eta = 0.5 * (pow(2 * alpha / (na > 1 ? na - 1 : 1),
				-2.0 / (n0 - 1)) - 1);
	double h2 = 2 * eta * (n0 - 1);
	for (int i = 0; i < na; i++)
		for (int l = 0; l < na; l++) {
			if (i == l)
				continue;
			for (int r = 0; r < n0; r++)
				d[r] = xval(s, cand[alive[i]], r) -
				       xval(s, cand[alive[l]], r);
			S2[alive[i] * k + alive[l]] =
				sample_var(d, n0, now_mean(d, n0));
		}
	int r = n0;
	for (;;) {
		for (int i = 0; i < na; i++) {
			double m = 0;
			for (int q = 0; q < r; q++)
				m += xval(s, cand[alive[i]], q);
			mean[alive[i]] = m / r;
		}
		/* screening against the survivors of the previous stage */
		int nk = 0;
		for (int i = 0; i < na; i++) {
			int ok = 1;
			for (int l = 0; l < na && ok; l++) {
				if (l == i)
					continue;
				int ii = alive[i], ll = alive[l];
				double w = delta / (2.0 * r) *
					   (h2 * S2[ii * k + ll] / (delta * delta) - r);
				if (w < 0)
					w = 0;
				if (mean[ii] < mean[ll] - w)
					ok = 0;
			}
			if (ok)
				keep[nk++] = alive[i];
		}
		memcpy(alive, keep, (size_t)nk * sizeof *alive);
		na = nk;
		double nmax = 0;
		for (int i = 0; i < na; i++)
			for (int l = 0; l < na; l++)
				if (i != l) {
					double N = floor(h2 * S2[alive[i] * k + alive[l]] /
							 (delta * delta));
					if (N > nmax)
						nmax = N;
				}
		if (na <= 1 || r > nmax)
			break;
		if (r >= s->R) {
			*decided = 0;
			break;
		}
		int nr = next_n(s, r);
		if (nr > nmax + 1)
			nr = (int)nmax + 1;
		if (nr <= r)
			nr = r + 1;
		r = nr;
		memset(want, 0, (size_t)s->n * sizeof *want);
		for (int i = 0; i < na; i++)
			want[cand[alive[i]]] = r;
		if ((rc = stage(s, want)))
			goto out;
		for (int i = 0; i < na; i++) {
			int bad = 0;
			for (int q = 0; q < r; q++)
				bad |= isnan(xval(s, cand[alive[i]], q));
			if (bad) {
				memmove(alive + i, alive + i + 1,
					(size_t)(na - i - 1) * sizeof *alive);
				na--;
				i--;
			}
		}
		if (na == 0)
			break;
	}
	*chosen = -1;
	double bm = -INFINITY;
	for (int i = 0; i < na; i++) {
		in[cand[alive[i]]] = 1;
		if (mean[alive[i]] > bm) {
			bm = mean[alive[i]];
			*chosen = cand[alive[i]];
		}
	}
out:
	free(want);
	free(alive);
	free(keep);
	free(S2);
	free(mean);
	free(d);
	return rc;
}

/* The points run that are not shown worse than `chosen` by more than
 * delta: for each, a one-sided paired t bound on X_chosen - X_i over
 * their common replications, at alpha / (points run - 1). Sets in[]. */
static void indifferent(const search *s, int chosen, double alpha,
			unsigned char *in)
{
	const exp_goal *g = s->g;
	double delta = g->delta;
	int nc = 0, m = 0;
	while (nc < s->R && s->have[chosen][nc])
		nc++;
	if (g->delta_rel) {
		double mu = 0;
		for (int r = 0; r < nc; r++)
			mu += xval(s, chosen, r);
		delta = g->delta * fabs(mu / (nc ? nc : 1));
	}
	for (int p = 0; p < s->n; p++)
		m += s->have[p] != NULL && p != chosen;
	double *d = malloc((size_t)s->R * sizeof *d);
	for (int p = 0; d && p < s->n; p++) {
		in[p] = 0;
		if (!s->have[p] || p == chosen)
			continue;
		int n = 0, bad = 0;
		while (n < nc && s->have[p][n])
			n++;
		for (int r = 0; r < n; r++) {
			d[r] = xval(s, chosen, r) - xval(s, p, r);
			bad |= isnan(d[r]);
		}
		if (bad || n < 2)
			continue;   /* a failed run, or too few to say */
		double mu = now_mean(d, n), sd = sqrt(sample_var(d, n, mu));
		double lo = mu - (sd == 0 ? 0 : gsl_cdf_tdist_Pinv(1 - alpha / m,
				  n - 1) * sd / sqrt(n));
		in[p] = !(lo > delta);
	}
	free(d);
}

/* Paired comparison of order indices a < b at level al (each side): 1 when
 * a is better, -1 when b is, 0 when not told apart within repeat. */
static int compare(search *s, int a, int b, double al, int *rc)
{
	int pa = s->order[a], pb = s->order[b];
	int *want = calloc((size_t)s->n, sizeof *want);
	double *d = malloc((size_t)s->R * sizeof *d);
	int res = 0;
	*rc = 0;
	if (!want || !d) {
		*rc = ps_err(s->err, s->errlen, PS_ENOMEM, "out of memory");
		goto out;
	}
	for (int n = next_n(s, 0);; n = next_n(s, n)) {
		want[pa] = want[pb] = n;
		if ((*rc = stage(s, want)))
			goto out;
		int bad = 0;
		for (int r = 0; r < n; r++) {
			d[r] = xval(s, pa, r) - xval(s, pb, r);
			bad |= isnan(d[r]);
		}
		if (bad) {
			/* a failed run: the other side is the better */
			res = isnan(xval(s, pa, 0)) ? -1 : 1;
			goto out;
		}
		double m = now_mean(d, n), sd = sqrt(sample_var(d, n, m));
		double hw = sd == 0 ? 0 : gsl_cdf_tdist_Pinv(1 - al, n - 1) *
			    sd / sqrt(n);
		if (m - hw > 0 || (sd == 0 && m > 0)) {
			res = 1;
			goto out;
		}
		if (m + hw < 0 || (sd == 0 && m < 0)) {
			res = -1;
			goto out;
		}
		if (n >= s->R) {
			res = m >= 0 ? 2 : -2;   /* by the estimate only */
			goto out;
		}
	}
out:
	free(want);
	free(d);
	return res;
}

static int optimize_search(search *s, exp_answer *a)
{
	const exp_goal *g = s->g;
	int n = s->n, rc = 0, chosen = -1, decided = 1, weak = 0;
	double alpha = 1 - g->confidence;
	unsigned char *in = calloc((size_t)n, 1);
	int *cand = malloc((size_t)n * sizeof *cand);
	if (!in || !cand) {
		rc = ps_err(s->err, s->errlen, PS_ENOMEM, "out of memory");
		goto out;
	}
	int lo = 0, hi = n - 1;
	double akn = alpha;
	if (g->shape == EXP_SHAPE_UNIMODAL && n > 4) {
		/* ternary search: at most S steps, each two one-sided tests */
		int S = 0;
		for (double w = n; w > 4; w = w * 2 / 3 + 1)
			S++;
		double astep = alpha / 2 / ((double)S * s->looks * 2);
		akn = alpha / 2;
		while (hi - lo + 1 > 4) {
			int x1 = lo + (hi - lo) / 3, x2 = hi - (hi - lo) / 3;
			int c = compare(s, x1, x2, astep, &rc);
			if (rc)
				goto out;
			if (c == 2 || c == -2)
				weak = 1;
			if (c > 0)
				hi = x2 - 1;   /* the peak is left of x2 */
			else
				lo = x1 + 1;
		}
	}
	int k = 0;
	for (int i = lo; i <= hi; i++)
		cand[k++] = s->order[i];
	if ((rc = kn(s, cand, k, akn, &chosen, in, &decided)))
		goto out;
	a->point = chosen;
	a->decided = decided;
	a->found = chosen >= 0;
	char pw[300] = "", list[1024];
	if (chosen >= 0) {
		setf(a->chosen, sizeof a->chosen, "%s",
			 s->x->pts[chosen].itervars);
		point_words(s, chosen, pw, sizeof pw);
		if (decided) {
			indifferent(s, chosen, alpha, in);
			in[chosen] = 0;
		}
	}
	value_list(s, in, list, sizeof list);
	setf(a->indifferent, sizeof a->indifferent, "%s", list);
	and_last(list, sizeof list);
	char dl[64];
	if (g->delta_rel)
		snprintf(dl, sizeof dl, "%g%%", 100 * g->delta);
	else if (model_metric_is_time(g->metric))
		snprintf(dl, sizeof dl, "%gms", 1e3 * g->delta);
	else
		snprintf(dl, sizeof dl, "%g", g->delta);
	const char *what = g->maximize ? "maximises" : "minimises";
	if (chosen < 0)
		setf(a->text, sizeof a->text, "no point could be compared: "
			 "every one has a failed run");
	else if (!decided)
		setf(a->text, sizeof a->text, "undecided between %s = %s "
			 "(the %s that %s %s within %s at %g%% confidence: repeat "
			 "= %d was not enough; %s has the best mean)",
			 var_word(s), list, var_word(s), what, g->metric, dl,
			 100 * g->confidence, s->R, pw);
	else if (*list)
		setf(a->text, sizeof a->text, "%s %s %s (the best, or within "
			 "%s of it, at %g%% confidence); %s = %s cannot be told "
			 "apart from it within %s", pw, what, g->metric, dl,
			 100 * g->confidence, var_word(s), list, dl);
	else
		setf(a->text, sizeof a->text, "%s %s %s (the best, or within "
			 "%s of it, at %g%% confidence); every other %s is worse "
			 "by more than %s", pw, what, g->metric, dl,
			 100 * g->confidence, var_word(s), dl);
	if (weak)
		appendf(a->text, sizeof a->text, "; a ternary step was decided "
			"on the estimate alone (not significant within repeat), "
			"so the confidence assumes the shape");
	/* The unimodal shape on the points run: a point significantly worse
	 * than one on each side of it is a second valley. */
	if (g->shape == EXP_SHAPE_UNIMODAL) {
		int m = 0;
		for (int i = 0; i < n; i++)
			if (s->have[s->order[i]])
				cand[m++] = s->order[i];
		double *dd = malloc((size_t)s->R * sizeof *dd);
		for (int j = 1; dd && j + 1 < m && !a->warning[0]; j++) {
			int worse_l = 0, worse_r = 0;
			for (int i = 0; i < m; i++) {
				if (i == j)
					continue;
				int nn = 0;
				while (nn < s->R && s->have[cand[i]][nn] &&
				       s->have[cand[j]][nn])
					nn++;
				if (nn < 2)
					continue;
				for (int r = 0; r < nn; r++)
					dd[r] = xval(s, cand[i], r) - xval(s, cand[j], r);
				double mu = now_mean(dd, nn);
				double sd = sqrt(sample_var(dd, nn, mu));
				double t = gsl_cdf_tdist_Pinv(1 - alpha / (double)(m * m),
							      nn - 1);
				if (!isnan(mu) && mu - t * sd / sqrt(nn) > 0)
					*(i < j ? &worse_l : &worse_r) = 1;
			}
			if (worse_l && worse_r) {
				point_words(s, cand[j], pw, sizeof pw);
				setf(a->warning, sizeof a->warning, "the data "
					 "contradict optimize.shape = unimodal: %s "
					 "is worse than points on both sides of it",
					 pw);
			}
		}
		free(dd);
	}
out:
	free(in);
	free(cand);
	return rc;
}

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
