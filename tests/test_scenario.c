/*
 * test_scenario.c — keys → model_config: values land in the right fields
 * with the documented defaults, and every validation message users see.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../experiments/scenario.h"
#include "../sim/ps.h"

static const char *const vars[] = { "K" };
static const exp_scope scope = { "f.ini", ".", 1, vars, 1, NULL };

static int build(const char *const *kv, model_config *c, exp_meta *m,
		 exp_diags *d)
{
	exp_kvs l;
	exp_kvs_init(&l);
	for (int i = 0; kv[i]; i += 2)
		exp_kvs_set(&l, kv[i], kv[i + 1], i / 2 + 2);
	int rc = exp_scenario_build(&l, &scope, c, m, d);
	exp_kvs_fini(&l);
	return rc;
}

static void test_valid(void **state)
{
	const char *kv[] = {
		"arrival", "burst(500)", "service", "exp(10ms)", "pool", "ants",
		"K", "8", "nonblocking", "yes", "max_blocking", "3",
		"expiry", "2s", "warmup", "5%", "producers", "each",
		"seed", "42", "repeat", "4", "precision", "latency_p99 3%",
		"downstream.db.limit", "10", "downstream.db.service", "const(1ms)",
		"downstream.db.usl", "0.05, 0.001", "mem.limit", "1GB",
		"plot", "K: latency_p50 latency_p99", "description", "x", NULL };
	model_config c;
	exp_meta m;
	exp_diags d;
	exp_diags_init(&d);
	int rc = build(kv, &c, &m, &d);
	for (int i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.v[i].text);
	assert_int_equal(rc, 0);
	assert_int_equal(c.pool, POOL_ANTS);
	assert_int_equal(c.K, 8);
	assert_int_equal(c.nonblocking, 1);
	assert_int_equal(c.max_blocking, 3);
	assert_true(c.expiry == 2.0);
	assert_int_equal(c.warmup, WARMUP_FRAC);
	assert_true(c.warmup_value > 0.0499 && c.warmup_value < 0.0501);
	assert_int_equal(c.producers, 0);
	assert_int_equal(c.tasks, 500);        /* burst(N) gives tasks */
	assert_int_equal(c.arrival.kind, WL_BURST);
	assert_int_equal(c.n_downstreams, 1);
	assert_string_equal(c.downstreams[0].name, "db");
	assert_int_equal(c.downstreams[0].limit, 10);
	assert_non_null(c.downstreams[0].service);
	assert_int_equal(c.downstreams[0].usl, 1);
	assert_true(c.mem_limit == 1024.0 * 1024 * 1024);
	assert_true(c.mem_goroutine == 2048);  /* default kept */
	assert_int_equal(m.seed, 42);
	assert_int_equal(m.repeat, 4);
	assert_int_equal(m.has_precision, 1);
	assert_string_equal(m.precision_metric, "latency_p99");
	assert_true(m.precision_rel > 0.0299 && m.precision_rel < 0.0301);
	model_config_fini(&c);
	exp_diags_fini(&d);
}

static void test_defaults(void **state)
{
	const char *kv[] = { "arrival", "poisson(100/s)", "service", "exp(1ms)",
			     "pool", "goroutines", "duration", "10s",
			     "warmup", "2s", NULL };
	model_config c;
	exp_meta m;
	exp_diags d;
	exp_diags_init(&d);
	assert_int_equal(build(kv, &c, &m, &d), 0);   /* no K for goroutines */
	assert_int_equal(c.tasks, 0);                 /* duration only */
	assert_true(c.duration == 10.0);
	assert_int_equal(c.warmup, WARMUP_TIME);
	assert_int_equal(m.seed, 1);
	assert_int_equal(m.repeat, 1);
	model_config_fini(&c);
	exp_diags_fini(&d);
}

