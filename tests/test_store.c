/*
 * test_store.c — the results database against its contract (store.h,
 * DESIGN.md "Results"): schema and version checks, a run written and read
 * back, point_summary against stats_ci95 on the same values, quoting,
 * refusal of corrupt and foreign files, experiment reuse, atomic runs,
 * batches of runs, series of any length and in index order.
 * Each test works in its own temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../results/store.h"
#include "../sim/ps.h"
#include "../sim/stats.h"

typedef struct fixture {
	char dir[64];
	char path[128];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/test_store.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/r.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Raw SQL on the file, as another tool (the sqlite3 shell) would see it. */
static int64_t raw_int(const char *path, const char *sql)
{
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static void raw_text(const char *path, const char *sql, char *buf, size_t n)
{
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(buf, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
}

static res_db *open_rw(const char *path)
{
	char err[256] = "";
	res_db *db = NULL;
	int rc = res_open(path, 0, &db, err, sizeof err);
	if (rc)
		print_error("res_open: %s\n", err);
	assert_int_equal(rc, 0);
	assert_non_null(db);
	return db;
}

/* The latency of replication `rep` at point `point`: spread chosen so that
 * the mean is large next to the spread (cancellation would show). */
static double fake_p99(int point, int rep)
{
	static const double jitter[] = { 0.013, -0.021, 0.004, 0.017, -0.009 };
	return 1000.0 + point + jitter[rep % 5] * (1 + point);
}

static void write_run(res_db *db, int64_t exp, int point, int rep,
		      const char *itervars)
{
	model_result m;
	model_result_init(&m);
	model_result_scalar(&m, "pool", "latency_p99", fake_p99(point, rep));
	model_result_scalar(&m, "pool", "throughput", 100.0 * (point + 1));
	model_result_scalar(&m, "tenant/o'brien", "latency_p99", 0.5);
	for (int i = 0; i < 5; i++)
		model_result_point(&m, "pool", "queue_depth", i * 0.5,
				   point * 10 + i);
	char kval[16];
	snprintf(kval, sizeof kval, "%d", 10 * (point + 1));
	res_param params[] = {
		{ "K", kval },
		{ "pool", "errgroup" },
		{ "plot", "K: latency_p99" },
		{ "description", "it's \"quoted\"" },
	};
	res_run r = {
		.experiment_id = exp, .point = point, .replication = rep,
		.seed = UINT64_MAX - 1, .itervars = itervars, .status = "done",
		.wall_s = 0.25, .events = 12345, .params = params,
		.n_params = 4, .result = &m,
	};
	char err[256] = "";
	int rc = res_run_write(db, &r, err, sizeof err);
	if (rc)
		print_error("res_run_write: %s\n", err);
	assert_int_equal(rc, 0);
	model_result_fini(&m);
}

static void test_schema_created(void **state)
{
	fixture *f = *state;
	res_db *db = open_rw(f->path);
	res_close(db);
	static const char *const objs[] = { "experiment", "run", "run_param",
					    "scalar", "series", "point_summary" };
	for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) {
		char sql[160];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_schema"
			 " WHERE name = '%s'", objs[i]);
		assert_int_equal(raw_int(f->path, sql), 1);
	}
	assert_true(raw_int(f->path, "PRAGMA user_version") >= 1);
	char mode[32];
	raw_text(f->path, "PRAGMA journal_mode", mode, sizeof mode);
	assert_string_equal(mode, "wal");
	/* The lookups the runner and readers make are indexed. */
	assert_true(raw_int(f->path, "SELECT count(*) FROM sqlite_schema WHERE"
			    " type = 'index' AND tbl_name IN ('run', 'scalar',"
			    " 'series')") >= 3);
	/* Reopening an existing database neither fails nor recreates. */
	db = open_rw(f->path);
	res_close(db);
	res_close(NULL);
}

struct collect {
	int n;
	res_summary s[16];
	char itervars[16][64], scope[16][64], name[16][32];
};

static int collect_summary(void *u, const res_summary *s)
{
	struct collect *c = u;
	assert_true(c->n < 16);
	c->s[c->n] = *s;
	snprintf(c->itervars[c->n], 64, "%s", s->itervars);
	snprintf(c->scope[c->n], 64, "%s", s->scope);
	snprintf(c->name[c->n], 32, "%s", s->name);
	c->n++;
	return 0;
}

