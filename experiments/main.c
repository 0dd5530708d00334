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

static int usage_error(const char *fmt, const char *arg)
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

/* RFC 4180: a text field is quoted, with its quotes doubled. */
static void csv_field(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

/* --scope tenant/a matches that scope; --scope tenant every tenant/. */
static int scope_match(const char *want, const char *scope)
{
	if (!want)
		return 1;
	size_t n = strlen(want);
	return !strncmp(scope, want, n) &&
	       (!scope[n] || (scope[n] == '/' && !strchr(want, '/')));
}

static int show_wanted(const show_ctx *c, const res_summary *s)
{
	if (!scope_match(c->c->scope, s->scope))
		return 0;
	if (!c->c->nmetrics)
		return 1;
	for (int i = 0; i < c->c->nmetrics; i++)
		if (!strcmp(c->c->metrics[i], s->name))
			return 1;
	return 0;
}

static int is_unstable(const show_ctx *c, int point)
{
	for (int i = 0; i < c->n_unstable; i++)
		if (c->unstable[i] == point)
			return 1;
	return 0;
}

/* A point flagged `unstable` in some replication: noted (and, in the
 * table, said once under the experiment's header). */
static int show_flag(void *u, const res_summary *s)
{
	show_ctx *c = u;
	if (!(s->max > 0))
		return 0;
	if (c->n_unstable == c->cap_unstable) {
		int nc = c->cap_unstable ? 2 * c->cap_unstable : 16;
		int *a = realloc(c->unstable, (size_t)nc * sizeof *a);
		if (!a) {
			c->nomem = 1;
			return 1;
		}
		c->unstable = a;
		c->cap_unstable = nc;
	}
	c->unstable[c->n_unstable++] = s->point;
	if (!c->csv)
		printf("   %d! %s: overloaded in %.0f of %d replications (the "
		       "backlog grew through the window): its latencies grow "
		       "with the run's length\n", s->point,
		       s->itervars && *s->itervars ? s->itervars : "the point",
		       s->mean * s->n, s->n);
	return 0;
}

static char *dupstr(show_ctx *c, const char *s)
{
	char *d = strdup(s ? s : "");
	c->nomem |= !d;
	return d;
}

static void note_vars(show_ctx *c, const char *itervars)
{
	char **keys, **vals;
	int nk;
	plot_itervars_split(itervars ? itervars : "", &keys, &vals, &nk);
	for (int i = 0; i < nk; i++) {
		int known = 0;
		for (int j = 0; j < c->n_vars && !known; j++)
			known = !strcmp(c->vars[j], keys[i]);
		if (!known) {
			char **v = realloc(c->vars, (size_t)(c->n_vars + 1) *
					   sizeof *v);
			if (v) {
				c->vars = v;
				c->vars[c->n_vars++] = keys[i];
				keys[i] = NULL;
			} else {
				c->nomem = 1;
			}
		}
		free(keys[i]);
		free(vals[i]);
	}
	free(keys);
	free(vals);
}

static int show_row(void *u, const res_summary *s)
{
	show_ctx *c = u;
	if (!show_wanted(c, s))
		return 0;
	if (!c->csv) {
		/* One replication has no interval: n=1, not "± 0"; all
		 * replications equal (a deterministic replay): identical. An
		 * unstable point's rows carry a '!' (show_flag says why). */
		char ci[32];
		if (s->n < 2 || isnan(s->ci95))
			snprintf(ci, sizeof ci, "  (n=%d, no CI)", s->n);
		else if (s->min == s->max)
			snprintf(ci, sizeof ci, "  (identical)");
		else
			snprintf(ci, sizeof ci, " ± %-12.4g", s->ci95);
		printf("%5d%c %-24s %-14s %-16s %4d %14.6g%-15s [%.6g, %.6g]\n",
		       s->point, is_unstable(c, s->point) ? '!' : ' ',
		       s->itervars ? s->itervars : "", s->scope, s->name, s->n,
		       s->mean, ci, s->min, s->max);
		return 0;
	}
	if (c->n_rows == c->cap_rows) {
		size_t cap = c->cap_rows ? 2 * c->cap_rows : 256;
		show_row_t *r = realloc(c->rows, cap * sizeof *r);
		if (!r) {
			c->nomem = 1;
			return 1;
		}
		c->rows = r;
		c->cap_rows = cap;
	}
	if (!c->n_rows || c->rows[c->n_rows - 1].point != s->point ||
	    c->rows[c->n_rows - 1].exp != c->n_exps - 1)
		note_vars(c, s->itervars);
	show_row_t *r = &c->rows[c->n_rows++];
	*r = (show_row_t){ c->n_exps - 1, s->point, dupstr(c, s->itervars),
			   dupstr(c, s->scope), dupstr(c, s->name), s->n,
			   s->mean, s->ci95, s->min, s->max };
	return c->nomem;
}

/* A goal's answer (docs/goals.md) as `run` printed it. */
static int show_answer(void *u, const res_answer *a)
{
	(void)u;
	printf("answer: %s; %ld of %ld possible runs\n", a->text, a->runs_used,
	       a->runs_grid);
	if (a->warning && *a->warning)
		printf("warning: %s\n", a->warning);
	return 0;
}

static int show_exp(void *u, const res_experiment *e)
{
	show_ctx *c = u;
	c->exp = e->name;
	c->seen++;
	if (c->csv) {
		char **x = realloc(c->exps, (size_t)(c->n_exps + 1) * sizeof *x);
		if (x)
			c->exps = x;
		char *name = x ? strdup(e->name) : NULL;
		if (!name) {
			c->nomem = 1;
			return 1;
		}
		c->exps[c->n_exps++] = name;
	} else {
		printf("== %s%s%s\n", e->name, e->description && *e->description ?
		       ": " : "", e->description ? e->description : "");
		res_answers(c->db, e->id, show_answer, NULL);
	}
	/* Missing or failed runs: said before the numbers (on stderr for
	 * CSV, whose stdout is data). */
	res_complete cm;
	char note[160];
	if (res_completeness(c->db, e->id, &cm) == 0 &&
	    res_partial_note(&cm, note, sizeof note)) {
		if (c->csv)
			fprintf(stderr, "poolsim: warning: %s: %s\n", e->name, note);
		else
			printf("   %s\n", note);
	}
	c->n_unstable = 0;
	int rc = res_summaries(c->db, e->id, "pool", "unstable", show_flag, c);
	if (rc < 0) {
		c->rc = rc;
		return 1;
	}
	if (!c->csv)
		printf("%5s  %-24s %-14s %-16s %4s %14s   %-12s %s\n", "point",
		       "itervars", "scope", "metric", "n", "mean", "ci95",
		       "[min, max]");
	rc = res_summaries(c->db, e->id, NULL, NULL, show_row, c);
	if (rc < 0)
		c->rc = rc;
	return rc < 0 || c->nomem;
}

/* A number as CSV: empty for none (NULL in the database, NAN). */
static void csv_num(double x)
{
	if (isfinite(x))
		printf(",%.17g", x);
	else
		fputs(",", stdout);
}

static void show_csv(const show_ctx *c)
{
	fputs("experiment,point", stdout);
	for (int v = 0; v < c->n_vars; v++)   /* names: [A-Za-z0-9_.] */
		printf(",%s", c->vars[v]);
	puts(",scope,name,n,mean,ci95,min,max");
	char **keys = NULL, **vals = NULL;
	int nk = 0;
	for (size_t i = 0; i < c->n_rows; i++) {
		const show_row_t *r = &c->rows[i];
		if (!i || strcmp(r->itervars, c->rows[i - 1].itervars)) {
			for (int k = 0; k < nk; k++)
				free(keys[k]), free(vals[k]);
			free(keys);
			free(vals);
			plot_itervars_split(r->itervars, &keys, &vals, &nk);
		}
		csv_field(c->exps[r->exp]);
		printf(",%d", r->point);
		for (int v = 0; v < c->n_vars; v++) {
			putchar(',');
			for (int k = 0; k < nk; k++)
				if (!strcmp(keys[k], c->vars[v])) {
					csv_field(vals[k]);
					break;
				}
		}
		putchar(',');
		csv_field(r->scope);
		putchar(',');
		csv_field(r->name);
		printf(",%d", r->n);
		csv_num(r->mean);
		csv_num(r->n >= 2 ? r->ci95 : NAN);   /* n=1: no interval */
		csv_num(r->min);
		csv_num(r->max);
		putchar('\n');
	}
	for (int k = 0; k < nk; k++)
		free(keys[k]), free(vals[k]);
	free(keys);
	free(vals);
}

static void show_free(show_ctx *c)
{
	for (size_t i = 0; i < c->n_rows; i++) {
		free(c->rows[i].itervars);
		free(c->rows[i].scope);
		free(c->rows[i].name);
	}
	free(c->rows);
	for (int i = 0; i < c->n_exps; i++)
		free(c->exps[i]);
	free(c->exps);
	for (int i = 0; i < c->n_vars; i++)
		free(c->vars[i]);
	free(c->vars);
	free(c->unstable);
}

static int open_ro(const cli *c, res_db **db)
{
	char err[1024];
	if (res_open(c->db, 1, db, err, sizeof err)) {
		fprintf(stderr, "poolsim: error: %s\n", err);
		return PS_EXIT_FAIL;
	}
	return 0;
}

static int list_name(void *u, const res_experiment *e)
{
	int *n = u;
	fprintf(stderr, "%s%s", (*n)++ ? ", " : "", e->name);
	return 0;
}

static int count_exp(void *u, const res_experiment *e)
{
	(void)e;
	++*(int *)u;
	return 0;
}

/* -c NAME that the database does not hold: exit 2, naming what it holds. */
static int no_such_experiment(res_db *db, const char *name)
{
	fprintf(stderr, "poolsim: error: no experiment '%s' in the database; "
		"it has: ", name);
	int n = 0;
	res_experiments(db, NULL, list_name, &n);
	fprintf(stderr, "%s\n", n ? "" : "none");
	return PS_EXIT_USAGE;
}

static int cmd_export(const cli *c);

static int cmd_show(const cli *c)
{
	if (c->series) {
		/* the stored series, for people who plot elsewhere: the CSV of
		 * `poolsim export --format csv` */
		if (c->format && strcmp(c->format, "csv"))
			return usage_error("show --series writes csv, not '%s'",
					   c->format);
		if (c->nmetrics || c->scope)
			return usage_error("show --series takes no --metric or "
					   "--scope%s", "");
		cli e = *c;
		e.format = "csv";
		return cmd_export(&e);
	}
	const char *fmt = c->format ? c->format : "table";
	if (strcmp(fmt, "table") && strcmp(fmt, "csv"))
		return usage_error("--format for show is table or csv, not '%s'",
				   fmt);
	if (c->nnames > 1)
		return usage_error("show takes one -c NAME%s", "");
	for (int i = 0; i < c->nmetrics; i++)
		if (!model_metric_find(c->metrics[i]))
			return usage_error("--metric: unknown metric '%s' "
					   "('poolsim help metrics' lists them)",
					   c->metrics[i]);
	if (c->scope && !model_scope_family(c->scope) &&
	    !model_scope_family_named(c->scope))
		return usage_error("--scope: unknown scope '%s' (pool, request, "
				   "tenant/NAME, tier/NAME, service/NAME, "
				   "downstream/NAME, stage/NAME, phase/N, "
				   "alert/NAME, or a family such as tenant)",
				   c->scope);
	res_db *db;
	int rc = open_ro(c, &db);
	if (rc)
		return rc;
	show_ctx sc = { .db = db, .c = c, .csv = !strcmp(fmt, "csv"), .exp = "" };
	int n = res_experiments(db, c->nnames ? c->names[0] : NULL, show_exp, &sc);
	if (sc.nomem) {
		fprintf(stderr, "poolsim: error: out of memory\n");
		rc = PS_EXIT_FAIL;
	} else if (n < 0 || sc.rc < 0) {
		fprintf(stderr, "poolsim: error: %s\n", res_errmsg(db));
		rc = PS_EXIT_FAIL;
	} else if (sc.seen == 0 && c->nnames) {
		rc = no_such_experiment(db, c->names[0]);
	} else if (sc.csv) {
		show_csv(&sc);
	}
	show_free(&sc);
	res_close(db);
	return rc;
}

/* ---- answer ---------------------------------------------------------------- */
/* The stored answers of the newest experiment of each name (or of -c
 * NAME): "NAME: answer; N of M possible runs", as `run` printed them. */

typedef struct answer_ctx {
	res_db *db;
	int seen, answers, rc;
} answer_ctx;

static int answer_line(void *u, const res_answer *a)
{
	answer_ctx *c = u;
	c->answers++;
	printf("%s: %s; %ld of %ld possible runs\n", a->experiment, a->text,
	       a->runs_used, a->runs_grid);
	if (a->warning && *a->warning)
		printf("%s: warning: %s\n", a->experiment, a->warning);
	return 0;
}

static int answer_exp(void *u, const res_experiment *e)
{
	answer_ctx *c = u;
	c->seen++;
	if (res_answers(c->db, e->id, answer_line, c) < 0) {
		c->rc = -1;
		return 1;
	}
	return 0;
}

static int cmd_answer(const cli *c)
{
	if (c->nnames > 1)
		return usage_error("answer takes one -c NAME%s", "");
	res_db *db;
	int rc = open_ro(c, &db);
	if (rc)
		return rc;
	answer_ctx ac = { .db = db };
	int n = res_experiments(db, c->nnames ? c->names[0] : NULL, answer_exp,
				&ac);
	if (n < 0 || ac.rc < 0) {
		fprintf(stderr, "poolsim: error: %s\n", res_errmsg(db));
		rc = PS_EXIT_FAIL;
	} else if (ac.seen == 0 && c->nnames) {
		rc = no_such_experiment(db, c->names[0]);
	} else if (ac.answers == 0) {
		fprintf(stderr, "poolsim: error: no answer stored%s%s: an "
			"experiment needs a goal (optimize or slo, "
			"docs/goals.md)\n", c->nnames ? " for " : "",
			c->nnames ? c->names[0] : "");
		rc = PS_EXIT_FAIL;
	}
	res_close(db);
	return rc;
}

/* ---- help keys / help metrics ------------------------------------------------ */
/*
 * The key table (experiments/keys.c) and the metric registry
 * (models/metric.c) as text for a terminal, Markdown (docs/ embeds this
 * output verbatim; tests/cli/docs.sh diffs them) or TSV for scripts.
 */

/* A Markdown table cell: '|' would end the cell. */
static void md_cell(const char *s, int code)
{
	fputs(code ? " `" : " ", stdout);
	for (; *s; s++) {
		if (*s == '|')
			putchar('\\');
		putchar(*s);
	}
	fputs(code ? "` |" : " |", stdout);
}

static void pools_of(unsigned mask, char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = 0;
	for (int p = 0; p < POOL__COUNT && len < n; p++)
		if (mask & 1u << p) {
			int w = snprintf(buf + len, n - len, "%s%s", len ? ", " : "",
					 pool_kind_name((pool_kind)p));
			if (w < 0)
				break;
			len += (size_t)w;
		}
}

static void help_keys(int fmt)
{
	size_t n;
	const exp_key *k = exp_keys(&n);
	if (fmt == 1)
		puts("| key | unit | default | scope | meaning | example |\n"
		     "|---|---|---|---|---|---|");
	else if (fmt == 2)
		puts("key\tunit\tdefault\tscope\tpools\tmeaning\texample");
	for (size_t i = 0; i < n; i++) {
		char pools[160], meaning[1024];
		unsigned who_has = exp_key_pools(&k[i]);
		pools_of(who_has, pools, sizeof pools);
		if (who_has)
			snprintf(meaning, sizeof meaning, "%s Pools: %s.",
				 k[i].meaning, pools);
		else
			snprintf(meaning, sizeof meaning, "%s", k[i].meaning);
		if (fmt == 1) {
			putchar('|');
			md_cell(k[i].name, 1);
			md_cell(k[i].unit, 0);
			md_cell(k[i].def, 0);
			md_cell(k[i].scope, 0);
			md_cell(meaning, 0);
			md_cell(k[i].example, 1);
			putchar('\n');
		} else if (fmt == 2) {
			printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k[i].name,
			       k[i].unit, k[i].def, k[i].scope,
			       who_has ? pools : "all", k[i].meaning,
			       k[i].example);
		} else {
			printf("%s = %s\n    %s\n    unit: %s; default: %s; "
			       "scope: %s\n", k[i].name, k[i].example, meaning,
			       k[i].unit, k[i].def, k[i].scope);
		}
	}
}

