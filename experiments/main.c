/*
 * main.c — the poolsim command line (DESIGN.md "The CLI").
 *
 *   poolsim run    [FILE] [-c NAME]... [-r RUNS] [-o DB] [-j N]
 *                  [--set KEY=VALUE]... [--resume] [-v]
 *   poolsim list   [FILE] [-c NAME]... [--set KEY=VALUE]...
 *   poolsim check  [FILE] [--set KEY=VALUE]...
 *   poolsim show   [-o DB] [-c NAME] [--format table|csv] [--metric NAME]...
 *                  [--scope SCOPE]; show --series [-o DB] [-c NAME]: series CSV
 *   poolsim plot   [-o DB] [-c NAME] [--dir DIR] [--format png|svg]
 *   poolsim report [-o DB] [-c NAME | --all] [--dir DIR] [--format png|svg]
 *   poolsim export [-o DB] [-c NAME] [--format openmetrics|prometheus|csv]
 *                  [--start INSTANT]
 *   poolsim help   [keys|metrics|series] [--format text|md|tsv]
 *
 * jq style: every message starts with "poolsim:", machine-readable output
 * on stdout, diagnostics and progress on stderr, exit codes from ps.h.
 * Work is O(size of the file) here; the runner does the rest.
 */
#include "ini.h"
#include "keys.h"
#include "mpi.h"
#include "goal.h"
#include "runner.h"
#include "../models/metric.h"
#include "../plots/plot.h"
#include "promrule.h"
#include "../results/export.h"
#include "../results/store.h"
#include "../sim/ps.h"
#include "../sim/units.h"

#include <errno.h>
#include <math.h>
#include <getopt.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli_int.h"

