/*
 * pool.c — one replication of a scenario: arrivals → producers → a pool
 * library → setup → own work (delay or processor-shared CPU) → downstream
 * calls → done. This file is the task's life and model_run's loop; the
 * libraries' own semantics are in lib_NAME.c (one row each of the library
 * table, libs.c), the rest of the model in the files pool_int.h lists.
 *
 * Expected workload: 10^4..10^7 tasks per run, K from 1 to a few thousand,
 * up to MODEL_MAX_DOWNSTREAMS downstreams; many runs side by side on
 * threads, so every bit of state hangs off one `run` on the stack of
 * model_run. The engine bench runs workerpool / producers=each / K=50 /
 * Poisson / exp for 10M tasks, so the per-task path is kept lean: task
 * records live in an arena reused through a free list (no malloc per task
 * once warm), queues are intrusive FIFOs threaded through the records, no
 * string operation happens per event, and statistics are constant-memory
 * (histograms, tallies, time-weighted levels). Memory is O(peak tasks in
 * the system + K), never O(tasks).
 *
 * Complexity per task: O(1) plus O(log pending) per event (two events per
 * task in the common case: arrival and work done; one more per downstream
 * call; processor sharing — cpus, and downstreams with usl — adds O(log m)
 * heap work for the m tasks or calls sharing the station).
 *
 * Randomness and common random numbers: every task's own draws (work,
 * setup, weight, each downstream's call time) are taken when it ARRIVES,
 * in arrival order, from streams addressed by purpose ("task"/"service",
 * "task"/"setup", "task"/"weight", "downstream/NAME"/"service"), so task i
 * gets the same numbers at every sweep point whatever the pool does with
 * it. Per-worker constructors (tunny) use "worker"/"setup", closed-loop
 * think times "client"/"think"; arrivals come from models/workload.c
 * (entity "arrival").
 *
 * Modelling choices shared by all libraries (each library's own omissions
 * are listed at the top of its lib_NAME.c):
 * - Scheduling overheads (dispatch latency, goroutine start, timer
 *   overshoot) are left out: a task starts at the instant a worker is free.
 *   Users who want them add them to `service` (LIBRARIES.md).
 * - Simultaneous events resolve completions before arrivals, so a worker
 *   freed at t serves a task wanted at t.
 * - Producer-loop goroutines and closed-loop clients are a constant number
 *   of goroutines and are left out of memory; `each` submitters count while
 *   they are blocked in Submit (or held in tunny's Process).
 * - A downstream call holds a connection (FIFO waiters at the limit) for
 *   its drawn call time; with `usl` that time is its work at concurrency 1
 *   and every call holding a connection progresses at 1/f(n) for the n
 *   holding one at each instant (processor sharing, below). Left out: the
 *   downstream's own internal queueing (a server with fewer threads than
 *   connections serves FCFS inside, where fast calls wait behind slow
 *   ones), and any lag in f (contention that builds and clears over time
 *   rather than the instant n changes).
 * - Warm-up: tasks arriving in the warm-up are left out of latency, wait,
 *   blocked time and rejected_frac; time-weighted levels restart at the
 *   cut. submitted/completed/rejected/timed_out count every task.
 */
#include "pool_int.h"

/* ---- task arena ------------------------------------------------------- */

double model_task_bytes(const model_config *c)
{
	size_t need = sizeof(task) + (size_t)c->n_downstreams * sizeof(double);
	size_t rec = 64;
	while (rec < need)
		rec *= 2;
	/* an event: a 32-byte slot and two 16-byte keys of the tree */
	return 2.0 * (double)(rec + 64);
}

double model_tasks_at_once(const model_config *c)
{
	double n = 0;
	for (int i = -1; i < c->n_tenants; i++) {
		if (i < 0 && c->n_tenants > 0)
			continue;
		const wl_spec *w = i < 0 ? &c->arrival : &c->tenants[i].arrival;
		if (w->kind == WL_BURST)
			n += (double)(c->tasks > 0 && c->tasks < w->burst_n ?
				      c->tasks : w->burst_n);
		else if (w->kind == WL_CLOSED)
			n += (double)w->closed_n;
	}
	return n * (c->fanout > 1 ? c->fanout : 1);
}

