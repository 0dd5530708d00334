/*
 * store.h — the results database (the only code that includes sqlite3.h).
 *
 * Schema (DESIGN.md "Results"), schema version in PRAGMA user_version:
 *   experiment(id, name, description, ini_text, created_at, version)
 *   run(id, experiment_id, point, replication, seed, itervars, status,
 *       wall_s, events)
 *   run_param(run_id, name, value)
 *   scalar(run_id, scope, name, value)
 *   series(run_id, scope, name, t, value)
 *   answer(experiment_id, goal, decided, point, chosen, indifferent,
 *          confidence, runs_used, runs_grid, text, warning)   -- schema 3
 *   VIEW point_summary(experiment_id, experiment, point, itervars, scope,
 *                      name, n, mean, ci95, min, max)
 * WAL journal, foreign keys declared (kept by the writer, not checked by
 * SQLite on its connection: store.c), every statement prepared with bound
 * parameters. Each run is written whole in one transaction (alone, or in
 * a batch with other finished runs), so an interrupted sweep keeps every
 * committed run complete, and never a part of one.
 *
 * A res_db is used by one thread at a time (the runner's writer).
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../models/model.h"

/* Stored in experiment.version; nothing else defines it (sim/ps.h does not). */
#ifndef POOLSIM_VERSION
#define POOLSIM_VERSION "0.1.0"
#endif

typedef struct res_db res_db;

/* Opens (creating the file, its directory's absence is an error, and the
 * schema if new) the database at path. readonly = 1 for show/plot/report:
 * then a missing file is an error. Corrupt, unwritable or foreign files are
 * PS_EDB with a message naming the path. Of a new file, res_open only
 * creates the file, quickly; the schema (a few ms) comes with the first
 * call that needs it, or with res_close: a caller may start other work in
 * between, knowing the path is good. */
int res_open(const char *path, int readonly, res_db **out,
	     char *err, size_t errlen);

/* The checks of a path res_open makes before SQLite sees it, for the CLI
 * to refuse a bad -o before anything runs: "" and ":memory:" (SQLite's
 * temporary databases, dropped at exit) and an existing path that is not
 * a regular file (a FIFO would block the open). 0 or PS_EDB. */
int res_path_check(const char *path, char *err, size_t errlen);
void res_close(res_db *db);             /* NULL is a no-op */

/* The experiment row for (name, ini_text): with reuse = 1 the newest
 * existing row with exactly this name and text is returned (for --resume),
 * otherwise a new row is created. */
int res_experiment_begin(res_db *db, const char *name, const char *description,
			 const char *ini_text, int reuse, int64_t *exp_id,
			 char *err, size_t errlen);

/* Records what the experiment's plan holds: runs and sweep points (-1 =
 * not known in advance: runs under precision, both under a goal);
 * readers use it to tell a partial experiment (res_completeness). 0 or PS_EDB. */
int res_experiment_plan(res_db *db, int64_t exp_id, long runs, long points,
			char *err, size_t errlen);

/* 1 if a finished run (exp_id, point, replication) is stored, 0 if not. */
int res_run_stored(res_db *db, int64_t exp_id, int point, int replication);

/* Every finished run (status 'done') of exp_id, in no particular order:
 * cb(u, point, replication, value) with the run's pool-scope scalar
 * `metric` (NaN when it has none or metric is NULL); cb returns non-zero
 * to stop. One query for --resume, however many runs. 0 or PS_EDB. */
int res_runs_done(res_db *db, int64_t exp_id, const char *metric,
		  int (*cb)(void *u, int point, int replication, double value),
		  void *u);

typedef struct res_param {
	const char *name, *value;
} res_param;

typedef struct res_run {
	int64_t experiment_id;
	int point, replication;
	uint64_t seed;
	const char *itervars;        /* canonical "K=50, pool=ants" */
	const char *status;          /* "done" or "error: ..." */
	double wall_s;
	uint64_t events;
	const res_param *params;     /* every resolved parameter */
	int n_params;
	const model_result *result;  /* scalars and series; may be NULL */
} res_run;

