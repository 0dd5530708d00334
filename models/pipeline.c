/*
 * pipeline.c — exercise 12: a chain of stages, each an errgroup of K
 * workers reading from the previous stage's bounded channel and writing
 * to its own, under one context that the first stage error cancels.
 *
 * Expected workload: up to MODEL_MAX_STAGES stages, 10^3..10^6 items, K up
 * to a few hundred per stage. Each item is one record in an arena reused
 * through a free list; channels are intrusive FIFOs through the records,
 * so memory is O(items in flight). O(log pending) per event, two events
 * per item and stage at most (done, and nothing else: hand-offs are
 * immediate).
 *
 * The Go program modelled, per stage:
 *   for v := range in { w := work(v); if err { cancel; return }
 *       select { case out <- w: case <-ctx.Done(): return } }
 * with `in` of stage 1 the source (items arriving by `arrival`, an
 * unbounded list such as the JSON files to read) and the last stage's
 * output a sink that never blocks. Channels follow R1: a freed buffer slot
 * goes to the oldest blocked sender; with buffer 0 a send completes only
 * when a receiver takes the item.
 *
 * Cancellation (a stage's item fails with probability stage.NAME.error):
 * the source stops, idle receivers and blocked senders return at once
 * (their select sees ctx.Done()), busy workers finish the item in hand and
 * then return without sending it. Items dropped that way, or left in
 * channels or the source, are `unfinished`.
 *
 * Warm-up and the measurement window are the pool model's (model.h): items
 * that arrive in the warm-up are left out of latency; rates and the
 * stages' time-averages cover [end of warm-up, end of arrivals], the
 * first error's cancellation ending the arrivals.
 *
 * Left out: per-stage setup, downstreams and
 * processor sharing, closed-loop arrivals (experiments/ refuses them),
 * interrupting work in progress on cancellation (work that polls ctx).
 *
 * Randomness: item i's work in stage S comes from stream
 * ("stage/S", "service") and its error draw from ("stage/S", "error"),
 * drawn when the stage starts/finishes it.
 */
#include "model.h"
#include "workload.h"

#include "../sim/ps.h"
#include "../sim/rng.h"
#include "../sim/sim.h"
#include "../sim/stats.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

enum { PRIO_DONE = 0, PRIO_ARRIVE = 1, PRIO_SAMPLE = 3 };

typedef struct item {
	double t0;
	uint32_t next;
	int counted;            /* arrived after the warm-up */
} item;

typedef struct ifo {
	uint32_t head, tail;
	long n;
} ifo;

/* A stage and its OUTPUT channel. Invariants: idle > 0 implies its input
 * channel is empty (a receiver never waits beside a ready item); blocked
 * == senders.n (each blocked worker holds one item). */
typedef struct stage {
	const stage_spec *sp;
	gsl_rng *r_service, *r_error;
	long idle, busy, blocked;
	ifo buf;                /* output buffer, at most sp->buffer items */
	ifo senders;            /* items of workers blocked sending */
	long done;
	double last_start;
	stats_level lv_busy, lv_blocked, lv_in;
	double wa_busy, wa_blocked, wa_in;   /* the levels' window areas */
} stage;

typedef struct prun {
	sim *s;
	const model_config *c;
	int n;
	stage st[MODEL_MAX_STAGES];
	ifo source;             /* arrived items stage 1 has not taken */
	wl_gen *gen;
	double next_t;
	item *items;
	uint32_t cap, used, free_head;
	long arrived, completed, errored, unfinished, n_counted;
	int arrivals_done, cancelled, finished, oom;
	double mem_cap;         /* model_limits.mem_bytes */
	double t_cancel, t_idle, last_done;
	double lat_sum;
	stats_hist *h_lat;
	/* warm-up and the window [t_cut, t_win] (model.h, pool.c's run) */
	long warm_n, in_system;
	double warm_t, t_cut, t_win;
	int cut_done, win_closed, win_at_duration, win_empty;
	long win0_completed, win0_arrived, win1_completed, win1_arrived,
	     backlog_end;
	stats_level lv_sys;     /* items arrived and not yet out */
	double wa_sys;
	model_probe probe;
	double *smp;
	int smp_n, smp_cap, cols;
	double smp_dt;
} prun;

