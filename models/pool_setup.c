/*
 * pool_setup.c — a run's state from its config (sources and their random
 * streams, pool instances through their library's init, warm-up, tickers),
 * the lean flags, and the teardown.
 */
#include "pool_int.h"

/* ---- model_run -------------------------------------------------------------- */

/* Streams of source so. The anonymous source keeps the entities used
 * before tenants existed ("task", "client", "downstream/NAME"), so
 * single-pool numbers do not move; a tenant's are all under its scope. */
static int setup_source(run *r, source *so, const tenant_spec *ten,
			uint64_t seed, uint32_t rep)
{
	const model_config *c = r->c;
	so->ten = ten;
	so->arr = ten ? &ten->arrival : &c->arrival;
	const dist *svc = ten && ten->service ? ten->service : c->service;
	if (svc) {
		dist_sampler_init(&so->service, svc);
	} else {
		/* A trace with a work column: every task brings its work
		 * (work_override), so nothing is ever drawn here. */
		assert(so->arr->kind == WL_TRACE && so->arr->trace_work);
		so->service = (dist_sampler){ NULL, DIST_DRAW_CONST, 0 };
	}
	fifo_init(&so->wanted);
	so->loops_free = c->producers;
	if (ten) {
		snprintf(so->scope, sizeof so->scope, "%s/%s",
			 ten->is_service ? "service" : "tenant", ten->name);
		so->tokens = ten->quota_burst;
		so->st.h_lat = stats_hist_new();
		so->st.h_wait = stats_hist_new();
		if (!so->st.h_lat || !so->st.h_wait)
			return PS_ENOMEM;
	}
	const char *ent = ten ? so->scope : "task";
	if (!(so->r_service = rng_stream(seed, rep, ent, "service")))
		return PS_ENOMEM;
	if (c->setup && !(r->lib->caps & MODEL_LIB_WORKER_SETUP) &&
	    !(so->r_setup = rng_stream(seed, rep, ent, "setup")))
		return PS_ENOMEM;
	if (c->weight && (r->lib->caps & MODEL_LIB_WEIGHTS) &&
	    !(so->r_weight = rng_stream(seed, rep, ent, "weight")))
		return PS_ENOMEM;
	if ((r->lib->caps & MODEL_LIB_SHARDS) && c->route == ROUTE_HASH &&
	    !(so->r_key = rng_stream(seed, rep, ent, "key")))
		return PS_ENOMEM;
	for (int i = 0; i < r->n_ds; i++) {
		char e[64], purpose[64];
		snprintf(e, sizeof e, "downstream/%s", c->downstreams[i].name);
		if (ten)
			snprintf(purpose, sizeof purpose, "%s", e);
		if (!(so->r_ds[i] = ten ? rng_stream(seed, rep, ent, purpose)
				       : rng_stream(seed, rep, e, "service")))
			return PS_ENOMEM;
	}
	if (so->arr->kind == WL_CLOSED) {
		if (!(so->r_think = rng_stream(seed, rep, ten ? ent : "client",
					       "think")))
			return PS_ENOMEM;
	} else if (!(so->gen = wl_gen_new(so->arr, seed, rep,
					  ten ? so->scope : "arrival"))) {
		return PS_ENOMEM;
	}
	return 0;
}

/* Pool instances: one per tier (or service replica), per shard, or the
 * experiment's one pool. */
static int setup_pools(run *r, uint64_t seed, uint32_t rep)
{
	const model_config *c = r->c;
	int n = 1;
	if (r->lib->caps & MODEL_LIB_SHARDS) {
		n = c->shards > 0 ? c->shards : 1;
	} else if (c->n_tiers > 0) {
		r->grp_base = calloc((size_t)c->n_tiers, sizeof *r->grp_base);
		r->tst = calloc((size_t)c->n_tiers, sizeof *r->tst);
		if (!r->grp_base || !r->tst)
			return PS_ENOMEM;
		n = 0;
		for (int g = 0; g < c->n_tiers; g++) {
			r->grp_base[g] = (uint32_t)n;
			n += c->tiers[g].replicas > 0 ? c->tiers[g].replicas : 1;
			r->tst[g].h_lat = stats_hist_new();
			r->tst[g].h_wait = stats_hist_new();
			if (!r->tst[g].h_lat || !r->tst[g].h_wait)
				return PS_ENOMEM;
		}
	}
	assert(n <= 65535);
	r->pools = calloc((size_t)n, sizeof *r->pools);
	if (!r->pools)
		return PS_ENOMEM;
	r->n_pools = n;
	for (int i = 0; i < n; i++) {
		pinst *p = &r->pools[i];
		p->grp = -1;
		p->K = c->K;
		p->last_freed = NONE;
		fifo_init(&p->blocked);
		fifo_init(&p->queue);
		fifo_init(&p->hiq);
	}
	if (r->lib->caps & MODEL_LIB_SHARDS) {
		/* K/N workers per shard, the first K mod N one more */
		for (int i = 0; i < n; i++)
			r->pools[i].K = c->K / n + (i < c->K % n);
	} else {
		for (int g = 0; g < c->n_tiers; g++)
			for (int j = 0; j < (c->tiers[g].replicas > 0
						     ? c->tiers[g].replicas : 1); j++) {
				pinst *p = &r->pools[r->grp_base[g] + (uint32_t)j];
				p->grp = g;
				p->K = c->tiers[g].K;
			}
	}
	r->K_total = 0;
	for (int i = 0; i < n; i++) {
		pinst *p = &r->pools[i];
		r->K_total += p->K;
		p->wcap = p->K;
		int rc = r->lib->ops->init(r, p, i, seed, rep);
		if (rc)
			return rc;
	}
	return 0;
}

