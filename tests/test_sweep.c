/*
 * test_sweep.c — ${...} expansion: cartesian order, named variables and
 * references, ranges with units, constraints, and their errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../experiments/sweep.h"
#include "../sim/ps.h"

/* keys from "k=v" pairs, line = index + 1 */
static void mk(exp_kvs *l, const char *const *kv)
{
	exp_kvs_init(l);
	for (int i = 0; kv[i]; i += 2)
		assert_int_equal(exp_kvs_set(l, kv[i], kv[i + 1], i / 2 + 1), 0);
}

static void iv(const exp_sweep *s, int p, const char *want)
{
	char buf[256];
	exp_sweep_itervars(s, p, buf, sizeof buf);
	assert_string_equal(buf, want);
}

static void test_product_order(void **state)
{
	const char *kv[] = { "pool", "${ants, tunny}", "K", "${1, 2, 3}",
			     "service", "exp(10ms)", NULL };
	exp_kvs l;
	exp_diags d;
	exp_sweep *s;
	mk(&l, kv);
	exp_diags_init(&d);
	assert_int_equal(exp_sweep_build(&l, "f", &s, &d), 0);
	assert_int_equal(exp_sweep_points(s), 6);
	assert_int_equal(exp_sweep_nvars(s), 2);
	iv(s, 0, "pool=ants, K=1");
	iv(s, 2, "pool=ants, K=3");
	iv(s, 3, "pool=tunny, K=1");
	iv(s, 5, "pool=tunny, K=3");
	exp_kvs p;
	exp_kvs_init(&p);
	assert_int_equal(exp_sweep_point_keys(s, 4, &p), 0);
	assert_string_equal(exp_kvs_get(&p, "pool")->value, "tunny");
	assert_string_equal(exp_kvs_get(&p, "K")->value, "2");
	assert_string_equal(exp_kvs_get(&p, "service")->value, "exp(10ms)");
	exp_kvs_fini(&p);
	exp_sweep_free(s);
	exp_kvs_fini(&l);
	exp_diags_fini(&d);
}

static void test_named_refs_and_ranges(void **state)
{
	const char *kv[] = {
		"service", "exp(${m=10ms..30ms step 10ms})",
		"setup", "const(${m})",
		"K", "${0.1..0.3 step 0.1}",
		"desc", "mix(0.5: exp(1ms), 0.5: exp(2ms)) ${x=a, \"b, c\"}", NULL };
	exp_kvs l;
	exp_diags d;
	exp_sweep *s;
	mk(&l, kv);
	exp_diags_init(&d);
	assert_int_equal(exp_sweep_build(&l, "f", &s, &d), 0);
	assert_int_equal(exp_sweep_points(s), 3 * 3 * 2);
	assert_string_equal(exp_sweep_var_name(s, 0), "m");
	assert_string_equal(exp_sweep_var_name(s, 1), "K");
	iv(s, 17, "m=30ms, K=0.3, x=\"b, c\"");
	exp_kvs p;
	exp_kvs_init(&p);
	assert_int_equal(exp_sweep_point_keys(s, 6, &p), 0);
	assert_string_equal(exp_kvs_get(&p, "service")->value, "exp(20ms)");
	assert_string_equal(exp_kvs_get(&p, "setup")->value, "const(20ms)");
	assert_string_equal(exp_kvs_get(&p, "K")->value, "0.1");
	exp_kvs_fini(&p);
	exp_sweep_free(s);
	exp_kvs_fini(&l);
	exp_diags_fini(&d);
}

static void test_constraint(void **state)
{
	const char *kv[] = { "pool", "${pool=errgroup, tunny}", "K", "${1, 2, 4, 8}",
			     "workers", "4",
			     "constraint", "K * 2 <= workers || pool == \"tunny\"", NULL };
	exp_kvs l;
	exp_diags d;
	exp_sweep *s;
	mk(&l, kv);
	exp_diags_init(&d);
	assert_int_equal(exp_sweep_build(&l, "f", &s, &d), 0);
	/* errgroup K=1,2 + tunny x4 */
	assert_int_equal(exp_sweep_points(s), 6);
	iv(s, 1, "pool=errgroup, K=2");
	iv(s, 2, "pool=tunny, K=1");
	exp_kvs p;
	exp_kvs_init(&p);
	exp_sweep_point_keys(s, 0, &p);
	assert_null(exp_kvs_get(&p, "constraint"));
	exp_kvs_fini(&p);
	exp_sweep_free(s);
	exp_kvs_fini(&l);
	exp_diags_fini(&d);
}

