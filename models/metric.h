/*
 * metric.h — the registry of every scalar a run emits: its name, unit,
 * goal, the scopes it appears at and its exact definition.
 *
 * THE list: the model's emitters (pool.c, pipeline.c) emit only names in
 * it (tests/cli/metrics.sh runs every feature and checks both ways),
 * experiments/ validates `plot =` and `precision =` against it, plots/
 * takes units, axis labels and "best first" from it, and `poolsim help
 * metrics` and docs/metrics.md print it. Adding a metric is one row here
 * plus the code that emits it. Pure data: no ini, no SQLite.
 *
 * Lookups are linear over ~60 rows (a validation per plot token, a label
 * per figure): not worth a hash.
 */
#ifndef METRIC_H
#define METRIC_H

#include <stddef.h>

/* Scope families, as bits: a scalar's scope is "pool", "request" or
 * FAMILY/NAME ("tenant/quiet", "downstream/db", "phase/2"). */
enum {
	MODEL_SCOPE_POOL = 1u << 0,
	MODEL_SCOPE_REQUEST = 1u << 1,
	MODEL_SCOPE_TENANT = 1u << 2,
	MODEL_SCOPE_TIER = 1u << 3,
	MODEL_SCOPE_SERVICE = 1u << 4,
	MODEL_SCOPE_DOWNSTREAM = 1u << 5,
	MODEL_SCOPE_STAGE = 1u << 6,
	MODEL_SCOPE_PHASE = 1u << 7,
	MODEL_SCOPE_ALERT = 1u << 8,
	MODEL_SCOPE__COUNT = 9
};

/* Which way is better, for the report's "best first" and its answer. */
typedef enum model_goal {
	MODEL_GOAL_LOWER = -1,   /* latencies, waits, losses */
	MODEL_GOAL_NEUTRAL = 0,  /* a quantity to read, not a goal */
	MODEL_GOAL_HIGHER = 1    /* throughput, fairness */
} model_goal;

typedef struct model_metric {
	const char *name;
	const char *unit;        /* "s", "1/s", "tasks", "fraction", "bytes", ... */
	model_goal goal;
	unsigned scopes;         /* MODEL_SCOPE_* bits */
	const char *definition;  /* one paragraph for users (docs/metrics.md) */
} model_metric;

/* The rows, in the order the reference lists them; *n gets the count. */
const model_metric *model_metrics(size_t *n);
/* The row of name, or NULL. */
const model_metric *model_metric_find(const char *name);
/* The family bit of a scope ("tenant/quiet" → MODEL_SCOPE_TENANT; "pool");
 * 0 for a scope of no family or a family without a name. */
unsigned model_scope_family(const char *scope);
/* The bit of a bare family name ("tenant", "pool", "phase"), else 0. */
unsigned model_scope_family_named(const char *family);
/* The family's name as a user writes it: "pool", "request", "tenant/NAME",
 * ...; for bit i (0 ≤ i < MODEL_SCOPE__COUNT). */
const char *model_scope_family_name(int i);
/* "pool, tenant/NAME, tier/NAME" for a set of bits, into buf. */
void model_scope_list(unsigned scopes, char *buf, size_t n);
/* 1 when the metric is a time in seconds (plotted in ms or s). */
int model_metric_is_time(const char *name);

/* The time series a run stores (model.h: model_run), sampled at most
 * `series_points` times: same shape as a metric row, goal unused. The
 * figures take their axis units from here, `poolsim export` its HELP
 * lines. tests/cli/export.sh checks that a run of every feature stores
 * exactly these (name, scope family) pairs. */
const model_metric *model_series(size_t *n);
/* The series row of name, or NULL. */
const model_metric *model_series_find(const char *name);

#endif
