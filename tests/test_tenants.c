/*
 * test_tenants.c — tenants, quotas, tiers, services, the priority pool and
 * the sharded pool against answers computed here from theory: Cobham's
 * non-preemptive priority waits for M/M/c, Erlang B per tier, the token
 * bucket's admitted count, Jain's index of known capacities, a saturated
 * mutex's 1/hold, and exact equalities that common random numbers make
 * possible (a lone low class = a FIFO pool; a tenant unaffected by another
 * on its own tier). Fixed seeds; a few seconds at -O2.
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
#include "../sim/stats.h"

#define REPS 10

static void base(model_config *c, const char *pool, long K, const char *service)
{
	char err[256] = "";
	model_config_init(c);
	c->pool = (pool_kind)pool_kind_parse(pool);
	c->K = K;
	c->producers = 0;
	if (dist_parse(service, NULL, &c->service, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		fail();
	}
}

static tenant_spec *tenant(model_config *c, const char *name,
			   const char *arrival)
{
	char err[256] = "";
	tenant_spec *t = &c->tenants[c->n_tenants++];
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", name);
	t->tier = -1;
	if (wl_parse(arrival, NULL, &t->arrival, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		fail();
	}
	return t;
}

static int tier(model_config *c, const char *name, long K)
{
	tier_spec *t = &c->tiers[c->n_tiers];
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", name);
	t->K = K;
	t->replicas = 1;
	return c->n_tiers++;
}

static double get(const model_result *r, const char *scope, const char *name)
{
	double v = model_result_get(r, scope, name);
	if (isnan(v)) {
		fprintf(stderr, "missing %s %s\n", scope, name);
		fail();
	}
	return v;
}

/* Mean and 95% half-width of scope/name over REPS replications. */
static double mean_ci(const model_config *c, const char *scope,
		      const char *name, double *hw)
{
	double x[REPS], m;
	for (int i = 0; i < REPS; i++) {
		model_result r;
		model_result_init(&r);
		assert_int_equal(model_run(c, 7, (uint32_t)i, &r), 0);
		x[i] = get(&r, scope, name);
		model_result_fini(&r);
	}
	*hw = stats_ci95(x, REPS, &m);
	return m;
}

/* Exercise 4: M/M/4, mu = 100/s, high 150/s, low 200/s. Cobham:
 * W_k = C(c, a) / (c mu (1 - s_{k-1}) (1 - s_k)), s_k the load of classes
 * up to k. */
static void test_priority_cobham(void **st)
{
	model_config c;
	base(&c, "priority", 4, "exp(10ms)");
	c.duration = 200;
	c.tasks = 0;
	c.warmup = WARMUP_TIME;
	c.warmup_value = 10;
	tenant(&c, "urgent", "poisson(150/s)")->high = 1;
	tenant(&c, "batch", "poisson(200/s)");
	double C = erlang_c(4, 3.5), s1 = 150.0 / 400, s2 = 350.0 / 400;
	double wh = C / (400 * (1 - s1)), wl = C / (400 * (1 - s1) * (1 - s2));
	double hh, hl;
	double mh = mean_ci(&c, "tenant/urgent", "wait_mean", &hh);
	double ml = mean_ci(&c, "tenant/batch", "wait_mean", &hl);
	printf("high %.5f ± %.5f (Cobham %.5f), low %.5f ± %.5f (%.5f)\n",
	       mh, hh, wh, ml, hl, wl);
	assert_true(fabs(mh - wh) <= 1.5 * hh);
	assert_true(fabs(ml - wl) <= 1.5 * hl);
	assert_true(mh + hh < ml - hl);
	model_config_fini(&c);
}

/* With no high class, the priority pool is a FIFO pool of K workers:
 * the same numbers as workerpool, draw for draw. */
