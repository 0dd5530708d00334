/*
 * rng.c — addressed random streams: xoshiro256** as a gsl_rng_type.
 *
 * Purpose: one cheap, well-mixed generator per (master, rep, entity,
 * purpose), usable by every gsl_ran_* function.
 *
 * Expected workload: a handful of streams per run (created once), then
 * tens of millions of draws; rng_stream is not on the hot path, draws are.
 *
 * Why xoshiro256**: 256 bits of state, period 2^256-1, passes BigCrush,
 * and a draw is a few shifts and a multiply, about a third of mt19937's
 * cost. The state is filled by splitmix64 from the 64-bit seed, as the
 * xoshiro authors recommend, so similar seeds give unrelated states and the
 * all-zero state cannot occur.
 *
 * Complexity: O(1) per draw; O(len(entity) + len(purpose)) per seed mix.
 */
#include "rng.h"

#include <math.h>
#include <string.h>

typedef struct xstate {
	uint64_t s[4];
} xstate;

/* One splitmix64 step; *x is the running counter. */
static inline uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The step itself is rng_x_next (rng.h), shared with the inline draws. */
static inline uint64_t next(xstate *st)
{
	return rng_x_next(st->s);
}

static void x_set(void *vstate, unsigned long seed)
{
	xstate *st = vstate;
	uint64_t x = (uint64_t)seed;
	for (int i = 0; i < 4; i++)
		st->s[i] = splitmix64(&x);
	/* splitmix64 is a bijection of its counter, so four consecutive outputs
	 * are never all zero; assert the xoshiro precondition anyway. */
	if ((st->s[0] | st->s[1] | st->s[2] | st->s[3]) == 0)
		st->s[0] = 1;
}

static unsigned long x_get(void *vstate)
{
	return (unsigned long)next(vstate);
}

/* The top 53 bits scaled by 2^-53: uniform on [0, 1), every value exact. */
static double x_get_double(void *vstate)
{
	return (double)(next(vstate) >> 11) * 0x1.0p-53;
}

/* GSL's get returns unsigned long: full 64 bits on LP64 platforms. */
_Static_assert(sizeof(unsigned long) == 8, "rng.c assumes 64-bit unsigned long");

static const gsl_rng_type xoshiro_type = {
	"xoshiro256**",
	0xffffffffffffffffUL,   /* max */
	0,                      /* min */
	sizeof(xstate),
	x_set,
	x_get,
	x_get_double
};

/* Read-only descriptor, as GSL's own gsl_rng_mt19937 pointer. */
const gsl_rng_type *rng_xoshiro256ss = &xoshiro_type;

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

uint64_t rng_seed_mix(uint64_t master, uint32_t rep, const char *entity,
		      const char *purpose)
{
	/* Each component is folded into a running splitmix64 state and then
	 * stirred, so (a, b) and (b, a) differ and a one-bit change in any
	 * component flips about half the bits of the result. */
	uint64_t x = master;
	uint64_t h = splitmix64(&x);
	x = h ^ (uint64_t)rep;
	h = splitmix64(&x);
	x = h ^ fnv1a(entity);
	h = splitmix64(&x);
	x = h ^ fnv1a(purpose);
	return splitmix64(&x);
}

gsl_rng *rng_stream(uint64_t master, uint32_t rep, const char *entity,
		    const char *purpose)
{
	gsl_rng *r = gsl_rng_alloc(rng_xoshiro256ss);
	if (r)
		gsl_rng_set(r, (unsigned long)rng_seed_mix(master, rep, entity,
							  purpose));
	return r;
}