/* ---- items and FIFOs ----------------------------------------------------- */

static uint32_t item_new(prun *r, double t0)
{
	uint32_t i = r->free_head;
	if (i != NONE) {
		r->free_head = r->items[i].next;
	} else {
		if (r->used == r->cap) {
			uint32_t nc = r->cap ? r->cap * 2 : 256;
			if (r->cap >= (uint32_t)1 << 31 || (r->mem_cap > 0 &&
			    (double)nc * sizeof(item) > r->mem_cap)) {
				r->oom = 1;
				return NONE;
			}
			item *a = realloc(r->items, nc * sizeof *a);
			if (!a) {
				r->oom = 1;
				return NONE;
			}
			r->items = a;
			r->cap = nc;
		}
		i = r->used++;
	}
	r->items[i].t0 = t0;
	r->items[i].next = NONE;
	return i;
}

static void item_free(prun *r, uint32_t i)
{
	r->items[i].next = r->free_head;
	r->free_head = i;
}

static void ifo_push(prun *r, ifo *q, uint32_t i)
{
	r->items[i].next = NONE;
	if (q->tail == NONE)
		q->head = i;
	else
		r->items[q->tail].next = i;
	q->tail = i;
	q->n++;
}

static uint32_t ifo_pop(prun *r, ifo *q)
{
	uint32_t i = q->head;
	if (i == NONE)
		return NONE;
	q->head = r->items[i].next;
	if (q->head == NONE)
		q->tail = NONE;
	q->n--;
	return i;
}

/* Drops every item of q (cancellation): they are unfinished. */
static void ifo_drop(prun *r, ifo *q)
{
	uint32_t i;
	while ((i = ifo_pop(r, q)) != NONE) {
		item_free(r, i);
		r->unfinished++;
		r->in_system--;
	}
}

/* ---- stages ----------------------------------------------------------------- */

static void ev_done(sim *s, void *ctx, uint64_t arg);
static void receive(prun *r, int k);

static void sync_levels(prun *r)
{
	double t = sim_now(r->s);
	for (int k = 0; k < r->n; k++) {
		stage *g = &r->st[k];
		long in = k == 0 ? r->source.n
				 : r->st[k - 1].buf.n + r->st[k - 1].senders.n;
		if ((double)g->busy != g->lv_busy.value)
			stats_level_set(&g->lv_busy, t, (double)g->busy);
		if ((double)g->blocked != g->lv_blocked.value)
			stats_level_set(&g->lv_blocked, t, (double)g->blocked);
		if ((double)in != g->lv_in.value)
			stats_level_set(&g->lv_in, t, (double)in);
	}
	if ((double)r->in_system != r->lv_sys.value)
		stats_level_set(&r->lv_sys, t, (double)r->in_system);
}

/* ---- the window ------------------------------------------------------------ */

static void ev_probe(sim *s, void *ctx, uint64_t arg);

static void do_cut(prun *r)
{
	double t = sim_now(r->s);
	r->cut_done = 1;
	r->t_cut = t;
	for (int k = 0; k < r->n; k++) {
		stats_level_reset(&r->st[k].lv_busy, t);
		stats_level_reset(&r->st[k].lv_blocked, t);
		stats_level_reset(&r->st[k].lv_in, t);
	}
	stats_level_reset(&r->lv_sys, t);
	r->win0_completed = r->completed;
	r->win0_arrived = r->arrived;
	if (r->win_closed)
		return;
	double g = r->c->duration > t ? r->c->duration - t : 1.0;
	double rate = wl_mean_rate(&r->c->arrival);
	if (r->c->tasks > 0 && rate > 0 &&
	    ((double)r->c->tasks / rate - t < g || r->c->duration <= t))
		g = (double)r->c->tasks / rate - t > 0
			    ? (double)r->c->tasks / rate - t : g;
	model_probe_start(&r->probe, t, g);
	sim_after(r->s, r->probe.dt, PRIO_SAMPLE, ev_probe, r, 0);
}

