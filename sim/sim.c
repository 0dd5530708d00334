/*
 * sim.c — the event list and the virtual clock.
 *
 * Purpose: order events by (time, priority, FIFO sequence) and fire them,
 * with cancel and reschedule by handle.
 *
 * Expected workload: a pool model keeps about K+1 events pending (tens to a
 * few thousand) and does millions of schedule/pop pairs, with occasional
 * cancels (timeouts, expiry timers) and reschedules (processor sharing).
 *
 * Structure: a winner tree (a complete binary tournament) over the slot
 * table. Every slot owns a leaf holding its event's 16-byte key (time,
 * prio|seq|slot: the slot index in the low bits of the order word), and
 * every inner node the smaller key of its two children, so the root is
 * the next event. The slot table holds the handler, its arguments and
 * the slot's generation. A handle packs (generation << 32) | (slot + 1),
 * so 0 is never valid and a handle whose slot has been reused carries the
 * wrong generation and is ignored. Free slots form a LIFO free list
 * threaded through the slot table; table and tree grow by doubling and
 * are never shrunk, so once warmed up the hot path allocates nothing.
 *
 * Why a winner tree, not a binary heap: at tens to hundreds of pending
 * events both live in L1, and the cost is the chain of dependent compares
 * and the mispredicted branches. Changing a leaf (schedule, cancel,
 * reschedule, or emptying a fired event's leaf) replays its path to the
 * root: log2(cap) levels of one compare and two conditional moves each,
 * no early exit, so the loop count is fixed and predicted, and no position
 * index to keep. The heap's sift-down compared two children per level and
 * mispredicted its exit about once per call. On the M/M/50 bench (rho=0.9,
 * interleaved bench_mmc --gate rounds) the heap ran 90 ns/task and the
 * tree 75, with slightly more instructions (943 -> 973 per task). The
 * select must be cmov: written as C, gcc 12 compiles it to a branch or
 * to vector shuffles, and either ran 115-119 ns/task (see play()).
 * Before that, the heap itself had been tuned: branch-free child choice
 * (4.7 mispredicts/task against 7.4 with branches, 4-ary worse), 16-byte
 * keys, the fired root kept as a hole for the handler's first schedule.
 *
 * Fast path: the fired event's slot goes back to the free list before
 * its handler runs, and its leaf keeps the stale key (the "hole") until
 * the next pass over the list needs the root. The handler's first
 * sim_schedule takes that slot back (the free list is LIFO) and
 * overwrites the leaf: one replay per event that schedules its successor,
 * not two. Otherwise the leaf is emptied (one replay) before the next pop.
 *
 * Events kept outside the list (sim_run_to): a pool model's next arrival
 * is always due soon, and as a listed event it would cost a schedule and
 * a pop per task. Kept by the model and merged in by sim_run_to, it costs
 * one compare against the root per event fired before it.
 *
 * Complexity: schedule, cancel, reschedule, pop: O(log cap), cap the
 * high-water mark of pending events rounded up to a power of two (at
 * least 64); is_pending and event_time: O(1); renumbering (below) O(cap +
 * n log n), rarely. Memory: 32 + 32 bytes per slot. Limits: prio in
 * [-128, 127] (asserted), 2^28 events pending at once.
 *
 * Faults: a time before now, NaN or past SIM_TIME_MAX, and running out of
 * memory (or of slots) are not asserts: they can come from a user's
 * configuration (a drawn duration from a tail, a million goroutines). The
 * call is refused, the fault recorded (sim_fault) and the run stopped as
 * by sim_stop; the model reports it as the run's error.
 */
#include "sim.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NOT_PENDING UINT32_MAX

/* Tree order: t, then ord = (prio + PRIO_BIAS) << PRIO_SHIFT | seq << lbits
 * | slot, i.e. prio then insertion sequence in one integer compare; the
 * slot index rides in the low lbits bits, below seq, so it never decides
 * the order (seq is unique among pending events: the order is total, so
 * the pop sequence is the sorted order whatever the list's shape). lbits
 * is log2 of the slot table's size, and seq has SEQ_TOP - lbits bits: 50
 * for a pool model's few dozen pending events. When seq would overflow,
 * or the table doubles, the pending keys are renumbered 0..n-1 in their
 * current order (renumber: O(cap + n log n), at most once per
 * 2^(SEQ_TOP-lbits) - n schedules and once per doubling of the table).
 * prio must fit 8 bits. tests/test_sim_renumber.c compiles this file with
 * a small SEQ_TOP, so that renumbering happens every few thousand
 * schedules there. */