static int count_series(void *u, const res_series_pt *p)
{
	int *n = u;
	assert_string_equal(p->scope, "pool");
	assert_string_equal(p->name, "queue_depth");
	/* Ordered by point, replication, t: the value encodes point and t. */
	assert_true(p->value == p->point * 10 + p->t * 2);
	(*n)++;
	return 0;
}

static void test_roundtrip_and_summary(void **state)
{
	fixture *f = *state;
	res_db *db = open_rw(f->path);
	int64_t exp = 0;
	char err[256] = "";
	assert_int_equal(res_experiment_begin(db, "slow 'down\"stream", "why?",
					      "[x]\nK = ${1, 2}\n", 0, &exp,
					      err, sizeof err), 0);
	const int reps = 5;
	for (int p = 0; p < 2; p++)
		for (int rep = 0; rep < reps; rep++)
			write_run(db, exp, p, rep, p ? "K=20" : "K=10");
	assert_int_equal(res_run_stored(db, exp, 1, 4), 1);
	assert_int_equal(res_run_stored(db, exp, 1, 5), 0);
	assert_int_equal(res_run_stored(db, exp, 2, 0), 0);

	struct collect c = { 0 };
	assert_int_equal(res_summaries(db, exp, "pool", "latency_p99",
				       collect_summary, &c), 0);
	assert_int_equal(c.n, 2);
	for (int p = 0; p < 2; p++) {
		double x[5], mean;
		for (int rep = 0; rep < reps; rep++)
			x[rep] = fake_p99(p, rep);
		double ci = stats_ci95(x, reps, &mean);
		assert_int_equal(c.s[p].point, p);
		assert_string_equal(c.itervars[p], p ? "K=20" : "K=10");
		assert_int_equal(c.s[p].n, reps);
		assert_true(fabs(c.s[p].mean - mean) < 1e-9 * mean);
		assert_true(ci > 0);
		assert_true(fabs(c.s[p].ci95 - ci) < 1e-9 * ci);
		double lo = x[0], hi = x[0];
		for (int rep = 1; rep < reps; rep++) {
			lo = fmin(lo, x[rep]);
			hi = fmax(hi, x[rep]);
		}
		assert_true(c.s[p].min == lo && c.s[p].max == hi);
	}
	/* All scopes and names, ordered by point, scope, name. */
	memset(&c, 0, sizeof c);
	assert_int_equal(res_summaries(db, exp, NULL, NULL, collect_summary, &c),
			 0);
	assert_int_equal(c.n, 6);
	assert_string_equal(c.scope[0], "pool");
	assert_string_equal(c.name[0], "latency_p99");
	assert_string_equal(c.name[1], "throughput");
	assert_string_equal(c.scope[2], "tenant/o'brien");
	assert_true(c.s[2].ci95 == 0.0 && c.s[2].mean == 0.5);

	char buf[64];
	assert_int_equal(res_point_param(db, exp, 1, "K", buf, sizeof buf), 0);
	assert_string_equal(buf, "20");
	assert_int_equal(res_point_param(db, exp, 0, "description", buf,
					 sizeof buf), 0);
	assert_string_equal(buf, "it's \"quoted\"");
	assert_int_equal(res_point_param(db, exp, 0, "nope", buf, sizeof buf),
			 1);

	int n = 0;
	assert_int_equal(res_series(db, exp, "pool", NULL, count_series, &n), 0);
	assert_int_equal(n, 2 * reps * 5);
	n = 0;
	assert_int_equal(res_series(db, exp, NULL, "queue_depth", count_series,
				    &n), 0);
	assert_int_equal(n, 2 * reps * 5);
	res_close(db);

	/* The file as other tools see it. */
	char q[256];
	raw_text(f->path, "SELECT name FROM experiment", q, sizeof q);
	assert_string_equal(q, "slow 'down\"stream");
	raw_text(f->path, "SELECT created_at FROM experiment", q, sizeof q);
	assert_int_equal(strlen(q), 20);   /* 2024-01-02T03:04:05Z */
	assert_true(q[4] == '-' && q[10] == 'T' && q[19] == 'Z');
	raw_text(f->path, "SELECT version FROM experiment", q, sizeof q);
	assert_string_equal(q, POOLSIM_VERSION);
	assert_int_equal(raw_int(f->path, "SELECT seed FROM run LIMIT 1"), -2);
	raw_text(f->path, "PRAGMA integrity_check", q, sizeof q);
	assert_string_equal(q, "ok");
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM"
				 " pragma_foreign_key_check"), 0);
}

