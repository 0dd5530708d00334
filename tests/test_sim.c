/*
 * test_sim.c — the event list: ordering, handles, cancel/reschedule (also
 * from inside handlers), stale handles, and a differential test against a
 * naive sorted array over ~3M random operations.
 *
 * Workload: ~1 s at -O2. The oracle is a sorted array with the same
 * (time, prio, seq) order written independently of the heap.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../sim/sim.h"

/* A log of fired args, in firing order. */
typedef struct log_buf {
	uint64_t v[64];
	int n;
	double t[64];
} log_buf;

static void record(sim *s, void *ctx, uint64_t arg)
{
	log_buf *l = ctx;
	assert_true(l->n < 64);
	l->t[l->n] = sim_now(s);
	l->v[l->n++] = arg;
}

static void test_order(void **state)
{
	(void)state;
	sim *s = sim_new();
	log_buf l = { .n = 0 };
	sim_schedule(s, 2.0, 0, record, &l, 1);
	sim_schedule(s, 1.0, 5, record, &l, 2);
	sim_schedule(s, 1.0, 0, record, &l, 3);   /* lower prio first */
	sim_schedule(s, 1.0, 0, record, &l, 4);   /* FIFO after 3 */
	sim_schedule(s, 1.0, -3, record, &l, 5);
	sim_schedule(s, 0.5, 9, record, &l, 6);
	sim_schedule(s, 1.0, 0, record, &l, 7);
	assert_int_equal(sim_pending(s), 7);
	assert_int_equal(sim_run(s, 10.0), 7);
	uint64_t want[] = { 6, 5, 3, 4, 7, 2, 1 };
	assert_int_equal(l.n, 7);
	for (int i = 0; i < 7; i++)
		assert_int_equal(l.v[i], want[i]);
	assert_true(sim_now(s) == 2.0);
	assert_int_equal(sim_events(s), 7);
	assert_int_equal(sim_step(s), 0);
	sim_free(s);
	sim_free(NULL);
}

/* The ends of the priority range order like any other priorities. */
static void test_prio_range(void **state)
{
	(void)state;
	sim *s = sim_new();
	log_buf l = { .n = 0 };
	sim_schedule(s, 1.0, 127, record, &l, 1);
	sim_schedule(s, 1.0, 0, record, &l, 2);
	sim_schedule(s, 1.0, -128, record, &l, 3);
	sim_schedule(s, 1.0, 127, record, &l, 4);
	assert_int_equal(sim_run(s, 1.0), 4);
	uint64_t want[] = { 3, 2, 1, 4 };
	for (int i = 0; i < 4; i++)
		assert_int_equal(l.v[i], want[i]);
	sim_free(s);
}

static void test_run_until(void **state)
{
	(void)state;
	sim *s = sim_new();
	log_buf l = { .n = 0 };
	for (int i = 1; i <= 5; i++)
		sim_schedule(s, i, 0, record, &l, (uint64_t)i);
	assert_int_equal(sim_run(s, 3.0), 3);     /* 3.0 itself fires */
	assert_true(sim_now(s) == 3.0);           /* not advanced to until */
	assert_int_equal(sim_run(s, 3.5), 0);
	assert_true(sim_now(s) == 3.0);
	sim_event_id id = sim_after(s, 0.25, 0, record, &l, 9);
	assert_true(sim_event_time(s, id) == 3.25);
	assert_int_equal(sim_run(s, 100), 3);
	assert_int_equal(l.v[3], 9);
	sim_free(s);
}

