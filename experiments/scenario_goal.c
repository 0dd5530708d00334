/*
 * scenario_goal.c — what an experiment is asked: goals (optimize, slo;
 * docs/goals.md), precision, plot and view keys, checked against the
 * metric registry (scenario_int.h).
 */
#include "scenario_int.h"

/* A known metric at a scope the registry says it is never emitted at
 * ("calls@tenant/a") would draw an empty figure: say where it exists. */
static void metric_scope_check(ctx *c, int line, const char *what,
			       const char *name, const char *scope)
{
	const model_metric *m = model_metric_find(name);
	unsigned fam = model_scope_family(scope);
	if (!m || !fam || (m->scopes & fam))
		return;
	char list[256];
	model_scope_list(m->scopes, list, sizeof list);
	err(c, line, "%s: metric '%s' is not reported at scope '%s' (only "
	    "at %s)", what, name, scope, list);
}

void apply_precision(ctx *c, exp_meta *m, const exp_kv *kv)
{
	char metric[32], rel[64], e[256];
	double x;
	if (sscanf(kv->value, "%31s %63s", metric, rel) != 2 ||
	    !exp_metric_known(metric) || unit_percent(rel, &x, e, sizeof e) ||
	    !(x > 0 && x < 1)) {
		err(c, kv->line, "precision must be 'METRIC REL%%' with a metric "
		    "such as latency_p99 and 0%% < REL < 100%%, got '%s'",
		    kv->value);
		return;
	}
	/* the stopping rule reads the pool's value */
	metric_scope_check(c, kv->line, "precision", metric, "pool");
	m->has_precision = 1;
	snprintf(m->precision_metric, sizeof m->precision_metric, "%s", metric);
	m->precision_rel = x;
}

static int scope_known(const char *s)
{
	static const char *const fam[] = { "tenant/", "tier/", "service/",
		"downstream/", "stage/", "phase/", "alert/", NULL };
	if (!strcmp(s, "pool") || !strcmp(s, "request"))
		return 1;
	for (int i = 0; fam[i]; i++)
		if (!strncmp(s, fam[i], strlen(fam[i])) && s[strlen(fam[i])])
			return 1;
	return 0;
}

/* "METRIC[@SCOPE]" into metric and scope ("pool" when none), checked
 * against the registry. Returns the metric's row or NULL (error given). */
static const model_metric *goal_metric(ctx *c, int line, const char *what,
				       const char *text, char *metric,
				       size_t mlen, char *scope, size_t slen)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s", text);
	char *at = strchr(buf, '@');
	if (at)
		*at++ = '\0';
	if (strlen(buf) >= mlen || (at && strlen(at) >= slen)) {
		err(c, line, "%s: '%s' is too long for a metric", what, text);
		return NULL;
	}
	memcpy(metric, buf, strlen(buf) + 1);
	memcpy(scope, at ? at : "pool", strlen(at ? at : "pool") + 1);
	const model_metric *m = model_metric_find(metric);
	if (!m) {
		const char *near = NULL;
		size_t best = 3, n;
		const model_metric *all = model_metrics(&n);
		for (size_t i = 0; i < n; i++) {
			size_t dd = exp_edit_distance(metric, all[i].name, 2);
			if (dd < best) {
				best = dd;
				near = all[i].name;
			}
		}
		err(c, line, "%s: unknown metric '%s'%s%s%s (poolsim help "
		    "metrics lists them)", what, metric, near ? " (did you "
		    "mean '" : "", near ? near : "", near ? "'?)" : "");
		return NULL;
	}
	if (at && !scope_known(at)) {
		err(c, line, "%s: unknown scope '%s' (pool, request, or tenant/, "
		    "tier/, service/, downstream/, stage/, phase/ followed by a "
		    "name)", what, at);
		return NULL;
	}
	metric_scope_check(c, line, what, metric, scope);
	return m;
}

/* A value in the metric's own unit: durations for times, N/s for rates,
 * percents for fractions, sizes for bytes, plain numbers otherwise. */
