/*
 * lib_tunny.c — Jeffail/tunny: K persistent workers; Process is
 * synchronous (the caller is held until the job is done), callers served
 * FIFO, idle workers FIFO (the longest idle first), unbounded backlog.
 * Constructors (`setup`) once per worker: inside New one after another
 * (`setup_at = new`), or on first use. ProcessTimed (`timeout`): one
 * deadline over waiting + running. Left out: SetSize, panics.
 */
#include "pool_int.h"

/* Pops the oldest live caller, freeing dropped ones on the way. */
static uint32_t pop_caller(run *r, pinst *p)
{
	for (;;) {
		uint32_t h = p->blocked.head;
		if (h == NONE)
			return NONE;
		task *x = T(r, h);
		p->blocked.head = x->next;
		if (p->blocked.head == NONE)
			p->blocked.tail = NONE;
		if (x->state != ST_DROPPED) {
			p->blocked.n--;
			return h;
		}
		task_free(r, h);
	}
}

/* New has returned: the constructors ran one after another. */
static void ev_tunny_ready(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	pinst *p = &r->pools[arg];
	p->tunny_ready = 1;
	uint32_t h;
	while (p->idle_n > 0 && (h = pop_caller(r, p)) != NONE) {
		uint32_t w = idle_pop_front(p);
		start(r, h, w);
	}
	sync_state(r);
}

/* ProcessTimed's deadline. */
static void ev_timeout(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	uint32_t h = (uint32_t)arg;
	task *x = T(r, h);
	x->tmo = 0;
	if (x->state == ST_BLOCKED) {
		/* Still waiting: dropped, costs no capacity. The record stays
		 * linked in the callers' FIFO and is freed when popped. */
		x->state = ST_DROPPED;
		r->pools[x->pi].blocked.n--;   /* counts live callers only */
		unblocked(r, h);
		r->n_waiting--;
		resolve(r, h, RES_TIMED_OUT);
		submit_returned(r, h);
	} else if (x->state == ST_RUNNING) {
		/* Handed off: the caller gets an error now, the worker stays
		 * busy until the job ends. */
		x->flags |= F_TIMED_OUT;
		resolve(r, h, RES_TIMED_OUT);
		unblocked(r, h);
		submit_returned(r, h);
	}
	sync_state(r);
	check_end(r);
}

/* New(K, ctor): K persistent workers, idle in FIFO order. Instance 0 keeps
 * the stream used before tiers. */
static int tunny_init(run *r, pinst *p, int i, uint64_t seed, uint32_t rep)
{
	const model_config *c = r->c;
	if (worker_arrays(p))
		return PS_ENOMEM;
	char ent[32];
	snprintf(ent, sizeof ent, i ? "worker/%d" : "worker", i);
	gsl_rng *ws = NULL;
	if (c->setup && !(ws = rng_stream(seed, rep, ent, "setup")))
		return PS_ENOMEM;
	double t_new = 0;
	for (long w = 0; w < p->K; w++) {
		double d = ws ? dist_sample(c->setup, ws) : 0;
		if (c->setup_first_use)
			p->workers[w].setup = d;
		else
			t_new += d;   /* constructors one after another */
		idle_push_back(p, (uint32_t)w);
	}
	gsl_rng_free(ws);
	nw_add(r, p, p->K);
	if (t_new > 0)
		sim_schedule(r->s, t_new, PRIO_DONE, ev_tunny_ready, r,
			     (uint64_t)i);
	else
		p->tunny_ready = 1;
	return 0;
}

static void tunny_submit(run *r, pinst *p, task *x, uint32_t h)
{
	/* an `each` caller is held (a live goroutine) until Process
	 * returns, whether it waits or runs */
	if (x->by == BY_EACH)
		r->n_blocked_each++;
	if (r->c->timeout > 0)
		x->tmo = sim_after(r->s, r->c->timeout, PRIO_DONE, ev_timeout, r,
				   h);
	if (p->tunny_ready && p->idle_n > 0) {
		uint32_t w = idle_pop_front(p);
		note_reuse(r, p, w);
		start(r, h, w);
	} else {
		x->state = ST_BLOCKED;
		fifo_push(r, &p->blocked, h);
	}
	/* Process returns when the job is done (task_done: MODEL_LIB_SYNC) */
}

static void tunny_freed(run *r, pinst *p, uint32_t w, uint32_t weight,
			unsigned flags)
{
	uint32_t b;
	p->last_freed = w;
	if ((b = pop_caller(r, p)) != NONE) {
		note_reuse(r, p, w);
		start(r, b, w);
	} else {
		p->workers[w].idle_since = sim_now(r->s);
		idle_push_back(p, w);
	}
}

static void tunny_emit(run *r, model_result *o)
{
	model_result_scalar(o, "pool", "timed_out", (double)r->timed_out);
	emit_reuse(r, o);
}

static const struct pool_ops ops = {
	.init = tunny_init, .submit = tunny_submit, .freed = tunny_freed,
	.emit = tunny_emit,
};

const model_lib lib_tunny = {
	.name = "tunny", .kind = POOL_TUNNY,
	.caps = MODEL_LIB_SYNC | MODEL_LIB_WORKER_SETUP,
	.options = "timeout setup_at",
	.cost_k2_ns = 2713, .cost_k1000_ns = 1503,
	.summary = "K persistent workers; Process blocks until the job is done",
	.ops = &ops,
};
