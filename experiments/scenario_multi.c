/*
 * scenario_multi.c — tenants, tiers, services and shards: their keys and
 * the checks that need all of them first (scenario_int.h).
 */
#include "scenario_int.h"

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

void apply_tenant(ctx *c, model_config *cfg, const exp_kv *kv)
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

void apply_tier(ctx *c, model_config *cfg, const exp_kv *kv)
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
void apply_service(ctx *c, model_config *cfg, const exp_kv *kv)
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

void apply_route(ctx *c, model_config *cfg, const exp_kv *kv)
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
void apply_keys(ctx *c, model_config *cfg, const exp_kv *kv)
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
void check_multi(ctx *c, const exp_kvs *keys, model_config *cfg)
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