#define PRIO_SHIFT 56
#define PRIO_BIAS 128
#ifndef SEQ_TOP
#define SEQ_TOP PRIO_SHIFT
#endif
#define MIN_LBITS 6
#define MAX_LBITS (SEQ_TOP / 2)   /* seq keeps >= lbits bits: room for n */

/* t is stored as the bits of a non-negative double (times are >= 0, and
 * -0.0 is folded to +0.0 on entry), which as unsigned integers order like
 * the doubles themselves; (tb, ord) then compares as one 128-bit integer,
 * a cmp/sbb pair with no branch and no floating-point unit. The empty
 * key (all ones) is after every real one. */
typedef struct key {
	uint64_t tb;
	uint64_t ord;
} key;

static const key EMPTY = { UINT64_MAX, UINT64_MAX };

/* gen changes every time the slot is released (its event fired or was
 * cancelled), so handles issued before are stale: a handle is pending
 * exactly when its generation is the slot's. */
typedef struct slot {
	sim_handler fn;
	void *ctx;
	uint64_t arg;
	uint32_t gen;
	uint32_t next_free;
} slot;

/* The list is a winner tree over the slot table: tree[cap + i] is slot
 * i's key (EMPTY when it holds no pending event) and every inner node
 * tree[j], 1 <= j < cap, the smaller of tree[2j] and tree[2j+1], so
 * tree[1] is the next event. Invariant: that holds for every node, except
 * that while `hole` names a slot, that slot's leaf still holds the key of
 * its event, which has fired (pop_run), and so may the nodes above it. */
struct sim {
	key *tree;                /* 2 * cap entries; tree[0] unused */
	slot *slots;
	uint32_t cap;             /* slots allocated: 2^lbits */
	uint32_t n;               /* events pending */
	uint32_t n_slots;         /* slots ever handed out (<= cap) */
	uint32_t free_head;       /* NOT_PENDING when the free list is empty */
	/* The fired event's slot while its leaf has not been emptied or
	 * reused, else NOT_PENDING. It opens when a handler runs; the
	 * handler's first sim_schedule takes that slot back (the free list
	 * is LIFO) and overwrites the leaf, so an event that schedules its
	 * successor costs one pass up the tree, not two. */
	uint32_t hole;
	unsigned lbits;           /* log2(cap) */
	uint64_t mask;            /* cap - 1: ord & mask is the slot */
	uint64_t seq;             /* next insertion sequence number */
	uint64_t seq_end;         /* renumber before seq reaches this */
	uint64_t renumbers;       /* how many times (tests look) */
	uint64_t fired;
	double now;
	int stopped;
	int fault;                /* SIM_FAULT_*: set once, stops every run */
	const volatile sig_atomic_t *watch;   /* sim_watch's flag, or NULL */
};

static inline uint32_t slot_of(const sim *s, const key *k)
{
	return (uint32_t)(k->ord & s->mask);
}

static inline int prio_of(const key *k)
{
	return (int)(k->ord >> PRIO_SHIFT) - PRIO_BIAS;
}

/* "a before b", branch-free. */
static inline int before(const key *a, const key *b)
{
	unsigned __int128 x = ((unsigned __int128)a->tb << 64) | a->ord;
	unsigned __int128 y = ((unsigned __int128)b->tb << 64) | b->ord;
	return x < y;
}

/* Stores k in slot idx's leaf and recomputes the nodes above it: lbits
 * levels, one compare each, selected without a branch (which of two
 * events comes first is a coin flip a predictor cannot learn), and no
 * early exit, so the loop runs a fixed count the predictor does learn.
 * A binary heap's sift-down compares two children per level and
 * mispredicts its exit about once per call. */