/* Builds kv and checks that the diagnostics are exactly want[]. */
static void expect(const char *const *kv, const char *const *want)
{
	model_config c;
	exp_meta m;
	exp_diags d;
	exp_diags_init(&d);
	assert_int_equal(build(kv, &c, &m, &d), PS_EPARSE);
	int n = 0;
	while (want[n])
		n++;
	int ok = d.n == n;
	for (int i = 0; ok && i < n; i++)
		ok = !strcmp(d.v[i].text, want[i]);
	if (!ok) {
		for (int i = 0; i < d.n; i++)
			fprintf(stderr, "got: %s\n", d.v[i].text);
		fail_msg("diagnostics differ (want %d)", n);
	}
	model_config_fini(&c);
	exp_diags_fini(&d);
}

#define BASE "arrival", "poisson(10/s)", "service", "exp(1ms)"

static void test_messages(void **state)
{
	const char *a[] = { BASE, "pool", "ants", "K", "0", NULL };
	const char *aw[] = { "f.ini:5: K must be > 0 (got 0): a pool of 0 "
			     "workers refuses every task", NULL };
	expect(a, aw);
	const char *b[] = { BASE, "pool", "tunny", "K", "4", "nonblocking", "yes",
			    "trygo", "yes", "weight", "const(1)", NULL };
	const char *bw[] = {
		"f.ini:6: nonblocking is not an option of pool 'tunny' (ants and pond have it)",
		"f.ini:7: trygo is not an option of pool 'tunny' (errgroup has it)",
		"f.ini:8: weight is not an option of pool 'tunny' (semaphore has it)",
		NULL };
	expect(b, bw);
	const char *c[] = { BASE, "pool", "ants", "K", "4", "Kk", "3",
			    "alert.a", "queue_depth >> 5 for 1s", "zzzzzzzz", "1", NULL };
	const char *cw[] = {
		"f.ini:6: unknown key 'Kk' (did you mean 'K'?)",
		"f.ini:7: alert.a: unknown operator '>>' (>, >=, <, <=)",
		"f.ini:8: unknown key 'zzzzzzzz'", NULL };
	expect(c, cw);
	const char *e[] = { "pool", "ants", NULL };
	const char *ew[] = {
		"f.ini:1: missing required key 'arrival' (e.g. arrival = poisson(900/s))",
		"f.ini:1: missing required key 'service' (e.g. service = exp(10ms))",
		"f.ini:1: missing required key 'K' (the number of workers of pool 'ants')",
		NULL };
	expect(e, ew);
	const char *f[] = { BASE, "pool", "ants", "K", "4", "warmup", "150%",
			    "precision", "latency_p98 3%", "plot", "pool: latency_p99",
			    "timeout", "3 fortnights", NULL };
	const char *fw[] = {
		"f.ini:6: warmup: bad percentage \"150%\": expected N% (0-100) "
		"or a fraction in [0, 1]",
		"f.ini:7: precision must be 'METRIC REL%' with a metric such as "
		"latency_p99 and 0% < REL < 100%, got 'latency_p98 3%'",
		"f.ini:8: plot: 'pool' is not a swept key of this experiment",
		"f.ini:9: timeout: bad duration \"3 fortnights\": expected a number "
		"with ns, us, ms, s, m or h",
		"f.ini:9: timeout is not an option of pool 'ants' (tunny has it)",
		NULL };
	expect(f, fw);
	const char *g[] = { BASE, "pool", "ants", "K", "", "downstream.db.limit", "4",
			    NULL };
	const char *gw[] = {
		"f.ini:5: K is empty (an unset variable?): it must be > 0; a pool "
		"of 0 workers refuses every task",
		"f.ini:6: downstream 'db' needs a service (downstream.db.service = DIST)",
		NULL };
	expect(g, gw);
}

static void test_suggest(void **state)
{
	assert_string_equal(exp_key_suggest("servce"), "service");
	assert_string_equal(exp_key_suggest("repeats"), "repeat");
	assert_string_equal(exp_key_suggest("non_blocking"), "nonblocking");
	assert_null(exp_key_suggest("qwertyuiop"));
	assert_true(exp_metric_known("latency_p999"));
	assert_false(exp_metric_known("latency_p42"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_suggest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
