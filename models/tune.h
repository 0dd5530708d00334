/*
 * tune.h — the autotuner's policies as pure functions (models/ only).
 *
 * A policy sees an observation taken every `autotune.period` and its own
 * state, and returns the new limit; it touches nothing else, so it can be
 * tested on made-up observations and replayed. The actuator (tune.c's
 * tick, through the library's resize operation) applies the limit.
 */
#ifndef TUNE_H
#define TUNE_H

#include "model.h"

/* What a Go wrapper around the pool could see at a decision. Counts since
 * the previous decision are deltas; latency figures cover the tasks that
 * resolved since then (NAN when none did): that is concurrency-limits'
 * WindowedLimit sample window, one per `autotune.period`. */
typedef struct tune_obs {
	double t;               /* now, s */
	long K;                 /* the limit in force */
	long workers;           /* live workers (ants Running()) */
	long busy;              /* tasks on a worker */
	long queue;             /* tasks waiting: blocked in Submit or queued */
	long in_flight;         /* submitted, not yet resolved */
	long in_flight_max;     /* most in flight at a sample of the window */
	long completed, rejected, dropped;   /* since the previous decision;
					      * dropped = errors + timeouts +
					      * the pool's rejections */
	long samples;           /* RTT samples (completed + dropped) */
	double latency_mean, latency_min;    /* s, submit to resolved */
} tune_obs;

/* A policy's own memory between decisions. */
typedef struct tune_state {
	double *win;            /* utilization, queue: the last `window`
				 * samples */
	long n;                 /* samples taken */
	long changes;           /* decisions that changed the limit */
	long skipped;           /* aimd, vegas, gradient2: windows with fewer
				 * than window_size samples (no decision) */
	double last_change;     /* t of the last change */
	double limit;           /* the estimated limit (fractional); NAN until
				 * the first decision */
	double long_rtt;        /* gradient2: ExpAvgMeasurement(long_window,
				 * 10) */
	long long_n;            /* its samples, up to the warm-up of 10 */
	double long_sum;
	double rtt_noload;      /* vegas: 0 until the first sample */
	long probe_count;
	double probe_jitter;    /* in [0.5, 1) */
	unsigned long long rng; /* vegas' probe jitter: a fixed sequence */
} tune_state;

/* 0 or PS_ENOMEM; tune_state_fini frees what it holds. */
int tune_state_init(tune_state *st, const tune_spec *ts);
void tune_state_fini(tune_state *st);

/* "utilization", ... for a tune_policy; tune_policy_parse is -1 for an
 * unknown name. */
const char *tune_policy_name(int policy);
int tune_policy_parse(const char *name);

/* The reference's bounds and window for a policy (utilization: 10, 500,
 * 10 s; gradient2 and aimd: 20, 200, 1 s; vegas: 1, 1000, 1 s; queue: 10,
 * 500, 10 s) and its smoothing (vegas 1.0, others 0.2). */
void tune_policy_defaults(int policy, long *min, long *max, double *period,
			  double *smoothing);

/* The new limit, within [ts->min, ts->max] (the current one for no
 * change). By ts->policy:
 * - utilization (exercise 19): util = workers / K averaged over the last
 *   `window` samples; above `high` grow by `step`, below `low` shrink;
 * - queue: the queue depth averaged over `window` samples; above `target`
 *   grow by `step`; below target/2 with more than `step` idle workers
 *   shrink by `step` (the band between is the hysteresis);
 * both with no change within `cooldown` of the last one.
 * - aimd, vegas, gradient2: concurrency-limits' AIMDLimit, VegasLimit,
 *   Gradient2Limit fed one sample per window (mean RTT, most in flight,
 *   any drop) when the window holds `window_size` samples or more, as
 *   WindowedLimit does; no decision otherwise. */
long tune_decide(const tune_spec *ts, tune_state *st, const tune_obs *o);

#endif