static void test_readonly_reader(void **state)
{
	fixture *f = *state;
	res_db *db = open_rw(f->path);
	int64_t exp = 0;
	assert_int_equal(res_experiment_begin(db, "e", NULL, "", 0, &exp, NULL,
					      0), 0);
	write_run(db, exp, 0, 0, "K=10");
	res_close(db);
	char err[256] = "";
	assert_int_equal(res_open(f->path, 1, &db, err, sizeof err), 0);
	struct collect c = { 0 };
	assert_int_equal(res_summaries(db, exp, "pool", "throughput",
				       collect_summary, &c), 0);
	assert_int_equal(c.n, 1);
	/* one replication has no interval: NULL, not 0 */
	assert_true(c.s[0].n == 1 && isnan(c.s[0].ci95));
	res_run r = { .experiment_id = exp, .status = "done" };
	assert_int_equal(res_run_write(db, &r, err, sizeof err), PS_EDB);
	res_close(db);
}

struct exps {
	int n;
	int64_t id[4];
	char name[4][8];
};

static int collect_exp(void *u, const res_experiment *x)
{
	struct exps *g = u;
	assert_true(g->n < 4);
	g->id[g->n] = x->id;
	snprintf(g->name[g->n], 8, "%s", x->name);
	g->n++;
	return 0;
}

static void test_reuse_and_newest(void **state)
{
	fixture *f = *state;
	res_db *db = open_rw(f->path);
	int64_t a = 0, b = 0, c2 = 0, d = 0;
	assert_int_equal(res_experiment_begin(db, "x", "d", "ini1", 0, &a,
					      NULL, 0), 0);
	assert_int_equal(res_experiment_begin(db, "y", "d", "ini1", 0, &b,
					      NULL, 0), 0);
	assert_int_equal(res_experiment_begin(db, "x", "d", "ini1", 1, &c2,
					      NULL, 0), 0);
	assert_true(c2 == a);
	assert_int_equal(res_experiment_begin(db, "x", "d", "ini2", 1, &d,
					      NULL, 0), 0);
	assert_true(d != a && d != b);  /* other text: a new row */
	int64_t e = 0;
	assert_int_equal(res_experiment_begin(db, "x", "d", "ini2", 0, &e,
					      NULL, 0), 0);
	assert_true(e != d);            /* reuse = 0 always makes a new row */

	struct exps got = { 0 };
	assert_int_equal(res_experiments(db, NULL, collect_exp, &got), 0);
	assert_int_equal(got.n, 2);
	/* Newest of each name, in creation order. */
	assert_true(got.id[0] == b && !strcmp(got.name[0], "y"));
	assert_true(got.id[1] == e && !strcmp(got.name[1], "x"));
	memset(&got, 0, sizeof got);
	assert_int_equal(res_experiments(db, "x", collect_exp, &got), 0);
	assert_true(got.n == 1 && got.id[0] == e);
	res_close(db);
}

static void expect_open_error(const char *path, int readonly,
			      const char *needle)
{
	char err[512] = "";
	res_db *db = (res_db *)1;
	int rc = res_open(path, readonly, &db, err, sizeof err);
	assert_int_equal(rc, PS_EDB);
	assert_null(db);
	if (!strstr(err, path) || !strstr(err, needle))
		print_error("message: %s\n", err);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, needle));
}

