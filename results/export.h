/*
 * export.h — the stored time series as text that monitoring tools read:
 * OpenMetrics (what `promtool tsdb create-blocks-from openmetrics` loads
 * into a Prometheus TSDB) and Prometheus' classic text format (what
 * `promtool check metrics` parses), and CSV for people who plot elsewhere.
 *
 * Built on store.h's reading API only (no SQLite here). Names: every
 * series NAME becomes the gauge `poolsim_NAME`, its HELP line the series
 * registry's definition and unit (models/metric.h: model_series). Labels:
 * experiment, point, the run's swept keys (itervars; a key that is not a
 * valid label name has its other characters turned to '_', and one that
 * meets a fixed label gets a `var_` prefix), replication and scope.
 * Virtual time t (seconds) becomes the wall-clock instant start + t.
 *
 * Work and memory are O(series rows of the exported experiments): every
 * row is held once, to write each metric family whole (OpenMetrics
 * forbids interleaving families) with each series' samples in time order.
 */
#ifndef EXPORT_H
#define EXPORT_H

#include <stdio.h>

#include "store.h"

typedef enum res_export_format {
	RES_EXPORT_OPENMETRICS,
	RES_EXPORT_PROMETHEUS,
	RES_EXPORT_CSV
} res_export_format;

typedef struct res_export_opts {
	res_export_format format;
	/* Unix seconds of virtual time 0. have_start = 0: per experiment,
	 * its `export.start` when set, else the instant the experiment was
	 * run (experiment.created_at): the same database exports the same
	 * text. */
	int have_start;
	double start;
} res_export_opts;

/* Writes the series of experiment `name` (NULL = every experiment, the
 * newest row of each name) to out. Returns 0; PS_EINVAL when there is no
 * such experiment or a stored `export.start` does not parse (message in
 * err); PS_EDB; PS_EIO when out fails. Samples of one series that fall on
 * the same millisecond keep the last one (both formats stamp
 * milliseconds, and Prometheus refuses two values at one instant). */
int res_export(res_db *db, const char *name, const res_export_opts *o,
	       FILE *out, char *err, size_t errlen);

/* The metric name and label set `poolsim export` gives a series, for
 * code that writes the same series elsewhere (experiments/promrule.c):
 * res_export_name puts "poolsim_NAME" (sanitised) into out[n];
 * res_export_labels writes `{experiment="..",point="1",KEY="..",...,
 * replication="0",scope="pool"}` to f from the canonical itervars.
 * 0 or PS_ENOMEM. */
void res_export_name(char *out, size_t n, const char *series);
int res_export_labels(FILE *f, const char *experiment, int point,
		      const char *itervars, int replication, const char *scope);

/* Parses an instant: RFC 3339 in UTC or with an offset
 * ("2026-01-01T00:00:00Z", "2026-01-01T09:00:00.5+09:00", a blank in
 * place of the T) or Unix seconds ("1767225600"). 0, or -1 when it is
 * neither. */
int res_instant_parse(const char *s, double *unix_s);

#endif