static inline void play(sim *s, uint32_t idx, key k)
{
	key *tree = s->tree;
	uint32_t i = s->cap + idx;
	tree[i] = k;
	/* the winner in two scalars, so the compare and the selects stay in
	 * general registers (cmp/sbb, two cmov: about 3 cycles a level) */
	uint64_t tb = k.tb, ord = k.ord;
	for (unsigned l = s->lbits; l > 0; l--) {
		const uint64_t stb = tree[i ^ 1].tb, sord = tree[i ^ 1].ord;
#if defined(__x86_64__) && defined(__GNUC__) && !defined(SIM_PORTABLE_SELECT)
		/* (stb, sord) < (tb, ord) as one 128-bit subtraction, and
		 * the winner moved by cmov: gcc turns every C spelling of
		 * this select into a branch or into vector shuffles, each
		 * slower here (bench_mmc: 115-119 ns/task against 75) */
		uint64_t tmp;
		__asm__("cmp %[o], %[so]\n\t"
			"mov %[stb], %[tmp]\n\t"
			"sbb %[tb], %[tmp]\n\t"
			"cmovb %[stb], %[tb]\n\t"
			"cmovb %[so], %[o]"
			: [tb] "+r"(tb), [o] "+r"(ord), [tmp] "=&r"(tmp)
			: [stb] "r"(stb), [so] "r"(sord)
			: "cc");
#else
		const uint64_t m = -(uint64_t)before(&(key){ stb, sord },
						     &(key){ tb, ord });
		tb = (stb & m) | (tb & ~m);
		ord = (sord & m) | (ord & ~m);
#endif
		i >>= 1;
		tree[i].tb = tb;
		tree[i].ord = ord;
	}
}

/* Recomputes every inner node from the leaves: O(cap). */
static void rebuild(sim *s)
{
	key *tree = s->tree;
	for (uint32_t j = s->cap - 1; j > 0; j--)
		tree[j] = before(&tree[2 * j + 1], &tree[2 * j]) ?
			  tree[2 * j + 1] : tree[2 * j];
}

/* Empties the fired event's leaf if no schedule has reused it. */
static inline void settle(sim *s)
{
	if (s->hole == NOT_PENDING)
		return;
	play(s, s->hole, EMPTY);
	s->hole = NOT_PENDING;
}

sim *sim_new(void)
{
	sim *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->cap = (uint32_t)1 << MIN_LBITS;
	s->lbits = MIN_LBITS;
	s->mask = ((uint64_t)1 << MIN_LBITS) - 1;
	s->seq_end = (uint64_t)1 << (SEQ_TOP - MIN_LBITS);
	s->tree = malloc(2 * (size_t)s->cap * sizeof *s->tree);
	s->slots = malloc(s->cap * sizeof *s->slots);
	if (!s->tree || !s->slots) {
		sim_free(s);
		return NULL;
	}
	for (uint32_t j = 0; j < 2 * s->cap; j++)
		s->tree[j] = EMPTY;
	s->free_head = NOT_PENDING;
	s->hole = NOT_PENDING;
	return s;
}

void sim_free(sim *s)
{
	if (!s)
		return;
	free(s->tree);
	free(s->slots);
	free(s);
}

double sim_now(const sim *s)
{
	return s->now;
}

const double *sim_clock(const sim *s)
{
	return &s->now;
}

static inline uint64_t t_bits(double t)
{
	uint64_t b;
	t += 0.0;   /* -0.0 + 0.0 is +0.0 */
	memcpy(&b, &t, sizeof b);
	return b;
}

static inline double t_of(uint64_t b)
{
	double t;
	memcpy(&t, &b, sizeof t);
	return t;
}

static int key_cmp(const void *a, const void *b)
{
	const key *x = a, *y = b;
	return before(x, y) ? -1 : before(y, x);
}

/* Records the first fault and stops the running sim_run / sim_run_to;
 * returns 0, the "no event" handle. Cold. */
static __attribute__((noinline, cold)) sim_event_id fault(sim *s, int why)
{
	if (!s->fault)
		s->fault = why;
	s->stopped = 1;
	return 0;
}