static void test_bad_files(void **state)
{
	fixture *f = *state;
	/* Random bytes: SQLite says "not a database"; we must not crash. */
	char p[200];
	snprintf(p, sizeof p, "%s/garbage.db", f->dir);
	FILE *fp = fopen(p, "wb");
	assert_non_null(fp);
	unsigned x = 12345;
	for (int i = 0; i < 8192; i++) {
		x = x * 1103515245u + 12345u;
		fputc((int)(x >> 16) & 0xff, fp);
	}
	fclose(fp);
	expect_open_error(p, 0, "not");
	expect_open_error(p, 1, "not");

	/* An SQLite file of another program. */
	snprintf(p, sizeof p, "%s/foreign.db", f->dir);
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open(p, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "CREATE TABLE t(x); INSERT INTO t"
				      " VALUES(1)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	expect_open_error(p, 0, "not a poolsim database");

	/* A poolsim database from a newer poolsim. */
	res_db *db = open_rw(f->path);
	res_close(db);
	assert_int_equal(sqlite3_open(f->path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "PRAGMA user_version = 99", NULL,
				      NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	expect_open_error(f->path, 1, "schema version 99");

	/* Schema 1 (its view said ci95 = 0 for one replication): a reader
	 * opens it as it is, a writer replaces the view and the version. */
	assert_int_equal(sqlite3_open(f->path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "DROP VIEW point_summary; CREATE VIEW"
				      " point_summary AS SELECT 0.0 AS ci95;"
				      " PRAGMA user_version = 1", NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(h);
	db = NULL;
	char err[256];
	assert_int_equal(res_open(f->path, 1, &db, err, sizeof err), 0);
	res_close(db);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 1);
	db = open_rw(f->path);
	res_close(db);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 3);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_schema"
				 " WHERE name = 'answer'"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_schema"
				 " WHERE name = 'point_summary' AND sql LIKE"
				 " '%n < 2 THEN NULL%'"), 1);

	/* Missing for readers; unwritable directory for writers. */
	snprintf(p, sizeof p, "%s/missing.db", f->dir);
	expect_open_error(p, 1, "No such file");
	snprintf(p, sizeof p, "%s/no/such/dir/r.db", f->dir);
	expect_open_error(p, 0, "cannot open");
	if (geteuid() != 0) {   /* root writes anywhere */
		snprintf(p, sizeof p, "%s/ro", f->dir);
		assert_int_equal(mkdir(p, 0555), 0);
		snprintf(p, sizeof p, "%s/ro/r.db", f->dir);
		expect_open_error(p, 0, "is not writable");
	}
}

static void test_rollback_leaves_nothing(void **state)
{
	fixture *f = *state;
	res_db *db = open_rw(f->path);
	int64_t exp = 0;
	assert_int_equal(res_experiment_begin(db, "e", NULL, "", 0, &exp, NULL,
					      0), 0);
	model_result m;
	model_result_init(&m);
	model_result_scalar(&m, "pool", "throughput", 1.0);
	model_result_point(&m, "pool", "queue_depth", 0.0, 1.0);
	/* A duplicated parameter violates run_param's key after the run row
	 * is already inserted: the whole run must vanish. */
	res_param params[] = { { "K", "1" }, { "K", "2" } };
	res_run r = { .experiment_id = exp, .point = 0, .replication = 0,
		      .itervars = "K=1", .status = "done", .params = params,
		      .n_params = 2, .result = &m };
	char err[256] = "";
	assert_int_equal(res_run_write(db, &r, err, sizeof err), PS_EDB);
	assert_non_null(strstr(err, "run_param"));
	assert_int_equal(res_run_stored(db, exp, 0, 0), 0);
	/* The connection is still usable and a good run goes in. */
	r.n_params = 1;
	assert_int_equal(res_run_write(db, &r, err, sizeof err), 0);
	/* Writing the same run again replaces it rather than doubling it. */
	assert_int_equal(res_run_write(db, &r, err, sizeof err), 0);
	res_close(db);
	model_result_fini(&m);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM run"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM run_param"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM scalar"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM series"), 1);
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

/* A batch is one transaction of whole runs: other connections see its
 * runs only once committed. A failed run takes back only its own rows:
 * the batch stays open and its earlier runs commit. When SQLite rolls the
 * whole transaction back itself (here a trigger's RAISE(ROLLBACK), as a
 * full disk would), the batch is lost and closed, and the connection goes
 * on. */
