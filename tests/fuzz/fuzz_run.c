/*
 * fuzz_run.c — libFuzzer target: the whole path from text to numbers.
 * Arbitrary bytes are parsed as an experiments.ini (pre-scan, inih,
 * extends, ${...} expansion, constraints, validation, name checks), and
 * whatever validates is run: the first points of the first experiments,
 * one replication each, through model_run, with the run made small (at
 * most FUZZ_TASKS arrivals and FUZZ_SECONDS of virtual arrivals) so that
 * an input costs milliseconds. The model's own contract is checked too:
 * model_run returns 0 or a documented error, and every scalar is a name
 * of the metric registry. Must never crash, leak, abort or hang.
 *
 * Data files resolve against a directory that does not exist, so a
 * relative trace(FILE) reads nothing of the machine it runs on.
 * Also compiled into tests/test_corpus.c (FUZZ_NO_MAIN) to replay the
 * committed corpus (tests/fuzz/corpus/run) in `make test`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../experiments/ini.h"
#include "../../experiments/runner.h"
#include "../../experiments/sweep.h"
#include "../../models/metric.h"
#include "../../models/model.h"
#include "../../sim/ps.h"

#define FUZZ_TASKS 300          /* arrivals per run at most */
#define FUZZ_SECONDS 30.0       /* virtual seconds of arrivals at most */
#define FUZZ_POINTS 3           /* points run per experiment */
#define FUZZ_EXPERIMENTS 2
#define FUZZ_MAX_POINTS 16      /* larger sweeps: expanded, not validated */

int fuzz_run_one(const uint8_t *data, size_t size);

/* Small runs: the caps a fuzzer needs, not what the input asked for. */
static void shrink(model_config *c)
{
	if (c->tasks <= 0 || c->tasks > FUZZ_TASKS)
		c->tasks = FUZZ_TASKS;
	if (c->duration <= 0 || c->duration > FUZZ_SECONDS)
		c->duration = FUZZ_SECONDS;
	if (c->series_points <= 0 || c->series_points > 50)
		c->series_points = 50;
}

/* Every experiment of ini expands to at most FUZZ_MAX_POINTS points.
 * Validation costs a few microseconds a point, but 100000 points under
 * ASan and coverage take minutes: such inputs fuzz the expansion alone
 * (a large sweep is a cost, not a bug; run caps are check's business). */
static int small_sweeps(const exp_ini *ini)
{
	int ok = 1;
	for (int i = 0; i < ini->n && ok; i++) {
		exp_diags d;
		exp_kvs keys;
		exp_sweep *sw = NULL;
		exp_diags_init(&d);
		exp_kvs_init(&keys);
		if (exp_ini_resolve(ini, ini->sec[i].name, &keys, &d) == 0 &&
		    exp_sweep_build(&keys, ini->path, &sw, &d) == 0 && sw)
			ok = exp_sweep_points(sw) <= FUZZ_MAX_POINTS;
		exp_sweep_free(sw);
		exp_kvs_fini(&keys);
		exp_diags_fini(&d);
	}
	return ok;
}

int fuzz_run_one(const uint8_t *data, size_t size)
{
	exp_diags d;
	exp_ini *ini = NULL;
	exp_plan *plan = NULL;
	exp_diags_init(&d);
	exp_ini_parse((const char *)data, size, "/nonexistent/fuzz.ini", &ini,
		      &d);
	if (ini && small_sweeps(ini) &&
	    exp_plan_build(ini, NULL, 0, NULL, 0, &plan, &d) == 0 && plan) {
		for (int e = 0; e < plan->n && e < FUZZ_EXPERIMENTS; e++) {
			exp_experiment *x = &plan->e[e];
			for (int p = 0; p < x->npts && p < FUZZ_POINTS; p++) {
				model_config *c = &x->pts[p].cfg;
				shrink(c);
				model_result r;
				model_result_init(&r);
				int rc = model_run(c, x->meta.seed, 0, &r);
				if (rc != 0 && rc != PS_ENOMEM && rc != PS_EINVAL)
					abort();   /* an undocumented error */
				for (size_t i = 0; rc == 0 && i < r.n_scalars; i++)
					if (!model_metric_find(r.scalars[i].name))
						abort();   /* outside the registry */
				model_result_fini(&r);
			}
		}
	}
	exp_plan_free(plan);
	exp_ini_free(ini);
	exp_diags_fini(&d);
	return 0;
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_run_one(data, size);
}
#endif
