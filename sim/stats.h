/*
 * stats.h — statistics with constant memory.
 *
 * stats_tally: Welford running mean/variance/min/max (embeddable, mergeable).
 * stats_level: time-weighted mean and max of a piecewise-constant level
 *              (queue length, busy workers), embeddable.
 * stats_hist:  log-linear (HDR-style) histogram of non-negative values,
 *              quantiles within 0.1% relative error, constant memory,
 *              mergeable across replications. Zero (and values below
 *              STATS_HIST_MIN) are counted exactly in their own bucket, since
 *              waits are often exactly 0.
 * stats_ci95:  mean and 95% confidence half-width across replications
 *              (Student t, GSL).
 *
 * Quantile definition used everywhere (histogram and the exact-sort test
 * oracle): the smallest sample x such that at least ceil(p*n) samples are
 * <= x (p in (0,1]; p = 0 gives the minimum).
 */
#ifndef STATS_H
#define STATS_H

#include <assert.h>
#include <stdint.h>

/* Embeddable: callers hold it by value. */
typedef struct stats_tally {
	uint64_t n;
	double mean, m2, min, max;
} stats_tally;

void stats_tally_init(stats_tally *t);
void stats_tally_add(stats_tally *t, double x);
void stats_tally_merge(stats_tally *into, const stats_tally *from);
double stats_tally_var(const stats_tally *t);   /* sample variance (n-1) */

/* Embeddable. Invariant: area = integral of the level from t0 to t_last. */
typedef struct stats_level {
	double t0, t_last, value, area, max;
} stats_level;

void stats_level_init(stats_level *l, double t0, double v0);
/* t >= t_last. Inline: pool models call it two or three times per event. */
static inline void stats_level_set(stats_level *l, double t, double v)
{
	assert(t >= l->t_last);
	l->area += l->value * (t - l->t_last);
	l->t_last = t;
	l->value = v;
	if (v > l->max)
		l->max = v;
}
/* Restart averaging at t (warm-up cut), keeping the current value. */
void stats_level_reset(stats_level *l, double t);
double stats_level_mean(const stats_level *l, double t_end);

#define STATS_HIST_MIN 1e-9   /* smaller values count as zero */
#define STATS_HIST_MAX 1e7    /* larger values are clamped here */

typedef struct stats_hist stats_hist;

stats_hist *stats_hist_new(void);
void stats_hist_free(stats_hist *h);    /* NULL is a no-op */
void stats_hist_add(stats_hist *h, double v);
void stats_hist_merge(stats_hist *into, const stats_hist *from);
void stats_hist_clear(stats_hist *h);
uint64_t stats_hist_count(const stats_hist *h);
/* NAN when empty. Exact min and max are kept and returned for p=0 / p=1. */
double stats_hist_quantile(const stats_hist *h, double p);

/* Share of the values counted as zero (below STATS_HIST_MIN), exactly;
 * NAN when empty. For waits it is P(W = 0), so 1 - it is Erlang C. */
double stats_hist_frac_zero(const stats_hist *h);

/* Exact quantile by sorting a copy (test oracle only; same definition). */
double stats_exact_quantile(const double *x, uint64_t n, double p);

/* Mean of x[0..n) into *mean; returns the 95% half-width (0 if n < 2). */
double stats_ci95(const double *x, int n, double *mean);

#endif
