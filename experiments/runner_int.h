/*
 * runner_int.h — what runner.c's files share (experiments/ only): a job,
 * the runner's state, and the steps the plan and the writer take.
 * runner.c schedules and simulates; runner_plan.c builds the plan from
 * the ini; runner_write.c writes finished runs to the database.
 */
#ifndef RUNNER_INT_H
#define RUNNER_INT_H

#include "runner.h"
#include "mpi.h"
#include "sweep.h"
#include "../results/store.h"
#include "../sim/csv.h"
#include "../sim/ps.h"
#include "../sim/stats.h"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Replications a precision point runs before the stopping rule is first
 * checked: the t quantile for 1 degree of freedom (12.7) makes n = 2 all
 * but useless. */
#define EXP_PRECISION_MIN 3

/* The promise (README): a finished run is committed within EXP_COMMIT_S
 * (s). It is kept by three bounds. The writer wakes when the oldest queued
 * run is EXP_WAIT_S old (or EXP_BATCH_RUNS are queued, or a worker waits);
 * it commits a batch once its oldest run is EXP_BATCH_AGE_S old (or it
 * holds EXP_BATCH_RUNS runs); and workers wait before taking a new run
 * while the writer is behind: its oldest unwritten run older than
 * EXP_BACKLOG_S, or more than EXP_BACKLOG_S of its work queued (rows times
 * its measured seconds per row), or EXP_BACKLOG_ROWS rows. Waiting workers
 * also leave the writer a core. So a run waits about EXP_BATCH_AGE_S plus
 * one run's write and a commit, and the backlog's memory is bounded by
 * EXP_BACKLOG_ROWS rows (~100 bytes each, ~26 MB) plus one run per worker,
 * however many runs a sweep has.
 * The writer never waits for the disk: commits do not sync (WAL,
 * synchronous = NORMAL) and checkpoints, which do, run on their own
 * thread (res_checkpointer_start). */
#define EXP_COMMIT_S 0.1
#define EXP_WAIT_S 0.02
#define EXP_BATCH_AGE_S 0.05
#define EXP_BATCH_RUNS 32
#define EXP_BACKLOG_S 0.025
#define EXP_BACKLOG_ROWS (1L << 18)
/* The writer's cost per row before it has measured one (s; ~2 us here). */
#define EXP_ROW_S0 2e-6

/* Per point: which replications are handed out, finished, and (under
 * precision) the metric of each. Invariant: done <= next; a point is
 * finished when closed and done == next. Under precision, replications
 * 0..n-1 are admitted (n grows by one per decision that the target is not
 * met yet), next <= n, and a decision is taken once fin[0..n) are all set,
 * from exactly vals[0..n): whether they finished here or were stored by
 * an earlier, interrupted invocation (--resume). */
typedef struct pstate {
	int next;               /* next replication to consider */
	int inflight;
	int closed;             /* no more replications will be handed out */
	double *vals;           /* precision: metric per rep (NAN = none) */
	unsigned char *fin;     /* precision: 1 = finished or stored, 2 = not
				 * selected (-r); 0 = not yet */
	int n;                  /* precision: replications admitted */
	int met;                /* precision outcome, once closed */
	double halfw_rel;
	int out_rep;            /* precision: the run that carries the outcome
				 * (the last admitted that exists), once closed */
} pstate;

typedef struct job {
	int e, p, rep;
	int write;              /* 0 = already stored: not written again */
	model_result res;
	int rc;
	double wall_s;
	int closed;             /* precision: this run decided its point */
	double done_at;         /* now_s() when it was queued for the writer */
	double done_wall;       /* the same moment, wall clock (run -v) */
	long rows;              /* rows it costs the writer (backpressure) */
	struct job *next;
} job;

typedef struct runner {
	const exp_plan *plan;
	const exp_run_opts *o;
	pstate **ps;            /* [experiment][point] */
	unsigned char *stored;  /* per global run, --resume */
	int cur_e, cur_p;       /* scan cursor: nothing before it is open */
	pthread_mutex_t mu;
	pthread_cond_t work;    /* workers wait for a job */
	pthread_cond_t fin;     /* the writer waits for finished jobs */
	pthread_cond_t room;    /* workers wait for the backlog to shrink */
	job *done_head, *done_tail;
	int queued;             /* jobs in the done list */
	/* Backpressure. Invariant: pend_rows is the sum of rows of the jobs
	 * queued or taken by the writer and not yet written. */
	long pend_rows;
	double s_per_row;       /* the writer's measured cost of a row (s) */
	double wr_oldest;       /* done_at of the writer's oldest unwritten
				 * run; 0 when it holds none */
	int blocked;            /* workers waiting on room */
	int stop;
	int live;               /* workers still running */
	int started;            /* workers started */
	long planned;
	long handed;            /* jobs handed out */
	/* The writer's own (not under mu): the open batch. Invariant:
	 * batch_runs > 0 implies that db is in a batch. */
	long batch_runs, batch_failed, batch_rows;
	double batch_t0;        /* now_s() when the open batch began */
	double batch_oldest;    /* done_at of the open batch's first run */
	int broken;             /* a write failed: store nothing more */
} runner;

int plan_limits(const exp_ini *ini, const exp_section *sec,
		       const exp_plan *p, const exp_experiment *e, int force,
		       exp_diags *d);
double now_s(void);
void drop(job *j);
int batch_commit(runner *r, res_db *db, exp_run_stats *st, char *err,
			size_t errlen);
int write_one(runner *r, res_db *db, const int64_t *ids, job *j,
		     int closed, exp_run_stats *st, char *err, size_t errlen);
int write_outcome(runner *r, res_db *db, const int64_t *ids, int e,
			 int p, char *err, size_t errlen);

#endif
