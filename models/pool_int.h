/*
 * pool_int.h — the pool model's private types, shared by its files and by
 * no one else (experiments/ sees model.h only): the run, the task arena,
 * the intrusive FIFOs, a pool instance, and the few per-task steps that
 * must stay inline on the engine's hot path (start, the lean workerpool
 * path, the level sync).
 *
 * Who does what:
 *   pool.c          the life of a task: arrivals, Submit's common part,
 *                   start, done, resolve; shutdown; model_run's loop
 *   pool_station.c  processor sharing (cpus, usl) and downstream calls
 *   pool_measure.c  the measurement window, levels, alerts, series, emit
 *   pool_setup.c    a run's state from its config, and its teardown
 *   tune.c          the autotuner: pure policies and one actuator
 *   lib_NAME.c      one library's semantics, one row of the library table
 *   libs.c          the library table
 */
#ifndef POOL_INT_H
#define POOL_INT_H

#include "model.h"
#include "profile.h"
#include "tune.h"
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

enum { F_COUNTED = 1, F_TIMED_OUT = 2, F_PANIC = 4, F_ERROR = 8, F_SKIP = 16,
       F_ADMIT = 32 /* passed the admit limiter: in its in-flight count */ };

/* An alert rule's run-time state: 0 ok, 1 pending (condition true since
 * `since`, the timer `ev` fires at since + for), 2 firing; first_pending
 * and first: when it first went pending and firing (NAN until then). */
