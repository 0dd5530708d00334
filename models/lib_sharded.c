/*
 * lib_sharded.c — exercise 5's sharded pool: N shards, each K/N persistent
 * workers and its own FIFO queue guarded by a mutex held `lock_hold` per
 * operation: Submit takes it once (the producer waits for it), a worker
 * takes it once more to dequeue when the task had to queue (a handoff to
 * an idle worker needs no second operation). Routing happens in Submit
 * (pool.c's route, at arrival: hash of a key, round-robin or least
 * tasks). Left out: a bound on the shard queues, and mutex starvation
 * mode. Not a published library: no measured cost.
 */
#include "pool_int.h"

/* One operation on shard p's queue mutex, wanted now by task x: a FIFO
 * single server with a fixed hold, so its schedule is known at once (the
 * mutex is free again at lock_free). Returns how long the caller is held
 * (wait + hold). Go's mutex barging and spinning are left out. */
static double lock_op(run *r, pinst *p, const task *x)
{
	double hold = r->c->lock_hold;
	if (hold <= 0)
		return 0;
	double now = sim_now(r->s);
	double got = p->lock_free > now ? p->lock_free : now;
	p->lock_free = got + hold;
	if (x->flags & F_COUNTED)
		acc_add(&r->t_lock, got - now);
	return got + hold - now;
}

/* h's Submit holds the shard's mutex no longer; the task is in the shard
 * (handed to an idle worker, or queued) and Submit returns. */
static void enqueued(run *r, uint32_t h)
{
	task *x = T(r, h);
	pinst *p = &r->pools[x->pi];
	if (p->n_busy < p->K) {
		start(r, h, NONE);
	} else {
		x->state = ST_QUEUED;
		fifo_push(r, &p->queue, h);
	}
	submit_returned(r, h);
}

static void ev_enqueued(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	enqueued(r, (uint32_t)arg);
	sync_state(r);
	check_end(r);
}

static int sh_init(run *r, pinst *p, int i, uint64_t seed, uint32_t rep)
{
	const model_config *c = r->c;
	nw_add(r, p, p->K);   /* persistent workers */
	if (i > 0 || c->route != ROUTE_HASH || !c->keys_zipf)
		return 0;
	/* zipf(S, N): P(key k) ∝ 1/(k+1)^S, k = 0..N-1, for route() */
	r->key_cdf = malloc((size_t)c->keys_n * sizeof *r->key_cdf);
	if (!r->key_cdf)
		return PS_ENOMEM;
	double sum = 0;
	for (long k = 0; k < c->keys_n; k++)
		r->key_cdf[k] = sum += pow((double)(k + 1), -c->keys_s);
	for (long k = 0; k < c->keys_n; k++)
		r->key_cdf[k] /= sum;
	r->key_cdf[c->keys_n - 1] = 1.0;
	return 0;
}

static void sh_submit(run *r, pinst *p, task *x, uint32_t h)
{
	double d = lock_op(r, p, x);
	if (d > 0) {
		x->state = ST_BLOCKED;
		sim_after(r->s, d, PRIO_DONE, ev_enqueued, r, h);
	} else {
		enqueued(r, h);
	}
}

static void sh_freed(run *r, pinst *p, uint32_t w, uint32_t weight,
			unsigned flags)
{
	uint32_t b;
	if ((b = fifo_pop(r, &p->queue)) != NONE) {
		/* the worker takes the mutex to dequeue: the task starts once
		 * it has it */
		T(r, b)->setup += lock_op(r, p, T(r, b));
		start(r, b, NONE);
	}
}

/* The lock's cost and the shards' balance (max routed / mean routed). */
static void sh_emit(run *r, model_result *o)
{
	long mx = 0, tot = 0;
	for (int i = 0; i < r->n_pools; i++) {
		tot += r->pools[i].routed;
		if (r->pools[i].routed > mx)
			mx = r->pools[i].routed;
	}
	model_result_scalar(o, "pool", "lock_wait_mean",
			    r->t_lock.n ? acc_mean(&r->t_lock) : 0);
	model_result_scalar(o, "pool", "imbalance",
			    tot > 0 ? (double)mx * r->n_pools / (double)tot : NAN);
}

static const struct pool_ops ops = {
	.init = sh_init, .submit = sh_submit, .freed = sh_freed,
	.emit = sh_emit,
};

const model_lib lib_sharded = {
	.name = "sharded", .kind = POOL_SHARDED,
	.caps = MODEL_LIB_SHARDS | MODEL_LIB_NO_TIERS,
	.options = "shards route keys lock_hold",
	.cost_k2_ns = NAN, .cost_k1000_ns = NAN,
	.summary = "N shards, each a mutex-guarded queue and K/N workers",
	.ops = &ops,
};
