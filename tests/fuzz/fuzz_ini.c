/*
 * fuzz_ini.c — libFuzzer target: the whole text-to-plan path (pre-scan,
 * inih, extends, ${...} expansion, constraints, validation into
 * model_config) on arbitrary bytes. Must never crash, leak or hang;
 * diagnostics are the expected outcome for almost every input.
 * Also compiled into tests/test_corpus.c (FUZZ_NO_MAIN) to replay the
 * committed corpus under the normal and ASan builds.
 */
#include <stddef.h>
#include <stdint.h>

#include "../../experiments/ini.h"
#include "../../experiments/runner.h"

int fuzz_ini_one(const uint8_t *data, size_t size);

int fuzz_ini_one(const uint8_t *data, size_t size)
{
	exp_diags d;
	exp_ini *ini = NULL;
	exp_plan *plan = NULL;
	exp_diags_init(&d);
	exp_ini_parse((const char *)data, size, "fuzz.ini", &ini, &d);
	if (ini)
		exp_plan_build(ini, NULL, 0, NULL, 0, &plan, &d);
	exp_plan_free(plan);
	exp_ini_free(ini);
	exp_diags_fini(&d);
	return 0;
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_ini_one(data, size);
}
#endif
