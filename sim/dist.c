/*
 * dist.c — duration distributions: a recursive-descent parser for the
 * DESIGN.md grammar, closed-form moments, and sampling through GSL.
 *
 * Workload: parsing happens once per configuration (text of tens of
 * characters, O(length) plus the size of an empirical file). Sampling is on
 * the simulator's hot path — one or more draws per task, hundreds of
 * millions per sweep — so a dist is a flat tagged node whose moments are
 * computed once at parse time, and const/exp are answered before any other
 * dispatch. A sample costs O(1) except mix (O(components), a linear scan
 * over a handful of cumulative weights) and sums (O(terms)).
 *
 * Grammar:
 *   expr := term ('+' term)*
 *   term := NAME '(' arg (',' arg)* ')'
 * Arguments are split at commas outside parentheses, so a mix component may
 * itself be any expr, including a sum or another mix.
 */
#include "span.h"
#include "csv.h"
#include "dist.h"
#include "ps.h"
#include "rng.h"
#include "units.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

typedef enum {
	D_CONST, D_EXP, D_UNIFORM, D_LOGNORMAL, D_GAMMA, D_WEIBULL, D_PARETO,
	D_NORMAL, D_EMPIRICAL, D_MIX, D_SUM
} dkind;

/* Names in dkind order up to D_MIX; D_SUM has no name (it is '+'). */
static const char *const kind_names[] = {
	"const", "exp", "uniform", "lognormal", "gamma", "weibull", "pareto",
	"normal", "empirical", "mix"
};
#define N_NAMED ((int)(sizeof kind_names / sizeof kind_names[0]))
#define KNOWN_LIST "const, exp, uniform, lognormal, gamma, weibull, " \
	"pareto, normal, empirical, mix"

/* Nesting deeper than this is refused, so hostile text cannot exhaust the
 * stack of the recursive parser. */
#define MAX_DEPTH 32
#define MAX_ARGS 64

/*
 * One node. Invariants: mean/var hold the exact moments of what
 * dist_sample draws (for normal: of the truncated law); is_const implies
 * var == 0 and every draw == mean. p[] are the parameters in the form the
 * sampler wants:
 *   const p0=value; exp p0=mean; uniform p0=a p1=b;
 *   lognormal p0=zeta p1=sigma (u0/u1 and lognormal_mean_sd keep the
 *   user's form for dist_format); gamma p0=shape p1=scale (u0=mean u1=cv);
 *   weibull p0=scale p1=shape; pareto p0=alpha p1=xm; normal p0=mu p1=sd.
 * mix: kids[n] with weights w[n] and cum[n] (non-decreasing, last == 1);
 * sum: kids[n]; empirical: samples[n] from the file's shared table.
 */
struct dist {
	dkind kind;
	int is_const;
	int lognormal_mean_sd;
	double mean, var;
	double p[2];
	double u[2];
	size_t n;
	dist **kids;
	double *w, *cum;
	const double *samples;  /* empirical: tab's column, borrowed */
	csv_table *tab;         /* empirical: the file, shared (csv.h) */
};

typedef struct parser {
	const char *root;       /* the whole text, to avoid quoting it twice */
	const char *basedir;
	char *err;
	size_t errlen;
	int depth;
	int bare;               /* a count, not a time: bare numbers (weights) */
	csv_cache *files;       /* empirical files read once; NULL = no cache */
} parser;

/* ---- construction ----------------------------------------------------- */

static dist *node_new(dkind k)
{
	dist *d = calloc(1, sizeof *d);
	if (d)
		d->kind = k;
	return d;
}

void dist_free(dist *d)
{
	if (!d)
		return;
	for (size_t i = 0; d->kids && i < d->n; i++)
		dist_free(d->kids[i]);
	free(d->kids);
	free(d->w);
	free(d->cum);
	csv_release(d->tab);
	free(d);
}

dist *dist_const(double v)
{
	assert(isfinite(v) && v >= 0);
	dist *d = node_new(D_CONST);
	if (!d)
		return NULL;
	d->p[0] = d->mean = v;
	d->is_const = 1;
	return d;
}

