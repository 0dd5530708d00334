/*
 * scenario_int.h — what scenario.c's files share (experiments/ only): the
 * parse context, the error reporter and the value parsers. scenario.c has
 * the key dispatch (apply), the checks and exp_scenario_build;
 * scenario_multi.c tenants, tiers, services and shards; scenario_goal.c
 * goals, precision and plot keys; scenario_dyn.c the autotuner, shutdown,
 * alerts, pipelines and the run-length checks.
 */
#ifndef SCENARIO_INT_H
#define SCENARIO_INT_H

#include "scenario.h"
#include "keys.h"
#include "../models/metric.h"
#include "../models/tune.h"
#include "../plots/plot.h"
#include "../results/export.h"
#include "../sim/ps.h"
#include "../sim/units.h"
#include "../sim/sim.h"
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Where tenants, tiers and services were named, for the checks that need
 * all keys first (a tier named before it is defined is fine). */
typedef struct multi {
	char tier_of[MODEL_MAX_TENANTS][48];   /* tenant.NAME.tier value */
	int tier_line[MODEL_MAX_TENANTS];
	int ten_line[MODEL_MAX_TENANTS];       /* first key of the tenant */
	int has_arrival[MODEL_MAX_TENANTS];
	int prio_line[MODEL_MAX_TENANTS];
	int quota_line;
	double share[MODEL_MAX_TENANTS];       /* services: share, 0 = none */
	int has_K[MODEL_MAX_TENANTS];          /* services: explicit K */
	int svc_line;                          /* first service key */
	int ten_key_line;                      /* first tenant key */
} multi;

typedef struct ctx {
	const exp_scope *sc;
	exp_diags *d;
	int errs;
	int nomem;
	multi m;
} ctx;

/* Applies one key. seen_* flags feed the missing-key checks. */
typedef struct seen {
	const exp_kv *arrival, *service, *pool, *K, *tasks, *duration, *stages;
} seen;

int exp_metric_known(const char *name);
void err(ctx *c, int line, const char *fmt, ...);
int get_long(ctx *c, const exp_kv *kv, long lo, long *out);
int get_time(ctx *c, const exp_kv *kv, double *out);
int time_dist_check(ctx *c, int line, const char *key, const dist *d);
int get_dist(ctx *c, const exp_kv *kv, dist **out);
void apply_K(ctx *c, model_config *cfg, const exp_kv *kv);
int get_fraction(ctx *c, const exp_kv *kv, const char *what,
			double *out);
int get_share(ctx *c, const exp_kv *kv, double *out);
void pools_text(unsigned mask, char *buf, size_t len);
int line_of(const exp_kvs *keys, const exp_scope *sc,
		   const char *prefix);
void apply_tenant(ctx *c, model_config *cfg, const exp_kv *kv);
void apply_tier(ctx *c, model_config *cfg, const exp_kv *kv);
void apply_service(ctx *c, model_config *cfg, const exp_kv *kv);
void apply_route(ctx *c, model_config *cfg, const exp_kv *kv);
void apply_keys(ctx *c, model_config *cfg, const exp_kv *kv);
void check_multi(ctx *c, const exp_kvs *keys, model_config *cfg);
void apply_precision(ctx *c, exp_meta *m, const exp_kv *kv);
void apply_goal(ctx *c, exp_meta *m, const exp_kv *kv);
int is_goal_key(const char *k);
void check_goal(ctx *c, const exp_kvs *keys, exp_meta *m,
		model_config *cfg);
void apply_plot(ctx *c, const exp_kv *kv);
void apply_view(ctx *c, const exp_kv *kv);
void apply_autotune(ctx *c, model_config *cfg, const exp_kv *kv);
void apply_shutdown(ctx *c, model_config *cfg, const exp_kv *kv);
void apply_alert(ctx *c, model_config *cfg, exp_meta *m, const exp_kv *kv);
/* alert.rule_file, alert.name, alert.interval (scenario_rule.c): 1 when
 * kv is one of them (applied), 0 when it is a built-in alert.NAME. */
int apply_rule(ctx *c, exp_meta *m, const exp_kv *kv);
void check_rule(ctx *c, model_config *cfg, exp_meta *m,
		const exp_kvs *keys);
void apply_stage(ctx *c, model_config *cfg, const exp_kv *kv);
void check_dynamics(ctx *c, model_config *cfg, exp_meta *m,
		    const exp_kvs *keys, const seen *s);
void check_horizon(ctx *c, const model_config *cfg,
			  const exp_kvs *keys, const seen *s);

/* The shortest ticker period (expiry, autotune.period): below it an idle
 * ticker would cost more events than the run. */
#define TICK_MIN_S 1e-6
#define TICK_MIN_TEXT "1us"

int scope_exists(const model_config *cfg, const char *s);
void check_plot_scopes(ctx *c, const exp_kvs *keys, const model_config *cfg);

#endif