/* The one global: a signal handler can only talk through a volatile
 * sig_atomic_t with static storage. The runner polls it. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static const char usage_text[] =
"usage: poolsim VERB [OPTIONS]\n"
"\n"
"  run    [FILE] [-c NAME]... [-r RUNS] [-o DB] [-j N] [--set KEY=VALUE]... [--resume]\n"
"         [-v] [--force]\n"
"  list   [FILE] [-c NAME]... [--set KEY=VALUE]... [--force]  expanded runs, numbered\n"
"  check  [FILE] [--set KEY=VALUE]... [--force]      validate only\n"
"  show   [-o DB] [-c NAME] [--format table|csv] [--metric NAME]... [--scope S]\n"
"                       point summaries; --series: the stored series as CSV\n"
"  answer [-o DB] [-c NAME]           a goal's answer (optimize, slo: docs/goals.md)\n"
"  plot   [-o DB] [-c NAME] [--dir DIR] [--format png|svg]\n"
"  report [-o DB] [-c NAME | --all] [--dir DIR] [--format png|svg]\n"
"                       Markdown for a design doc, with its figures; --all: every\n"
"                       experiment and index.md linking their reports\n"
"  export [-o DB] [-c NAME] [--format openmetrics|prometheus|csv] [--start T]\n"
"                                      the stored series, on stdout\n"
"  help   [keys|metrics|series] [--format text|md|tsv]\n"
"                                      the ini keys, the metrics, the series\n"
"  --help, --version\n"
"\n"
"Options: -c, --config NAME   -r, --runs RUNS   -o, --output DB\n"
"         -j, --jobs N   --set KEY=VALUE   --resume   --dir DIR   --format F\n"
"         -v, --verbose (run: a line per finished run and per commit, with\n"
"         its wall-clock time, and progress once a second, on stderr)\n"
"         --start INSTANT (export: virtual time 0, e.g. 2026-01-01T00:00:00Z;\n"
"         default the experiment's export.start, else when it was run)\n"
"Short options take their value attached or apart (-j2, -j 2, -cNAME), long\n"
"ones after '=' or a blank (--jobs=2, --jobs 2).\n"
"\n"
"Defaults: FILE experiments.ini, DB results/poolsim.db, DIR plots/out,\n"
"-j the number of cores (at most 4096). -r takes run numbers as `list`\n"
"prints them. DB is a regular file (or a path to create one) in a writable\n"
"directory: SQLite's WAL journal lives beside it.\n"
"\n"
"Examples:\n"
"  poolsim check experiments.ini\n"
"  poolsim list -c slow-downstream\n"
"  poolsim run -c slow-downstream -j 8\n"
"  poolsim run --set repeat=3 --set 'K=${10, 50}' -c warm-state\n"
"  poolsim run --resume                  # after Ctrl-C or a crash\n"
"  poolsim show -c slow-downstream --format csv > k.csv\n"
"  poolsim answer -c slow-downstream      # with optimize = latency_p99 min\n"
"  poolsim plot --format svg && poolsim report -c slow-downstream\n"
"  poolsim export -c queue-alert > qa.om  # OpenMetrics, for promtool\n"

"  poolsim help keys                     # every key, unit, default\n"
"  poolsim help metrics                  # every metric, unit, scopes\n"
"  poolsim help libraries                # every pool library, its cost\n"
"\n"
"Cost: check (and run, list) estimates each run's CPU time (tasks x about\n"
"300 ns, more with downstreams and fanout) and refuses a run past an hour\n"
"unless --force is given; a file may expand to at most 1,000,000 runs.\n"
"\n"
"Memory: check refuses a run that certainly needs more than half of this\n"
"machine's memory (burst(N), closed(N)); each of -j N runs may take 1/N of\n"
"that, else it fails alone (\"out of memory at N pending tasks\"). The\n"
"environment variable POOLSIM_MEM (e.g. 4GB) sets another limit.\n"
"\n"
"Exit status: 0 ok, 1 a run or the database failed, 2 bad command line or\n"
"bad experiments.ini, 130 interrupted (finished runs are kept).\n";

int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "poolsim: error: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'poolsim --help'.\n");
	return PS_EXIT_USAGE;
}

/* Which options each verb takes, by their short or long name. */
static int allowed(const char *verb, const char *opt)
{
	static const struct { const char *verb, *opts; } t[] = {
		{ "run", " file -c -r -o -j --set --resume -v --force " },
		{ "list", " file -c --set --force " },
		{ "check", " file --set --force " },
		{ "show", " -o -c --format --metric --scope --series " },
		{ "plot", " -o -c --dir --format " },
		{ "report", " -o -c --dir --format --all " },
		{ "answer", " -o -c " },
		{ "export", " -o -c --format --start " },
	};
	char key[32];
	snprintf(key, sizeof key, " %s ", opt);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcmp(t[i].verb, verb))
			return strstr(t[i].opts, key) != NULL;
	return 0;
}

/* Long-only options get codes past any char. */
enum { OPT_SET = 256, OPT_RESUME, OPT_DIR, OPT_FORMAT, OPT_METRIC,
       OPT_SCOPE, OPT_START, OPT_ALL, OPT_SERIES, OPT_FORCE };

/* Every option of every verb, so that getopt_long clusters and splits them
 * as users of other GNU tools expect (-j2, -j 2, --jobs=2, --jobs 2,
 * -cNAME, --config=NAME); allowed() then says whether the verb takes it.
 * name is what messages and allowed() call the option. */
static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "runs", required_argument, NULL, 'r' },
	{ "output", required_argument, NULL, 'o' },
	{ "db", required_argument, NULL, 'o' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "set", required_argument, NULL, OPT_SET },
	{ "resume", no_argument, NULL, OPT_RESUME },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "dir", required_argument, NULL, OPT_DIR },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "metric", required_argument, NULL, OPT_METRIC },
	{ "scope", required_argument, NULL, OPT_SCOPE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "start", required_argument, NULL, OPT_START },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "series", no_argument, NULL, OPT_SERIES },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const char *opt_name(int code)
{
	switch (code) {
	case 'c': return "-c";
	case 'r': return "-r";
	case 'o': return "-o";
	case 'j': return "-j";
	case 'v': return "-v";
	case OPT_SET: return "--set";
	case OPT_RESUME: return "--resume";
	case OPT_FORCE: return "--force";
	case OPT_DIR: return "--dir";
	case OPT_FORMAT: return "--format";
	case OPT_METRIC: return "--metric";
	case OPT_SCOPE: return "--scope";
	case OPT_START: return "--start";
	case OPT_ALL: return "--all";
	case OPT_SERIES: return "--series";
	}
	return "?";
}

