/*
 * kw.h — the Kiefer–Wolfowitz recursion for FIFO M/M/c: the speed floor.
 *
 * Purpose: the speed floor DESIGN.md defines, a bare min-heap of the c
 * workers' next free times; each arrival starts at max(arrival, earliest
 * free time) and that worker becomes free at start + service. Whatever
 * poolsim does beyond this (events, handles, statistics, model logic) is
 * overhead, so the bench reports poolsim's time per task as a ratio to
 * this one. It is not the cheapest simulation of FIFO G/G/c there is:
 * kw_run_tree, the same recursion on a tournament tree, runs ~2.5x faster
 * here (bench/PROFILE.md, round 6), and bench_mmc prints both.
 *
 * Expected workload: one call per bench run, 1M–10M tasks, c ~ 50.
 * Complexity: O(log c) per task, O(c) memory.
 *
 * Header-only (static functions) so the standalone kw program and
 * bench_mmc time the very same code. The generator is a private copy of
 * xoshiro256** with -mean*log(u) exponentials, the same cost per draw as
 * poolsim's streams, so the ratio measures the engine and not the RNG.
 */
#ifndef BENCH_KW_H
#define BENCH_KW_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct kw_rng {
	uint64_t s[4];
} kw_rng;

static inline uint64_t kw_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline void kw_rng_seed(kw_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		r->s[i] = z ^ (z >> 31);
	}
}

static inline double kw_exp(kw_rng *r, double mean)
{
	uint64_t *s = r->s;
	uint64_t x = kw_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = kw_rotl(s[3], 45);
	return -mean * log(((double)(x >> 12) + 0.5) * 0x1.0p-52);
}

typedef struct kw_result {
	double mean_wait;   /* s */
	double makespan;    /* s: last completion */
} kw_result;

/* The part both recursions share: the arrivals, the draws and the sums. */
typedef struct kw_walk {
	kw_rng ra, rs;
	double gap, mean_s;         /* s: mean interarrival, mean service */
	double t, wait_sum, last;   /* s: last arrival, total wait, makespan */
} kw_walk;

static inline void kw_walk_init(kw_walk *k, double lambda, double mean_s,
				uint64_t seed)
{
	kw_rng_seed(&k->ra, seed);
	kw_rng_seed(&k->rs, seed ^ 0x5bd1e995ull);
	k->gap = 1.0 / lambda;
	k->mean_s = mean_s;
	k->t = k->wait_sum = k->last = 0;
}

/* The next task arrives and starts when the earliest worker (free at
 * `earliest`) is; returns when that worker is free again. */
static inline double kw_walk_task(kw_walk *k, double earliest)
{
	k->t += kw_exp(&k->ra, k->gap);
	double start = earliest > k->t ? earliest : k->t;
	k->wait_sum += start - k->t;
	double done = start + kw_exp(&k->rs, k->mean_s);
	if (done > k->last)
		k->last = done;
	return done;
}

static inline kw_result kw_walk_result(const kw_walk *k, uint64_t n)
{
	kw_result res = { n ? k->wait_sum / (double)n : 0, k->last };
	return res;
}

/* Simulates n tasks of FIFO M/M/c (arrival rate lambda/s, mean service
 * mean_s). Returns the mean wait in queue; wait_sum keeps the work honest
 * (the compiler cannot drop the recursion). */
static inline kw_result kw_run(uint64_t n, int c, double lambda, double mean_s,
			       uint64_t seed)
{
	kw_result res = { 0, 0 };
	double *free_at = calloc((size_t)c, sizeof *free_at);
	if (!free_at)
		return res;
	kw_walk k;
	kw_walk_init(&k, lambda, mean_s, seed);
	for (uint64_t i = 0; i < n; i++) {
		double done = kw_walk_task(&k, free_at[0]);
		/* Replace the root (earliest free worker) and sift down. */
		int j = 0;
		for (;;) {
			int l = 2 * j + 1;
			if (l >= c)
				break;
			int m = (l + 1 < c && free_at[l + 1] < free_at[l]) ? l + 1 : l;
			if (free_at[m] >= done)
				break;
			free_at[j] = free_at[m];
			j = m;
		}
		free_at[j] = done;
	}
	free(free_at);
	return kw_walk_result(&k, n);
}

/* The same recursion with the c free times in a tournament (winner) tree
 * instead of the heap: every inner node holds the earlier of its two
 * children and that worker's index, so the root is the earliest free
 * worker, and a task replays one leaf-to-root path with one compare and
 * two conditional moves per level, no data-dependent branch. Same draws,
 * same worker choice up to ties, same waits. Not the target's floor
 * (DESIGN.md defines that as the heap above); bench_mmc prints it beside
 * it because on this VM it runs ~2.5x faster than the heap, whose
 * sift-down mispredicts about 3 times per task. */
static inline kw_result kw_run_tree(uint64_t n, int c, double lambda,
				    double mean_s, uint64_t seed)
{
	kw_result res = { 0, 0 };
	size_t leaves = 1;
	while (leaves < (size_t)c)
		leaves *= 2;
	double *at = malloc(2 * leaves * sizeof *at);      /* free time, s */
	uint32_t *who = malloc(2 * leaves * sizeof *who);  /* its worker */
	if (!at || !who) {
		free(at);
		free(who);
		return res;
	}
	for (size_t j = 0; j < leaves; j++) {
		at[leaves + j] = j < (size_t)c ? 0 : INFINITY;
		who[leaves + j] = (uint32_t)j;
	}
	for (size_t j = leaves - 1; j > 0; j--) {
		size_t m = 2 * j + (at[2 * j + 1] < at[2 * j]);
		at[j] = at[m];
		who[j] = who[m];
	}
	kw_walk k;
	kw_walk_init(&k, lambda, mean_s, seed);
	for (uint64_t i = 0; i < n; i++) {
		double done = kw_walk_task(&k, at[1]);
		uint32_t w = who[1];
		size_t node = leaves + w;
		at[node] = done;
		while (node > 1) {
			double sv = at[node ^ 1];
			uint32_t sw = who[node ^ 1];
			int b = sv < done;
			done = b ? sv : done;
			w = b ? sw : w;
			node /= 2;
			at[node] = done;
			who[node] = w;
		}
	}
	free(at);
	free(who);
	return kw_walk_result(&k, n);
}

/* Erlang C: mean wait in queue of M/M/c, via the stable Erlang B
 * recursion B(k) = a B(k-1) / (k + a B(k-1)), a = lambda * mean_s. */
static inline double kw_erlang_c_wait(int c, double lambda, double mean_s)
{
	double a = lambda * mean_s, rho = a / c, b = 1;
	for (int k = 1; k <= c; k++)
		b = a * b / (k + a * b);
	double pw = b / (1 - rho * (1 - b));
	return pw * mean_s / (c * (1 - rho));
}

#endif
