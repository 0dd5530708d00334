/*
 * model.h — one simulated service: workload → pool → work → downstreams.
 *
 * The contract between experiments/ (which builds a model_config from an
 * ini section and validates it) and models/ (which runs it). models/ knows
 * nothing of ini files or SQLite: it takes a filled config, a seed and a
 * replication number, and returns named scalars and time series.
 *
 * A task's life (DESIGN.md): wanted by a producer at t0 → submitted (the
 * producer may block or be rejected) → waits for a worker → setup (if any)
 * → its own work (`service`, or the trace's work; on `cpus` it is CPU demand
 * shared by processor sharing) → downstream calls in the order the
 * downstreams are listed (wait for a connection, then the downstream's
 * service) → done. Latency = done − t0.
 */
#ifndef MODEL_H
#define MODEL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "../sim/dist.h"

/* ---- arrivals (models/workload.c) ------------------------------------ */

typedef enum {
	WL_POISSON, WL_CONST, WL_BURST, WL_STEPS, WL_RAMP, WL_TRACE, WL_CLOSED
} wl_kind;

typedef struct wl_step {
	double rate;   /* per second (at the step's start when linear) */
	double dur;    /* seconds */
	double rate_end;   /* wl_spec.linear: the rate at the step's end (a
			    * straight line from rate); unused otherwise */
} wl_step;

/* Owned by whoever filled it; wl_spec_fini frees the arrays and dists. */
typedef struct wl_spec {
	wl_kind kind;
	double rate;            /* POISSON, CONST: per second */
	long burst_n;           /* BURST: N tasks all wanted at t=0 */
	wl_step *steps;         /* STEPS: piecewise-constant Poisson rate */
	int n_steps;
	int rate_file;          /* STEPS read from rate(FILE): no per-step
				 * phases */
	int linear;             /* STEPS of rate(FILE, interp=linear): each
				 * step goes from rate to rate_end */
	double ramp_from, ramp_to, ramp_dur;  /* RAMP: linear, per second */
	const double *trace_t;  /* TRACE: arrival times (s), non-decreasing */
	const double *trace_work;  /* TRACE: work (s) per task, or NULL */
	long trace_n;
	struct csv_table *trace_file;  /* TRACE: owns the arrays above (one
					* reference of a shared table) */
	int closed_n;           /* CLOSED: N clients, each submit→done→think */
	dist *think;            /* CLOSED: think time (NULL = 0) */
} wl_spec;

/* Parses poisson(RATE) const(RATE) burst(N) steps(RATE for D, ...)
 * ramp(RATE, RATE, D) trace(FILE) rate(FILE) closed(N, think=DIST).
 * rate(FILE, options) is a CSV `t,rate` (s, per second) or a Prometheus
 * query_range response read as steps (models/profile.h): each rate holds
 * from its t to the next row's, the last for the gap before it, 0 before
 * the first row; interp=linear makes straight lines between rows. Trace and rate paths are
 * resolved against basedir. Errors quote the text; a bad trace line names
 * FILE:LINE. */
int wl_parse(const char *text, const char *basedir, wl_spec *out,
	     char *err, size_t errlen);
/* wl_parse with trace and think-time files read through files (sim/csv.h),
 * once per invocation; files NULL reads them afresh. */
struct csv_cache;
int wl_parse_in(const char *text, const char *basedir, struct csv_cache *files,
		wl_spec *out, char *err, size_t errlen);
void wl_spec_fini(wl_spec *w);
/* Mean offered rate (per second) over the spec's own horizon; 0 for
 * burst/closed. For config checks and reports. */
double wl_mean_rate(const wl_spec *w);
/* A finite profile's end (steps: the sum of the steps, ramp: its
 * duration) in seconds; 0 for every other process. */
double wl_profile_end(const wl_spec *w);
/* Expected arrivals of a steps or ramp profile in [0, t]. */
double wl_profile_expected(const wl_spec *w, double t);

/* ---- pools ------------------------------------------------------------ */

/* The libraries, in the library table's order (models/libs.c); each one's
 * semantics live in models/lib_NAME.c. */