/* --set KEY=VALUE: blanks around the key and before the value are cut. */
static int add_set(cli *c, const char *val)
{
	const char *e = strchr(val, '=');
	if (!e || e == val)
		return usage_error("--set needs KEY=VALUE, got '%s'", val);
	char key[128];
	size_t kn = (size_t)(e - val);
	while (kn && (val[kn - 1] == ' ' || val[kn - 1] == '\t'))
		kn--;
	if (kn == 0 || kn >= sizeof key)
		return usage_error("--set needs KEY=VALUE, got '%s'", val);
	memcpy(key, val, kn);
	key[kn] = '\0';
	const char *v = e + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	return exp_kvs_set(&c->sets, key, v, 0) ? PS_EXIT_FAIL : PS_EXIT_OK;
}

/* argv[1] is the verb; getopt_long reads argv[2..] as argv[0] were the
 * verb, permuting so that FILE may come before or after the options. */
static int parse_args(int argc, char **argv, cli *c)
{
	c->verb = argv[1];
	int ac = argc - 1;
	char **av = argv + 1;
	opterr = 0;     /* our own messages, with the verb's context */
	optind = 1;
	int code, li;
	while ((code = getopt_long(ac, av, ":c:r:o:j:vh", long_opts, &li)) != -1) {
		const char *bad = av[optind - 1];
		if (code == 'h') {
			fputs(usage_text, stdout);
			exit(PS_EXIT_OK);
		}
		if (code == '?' || code == ':') {
			/* what the user typed: "-x", or "--name" without its
			 * "=value" */
			char o[64];
			if (bad[0] == '-' && bad[1] == '-')
				snprintf(o, sizeof o, "%.*s", (int)strcspn(bad, "="),
					 bad);
			else
				snprintf(o, sizeof o, "-%c", optopt);
			if (code == ':')
				return usage_error("option '%s' needs a value", o);
			if (strchr(bad, '=') && bad[1] == '-')
				for (int i = 0; long_opts[i].name; i++)
					if (!strcmp(long_opts[i].name, o + 2) &&
					    long_opts[i].has_arg == no_argument)
						return usage_error("option '%s' takes "
								   "no value", o);
			return usage_error("unknown option '%s'", o);
		}
		const char *opt = opt_name(code);
		if (!allowed(c->verb, opt)) {
			fprintf(stderr, "poolsim: error: option '%s' does not apply "
				"to '%s'\nTry 'poolsim --help'.\n", opt, c->verb);
			return PS_EXIT_USAGE;
		}
		const char *val = optarg;
		int rc = PS_EXIT_OK;
		switch (code) {
		case 'c':
			c->names[c->nnames++] = val;
			break;
		case 'o': {
			char err[1024];
			if (res_path_check(val, err, sizeof err))
				return usage_error("-o: %s", err);
			c->db = val;
			break;
		}
		case 'r':
			c->runs = val;
			break;
		case OPT_DIR:
			c->dir = val;
			break;
		case OPT_FORMAT:
			c->format = val;
			break;
		case OPT_METRIC:
			c->metrics[c->nmetrics++] = val;
			break;
		case OPT_SCOPE:
			c->scope = val;
			break;
		case OPT_START:
			c->start = val;
			break;
		case OPT_ALL:
			c->all = 1;
			break;
		case OPT_SERIES:
			c->series = 1;
			break;
		case OPT_RESUME:
			c->resume = 1;
			break;
		case OPT_FORCE:
			c->force = 1;
			break;
		case 'v':
			c->verbose = 1;
			break;
		case 'j': {
			char *end;
			long n = strtol(val, &end, 10);
			if (*end || end == val || n < 1 || n > EXP_MAX_THREADS)
				return usage_error("-j takes 1 to "
						   EXP_MAX_THREADS_STR " threads "
						   "(one per core is fastest), "
						   "got '%s'", val);
			c->threads = (int)n;
			break;
		}
		case OPT_SET:
			rc = add_set(c, val);
			break;
		}
		if (rc)
			return rc;
	}
	for (int i = optind; i < ac; i++) {
		if (!allowed(c->verb, "file"))
			return usage_error("'%s' takes no file argument", c->verb);
		if (c->file)
			return usage_error("more than one file: '%s'", av[i]);
		c->file = av[i];
	}
	return PS_EXIT_OK;
}

