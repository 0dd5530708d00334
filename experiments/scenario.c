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

static const char *lib_names(char *buf, size_t len);

/* The metric registry (models/metric.h) is the one list of names. */
int exp_metric_known(const char *name)
{
	return model_metric_find(name) != NULL;
}

/* Levenshtein distance, case-blind, or limit + 1 as soon as it must
 * exceed limit: a row whose smallest entry is past the limit only grows.
 * Suggestions run for every unknown key at every sweep point, so most
 * comparisons (of unrelated names) stop after a few rows. */
static size_t edit_distance(const char *a, const char *b, size_t limit)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > 63 || m > 63)
		return 64;
	size_t row[64];
	for (size_t j = 0; j <= m; j++)
		row[j] = j;
	for (size_t i = 1; i <= n; i++) {
		size_t diag = row[0], low;
		row[0] = low = i;
		for (size_t j = 1; j <= m; j++) {
			size_t up = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) !=
				      tolower((unsigned char)b[j - 1]);
			size_t best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
			if (best < low)
				low = best;
		}
		if (low > limit)
			return limit + 1;
	}
	return row[m];
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
		size_t dd = edit_distance(key, known[i].name, limit);
		if (!best || dd < bd) {
			best = known[i].name;
			bd = dd;
		}
	}
	return best && bd <= limit ? best : NULL;
}

/* ---- value parsers: each reports its own error ------------------------- */

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

/* The shortest period of a ticker (expiry, autotune.period): a tick per
 * period of virtual time is real work for the autotuner, and no library
 * ticks faster than that. */
#define TICK_MIN_S 1e-6
#define TICK_MIN_TEXT "1us"

