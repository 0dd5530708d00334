/*
 * sweep.c — ${...} expansion, the cartesian product and constraints.
 *
 * Workload: a few variables of a few to a few hundred values each, expanded
 * once per command. Points are enumerated eagerly (at most EXP_MAX_POINTS
 * before the constraint), each costing one substitution of the keys and one
 * evaluation of the constraint: O(points x length of the section).
 */
#include "sweep.h"
#include "../sim/ps.h"
#include "../sim/units.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXP_MAX_VALUES 10000    /* per variable */
#define EXP_MAX_POINTS 100000   /* product, before the constraint */

typedef struct var {
	char *name;
	char **vals;
	int n, cap;
	int line;
} var;

/* A key's value cut into literal text and variable slots. */
typedef struct seg {
	char *text;             /* literal, or the referenced name */
	int var;                /* -1 = literal */
} seg;

typedef struct tmpl {
	const exp_kv *kv;
	seg *segs;
	int n;
} tmpl;

/* Invariant: pt holds npoints rows of nvars value indices, already
 * filtered by the constraint. */
struct exp_sweep {
	var *vars;
	int nvars;
	tmpl *t;
	int nt;
	int *pt;
	int npoints;
};

static int is_ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static int is_ident_char(int c)
{
	return isalnum(c) || c == '_' || c == '.';
}

/* 1 when s[0..n) is exactly an identifier. */
static int is_ident(const char *s, size_t n)
{
	if (!n || !is_ident_start((unsigned char)s[0]))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!is_ident_char((unsigned char)s[i]))
			return 0;
	return 1;
}

static char *trimdup(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return strndup(s, n);
}

void exp_sweep_free(exp_sweep *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nvars; i++) {
		for (int j = 0; j < s->vars[i].n; j++)
			free(s->vars[i].vals[j]);
		free(s->vars[i].vals);
		free(s->vars[i].name);
	}
	free(s->vars);
	for (int i = 0; i < s->nt; i++) {
		for (int j = 0; j < s->t[i].n; j++)
			free(s->t[i].segs[j].text);
		free(s->t[i].segs);
	}
	free(s->t);
	free(s->pt);
	free(s);
}

static int var_push(var *v, char *val)
{
	if (!val)
		return PS_ENOMEM;
	if (v->n == v->cap) {
		int cap = v->cap ? 2 * v->cap : 8;
		char **nv = realloc(v->vals, (size_t)cap * sizeof *nv);
		if (!nv) {
			free(val);
			return PS_ENOMEM;
		}
		v->vals = nv;
		v->cap = cap;
	}
	v->vals[v->n++] = val;
	return 0;
}

/* Splits "12.5ms" into 12.5 and "ms"; returns 0 or -1 if no number. */
static int split_num(const char *s, double *x, char *unit, size_t ulen)
{
	while (isspace((unsigned char)*s))
		s++;
	const char *p = s;
	if (*p == '+' || *p == '-')
		p++;
	int digits = 0;
	while (isdigit((unsigned char)*p)) {
		p++;
		digits++;
	}
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			digits++;
	if (!digits)
		return -1;
	if ((*p == 'e' || *p == 'E') &&
	    (isdigit((unsigned char)p[1]) ||
	     ((p[1] == '-' || p[1] == '+') && isdigit((unsigned char)p[2])))) {
		p += 2;
		while (isdigit((unsigned char)*p))
			p++;
	}
	char num[64];
	size_t n = (size_t)(p - s);
	if (n >= sizeof num)
		return -1;
	memcpy(num, s, n);
	num[n] = '\0';
	*x = strtod(num, NULL);
	while (isspace((unsigned char)*p))
		p++;
	size_t u = strlen(p);
	while (u && isspace((unsigned char)p[u - 1]))
		u--;
	if (u >= ulen || !isfinite(*x))
		return -1;
	for (size_t i = 0; i < u; i++)
		if (!isalpha((unsigned char)p[i]) && p[i] != '/' && p[i] != '%')
			return -1;
	memcpy(unit, p, u);
	unit[u] = '\0';
	return 0;
}

