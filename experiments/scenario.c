/*
 * scenario.c — keys → model_config, with every check of DESIGN.md.
 *
 * Workload: one call per sweep point (a few to a few thousand per command),
 * each O(keys); parsing distributions dominates. Suggestions for unknown
 * keys cost one edit distance per known key (~30 short strings).
 */
#include "scenario.h"
#include "keys.h"
#include "../models/metric.h"
#include "../models/tune.h"
#include "../plots/plot.h"
#include "../results/export.h"
#include "../sim/ps.h"
#include "../sim/units.h"
#include "../sim/sim.h"
#include "../plots/plot.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "scenario_int.h"
#include "../models/profile.h"


/* The metric registry (models/metric.h) is the one list of names. */
int exp_metric_known(const char *name)
{
	return model_metric_find(name) != NULL;
}

const char *exp_key_suggest(const char *key)
{
	/* A typo changes a few letters; past that a suggestion misleads. */
	size_t len = strlen(key);
	size_t limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
	const char *best = NULL;
	size_t bd = 0, nk;
	const exp_key *known = exp_keys(&nk);
	for (size_t i = 0; i < nk; i++) {
		/* The distance is at least the difference in length: skip the
		 * keys that cannot be within the limit (this runs for every
		 * unknown key at every sweep point). */
		size_t kl = strlen(known[i].name);
		if ((kl > len ? kl - len : len - kl) > limit)
			continue;
		size_t dd = exp_edit_distance(key, known[i].name, limit);
		if (!best || dd < bd) {
			best = known[i].name;
			bd = dd;
		}
	}
	return best && bd <= limit ? best : NULL;
}

/* ---- value parsers: each reports its own error ------------------------- */

/* The shortest period of a ticker (expiry, autotune.period): a tick per
 * period of virtual time is real work for the autotuner, and no library
 * ticks faster than that. */

void err(ctx *c, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	exp_diag_add(c->d, c->sc->file, line, "%s", msg);
	c->errs++;
}

int get_long(ctx *c, const exp_kv *kv, long lo, long *out)
{
	double x;
	char e[256];
	if (unit_number(kv->value, &x, e, sizeof e) || x != floor(x) ||
	    fabs(x) > 9e15) {
		err(c, kv->line, "%s must be a whole number, got '%s'",
		    kv->key, kv->value);
		return -1;
	}
	if (x < lo) {
		err(c, kv->line, "%s must be >= %ld (got %s)", kv->key, lo,
		    kv->value);
		return -1;
	}
	*out = (long)x;
	return 0;
}

int get_time(ctx *c, const exp_kv *kv, double *out)
{
	char e[256];
	if (unit_time(kv->value, out, e, sizeof e)) {
		err(c, kv->line, "%s: %s", kv->key, e);
		return -1;
	}
	return 0;
}

static int get_size(ctx *c, const exp_kv *kv, double *out)
{
	char e[256];
	if (unit_size(kv->value, out, e, sizeof e)) {
		err(c, kv->line, "%s: %s", kv->key, e);
		return -1;
	}
	return 0;
}

static int get_bool(ctx *c, const exp_kv *kv, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1", NULL };
	static const char *const no[] = { "no", "false", "off", "0", NULL };
	for (int i = 0; yes[i]; i++)
		if (strcmp(kv->value, yes[i]) == 0)
			return *out = 1, 0;
	for (int i = 0; no[i]; i++)
		if (strcmp(kv->value, no[i]) == 0)
			return *out = 0, 0;
	err(c, kv->line, "%s must be yes or no, got '%s'", kv->key, kv->value);
	return -1;
}

/* A distribution of durations a run draws from (service, setup, think
 * time): its mean must be finite (not pareto with alpha <= 1) and, as
 * each parameter is (units.c), within SIM_TIME_MAX (a sum of long
 * constants, a lognormal's tail), or the run's clock passes what it can
 * represent. Tails past it that a
 * finite mean allows stop the run with an error (sim_fault). */
int time_dist_check(ctx *c, int line, const char *key, const dist *d)
{
	double m = dist_mean(d);
	if (!isfinite(m)) {
		/* pareto with alpha <= 1 (alone, in a mix or a sum): a run's
		 * averages never settle and, with a long enough run, one draw
		 * outlasts everything; there is no cap to set, so refuse */
		err(c, line, "%s: the distribution has no finite mean (as "
		    "pareto with alpha <= 1): its runs never settle and there "
		    "is no cap to set; use a finite mean (pareto alpha > 1: "
		    "alpha=1.5 has mean 3 xm) or an empirical file of measured "
		    "times", key);
		return -1;
	}
	if (m > SIM_TIME_MAX) {
		err(c, line, "%s: the mean draw is %.3g s, longer than "
		    SIM_TIME_MAX_TEXT ", the most virtual time represents to "
		    "1 ns", key, m);
		return -1;
	}
	return 0;
}

