/*
 * profile.c — time-varying rates and factors (profile.h): the CSV and
 * Prometheus readers, the options (scale, from, to, interp, series), the
 * slowdown syntax and the run-time lookup.
 *
 * Workload: a file is read once per invocation (through its csv_cache: a
 * CSV by csv_read, a JSON response parsed by jansson, O(bytes), once per
 * series asked of it); options are O(rows) per configuration. prof_at
 * runs once per downstream call and is O(1) amortised (the clock never
 * goes back, so a cursor walks the segments once per run).
 */
#include "profile.h"
#include "../sim/csv.h"
#include "../sim/ps.h"
#include "../sim/units.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROWS 10000000L
#define MAX_LABELS 16

int prof_split_args(const char *p, span *args, int max, int *nargs,
		    const char **rest, char *err, size_t errlen)
{
	int n = 0, depth = 0;
	char quote = 0;
	const char *start = p;
	for (;; p++) {
		if (*p == '\0')
			return ps_err(err, errlen, PS_EPARSE, "missing \")\"");
		if (quote) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == quote)
				quote = 0;
		} else if (*p == '"') {
			quote = *p;
		} else if (*p == '(' || *p == '{') {
			depth++;
		} else if ((*p == ')' || *p == '}') && depth > 0) {
			depth--;
		} else if ((*p == ',' && depth == 0) || *p == ')') {
			if (n == max)
				return ps_err(err, errlen, PS_EPARSE,
					      "more than %d arguments", max);
			args[n++] = span_trim(start, (size_t)(p - start));
			start = p + 1;
			if (*p == ')')
				break;
		}
	}
	if (n == 1 && args[0].len == 0)
		n = 0;
	*nargs = n;
	*rest = p + 1;
	return PS_OK;
}

/* ---- segments ------------------------------------------------------------ */

void prof_fini(profile *p)
{
	if (!p)
		return;
	free(p->seg);
	memset(p, 0, sizeof *p);
}

void prof_free(profile *p)
{
	prof_fini(p);
	free(p);
}

double prof_end(const profile *p)
{
	double t = 0;
	for (int i = 0; i < p->n; i++)
		t += p->seg[i].dur;
	return t;
}

double prof_at(const profile *p, double t, prof_cursor *c)
{
	if (t < c->start) {   /* not for this caller; stay correct anyway */
		c->i = 0;
		c->start = 0;
	}
	while (c->i < p->n && t >= c->start + p->seg[c->i].dur) {
		c->start += p->seg[c->i].dur;
		c->i++;
	}
	if (c->i == p->n)
		return p->n ? p->seg[p->n - 1].v1 : 1.0;
	const prof_seg *s = &p->seg[c->i];
	if (s->v0 == s->v1)
		return s->v0;
	return s->v0 + (s->v1 - s->v0) * ((t - c->start) / s->dur);
}

static int push_seg(profile *p, int *cap, double v0, double v1, double dur)
{
	if (p->n == *cap) {
		int nc = *cap ? 2 * *cap : 16;
		prof_seg *s = realloc(p->seg, (size_t)nc * sizeof *s);
		if (!s)
			return PS_ENOMEM;
		p->seg = s;
		*cap = nc;
	}
	p->seg[p->n++] = (prof_seg){ v0, v1, dur };
	return PS_OK;
}

/* Rows (t increasing, t[0] >= 0) as segments from 0; see profile.h. */
static int rows_to_segs(const double *t, const double *v, long n,
			prof_kind kind, int linear, profile *p)
{
	int cap = 0, rc = PS_OK;
	if (t[0] > 0) {
		double before = kind == PROF_RATE ? 0 : v[0];
		rc = push_seg(p, &cap, before, before, t[0]);
	}
	for (long i = 0; !rc && i < n; i++) {
		if (linear) {
			if (i + 1 < n)
				rc = push_seg(p, &cap, v[i], v[i + 1],
					      t[i + 1] - t[i]);
		} else {
			rc = push_seg(p, &cap, v[i], v[i],
				      i + 1 < n ? t[i + 1] - t[i]
						: t[i] - t[i - 1]);
		}
	}
	p->linear = linear;
	return rc;
}