/* Loads, resolves and validates: prints every error; exit status or 0. */
static int load_plan(const cli *c, exp_ini **ini, exp_plan **plan)
{
	exp_diags d;
	exp_diags_init(&d);
	*plan = NULL;
	int rc = exp_ini_load(c->file, ini, &d);
	/* A file with errors is still planned: validation reports the rest. */
	if (*ini && rc != PS_ENOMEM) {
		int prc = exp_plan_build(*ini, c->names, c->nnames, &c->sets,
					 c->force, plan, &d);
		if (prc && !rc)
			rc = prc;
	}
	if (rc == PS_ENOMEM && !d.n)
		fprintf(stderr, "poolsim: error: out of memory\n");
	exp_diags_print(&d, stderr);
	exp_diags_fini(&d);
	if (rc) {
		exp_plan_free(*plan);
		*plan = NULL;
		return rc == PS_ENOMEM ? PS_EXIT_FAIL : PS_EXIT_USAGE;
	}
	return 0;
}

/* mkdir -p of the directory part of path (results/ for the default DB). */
static int make_parent(const char *path)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0777) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(dir, 0777) && errno != EEXIST)
		return -1;
	return 0;
}

static int cmd_check(const cli *c)
{
	exp_ini *ini = NULL;
	exp_plan *plan = NULL;
	int rc = load_plan(c, &ini, &plan);
	if (!rc) {
		long pts = 0;
		for (int i = 0; i < plan->n; i++)
			pts += plan->e[i].npts;
		printf("poolsim: %s: ok: %d experiments, %ld points, %ld runs",
		       c->file, plan->n, pts, plan->total_runs);
		if (plan->files_read)
			printf("; %ld data file%s read once", plan->files_read,
			       plan->files_read == 1 ? "" : "s");
		printf("\n");
	}
	exp_plan_free(plan);
	exp_ini_free(ini);
	return rc;
}

static int cmd_list(const cli *c)
{
	exp_ini *ini = NULL;
	exp_plan *plan = NULL;
	int rc = load_plan(c, &ini, &plan);
	if (!rc) {
		printf("run\texperiment\titervars\treplication\n");
		for (int i = 0; i < plan->n; i++) {
			const exp_experiment *e = &plan->e[i];
			for (int p = 0; p < e->npts; p++)
				for (int r = 0; r < e->meta.repeat; r++)
					printf("%ld\t%s\t%s\t%d\n", e->first_run +
					       (long)p * e->meta.repeat + r, e->name,
					       e->pts[p].itervars, r);
		}
		printf("total: %ld runs\n", plan->total_runs);
	}
	exp_plan_free(plan);
	exp_ini_free(ini);
	return rc;
}

/* Every run allocates its histograms afresh: three of ~440 KB each
 * (sim/stats.c), calloc'ed, filled sparsely, freed when the run ends.
 * glibc's defaults hand such blocks back to the kernel on free (mmap, or
 * trimming the thread's arena), so the next run page-faults all of them
 * in again: ~230 faults per run, 83% of the process's faults. On a VM
 * the faults are dear and do not scale across cores: two -j 1 processes
 * side by side took 1.4x the time of one, and -j 2 stayed near 1.5x.
 * Keeping freed blocks below 8 MB inside the arenas (mmap threshold) and
 * not trimming them (trim threshold) lets each worker reuse its memory
 * run after run. Costs: each thread keeps the peak of one run's small
 * allocations until exit. Larger blocks (exact quantiles) still go back. */
static void tune_allocator(void)
{
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 8 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}