uint32_t task_alloc_grow(run *r)
{
	if (r->used == r->cap) {
		uint32_t ncap = r->cap ? r->cap * 2 : 256;
		/* indexes stay below NONE; the caller's cap (model_limits) */
		if (r->cap >= (uint32_t)1 << 31 ||
		    (r->mem_cap > 0 &&
		     (double)((size_t)ncap << r->shift) > r->mem_cap)) {
			r->oom = 1;
			return NONE;
		}
		char *a = realloc(r->arena, (size_t)ncap << r->shift);
		if (!a) {
			r->oom = 1;
			return NONE;
		}
		r->arena = a;
		r->cap = ncap;
	}
	return r->used++;
}

void task_free(run *r, uint32_t i)
{
	T(r, i)->next = r->free_head;
	r->free_head = i;
}

uint32_t req_alloc(run *r)
{
	uint32_t i = r->rfree;
	if (i != NONE) {
		r->rfree = r->reqs[i].left;
		return i;
	}
	if (r->rused == r->rcap) {
		if (r->rcap >= (uint32_t)1 << 31) {
			r->oom = 1;
			return NONE;
		}
		uint32_t ncap = r->rcap ? r->rcap * 2 : 64;
		request *a = realloc(r->reqs, ncap * sizeof *a);
		if (!a) {
			r->oom = 1;
			return NONE;
		}
		r->reqs = a;
		r->rcap = ncap;
	}
	return r->rused++;
}

/* The per-event work only some configurations need: the autotuner's
 * saturation level, alerts, the memory limit. */
void sync_rare(run *r, double t, double mem)
{
	if (r->c->tune.on)
		lv_sync(&r->lv_sat, &r->sy_sat, t, r->n_busy >= r->pools[0].K);
	if (r->c->n_alerts)
		alerts_eval(r);
	if (r->c->mem_limit > 0 && mem > r->c->mem_limit && !r->finished) {
		/* OOM: the process dies with everything it held. */
		r->crashed = 1;
		r->lost = r->n_system;
		r->finished = 1;
		sim_stop(r->s);
	}
}

/* Out of line for the rare events; ev_arrival and ev_work_done (two calls
 * per task) take sync_state_inl's body in place. */
void sync_state(run *r)
{
	sync_state_inl(r, 1);
}

/* ---- arrivals ----------------------------------------------------------- */


/* Hash of a task key (splitmix64's finaliser): spreads consecutive keys
 * over shards as a Go map hash or FNV would. */
