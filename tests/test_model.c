/*
 * test_model.c — the task's life and the library profiles, on scenarios
 * whose answers are known exactly or follow from counting: warm state
 * (exercise 11), Little's law on every run, determinism and common random
 * numbers, ants reuse and purge, tunny timeouts, workerpool idle stop, pond
 * bounded queue, semaphore head-of-line blocking, fanout, OOM by Little's
 * law, producer loops vs `each`. Queueing-theory validation with confidence
 * intervals is in test_pools.c.
 *
 * Runtime: well under a second at -O2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "testlib.h"
#include "../models/model.h"
#include "../sim/ps.h"
#include "../sim/rng.h"

/* Tests in this file submit with producers = 1 unless they say otherwise. */
#define cfg(c, pool, K, arrival, service, tasks) \
	test_cfg(c, pool, K, arrival, service, tasks, 1)

static dist *D(const char *text)
{
	char err[256];
	dist *d = NULL;
	if (dist_parse(text, NULL, &d, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		fail();
	}
	return d;
}

static double get(const model_result *r, const char *scope, const char *name)
{
	double v = model_result_get(r, scope, name);
	if (isnan(v))
		fprintf(stderr, "missing or NaN: %s %s\n", scope, name);
	return v;
}

#define P(r, name) get(r, "pool", name)

/* Little's law, L = X W, over the window (from 0, no warm-up, to the end
 * of arrivals). Exact when the window ends with nothing in the system:
 * both sides are then (sum of latencies) / window. Otherwise the tasks
 * still in the system at the window's end (backlog_end) count in L for
 * their part inside it and in W in full, so it holds to 1% only on runs
 * long against a latency. */
static void assert_little(const model_result *r)
{
	double L = P(r, "system_mean");
	double X = P(r, "throughput");
	double W = P(r, "latency_mean");
	double err = fabs(L - X * W);
	double tol = P(r, "backlog_end") == 0 ? 1e-6 * (1 + L) : 0.01 * L;
	if (!(err <= tol)) {
		fprintf(stderr, "Little: L=%.9g X*W=%.9g\n", L, X * W);
		fail();
	}
}

static void run1(const model_config *c, uint64_t seed, uint32_t rep,
		 model_result *r)
{
	model_result_init(r);
	assert_int_equal(model_run(c, seed, rep, r), 0);
}

/* ---- exercise 11: warm state, exact ------------------------------------ */

static double warm_makespan(const char *pool, int first_use)
{
	model_config c;
	model_result r;
	cfg(&c, pool, 4, "burst(100)", "const(50ms)", 100);
	c.setup = D("const(200ms)");
	c.setup_first_use = first_use;
	c.producers = 0;
	run1(&c, 1, 0, &r);
	double m = P(&r, "makespan");
	assert_int_equal((long)P(&r, "completed"), 100);
	assert_little(&r);
	model_result_fini(&r);
	model_config_fini(&c);
	return m;
}

/* Library overhead (LIBRARIES.md cost figures): errgroup costs 841 ns per
 * trivial task at K=2 and 1243 ns at K=1000; between, log-interpolated. A
 * burst of 100 const(10ms) tasks on K=4 then takes 25 waves of
 * 10 ms + overhead, exactly. */
static void test_overhead_measured(void **st)
{
	(void)st;
	assert_true(fabs(pool_overhead_s(POOL_ERRGROUP, 2) - 841e-9) < 1e-15);
	assert_true(fabs(pool_overhead_s(POOL_ERRGROUP, 1000) - 1243e-9) < 1e-15);
	assert_true(fabs(pool_overhead_s(POOL_ERRGROUP, 50000) - 1243e-9) < 1e-15);
	assert_true(fabs(pool_overhead_s(POOL_SEMAPHORE, 1) - 1489e-9) < 1e-15);
	assert_true(isnan(pool_overhead_s(POOL_PRIORITY, 4)));
	double o = 1e-9 * (841 + (1243 - 841) * log(4.0 / 2) / log(1000.0 / 2));
	model_config c;
	cfg(&c, "errgroup", 4, "burst(100)", "const(10ms)", 0);
	c.producers = 0;
	c.overhead = pool_overhead_s(POOL_ERRGROUP, 4);
	assert_true(fabs(c.overhead - o) < 1e-15);
	model_result r;
	model_result_init(&r);
	assert_int_equal(model_run(&c, 1, 0, &r), 0);
	assert_true(fabs(P(&r, "makespan") - 25 * (0.010 + o)) < 1e-12);
	model_result_fini(&r);
	model_config_fini(&c);
}

static void test_warm_state(void **st)
{
	/* errgroup: every task builds its renderer: 25 rounds of 250 ms */
	assert_true(fabs(warm_makespan("errgroup", 0) - 6.25) < 1e-9);
	/* tunny New: 4 constructors in a row (0.8 s), then 25 x 50 ms */
	assert_true(fabs(warm_makespan("tunny", 0) - 2.05) < 1e-9);
	/* tunny first-use: the constructors overlap: 0.25 + 24 x 0.05 */
	assert_true(fabs(warm_makespan("tunny", 1) - 1.45) < 1e-9);
	/* same with one producer loop: tunny's Process is synchronous, so a
	 * single loop runs one job at a time: 0.8 + 100 x 0.05 */
	model_config c;
	model_result r;
	cfg(&c, "tunny", 4, "burst(100)", "const(50ms)", 100);
	c.setup = D("const(200ms)");
	c.producers = 1;
	run1(&c, 1, 0, &r);
	assert_true(fabs(P(&r, "makespan") - 5.8) < 1e-9);
	model_result_fini(&r);
	model_config_fini(&c);
}

/* ---- determinism, common random numbers -------------------------------- */

static void test_deterministic(void **st)
{
	model_config c;
	model_result a, b, d;
	cfg(&c, "ants", 8, "poisson(300/s)", "exp(20ms)", 5000);
	c.producers = 0;
	run1(&c, 7, 3, &a);
	run1(&c, 7, 3, &b);
	run1(&c, 7, 4, &d);
	assert_int_equal(a.n_scalars, b.n_scalars);
	for (size_t i = 0; i < a.n_scalars; i++) {
		double x = a.scalars[i].value, y = b.scalars[i].value;
		assert_true((isnan(x) && isnan(y)) || x == y);
	}
	assert_true(P(&a, "latency_mean") != P(&d, "latency_mean"));
	model_result_fini(&a);
	model_result_fini(&b);
	model_result_fini(&d);
	model_config_fini(&c);
}

/* With K so large nobody waits, latency is exactly the task's own draw;
 * common random numbers make it identical across pools and K. */
static void test_common_random_numbers(void **st)
{
	double ref = NAN;
	const char *pools[] = { "goroutines", "errgroup", "ants", "workerpool",
				"pond", "semaphore", "tunny" };
	for (int i = 0; i < 7; i++) {
		for (long K = 500; K <= 1000; K += 500) {
			model_config c;
			model_result r;
			cfg(&c, pools[i], K, "poisson(100/s)", "exp(10ms)", 2000);
			c.producers = 0;
			run1(&c, 11, 0, &r);
			double m = P(&r, "latency_mean");
			assert_true(P(&r, "wait_mean") == 0);
			if (isnan(ref))
				ref = m;
			assert_true(fabs(m - ref) < 1e-12);
			assert_little(&r);
			model_result_fini(&r);
			model_config_fini(&c);
		}
	}
}

/* ---- producers: a blocked loop delays later tasks ----------------------- */

static void test_producer_loop_blocks(void **st)
{
	/* errgroup K=1, const(10/s) arrivals, 150 ms work: with one loop the
	 * loop is blocked in Go, so task i starts at 0.15 i like the each case,
	 * but Submit blocking shows in blocked_mean; with trygo half the tasks
	 * are rejected. D/D/1 overloaded: task i waits 0.05 i. */
	model_config c;
	model_result r;
	cfg(&c, "errgroup", 1, "const(10/s)", "const(150ms)", 10);
	c.producers = 1;
	run1(&c, 1, 0, &r);
	/* const(RATE) wants task i at i/10 (i = 1..10); the last starts at
	 * 0.1 + 9 x 0.15 = 1.45 and is done at 1.6 */
	assert_true(fabs(P(&r, "makespan") - 1.6) < 1e-9);
	assert_true(fabs(P(&r, "latency_max") - 0.6) < 1e-6);
	/* wait_i = 0.05 i → mean 0.225 */
	assert_true(fabs(P(&r, "wait_mean") - 0.225) < 1e-9);
	assert_little(&r);
	model_result_fini(&r);
	c.trygo = 1;
	run1(&c, 1, 0, &r);
	/* tasks at .1, .3, .5, .7, .9 find the slot free (done .25, .45 ...) */
	assert_int_equal((long)P(&r, "rejected"), 5);
	assert_int_equal((long)P(&r, "completed"), 5);
	model_result_fini(&r);
	model_config_fini(&c);
}

/* ants max_blocking with ONE producer loop: at most one blocked submitter,
 * so it never rejects, however overloaded. */
static void test_ants_max_blocking_one_loop(void **st)
{
	model_config c;
	model_result r;
	cfg(&c, "ants", 2, "poisson(1000/s)", "exp(10ms)", 3000);
	c.max_blocking = 1;
	c.producers = 1;
	run1(&c, 3, 0, &r);
	assert_int_equal((long)P(&r, "rejected"), 0);
	assert_int_equal((long)P(&r, "completed"), 3000);
	model_result_fini(&r);
	/* with `each` the same load is rejected a lot */
	c.producers = 0;
	run1(&c, 3, 0, &r);
	assert_true(P(&r, "rejected_frac") > 0.5);
	model_result_fini(&r);
	model_config_fini(&c);
}

/* ---- ants: LIFO reuse and purge ------------------------------------------ */

static void test_ants_lifo_and_purge(void **st)
{
	model_config c;
	model_result r;
	/* light load on a big pool: with LIFO most tasks reuse the worker
	 * freed last; tunny (FIFO idle workers) almost never does */
	cfg(&c, "ants", 20, "poisson(20/s)", "exp(10ms)", 5000);
	c.producers = 0;
	run1(&c, 5, 0, &r);
	double lifo = P(&r, "reuse_lifo_frac");
	fprintf(stderr, "ants reuse_lifo_frac %.3f peak %g\n", lifo, P(&r, "workers_peak"));
	assert_true(lifo > 0.75);
	assert_true(P(&r, "workers_peak") < 20);
	model_result_fini(&r);
	model_config_fini(&c);
	cfg(&c, "tunny", 20, "poisson(20/s)", "exp(10ms)", 5000);
	c.producers = 0;
	run1(&c, 5, 0, &r);
	fprintf(stderr, "tunny reuse_lifo_frac %.3f\n", P(&r, "reuse_lifo_frac"));
	assert_true(P(&r, "reuse_lifo_frac") < 0.2);
	model_result_fini(&r);
	model_config_fini(&c);

	/* purge: 10 tasks at t=0 (10 ms each), then one at 5 s. Workers go
	 * idle at 0.01 and must be gone between E and 2E later (E = 1 s):
	 * ticks at 1 s (idle 0.99 s: kept) and 2 s (purged). */
	cfg(&c, "ants", 10, "burst(1)", "const(10ms)", 0);
	wl_spec_fini(&c.arrival);
	memset(&c.arrival, 0, sizeof c.arrival);
	static const double ts[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5 };
	c.arrival.kind = WL_TRACE;
	c.arrival.trace_n = 11;
	double tcopy[11];
	memcpy(tcopy, ts, sizeof ts);
	c.arrival.trace_t = tcopy;
	c.producers = 0;
	c.series_points = 1000;
	run1(&c, 1, 0, &r);
	c.arrival.trace_t = NULL;   /* not owned by the config */
	assert_int_equal((long)P(&r, "workers_peak"), 10);
	double t_gone = NAN, t_last10 = NAN;
	for (size_t i = 0; i < r.n_series; i++) {
		const model_point *p = &r.series[i];
		if (strcmp(p->name, "workers") || strcmp(p->scope, "pool"))
			continue;
		if (p->value == 10)
			t_last10 = p->t;
		if (p->value == 0 && isnan(t_gone) && p->t > 0.01 && p->t < 5)
			t_gone = p->t;
	}
	assert_false(isnan(t_gone));
	assert_true(t_last10 >= 1.01 - 1e-9);        /* alive past E */
	assert_true(t_gone <= 0.01 + 2.0 + 0.05);     /* gone by 2E + a sample */
	model_result_fini(&r);
	model_config_fini(&c);
}

/* ---- workerpool: one idle worker stops per quiet 2 s tick ---------------- */

static void test_workerpool_idle_stop(void **st)
{
	model_config c;
	model_result r;
	cfg(&c, "workerpool", 10, "burst(1)", "const(10ms)", 0);
	wl_spec_fini(&c.arrival);
	memset(&c.arrival, 0, sizeof c.arrival);
	double ts[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 30 };
	c.arrival.kind = WL_TRACE;
	c.arrival.trace_n = 13;
	c.arrival.trace_t = ts;
	c.producers = 0;
	c.series_points = 2000;
	run1(&c, 1, 0, &r);
	c.arrival.trace_t = NULL;
	/* 12 tasks at once: 10 workers, 2 queued (deque) */
	assert_int_equal((long)P(&r, "workers_peak"), 10);
	assert_true(fabs(P(&r, "queue_max") - 2) < 1e-9);
	/* ticks at 2, 4, ...: the tick at 2 saw tasks (at 0), later ones
	 * stop one worker each: 9 left at 4 s, ... 0 left at 22 s */
	double at_10 = NAN, at_25 = NAN;
	for (size_t i = 0; i < r.n_series; i++) {
		const model_point *p = &r.series[i];
		if (strcmp(p->name, "workers"))
			continue;
		if (p->t > 10.2 && p->t < 11.8 && isnan(at_10))
			at_10 = p->value;
		if (p->t > 25 && p->t < 29.9 && isnan(at_25))
			at_25 = p->value;
	}
	assert_true(at_10 == 6);   /* stopped at 4, 6, 8, 10 */
	assert_true(at_25 == 0);
	model_result_fini(&r);
	model_config_fini(&c);
}

/* ---- tunny timeouts ------------------------------------------------------- */

static void test_tunny_timeout(void **st)
{
	model_config c;
	model_result r;
	/* K=1, 5 calls at t=0 of 100 ms, deadline 250 ms: job 1 done at .1,
	 * job 2 at .2, job 3 starts at .2 and times out running at .25 (the
	 * worker stays busy to .3), jobs 4 and 5 time out waiting at .25. */
	cfg(&c, "tunny", 1, "burst(5)", "const(100ms)", 5);
	c.producers = 0;
	c.timeout = 0.25;
	run1(&c, 1, 0, &r);
	assert_int_equal((long)P(&r, "completed"), 2);
	assert_int_equal((long)P(&r, "timed_out"), 3);
	assert_true(fabs(P(&r, "latency_max") - 0.2) < 1e-12);
	model_result_fini(&r);
	model_config_fini(&c);
}

/* ---- pond: bounded queue, nonblocking drops, blocking waits -------------- */

static void test_pond_queue(void **st)
{
	model_config c;
	model_result r;
	cfg(&c, "pond", 2, "burst(10)", "const(1s)", 10);
	c.producers = 0;
	c.queue = 3;
	c.nonblocking = 1;
	run1(&c, 1, 0, &r);
	/* 2 running + 3 queued are taken, 5 dropped */
	assert_int_equal((long)P(&r, "rejected"), 5);
	assert_true(fabs(P(&r, "makespan") - 3.0) < 1e-12);
	model_result_fini(&r);
	c.nonblocking = 0;
	run1(&c, 1, 0, &r);
	assert_int_equal((long)P(&r, "rejected"), 0);
	assert_true(fabs(P(&r, "makespan") - 5.0) < 1e-12);
	/* blocked submitters get in as room appears: the last 5 wait in
	 * Submit for 1, 1, 2, 2, 3 s */
	assert_true(fabs(P(&r, "blocked_mean") - 0.9) < 1e-9);
	assert_little(&r);
	model_result_fini(&r);
	model_config_fini(&c);
}

/* ---- conc: lazy workers kept until Wait, Go blocks at K, panics -------- */

static void test_conc(void **st)
{
	model_config c;
	model_result r;
	/* 3 tasks at t=0 below K=10: each Go finds no idle worker and
	 * spawns one; 12 tasks at K=4: 4 workers, the other 8 submitters
	 * block in Go (no queue, no rejection) and are served FIFO as the
	 * workers come back: three rounds of 1 s */
	cfg(&c, "conc", 10, "burst(3)", "const(1s)", 3);
	c.producers = 0;
	run1(&c, 1, 0, &r);
	assert_int_equal((long)P(&r, "workers_peak"), 3);
	model_result_fini(&r);
	model_config_fini(&c);
	cfg(&c, "conc", 4, "burst(12)", "const(1s)", 12);
	c.producers = 0;
	run1(&c, 1, 0, &r);
	assert_int_equal((long)P(&r, "workers_peak"), 4);
	assert_int_equal((long)P(&r, "rejected"), 0);
	assert_true(fabs(P(&r, "makespan") - 3.0) < 1e-12);
	/* blocked in Go: 4 for 1 s, 4 for 2 s, over the 12 */
	assert_true(fabs(P(&r, "blocked_mean") - 1.0) < 1e-9);
	assert_little(&r);
	model_result_fini(&r);
	model_config_fini(&c);
	/* a panic is caught (recover by default): the task fails, the run
	 * goes on; with cancel_on_error the first one cancels the rest */
	cfg(&c, "conc", 2, "poisson(100/s)", "exp(10ms)", 2000);
	c.panic = 0.05;
	run1(&c, 1, 0, &r);
	assert_int_equal((long)P(&r, "crashed"), 0);
	assert_true(P(&r, "errored") > 50 && P(&r, "errored") < 150);
	assert_int_equal((long)P(&r, "skipped"), 0);
	model_result_fini(&r);
	c.cancel_on_error = 1;
	run1(&c, 1, 0, &r);
	assert_int_equal((long)P(&r, "errored"), 1);
	assert_true(P(&r, "skipped") > 1900);
	model_result_fini(&r);
	model_config_fini(&c);
}

/* ---- semaphore: head-of-line blocking ------------------------------------ */

static void test_semaphore_hol(void **st)
{
	/* K=4, 1 s tasks all at t=0, weights 1 or 4 at random. A FIFO
	 * semaphore with head-of-line blocking runs them in batches of
	 * consecutive tasks whose weights fit together; a 1 behind a waiting 4
	 * may not slip past it. So the makespan is the number of such batches,
	 * computed here from the same weight stream (white box: the stream
	 * address "task"/"weight" is the model's documented one). */
	model_config c;
	model_result r;
	cfg(&c, "semaphore", 4, "burst(200)", "const(1s)", 200);
	c.producers = 0;
	c.weight = NULL;
	{
		char err[256];
		if (dist_parse_count("mix(0.7: const(1), 0.3: const(4))", NULL,
				     &c.weight, err, sizeof err)) {
			fprintf(stderr, "%s\n", err);
			fail();
		}
	}
	run1(&c, 9, 0, &r);
	gsl_rng *g = rng_stream(9, 0, "task", "weight");
	long batches = 0, used = 5;
	for (int i = 0; i < 200; i++) {
		long w = (long)floor(dist_sample(c.weight, g) + 0.5);
		if (used + w > 4) {
			batches++;
			used = 0;
		}
		used += w;
	}
	gsl_rng_free(g);
	assert_true(fabs(P(&r, "makespan") - (double)batches) < 1e-9);
	assert_little(&r);
	model_result_fini(&r);
	model_config_fini(&c);
}

/* ---- fanout: a request completes with its last subtask ------------------- */

static void test_fanout(void **st)
{
	model_config c;
	model_result r;
	/* one request of 8 subtasks of 1 s on errgroup K=4, submitted by one
	 * goroutine: 4 start at 0, the next 4 at 1 s; request latency 2 s */
	cfg(&c, "errgroup", 4, "burst(1)", "const(1s)", 1);
	c.producers = 0;
	c.fanout = 8;
	run1(&c, 1, 0, &r);
	assert_true(fabs(get(&r, "request", "latency_max") - 2.0) < 1e-12);
	assert_int_equal((long)get(&r, "request", "completed"), 1);
	assert_int_equal((long)P(&r, "completed"), 8);
	assert_true(fabs(P(&r, "latency_mean") - 1.5) < 1e-12);
	model_result_fini(&r);
	model_config_fini(&c);
}

/* ---- memory: OOM where Little's law says ------------------------------- */

static void test_oom_little(void **st)
{
	/* goroutines, 1000/s x 1 s: L = lambda W = 1000 live tasks on average
	 * (Poisson(1000) in M/G/inf: sd 32). 2 KB + 8 KB per task → 10 MB. */
	double per = 2048 + 8192, L = 1000 * 1.0, pred = L * per;
	model_config c;
	model_result r;
	cfg(&c, "goroutines", 0, "poisson(1000/s)", "const(1s)", 5000);
	c.producers = 0;
	c.mem_task = 8192;
	c.mem_limit = 0.8 * pred;   /* below: must crash */
	run1(&c, 2, 0, &r);
	assert_int_equal((long)P(&r, "crashed"), 1);
	assert_true(P(&r, "lost") > 700);
	model_result_fini(&r);
	c.mem_limit = 1.2 * pred;   /* 6 sd above the mean: must not */
	run1(&c, 2, 0, &r);
	assert_int_equal((long)P(&r, "crashed"), 0);
	assert_true(P(&r, "mem_peak_bytes") > 0.9 * pred);
	assert_true(P(&r, "mem_peak_bytes") < 1.2 * pred);
	model_result_fini(&r);
	model_config_fini(&c);
	/* errgroup sized from the same numbers with one producer loop: at
	 * most K goroutines + tasks, whatever the backlog */
	cfg(&c, "errgroup", 1100, "poisson(1000/s)", "const(1s)", 5000);
	c.producers = 1;
	c.mem_task = 8192;
	c.mem_limit = 1.15 * pred;
	run1(&c, 2, 0, &r);
	assert_int_equal((long)P(&r, "crashed"), 0);
	assert_true(P(&r, "mem_peak_bytes") <= 1100 * per);
	model_result_fini(&r);
	model_config_fini(&c);
}

/* ---- downstream connection limit ------------------------------------------ */

static void test_downstream_limit(void **st)
{
	model_config c;
	model_result r;
	/* 10 tasks at once, no own work, db limit 2 with 1 s calls: 5 rounds */
	cfg(&c, "goroutines", 0, "burst(10)", "const(0)", 10);
	c.producers = 0;
	c.n_downstreams = 1;
	snprintf(c.downstreams[0].name, sizeof c.downstreams[0].name, "db");
	c.downstreams[0].limit = 2;
	c.downstreams[0].service = D("const(1s)");
	run1(&c, 1, 0, &r);
	assert_true(fabs(P(&r, "makespan") - 5.0) < 1e-12);
	/* waits 0,0,1,1,2,2,3,3,4,4 */
	assert_true(fabs(get(&r, "downstream/db", "wait_mean") - 2.0) < 1e-12);
	assert_true(fabs(get(&r, "downstream/db", "utilization") - 1.0) < 1e-9);
	assert_int_equal((long)get(&r, "downstream/db", "calls"), 10);
	assert_little(&r);
	model_result_fini(&r);
	model_config_fini(&c);
}

/* ---- processor sharing, exact --------------------------------------------- */

static void test_cpu_ps_exact(void **st)
{
	model_config c;
	model_result r;
	/* 4 tasks of 1 s CPU on 2 cpus, all at once, goroutines: each runs at
	 * half speed, all finish at 2 s. With K=2 errgroup: FCFS 2 + 2 → 2 s
	 * as well but latencies 1,1,2,2. */
	cfg(&c, "goroutines", 0, "burst(4)", "const(1s)", 4);
	c.producers = 0;
	c.cpus = 2;
	run1(&c, 1, 0, &r);
	assert_true(fabs(P(&r, "makespan") - 2.0) < 1e-9);
	assert_true(fabs(P(&r, "latency_mean") - 2.0) < 1e-9);
	model_result_fini(&r);
	model_config_fini(&c);
	/* 1 s and 3 s demands (a trace's work) on 1 cpu: shared at half
	 * speed until 2 s, then the 3 s task alone until 4 s */
	cfg(&c, "goroutines", 0, "burst(1)", "const(0)", 0);
	wl_spec_fini(&c.arrival);
	memset(&c.arrival, 0, sizeof c.arrival);
	double ts[] = { 0, 0 }, ws[] = { 1, 3 };
	c.arrival.kind = WL_TRACE;
	c.arrival.trace_n = 2;
	c.arrival.trace_t = ts;
	c.arrival.trace_work = ws;
	c.producers = 0;
	c.cpus = 1;
	run1(&c, 1, 0, &r);
	c.arrival.trace_t = NULL;
	c.arrival.trace_work = NULL;
	assert_true(fabs(P(&r, "latency_p50") - 2.0) < 1e-6);
	assert_true(fabs(P(&r, "latency_max") - 4.0) < 1e-9);
	assert_little(&r);
	model_result_fini(&r);
	model_config_fini(&c);
}

/* ---- USL downstream: processor sharing at rate 1/f(n), exact ------------ */

/* Runs calls of 1 s to one downstream "db" with usl = sigma, kappa and the
 * given connection limit, the tasks wanted at ts[0..n) with no own work
 * (goroutines: every task starts at once). */
static void usl_run(const double *ts, int n, int limit, double sigma,
		    double kappa, model_result *r)
{
	model_config c;
	cfg(&c, "goroutines", 0, "burst(1)", "const(0)", 0);
	wl_spec_fini(&c.arrival);
	memset(&c.arrival, 0, sizeof c.arrival);
	double tcopy[8];
	assert_true(n <= 8);
	memcpy(tcopy, ts, (size_t)n * sizeof *ts);
	c.arrival.kind = WL_TRACE;
	c.arrival.trace_n = n;
	c.arrival.trace_t = tcopy;
	c.producers = 0;
	c.n_downstreams = 1;
	snprintf(c.downstreams[0].name, sizeof c.downstreams[0].name, "db");
	c.downstreams[0].limit = limit;
	c.downstreams[0].service = D("const(1s)");
	c.downstreams[0].usl = 1;
	c.downstreams[0].usl_sigma = sigma;
	c.downstreams[0].usl_kappa = kappa;
	run1(&c, 1, 0, r);
	c.arrival.trace_t = NULL;   /* not owned by the config */
	/* no Little check: the window ends at the last of these few
	 * arrivals, with calls in flight */
	assert_int_equal((long)P(r, "completed"), n);
	model_config_fini(&c);
}

#define NEAR(x, y) assert_true(fabs((x) - (y)) < 1e-9)

static void test_usl_ps_exact(void **st)
{
	model_result r;
	/* two 1 s calls at t=0, sigma=0.5: n=2, f=1.5, both progress at
	 * 1/1.5 and end at 1.5 s (a factor frozen at the start would give
	 * the first f(1)=1 and end it at 1 s) */
	const double t00[] = { 0, 0 };
	usl_run(t00, 2, 0, 0.5, 0, &r);
	NEAR(P(&r, "makespan"), 1.5);
	NEAR(P(&r, "latency_mean"), 1.5);
	NEAR(P(&r, "latency_max"), 1.5);
	model_result_fini(&r);

	/* staggered, 0 and 0.5 s: A alone at rate 1 until 0.5 (0.5 done);
	 * both at 1/1.5 until A has done 0.5 more, 0.75 s later: A ends at
	 * 1.25, B has done 0.5; B alone at rate 1 ends at 1.75. Latencies
	 * 1.25 and 1.25 (a frozen factor: A at 1.0, B at 0.5 + 1.5 = 2.0). */
	const double t05[] = { 0, 0.5 };
	usl_run(t05, 2, 0, 0.5, 0, &r);
	NEAR(P(&r, "makespan"), 1.75);
	NEAR(P(&r, "latency_mean"), 1.25);
	NEAR(P(&r, "latency_max"), 1.25);
	model_result_fini(&r);

	/* three, at 0, 0.5, 1: [0,.5) A alone (A .5); [.5,1) f(2)=1.5
	 * (A 5/6, B 1/3); from 1 f(3)=2: A ends at 1 + (1/6)*2 = 4/3 (B 1/2,
	 * C 1/6); f(2): B ends at 4/3 + 0.5*1.5 = 25/12 (C 2/3); C alone ends
	 * at 25/12 + 1/3 = 29/12. Latencies 4/3, 19/12, 17/12. */
	const double t3[] = { 0, 0.5, 1.0 };
	usl_run(t3, 3, 0, 0.5, 0, &r);
	NEAR(P(&r, "makespan"), 29.0 / 12);
	NEAR(P(&r, "latency_mean"), (4.0 / 3 + 19.0 / 12 + 17.0 / 12) / 3);
	NEAR(P(&r, "latency_max"), 19.0 / 12);
	model_result_fini(&r);

	/* kappa: three at once, f(3) = 1 + 0.1 * 3 * 2 = 1.6 */
	const double t000[] = { 0, 0, 0 };
	usl_run(t000, 3, 0, 0, 0.1, &r);
	NEAR(P(&r, "makespan"), 1.6);
	NEAR(P(&r, "latency_mean"), 1.6);
	model_result_fini(&r);

	/* n counts connection holders only: limit 2, three at once: two at
	 * f(2)=1.5 end at 1.5; the third waits, then runs alone to 2.5 */
	usl_run(t000, 3, 2, 0.5, 0, &r);
	NEAR(P(&r, "makespan"), 2.5);
	NEAR(P(&r, "latency_mean"), (1.5 + 1.5 + 2.5) / 3);
	NEAR(get(&r, "downstream/db", "wait_mean"), 0.5);
	model_result_fini(&r);
}

/* The priority pool runs (its theory is in test_tenants.c): 4 tasks on 4
 * workers all finish at 1 s. */
static void test_priority_runs(void **st)
{
	model_config c;
	model_result r;
	cfg(&c, "priority", 4, "burst(4)", "const(1s)", 4);
	model_result_init(&r);
	assert_int_equal(model_run(&c, 1, 0, &r), 0);
	assert_true(fabs(P(&r, "latency_max") - 1.0) < 1e-12);
	assert_true(P(&r, "completed") == 4);
	model_result_fini(&r);
	model_config_fini(&c);
	assert_int_equal(pool_kind_parse("ants"), POOL_ANTS);
	assert_int_equal(pool_kind_parse("nope"), -1);
	assert_string_equal(pool_kind_name(POOL_WORKERPOOL), "workerpool");
}

/* ---- the measurement window (model.h), exactly ------------------------- */

/* D/D/1 overloaded, one goroutine per arrival: const(8/s) wants task i at
 * i/8 (i = 1..10), const(250ms) finishes task k at 1/8 + k/4. */
static void ddl_cfg(model_config *c)
{
	test_cfg(c, "errgroup", 1, "const(8/s)", "const(250ms)", 10, 0);
}

static void test_window_exact(void **st)
{
	model_config c;
	model_result r;
	/* window [0, 1.25] (the last arrival): 4 completions (at .375, .625,
	 * .875, 1.125), busy from 1/8 on, N's area = sum of (1.25 - i/8)
	 * - sum of (1.25 - done_k) = 5.625 - 2 = 3.625 */
	ddl_cfg(&c);
	run1(&c, 1, 0, &r);
	NEAR(P(&r, "throughput"), 4 / 1.25);
	NEAR(P(&r, "utilization"), 1.125 / 1.25);
	NEAR(P(&r, "system_mean"), 3.625 / 1.25);
	NEAR(P(&r, "queue_mean"), (3.625 - 1.125) / 1.25);
	NEAR(P(&r, "backlog_end"), 6);
	NEAR(P(&r, "makespan"), 0.125 + 2.5);
	NEAR(P(&r, "drain_s"), 0.125 + 2.5 - 1.25);
	NEAR(P(&r, "latency_max"), 2.625 - 1.25);   /* every arrival counts */
	model_result_fini(&r);

	/* duration = 1.3 s: the window ends there, not at the last arrival
	 * (1.25): the same 4 completions over 1.3 s */
	c.tasks = 0;
	c.duration = 1.3;
	run1(&c, 1, 0, &r);
	NEAR(P(&r, "throughput"), 4 / 1.3);
	NEAR(P(&r, "utilization"), 1.175 / 1.3);
	NEAR(P(&r, "drain_s"), 2.625 - 1.3);
	model_result_fini(&r);

	/* warm-up by time: the window opens at 0.5 s: completions .625,
	 * .875, 1.125 over [0.5, 1.25]; the worker is busy throughout */
	c.tasks = 10;
	c.duration = 0;
	c.warmup = WARMUP_TIME;
	c.warmup_value = 0.5;
	run1(&c, 1, 0, &r);
	NEAR(P(&r, "throughput"), 3 / 0.75);
	NEAR(P(&r, "utilization"), 1);
	model_result_fini(&r);

	/* warm-up by count (2 tasks) and by share (20% of 10): the window
	 * opens when the third task arrives, 0.375 s, just after the
	 * completion at 0.375 (completions come first): .625, .875, 1.125 */
	for (int i = 0; i < 2; i++) {
		c.warmup = i ? WARMUP_FRAC : WARMUP_TASKS;
		c.warmup_value = i ? 0.2 : 2;
		run1(&c, 1, 0, &r);
		NEAR(P(&r, "throughput"), 3 / 0.875);
		NEAR(P(&r, "utilization"), 1);
		NEAR(P(&r, "backlog_end"), 6);
		NEAR(P(&r, "completed"), 10);   /* counts every task */
		model_result_fini(&r);
	}
	model_config_fini(&c);

	/* burst(4): every task wanted at 0, a window of no length: widened
	 * to the run's end (four 250 ms tasks one after another) */
	test_cfg(&c, "errgroup", 1, "burst(4)", "const(250ms)", 0, 0);
	run1(&c, 1, 0, &r);
	NEAR(P(&r, "throughput"), 4);
	NEAR(P(&r, "utilization"), 1);
	NEAR(P(&r, "drain_s"), 1);
	NEAR(P(&r, "backlog_end"), 4);
	model_result_fini(&r);
	model_config_fini(&c);
}

/* An overloaded M/M/1 (offered 200/s, capacity 100/s) over 100 s and
 * over 200 s: the same rates (10000 completions: 1% noise), whatever the
 * drain (100 s, then 200 s: the backlog of half the arrivals). */
static void test_window_drain_heavy(void **st)
{
	double x[2], u[2], d[2];
	for (int i = 0; i < 2; i++) {
		model_config c;
		model_result r;
		test_cfg(&c, "errgroup", 1, "poisson(200/s)", "exp(10ms)", 0, 0);
		c.duration = 100.0 * (i + 1);
		run1(&c, 3, 0, &r);
		x[i] = P(&r, "throughput");
		u[i] = P(&r, "utilization");
		d[i] = P(&r, "drain_s");
		assert_true(P(&r, "unstable") == 1);
		model_result_fini(&r);
		model_config_fini(&c);
	}
	assert_true(fabs(x[0] / 100 - 1) < 0.03 && fabs(x[1] / 100 - 1) < 0.03);
	assert_true(u[0] > 0.999 && u[1] > 0.999);
	assert_true(d[0] > 80 && d[1] > 160);   /* the backlog drains after */
}

/* `unstable` (model_unstable): M/M/1 at rho = 1.05 in every one of 20
 * replications, at rho = 0.9 in none; 200 s windows (about 20000
 * arrivals: the overload adds some 1000 tasks, the noise a few). */
static void test_unstable_mm1(void **st)
{
	for (int k = 0; k < 2; k++) {
		model_config c;
		test_cfg(&c, "errgroup", 1, k ? "poisson(105/s)" : "poisson(90/s)",
			 "exp(10ms)", 0, 0);
		c.duration = 200;
		for (uint32_t rep = 0; rep < 20; rep++) {
			model_result r;
			run1(&c, 7, rep, &r);
			if (P(&r, "unstable") != k) {
				fprintf(stderr, "rho %s rep %u: unstable %g\n",
					k ? "1.05" : "0.9", rep, P(&r, "unstable"));
				fail();
			}
			model_result_fini(&r);
		}
		model_config_fini(&c);
	}
}

/* model_unstable on hand-made probes: a backlog growing by 1 task per
 * second over 100 s with 1000 arrivals (growth 100 > 10 and > 63) is
 * unstable; a flat one, or one growing by 50 (< 63), is not; no probe
 * row inside the window cannot tell (0). */
static void test_unstable_rule(void **st)
{
	model_probe p;
	for (int k = 0; k < 3; k++) {
		double g = k == 0 ? 1.0 : k == 1 ? 0.0 : 0.5;
		model_probe_start(&p, 0, 100);
		for (int i = 1; i < 40; i++) {
			double t = 2.5 * i;
			model_probe_add(&p, t, g * t * t / 2);   /* N(t) = g t */
		}
		assert_int_equal(model_unstable(&p, 0, 100, g * 5000, 1000),
				 k == 0);
	}
	model_probe_start(&p, 0, 100);
	assert_int_equal(model_unstable(&p, 0, 100, 5000, 1000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_warm_state),
		cmocka_unit_test(test_overhead_measured),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_common_random_numbers),
		cmocka_unit_test(test_producer_loop_blocks),
		cmocka_unit_test(test_ants_max_blocking_one_loop),
		cmocka_unit_test(test_ants_lifo_and_purge),
		cmocka_unit_test(test_workerpool_idle_stop),
		cmocka_unit_test(test_tunny_timeout),
		cmocka_unit_test(test_pond_queue),
		cmocka_unit_test(test_semaphore_hol),
		cmocka_unit_test(test_conc),
		cmocka_unit_test(test_fanout),
		cmocka_unit_test(test_oom_little),
		cmocka_unit_test(test_downstream_limit),
		cmocka_unit_test(test_cpu_ps_exact),
		cmocka_unit_test(test_usl_ps_exact),
		cmocka_unit_test(test_priority_runs),
		cmocka_unit_test(test_window_exact),
		cmocka_unit_test(test_window_drain_heavy),
		cmocka_unit_test(test_unstable_mm1),
		cmocka_unit_test(test_unstable_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