static int get_dist_as(ctx *c, const exp_kv *kv, dist **out, int count)
{
	char e[512];
	dist_free(*out);
	*out = NULL;
	int rc = dist_parse_in(kv->value, c->sc->basedir, count, c->sc->files,
			       out, e, sizeof e);
	if (rc == PS_ENOMEM)
		c->nomem = 1;
	if (rc) {
		err(c, kv->line, "%s: %s", kv->key, e);
		return -1;
	}
	return count ? 0 : time_dist_check(c, kv->line, kv->key, *out);
}

/* A distribution of durations: its numbers need units. */
int get_dist(ctx *c, const exp_kv *kv, dist **out)
{
	return get_dist_as(c, kv, out, 0);
}

/* Finds or adds the downstream NAME of "downstream.NAME.FIELD"; NULL after
 * reporting when the name is bad or there are too many. */
static ds_spec *downstream(ctx *c, model_config *cfg, const exp_kv *kv,
			   const char *name, size_t n)
{
	if (n == 0 || n >= sizeof cfg->downstreams[0].name) {
		err(c, kv->line, "downstream name in '%s' must be 1 to %zu "
		    "characters", kv->key, sizeof cfg->downstreams[0].name - 1);
		return NULL;
	}
	for (int i = 0; i < cfg->n_downstreams; i++)
		if (strlen(cfg->downstreams[i].name) == n &&
		    strncmp(cfg->downstreams[i].name, name, n) == 0)
			return &cfg->downstreams[i];
	if (cfg->n_downstreams == MODEL_MAX_DOWNSTREAMS) {
		err(c, kv->line, "at most %d downstreams are supported",
		    MODEL_MAX_DOWNSTREAMS);
		return NULL;
	}
	ds_spec *ds = &cfg->downstreams[cfg->n_downstreams++];
	memset(ds, 0, sizeof *ds);
	memcpy(ds->name, name, n);
	ds->name[n] = '\0';
	return ds;
}

static void apply_downstream(ctx *c, model_config *cfg, const exp_kv *kv)
{
	const char *name = kv->key + strlen("downstream.");
	const char *dot = strrchr(name, '.');
	const char *field = dot ? dot + 1 : "";
	if (!dot || (strcmp(field, "limit") && strcmp(field, "service") &&
		     strcmp(field, "usl") && strcmp(field, "slowdown"))) {
		err(c, kv->line, "unknown key '%s': downstream keys are "
		    "downstream.NAME.limit, .service, .usl and .slowdown",
		    kv->key);
		return;
	}
	ds_spec *ds = downstream(c, cfg, kv, name, (size_t)(dot - name));
	if (!ds)
		return;
	if (strcmp(field, "limit") == 0) {
		long v;
		if (strcmp(kv->value, "unlimited") == 0)
			ds->limit = 0;
		else if (!get_long(c, kv, 1, &v))
			ds->limit = v > 1000000000L ? 1000000000 : (int)v;
	} else if (strcmp(field, "service") == 0) {
		get_dist(c, kv, &ds->service);
	} else if (strcmp(field, "slowdown") == 0) {
		char e[1024];
		prof_free(ds->slowdown);
		ds->slowdown = NULL;
		int rc = prof_parse_factor(kv->value, c->sc->basedir,
					   c->sc->files, &ds->slowdown, e,
					   sizeof e);
		if (rc == PS_ENOMEM)
			c->nomem = 1;
		if (rc)
			err(c, kv->line, "%s: %s", kv->key, e);
	} else {
		double s, k;
		char a[64], b[64], e[256];
		const char *comma = strchr(kv->value, ',');
		if (!comma || (size_t)(comma - kv->value) >= sizeof a ||
		    strlen(comma + 1) >= sizeof b) {
			err(c, kv->line, "%s must be 'SIGMA, KAPPA', got '%s'",
			    kv->key, kv->value);
			return;
		}
		memcpy(a, kv->value, (size_t)(comma - kv->value));
		a[comma - kv->value] = '\0';
		strcpy(b, comma + 1);
		if (unit_number(a, &s, e, sizeof e) ||
		    unit_number(b, &k, e, sizeof e) || s < 0 || k < 0 ||
		    s > 1 || k > 1) {
			err(c, kv->line, "%s must be 'SIGMA, KAPPA' with both in "
			    "[0, 1], got '%s'", kv->key, kv->value);
			return;
		}
		ds->usl = 1;
		ds->usl_sigma = s;
		ds->usl_kappa = k;
	}
}

/* ---- tenants, tiers, services, shards ----------------------------------- */

