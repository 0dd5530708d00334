/*
 * test_ini.c — the pre-scan (line numbers, comments, long lines and
 * section names, repeated keys), inih tokenizing and `extends` resolution.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../experiments/ini.h"
#include "../sim/ps.h"

static exp_ini *parse(const char *text, exp_diags *d, int want_rc)
{
	exp_ini *ini = NULL;
	int rc = exp_ini_parse(text, strlen(text), "t.ini", &ini, d);
	assert_int_equal(rc, want_rc);
	assert_non_null(ini);
	return ini;
}

static void has_diag(const exp_diags *d, const char *text)
{
	for (int i = 0; i < d->n; i++)
		if (!strcmp(d->v[i].text, text))
			return;
	for (int i = 0; i < d->n; i++)
		fprintf(stderr, "have: %s\n", d->v[i].text);
	fail_msg("missing diagnostic: %s", text);
}

static void test_lines_and_comments(void **state)
{
	exp_diags d;
	exp_diags_init(&d);
	exp_ini *ini = parse("# head\n[General]\nseed = 3 # why\n\n"
			     "[Config fast]\n  K = 4 ; inline\n"
			     "service = a#b\nplot = K: latency_p99\n", &d, 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(ini->n, 2);
	const exp_section *s = exp_ini_find(ini, "fast");
	assert_non_null(s);
	assert_int_equal(s->line, 5);
	const exp_kv *k = exp_kvs_get(&s->keys, "K");
	assert_string_equal(k->value, "4");
	assert_int_equal(k->line, 6);
	assert_string_equal(exp_kvs_get(&s->keys, "service")->value, "a#b");
	assert_string_equal(exp_kvs_get(&s->keys, "plot")->value, "K: latency_p99");
	assert_string_equal(exp_kvs_get(&exp_ini_find(ini, "General")->keys,
					"seed")->value, "3");
	exp_ini_free(ini);
	exp_diags_fini(&d);
}

static void test_scan_errors(void **state)
{
	char text[1024], longv[300];
	memset(longv, 'x', 250);
	longv[250] = '\0';
	snprintf(text, sizeof text,
		 "K = 1\n[a]\nK = 1\nK = 2\ndescription = %s\n"
		 "[aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeff]\n"
		 "just words\n[a]\n[bad name]\n[ok\n", longv);
	exp_diags d;
	exp_diags_init(&d);
	exp_ini *ini = parse(text, &d, PS_EPARSE);
	has_diag(&d, "t.ini:1: key 'K' outside any section: put it under "
		 "[General] or an experiment");
	has_diag(&d, "t.ini:4: key 'K' repeated in [a] (first at line 3)");
	has_diag(&d, "t.ini:6: section name is 52 characters long; at most 49 fit");
	has_diag(&d, "t.ini:7: expected 'KEY = VALUE' or '[SECTION]', got 'just words'");
	has_diag(&d, "t.ini:8: section [a] repeated (first at line 2)");
	has_diag(&d, "t.ini:9: section name 'bad name' may contain only "
		 "letters, digits, '_', '-' and '.'");
	has_diag(&d, "t.ini:10: a section header is '[NAME]' alone on its line");
	assert_int_equal(d.n, 7);
	/* the first K of [a] survived; the repeat did not reach inih */
	assert_string_equal(exp_kvs_get(&exp_ini_find(ini, "a")->keys, "K")->value, "1");
	/* the 264-character line is read whole, past inih's limit */
	assert_string_equal(exp_kvs_get(&exp_ini_find(ini, "a")->keys,
					"description")->value, longv);
	exp_ini_free(ini);
	exp_diags_fini(&d);
}

static void test_line_limit_exact(void **state)
{
	/* Around inih's limit (EXP_INIH_LINE) a value is read whole either
	 * way, blanks around it trimmed as inih trims them, comments cut. */
	char text[512], v[256];
	for (int len = EXP_INIH_LINE - 1; len <= EXP_INIH_LINE + 2; len++) {
		size_t n = (size_t)len - strlen("d = ");
		memset(v, 'v', n);
		v[n] = '\0';
		snprintf(text, sizeof text, "[a]\nd =   %s  # note\r\n", v);
		exp_diags d;
		exp_diags_init(&d);
		exp_ini *ini = parse(text, &d, 0);
		assert_string_equal(exp_kvs_get(&ini->sec[0].keys, "d")->value, v);
		assert_int_equal(exp_kvs_get(&ini->sec[0].keys, "d")->line, 2);
		exp_ini_free(ini);
		exp_diags_fini(&d);
	}
	/* EXP_INI_MAX_LINE fit; one more is named with the limit. */
	for (int len = EXP_INI_MAX_LINE; len <= EXP_INI_MAX_LINE + 1; len++) {
		char *t = malloc((size_t)len + 16);
		assert_non_null(t);
		int k = sprintf(t, "[a]\nd = ");
		memset(t + k, 'v', (size_t)len - 4);
		t[k + len - 4] = '\0';
		exp_diags d;
		exp_diags_init(&d);
		exp_ini *ini = parse(t, &d, len == EXP_INI_MAX_LINE ? 0 : PS_EPARSE);
		if (len > EXP_INI_MAX_LINE)
			has_diag(&d, "t.ini:2: line is 65537 characters long; at "
				 "most 65536 fit (split the value or shorten it)");
		exp_ini_free(ini);
		exp_diags_fini(&d);
		free(t);
	}
}

