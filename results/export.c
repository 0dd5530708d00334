/*
 * export.c — stored series as OpenMetrics, Prometheus text or CSV
 * (export.h). Reads through store.h like any other client.
 *
 * The rows of the exported experiments are loaded once, tagged with an
 * interned family (series name) and scope, sorted by (family, experiment,
 * point, replication, scope, t) and written in one pass: each family's
 * HELP and TYPE lines once before its samples, each series' samples in
 * time order. O(R log R) for R series rows; names and scopes are few
 * (tens), so interning is a linear scan.
 */
#include "export.h"
#include "../models/metric.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../sim/ps.h"

/* ---- instants --------------------------------------------------------------- */

static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's
 * days_from_civil). */
static long days_from_civil(long y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int res_instant_parse(const char *s, double *unix_s)
{
	const char *p = s;
	if (*p && strspn(p, "0123456789") == strlen(p) && strlen(p) <= 12) {
		*unix_s = (double)strtoll(p, NULL, 10);
		return 0;
	}
	int y, mo, d, h, mi, se;
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
	    *p++ != '-' || digits(&p, 2, &d) || (*p != 'T' && *p != 't' &&
						 *p != ' '))
		return -1;
	p++;
	if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) ||
	    *p++ != ':' || digits(&p, 2, &se))
		return -1;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
				     30, 31 };
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
	    mi > 59 || se > 60 || y < 1970)
		return -1;
	double frac = 0;
	if (*p == '.') {
		double w = 0.1;
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		for (; isdigit((unsigned char)*p); p++, w /= 10)
			frac += (*p - '0') * w;
	}
	long off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om;
		if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) ||
		    oh > 23 || om > 59)
			return -1;
		off = sign * (oh * 3600L + om * 60L);
	} else {
		return -1;
	}
	if (*p)
		return -1;
	*unix_s = (double)(days_from_civil(y, mo, d) * 86400L + h * 3600L +
			   mi * 60L + se - off) + frac;
	return 0;
}

/* ---- loading ------------------------------------------------------------------ */

typedef struct xpoint {
	int point;
	char **keys, **vals;
	int n;
} xpoint;

typedef struct xexp {
	char *name;
	double start;
	xpoint *pts;
	int n_pts;
} xexp;

typedef struct xrow {
	int fam, exp, point, rep, scope;
	double t, v;
	size_t seq;
} xrow;

typedef struct loader {
	res_db *db;
	const res_export_opts *o;
	xexp *exps;
	int n_exps;
	char **names;           /* interned series names (families) */
	int n_names;
	char **scopes;          /* interned scopes */
	int n_scopes;
	xrow *rows;
	size_t n_rows, cap_rows;
	int rc;
	char *err;
	size_t errlen;
} loader;

static void *grow(void *p, size_t n, size_t size, int *nomem)
{
	void *q = realloc(p, (n ? n : 1) * size);
	if (!q)
		*nomem = 1;
	return q ? q : p;
}

static int intern(char ***tab, int *n, const char *s)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp((*tab)[i], s))
			return i;
	int nomem = 0;
	char **t = grow(*tab, (size_t)*n + 1, sizeof *t, &nomem);
	char *d = nomem ? NULL : strdup(s);
	if (!d)
		return -1;
	*tab = t;
	t[*n] = d;
	return (*n)++;
}

/* Canonical itervars "K=50, pool=ants" as keys and values
 * (res_itervar_next). Returns 0 or -1 (out of memory). */
static int split_itervars(const char *s, xpoint *x)
{
	const char *k, *v;
	size_t kn, vn;
	while (res_itervar_next(&s, &k, &kn, &v, &vn)) {
		int nomem = 0;
		x->keys = grow(x->keys, (size_t)x->n + 1, sizeof *x->keys,
			       &nomem);
		x->vals = grow(x->vals, (size_t)x->n + 1, sizeof *x->vals,
			       &nomem);
		if (nomem)
			return -1;
		x->keys[x->n] = strndup(k, kn);
		x->vals[x->n] = strndup(v, vn);
		x->n++;
		if (!x->keys[x->n - 1] || !x->vals[x->n - 1])
			return -1;
	}
	return 0;
}

