/*
 * scenario_dyn.c — dynamics and run length: the autotuner, shutdown and
 * drain, alerts, pipeline stages, and the horizon checks
 * (scenario_int.h).
 */
#include "scenario_int.h"

void apply_autotune(ctx *c, model_config *cfg, const exp_kv *kv)
{
	const char *f = kv->key + strlen("autotune.");
	tune_spec *t = &cfg->tune;
	long n;
	double x;
	if (!strcmp(f, "min") || !strcmp(f, "max") || !strcmp(f, "step") ||
	    !strcmp(f, "window")) {
		if (get_long(c, kv, 1, &n))
			return;
		if (n > 1000000) {
			err(c, kv->line, "%s must be <= 1000000 (got %s)", kv->key,
			    kv->value);
			return;
		}
		if (!strcmp(f, "min"))
			t->min = n;
		else if (!strcmp(f, "max"))
			t->max = n;
		else if (!strcmp(f, "step"))
			t->step = n;
		else
			t->window = (int)n;
	} else if (!strcmp(f, "period") || !strcmp(f, "cooldown")) {
		if (get_time(c, kv, &x))
			return;
		if (!strcmp(f, "period")) {
			if (x < TICK_MIN_S)
				err(c, kv->line, "autotune.period must be at "
				    "least " TICK_MIN_TEXT " (got %s): a sample "
				    "per period, a finer one only spins",
				    kv->value);
			t->period = x;
		} else {
			if (x < 0)
				err(c, kv->line, "autotune.cooldown must be >= 0 "
				    "(got %s)", kv->value);
			t->cooldown = x;
		}
	} else if (!strcmp(f, "high") || !strcmp(f, "low")) {
		get_fraction(c, kv, "is a utilisation threshold in [0, 1] "
			     "(0.85 or 85%)", !strcmp(f, "high") ? &t->high
								  : &t->low);
	} else if (!strcmp(f, "smoothing")) {
		if (!get_fraction(c, kv, "is a smoothing factor in [0, 1] (0.2)",
				  &x) && x <= 0)
			err(c, kv->line, "autotune.smoothing must be > 0: 0 would "
			    "never move the limit");
		t->smoothing = x;
	} else if (!strcmp(f, "backoff_ratio")) {
		if (!get_fraction(c, kv, "is a ratio in [0.5, 1) (0.9)", &x) &&
		    (x < 0.5 || x >= 1))
			err(c, kv->line, "autotune.backoff_ratio must be in [0.5, "
			    "1), as in AIMDLimit (got %s)", kv->value);
		t->backoff_ratio = x;
	} else if (!strcmp(f, "rtt_tolerance") || !strcmp(f, "target")) {
		char e[256];
		if (unit_number(kv->value, &x, e, sizeof e) || !(x >= 0) ||
		    x > 1e9 || (!strcmp(f, "rtt_tolerance") && x < 1)) {
			err(c, kv->line, "%s must be a number %s, got '%s'",
			    kv->key, !strcmp(f, "target") ? ">= 0 (a queue "
			    "depth)" : ">= 1 (1.5)", kv->value);
			return;
		}
		if (!strcmp(f, "target"))
			t->target = x;
		else
			t->rtt_tolerance = x;
	} else if (!strcmp(f, "timeout")) {
		if (!get_time(c, kv, &x) && x <= 0)
			err(c, kv->line, "autotune.timeout must be > 0 (got %s)",
			    kv->value);
		t->timeout = x;
	} else if (!strcmp(f, "initial") || !strcmp(f, "queue_size") ||
		   !strcmp(f, "long_window") || !strcmp(f, "probe_multiplier") ||
		   !strcmp(f, "window_size")) {
		if (get_long(c, kv, !strcmp(f, "queue_size") ? 0 : 1, &n))
			return;
		if (n > 1000000) {
			err(c, kv->line, "%s must be <= 1000000 (got %s)", kv->key,
			    kv->value);
			return;
		}
		if (!strcmp(f, "initial"))
			t->initial = n;   /* K unless the actuator is admit */
		else if (!strcmp(f, "queue_size"))
			t->queue_size = n;
		else if (!strcmp(f, "long_window"))
			t->long_window = n;
		else if (!strcmp(f, "probe_multiplier"))
			t->probe_multiplier = n;
		else
			t->window_size = n;
	} else if (!strcmp(f, "actuator")) {
		if (!strcmp(kv->value, "resize"))
			t->actuator = TUNE_ACT_RESIZE;
		else if (!strcmp(kv->value, "admit"))
			t->actuator = TUNE_ACT_ADMIT;
		else
			err(c, kv->line, "autotune.actuator must be resize (the "
			    "pool's own Tune) or admit (a limiter in front of "
			    "the pool), got '%s'", kv->value);
	} else {
		err(c, kv->line, "unknown key '%s': autotuner keys are autotune."
		    "min, .max, .initial, .actuator, .period, .step, .high, .low, .window, "
		    ".cooldown, .target, .smoothing, .queue_size, .long_window, "
		    ".rtt_tolerance, .backoff_ratio, .timeout, .probe_multiplier "
		    "and .window_size", kv->key);
	}
}