static void test_handles(void **state)
{
	(void)state;
	sim *s = sim_new();
	log_buf l = { .n = 0 };
	assert_int_equal(sim_cancel(s, 0), 0);
	assert_int_equal(sim_is_pending(s, 0), 0);
	assert_int_equal(sim_reschedule(s, 0, 1.0), 0);
	assert_int_equal(sim_is_pending(s, 12345678901ull), 0);
	sim_event_id a = sim_schedule(s, 1.0, 0, record, &l, 1);
	sim_event_id b = sim_schedule(s, 2.0, 0, record, &l, 2);
	assert_true(a != 0 && b != 0 && a != b);
	assert_true(sim_is_pending(s, a));
	assert_int_equal(sim_cancel(s, a), 1);
	assert_int_equal(sim_cancel(s, a), 0);    /* twice: harmless */
	assert_false(sim_is_pending(s, a));
	/* The freed slot is reused; the old handle must not name the new event. */
	sim_event_id c = sim_schedule(s, 3.0, 0, record, &l, 3);
	assert_true(c != a);
	assert_int_equal(sim_cancel(s, a), 0);
	assert_int_equal(sim_reschedule(s, a, 5.0), 0);
	assert_true(sim_is_pending(s, c));
	assert_int_equal(sim_pending(s), 2);
	/* Fired events' handles go stale too. */
	assert_int_equal(sim_step(s), 1);
	assert_false(sim_is_pending(s, b));
	assert_int_equal(sim_cancel(s, b), 0);
	assert_int_equal(sim_step(s), 1);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0], 2);
	assert_int_equal(l.v[1], 3);
	sim_free(s);
}

static void test_reschedule(void **state)
{
	(void)state;
	sim *s = sim_new();
	log_buf l = { .n = 0 };
	sim_event_id a = sim_schedule(s, 1.0, 0, record, &l, 1);
	sim_schedule(s, 2.0, 0, record, &l, 2);
	sim_event_id c = sim_schedule(s, 3.0, 0, record, &l, 3);
	/* Earlier. */
	assert_int_equal(sim_reschedule(s, c, 0.5), 1);
	assert_true(sim_event_time(s, c) == 0.5);
	/* Later, to a time already taken: goes behind event 2 (fresh seq). */
	assert_int_equal(sim_reschedule(s, a, 2.0), 1);
	sim_run(s, 10);
	uint64_t want[] = { 3, 2, 1 };
	for (int i = 0; i < 3; i++)
		assert_int_equal(l.v[i], want[i]);
	assert_true(l.t[2] == 2.0);
	sim_free(s);
}

/* ---- cancel / reschedule / stop from inside handlers ------------------- */

typedef struct h_ctx {
	sim_event_id self, victim, moved;
	int fired_self, fired_victim, fired_moved, fired_new;
	int self_cancel_rc, self_resched_rc, victim_rc, moved_rc;
	double moved_at;
} h_ctx;

static void h_victim(sim *s, void *ctx, uint64_t arg)
{
	(void)s; (void)arg;
	((h_ctx *)ctx)->fired_victim++;
}

static void h_moved(sim *s, void *ctx, uint64_t arg)
{
	(void)arg;
	h_ctx *c = ctx;
	c->fired_moved++;
	c->moved_at = sim_now(s);
}

static void h_new(sim *s, void *ctx, uint64_t arg)
{
	(void)s; (void)arg;
	((h_ctx *)ctx)->fired_new++;
}

static void h_self(sim *s, void *ctx, uint64_t arg)
{
	(void)arg;
	h_ctx *c = ctx;
	c->fired_self++;
	/* The running event is no longer pending. */
	c->self_cancel_rc = sim_cancel(s, c->self);
	c->self_resched_rc = sim_reschedule(s, c->self, sim_now(s) + 1);
	c->victim_rc = sim_cancel(s, c->victim);
	c->moved_rc = sim_reschedule(s, c->moved, sim_now(s) + 10);
	/* Reuses the slot just released. */
	sim_after(s, 0, 0, h_new, c, 0);
}

static void test_cancel_in_handler(void **state)
{
	(void)state;
	sim *s = sim_new();
	h_ctx c = { 0 };
	c.self = sim_schedule(s, 1.0, 0, h_self, &c, 0);
	c.victim = sim_schedule(s, 1.0, 0, h_victim, &c, 0);  /* same time, after */
	c.moved = sim_schedule(s, 2.0, 0, h_moved, &c, 0);
	sim_run(s, 100);
	assert_int_equal(c.fired_self, 1);
	assert_int_equal(c.self_cancel_rc, 0);
	assert_int_equal(c.self_resched_rc, 0);
	assert_int_equal(c.victim_rc, 1);
	assert_int_equal(c.fired_victim, 0);
	assert_int_equal(c.moved_rc, 1);
	assert_int_equal(c.fired_moved, 1);
	assert_true(c.moved_at == 11.0);
	assert_int_equal(c.fired_new, 1);
	assert_int_equal(sim_pending(s), 0);
	sim_free(s);
}

