/*
 * pool.c — one replication of a scenario: arrivals → producers → a pool
 * library → setup → own work (delay or processor-shared CPU) → downstream
 * calls → done.
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
 * are listed at its submit function below):
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

/* Event priorities: at equal times completions first, then arrivals, then
 * periodic housekeeping, then sampling (which must see the settled state). */
enum { PRIO_DONE = 0, PRIO_ARRIVE = 1, PRIO_TICK = 2, PRIO_SAMPLE = 3 };

/* Where a task is. */
enum {
	ST_WANTED,    /* in a producer loop's backlog, or an unsubmitted subtask */
	ST_BLOCKED,   /* its submitter is blocked in Submit / Process */
	ST_QUEUED,    /* in the library's own task queue (workerpool, pond) */
	ST_RUNNING,   /* on a worker: setup, work, downstream calls */
	ST_DROPPED    /* tunny: timed out while waiting, still linked lazily */
};

/* Who called Submit for the task. */
enum { BY_EACH, BY_LOOP, BY_CLIENT };

enum { F_COUNTED = 1, F_TIMED_OUT = 2, F_PANIC = 4, F_ERROR = 8, F_SKIP = 16 };

/* An alert rule's run-time state: 0 ok, 1 pending (condition true since
 * `since`, the timer `ev` fires at since + for), 2 firing. */
typedef struct alrun {
	int state;
	double since, first, fired_s;
	sim_event_id ev;
} alrun;

#define MAX_PHASES 32

/*
 * A task record. Invariant: a task is linked (through `next`) in at most one
 * FIFO at a time — producer backlog, blocked submitters, pool queue or one
 * downstream's waiters — which is what lets the queues be intrusive.
 * Records are 2^shift bytes (the smallest power of two that holds
 * ds_call, one drawn call time per downstream): a task's address is a
 * shift away from its index, not a multiply, on every step of its life.
 */
typedef struct task {
	double t0;            /* wanted (arrival) time */
	double t_mark;        /* Submit call time; then downstream wait start */
	double work;          /* own work, s (CPU demand when cpus > 0) */
	double setup;         /* per-task setup delay, s (not tunny) */
	sim_event_id tmo;     /* tunny ProcessTimed deadline; 0 = none */
	uint32_t next;        /* FIFO link or free-list link */
	uint32_t sib;         /* next subtask of the request, same submitter */
	uint32_t req;         /* request record (fanout > 1) or NONE */
	uint32_t owner;       /* closed-loop client or NONE */
	uint32_t worker;      /* ants/tunny worker id or NONE */
	uint32_t weight;      /* semaphore units */
	uint8_t state, by, flags, ds_i;
	uint16_t pi;          /* pool instance */
	uint8_t src;          /* arrival source */
	uint8_t hi;           /* priority pool: high class */
	double ds_call[];     /* call time per downstream, drawn at arrival */
} task;

/* A fanout request: completes when its last subtask is resolved. */
typedef struct request {
	double t0;
	uint32_t left;        /* subtasks not yet resolved; free-list link when 0 */
	uint32_t owner;
	uint8_t failed, counted;
} request;

typedef struct fifo {
	uint32_t head, tail;
	long n;
} fifo;

/* ants/tunny worker. */
typedef struct worker {
	double idle_since;
	double setup;         /* tunny: constructor cost still to pay */
} worker;

/* A plain sum/count/max for the means that have no histogram (time
 * blocked in Submit, waits for a shard's lock): they need no variance, and
 * Welford's division per sample was 7% of the bench's time. Latencies and
 * waits are recorded once, in their histograms (count, exact sum, min,
 * max and quantiles). */
typedef struct acc {
	double sum, max;
	uint64_t n;
} acc;

static inline void acc_add(acc *a, double x)
{
	a->sum += x;
	a->n++;
	if (x > a->max)
		a->max = x;
}

static inline double acc_mean(const acc *a)
{
	return a->n ? a->sum / (double)a->n : NAN;
}

typedef struct ps_ent {
	double fin;           /* virtual finish time */
	uint32_t t;
} ps_ent;

/*
 * A processor-sharing station: the m tasks in it all progress at one rate
 * rate(m) = min(1, cores/m) / (1 + sigma (m-1) + kappa m (m-1)) — the CPU
 * (cores = cpus, no USL) or a USL downstream (no core cap). Kept as a
 * virtual clock v (work received per task since the station was created),
 * advanced by rate(m) dt over every interval where m is constant, and a
 * min-heap of virtual finish times (v at entry + work): a task finishes
 * when v reaches its fin. Invariants: v is current at real time t; when
 * m > 0 exactly one event `ev` is pending, at the real time the heap top's
 * fin is reached if m stays as it is; it is moved whenever m changes.
 * `id` names the station in that event: 0 the CPU, 1 + i downstream i.
 */
typedef struct psq {
	ps_ent *a;
	long n, cap;
	double v, t;
	double cores;         /* 0: no core cap */
	double sigma, kappa;  /* USL coefficients; 0, 0 for the CPU */
	sim_event_id ev;
	uint32_t id;
} psq;

typedef struct dsrun {
	const ds_spec *spec;
	gsl_rng *r;
	fifo waiters;
	long in_use, calls;
	psq ps;               /* calls in progress, when spec->usl */
	stats_level lv_in_use;
	double wa_in_use;     /* lv_in_use's area over the window */
	stats_hist *h_wait;   /* also the mean and count */
} dsrun;

/* Per-scope tallies of a tenant/service (source) or a tier. */
typedef struct sstat {
	stats_hist *h_lat, *h_wait;   /* also the means and counts */
	long submitted, completed, rejected, over_quota, counted_arrivals,
	     counted_rejected, counted_completed;
	long win0, win1;      /* completed at the window's start and end */
} sstat;

/*
 * An arrival source: the experiment's anonymous one (streams "arrival",
 * "task", "client", "downstream/NAME" as before tenants existed, so
 * single-pool numbers do not move), or a tenant / service whose streams
 * are all addressed by its scope name. Each source has its own producers.
 */
typedef struct source {
	const wl_spec *arr;
	dist_sampler service;     /* the task's own work */
	const tenant_spec *ten;   /* NULL for the anonymous source */
	char scope[64];           /* "tenant/NAME", "service/NAME" */
	gsl_rng *r_service, *r_setup, *r_weight, *r_think, *r_key;
	gsl_rng *r_ds[MODEL_MAX_DOWNSTREAMS];
	wl_gen *gen;
	double next_t, next_work;
	int done;                 /* no more arrivals from this source */
	int loops_free;
	fifo wanted;
	double tokens, t_tokens;  /* token bucket: level at time t_tokens */
	uint32_t rr;              /* round-robin over its group's replicas */
	sstat st;
} source;

/*
 * One pool instance: the library's own state. A run has one, or one per
 * tier, per service replica or per shard. The counters here are the
 * instance's own (they decide who runs); run keeps the totals that feed
 * the levels and memory.
 */
typedef struct pinst {
	long K;               /* the cap: ants' Tune changes it at run time */
	long wcap;            /* ants/tunny worker arrays: max(K, tune.max) */
	int grp;              /* tier index, or -1 */
	fifo blocked;         /* blocked submitters / tunny callers / sem waiters */
	fifo queue;           /* workerpool deque, pond queue, priority low class,
			       * shard queue */
	fifo hiq;             /* priority: the high class */
	long active;          /* errgroup slots, semaphore units in use */
	long n_busy;          /* tasks on a worker */
	long n_workers;       /* live pool goroutines (workers or per-task) */
	long n_idle;          /* workerpool idle workers (by count) */
	int wp_arrived;       /* workerpool: a task came since the last tick */
	int tunny_ready;
	worker *workers;      /* ants/tunny, K entries */
	uint32_t *idle;       /* ring of idle worker ids (ants LIFO top=back) */
	uint32_t idle_head;
	long idle_n;
	uint32_t *free_ids;   /* ants: ids of exited workers */
	long free_ids_n;
	uint32_t last_freed;
	double lock_free;     /* sharded: when the queue mutex is next free */
	long routed;          /* sharded: tasks routed here */
} pinst;

