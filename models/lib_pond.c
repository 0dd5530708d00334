/*
 * lib_pond.c — alitto/pond (v2): up to K workers that exit as soon as the
 * queue is empty; the queue is unbounded unless `queue` bounds it; when
 * full, `nonblocking` rejects (Dropped), otherwise the submitter waits FIFO
 * for room (the overtaking of a retrying submitter is left out). Panics
 * are recovered by default.
 */
#include "pool_int.h"

static int pond_init(run *r, pinst *p, int i, uint64_t seed, uint32_t rep)
{
	return 0;
}

static void pond_submit(run *r, pinst *p, task *x, uint32_t h)
{
	if (p->n_workers < p->K) {
		nw_add(r, p, 1);
		start(r, h, NONE);
		submit_returned(r, h);
	} else if (p->queue.n < r->pond_cap) {
		x->state = ST_QUEUED;
		fifo_push(r, &p->queue, h);
		submit_returned(r, h);
	} else if (r->c->nonblocking) {
		reject(r, h);
	} else {
		block(r, h);
	}
}

static void pond_freed(run *r, pinst *p, uint32_t w, uint32_t weight,
			unsigned flags)
{
	uint32_t b;
	if ((b = fifo_pop(r, &p->queue)) != NONE) {
		start(r, b, NONE);
		uint32_t c = fifo_pop(r, &p->blocked);
		if (c != NONE) {
			/* room in the queue: the oldest waiting submitter's
			 * task goes in, its Submit returns */
			unblocked(r, c);
			T(r, c)->state = ST_QUEUED;
			fifo_push(r, &p->queue, c);
			submit_returned(r, c);
		}
	} else {
		nw_add(r, p, -1);   /* pond workers never idle */
	}
}

static const struct pool_ops ops = {
	.init = pond_init, .submit = pond_submit, .freed = pond_freed,
};

const model_lib lib_pond = {
	.name = "pond", .kind = POOL_POND,
	.options = "queue nonblocking",
	.cost_k2_ns = 586, .cost_k1000_ns = 585,
	.recover = 1,
	.summary = "up to K workers that exit when idle; optional queue bound",
	.ops = &ops,
};
