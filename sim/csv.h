/*
 * csv.h — the numeric CSV files that trace(FILE) and empirical(FILE) read,
 * and a cache that reads each of them once per invocation.
 *
 * A file is rows of comma-separated durations (bare numbers are seconds,
 * units allowed: unit_seconds). Accepted as users' tools write them: a
 * UTF-8 byte-order mark, CRLF or LF line ends, blank lines and '#'
 * comments, and a header row — any first row whose first field is not a
 * number (`arrival,work`). Every row has the same number of columns, from
 * min_cols to max_cols. A bad row is "FILE:LINE: column N (NAME): why".
 *
 * A table is immutable once read and shared by reference (csv_ref /
 * csv_release; counts are atomic), so every sweep point and every worker
 * thread reads the same arrays.
 */
#ifndef CSV_H
#define CSV_H

#include <stddef.h>

#define CSV_MAX_COLS 4

typedef struct csv_table {
	char *path;             /* as opened, for messages */
	char *abspath;          /* realpath, or path when it has none */
	int ncols;
	long nrows;
	double *col[CSV_MAX_COLS];   /* col[c][row], nrows each */
	int refs;               /* private: csv_ref / csv_release */
} csv_table;

/* What a file must hold. names[c] names column c in messages (NULL = just
 * its number). check, when set, sees each row in order (ncols values) and
 * the row before it (NULL for the first), and may refuse it: it returns
 * nonzero with a message, which csv_read prefixes with "FILE:LINE: ".
 * Shapes are compared by address in the cache: keep them static. */
typedef struct csv_shape {
	int min_cols, max_cols;
	const char *const *names;
	int (*check)(const double *row, const double *prev, int ncols,
		     char *err, size_t errlen);
} csv_shape;

/* Reads path into *out (one reference, the caller's). Returns PS_OK,
 * PS_EIO (cannot open or read), PS_EPARSE (a bad row, no rows) or
 * PS_ENOMEM, with the message in err. */
int csv_read(const char *path, const csv_shape *shape, csv_table **out,
	     char *err, size_t errlen);
csv_table *csv_ref(csv_table *t);
void csv_release(csv_table *t);          /* NULL is a no-op */

/* Files already read, keyed by real path and shape: the second and later
 * csv_cache_get of one file hands out the same table. Thread-safe. */
typedef struct csv_cache csv_cache;
csv_cache *csv_cache_new(void);          /* NULL when out of memory */
/* Drops the cache's own references; tables live on while referenced. */
void csv_cache_free(csv_cache *c);
/* csv_read through the cache (c NULL = a plain csv_read). */
int csv_cache_get(csv_cache *c, const char *path, const csv_shape *shape,
		  csv_table **out, char *err, size_t errlen);
/* Files of another format (models/profile.c: Prometheus JSON) through the
 * same cache. csv_table_new makes a table of ncols zeroed columns of nrows
 * (one reference; NULL when out of memory) for a loader to fill. A loader
 * reads path as asked by arg into *out (one reference, the caller's), or
 * returns an error with its message. csv_cache_load serves the table
 * loaded before for the same real path and key (key names everything arg
 * asks, so two different asks of one file are two entries); c NULL = a
 * plain load. */
csv_table *csv_table_new(const char *path, int ncols, long nrows);
typedef int (*csv_loader)(const char *path, void *arg, csv_table **out,
			  char *err, size_t errlen);
int csv_cache_load(csv_cache *c, const char *path, const char *key,
		   csv_loader load, void *arg, csv_table **out, char *err,
		   size_t errlen);
/* How many files the cache has read from disk (not served from memory). */
long csv_cache_reads(const csv_cache *c);

#endif