static void err(ctx *c, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void err(ctx *c, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	exp_diag_add(c->d, c->sc->file, line, "%s", msg);
	c->errs++;
}

static int get_long(ctx *c, const exp_kv *kv, long lo, long *out)
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

static int get_time(ctx *c, const exp_kv *kv, double *out)
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
static int time_dist_check(ctx *c, int line, const char *key, const dist *d)
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
static int get_dist(ctx *c, const exp_kv *kv, dist **out)
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
		     strcmp(field, "usl"))) {
		err(c, kv->line, "unknown key '%s': downstream keys are "
		    "downstream.NAME.limit, .service and .usl", kv->key);
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

static void apply_K(ctx *c, model_config *cfg, const exp_kv *kv);

/* Splits "PREFIX.NAME.FIELD": name and field point into kv->key. */
static int split3(ctx *c, const exp_kv *kv, size_t plen, const char **name,
		  size_t *nlen, const char **field)
{
	const char *nm = kv->key + plen;
	const char *dot = strrchr(nm, '.');
	if (!dot || dot == nm || (size_t)(dot - nm) >= 48) {
		err(c, kv->line, "'%s' must be %.*sNAME.FIELD with a NAME of 1 "
		    "to 47 characters", kv->key, (int)plen, kv->key);
		return -1;
	}
	*name = nm;
	*nlen = (size_t)(dot - nm);
	*field = dot + 1;
	return 0;
}

/* Finds or adds tenant (or service) NAME; NULL after reporting. */
static int tenant_index(ctx *c, model_config *cfg, const exp_kv *kv,
			const char *name, size_t n, int is_service)
{
	for (int i = 0; i < cfg->n_tenants; i++)
		if (strlen(cfg->tenants[i].name) == n &&
		    !strncmp(cfg->tenants[i].name, name, n) &&
		    cfg->tenants[i].is_service == is_service)
			return i;
	if (cfg->n_tenants == MODEL_MAX_TENANTS) {
		err(c, kv->line, "at most %d tenants and services are supported",
		    MODEL_MAX_TENANTS);
		return -1;
	}
	int i = cfg->n_tenants++;
	tenant_spec *t = &cfg->tenants[i];
	memset(t, 0, sizeof *t);
	memcpy(t->name, name, n);
	t->name[n] = '\0';
	t->is_service = is_service;
	t->tier = -1;
	c->m.ten_line[i] = kv->line;
	return i;
}

static int tier_find(const model_config *cfg, const char *name, size_t n)
{
	for (int g = 0; g < cfg->n_tiers; g++)
		if (strlen(cfg->tiers[g].name) == n &&
		    !strncmp(cfg->tiers[g].name, name, n) &&
		    !cfg->tiers[g].is_service)
			return g;
	return -1;
}

static int tier_add(ctx *c, model_config *cfg, const exp_kv *kv,
		    const char *name, size_t n)
{
	if (cfg->n_tiers == MODEL_MAX_TIERS) {
		err(c, kv->line, "at most %d tiers and services are supported",
		    MODEL_MAX_TIERS);
		return -1;
	}
	tier_spec *t = &cfg->tiers[cfg->n_tiers];
	memset(t, 0, sizeof *t);
	memcpy(t->name, name, n);
	t->name[n] = '\0';
	t->replicas = 1;
	return cfg->n_tiers++;
}

static void parse_arrival(ctx *c, const exp_kv *kv, wl_spec *w)
{
	char e[512];
	wl_spec_fini(w);
	memset(w, 0, sizeof *w);
	int rc = wl_parse_in(kv->value, c->sc->basedir, c->sc->files, w, e,
			     sizeof e);
	if (rc == PS_ENOMEM)
		c->nomem = 1;
	if (rc)
		err(c, kv->line, "%s: %s", kv->key, e);
	else if (w->think)
		time_dist_check(c, kv->line, kv->key, w->think);
}

/* quota = "RATE burst N": x/time/rate's NewLimiter(RATE, N). */
static void parse_quota(ctx *c, const exp_kv *kv, tenant_spec *t)
{
	char rate[64], word[16], burst[64], e[256];
	double r, b;
	if (sscanf(kv->value, "%63s %15s %63s", rate, word, burst) != 3 ||
	    strcmp(word, "burst") || unit_rate(rate, &r, e, sizeof e) ||
	    unit_number(burst, &b, e, sizeof e) || !(r > 0) || !(b >= 1) ||
	    b != floor(b)) {
		err(c, kv->line, "%s must be 'RATE burst N' with RATE > 0 (e.g. "
		    "100/s) and a whole N >= 1, got '%s'", kv->key, kv->value);
		return;
	}
	t->quota_rate = r;
	t->quota_burst = b;
	c->m.quota_line = kv->line;
}

static void apply_tenant(ctx *c, model_config *cfg, const exp_kv *kv)
{
	const char *name, *field;
	size_t n;
	if (split3(c, kv, strlen("tenant."), &name, &n, &field))
		return;
	if (strcmp(field, "arrival") && strcmp(field, "quota") &&
	    strcmp(field, "tier") && strcmp(field, "priority") &&
	    strcmp(field, "service")) {
		err(c, kv->line, "unknown key '%s': tenant keys are tenant.NAME."
		    "arrival, .quota, .tier, .priority and .service", kv->key);
		return;
	}
	int i = tenant_index(c, cfg, kv, name, n, 0);
	if (i < 0)
		return;
	tenant_spec *t = &cfg->tenants[i];
	if (!c->m.ten_key_line)
		c->m.ten_key_line = kv->line;
	if (!strcmp(field, "arrival")) {
		parse_arrival(c, kv, &t->arrival);
		c->m.has_arrival[i] = 1;
	} else if (!strcmp(field, "quota")) {
		parse_quota(c, kv, t);
	} else if (!strcmp(field, "tier")) {
		snprintf(c->m.tier_of[i], sizeof c->m.tier_of[i], "%s", kv->value);
		c->m.tier_line[i] = kv->line;
	} else if (!strcmp(field, "priority")) {
		double x;
		char e[256];
		c->m.prio_line[i] = kv->line;
		if (!strcmp(kv->value, "high"))
			t->high = 1;
		else if (!strcmp(kv->value, "low"))
			t->high = 0;
		else if (!unit_number(kv->value, &x, e, sizeof e))
			t->high = x > 0;   /* the skeleton's `priority > 0` */
		else
			err(c, kv->line, "%s must be high, low or a number "
			    "(> 0 is high), got '%s'", kv->key, kv->value);
	} else {
		get_dist(c, kv, &t->service);
	}
}

static void apply_tier(ctx *c, model_config *cfg, const exp_kv *kv)
{
	const char *name, *field;
	size_t n;
	if (split3(c, kv, strlen("tier."), &name, &n, &field))
		return;
	if (strcmp(field, "K")) {
		err(c, kv->line, "unknown key '%s': the tier key is tier.NAME.K",
		    kv->key);
		return;
	}
	int g = tier_find(cfg, name, n);
	if (g < 0 && (g = tier_add(c, cfg, kv, name, n)) < 0)
		return;
	/* same checks and messages as K, through K's own parser */
	exp_kv k = *kv;
	long saved = cfg->K;
	cfg->K = 0;
	apply_K(c, cfg, &k);
	cfg->tiers[g].K = cfg->K;
	cfg->K = saved;
}

/* service.NAME.*: a tenant whose pool is its own group of replicas. */
static void apply_service(ctx *c, model_config *cfg, const exp_kv *kv)
{
	const char *name, *field;
	size_t n;
	if (split3(c, kv, strlen("service."), &name, &n, &field))
		return;
	if (strcmp(field, "arrival") && strcmp(field, "replicas") &&
	    strcmp(field, "share") && strcmp(field, "K")) {
		err(c, kv->line, "unknown key '%s': service keys are service.NAME."
		    "arrival, .replicas, .share and .K", kv->key);
		return;
	}
	int i = tenant_index(c, cfg, kv, name, n, 1);
	if (i < 0)
		return;
	if (!c->m.svc_line)
		c->m.svc_line = kv->line;
	tenant_spec *t = &cfg->tenants[i];
	if (t->tier < 0) {
		int g = tier_add(c, cfg, kv, name, n);
		if (g < 0)
			return;
		cfg->tiers[g].is_service = 1;
		t->tier = g;
	}
	tier_spec *g = &cfg->tiers[t->tier];
	long v;
	if (!strcmp(field, "arrival")) {
		parse_arrival(c, kv, &t->arrival);
		c->m.has_arrival[i] = 1;
	} else if (!strcmp(field, "replicas")) {
		if (!get_long(c, kv, 1, &v)) {
			if (v > 1000)
				err(c, kv->line, "%s must be <= 1000", kv->key);
			else
				g->replicas = (int)v;
		}
	} else if (!strcmp(field, "K")) {
		if (!get_long(c, kv, 1, &v)) {
			g->K = v;
			c->m.has_K[i] = 1;
		}
	} else {
		double x;
		char e[256];
		if (strchr(kv->value, '%') ? unit_percent(kv->value, &x, e, sizeof e)
					   : unit_number(kv->value, &x, e, sizeof e))
			x = -1;
		if (!(x > 0))
			err(c, kv->line, "%s must be a share > 0 (50%% or a weight "
			    "such as 5), got '%s'", kv->key, kv->value);
		else
			c->m.share[i] = x;
	}
}

static void apply_route(ctx *c, model_config *cfg, const exp_kv *kv)
{
	if (!strcmp(kv->value, "hash"))
		cfg->route = ROUTE_HASH;
	else if (!strcmp(kv->value, "round-robin"))
		cfg->route = ROUTE_ROUND_ROBIN;
	else if (!strcmp(kv->value, "least-tasks"))
		cfg->route = ROUTE_LEAST_TASKS;
	else
		err(c, kv->line, "route must be hash, round-robin or least-tasks, "
		    "got '%s'", kv->value);
}

/* keys = zipf(S, N) | uniform(N) */
static void apply_keys(ctx *c, model_config *cfg, const exp_kv *kv)
{
	double sv, nv;
	char tail;
	if (sscanf(kv->value, " zipf ( %lf , %lf )%c", &sv, &nv, &tail) == 2 &&
	    sv > 0 && nv >= 1 && nv <= 1e7 && nv == floor(nv)) {
		cfg->keys_zipf = 1;
		cfg->keys_s = sv;
		cfg->keys_n = (long)nv;
	} else if (sscanf(kv->value, " uniform ( %lf )%c", &nv, &tail) == 1 &&
		   nv >= 1 && nv <= 1e9 && nv == floor(nv)) {
		cfg->keys_zipf = 0;
		cfg->keys_n = (long)nv;
	} else {
		err(c, kv->line, "keys must be zipf(S, N) with S > 0 and a whole "
		    "1 <= N <= 10000000, or uniform(N), got '%s'", kv->value);
	}
}

/* The checks that need every key: tiers named by tenants exist, services
 * get their K, features only some pools have. */
static void check_multi(ctx *c, const exp_kvs *keys, model_config *cfg)
{
	multi *m = &c->m;
	int n_ten = 0, n_svc = 0, n_plain_tiers = 0;
	for (int i = 0; i < cfg->n_tenants; i++) {
		if (cfg->tenants[i].is_service)
			n_svc++;
		else
			n_ten++;
	}
	for (int g = 0; g < cfg->n_tiers; g++)
		n_plain_tiers += !cfg->tiers[g].is_service;
	if (n_svc && (n_ten || n_plain_tiers)) {
		err(c, m->svc_line, "services cannot be mixed with tenants or "
		    "tiers in one experiment (a service is its own tenant and "
		    "pool)");
		return;
	}
	for (int i = 0; i < cfg->n_tenants; i++) {
		tenant_spec *t = &cfg->tenants[i];
		if (!m->has_arrival[i])
			err(c, m->ten_line[i], "%s '%s' needs an arrival (%s.%s."
			    "arrival = poisson(100/s))",
			    t->is_service ? "service" : "tenant", t->name,
			    t->is_service ? "service" : "tenant", t->name);
		if (t->is_service)
			continue;
		if (m->tier_line[i]) {
			int g = tier_find(cfg, m->tier_of[i], strlen(m->tier_of[i]));
			if (g < 0)
				err(c, m->tier_line[i], "tenant '%s': unknown tier "
				    "'%s' (define it with tier.%s.K)", t->name,
				    m->tier_of[i], m->tier_of[i]);
			t->tier = g;
		} else if (n_plain_tiers) {
			err(c, m->ten_line[i], "tenant '%s' needs a tier "
			    "(tenant.%s.tier = NAME): tiers are defined",
			    t->name, t->name);
		}
		if (m->prio_line[i] &&
		    !(model_lib_of(cfg->pool)->caps & MODEL_LIB_CLASSES))
			err(c, m->prio_line[i], "tenant.%s.priority needs pool = "
			    "priority (pool is '%s')", t->name,
			    pool_kind_name(cfg->pool));
	}
	if (n_plain_tiers && m->ten_key_line == 0)
		err(c, c->sc->section_line, "tiers need tenants routed to them "
		    "(tenant.NAME.tier)");
	if (cfg->n_tiers && (model_lib_of(cfg->pool)->caps &
			     (MODEL_LIB_NO_TIERS | MODEL_LIB_UNBOUNDED)))
		err(c, m->svc_line ? m->svc_line : c->sc->section_line,
		    "tiers and services need a pool library with K (pool '%s' "
		    "cannot be split)", pool_kind_name(cfg->pool));
	if (n_svc) {
		/* shares become K per replica against the tightest limited
		 * downstream: K = floor(limit * share / sum of shares /
		 * replicas) */
		int lim = 0;
		for (int d = 0; d < cfg->n_downstreams; d++)
			if (cfg->downstreams[d].limit > 0 &&
			    (!lim || cfg->downstreams[d].limit < lim))
				lim = cfg->downstreams[d].limit;
		double sum = 0;
		for (int i = 0; i < cfg->n_tenants; i++)
			sum += m->share[i];
		for (int i = 0; i < cfg->n_tenants; i++) {
			tier_spec *g = &cfg->tiers[cfg->tenants[i].tier];
			if (m->has_K[i] && m->share[i] > 0) {
				err(c, m->ten_line[i], "service '%s': give .share "
				    "or .K, not both", g->name);
			} else if (m->share[i] > 0) {
				if (!lim) {
					err(c, m->ten_line[i], "service '%s': a share "
					    "needs a downstream with a limit to "
					    "divide", g->name);
					continue;
				}
				g->K = (long)floor(lim * m->share[i] / sum /
						   g->replicas);
				if (g->K < 1)
					err(c, m->ten_line[i], "service '%s': its "
					    "share of %d connections over %d "
					    "replicas is K = 0", g->name, lim,
					    g->replicas);
			} else if (!m->has_K[i]) {
				err(c, m->ten_line[i], "service '%s' needs "
				    ".share or .K", g->name);
			}
		}
	}
	if (model_lib_of(cfg->pool)->caps & MODEL_LIB_SHARDS) {
		if (cfg->shards > cfg->K)
			err(c, c->sc->section_line, "shards (%d) must be <= K "
			    "(%ld): every shard needs a worker", cfg->shards,
			    cfg->K);
	}
}

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

static void apply_precision(ctx *c, exp_meta *m, const exp_kv *kv)
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

/* ---- goals (docs/goals.md) ---------------------------------------------- */

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
			size_t dd = edit_distance(metric, all[i].name, 2);
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
static void apply_goal(ctx *c, exp_meta *m, const exp_kv *kv)
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

static int is_goal_key(const char *k)
{
	return !strcmp(k, "optimize") || !strncmp(k, "optimize.", 9) ||
	       !strcmp(k, "slo") || !strncmp(k, "slo.", 4) ||
	       !strcmp(k, "repeat.min");
}

/* What needs every key: the goal keys' consistency with each other, with
 * repeat and precision, and with the sweep. */
static void check_goal(ctx *c, const exp_kvs *keys, exp_meta *m)
{
	exp_goal *g = &m->goal;
	static const char *const okeys[] = { "optimize.delta",
		"optimize.confidence", "optimize.shape", NULL };
	static const char *const skeys[] = { "slo.confidence", "slo.minimize",
		"slo.shape", NULL };
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

static void apply_plot(ctx *c, const exp_kv *kv)
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

static void apply_K(ctx *c, model_config *cfg, const exp_kv *kv)
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
static int get_fraction(ctx *c, const exp_kv *kv, const char *what,
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
static int get_share(ctx *c, const exp_kv *kv, double *out)
{
	return get_fraction(c, kv, "must be a probability in [0, 1] (0.05 or "
			    "5%)", out);
}

static void apply_autotune(ctx *c, model_config *cfg, const exp_kv *kv)
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
			cfg->K = n;   /* the limit starts here: the pool's K */
		else if (!strcmp(f, "queue_size"))
			t->queue_size = n;
		else if (!strcmp(f, "long_window"))
			t->long_window = n;
		else if (!strcmp(f, "probe_multiplier"))
			t->probe_multiplier = n;
		else
			t->window_size = n;
	} else {
		err(c, kv->line, "unknown key '%s': autotuner keys are autotune."
		    "min, .max, .initial, .period, .step, .high, .low, .window, "
		    ".cooldown, .target, .smoothing, .queue_size, .long_window, "
		    ".rtt_tolerance, .backoff_ratio, .timeout, .probe_multiplier "
		    "and .window_size", kv->key);
	}
}

static void apply_shutdown(ctx *c, model_config *cfg, const exp_kv *kv)
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
static void apply_alert(ctx *c, model_config *cfg, const exp_kv *kv)
{
	const char *name = kv->key + strlen("alert.");
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
	int m = model_alert_metric_parse(metric);
	if (m < 0) {
		err(c, kv->line, "%s: unknown alert metric '%s' (queue_depth, "
		    "running, workers, in_system)", kv->key, metric);
		return;
	}
	a.metric = (alert_metric)m;
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

static void apply_stage(ctx *c, model_config *cfg, const exp_kv *kv)
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

/* 1 when w replays a trace whose rows carry each task's work. */
static int trace_has_work(const wl_spec *w)
{
	return w->kind == WL_TRACE && w->trace_work;
}

/* Keys that change only how results are drawn or exported (plot.*,
 * export.*): checked here, read back from run_param by plots/ and
 * results/export.c. */
static void apply_view(ctx *c, const exp_kv *kv)
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

/* Applies one key. seen_* flags feed the missing-key checks. */
typedef struct seen {
	const exp_kv *arrival, *service, *pool, *K, *tasks, *duration, *stages;
} seen;

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
			    lib_names(all, sizeof all));
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
		apply_alert(c, cfg, kv);
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
		/* tasks: only one source's cap can be read off its profile */
		double expect = wl_profile_expected(w[i], end);
		if (!s->tasks || n != 1 || (double)cfg->tasks >= expect)
			continue;
		double lo = 0, hi = end;
		for (int k = 0; k < 60; k++) {
			double mid = (lo + hi) / 2;
			if (wl_profile_expected(w[i], mid) < (double)cfg->tasks)
				lo = mid;
			else
				hi = mid;
		}
		warn(c, s->tasks->line, "tasks = %ld ends the %s profile of %s "
		     "near %.3g s of its %g s (it offers about %.0f arrivals); "
		     "remove tasks to run it to its end", cfg->tasks,
		     profile_name(w[i]), who[i], hi, end, expect);
	}
	(void)keys;
}

