/*
 * libs.c — the library table: one row per library, each defined with its
 * semantics in models/lib_NAME.c. Adding a library is its file, its row
 * here and its pool_kind in model.h.
 */
#include "pool_int.h"

extern const model_lib lib_goroutines, lib_errgroup, lib_ants, lib_tunny,
	lib_workerpool, lib_semaphore, lib_pond, lib_priority, lib_sharded,
	lib_conc;

/* In pool_kind order (checked by model_lib_of's test). */
static const model_lib *const libs[POOL__COUNT] = {
	&lib_goroutines, &lib_errgroup, &lib_ants, &lib_tunny,
	&lib_workerpool, &lib_semaphore, &lib_pond, &lib_priority,
	&lib_sharded, &lib_conc,
};

const model_lib *model_lib_of(pool_kind k)
{
	if ((int)k < 0 || k >= POOL__COUNT)
		return NULL;
	return libs[k];
}

const model_lib *model_lib_find(const char *name)
{
	for (int k = 0; name && k < POOL__COUNT; k++)
		if (!strcmp(name, libs[k]->name))
			return libs[k];
	return NULL;
}

int model_lib_has_option(pool_kind k, const char *key)
{
	const model_lib *l = model_lib_of(k);
	size_t n = strlen(key);
	for (const char *o = l ? l->options : ""; o && *o;) {
		while (*o == ' ')
			o++;
		size_t m = strcspn(o, " ");
		if (m == n && !strncmp(o, key, n))
			return 1;
		o += m;
	}
	return 0;
}

const char *pool_kind_name(pool_kind k)
{
	const model_lib *l = model_lib_of(k);
	return l ? l->name : "?";
}

int pool_kind_parse(const char *name)
{
	const model_lib *l = model_lib_find(name);
	return l ? (int)l->kind : -1;
}

double pool_overhead_s(pool_kind k, long K)
{
	const model_lib *l = model_lib_of(k);
	if (!l || isnan(l->cost_k2_ns))
		return NAN;
	double x = K < 2 ? 2 : K > 1000 ? 1000 : (double)K;
	double f = log(x / 2) / log(1000.0 / 2);
	return 1e-9 * (l->cost_k2_ns + f * (l->cost_k1000_ns - l->cost_k2_ns));
}
