/*
 * test_sim_renumber.c — test_sim.c's checks (the differential test against
 * a sorted array included) on an event list whose sequence field is cut
 * to SEQ_TOP = 26 bits: the keys are then renumbered every few thousand
 * schedules and at every growth of the table, which the real field (2^50
 * schedules at a pool model's size) never reaches in a test. sim.c is
 * compiled into this program with that setting instead of the library's,
 * and with the tree's portable C select instead of the x86-64 cmov one,
 * so that the other architectures' code runs the same checks.
 */
#define SEQ_TOP 26
#define SIM_PORTABLE_SELECT
#include "../sim/sim.c"

/* 78 renumbers with the default seed and count */
#define SIM_RENUMBER_CHECK(s) assert_true((s)->renumbers > 50)
#include "test_sim.c"