/* Expands "lo..hi [step s]" into v. */
static int add_range(var *v, const char *item, const char *dots,
		     const char *file, int line, exp_diags *d)
{
	char lo_s[128], rest[256];
	size_t ln = (size_t)(dots - item);
	if (ln >= sizeof lo_s || strlen(dots + 2) >= sizeof rest) {
		exp_diag_add(d, file, line, "range '%s' is too long", item);
		return PS_EPARSE;
	}
	memcpy(lo_s, item, ln);
	lo_s[ln] = '\0';
	strcpy(rest, dots + 2);
	char *hi_s = rest, *step_s = NULL;
	char *st = strstr(rest, " step ");
	if (st) {
		*st = '\0';
		step_s = st + 6;
	}
	double lo, hi, step = 1;
	char ulo[16], uhi[16], ust[16] = "";
	if (split_num(lo_s, &lo, ulo, sizeof ulo) ||
	    split_num(hi_s, &hi, uhi, sizeof uhi) ||
	    (step_s && split_num(step_s, &step, ust, sizeof ust))) {
		exp_diag_add(d, file, line,
			     "bad range '${%s}': expected 'LO..HI' or 'LO..HI step S' "
			     "with numbers", item);
		return PS_EPARSE;
	}
	if (strcmp(ulo, uhi) != 0 || (step_s && *ust && strcmp(ust, ulo) != 0)) {
		exp_diag_add(d, file, line,
			     "range '${%s}' mixes units; write LO, HI and step "
			     "in the same unit", item);
		return PS_EPARSE;
	}
	if (!(step > 0)) {
		exp_diag_add(d, file, line,
			     "range '${%s}' needs a step > 0", item);
		return PS_EPARSE;
	}
	double count = floor((hi - lo) / step + 1e-9) + 1;
	if (count < 1) {
		exp_diag_add(d, file, line,
			     "sweep '${%s}' has zero points (LO > HI)", item);
		return PS_EPARSE;
	}
	if (count + v->n > EXP_MAX_VALUES) {
		exp_diag_add(d, file, line,
			     "sweep '${%s}' has %.0f values; at most %d are allowed",
			     item, count, EXP_MAX_VALUES);
		return PS_EPARSE;
	}
	for (long i = 0; i < (long)count; i++) {
		char b[64];
		/* lo + i*step, not a running sum, so values do not drift. */
		snprintf(b, sizeof b, "%.10g%s", lo + (double)i * step, ulo);
		int rc = var_push(v, strdup(b));
		if (rc)
			return rc;
	}
	return 0;
}

/* Parses the items of a definition into v (comma-separated at paren depth
 * 0, each a value or a range). */
static int parse_items(var *v, const char *s, size_t n, const char *file,
		       int line, exp_diags *d)
{
	size_t i = 0, start = 0;
	int depth = 0, quote = 0;
	for (i = 0; i <= n; i++) {
		char c = i < n ? s[i] : ',';
		if (quote) {
			if (c == quote)
				quote = 0;
			if (i < n)
				continue;
		}
		if (c == '"' || c == '\'')
			quote = c;
		else if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		else if (c == ',' && (depth == 0 || i == n)) {
			char *item = trimdup(s + start, i - start);
			if (!item)
				return PS_ENOMEM;
			int rc = 0;
			const char *dots = strstr(item, "..");
			if (!*item) {
				exp_diag_add(d, file, line,
					     "empty value in sweep '${%.*s}'",
					     (int)n, s);
				rc = PS_EPARSE;
			} else if (dots && !strchr(item, '(')) {
				rc = add_range(v, item, dots, file, line, d);
			} else {
				rc = var_push(v, item);
				item = NULL;
			}
			free(item);
			if (rc)
				return rc;
			start = i + 1;
		}
	}
	return 0;
}

static int seg_push(tmpl *t, char *text, int v)
{
	if (!text)
		return PS_ENOMEM;
	seg *ns = realloc(t->segs, (size_t)(t->n + 1) * sizeof *ns);
	if (!ns) {
		free(text);
		return PS_ENOMEM;
	}
	t->segs = ns;
	t->segs[t->n++] = (seg){ text, v };
	return 0;
}

static int find_var(const exp_sweep *s, const char *name)
{
	for (int i = 0; i < s->nvars; i++)
		if (strcmp(s->vars[i].name, name) == 0)
			return i;
	return -1;
}

/* Cuts one key's value into segments, defining variables as it goes.
 * References stay as var = -2 with the name in text until pass 2. */