/* After a sweep that stopped early: what is in the database, and how to
 * go on. */
static void say_kept(const char *what, const exp_run_stats *st,
		     const char *db, const char *when)
{
	fprintf(stderr, "poolsim: %s%ld runs kept in %s (%ld written now); "
		"%s'poolsim run --resume' with the same arguments continues\n",
		what, st->kept, db, st->written, when);
}

static int cmd_run(const cli *c)
{
	exp_ini *ini = NULL;
	exp_plan *plan = NULL;
	unsigned char *sel = NULL;
	char err[1024];
	int rc = load_plan(c, &ini, &plan);
	if (rc)
		goto out;
	if (exp_promrule_ready(plan, err, sizeof err)) {
		fprintf(stderr, "poolsim: error: %s\n", err);
		rc = PS_EXIT_USAGE;
		goto out;
	}
	if (c->runs) {
		sel = malloc((size_t)plan->total_runs + 1);
		if (!sel || exp_runs_select(c->runs, plan->total_runs, sel, err,
					    sizeof err)) {
			rc = usage_error("%s", sel ? err : "out of memory");
			goto out;
		}
	}
	if (make_parent(c->db)) {
		fprintf(stderr, "poolsim: error: cannot create the directory of "
			"%s: %s\n", c->db, strerror(errno));
		rc = PS_EXIT_FAIL;
		goto out;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	tune_allocator();
	exp_run_opts o = { c->db, c->threads, c->resume, sel, isatty(2),
			   &interrupted, c->verbose, 0, NULL };
	exp_run_stats st;
	int goals = exp_plan_has_goal(plan);
	exp_answer *ans = NULL;
	if (goals && c->runs) {
		rc = usage_error("%s", "-r cannot select runs of an experiment "
				 "with a goal (optimize or slo): its search "
				 "chooses them");
		goto out;
	}
	if (goals && !(ans = calloc((size_t)plan->n + 1, sizeof *ans))) {
		fprintf(stderr, "poolsim: error: out of memory\n");
		rc = PS_EXIT_FAIL;
		goto out;
	}
	int rrc = goals ? exp_goal_run(plan, &o, &st, ans, err, sizeof err) :
		  exp_run(plan, &o, &st, err, sizeof err);
	for (int e = 0; goals && exp_mpi_rank() == 0 && e < plan->n; e++) {
		const exp_answer *a = &ans[e];
		if (!a->goal[0] || !a->text[0])
			continue;
		printf("%s: %s; %ld of %ld possible runs\n", plan->e[e].name,
		       a->text, a->runs_used, a->runs_grid);
		if (a->warning[0])
			fprintf(stderr, "poolsim: warning: %s: %s\n",
				plan->e[e].name, a->warning);
	}
	fflush(stdout);
	free(ans);
	if (exp_mpi_rank() > 0) {
		/* an MPI worker rank: rank 0 reports for everyone */
		if (rrc)
			fprintf(stderr, "poolsim: error: rank %d: %s\n",
				exp_mpi_rank(), err);
		rc = rrc ? PS_EXIT_FAIL : PS_EXIT_OK;
	} else if (rrc == PS_EINTR) {
		say_kept("interrupted: ", &st, c->db, "");
		rc = PS_EXIT_INTR;
	} else if (rrc) {
		fprintf(stderr, "poolsim: error: %s\n", err);
		if (st.kept > 0)
			say_kept("", &st, c->db, "once the cause is fixed, ");
		rc = PS_EXIT_FAIL;
	} else {
		fprintf(stderr, "poolsim: %ld runs written to %s", st.written,
			c->db);
		if (st.skipped)
			fprintf(stderr, " (%ld already there)", st.skipped);
		fputc('\n', stderr);
		if (st.failed) {
			fprintf(stderr, "poolsim: error: %ld runs failed (status "
				"'error' in the run table)\n", st.failed);
			rc = PS_EXIT_FAIL;
		}
	}
out:
	free(sel);
	exp_plan_free(plan);
	exp_ini_free(ini);
	return rc;
}

/* ---- show ------------------------------------------------------------------ */
/*
 * The newest run of each experiment (or of -c NAME), filtered by --metric
 * (repeatable) and --scope. The table prints as rows arrive; CSV first
 * gathers the rows, since its header names one column per iteration
 * variable of every experiment shown (a point lacking one leaves it
 * empty). O(rows shown).
 */

int open_ro(const cli *c, res_db **db)
{
	char err[1024];
	if (res_open(c->db, 1, db, err, sizeof err)) {
		fprintf(stderr, "poolsim: error: %s\n", err);
		return PS_EXIT_FAIL;
	}
	return 0;
}

int list_name(void *u, const res_experiment *e)
{
	int *n = u;
	fprintf(stderr, "%s%s", (*n)++ ? ", " : "", e->name);
	return 0;
}

/* ---- answer ---------------------------------------------------------------- */
/* The stored answers of the newest experiment of each name (or of -c
 * NAME): "NAME: answer; N of M possible runs", as `run` printed them. */

/* ---- help keys / help metrics ------------------------------------------------ */
/*
 * The key table (experiments/keys.c) and the metric registry
 * (models/metric.c) as text for a terminal, Markdown (docs/ embeds this
 * output verbatim; tests/cli/docs.sh diffs them) or TSV for scripts.
 */

/* poolsim help [keys|metrics|series|libraries] [--format text|md|tsv] */
static int cmd_help(int argc, char **argv)
{
	const char *what = NULL, *fmt = "text";
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--format") && i + 1 < argc)
			fmt = argv[++i];
		else if (!strncmp(argv[i], "--format=", 9))
			fmt = argv[i] + 9;
		else if (!what && argv[i][0] != '-')
			what = argv[i];
		else
			return usage_error("help takes keys, metrics, series or "
					   "libraries and "
					   "--format, not '%s'", argv[i]);
	}
	int f = !strcmp(fmt, "text") ? 0 : !strcmp(fmt, "md") ? 1
		: !strcmp(fmt, "tsv") ? 2 : -1;
	if (f < 0)
		return usage_error("--format for help is text, md or tsv, not "
				   "'%s'", fmt);
	if (!what)
		fputs(usage_text, stdout);
	else if (!strcmp(what, "keys"))
		help_keys(f);
	else if (!strcmp(what, "metrics"))
		help_metrics(f);
	else if (!strcmp(what, "series"))
		help_series(f);
	else if (!strcmp(what, "libraries"))
		help_libraries(f);
	else
		return usage_error("help knows keys, metrics, series and "
				   "libraries, not "
				   "'%s'", what);
	return PS_EXIT_OK;
}