void apply_shutdown(ctx *c, model_config *cfg, const exp_kv *kv)
{
	double x;
	if (!strcmp(kv->key, "shutdown.at")) {
		long n;
		char tail;
		if (!strncmp(kv->value, "after(", 6)) {
			if (sscanf(kv->value + 6, "%ld)%c", &n, &tail) != 1 ||
			    kv->value[strlen(kv->value) - 1] != ')' || n < 1) {
				err(c, kv->line, "shutdown.at = after(N) needs a "
				    "whole N >= 1 completions, got '%s'",
				    kv->value);
				return;
			}
			cfg->shutdown = SHUT_AFTER;
			cfg->shutdown_after = n;
		} else if (!get_time(c, kv, &x)) {
			if (x < 0)
				err(c, kv->line, "shutdown.at must be >= 0");
			cfg->shutdown = SHUT_AT;
			cfg->shutdown_at = x;
		}
	} else if (!strcmp(kv->key, "shutdown.drain")) {
		if (!get_time(c, kv, &x)) {
			if (x <= 0)
				err(c, kv->line, "shutdown.drain must be > 0 (got "
				    "%s); leave it out to wait for every task",
				    kv->value);
			cfg->drain = x;
		}
	} else {
		err(c, kv->line, "unknown key '%s': shutdown keys are "
		    "shutdown.at and shutdown.drain", kv->key);
	}
}

/* alert.NAME = METRIC OP THRESHOLD [for DURATION] */
void apply_alert(ctx *c, model_config *cfg, exp_meta *m, const exp_kv *kv)
{
	const char *name = kv->key + strlen("alert.");
	if (apply_rule(c, m, kv))
		return;
	if (!*name || strlen(name) >= sizeof cfg->alerts[0].name ||
	    strchr(name, '.') || strchr(name, '/')) {
		err(c, kv->line, "alert name in '%s' must be 1 to %zu characters "
		    "without '.' or '/'", kv->key,
		    sizeof cfg->alerts[0].name - 1);
		return;
	}
	if (cfg->n_alerts == MODEL_MAX_ALERTS) {
		err(c, kv->line, "at most %d alerts are supported",
		    MODEL_MAX_ALERTS);
		return;
	}
	char metric[64], op[8], thr[64], kw[16], dur[64], extra[8];
	int n = sscanf(kv->value, "%63s %7s %63s %15s %63s %7s", metric, op, thr,
		       kw, dur, extra);
	if (n != 3 && !(n == 5 && !strcmp(kw, "for"))) {
		err(c, kv->line, "%s must be 'METRIC OP THRESHOLD for DURATION' "
		    "(e.g. queue_depth > 50 for 30s), got '%s'", kv->key,
		    kv->value);
		return;
	}
	alert_spec a;
	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "%s", name);
	int mi = model_alert_metric_parse(metric);
	if (mi < 0) {
		err(c, kv->line, "%s: unknown alert metric '%s' (queue_depth, "
		    "running, workers, in_system)", kv->key, metric);
		return;
	}
	a.metric = (alert_metric)mi;
	if (!strcmp(op, ">"))
		a.op = ALERT_GT;
	else if (!strcmp(op, ">="))
		a.op = ALERT_GE;
	else if (!strcmp(op, "<"))
		a.op = ALERT_LT;
	else if (!strcmp(op, "<="))
		a.op = ALERT_LE;
	else {
		err(c, kv->line, "%s: unknown operator '%s' (>, >=, <, <=)",
		    kv->key, op);
		return;
	}
	char e[256];
	if (unit_number(thr, &a.threshold, e, sizeof e)) {
		err(c, kv->line, "%s: threshold must be a number, got '%s'",
		    kv->key, thr);
		return;
	}
	if (n == 5 && (unit_time(dur, &a.for_s, e, sizeof e) || a.for_s < 0)) {
		err(c, kv->line, "%s: 'for' needs a duration >= 0 such as 30s, "
		    "got '%s'", kv->key, dur);
		return;
	}
	cfg->alerts[cfg->n_alerts++] = a;
}