static void test_batch(void **state)
{
	fixture *f = *state;
	res_db *db = open_rw(f->path);
	int64_t exp = 0;
	char err[256] = "";
	assert_int_equal(res_experiment_begin(db, "e", NULL, "", 0, &exp, NULL,
					      0), 0);
	assert_int_equal(res_batch_open(db), 0);
	assert_int_equal(res_batch_begin(db, err, sizeof err), 0);
	assert_int_equal(res_batch_open(db), 1);
	write_run(db, exp, 0, 0, "K=10");
	write_run(db, exp, 0, 1, "K=10");
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM run"), 0);
	assert_int_equal(res_batch_commit(db, err, sizeof err), 0);
	assert_int_equal(res_batch_open(db), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM run"), 2);
	assert_int_equal(res_checkpoint(db), 0);
	assert_int_equal(res_batch_commit(db, err, sizeof err), 0);  /* none open */

	assert_int_equal(res_batch_begin(db, err, sizeof err), 0);
	write_run(db, exp, 1, 0, "K=20");
	res_param dup[] = { { "K", "1" }, { "K", "2" } };
	res_run bad = { .experiment_id = exp, .point = 1, .replication = 1,
			.itervars = "K=20", .status = "done", .params = dup,
			.n_params = 2 };
	assert_int_equal(res_run_write(db, &bad, err, sizeof err), PS_EDB);
	assert_non_null(strstr(err, "point 1, replication 1"));
	assert_int_equal(res_batch_open(db), 1);
	write_run(db, exp, 1, 2, "K=20");   /* the batch goes on */
	assert_int_equal(res_batch_commit(db, err, sizeof err), 0);
	assert_int_equal(res_run_stored(db, exp, 1, 0), 1);
	assert_int_equal(res_run_stored(db, exp, 1, 1), 0);
	assert_int_equal(res_run_stored(db, exp, 1, 2), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM run"), 4);

	raw_exec(f->path, "CREATE TRIGGER boom BEFORE INSERT ON run "
		 "WHEN NEW.point = 9 BEGIN SELECT RAISE(ROLLBACK, 'boom'); END");
	assert_int_equal(res_batch_begin(db, err, sizeof err), 0);
	write_run(db, exp, 2, 0, "K=30");
	res_run gone = { .experiment_id = exp, .point = 9, .replication = 0,
			 .itervars = "K=100", .status = "done" };
	assert_int_equal(res_run_write(db, &gone, err, sizeof err), PS_EDB);
	assert_non_null(strstr(err, "boom"));
	assert_int_equal(res_batch_open(db), 0);
	assert_int_equal(res_batch_commit(db, err, sizeof err), 0);  /* closed */
	assert_int_equal(res_run_stored(db, exp, 2, 0), 0);
	write_run(db, exp, 2, 0, "K=30");   /* in its own transaction again */
	res_close(db);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM run"), 5);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM run_param"), 20);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM"
				 " pragma_foreign_key_check"), 0);
}

/* Series points go several to a statement: any count comes back whole, in
 * order (a run of 2 full statements and a remainder, and runs below one
 * statement). */
static void test_many_points(void **state)
{
	fixture *f = *state;
	res_db *db = open_rw(f->path);
	int64_t exp = 0;
	assert_int_equal(res_experiment_begin(db, "e", NULL, "", 0, &exp, NULL,
					      0), 0);
	static const int counts[] = { 0, 1, 31, 32, 70 };
	for (int p = 0; p < 5; p++) {
		model_result m;
		model_result_init(&m);
		for (int i = 0; i < counts[p]; i++)
			model_result_point(&m, i % 2 ? "pool" : "tenant/a",
					   "queue_depth", i * 0.5, p * 1000 + i);
		res_run r = { .experiment_id = exp, .point = p,
			      .itervars = "", .status = "done", .result = &m };
		char err[256] = "";
		assert_int_equal(res_run_write(db, &r, err, sizeof err), 0);
		model_result_fini(&m);
	}
	res_close(db);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM series"), 134);
	/* rowid order is insertion order: value = point * 1000 + index,
	 * t = index / 2, scope alternating */
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM series s"
				 " JOIN run r ON r.id = s.run_id"
				 " WHERE s.value = r.point * 1000"
				 " + (SELECT count(*) FROM series z"
				 "    WHERE z.run_id = s.run_id AND z.rowid < s.rowid)"
				 " AND s.t * 2 = s.value - r.point * 1000"
				 " AND s.scope = CASE CAST(s.t * 2 AS INTEGER) % 2"
				 "   WHEN 1 THEN 'pool' ELSE 'tenant/a' END"), 134);
}

