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

#include <stdint.h>

#include "model.h"

typedef struct wl_gen wl_gen;

/* Streams are addressed by entity ("arrival", or "tenant/NAME") so each
 * tenant has its own. spec and entity are borrowed (spec must outlive the
 * generator). Returns NULL when out of memory. */
wl_gen *wl_gen_new(const wl_spec *spec, uint64_t seed, uint32_t rep,
		   const char *entity);
void wl_gen_free(wl_gen *g);                       /* NULL no-op */

/* Next arrival: returns 1 with *t (absolute, non-decreasing) and *work
 * (the trace's work, or NAN when none), or 0 when the process has no more
 * arrivals (and 0 on every later call). Not for WL_CLOSED (asserted). */
int wl_gen_next(wl_gen *g, double *t, double *work);

#endif