typedef enum {
	POOL_GOROUTINES, POOL_ERRGROUP, POOL_ANTS, POOL_TUNNY,
	POOL_WORKERPOOL, POOL_SEMAPHORE, POOL_POND, POOL_PRIORITY,
	POOL_SHARDED, POOL_CONC, POOL__COUNT
} pool_kind;

/* What a library does that the rest of the model (and experiments/'
 * checks) must know about, as capability bits of its row. */
enum {
	MODEL_LIB_UNBOUNDED = 1 << 0,   /* no K: a goroutine per task */
	MODEL_LIB_SYNC = 1 << 1,        /* Submit holds its caller until the
					 * task is done (tunny's Process) */
	MODEL_LIB_WORKER_SETUP = 1 << 2,/* `setup` is a per-worker constructor,
					 * not a per-task cost */
	MODEL_LIB_CANCEL_ON_ERROR = 1 << 3, /* a task's error cancels the rest
					 * (errgroup WithContext, conc
					 * WithCancelOnError) */
	MODEL_LIB_WEIGHTS = 1 << 4,     /* tasks acquire `weight` units */
	MODEL_LIB_SHARDS = 1 << 5,      /* instances are shards picked by a
					 * route; tiers cannot split it */
	MODEL_LIB_CLASSES = 1 << 6,     /* high/low priority classes */
	MODEL_LIB_NO_TIERS = 1 << 7,    /* tiers cannot give it a K each */
	MODEL_LIB_RESIZE = 1 << 8,      /* K can change at run time (ants'
					 * Tune): the autotuner's actuator */
};

struct pool_ops;   /* models/pool_int.h: the operations, models/ only */

/* A row of the library table: one per library, in its lib_NAME.c. */
typedef struct model_lib {
	const char *name;
	pool_kind kind;
	unsigned caps;            /* MODEL_LIB_* */
	/* the experiments.ini keys it accepts beyond those of every pool,
	 * space-separated ("queue nonblocking") */
	const char *options;
	/* measured cost per trivial task, ns, at K=2 and K=1000 (Go 1.19,
	 * 2 CPUs, 1M tasks); NAN when not measured */
	double cost_k2_ns, cost_k1000_ns;
	double expiry;            /* default idle expiry, s; 0 = none */
	int recover;              /* panics recovered by default */
	const char *summary;      /* one line: what it is */
	const struct pool_ops *ops;
} model_lib;

/* The row of library k (never NULL for 0 <= k < POOL__COUNT), and of a
 * name (NULL when unknown). */
const model_lib *model_lib_of(pool_kind k);
const model_lib *model_lib_find(const char *name);
/* 1 when library k accepts the option key (a word of its `options`). */
int model_lib_has_option(pool_kind k, const char *key);

const char *pool_kind_name(pool_kind k);
/* The library's measured cost per trivial task at K workers, in seconds
 * (interpolated in log K between its K=2 and K=1000 figures and held
 * outside that range); NAN for the models with no measurement. */
double pool_overhead_s(pool_kind k, long K);
/* Returns -1 for an unknown name. */
int pool_kind_parse(const char *name);

#define MODEL_UNBOUNDED (-1L)

/* ---- downstreams ------------------------------------------------------- */

typedef struct ds_spec {
	char name[48];
	int limit;              /* connections; <= 0 = unlimited */
	dist *service;          /* call time at concurrency 1 (owned) */
	int usl;                /* 1 when sigma/kappa apply: the calls in
				 * progress share a capacity n / f(n),
				 * f(n) = 1 + sigma (n-1) + kappa n (n-1),
				 * each progressing at 1/f(n) */
	double usl_sigma, usl_kappa;
	struct profile *slowdown;   /* owned; NULL = none: a call starting at
				     * t takes its drawn time times the
				     * factor at t (models/profile.h) */
} ds_spec;

#define MODEL_MAX_DOWNSTREAMS 8

