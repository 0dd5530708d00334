/*
 * zoom.c — the zoom panel of a sweep figure whose experiment has an
 * `optimize` answer (docs/goals.md): the points around the chosen one, on
 * a linear axis, each drawn as its paired difference from the chosen
 * point in the goal's metric — per replication (points share random
 * numbers: replication r of every point ran on the same streams), the
 * mean of the differences with its 95% Student-t interval. A point whose
 * interval stays clear of zero is told apart from the optimum; the
 * answer's points that cannot be told apart are shaded as on the main
 * panel. An `slo` answer's panel instead draws, for its first objective,
 * each nearby point's mean with a bar to the one-sided bound the decision
 * used, green on the right side of the target, red on the wrong one.
 *
 * Work: O(runs of the experiment) to read the goal metric once; the panel
 * holds at most ZOOM_MAX points.
 */
#include "zoom.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../models/metric.h"
#include "../sim/units.h"

typedef struct zload {
	const plot_exp *e;
	int R;
	double *v;              /* v[pt * R + rep], NAN where not stored */
} zload;

static int zrow(void *u, const res_scalar_row *r)
{
	zload *z = u;
	if (r->replication < 0 || r->replication >= z->R)
		return 0;
	for (int p = 0; p < z->e->n_pts; p++)
		if (z->e->pts[p].point == r->point) {
			z->v[(size_t)p * z->R + r->replication] =
				r->status && !strcmp(r->status, "done")
					? r->value : NAN;
			break;
		}
	return 0;
}

typedef struct xi {
	double x;
	int p;
} xi;

static int cmp_xi(const void *a, const void *b)
{
	double x = ((const xi *)a)->x, y = ((const xi *)b)->x;
	return (x > y) - (x < y);
}

/* "latency_p99 < 100ms, rejected_frac < 1%": the first objective's
 * metric, direction and target in the metric's stored unit. */
static int slo_first(const char *goal, char *m, size_t mn, plot_zoom *z)
{
	char op[4], v[48], e1[128];
	if (sscanf(goal, " %95[^ <>] %3[<>=] %47[^,]", m, op, v) != 3)
		return 0;
	(void)mn;
	v[strcspn(v, " ")] = 0;
	char base[96];
	snprintf(base, sizeof base, "%s", m);
	base[strcspn(base, "@")] = 0;
	const model_metric *mm = model_metric_find(base);
	double x;
	if (mm && !strcmp(mm->unit, "s") ? unit_time(v, &x, e1, sizeof e1)
	    : strchr(v, '%') ? unit_percent(v, &x, e1, sizeof e1)
			     : unit_number(v, &x, e1, sizeof e1))
		return 0;
	z->slo = 1;
	z->lt = op[0] == '<';
	z->target = x;
	snprintf(z->target_text, sizeof z->target_text, "%.3s %.40s", op, v);
	return 1;
}