/* Every SIM_POLL_EVENTS events fired: a raised sim_watch flag stops the
 * run. 65,536 events are a few milliseconds of a pool model, so Ctrl-C
 * ends even one long run at once, for one predicted branch per event. */
#define SIM_POLL_MASK 0xffffu

static __attribute__((noinline, cold)) void poll_watch(sim *s)
{
	if (s->watch && *s->watch)
		fault(s, SIM_FAULT_STOP);
}

static inline void count_event(sim *s)
{
	if (__builtin_expect(!(++s->fired & SIM_POLL_MASK), 0))
		poll_watch(s);
}

/* Gives the pending keys the sequence numbers 0..n-1 in their current
 * order, encoded for lbits = to (the table must already have 2^to
 * slots); seq continues at n. Every pair of keys keeps its order.
 * O(cap + n log n) time; tmp is the caller's scratch of n + 1 keys
 * (taken: freed here), allocated before anything changed so that a
 * failed allocation leaves the list as it was. */
static void renumber(sim *s, unsigned to, key *tmp)
{
	settle(s);
	const uint32_t n = s->n;
	key *leaf = s->tree + s->cap;
	uint32_t m = 0;
	for (uint32_t i = 0; i < s->n_slots; i++)
		if (leaf[i].tb != UINT64_MAX)
			tmp[m++] = leaf[i];
	assert(m == n);
	qsort(tmp, n, sizeof *tmp, key_cmp);
	for (uint32_t r = 0; r < n; r++) {
		const uint32_t idx = slot_of(s, &tmp[r]);
		key *k = &leaf[idx];
		k->ord = ((k->ord >> PRIO_SHIFT) << PRIO_SHIFT) |
			 ((uint64_t)r << to) | idx;
	}
	free(tmp);
	s->renumbers++;
	s->lbits = to;
	s->mask = ((uint64_t)1 << to) - 1;
	s->seq = n;
	s->seq_end = (uint64_t)1 << (SEQ_TOP - to);
	rebuild(s);
}

static key *scratch(const sim *s)
{
	return malloc(((size_t)s->n + 1) * sizeof(key));
}

/* Renumbers when seq is used up (that may settle the hole); 0 when out
 * of memory. Called before a schedule takes its slot. */
static inline int seq_room(sim *s)
{
	if (s->seq != s->seq_end)
		return 1;
	key *tmp = scratch(s);
	if (!tmp)
		return 0;
	renumber(s, s->lbits, tmp);
	return 1;
}

/* The ord of a new key for slot idx (seq_room has made room). */
static inline uint64_t make_ord(sim *s, int prio, uint32_t idx)
{
	assert(prio >= -PRIO_BIAS && prio < PRIO_BIAS);
	return ((uint64_t)(prio + PRIO_BIAS) << PRIO_SHIFT) |
	       (s->seq++ << s->lbits) | idx;
}

/* Doubles the slot table and the tree; a longer slot index re-encodes
 * the keys. 0 (the list unchanged) when out of memory or slots. */
static int grow(sim *s)
{
	settle(s);
	uint32_t cap = s->cap * 2;
	if (cap <= s->cap || s->lbits + 1 > MAX_LBITS)
		return 0;
	slot *sl = realloc(s->slots, (size_t)cap * sizeof *sl);
	if (!sl)
		return 0;
	s->slots = sl;
	key *t = malloc(2 * (size_t)cap * sizeof *t);
	key *tmp = t ? scratch(s) : NULL;
	if (!tmp) {
		free(t);
		return 0;
	}
	memcpy(t + cap, s->tree + s->cap, s->cap * sizeof *t);
	for (uint32_t j = cap + s->cap; j < 2 * cap; j++)
		t[j] = EMPTY;
	free(s->tree);
	s->tree = t;
	s->cap = cap;
	renumber(s, s->lbits + 1, tmp);
	return 1;
}

static inline sim_event_id make_id(uint32_t idx, uint32_t gen)
{
	return ((uint64_t)gen << 32) | ((uint64_t)idx + 1);
}

