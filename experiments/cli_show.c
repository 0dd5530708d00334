/*
 * cli_show.c — poolsim show and answer: the stored summaries as a table
 * or CSV, overloaded points marked, and the goals' answers.
 */
#include "cli_int.h"

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

int count_exp(void *u, const res_experiment *e)
{
	(void)e;
	++*(int *)u;
	return 0;
}

/* -c NAME that the database does not hold: exit 2, naming what it holds. */
int no_such_experiment(res_db *db, const char *name)
{
	fprintf(stderr, "poolsim: error: no experiment '%s' in the database; "
		"it has: ", name);
	int n = 0;
	res_experiments(db, NULL, list_name, &n);
	fprintf(stderr, "%s\n", n ? "" : "none");
	return PS_EXIT_USAGE;
}

int cmd_show(const cli *c)
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

int cmd_answer(const cli *c)
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