/* Mean and variance of a normal(mu, sd) truncated to [0, inf):
 * with a = -mu/sd, Z = Q(a) = P(X >= 0) and lambda = phi(a)/Z (the inverse
 * Mills ratio), mean = mu + sd*lambda and var = sd^2 (1 + a*lambda -
 * lambda^2). Q rather than 1 - P keeps Z accurate when mu >> sd. */
static void truncnorm_moments(double mu, double sd, double *mean, double *var)
{
	if (sd == 0) {
		*mean = mu;
		*var = 0;
		return;
	}
	double a = -mu / sd;
	double z = gsl_cdf_ugaussian_Q(a);
	double lambda = gsl_ran_ugaussian_pdf(a) / z;
	*mean = mu + sd * lambda;
	*var = sd * sd * (1 + a * lambda - lambda * lambda);
	if (*var < 0)   /* rounding when sd is tiny against mu */
		*var = 0;
}

/* ---- small text helpers ----------------------------------------------- */

static int perr(parser *ps, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(parser *ps, int code, const char *fmt, ...)
{
	if (ps->err && ps->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(ps->err, ps->errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* Parses a span with a unit parser; the unit parser's own message (which
 * quotes the span) is what the user sees. */
static int span_unit(parser *ps, span sp,
		     int (*fn)(const char *, double *, char *, size_t),
		     double *out)
{
	char *c = span_dup(sp);
	if (!c)
		return perr(ps, PS_ENOMEM, "out of memory");
	if (fn == unit_time && ps->bare)
		fn = unit_seconds;
	int rc = fn(c, out, ps->err, ps->errlen);
	free(c);
	return rc;
}

/* ---- the parser --------------------------------------------------------- */

static int parse_expr(parser *ps, const char *text, dist **out);

/* Splits "a, b(c, d), e)" — the text after '(' — into top-level args up to
 * the matching ')'. On success *end points just past that ')'. */
static int split_args(parser *ps, const char *term, const char *p,
		      span *args, int *nargs, const char **end)
{
	int depth = 0, n = 0;
	const char *start = p;
	for (;; p++) {
		if (*p == '\0')
			return perr(ps, PS_EPARSE, "missing \")\" in \"%s\"", term);
		if (*p == '(') {
			depth++;
		} else if (*p == ')' && depth > 0) {
			depth--;
		} else if ((*p == ',' && depth == 0) || *p == ')') {
			if (n == MAX_ARGS)
				return perr(ps, PS_EPARSE,
					    "too many arguments in \"%s\"", term);
			args[n++] = span_trim(start, (size_t)(p - start));
			start = p + 1;
			if (*p == ')')
				break;
		}
	}
	*nargs = n;
	*end = p + 1;
	return PS_OK;
}

/* Named arguments "key=value": fills vals[i] for keys[i]; each key at most
 * once, nothing outside keys. Returns a bitmask of the keys present. */
static int named_args(parser *ps, span term, const span *args, int nargs,
		      const char *const *keys, int nkeys, span *vals, int *mask)
{
	*mask = 0;
	for (int i = 0; i < nargs; i++) {
		const char *eq = memchr(args[i].s, '=', (size_t)args[i].len);
		if (!eq)
			return perr(ps, PS_EPARSE,
				    "\"%.*s\": expected name=value, got \"%.*s\"",
				    term.len, term.s, args[i].len, args[i].s);
		span key = span_trim(args[i].s, (size_t)(eq - args[i].s));
		span val = span_trim(eq + 1, (size_t)(args[i].s + args[i].len - eq - 1));
		int k;
		for (k = 0; k < nkeys; k++)
			if ((int)strlen(keys[k]) == key.len &&
			    memcmp(keys[k], key.s, (size_t)key.len) == 0)
				break;
		if (k == nkeys)
			return perr(ps, PS_EPARSE,
				    "\"%.*s\": unknown parameter \"%.*s\"",
				    term.len, term.s, key.len, key.s);
		if (*mask & (1 << k))
			return perr(ps, PS_EPARSE,
				    "\"%.*s\": parameter \"%s\" given twice",
				    term.len, term.s, keys[k]);
		*mask |= 1 << k;
		vals[k] = val;
	}
	return PS_OK;
}

/* One sample a line, in seconds or with a unit (sim/csv.h: a header, a
 * byte-order mark and CRLF are fine). Mean and variance are those of the
 * uniform draw over the samples (population moments, divided by n). */
static const char *const empirical_names[] = { "sample" };
static const csv_shape empirical_shape = { 1, 1, empirical_names, NULL };

static int load_empirical(parser *ps, dist *d, span file)
{
	if (file.len >= 2 && file.s[0] == '"' && file.s[file.len - 1] == '"')
		file = (span){ file.s + 1, file.len - 2 };
	if (file.len == 0)
		return perr(ps, PS_EPARSE, "empirical() needs a file name");
	char *path = span_path(ps->basedir, file);
	if (!path)
		return perr(ps, PS_ENOMEM, "out of memory");
	char sub[512];
	int rc = csv_cache_get(ps->files, path, &empirical_shape, &d->tab, sub,
			       sizeof sub);
	free(path);
	if (rc == PS_EIO)
		return perr(ps, rc, "empirical(%.*s): %s", file.len, file.s, sub);
	if (rc)
		return perr(ps, rc, "%s", sub);
	d->samples = d->tab->col[0];
	d->n = (size_t)d->tab->nrows;
	double m = 0, ss = 0;
	for (size_t i = 0; i < d->n; i++)
		m += d->samples[i];
	m /= (double)d->n;
	for (size_t i = 0; i < d->n; i++)
		ss += (d->samples[i] - m) * (d->samples[i] - m);
	d->mean = m;
	d->var = ss / (double)d->n;
	return PS_OK;
}

static int parse_mix(parser *ps, dist *d, span term, const span *args,
		     int nargs)
{
	d->kids = calloc((size_t)nargs, sizeof *d->kids);
	d->w = calloc((size_t)nargs, sizeof *d->w);
	d->cum = calloc((size_t)nargs, sizeof *d->cum);
	if (!d->kids || !d->w || !d->cum)
		return perr(ps, PS_ENOMEM, "out of memory");
	double sum = 0;
	for (int i = 0; i < nargs; i++) {
		const char *colon = memchr(args[i].s, ':', (size_t)args[i].len);
		if (!colon)
			return perr(ps, PS_EPARSE,
				    "\"%.*s\": expected P: DIST, got \"%.*s\"",
				    term.len, term.s, args[i].len, args[i].s);
		span ws = span_trim(args[i].s, (size_t)(colon - args[i].s));
		span ds = span_trim(colon + 1,
			       (size_t)(args[i].s + args[i].len - colon - 1));
		double w;
		int percent = memchr(ws.s, '%', (size_t)ws.len) != NULL;
		int rc = span_unit(ps, ws, percent ? unit_percent : unit_number, &w);
		if (rc)
			return rc;
		if (w < 0 || w > 1)
			return perr(ps, PS_EPARSE,
				    "\"%.*s\": weight \"%.*s\" is outside [0, 1]",
				    term.len, term.s, ws.len, ws.s);
		char *sub = span_dup(ds);
		if (!sub)
			return perr(ps, PS_ENOMEM, "out of memory");
		rc = parse_expr(ps, sub, &d->kids[d->n]);
		free(sub);
		if (rc)
			return rc;
		d->w[d->n++] = w;
		sum += w;
	}
	if (fabs(sum - 1) > 1e-9) {
		/* dist_parse quotes the whole text already; name the mix only
		 * when it is a part of it. */
		while (isspace((unsigned char)*ps->root))
			ps->root++;
		size_t rl = strlen(ps->root);
		while (rl && isspace((unsigned char)ps->root[rl - 1]))
			rl--;
		if ((size_t)term.len == rl && !memcmp(term.s, ps->root, rl))
			return perr(ps, PS_EPARSE,
				    "mix weights sum to %.12g, not 1", sum);
		return perr(ps, PS_EPARSE,
			    "\"%.*s\": mix weights sum to %.12g, not 1",
			    term.len, term.s, sum);
	}
	/* Normalised cumulative weights; from the last positive weight on the
	 * sum is exactly 1, so u in [0, 1) always finds a component and a
	 * zero-weight component is never drawn. */
	double c = 0, mean = 0;
	size_t last = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->w[i] > 0)
			last = i;
	for (size_t i = 0; i < d->n; i++) {
		c += d->w[i] / sum;
		d->cum[i] = i >= last ? 1.0 : c;
		if (d->w[i] > 0)
			mean += d->w[i] / sum * d->kids[i]->mean;
	}
	double var = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (d->w[i] == 0)
			continue;
		double dm = d->kids[i]->mean - mean;
		var += d->w[i] / sum * (d->kids[i]->var + dm * dm);
	}
	d->mean = mean;
	d->var = var;
	return PS_OK;
}

/* Parses one NAME(args) at *pp, advancing *pp past it. */
static int parse_term(parser *ps, const char **pp, dist **out)
{
	const char *p = *pp;
	while (isspace((unsigned char)*p))
		p++;
	const char *name = p;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	int nlen = (int)(p - name);
	if (nlen == 0)
		return perr(ps, PS_EPARSE,
			    "expected a distribution name at \"%s\"", name);
	int k;
	for (k = 0; k < N_NAMED; k++)
		if ((int)strlen(kind_names[k]) == nlen &&
		    memcmp(kind_names[k], name, (size_t)nlen) == 0)
			break;
	if (k == N_NAMED)
		return perr(ps, PS_EPARSE,
			    "unknown distribution \"%.*s\"; known: " KNOWN_LIST,
			    nlen, name);
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '(')
		return perr(ps, PS_EPARSE, "expected \"(\" after \"%.*s\" in \"%s\"",
			    nlen, name, name);
	span args[MAX_ARGS];
	int nargs = 0;
	const char *end = p;
	int rc = split_args(ps, name, p + 1, args, &nargs, &end);
	if (rc)
		return rc;
	span term = { name, (int)(end - name) };
	dist *d = node_new((dkind)k);
	if (!d)
		return perr(ps, PS_ENOMEM, "out of memory");

	static const char *const ln_keys[] = { "p50", "p99", "mean", "sd" };
	static const char *const gamma_keys[] = { "mean", "cv" };
	static const char *const weib_keys[] = { "scale", "shape" };
	static const char *const pareto_keys[] = { "xm", "alpha" };
	static const char *const normal_keys[] = { "mean", "sd" };
	span v[4];
	int mask;
	double a = 0, b = 0;

#define NEED_ARGS(cnt, form)                                               \
	do {                                                               \
		if (nargs != (cnt) || (cnt >= 1 && args[0].len == 0)) {    \
			rc = perr(ps, PS_EPARSE, "\"%.*s\": expected %s",  \
				  term.len, term.s, form);                 \
			goto fail;                                         \
		}                                                          \
	} while (0)
#define UNIT(sp, fn, dst)                                                  \
	do {                                                               \
		if ((rc = span_unit(ps, sp, fn, dst)))                     \
			goto fail;                                         \
	} while (0)
#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			rc = perr(ps, PS_EPARSE, __VA_ARGS__);             \
			goto fail;                                         \
		}                                                          \
	} while (0)

	switch (d->kind) {
	case D_CONST:
		NEED_ARGS(1, "const(DURATION)");
		UNIT(args[0], unit_time, &a);
		d->p[0] = d->mean = a;
		d->is_const = 1;
		break;
	case D_EXP:
		NEED_ARGS(1, "exp(MEAN)");
		UNIT(args[0], unit_time, &a);
		CHECK(a > 0, "\"%.*s\": the mean must be > 0", term.len, term.s);
		d->p[0] = d->mean = a;
		d->var = a * a;
		break;
	case D_UNIFORM:
		NEED_ARGS(2, "uniform(A, B)");
		UNIT(args[0], unit_time, &a);
		UNIT(args[1], unit_time, &b);
		CHECK(a <= b, "\"%.*s\": A must not exceed B", term.len, term.s);
		d->p[0] = a;
		d->p[1] = b;
		d->mean = (a + b) / 2;
		d->var = (b - a) * (b - a) / 12;
		break;
	case D_LOGNORMAL:
		if ((rc = named_args(ps, term, args, nargs, ln_keys, 4, v, &mask)))
			goto fail;
		if (mask == 0x3) {
			UNIT(v[0], unit_time, &a);
			UNIT(v[1], unit_time, &b);
			CHECK(a > 0 && b >= a, "\"%.*s\": need 0 < p50 <= p99",
			      term.len, term.s);
			d->u[0] = a;
			d->u[1] = b;
			d->p[0] = log(a);
			d->p[1] = (log(b) - log(a)) / gsl_cdf_ugaussian_Pinv(0.99);
		} else if (mask == 0xc) {
			UNIT(v[2], unit_time, &a);
			UNIT(v[3], unit_time, &b);
			CHECK(a > 0, "\"%.*s\": the mean must be > 0",
			      term.len, term.s);
			d->lognormal_mean_sd = 1;
			d->u[0] = a;
			d->u[1] = b;
			double s2 = log1p(b * b / (a * a));
			d->p[0] = log(a) - s2 / 2;
			d->p[1] = sqrt(s2);
		} else {
			CHECK(0, "\"%.*s\": expected lognormal(p50=D, p99=D) or "
			      "lognormal(mean=D, sd=D)", term.len, term.s);
		}
		{
			double s2 = d->p[1] * d->p[1];
			d->mean = exp(d->p[0] + s2 / 2);
			d->var = expm1(s2) * exp(2 * d->p[0] + s2);
		}
		break;
	case D_GAMMA:
		if ((rc = named_args(ps, term, args, nargs, gamma_keys, 2, v, &mask)))
			goto fail;
		CHECK(mask == 0x3, "\"%.*s\": expected gamma(mean=D, cv=X)",
		      term.len, term.s);
		UNIT(v[0], unit_time, &a);
		UNIT(v[1], unit_number, &b);
		CHECK(a > 0 && b > 0, "\"%.*s\": mean and cv must be > 0",
		      term.len, term.s);
		d->u[0] = a;
		d->u[1] = b;
		d->p[0] = 1 / (b * b);     /* shape k = 1/cv^2 */
		d->p[1] = a * b * b;       /* scale = mean * cv^2 */
		d->mean = a;
		d->var = (a * b) * (a * b);
		break;
	case D_WEIBULL:
		if ((rc = named_args(ps, term, args, nargs, weib_keys, 2, v, &mask)))
			goto fail;
		CHECK(mask == 0x3, "\"%.*s\": expected weibull(scale=D, shape=X)",
		      term.len, term.s);
		UNIT(v[0], unit_time, &a);
		UNIT(v[1], unit_number, &b);
		CHECK(a > 0 && b > 0, "\"%.*s\": scale and shape must be > 0",
		      term.len, term.s);
		d->p[0] = a;
		d->p[1] = b;
		{
			double g1 = tgamma(1 + 1 / b), g2 = tgamma(1 + 2 / b);
			d->mean = a * g1;
			d->var = a * a * (g2 - g1 * g1);
		}
		break;
	case D_PARETO:
		if ((rc = named_args(ps, term, args, nargs, pareto_keys, 2, v, &mask)))
			goto fail;
		CHECK(mask == 0x3, "\"%.*s\": expected pareto(xm=D, alpha=X)",
		      term.len, term.s);
		UNIT(v[0], unit_time, &a);
		UNIT(v[1], unit_number, &b);
		CHECK(a > 0 && b > 0, "\"%.*s\": xm and alpha must be > 0",
		      term.len, term.s);
		d->p[0] = b;
		d->p[1] = a;
		/* Heavy tails: the mean is infinite for alpha <= 1, the variance
		 * infinite for 1 < alpha <= 2 and undefined below. */
		d->mean = b > 1 ? b * a / (b - 1) : INFINITY;
		d->var = b > 2 ? a * a * b / ((b - 1) * (b - 1) * (b - 2))
		       : b > 1 ? INFINITY : NAN;
		break;
	case D_NORMAL:
		if ((rc = named_args(ps, term, args, nargs, normal_keys, 2, v, &mask)))
			goto fail;
		CHECK(mask == 0x3, "\"%.*s\": expected normal(mean=D, sd=D)",
		      term.len, term.s);
		UNIT(v[0], unit_time, &a);
		UNIT(v[1], unit_time, &b);
		d->p[0] = a;
		d->p[1] = b;
		truncnorm_moments(a, b, &d->mean, &d->var);
		break;
	case D_EMPIRICAL:
		NEED_ARGS(1, "empirical(FILE)");
		if ((rc = load_empirical(ps, d, args[0])))
			goto fail;
		break;
	case D_MIX:
		NEED_ARGS(nargs, "mix(P: DIST, P: DIST, ...)");
		if ((rc = parse_mix(ps, d, term, args, nargs)))
			goto fail;
		break;
	case D_SUM:
		assert(0);
	}
