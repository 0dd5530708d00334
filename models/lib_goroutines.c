/*
 * lib_goroutines.c — raw `go f()`: Submit never blocks; one goroutine per
 * task, no bound (K is not used). The baseline the pools are measured
 * against, and the one that runs out of memory (mem.limit).
 */
#include "pool_int.h"

static int gr_init(run *r, pinst *p, int i, uint64_t seed, uint32_t rep)
{
	return 0;
}

static void gr_submit(run *r, pinst *p, task *x, uint32_t h)
{
	nw_add(r, p, 1);
	start(r, h, NONE);
	submit_returned(r, h);
}

static void gr_freed(run *r, pinst *p, uint32_t w, uint32_t weight,
			unsigned flags)
{
	nw_add(r, p, -1);   /* the task's goroutine exits */
}

static const struct pool_ops ops = {
	.init = gr_init, .submit = gr_submit, .freed = gr_freed,
};

const model_lib lib_goroutines = {
	.name = "goroutines", .kind = POOL_GOROUTINES,
	.caps = MODEL_LIB_UNBOUNDED | MODEL_LIB_NO_TIERS,
	.options = "",
	.cost_k2_ns = 325, .cost_k1000_ns = 1373,
	.summary = "go f() per task: no bound, no queue",
	.ops = &ops,
};