static int cut_key(exp_sweep *s, tmpl *t, const char *file, exp_diags *d)
{
	const exp_kv *kv = t->kv;
	const char *p = kv->value;
	int anon = 0, rc = 0;
	for (;;) {
		const char *o = strstr(p, "${");
		if (!o)
			return seg_push(t, strdup(p), -1);
		if ((rc = seg_push(t, strndup(p, (size_t)(o - p)), -1)))
			return rc;
		const char *c = strchr(o + 2, '}');
		const char *nested = strstr(o + 2, "${");
		if (!c || (nested && nested < c)) {
			exp_diag_add(d, file, kv->line,
				     "'${' without its '}' in %s", kv->key);
			return PS_EPARSE;
		}
		const char *body = o + 2;
		size_t bn = (size_t)(c - body);
		while (bn && isspace((unsigned char)*body)) {
			body++;
			bn--;
		}
		while (bn && isspace((unsigned char)body[bn - 1]))
			bn--;
		if (is_ident(body, bn)) {
			if ((rc = seg_push(t, strndup(body, bn), -2)))
				return rc;
		} else {
			/* A definition: optional NAME= then the items. */
			char name[128];
			size_t k = 0;
			while (k < bn && is_ident_char((unsigned char)body[k]))
				k++;
			size_t e = k;
			while (e < bn && isspace((unsigned char)body[e]))
				e++;
			if (k && is_ident(body, k) && e < bn && body[e] == '=' &&
			    k < sizeof name) {
				memcpy(name, body, k);
				name[k] = '\0';
				body += e + 1;
				bn -= e + 1;
			} else if (anon++ == 0) {
				snprintf(name, sizeof name, "%s", kv->key);
			} else {
				snprintf(name, sizeof name, "%s.%d", kv->key, anon);
			}
			int prev = find_var(s, name);
			if (prev >= 0) {
				exp_diag_add(d, file, kv->line,
					     "sweep variable '%s' defined twice "
					     "(first at line %d)", name,
					     s->vars[prev].line);
				return PS_EPARSE;
			}
			var *nv = realloc(s->vars, (size_t)(s->nvars + 1) * sizeof *nv);
			if (!nv)
				return PS_ENOMEM;
			s->vars = nv;
			var *v = &s->vars[s->nvars];
			memset(v, 0, sizeof *v);
			v->line = kv->line;
			v->name = strdup(name);
			s->nvars++;
			if (!v->name)
				return PS_ENOMEM;
			if ((rc = parse_items(v, body, bn, file, kv->line, d)))
				return rc;
			if (v->n == 0) {
				exp_diag_add(d, file, kv->line,
					     "sweep '%s' has zero points", name);
				return PS_EPARSE;
			}
			if ((rc = seg_push(t, strdup(""), s->nvars - 1)))
				return rc;
		}
		p = c + 1;
	}
}

int exp_sweep_points(const exp_sweep *s)
{
	return s->npoints;
}

int exp_sweep_nvars(const exp_sweep *s)
{
	return s->nvars;
}

const char *exp_sweep_var_name(const exp_sweep *s, int v)
{
	return s->vars[v].name;
}

const char *exp_sweep_value(const exp_sweep *s, int point, int v)
{
	return s->vars[v].vals[s->pt[(size_t)point * (size_t)s->nvars + (size_t)v]];
}

/* Substitutes the keys for the value indices idx. */
static int subst(const exp_sweep *s, const int *idx, exp_kvs *out)
{
	for (int i = 0; i < s->nt; i++) {
		const tmpl *t = &s->t[i];
		size_t n = 1;
		for (int j = 0; j < t->n; j++)
			n += strlen(t->segs[j].var < 0 ? t->segs[j].text :
				    s->vars[t->segs[j].var].vals[idx[t->segs[j].var]]);
		char *v = malloc(n), *w = v;
		if (!v)
			return PS_ENOMEM;
		for (int j = 0; j < t->n; j++) {
			const char *x = t->segs[j].var < 0 ? t->segs[j].text :
				s->vars[t->segs[j].var].vals[idx[t->segs[j].var]];
			size_t m = strlen(x);
			memcpy(w, x, m);
			w += m;
		}
		*w = '\0';
		int rc = exp_kvs_set(out, t->kv->key, v, t->kv->line);
		free(v);
		if (rc)
			return rc;
	}
	return 0;
}