static void test_priority_low_is_fifo(void **st)
{
	double v[2][3];
	for (int k = 0; k < 2; k++) {
		model_config c;
		model_result r;
		base(&c, k ? "workerpool" : "priority", 4, "exp(10ms)");
		c.tasks = 20000;
		tenant(&c, "batch", "poisson(330/s)");
		model_result_init(&r);
		assert_int_equal(model_run(&c, 3, 0, &r), 0);
		v[k][0] = get(&r, "tenant/batch", "latency_mean");
		v[k][1] = get(&r, "tenant/batch", "latency_p99");
		v[k][2] = get(&r, "pool", "wait_mean");
		model_result_fini(&r);
		model_config_fini(&c);
	}
	for (int i = 0; i < 3; i++)
		assert_true(v[0][i] == v[1][i]);
	assert_true(v[0][2] > 0);   /* it did queue */
}

/* A bounded class queue rejects when full: burst of 10 on K=1, queue 3:
 * one runs, three wait, six are refused. */
static void test_priority_bounded(void **st)
{
	model_config c;
	model_result r;
	base(&c, "priority", 1, "const(1s)");
	c.queue = 3;
	tenant(&c, "a", "burst(10)");
	c.tasks = 10;
	model_result_init(&r);
	assert_int_equal(model_run(&c, 1, 0, &r), 0);
	assert_true(get(&r, "tenant/a", "rejected") == 6);
	assert_true(get(&r, "tenant/a", "completed") == 4);
	assert_true(get(&r, "pool", "makespan") == 4.0);
	model_result_fini(&r);
	model_config_fini(&c);
}

/* rate.Limiter Allow: 1000/s offered against 100/s burst 10 for 10 s:
 * the bucket admits its 10 tokens plus 100 per second. */
static void test_quota_token_bucket(void **st)
{
	model_config c;
	model_result r;
	base(&c, "workerpool", 100, "const(1ms)");
	c.tasks = 10000;
	tenant_spec *t = tenant(&c, "t", "const(1000/s)");
	t->quota_rate = 100;
	t->quota_burst = 10;
	model_result_init(&r);
	assert_int_equal(model_run(&c, 1, 0, &r), 0);
	double done = get(&r, "tenant/t", "completed");
	double over = get(&r, "tenant/t", "over_quota");
	printf("admitted %.0f, over quota %.0f\n", done, over);
	assert_true(fabs(done - (10 + 100 * 10.0)) <= 2);
	assert_true(done + over == 10000);
	assert_true(get(&r, "pool", "rejected") == 0);   /* not pool rejections */
	model_result_fini(&r);
	model_config_fini(&c);
}

/* Exercise 17's machinery: each tier is its own loss system (ants
 * nonblocking): Erlang B per tier, and a tenant's numbers do not move when
 * another tenant is added on another tier. */
static void test_tiers_erlang_b(void **st)
{
	model_config c;
	base(&c, "ants", 1, "exp(10ms)");
	c.nonblocking = 1;
	c.duration = 100;
	c.tasks = 0;
	int g0 = tier(&c, "small", 5), g1 = tier(&c, "big", 10);
	tenant(&c, "a", "poisson(400/s)")->tier = g0;
	tenant(&c, "b", "poisson(400/s)")->tier = g1;
	double h0, h1;
	double m0 = mean_ci(&c, "tier/small", "rejected_frac", &h0);
	double m1 = mean_ci(&c, "tier/big", "rejected_frac", &h1);
	printf("small %.4f ± %.4f (B %.4f), big %.5f ± %.5f (B %.5f)\n", m0,
	       h0, erlang_b(5, 4), m1, h1, erlang_b(10, 4));
	assert_true(fabs(m0 - erlang_b(5, 4)) <= 1.5 * h0);
	assert_true(fabs(m1 - erlang_b(10, 4)) <= 1.5 * h1 + 1e-4);

	/* tenant a alone (tier big unused) gives a's very numbers */
	model_result r1, r2;
	model_result_init(&r1);
	model_result_init(&r2);
	assert_int_equal(model_run(&c, 5, 0, &r1), 0);
	c.n_tenants = 1;
	assert_int_equal(model_run(&c, 5, 0, &r2), 0);
	c.n_tenants = 2;
	assert_true(get(&r1, "tenant/a", "latency_p99") ==
		    get(&r2, "tenant/a", "latency_p99"));
	assert_true(get(&r1, "tenant/a", "rejected") ==
		    get(&r2, "tenant/a", "rejected"));
	model_result_fini(&r1);
	model_result_fini(&r2);
	model_config_fini(&c);
}