static void h_stopper(sim *s, void *ctx, uint64_t arg)
{
	int *n = ctx;
	(*n)++;
	if (arg)
		sim_stop(s);
}

static void test_stop(void **state)
{
	(void)state;
	sim *s = sim_new();
	int n = 0;
	sim_schedule(s, 1, 0, h_stopper, &n, 0);
	sim_schedule(s, 2, 0, h_stopper, &n, 1);
	sim_schedule(s, 3, 0, h_stopper, &n, 0);
	assert_int_equal(sim_run(s, 10), 2);
	assert_int_equal(n, 2);
	assert_true(sim_now(s) == 2);
	assert_int_equal(sim_run(s, 10), 1);   /* the stop does not stick */
	assert_int_equal(n, 3);
	sim_free(s);
}

/* sim_run_to: listed events before (t, prio) fire, those after wait; at
 * equal time and priority the listed ones go first; the caller's event
 * moves the clock and counts; a stop inside wins. */
static void test_run_to(void **state)
{
	(void)state;
	sim *s = sim_new();
	log_buf l = { .n = 0 };
	sim_schedule(s, 1.0, 0, record, &l, 1);
	sim_schedule(s, 2.0, 0, record, &l, 2);   /* same time, lower prio */
	sim_schedule(s, 2.0, 1, record, &l, 3);   /* same time and prio */
	sim_schedule(s, 2.0, 2, record, &l, 4);   /* same time, higher prio */
	sim_schedule(s, 2.5, 0, record, &l, 5);
	assert_int_equal(sim_run_to(s, 2.0, 1), 1);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.v[0], 1);
	assert_int_equal(l.v[1], 2);
	assert_int_equal(l.v[2], 3);
	assert_true(sim_now(s) == 2.0);
	assert_int_equal(sim_events(s), 4);        /* 3 listed + the caller's */
	assert_int_equal(sim_pending(s), 2);
	/* the caller's handler schedules at now: ordered as usual from here */
	sim_after(s, 0, 0, record, &l, 6);
	assert_int_equal(sim_run_to(s, 2.0, 1), 1);   /* 6 goes, 4 waits */
	assert_int_equal(l.n, 4);
	assert_int_equal(l.v[3], 6);
	assert_int_equal(sim_run_to(s, 3.0, 0), 1);
	assert_int_equal(l.n, 6);
	assert_int_equal(l.v[4], 4);
	assert_int_equal(l.v[5], 5);
	assert_true(sim_now(s) == 3.0);
	/* an empty list just moves the clock */
	assert_int_equal(sim_run_to(s, 4.0, 0), 1);
	assert_true(sim_now(s) == 4.0);
	/* a stop: the clock stays at the stopping handler, the call says 0 */
	int n = 0;
	sim_schedule(s, 5.0, 0, h_stopper, &n, 1);
	sim_schedule(s, 6.0, 0, h_stopper, &n, 0);
	assert_int_equal(sim_run_to(s, 7.0, 0), 0);
	assert_int_equal(n, 1);
	assert_true(sim_now(s) == 5.0);
	assert_int_equal(sim_run_to(s, 7.0, 0), 1);   /* the stop does not stick */
	assert_int_equal(n, 2);
	assert_true(sim_now(s) == 7.0);
	sim_free(s);
}

/* ---- differential test against a naive sorted array -------------------- */

/* splitmix64: a test-local generator independent of sim/rng.c. */
static uint64_t next_u64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

typedef struct nev {
	double t;
	int prio;
	uint64_t seq, arg;
	sim_event_id id;
} nev;

/* Sorted descending by (t, prio, seq), so the next event is the last. */
typedef struct naive {
	nev *a;
	size_t n, cap;
	uint64_t seq;
} naive;

static int nev_before(const nev *x, const nev *y)
{
	if (x->t != y->t)
		return x->t < y->t;
	if (x->prio != y->prio)
		return x->prio < y->prio;
	return x->seq < y->seq;
}

static void naive_insert(naive *nv, nev e)
{
	if (nv->n == nv->cap) {
		nv->cap = nv->cap ? nv->cap * 2 : 256;
		nv->a = realloc(nv->a, nv->cap * sizeof *nv->a);
		assert_non_null(nv->a);
	}
	/* Binary search for the first element that e comes before... in a
	 * descending array: elements [0,lo) are after e. */
	size_t lo = 0, hi = nv->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (nev_before(&e, &nv->a[mid]))
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(&nv->a[lo + 1], &nv->a[lo], (nv->n - lo) * sizeof *nv->a);
	nv->a[lo] = e;
	nv->n++;
}