int plot_zoom_build(res_db *db, const plot_exp *e, const char *goal,
		    int point, double lo, double hi, double confidence,
		    plot_zoom *z)
{
	memset(z, 0, sizeof *z);
	if (!db || !goal || e->xkey < 0 || !e->x_numeric || e->reps < 2 ||
	    e->n_keys != 1)
		return 0;
	char m[96], dir[8];
	if (!strncmp(goal, "optimize: ", 10)) {
		if (sscanf(goal + 10, "%95s %7s", m, dir) != 2)
			return 0;
		z->maximize = !strcmp(dir, "max");
	} else if (strncmp(goal, "slo: ", 5) ||
		   !slo_first(goal + 5, m, sizeof m, z)) {
		return 0;
	}
	z->confidence = confidence > 0 && confidence < 1 ? confidence : 0.95;
	char *at = strchr(m, '@');
	snprintf(z->scope, sizeof z->scope, "%s", at ? at + 1 : "pool");
	if (at)
		*at = 0;
	snprintf(z->metric, sizeof z->metric, "%.31s", m);
	snprintf(z->var, sizeof z->var, "%s", e->keys[e->xkey]);
	int c = -1;
	for (int p = 0; p < e->n_pts; p++)
		if (e->pts[p].point == point)
			c = p;
	if (c < 0)
		return 0;
	zload L = { e, e->reps, NULL };
	size_t nv = (size_t)e->n_pts * (size_t)L.R;
	L.v = malloc(nv * sizeof *L.v);
	xi *xs = malloc((size_t)e->n_pts * sizeof *xs);
	int ok = L.v && xs;
	for (size_t i = 0; ok && i < nv; i++)
		L.v[i] = NAN;
	if (ok && res_metric_values(db, e->id, z->scope, z->metric, zrow, &L))
		ok = 0;
	int n = 0, ci_at = -1;
	for (int p = 0; ok && p < e->n_pts; p++) {
		int any = 0;
		for (int r = 0; r < L.R; r++)
			any |= !isnan(L.v[(size_t)p * L.R + r]);
		if (!any)
			continue;   /* not run: a search skipped it */
		xs[n].x = strtod(e->pts[p].vals[e->xkey], NULL);
		xs[n++].p = p;
	}
	if (ok)
		qsort(xs, (size_t)n, sizeof *xs, cmp_xi);
	for (int i = 0; ok && i < n; i++)
		if (xs[i].p == c)
			ci_at = i;
	if (ci_at < 0)
		ok = 0;
	/* the span lo..hi, two (slo: three) more points on each side, at
	 * most ZOOM_MAX; a search leaves gaps (bisection: 11, 12, 25, 50,
	 * 100), so a point beyond the span is kept only within 3x the first
	 * gap on its side, lest the far ones stretch the axis */
	int a = ci_at, b = ci_at, more = z->slo ? 3 : 2;
	while (ok && a > 0 && xs[a - 1].x >= lo)
		a--;
	while (ok && b + 1 < n && xs[b + 1].x <= hi)
		b++;
	if (ok && a > 0) {
		double edge = xs[a].x, gap = edge - xs[a - 1].x;
		for (int k = 0; k < more && a > 0 &&
		     edge - xs[a - 1].x <= 3 * gap; k++)
			a--;
	}
	if (ok && b + 1 < n) {
		double edge = xs[b].x, gap = xs[b + 1].x - edge;
		for (int k = 0; k < more && b + 1 < n &&
		     xs[b + 1].x - edge <= 3 * gap; k++)
			b++;
	}
	while (ok && b - a + 1 > ZOOM_MAX) {
		if (ci_at - a > b - ci_at)
			a++;
		else
			b--;
	}
	const model_metric *mm = model_metric_find(z->metric);
	int secs = mm && !strcmp(mm->unit, "s");
	double most = 0;
	for (int i = a; ok && i <= b; i++) {
		int p = xs[i].p, k = z->n;
		double d[L.R > 0 ? L.R : 1], mean = 0, ss = 0;
		int nd = 0;
		for (int r = 0; r < L.R; r++) {
			double u = L.v[(size_t)p * L.R + r],
			       w = z->slo ? 0 : L.v[(size_t)c * L.R + r];
			if (!isnan(u) && !isnan(w))
				d[nd++] = u - w;
		}
		if (nd < 2)
			continue;
		for (int j = 0; j < nd; j++)
			mean += d[j];
		mean /= nd;
		for (int j = 0; j < nd; j++)
			ss += (d[j] - mean) * (d[j] - mean);
		z->x[k] = xs[i].x;
		z->mean[k] = mean;
		/* optimize: two-sided 95%; slo: the one-sided bound */
		z->ci[k] = gsl_cdf_tdist_Pinv(z->slo ? z->confidence : 0.975,
					      nd - 1) * sqrt(ss / (nd - 1)) /
			   sqrt(nd);
		z->n_pairs[k] = nd;
		if (p == c)
			z->chosen = k;
		most = fmax(most, z->slo ? fabs(z->target) * 2
					 : fabs(mean) + z->ci[k]);
		z->n++;
	}
	free(L.v);
	free(xs);
	if (!ok || z->n < 2)
		return z->n = 0;
	z->chosen_x = z->x[z->chosen];
	z->lo = lo;
	z->hi = hi;
	z->scale = 1;
	snprintf(z->unit, sizeof z->unit, "%s", mm ? mm->unit : "");
	if (secs && most < 1) {
		z->scale = 1000;
		snprintf(z->unit, sizeof z->unit, "ms");
	}
	return z->n;
}

/* slo: each point's mean and the bound the decision used, against the
 * target; a point off the scale (overloaded) as a triangle at the top. */