/* Finds or adds stage NAME of "stage.NAME.FIELD". */
static stage_spec *stage_get(ctx *c, model_config *cfg, const exp_kv *kv,
			     const char *name, size_t n)
{
	if (n == 0 || n >= sizeof cfg->stages[0].name) {
		err(c, kv->line, "stage name in '%s' must be 1 to %zu characters",
		    kv->key, sizeof cfg->stages[0].name - 1);
		return NULL;
	}
	for (int i = 0; i < cfg->n_stages; i++)
		if (strlen(cfg->stages[i].name) == n &&
		    !strncmp(cfg->stages[i].name, name, n))
			return &cfg->stages[i];
	if (cfg->n_stages == MODEL_MAX_STAGES) {
		err(c, kv->line, "at most %d stages are supported",
		    MODEL_MAX_STAGES);
		return NULL;
	}
	stage_spec *st = &cfg->stages[cfg->n_stages++];
	memset(st, 0, sizeof *st);
	memcpy(st->name, name, n);
	st->name[n] = '\0';
	return st;
}

void apply_stage(ctx *c, model_config *cfg, const exp_kv *kv)
{
	const char *name = kv->key + strlen("stage.");
	const char *dot = strrchr(name, '.');
	const char *f = dot ? dot + 1 : "";
	if (!dot || (strcmp(f, "K") && strcmp(f, "service") &&
		     strcmp(f, "buffer") && strcmp(f, "error"))) {
		err(c, kv->line, "unknown key '%s': stage keys are stage.NAME.K, "
		    ".service, .buffer and .error", kv->key);
		return;
	}
	stage_spec *st = stage_get(c, cfg, kv, name, (size_t)(dot - name));
	if (!st)
		return;
	long n;
	if (!strcmp(f, "K")) {
		if (!get_long(c, kv, 1, &n))
			st->K = n > 1000000 ? 1000000 : n;
		else
			st->K = -1;   /* reported; not "missing" */
	} else if (!strcmp(f, "buffer")) {
		if (!get_long(c, kv, 0, &n))
			st->buffer = n;
	} else if (!strcmp(f, "service")) {
		get_dist(c, kv, &st->service);
	} else {
		get_share(c, kv, &st->error);
	}
}

/* Puts the stage specs in the order of `stages` and checks that every
 * listed stage has K and service and every configured stage is listed. */