static int setup_run(run *r, const model_config *c, uint64_t seed, uint32_t rep)
{
	r->c = c;
	r->kind = c->pool;
	r->lib = model_lib_of(c->pool);
	r->cpus = c->cpus;
	r->n_ds = c->n_downstreams;
	r->fanout = c->fanout > 1 ? c->fanout : 1;
	r->free_head = NONE;
	r->rfree = NONE;
	size_t need = sizeof(task) + (size_t)r->n_ds * sizeof(double);
	for (r->shift = 6; ((size_t)1 << r->shift) < need; r->shift++)
		;

	r->s = sim_new();
	r->clock = r->s ? sim_clock(r->s) : NULL;
	r->h_lat = stats_hist_new();
	r->h_wait = stats_hist_new();
	r->h_rlat = stats_hist_new();
	if (!r->s || !r->h_lat || !r->h_wait || !r->h_rlat)
		return PS_ENOMEM;
	for (int i = 0; i < r->n_ds; i++) {
		dsrun *d = &r->ds[i];
		d->spec = &c->downstreams[i];
		d->h_wait = stats_hist_new();
		if (!d->h_wait)
			return PS_ENOMEM;
		fifo_init(&d->waiters);
		if (d->spec->usl)
			psq_init(&d->ps, (uint32_t)i + 1, 0, d->spec->usl_sigma,
				 d->spec->usl_kappa);
		stats_level_init(&d->lv_in_use, 0, 0);
	}
	psq_init(&r->cpu, 0, (double)c->cpus, 0, 0);
	stats_level_init(&r->lv_queue, 0, 0);
	stats_level_init(&r->lv_busy, 0, 0);
	stats_level_init(&r->lv_workers, 0, 0);
	stats_level_init(&r->lv_system, 0, 0);
	r->sync_rare = c->tune.on || c->n_alerts > 0 || c->mem_limit > 0;

	r->n_src = c->n_tenants > 0 ? c->n_tenants : 1;
	assert(r->n_src <= 255);
	r->src = calloc((size_t)r->n_src, sizeof *r->src);
	if (!r->src)
		return PS_ENOMEM;
	r->srcs_live = r->n_src;
	for (int i = 0; i < r->n_src; i++) {
		int rc = setup_source(r, &r->src[i],
				      c->n_tenants > 0 ? &c->tenants[i] : NULL,
				      seed, rep);
		if (rc)
			return rc;
	}

	/* per source (tenants, services): its completions so far */
	r->smp_cols = 6 + r->n_ds + c->n_alerts +
		      (c->n_tenants > 0 ? r->n_src : 0);
	int pts = c->series_points > 0 ? c->series_points : 200;
	r->smp_cap = 2 * pts + 2;
	r->smp = malloc((size_t)r->smp_cap * r->smp_cols * sizeof(double));
	if (!r->smp)
		return PS_ENOMEM;
	r->smp_dt = c->series_dt > 0 ? c->series_dt : horizon_guess(c) / pts;

	r->arrive_max = c->tasks > 0 ? c->tasks : LONG_MAX;
	/* warm-up */
	r->warm_n = 0;
	r->warm_t = 0;
	switch (c->warmup) {
	case WARMUP_TASKS:
		r->warm_n = (long)c->warmup_value;
		break;
	case WARMUP_FRAC:
		if (c->tasks > 0)
			r->warm_n = (long)ceil(c->warmup_value * (double)c->tasks);
		else
			r->warm_t = c->warmup_value * c->duration;
		break;
	case WARMUP_TIME:
		r->warm_t = c->warmup_value;
		break;
	default:
		break;
	}
	if (r->warm_t > 0)
		sim_schedule(r->s, r->warm_t, PRIO_DONE, ev_cut, r, 0);
	if (c->duration > 0)
		sim_schedule(r->s, c->duration, PRIO_TICK, ev_win_end, r, 0);

	/* dynamics */
	r->recover = c->recover >= 0 ? c->recover : r->lib->recover;
	if ((c->panic > 0 || c->error > 0) &&
	    !(r->r_fail = rng_stream(seed, rep, "task", "fail")))
		return PS_ENOMEM;
	stats_level_init(&r->lv_K, 0, (double)tune_limit0(c));
	stats_level_init(&r->lv_sat, 0, 0);
	if (c->tune.on && tune_setup(r))
		return PS_ENOMEM;
	if ((c->tune.on || c->slo_window > 0) && ivs_setup(r))
		return PS_ENOMEM;
	if (c->shutdown == SHUT_AT)
		sim_schedule(r->s, c->shutdown_at, PRIO_TICK, ev_term, r, 0);
	if (c->arrival.kind == WL_STEPS && !c->arrival.rate_file &&
	    c->arrival.n_steps <= MAX_PHASES) {
		double t = 0;
		r->n_phases = c->arrival.n_steps;
		for (int p = 0; p < r->n_phases; p++) {
			t += c->arrival.steps[p].dur;
			r->phase_end[p] = t;
			if (!(r->h_phase[p] = stats_hist_new()))
				return PS_ENOMEM;
		}
	}
	for (int i = 0; i < c->n_alerts; i++) {
		r->al[i].first = NAN;
		r->al[i].first_pending = NAN;
	}

	/* library state */
	r->pond_cap = (c->queue > 0) ? c->queue : LONG_MAX;
	if (r->lib->expiry > 0)
		r->expiry = c->expiry > 0 ? c->expiry : r->lib->expiry;
	return setup_pools(r, seed, rep);
}

