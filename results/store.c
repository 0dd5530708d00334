/*
 * store.c — the results database: schema, run writer, summaries.
 *
 * Workload: one writer (the runner's collector thread) appends a run at a
 * time — a few hundred run_param/scalar rows and up to a few thousand series
 * points — in one transaction each, or several finished runs to a
 * transaction (a batch) when runs are short; readers (show, plot, report)
 * scan one experiment at a time. The insert statements are prepared once
 * per connection and reused, so a run costs O(rows) steps plus its share
 * of a commit: one WAL append, no fsync (synchronous = NORMAL syncs at
 * checkpoints: res_checkpoint while the writer is idle, and res_close).
 *
 * point_summary is plain SQL so that the sqlite3 command-line tool can query
 * it too: the mean comes from an aggregate subquery (into which SQLite
 * pushes `experiment_id = ?`, so a summary costs one experiment's rows, not
 * the whole file's) and the sum of squared deviations from a correlated
 * second pass over the same index (two-pass, so that a metric whose spread
 * is tiny next to its mean does not lose its variance to cancellation), and the Student-t quantile t(0.975, n-1) comes from the
 * t975 table filled from GSL when the schema is created (df 1..1000; above
 * that a Cornish-Fisher expansion in SQL, exact to ~1e-9). sqrt() is
 * SQLite's math function; when the library was built without
 * SQLITE_ENABLE_MATH_FUNCTIONS we register our own on every connection we
 * open (a foreign sqlite3 shell built that way would then lack it).
 */
#include "store.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>

#include "../sim/ps.h"

/* point_summary of the newest experiment of each name: what show, plot
 * and report use, and what a user wants by default (point_summary keeps
 * every past run of an experiment). A file of an earlier poolsim gets it
 * when a writer opens it (writer_setup); it changes no other meaning, so
 * the schema version stays. */
#define LATEST_VIEW \
	"CREATE VIEW IF NOT EXISTS latest_summary AS " \
	"SELECT * FROM point_summary WHERE experiment_id IN " \
	"  (SELECT max(id) FROM experiment GROUP BY name);"

/* What the plan held (res_experiment_plan): runs (NULL under precision,
 * where the stopping rule decides) and sweep points, so that readers can
 * tell a partial experiment. Added to files of earlier versions when a
 * writer opens them (add_plan_columns); NULL there = not known. No
 * other meaning changes, so the schema version stays. */
#define PLAN_COLUMNS "  runs_planned INTEGER, points_planned INTEGER"

/* Bumped whenever a table, column or the view changes meaning. */
#define SCHEMA_VERSION 3   /* 2: point_summary.ci95 NULL for n < 2;
			    * 3: the answer table */

/* A goal's answer (experiments/goal.h), one row per experiment row: a
 * --resume that replays the search replaces it. */
#define ANSWER_TABLE \
	"CREATE TABLE IF NOT EXISTS answer(" \
	"  experiment_id INTEGER PRIMARY KEY REFERENCES experiment(id)" \
	"    ON DELETE CASCADE," \
	"  goal TEXT NOT NULL," \
	"  decided INTEGER NOT NULL," \
	"  point INTEGER," \
	"  chosen TEXT NOT NULL," \
	"  indifferent TEXT NOT NULL," \
	"  confidence REAL NOT NULL," \
	"  runs_used INTEGER NOT NULL," \
	"  runs_grid INTEGER NOT NULL," \
	"  text TEXT NOT NULL," \
	"  warning TEXT NOT NULL);"
/* PRAGMA application_id: 'psim' — tells our files from other SQLite files. */
#define APPLICATION_ID 0x7073696d
#define T975_MAX_DF 1000
#define BUSY_TIMEOUT_MS 10000

/* Every writing connection. WAL: readers (show/plot) never block the
 * runner's writes, and a commit is one append instead of a journal
 * rewrite; synchronous = NORMAL then syncs at checkpoints only, so a power
 * cut may lose the last commits but never corrupts the file. synchronous
 * comes first so that the switch of a new file to WAL (one rollback-journal
 * transaction) syncs as NORMAL too. The writer only appends: it touches
 * the right edge of each b-tree (a few dozen pages), so 64 pages of cache
 * do (full pages spill to the WAL early, as the commit would write them
 * anyway); SQLite's default of 2 MB only grew the process by a page fault
 * per new page (~11 us each on a VM: ~340 faults, ~4 ms of the writer on
 * the jscale sweep, same instructions). Foreign keys are declared but not
 * enforced on the writer's connection: it inserts a run's rows under the
 * run id it has just inserted, in the same transaction, and deletes a
 * replaced run's rows itself (delete_run), so they hold by construction;
 * SQLite checking the parent of every row was 13% of the writer's
 * instructions. temp_store = MEMORY keeps the statement journal of each
 * run's SAVEPOINT in a batch (the first image of every page the run
 * touches, for its rollback) in memory: in a temporary file it was 4,000
 * of the 9,500 pwrite calls of a 48-run sweep, and the sweep of 48 tiny
 * runs took 85 ms instead of 60. */
#define WRITER_PRAGMAS "PRAGMA synchronous = NORMAL; PRAGMA journal_mode = WAL; " \
		       "PRAGMA foreign_keys = OFF; PRAGMA cache_size = 64; " \
		       "PRAGMA temp_store = MEMORY;"

/* Series points go SERIES_ROWS to a statement (ins_series_n, one
 * multi-row VALUES), the rest one by one (ins_series): a run has hundreds
 * to thousands of points, and a step's fixed cost (cursors, halt) was a
 * fifth of the writer's instructions. Same rows, same order, same rowids. */
#define SERIES_ROWS 32

/* The prepared inserts live as long as the connection (habit: prepare once,
 * bind per row). Invariant: all are NULL on a read-only connection. */
struct res_db {
	sqlite3 *h;
	char *path;
	int readonly;
	sqlite3_stmt *ins_run, *find_run, *ins_param, *ins_scalar, *ins_series;
	sqlite3_stmt *ins_series_n;
	int in_batch;           /* between res_batch_begin and its commit */
	int fresh;              /* a new, empty file: no schema yet (ready()) */
	/* The checkpointer (res_checkpointer_start): its own connection,
	 * used only by its thread. ck_due and ck_stop under ck_mu. */
	sqlite3 *ck_h;
	pthread_t ck_th;
	pthread_mutex_t ck_mu;
	pthread_cond_t ck_cv;
	int ck_on, ck_due, ck_stop;
};

/* Mean and 95% half-width over the finished replications of a point.
 * n counts non-NULL values; ci95 is NULL below two values: one
 * replication has no interval (not one of width 0). Plain SQL: works in
 * the sqlite3 shell as well. Schema 1 had 0.0 there; check_schema
 * replaces its view when it opens such a file for writing. */