static void check_stages(ctx *c, model_config *cfg, const exp_kvs *keys,
			 const exp_kv *kv)
{
	stage_spec ord[MODEL_MAX_STAGES];
	int used[MODEL_MAX_STAGES] = { 0 }, n = 0;
	char buf[512];
	snprintf(buf, sizeof buf, "%s", kv->value);
	char *sv = NULL;
	for (char *t = strtok_r(buf, " \t,", &sv); t; t = strtok_r(NULL, " \t,", &sv)) {
		int f = -1;
		for (int i = 0; i < cfg->n_stages; i++)
			if (!strcmp(cfg->stages[i].name, t))
				f = i;
		if (f < 0) {
			err(c, kv->line, "stage '%s' in stages has no keys (it "
			    "needs stage.%s.K and stage.%s.service)", t, t, t);
			continue;
		}
		if (used[f]) {
			err(c, kv->line, "stage '%s' is listed twice in stages", t);
			continue;
		}
		used[f] = 1;
		ord[n++] = cfg->stages[f];
	}
	if (!n && !c->errs)
		err(c, kv->line, "stages needs at least one stage name "
		    "(e.g. stages = read, transform, write)");
	char key[64];
	for (int i = 0; i < cfg->n_stages; i++) {
		const stage_spec *st = &cfg->stages[i];
		snprintf(key, sizeof key, "stage.%s.", st->name);
		int line = line_of(keys, c->sc, key);
		if (!used[i])
			err(c, line, "stage '%s' is not in stages = %s", st->name,
			    kv->value);
		else if (st->K == 0)
			err(c, line, "stage '%s' needs K (stage.%s.K = N "
			    "workers)", st->name, st->name);
		else if (!st->service && st->K > 0)
			err(c, line, "stage '%s' needs a service (stage.%s."
			    "service = DIST)", st->name, st->name);
	}
	for (int i = 0; i < cfg->n_stages; i++)
		if (!used[i])
			dist_free(cfg->stages[i].service);
	memcpy(cfg->stages, ord, (size_t)n * sizeof *ord);
	cfg->n_stages = n;
}

/* Checks that need several keys: the autotuner's bounds and pool,
 * shutdown, failures, pipelines. */
void check_dynamics(ctx *c, model_config *cfg, exp_meta *meta,
		    const exp_kvs *keys, const seen *s)
{
	check_rule(c, cfg, meta, keys);
	const exp_scope *sc = c->sc;
	const exp_kv *kv;
	const tune_spec *t = &cfg->tune;
	if (t->on) {
		kv = exp_kvs_get(keys, "autotune");
		{
			/* the reference's bounds, window and smoothing unless
			 * set (tune_policy_defaults) */
			long mn, mx;
			double per, sm;
			tune_policy_defaults(t->policy, &mn, &mx, &per, &sm);
			if (!exp_kvs_get(keys, "autotune.min"))
				cfg->tune.min = mn;
			if (!exp_kvs_get(keys, "autotune.max"))
				cfg->tune.max = mx;
			if (!exp_kvs_get(keys, "autotune.period"))
				cfg->tune.period = per;
			if (!exp_kvs_get(keys, "autotune.smoothing"))
				cfg->tune.smoothing = sm;
		}
		const exp_kv *ini = exp_kvs_get(keys, "autotune.initial");
		int admit = t->actuator == TUNE_ACT_ADMIT;
		if (ini && s->K && !admit)
			err(c, ini->line, "autotune.initial and K both set the "
			    "starting limit: keep one (or autotune.actuator = "
			    "admit, where K is the pool's and initial the "
			    "limiter's)");
		if (ini && !admit)
			cfg->K = t->initial;   /* the limit is the pool's K */
		long start = admit && ini ? t->initial : cfg->K;
		if (s->pool && !admit &&
		    !(model_lib_of(cfg->pool)->caps & MODEL_LIB_RESIZE)) {
			unsigned m = 0;
			for (int p = 0; p < POOL__COUNT; p++)
				if (model_lib_of((pool_kind)p)->caps &
				    MODEL_LIB_RESIZE)
					m |= 1u << p;
			char who[128];
			pools_text(m, who, sizeof who);
			err(c, kv->line, "autotune needs Tune(n) at run time, and "
			    "only %s (pool '%s'); autotune.actuator = admit "
			    "limits any library from outside", who,
			    pool_kind_name(cfg->pool));
		}
		if (cfg->n_tiers > 0 || cfg->shards > 1)
			err(c, kv->line, "autotune drives one pool: it is not "
			    "modelled with tiers or shards");
		if (t->min > t->max)
			err(c, line_of(keys, sc, "autotune.m"), "autotune.min (%ld) "
			    "must be <= autotune.max (%ld)", t->min, t->max);
		else if ((s->K || ini) && (start < t->min || start > t->max))
			err(c, ini ? ini->line : s->K->line, "%s (%ld) is the "
			    "autotuner's starting limit: it must lie in "
			    "[autotune.min, autotune.max] = [%ld, %ld] (%s's "
			    "defaults unless set)", ini ? "autotune.initial" : "K",
			    start, t->min, t->max, tune_policy_name(t->policy));
		if (t->policy == TUNE_UTILIZATION && t->low >= t->high)
			err(c, line_of(keys, sc, "autotune.low"), "autotune.low "
			    "(%g) must be below autotune.high (%g): the gap is "
			    "the hysteresis", t->low, t->high);
	} else if (line_of(keys, sc, "autotune.") != sc->section_line) {
		err(c, line_of(keys, sc, "autotune."), "autotune.* keys are set "
		    "but the autotuner is off (add autotune = utilization, queue, "
		    "aimd, vegas or gradient2)");
	}
	if (cfg->shutdown == SHUT_NONE && exp_kvs_get(keys, "shutdown.drain"))
		err(c, exp_kvs_get(keys, "shutdown.drain")->line,
		    "shutdown.drain needs shutdown.at (a TIME or after(N))");
	if (cfg->shutdown != SHUT_NONE && cfg->fanout > 1)
		err(c, line_of(keys, sc, "shutdown.at"), "shutdown with fanout "
		    "> 1 is not modelled yet");
	if (cfg->panic + cfg->error > 1 + 1e-12)
		err(c, exp_kvs_get(keys, "error") ? exp_kvs_get(keys, "error")->line
		    : sc->section_line, "panic + error shares must "
		    "not exceed 1 (got %g + %g)", cfg->panic, cfg->error);
	if (s->stages) {
		check_stages(c, cfg, keys, s->stages);
		static const char *const not_pipe[] = {
			"pool", "K", "service", "panic", "error", "recover",
			"autotune", "shutdown.at", "fanout", NULL
		};
		for (int i = 0; not_pipe[i]; i++)
			if ((kv = exp_kvs_get(keys, not_pipe[i])))
				err(c, kv->line, "%s does not apply to a pipeline: "
				    "each stage is an errgroup with stage.NAME.K, "
				    ".service, .buffer and .error", kv->key);
		if (s->arrival && cfg->arrival.kind == WL_CLOSED)
			err(c, s->arrival->line, "a pipeline's source needs an "
			    "open arrival process, not closed(...)");
	} else if (cfg->n_stages > 0) {
		err(c, line_of(keys, sc, "stage."), "stage.* keys need "
		    "stages = NAME, NAME, ... (the order of the pipeline)");
	}
}