#undef NEED_ARGS
#undef UNIT
#undef CHECK
	*pp = end;
	*out = d;
	return PS_OK;
fail:
	dist_free(d);
	return rc;
}

/* expr := term ('+' term)*; a single term is returned as itself, several
 * become one flat D_SUM node. */
static int parse_expr(parser *ps, const char *text, dist **out)
{
	if (ps->depth >= MAX_DEPTH)
		return perr(ps, PS_EPARSE, "\"%s\" is nested too deeply", text);
	ps->depth++;
	dist *terms[MAX_ARGS];
	size_t n = 0;
	const char *p = text;
	int rc;
	for (;;) {
		if (n == MAX_ARGS) {
			rc = perr(ps, PS_EPARSE, "too many terms in \"%s\"", text);
			goto fail;
		}
		if ((rc = parse_term(ps, &p, &terms[n])))
			goto fail;
		n++;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		if (*p != '+') {
			rc = perr(ps, PS_EPARSE, "unexpected \"%s\" in \"%s\"", p, text);
			goto fail;
		}
		p++;
	}
	if (n == 1) {
		*out = terms[0];
		ps->depth--;
		return PS_OK;
	}
	dist *d = node_new(D_SUM);
	if (!d || !(d->kids = calloc(n, sizeof *d->kids))) {
		free(d);
		rc = perr(ps, PS_ENOMEM, "out of memory");
		goto fail;
	}
	memcpy(d->kids, terms, n * sizeof *d->kids);
	d->n = n;
	d->is_const = 1;
	for (size_t i = 0; i < n; i++) {
		d->mean += terms[i]->mean;
		d->var += terms[i]->var;
		d->is_const &= terms[i]->is_const;
	}
	*out = d;
	ps->depth--;
	return PS_OK;
fail:
	ps->depth--;
	for (size_t i = 0; i < n; i++)
		dist_free(terms[i]);
	return rc;
}