/* The slot a handle names if it is pending, else NULL. */
static inline slot *lookup(const sim *s, sim_event_id id)
{
	uint32_t idx = (uint32_t)(id & 0xffffffffu);
	if (idx == 0 || idx > s->n_slots)
		return NULL;
	slot *sl = &s->slots[idx - 1];
	if (sl->gen != (uint32_t)(id >> 32))
		return NULL;
	return sl;
}

/* Releases a slot whose event is no longer pending; bumping gen makes every
 * handle to it stale. */
static inline void release(sim *s, uint32_t idx)
{
	slot *sl = &s->slots[idx];
	sl->gen++;
	sl->next_free = s->free_head;
	s->free_head = idx;
	s->n--;
}

sim_event_id sim_schedule(sim *s, double t, int prio, sim_handler fn,
			  void *ctx, uint64_t arg)
{
	assert(fn);
	if (!(t >= s->now && t <= SIM_TIME_MAX))   /* also NaN */
		return fault(s, SIM_FAULT_TIME);
	/* a renumber settles the hole: before the slot is taken */
	if (!seq_room(s))
		return fault(s, SIM_FAULT_NOMEM);
	uint32_t idx = s->free_head;
	if (idx != NOT_PENDING) {
		s->free_head = s->slots[idx].next_free;
	} else {
		if (s->n_slots == s->cap && !grow(s))
			return fault(s, SIM_FAULT_NOMEM);
		idx = s->n_slots++;
		s->slots[idx].gen = 1;
	}
	slot *sl = &s->slots[idx];
	sl->fn = fn;
	sl->ctx = ctx;
	sl->arg = arg;
	key k = { t_bits(t), make_ord(s, prio, idx) };
	if (idx == s->hole)
		s->hole = NOT_PENDING;   /* its leaf is overwritten now */
	play(s, idx, k);
	s->n++;
	return make_id(idx, sl->gen);
}

sim_event_id sim_after(sim *s, double dt, int prio, sim_handler fn,
		       void *ctx, uint64_t arg)
{
	if (!(dt >= 0))
		return fault(s, SIM_FAULT_TIME);
	return sim_schedule(s, s->now + dt, prio, fn, ctx, arg);
}

int sim_cancel(sim *s, sim_event_id id)
{
	slot *sl = lookup(s, id);
	if (!sl)
		return 0;
	uint32_t idx = (uint32_t)(sl - s->slots);
	play(s, idx, EMPTY);
	release(s, idx);
	return 1;
}

int sim_reschedule(sim *s, sim_event_id id, double t)
{
	if (!(t >= s->now && t <= SIM_TIME_MAX))
		return (int)fault(s, SIM_FAULT_TIME);
	slot *sl = lookup(s, id);
	if (!sl)
		return 0;
	uint32_t idx = (uint32_t)(sl - s->slots);
	/* seq_room first: a renumber rewrites the keys in place */
	if (!seq_room(s))
		return (int)fault(s, SIM_FAULT_NOMEM);
	uint64_t ord = make_ord(s, prio_of(&s->tree[s->cap + idx]), idx);
	play(s, idx, (key){ t_bits(t), ord });
	return 1;
}

int sim_is_pending(const sim *s, sim_event_id id)
{
	return lookup(s, id) != NULL;
}

double sim_event_time(const sim *s, sim_event_id id)
{
	const slot *sl = lookup(s, id);
	assert(sl && "sim_event_time: event not pending");
	return t_of(s->tree[s->cap + (uint32_t)(sl - s->slots)].tb);
}

int sim_pending(const sim *s)
{
	return (int)s->n;
}

/* Runs the next event (the list must not be empty). The slot is released
 * before the handler runs, so the handler may cancel or reschedule
 * anything, itself included (which then reports "not pending"), and may
 * reuse the slot for a new event. The slot's leaf stays a hole during the
 * handler (see struct sim); the next pass over the list empties it if the
 * handler did not reuse it. */