/* ---- tenants, tiers, services, shards ---------------------------------- */
/*
 * A tenant (or a service of exercise 23) is an arrival source of its own:
 * its own arrival process and producers, its own random streams addressed
 * by its scope ("tenant/NAME", "service/NAME"), so adding one never shifts
 * another's numbers. A tier is a group of pool instances of the
 * experiment's library (one instance; a service's group has `replicas`
 * instances fed round-robin, as a load balancer would).
 */

#define MODEL_MAX_TENANTS 16
#define MODEL_MAX_TIERS 16

typedef struct tenant_spec {
	char name[48];
	int is_service;         /* scope "service/NAME" instead of "tenant/NAME" */
	wl_spec arrival;        /* own arrival process (owned) */
	dist *service;          /* own work (owned); NULL = the experiment's */
	double quota_rate;      /* token bucket refill per second; 0 = no quota */
	double quota_burst;     /* bucket size (tokens) */
	int tier;               /* index in tiers; -1 = the experiment's pool */
	int high;               /* priority pool: 1 = high class */
} tenant_spec;

typedef struct tier_spec {
	char name[48];
	long K;                 /* workers per instance */
	int replicas;           /* instances (services); 1 for a tier */
	int is_service;         /* a service's own group: its scope is the
				 * tenant's service/NAME, no tier/ scope */
} tier_spec;

typedef enum { ROUTE_HASH, ROUTE_ROUND_ROBIN, ROUTE_LEAST_TASKS } route_kind;

/* ---- dynamics: autotuner, shutdown, failures, alerts, pipeline --------- */

/* The autotuner's policies (models/tune.c): exercise 19's utilisation
 * loop, a target queue depth, and three of Netflix concurrency-limits'
 * (AIMDLimit, VegasLimit, Gradient2Limit, each behind WindowedLimit). */
typedef enum {
	TUNE_UTILIZATION, TUNE_QUEUE, TUNE_AIMD, TUNE_VEGAS, TUNE_GRADIENT2,
	TUNE__COUNT
} tune_policy;

typedef struct tune_spec {
	int on;                 /* autotune = a policy */
	int policy;             /* tune_policy */
	long min, max, step;    /* bounds and step of K */
	double period;          /* s between samples (the window's length) */
	double high, low;       /* utilization: grow above high, shrink below */
	int window;             /* utilization, queue: samples averaged (>= 1) */
	double cooldown;        /* s after a change with no other change */
	double target;          /* queue: the queue depth aimed at */
	/* concurrency-limits' parameters (their names, snake_case) */
	double smoothing;       /* vegas 1.0, gradient2 0.2 */
	long queue_size;        /* gradient2: growth allowance, 4 */
	long long_window;       /* gradient2: long-RTT EWMA span, 600 */
	double rtt_tolerance;   /* gradient2: 1.5 */
	double backoff_ratio;   /* aimd: 0.9 */
	double timeout;         /* aimd: an RTT above it is a drop, 5 s */
	long probe_multiplier;  /* vegas: no-load RTT probe, 30 */
	long window_size;       /* WindowedLimit: min samples per window, 10 */
	int actuator;           /* TUNE_ACT_RESIZE: the pool's own resize
				 * (ants Tune); TUNE_ACT_ADMIT: a limiter in
				 * front of the pool rejects a Submit while
				 * in flight >= the limit (concurrency-limits'
				 * SimpleLimiter); the pool keeps K workers */
	long initial;           /* admit: the limit's start (0 = K) */
} tune_spec;

enum { TUNE_ACT_RESIZE, TUNE_ACT_ADMIT };

typedef enum { SHUT_NONE, SHUT_AT, SHUT_AFTER } shut_kind;

typedef enum {
	ALERT_QUEUE_DEPTH, ALERT_RUNNING, ALERT_WORKERS, ALERT_IN_SYSTEM
} alert_metric;
typedef enum { ALERT_GT, ALERT_GE, ALERT_LT, ALERT_LE } alert_op;

/* `alert.NAME = METRIC OP THRESHOLD for DURATION` */
typedef struct alert_spec {
	char name[32];
	alert_metric metric;
	alert_op op;
	double threshold;
	double for_s;           /* the condition must hold this long */
} alert_spec;