static void ev_cut(sim *s, void *ctx, uint64_t arg)
{
	prun *r = ctx;
	if (!r->cut_done) {
		sync_levels(r);
		do_cut(r);
	}
}

static void win_close(prun *r, double t)
{
	r->win_closed = 1;
	r->win_empty = !r->cut_done;
	r->t_win = t;
	r->win1_completed = r->completed;
	r->win1_arrived = r->arrived;
	r->backlog_end = r->in_system;
	for (int k = 0; k < r->n; k++) {
		stage *g = &r->st[k];
		g->wa_busy = stats_level_area(&g->lv_busy, t);
		g->wa_blocked = stats_level_area(&g->lv_blocked, t);
		g->wa_in = stats_level_area(&g->lv_in, t);
	}
	r->wa_sys = stats_level_area(&r->lv_sys, t);
}

/* The arrivals ended now (the task cap, the law ran out, or the first
 * error cancelled the source), or at `duration`. */
static void arrivals_end(prun *r, int at_duration)
{
	if (r->arrivals_done)
		return;
	r->arrivals_done = 1;
	r->win_at_duration = at_duration;
	if (!at_duration && !r->win_closed)
		win_close(r, sim_now(r->s));
}

static void ev_win_end(sim *s, void *ctx, uint64_t arg)
{
	prun *r = ctx;
	if (!r->win_closed)
		win_close(r, sim_now(s));
}

static void ev_probe(sim *s, void *ctx, uint64_t arg)
{
	prun *r = ctx;
	if (r->win_closed)
		return;
	double t = sim_now(s);
	model_probe_add(&r->probe, t, stats_level_area(&r->lv_sys, t));
	sim_after(s, r->probe.dt, PRIO_SAMPLE, ev_probe, r, 0);
}

static void start(prun *r, int k, uint32_t i)
{
	stage *g = &r->st[k];
	g->busy++;
	g->last_start = sim_now(r->s);
	double w = dist_sample(g->sp->service, g->r_service);
	sim_after(r->s, w, PRIO_DONE, ev_done, r, (uint64_t)k << 32 | i);
}

/* Takes one item from stage k's input, if there is one: the source, or
 * the previous stage's buffer (refilled from its oldest blocked sender)
 * or, unbuffered, straight from that sender. NONE when empty. */
static uint32_t take(prun *r, int k)
{
	if (k == 0)
		return r->cancelled ? NONE : ifo_pop(r, &r->source);
	stage *p = &r->st[k - 1];
	uint32_t i = ifo_pop(r, &p->buf);
	uint32_t b = ifo_pop(r, &p->senders);
	if (b == NONE)
		return i;
	/* a blocked sender of stage k-1 completes its send and is free */
	p->blocked--;
	if (i == NONE)
		i = b;
	else
		ifo_push(r, &p->buf, b);
	p->idle++;
	receive(r, k - 1);
	return i;
}

/* Idle workers of stage k take what their input holds. */
static void receive(prun *r, int k)
{
	stage *g = &r->st[k];
	while (g->idle > 0 && !r->cancelled) {
		uint32_t i = take(r, k);
		if (i == NONE)
			return;
		g->idle--;
		start(r, k, i);
	}
}

/* The first error: everyone who waits returns, the source stops. */
static void cancel(prun *r)
{
	r->cancelled = 1;
	r->t_cancel = sim_now(r->s);
	arrivals_end(r, 0);
	ifo_drop(r, &r->source);
	for (int k = 0; k < r->n; k++) {
		stage *g = &r->st[k];
		g->idle = 0;
		g->blocked = 0;
		ifo_drop(r, &g->senders);
		ifo_drop(r, &g->buf);
	}
}

static void check_end(prun *r)
{
	for (int k = 0; k < r->n; k++)
		if (r->st[k].busy || r->st[k].blocked || r->st[k].buf.n)
			return;
	if (r->cancelled) {
		r->t_idle = sim_now(r->s);
	} else if (!r->arrivals_done || r->source.n) {
		return;
	}
	r->finished = 1;
	sim_stop(r->s);
}

