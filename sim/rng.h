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

/* Uniform on the open interval (0, 1): never 0, never 1. */
double rng_uniform_pos(gsl_rng *r);
/* Exponential with the given mean, by -mean*log(u). */
double rng_exp(gsl_rng *r, double mean);

#endif
