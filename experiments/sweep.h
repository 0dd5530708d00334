/*
 * sweep.h — ${...} expansion of one experiment's keys into sweep points.
 *
 * `${a, b, c}` and `${lo..hi step s}` (units allowed: `${10ms..50ms step
 * 10ms}`) define an iteration variable named after the key (a second one in
 * the same key is KEY.2), `${NAME=...}` defines a named one, `${NAME}`
 * refers to a variable defined anywhere in the experiment. The points are
 * the cartesian product of all variables (the first defined varies
 * slowest), filtered by `constraint = EXPR`, numbered 0..n-1 in that order.
 *
 * Constraint language (small but real): numbers (optionally with a time or
 * size unit: 10ms, 2KB), "strings" or 'strings', names (a variable, else a
 * key of the point, also written $NAME or ${NAME}), + - * / %, comparisons
 * == != < <= > >= (numeric when both sides are numbers, else string), && ||
 * !, parentheses.
 */
#ifndef EXP_SWEEP_H
#define EXP_SWEEP_H

#include "ini.h"

typedef struct exp_sweep exp_sweep;

/* Builds the sweep of keys (borrowed; must outlive the sweep). Errors go to
 * d naming file and the key's line; returns 0, PS_EPARSE or PS_ENOMEM. On
 * PS_EPARSE *out may still be NULL. The `constraint` key is evaluated, not
 * expanded. */
int exp_sweep_build(const exp_kvs *keys, const char *file, exp_sweep **out,
		    exp_diags *d);
void exp_sweep_free(exp_sweep *s);      /* NULL is a no-op */

int exp_sweep_points(const exp_sweep *s);
int exp_sweep_nvars(const exp_sweep *s);
const char *exp_sweep_var_name(const exp_sweep *s, int var);
/* The value (as written) of var at point. */
const char *exp_sweep_value(const exp_sweep *s, int point, int var);

/* The keys of point with every ${...} substituted, into out (initialised
 * by the caller); `constraint` is left out. */
int exp_sweep_point_keys(const exp_sweep *s, int point, exp_kvs *out);
/* Canonical itervars "K=50, pool=ants" (variables in order of definition,
 * values as written); "" when nothing is swept. */
void exp_sweep_itervars(const exp_sweep *s, int point, char *buf,
			size_t len);

/* Evaluates a constraint expression against a lookup of names; *truth gets
 * the result. Returns 0, or PS_EPARSE with a message in err. Exposed for
 * tests. */
int exp_expr_eval(const char *expr,
		  const char *(*lookup)(void *u, const char *name, size_t len),
		  void *u, int *truth, char *err, size_t errlen);

#endif
