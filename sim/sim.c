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
 * Structure: a flat binary min-heap of 16-byte keys (time, prio|seq|slot:
 * the slot index in the low bits of the order word), a slot table holding
 * the handler, its arguments and the slot's generation, and a position
 * array (slot -> heap index) for cancel and reschedule. A handle packs
 * (generation << 32) | (slot + 1), so 0 is never valid and a handle whose
 * slot has been reused carries the wrong generation and is ignored. Free
 * slots form a LIFO free list threaded through the slot table; the arrays
 * grow by doubling and are never shrunk, so once warmed up the hot path
 * allocates nothing.
 *
 * Why binary, with a branch-free child choice: at tens to hundreds of
 * pending events the heap lives in L1 and the cost is branch mispredicts
 * (which child is smaller is a coin flip). Measured with cachegrind
 * --branch-sim on a bare M/M/50 (rho=0.9, 300k tasks) on this engine, per
 * task: 4-ary with branches 915 instructions / 9.4 mispredicts; binary
 * with branches 830 / 7.4; 4-ary branch-free 946 / 5.6; binary
 * branch-free 884 / 4.7 (chosen). Wall-clock timings on this shared
 * 2-core machine were within noise of each other. Keys went from 24 to 16
 * bytes (the slot folded into the order word, positions in their own
 * array): about 4% of the M/M/50 bench's CPU time.
 *
 * Fast path: while a handler runs, the fired event's root position is left
 * as a hole; the handler's first sim_schedule drops its key there and sifts
 * down once (replace-top), instead of refilling the root from the last
 * leaf and then sifting the new key up. Most handlers schedule exactly
 * one follow-up event, so this halves the heap work per event.
 *
 * Events kept outside the list (sim_run_to): a pool model's next arrival
 * is always due soon, so as a listed event it sifts up nearly to the root
 * and is popped a few events later: two of the three heap passes per task.
 * Kept by the model and merged in by sim_run_to, it costs one compare
 * against the root per event fired before it. A root hole left by the
 * last handler (a worker went idle: nothing scheduled) stays open across
 * sim_run_to, so the arrival's first schedule fills it (one sift-down, no
 * settle and no sift-up): -23 instructions/task on the M/M/50 bench.
 *
 * Complexity: schedule, cancel, reschedule, pop: O(log n); is_pending and
 * event_time: O(1), amortised over renumbering (below). Memory: 16 + 32 +
 * 4 bytes per event pending at once (the high-water mark). Limits: prio
 * in [-128, 127] (asserted), 2^28 events pending at once.
 */
#include "sim.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define NOT_PENDING UINT32_MAX

/* Heap order: t, then ord = (prio + PRIO_BIAS) << PRIO_SHIFT | seq << lbits
 * | slot, i.e. prio then insertion sequence in one integer compare; the
 * slot index rides in the low lbits bits, below seq, so it never decides
 * the order (seq is unique among pending events: the order is total and
 * the pop sequence does not depend on the heap's shape). lbits grows with
 * the slot table (2^lbits >= slots), and seq has SEQ_TOP - lbits bits: 50
 * for a pool model's few dozen pending events. When seq would overflow,
 * or lbits grows, the pending keys are renumbered 0..n-1 in their current
 * order (renumber: O(n log n), at most once per 2^(SEQ_TOP-lbits) - n
 * schedules and once per doubling of the table). prio must fit 8 bits.
 * tests/test_sim_renumber.c compiles this file with a small SEQ_TOP, so
 * that renumbering happens every few thousand schedules there. */
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
 * a cmp/sbb pair with no branch and no floating-point unit. 16 bytes: a
 * sift moves one vector register per level. */
typedef struct key {
	uint64_t tb;
	uint64_t ord;
} key;

/* Invariant: pos[idx] == NOT_PENDING exactly when slot idx is free (on the
 * free list, next_free valid) or its event has fired; otherwise
 * heap[pos[idx]] carries idx in its ord. gen changes every time the slot
 * is released, so handles issued before are stale. pos is its own array:
 * the sifts write it at every level, and 4-byte entries keep those writes
 * in a few cache lines. */
typedef struct slot {
	sim_handler fn;
	void *ctx;
	uint64_t arg;
	uint32_t gen;
	uint32_t next_free;
} slot;