/* Keeps [from, to) of p, shifted to start at 0 (0 <= from < to <= end). */
static int cut(profile *p, double from, double to)
{
	profile q = { 0 };
	int cap = 0, rc = PS_OK;
	double s0 = 0;
	for (int i = 0; !rc && i < p->n; i++) {
		const prof_seg *s = &p->seg[i];
		double s1 = s0 + s->dur;
		double a = fmax(s0, from), b = fmin(s1, to);
		if (b > a) {
			double k = (s->v1 - s->v0) / s->dur;
			double va = s->v0 == s->v1 ? s->v0 : s->v0 + k * (a - s0);
			double vb = s->v0 == s->v1 ? s->v0 : s->v0 + k * (b - s0);
			rc = push_seg(&q, &cap, va, vb, b - a);
		}
		s0 = s1;
	}
	if (rc) {
		prof_fini(&q);
		return rc;
	}
	q.linear = p->linear;
	prof_fini(p);
	*p = q;
	return PS_OK;
}

/* ---- CSV -------------------------------------------------------------------- */

/* `t,rate`: seconds (units allowed), per second; t increasing, the rate
 * >= 0. */
static int rate_row(const double *row, const double *prev, int ncols,
		    char *err, size_t errlen)
{
	(void)ncols;
	if (row[0] < 0)
		return ps_err(err, errlen, PS_EPARSE,
			      "column 1 (t): %.9g s is negative", row[0]);
	if (prev && !(row[0] > prev[0]))
		return ps_err(err, errlen, PS_EPARSE,
			      "column 1 (t): %.9g s is not after the previous "
			      "row's (%.9g s); times must increase",
			      row[0], prev[0]);
	if (!(row[1] >= 0) || row[1] > 1e12)
		return ps_err(err, errlen, PS_EPARSE,
			      "column 2 (rate): %.9g per second must be in "
			      "[0, 1e12]", row[1]);
	return PS_OK;
}

/* `t,factor`: as rate_row, the factor > 0. */
static int factor_row(const double *row, const double *prev, int ncols,
		      char *err, size_t errlen)
{
	(void)ncols;
	if (row[0] < 0 || (prev && !(row[0] > prev[0])))
		return rate_row(row, prev, ncols, err, errlen);
	if (!(row[1] > 0) || row[1] > 1e6)
		return ps_err(err, errlen, PS_EPARSE,
			      "column 2 (factor): %.9g must be > 0 and at most "
			      "1e6", row[1]);
	return PS_OK;
}

static const char *const rate_names[] = { "t", "rate" };
static const csv_shape rate_shape = { 2, 2, rate_names, rate_row };
static const char *const factor_names[] = { "t", "factor" };
static const csv_shape factor_shape = { 2, 2, factor_names, factor_row };

/* ---- Prometheus query_range JSON ------------------------------------------ */

typedef struct label {
	char *name, *value;
} label;

typedef struct selector {
	label l[MAX_LABELS];
	int n;
	int set;
} selector;

static void selector_fini(selector *s)
{
	for (int i = 0; i < s->n; i++) {
		free(s->l[i].name);
		free(s->l[i].value);
	}
	memset(s, 0, sizeof *s);
}

/* {name="value", ...} (PromQL's label matcher syntax, equality only). */
static int parse_selector(span v, selector *s, char *err, size_t errlen)
{
	const char *p = v.s, *end = v.s + v.len;
	s->set = 1;
#define BAD(why) ps_err(err, errlen, PS_EPARSE, "series=%.*s: %s", v.len, \
			v.s, why)
	if (p == end || *p != '{')
		return BAD("expected {label=\"value\", ...}");
	p++;
	for (;;) {
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p < end && *p == '}' && s->n == 0) {
			p++;
			break;
		}
		const char *nm = p;
		while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
			p++;
		if (p == nm || isdigit((unsigned char)*nm))
			return BAD("expected a label name");
		size_t nlen = (size_t)(p - nm);
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p == end || *p != '=' || (p + 1 < end && p[1] == '~'))
			return BAD("expected label=\"value\" (equality only)");
		for (p++; p < end && isspace((unsigned char)*p); p++)
			;
		if (p == end || *p != '"')
			return BAD("the value must be in double quotes");
		char *val = malloc((size_t)(end - p) + 1);
		if (!val)
			return ps_err(err, errlen, PS_ENOMEM, "out of memory");
		size_t k = 0;
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			val[k++] = *p;
		}
		val[k] = '\0';
		if (p == end) {
			free(val);
			return BAD("unterminated \"");
		}
		p++;
		if (s->n == MAX_LABELS) {
			free(val);
			return BAD("more than 16 labels");
		}
		char *name = malloc(nlen + 1);
		if (!name) {
			free(val);
			return ps_err(err, errlen, PS_ENOMEM, "out of memory");
		}
		memcpy(name, nm, nlen);
		name[nlen] = '\0';
		s->l[s->n++] = (label){ name, val };
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p < end && *p == ',')
			p++;
		else if (p < end && *p == '}') {
			p++;
			break;
		} else {
			return BAD("expected \",\" or \"}\" after a label");
		}
	}
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p != end)
		return BAD("unexpected text after \"}\"");
	if (s->n == 0)
		return BAD("name at least one label");