typedef struct run {
	sim *s;
	const double *clock;  /* sim_clock(s): the time, without a call */
	const model_config *c;
	int cpus, n_ds, fanout;
	pool_kind kind;

	source *src;          /* n_src sources; src[0] alone without tenants */
	int n_src, srcs_live;
	pinst *pools;         /* n_pools instances */
	int n_pools;
	uint32_t *grp_base;   /* first instance of each tier */
	sstat *tst;           /* per tier */
	double *key_cdf;      /* sharded, zipf keys: cumulative pmf */
	uint32_t rr_shard;
	gsl_rng *r_wsetup;

	/* task arena: index-addressed so growth by realloc keeps handles */
	char *arena;
	unsigned shift;           /* a task record is 1 << shift bytes */
	uint32_t cap, used, free_head;
	request *reqs;
	uint32_t rcap, rused, rfree;

	/* arrivals and warm-up */
	long arrived;         /* arrivals (requests) so far */
	long arrive_max;      /* the task limit; LONG_MAX when there is none */
	long warm_n;          /* arrivals with index < warm_n are warm-up */
	double warm_t;        /* arrivals before this time are warm-up */
	int arrivals_done, cut_done, finished;
	double t_cut;

	/* The measurement window (model.h) is [t_cut, t_win]. It closes
	 * once: when the arrivals end (win_close), at `duration` when a
	 * source ended there (win_at_duration; ev_win_end, or emit when the
	 * run was over before), or at emit. Counts are snapshotted at both
	 * ends (*0 in do_cut, *1 in win_close), levels' areas at the end
	 * (they restart at the cut): no per-task test of the window. */
	int win_closed, win_at_duration, win_empty;
	double t_win;
	long win0_completed, win0_r, win0_submitted;
	long win1_completed, win1_r, win1_submitted, backlog_end;
	double wa_queue, wa_busy, wa_system, wa_K;

	/* totals over the instances */
	long n_busy;          /* tasks on a worker */
	long n_workers;       /* live pool goroutines (workers or per-task) */
	long K_total;
	long n_waiting;       /* arrived, not started, not resolved */
	long n_system;        /* arrived, not resolved */
	long n_submitted;     /* handed to Submit, not resolved (memory) */
	long n_blocked_each;  /* `each` goroutines blocked in Submit/Process */
	double expiry;
	long pond_cap;        /* pond/priority queue bound; LONG_MAX when unbounded */
	long reuse_n, reuse_last;
	acc t_lock;           /* sharded: wait for a queue mutex per operation */

	psq cpu;              /* own work when cpus > 0 */

	dsrun ds[MODEL_MAX_DOWNSTREAMS];

	/* statistics */
	stats_level lv_queue, lv_busy, lv_workers, lv_system;
	/* the levels' values as integers (sync_state); 0 at the start like
	 * the levels themselves */
	long sy_queue, sy_busy, sy_workers, sy_system, sy_sat;
	int sync_rare;        /* tune, alerts or mem_limit: sync_rare() */
	/* Fixed at setup (set_lean): the run has one unscoped arrival source
	 * (no tenants, services, tiers or closed loop), no fanout, no phases
	 * and no shutdown-after, so a completed task only touches the totals;
	 * lean_start adds: no processor sharing and not tunny; lean_arrival
	 * adds: no setup, weight, downstream or failure draws and no shard
	 * route, so make_arrival fills one record and draws only its work. */
	int lean, lean_start, lean_arrival;
	/* lean_start and lean_arrival, workerpool: wp_done_lean; lean_each:
	 * lean_wp with a goroutine per arrival (submit_lean) */
	int lean_wp, lean_each;
	/* one source, not closed-loop: its next arrival is kept outside the
	 * event list (fetch_next, model_run); fixed at setup */
	int single;
	acc t_blocked;
	stats_hist *h_lat, *h_wait, *h_rlat;   /* also the means and counts */
	long submitted, completed, rejected, over_quota, timed_out,
	     counted_arrivals, counted_rejected, counted_completed,
	     r_completed, r_counted_done;
	long workers_peak;
	double mem_peak, last_done;
	int crashed;
	long lost;

	/* series: ring of samples, decimated by 2 whenever full */
	double *smp;
	int smp_cols, smp_n, smp_cap;
	double smp_dt;

	/* dynamics */
	gsl_rng *r_fail;      /* panics and errors, drawn at arrival */
	int recover;          /* panics recovered (library default or key) */
	int cancelled;        /* errgroup WithContext: an error cancelled it */
	int term;             /* SIGTERM received */
	double t_term;
	long unfinished, errored, skipped;
	double *tune_win;     /* the last `window` utilisation samples */
	long tune_n;
	double tune_last;     /* time of the last K change */
	int tune_dir;         /* +1 / -1: direction of the last change */
	long k_changes, k_reversals;
	stats_level lv_K, lv_sat;
	int n_phases;
	double phase_end[MAX_PHASES];
	stats_hist *h_phase[MAX_PHASES];
	alrun al[MODEL_MAX_ALERTS];

	int oom;              /* allocation failed somewhere: PS_ENOMEM */

	/* the window's backlog probe (cold: a row per window/32..64) */
	model_probe probe;
} run;

static inline void nw_add(run *r, pinst *p, long d)
{
	p->n_workers += d;
	r->n_workers += d;
}

static inline void busy_add(run *r, pinst *p, long d)
{
	p->n_busy += d;
	r->n_busy += d;
}

/* ---- task arena ------------------------------------------------------- */

static inline task *T(run *r, uint32_t i)
{
	return (task *)(r->arena + ((size_t)i << r->shift));
}

static uint32_t task_alloc_grow(run *r);

/* Once warm, a task comes off the free list: inline, the rest is not. */
static inline uint32_t task_alloc(run *r)
{
	uint32_t i = r->free_head;
	if (i != NONE) {
		r->free_head = T(r, i)->next;
		return i;
	}
	return task_alloc_grow(r);
}

