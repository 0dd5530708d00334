/*
 * view.c — the values of the plot.* keys, parsed where both the ini
 * check (experiments/scenario.c) and the figures (read back from
 * run_param) need the same reading.
 */
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One end of "LO:HI": a number, or "*" / nothing for automatic (NAN). */
static int range_end(const char *s, size_t n, double *out)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || (n == 1 && *s == '*')) {
		*out = NAN;
		return 0;
	}
	char buf[64];
	if (n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	char *end;
	errno = 0;
	*out = strtod(buf, &end);
	return *end || errno || !isfinite(*out) ? -1 : 0;
}

int plot_xrange_parse(const char *s, double *lo, double *hi)
{
	const char *colon = strchr(s, ':');
	if (!colon || strchr(colon + 1, ':'))
		return -1;
	if (range_end(s, (size_t)(colon - s), lo) ||
	    range_end(colon + 1, strlen(colon + 1), hi))
		return -1;
	return !isnan(*lo) && !isnan(*hi) && !(*lo < *hi) ? -1 : 0;
}