/* Puts m's series points in the order of the series index (scope, name,
 * t; points equal in all three keep their order): inserted in that order
 * each lands at the end of the index, which costs SQLite about a fifth less
 * than points interleaved in time. The rows stored are the same either
 * way. Pure computation, no database: for the runner's workers, so that the
 * writer does not pay for it. Returns 0, or PS_ENOMEM (m unchanged). */
int res_series_sort(model_result *m);

/* Writes the run and everything under it in one transaction: its own,
 * or the open batch's. On failure (PS_EDB) nothing of the run is stored;
 * an open batch normally stays open with its earlier runs in it, still to
 * commit (res_batch_open says so), but when SQLite has rolled the whole
 * transaction back itself (a full disk, an I/O error) those are lost too,
 * as if the process had been killed before the commit, and the batch is
 * closed. */
int res_run_write(res_db *db, const res_run *run, char *err, size_t errlen);

/* Sets run_params (name, value; replacing a row of the same name) of the
 * stored run (exp_id, point, replication), if there is one: for results
 * known only after the run was written (the outcome of a precision
 * point). In the open batch if any, else each in its own transaction.
 * 0 or PS_EDB. */
int res_run_params_set(res_db *db, int64_t exp_id, int point,
		       int replication, const res_param *params, int n,
		       char *err, size_t errlen);

/* A batch: the runs written until res_batch_commit share one transaction,
 * so the pages they all touch (the ends of the tables and indexes) go to
 * the WAL once per commit instead of once per run. For a writer of many
 * short runs; it bounds how long a finished run waits uncommitted.
 * res_batch_commit with no batch open is a no-op returning 0; after a
 * failed commit nothing of the batch is stored. res_batch_open: 1 between
 * res_batch_begin and the commit (or a failure that closed the batch). */
int res_batch_begin(res_db *db, char *err, size_t errlen);
int res_batch_commit(res_db *db, char *err, size_t errlen);
int res_batch_open(const res_db *db);

/* Copies the committed pages from the WAL into the database file (a
 * passive checkpoint, two fsyncs), work res_close would otherwise do while
 * the user waits: for the writer to call when it has nothing else to do.
 * Not inside a batch. Returns 0 or PS_EDB (nothing committed is lost). */
int res_checkpoint(res_db *db);

/* A thread with its own connection that checkpoints after every commit,
 * so that the writer never waits for the disk (a checkpoint syncs twice;
 * a commit, under synchronous = NORMAL, does not): the bound on how long
 * a finished run waits uncommitted (runner.c) then holds on a busy disk
 * too. SQLite's automatic checkpoint in the writer's commits is off while
 * it runs, and res_checkpoint is a no-op. res_close stops it; stop earlier
 * with res_checkpointer_stop (a no-op when none runs). When start fails
 * (PS_EDB, PS_ENOMEM) nothing changes: the writer checkpoints itself. */
int res_checkpointer_start(res_db *db, char *err, size_t errlen);
void res_checkpointer_stop(res_db *db);

/* ---- reading (show, plot, report, tests) ------------------------------- */

typedef struct res_experiment {
	int64_t id;
	const char *name, *description, *ini_text, *created_at;
} res_experiment;

/* The newest experiment row of every name (or only of `name` when not
 * NULL), in creation order. cb returns non-zero to stop. */
int res_experiments(res_db *db, const char *name,
		    int (*cb)(void *u, const res_experiment *e), void *u);

/* How complete an experiment is: its plan (res_experiment_plan; -1 when
 * not known: precision, or a file of an earlier version) against its
 * stored runs. */
typedef struct res_complete {
	long runs_planned, points_planned;
	long done, failed;      /* stored runs by status */
	long points_closed;     /* precision points whose rule decided */
} res_complete;

int res_completeness(res_db *db, int64_t exp_id, res_complete *c);
/* "partial: 37 of 40 runs (3 failed)" into buf and 1 when runs are
 * missing or failed (or precision points undecided); 0 when complete. For
 * show, plot and report alike. */
