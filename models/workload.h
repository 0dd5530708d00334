/*
 * workload.h — the arrival generator the pool models draw tasks from.
 *
 * wl_parse / wl_spec_fini / wl_mean_rate (the text side) are declared in
 * model.h; this header adds the run-time side: one generator per arrival
 * process of a run, replaying the spec's law on its own addressed random
 * streams (rng.h), so a tenant's arrivals do not depend on which other
 * tenants exist.
 */
#ifndef WORKLOAD_H
#define WORKLOAD_H

#include <math.h>
#include <stdint.h>

#include "model.h"
#include "../sim/rng.h"

/* Public only so that wl_gen_next's poisson case (one draw per task, tens
 * of millions per run) runs inline in a model's arrival handler; the
 * fields are private to workload.c.
 * Invariants: t is the last arrival returned (0 before the first); once
 * done is set, every call returns 0. steps: the current step is step, which
 * began at step_start; t >= step_start. */
typedef struct wl_gen {
	const wl_spec *spec;
	gsl_rng *ia;     /* inter-arrival draws (poisson, steps, ramp) */
	gsl_rng *thin;   /* ramp: acceptance draws, a separate stream */
	double t;
	double gap;      /* poisson: the mean gap 1/rate, divided once */
	int poisson;     /* spec->kind == WL_POISSON */
	long i;          /* arrivals returned (const, burst, trace) */
	int step;
	double step_start;
	int done;
} wl_gen;

/* Streams are addressed by entity ("arrival", or "tenant/NAME") so each
 * tenant has its own. spec and entity are borrowed (spec must outlive the
 * generator). Returns NULL when out of memory. */
wl_gen *wl_gen_new(const wl_spec *spec, uint64_t seed, uint32_t rep,
		   const char *entity);
void wl_gen_free(wl_gen *g);                       /* NULL no-op */

/* Next arrival: returns 1 with *t (absolute, non-decreasing) and *work
 * (the trace's work, or NAN when none), or 0 when the process has no more
 * arrivals (and 0 on every later call). Not for WL_CLOSED (asserted).
 * A poisson gap is drawn here, inline; every other law (and the end) in
 * wl_gen_next_other, which is not for callers. */
int wl_gen_next_other(wl_gen *g, double *t, double *work);
static inline int wl_gen_next(wl_gen *g, double *t, double *work)
{
	if (g->poisson && !g->done) {
		g->t += rng_exp(g->ia, g->gap);
		*t = g->t;
		*work = NAN;
		return 1;
	}
	return wl_gen_next_other(g, t, work);
}

#endif