/* "ants and pond have it" / "ants has it" for an option's pool mask. */
/* "goroutines, errgroup, ..., conc": every library of the table, in
 * its order, for messages. */
static const char *lib_names(char *buf, size_t len)
{
	size_t m = 0;
	buf[0] = '\0';
	for (int p = 0; p < POOL__COUNT && m < len; p++)
		m += (size_t)snprintf(buf + m, len - m, "%s%s", p ? ", " : "",
				      pool_kind_name((pool_kind)p));
	return buf;
}

static void pools_text(unsigned mask, char *buf, size_t len)
{
	const char *names[POOL__COUNT];
	int n = 0;
	for (int p = 0; p < POOL__COUNT; p++)
		if (mask & (1u << p))
			names[n++] = pool_kind_name((pool_kind)p);
	size_t m = 0;
	buf[0] = '\0';
	for (int i = 0; i < n && m < len; i++)
		m += (size_t)snprintf(buf + m, len - m, "%s%s",
				      i == 0 ? "" : i == n - 1 ? " and " : ", ",
				      names[i]);
	if (m < len)
		snprintf(buf + m, len - m, n > 1 ? " have it" : " has it");
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
		if (edit_distance(k, key, limit) > limit)
			continue;
		const char *sug = exp_key_suggest(k);
		if (sug && !strcmp(sug, key))
			return 0;
	}
	return 1;
}