#define MODEL_MAX_ALERTS 8
#define MODEL_MAX_STAGES 8

/* One pipeline stage: K workers, own work, bounded output channel. */
typedef struct stage_spec {
	char name[32];
	long K;
	dist *service;          /* owned */
	long buffer;            /* output channel capacity; 0 = unbuffered */
	double error;           /* share of items that fail in this stage */
} stage_spec;

/* The alert metric names ("queue_depth", ...); -1 for an unknown one. */
int model_alert_metric_parse(const char *name);

/* ---- the whole scenario ------------------------------------------------ */

typedef enum { WARMUP_NONE, WARMUP_TASKS, WARMUP_TIME, WARMUP_FRAC } warmup_kind;

typedef struct model_config {
	/* run length */
	long tasks;             /* arrivals per run; 0 = until duration */
	double duration;        /* s; stop generating arrivals; 0 = none */
	warmup_kind warmup;
	double warmup_value;    /* tasks, seconds or fraction */

	wl_spec arrival;
	dist *service;          /* own work (owned); NULL when every source
				 * that draws none is a trace with a work
				 * column (its work is each task's) */
	dist *setup;            /* NULL = none */
	int setup_first_use;    /* tunny: 1 = setup_at first-use */
	int producers;          /* N producer loops; 0 = each (goroutine per arrival) */

	pool_kind pool;
	long K;                 /* > 0 except goroutines (ignored there) */
	long queue;             /* pond/priority bound; MODEL_UNBOUNDED; 0 = default */
	int nonblocking;        /* ants, pond */
	long max_blocking;      /* ants; 0 = no limit */
	int trygo;              /* errgroup */
	int cancel_on_error;    /* conc WithContext + WithCancelOnError */
	double timeout;         /* tunny ProcessTimed; 0 = none */
	double expiry;          /* idle expiry; 0 = library default */
	dist *weight;           /* semaphore: units acquired per task; NULL = 1 */
	int cpus;               /* 0 = work is waiting, not CPU */
	int fanout;             /* subtasks per arrival; >= 1 */
	double overhead;        /* s added to every task's work: the library's own
				 * per-task cost (CPU under `cpus`); 0 = none */

	ds_spec downstreams[MODEL_MAX_DOWNSTREAMS];
	int n_downstreams;

	double mem_goroutine;   /* bytes per live goroutine (default 2048) */
	double mem_task;        /* bytes per in-flight task */
	double mem_limit;       /* bytes; 0 = none; crossing it = OOM crash */

	/* tenants and tiers: none = one anonymous source and one pool */
	tenant_spec tenants[MODEL_MAX_TENANTS];
	int n_tenants;
	tier_spec tiers[MODEL_MAX_TIERS];
	int n_tiers;            /* > 0: every tenant names a tier; K unused */

	/* sharded pool */
	int shards;             /* >= 1; K splits as K/N, the first K mod N
				 * shards one worker more */
	route_kind route;
	int keys_zipf;          /* keys: 1 = zipf(keys_s, keys_n), 0 = uniform */
	double keys_s;
	long keys_n;            /* distinct task keys, >= 1 */
	double lock_hold;       /* s the queue mutex is held per operation */

	tune_spec tune;         /* ants only (experiments/ refuses others) */

	shut_kind shutdown;     /* SIGTERM: none, at a time, after N done */
	double shutdown_at;     /* s (SHUT_AT) */
	long shutdown_after;    /* completions (SHUT_AFTER) */
	double drain;           /* drain timeout, s; 0 = wait for everything */

	double panic;           /* share of tasks that panic at their end */
	int recover;            /* -1 = library default, 0 crash, 1 recover */
	double error;           /* share of tasks that return an error */

	alert_spec alerts[MODEL_MAX_ALERTS];
	int n_alerts;

	stage_spec stages[MODEL_MAX_STAGES];  /* n_stages > 0: a pipeline */
	int n_stages;

	int series_points;      /* time-series samples per run; 0 = 200 */
	/* > 0: the pool's series are sampled at exactly k x series_dt and
	 * kept whole (no thinning; a pipeline ignores it): for a rule
	 * evaluated at multiples of an interval (experiments/promrule.h) */
	double series_dt;
	/* The interval series (autotuned or scored runs, model_run):
	 * queue, in flight, offered rate and the windowed latency quantile
	 * every series_interval s (0 = 1 s), K at every change. */
	double series_interval;

	/* The scorecard (`slo = latency_pNN < VALUE` with `slo.window`):
	 * slo_window > 0 turns it on; the quantile slo_q of the latencies
	 * of tasks completed in the trailing slo_window, evaluated every
	 * series_interval (slo_window is a whole number of them), against
	 * slo_target (s). */
	double slo_window, slo_q, slo_target;

	/* 1 = never take the lean per-task paths (models/pool.c set_lean),
	 * always their full twins: for the golden digest's differential test
	 * (tests/golden), which proves the twins give the same numbers. */
	int force_full;
} model_config;