static int load_point(void *u, const res_summary *s)
{
	loader *L = u;
	xexp *e = &L->exps[L->n_exps - 1];
	if (e->n_pts && e->pts[e->n_pts - 1].point == s->point)
		return 0;
	int nomem = 0;
	e->pts = grow(e->pts, (size_t)e->n_pts + 1, sizeof *e->pts, &nomem);
	if (nomem) {
		L->rc = PS_ENOMEM;
		return 1;
	}
	xpoint *x = &e->pts[e->n_pts++];
	memset(x, 0, sizeof *x);
	x->point = s->point;
	if (split_itervars(s->itervars ? s->itervars : "", x)) {
		L->rc = PS_ENOMEM;
		return 1;
	}
	return 0;
}

static int load_row(void *u, const res_series_pt *p)
{
	loader *L = u;
	if (L->n_rows == L->cap_rows) {
		int nomem = 0;
		size_t cap = L->cap_rows ? 2 * L->cap_rows : 4096;
		L->rows = grow(L->rows, cap, sizeof *L->rows, &nomem);
		if (nomem) {
			L->rc = PS_ENOMEM;
			return 1;
		}
		L->cap_rows = cap;
	}
	int fam = intern(&L->names, &L->n_names, p->name);
	int sc = intern(&L->scopes, &L->n_scopes, p->scope);
	if (fam < 0 || sc < 0) {
		L->rc = PS_ENOMEM;
		return 1;
	}
	L->rows[L->n_rows] = (xrow){ fam, L->n_exps - 1, p->point,
				     p->replication, sc, p->t, p->value,
				     L->n_rows };
	L->n_rows++;
	return 0;
}

static int load_exp(void *u, const res_experiment *x)
{
	loader *L = u;
	int nomem = 0;
	L->exps = grow(L->exps, (size_t)L->n_exps + 1, sizeof *L->exps, &nomem);
	if (nomem) {
		L->rc = PS_ENOMEM;
		return 1;
	}
	xexp *e = &L->exps[L->n_exps++];
	memset(e, 0, sizeof *e);
	e->name = strdup(x->name);
	if (!e->name) {
		L->rc = PS_ENOMEM;
		return 1;
	}
	if (res_summaries(L->db, x->id, "pool", NULL, load_point, L) != 0) {
		if (!L->rc)
			L->rc = PS_EDB;
		return 1;
	}
	if (L->rc)
		return 1;
	/* the epoch: --start, export.start, or when the experiment ran */
	if (L->o->have_start) {
		e->start = L->o->start;
	} else {
		char v[128];
		if (e->n_pts && res_point_param(L->db, x->id, e->pts[0].point,
						"export.start", v, sizeof v) == 0) {
			if (res_instant_parse(v, &e->start)) {
				L->rc = ps_err(L->err, L->errlen, PS_EINVAL,
					       "experiment '%s': export.start "
					       "'%s' is not an instant (e.g. "
					       "2026-01-01T00:00:00Z)", x->name, v);
				return 1;
			}
		} else if (res_instant_parse(x->created_at, &e->start)) {
			e->start = 0;
		}
	}
	if (res_series(L->db, x->id, NULL, NULL, load_row, L) != 0 && !L->rc)
		L->rc = PS_EDB;
	return L->rc != 0;
}

/* ---- writing ------------------------------------------------------------------ */

static int cmp_series(const xrow *a, const xrow *b)
{
	if (a->exp != b->exp)
		return a->exp < b->exp ? -1 : 1;
	if (a->point != b->point)
		return a->point < b->point ? -1 : 1;
	if (a->rep != b->rep)
		return a->rep < b->rep ? -1 : 1;
	return 0;
}

static int cmp_metric(const void *pa, const void *pb, void *u)
{
	const xrow *a = pa, *b = pb;
	const loader *L = u;
	int c = strcmp(L->names[a->fam], L->names[b->fam]);
	if (!c)
		c = cmp_series(a, b);
	if (!c)
		c = strcmp(L->scopes[a->scope], L->scopes[b->scope]);
	if (!c && a->t != b->t)
		c = a->t < b->t ? -1 : 1;
	if (!c)
		c = (a->seq > b->seq) - (a->seq < b->seq);
	return c;
}

