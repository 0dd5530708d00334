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
/* The integral of the level from t0 to t (t >= t_last): what a window's
 * time-average is made of, snapshotted at the window's ends rather than
 * tested on every change. */
double stats_level_area(const stats_level *l, double t);

#define STATS_HIST_MIN 1e-9   /* smaller values count as zero */
#define STATS_HIST_MAX 1e7    /* larger values are clamped here */

/* 1024 buckets per power of two (relative width 2^-10, so a bucket's
 * midpoint is within 0.049% of any value in it) for 2^-30 .. 2^24 s. */
#define STATS_HIST_SUB_BITS 10
#define STATS_HIST_EXP_LO (-30)           /* 2^-30 < STATS_HIST_MIN */
#define STATS_HIST_EXP_HI 23              /* 2^23 <= STATS_HIST_MAX < 2^24 */
#define STATS_HIST_BUCKETS \
	((STATS_HIST_EXP_HI - STATS_HIST_EXP_LO + 1) << STATS_HIST_SUB_BITS)
/* (biased exponent << STATS_HIST_SUB_BITS) of the lowest bucket. */
#define STATS_HIST_BASE \
	((uint64_t)(1023 + STATS_HIST_EXP_LO) << STATS_HIST_SUB_BITS)

/* Public only so that stats_hist_add runs inline (twice per task in a
 * pool model); the fields are private to stats.c. Allocate with
 * stats_hist_new (about 440 KB: not for the stack).
 * Invariant: n = zero + sum(counts); min/max are the exact extremes of all
 * values added (+inf and -inf when n == 0), sum their sum; every non-zero count
 * lies between the buckets of min and max (the zero bucket aside). */
typedef struct stats_hist {
	uint64_t n;
	uint64_t zero;             /* values < STATS_HIST_MIN */
	double min, max;
	double sum;                /* of the values added, exactly as given */
	uint64_t counts[STATS_HIST_BUCKETS];
} stats_hist;

stats_hist *stats_hist_new(void);
void stats_hist_free(stats_hist *h);    /* NULL is a no-op */

/* The bucket of v, STATS_HIST_MIN <= v (larger than STATS_HIST_MAX: the
 * top one): the double's exponent and top mantissa bits, an integer
 * shift. */
static inline uint32_t stats_hist_bucket(double v)
{
	if (v > STATS_HIST_MAX)
		v = STATS_HIST_MAX;
	union { double d; uint64_t b; } u = { .d = v };
	return (uint32_t)((u.b >> (52 - STATS_HIST_SUB_BITS)) - STATS_HIST_BASE);
}

/* v >= 0 (asserted). */
static inline void stats_hist_add(stats_hist *h, double v)
{
	assert(v >= 0);   /* also rejects NaN */
	h->min = v < h->min ? v : h->min;   /* minsd, maxsd: no branch */
	h->max = v > h->max ? v : h->max;
	h->n++;
	h->sum += v;
	if (v < STATS_HIST_MIN)
		h->zero++;
	else
		h->counts[stats_hist_bucket(v)]++;
}
void stats_hist_merge(stats_hist *into, const stats_hist *from);
void stats_hist_clear(stats_hist *h);
uint64_t stats_hist_count(const stats_hist *h);
/* The exact mean of the values added (their sum in the order added over
 * n; not from the buckets); NAN when empty. A histogram is also its
 * samples' count, mean, min and max: no separate tally is needed. */
double stats_hist_mean(const stats_hist *h);
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