static void apply_warmup(ctx *c, model_config *cfg, const exp_kv *kv)
{
	const char *v = kv->value;
	char e[256];
	double x;
	if (strchr(v, '%')) {
		if (unit_percent(v, &x, e, sizeof e)) {
			err(c, kv->line, "warmup: %s", e);
		} else if (x >= 1) {
			err(c, kv->line, "warmup must leave something to measure: "
			    "a share below 100%%, got '%s'", v);
		} else {
			cfg->warmup = x > 0 ? WARMUP_FRAC : WARMUP_NONE;
			cfg->warmup_value = x;
		}
		return;
	}
	/* "N tasks" (or "N task"): a count of tasks. */
	size_t len = strlen(v);
	while (len && isspace((unsigned char)v[len - 1]))
		len--;
	const char *word = NULL;
	if (len >= 5 && !strncmp(v + len - 5, "tasks", 5))
		word = v + len - 5;
	else if (len >= 4 && !strncmp(v + len - 4, "task", 4))
		word = v + len - 4;
	if (word) {
		char num[64];
		size_t nl = (size_t)(word - v);
		if (nl >= sizeof num || nl == 0 ||
		    !isspace((unsigned char)v[nl - 1])) {
			err(c, kv->line, "warmup must be N tasks, a duration or a "
			    "share (e.g. 1000 tasks, 10s, 5%%), got '%s'", v);
			return;
		}
		memcpy(num, v, nl);
		num[nl] = '\0';
		if (unit_number(num, &x, e, sizeof e) || x != floor(x) || x < 0 ||
		    x > 9e15) {
			err(c, kv->line, "warmup: '%s' is not a whole number of "
			    "tasks", v);
			return;
		}
		cfg->warmup = x > 0 ? WARMUP_TASKS : WARMUP_NONE;
		cfg->warmup_value = x;
		return;
	}
	if (unit_number(v, &x, e, sizeof e) == PS_OK && x != 0) {
		/* A bare 5: the first 5%, 5 s or 5 tasks? Ask. */
		if (x <= 100)
			err(c, kv->line, "warmup = %s needs a unit: %s%%, %ss or "
			    "%s tasks?", v, v, v, v);
		else
			err(c, kv->line, "warmup = %s needs a unit: %ss or %s "
			    "tasks?", v, v, v);
		return;
	}
	if (!get_time(c, kv, &x)) {
		cfg->warmup = x > 0 ? WARMUP_TIME : WARMUP_NONE;
		cfg->warmup_value = x;
	}
}

/* ---- goals (docs/goals.md) ---------------------------------------------- */

/* overhead = none | measured | DURATION: the library's own cost per task,
 * added to each task's work. `measured` takes LIBRARIES.md's figure for
 * the pool at its K (pool_overhead_s). */
static void apply_overhead(ctx *c, model_config *cfg, const exp_kv *kv)
{
	double x;
	if (!strcmp(kv->value, "none")) {
		cfg->overhead = 0;
	} else if (!strcmp(kv->value, "measured")) {
		x = pool_overhead_s(cfg->pool, cfg->K);
		if (isnan(x))
			err(c, kv->line, "overhead: no measured figure for pool "
			    "'%s' (give a duration instead)",
			    pool_kind_name(cfg->pool));
		else
			cfg->overhead = x;
	} else if (!get_time(c, kv, &x)) {
		cfg->overhead = x;
	}
}

void apply_K(ctx *c, model_config *cfg, const exp_kv *kv)
{
	double x;
	char e[256];
	if (!*kv->value) {
		err(c, kv->line, "K is empty (an unset variable?): it must be > 0; "
		    "a pool of 0 workers refuses every task");
		return;
	}
	if (unit_number(kv->value, &x, e, sizeof e) || x != floor(x) ||
	    fabs(x) > 1e9) {
		err(c, kv->line, "K must be a whole number, got '%s'", kv->value);
		return;
	}
	if (x <= 0) {
		err(c, kv->line, "K must be > 0 (got %s): %s", kv->value, x == 0 ?
		    "a pool of 0 workers refuses every task" :
		    "a pool needs at least one worker");
		return;
	}
	cfg->K = (long)x;
}

/* A fraction in [0, 1], written 0.05 or 5%; `what` ends the error's
 * "KEY ..." sentence with what it is and an example. */
int get_fraction(ctx *c, const exp_kv *kv, const char *what,
			double *out)
{
	char e[256];
	double x;
	int rc = strchr(kv->value, '%') ? unit_percent(kv->value, &x, e, sizeof e)
					: unit_number(kv->value, &x, e, sizeof e);
	if (rc || !(x >= 0 && x <= 1)) {
		err(c, kv->line, "%s %s, got '%s'", kv->key, what, kv->value);
		return -1;
	}
	*out = x;
	return 0;
}

/* A share of tasks (panic, error): a probability. */
int get_share(ctx *c, const exp_kv *kv, double *out)
{
	return get_fraction(c, kv, "must be a probability in [0, 1] (0.05 or "
			    "5%)", out);
}

/* 1 when w replays a trace whose rows carry each task's work. */
static int trace_has_work(const wl_spec *w)
{
	return w->kind == WL_TRACE && w->trace_work;
}

