/*
 * runner.h — from a loaded file to stored runs.
 *
 * exp_plan: the selected experiments, each resolved (inheritance, --set),
 * expanded into sweep points and validated into one model_config per point.
 * Runs are numbered in a stable order: experiment order in the file, then
 * point, then replication (run = first_run + point * repeat + rep); `list`
 * prints these numbers and `run -r` selects them.
 *
 * exp_run executes a plan on N threads. Worker threads only simulate; the
 * calling thread is the one writer: it stores each finished run as it
 * completes (res_run_write), whole, in a batch committed within
 * EXP_COMMIT_S (runner.c), so the database holds the same rows, keyed by
 * (point, replication), whatever N.
 */
#ifndef EXP_RUNNER_H
#define EXP_RUNNER_H

#include <signal.h>
#include <stdint.h>

#include "../models/model.h"
#include "ini.h"
#include "scenario.h"

typedef struct exp_point {
	exp_kvs keys;           /* resolved and substituted: the run_params */
	model_config cfg;
	char *itervars;         /* canonical "K=50, pool=ants" */
} exp_point;

typedef struct exp_experiment {
	char *name;
	char *description;      /* "" when none */
	char *text;             /* canonical resolved section (see runner.c) */
	exp_meta meta;
	exp_point *pts;
	int npts;
	long first_run;         /* global number of (point 0, rep 0) */
} exp_experiment;

/* Exposed so that the CLI can list runs; read-only after building. */
typedef struct exp_plan {
	exp_experiment *e;
	int n;
	long total_runs;        /* sum of npts * repeat */
	long files_read;        /* trace/empirical files read from disk: each
				 * once, shared by every point (sim/csv.h) */
} exp_plan;

/* The most runs one invocation expands to (points x repeat, summed over
 * the selected experiments; under precision repeat is the ceiling). */
#define EXP_MAX_RUNS 1000000L

/* The estimated CPU time of one run past which the plan needs force
 * (run/check --force), and the cost of a task the estimate uses: about
 * 100 ns on the lean path of M/M/50 (make bench) to 300 ns on the full
 * paths (downstreams, tenants), here per task and per downstream call. */
#define EXP_MAX_RUN_COST_S 3600.0
#define EXP_NS_PER_TASK 300.0

/* The estimated CPU seconds of one run of cfg: tasks (or arrival rate x
 * duration, or clients x duration / (think + service)) x fanout x (1 +
 * downstreams) x EXP_NS_PER_TASK, plus the autotuner's ticks. INFINITY
 * when unbounded (no tasks and no duration). */
double exp_run_cost_s(const model_config *cfg);

/* Builds the plan of the experiments named in names[0..nnames) (all when
 * nnames == 0), in file order, each with the keys of sets applied after
 * inheritance (line 0: errors say "--set"). Every problem goes to d: also
 * more than EXP_MAX_RUNS runs, and, unless force, a run whose estimated
 * cost (exp_run_cost_s) is past EXP_MAX_RUN_COST_S.
 * Returns 0, PS_EPARSE or PS_ENOMEM; *out is NULL unless 0. */
int exp_plan_build(const exp_ini *ini, const char *const *names, int nnames,
		   const exp_kvs *sets, int force, exp_plan **out,
		   exp_diags *d);
void exp_plan_free(exp_plan *p);        /* NULL is a no-op */

/* The most threads -j takes: each holds a run's histograms (~1.3 MB) and
 * a stack; more threads than cores only slows a sweep down. */
#define EXP_MAX_THREADS 4096
#define EXP_MAX_THREADS_STR "4096"

typedef struct exp_run_opts {
	const char *db_path;
	int threads;            /* >= 1 */
	int resume;             /* reuse the experiment rows, skip stored runs */
	const unsigned char *selected;  /* total_runs flags, or NULL = all */
	int progress;           /* redraw a progress line on stderr */
	/* Set asynchronously by the CLI's signal handler; polled. */
	volatile sig_atomic_t *stop;
	int verbose;            /* run -v: a line per finished run and commit */
	/* Goal stages (goal.h): more exp_run calls follow, so MPI ranks are
	 * not told to stop at the end (the caller does it). */
	int keep_ranks;
	/* When not NULL: gets each experiment's row id (0 = none written). */
	int64_t *ids_out;
} exp_run_opts;

typedef struct exp_run_stats {
	long written;           /* runs stored by this call */
	long skipped;           /* already stored (--resume) */
	long failed;            /* runs whose model_run failed (stored as error) */
	long kept;              /* runs of the plan now in the database */
} exp_run_stats;

/* Runs the plan. Returns 0; PS_EINTR when *stop was raised (finished runs
 * are written); PS_EDB/PS_EIO with a message in err. */
int exp_run(const exp_plan *p, const exp_run_opts *o, exp_run_stats *st,
	    char *err, size_t errlen);

/* Parses "0..5,9" into flags[0..n); PS_EPARSE with a message when a number
 * is malformed or not below n. */
int exp_runs_select(const char *spec, long n, unsigned char *flags,
		    char *err, size_t errlen);

#endif
