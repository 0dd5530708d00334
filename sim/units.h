/*
 * units.h — numbers with units, as experiments.ini writes them.
 *
 * time: ns us ms s m h; rate: N/s, N/m, N/h. In experiments.ini a bare
 * number other than 0 is no time and no rate (10 ms or 10 s? 800/s?): it
 * is refused with that suggestion. Data files (trace, empirical) write
 * plain seconds: unit_seconds takes a bare number as seconds.
 * size: B KB MB GB (1024-based; bare = bytes); percent: N% (returned as a fraction; a bare number in [0,1] is a
 * fraction). Leading/trailing blanks are ignored; anything else left over is
 * an error naming the text. Negative values are errors except where a
 * caller parses a plain number.
 */
#ifndef UNITS_H
#define UNITS_H

#include <stddef.h>

int unit_time(const char *text, double *out_s, char *err, size_t errlen);
/* unit_time, but a bare number is seconds (data file columns). */
int unit_seconds(const char *text, double *out_s, char *err, size_t errlen);
int unit_rate(const char *text, double *out_per_s, char *err, size_t errlen);
int unit_size(const char *text, double *out_bytes, char *err, size_t errlen);
int unit_percent(const char *text, double *out_frac, char *err, size_t errlen);
/* A plain finite number (no unit). */
int unit_number(const char *text, double *out, char *err, size_t errlen);

#endif