/* ---- plot and report ---------------------------------------------------------- */

static void wrote(void *u, const char *path)
{
	(void)u;
	printf("%s\n", path);
}

static int cmd_draw(const cli *c, int report)
{
	const char *fmt = c->format ? c->format : "png";
	if (strcmp(fmt, "png") && strcmp(fmt, "svg"))
		return usage_error(report ? "--format for report is png or svg, "
				   "not '%s'" : "--format for plot is png or svg, "
				   "not '%s'", fmt);
	if (c->nnames > 1)
		return usage_error("%s takes one -c NAME", c->verb);
	if (c->all && c->nnames)   /* before the database is opened */
		return usage_error("%s: -c NAME or --all, not both", c->verb);
	res_db *db;
	int rc = open_ro(c, &db);
	if (rc)
		return rc;
	plot_opts o = { c->dir, fmt, NULL, wrote, NULL, report && c->all,
			c->db };
	char err[1024];
	const char *name = c->nnames ? c->names[0] : NULL;
	int found = 0;
	if (name && !res_experiments(db, name, count_exp, &found) && !found) {
		rc = no_such_experiment(db, name);
		res_close(db);
		return rc;
	}
	int prc = report ? plot_report(db, name, &o, err, sizeof err) :
			   plot_draw(db, name, &o, err, sizeof err);
	if (prc) {
		fprintf(stderr, "poolsim: error: %s\n", err);
		rc = PS_EXIT_FAIL;
	}
	res_close(db);
	return rc;
}