/* Line of the first key starting with prefix, or the section's line. */
static int line_of(const exp_kvs *keys, const exp_scope *sc,
		   const char *prefix)
{
	for (int j = 0; j < keys->n; j++)
		if (!strncmp(keys->v[j].key, prefix, strlen(prefix)))
			return keys->v[j].line;
	return sc->section_line;
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
static void check_dynamics(ctx *c, model_config *cfg, const exp_kvs *keys,
			   const seen *s)
{
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
		if (ini && s->K)
			err(c, ini->line, "autotune.initial and K both set the "
			    "starting limit: keep one");
		if (s->pool &&
		    !(model_lib_of(cfg->pool)->caps & MODEL_LIB_RESIZE)) {
			unsigned m = 0;
			for (int p = 0; p < POOL__COUNT; p++)
				if (model_lib_of((pool_kind)p)->caps &
				    MODEL_LIB_RESIZE)
					m |= 1u << p;
			char who[128];
			pools_text(m, who, sizeof who);
			err(c, kv->line, "autotune needs Tune(n) at run time, and "
			    "only %s (pool '%s')", who,
			    pool_kind_name(cfg->pool));
		}
		if (cfg->n_tiers > 0 || cfg->shards > 1)
			err(c, kv->line, "autotune drives one pool: it is not "
			    "modelled with tiers or shards");
		if (t->min > t->max)
			err(c, line_of(keys, sc, "autotune.m"), "autotune.min (%ld) "
			    "must be <= autotune.max (%ld)", t->min, t->max);
		else if ((s->K || ini) && (cfg->K < t->min || cfg->K > t->max))
			err(c, ini ? ini->line : s->K->line, "%s (%ld) is the "
			    "autotuner's starting limit: it must lie in "
			    "[autotune.min, autotune.max] = [%ld, %ld] (%s's "
			    "defaults unless set)", ini ? "autotune.initial" : "K",
			    cfg->K, t->min, t->max, tune_policy_name(t->policy));
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

/* The virtual time a run's arrivals span must stay within SIM_TIME_MAX:
 * steps(...) whose durations add up past it, or `tasks` at a rate that
 * takes longer than that to arrive (with no duration to end it). */
static void check_horizon(ctx *c, const model_config *cfg,
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
	check_goal(&c, keys, meta);
	check_dynamics(&c, cfg, keys, &s);

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
		    lib_names(all, sizeof all));
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
				     "plus -series, -scopes, -stages): rename one of "
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
