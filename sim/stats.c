/*
 * stats.c — tallies, time-weighted levels, log-linear histograms, CIs.
 *
 * Expected workload: every task adds to a few tallies and histograms (the
 * hot path: tens of millions of adds per run); levels change on every
 * queue/worker transition; quantiles, merges and CIs are computed a few
 * times per run.
 *
 * Tally: Welford's update (stable for large offsets), merged with Chan et
 * al.'s pairwise formula. O(1) per add and merge.
 *
 * Histogram: one bucket per (power of two, 10-bit mantissa prefix). A
 * positive double's bits (biased exponent, mantissa) read as an integer are
 * monotone in its value, so bits >> 42 is exponent*1024 + the top 10
 * mantissa bits: the bucket index is one shift and one subtract, no log().
 * A bucket [lo, hi) has hi - lo = 2^e/1024 <= lo/1024, so its midpoint is
 * within 1/2048 (0.049%) of any value in it. Exponents run from 2^-30
 * (below STATS_HIST_MIN = 1e-9) to 2^23 (above STATS_HIST_MAX = 1e7):
 * 54 octaves x 1024 buckets x 8 bytes = 442,368 bytes per histogram,
 * calloc'ed: the kernel maps untouched pages lazily, so a histogram whose
 * values span a few decades keeps only a few tens of KB resident. Merge,
 * clear and quantile touch only the buckets between the buckets of the
 * exact min and max. Add: O(1); quantile and merge: O(buckets in range).
 */
#include "stats.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

/* ---- tally ----------------------------------------------------------- */

/* min and max are NAN while n == 0, so an empty tally never reports a
 * sentinel such as +inf as if it had been observed. */
void stats_tally_init(stats_tally *t)
{
	t->n = 0;
	t->mean = 0;
	t->m2 = 0;
	t->min = NAN;
	t->max = NAN;
}

void stats_tally_add(stats_tally *t, double x)
{
	if (t->n == 0) {
		t->min = x;
		t->max = x;
	} else {
		if (x < t->min)
			t->min = x;
		if (x > t->max)
			t->max = x;
	}
	t->n++;
	double d = x - t->mean;
	t->mean += d / (double)t->n;
	t->m2 += d * (x - t->mean);
}

void stats_tally_merge(stats_tally *into, const stats_tally *from)
{
	if (from->n == 0)
		return;
	if (into->n == 0) {
		*into = *from;
		return;
	}
	double na = (double)into->n, nb = (double)from->n, n = na + nb;
	double d = from->mean - into->mean;
	into->mean += d * nb / n;
	into->m2 += from->m2 + d * d * na * nb / n;
	into->n += from->n;
	if (from->min < into->min)
		into->min = from->min;
	if (from->max > into->max)
		into->max = from->max;
}

double stats_tally_var(const stats_tally *t)
{
	return t->n < 2 ? 0.0 : t->m2 / (double)(t->n - 1);
}

/* ---- time-weighted level ------------------------------------------- */

void stats_level_init(stats_level *l, double t0, double v0)
{
	l->t0 = t0;
	l->t_last = t0;
	l->value = v0;
	l->area = 0;
	l->max = v0;
}

void stats_level_reset(stats_level *l, double t)
{
	assert(t >= l->t_last);
	l->t0 = t;
	l->t_last = t;
	l->area = 0;
	l->max = l->value;
}

double stats_level_mean(const stats_level *l, double t_end)
{
	assert(t_end >= l->t_last);
	double span = t_end - l->t0;
	if (span <= 0)
		return l->value;
	return (l->area + l->value * (t_end - l->t_last)) / span;
}

double stats_level_area(const stats_level *l, double t)
{
	assert(t >= l->t_last);
	return l->area + l->value * (t - l->t_last);
}

/* ---- histogram ------------------------------------------------------ */

#define SUB_BITS STATS_HIST_SUB_BITS
#define N_BUCKETS STATS_HIST_BUCKETS

/* Lower edge of bucket i (i == N_BUCKETS gives the top edge of the last). */
static inline double bucket_lo(uint32_t i)
{
	uint64_t b = ((uint64_t)i + STATS_HIST_BASE) << (52 - SUB_BITS);
	double v;
	memcpy(&v, &b, sizeof v);
	return v;
}