int res_partial_note(const res_complete *c, char *buf, size_t n);

typedef struct res_summary {
	int point;
	const char *itervars, *scope, *name;
	int n;
	double mean, ci95, min, max;
} res_summary;

/* Rows of point_summary for one experiment, ordered by point, scope, name.
 * scope/name NULL = all. */
int res_summaries(res_db *db, int64_t exp_id, const char *scope,
		  const char *name,
		  int (*cb)(void *u, const res_summary *s), void *u);

/* The value of run_param `name` for the first run of (exp_id, point), into
 * buf; returns 0, or 1 when absent. */
int res_point_param(res_db *db, int64_t exp_id, int point, const char *name,
		    char *buf, size_t buflen);

/* The next NAME=VALUE of canonical itervars ("K=50, pool=ants") at *p:
 * pairs are split at ", NAME=" outside parentheses, since a value may
 * itself hold ", " (lognormal(p50=4ms, p99=30ms), mix(...)). 0 at the
 * end; else 1 with the key at *k (*kn bytes) and the value at *v (*vn
 * bytes), *p moved past the pair. */
int res_itervar_next(const char **p, const char **k, size_t *kn,
		     const char **v, size_t *vn);

/* Every run_param row (name order) of the first run of (exp_id, point):
 * for reports, which list the parameters that are the same at every point.
 * cb returns non-zero to stop. */
int res_point_params(res_db *db, int64_t exp_id, int point,
		     int (*cb)(void *u, const res_param *p), void *u);

typedef struct res_series_pt {
	int point, replication;
	const char *scope, *name;
	double t, value;
} res_series_pt;

/* Series rows of one experiment (all points, replications), ordered by
 * point, replication, scope, name, t. name NULL = all names. */
int res_series(res_db *db, int64_t exp_id, const char *scope,
	       const char *name,
	       int (*cb)(void *u, const res_series_pt *p), void *u);
/* The series rows of one run, (point, replication) of experiment exp_id,
 * ordered by scope, name, t: what a figure of a few points of a large
 * sweep reads, through the run's unique index. */
int res_series_run(res_db *db, int64_t exp_id, int point, int replication,
		   int (*cb)(void *u, const res_series_pt *p), void *u);

typedef struct res_scalar_row {
	int point, replication;
	const char *status, *scope, *name;
	double value;                /* NaN when stored NULL */
} res_scalar_row;

/* Every scalar row of one experiment with its run's status, ordered by
 * point, replication, scope, name (then value): the raw numbers, for the
 * golden digest (tests/golden) and anyone who wants them unsummarised.
 * A run with no scalars gives one row with scope and name NULL. */
int res_scalars(res_db *db, int64_t exp_id,
		int (*cb)(void *u, const res_scalar_row *r), void *u);

/* One metric at one scope of every run of an experiment, ordered by point
 * and replication: value NaN when the run has no such scalar (a failed
 * run: see status). For the goal search (experiments/goal.c). */
int res_metric_values(res_db *db, int64_t exp_id, const char *scope,
		      const char *name,
		      int (*cb)(void *u, const res_scalar_row *r), void *u);

/* A goal's answer (experiments/goal.h has the meaning of each field);
 * point -1 = none. Strings borrowed. */
typedef struct res_answer {
	int64_t experiment_id;
	const char *experiment;      /* reading only: the experiment's name */
	const char *goal, *chosen, *indifferent, *text, *warning;
	int decided, point;
	double confidence;
	long runs_used, runs_grid;
} res_answer;

/* Stores (or replaces) the answer of an experiment row. */
int res_answer_write(res_db *db, const res_answer *a, char *err,
		     size_t errlen);
/* The answer of an experiment row, if any (none in a file of schema 1 or
 * 2 opened read-only). cb returns non-zero to stop. */
int res_answers(res_db *db, int64_t exp_id,
		int (*cb)(void *u, const res_answer *a), void *u);

const char *res_errmsg(res_db *db);

#endif
