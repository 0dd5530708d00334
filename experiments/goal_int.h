/*
 * goal_int.h — what goal.c's files share (experiments/ only): a search's
 * state and its helpers. goal.c runs searches in stages and stores
 * answers; goal_decide.c holds the statistical procedures (the one-sided
 * SLO test, Kim-Nelson on paired differences, the indifference set).
 */
#ifndef GOAL_INT_H
#define GOAL_INT_H

#include "goal.h"
#include "mpi.h"
#include "../models/metric.h"
#include "../results/store.h"
#include "../sim/ps.h"
#include "../sim/units.h"
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ST_OPEN, ST_PASS, ST_FAIL, ST_UNDECIDED };

#define MAXM (EXP_SLO_MAX + 1)

/* One goal experiment's search. vals[k][p] (NULL until point p is first
 * run) holds repeat values of metric k, NAN where not stored; metric
 * nm-1 is `unstable` for slo. */
typedef struct search {
	const exp_plan *plan;
	int e;
	const exp_experiment *x;
	const exp_goal *g;
	const exp_run_opts *o;
	exp_run_stats *st;
	int64_t id;             /* the experiment row, once written */
	int started;            /* a first exp_run call was made */
	int R;                  /* repeat: the most replications per point */
	int n;                  /* points */
	int *order;             /* point indices by the variable's value */
	char var[64];           /* the swept variable's name, or "" */
	int nm;
	char mname[MAXM][32], mscope[MAXM][64];
	double **vals[MAXM];
	unsigned char **have;   /* [p][r]: stored */
	long used;
	long written;           /* by this search's exp_run calls */
	int looks;              /* L */
	char *err;
	size_t errlen;
} search;

double now_mean(const double *v, int n);
double sample_var(const double *v, int n, double mean);
int stage(search *s, const int *want);
int next_n(const search *s, int n);
void setf(char *buf, size_t len, const char *fmt, ...);
void appendf(char *buf, size_t len, const char *fmt, ...);
void and_last(char *buf, size_t len);
void value_list(const search *s, const unsigned char *in, char *buf,
		       size_t len);
const char *var_word(const search *s);
void point_words(const search *s, int p, char *buf, size_t len);
int slo_search(search *s, exp_answer *a);
int optimize_search(search *s, exp_answer *a);

#endif
