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
 * completed since then (NAN when none did). */
typedef struct tune_obs {
	double t;               /* now, s */
	long K;                 /* the limit in force */
	long workers;           /* live workers (ants Running()) */
	long busy;              /* tasks on a worker */
	long queue;             /* tasks waiting: blocked in Submit or queued */
	long in_flight;         /* submitted, not yet resolved */
	long completed, rejected, dropped;   /* since the previous decision */
	double latency_mean, latency_min;    /* s, submit to done */
} tune_obs;

/* A policy's own memory between decisions. */
typedef struct tune_state {
	double *win;            /* utilization: the last `window` samples */
	long n;                 /* samples taken */
	long changes;           /* decisions that changed the limit */
	double last_change;     /* t of the last change */
} tune_state;

/* 0 or PS_ENOMEM; tune_state_fini frees what it holds. */
int tune_state_init(tune_state *st, const tune_spec *ts);
void tune_state_fini(tune_state *st);

/* The new limit, within [ts->min, ts->max] (the current one for no
 * change). Exercise 19's policy: util = workers / K averaged over the
 * last `window` samples; above `high` grow by `step`, below `low` shrink,
 * and no change within `cooldown` of the last one. */
long tune_decide(const tune_spec *ts, tune_state *st, const tune_obs *o);

#endif