static inline uint64_t key_hash(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The pool instance a new task of source si goes to. Tiers: the tenant's
 * tier; a service's replicas: round-robin (the load balancer); shards: the
 * route. Shard choice happens at arrival, as ants MultiPool decides in
 * Submit. */
static uint16_t route(run *r, source *so)
{
	const model_config *c = r->c;
	if (r->lib->caps & MODEL_LIB_SHARDS) {
		uint32_t best = 0;
		switch (c->route) {
		case ROUTE_ROUND_ROBIN:
			best = r->rr_shard++ % (uint32_t)r->n_pools;
			break;
		case ROUTE_LEAST_TASKS:
			/* fewest queued + running; ties to the lowest index */
			for (int i = 1; i < r->n_pools; i++) {
				pinst *p = &r->pools[i], *q = &r->pools[best];
				if (p->queue.n + p->n_busy < q->queue.n + q->n_busy)
					best = (uint32_t)i;
			}
			break;
		default: {
			uint64_t key;
			if (r->key_cdf) {
				double u = gsl_rng_uniform(so->r_key);
				long lo = 0, hi = c->keys_n - 1;
				while (lo < hi) {
					long mid = (lo + hi) / 2;
					if (r->key_cdf[mid] > u)
						hi = mid;
					else
						lo = mid + 1;
				}
				key = (uint64_t)lo;
			} else {
				key = gsl_rng_uniform_int(so->r_key,
							  (unsigned long)c->keys_n);
			}
			best = (uint32_t)(key_hash(key) % (uint64_t)r->n_pools);
		}
		}
		r->pools[best].routed++;
		return (uint16_t)best;
	}
	if (!so->ten || so->ten->tier < 0)
		return 0;
	const tier_spec *t = &c->tiers[so->ten->tier];
	uint32_t i = r->grp_base[so->ten->tier];
	if (t->replicas > 1)
		i += so->rr++ % (uint32_t)t->replicas;
	return (uint16_t)i;
}

/* The fields every new task starts with, whichever path made it: its own
 * work drawn now (common random numbers), wanted at t0, in no queue. */
static inline void task_fill(task *x, double t0, const source *so,
			     double work_override, double overhead, uint32_t rq,
			     uint32_t owner, int counted, int si)
{
	x->t0 = t0;
	x->t_mark = t0;
	x->work = (isnan(work_override) ? dist_draw(&so->service, so->r_service)
					: work_override) + overhead;
	x->weight = 1;
	x->tmo = 0;
	x->next = NONE;
	x->sib = NONE;
	x->req = rq;
	x->owner = owner;
	x->worker = NONE;
	x->state = ST_WANTED;
	x->by = BY_EACH;
	x->flags = counted ? F_COUNTED : 0;
	x->ds_i = 0;
	x->src = (uint8_t)si;
}

/* Creates the request's subtasks with all their draws, in arrival order.
 * Returns the first subtask (the others hang off `sib`), or NONE on OOM. */
static inline __attribute__((always_inline)) uint32_t
make_arrival(run *r, int si, double work_override,
			     uint32_t owner)
{
	const model_config *c = r->c;
	source *so = &r->src[si];
	double t0 = *r->clock;
	long idx = r->arrived++;
	int counted = idx >= r->warm_n && t0 >= r->warm_t;
	if (counted && !r->cut_done)
		do_cut(r);
	if (counted)
		r->counted_arrivals++;
	if (r->lean_arrival) {
		/* the loop below for one task with every optional draw,
		 * scope, route and request known absent (set_lean) */
		uint32_t h = task_alloc(r);
		if (h == NONE)
			return NONE;
		task *x = T(r, h);
		task_fill(x, t0, so, work_override, r->c->overhead, NONE, owner,
			  counted, si);
		x->setup = 0.0;
		x->hi = 0;
		x->pi = 0;
		r->submitted++;
		r->n_system++;
		r->n_waiting++;
		return h;
	}
	uint32_t rq = NONE;
	if (r->fanout > 1) {
		rq = req_alloc(r);
		if (rq == NONE)
			return NONE;
		request *q = &r->reqs[rq];
		q->t0 = t0;
		q->left = (uint32_t)r->fanout;
		q->owner = owner;
		q->failed = 0;
		q->counted = (uint8_t)counted;
	}
	uint32_t first = NONE, prev = NONE;
	for (int k = 0; k < r->fanout; k++) {
		uint32_t h = task_alloc(r);
		if (h == NONE)
			return NONE;
		task *x = T(r, h);
		task_fill(x, t0, so, work_override, c->overhead, rq, owner,
			  counted, si);
		x->setup = so->r_setup ? dist_sample(c->setup, so->r_setup) : 0.0;
		if (so->r_weight) {
			double w = floor(dist_sample(c->weight, so->r_weight) + 0.5);
			/* A weight above K can never be acquired (Acquire
			 * would wait forever): the run fails, saying so. */
			if (w > (double)c->K) {
				r->bad_weight = w;
				sim_stop(r->s);
				task_free(r, h);
				return NONE;
			}
			x->weight = w < 1 ? 1 : (uint32_t)w;
		}
		for (int i = 0; i < r->n_ds; i++)
			x->ds_call[i] = dist_sample(c->downstreams[i].service,
						    so->r_ds[i]);
		if (r->r_fail) {
			double u = gsl_rng_uniform(r->r_fail);
			if (u < c->panic)
				x->flags |= F_PANIC;
			else if (u < c->panic + c->error)
				x->flags |= F_ERROR;
		}
		x->hi = so->ten && so->ten->high;
		x->pi = route(r, so);
		int g = r->pools[x->pi].grp;
		if (so->ten) {
			so->st.submitted++;
			so->st.counted_arrivals += counted;
		}
		if (g >= 0) {
			r->tst[g].submitted++;
			r->tst[g].counted_arrivals += counted;
		}
		if (prev != NONE)
			T(r, prev)->sib = h;
		else
			first = h;
		prev = h;
		r->submitted++;
		r->n_system++;
		r->n_waiting++;
	}
	return first;
}

/* Hands a new request to whoever submits it. */
static void dispatch(run *r, uint32_t h, int by)
{
	if (by == BY_LOOP) {
		source *so = &r->src[T(r, h)->src];
		if (so->loops_free > 0) {
			so->loops_free--;
		} else {
			fifo_push(r, &so->wanted, h);
			return;
		}
	}
	T(r, h)->by = (uint8_t)by;
	submit(r, h);
}

/* so has no more arrivals: its law ran out (at its last arrival, now)
 * or its next arrival is past `duration` (at_duration). The window ends
 * with the last source: now, or at `duration` (ev_win_end) when any
 * source ran up to it. */
void source_done(run *r, source *so, int at_duration)
{
	if (so->done)
		return;
	so->done = 1;
	r->win_at_duration |= at_duration;
	if (--r->srcs_live == 0) {
		r->arrivals_done = 1;
		if (!r->win_at_duration && !r->win_closed)
			win_close(r, *r->clock);
	}
}

/* The global task limit or a SIGTERM ends every source, and the
 * window, at once. */
void all_sources_done(run *r)
{
	for (int i = 0; i < r->n_src; i++)
		source_done(r, &r->src[i], 0);
	if (!r->win_closed)
		win_close(r, *r->clock);
}

static inline __attribute__((always_inline)) void
fetch_next(run *r, int si)
{
	const model_config *c = r->c;
	source *so = &r->src[si];
	double t, w;
	if (r->arrived >= r->arrive_max) {
		all_sources_done(r);
		return;
	}
	if (!wl_gen_next(so->gen, &t, &w)) {
		source_done(r, so, 0);
		return;
	}
	if (c->duration > 0 && t >= c->duration) {
		source_done(r, so, 1);
		return;
	}
	so->next_t = t;
	so->next_work = w;
	/* One source (the common case): not scheduled, model_run merges it
	 * in with sim_run_to, which saves a schedule and a pop per task (the next
	 * arrival is always due soon). Several sources stay listed events. */
	if (!r->single)
		sim_schedule(r->s, t, PRIO_ARRIVE, ev_arrival, r, (uint64_t)si);
}

void ev_arrival(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	int si = (int)arg;
	if (r->term)
		return;   /* SIGTERM: the service accepts nothing new */
	if (r->arrived >= r->arrive_max) {
		/* another source reached the limit first */
		all_sources_done(r);
		check_end(r);
		return;
	}
	uint32_t h = make_arrival(r, si, r->src[si].next_work, NONE);
	if (h == NONE) {
		sim_stop(s);
		return;
	}
	if (r->lean_each)
		submit_lean(r, h);   /* dispatch(BY_EACH): make_arrival set by */
	else
		dispatch(r, h, r->c->producers > 0 ? BY_LOOP : BY_EACH);
	if (!r->finished)
		fetch_next(r, si);
	sync_state_inl(r, 1);
	check_end(r);
}

/* Closed loop: client (arg & 0xffffffff) of source (arg >> 32) submits
 * (again). */
void ev_client(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	const model_config *c = r->c;
	int si = (int)(arg >> 32);
	if (r->arrived >= r->arrive_max || r->term) {
		all_sources_done(r);
		check_end(r);
		return;
	}
	if (c->duration > 0 && sim_now(s) >= c->duration) {
		source_done(r, &r->src[si], 1);
		check_end(r);
		return;
	}
	uint32_t h = make_arrival(r, si, NAN, (uint32_t)arg);
	if (h == NONE) {
		sim_stop(s);
		return;
	}
	dispatch(r, h, BY_CLIENT);
	if (r->arrived >= r->arrive_max)
		all_sources_done(r);
	sync_state(r);
	check_end(r);
}

/* A closed-loop client's request is resolved: think, then submit again. */
void client_next(run *r, int si, uint32_t owner)
{
	source *so = &r->src[si];
	const dist *think = so->arr->think;
	double d = think ? dist_sample(think, so->r_think) : 0.0;
	sim_after(r->s, d, PRIO_ARRIVE, ev_client, r,
		  (uint64_t)si << 32 | owner);
}

/* ---- a task on a worker: setup → work → downstreams → done -------------- */

/* Work done, or (bit 32 of arg) a downstream call done. */
void ev_work_done(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	if (r->lean_wp) {
		/* in flight -1, workers unchanged: no peak can move */
		wp_done_lean(r, (uint32_t)arg);
		sync_state_inl(r, 0);
		check_end(r);
		return;
	}
	if (arg >> 32)
		ds_end(r, (uint32_t)arg);
	else if (r->n_ds == 0)
		task_done(r, (uint32_t)arg);   /* after_work, ds_call: the same */
	else
		after_work(r, (uint32_t)arg);
	sync_state_inl(r, 1);
	check_end(r);
}

static void ev_setup_done(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	uint32_t h = (uint32_t)arg;
	psq_enter(r, &r->cpu, h, T(r, h)->work);
	sync_state(r);
}

void start_full(run *r, uint32_t h, uint32_t w)
{
	task *x = T(r, h);
	double now = *r->clock;
	pinst *p = &r->pools[x->pi];
	x->state = ST_RUNNING;
	x->worker = w;
	r->n_waiting--;
	busy_add(r, p, 1);
	if (x->flags & F_COUNTED) {
		double wait = now - x->t0;
		stats_hist_add(r->h_wait, wait);
		if (r->n_src > 1 || r->src[0].ten) {
			sstat *st = &r->src[x->src].st;
			stats_hist_add(st->h_wait, wait);
		}
		if (p->grp >= 0)
			stats_hist_add(r->tst[p->grp].h_wait, wait);
	}
	double setup = x->setup;
	if (r->cancelled) {
		/* the group's context is cancelled: the task sees ctx.Err()
		 * at once and returns without working */
		x->flags |= F_SKIP;
		x->work = 0;
		setup = 0;
	}
	if ((r->lib->caps & MODEL_LIB_WORKER_SETUP) && w != NONE) {
		/* first-use constructor: paid by the worker's first job */
		setup = p->workers[w].setup;
		p->workers[w].setup = 0;
	}
	if (r->cpus > 0 && !(x->flags & F_SKIP)) {
		if (setup > 0)
			sim_after(r->s, setup, PRIO_DONE, ev_setup_done, r, h);
		else
			psq_enter(r, &r->cpu, h, x->work);
	} else {
		sim_after(r->s, setup + x->work, PRIO_DONE, ev_work_done, r, h);
	}
}

/* Own work finished: on to the downstreams. */
void after_work(run *r, uint32_t h)
{
	if (T(r, h)->flags & F_SKIP)
		task_done(r, h);
	else
		ds_call(r, h);
}

/* ---- pool libraries ------------------------------------------------------ */

void block(run *r, uint32_t h)
{
	task *x = T(r, h);
	x->state = ST_BLOCKED;
	if (x->by == BY_EACH)
		r->n_blocked_each++;
	fifo_push(r, &r->pools[x->pi].blocked, h);
}

/* Unblocks h (popped from p->blocked by the caller). */
void unblocked(run *r, uint32_t h)
{
	if (T(r, h)->by == BY_EACH)
		r->n_blocked_each--;
}

void reject(run *r, uint32_t h)
{
	resolve(r, h, RES_REJECTED);
	submit_returned(r, h);
	task_free(r, h);
}


/* golang.org/x/time/rate Limiter.Allow at now: the bucket refills
 * continuously at RATE up to burst (it starts full, as NewLimiter does);
 * one token per Submit, never waiting. */
static int quota_allow(run *r, source *so)
{
	if (!so->ten || so->ten->quota_rate <= 0)
		return 1;
	double now = sim_now(r->s);
	so->tokens += (now - so->t_tokens) * so->ten->quota_rate;
	if (so->tokens > so->ten->quota_burst)
		so->tokens = so->ten->quota_burst;
	so->t_tokens = now;
	if (so->tokens < 1.0)
		return 0;
	so->tokens -= 1.0;
	return 1;
}

void submit(run *r, uint32_t h)
{
	task *x = T(r, h);
	pinst *p = &r->pools[x->pi];
	double now = *r->clock;
	x->t_mark = now;
	r->n_submitted++;
	if (!quota_allow(r, &r->src[x->src])) {
		resolve(r, h, RES_OVER_QUOTA);
		submit_returned(r, h);
		task_free(r, h);
		return;
	}
	if (r->admit_on) {
		/* SimpleLimiter.acquire: empty while in flight >= limit */
		if (r->admit_inflight >= r->admit_limit) {
			resolve(r, h, RES_LIMITED);
			submit_returned(r, h);
			task_free(r, h);
			return;
		}
		r->admit_inflight++;
		x->flags |= F_ADMIT;
	}
	r->lib->ops->submit(r, p, x, h);
}

/* The submitter moves on: the request's next subtask, or (a producer
 * loop) the next wanted request. */
void submit_next(run *r, task *x)
{
	uint32_t sib = x->sib;
	int by = x->by;
	if (sib != NONE) {
		x->sib = NONE;
		T(r, sib)->by = (uint8_t)by;
		submit(r, sib);
		return;
	}
	if (by != BY_LOOP)
		return;
	source *so = &r->src[x->src];
	uint32_t nx = fifo_pop(r, &so->wanted);
	if (nx == NONE) {
		so->loops_free++;
		return;
	}
	T(r, nx)->by = BY_LOOP;
	submit(r, nx);
}


/* h finished its work and downstream calls: free its worker or slot,
 * record it, and let the next waiter in. */
void task_done(run *r, uint32_t h)
{
	task *x = T(r, h);
	uint32_t w = x->worker;
	int late = x->flags & F_TIMED_OUT;
	uint32_t weight = x->weight;
	unsigned flags = x->flags;
	pinst *p = &r->pools[x->pi];
	if ((x->flags & (F_PANIC | F_SKIP)) == F_PANIC && !r->recover) {
		/* An unrecovered panic kills the process with everything in
		 * it: running, queued, blocked and not yet submitted. */
		r->crashed = 1;
		r->lost = r->n_system;
		r->finished = 1;
		sim_stop(r->s);
		return;
	}
	int how = x->flags & F_SKIP ? RES_SKIPPED :
		  x->flags & (F_PANIC | F_ERROR) ? RES_ERRORED : RES_DONE;
	if (how == RES_ERRORED && ((r->lib->caps & MODEL_LIB_CANCEL_ON_ERROR) ||
				   r->c->cancel_on_error))
		r->cancelled = 1;   /* WithContext: the first error cancels */
	busy_add(r, p, -1);
	if (!late) {
		if (x->tmo) {
			sim_cancel(r->s, x->tmo);
			x->tmo = 0;
		}
		if (how == RES_DONE && r->lean)
			resolve_done_lean(r, x);
		else
			resolve(r, h, how);
		if (r->lib->caps & MODEL_LIB_SYNC) {
			/* Process returns now */
			unblocked(r, h);
			submit_returned(r, h);
		}
	}
	task_free(r, h);
	/* h is gone: the library frees its worker or slot */
	r->lib->ops->freed(r, p, w, weight, flags);
}


/* Latency of a task by the arrival step (phase) it arrived in. */
static void phase_add(run *r, double t0, double lat)
{
	int p = 0;
	while (p < r->n_phases - 1 && t0 >= r->phase_end[p])
		p++;
	stats_hist_add(r->h_phase[p], lat);
}


/* The task's caller has its answer: completed, rejected or timed out.
 * Does not free the record (the caller does, when nothing refers to it). */
void resolve(run *r, uint32_t h, int how)
{
	task *x = T(r, h);
	double now = *r->clock;
	int counted = x->flags & F_COUNTED;
	/* the limiter's own refusals are not samples (concurrency-limits) */
	if (r->c->tune.on && how != RES_OVER_QUOTA && how != RES_SKIPPED &&
	    how != RES_LIMITED)
		tune_sample(r, now - x->t0, how != RES_DONE,
			    how == RES_REJECTED);
	if (x->flags & F_ADMIT) {
		x->flags &= (uint8_t)~F_ADMIT;
		r->admit_inflight--;
	}
	if (how == RES_LIMITED) {
		r->admit_rejected++;
		how = RES_REJECTED;   /* the caller sees a rejection */
	}
	r->n_system--;
	r->n_submitted--;
	/* per-scope tallies only when there are scopes: the single-pool path
	 * stays as lean as before */
	sstat *ss = r->src[x->src].ten ? &r->src[x->src].st : NULL;
	int g = r->pools[x->pi].grp;
	sstat *ts = g >= 0 ? &r->tst[g] : NULL;
	if (how == RES_DONE) {
		r->completed++;
		r->last_done = now;
		if (r->ivs_on)
			model_wq_add(&r->wq, now - x->t0);
		if (counted) {
			double lat = now - x->t0;
			r->counted_completed++;
			stats_hist_add(r->h_lat, lat);
			for (int i = 0; i < 2; i++) {
				sstat *st = i ? ts : ss;
				if (!st)
					continue;
				st->counted_completed++;
				stats_hist_add(st->h_lat, lat);
			}
		}
		if (counted && r->n_phases)
			phase_add(r, x->t0, now - x->t0);
		if (r->c->shutdown == SHUT_AFTER && !r->term &&
		    r->completed == r->c->shutdown_after)
			sim_after(r->s, 0, PRIO_TICK, ev_term, r, 0);
		if (ss)
			ss->completed++;
		if (ts)
			ts->completed++;
	} else if (how == RES_REJECTED || how == RES_OVER_QUOTA) {
		r->n_waiting--;
		if (how == RES_OVER_QUOTA) {
			/* refused before Submit: the pool never saw it */
			r->over_quota++;
			ss->over_quota++;
		} else {
			r->rejected++;
			if (counted)
				r->counted_rejected++;
			for (int i = 0; i < 2; i++) {
				sstat *st = i ? ts : ss;
				if (!st)
					continue;
				st->rejected++;
				if (counted)
					st->counted_rejected++;
			}
		}
	} else if (how == RES_ERRORED) {
		r->errored++;
	} else if (how == RES_SKIPPED) {
		r->skipped++;
	} else {
		r->timed_out++;
	}
	uint32_t owner = x->owner;
	if (x->req != NONE) {
		request *q = &r->reqs[x->req];
		if (how != RES_DONE)
			q->failed = 1;
		if (--q->left > 0)
			return;
		if (!q->failed) {
			r->r_completed++;
			if (q->counted) {
				r->r_counted_done++;
				stats_hist_add(r->h_rlat, now - q->t0);
			}
		}
		q->left = r->rfree;
		r->rfree = x->req;
	}
	if (owner != NONE && !r->finished)
		client_next(r, x->src, owner);
}

/* ---- idle tickers ---------------------------------------------------------- */

/* The next tick of a ticker every E from now that has nothing to do
 * until some event changes the pool: a tick with no idle worker (ants)
 * or no idle worker to stop (workerpool) changes nothing, and nothing
 * changes before the next event (listed, or the arrival kept outside the
 * list), so the ticks before it are skipped. sim_tick_after lands on the
 * very time the skipped ticks would have reached one by one, and the
 * tick is scheduled now, before anything that could tie with it is: so
 * skipping changes no number, and a 5us expiry over an hour of idle time
 * costs a tick per event, not 7.2e8 ticks. */
double idle_tick(run *r, double now)
{
	double next = sim_next_time(r->s);
	if (r->single && !r->src[0].done && r->src[0].next_t < next)
		next = r->src[0].next_t;
	if (next == INFINITY)
		return now + r->expiry;   /* ending: ticks as before */
	return sim_tick_after(now, r->expiry, next);
}

/* ---- shutdown and drain -------------------------------------------------- */
/*
 * SIGTERM (shutdown.at, or after N completions): the service stops
 * accepting — no new arrivals, and producer loops drop the requests they
 * have not handed to Submit yet (counted unfinished). Everything already
 * submitted (running, in the library's queue, blocked in Submit) drains;
 * the run ends when it is all done or when the drain timeout hits, and
 * whatever is left then is unfinished. Left out: ants' Release waking
 * blocked submitters with ErrPoolClosed (they are drained like the rest).
 */

static void ev_drain_end(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	if (r->finished)
		return;
	r->finished = 1;
	sim_stop(s);
}

void ev_term(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	if (r->term || r->finished)
		return;
	r->term = 1;
	r->t_term = sim_now(s);
	all_sources_done(r);
	uint32_t h;
	for (int i = 0; i < r->n_src; i++)
		while ((h = fifo_pop(r, &r->src[i].wanted)) != NONE) {
			while (h != NONE) {   /* the request and its subtasks */
				uint32_t nx = T(r, h)->sib;
				r->n_system--;
				r->n_waiting--;
				r->unfinished++;
				task_free(r, h);
				h = nx;
			}
		}
	if (r->c->drain > 0)
		sim_after(s, r->c->drain, PRIO_TICK, ev_drain_end, r, 0);
	sync_state(r);
	check_end(r);
}

int model_run_with(const model_config *c, uint64_t seed, uint32_t rep,
		   const model_limits *lim, model_result *out)
{
	assert(c && out);
	if (c->n_stages > 0)
		return pipeline_run(c, seed, rep, lim, out);
	assert((model_lib_of(c->pool)->caps & MODEL_LIB_UNBOUNDED) || c->K > 0 ||
	       c->n_tiers > 0);
	assert(c->n_downstreams >= 0 && c->n_downstreams <= MODEL_MAX_DOWNSTREAMS);

	run r;
	memset(&r, 0, sizeof r);
	int rc = pool_setup(&r, c, seed, rep);
	if (rc)
		goto out;
	sim_watch(r.s, lim ? lim->stop : NULL);
	r.mem_cap = lim ? lim->mem_bytes : 0;
	if (r.warm_n == 0 && r.warm_t == 0)
		do_cut(&r);   /* no warm-up: the window opens at 0 */

	for (int si = 0; si < r.n_src; si++) {
		const wl_spec *a = r.src[si].arr;
		if (a->kind == WL_CLOSED) {
			for (int i = 0; i < a->closed_n; i++)
				sim_schedule(r.s, 0, PRIO_ARRIVE, ev_client, &r,
					     (uint64_t)si << 32 | (uint32_t)i);
			if (a->closed_n <= 0)
				source_done(&r, &r.src[si], 0);
		} else {
			fetch_next(&r, si);
		}
	}
	sim_schedule(r.s, 0, PRIO_SAMPLE, ev_sample, &r, 0);
	check_end(&r);
	while (!r.finished && !r.oom && !r.bad_weight) {
		if (r.single && !r.src[0].done) {
			/* its next arrival, kept outside the event list */
			if (sim_run_to(r.s, r.src[0].next_t, PRIO_ARRIVE))
				ev_arrival(r.s, &r, 0);
			else if (sim_fault(r.s))
				break;
		} else if (sim_pending(r.s) > 0) {
			sim_run(r.s, INFINITY);
			if (sim_fault(r.s))
				break;
		} else {
			break;
		}
	}
	if (r.bad_weight) {
		snprintf(out->error, sizeof out->error, "a task drew weight "
			 "%.0f, more than the semaphore's K = %ld: Acquire would "
			 "wait forever", r.bad_weight, c->K);
		rc = PS_EINVAL;
		goto out;
	}
	if (r.oom || sim_fault(r.s)) {
		rc = model_run_error(out, r.oom ? SIM_FAULT_NOMEM : sim_fault(r.s),
				     sim_now(r.s), (double)r.n_system);
		goto out;
	}
	pool_emit(&r, out);
	out->events = sim_events(r.s);
out:
	pool_teardown(&r);
	return rc;
}