/* ---- export -------------------------------------------------------------------- */

int cmd_export(const cli *c)
{
	const char *fmt = c->format ? c->format : "openmetrics";
	res_export_opts o = { 0 };
	if (!strcmp(fmt, "openmetrics"))
		o.format = RES_EXPORT_OPENMETRICS;
	else if (!strcmp(fmt, "prometheus"))
		o.format = RES_EXPORT_PROMETHEUS;
	else if (!strcmp(fmt, "csv"))
		o.format = RES_EXPORT_CSV;
	else
		return usage_error("--format for export is openmetrics, "
				   "prometheus or csv, not '%s'", fmt);
	if (c->start) {
		if (res_instant_parse(c->start, &o.start))
			return usage_error("--start takes an instant such as "
					   "2026-01-01T00:00:00Z or Unix seconds, "
					   "not '%s'", c->start);
		o.have_start = 1;
	}
	if (c->nnames > 1)
		return usage_error("%s takes one -c NAME", c->verb);
	res_db *db;
	int rc = open_ro(c, &db);
	if (rc)
		return rc;
	const char *name = c->nnames ? c->names[0] : NULL;
	int found = 0;
	if (name && !res_experiments(db, name, count_exp, &found) && !found) {
		rc = no_such_experiment(db, name);
		res_close(db);
		return rc;
	}
	char err[1024];
	int erc = res_export(db, name, &o, stdout, err, sizeof err);
	if (erc) {
		fprintf(stderr, "poolsim: error: %s\n", err);
		rc = erc == PS_EINVAL ? PS_EXIT_USAGE : PS_EXIT_FAIL;
	}
	res_close(db);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stderr);
		return PS_EXIT_USAGE;
	}
	const char *v = argv[1];
	if (!strcmp(v, "help"))
		return cmd_help(argc, argv);
	if (!strcmp(v, "--help") || !strcmp(v, "-h")) {
		fputs(usage_text, stdout);
		return PS_EXIT_OK;
	}
	if (!strcmp(v, "--version")) {
		printf("poolsim " POOLSIM_VERSION "\n");
		return PS_EXIT_OK;
	}
	if (!allowed(v, "-c") && !allowed(v, "file"))
		return usage_error("unknown verb '%s' (run, list, check, show, "
				   "answer, plot, report, export)", v);
	const char *mem = getenv("POOLSIM_MEM");
	double mem_b;
	if (mem && *mem && (unit_size(mem, &mem_b, NULL, 0) || !(mem_b > 0)))
		return usage_error("POOLSIM_MEM must be a size such as 4GB or "
				   "512MB, got '%s'", mem);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cli c = { 0 };
	c.file = NULL;
	c.db = "results/poolsim.db";
	c.dir = "plots/out";
	c.threads = ncpu > 0 ? (int)ncpu : 1;
	c.names = calloc((size_t)argc, sizeof *c.names);
	c.metrics = calloc((size_t)argc, sizeof *c.metrics);
	exp_kvs_init(&c.sets);
	int rc = c.names && c.metrics ? parse_args(argc, argv, &c)
				      : PS_EXIT_FAIL;
	if (!c.file)
		c.file = "experiments.ini";
	if (rc == PS_EXIT_OK) {
		if (!strcmp(v, "run")) {
			/* MPI (make MPI=1): every rank runs this same command */
			rc = exp_mpi_init(&argc, &argv) ? PS_EXIT_FAIL : cmd_run(&c);
			exp_mpi_fini();
		}
		else if (!strcmp(v, "list"))
			rc = cmd_list(&c);
		else if (!strcmp(v, "check"))
			rc = cmd_check(&c);
		else if (!strcmp(v, "show"))
			rc = cmd_show(&c);
		else if (!strcmp(v, "answer"))
			rc = cmd_answer(&c);
		else if (!strcmp(v, "export"))
			rc = cmd_export(&c);
		else
			rc = cmd_draw(&c, !strcmp(v, "report"));
	}
	exp_kvs_fini(&c.sets);
	free(c.names);
	free(c.metrics);
	return rc;
}