int exp_sweep_point_keys(const exp_sweep *s, int point, exp_kvs *out)
{
	return subst(s, s->pt + (size_t)point * (size_t)s->nvars, out);
}

void exp_sweep_itervars(const exp_sweep *s, int point, char *buf, size_t len)
{
	size_t m = 0;
	if (len)
		buf[0] = '\0';
	for (int v = 0; v < s->nvars && m < len; v++)
		m += (size_t)snprintf(buf + m, len - m, "%s%s=%s", v ? ", " : "",
				      s->vars[v].name, exp_sweep_value(s, point, v));
}

/* Lookup for constraints: a variable's value, else a key of the point. */
typedef struct look {
	const exp_sweep *s;
	const int *idx;
	const exp_kvs *keys;
	char name[128];
} look;

static const char *look_up(void *u, const char *name, size_t n)
{
	look *l = u;
	if (n >= sizeof l->name)
		return NULL;
	memcpy(l->name, name, n);
	l->name[n] = '\0';
	int v = find_var(l->s, l->name);
	if (v >= 0)
		return l->s->vars[v].vals[l->idx[v]];
	const exp_kv *kv = exp_kvs_get(l->keys, l->name);
	return kv ? kv->value : NULL;
}

int exp_sweep_build(const exp_kvs *keys, const char *file, exp_sweep **out,
		    exp_diags *d)
{
	int rc = 0, errs0 = d->errors;
	*out = NULL;
	exp_sweep *s = calloc(1, sizeof *s);
	if (!s)
		return PS_ENOMEM;
	const exp_kv *constraint = NULL;
	s->t = calloc((size_t)keys->n + 1, sizeof *s->t);
	if (!s->t) {
		exp_sweep_free(s);
		return PS_ENOMEM;
	}
	for (int i = 0; i < keys->n; i++) {
		if (strcmp(keys->v[i].key, "constraint") == 0) {
			constraint = &keys->v[i];
			continue;
		}
		tmpl *t = &s->t[s->nt++];
		t->kv = &keys->v[i];
		rc = cut_key(s, t, file, d);
		if (rc == PS_ENOMEM)
			goto fail;
	}
	/* Pass 2: references may point at variables defined later. */
	for (int i = 0; i < s->nt; i++)
		for (int j = 0; j < s->t[i].n; j++) {
			seg *g = &s->t[i].segs[j];
			if (g->var != -2)
				continue;
			g->var = find_var(s, g->text);
			if (g->var < 0) {
				exp_diag_add(d, file, s->t[i].kv->line,
					     "unknown sweep variable '${%s}' in %s",
					     g->text, s->t[i].kv->key);
				g->var = -1;
			}
		}
	if (d->errors > errs0) {
		rc = PS_EPARSE;
		goto fail;
	}
	double total = 1;
	for (int v = 0; v < s->nvars; v++)
		total *= s->vars[v].n;
	if (total > EXP_MAX_POINTS) {
		exp_diag_add(d, file, s->nvars ? s->vars[s->nvars - 1].line : -1,
			     "the sweep has %.0f points; at most %d are allowed",
			     total, EXP_MAX_POINTS);
		rc = PS_EPARSE;
		goto fail;
	}
	size_t nv = s->nvars ? (size_t)s->nvars : 1;
	s->pt = malloc((size_t)total * nv * sizeof *s->pt);
	int *idx = calloc(nv, sizeof *idx);
	if (!s->pt || !idx) {
		free(idx);
		rc = PS_ENOMEM;
		goto fail;
	}
	for (long p = 0; p < (long)total; p++) {
		long r = p;
		for (int v = s->nvars - 1; v >= 0; v--) {
			idx[v] = (int)(r % s->vars[v].n);
			r /= s->vars[v].n;
		}
		int keep = 1;
		if (constraint) {
			exp_kvs pk;
			exp_kvs_init(&pk);
			rc = subst(s, idx, &pk);
			look l = { s, idx, &pk, "" };
			char err[256];
			if (!rc && exp_expr_eval(constraint->value, look_up, &l,
						 &keep, err, sizeof err)) {
				/* Said once: the same mistake at each of
				 * (maybe 10^5) points is noise, and slow. */
				exp_diag_add(d, file, constraint->line,
					     "constraint: %s", err);
				rc = PS_EPARSE;
			}
			exp_kvs_fini(&pk);
			if (rc) {
				free(idx);
				goto fail;
			}
		}
		if (keep) {
			memcpy(s->pt + (size_t)s->npoints * (size_t)s->nvars, idx,
			       (size_t)s->nvars * sizeof *idx);
			s->npoints++;
		}
	}
	free(idx);
	if (d->errors > errs0) {
		rc = PS_EPARSE;
		goto fail;
	}
	if (s->npoints == 0) {
		exp_diag_add(d, file, constraint ? constraint->line : -1,
			     "the constraint leaves zero points of the sweep");
		rc = PS_EPARSE;
		goto fail;
	}
	*out = s;
	return 0;
fail:
	exp_sweep_free(s);
	return rc;
}

