/*
 * rng.h — addressed random streams.
 *
 * Every random purpose of every entity has its own GSL generator, seeded by
 * mixing (master seed, replication, entity name, purpose name) — never by
 * creation order — so adding a tenant does not shift another tenant's
 * numbers, and all sweep points of one replication draw the same numbers
 * for the same purpose (common random numbers).
 *
 * The generator is xoshiro256** registered as a gsl_rng_type, so GSL's
 * distribution functions (gsl_ran_*) work on it at about a third of
 * mt19937's cost per draw.
 */
#ifndef RNG_H
#define RNG_H

#include <math.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

/* The xoshiro256** type (read-only descriptor, not state). */
extern const gsl_rng_type *rng_xoshiro256ss;

/* The 64-bit seed for (master, rep, entity, purpose): splitmix64 over an
 * FNV-1a hash of the names. entity/purpose are borrowed, non-NULL. */
uint64_t rng_seed_mix(uint64_t master, uint32_t rep, const char *entity,
		      const char *purpose);

/* A new generator seeded with rng_seed_mix(...). Free with gsl_rng_free. */
gsl_rng *rng_stream(uint64_t master, uint32_t rep, const char *entity,
		    const char *purpose);

/* One xoshiro256** step on a generator's state (4 words). */
static inline uint64_t rng_x_next(uint64_t *s)
{
	uint64_t result = ((s[1] * 5) << 7 | (s[1] * 5) >> 57) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = s[3] << 45 | s[3] >> 19;
	return result;
}

/* Uniform on the open interval (0, 1): never 0, never 1. Inline, with the
 * generator step inline too for our own type: the draw is on every task's
 * path (arrival gap, service time), and the call chain through GSL's
 * function pointer cost more than the draw itself. */
static inline double rng_uniform_pos(gsl_rng *r)
{
	if (r->type == rng_xoshiro256ss) {
		/* 52 bits plus a half: the grid (k + 0.5) 2^-52 is exact in a
		 * double, symmetric, and never reaches 0 or 1, so there is no
		 * rejection loop on the hot path. */
		uint64_t x = rng_x_next(r->state) >> 12;
		return ((double)x + 0.5) * 0x1.0p-52;
	}
	return gsl_rng_uniform_pos(r);
}

/* Exponential with the given mean, by -mean*log(u). */
static inline double rng_exp(gsl_rng *r, double mean)
{
	return -mean * log(rng_uniform_pos(r));
}

#endif