static long naive_find(const naive *nv, sim_event_id id)
{
	for (size_t i = 0; i < nv->n; i++)
		if (nv->a[i].id == id)
			return (long)i;
	return -1;
}

static nev naive_remove(naive *nv, size_t i)
{
	nev e = nv->a[i];
	memmove(&nv->a[i], &nv->a[i + 1], (nv->n - i - 1) * sizeof *nv->a);
	nv->n--;
	return e;
}

#define RECENT 512
/* tests/long_sim.c includes this file with a larger count. */
#ifndef DIFF_SEED
#define DIFF_SEED 20240611u
#endif
#ifndef DIFF_OPS
#define DIFF_OPS 2500000L
#endif

/* Everything the differential test mirrors between sim and oracle. Handlers
 * perform random operations too (schedule into the fresh root hole, cancel,
 * reschedule, even a nested step), so in-handler paths are compared. */
typedef struct diff {
	sim *s;
	naive nv;
	uint64_t rs;
	sim_event_id recent[RECENT];
	uint64_t next_arg;
	int target, depth;
	uint64_t expect_arg;      /* the oracle's next event, set before a step */
	double expect_t;
	int fired;
	long pops, cancels_hit, resched_hit, in_handler;
} diff;

static void diff_op(diff *d, int in_handler);

static void h_diff(sim *s, void *ctx, uint64_t arg)
{
	diff *d = ctx;
	/* The pop-order check: this must be the oracle's next event. */
	assert_int_equal(arg, d->expect_arg);
	assert_true(sim_now(s) == d->expect_t);
	d->fired++;
	/* Half the handlers act, some of them twice. */
	uint64_t r = next_u64(&d->rs);
	for (unsigned i = 0; i < (r & 3) && d->depth < 2; i++) {
		d->in_handler++;
		diff_op(d, 1);
	}
}

static void diff_pop(diff *d)
{
	nev e = naive_remove(&d->nv, d->nv.n - 1);
	int fired = d->fired;
	d->expect_arg = e.arg;
	d->expect_t = e.t;
	d->depth++;
	assert_int_equal(sim_step(d->s), 1);
	d->depth--;
	/* Nested pops inside the handler bump fired too. */
	assert_true(d->fired > fired);
	assert_false(sim_is_pending(d->s, e.id));
	d->pops++;
}

static void diff_op(diff *d, int in_handler)
{
	sim *s = d->s;
	naive *nv = &d->nv;
	uint64_t r = next_u64(&d->rs);
	unsigned kind = (unsigned)(r % 100);
	int want_more = nv->n < (size_t)d->target;
	double now = sim_now(s);
	/* Times on a coarse grid so that ties (and prio/FIFO) matter. */
	double t = now + (double)((r >> 8) % 16) * 0.125;
	int prio = (int)((r >> 16) % 3) - 1;
	sim_event_id pick = d->recent[(r >> 24) % RECENT];
	if (kind < (want_more ? 55u : 25u)) {
		nev e = { t, prio, nv->seq++, d->next_arg, 0 };
		e.id = sim_schedule(s, t, prio, h_diff, d, d->next_arg++);
		assert_true(e.id != 0);
		d->recent[(r >> 40) % RECENT] = e.id;
		naive_insert(nv, e);
	} else if (kind < 70) {
		if (in_handler && (kind % 8) != 0)
			return;   /* nested steps: rare */
		if (nv->n == 0) {
			assert_int_equal(sim_step(s), 0);
			return;
		}
		diff_pop(d);
	} else if (kind < 85) {
		long i = naive_find(nv, pick);
		assert_int_equal(sim_is_pending(s, pick), i >= 0);
		assert_int_equal(sim_cancel(s, pick), i >= 0);
		if (i >= 0) {
			naive_remove(nv, (size_t)i);
			d->cancels_hit++;
		}
	} else {
		long i = naive_find(nv, pick);
		if (i >= 0)
			assert_true(sim_event_time(s, pick) == nv->a[i].t);
		assert_int_equal(sim_reschedule(s, pick, t), i >= 0);
		if (i >= 0) {
			nev e = naive_remove(nv, (size_t)i);
			e.t = t;
			e.seq = nv->seq++;
			naive_insert(nv, e);
			d->resched_hit++;
		}
	}
	assert_int_equal(sim_pending(s), (int)nv->n);
}

