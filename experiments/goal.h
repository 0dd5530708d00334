/*
 * goal.h — answering an experiment's goal (`optimize` or `slo`, see
 * docs/goals.md) with stated confidence and as few runs as it takes.
 *
 * The search runs in stages: each stage is one exp_run call over the runs
 * the search wants next (a selection of the plan's run numbers), after
 * which the stored values are read back from the database and the next
 * stage is decided from them alone. Nothing depends on the order runs
 * finish in, so the answer, the runs used and every stored number are the
 * same whatever -j or the number of MPI ranks; `--resume` replays the same
 * stages and finds their runs already stored.
 */
#ifndef EXP_GOAL_H
#define EXP_GOAL_H

#include "runner.h"

/* 1 when an experiment of the plan has a goal. */
int exp_plan_has_goal(const exp_plan *p);

/* What a goal search concluded, for printing and storing. */
typedef struct exp_answer {
	int decided;            /* 0: the budget (repeat) ran out first */
	int found;              /* slo: a feasible point exists */
	int point;              /* the chosen point, -1 = none */
	char goal[256];         /* "slo: latency_p99 < 100ms" */
	char chosen[256];       /* itervars of the chosen point, or "" */
	char indifferent[1024]; /* values that cannot be told apart, or "" */
	char text[1536];        /* the answer in words */
	double confidence;
	long runs_used;         /* runs of the experiment stored and used */
	long runs_grid;         /* points x repeat */
	char warning[1024];     /* the data contradict the shape, or "" */
} exp_answer;

/* Runs every experiment of the plan: those without a goal as exp_run
 * would, then each goal experiment stage by stage. o->selected must be
 * NULL. answers (plan->n entries, or NULL) receive each goal experiment's
 * answer (point = -1 and goal "" for the others). Returns as exp_run. */
int exp_goal_run(const exp_plan *p, const exp_run_opts *o,
		 exp_run_stats *st, exp_answer *answers, char *err,
		 size_t errlen);

#endif