static uint32_t task_alloc_grow(run *r)
{
	if (r->used == r->cap) {
		if (r->cap >= (uint32_t)1 << 31) {   /* indexes stay below NONE */
			r->oom = 1;
			return NONE;
		}
		uint32_t ncap = r->cap ? r->cap * 2 : 256;
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

static void task_free(run *r, uint32_t i)
{
	T(r, i)->next = r->free_head;
	r->free_head = i;
}

static uint32_t req_alloc(run *r)
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

/* ---- intrusive FIFOs --------------------------------------------------- */

static inline void fifo_init(fifo *q)
{
	q->head = q->tail = NONE;
	q->n = 0;
}

static inline void fifo_push(run *r, fifo *q, uint32_t i)
{
	T(r, i)->next = NONE;
	if (q->tail == NONE)
		q->head = i;
	else
		T(r, q->tail)->next = i;
	q->tail = i;
	q->n++;
}

static inline uint32_t fifo_pop(run *r, fifo *q)
{
	uint32_t i = q->head;
	if (i == NONE)
		return NONE;
	q->head = T(r, i)->next;
	if (q->head == NONE)
		q->tail = NONE;
	q->n--;
	return i;
}

/* ---- forward declarations of the task's life --------------------------- */

static void submit(run *r, uint32_t h);
static inline void submit_lean(run *r, uint32_t h);
static inline void submit_returned(run *r, uint32_t h);
static inline void start(run *r, uint32_t h, uint32_t w);
static void after_work(run *r, uint32_t h);
static void task_done(run *r, uint32_t h);
static void resolve(run *r, uint32_t h, int how);
static inline void resolve_done_lean(run *r, const task *x);
static void sync_state(run *r);
static void check_end(run *r);

enum { RES_DONE, RES_REJECTED, RES_TIMED_OUT, RES_OVER_QUOTA, RES_ERRORED,
       RES_SKIPPED };

static void alerts_eval(run *r);

/* ---- statistics helpers ------------------------------------------------- */

static double horizon_guess(const model_config *c);
static void ev_probe(sim *s, void *ctx, uint64_t arg);

/* The window's expected length from t, for the probe's first interval:
 * `duration`, or the task cap at the offered rate, whichever is sooner. */
static double window_guess(const run *r, double t)
{
	const model_config *c = r->c;
	double rate = wl_mean_rate(&c->arrival);
	for (int i = 0; i < c->n_tenants; i++)
		rate += wl_mean_rate(&c->tenants[i].arrival);
	double h = c->duration > 0 ? c->duration : horizon_guess(c);
	if (c->tasks > 0 && rate > 0 && (double)c->tasks / rate < h)
		h = (double)c->tasks / rate;
	return h - t > 0 ? h - t : h > 0 ? h : 1.0;
}

/* The warm-up ends and the window opens at now (model.h). */
static void do_cut(run *r)
{
	double t = sim_now(r->s);
	r->cut_done = 1;
	r->t_cut = t;
	stats_level_reset(&r->lv_queue, t);
	stats_level_reset(&r->lv_busy, t);
	stats_level_reset(&r->lv_workers, t);
	stats_level_reset(&r->lv_system, t);
	stats_level_reset(&r->lv_K, t);
	stats_level_reset(&r->lv_sat, t);
	for (int i = 0; i < r->n_ds; i++)
		stats_level_reset(&r->ds[i].lv_in_use, t);
	r->win0_completed = r->completed;
	r->win0_r = r->r_completed;
	r->win0_submitted = r->submitted;
	for (int i = 0; i < r->n_src; i++)
		r->src[i].st.win0 = r->src[i].st.completed;
	for (int g = 0; r->tst && g < r->c->n_tiers; g++)
		r->tst[g].win0 = r->tst[g].completed;
	if (r->win_closed)
		return;   /* the arrivals ended inside the warm-up */
	model_probe_start(&r->probe, t, window_guess(r, t));
	sim_after(r->s, r->probe.dt, PRIO_SAMPLE, ev_probe, r, 0);
}

/* The window closes at t >= now (every level's last change): the counts
 * as they stand, the levels' areas extended to t. */
static void win_close(run *r, double t)
{
	r->win_closed = 1;
	r->win_empty = !r->cut_done;
	r->t_win = t;
	r->win1_completed = r->completed;
	r->win1_r = r->r_completed;
	r->win1_submitted = r->submitted;
	r->backlog_end = r->n_system;
	r->wa_queue = stats_level_area(&r->lv_queue, t);
	r->wa_busy = stats_level_area(&r->lv_busy, t);
	r->wa_system = stats_level_area(&r->lv_system, t);
	r->wa_K = stats_level_area(&r->lv_K, t);
	for (int i = 0; i < r->n_ds; i++)
		r->ds[i].wa_in_use = stats_level_area(&r->ds[i].lv_in_use, t);
	for (int i = 0; i < r->n_src; i++)
		r->src[i].st.win1 = r->src[i].st.completed;
	for (int g = 0; r->tst && g < r->c->n_tiers; g++)
		r->tst[g].win1 = r->tst[g].completed;
}

/* `duration`: the arrivals ran up to it. */
static void ev_win_end(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	if (!r->win_closed)
		win_close(r, sim_now(s));
}

static void ev_probe(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	if (r->win_closed)
		return;
	double t = sim_now(s);
	model_probe_add(&r->probe, t, stats_level_area(&r->lv_system, t));
	sim_after(s, r->probe.dt, PRIO_SAMPLE, ev_probe, r, 0);
}

static void ev_cut(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	if (!r->cut_done) {
		sync_state(r);
		do_cut(r);
	}
}

/* A level only needs a new point when it changes (the area up to the next
 * change, or to the end, is integrated then). *last is the level's value
 * as an integer, so the common "unchanged" test needs no conversion. */
static inline void lv_sync(stats_level *l, long *last, double t, long v)
{
	if (v != *last) {
		*last = v;
		stats_level_set(l, t, (double)v);
	}
}

/* The per-event work only some configurations need: the autotuner's
 * saturation level, alerts, the memory limit. */
static void sync_rare(run *r, double t, double mem)
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

/* Levels are piecewise constant between events, so setting them once at
 * the end of each event is exact and cheaper than at every counter change.
 * Memory is checked here too: mem = goroutines*bytes + in-flight*bytes.
 * O(1): four integer compares, a level update for each that moved (two or
 * three per event in a pool model), and one memory sum; the rest only when
 * the configuration asks for it (r->sync_rare, fixed at setup).
 * can_grow = 0 when the event certainly lowered or kept every term of the
 * memory sum and kept the worker count (a lean workerpool completion): the
 * peaks cannot move and the workers level has not changed, so the sum
 * and that level are left out. */
static inline __attribute__((always_inline)) void
sync_state_inl(run *r, int can_grow)
{
	double t = *r->clock;
	lv_sync(&r->lv_queue, &r->sy_queue, t, r->n_waiting);
	lv_sync(&r->lv_busy, &r->sy_busy, t, r->n_busy);
	if (can_grow)
		lv_sync(&r->lv_workers, &r->sy_workers, t, r->n_workers);
	lv_sync(&r->lv_system, &r->sy_system, t, r->n_system);
	double mem = NAN;
	if (can_grow || r->sync_rare) {
		if (r->n_workers > r->workers_peak)
			r->workers_peak = r->n_workers;
		mem = (double)(r->n_workers + r->n_blocked_each) *
			      r->c->mem_goroutine +
		      (double)r->n_submitted * r->c->mem_task;
		if (mem > r->mem_peak)
			r->mem_peak = mem;
	}
	if (r->sync_rare)
		sync_rare(r, t, mem);
}

/* Out of line for the rare events; ev_arrival and ev_work_done (two calls
 * per task) take sync_state_inl's body in place. */
static void sync_state(run *r)
{
	sync_state_inl(r, 1);
}

/* ---- arrivals ----------------------------------------------------------- */

static void ev_arrival(sim *s, void *ctx, uint64_t arg);
static void ev_client(sim *s, void *ctx, uint64_t arg);

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
	if (r->kind == POOL_SHARDED) {
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
			x->weight = w < 1 ? 1 : (uint32_t)w;
			/* Weights above K can never be acquired; experiments/
			 * rejects such configs before they get here. */
			assert(x->weight <= (uint32_t)c->K);
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
static void source_done(run *r, source *so, int at_duration)
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
static void all_sources_done(run *r)
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

static void ev_arrival(sim *s, void *ctx, uint64_t arg)
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
static void ev_client(sim *s, void *ctx, uint64_t arg)
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
static void client_next(run *r, int si, uint32_t owner)
{
	source *so = &r->src[si];
	const dist *think = so->arr->think;
	double d = think ? dist_sample(think, so->r_think) : 0.0;
	sim_after(r->s, d, PRIO_ARRIVE, ev_client, r,
		  (uint64_t)si << 32 | owner);
}

/* The run ends when arrivals have stopped and nothing is left anywhere.
 * Closed-loop clients still thinking will find their source done and stop. */
static void check_end(run *r)
{
	/* arrivals_done first: false on all but the last few events */
	if (!r->arrivals_done || r->finished || r->n_system > 0 || r->n_busy > 0)
		return;
	r->finished = 1;
	sim_stop(r->s);
}

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

static void psq_init(psq *q, uint32_t id, double cores, double sigma,
		     double kappa)
{
	memset(q, 0, sizeof *q);
	q->id = id;
	q->cores = cores;
	q->sigma = sigma;
	q->kappa = kappa;
}

static void psq_fini(psq *q)
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
static void psq_enter(run *r, psq *q, uint32_t h, double work)
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

static void ds_end(run *r, uint32_t h);

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

/* ---- a task on a worker: setup → work → downstreams → done -------------- */

/* A workerpool worker has finished its task: it takes the next queued
 * task, or goes idle. */
static inline void wp_worker_freed(run *r, pinst *p)
{
	uint32_t b = fifo_pop(r, &p->queue);
	if (b != NONE)
		start(r, b, NONE);
	else
		p->n_idle++;
}

/* task_done for a lean workerpool run (r->lean_wp): no panic, error,
 * skip or timeout can be flagged and there is one instance, so the task
 * is done, and its worker is free. */
static inline void wp_done_lean(run *r, uint32_t h)
{
	task *x = T(r, h);
	pinst *p = &r->pools[0];
	busy_add(r, p, -1);
	resolve_done_lean(r, x);
	task_free(r, h);
	wp_worker_freed(r, p);
}

/* Work done, or (bit 32 of arg) a downstream call done. */
static void ev_work_done(sim *s, void *ctx, uint64_t arg)
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

static void start_full(run *r, uint32_t h, uint32_t w);

/* Starts h on worker w (NONE for libraries without worker identity).
 * Inline for the lean path (once per task, from submit or task_done). */
static inline __attribute__((always_inline)) void
start(run *r, uint32_t h, uint32_t w)
{
	if (!r->lean_start || r->cancelled) {
		start_full(r, h, w);
		return;
	}
	/* start_full with every scope, tunny and CPU branch known false */
	task *x = T(r, h);
	x->state = ST_RUNNING;
	x->worker = w;
	r->n_waiting--;
	busy_add(r, &r->pools[x->pi], 1);
	if (x->flags & F_COUNTED) {
		double wait = *r->clock - x->t0;
		stats_hist_add(r->h_wait, wait);
	}
	sim_after(r->s, x->setup + x->work, PRIO_DONE, ev_work_done, r, h);
}

static void start_full(run *r, uint32_t h, uint32_t w)
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
	if (r->kind == POOL_TUNNY && w != NONE) {
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

static void ds_call(run *r, uint32_t h);

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
static void ds_call(run *r, uint32_t h)
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

static void ds_end(run *r, uint32_t h)
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

/* Own work finished: on to the downstreams. */
static void after_work(run *r, uint32_t h)
{
	if (T(r, h)->flags & F_SKIP)
		task_done(r, h);
	else
		ds_call(r, h);
}

/* ---- pool libraries ------------------------------------------------------ */

static void block(run *r, uint32_t h)
{
	task *x = T(r, h);
	x->state = ST_BLOCKED;
	if (x->by == BY_EACH)
		r->n_blocked_each++;
	fifo_push(r, &r->pools[x->pi].blocked, h);
}

/* Unblocks h (popped from p->blocked by the caller). */
static void unblocked(run *r, uint32_t h)
{
	if (T(r, h)->by == BY_EACH)
		r->n_blocked_each--;
}

static void reject(run *r, uint32_t h)
{
	resolve(r, h, RES_REJECTED);
	submit_returned(r, h);
	task_free(r, h);
}

static void ev_timeout(sim *s, void *ctx, uint64_t arg);

static void spawn_worker_id(run *r, pinst *p, uint32_t *w)
{
	*w = p->free_ids_n > 0 ? p->free_ids[--p->free_ids_n]
			       : (uint32_t)p->n_workers;
	nw_add(r, p, 1);
}

static void idle_push_back(pinst *p, uint32_t w)
{
	p->idle[(p->idle_head + p->idle_n) % p->wcap] = w;
	p->idle_n++;
}

static uint32_t idle_pop_back(pinst *p)
{
	p->idle_n--;
	return p->idle[(p->idle_head + p->idle_n) % p->wcap];
}

static uint32_t idle_pop_front(pinst *p)
{
	uint32_t w = p->idle[p->idle_head];
	p->idle_head = (uint32_t)((p->idle_head + 1) % p->wcap);
	p->idle_n--;
	return w;
}

static void note_reuse(run *r, pinst *p, uint32_t w)
{
	r->reuse_n++;
	if (w == p->last_freed)
		r->reuse_last++;
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

/* One operation on shard p's queue mutex, wanted now by task x: a FIFO
 * single server with a fixed hold, so its schedule is known at once (the
 * mutex is free again at lock_free). Returns how long the caller is held
 * (wait + hold). Go's mutex barging and spinning are left out. */
static double lock_op(run *r, pinst *p, const task *x)
{
	double hold = r->c->lock_hold;
	if (hold <= 0)
		return 0;
	double now = sim_now(r->s);
	double got = p->lock_free > now ? p->lock_free : now;
	p->lock_free = got + hold;
	if (x->flags & F_COUNTED)
		acc_add(&r->t_lock, got - now);
	return got + hold - now;
}

/* Sharded: h's Submit holds the shard's mutex no longer; the task is in
 * the shard (handed to an idle worker, or queued) and Submit returns. */
static void enqueued(run *r, uint32_t h)
{
	task *x = T(r, h);
	pinst *p = &r->pools[x->pi];
	if (p->n_busy < p->K) {
		start(r, h, NONE);
	} else {
		x->state = ST_QUEUED;
		fifo_push(r, &p->queue, h);
	}
	submit_returned(r, h);
}

static void ev_enqueued(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	enqueued(r, (uint32_t)arg);
	sync_state(r);
	check_end(r);
}

/*
 * Submit h as its submitter (x->by). What Submit does is the library:
 *
 * goroutines — `go f()`: never blocks; one goroutine per task, no bound.
 * errgroup — SetLimit(K) is a channel semaphore: Go blocks the caller while
 *   K are active, woken FIFO (R1), and returns as soon as the task has its
 *   slot; TryGo rejects instead. Left out: WithContext cancellation.
 * semaphore — `Acquire(ctx, w); go func(){ work(); Release(w) }()`: FIFO
 *   waiters, the fast path only when nobody waits, so a large request at
 *   the head blocks smaller ones behind it. Left out: ctx cancellation.
 * ants — K workers spawned on demand, idle ones reused LIFO and purged
 *   every `expiry` (those idle ≥ expiry exit, so an idle worker lives
 *   between E and 2E). No task queue: the backlog is blocked submitters,
 *   woken FIFO — sync.Cond barging (R3: ~10% overtaken) is left out, as
 *   are PreAlloc's FIFO ring, Tune and panics. nonblocking rejects;
 *   max_blocking rejects when that many submitters already wait (one
 *   producer loop is at most one waiter, so it is never rejected).
 * tunny — K persistent workers; Process is synchronous (the caller is held
 *   until the job is done), callers served FIFO, idle workers FIFO (the
 *   longest idle first), unbounded backlog. Constructors once per worker:
 *   inside New one after another, or on first use. ProcessTimed: one
 *   deadline over waiting + running. Left out: SetSize, panics.
 * workerpool — never blocks or rejects: a dispatcher feeds an unbounded
 *   FIFO deque; a task goes to the deque if it is non-empty, else to an
 *   idle worker, else to a new worker below K, else the deque. Every idle
 *   timeout with no new task, one idle worker stops. Left out: Stop/StopWait.
 * pond (v2) — up to K workers that exit as soon as the queue is empty; the
 *   queue is unbounded unless `queue` bounds it; when full, nonblocking
 *   rejects (Dropped), otherwise the submitter waits FIFO for room (the
 *   overtaking of a retrying submitter is left out).
 * priority (exercise 4) — K persistent workers and two bounded class
 *   queues (`queue` each, unbounded by default); Submit never blocks and
 *   returns ErrFull (rejected) when its class queue is full; a freed worker
 *   takes the oldest high task, else the oldest low one (strict,
 *   non-preemptive). Left out: the skeleton's select picking at random
 *   between two ready channels when the high one looked empty an instant
 *   before.
 * sharded (exercise 5) — N shards, each K/N persistent workers and its own
 *   FIFO queue guarded by a mutex held lock_hold per operation: Submit
 *   takes it once (the producer waits for it), a worker takes it once more
 *   to dequeue when the task had to queue (a handoff to an idle worker
 *   needs no second operation). Routing happens in Submit (route()).
 *   Left out: a bound on the shard queues, and mutex starvation mode.
 * Tenants' quotas (exercise 13) are checked first, before the library sees
 * the task: a refused task is over_quota, not rejected.
 */
/* workerpool's Submit (see above), shared by submit and submit_lean. */
static inline void wp_submit(run *r, pinst *p, task *x, uint32_t h)
{
	p->wp_arrived = 1;
	if (p->queue.n == 0 && p->n_idle > 0) {
		p->n_idle--;
		start(r, h, NONE);
	} else if (p->queue.n == 0 && p->n_workers < p->K) {
		nw_add(r, p, 1);
		start(r, h, NONE);
	} else {
		x->state = ST_QUEUED;
		fifo_push(r, &p->queue, h);
	}
}

/* submit for an `each` submitter in a lean workerpool run (r->lean_wp):
 * no tenant quota, one instance. In place in ev_arrival. */
static inline void submit_lean(run *r, uint32_t h)
{
	task *x = T(r, h);
	x->t_mark = *r->clock;
	r->n_submitted++;
	wp_submit(r, &r->pools[0], x, h);
	submit_returned(r, h);
}

static void submit(run *r, uint32_t h)
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
	switch (r->kind) {
	case POOL_GOROUTINES:
		nw_add(r, p, 1);
		start(r, h, NONE);
		submit_returned(r, h);
		return;
	case POOL_ERRGROUP:
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
		return;
	case POOL_SEMAPHORE:
		if (p->blocked.n == 0 && p->active + x->weight <= p->K) {
			p->active += x->weight;
			nw_add(r, p, 1);
			start(r, h, NONE);
			submit_returned(r, h);
		} else {
			block(r, h);
		}
		return;
	case POOL_ANTS: {
		uint32_t w;
		if (p->idle_n > 0) {
			w = idle_pop_back(p);
			note_reuse(r, p, w);
		} else if (p->n_workers < p->K) {
			spawn_worker_id(r, p, &w);
		} else if (r->c->nonblocking ||
			   (r->c->max_blocking > 0 &&
			    p->blocked.n >= r->c->max_blocking)) {
			reject(r, h);
			return;
		} else {
			block(r, h);
			return;
		}
		start(r, h, w);
		submit_returned(r, h);
		return;
	}
	case POOL_TUNNY:
		/* an `each` caller is held (a live goroutine) until Process
		 * returns, whether it waits or runs */
		if (x->by == BY_EACH)
			r->n_blocked_each++;
		if (r->c->timeout > 0)
			x->tmo = sim_after(r->s, r->c->timeout, PRIO_DONE,
					   ev_timeout, r, h);
		if (p->tunny_ready && p->idle_n > 0) {
			uint32_t w = idle_pop_front(p);
			note_reuse(r, p, w);
			start(r, h, w);
		} else {
			x->state = ST_BLOCKED;
			fifo_push(r, &p->blocked, h);
		}
		/* Process returns when the job is done (task_done). */
		return;
	case POOL_WORKERPOOL:
		wp_submit(r, p, x, h);
		submit_returned(r, h);
		return;
	case POOL_POND:
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
		return;
	case POOL_PRIORITY: {
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
		return;
	}
	case POOL_SHARDED: {
		double d = lock_op(r, p, x);
		if (d > 0) {
			x->state = ST_BLOCKED;
			sim_after(r->s, d, PRIO_DONE, ev_enqueued, r, h);
		} else {
			enqueued(r, h);
		}
		return;
	}
	default:
		assert(0 && "pool kind not runnable");
	}
}

/* h's Submit (or Process) call has returned: its submitter moves on to the
 * request's next subtask, or (a producer loop) to the next wanted request.
 * h itself may be resolved already but its record is still valid. */
static void submit_next(run *r, task *x);

static inline void submit_returned(run *r, uint32_t h)
{
	task *x = T(r, h);
	if (x->flags & F_COUNTED)
		acc_add(&r->t_blocked, *r->clock - x->t_mark);
	/* an `each` submitter of a one-task request just leaves */
	if (x->sib != NONE || x->by == BY_LOOP)
		submit_next(r, x);
}

/* The submitter moves on: the request's next subtask, or (a producer
 * loop) the next wanted request. */
static void submit_next(run *r, task *x)
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

/* tunny ProcessTimed deadline. */
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

/* Pops the oldest live tunny caller, freeing dropped ones on the way. */
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

/* h finished its work and downstream calls: free its worker or slot,
 * record it, and let the next waiter in. */
static void task_done(run *r, uint32_t h)
{
	task *x = T(r, h);
	uint32_t w = x->worker;
	int late = x->flags & F_TIMED_OUT;
	uint32_t weight = x->weight;
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
	if (how == RES_ERRORED && r->kind == POOL_ERRGROUP)
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
		if (r->kind == POOL_TUNNY) {
			unblocked(r, h);
			submit_returned(r, h);
		}
	}
	task_free(r, h);
	/* h is gone; only w and weight below. */
	uint32_t b;
	switch (r->kind) {
	case POOL_GOROUTINES:
		nw_add(r, p, -1);
		break;
	case POOL_ERRGROUP:
		nw_add(r, p, -1);
		p->active--;
		if ((b = fifo_pop(r, &p->blocked)) != NONE) {
			unblocked(r, b);
			p->active++;
			nw_add(r, p, 1);
			start(r, b, NONE);
			submit_returned(r, b);
		}
		break;
	case POOL_SEMAPHORE:
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
		break;
	case POOL_ANTS:
		p->last_freed = w;
		if (p->n_workers > p->K) {
			/* Tune shrank the pool: a surplus worker leaves after
			 * its task instead of going idle */
			p->free_ids[p->free_ids_n++] = w;
			nw_add(r, p, -1);
		} else if ((b = fifo_pop(r, &p->blocked)) != NONE) {
			/* The worker goes idle and the woken submitter takes
			 * it straight back (top of the stack). */
			unblocked(r, b);
			note_reuse(r, p, w);
			start(r, b, w);
			submit_returned(r, b);
		} else {
			p->workers[w].idle_since = sim_now(r->s);
			idle_push_back(p, w);
		}
		break;
	case POOL_TUNNY:
		p->last_freed = w;
		if ((b = pop_caller(r, p)) != NONE) {
			note_reuse(r, p, w);
			start(r, b, w);
		} else {
			p->workers[w].idle_since = sim_now(r->s);
			idle_push_back(p, w);
		}
		break;
	case POOL_WORKERPOOL:
		wp_worker_freed(r, p);
		break;
	case POOL_POND:
		if ((b = fifo_pop(r, &p->queue)) != NONE) {
			start(r, b, NONE);
			uint32_t c = fifo_pop(r, &p->blocked);
			if (c != NONE) {
				/* room in the queue: the oldest waiting
				 * submitter's task goes in, its Submit returns */
				unblocked(r, c);
				T(r, c)->state = ST_QUEUED;
				fifo_push(r, &p->queue, c);
				submit_returned(r, c);
			}
		} else {
			nw_add(r, p, -1);   /* pond workers never idle */
		}
		break;
	case POOL_PRIORITY:
		if ((b = fifo_pop(r, &p->hiq)) != NONE ||
		    (b = fifo_pop(r, &p->queue)) != NONE)
			start(r, b, NONE);
		break;
	case POOL_SHARDED:
		if ((b = fifo_pop(r, &p->queue)) != NONE) {
			/* the worker takes the mutex to dequeue: the task starts
			 * once it has it */
			T(r, b)->setup += lock_op(r, p, T(r, b));
			start(r, b, NONE);
		}
		break;
	default:
		assert(0);
	}
}

static void ev_term(sim *s, void *ctx, uint64_t arg);

/* Latency of a task by the arrival step (phase) it arrived in. */
static void phase_add(run *r, double t0, double lat)
{
	int p = 0;
	while (p < r->n_phases - 1 && t0 >= r->phase_end[p])
		p++;
	stats_hist_add(r->h_phase[p], lat);
}

/* resolve(RES_DONE) when r->lean: the path below with no scope, phase,
 * shutdown, request or closed-loop owner to update. In place in task_done
 * (once per task), which calls it instead of resolve. */
static inline void resolve_done_lean(run *r, const task *x)
{
	double now = *r->clock;
	r->n_system--;
	r->n_submitted--;
	r->completed++;
	r->last_done = now;
	if (x->flags & F_COUNTED) {
		double lat = now - x->t0;
		r->counted_completed++;
		stats_hist_add(r->h_lat, lat);
	}
}

/* The task's caller has its answer: completed, rejected or timed out.
 * Does not free the record (the caller does, when nothing refers to it). */
static void resolve(run *r, uint32_t h, int how)
{
	task *x = T(r, h);
	double now = *r->clock;
	int counted = x->flags & F_COUNTED;
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

/* ---- periodic housekeeping ------------------------------------------------ */

/* ants purge ticker: every E, idle workers unused for at least E exit.
 * They sit at the bottom of the LIFO stack (the front of the ring). */
static void ev_ants_purge(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	pinst *p = &r->pools[arg];
	double now = sim_now(s);
	while (p->idle_n > 0 &&
	       now - p->workers[p->idle[p->idle_head]].idle_since >= r->expiry) {
		uint32_t w = idle_pop_front(p);
		p->free_ids[p->free_ids_n++] = w;
		nw_add(r, p, -1);
	}
	sim_after(s, r->expiry, PRIO_TICK, ev_ants_purge, r, arg);
	sync_state(r);
}

/* workerpool dispatcher timer: a tick with no task since the last one
 * stops one idle worker. */
static void ev_wp_tick(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	pinst *p = &r->pools[arg];
	if (!p->wp_arrived && p->n_idle > 0) {
		p->n_idle--;
		nw_add(r, p, -1);
	}
	p->wp_arrived = 0;
	sim_after(s, r->expiry, PRIO_TICK, ev_wp_tick, r, arg);
	sync_state(r);
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

static void ev_term(sim *s, void *ctx, uint64_t arg)
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

/* ---- autotuner (ants Tune) -------------------------------------------------- */
/*
 * Exercise 19's loop: every period, util = Running()/Cap() (ants' Running
 * counts live workers, busy or idle-not-yet-purged), averaged over the
 * last `window` samples; above `high` grow by `step`, below `low` shrink,
 * within [min, max], and no change within `cooldown` of the last one.
 * Tune(n) growing wakes blocked submitters (each gets a new worker up to
 * the new cap); shrinking kills nothing: workers above the cap exit after
 * their current task, idle ones at the purge.
 */

static void set_K(run *r, long k)
{
	pinst *p = &r->pools[0];   /* the autotuner drives a single pool */
	int dir = k > p->K ? 1 : -1;
	if (r->tune_dir && dir != r->tune_dir)
		r->k_reversals++;
	r->tune_dir = dir;
	r->k_changes++;
	p->K = k;
	r->K_total = k;
	r->tune_last = sim_now(r->s);
	stats_level_set(&r->lv_K, sim_now(r->s), (double)k);
	uint32_t b;
	while (p->n_workers < p->K && (b = fifo_pop(r, &p->blocked)) != NONE) {
		uint32_t w;
		unblocked(r, b);
		spawn_worker_id(r, p, &w);
		start(r, b, w);
		submit_returned(r, b);
	}
}

static void ev_tune(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	const tune_spec *ts = &r->c->tune;
	const pinst *p = &r->pools[0];
	r->tune_win[r->tune_n++ % ts->window] = (double)p->n_workers /
						(double)p->K;
	long n = r->tune_n < ts->window ? r->tune_n : ts->window;
	double u = 0;
	for (long i = 0; i < n; i++)
		u += r->tune_win[i];
	u /= (double)n;
	long K = p->K;
	int quiet = r->k_changes > 0 &&
		    sim_now(s) - r->tune_last < ts->cooldown;
	if (!quiet && u > ts->high && K < ts->max)
		set_K(r, K + ts->step < ts->max ? K + ts->step : ts->max);
	else if (!quiet && u < ts->low && K > ts->min)
		set_K(r, K - ts->step > ts->min ? K - ts->step : ts->min);
	if (!r->finished)
		sim_after(s, ts->period, PRIO_TICK, ev_tune, r, 0);
	sync_state(r);
	check_end(r);
}

/* ---- alerts ------------------------------------------------------------------ */
/*
 * A rule `METRIC OP X for D` is evaluated continuously on the simulated
 * levels (they change only at events, so checking at the end of every
 * event is exact): it turns pending when the condition becomes true and
 * fires when it has held for D without a break (Prometheus' `for`, with
 * an evaluation interval of zero); it resolves when the condition fails.
 */

static double alert_value(const run *r, alert_metric m)
{
	switch (m) {
	case ALERT_QUEUE_DEPTH: return (double)r->n_waiting;
	case ALERT_RUNNING: return (double)r->n_busy;
	case ALERT_WORKERS: return (double)r->n_workers;
	default: return (double)r->n_system;
	}
}

static void ev_alert(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	alrun *a = &r->al[arg];
	a->ev = 0;
	a->state = 2;
	a->since = sim_now(s);
	if (isnan(a->first))
		a->first = sim_now(s);
}

static void alerts_eval(run *r)
{
	double now = sim_now(r->s);
	for (int i = 0; i < r->c->n_alerts; i++) {
		const alert_spec *sp = &r->c->alerts[i];
		alrun *a = &r->al[i];
		double v = alert_value(r, sp->metric);
		int on = sp->op == ALERT_GT ? v > sp->threshold :
			 sp->op == ALERT_GE ? v >= sp->threshold :
			 sp->op == ALERT_LT ? v < sp->threshold :
					      v <= sp->threshold;
		if (on && a->state == 0) {
			a->state = 1;
			a->since = now;
			a->ev = sim_after(r->s, sp->for_s, PRIO_SAMPLE, ev_alert,
					  r, (uint64_t)i);
		} else if (!on && a->state == 1) {
			sim_cancel(r->s, a->ev);
			a->ev = 0;
			a->state = 0;
		} else if (!on && a->state == 2) {
			a->fired_s += now - a->since;
			a->state = 0;
		}
	}
}

/* ---- series ----------------------------------------------------------------- */

static void sample_now(run *r)
{
	double *row = model_sample_row(r->smp, &r->smp_n, r->smp_cap,
				       r->smp_cols, &r->smp_dt);
	row[0] = sim_now(r->s);
	row[1] = (double)r->n_waiting;
	row[2] = (double)r->n_busy;
	row[3] = (double)r->n_workers;
	row[4] = (double)r->pools[0].K;
	row[5] = (double)r->arrived;
	for (int i = 0; i < r->n_ds; i++)
		row[6 + i] = (double)r->ds[i].in_use;
	for (int i = 0; i < r->c->n_alerts; i++)
		row[6 + r->n_ds + i] = r->al[i].state;
}

static void ev_sample(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	sample_now(r);
	sim_after(s, r->smp_dt, PRIO_SAMPLE, ev_sample, r, 0);
}

/* A lower bound on the run length, for the first sampling interval (it
 * doubles as needed). */
static double horizon_guess(const model_config *c)
{
	if (c->duration > 0)
		return c->duration;
	double rate = wl_mean_rate(&c->arrival);
	if (rate > 0 && c->tasks > 0)
		return (double)c->tasks / rate;
	double n = c->tasks > 0 ? (double)c->tasks : 1000;
	if (c->arrival.kind == WL_BURST && c->arrival.burst_n > 0)
		n = (double)c->arrival.burst_n;
	double k = c->pool == POOL_GOROUTINES ? n : (double)c->K;
	double g = n * c->fanout * dist_mean(c->service) / (k > 0 ? k : 1);
	return g > 0 && isfinite(g) ? g : 1.0;
}

/* ---- results ------------------------------------------------------------ */

/* An empty histogram gives NAN for every one of these (and emit_wait's). */
static void emit_latency(model_result *o, const char *scope,
			 const stats_hist *h)
{
	static const struct {
		const char *name;
		double p;
	} q[] = { { "latency_p50", 0.50 }, { "latency_p90", 0.90 },
		  { "latency_p95", 0.95 }, { "latency_p99", 0.99 },
		  { "latency_p999", 0.999 },
		  { "latency_max", 1 } };
	model_result_scalar(o, scope, "latency_mean", stats_hist_mean(h));
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
		model_result_scalar(o, scope, q[i].name,
				    stats_hist_quantile(h, q[i].p));
}

static void emit_wait(model_result *o, const char *scope, const stats_hist *h)
{
	model_result_scalar(o, scope, "wait_mean", stats_hist_mean(h));
	model_result_scalar(o, scope, "wait_p95", stats_hist_quantile(h, 0.95));
	model_result_scalar(o, scope, "wait_p99", stats_hist_quantile(h, 0.99));
}

/* A count over the window's length w (NAN when the window is empty). */
static inline double per_s(long n, double w)
{
	return w > 0 ? (double)n / w : NAN;
}

static void emit_sstat(model_result *o, const char *scope, const sstat *st,
		       double w)
{
	model_result_scalar(o, scope, "submitted", (double)st->submitted);
	model_result_scalar(o, scope, "completed", (double)st->completed);
	model_result_scalar(o, scope, "rejected", (double)st->rejected);
	model_result_scalar(o, scope, "over_quota", (double)st->over_quota);
	model_result_scalar(o, scope, "rejected_frac",
			    st->counted_arrivals > 0
				    ? (double)st->counted_rejected /
					      (double)st->counted_arrivals
				    : 0);
	model_result_scalar(o, scope, "throughput", per_s(st->win1 - st->win0, w));
	emit_latency(o, scope, st->h_lat);
	emit_wait(o, scope, st->h_wait);
}

/* Tenant, service and tier scopes; fairness; the sharded pool's lock and
 * balance. */
static void emit_scopes(run *r, model_result *o, double w)
{
	const model_config *c = r->c;
	if (c->n_tenants > 0) {
		double sum = 0, sq = 0;
		for (int i = 0; i < r->n_src; i++) {
			const sstat *st = &r->src[i].st;
			double x = w > 0 ? (double)(st->win1 - st->win0) / w : 0;
			sum += x;
			sq += x * x;
			emit_sstat(o, r->src[i].scope, st, w);
		}
		model_result_scalar(o, "pool", "over_quota", (double)r->over_quota);
		model_result_scalar(o, "pool", "fairness",
				    sq > 0 ? sum * sum / ((double)r->n_src * sq)
					   : NAN);
	}
	char scope[64];
	for (int g = 0; g < c->n_tiers; g++) {
		if (c->tiers[g].is_service)
			continue;   /* the service/NAME scope says it all */
		snprintf(scope, sizeof scope, "tier/%s", c->tiers[g].name);
		emit_sstat(o, scope, &r->tst[g], w);
	}
	if (r->kind == POOL_SHARDED) {
		long mx = 0, tot = 0;
		for (int i = 0; i < r->n_pools; i++) {
			tot += r->pools[i].routed;
			if (r->pools[i].routed > mx)
				mx = r->pools[i].routed;
		}
		model_result_scalar(o, "pool", "lock_wait_mean",
				    r->t_lock.n ? acc_mean(&r->t_lock) : 0);
		model_result_scalar(o, "pool", "imbalance",
				    tot > 0 ? (double)mx * r->n_pools / (double)tot
					    : NAN);
	}
}

static void emit(run *r, model_result *o)
{
	const model_config *c = r->c;
	/* Rates and time-averages over the window (model.h); drain_s and
	 * makespan say what came after it. */
	double end = sim_now(r->s);
	if (!r->win_closed)
		/* the run was over (or crashed) before the window's end
		 * event: nothing changed from end to `duration` */
		win_close(r, r->win_at_duration && !r->crashed &&
					     c->duration > end
				     ? c->duration : end);
	double t_arr = r->term ? r->t_term : r->t_win;   /* arrivals' end */
	if (r->cut_done && !r->win_empty && r->t_win <= r->t_cut) {
		long b = r->backlog_end;   /* still the arrivals' end's */
		win_close(r, end);   /* every arrival at one instant: widen */
		r->backlog_end = b;
	}
	double w = r->win_empty ? 0 : r->t_win - r->t_cut;
	double k = r->kind == POOL_GOROUTINES ? (double)r->workers_peak
					      : (double)r->K_total;
	if (c->tune.on)
		k = w > 0 ? r->wa_K / w : NAN;
	sample_now(r);

	model_result_scalar(o, "pool", "submitted", (double)r->submitted);
	model_result_scalar(o, "pool", "completed", (double)r->completed);
	model_result_scalar(o, "pool", "rejected", (double)r->rejected);
	long cs = r->counted_arrivals * r->fanout;
	model_result_scalar(o, "pool", "rejected_frac",
			    cs > 0 ? (double)r->counted_rejected / (double)cs : 0);
	model_result_scalar(o, "pool", "throughput",
			    per_s(r->win1_completed - r->win0_completed, w));
	emit_latency(o, "pool", r->h_lat);
	emit_wait(o, "pool", r->h_wait);
	model_result_scalar(o, "pool", "waited_frac",
			    1 - stats_hist_frac_zero(r->h_wait));   /* NAN: none */
	model_result_scalar(o, "pool", "blocked_mean",
			    r->t_blocked.n ? acc_mean(&r->t_blocked) : 0);
	model_result_scalar(o, "pool", "utilization",
			    w > 0 ? k > 0 ? r->wa_busy / w / k : 0 : NAN);
	model_result_scalar(o, "pool", "queue_mean",
			    w > 0 ? r->wa_queue / w : NAN);
	model_result_scalar(o, "pool", "queue_max", r->lv_queue.max);
	model_result_scalar(o, "pool", "system_mean",
			    w > 0 ? r->wa_system / w : NAN);
	model_result_scalar(o, "pool", "backlog_end", (double)r->backlog_end);
	model_result_scalar(o, "pool", "unstable",
			    w > 0 ? model_unstable(&r->probe, r->t_cut, r->t_win,
						   r->wa_system,
						   (double)(r->win1_submitted -
							    r->win0_submitted))
				  : NAN);
	model_result_scalar(o, "pool", "workers_peak", (double)r->workers_peak);
	model_result_scalar(o, "pool", "mem_peak_bytes", r->mem_peak);
	model_result_scalar(o, "pool", "crashed", r->crashed);
	model_result_scalar(o, "pool", "lost", (double)r->lost);
	model_result_scalar(o, "pool", "makespan", r->last_done);
	/* from the end of arrivals (the SIGTERM when one came) to the run's
	 * last event */
	model_result_scalar(o, "pool", "drain_s", end - t_arr);
	model_result_scalar(o, "pool", "blocked_total_s", r->t_blocked.sum);
	double producers = c->producers > 0 ? c->producers :
			   c->arrival.kind == WL_CLOSED ? c->arrival.closed_n :
			   (double)r->t_blocked.n;
	model_result_scalar(o, "pool", "blocked_per_producer_s",
			    producers > 0 ? r->t_blocked.sum / producers : 0);
	if (c->panic > 0 || c->error > 0) {
		model_result_scalar(o, "pool", "errored", (double)r->errored);
		model_result_scalar(o, "pool", "skipped", (double)r->skipped);
	}
	if (c->shutdown != SHUT_NONE)
		model_result_scalar(o, "pool", "unfinished",
				    (double)(r->unfinished + r->n_system));
	if (c->tune.on) {
		model_result_scalar(o, "pool", "k_mean", k);
		model_result_scalar(o, "pool", "k_changes", (double)r->k_changes);
		model_result_scalar(o, "pool", "k_reversals",
				    (double)r->k_reversals);
		model_result_scalar(o, "pool", "saturated_s",
				    stats_level_mean(&r->lv_sat, end) *
					    (end - r->t_cut));
	}
	for (int p = 0; p < r->n_phases; p++) {
		char ph[32];
		snprintf(ph, sizeof ph, "phase/%d", p + 1);
		model_result_scalar(o, ph, "latency_p95",
				    stats_hist_quantile(r->h_phase[p], 0.95));
		model_result_scalar(o, ph, "latency_p99",
				    stats_hist_quantile(r->h_phase[p], 0.99));
	}
	for (int i = 0; i < c->n_alerts; i++) {
		char al[64];
		alrun *a = &r->al[i];
		snprintf(al, sizeof al, "alert/%s", c->alerts[i].name);
		model_result_scalar(o, al, "first_fire_s", a->first);
		model_result_scalar(o, al, "fired_s", a->fired_s +
				    (a->state == 2 ? end - a->since : 0));
	}
	if (r->kind == POOL_TUNNY)
		model_result_scalar(o, "pool", "timed_out", (double)r->timed_out);
	if (r->kind == POOL_ANTS || r->kind == POOL_TUNNY)
		model_result_scalar(o, "pool", "reuse_lifo_frac",
				    r->reuse_n ? (double)r->reuse_last /
							 (double)r->reuse_n
					       : NAN);
	if (r->fanout > 1) {
		emit_latency(o, "request", r->h_rlat);
		model_result_scalar(o, "request", "completed",
				    (double)r->r_completed);
		model_result_scalar(o, "request", "throughput",
				    per_s(r->win1_r - r->win0_r, w));
	}
	emit_scopes(r, o, w);
	char scope[64];
	for (int i = 0; i < r->n_ds; i++) {
		dsrun *d = &r->ds[i];
		snprintf(scope, sizeof scope, "downstream/%s", d->spec->name);
		emit_wait(o, scope, d->h_wait);
		double lim = d->spec->limit > 0 ? d->spec->limit : d->lv_in_use.max;
		model_result_scalar(o, scope, "utilization",
				    w > 0 ? lim > 0 ? d->wa_in_use / w / lim : 0
					  : NAN);
		model_result_scalar(o, scope, "calls", (double)d->calls);
		model_result_scalar(o, scope, "in_use_max", d->lv_in_use.max);
	}

	/* series: at most series_points samples, evenly thinned */
	int want = c->series_points > 0 ? c->series_points : 200;
	int step = (r->smp_n + want - 1) / want;
	if (step < 1)
		step = 1;
	for (int j = 0; j < r->smp_n; j += step) {
		const double *row = &r->smp[j * r->smp_cols];
		if (c->tune.on) {
			/* offered load: arrivals since the previous kept
			 * sample, per second */
			const double *pr = j >= step ? row - step * r->smp_cols
						     : NULL;
			double dt = pr ? row[0] - pr[0] : row[0];
			double da = pr ? row[5] - pr[5] : row[5];
			model_result_point(o, "pool", "K", row[0], row[4]);
			model_result_point(o, "pool", "offered", row[0],
					   dt > 0 ? da / dt : NAN);
		}
		model_result_point(o, "pool", "queue_depth", row[0], row[1]);
		model_result_point(o, "pool", "running", row[0], row[2]);
		model_result_point(o, "pool", "workers", row[0], row[3]);
		for (int i = 0; i < r->n_ds; i++) {
			snprintf(scope, sizeof scope, "downstream/%s",
				 r->ds[i].spec->name);
			model_result_point(o, scope, "in_use", row[0], row[6 + i]);
		}
		for (int i = 0; i < c->n_alerts; i++) {
			snprintf(scope, sizeof scope, "alert/%s",
				 c->alerts[i].name);
			model_result_point(o, scope, "state", row[0],
					   row[6 + r->n_ds + i]);
		}
	}
}

/* ---- model_run -------------------------------------------------------------- */

/* Streams of source so. The anonymous source keeps the entities used
 * before tenants existed ("task", "client", "downstream/NAME"), so
 * single-pool numbers do not move; a tenant's are all under its scope. */
static int setup_source(run *r, source *so, const tenant_spec *ten,
			uint64_t seed, uint32_t rep)
{
	const model_config *c = r->c;
	so->ten = ten;
	so->arr = ten ? &ten->arrival : &c->arrival;
	dist_sampler_init(&so->service,
			  ten && ten->service ? ten->service : c->service);
	fifo_init(&so->wanted);
	so->loops_free = c->producers;
	if (ten) {
		snprintf(so->scope, sizeof so->scope, "%s/%s",
			 ten->is_service ? "service" : "tenant", ten->name);
		so->tokens = ten->quota_burst;
		so->st.h_lat = stats_hist_new();
		so->st.h_wait = stats_hist_new();
		if (!so->st.h_lat || !so->st.h_wait)
			return PS_ENOMEM;
	}
	const char *ent = ten ? so->scope : "task";
	if (!(so->r_service = rng_stream(seed, rep, ent, "service")))
		return PS_ENOMEM;
	if (c->setup && c->pool != POOL_TUNNY &&
	    !(so->r_setup = rng_stream(seed, rep, ent, "setup")))
		return PS_ENOMEM;
	if (c->weight && c->pool == POOL_SEMAPHORE &&
	    !(so->r_weight = rng_stream(seed, rep, ent, "weight")))
		return PS_ENOMEM;
	if (c->pool == POOL_SHARDED && c->route == ROUTE_HASH &&
	    !(so->r_key = rng_stream(seed, rep, ent, "key")))
		return PS_ENOMEM;
	for (int i = 0; i < r->n_ds; i++) {
		char e[64], purpose[64];
		snprintf(e, sizeof e, "downstream/%s", c->downstreams[i].name);
		if (ten)
			snprintf(purpose, sizeof purpose, "%s", e);
		if (!(so->r_ds[i] = ten ? rng_stream(seed, rep, ent, purpose)
				       : rng_stream(seed, rep, e, "service")))
			return PS_ENOMEM;
	}
	if (so->arr->kind == WL_CLOSED) {
		if (!(so->r_think = rng_stream(seed, rep, ten ? ent : "client",
					       "think")))
			return PS_ENOMEM;
	} else if (!(so->gen = wl_gen_new(so->arr, seed, rep,
					  ten ? so->scope : "arrival"))) {
		return PS_ENOMEM;
	}
	return 0;
}

/* Pool instances: one per tier (or service replica), per shard, or the
 * experiment's one pool. */
static int setup_pools(run *r, uint64_t seed, uint32_t rep)
{
	const model_config *c = r->c;
	int n = 1;
	if (c->pool == POOL_SHARDED) {
		n = c->shards > 0 ? c->shards : 1;
	} else if (c->n_tiers > 0) {
		r->grp_base = calloc((size_t)c->n_tiers, sizeof *r->grp_base);
		r->tst = calloc((size_t)c->n_tiers, sizeof *r->tst);
		if (!r->grp_base || !r->tst)
			return PS_ENOMEM;
		n = 0;
		for (int g = 0; g < c->n_tiers; g++) {
			r->grp_base[g] = (uint32_t)n;
			n += c->tiers[g].replicas > 0 ? c->tiers[g].replicas : 1;
			r->tst[g].h_lat = stats_hist_new();
			r->tst[g].h_wait = stats_hist_new();
			if (!r->tst[g].h_lat || !r->tst[g].h_wait)
				return PS_ENOMEM;
		}
	}
	assert(n <= 65535);
	r->pools = calloc((size_t)n, sizeof *r->pools);
	if (!r->pools)
		return PS_ENOMEM;
	r->n_pools = n;
	for (int i = 0; i < n; i++) {
		pinst *p = &r->pools[i];
		p->grp = -1;
		p->K = c->K;
		p->last_freed = NONE;
		fifo_init(&p->blocked);
		fifo_init(&p->queue);
		fifo_init(&p->hiq);
	}
	if (c->pool == POOL_SHARDED) {
		/* K/N workers per shard, the first K mod N one more */
		for (int i = 0; i < n; i++)
			r->pools[i].K = c->K / n + (i < c->K % n);
	} else {
		for (int g = 0; g < c->n_tiers; g++)
			for (int j = 0; j < (c->tiers[g].replicas > 0
						     ? c->tiers[g].replicas : 1); j++) {
				pinst *p = &r->pools[r->grp_base[g] + (uint32_t)j];
				p->grp = g;
				p->K = c->tiers[g].K;
			}
	}
	r->K_total = 0;
	for (int i = 0; i < n; i++) {
		pinst *p = &r->pools[i];
		r->K_total += p->K;
		p->wcap = p->K;
		if (c->tune.on && r->kind == POOL_ANTS && c->tune.max > p->wcap)
			p->wcap = c->tune.max;   /* Tune may grow it */
		if (r->kind == POOL_ANTS || r->kind == POOL_TUNNY) {
			p->workers = calloc((size_t)p->wcap, sizeof *p->workers);
			p->idle = calloc((size_t)p->wcap, sizeof *p->idle);
			p->free_ids = calloc((size_t)p->wcap, sizeof *p->free_ids);
			if (!p->workers || !p->idle || !p->free_ids)
				return PS_ENOMEM;
		}
		if (r->kind == POOL_ANTS) {
			sim_schedule(r->s, r->expiry, PRIO_TICK, ev_ants_purge, r,
				     (uint64_t)i);
		} else if (r->kind == POOL_WORKERPOOL) {
			sim_schedule(r->s, r->expiry, PRIO_TICK, ev_wp_tick, r,
				     (uint64_t)i);
		} else if (r->kind == POOL_PRIORITY || r->kind == POOL_SHARDED) {
			nw_add(r, p, p->K);   /* persistent workers */
		} else if (r->kind == POOL_TUNNY) {
			/* New(K, ctor): K persistent workers, idle in FIFO order.
			 * Instance 0 keeps the stream used before tiers. */
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
					t_new += d;  /* constructors one after another */
				idle_push_back(p, (uint32_t)w);
			}
			gsl_rng_free(ws);
			nw_add(r, p, p->K);
			if (t_new > 0)
				sim_schedule(r->s, t_new, PRIO_DONE, ev_tunny_ready,
					     r, (uint64_t)i);
			else
				p->tunny_ready = 1;
		}
	}
	if (c->pool == POOL_SHARDED && c->route == ROUTE_HASH && c->keys_zipf) {
		/* zipf(S, N): P(key k) ∝ 1/(k+1)^S, k = 0..N-1 */
		r->key_cdf = malloc((size_t)c->keys_n * sizeof *r->key_cdf);
		if (!r->key_cdf)
			return PS_ENOMEM;
		double sum = 0;
		for (long k = 0; k < c->keys_n; k++)
			r->key_cdf[k] = sum += pow((double)(k + 1), -c->keys_s);
		for (long k = 0; k < c->keys_n; k++)
			r->key_cdf[k] /= sum;
		r->key_cdf[c->keys_n - 1] = 1.0;
	}
	return 0;
}

static int setup_run(run *r, const model_config *c, uint64_t seed, uint32_t rep)
{
	r->c = c;
	r->kind = c->pool;
	r->cpus = c->cpus;
	r->n_ds = c->n_downstreams;
	r->fanout = c->fanout > 1 ? c->fanout : 1;
	r->free_head = NONE;
	r->rfree = NONE;
	size_t need = sizeof(task) + (size_t)r->n_ds * sizeof(double);
	for (r->shift = 6; ((size_t)1 << r->shift) < need; r->shift++)
		;

	r->s = sim_new();
	r->clock = r->s ? sim_clock(r->s) : NULL;
	r->h_lat = stats_hist_new();
	r->h_wait = stats_hist_new();
	r->h_rlat = stats_hist_new();
	if (!r->s || !r->h_lat || !r->h_wait || !r->h_rlat)
		return PS_ENOMEM;
	for (int i = 0; i < r->n_ds; i++) {
		dsrun *d = &r->ds[i];
		d->spec = &c->downstreams[i];
		d->h_wait = stats_hist_new();
		if (!d->h_wait)
			return PS_ENOMEM;
		fifo_init(&d->waiters);
		if (d->spec->usl)
			psq_init(&d->ps, (uint32_t)i + 1, 0, d->spec->usl_sigma,
				 d->spec->usl_kappa);
		stats_level_init(&d->lv_in_use, 0, 0);
	}
	psq_init(&r->cpu, 0, (double)c->cpus, 0, 0);
	stats_level_init(&r->lv_queue, 0, 0);
	stats_level_init(&r->lv_busy, 0, 0);
	stats_level_init(&r->lv_workers, 0, 0);
	stats_level_init(&r->lv_system, 0, 0);
	r->sync_rare = c->tune.on || c->n_alerts > 0 || c->mem_limit > 0;

	r->n_src = c->n_tenants > 0 ? c->n_tenants : 1;
	assert(r->n_src <= 255);
	r->src = calloc((size_t)r->n_src, sizeof *r->src);
	if (!r->src)
		return PS_ENOMEM;
	r->srcs_live = r->n_src;
	for (int i = 0; i < r->n_src; i++) {
		int rc = setup_source(r, &r->src[i],
				      c->n_tenants > 0 ? &c->tenants[i] : NULL,
				      seed, rep);
		if (rc)
			return rc;
	}

	r->smp_cols = 6 + r->n_ds + c->n_alerts;
	int pts = c->series_points > 0 ? c->series_points : 200;
	r->smp_cap = 2 * pts + 2;
	r->smp = malloc((size_t)r->smp_cap * r->smp_cols * sizeof(double));
	if (!r->smp)
		return PS_ENOMEM;
	r->smp_dt = horizon_guess(c) / pts;

	r->arrive_max = c->tasks > 0 ? c->tasks : LONG_MAX;
	/* warm-up */
	r->warm_n = 0;
	r->warm_t = 0;
	switch (c->warmup) {
	case WARMUP_TASKS:
		r->warm_n = (long)c->warmup_value;
		break;
	case WARMUP_FRAC:
		if (c->tasks > 0)
			r->warm_n = (long)ceil(c->warmup_value * (double)c->tasks);
		else
			r->warm_t = c->warmup_value * c->duration;
		break;
	case WARMUP_TIME:
		r->warm_t = c->warmup_value;
		break;
	default:
		break;
	}
	if (r->warm_t > 0)
		sim_schedule(r->s, r->warm_t, PRIO_DONE, ev_cut, r, 0);
	if (c->duration > 0)
		sim_schedule(r->s, c->duration, PRIO_TICK, ev_win_end, r, 0);

	/* dynamics */
	r->recover = c->recover >= 0 ? c->recover :
		     (c->pool == POOL_ANTS || c->pool == POOL_POND);
	if ((c->panic > 0 || c->error > 0) &&
	    !(r->r_fail = rng_stream(seed, rep, "task", "fail")))
		return PS_ENOMEM;
	stats_level_init(&r->lv_K, 0, (double)c->K);
	stats_level_init(&r->lv_sat, 0, 0);
	if (c->tune.on) {
		assert(c->tune.window >= 1 && c->tune.period > 0);
		r->tune_win = calloc((size_t)c->tune.window, sizeof(double));
		if (!r->tune_win)
			return PS_ENOMEM;
		sim_schedule(r->s, c->tune.period, PRIO_TICK, ev_tune, r, 0);
	}
	if (c->shutdown == SHUT_AT)
		sim_schedule(r->s, c->shutdown_at, PRIO_TICK, ev_term, r, 0);
	if (c->arrival.kind == WL_STEPS && c->arrival.n_steps <= MAX_PHASES) {
		double t = 0;
		r->n_phases = c->arrival.n_steps;
		for (int p = 0; p < r->n_phases; p++) {
			t += c->arrival.steps[p].dur;
			r->phase_end[p] = t;
			if (!(r->h_phase[p] = stats_hist_new()))
				return PS_ENOMEM;
		}
	}
	for (int i = 0; i < c->n_alerts; i++)
		r->al[i].first = NAN;

	/* library state */
	r->pond_cap = (c->queue > 0) ? c->queue : LONG_MAX;
	if (r->kind == POOL_ANTS)
		r->expiry = c->expiry > 0 ? c->expiry : 1.0;
	else if (r->kind == POOL_WORKERPOOL)
		r->expiry = c->expiry > 0 ? c->expiry : 2.0;
	return setup_pools(r, seed, rep);
}

/* The lean flags (see struct run), once sources and pools exist. */
static void set_lean(run *r)
{
	const model_config *c = r->c;
	int grps = 0;
	for (int i = 0; i < r->n_pools; i++)
		grps |= r->pools[i].grp >= 0;
	r->lean = !c->force_full && r->n_src == 1 && !r->src[0].ten &&
		  r->src[0].arr->kind != WL_CLOSED && !grps && r->fanout == 1 &&
		  r->n_phases == 0 && c->shutdown != SHUT_AFTER;
	r->lean_start = r->lean && r->cpus == 0 && r->kind != POOL_TUNNY;
	r->single = r->n_src == 1 && r->src[0].arr->kind != WL_CLOSED;
	r->lean_arrival = r->lean && r->n_pools == 1 &&
			  r->kind != POOL_SHARDED && !r->src[0].r_setup &&
			  !r->src[0].r_weight && r->n_ds == 0 && !r->r_fail;
	r->lean_wp = r->lean_start && r->lean_arrival &&
		     r->kind == POOL_WORKERPOOL;
	r->lean_each = r->lean_wp && c->producers <= 0;
}

static void sstat_fini(sstat *st)
{
	stats_hist_free(st->h_lat);
	stats_hist_free(st->h_wait);
}

static void teardown(run *r)
{
	gsl_rng_free(r->r_fail);
	free(r->tune_win);
	for (int i = 0; i < r->n_phases; i++)
		stats_hist_free(r->h_phase[i]);
	for (int i = 0; r->src && i < r->n_src; i++) {
		source *so = &r->src[i];
		wl_gen_free(so->gen);
		gsl_rng_free(so->r_service);
		gsl_rng_free(so->r_setup);
		gsl_rng_free(so->r_weight);
		gsl_rng_free(so->r_think);
		gsl_rng_free(so->r_key);
		for (int j = 0; j < r->n_ds; j++)
			gsl_rng_free(so->r_ds[j]);
		sstat_fini(&so->st);
	}
	free(r->src);
	for (int i = 0; r->pools && i < r->n_pools; i++) {
		free(r->pools[i].workers);
		free(r->pools[i].idle);
		free(r->pools[i].free_ids);
	}
	free(r->pools);
	for (int g = 0; r->tst && g < r->c->n_tiers; g++)
		sstat_fini(&r->tst[g]);
	free(r->tst);
	free(r->grp_base);
	free(r->key_cdf);
	for (int i = 0; i < r->n_ds; i++) {
		stats_hist_free(r->ds[i].h_wait);
		psq_fini(&r->ds[i].ps);
	}
	stats_hist_free(r->h_lat);
	stats_hist_free(r->h_wait);
	stats_hist_free(r->h_rlat);
	sim_free(r->s);
	free(r->arena);
	free(r->reqs);
	psq_fini(&r->cpu);
	free(r->smp);
}

int model_run(const model_config *c, uint64_t seed, uint32_t rep,
	      model_result *out)
{
	assert(c && out);
	if (c->n_stages > 0)
		return pipeline_run(c, seed, rep, out);
	assert(c->service);
	assert(c->pool == POOL_GOROUTINES || c->K > 0 || c->n_tiers > 0);
	assert(c->n_downstreams >= 0 && c->n_downstreams <= MODEL_MAX_DOWNSTREAMS);

	run r;
	memset(&r, 0, sizeof r);
	int rc = setup_run(&r, c, seed, rep);
	if (rc)
		goto out;
	set_lean(&r);
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
	while (!r.finished && !r.oom) {
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
	if (r.oom || sim_fault(r.s)) {
		rc = model_run_error(out, r.oom ? SIM_FAULT_NOMEM : sim_fault(r.s),
				     sim_now(r.s), (double)r.n_system);
		goto out;
	}
	emit(&r, out);
	out->events = sim_events(r.s);
out:
	teardown(&r);
	return rc;
}