static int metric_value(const model_metric *m, const char *text, double *x,
			char *e, size_t elen)
{
	if (!strcmp(m->unit, "s"))
		return unit_time(text, x, e, elen);
	if (!strcmp(m->unit, "1/s"))
		return unit_rate(text, x, e, elen);
	if (!strcmp(m->unit, "fraction") || !strcmp(m->unit, "ratio"))
		return unit_percent(text, x, e, elen);
	if (!strcmp(m->unit, "bytes"))
		return unit_size(text, x, e, elen);
	return unit_number(text, x, e, elen);
}

static const char *goal_dir_word(model_goal g)
{
	return g == MODEL_GOAL_LOWER ? "lower" : "higher";
}

/* optimize = METRIC[@SCOPE] min|max */
static void apply_optimize(ctx *c, exp_goal *g, const exp_kv *kv)
{
	char what[128], dir[16], extra[8];
	if (!kv->value[strspn(kv->value, " \t")]) {
		if (g->kind == EXP_GOAL_OPTIMIZE)
			g->kind = EXP_GOAL_NONE;   /* `optimize =`: off */
		return;
	}
	int n = sscanf(kv->value, "%127s %15s %7s", what, dir, extra);
	if (n != 2 || (strcmp(dir, "min") && strcmp(dir, "max"))) {
		err(c, kv->line, "optimize must be 'METRIC[@SCOPE] min|max' "
		    "(e.g. latency_p99 min), got '%s'", kv->value);
		return;
	}
	const model_metric *m = goal_metric(c, kv->line, "optimize", what,
					    g->metric, sizeof g->metric,
					    g->scope, sizeof g->scope);
	if (!m)
		return;
	g->maximize = !strcmp(dir, "max");
	if (m->goal != MODEL_GOAL_NEUTRAL &&
	    (m->goal == MODEL_GOAL_HIGHER) != g->maximize) {
		err(c, kv->line, "optimize: %s is better %s: '%s %s', not "
		    "'%s'", g->metric, goal_dir_word(m->goal), what,
		    g->maximize ? "min" : "max", dir);
		return;
	}
	g->kind = EXP_GOAL_OPTIMIZE;
	g->line = kv->line;
}

/* slo = METRIC[@SCOPE] < VALUE[, METRIC[@SCOPE] > VALUE ...] */
static void apply_slo(ctx *c, exp_goal *g, const exp_kv *kv)
{
	char buf[512];
	if (!kv->value[strspn(kv->value, " \t")]) {
		g->nslo = 0;   /* `slo =`: a section turning its parent's off */
		if (g->kind == EXP_GOAL_SLO)
			g->kind = EXP_GOAL_NONE;
		return;
	}
	snprintf(buf, sizeof buf, "%s", kv->value);
	g->nslo = 0;
	int bad = 0;
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*t))
			t++;
		char *op = strpbrk(t, "<>");
		if (!op || !*t || op == t) {
			err(c, kv->line, "slo must be 'METRIC[@SCOPE] < VALUE' "
			    "(several separated by commas, e.g. latency_p99 < "
			    "100ms), got '%s'", t);
			bad = 1;
			continue;
		}
		if (g->nslo == EXP_SLO_MAX) {
			err(c, kv->line, "slo: at most %d objectives",
			    EXP_SLO_MAX);
			bad = 1;
			break;
		}
		exp_slo *o = &g->slo[g->nslo];
		snprintf(o->text, sizeof o->text, "%s", t);
		size_t tl = strlen(o->text);
		while (tl && isspace((unsigned char)o->text[tl - 1]))
			o->text[--tl] = '\0';
		o->less = *op == '<';
		char name[128];
		size_t nl = (size_t)(op - t);
		while (nl && isspace((unsigned char)t[nl - 1]))
			nl--;
		snprintf(name, sizeof name, "%.*s", (int)nl, t);
		const char *val = op + 1;
		if (*val == '=')
			val++;   /* <= reads as <: the bound is continuous */
		const model_metric *m = goal_metric(c, kv->line, "slo", name,
						    o->metric, sizeof o->metric,
						    o->scope, sizeof o->scope);
		if (!m) {
			bad = 1;
			continue;
		}
		char e[256];
		if (metric_value(m, val, &o->target, e, sizeof e)) {
			err(c, kv->line, "slo: %s: %s (in the unit of %s: %s)",
			    o->text, e, o->metric, m->unit);
			bad = 1;
			continue;
		}
		if (m->goal != MODEL_GOAL_NEUTRAL &&
		    (m->goal == MODEL_GOAL_LOWER) != o->less) {
			err(c, kv->line, "slo: %s is better %s: write '%s %c "
			    "VALUE'", o->metric, goal_dir_word(m->goal), name,
			    m->goal == MODEL_GOAL_LOWER ? '<' : '>');
			bad = 1;
			continue;
		}
		g->nslo++;
	}
	if (!bad && g->nslo == 0)
		err(c, kv->line, "slo needs at least one 'METRIC < VALUE'");
	else if (!bad) {
		g->kind = EXP_GOAL_SLO;
		g->line = kv->line;
	}
}

