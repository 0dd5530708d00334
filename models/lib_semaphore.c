/*
 * lib_semaphore.c — golang.org/x/sync/semaphore, weighted:
 * `Acquire(ctx, w); go func(){ work(); Release(w) }()`. FIFO waiters, the
 * fast path only when nobody waits, so a large request at the head blocks
 * smaller ones behind it. Left out: ctx cancellation.
 */
#include "pool_int.h"

static int sem_init(run *r, pinst *p, int i, uint64_t seed, uint32_t rep)
{
	return 0;
}

static void sem_submit(run *r, pinst *p, task *x, uint32_t h)
{
	if (p->blocked.n == 0 && p->active + x->weight <= p->K) {
		p->active += x->weight;
		nw_add(r, p, 1);
		start(r, h, NONE);
		submit_returned(r, h);
	} else {
		block(r, h);
	}
}

/* Release(weight): the waiters at the head that now fit go, in order. */
static void sem_freed(run *r, pinst *p, uint32_t w, uint32_t weight,
			unsigned flags)
{
	uint32_t b;
	nw_add(r, p, -1);
	p->active -= weight;
	while ((b = p->blocked.head) != NONE &&
	       p->active + T(r, b)->weight <= p->K) {
		fifo_pop(r, &p->blocked);
		unblocked(r, b);
		p->active += T(r, b)->weight;
		nw_add(r, p, 1);
		start(r, b, NONE);
		submit_returned(r, b);
	}
}

static const struct pool_ops ops = {
	.init = sem_init, .submit = sem_submit, .freed = sem_freed,
};

const model_lib lib_semaphore = {
	.name = "semaphore", .kind = POOL_SEMAPHORE,
	.caps = MODEL_LIB_WEIGHTS,
	.options = "weight",
	.cost_k2_ns = 1489, .cost_k1000_ns = 469,
	.summary = "weighted semaphore: Acquire(w) FIFO, head-of-line blocking",
	.ops = &ops,
};