static int parse_top(const char *text, const char *basedir, int bare,
		     csv_cache *files, dist **out, char *err, size_t errlen)
{
	char detail[512];
	parser ps = { text, basedir, detail, sizeof detail, 0, bare, files };
	detail[0] = '\0';
	*out = NULL;
	int rc = parse_expr(&ps, text, out);
	if (rc)
		return ps_err(err, errlen, rc, "bad distribution \"%s\": %s",
			      text, detail);
	return PS_OK;
}

int dist_parse(const char *text, const char *basedir, dist **out,
	       char *err, size_t errlen)
{
	return parse_top(text, basedir, 0, NULL, out, err, errlen);
}

int dist_parse_count(const char *text, const char *basedir, dist **out,
		     char *err, size_t errlen)
{
	return parse_top(text, basedir, 1, NULL, out, err, errlen);
}

int dist_parse_in(const char *text, const char *basedir, int count,
		  csv_cache *files, dist **out, char *err, size_t errlen)
{
	return parse_top(text, basedir, count, files, out, err, errlen);
}

/* ---- sampling and moments ----------------------------------------------- */

double dist_sample(const dist *d, gsl_rng *r)
{
	/* const and exp first: they are most services' and think times'. */
	if (d->kind == D_CONST)
		return d->p[0];
	if (d->kind == D_EXP)
		return rng_exp(r, d->p[0]);
	switch (d->kind) {
	case D_UNIFORM:
		return d->p[0] + (d->p[1] - d->p[0]) * gsl_rng_uniform(r);
	case D_LOGNORMAL:
		return gsl_ran_lognormal(r, d->p[0], d->p[1]);
	case D_GAMMA:
		return gsl_ran_gamma(r, d->p[0], d->p[1]);
	case D_WEIBULL:
		return gsl_ran_weibull(r, d->p[0], d->p[1]);
	case D_PARETO:
		return gsl_ran_pareto(r, d->p[0], d->p[1]);
	case D_NORMAL: {
		/* Resampling negative draws is exact truncation; mean >= 0
		 * (a duration) keeps acceptance >= 1/2. */
		if (d->p[1] == 0)
			return d->p[0];
		double x;
		do
			x = d->p[0] + gsl_ran_gaussian_ziggurat(r, d->p[1]);
		while (x < 0);
		return x;
	}
	case D_EMPIRICAL:
		return d->samples[gsl_rng_uniform_int(r, d->n)];
	case D_MIX: {
		double u = gsl_rng_uniform(r);
		size_t i = 0;
		while (u >= d->cum[i])
			i++;
		return dist_sample(d->kids[i], r);
	}
	case D_SUM: {
		if (d->is_const)
			return d->mean;
		double s = 0;
		for (size_t i = 0; i < d->n; i++)
			s += dist_sample(d->kids[i], r);
		return s;
	}
	case D_CONST:
	case D_EXP:
		break;
	}
	assert(0);
	return NAN;
}