/* res_series_sort: index order (scope, name, t), ties in their order, the
 * same points; sorted or not, a run stores the same rows. */
static void test_series_sort(void **state)
{
	fixture *f = *state;
	model_result m[2];
	for (int k = 0; k < 2; k++) {
		model_result_init(&m[k]);
		/* three series interleaved in time, one tie at t = 1 */
		for (int i = 0; i < 40; i++) {
			model_result_point(&m[k], "pool", "queue_depth", i, i);
			model_result_point(&m[k], "pool", "busy", i, 100 + i);
			model_result_point(&m[k], "downstream/db", "busy", i,
					   200 + i);
		}
		model_result_point(&m[k], "pool", "busy", 1, -1);
	}
	assert_int_equal(res_series_sort(&m[1]), 0);
	assert_int_equal(m[1].n_series, 121);
	assert_string_equal(m[1].series[0].scope, "downstream/db");
	for (size_t i = 1; i < m[1].n_series; i++) {
		const model_point *a = &m[1].series[i - 1], *b = &m[1].series[i];
		int c = strcmp(a->scope, b->scope);
		if (!c)
			c = strcmp(a->name, b->name);
		assert_true(c < 0 || (c == 0 && a->t <= b->t));
	}
	/* the tie: the point added first comes first */
	assert_true(m[1].series[41].t == 1 && m[1].series[41].value == 101);
	assert_true(m[1].series[42].t == 1 && m[1].series[42].value == -1);
	assert_int_equal(res_series_sort(&m[1]), 0);   /* sorted: unchanged */
	assert_true(m[1].series[42].value == -1);

	res_db *db = open_rw(f->path);
	int64_t exp = 0;
	assert_int_equal(res_experiment_begin(db, "e", NULL, "", 0, &exp, NULL,
					      0), 0);
	for (int k = 0; k < 2; k++) {
		res_run r = { .experiment_id = exp, .point = k, .itervars = "",
			      .status = "done", .result = &m[k] };
		char err[256] = "";
		assert_int_equal(res_run_write(db, &r, err, sizeof err), 0);
		model_result_fini(&m[k]);
	}
	res_close(db);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM (SELECT scope,"
				 " name, t, value FROM series s JOIN run r ON"
				 " r.id = s.run_id WHERE r.point = 0 EXCEPT SELECT"
				 " scope, name, t, value FROM series s JOIN run r ON"
				 " r.id = s.run_id WHERE r.point = 1)"), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM series"), 242);
}

/* The view is plain SQL: a connection that is not ours computes the same
 * half-width (sqlite3 shell users get the same numbers). */
static void test_view_in_plain_sqlite(void **state)
{
	fixture *f = *state;
	res_db *db = open_rw(f->path);
	int64_t exp = 0;
	assert_int_equal(res_experiment_begin(db, "e", NULL, "", 0, &exp, NULL,
					      0), 0);
	for (int rep = 0; rep < 3; rep++)
		write_run(db, exp, 0, rep, "K=10");
	res_close(db);
	double x[3], mean;
	for (int rep = 0; rep < 3; rep++)
		x[rep] = fake_p99(0, rep);
	double ci = stats_ci95(x, 3, &mean);
	char buf[64];
	raw_text(f->path, "SELECT printf('%.12g', ci95) FROM point_summary"
		 " WHERE scope = 'pool' AND name = 'latency_p99'", buf,
		 sizeof buf);
	assert_true(fabs(atof(buf) - ci) < 1e-9 * ci);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_created, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_and_summary, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_readonly_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reuse_and_newest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_points, setup, teardown),
		cmocka_unit_test_setup_teardown(test_series_sort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_view_in_plain_sqlite, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
