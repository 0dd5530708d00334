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
} plot_opts;

/* Draws every figure of experiment `name` (NULL = every experiment).
 * If gnuplot cannot be run, the .gp scripts are still written and the
 * function returns PS_EIO with a one-line message saying how to install it. */
int plot_draw(res_db *db, const char *name, const plot_opts *o,
	      char *err, size_t errlen);

/* Writes NAME.md in o->dir: the question (description), the parameters,
 * a table of point summaries (mean ± 95% half-width), the figure(s), and
 * the answer stated plainly, using the intervals to say when two choices
 * cannot be told apart. name NULL = every experiment. */
int plot_report(res_db *db, const char *name, const plot_opts *o,
		char *err, size_t errlen);

/* Splits canonical itervars "K=50, pool=ants" into *n names and values
 * (malloc'ed; the caller frees each string and both arrays). A value may
 * itself hold ", " (a swept mix(...)): a split needs ", NAME=". */
void plot_itervars_split(const char *s, char ***keys, char ***vals, int *n);

#endif