static void test_differential(void **state)
{
	(void)state;
	diff *d = calloc(1, sizeof *d);
	assert_non_null(d);
	d->s = sim_new();
	d->rs = DIFF_SEED;
	d->next_arg = 1;
	long ops = DIFF_OPS;
	static const int targets[] = { 3, 40, 400, 3000, 1 };
	for (long op = 0; op < ops; op++) {
		if (op % 150000 == 0)
			d->target = targets[(op / 150000) % 5];
		diff_op(d, 0);
	}
	while (d->nv.n > 0)
		diff_pop(d);
	assert_int_equal(sim_step(d->s), 0);
	assert_int_equal(sim_pending(d->s), 0);
	/* The mix must really have exercised every path. */
	assert_true(d->pops > 500000);
	assert_true(d->cancels_hit > 50000);
	assert_true(d->resched_hit > 50000);
	assert_true(d->in_handler > 500000);
#ifdef SIM_RENUMBER_CHECK
	SIM_RENUMBER_CHECK(d->s);
#endif
	free(d->nv.a);
	sim_free(d->s);
	free(d);
}

/* A time past SIM_TIME_MAX, before now or NaN is refused: nothing is
 * scheduled, the fault stays and every later run returns at once. */
static void test_fault(void **state)
{
	(void)state;
	sim *s = sim_new();
	log_buf l = { .n = 0 };
	assert_true(sim_schedule(s, 1.0, 0, record, &l, 1) != 0);
	assert_true(sim_schedule(s, SIM_TIME_MAX, 0, record, &l, 2) != 0);
	assert_int_equal(sim_fault(s), SIM_FAULT_NONE);
	assert_int_equal(sim_schedule(s, 2 * SIM_TIME_MAX, 0, record, &l, 3), 0);
	assert_int_equal(sim_fault(s), SIM_FAULT_TIME);
	assert_int_equal(sim_pending(s), 2);
	assert_int_equal(sim_run(s, INFINITY), 0);
	assert_int_equal(sim_run_to(s, 5.0, 0), 0);
	assert_int_equal(l.n, 0);
	sim_free(s);
	s = sim_new();
	assert_int_equal(sim_after(s, NAN, 0, record, &l, 4), 0);
	assert_int_equal(sim_fault(s), SIM_FAULT_TIME);
	sim_free(s);
	s = sim_new();
	assert_int_equal(sim_run_to(s, 2 * SIM_TIME_MAX, 0), 0);
	assert_int_equal(sim_fault(s), SIM_FAULT_TIME);
	sim_free(s);
}

/* sim_tick_after against the additions it stands for, over periods that
 * round differently in every binade and spans up to millions of ticks. */
static void test_tick_after(void **state)
{
	(void)state;
	const double periods[] = { 5e-6, 1e-6, 0.1, 1.0 / 3, 1.0, 2.0, 7e-3,
				   0.25, 1.7e-5 };
	uint64_t x = 88172645463325252ull;
	for (size_t i = 0; i < sizeof periods / sizeof periods[0]; i++) {
		for (int r = 0; r < 40; r++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			double p = periods[i];
			double t = (double)(x % 1000000) * 1e-3 * (r % 3);
			double span = p * (double)(x >> 40 & 0xfffff) *
				      (r % 4 == 0 ? 4 : 1);
			double target = t + span;
			double want = t + p;
			while (want < target)
				want += p;
			double got = sim_tick_after(t, p, target);
			if (got != want)
				fail_msg("t=%.17g p=%.17g target=%.17g: %.17g, "
					 "want %.17g", t, p, target, got, want);
		}
	}
	assert_true(sim_tick_after(0, 1, 0.5) == 1);
	assert_true(isinf(sim_tick_after(0, 1, 2 * SIM_TIME_MAX)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_prio_range),
		cmocka_unit_test(test_run_until),
		cmocka_unit_test(test_handles),
		cmocka_unit_test(test_reschedule),
		cmocka_unit_test(test_cancel_in_handler),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_run_to),
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_fault),
		cmocka_unit_test(test_tick_after),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