#define POINT_SUMMARY \
	"CREATE VIEW point_summary AS " \
	"SELECT experiment_id, experiment, point, itervars, scope, name, n," \
	"  mean," \
	"  CASE WHEN n < 2 THEN NULL ELSE" \
	"    coalesce((SELECT t FROM t975 WHERE df = n - 1)," \
	"      1.959963984540054 + (pow(1.959963984540054, 3)" \
	"        + 1.959963984540054) / (4.0 * (n - 1))" \
	"      + (5 * pow(1.959963984540054, 5) + 16 * pow(1.959963984540054, 3)" \
	"        + 3 * 1.959963984540054) / (96.0 * (n - 1) * (n - 1)))" \
	"    * sqrt((SELECT sum((s.value - g.mean) * (s.value - g.mean))" \
	"            FROM run r JOIN scalar s ON s.run_id = r.id" \
	"            WHERE r.experiment_id = g.experiment_id" \
	"              AND r.point = g.point AND r.status = 'done'" \
	"              AND s.scope = g.scope AND s.name = g.name)" \
	"           / (n - 1) / n) END AS ci95," \
	"  min, max " \
	"FROM (" \
	"  SELECT r.experiment_id, e.name AS experiment, r.point," \
	"    min(r.itervars) AS itervars, s.scope, s.name," \
	"    count(s.value) AS n, avg(s.value) AS mean," \
	"    min(s.value) AS min, max(s.value) AS max" \
	"  FROM run r JOIN experiment e ON e.id = r.experiment_id" \
	"    JOIN scalar s ON s.run_id = r.id" \
	"  WHERE r.status = 'done'" \
	"  GROUP BY r.experiment_id, r.point, s.scope, s.name) AS g;"

static const char SCHEMA[] =
	"CREATE TABLE experiment("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  description TEXT,"
	"  ini_text TEXT NOT NULL,"
	"  created_at TEXT NOT NULL,"          /* ISO-8601 UTC */
	"  version TEXT NOT NULL,"             /* poolsim version */
	PLAN_COLUMNS ");"
	"CREATE INDEX experiment_by_name ON experiment(name, id);"
	"CREATE TABLE run("
	"  id INTEGER PRIMARY KEY,"
	"  experiment_id INTEGER NOT NULL REFERENCES experiment(id)"
	"    ON DELETE CASCADE,"
	"  point INTEGER NOT NULL,"
	"  replication INTEGER NOT NULL,"
	"  seed INTEGER NOT NULL,"             /* uint64 stored as its bits */
	"  itervars TEXT NOT NULL,"
	"  status TEXT NOT NULL,"              /* 'done' or 'error: ...' */
	"  wall_s REAL,"
	"  events INTEGER,"
	"  UNIQUE(experiment_id, point, replication));"
	"CREATE TABLE run_param("
	"  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY(run_id, name)) WITHOUT ROWID;"
	"CREATE TABLE scalar("
	"  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,"
	"  scope TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  value REAL);"                       /* NULL when the run had none (NaN) */
	"CREATE INDEX scalar_by_run ON scalar(run_id, scope, name);"
	"CREATE TABLE series("
	"  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,"
	"  scope TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  t REAL NOT NULL,"
	"  value REAL);"
	"CREATE INDEX series_by_run ON series(run_id, scope, name, t);"
	/* t(0.975, df), filled from GSL at creation; see the banner. */
	"CREATE TABLE t975(df INTEGER PRIMARY KEY, t REAL NOT NULL);"
	ANSWER_TABLE
	POINT_SUMMARY
	LATEST_VIEW;

static int db_err(res_db *db, char *err, size_t errlen, const char *what)
{
	return ps_err(err, errlen, PS_EDB, "%s: %s: %s", db->path, what,
		      sqlite3_errmsg(db->h));
}

static void sql_sqrt(sqlite3_context *c, int argc, sqlite3_value **argv)
{
	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(c);
		return;
	}
	sqlite3_result_double(c, sqrt(sqlite3_value_double(argv[0])));
}

static void sql_pow(sqlite3_context *c, int argc, sqlite3_value **argv)
{
	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(c);
		return;
	}
	sqlite3_result_double(c, pow(sqlite3_value_double(argv[0]),
				     sqlite3_value_double(argv[1])));
}

/* The view needs sqrt() and pow(); provide them where SQLite lacks them. */
static int ensure_math(res_db *db)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->h, "SELECT sqrt(4.0), pow(2.0, 3.0)",
				    -1, &st, NULL);
	sqlite3_finalize(st);
	if (rc == SQLITE_OK)
		return SQLITE_OK;
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
	rc = sqlite3_create_function(db->h, "sqrt", 1, flags, NULL, sql_sqrt,
				     NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function(db->h, "pow", 2, flags, NULL,
					     sql_pow, NULL, NULL);
	return rc;
}

