/*
 * tuner.c — NAME-tuner: what each tuner policy did with the load, for an
 * experiment whose runs are autotuned and scored (`autotune` with `slo`
 * and `slo.window`: series K and latency_window stored).
 *
 * Two panels on one time axis, one colour per sweep point (at most 8,
 * plot_pick_point), one replication (plot.replication, else the first:
 * K is a step function per run, and a median of step functions is no
 * run's):
 *   - K(t) of each point, the offered load (arrivals/s, the first point's:
 *     the points share their arrivals) on the right axis, and under the
 *     top edge one strip per point shaded where its windowed quantile was
 *     over the SLO target (its violations);
 *   - the windowed latency quantile of each point (log scale) against
 *     the SLO target, a dashed line.
 * A downstream's slowdown (series `slowdown`, factor > 1) is shaded grey
 * on both panels and labelled: the brownout.
 *
 * Everything comes from the database: series K, offered, latency_window,
 * slowdown; the target from the run parameter `slo`.
 * Work: O(samples) per point drawn.
 */
#include "plot.h"
#include "plot_int.h"
#include "../sim/units.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/ps.h"

#define MAX_TPTS 8
#define MAX_BROWN 8

static const char *const colours[] = {
	"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
	"#7f7f7f", "#000000"
};

typedef struct ser {
	double *t, *v;
	int n, cap;
} ser;

typedef struct tload {
	ser k[MAX_TPTS], lat[MAX_TPTS], off;
	int slot;                /* the point being read */
	double brown[MAX_BROWN][3];   /* t0, t1, factor */
	int nbrown;
	char bscope[64];
	double bt, bv;           /* the current slowdown level's start */
	int bopen;
	double tmax;
} tload;

static void push(ser *s, double t, double v)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->t = realloc(s->t, (size_t)s->cap * sizeof *s->t);
		s->v = realloc(s->v, (size_t)s->cap * sizeof *s->v);
		assert(s->t && s->v && "out of memory in plots/");
	}
	s->t[s->n] = t;
	s->v[s->n++] = v;
}

static void ser_free(ser *s)
{
	free(s->t);
	free(s->v);
}

static void brown_close(tload *L, double t)
{
	if (L->bopen && L->nbrown < MAX_BROWN && t > L->bt) {
		L->brown[L->nbrown][0] = L->bt;
		L->brown[L->nbrown][1] = t;
		L->brown[L->nbrown][2] = L->bv;
		L->nbrown++;
	}
	L->bopen = 0;
}

static int load_row(void *u, const res_series_pt *p)
{
	tload *L = u;
	if (p->t > L->tmax)
		L->tmax = p->t;
	if (!strcmp(p->scope, "pool")) {
		if (!strcmp(p->name, "K"))
			push(&L->k[L->slot], p->t, p->value);
		else if (!strcmp(p->name, "latency_window"))
			push(&L->lat[L->slot], p->t, p->value);
		else if (!strcmp(p->name, "offered") && L->slot == 0)
			push(&L->off, p->t, p->value);
	} else if (L->slot == 0 && !strcmp(p->name, "slowdown") &&
		   !strncmp(p->scope, "downstream/", 11)) {
		/* the first downstream with a slowdown: its spans above 1 */
		if (!*L->bscope)
			snprintf(L->bscope, sizeof L->bscope, "%s", p->scope);
		if (strcmp(L->bscope, p->scope))
			return 0;
		if (L->bopen && p->value != L->bv)
			brown_close(L, p->t);
		if (!L->bopen && p->value > 1) {
			L->bopen = 1;
			L->bt = p->t;
			L->bv = p->value;
		}
	}
	return 0;
}