/* Zeroes c and sets the DESIGN.md defaults (producers 1, fanout 1,
 * mem_goroutine 2048, tasks 100000, recover = library default, the
 * exercise-19 autotuner knobs with the loop off). */
void model_config_init(model_config *c);
/* Frees every dist and array the config owns. */
void model_config_fini(model_config *c);

/* ---- results ------------------------------------------------------------ */

typedef struct model_scalar {
	char scope[64];         /* "pool", "downstream/db", "request", ... */
	char name[32];          /* DESIGN.md metric names */
	double value;           /* seconds for times */
} model_scalar;

typedef struct model_point {
	char scope[64];
	char name[32];
	double t, value;
} model_point;

typedef struct model_result {
	model_scalar *scalars;
	size_t n_scalars, cap_scalars;
	model_point *series;
	size_t n_series, cap_series;
	uint64_t events;        /* events fired */
	/* Why model_run failed, as a sentence for the run's status ("out of
	 * memory at 31M pending tasks"); "" when it did not say. */
	char error[160];
} model_result;

void model_result_init(model_result *r);
void model_result_fini(model_result *r);
void model_result_scalar(model_result *r, const char *scope,
			 const char *name, double value);
void model_result_point(model_result *r, const char *scope,
			const char *name, double t, double value);
/* NAN if absent. */
double model_result_get(const model_result *r, const char *scope,
			const char *name);

/* Runs one replication. config is borrowed (read-only: several threads may
 * run the same config at once). Deterministic in (config, seed, rep).
 * Returns 0, or PS_ENOMEM (the simulator itself ran out of memory) or
 * PS_EINVAL (a drawn time past SIM_TIME_MAX) with the reason in
 * out->error. A modelled crash/OOM (mem.limit) is a result (scalar
 * crashed=1), not an error.
 *
 * Scalars: only the names of the metric registry (models/metric.c), each
 * at one of its scopes, with its unit and definition there; a name or
 * scope outside it fails tests/cli/metrics.sh. Latency and wait scalars
 * are NAN when no task qualified.
 * Series: pool queue_depth, running, workers; downstream in_use; with
 * autotune pool K and offered (arrivals/s); alert/NAME state (0 ok,
 * 1 pending, 2 firing); stage/NAME running and queue_depth.
 * With n_stages > 0 the run is a pipeline (models/pipeline.c). */
int model_run(const model_config *config, uint64_t seed, uint32_t rep,
	      model_result *out);

/* What a caller bounds a run by; models/ knows nothing of signals: the
 * runner fills it. Borrowed. */
typedef struct model_limits {
	/* Polled every 65,536 events (sim_watch): once nonzero the run
	 * stops and model_run_with returns PS_EINTR. NULL = never. */
	const volatile sig_atomic_t *stop;
	/* The most bytes the run's task records may take (a run that needs
	 * more fails with "out of memory at N pending tasks" rather than
	 * leaving the process to the kernel's OOM killer); 0 = no cap. */
	double mem_bytes;
} model_limits;

/* The simulator's memory for one task in the system: its record and a
 * pending event, twice over for tables that grow by doubling (bytes). */
