/*
 * zoom.c — the zoom panel of a sweep figure whose experiment has an
 * `optimize` answer (docs/goals.md): the points around the chosen one, on
 * a linear axis, each drawn as its paired difference from the chosen
 * point in the goal's metric — per replication (points share random
 * numbers: replication r of every point ran on the same streams), the
 * mean of the differences with its 95% Student-t interval. A point whose
 * interval stays clear of zero is told apart from the optimum; the
 * answer's points that cannot be told apart are shaded as on the main
 * panel.
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

int plot_zoom_build(res_db *db, const plot_exp *e, const char *goal,
		    int point, double lo, double hi, plot_zoom *z)
{
	memset(z, 0, sizeof *z);
	if (!db || !goal || strncmp(goal, "optimize: ", 10) || e->xkey < 0 ||
	    !e->x_numeric || e->reps < 2 || e->n_keys != 1)
		return 0;
	char m[96], dir[8];
	if (sscanf(goal + 10, "%95s %7s", m, dir) != 2)
		return 0;
	z->maximize = !strcmp(dir, "max");
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
	/* the span lo..hi, two more points on each side, at most ZOOM_MAX */
	int a = ci_at, b = ci_at;
	while (ok && a > 0 && xs[a - 1].x >= lo)
		a--;
	while (ok && b + 1 < n && xs[b + 1].x <= hi)
		b++;
	a = a - 2 < 0 ? 0 : a - 2;
	b = b + 2 >= n ? n - 1 : b + 2;
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
			       w = L.v[(size_t)c * L.R + r];
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
		z->ci[k] = gsl_cdf_tdist_Pinv(0.975, nd - 1) * sqrt(ss / (nd - 1)) /
			   sqrt(nd);
		z->n_pairs[k] = nd;
		if (p == c)
			z->chosen = k;
		most = fmax(most, fabs(mean) + z->ci[k]);
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

void plot_zoom_draw(FILE *f, const plot_zoom *z)
{
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
	      "set title ", f);
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