static void get_confidence(ctx *c, const exp_kv *kv, double *out)
{
	double x;
	char e[256];
	if (unit_percent(kv->value, &x, e, sizeof e) || !(x >= 0.5 && x < 1))
		err(c, kv->line, "%s must be a percent in [50%%, 100%%) (e.g. "
		    "95%%), got '%s'", kv->key, kv->value);
	else
		*out = x;
}

/* The goal keys; optimize.delta waits for the metric (check_goal). */
void apply_goal(ctx *c, exp_meta *m, const exp_kv *kv)
{
	const char *k = kv->key;
	exp_goal *g = &m->goal;
	long n;
	if (!strcmp(k, "optimize")) {
		apply_optimize(c, g, kv);
	} else if (!strcmp(k, "slo")) {
		apply_slo(c, g, kv);
	} else if (!strcmp(k, "optimize.confidence") ||
		   !strcmp(k, "slo.confidence")) {
		get_confidence(c, kv, &g->confidence);
	} else if (!strcmp(k, "optimize.shape") || !strcmp(k, "slo.shape")) {
		const char *want = k[0] == 'o' ? "unimodal" : "monotone";
		if (!strcmp(kv->value, want))
			g->shape = k[0] == 'o' ? EXP_SHAPE_UNIMODAL :
				   EXP_SHAPE_MONOTONE;
		else if (strcmp(kv->value, "none"))
			err(c, kv->line, "%s must be '%s' or 'none', got '%s'",
			    k, want, kv->value);
	} else if (!strcmp(k, "slo.minimize")) {
		int swept = 0;
		for (int i = 0; i < c->sc->nvars; i++)
			swept |= !strcmp(c->sc->vars[i], kv->value);
		if (!swept)
			err(c, kv->line, "slo.minimize: '%s' is not a swept key "
			    "of this experiment%s", kv->value, c->sc->nvars ? "" :
			    " (nothing is swept)");
		snprintf(g->minimize, sizeof g->minimize, "%s", kv->value);
	} else if (!strcmp(k, "repeat.min")) {
		if (!get_long(c, kv, 2, &n)) {
			if (n > 100000)
				err(c, kv->line, "repeat.min must be <= 100000 "
				    "(got %s)", kv->value);
			else
				g->repeat_min = (int)n;
		}
	}
	/* optimize.delta: check_goal, once the metric is known */
}

int is_goal_key(const char *k)
{
	return !strcmp(k, "optimize") || !strncmp(k, "optimize.", 9) ||
	       !strcmp(k, "slo") || !strncmp(k, "slo.", 4) ||
	       !strcmp(k, "repeat.min");
}

/* slo.window: the slo is the scorecard's target (each run scored on its
 * windowed quantile, docs/metrics.md), not a search. One latency
 * quantile at the pool's scope. */