/* CSV: the database's order, experiment first. */
static int cmp_csv(const void *pa, const void *pb, void *u)
{
	const xrow *a = pa, *b = pb;
	(void)u;
	int c = cmp_series(a, b);
	return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

/* A label value or HELP text, escaped as both formats want: backslash,
 * double quote (label values only) and newline. */
static void esc(FILE *f, const char *s, int quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' && quote)
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metric names, without ':' for labels. */
static void ident(char *out, size_t n, const char *prefix, const char *s,
		  int colon)
{
	size_t j = (size_t)snprintf(out, n, "%s", prefix);
	for (; *s && j + 1 < n; s++) {
		unsigned char c = (unsigned char)*s;
		int ok = isalnum(c) || c == '_' || (colon && c == ':');
		out[j++] = ok && c < 128 ? (char)c : '_';
	}
	out[j] = 0;
	if (isdigit((unsigned char)out[0]) && j + 1 < n) {
		memmove(out + 1, out, j + 1);
		out[0] = '_';
	}
}

static void num(FILE *f, double v)
{
	if (isnan(v)) {
		fputs("NaN", f);
	} else if (isinf(v)) {
		fputs(v > 0 ? "+Inf" : "-Inf", f);
	} else {
		char b[40];
		snprintf(b, sizeof b, "%.15g", v);
		if (strtod(b, NULL) != v)
			snprintf(b, sizeof b, "%.17g", v);
		fputs(b, f);
	}
}

static const xpoint *find_point(const xexp *e, int point)
{
	for (int i = 0; i < e->n_pts; i++)
		if (e->pts[i].point == point)
			return &e->pts[i];
	return NULL;
}

static int fixed_label(const char *l)
{
	return !strcmp(l, "experiment") || !strcmp(l, "point") ||
	       !strcmp(l, "replication") || !strcmp(l, "scope") ||
	       !strncmp(l, "__", 2) || !strncmp(l, "var_", 4);
}

static void write_labels(FILE *f, const char *experiment, int point,
			 const xpoint *x, int rep, const char *scope)
{
	fputs("{experiment=\"", f);
	esc(f, experiment, 1);
	fprintf(f, "\",point=\"%d\"", point);
	for (int k = 0; x && k < x->n; k++) {
		char l[160];
		ident(l, sizeof l, "", x->keys[k], 0);
		if (fixed_label(l) || l[0] == 0)
			ident(l, sizeof l, "var_", x->keys[k], 0);
		/* two keys that sanitise alike (a.b, a_b): the later keeps
		 * its place with a numbered name */
		for (int j = 0; j < k; j++) {
			char o[160];
			ident(o, sizeof o, "", x->keys[j], 0);
			if (!strcmp(o, l))
				snprintf(l + strlen(l), sizeof l - strlen(l),
					 "_%d", k);
		}
		fprintf(f, ",%s=\"", l);
		esc(f, x->vals[k], 1);
		fputc('"', f);
	}
	fprintf(f, ",replication=\"%d\",scope=\"", rep);
	esc(f, scope, 1);
	fputs("\"}", f);
}

static void labels(FILE *f, const loader *L, const xrow *r)
{
	const xexp *e = &L->exps[r->exp];
	write_labels(f, e->name, r->point, find_point(e, r->point), r->rep,
		     L->scopes[r->scope]);
}

void res_export_name(char *out, size_t n, const char *series)
{
	ident(out, n, "poolsim_", series, 1);
}

int res_export_labels(FILE *f, const char *experiment, int point,
		      const char *itervars, int replication, const char *scope)
{
	xpoint x = { 0 };
	int rc = split_itervars(itervars ? itervars : "", &x) ? PS_ENOMEM : 0;
	if (!rc)
		write_labels(f, experiment, point, &x, replication, scope);
	for (int k = 0; k < x.n; k++) {
		free(x.keys[k]);
		free(x.vals[k]);
	}
	free(x.keys);
	free(x.vals);
	return rc;
}

static long long stamp_ms(const loader *L, const xrow *r)
{
	return llround((L->exps[r->exp].start + r->t) * 1000.0);
}

static void write_metrics(FILE *f, const loader *L, int om)
{
	for (size_t i = 0; i < L->n_rows; i++) {
		const xrow *r = &L->rows[i];
		const xrow *nx = i + 1 < L->n_rows ? &L->rows[i + 1] : NULL;
		int same_series = nx && nx->fam == r->fam &&
				  !cmp_series(nx, r) && nx->scope == r->scope;
		long long ms = stamp_ms(L, r);
		/* one value per millisecond: the last one */
		if (same_series && stamp_ms(L, nx) == ms)
			continue;
		const char *name = L->names[r->fam];
		char metric[160];
		ident(metric, sizeof metric, "poolsim_", name, 1);
		if (i == 0 || L->rows[i - 1].fam != r->fam) {
			const model_metric *m = model_series_find(name);
			fprintf(f, "# HELP %s ", metric);
			if (m) {
				esc(f, m->definition, 0);
				fprintf(f, " Unit: %s.", m->unit);
			} else {
				fputs("A series poolsim stored (not in this "
				      "version's registry).", f);
			}
			fprintf(f, "\n# TYPE %s gauge\n", metric);
		}
		fputs(metric, f);
		labels(f, L, r);
		fputc(' ', f);
		num(f, r->v);
		if (om)
			fprintf(f, " %s%lld.%03lld\n", ms < 0 ? "-" : "",
				llabs(ms) / 1000, llabs(ms) % 1000);
		else
			fprintf(f, " %lld\n", ms);
	}
	if (om)
		fputs("# EOF\n", f);
}

static void csv_field(FILE *f, const char *s)
{
	if (!s[strcspn(s, ",\"\r\n")]) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void write_csv(FILE *f, const loader *L)
{
	fputs("experiment,point,replication,itervars,scope,name,t_s,value\n", f);
	for (size_t i = 0; i < L->n_rows; i++) {
		const xrow *r = &L->rows[i];
		const xexp *e = &L->exps[r->exp];
		csv_field(f, e->name);
		fprintf(f, ",%d,%d,", r->point, r->rep);
		const xpoint *x = find_point(e, r->point);
		char iv[1024] = "";
		size_t len = 0;
		for (int k = 0; x && k < x->n && len < sizeof iv; k++) {
			int w = snprintf(iv + len, sizeof iv - len, "%s%s=%s",
					 k ? ", " : "", x->keys[k], x->vals[k]);
			if (w < 0)
				break;
			len += (size_t)w;
		}
		csv_field(f, iv);
		fputc(',', f);
		csv_field(f, L->scopes[r->scope]);
		fputc(',', f);
		csv_field(f, L->names[r->fam]);
		fputc(',', f);
		num(f, r->t);
		fputc(',', f);
		num(f, r->v);
		fputc('\n', f);
	}
}

static void loader_free(loader *L)
{
	for (int i = 0; i < L->n_exps; i++) {
		xexp *e = &L->exps[i];
		for (int p = 0; p < e->n_pts; p++) {
			for (int k = 0; k < e->pts[p].n; k++) {
				free(e->pts[p].keys[k]);
				free(e->pts[p].vals[k]);
			}
			free(e->pts[p].keys);
			free(e->pts[p].vals);
		}
		free(e->pts);
		free(e->name);
	}
	free(L->exps);
	for (int i = 0; i < L->n_names; i++)
		free(L->names[i]);
	free(L->names);
	for (int i = 0; i < L->n_scopes; i++)
		free(L->scopes[i]);
	free(L->scopes);
	free(L->rows);
}

int res_export(res_db *db, const char *name, const res_export_opts *o,
	       FILE *out, char *err, size_t errlen)
{
	loader L = { 0 };
	L.db = db;
	L.o = o;
	L.err = err;
	L.errlen = errlen;
	int rc = res_experiments(db, name, load_exp, &L);
	if (L.rc == PS_EINVAL) {
		rc = PS_EINVAL;       /* message already in err */
		goto out;
	}
	if (rc || L.rc == PS_EDB) {
		rc = ps_err(err, errlen, PS_EDB, "reading series: %s",
			    res_errmsg(db));
		goto out;
	}
	if (L.rc) {
		rc = ps_err(err, errlen, L.rc, "out of memory reading series");
		goto out;
	}
	if (L.n_exps == 0) {
		rc = ps_err(err, errlen, PS_EINVAL, name
			    ? "no experiment named '%s' in the database"
			    : "no experiments in the database%s", name ? name : "");
		goto out;
	}
	if (L.n_rows)
		qsort_r(L.rows, L.n_rows, sizeof *L.rows,
			o->format == RES_EXPORT_CSV ? cmp_csv : cmp_metric, &L);
	if (o->format == RES_EXPORT_CSV)
		write_csv(out, &L);
	else
		write_metrics(out, &L, o->format == RES_EXPORT_OPENMETRICS);
	if (fflush(out) != 0 || ferror(out))
		rc = ps_err(err, errlen, PS_EIO, "writing the export: %s",
			    strerror(errno));
out:
	loader_free(&L);
	return rc;
}