static void ev_done(sim *s, void *ctx, uint64_t arg)
{
	prun *r = ctx;
	int k = (int)(arg >> 32);
	uint32_t i = (uint32_t)arg;
	stage *g = &r->st[k];
	g->busy--;
	g->done++;
	if (!r->cancelled && g->sp->error > 0 &&
	    gsl_rng_uniform(g->r_error) < g->sp->error) {
		r->errored++;
		r->in_system--;
		item_free(r, i);
		cancel(r);
	} else if (r->cancelled) {
		r->unfinished++;     /* returns without sending */
		r->in_system--;
		item_free(r, i);
	} else if (k == r->n - 1) {
		double now = sim_now(s);
		r->completed++;
		r->in_system--;
		r->last_done = now;
		if (r->items[i].counted) {
			r->n_counted++;
			r->lat_sum += now - r->items[i].t0;
			stats_hist_add(r->h_lat, now - r->items[i].t0);
		}
		item_free(r, i);
		g->idle++;
		receive(r, k);
	} else {
		stage *nx = &r->st[k + 1];
		if (nx->idle > 0) {
			nx->idle--;
			start(r, k + 1, i);   /* a receiver was waiting */
			g->idle++;
			receive(r, k);
		} else if (g->buf.n < g->sp->buffer) {
			ifo_push(r, &g->buf, i);
			g->idle++;
			receive(r, k);
		} else {
			g->blocked++;
			ifo_push(r, &g->senders, i);
		}
	}
	sync_levels(r);
	check_end(r);
}

static void fetch(prun *r);

static void ev_arrival(sim *s, void *ctx, uint64_t arg)
{
	prun *r = ctx;
	if (r->cancelled)
		return;
	double now = sim_now(s);
	uint32_t i = item_new(r, now);
	if (i == NONE) {
		sim_stop(s);
		return;
	}
	int counted = r->arrived >= r->warm_n && now >= r->warm_t;
	if (counted && !r->cut_done)
		do_cut(r);
	r->items[i].counted = counted;
	r->arrived++;
	r->in_system++;
	ifo_push(r, &r->source, i);
	receive(r, 0);
	fetch(r);
	sync_levels(r);
	check_end(r);
}

static void fetch(prun *r)
{
	const model_config *c = r->c;
	double t, w;
	if ((c->tasks > 0 && r->arrived >= c->tasks) ||
	    !wl_gen_next(r->gen, &t, &w)) {
		arrivals_end(r, 0);
		return;
	}
	if (c->duration > 0 && t >= c->duration) {
		arrivals_end(r, 1);
		return;
	}
	sim_schedule(r->s, t, PRIO_ARRIVE, ev_arrival, r, 0);
}

/* ---- series ------------------------------------------------------------------- */

static void sample(prun *r)
{
	double *row = model_sample_row(r->smp, &r->smp_n, r->smp_cap, r->cols,
				       &r->smp_dt);
	row[0] = sim_now(r->s);
	for (int k = 0; k < r->n; k++) {
		row[1 + 2 * k] = (double)r->st[k].busy;
		row[2 + 2 * k] = r->st[k].lv_in.value;
	}
}

static void ev_sample(sim *s, void *ctx, uint64_t arg)
{
	prun *r = ctx;
	sample(r);
	if (!r->finished)
		sim_after(s, r->smp_dt, PRIO_SAMPLE, ev_sample, r, 0);
}

/* ---- run ---------------------------------------------------------------------- */