static void check_scored(ctx *c, const exp_kvs *keys, exp_goal *g,
			 const exp_kv *win, model_config *cfg)
{
	static const char *const search_keys[] = { "slo.confidence",
		"slo.minimize", "slo.shape", "repeat.min", NULL };
	for (int i = 0; search_keys[i]; i++) {
		const exp_kv *kv = exp_kvs_get(keys, search_keys[i]);
		if (kv)
			err(c, kv->line, "%s belongs to the search for a K; "
			    "with slo.window (line %d) the slo scores each run "
			    "instead: remove one of them", kv->key, win->line);
	}
	double w, q = 0;
	if (get_time(c, win, &w))
		return;
	if (!(w > 0)) {
		err(c, win->line, "slo.window must be > 0, got '%s'", win->value);
		return;
	}
	const char *name = g->nslo == 1 ? g->slo[0].metric : "";
	if (g->nslo == 1 && !strncmp(name, "latency_p", 9)) {
		/* latency_p50 .. latency_p999: 0.50 .. 0.999 */
		const char *d = name + 9;
		q = strtod(d, NULL) / pow(10, (double)strlen(d));
	}
	if (g->nslo != 1 || !(q > 0 && q < 1) || !g->slo[0].less ||
	    strcmp(g->slo[0].scope, "pool")) {
		err(c, g->line, "with slo.window (line %d) the slo must be one "
		    "latency quantile of the pool, e.g. 'latency_p99 < 100ms' "
		    "(the scorecard evaluates it over the trailing window)",
		    win->line);
		return;
	}
	double iv = cfg->series_interval > 0 ? cfg->series_interval : 1.0;
	double k = w / iv;
	if (fabs(k - round(k)) > 1e-9 * k || round(k) > 100000) {
		err(c, win->line, "slo.window must be a whole number of "
		    "series.interval (%gs), at most 100000 of them: got %gs",
		    iv, w);
		return;
	}
	cfg->slo_window = w;
	cfg->slo_q = q;
	cfg->slo_target = g->slo[0].target;
	g->scored = 1;
	g->kind = EXP_GOAL_NONE;   /* nothing to search */
}

/* What needs every key: the goal keys' consistency with each other, with
 * repeat and precision, and with the sweep. */