struct sim {
	key *heap;
	uint32_t n, cap;          /* heap entries used / allocated */
	slot *slots;
	uint32_t *pos;            /* per slot: its heap index, or NOT_PENDING */
	uint32_t n_slots;         /* slots ever handed out (<= cap) */
	uint32_t free_head;       /* NOT_PENDING when the free list is empty */
	unsigned lbits;           /* slot bits in ord: 2^lbits >= cap */
	uint64_t mask;            /* 2^lbits - 1: ord & mask is the slot */
	uint64_t seq;             /* next insertion sequence number */
	uint64_t seq_end;         /* renumber before seq reaches this */
	uint64_t renumbers;       /* how many times (tests look) */
	uint64_t fired;
	double now;
	int stopped;
	/* 1 while the fired event's root position has not been refilled:
	 * heap[1..n) is valid, heap[0] is a hole. It opens when a handler
	 * runs and may stay open after sim_run_to returns 1 (until the
	 * outside event's handler schedules). The first sim_schedule drops
	 * its key into the hole (one sift-down instead of a sift-down plus a
	 * sift-up); anything else that needs the whole heap refills it first
	 * (settle). */
	int hole;
};

static inline uint32_t slot_of(const sim *s, const key *k)
{
	return (uint32_t)(k->ord & s->mask);
}

static inline int prio_of(const key *k)
{
	return (int)(k->ord >> PRIO_SHIFT) - PRIO_BIAS;
}

/* heap[n] is always a key after every real one (the heap array has room
 * for n + 1): a sift-down then compares two children even where the last
 * parent has one, without testing for it. */
static inline void seal(sim *s)
{
	s->heap[s->n] = (key){ UINT64_MAX, UINT64_MAX };
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
	s->heap = malloc((s->cap + 1) * sizeof *s->heap);
	s->slots = malloc(s->cap * sizeof *s->slots);
	s->pos = malloc(s->cap * sizeof *s->pos);
	if (!s->heap || !s->slots || !s->pos) {
		sim_free(s);
		return NULL;
	}
	s->free_head = NOT_PENDING;
	seal(s);
	return s;
}

void sim_free(sim *s)
{
	if (!s)
		return;
	free(s->heap);
	free(s->slots);
	free(s->pos);
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

/* "a before b", branch-free: which child is smaller is a coin flip the
 * branch predictor cannot learn. */
static inline int before(const key *a, const key *b)
{
	unsigned __int128 x = ((unsigned __int128)a->tb << 64) | a->ord;
	unsigned __int128 y = ((unsigned __int128)b->tb << 64) | b->ord;
	return x < y;
}

static void renumber(sim *s, unsigned to);

/* The ord of a new key for slot idx (renumbering first when seq is used
 * up: that may settle the hole). */
static inline uint64_t make_ord(sim *s, int prio, uint32_t idx)
{
	assert(prio >= -PRIO_BIAS && prio < PRIO_BIAS);
	if (s->seq == s->seq_end)
		renumber(s, s->lbits);
	return ((uint64_t)(prio + PRIO_BIAS) << PRIO_SHIFT) |
	       (s->seq++ << s->lbits) | idx;
}

/* Moves the hole at i up until k fits, then stores k there. */
static void sift_up(sim *s, uint32_t i, key k)
{
	key *h = s->heap;
	uint32_t *pos = s->pos;
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (!before(&k, &h[p]))
			break;
		h[i] = h[p];
		pos[slot_of(s, &h[i])] = i;
		i = p;
	}
	h[i] = k;
	pos[slot_of(s, &k)] = i;
}

/* Moves the hole at i down until k fits, then stores k there.
 * Tried and dropped: Floyd's bottom-up variant (hole to a leaf, then k
 * sifts up). Fewer compares on paper, but on the M/M/50 bench it ran 6%
 * more instructions and the sift-up's exit mispredicted more than the
 * sift-down's (callgrind/cachegrind, 300k tasks). */
static void sift_down(sim *s, uint32_t i, key k)
{
	key *h = s->heap;
	uint32_t *pos = s->pos;
	const uint32_t n = s->n;
	const uint64_t mask = s->mask;
	key *hole = &h[i];
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= n)
			break;
		/* h[n] is the seal (c + 1 <= n): never before h[c] */
		uint32_t right = (uint32_t)before(&h[c + 1], &h[c]);
		key *m = &h[c + right];
		if (!before(m, &k))
			break;
		*hole = *m;
		pos[m->ord & mask] = i;
		hole = m;
		i = c + right;
	}
	*hole = k;
	pos[k.ord & mask] = i;
}

/* Refills the root hole left by fire_top with the last entry. */
static void settle(sim *s)
{
	if (!s->hole)
		return;
	s->hole = 0;
	s->n--;
	key last = s->heap[s->n];
	seal(s);
	if (s->n > 0)
		sift_down(s, 0, last);
}