#undef BAD
	return PS_OK;
}

/* A series' labels as PromQL writes them: {job="api", code="200"}. */
static void labels_text(json_t *metric, char *buf, size_t len)
{
	size_t m = (size_t)snprintf(buf, len, "{");
	const char *k;
	json_t *v;
	int first = 1;
	if (json_is_object(metric))
		json_object_foreach(metric, k, v) {
			if (m >= len)
				break;
			m += (size_t)snprintf(buf + m, len - m, "%s%s=\"%s\"",
					      first ? "" : ", ", k,
					      json_is_string(v) ?
					      json_string_value(v) : "?");
			first = 0;
		}
	if (m < len)
		snprintf(buf + m, len - m, "}");
}

static int matches(json_t *metric, const selector *s)
{
	for (int i = 0; i < s->n; i++) {
		json_t *v = json_object_get(metric, s->l[i].name);
		if (!json_is_string(v) ||
		    strcmp(json_string_value(v), s->l[i].value))
			return 0;
	}
	return 1;
}

/* "the series are: {..}; {..}" of up to 8 series, into buf. */
static void series_list(json_t *result, const char *what, char *buf,
			size_t len, const selector *only)
{
	size_t m = (size_t)snprintf(buf, len, "%s", what);
	size_t n = json_array_size(result);
	int shown = 0;
	for (size_t i = 0; i < n && m < len; i++) {
		json_t *metric = json_object_get(json_array_get(result, i),
						 "metric");
		if (only && !matches(metric, only))
			continue;
		if (shown == 8) {
			m += (size_t)snprintf(buf + m, len - m, "; ...");
			break;
		}
		char lt[256];
		labels_text(metric, lt, sizeof lt);
		m += (size_t)snprintf(buf + m, len - m, "%s%s",
				      shown ? "; " : "", lt);
		shown++;
	}
}

/* Prometheus writes values as strings ("12.5", "NaN", "+Inf"). */
static int json_value(json_t *v, double *out)
{
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return isfinite(*out) ? 0 : -1;
	}
	if (!json_is_string(v))
		return -1;
	const char *s = json_string_value(v);
	char *end;
	errno = 0;
	double x = strtod(s, &end);
	while (isspace((unsigned char)*end))
		end++;
	if (end == s || *end || errno == ERANGE || !isfinite(x))
		return -1;
	*out = x;
	return 0;
}

typedef struct prom_ask {
	const selector *sel;
	prof_kind kind;
} prom_ask;