/* The virtual time a run's arrivals span must stay within SIM_TIME_MAX:
 * steps(...) whose durations add up past it, or `tasks` at a rate that
 * takes longer than that to arrive (with no duration to end it). */
void check_horizon(ctx *c, const model_config *cfg,
			  const exp_kvs *keys, const seen *s)
{
	const exp_kv *akv = s->arrival;
	double rate = 0;
	int open = 1;   /* every source poisson or const: ends by tasks */
	for (int i = -1; i < cfg->n_tenants; i++) {
		const wl_spec *w = i < 0 ? &cfg->arrival : &cfg->tenants[i].arrival;
		if (i < 0 && cfg->n_tenants > 0)
			continue;
		if (w->kind == WL_STEPS) {
			double t = 0;
			for (int j = 0; j < w->n_steps; j++)
				t += w->steps[j].dur;
			if (t > SIM_TIME_MAX)
				err(c, akv ? akv->line : line_of(keys, c->sc,
								 "tenant."),
				    "the steps last %.3g s in all, longer than "
				    SIM_TIME_MAX_TEXT ", the most virtual time "
				    "represents to 1 ns", t);
		}
		if (w->kind == WL_POISSON || w->kind == WL_CONST)
			rate += w->rate;
		else
			open = 0;
	}
	if (!open || !(rate > 0) || cfg->tasks <= 0 || cfg->duration > 0)
		return;
	double span = (double)cfg->tasks / rate;
	if (span > SIM_TIME_MAX)
		err(c, s->tasks ? s->tasks->line : c->sc->section_line,
		    "%ld tasks at %g/s arrive over %.3g s of virtual time, "
		    "longer than " SIM_TIME_MAX_TEXT ", the most it represents "
		    "to 1 ns: lower tasks or set a duration", cfg->tasks, rate,
		    span);
}