void dist_sampler_init(dist_sampler *s, const dist *d)
{
	s->d = d;
	s->how = d->kind == D_EXP ? DIST_DRAW_EXP
		 : d->kind == D_CONST ? DIST_DRAW_CONST : DIST_DRAW_CALL;
	s->v = d->p[0];
}

double dist_mean(const dist *d)
{
	return d->mean;
}

double dist_var(const dist *d)
{
	return d->var;
}

int dist_is_const(const dist *d)
{
	return d->is_const;
}

/* ---- formatting ----------------------------------------------------------- */

/* Appends to buf[len] at *pos like snprintf, tracking the length the full
 * text would need even when it is cut. */
static void put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(*pos < len ? buf + *pos : NULL,
			  *pos < len ? len - *pos : 0, fmt, ap);
	va_end(ap);
	if (k > 0)
		*pos += (size_t)k;
}

/* The shortest %g text that reads back as exactly x, so formatted dists
 * stay readable ("0.1", not "0.10000000000000001") and still round-trip. */
static const char *num(double x, char tmp[32])
{
	for (int prec = 6; prec < 17; prec++) {
		snprintf(tmp, 32, "%.*g", prec, x);
		if (strtod(tmp, NULL) == x)
			return tmp;
	}
	snprintf(tmp, 32, "%.17g", x);
	return tmp;
}