typedef struct alrun {
	int state;
	double since, first, first_pending, fired_s;
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
	prof_cursor slow;     /* where spec->slowdown is up to */
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

/*
 * A library's operations, the behaviour half of its row (model_lib.ops).
 * Every one gets the instance p a task or worker belongs to.
 *   init    the instance's own state at setup (worker arrays, tickers,
 *           persistent workers); i is its index. 0 or PS_ENOMEM.
 *   submit  Submit(h) by its submitter, after the tenant's quota: start
 *           it, queue it, block the submitter or reject it. Calls
 *           submit_returned(h) when the call returns (tunny's Process:
 *           when the task is done).
 *   freed   a task of p has finished (its record is gone): worker w (NONE
 *           without identities) or its weight is free again; flags are
 *           the task's F_* (F_PANIC: it panicked); let the next waiter in.
 *   emit    the library's own scalars (NULL: none).
 *   resize  the actuator: K becomes k at run time (NULL: not resizable).
 */
struct run;

struct pool_ops {
	int (*init)(struct run *r, struct pinst *p, int i, uint64_t seed,
		    uint32_t rep);
	void (*submit)(struct run *r, struct pinst *p, struct task *x,
		       uint32_t h);
	void (*freed)(struct run *r, struct pinst *p, uint32_t w,
		      uint32_t weight, unsigned flags);
	void (*emit)(struct run *r, model_result *o);
	void (*resize)(struct run *r, struct pinst *p, long k);
};

typedef struct run {
	sim *s;
	const double *clock;  /* sim_clock(s): the time, without a call */
	const model_config *c;
	int cpus, n_ds, fanout;
	pool_kind kind;
	const model_lib *lib;   /* the library's row (libs.c) */

	source *src;          /* n_src sources; src[0] alone without tenants */
	int n_src, srcs_live;
	pinst *pools;         /* n_pools instances */
	int n_pools;
	uint32_t *grp_base;   /* first instance of each tier */
	sstat *tst;           /* per tier */
	double *key_cdf;      /* sharded, zipf keys: cumulative pmf */
	uint32_t rr_shard;
	gsl_rng *r_wsetup;
	gsl_rng *r_lib;       /* the library's own random choices (a Go select
			       * between ready cases); NULL when it has none */

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

	/* series: ring of samples, decimated by 2 whenever full (grown
	 * instead under series_dt, sample k at k x smp_dt) */
	double *smp;
	int smp_cols, smp_n, smp_cap;
	double smp_dt;
	long smp_k;

	/* dynamics */
	gsl_rng *r_fail;      /* panics and errors, drawn at arrival */
	int recover;          /* panics recovered (library default or key) */
	int cancelled;        /* errgroup WithContext: an error cancelled it */
	int term;             /* SIGTERM received */
	double t_term;
	long unfinished, errored, skipped;
	tune_state tune;      /* the autotuner's policy state (tune.c) */
	int tune_dir;         /* +1 / -1: direction of the last change */
	long k_changes, k_reversals;
	long k_min, k_max, k_travel;   /* K's range and Σ|ΔK| over the run */
	int admit_on;         /* autotune.actuator = admit */
	long admit_limit;     /* the limiter's limit */
	long admit_inflight;  /* past the limiter, not yet answered */
	long admit_rejected;  /* refused by the limiter */
	/* the tuner's sample window since its last decision (tune_sample) */
	long tn_n, tn_done, tn_drop, tn_rej, tn_inflight_max;
	double tn_sum, tn_min;
	stats_level lv_K, lv_sat;
	/* The interval series (autotuned or scored runs; ivs_on): a row
	 * every iv_dt of (t, queue, running, workers, in flight, offered,
	 * windowed quantile); K at every change as (t, K) pairs. */
	int ivs_on;
	double *ivs, iv_dt;
	int ivs_n, ivs_cap;
	long iv_arrived;      /* arrivals at the previous row */
	double *klog;
	int klog_n, klog_cap;
	model_wq wq;          /* the windowed latency quantile */
	int n_phases;
	double phase_end[MAX_PHASES];
	stats_hist *h_phase[MAX_PHASES];
	alrun al[MODEL_MAX_ALERTS];

	int oom;              /* allocation failed somewhere: PS_ENOMEM */
	double mem_cap;       /* model_limits.mem_bytes: the arena's cap */
	double bad_weight;    /* a weight above K was drawn: PS_EINVAL */

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

uint32_t task_alloc_grow(run *r);

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

enum { RES_DONE, RES_REJECTED, RES_TIMED_OUT, RES_OVER_QUOTA, RES_ERRORED,
       RES_SKIPPED, RES_LIMITED /* refused by the admit limiter */ };

/* The limit the tuner starts from: K, or autotune.initial for the admit
 * limiter (the pool itself keeps K workers). */
static inline long tune_limit0(const model_config *c)
{
	return c->tune.on && c->tune.actuator == TUNE_ACT_ADMIT &&
	       c->tune.initial > 0 ? c->tune.initial : c->K;
}

/* The limit in force: the (single, tuned) pool's K, or the limiter's. */
static inline long tune_limit(const run *r)
{
	return r->admit_on ? r->admit_limit : r->K_total;
}

/* ---- the task's life (pool.c) ------------------------------------------ */

void submit(run *r, uint32_t h);
void submit_next(run *r, task *x);
void start_full(run *r, uint32_t h, uint32_t w);
void after_work(run *r, uint32_t h);
void task_done(run *r, uint32_t h);
void resolve(run *r, uint32_t h, int how);
void task_free(run *r, uint32_t i);
uint32_t req_alloc(run *r);
void sync_state(run *r);
void sync_rare(run *r, double t, double mem);
void source_done(run *r, source *so, int at_duration);
void all_sources_done(run *r);
void client_next(run *r, int si, uint32_t owner);
/* When an idle ticker (ants' purge, workerpool's timer) with period
 * r->expiry that fired at now ticks next: now + expiry, or past every
 * tick before the next event, at the time those ticks would reach. */
double idle_tick(run *r, double now);
void ev_arrival(sim *s, void *ctx, uint64_t arg);
void ev_client(sim *s, void *ctx, uint64_t arg);
void ev_work_done(sim *s, void *ctx, uint64_t arg);
void ev_term(sim *s, void *ctx, uint64_t arg);
/* Shared steps of the libraries' Submit: the submitter blocks (in
 * p->blocked), is woken, or gets a rejection. */
void block(run *r, uint32_t h);
void unblocked(run *r, uint32_t h);
void reject(run *r, uint32_t h);

/* ---- stations (pool_station.c) ------------------------------------------ */

void psq_init(psq *q, uint32_t id, double cores, double sigma, double kappa);
void psq_fini(psq *q);
void psq_enter(run *r, psq *q, uint32_t h, double work);
void ds_call(run *r, uint32_t h);
void ds_end(run *r, uint32_t h);

/* ---- measurement (pool_measure.c) --------------------------------------- */

void do_cut(run *r);
void win_close(run *r, double t);
void ev_win_end(sim *s, void *ctx, uint64_t arg);
void ev_cut(sim *s, void *ctx, uint64_t arg);
void alerts_eval(run *r);
void ev_sample(sim *s, void *ctx, uint64_t arg);
double horizon_guess(const model_config *c);
void pool_emit(run *r, model_result *o);
void emit_reuse(run *r, model_result *o);

/* ---- the autotuner (tune.c) --------------------------------------------- */

/* The tuner's state and its first tick, at setup when tune.on. */
int tune_setup(run *r);
/* A task's caller got its answer after rtt s; drop: an error, a timeout
 * or the pool's rejection (rejected: the last). Only when tune.on. */
void tune_sample(run *r, double rtt, int drop, int rejected);
/* pool_measure.c: the interval series (ivs_on) */
int ivs_setup(run *r);
void ivs_fini(run *r);
int klog_add(run *r, double t, long k);

/* ---- setup (pool_setup.c) ----------------------------------------------- */

int pool_setup(run *r, const model_config *c, uint64_t seed, uint32_t rep);
void pool_teardown(run *r);

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


/* The run ends when arrivals have stopped and nothing is left anywhere.
 * Closed-loop clients still thinking will find their source done and stop. */
static inline void check_end(run *r)
{
	/* arrivals_done first: false on all but the last few events */
	if (!r->arrivals_done || r->finished || r->n_system > 0 || r->n_busy > 0)
		return;
	r->finished = 1;
	sim_stop(r->s);
}

/* h's Submit (or Process) call has returned: its submitter moves on to the
 * request's next subtask, or (a producer loop) to the next wanted request.
 * h itself may be resolved already but its record is still valid. */
static inline void submit_returned(run *r, uint32_t h)
{
	task *x = T(r, h);
	if (x->flags & F_COUNTED)
		acc_add(&r->t_blocked, *r->clock - x->t_mark);
	/* an `each` submitter of a one-task request just leaves */
	if (x->sib != NONE || x->by == BY_LOOP)
		submit_next(r, x);
}

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


/* ---- worker identities (ants, tunny): ids, the idle ring ----------------- */

static inline void spawn_worker_id(run *r, pinst *p, uint32_t *w)
{
	*w = p->free_ids_n > 0 ? p->free_ids[--p->free_ids_n]
			       : (uint32_t)p->n_workers;
	nw_add(r, p, 1);
}

static inline void idle_push_back(pinst *p, uint32_t w)
{
	p->idle[(p->idle_head + p->idle_n) % p->wcap] = w;
	p->idle_n++;
}

static inline uint32_t idle_pop_back(pinst *p)
{
	p->idle_n--;
	return p->idle[(p->idle_head + p->idle_n) % p->wcap];
}

static inline uint32_t idle_pop_front(pinst *p)
{
	uint32_t w = p->idle[p->idle_head];
	p->idle_head = (uint32_t)((p->idle_head + 1) % p->wcap);
	p->idle_n--;
	return w;
}

static inline void note_reuse(run *r, pinst *p, uint32_t w)
{
	r->reuse_n++;
	if (w == p->last_freed)
		r->reuse_last++;
}

/* Worker arrays for a library with worker identities (ants, tunny): wcap
 * entries each. 0 or PS_ENOMEM. */
int worker_arrays(pinst *p);

/* ---- workerpool's hot path (lib_workerpool.c has the rest) --------------- */
/*
 * The engine bench runs workerpool with a goroutine per arrival, so its
 * Submit and its worker's release are inline here, where ev_arrival and
 * ev_work_done (pool.c) take them in place; lib_workerpool.c's operations
 * call the same functions.
 */

/* workerpool's Submit (lib_workerpool.c): to an idle worker, a new worker
 * below K, else the deque. */
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

#endif