void check_goal(ctx *c, const exp_kvs *keys, exp_meta *m, model_config *cfg)
{
	exp_goal *g = &m->goal;
	static const char *const okeys[] = { "optimize.delta",
		"optimize.confidence", "optimize.shape", NULL };
	static const char *const skeys[] = { "slo.confidence", "slo.minimize",
		"slo.shape", "slo.window", NULL };
	const exp_kv *opt = exp_kvs_get(keys, "optimize");
	const exp_kv *slo = exp_kvs_get(keys, "slo");
	if (opt && !opt->value[strspn(opt->value, " \t")])
		opt = NULL;   /* turned off */
	if (slo && !slo->value[strspn(slo->value, " \t")])
		slo = NULL;
	for (int i = 0; okeys[i]; i++) {
		const exp_kv *kv = exp_kvs_get(keys, okeys[i]);
		if (kv && !opt)
			err(c, kv->line, "%s without optimize = METRIC min|max",
			    kv->key);
	}
	for (int i = 0; skeys[i]; i++) {
		const exp_kv *kv = exp_kvs_get(keys, skeys[i]);
		if (kv && !slo)
			err(c, kv->line, "%s without slo = METRIC < VALUE",
			    kv->key);
	}
	const exp_kv *rmin = exp_kvs_get(keys, "repeat.min");
	if (rmin && !opt && !slo)
		err(c, rmin->line, "repeat.min is the first stage of a goal: "
		    "set optimize or slo, or use repeat alone");
	if (opt && slo) {
		err(c, (opt->line > slo->line ? opt : slo)->line, "optimize and "
		    "slo cannot both be set: one goal per experiment (extend "
		    "the section for the other)");
		g->kind = EXP_GOAL_NONE;
		return;
	}
	const exp_kv *win = exp_kvs_get(keys, "slo.window");
	if (slo && win && g->kind == EXP_GOAL_SLO) {
		check_scored(c, keys, g, win, cfg);
		return;
	}
	if (g->kind == EXP_GOAL_NONE)
		return;
	const exp_kv *gk = opt ? opt : slo;
	const exp_kv *dk = exp_kvs_get(keys, "optimize.delta");
	if (g->kind == EXP_GOAL_OPTIMIZE && dk) {
		char e[256];
		double x;
		size_t dl = strlen(dk->value);
		if (dl && dk->value[dl - 1] == '%') {
			if (unit_percent(dk->value, &x, e, sizeof e) || !(x > 0))
				err(c, dk->line, "optimize.delta must be > 0 "
				    "(a percent of the best mean or a value in "
				    "the unit of %s), got '%s'", g->metric,
				    dk->value);
			g->delta = x;
			g->delta_rel = 1;
		} else {
			const model_metric *mm = model_metric_find(g->metric);
			if (metric_value(mm, dk->value, &x, e, sizeof e) ||
			    !(x > 0))
				err(c, dk->line, "optimize.delta must be > 0: "
				    "a percent (2%%) or a value in the unit of "
				    "%s (%s)%s%s", g->metric, mm->unit,
				    *e ? ": " : "", e);
			g->delta = x;
			g->delta_rel = 0;
		}
	}
	if (exp_kvs_get(keys, "precision"))
		err(c, exp_kvs_get(keys, "precision")->line, "precision and "
		    "%s cannot both be set: the goal decides the replications",
		    gk->key);
	if (m->repeat < g->repeat_min) {
		const exp_kv *rk = exp_kvs_get(keys, "repeat");
		err(c, rk ? rk->line : gk->line, "with %s, repeat is the most "
		    "replications per point and must be >= repeat.min (%d): "
		    "got %d%s", gk->key, g->repeat_min, m->repeat,
		    rk ? "" : " (the default; e.g. repeat = 40)");
	}
	if (c->sc->nvars == 0)
		err(c, gk->line, "%s needs a sweep (e.g. K = ${10..100 step "
		    "10}): there is nothing to choose from", gk->key);
	else if (c->sc->nvars > 1 &&
		 (g->kind == EXP_GOAL_SLO || g->shape != EXP_SHAPE_NONE))
		err(c, gk->line, "%s%s: one swept variable only (this "
		    "experiment sweeps %d; sweep the others in sections that "
		    "extend this one)", gk->key, g->kind == EXP_GOAL_SLO ? "" :
		    " with optimize.shape", c->sc->nvars);
}

void apply_plot(ctx *c, const exp_kv *kv)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", kv->value);
	char *colon = strchr(buf, ':');
	if (!colon) {
		err(c, kv->line, "plot must be 'X: Y1 Y2 ...', got '%s'",
		    kv->value);
		return;
	}
	*colon = '\0';
	char x[128];
	if (sscanf(buf, "%127s", x) != 1) {
		err(c, kv->line, "plot needs a swept key before ':'");
		return;
	}
	int swept = 0;
	for (int i = 0; i < c->sc->nvars; i++)
		if (strcmp(c->sc->vars[i], x) == 0)
			swept = 1;
	if (!swept)
		err(c, kv->line, "plot: '%s' is not a swept key of this "
		    "experiment%s", x, c->sc->nvars ? "" : " (nothing is swept)");
	int ny = 0;
	for (char *t = strtok(colon + 1, " \t,"); t; t = strtok(NULL, " \t,")) {
		ny++;
		/* NAME@SCOPE plots a scoped metric, e.g.
		 * latency_p99@tenant/quiet. */
		char *at = strchr(t, '@');
		if (at)
			*at++ = '\0';
		if (!exp_metric_known(t))
			err(c, kv->line, "plot: unknown metric '%s' (e.g. "
			    "latency_p99, throughput, rejected_frac)", t);
		if (at && !scope_known(at))
			err(c, kv->line, "plot: unknown scope '%s' (pool, "
			    "request, or tenant/, tier/, service/, downstream/, "
			    "stage/, phase/ followed by a name)", at);
		else
			metric_scope_check(c, kv->line, "plot", t,
					   at ? at : "pool");
	}
	if (!ny)
		err(c, kv->line, "plot needs at least one metric after ':'");
}

/* Keys that change only how results are drawn or exported (plot.*,
 * export.*): checked here, read back from run_param by plots/ and
 * results/export.c. */