static void format_node(const dist *d, char *buf, size_t len, size_t *pos)
{
	char t0[32], t1[32];

	switch (d->kind) {
	case D_CONST:
		put(buf, len, pos, "const(%ss)", num(d->p[0], t0));
		break;
	case D_EXP:
		put(buf, len, pos, "exp(%ss)", num(d->p[0], t0));
		break;
	case D_UNIFORM:
		put(buf, len, pos, "uniform(%ss, %ss)", num(d->p[0], t0),
		    num(d->p[1], t1));
		break;
	case D_LOGNORMAL:
		put(buf, len, pos, d->lognormal_mean_sd
		    ? "lognormal(mean=%ss, sd=%ss)"
		    : "lognormal(p50=%ss, p99=%ss)", num(d->u[0], t0),
		    num(d->u[1], t1));
		break;
	case D_GAMMA:
		put(buf, len, pos, "gamma(mean=%ss, cv=%s)",
		    num(d->u[0], t0), num(d->u[1], t1));
		break;
	case D_WEIBULL:
		put(buf, len, pos, "weibull(scale=%ss, shape=%s)",
		    num(d->p[0], t0), num(d->p[1], t1));
		break;
	case D_PARETO:
		put(buf, len, pos, "pareto(xm=%ss, alpha=%s)",
		    num(d->p[1], t0), num(d->p[0], t1));
		break;
	case D_NORMAL:
		put(buf, len, pos, "normal(mean=%ss, sd=%ss)",
		    num(d->p[0], t0), num(d->p[1], t1));
		break;
	case D_EMPIRICAL:
		put(buf, len, pos, "empirical(%s)", d->tab->abspath);
		break;
	case D_MIX:
		put(buf, len, pos, "mix(");
		for (size_t i = 0; i < d->n; i++) {
			put(buf, len, pos, "%s%s: ", i ? ", " : "",
			    num(d->w[i], t0));
			format_node(d->kids[i], buf, len, pos);
		}
		put(buf, len, pos, ")");
		break;
	case D_SUM:
		for (size_t i = 0; i < d->n; i++) {
			if (i)
				put(buf, len, pos, " + ");
			format_node(d->kids[i], buf, len, pos);
		}
		break;
	}
}

size_t dist_format(const dist *d, char *buf, size_t len)
{
	size_t pos = 0;
	if (len)
		buf[0] = '\0';
	format_node(d, buf, len, &pos);
	return pos;
}
