/*
 * lib_ants.c — panjf2000/ants: K workers spawned on demand, idle ones
 * reused LIFO and purged every `expiry` (those idle >= expiry exit, so an
 * idle worker lives between E and 2E). No task queue: the backlog is
 * blocked submitters, woken FIFO — sync.Cond barging (R3: ~10% overtaken)
 * is left out, as are PreAlloc's FIFO ring and panics' stack traces.
 * `nonblocking` rejects; `max_blocking` rejects when that many submitters
 * already wait (one producer loop is at most one waiter, so it is never
 * rejected). Tune(n) is the autotuner's actuator (resize): growing wakes
 * blocked submitters (each gets a new worker up to the new cap); shrinking
 * kills nothing: workers above the cap exit after their current task,
 * idle ones at the purge. Panics are recovered by default.
 */
#include "pool_int.h"

/* The purge ticker: every E, idle workers unused for at least E exit.
 * They sit at the bottom of the LIFO stack (the front of the ring). */
static void ev_ants_purge(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	pinst *p = &r->pools[arg];
	double now = sim_now(s);
	while (p->idle_n > 0 &&
	       now - p->workers[p->idle[p->idle_head]].idle_since >= r->expiry) {
		uint32_t w = idle_pop_front(p);
		p->free_ids[p->free_ids_n++] = w;
		nw_add(r, p, -1);
	}
	/* no idle worker: nothing to do before the next event */
	sim_schedule(s, p->idle_n ? now + r->expiry : idle_tick(r, now),
		     PRIO_TICK, ev_ants_purge, r, arg);
	sync_state(r);
}

static int ants_init(run *r, pinst *p, int i, uint64_t seed, uint32_t rep)
{
	const model_config *c = r->c;
	if (c->tune.on && c->tune.max > p->wcap)
		p->wcap = c->tune.max;   /* Tune may grow it */
	if (worker_arrays(p))
		return PS_ENOMEM;
	sim_schedule(r->s, r->expiry, PRIO_TICK, ev_ants_purge, r, (uint64_t)i);
	return 0;
}

static void ants_submit(run *r, pinst *p, task *x, uint32_t h)
{
	uint32_t w;
	if (p->idle_n > 0) {
		w = idle_pop_back(p);
		note_reuse(r, p, w);
	} else if (p->n_workers < p->K) {
		spawn_worker_id(r, p, &w);
	} else if (r->c->nonblocking ||
		   (r->c->max_blocking > 0 &&
		    p->blocked.n >= r->c->max_blocking)) {
		reject(r, h);
		return;
	} else {
		block(r, h);
		return;
	}
	start(r, h, w);
	submit_returned(r, h);
}

static void ants_freed(run *r, pinst *p, uint32_t w, uint32_t weight,
			unsigned flags)
{
	uint32_t b;
	p->last_freed = w;
	if (p->n_workers > p->K) {
		/* Tune shrank the pool: a surplus worker leaves after its
		 * task instead of going idle */
		p->free_ids[p->free_ids_n++] = w;
		nw_add(r, p, -1);
	} else if ((b = fifo_pop(r, &p->blocked)) != NONE) {
		/* The worker goes idle and the woken submitter takes it
		 * straight back (top of the stack). */
		unblocked(r, b);
		note_reuse(r, p, w);
		start(r, b, w);
		submit_returned(r, b);
	} else {
		p->workers[w].idle_since = sim_now(r->s);
		idle_push_back(p, w);
	}
}

static void ants_emit(run *r, model_result *o)
{
	emit_reuse(r, o);
}

/* Tune(k): growing wakes blocked submitters, each with a new worker. */
static void ants_resize(run *r, pinst *p, long k)
{
	p->K = k;
	uint32_t b;
	while (p->n_workers < p->K && (b = fifo_pop(r, &p->blocked)) != NONE) {
		uint32_t w;
		unblocked(r, b);
		spawn_worker_id(r, p, &w);
		start(r, b, w);
		submit_returned(r, b);
	}
}

static const struct pool_ops ops = {
	.init = ants_init, .submit = ants_submit, .freed = ants_freed,
	.emit = ants_emit, .resize = ants_resize,
};

const model_lib lib_ants = {
	.name = "ants", .kind = POOL_ANTS,
	.caps = MODEL_LIB_RESIZE,
	.options = "nonblocking max_blocking expiry",
	.cost_k2_ns = 1158, .cost_k1000_ns = 550,
	.expiry = 1.0, .recover = 1,
	.summary = "K workers on demand, LIFO reuse, purge; blocked submitters",
	.ops = &ops,
};
