/*
 * result.c — the growable lists of named scalars and series points a run
 * returns. Expected: tens of scalars and a few thousand series points per
 * run; append is amortised O(1), lookup O(n) (used by tests and reports).
 */
#include "model.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void model_result_init(model_result *r)
{
	memset(r, 0, sizeof *r);
}

void model_result_fini(model_result *r)
{
	if (!r)
		return;
	free(r->scalars);
	free(r->series);
	memset(r, 0, sizeof *r);
}

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	size_t n = *cap ? *cap * 2 : 64;
	while (n < need)
		n *= 2;
	void *q = realloc(p, n * size);
	assert(q && "out of memory growing a model_result");
	*cap = n;
	return q;
}

static void copy_name(char *dst, size_t n, const char *src)
{
	/* Names longer than the field are a programming error, not user input. */
	assert(strlen(src) < n);
	snprintf(dst, n, "%s", src);
}

void model_result_scalar(model_result *r, const char *scope, const char *name,
			 double value)
{
	r->scalars = grow(r->scalars, &r->cap_scalars, r->n_scalars + 1,
			  sizeof *r->scalars);
	model_scalar *s = &r->scalars[r->n_scalars++];
	copy_name(s->scope, sizeof s->scope, scope);
	copy_name(s->name, sizeof s->name, name);
	s->value = value;
}

void model_result_point(model_result *r, const char *scope, const char *name,
			double t, double value)
{
	r->series = grow(r->series, &r->cap_series, r->n_series + 1,
			 sizeof *r->series);
	model_point *p = &r->series[r->n_series++];
	copy_name(p->scope, sizeof p->scope, scope);
	copy_name(p->name, sizeof p->name, name);
	p->t = t;
	p->value = value;
}

double model_result_get(const model_result *r, const char *scope,
			const char *name)
{
	for (size_t i = 0; i < r->n_scalars; i++)
		if (!strcmp(r->scalars[i].scope, scope) &&
		    !strcmp(r->scalars[i].name, name))
			return r->scalars[i].value;
	return NAN;
}
