/*
 * span.h — slices of a string, for the small recursive-descent parsers of
 * distributions (sim/dist.c) and arrival processes (models/workload.c).
 * A span borrows its text; nothing here allocates except span_dup and
 * span_path, whose results the caller frees.
 */
#ifndef SPAN_H
#define SPAN_H

#include <stddef.h>

typedef struct span {
	const char *s;
	int len;
} span;

/* s[0..len) without leading and trailing blanks. */
span span_trim(const char *s, size_t len);
/* A NUL-terminated copy; NULL when out of memory. */
char *span_dup(span sp);
/* A file named in user text, resolved against basedir (NULL or "" = cwd;
 * absolute names are kept); NULL when out of memory. */
char *span_path(const char *basedir, span file);
/* Runs a units.h-style parser (unit_time, unit_rate, ...) on the span; its
 * message quotes the span. 0, its error, or PS_ENOMEM. */
int span_parse_unit(span sp, int (*fn)(const char *, double *, char *, size_t),
		    double *out, char *err, size_t errlen);

#endif