/* The target of `slo = latency_pNN < VALUE` (seconds), NAN when absent. */
static double slo_target(drawer *d, const plot_exp *e, char *what, size_t n)
{
	char v[256], e1[128];
	double x;
	if (res_point_param(d->db, e->id, e->pts[0].point, "slo", v, sizeof v))
		return NAN;
	char *lt = strchr(v, '<');
	if (!lt)
		return NAN;
	char *val = lt + 1 + (lt[1] == '=');
	while (*val == ' ')
		val++;
	size_t len = strlen(val);
	while (len && (val[len - 1] == ' ' || val[len - 1] == '\t'))
		val[--len] = '\0';
	if (unit_time(val, &x, e1, sizeof e1))
		return NAN;
	*lt = '\0';
	len = strlen(v);
	while (len && v[len - 1] == ' ')
		v[--len] = '\0';
	/* the metric name, cut to what (a label) */
	size_t m = strlen(v) < n ? strlen(v) : n - 1;
	memcpy(what, v, m);
	what[m] = '\0';
	return x;
}

/* The spans where series s is above target: rectangles in [y0, y1] of
 * the graph, in colour c; the spans end at the next evaluation. */
static void shade_over(FILE *f, const ser *s, double target, double y0,
		       double y1, const char *c, int *obj)
{
	for (int i = 0; i < s->n; i++) {
		if (!(s->v[i] > target))
			continue;
		int j = i;
		while (j + 1 < s->n && s->v[j + 1] > target)
			j++;
		double dt = i + 1 < s->n ? s->t[i + 1] - s->t[i] :
			    i > 0 ? s->t[i] - s->t[i - 1] : 1;
		fprintf(f, "set object %d rect from %.9g, graph %.4f to %.9g, "
			"graph %.4f fc rgb '%s' fs solid 0.85 noborder front\n",
			(*obj)++, s->t[i] - dt, y0, s->t[j], y1, c);
		i = j;
	}
}

static void write_ser(FILE *f, const char *name, const ser *s, double scale)
{
	fprintf(f, "$%s << EOD\n", name);
	for (int i = 0; i < s->n; i++)
		fprintf(f, "%.9g %.9g\n", s->t[i], s->v[i] * scale);
	fputs("EOD\n", f);
}