static inline __attribute__((always_inline)) void pop_run(sim *s)
{
	const key top = s->tree[1];
	const uint32_t idx = slot_of(s, &top);
	s->hole = idx;
	slot *sl = &s->slots[idx];
	sim_handler fn = sl->fn;
	void *ctx = sl->ctx;
	uint64_t arg = sl->arg;
	release(s, idx);
	s->now = t_of(top.tb);
	count_event(s);
#ifdef POOLSIM_SLOW_SPINS
	/* Only in the throwaway build of `make gate-demo`: a deliberately
	 * slower engine, to show the regression gate fails it. */
	for (volatile int spin = 0; spin < POOLSIM_SLOW_SPINS; spin++)
		;
#endif
	fn(s, ctx, arg);
}

int sim_step(sim *s)
{
	settle(s);
	if (s->n == 0)
		return 0;
	pop_run(s);
	return 1;
}

uint64_t sim_run(sim *s, double until)
{
	uint64_t start = s->fired;
	s->stopped = s->fault != 0;
	for (;;) {
		settle(s);
		if (s->n == 0 || t_of(s->tree[1].tb) > until || s->stopped)
			break;
		pop_run(s);
	}
	s->stopped = s->fault != 0;
	return s->fired - start;
}

int sim_run_to(sim *s, double t, int prio)
{
	if (s->fault)
		return 0;
	if (!(t >= s->now && t <= SIM_TIME_MAX))
		return (int)fault(s, SIM_FAULT_TIME);
	const uint64_t tb = t_bits(t);
	/* The largest ord at this priority: every listed (t, prio) goes first. */
	assert(prio >= -PRIO_BIAS && prio < PRIO_BIAS);
	const key lim = { tb, ((uint64_t)(prio + PRIO_BIAS) << PRIO_SHIFT) |
				  (((uint64_t)1 << PRIO_SHIFT) - 1) };
	s->stopped = 0;
	/* An empty list's root is EMPTY, after every (t, prio). */
	for (;;) {
		settle(s);
		if (s->stopped || before(&lim, &s->tree[1]))
			break;
		pop_run(s);
	}
	if (s->stopped) {
		s->stopped = s->fault != 0;
		return 0;
	}
	s->now = t_of(tb);
	count_event(s);
	return 1;
}

void sim_stop(sim *s)
{
	s->stopped = 1;
}

uint64_t sim_events(const sim *s)
{
	return s->fired;
}

int sim_fault(const sim *s)
{
	return s->fault;
}

void sim_watch(sim *s, const volatile sig_atomic_t *flag)
{
	s->watch = flag;
}

double sim_next_time(sim *s)
{
	settle(s);
	if (s->n > 0)
		return t_of(s->tree[1].tb);
	return INFINITY;
}

/* Within one binade [2^e, 2^(e+1)) every sum t + p that stays in it
 * rounds to a multiple of the binade's ulp u, and t is one, so the sum
 * is t + round(p / u) u: the same step each time (unless p / u ends in
 * exactly .5, where the rounding to even depends on t: stepped one by
 * one). So the sums inside a binade are t + k S u, in integers, and
 * only the step out of it is taken as the addition itself. */
double sim_tick_after(double t, double period, double target)
{
	if (!(period > 0) || !(target <= SIM_TIME_MAX))
		return INFINITY;
	t += period;
	while (t < target) {
		int e;
		frexp(t, &e);                    /* t in [2^(e-1), 2^e) */
		const double u = ldexp(1.0, e - 53);   /* its ulp */
		const double step = (t + period) - t;  /* exact: same binade, or
							* the step out of it */
		const double top = ldexp(1.0, e);
		if (t + period >= top || fabs(period - step) == u / 2 ||
		    !(step > 0)) {
			t += period;
			continue;
		}
		/* in units of u: t = T, step = S, the binade ends at 2^53 */
		const uint64_t T = (uint64_t)(t / u), S = (uint64_t)(step / u);
		const uint64_t kmax = (((uint64_t)1 << 53) - 1 - T) / S;
		uint64_t k;
		if (target >= top) {
			k = kmax;
		} else {
			const uint64_t G = (uint64_t)(target / u);  /* exact */
			k = (G - T + S - 1) / S;
			if (k > kmax)
				k = kmax;
		}
		if (k == 0) {
			t += period;
			continue;
		}
		t = (double)(T + k * S) * u;
	}
	return t;
}