/* A csv_loader (sim/csv.h): the picked series as a table t, value. */
static int read_prom(const char *path, void *arg, csv_table **tab,
		     char *err, size_t errlen)
{
	const selector *sel = ((const prom_ask *)arg)->sel;
	prof_kind kind = ((const prom_ask *)arg)->kind;
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	int rc = PS_OK;
	csv_table *tb = NULL;
	double *t, *v;
	char buf[1024];
	if (!root)
		return ps_err(err, errlen, PS_EPARSE,
			      "%s:%d: not valid JSON (column %d): %s", path,
			      je.line, je.column, je.text);
#define FAIL(...) do { rc = ps_err(err, errlen, PS_EPARSE, __VA_ARGS__); \
		       goto out; } while (0)
	if (!json_is_object(root))
		FAIL("%s: the top level is not an object; expected a Prometheus "
		     "query_range response ({\"status\": \"success\", "
		     "\"data\": ...})", path);
	json_t *status = json_object_get(root, "status");
	if (!json_is_string(status))
		FAIL("%s: status: missing; expected a Prometheus query_range "
		     "response", path);
	if (strcmp(json_string_value(status), "success")) {
		json_t *e = json_object_get(root, "error");
		FAIL("%s: status is \"%s\", not \"success\"%s%s", path,
		     json_string_value(status), json_is_string(e) ? ": " : "",
		     json_is_string(e) ? json_string_value(e) : "");
	}
	json_t *data = json_object_get(root, "data");
	if (!json_is_object(data))
		FAIL("%s: data: missing or not an object", path);
	json_t *rtype = json_object_get(data, "resultType");
	if (json_is_string(rtype) && strcmp(json_string_value(rtype), "matrix"))
		FAIL("%s: data.resultType is \"%s\", not \"matrix\": replay "
		     "needs a range query (/api/v1/query_range)", path,
		     json_string_value(rtype));
	json_t *result = json_object_get(data, "result");
	if (!json_is_array(result))
		FAIL("%s: data.result: missing or not an array", path);
	size_t nres = json_array_size(result);
	if (nres == 0)
		FAIL("%s: data.result is empty: the query matched no series",
		     path);
	for (size_t i = 0; i < nres; i++)
		if (!json_is_object(json_array_get(result, i)))
			FAIL("%s: data.result[%zu]: not an object", path, i);
	size_t pick = 0;
	if (sel->set) {
		size_t hits = 0;
		for (size_t i = 0; i < nres; i++)
			if (matches(json_object_get(json_array_get(result, i),
						    "metric"), sel)) {
				if (!hits)
					pick = i;
				hits++;
			}
		if (hits == 0) {
			series_list(result, "", buf, sizeof buf, NULL);
			FAIL("%s: no series of data.result matches the series= "
			     "selector; the series are: %s", path, buf);
		}
		if (hits > 1) {
			series_list(result, "", buf, sizeof buf, sel);
			FAIL("%s: %zu series of data.result match the series= "
			     "selector; name more labels: %s", path, hits, buf);
		}
	} else if (nres > 1) {
		series_list(result, "", buf, sizeof buf, NULL);
		FAIL("%s: data.result holds %zu series; pick one with "
		     "series={label=\"value\"}: %s", path, nres, buf);
	}
	json_t *values = json_object_get(json_array_get(result, pick),
					 "values");
	if (!json_is_array(values))
		FAIL("%s: data.result[%zu].values: missing or not an array",
		     path, pick);
	size_t n = json_array_size(values);
	if (n < 2)
		FAIL("%s: data.result[%zu].values: %zu sample%s; a profile needs "
		     "two or more", path, pick, n, n == 1 ? "" : "s");
	if (n > (size_t)MAX_ROWS)
		FAIL("%s: data.result[%zu].values: more than 10^7 samples",
		     path, pick);
	if (!(tb = csv_table_new(path, 2, (long)n))) {
		rc = ps_err(err, errlen, PS_ENOMEM, "out of memory");
		goto out;
	}
	t = tb->col[0];
	v = tb->col[1];
	double t0 = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_array_get(values, i);
		if (!json_is_array(s) || json_array_size(s) != 2)
			FAIL("%s: data.result[%zu].values[%zu]: expected "
			     "[timestamp, \"value\"]", path, pick, i);
		json_t *ts = json_array_get(s, 0);
		if (!json_is_number(ts) || !isfinite(json_number_value(ts)))
			FAIL("%s: data.result[%zu].values[%zu][0]: the timestamp "
			     "is not a number", path, pick, i);
		double x = json_number_value(ts);
		if (i == 0)
			t0 = x;
		t[i] = x - t0;
		if (i > 0 && !(t[i] > t[i - 1]))
			FAIL("%s: data.result[%zu].values[%zu][0]: %.17g is not "
			     "after the previous sample's timestamp; times must "
			     "increase", path, pick, i, x);
		json_t *val = json_array_get(s, 1);
		if (json_value(val, &v[i])) {
			char *txt = json_dumps(val, JSON_ENCODE_ANY);
			snprintf(buf, sizeof buf, "%s", txt ? txt : "?");
			free(txt);
			FAIL("%s: data.result[%zu].values[%zu][1]: %s is not a "
			     "finite number", path, pick, i, buf);
		}
		if (kind == PROF_RATE && (v[i] < 0 || v[i] > 1e12))
			FAIL("%s: data.result[%zu].values[%zu][1]: the rate %.9g "
			     "per second must be in [0, 1e12]", path, pick, i,
			     v[i]);
		if (kind == PROF_FACTOR && !(v[i] > 0 && v[i] <= 1e6))
			FAIL("%s: data.result[%zu].values[%zu][1]: the factor "
			     "%.9g must be > 0 and at most 1e6", path, pick, i,
			     v[i]);
	}