static void draw_slo(FILE *f, const plot_zoom *z)
{
	double top = z->target * z->scale * 2.5;
	fputs("$zoom << EOD\n", f);
	for (int i = 0; i < z->n; i++) {
		double m = z->mean[i] * z->scale, b = (z->lt ? z->mean[i] + z->ci[i]
				       : z->mean[i] - z->ci[i]) * z->scale;
		int pass = z->lt ? b < z->target * z->scale
				 : b > z->target * z->scale;
		fprintf(f, "%.17g %.9g %.9g %d %d\n", z->x[i], m, b, pass,
			z->n_pairs[i]);
	}
	fputs("EOD\n", f);
	double x0 = z->x[0], x1 = z->x[z->n - 1], pad = (x1 - x0) * 0.06 + 0.5;
	char t[256];
	snprintf(t, sizeof t, "zoom: %s near %s = %.6g; bar to the %.0f%% "
		 "one-sided bound the answer used", z->metric, z->var,
		 z->chosen_x, z->confidence * 100);
	fputs("unset logscale x\nunset logscale y\nunset y2tics\n"
	      "unset y2label\nset ytics mirror\nset key off\n"
	      "unset arrow\nunset label\nunset object\nunset bmargin\n"
	      "unset tmargin\nset title ", f);
	plot_gp_quote(f, t);
	fprintf(f, " font ',10'\nset xrange [%.17g:%.17g]\nset yrange [0:%.9g]\n"
		"set xtics autofreq\nunset offsets\nset xlabel ", x0 - pad,
		x1 + pad, top);
	plot_gp_quote(f, z->var);
	snprintf(t, sizeof t, "%s%s%s%s", z->metric, *z->unit ? " (" : "",
		 z->unit, *z->unit ? ")" : "");
	fputs("\nset ylabel ", f);
	plot_gp_quote(f, t);
	snprintf(t, sizeof t, "target %s", z->target_text);
	fprintf(f, "\nset arrow 1 from graph 0, first %.9g to graph 1, first "
		"%.9g nohead dt 3 lw 2 lc rgb '#d62728'\nset label 1 ",
		z->target * z->scale, z->target * z->scale);
	plot_gp_quote(f, t);
	fprintf(f, " at graph 0.02, first %.9g offset 0, 0.7 tc rgb '#d62728'\n"
		"set arrow 2 from %.17g, graph 0 to %.17g, graph 1 nohead dt 2 "
		"lw 2 lc rgb '#2ca02c'\n"
		"plot $zoom using 1:($2 < %.9g ? $2 : 1/0):($2 < $3 ? $2 : $3):"
		"($2 < $3 ? $3 : $2):($4 > 0 ? 0x2ca02c : 0xd62728) with yerrorbars "
		"pt 7 ps 1.2 lw 1.5 lc rgb variable, \\\n"
		"     $zoom using 1:($2 >= %.9g ? %.9g : 1/0) with points pt 9 "
		"ps 1.6 lc rgb '#d62728'\n", z->target * z->scale,
		z->chosen_x, z->chosen_x, top, top, top * 0.97);
}

void plot_zoom_draw(FILE *f, const plot_zoom *z)
{
	if (z->slo) {
		draw_slo(f, z);
		return;
	}
	fputs("$zoom << EOD\n", f);
	for (int i = 0; i < z->n; i++)
		fprintf(f, "%.17g %.9g %.9g %d\n", z->x[i], z->mean[i] * z->scale,
			z->ci[i] * z->scale, z->n_pairs[i]);
	fputs("EOD\n", f);
	double x0 = z->x[0], x1 = z->x[z->n - 1], pad = (x1 - x0) * 0.06;
	char t[256];
	snprintf(t, sizeof t, "zoom: %s minus its value at %s = %.6g, paired "
		 "by replication (95%% CI)", z->metric, z->var, z->chosen_x);
	fputs("unset logscale x\nunset logscale y\nunset y2tics\n"
	      "unset y2label\nset ytics mirror\nset key off\n"
	      "unset arrow\nunset label\nunset object\nunset bmargin\n"
	      "unset tmargin\nset title ", f);
	plot_gp_quote(f, t);
	fprintf(f, " font ',10'\nset xrange [%.17g:%.17g]\nset yrange [*:*]\n"
		"set xtics autofreq\nset offsets 0, 0, graph 0.06, graph 0.06\n"
		"set xlabel ", x0 - pad,
		x1 + pad);
	plot_gp_quote(f, z->var);
	snprintf(t, sizeof t, "difference in %s%s%s%s", z->metric,
		 *z->unit ? " (" : "", z->unit, *z->unit ? ")" : "");
	fputs("\nset ylabel ", f);
	plot_gp_quote(f, t);
	fputc('\n', f);
	if (z->lo < z->hi)
		fprintf(f, "set object 1 rect from %.17g, graph 0 to %.17g, "
			"graph 1 behind fc rgb '#2ca02c' fs transparent solid "
			"0.15 noborder\nset label 2 'not told apart "
			"(optimize.delta)' at %.17g, graph 0.97 center font ',9' "
			"tc rgb '#2ca02c'\n", z->lo, z->hi, (z->lo + z->hi) / 2);
	fprintf(f, "set arrow 1 from graph 0, first 0 to graph 1, first 0 "
		"nohead dt 2 lc rgb '#555555'\n"
		"set label 1 '%s' at graph 0.02, graph 0.06 left font ',9' "
		"tc rgb '#555555'\n"
		"plot $zoom using 1:2:3 with yerrorbars pt 7 ps 1.1 lw 1.5 "
		"lc rgb '#1f77b4', \\\n     $zoom using ($1 == %.17g ? $1 : "
		"1/0):2 with points pt 7 ps 1.8 lc rgb '#2ca02c'\n",
		z->maximize ? "below 0: worse than the chosen point"
			    : "above 0: worse than the chosen point",
		z->chosen_x);
}