static void test_extends(void **state)
{
	exp_diags d;
	exp_diags_init(&d);
	exp_ini *ini = parse("[General]\nseed = 1\nK = 1\n[base]\nK = 2\npool = ants\n"
			     "[mid]\nextends = base\npool = tunny\n[leaf]\n"
			     "extends = mid\nservice = x\n", &d, 0);
	exp_kvs r;
	exp_kvs_init(&r);
	assert_int_equal(exp_ini_resolve(ini, "leaf", &r, &d), 0);
	assert_int_equal(r.n, 4);   /* seed K pool service; no extends */
	assert_string_equal(r.v[0].key, "seed");
	assert_string_equal(r.v[1].key, "K");
	assert_string_equal(r.v[1].value, "2");
	assert_int_equal(r.v[1].line, 5);
	assert_string_equal(exp_kvs_get(&r, "pool")->value, "tunny");
	assert_null(exp_kvs_get(&r, "extends"));
	exp_kvs_fini(&r);
	exp_ini_free(ini);
	exp_diags_fini(&d);
}

static void test_extends_errors(void **state)
{
	exp_diags d;
	exp_diags_init(&d);
	exp_ini *ini = parse("[a]\nextends = b\n[b]\nextends = c\n[c]\nextends = b\n"
			     "[d]\nextends = nope\n", &d, 0);
	exp_kvs r;
	const char *names[] = { "a", "b", "c" };
	for (int i = 0; i < 3; i++) {
		exp_kvs_init(&r);
		assert_int_equal(exp_ini_resolve(ini, names[i], &r, &d), PS_EPARSE);
		exp_kvs_fini(&r);
	}
	/* one cycle, reported once from its first section in the file */
	assert_int_equal(d.n, 1);
	has_diag(&d, "t.ini:4: extends cycle: [b] (t.ini:3) -> [c] (t.ini:5) "
		 "-> [b]");
	exp_kvs_init(&r);
	assert_int_equal(exp_ini_resolve(ini, "d", &r, &d), PS_EPARSE);
	has_diag(&d, "t.ini:8: [d] (t.ini:7) extends unknown experiment 'nope' "
		 "(no section of that name in the file)");
	exp_kvs_fini(&r);
	/* [e] extends [d], whose broken extends was already reported: the
	 * message is not repeated, but [e] is as broken (once, a large sweep
	 * of [e] was validated in full behind it) */
	exp_ini_free(ini);
	ini = parse("[d]\nextends = nope\n[e]\nextends = d\nK = ${1..999}\n",
		    &d, 0);
	const char *chain[] = { "d", "e" };
	for (int i = 0; i < 2; i++) {
		exp_kvs_init(&r);
		assert_int_equal(exp_ini_resolve(ini, chain[i], &r, &d), PS_EPARSE);
		exp_kvs_fini(&r);
	}
	exp_ini_free(ini);
	exp_diags_fini(&d);
}

static void test_diag_order_and_dedup(void **state)
{
	exp_diags d;
	exp_diags_init(&d);
	exp_diag_add(&d, "f", 9, "late");
	exp_diag_add(&d, "f", 2, "early");
	exp_diag_add(&d, "f", 9, "late");
	exp_diag_add(&d, "f", 0, "set");
	assert_int_equal(d.n, 3);
	assert_int_equal(d.errors, 4);   /* what failure tests count */
	FILE *m = tmpfile();
	exp_diags_print(&d, m);
	rewind(m);
	char buf[256];
	size_t n = fread(buf, 1, sizeof buf - 1, m);
	buf[n] = '\0';
	fclose(m);
	assert_string_equal(buf, "poolsim: error: --set: set\n"
			    "poolsim: error: f:2: early\npoolsim: error: f:9: late\n");
	exp_diags_fini(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_and_comments),
		cmocka_unit_test(test_scan_errors),
		cmocka_unit_test(test_line_limit_exact),
		cmocka_unit_test(test_extends),
		cmocka_unit_test(test_extends_errors),
		cmocka_unit_test(test_diag_order_and_dedup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
