/*
 * plot.h — figures and design-doc reports, drawn from the database alone.
 *
 * plots/ reads results through results/store.h (never SQLite directly) and
 * knows nothing of ini files: what to draw comes from the run_param rows the
 * runner stored for every run (`plot`, `description`, the swept keys named
 * in itervars) and from the scalar and series tables.
 *
 * For every figure a self-contained gnuplot script NAME.gp (data inlined)
 * is written next to NAME.png/.svg and then run with gnuplot. Text from the
 * user (names, descriptions) reaches gnuplot only as safely quoted strings:
 * gnuplot executes backquotes and system(), and an experiments.ini from
 * someone else must never run anything when plotted.
 */
#ifndef PLOT_H
#define PLOT_H

#include <stddef.h>

#include "../results/store.h"

typedef struct plot_opts {
	const char *dir;        /* output directory (created); "plots/out" */
	const char *format;     /* "png" (pngcairo) or "svg" */
	const char *gnuplot;    /* program to run; NULL = "gnuplot" */
	/* Called with each file written (figure, script, report). */
	void (*wrote)(void *u, const char *path);
	void *u;
	/* plot_report: also write index.md, linking every report written,
	 * with the date, poolsim's version and db_path (the database). */
	int index;
	const char *db_path;
} plot_opts;

/* Draws every figure of experiment `name` (NULL = every experiment).
 * If gnuplot cannot be run, the .gp scripts are still written and the
 * function returns PS_EIO with a one-line message saying how to install it. */
int plot_draw(res_db *db, const char *name, const plot_opts *o,
	      char *err, size_t errlen);

/* Writes NAME.md in o->dir (and index.md when o->index): the question (description), the parameters,
 * a table of point summaries (mean ± 95% half-width), the figure(s), and
 * the answer stated plainly, using the intervals to say when two choices
 * cannot be told apart. name NULL = every experiment. */
int plot_report(res_db *db, const char *name, const plot_opts *o,
		char *err, size_t errlen);

/* ---- file names ----
 * Experiment NAME draws NAME.png (or .svg), NAME-series, NAME-scopes and
 * NAME-stages, each with its .gp script, and reports to NAME.md, where
 * NAME is plot_fname's stem: the name itself when it is a plain file name
 * ([A-Za-z0-9_-] then [A-Za-z0-9_.-], up to PLOT_FNAME_MAX - 16
 * characters), else its safe characters ('_' for the others) followed by
 * "-" and 8 hex digits of a hash of the whole name, so that [.a] and [_a]
 * never share files. Two experiments of one database whose files would
 * still meet (plot_fname_clash) both draw under the tagged stem. */
#define PLOT_FNAME_MAX 96
void plot_fname(const char *name, char *out, size_t n);  /* n >= PLOT_FNAME_MAX */
/* 0 when experiments a and b write different files; 1 when a file of one
 * is a file of the other ([x] and [x-series]), 2 when two differ only in
 * case (one file on macOS and Windows). *file gets the stem in question. */
int plot_fname_clash(const char *a, const char *b, char *file, size_t n);
/* For each of names[0..n): with[i] = the smallest other index whose files
 * meet names[i]'s (plot_fname_clash != 0), or -1. Returns how many names
 * clash. O(n log n). */
int plot_fname_clashes(const char *const *names, int n, int *with);

/* Splits canonical itervars "K=50, pool=ants" into *n names and values
 * (malloc'ed; the caller frees each string and both arrays). A value may
 * itself hold ", " (a swept mix(...)): a split needs ", NAME=". */
void plot_itervars_split(const char *s, char ***keys, char ***vals, int *n);

/* Parses `plot.xrange` "LO:HI" (either end "*" or empty: NAN, automatic);
 * 0, or -1 when it is not two numbers (or stars) with LO < HI. */
int plot_xrange_parse(const char *s, double *lo, double *hi);

#endif
