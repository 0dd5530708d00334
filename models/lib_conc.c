/*
 * lib_conc.c — sourcegraph/conc's pool: pool.New().WithMaxGoroutines(K)
 * (pool/pool.go, error_pool.go, context_pool.go, waitgroup.go, panic.go).
 *
 * Workers start lazily, one per Go call below the limit, and live until
 * Wait: they never expire. Go hands the task over an unbuffered channel:
 *   - below the limit, Go's select has two ready cases when a worker is
 *     idle — take a limiter slot and spawn a worker, or hand the task to
 *     the idle one — and Go picks one at random (the runtime's select:
 *     uniform); either way the task starts at once;
 *   - at the limit, the submitter blocks until a worker is idle (no queue,
 *     no rejection); blocked senders are served FIFO (channels are FIFO).
 * A panic is caught (conc's panic catcher): the task fails, its worker
 * goroutine exits (releasing its limiter slot, so the next Go may spawn
 * again), and the panic is re-raised by Wait — at the end of the run,
 * after every metric here. recover = no makes the panic kill the process
 * at once instead. WithContext + WithCancelOnError (`cancel_on_error`):
 * the first error or panic cancels the pool's context; tasks starting
 * afterwards see it and return at once (skipped). WithErrors and
 * WithFirstError change only which error Wait returns: no metric.
 * Cost: the library states ~300 ns per task and ~1 µs to start and tear
 * down; measured (Go 1.19, 2 CPUs) 467 ns at K=2 and 462 ns at K=1000,
 * which `overhead = measured` uses. The start-up microsecond is left out.
 */
#include "pool_int.h"

static int conc_init(run *r, pinst *p, int i, uint64_t seed, uint32_t rep)
{
	if (i == 0 && !(r->r_lib = rng_stream(seed, rep, "pool", "select")))
		return PS_ENOMEM;
	return 0;
}

static void conc_submit(run *r, pinst *p, task *x, uint32_t h)
{
	if (p->n_workers < p->K) {
		/* the limiter has room: spawn, unless the select picked the
		 * idle worker's case */
		if (p->n_idle > 0 && gsl_rng_uniform(r->r_lib) < 0.5)
			p->n_idle--;
		else
			nw_add(r, p, 1);
	} else if (p->n_idle > 0) {
		p->n_idle--;
	} else {
		block(r, h);   /* p.tasks <- f: waits for an idle worker */
		return;
	}
	start(r, h, NONE);
	submit_returned(r, h);
}

static void conc_freed(run *r, pinst *p, uint32_t w, uint32_t weight,
		       unsigned flags)
{
	uint32_t b = fifo_pop(r, &p->blocked);
	if (flags & F_PANIC) {
		/* the worker goroutine exits, its limiter slot is free: a
		 * blocked Go takes it and spawns a new worker */
		nw_add(r, p, -1);
		if (b != NONE)
			nw_add(r, p, 1);
	}
	if (b != NONE) {
		unblocked(r, b);
		start(r, b, NONE);
		submit_returned(r, b);
	} else if (!(flags & F_PANIC)) {
		p->n_idle++;   /* back to `for f := range p.tasks` */
	}
}

static const struct pool_ops ops = {
	.init = conc_init, .submit = conc_submit, .freed = conc_freed,
};

const model_lib lib_conc = {
	.name = "conc", .kind = POOL_CONC,
	.options = "cancel_on_error",
	.cost_k2_ns = 467, .cost_k1000_ns = 462,
	.recover = 1,
	.summary = "lazy workers up to K, kept until Wait; Go blocks at K, no queue",
	.ops = &ops,
};