static void apply(ctx *c, model_config *cfg, exp_meta *m, const exp_kv *kv,
		  seen *s)
{
	const char *k = kv->key;
	long n;
	double x;
	if (!strcmp(k, "description") || !strcmp(k, "constraint") ||
	    !strcmp(k, "extends")) {
		return;
	} else if (!strcmp(k, "seed")) {
		if (!get_long(c, kv, 0, &n))
			m->seed = (uint64_t)n;
	} else if (!strcmp(k, "repeat")) {
		if (!get_long(c, kv, 1, &n)) {
			if (n > 100000)
				err(c, kv->line, "repeat must be <= 100000 (got %s)",
				    kv->value);
			else
				m->repeat = (int)n;
		}
	} else if (!strcmp(k, "precision")) {
		apply_precision(c, m, kv);
	} else if (is_goal_key(k)) {
		apply_goal(c, m, kv);
	} else if (!strcmp(k, "plot")) {
		apply_plot(c, kv);
	} else if (!strcmp(k, "plot.replication") ||
		   !strcmp(k, "plot.xscale") || !strcmp(k, "plot.xrange") ||
		   !strcmp(k, "export.start")) {
		apply_view(c, kv);
	} else if (!strcmp(k, "series.interval")) {
		if (!get_time(c, kv, &x)) {
			if (!(x >= 1e-3))
				err(c, kv->line, "series.interval must be >= "
				    "1ms, got '%s'", kv->value);
			cfg->series_interval = x;
		}
	} else if (!strcmp(k, "tasks")) {
		s->tasks = kv;
		if (!get_long(c, kv, 1, &n))
			cfg->tasks = n;
	} else if (!strcmp(k, "duration")) {
		s->duration = kv;
		if (!get_time(c, kv, &x)) {
			if (x <= 0)
				err(c, kv->line, "duration must be > 0");
			cfg->duration = x;
		}
	} else if (!strcmp(k, "warmup")) {
		apply_warmup(c, cfg, kv);
	} else if (!strcmp(k, "arrival")) {
		char e[512];
		wl_spec_fini(&cfg->arrival);
		memset(&cfg->arrival, 0, sizeof cfg->arrival);
		int rc = wl_parse_in(kv->value, c->sc->basedir, c->sc->files,
				     &cfg->arrival, e, sizeof e);
		if (rc == PS_ENOMEM)
			c->nomem = 1;
		if (rc)
			err(c, kv->line, "arrival: %s", e);
		else
			s->arrival = kv;
		if (!rc && cfg->arrival.think)
			time_dist_check(c, kv->line, kv->key, cfg->arrival.think);
	} else if (!strcmp(k, "service")) {
		s->service = kv;
		get_dist(c, kv, &cfg->service);
	} else if (!strcmp(k, "setup")) {
		get_dist(c, kv, &cfg->setup);
	} else if (!strcmp(k, "weight")) {
		get_dist_as(c, kv, &cfg->weight, 1);   /* a count */
	} else if (!strcmp(k, "setup_at")) {
		if (!strcmp(kv->value, "new"))
			cfg->setup_first_use = 0;
		else if (!strcmp(kv->value, "first-use"))
			cfg->setup_first_use = 1;
		else
			err(c, kv->line, "setup_at must be 'new' or 'first-use', "
			    "got '%s'", kv->value);
	} else if (!strcmp(k, "producers")) {
		if (!strcmp(kv->value, "each"))
			cfg->producers = 0;
		else if (!get_long(c, kv, 1, &n))
			cfg->producers = n > 1000000 ? 1000000 : (int)n;
	} else if (!strcmp(k, "pool")) {
		int p = pool_kind_parse(kv->value);
		char all[256];
		if (p < 0)
			err(c, kv->line, "unknown pool '%s' (%s)", kv->value,
			    exp_pool_names(EXP_POOLS_ALL, ", ", all, sizeof all));
		else {
			cfg->pool = (pool_kind)p;
			s->pool = kv;
		}
	} else if (!strcmp(k, "K")) {
		s->K = kv;
		apply_K(c, cfg, kv);
	} else if (!strcmp(k, "queue")) {
		if (!strcmp(kv->value, "unbounded"))
			cfg->queue = MODEL_UNBOUNDED;
		else if (!get_long(c, kv, 1, &n))
			cfg->queue = n;
	} else if (!strcmp(k, "nonblocking")) {
		get_bool(c, kv, &cfg->nonblocking);
	} else if (!strcmp(k, "trygo")) {
		get_bool(c, kv, &cfg->trygo);
	} else if (!strcmp(k, "cancel_on_error")) {
		get_bool(c, kv, &cfg->cancel_on_error);
	} else if (!strcmp(k, "max_blocking")) {
		if (!get_long(c, kv, 0, &n))
			cfg->max_blocking = n;
	} else if (!strcmp(k, "timeout") || !strcmp(k, "expiry")) {
		if (!get_time(c, kv, &x)) {
			if (x <= 0)
				err(c, kv->line, "%s must be > 0 (got %s)", k,
				    kv->value);
			else if (!strcmp(k, "expiry") && x < TICK_MIN_S)
				err(c, kv->line, "expiry must be at least "
				    TICK_MIN_TEXT " (got %s): it is the period "
				    "of the library's purge ticker", kv->value);
			*(!strcmp(k, "timeout") ? &cfg->timeout : &cfg->expiry) = x;
		}
	} else if (!strcmp(k, "overhead")) {
		;   /* resolved once pool and K are known (apply_overhead) */
	} else if (!strcmp(k, "cpus") || !strcmp(k, "fanout")) {
		if (!get_long(c, kv, 1, &n)) {
			int v = n > 1000000 ? 1000000 : (int)n;
			*(!strcmp(k, "cpus") ? &cfg->cpus : &cfg->fanout) = v;
		}
	} else if (!strcmp(k, "mem.goroutine")) {
		get_size(c, kv, &cfg->mem_goroutine);
	} else if (!strcmp(k, "mem.task")) {
		get_size(c, kv, &cfg->mem_task);
	} else if (!strcmp(k, "mem.limit")) {
		get_size(c, kv, &cfg->mem_limit);
	} else if (!strncmp(k, "downstream.", 11)) {
		apply_downstream(c, cfg, kv);
	} else if (!strncmp(k, "tenant.", 7)) {
		apply_tenant(c, cfg, kv);
	} else if (!strncmp(k, "tier.", 5)) {
		apply_tier(c, cfg, kv);
	} else if (!strncmp(k, "service.", 8)) {
		apply_service(c, cfg, kv);
	} else if (!strcmp(k, "shards")) {
		if (!get_long(c, kv, 1, &n)) {
			if (n > 4096)
				err(c, kv->line, "shards must be <= 4096");
			else
				cfg->shards = (int)n;
		}
	} else if (!strcmp(k, "route")) {
		apply_route(c, cfg, kv);
	} else if (!strcmp(k, "keys")) {
		apply_keys(c, cfg, kv);
	} else if (!strcmp(k, "lock_hold")) {
		if (!get_time(c, kv, &x))
			cfg->lock_hold = x;
	} else if (!strcmp(k, "autotune")) {
		int pol = tune_policy_parse(kv->value);
		if (pol >= 0) {
			cfg->tune.on = 1;
			cfg->tune.policy = pol;
		} else if (strcmp(kv->value, "off")) {
			err(c, kv->line, "autotune must be utilization, queue, "
			    "aimd, vegas, gradient2 or off, got '%s'", kv->value);
		}
	} else if (!strncmp(k, "autotune.", 9)) {
		apply_autotune(c, cfg, kv);
	} else if (!strncmp(k, "shutdown.", 9)) {
		apply_shutdown(c, cfg, kv);
	} else if (!strcmp(k, "panic")) {
		get_share(c, kv, &cfg->panic);
	} else if (!strcmp(k, "error")) {
		get_share(c, kv, &cfg->error);
	} else if (!strcmp(k, "recover")) {
		get_bool(c, kv, &cfg->recover);
	} else if (!strncmp(k, "alert.", 6)) {
		apply_alert(c, cfg, m, kv);
	} else if (!strcmp(k, "stages")) {
		s->stages = kv;
	} else if (!strncmp(k, "stage.", 6)) {
		apply_stage(c, cfg, kv);
	} else {
		const char *sug = exp_key_suggest(k);
		if (sug)
			err(c, kv->line, "unknown key '%s' (did you mean '%s'?)",
			    k, sug);
		else
			err(c, kv->line, "unknown key '%s'", k);
	}
}