void plot_fig_tuner(drawer *d, const plot_exp *e)
{
	tload L;
	memset(&L, 0, sizeof L);
	int pts[MAX_TPTS], np = 0, rep = e->replication >= 0 ? e->replication
							     : 0;
	for (int p = 0; p < e->n_pts && np < MAX_TPTS; p++) {
		if (!plot_pick_point(e->n_pts, p))
			continue;
		L.slot = np;
		if (res_series_run(d->db, e->id, e->pts[p].point, rep, load_row,
				   &L) != 0) {
			if (d->rc == 0)
				d->rc = ps_err(d->err, d->errlen, PS_EDB,
					       "reading series of %s: %s",
					       e->name, res_errmsg(d->db));
			goto out;
		}
		if (L.slot == 0)
			brown_close(&L, L.tmax);
		pts[np++] = p;
	}
	int any_k = 0, any_lat = 0;
	for (int j = 0; j < np; j++) {
		any_k |= L.k[j].n > 0;
		any_lat |= L.lat[j].n > 0;
	}
	char what[256] = "latency";
	double target = slo_target(d, e, what, sizeof what);
	if (!any_k || !any_lat || !(target > 0))
		goto out;   /* not a scored tuner experiment */

	char out[PLOT_FNAME_MAX + 16], path[1024];
	snprintf(out, sizeof out, "%s-tuner", e->fname);
	FILE *f = plot_script_open(d, out, path, sizeof path);
	if (!f)
		goto out;
	int width = 1100, head = 95, height = head + 2 * 330 + 40;
	plot_gp_header(f, d->o, out, width, height);
	for (int j = 0; j < np; j++) {
		char nm[16];
		snprintf(nm, sizeof nm, "k%d", j);
		write_ser(f, nm, &L.k[j], 1);
		snprintf(nm, sizeof nm, "l%d", j);
		write_ser(f, nm, &L.lat[j], 1000);
	}
	write_ser(f, "off", &L.off, 1);

	char title[512];
	snprintf(title, sizeof title, "%s (replication %d)", e->title, rep);
	fprintf(f, "set multiplot layout 2,1 margins 0.08,0.80,%.4f,%.4f "
		"spacing 0,%.4f title ", 50.0 / height, 1.0 - (double)head /
		height, 60.0 / height);
	plot_gp_title(f, title);
	fprintf(f, "\nset xrange [0:%.6g]\nset xlabel 'time (s)'\n",
		L.tmax > 0 ? L.tmax : 1);
	/* the brownout on both panels */
	int obj = 1;
	for (int b = 0; b < L.nbrown; b++) {
		fprintf(f, "set object %d rect from %.9g, graph 0 to %.9g, graph 1 "
			"fc rgb '#999999' fs transparent solid 0.25 noborder "
			"behind\n", obj++, L.brown[b][0], L.brown[b][1]);
		char lab[160];
		snprintf(lab, sizeof lab, "%s slowdown x%g", L.bscope + 11,
			 L.brown[b][2]);
		fprintf(f, "set label %d ", b + 1);
		plot_gp_quote(f, lab);
		fprintf(f, " at %.9g, graph 0.5 rotate by 90 center offset "
			"-0.8,0 font ',8' tc rgb '#555555' front\n",
			L.brown[b][0]);
	}
	int shared = obj;

	/* panel 1: K and the offered load; the violation strips on top */
	char t1[512];
	snprintf(t1, sizeof t1, "K per policy, offered load (right); strips: "
		 "%s over %g ms in the trailing slo.window", what,
		 target * 1000);
	fputs("set title ", f);
	plot_gp_quote(f, t1);
	fputs("\nset ylabel 'K (workers)'\nset y2label 'offered (/s)'\n"
	      "set ytics nomirror\nset y2tics\nset yrange [0:*]\n"
	      "set y2range [0:*]\nset offsets 0, 0, graph 0.25, 0\n"
	      "set key outside right top vertical\nunset xlabel\n", f);
	for (int j = 0; j < np; j++)
		shade_over(f, &L.lat[j], target * 1, 0.965 - 0.03 * j,
			   0.99 - 0.03 * j, colours[j], &obj);
	fputs("plot $off using 1:2 axes x1y2 with lines lw 1 lc rgb '#aaaaaa' "
	      "title 'offered'", f);
	for (int j = 0; j < np; j++) {
		fprintf(f, ", \\\n     $k%d using 1:2 with steps lw 1.8 lc rgb "
			"'%s' title ", j, colours[j]);
		plot_gp_quote(f, *e->pts[pts[j]].itervars ?
				 e->pts[pts[j]].itervars : "all");
	}
	fputc('\n', f);
	/* panel 2: the windowed quantile against the target */
	for (int o = shared; o < obj; o++)
		fprintf(f, "unset object %d\n", o);
	char t2[384], sl[96];
	snprintf(t2, sizeof t2, "%s over the trailing slo.window", what);
	snprintf(sl, sizeof sl, "SLO %g ms", target * 1000);
	fputs("set title ", f);
	plot_gp_quote(f, t2);
	fputs("\nset ylabel 'ms'\nunset y2label\nunset y2tics\n"
	      "set ytics mirror\nset logscale y\nset yrange [*:*]\n"
	      "set offsets 0, 0, 0, 0\nset xlabel 'time (s)'\n", f);
	fputs("plot ", f);
	for (int j = 0; j < np; j++) {
		fprintf(f, "%s$l%d using 1:2 with lines lw 1.5 lc rgb '%s' "
			"notitle", j ? ", \\\n     " : "", j, colours[j]);
	}
	fprintf(f, ", \\\n     %.9g with lines dt 2 lw 2 lc rgb '#cc0000' "
		"title ", target * 1000);
	plot_gp_quote(f, sl);
	fputs("\nunset multiplot\n", f);
	plot_script_finish(d, f, out, path);
out:
	for (int j = 0; j < MAX_TPTS; j++) {
		ser_free(&L.k[j]);
		ser_free(&L.lat[j]);
	}
	ser_free(&L.off);
}