/* The lean flags (see struct run), once sources and pools exist. */
static void set_lean(run *r)
{
	const model_config *c = r->c;
	int grps = 0;
	for (int i = 0; i < r->n_pools; i++)
		grps |= r->pools[i].grp >= 0;
	r->lean = !c->force_full && r->n_src == 1 && !r->src[0].ten &&
		  r->src[0].arr->kind != WL_CLOSED && !grps && r->fanout == 1 &&
		  r->n_phases == 0 && c->shutdown != SHUT_AFTER &&
		  !c->tune.on &&   /* the tuner samples every answer (resolve) */
		  !r->ivs_on;      /* so does the windowed quantile */
	r->lean_start = r->lean && r->cpus == 0 &&
			!(r->lib->caps & (MODEL_LIB_SYNC | MODEL_LIB_WORKER_SETUP));
	r->single = r->n_src == 1 && r->src[0].arr->kind != WL_CLOSED;
	r->lean_arrival = r->lean && r->n_pools == 1 &&
			  !(r->lib->caps & MODEL_LIB_SHARDS) && !r->src[0].r_setup &&
			  !r->src[0].r_weight && r->n_ds == 0 && !r->r_fail;
	/* workerpool's own fast path (pool_int.h) */
	r->lean_wp = r->lean_start && r->lean_arrival &&
		     r->kind == POOL_WORKERPOOL;
	r->lean_each = r->lean_wp && c->producers <= 0;
}

static void sstat_fini(sstat *st)
{
	stats_hist_free(st->h_lat);
	stats_hist_free(st->h_wait);
}

void pool_teardown(run *r)
{
	gsl_rng_free(r->r_fail);
	gsl_rng_free(r->r_lib);
	tune_state_fini(&r->tune);
	for (int i = 0; i < r->n_phases; i++)
		stats_hist_free(r->h_phase[i]);
	for (int i = 0; r->src && i < r->n_src; i++) {
		source *so = &r->src[i];
		wl_gen_free(so->gen);
		gsl_rng_free(so->r_service);
		gsl_rng_free(so->r_setup);
		gsl_rng_free(so->r_weight);
		gsl_rng_free(so->r_think);
		gsl_rng_free(so->r_key);
		for (int j = 0; j < r->n_ds; j++)
			gsl_rng_free(so->r_ds[j]);
		sstat_fini(&so->st);
	}
	free(r->src);
	for (int i = 0; r->pools && i < r->n_pools; i++) {
		free(r->pools[i].workers);
		free(r->pools[i].idle);
		free(r->pools[i].free_ids);
	}
	free(r->pools);
	for (int g = 0; r->tst && g < r->c->n_tiers; g++)
		sstat_fini(&r->tst[g]);
	free(r->tst);
	free(r->grp_base);
	free(r->key_cdf);
	for (int i = 0; i < r->n_ds; i++) {
		stats_hist_free(r->ds[i].h_wait);
		psq_fini(&r->ds[i].ps);
	}
	stats_hist_free(r->h_lat);
	stats_hist_free(r->h_wait);
	stats_hist_free(r->h_rlat);
	sim_free(r->s);
	free(r->arena);
	free(r->reqs);
	psq_fini(&r->cpu);
	free(r->smp);
	ivs_fini(r);
}

int pool_setup(run *r, const model_config *c, uint64_t seed, uint32_t rep)
{
	int rc = setup_run(r, c, seed, rep);
	if (rc == 0)
		set_lean(r);
	return rc;
}

int worker_arrays(pinst *p)
{
	p->workers = calloc((size_t)p->wcap, sizeof *p->workers);
	p->idle = calloc((size_t)p->wcap, sizeof *p->idle);
	p->free_ids = calloc((size_t)p->wcap, sizeof *p->free_ids);
	return p->workers && p->idle && p->free_ids ? 0 : PS_ENOMEM;
}