/* Jain's index of two saturated tiers of 10 and 30 workers: throughputs
 * 1000/s and 3000/s, J = (1 + 3)^2 / (2 (1 + 9)) = 0.8. */
static void test_fairness(void **st)
{
	model_config c;
	model_result r;
	base(&c, "ants", 1, "const(10ms)");
	c.nonblocking = 1;
	c.duration = 20;
	c.tasks = 0;
	int g0 = tier(&c, "a", 10), g1 = tier(&c, "b", 30);
	tenant(&c, "a", "poisson(20000/s)")->tier = g0;
	tenant(&c, "b", "poisson(20000/s)")->tier = g1;
	model_result_init(&r);
	assert_int_equal(model_run(&c, 1, 0, &r), 0);
	double j = get(&r, "pool", "fairness");
	printf("fairness %.4f\n", j);
	assert_true(fabs(j - 0.8) < 0.005);
	model_result_fini(&r);
	model_config_fini(&c);
}

/* Exercise 23's machinery: 3 services x 4 replicas with K 25/15/10 and an
 * unlimited downstream: the pools alone bound the calls in flight by
 * 4 (25 + 15 + 10) = 200, and under overload they reach it. */
static void test_services_bound(void **st)
{
	model_config c;
	model_result r;
	char err[256];
	base(&c, "errgroup", 1, "exp(1ms)");
	c.duration = 5;
	c.tasks = 0;
	c.n_downstreams = 1;
	snprintf(c.downstreams[0].name, sizeof c.downstreams[0].name, "pay");
	assert_int_equal(dist_parse("exp(20ms)", NULL,
				    &c.downstreams[0].service, err, sizeof err), 0);
	const char *names[] = { "critical", "normal", "batch" };
	long K[] = { 25, 15, 10 };
	for (int i = 0; i < 3; i++) {
		int g = tier(&c, names[i], K[i]);
		c.tiers[g].replicas = 4;
		c.tiers[g].is_service = 1;
		tenant_spec *t = tenant(&c, names[i], "poisson(6000/s)");
		t->is_service = 1;
		t->tier = g;
	}
	model_result_init(&r);
	assert_int_equal(model_run(&c, 1, 0, &r), 0);
	double peak = get(&r, "downstream/pay", "in_use_max");
	printf("in flight peak %.0f\n", peak);
	assert_true(peak == 200);
	assert_true(get(&r, "service/critical", "latency_p99") <
		    get(&r, "service/batch", "latency_p99"));
	assert_true(isnan(model_result_get(&r, "tier/critical", "throughput")));
	model_result_fini(&r);
	model_config_fini(&c);
}

static void sharded(model_config *c, int shards, route_kind route, long K)
{
	base(c, "sharded", K, "exp(1ms)");
	char err[256];
	assert_int_equal(wl_parse("closed(128, think=0)", NULL, &c->arrival,
				  err, sizeof err), 0);
	c->tasks = 100000;
	c->shards = shards;
	c->route = route;
}

/* One shard without a lock is a FIFO pool of K: workerpool's numbers. */
static void test_sharded_one_is_fifo(void **st)
{
	double v[2];
	for (int k = 0; k < 2; k++) {
		model_config c;
		model_result r;
		sharded(&c, 1, ROUTE_ROUND_ROBIN, 16);
		if (k)
			c.pool = POOL_WORKERPOOL;
		model_result_init(&r);
		assert_int_equal(model_run(&c, 2, 0, &r), 0);
		v[k] = get(&r, "pool", "latency_mean");
		model_result_fini(&r);
		model_config_fini(&c);
	}
	assert_true(v[0] == v[1]);
}