/* ---- the constraint expression language --------------------------------- */

/* A value: numeric when num (x), always with its text (s, n) for string
 * comparison; computed numbers are formatted into b. */
typedef struct val {
	int num;
	double x;
	const char *s;
	size_t n;
	char b[32];
} val;

typedef struct ep {
	const char *p;
	const char *(*lookup)(void *u, const char *name, size_t len);
	void *u;
	char *err;
	size_t errlen;
	int bad;
} ep;

static void fail_at(ep *e, const char *fmt, const char *what, size_t n)
{
	if (!e->bad && e->err)
		snprintf(e->err, e->errlen, fmt, (int)(n > 40 ? 40 : n), what);
	e->bad = 1;
}

static void skip_ws(ep *e)
{
	while (isspace((unsigned char)*e->p))
		e->p++;
}

static val num_val(double x)
{
	val v = { 0 };
	v.num = 1;
	v.x = x;
	snprintf(v.b, sizeof v.b, "%.10g", x);
	v.s = v.b;
	v.n = strlen(v.b);
	return v;
}

/* Tries to read text as a number with an optional time or size unit. */
static int text_num(const char *s, size_t n, double *x)
{
	char t[64], err[8];
	if (n == 0 || n >= sizeof t)
		return 0;
	memcpy(t, s, n);
	t[n] = '\0';
	return unit_number(t, x, err, sizeof err) == 0 ||
	       unit_time(t, x, err, sizeof err) == 0 ||
	       unit_size(t, x, err, sizeof err) == 0;
}

static val text_val(const char *s, size_t n)
{
	val v = { 0 };
	v.s = s;
	v.n = n;
	v.num = text_num(s, n, &v.x);
	return v;
}

static double want_num(ep *e, const val *v)
{
	if (!v->num)
		fail_at(e, "'%.*s' is not a number", v->s, v->n);
	return v->x;
}

static val e_or(ep *e);

static val e_primary(ep *e)
{
	skip_ws(e);
	const char *p = e->p;
	if (*p == '(') {
		e->p++;
		val v = e_or(e);
		skip_ws(e);
		if (*e->p != ')')
			fail_at(e, "expected ')' at '%.*s'", e->p, strlen(e->p));
		else
			e->p++;
		return v;
	}
	if (*p == '"' || *p == '\'') {
		const char *q = strchr(p + 1, *p);
		if (!q) {
			fail_at(e, "unterminated string %.*s", p, strlen(p));
			return num_val(0);
		}
		e->p = q + 1;
		val v = { 0 };
		v.s = p + 1;
		v.n = (size_t)(q - p - 1);
		return v;
	}
	if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
		const char *q = p;
		while (isalnum((unsigned char)*q) || *q == '.')
			q++;
		val v = text_val(p, (size_t)(q - p));
		if (!v.num)
			fail_at(e, "bad number '%.*s'", p, (size_t)(q - p));
		e->p = q;
		return v;
	}
	int braced = 0;
	if (*p == '$') {
		p++;
		if (*p == '{') {
			braced = 1;
			p++;
		}
	}
	if (is_ident_start((unsigned char)*p)) {
		const char *q = p;
		while (is_ident_char((unsigned char)*q))
			q++;
		e->p = q;
		if (braced) {
			if (*e->p != '}')
				fail_at(e, "expected '}' at '%.*s'", e->p, strlen(e->p));
			else
				e->p++;
		}
		const char *v = e->lookup(e->u, p, (size_t)(q - p));
		if (!v) {
			fail_at(e, "unknown name '%.*s'", p, (size_t)(q - p));
			return num_val(0);
		}
		return text_val(v, strlen(v));
	}
	if (!*p)
		fail_at(e, "expression ends too early%.*s", "", 0);
	else
		fail_at(e, "unexpected '%.*s'", p, strlen(p));
	return num_val(0);
}