static void emit(prun *r, model_result *o)
{
	double end = sim_now(r->s);
	const model_config *c = r->c;
	if (!r->win_closed)
		win_close(r, r->win_at_duration && c->duration > end ? c->duration
								      : end);
	double t_arr = r->t_win;   /* the arrivals' end */
	if (r->cut_done && !r->win_empty && r->t_win <= r->t_cut) {
		long b = r->backlog_end;   /* still the arrivals' end's */
		win_close(r, end);   /* every item at one instant: widen */
		r->backlog_end = b;
	}
	double w = r->win_empty ? 0 : r->t_win - r->t_cut;
	sample(r);
	model_result_scalar(o, "pool", "submitted", (double)r->arrived);
	model_result_scalar(o, "pool", "completed", (double)r->completed);
	model_result_scalar(o, "pool", "errored", (double)r->errored);
	model_result_scalar(o, "pool", "unfinished", (double)r->unfinished);
	int any = r->n_counted > 0;
	model_result_scalar(o, "pool", "latency_mean",
			    any ? r->lat_sum / (double)r->n_counted : NAN);
	model_result_scalar(o, "pool", "latency_p50",
			    any ? stats_hist_quantile(r->h_lat, 0.5) : NAN);
	model_result_scalar(o, "pool", "latency_p95",
			    any ? stats_hist_quantile(r->h_lat, 0.95) : NAN);
	model_result_scalar(o, "pool", "latency_p99",
			    any ? stats_hist_quantile(r->h_lat, 0.99) : NAN);
	model_result_scalar(o, "pool", "throughput",
			    w > 0 ? (double)(r->win1_completed - r->win0_completed) / w
				  : NAN);
	model_result_scalar(o, "pool", "system_mean", w > 0 ? r->wa_sys / w : NAN);
	model_result_scalar(o, "pool", "backlog_end", (double)r->backlog_end);
	model_result_scalar(o, "pool", "unstable",
			    w > 0 ? model_unstable(&r->probe, r->t_cut, r->t_win,
						   r->wa_sys,
						   (double)(r->win1_arrived -
							    r->win0_arrived))
				  : NAN);
	model_result_scalar(o, "pool", "makespan", r->last_done);
	model_result_scalar(o, "pool", "drain_s", end - t_arr);
	model_result_scalar(o, "pool", "crashed", 0);
	model_result_scalar(o, "pool", "lost", 0);
	if (r->cancelled) {
		model_result_scalar(o, "pool", "cancelled_at", r->t_cancel);
		model_result_scalar(o, "pool", "idle_after_cancel_s",
				    r->t_idle - r->t_cancel);
	}
	char sc[64];
	for (int k = 0; k < r->n; k++) {
		stage *g = &r->st[k];
		snprintf(sc, sizeof sc, "stage/%s", g->sp->name);
		model_result_scalar(o, sc, "utilization",
				    w > 0 ? g->wa_busy / w / (double)g->sp->K : NAN);
		model_result_scalar(o, sc, "blocked_frac",
				    w > 0 ? g->wa_blocked / w / (double)g->sp->K
					  : NAN);
		model_result_scalar(o, sc, "queue_mean",
				    w > 0 ? g->wa_in / w : NAN);
		model_result_scalar(o, sc, "queue_max", g->lv_in.max);
		model_result_scalar(o, sc, "completed", (double)g->done);
		model_result_scalar(o, sc, "last_start_s", g->last_start);
	}
	int want = r->c->series_points > 0 ? r->c->series_points : 200;
	int step = (r->smp_n + want - 1) / want;
	if (step < 1)
		step = 1;
	for (int j = 0; j < r->smp_n; j += step) {
		const double *row = &r->smp[j * r->cols];
		for (int k = 0; k < r->n; k++) {
			snprintf(sc, sizeof sc, "stage/%s", r->st[k].sp->name);
			model_result_point(o, sc, "running", row[0], row[1 + 2 * k]);
			model_result_point(o, sc, "queue_depth", row[0],
					   row[2 + 2 * k]);
		}
	}
}

/* A lower bound on the run length for the first sampling interval. */
static double horizon(const model_config *c)
{
	double rate = wl_mean_rate(&c->arrival);
	double n = c->tasks > 0 ? (double)c->tasks : 1000;
	if (c->duration > 0)
		return c->duration;
	double h = rate > 0 ? n / rate : 0;
	for (int k = 0; k < c->n_stages; k++) {
		double g = n * dist_mean(c->stages[k].service) /
			   (double)c->stages[k].K;
		if (g > h)
			h = g;
	}
	return h > 0 && isfinite(h) ? h : 1.0;
}

