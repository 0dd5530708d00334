/*
 * long_sim.c — the event-list differential test at 40M operations with
 * another seed (make check-long). Same checks as test_sim.c, which it
 * includes; ~15 s at -O2.
 */
#define DIFF_OPS 40000000L
#define DIFF_SEED 987654321u
#include "test_sim.c"
