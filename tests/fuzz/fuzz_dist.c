/*
 * fuzz_dist.c — libFuzzer target: dist_parse on arbitrary text, then a few
 * draws and the moments of whatever parsed (every draw must be >= 0 and
 * finite, as dist.h promises). Also replayed by tests/test_corpus.c.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../sim/dist.h"
#include "../../sim/rng.h"

int fuzz_dist_one(const uint8_t *data, size_t size);

int fuzz_dist_one(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	char err[512];
	dist *d = NULL;
	if (dist_parse(text, "/nonexistent", &d, err, sizeof err) == 0 && d) {
		gsl_rng *r = rng_stream(1, 0, "fuzz", "dist");
		for (int i = 0; r && i < 16; i++) {
			double x = dist_sample(d, r);
			if (!(x >= 0) || isinf(x))
				abort();   /* the contract of dist.h is broken */
		}
		(void)dist_mean(d);
		(void)dist_var(d);
		gsl_rng_free(r);
	}
	dist_free(d);
	free(text);
	return 0;
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_dist_one(data, size);
}
#endif