static val e_unary(ep *e)
{
	skip_ws(e);
	if (*e->p == '-') {
		e->p++;
		val v = e_unary(e);
		return num_val(-want_num(e, &v));
	}
	if (*e->p == '!' && e->p[1] != '=') {
		e->p++;
		val v = e_unary(e);
		return num_val(v.num ? v.x == 0 : v.n == 0);
	}
	return e_primary(e);
}

static val e_mul(ep *e)
{
	val a = e_unary(e);
	for (;;) {
		skip_ws(e);
		char op = *e->p;
		if (op != '*' && op != '/' && op != '%')
			return a;
		e->p++;
		val b = e_unary(e);
		double x = want_num(e, &a), y = want_num(e, &b);
		if (op == '*')
			a = num_val(x * y);
		else if (op == '/')
			a = num_val(y != 0 ? x / y : 0);
		else
			a = num_val(y != 0 ? fmod(x, y) : 0);
		if (op != '*' && y == 0)
			fail_at(e, "division by zero%.*s", "", 0);
	}
}

static val e_add(ep *e)
{
	val a = e_mul(e);
	for (;;) {
		skip_ws(e);
		char op = *e->p;
		if (op != '+' && op != '-')
			return a;
		e->p++;
		val b = e_mul(e);
		double x = want_num(e, &a), y = want_num(e, &b);
		a = num_val(op == '+' ? x + y : x - y);
	}
}

static val e_cmp(ep *e)
{
	val a = e_add(e);
	skip_ws(e);
	const char *p = e->p;
	int op = 0;   /* 1 == 2 != 3 < 4 <= 5 > 6 >= */
	if (p[0] == '=' && p[1] == '=')
		op = 1;
	else if (p[0] == '!' && p[1] == '=')
		op = 2;
	else if (p[0] == '<')
		op = p[1] == '=' ? 4 : 3;
	else if (p[0] == '>')
		op = p[1] == '=' ? 6 : 5;
	else if (p[0] == '=')
		fail_at(e, "use '==' to compare, not '='%.*s", "", 0);
	if (!op)
		return a;
	e->p += (op == 3 || op == 5) ? 1 : 2;
	val b = e_add(e);
	int c;
	if (a.num && b.num) {
		c = a.x < b.x ? -1 : a.x > b.x;
	} else {
		size_t m = a.n < b.n ? a.n : b.n;
		c = memcmp(a.s, b.s, m);
		if (!c)
			c = a.n < b.n ? -1 : a.n > b.n;
	}
	int r = op == 1 ? c == 0 : op == 2 ? c != 0 : op == 3 ? c < 0 :
		op == 4 ? c <= 0 : op == 5 ? c > 0 : c >= 0;
	return num_val(r);
}

static int truthy(const val *v)
{
	return v->num ? v->x != 0 : v->n != 0;
}

static val e_and(ep *e)
{
	val a = e_cmp(e);
	for (;;) {
		skip_ws(e);
		if (!(e->p[0] == '&' && e->p[1] == '&'))
			return a;
		e->p += 2;
		val b = e_cmp(e);
		a = num_val(truthy(&a) && truthy(&b));
	}
}

static val e_or(ep *e)
{
	val a = e_and(e);
	for (;;) {
		skip_ws(e);
		if (!(e->p[0] == '|' && e->p[1] == '|'))
			return a;
		e->p += 2;
		val b = e_and(e);
		a = num_val(truthy(&a) || truthy(&b));
	}
}

int exp_expr_eval(const char *expr,
		  const char *(*lookup)(void *u, const char *name, size_t len),
		  void *u, int *truth, char *err, size_t errlen)
{
	ep e = { expr, lookup, u, err, errlen, 0 };
	val v = e_or(&e);
	skip_ws(&e);
	if (!e.bad && *e.p)
		fail_at(&e, "unexpected '%.*s'", e.p, strlen(e.p));
	*truth = !e.bad && truthy(&v);
	return e.bad ? PS_EPARSE : 0;
}