double model_task_bytes(const model_config *config);
/* The tasks a run certainly holds at once, whatever the load: burst(N)
 * wants all N at t = 0, closed(N) keeps N requests out; times fanout.
 * Open arrivals count 0 (their backlog depends on the load). */
double model_tasks_at_once(const model_config *config);

/* model_run within limits (NULL = none); model_run is this with NULL. */
int model_run_with(const model_config *config, uint64_t seed, uint32_t rep,
		   const model_limits *lim, model_result *out);

/* For pool.c and pipeline.c: fills out->error for a run stopped by a
 * sim fault (SIM_FAULT_*) at virtual time now with pending tasks in the
 * system; returns the model_run code (PS_ENOMEM, PS_EINVAL, or PS_EINTR
 * for a raised stop flag). */
int model_run_error(model_result *out, int fault, double now, double pending);

/* The pipeline model (models/pipeline.c); model_run calls it when
 * config->n_stages > 0. Same contract as model_run. */
int pipeline_run(const model_config *config, uint64_t seed, uint32_t rep,
		 const model_limits *lim, model_result *out);

/* ---- the measurement window (pool.c, pipeline.c) ----------------------- */
/*
 * Every rate and time-average of a run is taken over one window: from the
 * end of warm-up (the instant the warm-up ends, by time, by task count or
 * share: the arrival of the first counted task) to the end of arrivals
 * (`duration` when the arrivals ran up to it, else the last arrival; a
 * SIGTERM or a crash ends it early). A window of no length (every task
 * wanted at one instant, as `burst(N)`) is widened to the end of the run.
 *
 * The backlog probe: while the window is open a model records rows
 * (t, integral of the number in system from the window start to t) at an
 * interval that doubles whenever the rows are full (32..64 rows over any
 * window), off the per-task path. model_unstable reads them.
 */
#define MODEL_PROBE_ROWS 66

typedef struct model_probe {
	double rows[2 * MODEL_PROBE_ROWS];   /* (t, area) pairs */
	int n;
	double dt;                           /* s between rows */
} model_probe;

/* Starts the probe at the window start t0 with its first row (t0, 0);
 * guess is the expected window length (> 0), which sets the first
 * interval (guess / 32). */
void model_probe_start(model_probe *p, double t0, double guess);
/* Records (t, area). */
void model_probe_add(model_probe *p, double t, double area);

/*
 * The `unstable` test: 1 when the backlog grew through the window.
 * The window [t0, t1] (area1 the integral of the number in system over
 * it, arrivals the tasks that arrived in it) is cut at the probe rows
 * nearest its thirds; the time-average number in system over the first
 * part and over the last part, set at their midpoints, give the slope of
 * the backlog's linear trend (exact for a backlog that grows linearly, as
 * an overloaded queue's does: by (1 - capacity/offered) per arrival).
 * The run is unstable when that trend adds, over the whole window, more
 * than 1% of the window's arrivals and more than 2 sqrt(arrivals) tasks
 * (the random-walk scale of a queue at the edge of capacity, so a short
 * run's noise is not read as growth). A window without probe rows inside
 * its thirds (too short to tell) is 0.
 * M/M/1 at rho = 1.05 adds 4.8% of its arrivals; at rho = 0.9 the trend
 * is noise of a few tasks (tests/test_model.c: 20 seeds each).
 */
int model_unstable(const model_probe *p, double t0, double t1, double area1,
		   double arrivals);

/* ---- the scorecard (pool_measure.c) ----------------------------------- */
/*
 * A windowed latency quantile, as a Prometheus rule
 * `histogram_quantile(0.99, rate(latency[10s])) > 0.1` evaluated every
 * interval sees it: a ring of `slots` per-interval histograms whose sum
 * is the trailing window. Buckets are log-linear, 256 per octave (at most
 * 0.4% wide) with an edge at the target, so "the quantile is above the
 * target" is exact (more than the quantile's share of the window's tasks
 * took longer than the target) and the value reported is the bucket's
 * upper edge (at most 0.4% above the true quantile). Values from
 * target * 2^-20 (1e-6) to target * 2^17 (1.3e5); outside they count in
 * the end buckets. About 40 KB per slot; add O(1) (a division and bit
 * operations, no log); quantile O(sqrt buckets); rotate O(the leaving
 * slot's distinct buckets), so a slow run (a few tasks per interval)
 * does not pay for the resolution.
 */