static int key_cmp(const void *a, const void *b)
{
	const key *x = a, *y = b;
	return before(x, y) ? -1 : before(y, x);
}

/* Gives the pending keys the sequence numbers 0..n-1 in their current
 * order, encoded for lbits = to (>= the current lbits); seq continues at
 * n. The order of every pair of keys is unchanged, so the heap stays a
 * heap with every key where it was: only ord is rewritten. O(n log n)
 * time, n keys of scratch. */
static void renumber(sim *s, unsigned to)
{
	settle(s);
	uint32_t n = s->n;
	const uint64_t mask = s->mask;
	key *tmp = malloc(((size_t)n + 1) * sizeof *tmp);
	/* Out of memory in the event list is not recoverable for a run. */
	assert(tmp && "sim: out of memory");
	if (!tmp)
		abort();
	memcpy(tmp, s->heap, (size_t)n * sizeof *tmp);
	qsort(tmp, n, sizeof *tmp, key_cmp);
	for (uint32_t r = 0; r < n; r++) {
		uint32_t idx = (uint32_t)(tmp[r].ord & mask);
		key *k = &s->heap[s->pos[idx]];
		k->ord = ((k->ord >> PRIO_SHIFT) << PRIO_SHIFT) |
			 ((uint64_t)r << to) | idx;
	}
	free(tmp);
	s->renumbers++;
	s->lbits = to;
	s->mask = ((uint64_t)1 << to) - 1;
	s->seq = n;
	s->seq_end = (uint64_t)1 << (SEQ_TOP - to);
}

/* Grows the three arrays together: a pending event needs one of each, so
 * the slot count never exceeds the heap capacity; a longer slot index
 * re-encodes the keys. */
static int grow(sim *s)
{
	uint32_t cap = s->cap * 2;
	assert(cap > s->cap);
	if (s->lbits + 1 > MAX_LBITS)
		return 0;
	key *h = realloc(s->heap, ((size_t)cap + 1) * sizeof *h);
	if (!h)
		return 0;
	s->heap = h;
	slot *sl = realloc(s->slots, (size_t)cap * sizeof *sl);
	if (!sl)
		return 0;
	s->slots = sl;
	uint32_t *p = realloc(s->pos, (size_t)cap * sizeof *p);
	if (!p)
		return 0;
	s->pos = p;
	s->cap = cap;
	renumber(s, s->lbits + 1);
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
	if (sl->gen != (uint32_t)(id >> 32) || s->pos[idx - 1] == NOT_PENDING)
		return NULL;
	return sl;
}

/* Releases a slot whose event is no longer pending; bumping gen makes every
 * handle to it stale. */
static inline void release(sim *s, uint32_t idx)
{
	slot *sl = &s->slots[idx];
	s->pos[idx] = NOT_PENDING;
	sl->gen++;
	sl->next_free = s->free_head;
	s->free_head = idx;
}

sim_event_id sim_schedule(sim *s, double t, int prio, sim_handler fn,
			  void *ctx, uint64_t arg)
{
	assert(fn);
	assert(t >= s->now);   /* also rejects NaN */
	/* A free slot means room in the heap too: the heap has cap + 1
	 * entries, and n <= slots in use + 1 (the hole) <= cap. */
	uint32_t idx = s->free_head;
	if (idx != NOT_PENDING) {
		s->free_head = s->slots[idx].next_free;
	} else {
		if (s->n_slots == s->cap) {
			/* Out of memory in the event list is not
			 * recoverable for a run. */
			int ok = grow(s);
			assert(ok && "sim: out of memory");
			if (!ok)
				abort();
		}
		idx = s->n_slots++;
		s->slots[idx].gen = 1;
	}
	slot *sl = &s->slots[idx];
	sl->fn = fn;
	sl->ctx = ctx;
	sl->arg = arg;
	/* make_ord first: a renumber settles the hole */
	key k = { t_bits(t), make_ord(s, prio, idx) };
	if (s->hole) {
		s->hole = 0;
		sift_down(s, 0, k);
	} else {
		sift_up(s, s->n++, k);
		seal(s);
	}
	return make_id(idx, sl->gen);
}

sim_event_id sim_after(sim *s, double dt, int prio, sim_handler fn,
		       void *ctx, uint64_t arg)
{
	assert(dt >= 0);
	return sim_schedule(s, s->now + dt, prio, fn, ctx, arg);
}

/* Removes heap entry i, refilling the hole with the last entry. */
static void remove_at(sim *s, uint32_t i)
{
	key last = s->heap[--s->n];
	seal(s);
	if (i == s->n)
		return;
	if (i > 0 && before(&last, &s->heap[(i - 1) / 2]))
		sift_up(s, i, last);
	else
		sift_down(s, i, last);
}