int pipeline_run(const model_config *c, uint64_t seed, uint32_t rep,
		 const model_limits *lim, model_result *out)
{
	assert(c->n_stages > 0 && c->n_stages <= MODEL_MAX_STAGES);
	assert(c->arrival.kind != WL_CLOSED);
	prun r;
	memset(&r, 0, sizeof r);
	int rc = 0;
	r.c = c;
	r.n = c->n_stages;
	r.free_head = NONE;
	r.source.head = r.source.tail = NONE;
	r.s = sim_new();
	r.h_lat = stats_hist_new();
	r.gen = wl_gen_new(&c->arrival, seed, rep, "arrival");
	r.cols = 1 + 2 * r.n;
	int pts = c->series_points > 0 ? c->series_points : 200;
	r.smp_cap = 2 * pts + 2;
	r.smp = malloc((size_t)r.smp_cap * (size_t)r.cols * sizeof(double));
	r.smp_dt = horizon(c) / pts;
	if (!r.s || !r.h_lat || !r.gen || !r.smp) {
		rc = PS_ENOMEM;
		goto out;
	}
	for (int k = 0; k < r.n; k++) {
		stage *g = &r.st[k];
		char ent[64];
		g->sp = &c->stages[k];
		assert(g->sp->K > 0 && g->sp->service);
		snprintf(ent, sizeof ent, "stage/%s", g->sp->name);
		g->r_service = rng_stream(seed, rep, ent, "service");
		g->r_error = rng_stream(seed, rep, ent, "error");
		if (!g->r_service || !g->r_error) {
			rc = PS_ENOMEM;
			goto out;
		}
		g->idle = g->sp->K;   /* errgroup: K goroutines ranging over in */
		g->buf.head = g->buf.tail = NONE;
		g->senders.head = g->senders.tail = NONE;
		stats_level_init(&g->lv_busy, 0, 0);
		stats_level_init(&g->lv_blocked, 0, 0);
		stats_level_init(&g->lv_in, 0, 0);
	}
	stats_level_init(&r.lv_sys, 0, 0);
	switch (c->warmup) {
	case WARMUP_TASKS:
		r.warm_n = (long)c->warmup_value;
		break;
	case WARMUP_FRAC:
		if (c->tasks > 0)
			r.warm_n = (long)ceil(c->warmup_value * (double)c->tasks);
		else
			r.warm_t = c->warmup_value * c->duration;
		break;
	case WARMUP_TIME:
		r.warm_t = c->warmup_value;
		break;
	default:
		break;
	}
	if (r.warm_t > 0)
		sim_schedule(r.s, r.warm_t, PRIO_DONE, ev_cut, &r, 0);
	else if (r.warm_n == 0)
		do_cut(&r);   /* no warm-up: the window opens at 0 */
	if (c->duration > 0)
		sim_schedule(r.s, c->duration, PRIO_SAMPLE, ev_win_end, &r, 0);
	sim_watch(r.s, lim ? lim->stop : NULL);
	r.mem_cap = lim ? lim->mem_bytes : 0;
	fetch(&r);
	sim_schedule(r.s, 0, PRIO_SAMPLE, ev_sample, &r, 0);
	check_end(&r);
	while (!r.finished && !r.oom && !sim_fault(r.s) && sim_pending(r.s) > 0)
		sim_run(r.s, INFINITY);
	if (r.oom || sim_fault(r.s)) {
		rc = model_run_error(out, r.oom ? SIM_FAULT_NOMEM : sim_fault(r.s),
				     sim_now(r.s), (double)r.in_system);
		goto out;
	}
	emit(&r, out);
	out->events = sim_events(r.s);
out:
	for (int k = 0; k < r.n; k++) {
		gsl_rng_free(r.st[k].r_service);
		gsl_rng_free(r.st[k].r_error);
	}
	wl_gen_free(r.gen);
	stats_hist_free(r.h_lat);
	sim_free(r.s);
	free(r.items);
	free(r.smp);
	return rc;
}