static void help_metrics(int fmt)
{
	size_t n;
	const model_metric *m = model_metrics(&n);
	static const char *const goal[] = { "lower", "—", "higher" };
	if (fmt == 1)
		puts("| metric | unit | better | scopes | definition |\n"
		     "|---|---|---|---|---|");
	else if (fmt == 2)
		puts("metric\tunit\tbetter\tscopes\tdefinition");
	for (size_t i = 0; i < n; i++) {
		char scopes[256];
		model_scope_list(m[i].scopes, scopes, sizeof scopes);
		const char *g = goal[m[i].goal + 1];
		if (fmt == 1) {
			putchar('|');
			md_cell(m[i].name, 1);
			md_cell(m[i].unit, 0);
			md_cell(g, 0);
			md_cell(scopes, 0);
			md_cell(m[i].definition, 0);
			putchar('\n');
		} else if (fmt == 2) {
			printf("%s\t%s\t%s\t%s\t%s\n", m[i].name, m[i].unit, g,
			       scopes, m[i].definition);
		} else {
			printf("%s (%s; %s; at %s)\n    %s\n", m[i].name,
			       m[i].unit, m[i].goal ? (m[i].goal > 0
				       ? "higher is better" : "lower is better")
			       : "no better direction", scopes,
			       m[i].definition);
		}
	}
}

