/*
 * test_units.c — every unit of units.h against hand-computed values, and
 * the error messages a user would see for each kind of mistake.
 * Runs in milliseconds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "../sim/ps.h"
#include "../sim/units.h"

typedef int (*unit_fn)(const char *, double *, char *, size_t);

static void ok(unit_fn fn, const char *text, double want)
{
	char err[256] = "";
	double v = -12345;
	int rc = fn(text, &v, err, sizeof err);
	if (rc != PS_OK)
		fail_msg("\"%s\" refused: %s", text, err);
	if (fabs(v - want) > 1e-12 * fmax(1, fabs(want)))
		fail_msg("\"%s\" gave %.17g, want %.17g", text, v, want);
}

static void bad(unit_fn fn, const char *text, const char *msg)
{
	char err[256] = "";
	double v = 0;
	assert_int_equal(fn(text, &v, err, sizeof err), PS_EPARSE);
	if (!strstr(err, msg))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", text, err, msg);
}

static void test_time(void **state)
{
	(void)state;
	ok(unit_time, "10ms", 0.010);
	ok(unit_time, "10 ms", 0.010);
	ok(unit_time, "  250us ", 250e-6);
	ok(unit_time, "7ns", 7e-9);
	ok(unit_time, "1.5s", 1.5);
	ok(unit_time, "2m", 120);
	ok(unit_time, "1h", 3600);
	/* 10 ms or 10 s? A bare number is asked about, not guessed; 0 is 0
	 * in any unit. Data files' unit_seconds reads it as seconds. */
	bad(unit_time, "3", "a duration needs a unit: 3ms or 3s?");
	bad(unit_time, " 1.5 ", "a duration needs a unit: 1.5ms or 1.5s?");
	ok(unit_time, "0", 0);
	ok(unit_time, "0.0", 0);
	ok(unit_seconds, "3", 3);
	ok(unit_seconds, "3ms", 0.003);
	ok(unit_time, "1e-3s", 1e-3);
	ok(unit_time, "1e3ms", 1);
	ok(unit_time, ".5s", 0.5);
	bad(unit_time, "10 parsecs",
	    "bad duration \"10 parsecs\": expected a number with ns, us, ms, s, m or h");
	bad(unit_time, "-5ms", "bad duration \"-5ms\": must not be negative");
	/* past 2^53 ns, what virtual time holds to 1 ns; 2500h is within */
	ok(unit_time, "2500h", 9e6);
	bad(unit_time, "2510h", "bad duration \"2510h\": longer than 2^53 ns");
	bad(unit_time, "1e307s", "longer than 2^53 ns (104 days)");
	bad(unit_rate, "1e-9/s", "fewer than one per 2^53 ns");
	bad(unit_time, "", "bad duration \"\"");
	bad(unit_time, "ms", "bad duration \"ms\"");
	bad(unit_time, "inf", "bad duration \"inf\"");
	bad(unit_time, "nan", "bad duration \"nan\"");
	bad(unit_time, "0x10", "bad duration \"0x10\"");
	bad(unit_time, "10 ms ms", "bad duration");
	bad(unit_time, "10MS", "bad duration");
	bad(unit_time, "1e999", "bad duration");
}

static void test_rate(void **state)
{
	(void)state;
	ok(unit_rate, "100/s", 100);
	ok(unit_rate, "100 / s", 100);
	ok(unit_rate, "120/m", 2);
	ok(unit_rate, "7200/h", 2);
	bad(unit_rate, "42", "a rate needs a unit: 42/s?");
	ok(unit_rate, "0", 0);
	ok(unit_rate, "0/s", 0);
	bad(unit_rate, "100/d",
	    "bad rate \"100/d\": expected a number with /s, /m or /h");
	bad(unit_rate, "100 s", "bad rate \"100 s\"");
	bad(unit_rate, "-1/s", "bad rate \"-1/s\": must not be negative");
}

static void test_size(void **state)
{
	(void)state;
	ok(unit_size, "2KB", 2048);
	ok(unit_size, "1 MB", 1048576);
	ok(unit_size, "1.5GB", 1.5 * 1073741824.0);
	ok(unit_size, "17B", 17);
	ok(unit_size, "17", 17);
	bad(unit_size, "2 KiB",
	    "bad size \"2 KiB\": expected a number with B, KB, MB or GB");
	bad(unit_size, "-1KB", "must not be negative");
}

static void test_percent(void **state)
{
	(void)state;
	ok(unit_percent, "5%", 0.05);
	ok(unit_percent, " 100 % ", 1);
	ok(unit_percent, "0.25", 0.25);
	ok(unit_percent, "0", 0);
	ok(unit_percent, "1", 1);
	bad(unit_percent, "5", "bad percentage \"5\"");
	bad(unit_percent, "150%", "bad percentage \"150%\"");
	bad(unit_percent, "-1%", "bad percentage \"-1%\"");
	bad(unit_percent, "5%%", "bad percentage");
}

static void test_number(void **state)
{
	(void)state;
	ok(unit_number, "-2.5", -2.5);
	ok(unit_number, "1e6", 1e6);
	ok(unit_number, " 3 ", 3);
	bad(unit_number, "3ms", "bad number \"3ms\": expected a plain number");
	bad(unit_number, "inf", "bad number \"inf\"");
}

/* A NULL message buffer must be accepted (callers that only want the code). */
static void test_null_err(void **state)
{
	(void)state;
	double v;
	assert_int_equal(unit_time("x", &v, NULL, 0), PS_EPARSE);
	assert_int_equal(unit_time("1s", &v, NULL, 0), PS_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_percent),
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_null_err),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