typedef struct model_wq {
	uint32_t *slot;         /* slots * nb counts */
	uint16_t *touched;      /* slots * nb: each slot's nonzero buckets, so
				 * a slot leaves in O(its buckets), not O(nb) */
	int *n_touched;         /* per slot */
	uint64_t *sum;          /* nb: the trailing window's counts */
	uint64_t *block;        /* the sums of 64 buckets each: a quantile
				 * walks blocks, then one block */
	uint64_t n;             /* tasks in the trailing window */
	uint64_t *slot_n;       /* tasks per slot */
	int slots, nb, cur, off;   /* off: the bucket whose upper edge is
				    * the target */
	double target;
} model_wq;

/* 0 or PS_ENOMEM; target > 0, slots >= 1. */
int model_wq_init(model_wq *w, double target, int slots);
void model_wq_fini(model_wq *w);
/* A completed task's latency v (s) into the current interval. */
void model_wq_add(model_wq *w, double v);
/* The nearest-rank q-quantile (the smallest bucket edge x with at least
 * ceil(q n) of the window's n tasks at or below it) of the trailing
 * window; NAN when it holds no task. */
double model_wq_quantile(const model_wq *w, double q);
/* The interval ends: the oldest slot leaves the window and becomes the
 * current one, empty. */
void model_wq_rotate(model_wq *w);

/* Steps up in offered load or downstream slowdown: a change at which the
 * new level is at least this factor of the one before (a rise from 0
 * counts). Smaller rises (a diurnal curve's minute-to-minute growth) are
 * not steps. */
#define MODEL_STEP_UP 1.2

typedef struct model_score {
	double violation_s;     /* Σ interval over evaluations above target */
	double reaction_s;      /* the slowest recovery over the steps up;
				 * 0 when none pushed the quantile over the
				 * target, NAN when there was no step up */
	int steps;              /* steps up inside [t0, t1) */
	int unrecovered;        /* of them, still over the target at t1 */
} model_score;

/*
 * The scorecard of one run from its evaluations: at times t[0..n-1]
 * (ascending, dt apart) the windowed quantile q[i] (NAN: no task
 * completed in the window, not a violation). Only evaluations in
 * (t0, t1] — the measurement window — count.
 * - violation_s: dt for each evaluation above target;
 * - after a step up at s (ups[], ascending, those in [t0, t1) count):
 *   if the quantile goes above the target at an evaluation in (s, s'],
 *   s' the next step up (or t1), its reaction is the first later
 *   evaluation at or under the target, less s; else 0. A step whose
 *   quantile is still over (or NAN) at every evaluation to t1 never
 *   recovered: it counts t1 - s (a lower bound) and in unrecovered.
 *   reaction_s is the largest of the steps' reactions.
 * Pure: tests/test_model.c feeds it made-up sequences.
 */
void model_score_compute(const double *t, const double *q, int n, double dt,
			 double target, double t0, double t1,
			 const double *ups, int n_ups, model_score *out);

/* The times of the steps up (MODEL_STEP_UP) of the arrival profile
 * (steps() or rate(FILE); with interp=linear only a jump between rows is
 * a step) and of every downstream's slowdown, ascending, into ups (at
 * most cap); returns how many. model_steps_up_max is a cap that holds
 * them all. */
int model_steps_up(const model_config *c, double *ups, int cap);
int model_steps_up_max(const model_config *c);

/* For the models' series (pool.c, pipeline.c): the next row of a buffer
 * of cap rows of cols values, *n rows used. When it is full every other
 * row is kept and *dt, the sampling interval, doubles, so the memory
 * stays constant whatever the run length. */
double *model_sample_row(double *smp, int *n, int cap, int cols, double *dt);

#endif