/* A saturated mutex: 128 producers, 1000 workers (never the bottleneck,
 * so every task is a handoff: one lock operation) and a 10 us hold:
 * throughput = 1 / hold = 100000/s. Eight shards take the lock off the
 * critical path. */
static void test_sharded_lock(void **st)
{
	model_config c;
	model_result r;
	sharded(&c, 1, ROUTE_ROUND_ROBIN, 1000);
	c.lock_hold = 10e-6;
	model_result_init(&r);
	assert_int_equal(model_run(&c, 1, 0, &r), 0);
	double x1 = get(&r, "pool", "throughput");
	double w1 = get(&r, "pool", "lock_wait_mean");
	model_result_fini(&r);
	c.shards = 8;
	model_result_init(&r);
	assert_int_equal(model_run(&c, 1, 0, &r), 0);
	double x8 = get(&r, "pool", "throughput");
	double w8 = get(&r, "pool", "lock_wait_mean");
	printf("1 shard %.0f/s wait %.2e; 8 shards %.0f/s wait %.2e\n", x1,
	       w1, x8, w8);
	assert_true(fabs(x1 - 1e5) < 0.01 * 1e5);
	/* Little's law on the closed loop: 128 / X = lock wait + hold + 1 ms
	 * (within 6%: the last 128 tasks drain without a full loop) */
	double wl = 128 / x1 - 10e-6 - 1e-3;
	assert_true(fabs(w1 - wl) < 0.06 * wl);
	/* no queueing left: each producer cycles in hold + 1 ms */
	assert_true(fabs(x8 - 128 / 1.01e-3) < 0.03 * 128 / 1.01e-3);
	assert_true(w8 < w1 / 100);
	assert_true(get(&r, "pool", "imbalance") - 1 < 1e-3);  /* round-robin */
	model_result_fini(&r);
	model_config_fini(&c);
}

/* Zipf keys hashed to 8 shards: the hottest key alone puts a share
 * p1 = 1 / H(N, S) on its shard, so imbalance >= 8 p1; least-tasks
 * brings it back near 1. */
static void test_sharded_zipf(void **st)
{
	model_config c;
	model_result r;
	sharded(&c, 8, ROUTE_HASH, 64);
	c.keys_zipf = 1;
	c.keys_s = 1.1;
	c.keys_n = 1000;
	double h = 0;
	for (int k = 1; k <= 1000; k++)
		h += pow(k, -1.1);
	model_result_init(&r);
	assert_int_equal(model_run(&c, 1, 0, &r), 0);
	double ih = get(&r, "pool", "imbalance");
	model_result_fini(&r);
	c.route = ROUTE_LEAST_TASKS;
	model_result_init(&r);
	assert_int_equal(model_run(&c, 1, 0, &r), 0);
	double il = get(&r, "pool", "imbalance");
	model_result_fini(&r);
	printf("hash %.3f (>= %.3f), least-tasks %.3f\n", ih, 8 / h, il);
	assert_true(ih >= 8 / h - 0.02);
	assert_true(il < 1.05);
	model_config_fini(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_priority_cobham),
		cmocka_unit_test(test_priority_low_is_fifo),
		cmocka_unit_test(test_priority_bounded),
		cmocka_unit_test(test_quota_token_bucket),
		cmocka_unit_test(test_tiers_erlang_b),
		cmocka_unit_test(test_fairness),
		cmocka_unit_test(test_services_bound),
		cmocka_unit_test(test_sharded_one_is_fifo),
		cmocka_unit_test(test_sharded_lock),
		cmocka_unit_test(test_sharded_zipf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