#undef FAIL
	*tab = tb;
	tb = NULL;
out:
	csv_release(tb);
	json_decref(root);
	return rc;
}

/* 1 when the file's first non-blank byte (after a UTF-8 byte-order mark)
 * is '{', 0 otherwise, -1 when it cannot be opened (err set). */
static int is_json(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		ps_err(err, errlen, PS_EIO, "cannot open \"%s\": %s", path,
		       strerror(errno));
		return -1;
	}
	static const unsigned char bom[] = { 0xEF, 0xBB, 0xBF };
	unsigned char b[3];
	if (fread(b, 1, 3, f) != 3 || memcmp(b, bom, 3))
		rewind(f);
	int ch;
	while ((ch = fgetc(f)) != EOF && isspace(ch))
		;
	fclose(f);
	return ch == '{';
}

/* ---- files and options ------------------------------------------------------ */

static int span_is(span a, const char *key, span *val)
{
	size_t n = strlen(key);
	if ((size_t)a.len <= n || memcmp(a.s, key, n))
		return 0;
	span rest = span_trim(a.s + n, (size_t)a.len - n);
	if (rest.len == 0 || rest.s[0] != '=')
		return 0;
	*val = span_trim(rest.s + 1, (size_t)rest.len - 1);
	return 1;
}

