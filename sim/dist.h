/*
 * dist.h — distributions of durations, parsed from experiments.ini text.
 *
 * Grammar (DESIGN.md): const(D) exp(MEAN) uniform(A, B)
 * lognormal(p50=D, p99=D) | lognormal(mean=D, sd=D) gamma(mean=D, cv=X)
 * weibull(scale=D, shape=X) pareto(xm=D, alpha=X) normal(mean=D, sd=D)
 * (truncated at 0) empirical(FILE) mix(P: DIST, P: DIST, ...) and sums
 * DIST + DIST + ... of independent draws. D is a duration with a unit
 * (units.h). Every value a dist returns is >= 0, in seconds.
 *
 * A dist is immutable after parsing and may be shared by threads; the
 * state of sampling lives in the gsl_rng passed in.
 */
#ifndef DIST_H
#define DIST_H

#include <stddef.h>
#include <gsl/gsl_rng.h>

#include "rng.h"

typedef struct dist dist;

/* Parses text into *out (taken by the caller: dist_free). Relative
 * empirical(FILE) paths are resolved against basedir (NULL = cwd). On
 * error returns PS_EPARSE (or PS_EIO for an unreadable file) with a message
 * that quotes the offending text. */
int dist_parse(const char *text, const char *basedir, dist **out,
	       char *err, size_t errlen);
/* dist_parse for a count (a semaphore weight): its numbers are bare
 * (const(1), uniform(1, 4)), where a time's need a unit (units.h). */
int dist_parse_count(const char *text, const char *basedir, dist **out,
		     char *err, size_t errlen);
/* Either of the above (count = 1: dist_parse_count), with empirical files
 * read through files (csv.h), so that every sweep point shares one copy;
 * files NULL reads them afresh. */
struct csv_cache;
int dist_parse_in(const char *text, const char *basedir, int count,
		  struct csv_cache *files, dist **out, char *err,
		  size_t errlen);
void dist_free(dist *d);                /* dist_free(NULL) is a no-op */

/* A dist that always returns v (for code that builds dists directly). */
dist *dist_const(double v);

double dist_sample(const dist *d, gsl_rng *r);

/* dist_sample for a model's hot path: the kind is looked at once, at
 * dist_sampler_init, and the two commonest laws (exp, const) draw inline
 * with no call; the rest call dist_sample. Same values, draw for draw, on
 * the same stream. Embeddable (a model keeps one per task stream), so the
 * struct is public; its fields are private to dist.c. d is borrowed and
 * must outlive the sampler. */
typedef struct dist_sampler {
	const dist *d;
	int how;        /* DIST_DRAW_* */
	double v;       /* exp: the mean; const: the value */
} dist_sampler;
enum { DIST_DRAW_CALL, DIST_DRAW_EXP, DIST_DRAW_CONST };

void dist_sampler_init(dist_sampler *s, const dist *d);

static inline double dist_draw(const dist_sampler *s, gsl_rng *r)
{
	if (s->how == DIST_DRAW_EXP)
		return rng_exp(r, s->v);
	if (s->how == DIST_DRAW_CONST)
		return s->v;
	return dist_sample(s->d, r);
}
double dist_mean(const dist *d);        /* exact where closed form exists */
double dist_var(const dist *d);         /* exact; NAN where undefined */
/* 1 when every draw is the same value (const, or sums of consts). */
int dist_is_const(const dist *d);

/* Canonical text that dist_parse reads back into the same distribution
 * (times in seconds, shortest exact decimals, empirical by its absolute
 * path). Writes at most len bytes including the NUL, like snprintf, and
 * returns the length the whole text needs. An addition to the contract,
 * for run_param and reports. */
size_t dist_format(const dist *d, char *buf, size_t len);

#endif