/* A finite profile with no tasks and no duration runs to its end; a
 * warm-up share is then a share of the profile's length. */
static void run_to_end(model_config *cfg, double end)
{
	cfg->tasks = 0;
	if (cfg->warmup == WARMUP_FRAC) {
		cfg->warmup = WARMUP_TIME;
		cfg->warmup_value *= end;
	}
}

static const char *profile_name(const wl_spec *w)
{
	return w->kind == WL_STEPS ? "steps" : "ramp";
}

/* A cap the user set (tasks, duration) that ends a finite profile before
 * its end: valid, but the report would describe a profile the run never
 * finished. A warning at the cap's line. */
static void warn(ctx *c, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warn(ctx *c, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	exp_diag_warn(c->d, c->sc->file, line, "%s", msg);
}

/* Expected arrivals of all n sources by time t; -1 when a source's cannot
 * be told from its spec (a burst, a trace, a closed loop). */
static double expected_by(const wl_spec *const *w, int n, double t)
{
	double sum = 0;
	for (int i = 0; i < n; i++) {
		if (w[i]->kind == WL_STEPS || w[i]->kind == WL_RAMP)
			sum += wl_profile_expected(w[i], t);
		else if (w[i]->kind == WL_POISSON || w[i]->kind == WL_CONST)
			sum += w[i]->rate * t;
		else
			return -1;
	}
	return sum;
}

static void profile_cut_warnings(ctx *c, const model_config *cfg,
				 const exp_kvs *keys, const seen *s)
{
	const wl_spec *w[1 + MODEL_MAX_TENANTS];
	const char *who[1 + MODEL_MAX_TENANTS];
	int n = 0;
	if (s->arrival) {
		w[n] = &cfg->arrival;
		who[n++] = "arrival";
	}
	for (int i = 0; i < cfg->n_tenants; i++) {
		w[n] = &cfg->tenants[i].arrival;
		who[n++] = cfg->tenants[i].name;
	}
	for (int i = 0; i < n; i++) {
		double end = wl_profile_end(w[i]);
		if (!(end > 0))
			continue;
		if (s->duration && cfg->duration < end) {
			warn(c, s->duration->line, "duration = %s cuts the %s "
			     "profile of %s (%g s long) at %g s; remove duration "
			     "to run it to its end", s->duration->value,
			     profile_name(w[i]), who[i], end, cfg->duration);
			continue;
		}
		/* tasks caps all sources together: find when their expected
		 * arrivals reach it */
		double expect = expected_by(w, n, end);
		if (!s->tasks || !(expect >= 0) || (double)cfg->tasks >= expect)
			continue;
		double lo = 0, hi = end;
		for (int k = 0; k < 60; k++) {
			double mid = (lo + hi) / 2;
			if (expected_by(w, n, mid) < (double)cfg->tasks)
				lo = mid;
			else
				hi = mid;
		}
		warn(c, s->tasks->line, "tasks = %ld ends the %s profile of %s "
		     "near %.3g s of its %g s (%s about %.0f arrivals); "
		     "remove tasks to run it to its end", cfg->tasks,
		     profile_name(w[i]), who[i], hi, end,
		     n == 1 ? "it offers" : "all sources offer, by its end,",
		     expect);
	}
	(void)keys;
}

/* "ants and pond have it" / "ants has it" for an option's pool mask. */
void pools_text(unsigned mask, char *buf, size_t len)
{
	exp_pool_names(mask, " and ", buf, len);
	size_t m = strlen(buf);
	int many = (mask & (mask - 1)) != 0;
	if (m < len)
		snprintf(buf + m, len - m, many ? " have it" : " has it");
}

/* 1 when key is absent but an unknown key looks like a typo of it: the
 * "did you mean" error already says so, "missing key" would be noise. */
static int missing(const exp_kvs *keys, const char *key)
{
	if (exp_kvs_get(keys, key))
		return 0;
	for (int i = 0; i < keys->n; i++) {
		/* Known keys and dotted family keys are not typos of a
		 * required key; skipping them keeps this cheap, since it runs
		 * for every sweep point. */
		const char *k = keys->v[i].key;
		if (strchr(k, '.') || exp_key_find(k))
			continue;
		/* Only a key within typo distance of this one can suggest it:
		 * a cheap test first, the full nearest-key search after. */
		size_t len = strlen(k);
		size_t limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
		if (exp_edit_distance(k, key, limit) > limit)
			continue;
		const char *sug = exp_key_suggest(k);
		if (sug && !strcmp(sug, key))
			return 0;
	}
	return 1;
}

/* Line of the first key starting with prefix, or the section's line. */
int line_of(const exp_kvs *keys, const exp_scope *sc,
		   const char *prefix)
{
	for (int j = 0; j < keys->n; j++)
		if (!strncmp(keys->v[j].key, prefix, strlen(prefix)))
			return keys->v[j].line;
	return sc->section_line;
}

double exp_mem_budget(void)
{
	const char *env = getenv("POOLSIM_MEM");
	double v;
	if (env && *env && !unit_size(env, &v, NULL, 0) && v > 0)
		return v;   /* main.c refuses a malformed one */
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
	if (pages <= 0 || size <= 0)
		return 4.0 * 1024 * 1024 * 1024;   /* unknown: assume 8 GB */
	return (double)pages * (double)size / 2;
}

/* The memory a run certainly needs (burst(N) and closed(N) hold N tasks
 * at once) against exp_mem_budget, and the 2^31 task records a run can
 * index: refused at check with both figures, not an abort or the OOM
 * killer later. */
static void check_memory(ctx *c, const model_config *cfg, const seen *s)
{
	double n = model_tasks_at_once(cfg), per = model_task_bytes(cfg);
	double need = n * per, budget = exp_mem_budget();
	int line = s->arrival ? s->arrival->line : c->sc->section_line;
	const char *what = s->arrival ? s->arrival->value : "the arrivals";
	if (n > 2147483648.0)
		err(c, line, "%s holds %.3g tasks at once, more than the 2^31 a "
		    "run can hold", what, n);
	else if (need > budget)
		err(c, line, "%s holds %.3g tasks at once: about %.3g GB of "
		    "simulator memory (%.0f bytes a task), more than the limit "
		    "of %.3g GB (%s)", what, n, need / 1073741824.0, per,
		    budget / 1073741824.0, getenv("POOLSIM_MEM") ?
		    "POOLSIM_MEM" : "half of this machine's memory");
}

int exp_scenario_build(const exp_kvs *keys, const exp_scope *sc,
		       model_config *cfg, exp_meta *meta, exp_diags *d)
{
	ctx c;
	memset(&c, 0, sizeof c);
	c.sc = sc;
	c.d = d;
	seen s = { 0 };
	model_config_init(cfg);
	memset(meta, 0, sizeof *meta);
	meta->seed = 1;
	meta->repeat = 1;
	meta->goal.confidence = 0.95;
	meta->goal.delta = 0.02;
	meta->goal.delta_rel = 1;
	meta->goal.repeat_min = 5;
	for (int i = 0; i < keys->n; i++)
		apply(&c, cfg, meta, &keys->v[i], &s);
	if (c.nomem)
		return PS_ENOMEM;
	check_goal(&c, keys, meta, cfg);
	check_dynamics(&c, cfg, meta, keys, &s);

	int sources = cfg->n_tenants > 0;
	if (sources && s.arrival)
		err(&c, s.arrival->line, "arrival is unused when tenants or "
		    "services are defined: each has its own .arrival");
	else if (!sources && missing(keys, "arrival"))
		err(&c, sc->section_line, "missing required key 'arrival' "
		    "(e.g. arrival = poisson(900/s))");
	/* A trace with a work column gives each task's work: next to a
	 * service that would be two answers to one question. Sources with
	 * neither need the experiment's service. */
	int need_service = !sources && !trace_has_work(&cfg->arrival);
	if (s.arrival && s.service && trace_has_work(&cfg->arrival))
		err(&c, s.service->line, "service: the trace of arrival (line "
		    "%d) has a work column, and the trace's work wins: remove "
		    "service, or the trace's work column to draw from service",
		    s.arrival->line);
	for (int i = 0; i < cfg->n_tenants; i++) {
		const tenant_spec *t = &cfg->tenants[i];
		if (!trace_has_work(&t->arrival)) {
			need_service |= !t->service;
		} else if (t->service) {
			char key[96];
			snprintf(key, sizeof key, "tenant.%s.service", t->name);
			const exp_kv *kv = exp_kvs_get(keys, key);
			err(&c, kv ? kv->line : sc->section_line, "%s: tenant "
			    "'%s' replays a trace with a work column, and the "
			    "trace's work wins: remove %s, or the trace's work "
			    "column", key, t->name, key);
		}
	}
	if (need_service && missing(keys, "service") && !s.stages)
		err(&c, sc->section_line, "missing required key 'service' "
		    "(e.g. service = exp(10ms))");
	if (s.stages)
		;   /* a pipeline: stages instead of one pool */
	else if (missing(keys, "pool")) {
		char all[256];
		err(&c, sc->section_line, "missing required key 'pool' (%s)",
		    exp_pool_names(EXP_POOLS_ALL, ", ", all, sizeof all));
	}
	else if (s.pool &&
		 !(model_lib_of(cfg->pool)->caps & MODEL_LIB_UNBOUNDED) &&
		 !cfg->n_tiers &&
		 missing(keys, "K") && missing(keys, "autotune.initial"))
		err(&c, sc->section_line, "missing required key 'K' (the "
		    "number of workers of pool '%s')", pool_kind_name(cfg->pool));
	size_t nk;
	const exp_key *known = exp_keys(&nk);
	if (s.pool)
		for (size_t i = 0; i < nk; i++) {
			/* options only some pools have (the key table) */
			unsigned who_has = exp_key_pools(&known[i]);
			const exp_kv *kv = who_has
				? exp_kvs_get(keys, known[i].name) : NULL;
			if (!kv || (who_has & (1u << cfg->pool)))
				continue;
			char who[128];
			pools_text(who_has, who, sizeof who);
			err(&c, kv->line, "%s is not an option of pool '%s' (%s)",
			    kv->key, pool_kind_name(cfg->pool), who);
		}
	const exp_kv *ov = exp_kvs_get(keys, "overhead");
	if (ov)
		apply_overhead(&c, cfg, ov);
	for (int i = 0; i < cfg->n_downstreams; i++)
		if (!cfg->downstreams[i].service) {
			char key[96];
			snprintf(key, sizeof key, "downstream.%s.",
				 cfg->downstreams[i].name);
			int line = sc->section_line;
			for (int j = 0; j < keys->n; j++)
				if (!strncmp(keys->v[j].key, key, strlen(key))) {
					line = keys->v[j].line;
					break;
				}
			err(&c, line, "downstream '%s' needs a service "
			    "(downstream.%s.service = DIST)",
			    cfg->downstreams[i].name, cfg->downstreams[i].name);
		}
	check_multi(&c, keys, cfg);
	if (sources && !s.tasks && s.duration)
		cfg->tasks = 0;   /* until the duration */
	/* tasks defaults: a burst's N or a trace's length, 0 (= until the
	 * duration) when only a duration is given, and 0 (= to its end) for
	 * a finite profile: the default 100000 would cut it silently. */
	if (!s.tasks && s.arrival) {
		if (cfg->arrival.kind == WL_BURST)
			cfg->tasks = cfg->arrival.burst_n;
		else if (cfg->arrival.kind == WL_TRACE)
			cfg->tasks = cfg->arrival.trace_n;
		else if (s.duration)
			cfg->tasks = 0;
		else if (wl_profile_end(&cfg->arrival) > 0)
			run_to_end(cfg, wl_profile_end(&cfg->arrival));
	} else if (!s.tasks && !s.duration && sources) {
		double end = 0;
		int all = 1;
		for (int i = 0; i < cfg->n_tenants; i++) {
			double e = wl_profile_end(&cfg->tenants[i].arrival);
			all &= e > 0;
			end = fmax(end, e);
		}
		if (all)
			run_to_end(cfg, end);
	}
	profile_cut_warnings(&c, cfg, keys, &s);
	/* tunny's Process blocks its caller until the task is done: one
	 * producer (the default) submits the next task only then, so K
	 * workers serve one task at a time. */
	if (s.pool && cfg->pool == POOL_TUNNY && cfg->K > 1 &&
	    !exp_kvs_get(keys, "producers") && !s.stages &&
	    cfg->arrival.kind != WL_CLOSED)
		warn(&c, s.pool->line, "pool = tunny with the default single "
		     "producer serialises every task (Process is synchronous: "
		     "the producer waits for each result before the next), so "
		     "only one of the K = %ld workers is ever busy; set "
		     "producers = each (a goroutine per request) or producers "
		     "= N", cfg->K);
	if (cfg->warmup == WARMUP_TASKS && cfg->tasks > 0 &&
	    cfg->warmup_value >= (double)cfg->tasks) {
		const exp_kv *w = exp_kvs_get(keys, "warmup");
		err(&c, w ? w->line : sc->section_line, "warmup (%.0f tasks) "
		    "leaves none of the %ld tasks to measure",
		    cfg->warmup_value, cfg->tasks);
	}
	if (s.arrival && (cfg->arrival.kind == WL_STEPS ||
			  cfg->arrival.kind == WL_RAMP) &&
	    !(wl_mean_rate(&cfg->arrival) > 0))
		err(&c, s.arrival->line, "arrival: %s has a rate of zero "
		    "throughout: no task would ever arrive", s.arrival->value);
	check_plot_scopes(&c, keys, cfg);
	if (cfg->warmup == WARMUP_TIME) {
		/* the run's arrivals end at `duration`, or at a finite
		 * profile's end when it runs to it (tasks = 0) */
		double end = cfg->duration > 0 ? cfg->duration
			   : cfg->tasks == 0 ? wl_profile_end(&cfg->arrival) : 0;
		const exp_kv *w = exp_kvs_get(keys, "warmup");
		if (end > 0 && cfg->warmup_value >= end)
			err(&c, w ? w->line : sc->section_line, "warmup (%g s) "
			    "leaves nothing to measure: the arrivals end at "
			    "%g s (%s)", cfg->warmup_value, end,
			    cfg->duration > 0 ? "duration" : "the profile's end");
	}
	if (!c.errs)
		check_horizon(&c, cfg, keys, &s);
	if (!c.errs)
		check_memory(&c, cfg, &s);
	return c.errs ? PS_EPARSE : 0;
}

int exp_names_check(const exp_ini *ini, exp_diags *d)
{
	const char **names = malloc(((size_t)ini->n + 1) * sizeof *names);
	int *line = malloc(((size_t)ini->n + 1) * sizeof *line);
	int *with = malloc(((size_t)ini->n + 1) * sizeof *with);
	int n = 0, rc = 0;
	if (!names || !line || !with) {
		rc = PS_ENOMEM;
		goto out;
	}
	names[0] = NULL;
	for (int i = 0; i < ini->n; i++)
		if (strcmp(ini->sec[i].name, "General")) {
			names[n] = ini->sec[i].name;
			line[n++] = ini->sec[i].line;
		}
	if (!plot_fname_clashes(names, n, with))
		goto out;
	/* The later section of each pair says it, naming the earlier. */
	for (int i = 0; i < n; i++) {
		int j = with[i];
		if (j < 0 || j > i)
			continue;
		char file[PLOT_FNAME_MAX + 16];
		int kind = plot_fname_clash(names[j], names[i], file, sizeof file);
		if (kind == 2)
			exp_diag_add(d, ini->path, line[i], "experiment [%s] and "
				     "[%s] (%s:%d) name files that differ only in "
				     "case (%s.png): one file on macOS and Windows; "
				     "rename one of them", names[i], names[j],
				     ini->path, line[j], file);
		else
			exp_diag_add(d, ini->path, line[i], "experiment [%s] and "
				     "[%s] (%s:%d) would both write %s.png (figures "
				     "and reports are named after the experiment, "
				     "plus -series, -scopes, -stages, -tuner): rename "
				     "one of "
				     "them", names[i], names[j], ini->path, line[j],
				     file);
		rc = PS_EPARSE;
	}
out:
	free(names);
	free(line);
	free(with);
	return rc;
}