static const char *lk(void *u, const char *name, size_t n)
{
	if (n == 1 && name[0] == 'K')
		return "50";
	if (n == 4 && !memcmp(name, "pool", 4))
		return "ants";
	if (n == 1 && name[0] == 't')
		return "20ms";
	return NULL;
}

static void test_expr(void **state)
{
	static const struct { const char *e; int want; } ok[] = {
		{ "K == 50", 1 }, { "K*2 <= 100 && pool != 'tunny'", 1 },
		{ "!(K > 10)", 0 }, { "$K % 7 == 1", 1 }, { "${K} - 60 < 0", 1 },
		{ "t < 30ms && t >= 0.02", 1 }, { "pool < \"b\"", 1 },
		{ "(1 || 0) && 0", 0 }, { "-K == 0 - 50", 1 }, { "pool", 1 },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int t = -1;
		char err[128] = "";
		int rc = exp_expr_eval(ok[i].e, lk, NULL, &t, err, sizeof err);
		if (rc)
			fail_msg("%s: %s", ok[i].e, err);
		if (t != ok[i].want)
			fail_msg("%s gave %d", ok[i].e, t);
	}
	static const struct { const char *e, *msg; } bad[] = {
		{ "nope > 1", "unknown name 'nope'" },
		{ "K = 5", "use '==' to compare, not '='" },
		{ "pool * 2", "'ants' is not a number" },
		{ "(K > 1", "expected ')' at ''" },
		{ "K > 1 junk", "unexpected 'junk'" },
		{ "K >", "expression ends too early" },
		{ "K / 0", "division by zero" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int t;
		char err[128] = "";
		assert_int_equal(exp_expr_eval(bad[i].e, lk, NULL, &t, err,
					       sizeof err), PS_EPARSE);
		assert_string_equal(err, bad[i].msg);
	}
}

static void expect_error(const char *const *kv, const char *msg)
{
	exp_kvs l;
	exp_diags d;
	exp_sweep *s = NULL;
	mk(&l, kv);
	exp_diags_init(&d);
	assert_int_equal(exp_sweep_build(&l, "f", &s, &d), PS_EPARSE);
	assert_null(s);
	if (d.n != 1 || strcmp(d.v[0].text, msg))
		fail_msg("want '%s', got %d: '%s'", msg, d.n, d.n ? d.v[0].text : "");
	exp_kvs_fini(&l);
	exp_diags_fini(&d);
}

static void test_errors(void **state)
{
	const char *a[] = { "K", "${5..1}", NULL };
	expect_error(a, "f:1: sweep '${5..1}' has zero points (LO > HI)");
	const char *b[] = { "K", "4", "service", "exp(${mean})", NULL };
	expect_error(b, "f:2: unknown sweep variable '${mean}' in service");
	const char *c[] = { "K", "${1, 2}", "constraint", "K > 5", NULL };
	expect_error(c, "f:2: the constraint leaves zero points of the sweep");
	const char *e[] = { "K", "${1ms..1s step 1ms}", NULL };
	expect_error(e, "f:1: range '${1ms..1s step 1ms}' mixes units; write "
		     "LO, HI and step in the same unit");
	const char *f[] = { "K", "${K=1, 2}", "n", "${K=3}", NULL };
	expect_error(f, "f:2: sweep variable 'K' defined twice (first at line 1)");
	const char *g[] = { "K", "${1, , 2}", NULL };
	expect_error(g, "f:1: empty value in sweep '${1, , 2}'");
	const char *h[] = { "K", "${1, 2", NULL };
	expect_error(h, "f:1: '${' without its '}' in K");
	const char *i[] = { "K", "${1..100000}", NULL };
	expect_error(i, "f:1: sweep '${1..100000}' has 100000 values; at most "
		     "10000 are allowed");
	const char *j[] = { "K", "${1..5 step 0}", NULL };
	expect_error(j, "f:1: range '${1..5 step 0}' needs a step > 0");
	const char *k[] = { "K", "${1, 2}", "constraint", "K >", NULL };
	expect_error(k, "f:2: constraint: expression ends too early");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_product_order),
		cmocka_unit_test(test_named_refs_and_ranges),
		cmocka_unit_test(test_constraint),
		cmocka_unit_test(test_expr),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