int prof_file(const span *args, int nargs, const char *basedir,
	      csv_cache *files, prof_kind kind, profile *out, char *err,
	      size_t errlen)
{
	memset(out, 0, sizeof *out);
	double scale = 1, from = 0, to = 0;
	int has_from = 0, has_to = 0, linear = 0, rc;
	selector sel = { 0 };
	char *path = NULL;
	csv_table *tb = NULL;
	if (nargs < 1 || args[0].len == 0)
		return ps_err(err, errlen, PS_EPARSE, "expected a file name");
	for (int i = 1; i < nargs; i++) {
		span a = args[i], v;
		if (span_is(a, "scale", &v)) {
			if ((rc = span_parse_unit(v, unit_number, &scale, err, errlen)))
				goto out;
			if (!(scale > 0) || scale > 1e9) {
				rc = ps_err(err, errlen, PS_EPARSE,
					    "scale=%.*s must be > 0 (and at most "
					    "1e9)", v.len, v.s);
				goto out;
			}
		} else if (span_is(a, "from", &v) || span_is(a, "to", &v)) {
			int is_from = a.s[0] == 'f';
			double x;
			if ((rc = span_parse_unit(v, unit_time, &x, err, errlen)))
				goto out;
			if (x < 0) {
				rc = ps_err(err, errlen, PS_EPARSE,
					    "%s=%.*s is negative", is_from ?
					    "from" : "to", v.len, v.s);
				goto out;
			}
			*(is_from ? &from : &to) = x;
			*(is_from ? &has_from : &has_to) = 1;
		} else if (span_is(a, "interp", &v)) {
			if (v.len == 4 && !memcmp(v.s, "step", 4)) {
				linear = 0;
			} else if (v.len == 6 && !memcmp(v.s, "linear", 6)) {
				linear = 1;
			} else {
				rc = ps_err(err, errlen, PS_EPARSE,
					    "interp=%.*s: expected step or linear",
					    v.len, v.s);
				goto out;
			}
		} else if (span_is(a, "series", &v)) {
			selector_fini(&sel);
			if ((rc = parse_selector(v, &sel, err, errlen)))
				goto out;
		} else {
			rc = ps_err(err, errlen, PS_EPARSE,
				    "unknown option \"%.*s\"; the options are "
				    "scale=X, from=D, to=D, interp=step|linear "
				    "and series={label=\"value\"}", a.len, a.s);
			goto out;
		}
	}
	if (has_from && has_to && !(from < to)) {
		rc = ps_err(err, errlen, PS_EPARSE,
			    "from=%.9g s must be before to=%.9g s", from, to);
		goto out;
	}
	span f = args[0];
	if (f.len >= 2 && f.s[0] == '"' && f.s[f.len - 1] == '"')
		f = (span){ f.s + 1, f.len - 2 };
	if (!(path = span_path(basedir, f))) {
		rc = ps_err(err, errlen, PS_ENOMEM, "out of memory");
		goto out;
	}
	int json = is_json(path, err, errlen);
	if (json < 0) {
		rc = PS_EIO;
		goto out;
	}
	const double *t, *v;
	long n = 0;
	if (json) {
		/* read once per invocation for each (kind, selector) asked */
		char key[1024];
		size_t m = (size_t)snprintf(key, sizeof key, "prometheus %d",
					    (int)kind);
		for (int i = 0; i < sel.n && m < sizeof key; i++)
			m += (size_t)snprintf(key + m, sizeof key - m,
					      "\x1f%s\x1e%s", sel.l[i].name,
					      sel.l[i].value);
		prom_ask ask = { &sel, kind };
		if (m >= sizeof key)   /* too long to key: read afresh */
			rc = read_prom(path, &ask, &tb, err, errlen);
		else
			rc = csv_cache_load(files, path, key, read_prom, &ask,
					    &tb, err, errlen);
		if (rc)
			goto out;
		n = tb->nrows;
		t = tb->col[0];
		v = tb->col[1];
	} else {
		if (sel.set) {
			rc = ps_err(err, errlen, PS_EPARSE,
				    "%s: series= picks a series of a Prometheus "
				    "response (JSON); this file is CSV", path);
			goto out;
		}
		rc = csv_cache_get(files, path, kind == PROF_RATE ? &rate_shape
				   : &factor_shape, &tb, err, errlen);
		if (rc)
			goto out;
		n = tb->nrows;
		t = tb->col[0];
		v = tb->col[1];
		if (n < 2) {
			rc = ps_err(err, errlen, PS_EPARSE,
				    "%s: a %s profile needs two rows or more%s",
				    path, kind == PROF_RATE ? "rate" : "factor",
				    kind == PROF_RATE ? " (a single rate is "
				    "poisson(RATE))" : "");
			goto out;
		}
		if (n > MAX_ROWS) {
			rc = ps_err(err, errlen, PS_EPARSE,
				    "%s: more than 10^7 rows", path);
			goto out;
		}
	}
	if ((rc = rows_to_segs(t, v, n, kind, linear, out))) {
		rc = ps_err(err, errlen, PS_ENOMEM, "out of memory");
		goto out;
	}
	double end = prof_end(out);
	if ((has_from && from >= end) || (has_to && to > end)) {
		rc = ps_err(err, errlen, PS_EPARSE,
			    "%s=%.9g s is past the profile's end (%.9g s)",
			    has_from && from >= end ? "from" : "to",
			    has_from && from >= end ? from : to, end);
		goto out;
	}
	if ((has_from || has_to) &&
	    (rc = cut(out, from, has_to ? to : end))) {
		rc = ps_err(err, errlen, PS_ENOMEM, "out of memory");
		goto out;
	}
	if (scale != 1)
		for (int i = 0; i < out->n; i++) {
			out->seg[i].v0 *= scale;
			out->seg[i].v1 *= scale;
		}
out:
	if (rc)
		prof_fini(out);
	selector_fini(&sel);
	csv_release(tb);
	free(path);
	return rc;
}

/* ---- slowdown factors ------------------------------------------------------ */

static int factor_value(span sp, double *out, char *err, size_t errlen)
{
	int rc = span_parse_unit(sp, unit_number, out, err, errlen);
	if (!rc && !(*out > 0 && *out <= 1e6))
		rc = ps_err(err, errlen, PS_EPARSE,
			    "the factor \"%.*s\" must be > 0 and at most 1e6",
			    sp.len, sp.s);
	return rc;
}

