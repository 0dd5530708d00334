/*
 * keys.h — the table of every experiments.ini key: its name, unit,
 * default, scope, the pools that have it, its meaning and an example.
 *
 * THE list: scenario.c takes the known keys (unknown-key suggestions) and
 * the pool-specific options from it (which library has which option is
 * that library's row, models/lib_NAME.c); `poolsim help keys` and
 * docs/experiments-ini.md print it (tests/cli/docs.sh diffs the two).
 * Adding a key is one row here plus its parsing in scenario.c. Family keys
 * are written with their placeholder: `downstream.NAME.limit`.
 *
 * ~70 rows, scanned linearly (a lookup per unknown key or pool option).
 */
#ifndef EXP_KEYS_H
#define EXP_KEYS_H

#include <stddef.h>

typedef struct exp_key {
	const char *name;
	const char *unit;       /* "duration", "rate", "count", "bytes", ... */
	const char *def;        /* default, in words */
	const char *scope;      /* what it configures: "run", "pool", ... */
	unsigned pools;         /* EXP_KEY_LIBRARY: an option only some
				 * libraries have (which ones: their rows in
				 * the library table, exp_key_pools); 0 = a
				 * key of every pool */
	const char *meaning;
	const char *example;    /* a value that `poolsim check` accepts */
} exp_key;

#define EXP_KEY_LIBRARY 1u

/* 1u << pool_kind of the libraries that accept key k (the `options` of
 * their rows in models/libs.c); 0 for a key every pool has. */
unsigned exp_key_pools(const exp_key *k);
/* The libraries of mask in the table's order, "a, b, c" with last
 * before the final one (", " or " and "); buf is returned. */
const char *exp_pool_names(unsigned mask, const char *last, char *buf,
			   size_t len);
#define EXP_POOLS_ALL ((1u << POOL__COUNT) - 1)

/* The rows, in the reference's order; *n gets the count. */
const exp_key *exp_keys(size_t *n);
/* The row of a key as written ("downstream.db.limit" finds
 * "downstream.NAME.limit"), or NULL. */
const exp_key *exp_key_find(const char *key);

#endif
