/*
 * tune.c — the autotuner: a pure policy (tune_decide) and one actuator
 * (the tick below, which observes the pool, asks the policy and applies
 * the answer through the library's resize operation — ants' Tune).
 *
 * The actuator keeps the counts a reader needs to judge a tuner (k_changes,
 * k_reversals, the K level); the policy keeps only its own state.
 */
#include "pool_int.h"
#include "tune.h"

int tune_state_init(tune_state *st, const tune_spec *ts)
{
	memset(st, 0, sizeof *st);
	st->win = calloc((size_t)(ts->window > 0 ? ts->window : 1), sizeof(double));
	return st->win ? 0 : PS_ENOMEM;
}

void tune_state_fini(tune_state *st)
{
	free(st->win);
	st->win = NULL;
}

long tune_decide(const tune_spec *ts, tune_state *st, const tune_obs *o)
{
	st->win[st->n++ % ts->window] = (double)o->workers / (double)o->K;
	long n = st->n < ts->window ? st->n : ts->window;
	double u = 0;
	for (long i = 0; i < n; i++)
		u += st->win[i];
	u /= (double)n;
	long K = o->K, k = K;
	int quiet = st->changes > 0 && o->t - st->last_change < ts->cooldown;
	if (!quiet && u > ts->high && K < ts->max)
		k = K + ts->step < ts->max ? K + ts->step : ts->max;
	else if (!quiet && u < ts->low && K > ts->min)
		k = K - ts->step > ts->min ? K - ts->step : ts->min;
	if (k != K) {
		st->changes++;
		st->last_change = o->t;
	}
	return k;
}

/* The actuator: K becomes k on the run's single pool. */
static void set_K(run *r, long k)
{
	pinst *p = &r->pools[0];   /* the autotuner drives a single pool */
	int dir = k > p->K ? 1 : -1;
	if (r->tune_dir && dir != r->tune_dir)
		r->k_reversals++;
	r->tune_dir = dir;
	r->k_changes++;
	r->K_total = k;
	stats_level_set(&r->lv_K, sim_now(r->s), (double)k);
	r->lib->ops->resize(r, p, k);
}

static void ev_tune(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	const pinst *p = &r->pools[0];
	tune_obs o = {
		.t = sim_now(s), .K = p->K, .workers = p->n_workers,
		.busy = r->n_busy, .queue = r->n_waiting,
		.in_flight = r->n_system,
		.latency_mean = NAN, .latency_min = NAN,
	};
	long k = tune_decide(&r->c->tune, &r->tune, &o);
	if (k != p->K)
		set_K(r, k);
	if (!r->finished)
		sim_after(s, r->c->tune.period, PRIO_TICK, ev_tune, r, 0);
	sync_state(r);
	check_end(r);
}

int tune_setup(run *r)
{
	const tune_spec *ts = &r->c->tune;
	assert(ts->window >= 1 && ts->period > 0);
	/* experiments/ refuses a library without MODEL_LIB_RESIZE */
	assert((r->lib->caps & MODEL_LIB_RESIZE) && r->lib->ops->resize);
	if (tune_state_init(&r->tune, ts))
		return PS_ENOMEM;
	sim_schedule(r->s, ts->period, PRIO_TICK, ev_tune, r, 0);
	return 0;
}