/* The stored time series (model_series): name, unit, scopes, meaning. */
static void help_series(int fmt)
{
	size_t n;
	const model_metric *m = model_series(&n);
	if (fmt == 1)
		puts("| series | unit | scopes | definition |\n"
		     "|---|---|---|---|");
	else if (fmt == 2)
		puts("series\tunit\tscopes\tdefinition");
	for (size_t i = 0; i < n; i++) {
		char scopes[256];
		model_scope_list(m[i].scopes, scopes, sizeof scopes);
		if (fmt == 1) {
			putchar('|');
			md_cell(m[i].name, 1);
			md_cell(m[i].unit, 0);
			md_cell(scopes, 0);
			md_cell(m[i].definition, 0);
			putchar('\n');
		} else if (fmt == 2) {
			printf("%s\t%s\t%s\t%s\n", m[i].name, m[i].unit,
			       scopes, m[i].definition);
		} else {
			printf("%s (%s; at %s)\n    %s\n", m[i].name, m[i].unit,
			       scopes, m[i].definition);
		}
	}
}

/* The library table (models/libs.c): name, what it is, its options and
 * its measured cost per task. */
static void help_libraries(int fmt)
{
	if (fmt == 1)
		puts("| pool | what it is | options | cost at K = 2 | "
		     "cost at K = 1000 |\n|---|---|---|---|---|");
	else if (fmt == 2)
		puts("pool\tsummary\toptions\tcost_k2_ns\tcost_k1000_ns");
	for (int k = 0; k < POOL__COUNT; k++) {
		const model_lib *l = model_lib_of((pool_kind)k);
		char k2[32] = "not measured", k1000[32] = "not measured";
		if (!isnan(l->cost_k2_ns)) {
			snprintf(k2, sizeof k2, "%.0f ns", l->cost_k2_ns);
			snprintf(k1000, sizeof k1000, "%.0f ns", l->cost_k1000_ns);
		}
		const char *opts = *l->options ? l->options : "—";
		if (fmt == 1) {
			putchar('|');
			md_cell(l->name, 1);
			md_cell(l->summary, 0);
			md_cell(opts, 0);
			md_cell(k2, 0);
			md_cell(k1000, 0);
			putchar('\n');
		} else if (fmt == 2) {
			printf("%s\t%s\t%s\t%g\t%g\n", l->name, l->summary,
			       *l->options ? l->options : "", l->cost_k2_ns,
			       l->cost_k1000_ns);
		} else {
			printf("%s: %s\n    options: %s; cost per task: %s at "
			       "K = 2, %s at K = 1000\n", l->name, l->summary,
			       *l->options ? l->options : "none", k2, k1000);
		}
	}
}

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

static int cmd_export(const cli *c)
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
