/*
 * cli_int.h — what the CLI's files share: main.c parses the command line
 * and runs check/list/run/plot/export; cli_show.c is show and answer;
 * cli_help.c prints the code's own tables (keys, metrics, series,
 * libraries).
 */
#ifndef CLI_INT_H
#define CLI_INT_H

#include "ini.h"
#include "keys.h"
#include "mpi.h"
#include "goal.h"
#include "runner.h"
#include "../models/metric.h"
#include "../plots/plot.h"
#include "../results/export.h"
#include "../results/store.h"
#include "../sim/ps.h"
#include "../sim/units.h"
#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Parsed command line. Pointers borrow argv. */
typedef struct cli {
	const char *verb;
	const char *file;
	const char *db;
	const char *dir;
	const char *format;
	const char *runs;
	const char **names;
	int nnames;
	const char **metrics;   /* show --metric, repeatable */
	int nmetrics;
	const char *scope;      /* show --scope */
	const char *start;      /* export --start */
	int all;                /* report --all */
	int series;             /* show --series */
	exp_kvs sets;
	int threads;
	int resume;
	int force;              /* run, check, list: past the cost limit */
	int verbose;
} cli;

typedef struct show_row_t {
	int exp;                /* index into names */
	int point;
	char *itervars, *scope, *name;
	int n;
	double mean, ci95, min, max;
} show_row_t;

typedef struct show_ctx {
	res_db *db;
	const cli *c;
	int csv;
	const char *exp;
	int rc;
	/* CSV: the rows, the experiments' names, the union of their
	 * iteration variables in first-seen order */
	show_row_t *rows;
	size_t n_rows, cap_rows;
	char **exps;
	int n_exps;
	char **vars;
	int n_vars;
	int nomem;
	int seen;               /* experiments found */
	int *unstable;          /* points flagged unstable in some replication */
	int n_unstable, cap_unstable;
} show_ctx;

typedef struct answer_ctx {
	res_db *db;
	int seen, answers, rc;
} answer_ctx;

int usage_error(const char *fmt, const char *arg);
int open_ro(const cli *c, res_db **db);
int list_name(void *u, const res_experiment *e);
int cmd_export(const cli *c);
void help_keys(int fmt);
void help_metrics(int fmt);
void help_series(int fmt);
void help_libraries(int fmt);
int count_exp(void *u, const res_experiment *e);
int no_such_experiment(res_db *db, const char *name);
int cmd_show(const cli *c);
int cmd_answer(const cli *c);

#endif
