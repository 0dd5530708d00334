/*
 * lib_priority.c — exercise 4's two-class pool: K persistent workers and
 * two bounded class queues (`queue` each, unbounded by default); Submit
 * never blocks and returns ErrFull (rejected) when its class queue is
 * full; a freed worker takes the oldest high task, else the oldest low one
 * (strict, non-preemptive). Left out: the skeleton's select picking at
 * random between two ready channels when the high one looked empty an
 * instant before. Not a published library: no measured cost.
 */
#include "pool_int.h"

static int prio_init(run *r, pinst *p, int i, uint64_t seed, uint32_t rep)
{
	nw_add(r, p, p->K);   /* persistent workers */
	return 0;
}

static void prio_submit(run *r, pinst *p, task *x, uint32_t h)
{
	fifo *q = x->hi ? &p->hiq : &p->queue;
	if (p->n_busy < p->K) {
		start(r, h, NONE);    /* an idle worker: both queues empty */
	} else if (q->n < r->pond_cap) {
		x->state = ST_QUEUED;
		fifo_push(r, q, h);
	} else {
		reject(r, h);         /* ErrFull */
		return;
	}
	submit_returned(r, h);
}

static void prio_freed(run *r, pinst *p, uint32_t w, uint32_t weight,
			unsigned flags)
{
	uint32_t b;
	if ((b = fifo_pop(r, &p->hiq)) != NONE ||
	    (b = fifo_pop(r, &p->queue)) != NONE)
		start(r, b, NONE);
}

static const struct pool_ops ops = {
	.init = prio_init, .submit = prio_submit, .freed = prio_freed,
};

const model_lib lib_priority = {
	.name = "priority", .kind = POOL_PRIORITY,
	.caps = MODEL_LIB_CLASSES | MODEL_LIB_NO_TIERS,
	.options = "queue",
	.cost_k2_ns = NAN, .cost_k1000_ns = NAN,
	.summary = "two class queues, strict priority, K persistent workers",
	.ops = &ops,
};