/* "F for D" of steps(...). */
static int factor_step(span a, profile *p, int *cap, char *err,
		       size_t errlen)
{
	const char *w = NULL;
	for (int i = 1; i + 4 <= a.len; i++)
		if (isspace((unsigned char)a.s[i - 1]) &&
		    !memcmp(a.s + i, "for", 3) &&
		    (i + 3 == a.len || isspace((unsigned char)a.s[i + 3]))) {
			w = a.s + i;
			break;
		}
	if (!w)
		return ps_err(err, errlen, PS_EPARSE,
			      "step \"%.*s\": expected FACTOR for DURATION",
			      a.len, a.s);
	double f, d;
	int rc = factor_value(span_trim(a.s, (size_t)(w - a.s)), &f, err,
			      errlen);
	if (!rc)
		rc = span_parse_unit(span_trim(w + 3, (size_t)(a.s + a.len - w - 3)),
			       unit_time, &d, err, errlen);
	if (!rc && !(d > 0))
		rc = ps_err(err, errlen, PS_EPARSE,
			    "step \"%.*s\": the duration must be > 0", a.len,
			    a.s);
	if (!rc && push_seg(p, cap, f, f, d))
		rc = ps_err(err, errlen, PS_ENOMEM, "out of memory");
	return rc;
}

#define FACTOR_FORMS "steps(F for D, ...), ramp(F, F, D) or file(FILE)"

static int parse_factor(const char *text, const char *basedir,
			csv_cache *files, profile *p, char *err, size_t errlen)
{
	const char *s = text;
	while (isspace((unsigned char)*s))
		s++;
	const char *name = s;
	while (isalpha((unsigned char)*s))
		s++;
	int nlen = (int)(s - name);
	while (isspace((unsigned char)*s))
		s++;
	if (nlen == 0 || *s != '(')
		return ps_err(err, errlen, PS_EPARSE, "expected " FACTOR_FORMS);
	span args[256];
	int nargs, rc, cap = 0;
	const char *rest;
	if ((rc = prof_split_args(s + 1, args, 256, &nargs, &rest, err,
				  errlen)))
		return rc;
	while (isspace((unsigned char)*rest))
		rest++;
	if (*rest)
		return ps_err(err, errlen, PS_EPARSE,
			      "unexpected \"%s\" after \")\"", rest);
#define IS(w) (nlen == (int)strlen(w) && !memcmp(name, w, (size_t)nlen))
	if (IS("steps")) {
		if (nargs < 1)
			return ps_err(err, errlen, PS_EPARSE,
				      "expected steps(F for D, ...)");
		for (int i = 0; i < nargs; i++)
			if ((rc = factor_step(args[i], p, &cap, err, errlen)))
				return rc;
	} else if (IS("ramp")) {
		double f0, f1, d;
		if (nargs != 3)
			return ps_err(err, errlen, PS_EPARSE,
				      "expected ramp(F, F, DURATION)");
		if ((rc = factor_value(args[0], &f0, err, errlen)) ||
		    (rc = factor_value(args[1], &f1, err, errlen)) ||
		    (rc = span_parse_unit(args[2], unit_time, &d, err, errlen)))
			return rc;
		if (!(d > 0))
			return ps_err(err, errlen, PS_EPARSE,
				      "the ramp's duration must be > 0");
		if (push_seg(p, &cap, f0, f1, d))
			return ps_err(err, errlen, PS_ENOMEM, "out of memory");
		p->linear = 1;
	} else if (IS("file")) {
		return prof_file(args, nargs, basedir, files, PROF_FACTOR, p,
				 err, errlen);
	} else if (IS("rate")) {
		return ps_err(err, errlen, PS_EPARSE,
			      "a slowdown is a factor, not a rate: read a "
			      "`t,factor` file with file(FILE)");
	} else {
		return ps_err(err, errlen, PS_EPARSE, "unknown form \"%.*s\"; "
			      "expected " FACTOR_FORMS, nlen, name);
	}
#undef IS
	return PS_OK;
}

int prof_parse_factor(const char *text, const char *basedir,
		      csv_cache *files, profile **out, char *err,
		      size_t errlen)
{
	char detail[1024] = "";
	*out = NULL;
	profile *p = calloc(1, sizeof *p);
	if (!p)
		return ps_err(err, errlen, PS_ENOMEM, "out of memory");
	int rc = parse_factor(text, basedir, files, p, detail, sizeof detail);
	if (rc) {
		prof_free(p);
		return ps_err(err, errlen, rc, "bad slowdown \"%s\": %s", text,
			      detail);
	}
	*out = p;
	return PS_OK;
}