/* One integer out of a single-row query (PRAGMAs, counts). */
static int query_int(res_db *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		} else if (rc == SQLITE_DONE) {
			*out = 0;
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

static int create_schema(res_db *db, char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	/* Another process may have created it between our check and BEGIN. */
	int64_t n = 0;
	if (query_int(db, "SELECT count(*) FROM sqlite_schema", &n) != SQLITE_OK)
		goto fail;
	if (n > 0) {
		sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
		return 0;
	}
	if (sqlite3_exec(db->h, SCHEMA, NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->h, "INSERT INTO t975(df, t) VALUES(?, ?)",
			       -1, &st, NULL) != SQLITE_OK)
		goto fail;
	for (int df = 1; df <= T975_MAX_DF; df++) {
		sqlite3_bind_int(st, 1, df);
		sqlite3_bind_double(st, 2, gsl_cdf_tdist_Pinv(0.975, df));
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			goto fail;
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	char pragmas[128];
	snprintf(pragmas, sizeof pragmas,
		 "PRAGMA user_version = %d; PRAGMA application_id = %d;",
		 SCHEMA_VERSION, APPLICATION_ID);
	if (sqlite3_exec(db->h, pragmas, NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	if (sqlite3_exec(db->h, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	ps_err(err, errlen, PS_EDB, "%s: cannot create the schema: %s",
	       db->path, msg ? msg : sqlite3_errmsg(db->h));
	sqlite3_free(msg);
	sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	return PS_EDB;
}

/* Tells a poolsim database (any version we know) from a new empty file, a
 * foreign SQLite file, a newer poolsim, and bytes that are not SQLite. */
static int check_schema(res_db *db, char *err, size_t errlen)
{
	int64_t app = 0, ver = 0, ntab = 0;
	int rc = query_int(db, "PRAGMA application_id", &app);
	if (rc == SQLITE_OK)
		rc = query_int(db, "PRAGMA user_version", &ver);
	if (rc == SQLITE_OK)
		rc = query_int(db, "SELECT count(*) FROM sqlite_schema", &ntab);
	if (rc != SQLITE_OK)
		return ps_err(err, errlen, PS_EDB,
			      "%s is not a poolsim database (%s)",
			      db->path, sqlite3_errmsg(db->h));
	if (ntab == 0 && ver == 0 && app == 0) {
		if (db->readonly)
			return ps_err(err, errlen, PS_EDB,
				      "%s: empty database (no poolsim results yet)",
				      db->path);
		db->fresh = 1;   /* the schema comes with the first use */
		return 0;
	}
	if (app != APPLICATION_ID)
		return ps_err(err, errlen, PS_EDB,
			      "%s: not a poolsim database (an SQLite file of "
			      "another program); use another -o path",
			      db->path);
	if (ver > SCHEMA_VERSION || ver < 1)
		return ps_err(err, errlen, PS_EDB,
			      "%s: schema version %" PRId64 " is not one this "
			      "poolsim " POOLSIM_VERSION " knows (%d); written "
			      "by another version?",
			      db->path, ver, SCHEMA_VERSION);
	if (ver < SCHEMA_VERSION && !db->readonly) {
		/* schema 1's view said ci95 = 0 for one replication; schema
		 * 2 had no answer table. A reader takes an old file as it is
		 * (res_answers finds no answer there). */
		char *msg = NULL;
		char sql[128];
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d; COMMIT;",
			 SCHEMA_VERSION);
		if (sqlite3_exec(db->h, "BEGIN IMMEDIATE;", NULL, NULL,
				 &msg) != SQLITE_OK ||
		    (ver == 1 && sqlite3_exec(db->h, "DROP VIEW point_summary;"
					      POINT_SUMMARY, NULL, NULL,
					      &msg) != SQLITE_OK) ||
		    sqlite3_exec(db->h, ANSWER_TABLE, NULL, NULL, &msg) !=
		    SQLITE_OK ||
		    sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
			ps_err(err, errlen, PS_EDB, "%s: cannot update the "
			       "schema to version %d: %s", db->path,
			       SCHEMA_VERSION, msg ? msg : sqlite3_errmsg(db->h));
			sqlite3_free(msg);
			sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
			return PS_EDB;
		}
	}
	return 0;
}

static int prepare_writes(res_db *db, char *err, size_t errlen)
{
	static const struct {
		size_t off;
		const char *sql;
	} w[] = {
		{ offsetof(res_db, ins_run),
		  "INSERT INTO run(experiment_id, point, replication, seed,"
		  " itervars, status, wall_s, events)"
		  " VALUES(?, ?, ?, ?, ?, ?, ?, ?)" },
		{ offsetof(res_db, find_run),
		  "SELECT id FROM run WHERE experiment_id = ? AND point = ?"
		  " AND replication = ?" },
		{ offsetof(res_db, ins_param),
		  "INSERT INTO run_param(run_id, name, value) VALUES(?, ?, ?)" },
		{ offsetof(res_db, ins_scalar),
		  "INSERT INTO scalar(run_id, scope, name, value)"
		  " VALUES(?, ?, ?, ?)" },
		{ offsetof(res_db, ins_series),
		  "INSERT INTO series(run_id, scope, name, t, value)"
		  " VALUES(?, ?, ?, ?, ?)" },
	};
	for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
		sqlite3_stmt **st = (sqlite3_stmt **)((char *)db + w[i].off);
		if (sqlite3_prepare_v3(db->h, w[i].sql, -1,
				       SQLITE_PREPARE_PERSISTENT, st,
				       NULL) != SQLITE_OK)
			return db_err(db, err, errlen, "preparing inserts");
	}
	static const char head[] =
		"INSERT INTO series(run_id, scope, name, t, value) VALUES";
	char sql[sizeof head + SERIES_ROWS * sizeof ",(?,?,?,?,?)"];
	char *w_at = sql + sprintf(sql, "%s", head);
	for (int i = 0; i < SERIES_ROWS; i++)
		w_at += sprintf(w_at, "%s(?,?,?,?,?)", i ? "," : "");
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT,
			       &db->ins_series_n, NULL) != SQLITE_OK)
		return db_err(db, err, errlen, "preparing inserts");
	return 0;
}

/* The writing connection's settings and statements, once the schema is
 * there. */
/* 1 when the experiment table has the plan columns (PLAN_COLUMNS). */
static int has_plan_columns(res_db *db)
{
	sqlite3_stmt *st = NULL;
	int ok = sqlite3_prepare_v2(db->h, "SELECT runs_planned, points_planned"
				    " FROM experiment LIMIT 0", -1, &st,
				    NULL) == SQLITE_OK;
	sqlite3_finalize(st);
	return ok;
}

static int add_plan_columns(res_db *db, char **msg)
{
	if (has_plan_columns(db))
		return SQLITE_OK;
	return sqlite3_exec(db->h, "ALTER TABLE experiment ADD COLUMN"
			    " runs_planned INTEGER; ALTER TABLE experiment"
			    " ADD COLUMN points_planned INTEGER;", NULL, NULL,
			    msg);
}

static int writer_setup(res_db *db, char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(db->h, WRITER_PRAGMAS, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db->h, LATEST_VIEW, NULL, NULL, &msg) != SQLITE_OK ||
	    add_plan_columns(db, &msg) != SQLITE_OK) {
		int r = ps_err(err, errlen, PS_EDB, "%s: %s", db->path,
			       msg ? msg : sqlite3_errmsg(db->h));
		sqlite3_free(msg);
		return r;
	}
	return prepare_writes(db, err, errlen);
}

/* Creates the schema of a new file on first use. res_open leaves it, so
 * that the caller can start other work first: it is the slow part of
 * opening (~5 ms of CPU for the schema and the t975 table, and the fsyncs
 * of the switch to WAL), while every reason to refuse the path has been
 * found by then. WAL before the schema: created in the default rollback
 * journal, then switched, a new file cost two journal transactions (eight
 * fsyncs, two unlinks); now the switch is the only one and the schema is
 * a WAL append. Every function that reads or writes the tables calls it. */
static int ready(res_db *db, char *err, size_t errlen)
{
	if (!db->fresh)
		return 0;
	if (sqlite3_exec(db->h, WRITER_PRAGMAS, NULL, NULL, NULL) != SQLITE_OK)
		return db_err(db, err, errlen, "setting the journal mode");
	int rc = create_schema(db, err, errlen);
	if (!rc)
		rc = prepare_writes(db, err, errlen);   /* pragmas set above */
	if (!rc)
		db->fresh = 0;
	return rc;
}

/* A statement of a read path: the schema of a new file first (ready),
 * then sql prepared into *st. Returns 0, or nonzero with *st NULL. */
static int prepare_read(res_db *db, const char *sql, sqlite3_stmt **st)
{
	*st = NULL;
	if (ready(db, NULL, 0))
		return 1;
	return sqlite3_prepare_v2(db->h, sql, -1, st, NULL) != SQLITE_OK;
}

/* The preamble of every write: refused on a read-only handle, and the
 * schema of a new file created first (ready). */
static int writable(res_db *db, char *err, size_t errlen)
{
	if (db->readonly)
		return ps_err(err, errlen, PS_EDB, "%s: opened read-only",
			      db->path);
	return ready(db, err, errlen);
}

/* SQLite keeps memory statistics by default: every allocation and free
 * it makes then takes a global mutex, ~10% of the instructions of a
 * run's inserts. Nothing here reads the statistics or sets a heap limit.
 * Must precede SQLite's initialisation, hence once, before the first open. */
static void configure_sqlite(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* SQLite reads "" and ":memory:" as a private temporary database: a sweep
 * would run and keep nothing. An existing path that is not a regular file
 * is no database either, and a FIFO would block the open forever. */
int res_path_check(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	if (!*path || !strcmp(path, ":memory:"))
		return ps_err(err, errlen, PS_EDB, "'%s' is not a database file: "
			      "SQLite would keep the results in memory and drop "
			      "them at exit; give -o a file path", path);
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
		return ps_err(err, errlen, PS_EDB, "%s: not a regular file (%s); "
			      "-o takes a database file or a path to create one",
			      path, S_ISDIR(sb.st_mode) ? "a directory" :
			      S_ISFIFO(sb.st_mode) ? "a FIFO" :
			      S_ISSOCK(sb.st_mode) ? "a socket" : "a device");
	return 0;
}

/* When opening failed: if the database's directory is not writable, that
 * is the cause to name (SQLite's errors say only "unable to open database
 * file" or "attempt to write a readonly database"). Returns 1 after
 * rewriting err, 0 when the directory is writable or missing. */
static int explain_dir(const char *path, int readonly, char *err,
		       size_t errlen)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (access(dir, W_OK) == 0)
		return 0;
	int e = errno;
	if (e != EACCES && e != EROFS && e != EPERM)
		return 0;   /* a missing directory: SQLite's message says it */
	if (readonly)
		ps_err(err, errlen, PS_EDB, "%s: cannot read it: its directory "
		       "%s is not writable (%s), and SQLite's WAL journal needs "
		       "to create %s-shm beside the database even to read it; "
		       "copy the database to a writable directory", path, dir,
		       strerror(e), path);
	else
		ps_err(err, errlen, PS_EDB, "%s: its directory %s is not "
		       "writable (%s): the database and its WAL journal (%s-wal, "
		       "%s-shm) are written there; give -o a path in a writable "
		       "directory", path, dir, strerror(e), path, path);
	return 1;
}

int res_open(const char *path, int readonly, res_db **out, char *err,
	     size_t errlen)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	assert(path && out);
	pthread_once(&once, configure_sqlite);
	*out = NULL;
	res_db *db = calloc(1, sizeof *db);
	if (!db || !(db->path = strdup(path))) {
		free(db);
		return ps_err(err, errlen, PS_ENOMEM, "%s: out of memory", path);
	}
	db->readonly = readonly;

	int r = res_path_check(path, err, errlen);
	if (r) {
		res_close(db);
		return r;
	}
	struct stat sb;
	if (readonly && stat(path, &sb) != 0) {
		int e = errno;
		res_close(db);
		return ps_err(err, errlen, PS_EDB, "%s: %s (run `poolsim run` "
			      "first?)", path, strerror(e));
	}
	/* One thread uses a connection at a time (store.h), so SQLite's
	 * per-call mutexes are pure cost: they were a tenth of the writer's
	 * time on a sweep of short runs. */
	int flags = SQLITE_OPEN_NOMUTEX |
		    (readonly ? SQLITE_OPEN_READONLY
			      : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	int rc = sqlite3_open_v2(path, &db->h, flags, NULL);
	if (rc != SQLITE_OK) {
		ps_err(err, errlen, PS_EDB, "%s: cannot open the database: %s",
		       path, db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
		explain_dir(path, readonly, err, errlen);
		res_close(db);
		return PS_EDB;
	}
	sqlite3_extended_result_codes(db->h, 1);
	/* READWRITE silently falls back to read-only on a read-only file;
	 * the writer would then fail on its first run, far from the cause. */
	if (!readonly && sqlite3_db_readonly(db->h, "main") == 1) {
		ps_err(err, errlen, PS_EDB, "%s: the database is not writable",
		       path);
		explain_dir(path, readonly, err, errlen);
		res_close(db);
		return PS_EDB;
	}
	sqlite3_busy_timeout(db->h, BUSY_TIMEOUT_MS);
	if (ensure_math(db) != SQLITE_OK) {
		r = db_err(db, err, errlen, "registering math functions");
		goto fail;
	}
	if ((r = check_schema(db, err, errlen)) != 0)
		goto fail;
	if (!readonly) {
		if (!db->fresh && (r = writer_setup(db, err, errlen)) != 0)
			goto fail;
	} else {
		sqlite3_exec(db->h, "PRAGMA foreign_keys = ON", NULL, NULL,
			     NULL);
	}
	*out = db;
	return 0;
fail:
	explain_dir(path, readonly, err, errlen);
	res_close(db);
	return r;
}

void res_close(res_db *db)
{
	if (!db)
		return;
	/* Before the writer's own close: the last connection to close
	 * checkpoints the WAL and removes it. */
	res_checkpointer_stop(db);
	/* A new file opened for writing gets its schema however early it is
	 * closed (and if that fails it stays empty: new to the next open). */
	ready(db, NULL, 0);
	sqlite3_finalize(db->ins_run);
	sqlite3_finalize(db->find_run);
	sqlite3_finalize(db->ins_param);
	sqlite3_finalize(db->ins_scalar);
	sqlite3_finalize(db->ins_series);
	sqlite3_finalize(db->ins_series_n);
	sqlite3_close(db->h);
	free(db->path);
	free(db);
}

const char *res_errmsg(res_db *db)
{
	return db && db->h ? sqlite3_errmsg(db->h) : "no database";
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* For the per-row inserts: s must stay valid until the statement is reset
 * (step_done), which spares SQLite a copy of every scope and name. */
static void bind_static(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* SQLite turns NaN into NULL on its own; say so explicitly for clarity of
 * the schema contract (value NULL = the metric had no value). */
static void bind_real(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_double(st, i, v);
}

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int res_experiment_begin(res_db *db, const char *name, const char *description,
			 const char *ini_text, int reuse, int64_t *exp_id,
			 char *err, size_t errlen)
{
	assert(db && name && exp_id);
	int rrc = writable(db, err, errlen);
	if (rrc)
		return rrc;
	if (!ini_text)
		ini_text = "";
	sqlite3_stmt *st = NULL;
	if (reuse) {
		if (sqlite3_prepare_v2(db->h,
				       "SELECT id FROM experiment WHERE name = ?"
				       " AND ini_text = ? ORDER BY id DESC LIMIT 1",
				       -1, &st, NULL) != SQLITE_OK)
			return db_err(db, err, errlen, "finding the experiment");
		bind_text(st, 1, name);
		bind_text(st, 2, ini_text);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*exp_id = sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
			return 0;
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return db_err(db, err, errlen, "finding the experiment");
	}
	if (sqlite3_prepare_v2(db->h,
			       "INSERT INTO experiment(name, description, ini_text,"
			       " created_at, version) VALUES(?, ?, ?,"
			       " strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?)",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(db, err, errlen, "adding the experiment");
	bind_text(st, 1, name);
	bind_text(st, 2, description);
	bind_text(st, 3, ini_text);
	bind_text(st, 4, POOLSIM_VERSION);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(db, err, errlen, "adding the experiment");
	*exp_id = sqlite3_last_insert_rowid(db->h);
	return 0;
}

int res_experiment_plan(res_db *db, int64_t exp_id, long runs, long points,
			char *err, size_t errlen)
{
	int rc = writable(db, err, errlen);
	if (rc)
		return rc;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->h, "UPDATE experiment SET runs_planned = ?,"
			       " points_planned = ? WHERE id = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return db_err(db, err, errlen, "recording the plan");
	if (runs >= 0)
		sqlite3_bind_int64(st, 1, runs);
	else
		sqlite3_bind_null(st, 1);
	if (points >= 0)
		sqlite3_bind_int64(st, 2, points);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int64(st, 3, exp_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_err(db, err, errlen,
					      "recording the plan");
}

int res_run_stored(res_db *db, int64_t exp_id, int point, int replication)
{
	sqlite3_stmt *st;
	if (prepare_read(db,
			 "SELECT 1 FROM run WHERE experiment_id = ? AND"
			 " point = ? AND replication = ? AND status = 'done'",
			 &st))
		return PS_EDB;
	sqlite3_bind_int64(st, 1, exp_id);
	sqlite3_bind_int(st, 2, point);
	sqlite3_bind_int(st, 3, replication);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : PS_EDB;
}

int res_runs_done(res_db *db, int64_t exp_id, const char *metric,
		  int (*cb)(void *u, int point, int replication, double value),
		  void *u)
{
	sqlite3_stmt *st;
	if (prepare_read(db,
			 "SELECT r.point, r.replication, s.value FROM run r"
			 " LEFT JOIN scalar s ON s.run_id = r.id"
			 " AND s.scope = 'pool' AND s.name = ?2"
			 " WHERE r.experiment_id = ?1 AND r.status = 'done'",
			 &st))
		return PS_EDB;
	sqlite3_bind_int64(st, 1, exp_id);
	bind_text(st, 2, metric);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(u, sqlite3_column_int(st, 0), sqlite3_column_int(st, 1),
		       sqlite3_column_type(st, 2) == SQLITE_NULL ? NAN :
		       sqlite3_column_double(st, 2)))
			break;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : PS_EDB;
}

/* res_series_sort's order: the series index's key after run_id. TEXT
 * compares as memcmp (BINARY collation) and so does strcmp; t as a number. */
static int point_cmp(const model_point *a, const model_point *b)
{
	int c = strcmp(a->scope, b->scope);
	if (!c)
		c = strcmp(a->name, b->name);
	if (!c)
		c = (a->t > b->t) - (a->t < b->t);
	return c;
}

/* A point and its place: the place breaks ties, which makes qsort stable. */
typedef struct point_ref {
	const model_point *p;
	size_t i;
} point_ref;

static int ref_cmp(const void *a, const void *b)
{
	const point_ref *x = a, *y = b;
	int c = point_cmp(x->p, y->p);
	return c ? c : (x->i > y->i) - (x->i < y->i);
}

int res_series_sort(model_result *m)
{
	size_t n = m->n_series, i = 1;
	while (i < n && point_cmp(&m->series[i - 1], &m->series[i]) <= 0)
		i++;
	if (i >= n)
		return 0;   /* already in order (and ties, being in order, stay) */
	point_ref *ref = malloc(n * sizeof *ref);
	model_point *out = malloc(n * sizeof *out);
	if (!ref || !out) {
		free(ref);
		free(out);
		return PS_ENOMEM;
	}
	for (i = 0; i < n; i++)
		ref[i] = (point_ref){ &m->series[i], i };
	qsort(ref, n, sizeof *ref, ref_cmp);
	for (i = 0; i < n; i++)
		out[i] = *ref[i].p;
	free(ref);
	free(m->series);
	m->series = out;
	m->cap_series = n;
	return 0;
}

/* Run id's rows and the run itself: the schema's ON DELETE CASCADE, done
 * by hand since the writer does not enforce foreign keys (WRITER_PRAGMAS).
 * Rare (a --resume retrying a failed run): prepared on demand. */
static int delete_run(res_db *db, int64_t id)
{
	static const char *const sql[] = {
		"DELETE FROM run_param WHERE run_id = ?",
		"DELETE FROM scalar WHERE run_id = ?",
		"DELETE FROM series WHERE run_id = ?",
		"DELETE FROM run WHERE id = ?",
	};
	int rc = SQLITE_OK;
	for (size_t i = 0; i < sizeof sql / sizeof sql[0] && rc == SQLITE_OK; i++) {
		sqlite3_stmt *st = NULL;
		rc = sqlite3_prepare_v2(db->h, sql[i], -1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, id);
			rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK
							     : sqlite3_errcode(db->h);
		}
		sqlite3_finalize(st);
	}
	return rc;
}

/* Everything of one run, inside the caller's transaction. */
static int write_rows(res_db *db, const res_run *r, const char **what)
{
	int rc;
	/* A re-run of the same (experiment, point, replication) — e.g. a
	 * --resume retrying a run that ended in error — replaces the old row
	 * and everything under it. */
	*what = "replacing an earlier run";
	sqlite3_bind_int64(db->find_run, 1, r->experiment_id);
	sqlite3_bind_int(db->find_run, 2, r->point);
	sqlite3_bind_int(db->find_run, 3, r->replication);
	rc = sqlite3_step(db->find_run);
	int64_t old = rc == SQLITE_ROW ? sqlite3_column_int64(db->find_run, 0) : 0;
	sqlite3_reset(db->find_run);
	sqlite3_clear_bindings(db->find_run);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rc;
	if (rc == SQLITE_ROW && (rc = delete_run(db, old)) != SQLITE_OK)
		return rc;

	*what = "writing the run";
	sqlite3_stmt *st = db->ins_run;
	sqlite3_bind_int64(st, 1, r->experiment_id);
	sqlite3_bind_int(st, 2, r->point);
	sqlite3_bind_int(st, 3, r->replication);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)r->seed);
	bind_static(st, 5, r->itervars ? r->itervars : "");
	bind_static(st, 6, r->status ? r->status : "done");
	bind_real(st, 7, r->wall_s);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)r->events);
	if ((rc = step_done(st)) != SQLITE_OK)
		return rc;
	int64_t run_id = sqlite3_last_insert_rowid(db->h);

	*what = "writing run_param";
	for (int i = 0; i < r->n_params; i++) {
		st = db->ins_param;
		sqlite3_bind_int64(st, 1, run_id);
		bind_static(st, 2, r->params[i].name);
		bind_static(st, 3, r->params[i].value ? r->params[i].value : "");
		if ((rc = step_done(st)) != SQLITE_OK)
			return rc;
	}
	const model_result *m = r->result;
	if (!m)
		return SQLITE_OK;
	*what = "writing scalar";
	for (size_t i = 0; i < m->n_scalars; i++) {
		st = db->ins_scalar;
		sqlite3_bind_int64(st, 1, run_id);
		bind_static(st, 2, m->scalars[i].scope);
		bind_static(st, 3, m->scalars[i].name);
		bind_real(st, 4, m->scalars[i].value);
		if ((rc = step_done(st)) != SQLITE_OK)
			return rc;
	}
	*what = "writing series";
	for (size_t i = 0; i < m->n_series;) {
		int rows = m->n_series - i >= SERIES_ROWS ? SERIES_ROWS : 1;
		st = rows > 1 ? db->ins_series_n : db->ins_series;
		for (int k = 0; k < rows; k++, i++) {
			const model_point *p = &m->series[i];
			sqlite3_bind_int64(st, 5 * k + 1, run_id);
			bind_static(st, 5 * k + 2, p->scope);
			bind_static(st, 5 * k + 3, p->name);
			sqlite3_bind_double(st, 5 * k + 4, p->t);
			bind_real(st, 5 * k + 5, p->value);
		}
		if ((rc = step_done(st)) != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

static void checkpoint_due(res_db *db);

int res_run_write(res_db *db, const res_run *run, char *err, size_t errlen)
{
	assert(db && run);
	int rc = writable(db, err, errlen);
	if (rc)
		return rc;
	/* In a batch the run gets a savepoint, so that a failure takes back
	 * this run only and not the finished runs written before it. */
	if (sqlite3_exec(db->h, db->in_batch ? "SAVEPOINT run" : "BEGIN IMMEDIATE",
			 NULL, NULL, NULL) != SQLITE_OK)
		return db_err(db, err, errlen, "starting a transaction");
	const char *what = "";
	rc = write_rows(db, run, &what);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db->h, db->in_batch ? "RELEASE run" : "COMMIT",
				  NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		if (!db->in_batch)
			checkpoint_due(db);
		return 0;
	}
	/* Keep SQLite's message before ROLLBACK replaces it. */
	ps_err(err, errlen, PS_EDB, "%s: %s (point %d, replication %d): %s",
	       db->path, what, run->point, run->replication,
	       sqlite3_errmsg(db->h));
	/* A run half written is never committed. The batch's earlier runs
	 * stay, uncommitted, unless SQLite has already rolled the whole
	 * transaction back itself (it does for some errors: a full disk, an
	 * I/O error, no memory); then the batch is gone and closed. */
	if (db->in_batch && !sqlite3_get_autocommit(db->h) &&
	    sqlite3_exec(db->h, "ROLLBACK TO run; RELEASE run", NULL, NULL,
			 NULL) == SQLITE_OK)
		return PS_EDB;
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	db->in_batch = 0;
	return PS_EDB;
}

int res_run_params_set(res_db *db, int64_t exp_id, int point,
		       int replication, const res_param *params, int n,
		       char *err, size_t errlen)
{
	assert(db);
	int rc = writable(db, err, errlen);
	if (rc)
		return rc;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->h,
			       "INSERT OR REPLACE INTO run_param(run_id, name, value)"
			       " SELECT id, ?4, ?5 FROM run WHERE experiment_id = ?1"
			       " AND point = ?2 AND replication = ?3",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(db, err, errlen, "adding run_param");
	for (int i = 0; i < n && rc == 0; i++) {
		sqlite3_bind_int64(st, 1, exp_id);
		sqlite3_bind_int(st, 2, point);
		sqlite3_bind_int(st, 3, replication);
		bind_static(st, 4, params[i].name);
		bind_static(st, 5, params[i].value ? params[i].value : "");
		if (step_done(st) != SQLITE_OK)
			rc = db_err(db, err, errlen, "adding run_param");
	}
	sqlite3_finalize(st);
	return rc;
}

int res_batch_open(const res_db *db)
{
	return db->in_batch;
}

int res_batch_begin(res_db *db, char *err, size_t errlen)
{
	assert(db && !db->in_batch);
	int rc = writable(db, err, errlen);
	if (rc)
		return rc;
	if (sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(db, err, errlen, "starting a transaction");
	db->in_batch = 1;
	return 0;
}

/* After a commit: the checkpointer has new frames to copy. */
static void checkpoint_due(res_db *db)
{
	if (!db->ck_on)
		return;
	pthread_mutex_lock(&db->ck_mu);
	db->ck_due = 1;
	pthread_cond_signal(&db->ck_cv);
	pthread_mutex_unlock(&db->ck_mu);
}

int res_batch_commit(res_db *db, char *err, size_t errlen)
{
	assert(db);
	if (!db->in_batch)
		return 0;
	db->in_batch = 0;
	if (sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) {
		checkpoint_due(db);
		return 0;
	}
	ps_err(err, errlen, PS_EDB, "%s: committing runs: %s", db->path,
	       sqlite3_errmsg(db->h));
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	return PS_EDB;
}

int res_checkpoint(res_db *db)
{
	assert(db && !db->in_batch);
	if (db->fresh || db->ck_on)
		return 0;   /* nothing written yet, or the checkpointer's job */
	int rc = sqlite3_wal_checkpoint_v2(db->h, NULL,
					   SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	/* BUSY: another connection is checkpointing; nothing is lost. */
	return rc == SQLITE_OK || rc == SQLITE_BUSY ? 0 : PS_EDB;
}

static void *checkpointer(void *u)
{
	res_db *db = u;
	pthread_mutex_lock(&db->ck_mu);
	while (!db->ck_stop) {
		if (!db->ck_due) {
			pthread_cond_wait(&db->ck_cv, &db->ck_mu);
			continue;
		}
		db->ck_due = 0;
		pthread_mutex_unlock(&db->ck_mu);
		/* BUSY (another checkpoint) or an error: the next commit asks
		 * again, and the last close checkpoints whatever is left. */
		sqlite3_wal_checkpoint_v2(db->ck_h, NULL,
					  SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&db->ck_mu);
	}
	pthread_mutex_unlock(&db->ck_mu);
	return NULL;
}

int res_checkpointer_start(res_db *db, char *err, size_t errlen)
{
	assert(db);
	if (db->ck_on)
		return 0;
	int rc = writable(db, err, errlen);
	if (rc)
		return rc;
	if (sqlite3_open_v2(db->path, &db->ck_h, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = ps_err(err, errlen, PS_EDB, "%s: checkpointer: %s", db->path,
			    db->ck_h ? sqlite3_errmsg(db->ck_h) : "cannot open");
		sqlite3_close(db->ck_h);
		db->ck_h = NULL;
		return rc;
	}
	pthread_mutex_init(&db->ck_mu, NULL);
	pthread_cond_init(&db->ck_cv, NULL);
	db->ck_due = db->ck_stop = 0;
	if (pthread_create(&db->ck_th, NULL, checkpointer, db)) {
		pthread_mutex_destroy(&db->ck_mu);
		pthread_cond_destroy(&db->ck_cv);
		sqlite3_close(db->ck_h);
		db->ck_h = NULL;
		return ps_err(err, errlen, PS_ENOMEM, "%s: cannot start the "
			      "checkpointer thread", db->path);
	}
	db->ck_on = 1;
	/* The writer's commits must not checkpoint themselves (SQLite's
	 * automatic checkpoint at 1000 pages syncs, in the commit). */
	sqlite3_exec(db->h, "PRAGMA wal_autocheckpoint = 0", NULL, NULL, NULL);
	return 0;
}

void res_checkpointer_stop(res_db *db)
{
	if (!db || !db->ck_on)
		return;
	pthread_mutex_lock(&db->ck_mu);
	db->ck_stop = 1;
	pthread_cond_signal(&db->ck_cv);
	pthread_mutex_unlock(&db->ck_mu);
	pthread_join(db->ck_th, NULL);
	sqlite3_close(db->ck_h);
	db->ck_h = NULL;
	pthread_mutex_destroy(&db->ck_mu);
	pthread_cond_destroy(&db->ck_cv);
	db->ck_on = 0;
	sqlite3_exec(db->h, "PRAGMA wal_autocheckpoint = 1000", NULL, NULL,
		     NULL);
}

/* ---- reading ------------------------------------------------------------ */

int res_completeness(res_db *db, int64_t exp_id, res_complete *c)
{
	memset(c, 0, sizeof *c);
	c->runs_planned = c->points_planned = -1;
	sqlite3_stmt *st;
	if (has_plan_columns(db)) {
		if (prepare_read(db, "SELECT coalesce(runs_planned, -1),"
				 " coalesce(points_planned, -1) FROM experiment"
				 " WHERE id = ?", &st))
			return PS_EDB;
		sqlite3_bind_int64(st, 1, exp_id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			c->runs_planned = sqlite3_column_int64(st, 0);
			c->points_planned = sqlite3_column_int64(st, 1);
		}
		sqlite3_finalize(st);
	}
	if (prepare_read(db,
			 "SELECT count(*), coalesce(sum(status = 'done'), 0),"
			 " (SELECT count(DISTINCT r.point) FROM run r JOIN run_param p"
			 "  ON p.run_id = r.id WHERE r.experiment_id = ?1"
			 "  AND p.name = 'precision_met')"
			 " FROM run WHERE experiment_id = ?1", &st))
		return PS_EDB;
	sqlite3_bind_int64(st, 1, exp_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		long all = sqlite3_column_int64(st, 0);
		c->done = sqlite3_column_int64(st, 1);
		c->failed = all - c->done;
		c->points_closed = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : PS_EDB;
}

int res_partial_note(const res_complete *c, char *buf, size_t n)
{
	char f[64] = "";
	if (c->runs_planned >= 0) {
		long missing = c->runs_planned - c->done - c->failed;
		if (c->done >= c->runs_planned)
			return 0;
		if (c->failed && missing > 0)
			snprintf(f, sizeof f, " (%ld failed, %ld missing)",
				 c->failed, missing);
		else if (c->failed)
			snprintf(f, sizeof f, " (%ld failed)", c->failed);
		else if (missing > 0)
			snprintf(f, sizeof f, " (%ld missing)", missing);
		snprintf(buf, n, "partial: %ld of %ld runs%s", c->done,
			 c->runs_planned, f);
		return 1;
	}
	if (c->points_planned >= 0) {
		/* precision: a point is finished once its rule decided */
		if (c->points_closed >= c->points_planned && !c->failed)
			return 0;
		if (c->failed)
			snprintf(f, sizeof f, " (%ld run%s failed)", c->failed,
				 c->failed == 1 ? "" : "s");
		snprintf(buf, n, "partial: %ld of %ld points finished%s",
			 c->points_closed, c->points_planned, f);
		return 1;
	}
	if (!c->failed)
		return 0;   /* a file of an earlier version: the plan unknown */
	snprintf(buf, n, "partial: %ld of %ld runs failed", c->failed,
		 c->failed + c->done);
	return 1;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? (const char *)s : "";
}

static double col_real(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL
		       ? NAN : sqlite3_column_double(st, i);
}

/* Steps st to the end, calling row(st) per row; row returns non-zero to
 * stop. Returns 0, or PS_EDB when SQLite failed. Finalizes st. */
static int each_row(sqlite3_stmt *st, int (*row)(sqlite3_stmt *, void *),
		    void *ctx)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (row(st, ctx))
			break;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : PS_EDB;
}

struct exp_cb {
	int (*cb)(void *u, const res_experiment *e);
	void *u;
};

static int exp_row(sqlite3_stmt *st, void *ctx)
{
	struct exp_cb *c = ctx;
	res_experiment e = {
		.id = sqlite3_column_int64(st, 0),
		.name = col_text(st, 1),
		.description = col_text(st, 2),
		.ini_text = col_text(st, 3),
		.created_at = col_text(st, 4),
	};
	return c->cb(c->u, &e);
}

int res_experiments(res_db *db, const char *name,
		    int (*cb)(void *u, const res_experiment *e), void *u)
{
	sqlite3_stmt *st;
	if (prepare_read(db,
			 "SELECT id, name, description, ini_text, created_at"
			 " FROM experiment WHERE id IN (SELECT max(id) FROM"
			 " experiment WHERE ?1 IS NULL OR name = ?1"
			 " GROUP BY name) ORDER BY id",
			 &st))
		return PS_EDB;
	bind_text(st, 1, name);
	struct exp_cb c = { cb, u };
	return each_row(st, exp_row, &c);
}

struct sum_cb {
	int (*cb)(void *u, const res_summary *s);
	void *u;
};

static int sum_row(sqlite3_stmt *st, void *ctx)
{
	struct sum_cb *c = ctx;
	res_summary s = {
		.point = sqlite3_column_int(st, 0),
		.itervars = col_text(st, 1),
		.scope = col_text(st, 2),
		.name = col_text(st, 3),
		.n = sqlite3_column_int(st, 4),
		.mean = col_real(st, 5),
		.ci95 = col_real(st, 6),
		.min = col_real(st, 7),
		.max = col_real(st, 8),
	};
	return c->cb(c->u, &s);
}

int res_summaries(res_db *db, int64_t exp_id, const char *scope,
		  const char *name,
		  int (*cb)(void *u, const res_summary *s), void *u)
{
	sqlite3_stmt *st;
	if (prepare_read(db,
			 "SELECT point, itervars, scope, name, n, mean, ci95,"
			 " min, max FROM point_summary WHERE experiment_id = ?1"
			 " AND (?2 IS NULL OR scope = ?2)"
			 " AND (?3 IS NULL OR name = ?3)"
			 " ORDER BY point, scope, name",
			 &st))
		return PS_EDB;
	sqlite3_bind_int64(st, 1, exp_id);
	bind_text(st, 2, scope);
	bind_text(st, 3, name);
	struct sum_cb c = { cb, u };
	return each_row(st, sum_row, &c);
}

int res_point_param(res_db *db, int64_t exp_id, int point, const char *name,
		    char *buf, size_t buflen)
{
	sqlite3_stmt *st;
	if (prepare_read(db,
			 "SELECT p.value FROM run r JOIN run_param p"
			 " ON p.run_id = r.id WHERE r.experiment_id = ?"
			 " AND r.point = ? AND p.name = ?"
			 " ORDER BY r.replication, r.id LIMIT 1",
			 &st))
		return PS_EDB;
	sqlite3_bind_int64(st, 1, exp_id);
	sqlite3_bind_int(st, 2, point);
	bind_text(st, 3, name);
	int rc = sqlite3_step(st);
	int r = 1;
	if (rc == SQLITE_ROW) {
		if (buf && buflen)
			snprintf(buf, buflen, "%s", col_text(st, 0));
		r = 0;
	} else if (rc != SQLITE_DONE) {
		r = PS_EDB;
	}
	sqlite3_finalize(st);
	return r;
}

struct param_cb {
	int (*cb)(void *u, const res_param *p);
	void *u;
};

static int param_row(sqlite3_stmt *st, void *ctx)
{
	struct param_cb *c = ctx;
	res_param p = { col_text(st, 0), col_text(st, 1) };
	return c->cb(c->u, &p);
}

int res_point_params(res_db *db, int64_t exp_id, int point,
		     int (*cb)(void *u, const res_param *p), void *u)
{
	sqlite3_stmt *st;
	if (prepare_read(db,
			 "SELECT name, value FROM run_param WHERE run_id ="
			 " (SELECT id FROM run WHERE experiment_id = ? AND"
			 " point = ? ORDER BY replication, id LIMIT 1)"
			 " ORDER BY name",
			 &st))
		return PS_EDB;
	sqlite3_bind_int64(st, 1, exp_id);
	sqlite3_bind_int(st, 2, point);
	struct param_cb c = { cb, u };
	return each_row(st, param_row, &c);
}

struct series_cb {
	int (*cb)(void *u, const res_series_pt *p);
	void *u;
};

static int series_row(sqlite3_stmt *st, void *ctx)
{
	struct series_cb *c = ctx;
	res_series_pt p = {
		.point = sqlite3_column_int(st, 0),
		.replication = sqlite3_column_int(st, 1),
		.scope = col_text(st, 2),
		.name = col_text(st, 3),
		.t = sqlite3_column_double(st, 4),
		.value = col_real(st, 5),
	};
	return c->cb(c->u, &p);
}

int res_series(res_db *db, int64_t exp_id, const char *scope,
	       const char *name,
	       int (*cb)(void *u, const res_series_pt *p), void *u)
{
	sqlite3_stmt *st;
	if (prepare_read(db,
			 "SELECT r.point, r.replication, s.scope, s.name, s.t,"
			 " s.value FROM run r JOIN series s ON s.run_id = r.id"
			 " WHERE r.experiment_id = ?1"
			 " AND (?2 IS NULL OR s.scope = ?2)"
			 " AND (?3 IS NULL OR s.name = ?3)"
			 " ORDER BY r.point, r.replication, s.scope, s.name, s.t",
			 &st))
		return PS_EDB;
	sqlite3_bind_int64(st, 1, exp_id);
	bind_text(st, 2, scope);
	bind_text(st, 3, name);
	struct series_cb c = { cb, u };
	return each_row(st, series_row, &c);
}

struct scalar_cb {
	int (*cb)(void *u, const res_scalar_row *r);
	void *u;
};

static int scalar_row(sqlite3_stmt *st, void *ctx)
{
	struct scalar_cb *c = ctx;
	res_scalar_row r = {
		.point = sqlite3_column_int(st, 0),
		.replication = sqlite3_column_int(st, 1),
		.status = col_text(st, 2),
		.scope = col_text(st, 3),
		.name = col_text(st, 4),
		.value = col_real(st, 5),
	};
	return c->cb(c->u, &r);
}

int res_scalars(res_db *db, int64_t exp_id,
		int (*cb)(void *u, const res_scalar_row *r), void *u)
{
	sqlite3_stmt *st;
	if (prepare_read(db,
			 "SELECT r.point, r.replication, r.status, s.scope,"
			 " s.name, s.value FROM run r"
			 " LEFT JOIN scalar s ON s.run_id = r.id"
			 " WHERE r.experiment_id = ?1"
			 " ORDER BY r.point, r.replication, s.scope, s.name,"
			 " s.value",
			 &st))
		return PS_EDB;
	sqlite3_bind_int64(st, 1, exp_id);
	struct scalar_cb c = { cb, u };
	return each_row(st, scalar_row, &c);
}

int res_metric_values(res_db *db, int64_t exp_id, const char *scope,
		      const char *name,
		      int (*cb)(void *u, const res_scalar_row *r), void *u)
{
	sqlite3_stmt *st;
	if (prepare_read(db,
			 "SELECT r.point, r.replication, r.status, s.scope,"
			 " s.name, s.value FROM run r"
			 " LEFT JOIN scalar s ON s.run_id = r.id"
			 "  AND s.scope = ?2 AND s.name = ?3"
			 " WHERE r.experiment_id = ?1"
			 " ORDER BY r.point, r.replication",
			 &st))
		return PS_EDB;
	sqlite3_bind_int64(st, 1, exp_id);
	sqlite3_bind_text(st, 2, scope, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
	struct scalar_cb c = { cb, u };
	return each_row(st, scalar_row, &c);
}

int res_series_run(res_db *db, int64_t exp_id, int point, int replication,
		   int (*cb)(void *u, const res_series_pt *p), void *u)
{
	sqlite3_stmt *st;
	if (prepare_read(db,
			 "SELECT r.point, r.replication, s.scope, s.name, s.t,"
			 " s.value FROM run r JOIN series s ON s.run_id = r.id"
			 " WHERE r.experiment_id = ?1 AND r.point = ?2"
			 " AND r.replication = ?3"
			 " ORDER BY s.scope, s.name, s.t",
			 &st))
		return PS_EDB;
	sqlite3_bind_int64(st, 1, exp_id);
	sqlite3_bind_int(st, 2, point);
	sqlite3_bind_int(st, 3, replication);
	struct series_cb c = { cb, u };
	return each_row(st, series_row, &c);
}

int res_answer_write(res_db *db, const res_answer *a, char *err,
		     size_t errlen)
{
	int rc = writable(db, err, errlen);
	if (rc)
		return rc;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->h, "INSERT OR REPLACE INTO answer("
			       "experiment_id, goal, decided, point, chosen,"
			       " indifferent, confidence, runs_used, runs_grid,"
			       " text, warning) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(db, err, errlen, "storing the answer");
	sqlite3_bind_int64(st, 1, a->experiment_id);
	sqlite3_bind_text(st, 2, a->goal, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, a->decided);
	if (a->point >= 0)
		sqlite3_bind_int(st, 4, a->point);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_text(st, 5, a->chosen, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, a->indifferent, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 7, a->confidence);
	sqlite3_bind_int64(st, 8, a->runs_used);
	sqlite3_bind_int64(st, 9, a->runs_grid);
	sqlite3_bind_text(st, 10, a->text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, a->warning, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 :
	     db_err(db, err, errlen, "storing the answer");
	sqlite3_finalize(st);
	return rc;
}

static int answer_row(sqlite3_stmt *st, void *ctx)
{
	struct {
		int (*cb)(void *u, const res_answer *a);
		void *u;
	} *c = ctx;
	res_answer a = {
		.experiment_id = sqlite3_column_int64(st, 0),
		.goal = col_text(st, 1),
		.decided = sqlite3_column_int(st, 2),
		.point = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 :
			 sqlite3_column_int(st, 3),
		.chosen = col_text(st, 4),
		.indifferent = col_text(st, 5),
		.confidence = col_real(st, 6),
		.runs_used = sqlite3_column_int64(st, 7),
		.runs_grid = sqlite3_column_int64(st, 8),
		.text = col_text(st, 9),
		.warning = col_text(st, 10),
		.experiment = col_text(st, 11),
	};
	return c->cb(c->u, &a);
}

int res_answers(res_db *db, int64_t exp_id,
		int (*cb)(void *u, const res_answer *a), void *u)
{
	int64_t has = 0;
	if (ready(db, NULL, 0) ||
	    query_int(db, "SELECT count(*) FROM sqlite_schema WHERE"
		      " name = 'answer'", &has) != SQLITE_OK)
		return PS_EDB;
	if (!has)
		return 0;   /* a file of schema 1 or 2, opened to read */
	sqlite3_stmt *st;
	if (prepare_read(db,
			 "SELECT a.experiment_id, a.goal, a.decided, a.point,"
			 " a.chosen, a.indifferent, a.confidence, a.runs_used,"
			 " a.runs_grid, a.text, a.warning, e.name FROM answer a"
			 " JOIN experiment e ON e.id = a.experiment_id"
			 " WHERE a.experiment_id = ?1",
			 &st))
		return PS_EDB;
	sqlite3_bind_int64(st, 1, exp_id);
	struct {
		int (*cb)(void *u, const res_answer *a);
		void *u;
	} c = { cb, u };
	return each_row(st, answer_row, &c);
}

int res_itervar_next(const char **p, const char **k, size_t *kn,
		     const char **v, size_t *vn)
{
	const char *eq = strchr(*p, '=');
	if (!**p || !eq)
		return 0;
	const char *end = eq + 1;
	int depth = 0;
	for (; *end; end++) {
		if (*end == '(')
			depth++;
		else if (*end == ')' && depth > 0)
			depth--;
		if (depth || end[0] != ',' || end[1] != ' ')
			continue;
		const char *q = end + 2;
		while (isalnum((unsigned char)*q) || *q == '_' || *q == '.')
			q++;
		if (q > end + 2 && *q == '=')
			break;
	}
	*k = *p;
	*kn = (size_t)(eq - *p);
	*v = eq + 1;
	*vn = (size_t)(end - eq - 1);
	*p = *end ? end + 2 : end;
	return 1;
}
