/*
 * lib_workerpool.c — gammazero/workerpool: Submit never blocks or rejects:
 * a dispatcher feeds an unbounded FIFO deque; a task goes to the deque if
 * it is non-empty, else to an idle worker, else to a new worker below K,
 * else the deque. Every idle timeout (`expiry`, default 2 s) with no new
 * task, one idle worker stops. Left out: Stop/StopWait. Its per-task steps
 * (wp_submit, wp_worker_freed, and the lean path) are inline in
 * pool_int.h, where the engine's hot path takes them.
 */
#include "pool_int.h"

/* The dispatcher's timer: a tick with no task since the last one stops
 * one idle worker. */
static void ev_wp_tick(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	pinst *p = &r->pools[arg];
	if (!p->wp_arrived && p->n_idle > 0) {
		p->n_idle--;
		nw_add(r, p, -1);
	}
	p->wp_arrived = 0;
	/* no idle worker: nothing to do before the next event */
	double now = sim_now(s);
	sim_schedule(s, p->n_idle ? now + r->expiry : idle_tick(r, now),
		     PRIO_TICK, ev_wp_tick, r, arg);
	sync_state(r);
}

static int wp_init(run *r, pinst *p, int i, uint64_t seed, uint32_t rep)
{
	sim_schedule(r->s, r->expiry, PRIO_TICK, ev_wp_tick, r, (uint64_t)i);
	return 0;
}

static void wp_op_submit(run *r, pinst *p, task *x, uint32_t h)
{
	wp_submit(r, p, x, h);
	submit_returned(r, h);
}

static void wp_freed(run *r, pinst *p, uint32_t w, uint32_t weight,
			unsigned flags)
{
	wp_worker_freed(r, p);
}

static const struct pool_ops ops = {
	.init = wp_init, .submit = wp_op_submit, .freed = wp_freed,
};

const model_lib lib_workerpool = {
	.name = "workerpool", .kind = POOL_WORKERPOOL,
	.options = "expiry",
	.cost_k2_ns = 1025, .cost_k1000_ns = 796,
	.expiry = 2.0,
	.summary = "never blocks: unbounded deque, up to K workers, idle stop",
	.ops = &ops,
};