void apply_view(ctx *c, const exp_kv *kv)
{
	const char *k = kv->key, *v = kv->value;
	long n;
	double lo, hi;
	if (!strcmp(k, "plot.replication")) {
		if (strcmp(v, "all"))
			get_long(c, kv, 0, &n);
	} else if (!strcmp(k, "plot.xscale")) {
		if (strcmp(v, "auto") && strcmp(v, "log") && strcmp(v, "linear"))
			err(c, kv->line, "plot.xscale must be auto, log or "
			    "linear, got '%s'", v);
	} else if (!strcmp(k, "plot.xrange")) {
		if (plot_xrange_parse(v, &lo, &hi))
			err(c, kv->line, "plot.xrange must be LO:HI (numbers, "
			    "either may be *, LO < HI), got '%s'", v);
	} else {   /* export.start */
		if (res_instant_parse(v, &lo))
			err(c, kv->line, "export.start must be an instant such "
			    "as 2026-01-01T00:00:00Z (UTC, or with an offset "
			    "+01:00) or Unix seconds, got '%s'", v);
	}
}


/* 1 when a named scope (tenant/NAME, service/NAME, tier/NAME,
 * downstream/NAME, stage/NAME, alert/NAME, phase/N) exists in cfg; other
 * scopes are not named and count as existing. */
int scope_exists(const model_config *cfg, const char *s)
{
	const char *n;
	if (!strncmp(s, "tenant/", 7) || !strncmp(s, "service/", 8)) {
		int svc = s[0] == 's';
		n = s + (svc ? 8 : 7);
		for (int i = 0; i < cfg->n_tenants; i++)
			if (cfg->tenants[i].is_service == svc &&
			    !strcmp(cfg->tenants[i].name, n))
				return 1;
		return 0;
	}
	if (!strncmp(s, "tier/", 5)) {
		for (int i = 0; i < cfg->n_tiers; i++)
			if (!cfg->tiers[i].is_service &&
			    !strcmp(cfg->tiers[i].name, s + 5))
				return 1;
		return 0;
	}
	if (!strncmp(s, "downstream/", 11)) {
		for (int i = 0; i < cfg->n_downstreams; i++)
			if (!strcmp(cfg->downstreams[i].name, s + 11))
				return 1;
		return 0;
	}
	if (!strncmp(s, "stage/", 6)) {
		for (int i = 0; i < cfg->n_stages; i++)
			if (!strcmp(cfg->stages[i].name, s + 6))
				return 1;
		return 0;
	}
	if (!strncmp(s, "alert/", 6)) {
		for (int i = 0; i < cfg->n_alerts; i++)
			if (!strcmp(cfg->alerts[i].name, s + 6))
				return 1;
		return 0;
	}
	if (!strncmp(s, "phase/", 6)) {
		char *end;
		long p = strtol(s + 6, &end, 10);
		return !*end && p >= 1 && cfg->arrival.kind == WL_STEPS &&
		       p <= cfg->arrival.n_steps;
	}
	return 1;
}

/* Once every key is in cfg: each METRIC@SCOPE of `plot` names a scope this
 * experiment has (a tier it defines, a downstream it calls, ...). */
void check_plot_scopes(ctx *c, const exp_kvs *keys, const model_config *cfg)
{
	const exp_kv *kv = exp_kvs_get(keys, "plot");
	if (!kv)
		return;
	char *buf = strdup(kv->value);
	char *colon = buf ? strchr(buf, ':') : NULL;
	if (!colon) {
		free(buf);
		return;   /* apply_plot said so (or out of memory: no check) */
	}
	char *save = NULL;
	for (char *t = strtok_r(colon + 1, " \t,", &save); t;
	     t = strtok_r(NULL, " \t,", &save)) {
		char *at = strchr(t, '@');
		if (at && scope_known(at + 1) && !scope_exists(cfg, at + 1))
			err(c, kv->line, "plot: scope '%s' does not exist in this "
			    "experiment (no such %.*s is defined)", at + 1,
			    (int)(strchr(at + 1, '/') - at - 1), at + 1);
	}
	free(buf);
}