/* Range of buckets that may hold counts; returns 0 when none can. */
static int bucket_range(const stats_hist *h, uint32_t *lo, uint32_t *hi)
{
	if (h->n == h->zero)
		return 0;
	*lo = h->min < STATS_HIST_MIN ? 0 : stats_hist_bucket(h->min);
	*hi = stats_hist_bucket(h->max);
	return 1;
}

stats_hist *stats_hist_new(void)
{
	stats_hist *h = calloc(1, sizeof *h);
	if (h)
		stats_hist_clear(h);   /* min/max of the empty histogram */
	return h;
}

void stats_hist_free(stats_hist *h)
{
	free(h);
}

void stats_hist_merge(stats_hist *into, const stats_hist *from)
{
	if (from->n == 0)
		return;
	uint32_t lo, hi;
	if (bucket_range(from, &lo, &hi))
		for (uint32_t i = lo; i <= hi; i++)
			into->counts[i] += from->counts[i];
	into->min = fmin(into->min, from->min);
	into->max = fmax(into->max, from->max);
	into->n += from->n;
	into->zero += from->zero;
	into->sum += from->sum;
}

void stats_hist_clear(stats_hist *h)
{
	uint32_t lo, hi;
	if (bucket_range(h, &lo, &hi))
		memset(&h->counts[lo], 0, (size_t)(hi - lo + 1) * sizeof h->counts[0]);
	h->n = 0;
	h->zero = 0;
	h->sum = 0;
	h->min = INFINITY;
	h->max = -INFINITY;
}

uint64_t stats_hist_count(const stats_hist *h)
{
	return h->n;
}

double stats_hist_mean(const stats_hist *h)
{
	return h->n ? h->sum / (double)h->n : NAN;
}

/* The 1-based rank stats.h's definition selects: ceil(p*n), at least 1.
 * Shared by the histogram and the exact oracle so both round alike. */
static uint64_t rank_of(double p, uint64_t n)
{
	assert(p >= 0 && p <= 1);
	double k = ceil(p * (double)n);
	if (k < 1)
		return 1;
	if (k > (double)n)
		return n;
	return (uint64_t)k;
}

double stats_hist_quantile(const stats_hist *h, double p)
{
	if (h->n == 0)
		return NAN;
	uint64_t k = rank_of(p, h->n);
	if (k == 1)
		return h->min;
	if (k == h->n)
		return h->max;
	/* Everything in the zero bucket is in [min, STATS_HIST_MIN): report
	 * the exact minimum, which is 0 in the usual all-zero case. */
	if (k <= h->zero)
		return h->min;
	uint64_t cum = h->zero;
	uint32_t lo, hi;
	int any = bucket_range(h, &lo, &hi);
	assert(any);
	(void)any;
	uint32_t i = lo;
	for (; i < hi; i++) {
		cum += h->counts[i];
		if (cum >= k)
			break;
	}
	double mid = 0.5 * (bucket_lo(i) + bucket_lo(i + 1));
	return fmin(fmax(mid, h->min), h->max);
}

double stats_hist_frac_zero(const stats_hist *h)
{
	return h->n ? (double)h->zero / (double)h->n : NAN;
}

/* ---- exact quantile and confidence interval -------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double stats_exact_quantile(const double *x, uint64_t n, double p)
{
	if (n == 0)
		return NAN;
	double *c = malloc(n * sizeof *c);
	assert(c && "stats_exact_quantile: out of memory");
	memcpy(c, x, n * sizeof *c);
	qsort(c, n, sizeof *c, cmp_double);
	double q = c[rank_of(p, n) - 1];
	free(c);
	return q;
}

double stats_ci95(const double *x, int n, double *mean)
{
	if (n < 1) {
		*mean = NAN;
		return 0;
	}
	stats_tally t;
	stats_tally_init(&t);
	for (int i = 0; i < n; i++)
		stats_tally_add(&t, x[i]);
	*mean = t.mean;
	if (n < 2)
		return 0;
	double tq = gsl_cdf_tdist_Pinv(0.975, (double)(n - 1));
	return tq * sqrt(stats_tally_var(&t) / n);
}
