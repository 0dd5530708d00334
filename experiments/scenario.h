/*
 * scenario.h — one sweep point's keys → a validated model_config.
 *
 * Every mistake becomes a "FILE:LINE: message" diagnostic (see ini.h);
 * validation goes on after an error so that all of them are reported.
 * Known keys are the rows of the key table (keys.h, printed as
 * docs/experiments-ini.md); an unknown key is reported with the nearest
 * known one when it looks like a typo of it.
 */
#ifndef EXP_SCENARIO_H
#define EXP_SCENARIO_H

#include <stdint.h>

#include "../models/model.h"
#include "ini.h"

/* A goal (docs/goals.md): `optimize = METRIC[@SCOPE] min|max` or
 * `slo = METRIC[@SCOPE] < VALUE, ...`. Values in the metric's base unit
 * (seconds, 1/s, fractions). */
enum { EXP_GOAL_NONE, EXP_GOAL_OPTIMIZE, EXP_GOAL_SLO };
enum { EXP_SHAPE_NONE, EXP_SHAPE_MONOTONE, EXP_SHAPE_UNIMODAL };
#define EXP_SLO_MAX 8

typedef struct exp_slo {
	char metric[32];
	char scope[64];         /* "pool" unless @SCOPE */
	int less;               /* 1: METRIC < target; 0: METRIC > target */
	double target;
	char text[96];          /* as written, for messages */
} exp_slo;

typedef struct exp_goal {
	int kind;               /* EXP_GOAL_* */
	int line;               /* of the optimize or slo key */
	/* optimize */
	char metric[32];
	char scope[64];
	int maximize;
	double delta;           /* indifference zone: a fraction when
				 * delta_rel, else the metric's unit */
	int delta_rel;
	/* slo */
	exp_slo slo[EXP_SLO_MAX];
	int nslo;
	char minimize[64];      /* the swept variable; "" = the first */
	int scored;             /* slo.window: the slo scores every run (the
				 * scorecard, model_config.slo_*), no search */
	/* both */
	double confidence;      /* e.g. 0.95 */
	int shape;              /* EXP_SHAPE_* */
	int repeat_min;         /* the first stage's replications */
} exp_goal;

/* What the runner needs besides the model: run counts and stopping rule. */
typedef struct exp_meta {
	uint64_t seed;          /* master seed (default 1) */
	int repeat;             /* replications, the ceiling under precision
				 * or a goal */
	int has_precision;
	char precision_metric[32];
	double precision_rel;   /* fraction, e.g. 0.03 */
	exp_goal goal;
	/* alert.rule_file, alert.name, alert.interval: the user's own
	 * Prometheus alerting rule, evaluated on each run's series with
	 * promtool (promrule.h); rule_file "" = none */
	char rule_file[1024];   /* resolved against the ini's directory */
	char rule_alert[64];
	double rule_interval;   /* seconds, default 15 */
} exp_meta;

/* The context a point is validated in. All borrowed. */
typedef struct exp_scope {
	const char *file;       /* for messages */
	const char *basedir;    /* for empirical() and trace() */
	int section_line;       /* where "missing key" errors point */
	const char *const *vars;  /* swept variable names (plot's X) */
	int nvars;
	struct csv_cache *files;  /* data files read once (sim/csv.h); NULL
				   * = read at every point */
} exp_scope;

/* Initialises cfg (model_config_init) and fills it and meta from keys.
 * Returns 0, PS_EPARSE (errors in d) or PS_ENOMEM. The caller calls
 * model_config_fini(cfg) in every case. */
int exp_scenario_build(const exp_kvs *keys, const exp_scope *sc,
		       model_config *cfg, exp_meta *meta, exp_diags *d);

/* Every experiment of the file ([General] aside, selected or not) names
 * files (plots/plot.h, plot_fname): two whose files would meet ([x] and
 * [x-series], whose series figure is x-series.png; [A] and [a] on a
 * case-blind file system) are an error naming both sections' lines.
 * Returns 0 or PS_EPARSE. O(n log n) in the sections. */
int exp_names_check(const exp_ini *ini, exp_diags *d);

/* The memory one run may take (bytes): half of this machine's physical
 * memory. check refuses a point whose certain memory (burst, closed:
 * model_tasks_at_once x model_task_bytes) is more; the runner caps each
 * of N threads' runs at a 1/N share of it. */
double exp_mem_budget(void);

/* 1 if name is in the metric registry (models/metric.h). */
int exp_metric_known(const char *name);

/* The known key nearest to key by edit distance, or NULL when none is
 * close enough to be a plausible typo. */
const char *exp_key_suggest(const char *key);

#endif
