/*
 * profile.h — a quantity that varies over virtual time, from user text or
 * a user's file: the rate of `arrival = rate(FILE, ...)` and the service
 * time factor of `downstream.NAME.slowdown` (a brownout).
 *
 * A profile is a list of segments from t = 0, each going from v0 to v1
 * over dur seconds (v0 == v1: constant; interp=linear: a straight line).
 *
 * Files (prof_file) are read by content: a first non-blank character `{`
 * is a Prometheus range-query response (what /api/v1/query_range returns:
 * data.result[i].values of [timestamp, "value"], times taken relative to
 * the first sample), anything else a CSV `t,VALUE` (sim/csv.h: seconds,
 * header allowed). Options after the file name, in any order:
 *   scale=X                multiply every value (X > 0)
 *   from=D, to=D           keep [from, to) of the profile (times from the
 *                          profile's t = 0, units required) and start it
 *                          at 0
 *   interp=step|linear     step (default): each row's value holds until
 *                          the next row, the last row's for the gap before
 *                          it; linear: straight lines between rows, the
 *                          profile ends at the last row
 *   series={L="V", ...}    Prometheus: the series whose labels include
 *                          these (needed when the response has several)
 * Before the first row the rate is 0 and a factor is the first row's.
 * Errors name FILE:LINE (CSV) or the JSON path
 * (`data.result[0].values[17][1]: ...`).
 */
#ifndef PROFILE_H
#define PROFILE_H

#include <stddef.h>

#include "../sim/span.h"

typedef struct prof_seg {
	double v0, v1;   /* value at the segment's start and end */
	double dur;      /* seconds, > 0 */
} prof_seg;

typedef struct profile {
	prof_seg *seg;   /* owned */
	int n;
	int linear;      /* some segment has v0 != v1 on purpose */
} profile;

typedef enum { PROF_RATE, PROF_FACTOR } prof_kind;

struct csv_cache;

/* Splits "a, b(c, d), {e="f,g"}, ...)" at commas outside (), {} and
 * quotes, up to the closing ")" of the call (p points just after its
 * "("). *rest gets the text after that ")". Errors: missing ")", more than
 * max arguments. An empty list gives *nargs = 0. */
int prof_split_args(const char *p, span *args, int max, int *nargs,
		    const char **rest, char *err, size_t errlen);

/* args[0] is the file (quotes allowed), args[1..] the options above; the
 * file is resolved against basedir and read (CSV through files, once per
 * invocation). kind says what the values are: PROF_RATE (per second,
 * >= 0) or PROF_FACTOR (> 0). Fills *out (prof_fini frees it). */
int prof_file(const span *args, int nargs, const char *basedir,
	      struct csv_cache *files, prof_kind kind, profile *out,
	      char *err, size_t errlen);

/* A slowdown factor: steps(F for D, ...), ramp(F, F, D) or
 * file(FILE, options). After its end the last factor holds. *out is
 * allocated (prof_free). Errors quote the text. */
int prof_parse_factor(const char *text, const char *basedir,
		      struct csv_cache *files, profile **out, char *err,
		      size_t errlen);

void prof_fini(profile *p);    /* frees the segments; NULL is a no-op */
void prof_free(profile *p);    /* prof_fini and the struct */
double prof_end(const profile *p);   /* sum of the durations, s */

/* The value at time t for a caller whose t never decreases (the clock):
 * the cursor remembers the segment, so a run costs O(1) amortised per
 * call. Past the end, the last segment's v1. */
typedef struct prof_cursor {
	int i;
	double start;    /* where segment i begins */
} prof_cursor;
double prof_at(const profile *p, double t, prof_cursor *c);

#endif
