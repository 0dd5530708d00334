/*
 * promrule.h — a user's own Prometheus alerting rule evaluated on a run's
 * series by promtool (alert.rule_file, alert.name, alert.interval).
 *
 * Each run's series are written, named and labelled as `poolsim export`
 * names them (poolsim_queue_depth{experiment=..,point=..,..,scope="pool"}),
 * as the input_series of a generated `promtool test rules` file, sampled
 * every alert.interval (the last value at or before each instant: what a
 * scrape at that interval sees). One promql_expr_test per evaluation time
 * asks for `ALERTS{alertname="NAME"}` and expects nothing, so promtool
 * prints every instant at which the alert was pending or firing. The run
 * then stores, at scope alert/NAME beside the built-in alerts,
 * first_pending_s, first_fire_s, fired_s and the series `state`
 * (0 inactive, 1 pending, 2 firing; its changes and an even thinning).
 *
 * promtool is Debian's (package prometheus); POOLSIM_PROMTOOL names
 * another program. Run by posix_spawn, never through a shell, in a
 * private temporary directory removed afterwards.
 */
#ifndef EXP_PROMRULE_H
#define EXP_PROMRULE_H

#include <stddef.h>

#include "runner.h"

/* The most evaluation instants of one run (run length / interval). */
#define EXP_PROMRULE_MAX_EVALS 100000

/* Before anything runs: when an experiment of plan has alert.rule_file,
 * promtool is there and `promtool check rules` accepts each file. 0, or
 * PS_EINVAL with the reason (promtool missing: how to install it; its
 * complaint about a file) in err. */
int exp_promrule_ready(const exp_plan *plan, char *err, size_t errlen);

/* Evaluates x's rule on the finished run (p, rep) whose result is res,
 * adding its scalars and series to res. A no-op returning 0 when x has
 * no rule file. On failure PS_EIO (or PS_ENOMEM) with res->error set:
 * the run is then a failed run with that status. */
int exp_promrule_eval(const exp_experiment *x, int p, int rep,
		      model_result *res);

#endif