int sim_cancel(sim *s, sim_event_id id)
{
	slot *sl = lookup(s, id);
	if (!sl)
		return 0;
	settle(s);
	uint32_t idx = (uint32_t)(sl - s->slots);
	remove_at(s, s->pos[idx]);
	release(s, idx);
	return 1;
}

int sim_reschedule(sim *s, sim_event_id id, double t)
{
	assert(t >= s->now);
	slot *sl = lookup(s, id);
	if (!sl)
		return 0;
	settle(s);
	uint32_t idx = (uint32_t)(sl - s->slots);
	/* make_ord first: a renumber rewrites the keys in place (none
	 * moves) */
	uint64_t ord = make_ord(s, prio_of(&s->heap[s->pos[idx]]), idx);
	uint32_t i = s->pos[idx];
	key k = { t_bits(t), ord };
	/* A fresh seq only ever makes the key larger at equal time. */
	if (k.tb < s->heap[i].tb)
		sift_up(s, i, k);
	else
		sift_down(s, i, k);
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
	return t_of(s->heap[s->pos[sl - s->slots]].tb);
}

int sim_pending(const sim *s)
{
	return (int)(s->n - (uint32_t)s->hole);
}

/* Pops the root and runs it. The slot is released before the handler runs,
 * so the handler may cancel or reschedule anything, itself included (which
 * then reports "not pending"), and may reuse the slot for a new event. The
 * root stays a hole during the handler (see struct sim), and after it when
 * the handler scheduled nothing: fire_top settles it, sim_run_to leaves it
 * for the outside event's first schedule. */
static inline __attribute__((always_inline)) void pop_run(sim *s)
{
	settle(s);   /* a handler that calls sim_step/sim_run itself */
	key top = s->heap[0];
	s->hole = 1;
	uint32_t idx = slot_of(s, &top);
	slot *sl = &s->slots[idx];
	sim_handler fn = sl->fn;
	void *ctx = sl->ctx;
	uint64_t arg = sl->arg;
	release(s, idx);
	s->now = t_of(top.tb);
	s->fired++;
#ifdef POOLSIM_SLOW_SPINS
	/* Only in the throwaway build of `make gate-demo`: a deliberately
	 * slower engine, to show the regression gate fails it. */
	for (volatile int spin = 0; spin < POOLSIM_SLOW_SPINS; spin++)
		;
#endif
	fn(s, ctx, arg);
}

static void fire_top(sim *s)
{
	pop_run(s);
	settle(s);
}

/* The earliest pending key, hole or not; NULL when nothing is pending.
 * With the root a hole, the earliest is the smaller of its two children. */
static inline const key *peek(const sim *s)
{
	const key *h = s->heap;
	if (!s->hole)
		return s->n > 0 ? &h[0] : NULL;
	if (s->n <= 1)
		return NULL;
	return &h[1 + (uint32_t)before(&h[2], &h[1])];   /* h[2]: maybe the seal */
}

int sim_step(sim *s)
{
	settle(s);
	if (s->n == 0)
		return 0;
	fire_top(s);
	return 1;
}

uint64_t sim_run(sim *s, double until)
{
	uint64_t start = s->fired;
	s->stopped = 0;
	settle(s);
	while (s->n > 0 && t_of(s->heap[0].tb) <= until && !s->stopped)
		fire_top(s);
	s->stopped = 0;
	return s->fired - start;
}

int sim_run_to(sim *s, double t, int prio)
{
	assert(t >= s->now);
	const uint64_t tb = t_bits(t);
	/* The largest ord at this priority: every listed (t, prio) goes first. */
	assert(prio >= -PRIO_BIAS && prio < PRIO_BIAS);
	const uint64_t ord = ((uint64_t)(prio + PRIO_BIAS) << PRIO_SHIFT) |
			     (((uint64_t)1 << PRIO_SHIFT) - 1);
	s->stopped = 0;
	/* A hole left by the last handler stays open when the outside event
	 * comes next: its handler's first schedule fills it (one sift-down)
	 * instead of a settle's sift-down plus that schedule's sift-up. In a
	 * pool model that is an arrival after a worker went idle. */
	const key *m;
	while (!s->stopped && (m = peek(s)) != NULL &&
	       (m->tb < tb || (m->tb == tb && m->ord <= ord)))
		pop_run(s);
	if (s->stopped) {
		s->stopped = 0;
		return 0;
	}
	s->now = t_of(tb);
	s->fired++;
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
