/*
 * lib_errgroup.c — golang.org/x/sync/errgroup with SetLimit(K): a channel
 * semaphore. Go blocks the caller while K are active, woken FIFO (R1), and
 * returns as soon as the task has its slot; TryGo (`trygo`) rejects
 * instead. WithContext: the first error cancels the group (tasks started
 * after it see ctx.Err() and return at once). Left out: nothing else of
 * the group is modelled (Wait's error is not a metric).
 */
#include "pool_int.h"

static int eg_init(run *r, pinst *p, int i, uint64_t seed, uint32_t rep)
{
	return 0;
}

static void eg_submit(run *r, pinst *p, task *x, uint32_t h)
{
	if (p->active < p->K) {
		p->active++;
		nw_add(r, p, 1);
		start(r, h, NONE);
		submit_returned(r, h);
	} else if (r->c->trygo) {
		reject(r, h);
	} else {
		block(r, h);
	}
}

static void eg_freed(run *r, pinst *p, uint32_t w, uint32_t weight,
			unsigned flags)
{
	uint32_t b;
	nw_add(r, p, -1);
	p->active--;
	if ((b = fifo_pop(r, &p->blocked)) != NONE) {
		unblocked(r, b);
		p->active++;
		nw_add(r, p, 1);
		start(r, b, NONE);
		submit_returned(r, b);
	}
}

static const struct pool_ops ops = {
	.init = eg_init, .submit = eg_submit, .freed = eg_freed,
};

const model_lib lib_errgroup = {
	.name = "errgroup", .kind = POOL_ERRGROUP,
	.caps = MODEL_LIB_CANCEL_ON_ERROR,
	.options = "trygo",
	.cost_k2_ns = 841, .cost_k1000_ns = 1243,
	.summary = "SetLimit(K): Go blocks at K active, FIFO wake-up",
	.ops = &ops,
};
