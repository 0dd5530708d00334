/*
 * kw.c — the Kiefer–Wolfowitz floor on its own: FIFO M/M/c, c=50, rho=0.9.
 *
 * Usage: kw [TASKS]   (default 10,000,000)
 * Prints ns per task and the simulated mean wait against Erlang C. The
 * work is kw.h's; this file only times it. O(TASKS log c) time, O(c) memory.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kw.h"

/* Process CPU time, not wall time: on a shared machine being descheduled
 * must not count as simulator cost. Both programs are single-threaded. */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000ull;
	const int c = 50;
	const double lambda = 45, mean_s = 1;
	if (n == 0) {
		fprintf(stderr, "kw: TASKS must be a positive integer\n");
		return 2;
	}
	double t0 = now_s();
	kw_result r = kw_run(n, c, lambda, mean_s, 1);
	double dt = now_s() - t0;
	double theory = kw_erlang_c_wait(c, lambda, mean_s);
	printf("kw floor   M/M/%d rho=%.2f  %llu tasks  %.1f ns/task  "
	       "mean wait %.4f s (Erlang C %.4f s)\n", c, lambda * mean_s / c,
	       (unsigned long long)n, dt * 1e9 / (double)n, r.mean_wait, theory);
	return 0;
}
