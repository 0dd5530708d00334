/*
 * pool_station.c — where a started task spends its time besides its
 * worker: processor-shared stations (the CPU under `cpus`, a downstream
 * with `usl`) and downstream calls holding a connection.
 */
#include "pool_int.h"

/* ---- processor sharing -------------------------------------------------- */
/*
 * Two stations share this code (struct psq above):
 * - cpus = N: running tasks in their work phase share N cores, each at rate
 *   min(1, N/m) with m of them (egalitarian processor sharing). Setup and
 *   downstream calls are waiting, not CPU.
 * - a downstream with `usl = sigma, kappa`: the m calls holding a
 *   connection each progress at 1/f(m), f(m) = 1 + sigma (m-1) +
 *   kappa m (m-1), so the downstream completes work at X(m) = m/f(m) times
 *   the rate of a lone call (the Universal Scalability Law) and a call
 *   speeds up again as soon as concurrency falls.
 * One pending event per station, moved (sim_reschedule) whenever m
 * changes: O(log m) per entry and exit.
 */

static inline double psq_rate(const psq *q)
{
	double m = (double)q->n;
	double rt = q->cores > 0 && m > q->cores ? q->cores / m : 1.0;
	if (q->sigma > 0 || q->kappa > 0)
		rt /= 1.0 + q->sigma * (m - 1) + q->kappa * m * (m - 1);
	return rt;
}

void psq_init(psq *q, uint32_t id, double cores, double sigma,
		     double kappa)
{
	memset(q, 0, sizeof *q);
	q->id = id;
	q->cores = cores;
	q->sigma = sigma;
	q->kappa = kappa;
}

void psq_fini(psq *q)
{
	free(q->a);
}

static inline psq *psq_of(run *r, uint32_t id)
{
	return id == 0 ? &r->cpu : &r->ds[id - 1].ps;
}

/* Brings v up to now at the rate of the current m; call before m changes. */
static void psq_advance(run *r, psq *q)
{
	double now = sim_now(r->s);
	if (q->n > 0)
		q->v += (now - q->t) * psq_rate(q);
	q->t = now;
}

static void psq_sift_down(psq *q, long i)
{
	ps_ent *a = q->a;
	long n = q->n;
	ps_ent x = a[i];
	for (;;) {
		long c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && a[c + 1].fin < a[c].fin)
			c++;
		if (a[c].fin >= x.fin)
			break;
		a[i] = a[c];
		i = c;
	}
	a[i] = x;
}

static void ev_ps(sim *s, void *ctx, uint64_t arg);

static void psq_resched(run *r, psq *q)
{
	if (q->n == 0) {
		sim_cancel(r->s, q->ev);
		q->ev = 0;
		return;
	}
	double dt = (q->a[0].fin - q->v) / psq_rate(q);
	double t = sim_now(r->s) + (dt > 0 ? dt : 0);
	if (!sim_reschedule(r->s, q->ev, t))
		q->ev = sim_schedule(r->s, t, PRIO_DONE, ev_ps, r, q->id);
}

/* h enters q with `work` seconds of work (at rate 1). */
void psq_enter(run *r, psq *q, uint32_t h, double work)
{
	psq_advance(r, q);
	if (q->n == q->cap) {
		long ncap = q->cap ? q->cap * 2 : 64;
		ps_ent *a = realloc(q->a, (size_t)ncap * sizeof *a);
		if (!a) {
			r->oom = 1;
			sim_stop(r->s);
			return;
		}
		q->a = a;
		q->cap = ncap;
	}
	long i = q->n++;
	ps_ent x = { q->v + work, h };
	while (i > 0 && q->a[(i - 1) / 2].fin > x.fin) {
		q->a[i] = q->a[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	q->a[i] = x;
	psq_resched(r, q);
}


static void ev_ps(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	psq *q = psq_of(r, (uint32_t)arg);
	q->ev = 0;
	psq_advance(r, q);
	/* Finish everything due (rounding in the reschedule leaves a few ulps),
	 * one at a time: a finishing task may start another that enters the
	 * same station (a freed worker, a freed connection). */
	while (q->n > 0 && q->a[0].fin - q->v <= 1e-12 * (1.0 + fabs(q->v))) {
		uint32_t h = q->a[0].t;
		q->a[0] = q->a[--q->n];
		if (q->n)
			psq_sift_down(q, 0);
		if (q->id == 0)
			after_work(r, h);
		else
			ds_end(r, h);
		if (r->finished)
			return;
	}
	psq_resched(r, q);
	sync_state(r);
	check_end(r);
}


static void ds_begin(run *r, uint32_t h)
{
	task *x = T(r, h);
	dsrun *d = &r->ds[x->ds_i];
	double now = sim_now(r->s);
	d->in_use++;
	d->calls++;
	if (x->flags & F_COUNTED)
		stats_hist_add(d->h_wait, now - x->t_mark);
	stats_level_set(&d->lv_in_use, now, (double)d->in_use);
	double call = x->ds_call[x->ds_i];
	if (d->spec->slowdown)   /* a brownout: the factor as the call starts */
		call *= prof_at(d->spec->slowdown, now, &d->slow);
	if (d->spec->usl) {
		/* the call's drawn time is its work at concurrency 1; it
		 * progresses at 1/f(n) for the n in progress from moment to
		 * moment (processor sharing above) */
		psq_enter(r, &d->ps, h, call);
		return;
	}
	sim_after(r->s, call, PRIO_DONE, ev_work_done, r,
		  (uint64_t)h | ((uint64_t)1 << 32));
}

/* Calls downstream x->ds_i, or finishes the task after the last one. */
void ds_call(run *r, uint32_t h)
{
	task *x = T(r, h);
	if (x->ds_i >= r->n_ds) {
		task_done(r, h);
		return;
	}
	dsrun *d = &r->ds[x->ds_i];
	x->t_mark = sim_now(r->s);
	if (d->spec->limit <= 0 || d->in_use < d->spec->limit)
		ds_begin(r, h);
	else
		fifo_push(r, &d->waiters, h);
}

void ds_end(run *r, uint32_t h)
{
	task *x = T(r, h);
	dsrun *d = &r->ds[x->ds_i];
	d->in_use--;
	stats_level_set(&d->lv_in_use, sim_now(r->s), (double)d->in_use);
	uint32_t w = fifo_pop(r, &d->waiters);
	if (w != NONE)
		ds_begin(r, w);   /* the freed connection goes to the oldest */
	x->ds_i++;
	ds_call(r, h);
}

