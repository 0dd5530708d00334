/*
 * promrule.c — alert.rule_file evaluated by `promtool test rules`
 * (promrule.h).
 *
 * Work per run: O(S x N) to write S series at N instants (N = run length /
 * interval, at most EXP_PROMRULE_MAX_EVALS) plus promtool's own time,
 * about 0.1 s for a short run; memory O(N) besides the output file.
 */
#include "promrule.h"
#include "../results/export.h"
#include "../sim/ps.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *promtool(void)
{
	const char *p = getenv("POOLSIM_PROMTOOL");
	return p && *p ? p : "promtool";
}

/* Runs argv (argv[0] looked up in PATH) with stdout and stderr into
 * outpath. 0 with *status its exit status (-1 when killed by a signal),
 * or the errno of a program that could not be started. */
static int run_prog(char *const argv[], const char *outpath, int *status)
{
	posix_spawn_file_actions_t fa;
	if (posix_spawn_file_actions_init(&fa))
		return ENOMEM;
	int rc = posix_spawn_file_actions_addopen(&fa, 1, outpath,
						  O_WRONLY | O_CREAT | O_TRUNC,
						  0600);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, 1, 2);
	if (!rc)
		rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
						      O_RDONLY, 0);
	pid_t pid;
	if (!rc)
		rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return rc;
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return errno;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return 0;
}

/* The first lines of a program's output, one line, for a message. */
static void first_lines(const char *path, char *out, size_t n)
{
	out[0] = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	size_t len = 0;
	char line[512];
	while (len + 1 < n && fgets(line, sizeof line, f)) {
		char *s = line + strspn(line, " \t");
		s[strcspn(s, "\r\n")] = 0;
		if (!*s || !strcmp(s, "FAILED:") || !strncmp(s, "Unit Testing", 12) ||
		    !strncmp(s, "Checking ", 9))
			continue;
		int w = snprintf(out + len, n - len, "%s%s", len ? "; " : "", s);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	fclose(f);
}

/* A private directory for one evaluation's files; 0 or errno. */
static int tmpdir(char *dir, size_t n)
{
	const char *t = getenv("TMPDIR");
	snprintf(dir, n, "%s/poolsim-rule-XXXXXX", t && *t ? t : "/tmp");
	return mkdtemp(dir) ? 0 : errno;
}

static void rmdir_files(const char *dir)
{
	static const char *const files[] = { "test.yml", "out.txt" };
	char p[PATH_MAX + 32];
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

int exp_promrule_ready(const exp_plan *plan, char *err, size_t errlen)
{
	const char *done = NULL;   /* files are few: check each new one */
	for (int e = 0; e < plan->n; e++) {
		const char *file = plan->e[e].meta.rule_file;
		if (!file[0] || (done && !strcmp(done, file)))
			continue;
		done = file;
		char dir[PATH_MAX], out[PATH_MAX + 16];
		if (tmpdir(dir, sizeof dir))
			return ps_err(err, errlen, PS_EINVAL, "alert.rule_file: "
				      "cannot make a temporary directory: %s",
				      strerror(errno));
		snprintf(out, sizeof out, "%s/out.txt", dir);
		char *argv[] = { (char *)promtool(), "check", "rules",
				 (char *)file, NULL };
		int status = 0, rc = run_prog(argv, out, &status);
		char msg[400];
		first_lines(out, msg, sizeof msg);
		rmdir_files(dir);
		if (rc == ENOENT)
			return ps_err(err, errlen, PS_EINVAL, "experiment '%s' "
				      "evaluates alert.rule_file with promtool, "
				      "which is not installed: install Debian's "
				      "prometheus package (sh scripts/deps.sh "
				      "prometheus, or apt-get install prometheus)"
				      ", or point POOLSIM_PROMTOOL at a promtool",
				      plan->e[e].name);
		if (rc)
			return ps_err(err, errlen, PS_EINVAL, "cannot run %s: %s",
				      promtool(), strerror(rc));
		if (status)
			return ps_err(err, errlen, PS_EINVAL, "alert.rule_file: "
				      "promtool check rules refuses %s: %s", file,
				      msg[0] ? msg : "(no message)");
	}
	return 0;
}

/* ---- one run ------------------------------------------------------------- */

/* YAML single-quoted: a quote is doubled. */
static void yq(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
}

/* Go's time.Duration.String() ("1m30s", "500ms", "1h0m0.5s", "0s") in
 * seconds; -1 when it is not one. */
static double go_duration(const char *s, const char **end)
{
	double t = 0;
	int any = 0;
	while ((*s >= '0' && *s <= '9') || *s == '.') {
		char *e;
		double v = strtod(s, &e);
		if (e == s)
			break;
		s = e;
		double u;
		if (!strncmp(s, "ms", 2))
			u = 1e-3, s += 2;
		else if (!strncmp(s, "us", 2))
			u = 1e-6, s += 2;
		else if (!strncmp(s, "\xc2\xb5s", 3))
			u = 1e-6, s += 3;
		else if (!strncmp(s, "ns", 2))
			u = 1e-9, s += 2;
		else if (*s == 'h')
			u = 3600, s++;
		else if (*s == 'm')
			u = 60, s++;
		else if (*s == 's')
			u = 1, s++;
		else
			return -1;
		t += v * u;
		any = 1;
	}
	*end = s;
	return any ? t : -1;
}

/* The test file: every series at N instants, one query per instant. */
static int write_test(FILE *f, const exp_experiment *x, int p, int rep,
		      const model_result *res, const char *rules, long n,
		      double iv)
{
	long long ms = llround(iv * 1000);
	fputs("# poolsim: the series of one run, for promtool test rules\n"
	      "rule_files:\n  - '", f);
	yq(f, rules);
	fprintf(f, "'\nevaluation_interval: %lldms\ntests:\n"
		"  - interval: %lldms\n    input_series:\n", ms, ms);
	const model_point *s = res->series;
	for (size_t i = 0; i < res->n_series;) {
		size_t j = i;
		while (j < res->n_series && !strcmp(s[j].scope, s[i].scope) &&
		       !strcmp(s[j].name, s[i].name))
			j++;
		char name[160];
		res_export_name(name, sizeof name, s[i].name);
		char *lab = NULL;
		size_t lablen = 0;
		FILE *lf = open_memstream(&lab, &lablen);
		if (!lf)
			return PS_ENOMEM;
		int rc = res_export_labels(lf, x->name, p, x->pts[p].itervars,
					   rep, s[i].scope);
		if (fclose(lf) || rc) {
			free(lab);
			return PS_ENOMEM;
		}
		fprintf(f, "      - series: '%s", name);
		yq(f, lab);
		free(lab);
		fputs("'\n        values: '", f);
		/* the last sample at or before each instant, as a scrape */
		size_t k = i;
		for (long e = 0; e < n; e++) {
			double at = (double)e * iv + 1e-6 * iv;
			while (k + 1 < j && s[k + 1].t <= at)
				k++;
			if (e)
				fputc(' ', f);
			if (s[k].t > at || isnan(s[k].value))
				fputc('_', f);
			else
				fprintf(f, "%.17g", s[k].value);
		}
		fputs("'\n", f);
		i = j;
	}
	fputs("    promql_expr_test:\n", f);
	for (long e = 0; e < n; e++)
		fprintf(f, "      - expr: 'ALERTS{alertname=\"%s\"}'\n"
			"        eval_time: %lldms\n        exp_samples: []\n",
			x->meta.rule_alert, (long long)e * ms);
	return ferror(f) ? PS_EIO : 0;
}

/* Reads promtool's failures: each names an instant ("time: 1m30s,") and
 * what it got; state[e] = 2 if any instance fired, else 1 if pending.
 * Returns how many failures named an instant. */
static long read_states(FILE *f, unsigned char *state, long n, double iv)
{
	char *line = NULL;
	size_t cap = 0;
	long e = -1, found = 0;
	while (getline(&line, &cap, f) > 0) {
		const char *t = strstr(line, ", time: ");
		if (t && strstr(line, "expr: ")) {
			const char *end;
			double at = go_duration(t + 8, &end);
			e = at >= 0 ? lround(at / iv) : -1;
			if (e >= n)
				e = -1;
			found += e >= 0;
			continue;
		}
		const char *g = strstr(line, "got: ");
		if (!g || e < 0)
			continue;
		if (strstr(g, "alertstate=\"firing\""))
			state[e] = 2;
		else if (strstr(g, "alertstate=\"pending\"") && state[e] < 1)
			state[e] = 1;
		e = -1;
	}
	free(line);
	return found;
}

static int fail(model_result *res, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(model_result *res, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->error, sizeof res->error, fmt, ap);
	va_end(ap);
	return code;
}

int exp_promrule_eval(const exp_experiment *x, int p, int rep,
		      model_result *res)
{
	const exp_meta *m = &x->meta;
	if (!m->rule_file[0])
		return 0;
	double iv = m->rule_interval, end = 0;
	for (size_t i = 0; i < res->n_series; i++)
		end = fmax(end, res->series[i].t);
	if (end / iv >= EXP_PROMRULE_MAX_EVALS) {
		return fail(res, PS_EIO, "alert.interval: %.0f evaluations, "
			    "more than %d: raise alert.interval", end / iv,
			    EXP_PROMRULE_MAX_EVALS);
	}
	long n = (long)floor(end / iv + 1e-9) + 1;
	char rules[PATH_MAX];
	if (!realpath(m->rule_file, rules))
		return fail(res, PS_EIO, "alert.rule_file %.100s: %s",
			    m->rule_file, strerror(errno));
	char dir[PATH_MAX], test[PATH_MAX + 16], out[PATH_MAX + 16];
	if (tmpdir(dir, sizeof dir))
		return fail(res, PS_EIO, "alert.rule_file: no temporary "
			    "directory: %s", strerror(errno));
	snprintf(test, sizeof test, "%s/test.yml", dir);
	snprintf(out, sizeof out, "%s/out.txt", dir);
	unsigned char *state = calloc((size_t)n, 1);
	int rc = state ? 0 : PS_ENOMEM;
	FILE *f = rc ? NULL : fopen(test, "w");
	if (!rc && !f)
		rc = fail(res, PS_EIO, "alert.rule_file: cannot write %.80s: "
			  "%s", test, strerror(errno));
	if (f) {
		rc = write_test(f, x, p, rep, res, rules, n, iv);
		if (fclose(f) && !rc)
			rc = PS_EIO;
		if (rc)
			fail(res, rc, "alert.rule_file: cannot write the "
			     "promtool test");
	}
	int status = 0;
	if (!rc) {
		char *argv[] = { (char *)promtool(), "test", "rules", test, NULL };
		int src = run_prog(argv, out, &status);
		if (src)
			rc = fail(res, PS_EIO, "alert.rule_file: cannot run "
				  "%.60s: %s", promtool(), strerror(src));
	}
	if (!rc && status) {
		FILE *o = fopen(out, "r");
		long found = o ? read_states(o, state, n, iv) : 0;
		if (o)
			fclose(o);
		if (!found) {
			char msg[200];
			first_lines(out, msg, sizeof msg);
			rc = fail(res, PS_EIO, "promtool test rules: %s", msg);
		}
	}
	rmdir_files(dir);
	if (rc) {
		free(state);
		return rc;
	}
	char scope[80];
	snprintf(scope, sizeof scope, "alert/%s", m->rule_alert);
	double pend = NAN, fire = NAN, fired = 0;
	for (long e = 0; e < n; e++) {
		if (state[e] >= 1 && isnan(pend))
			pend = (double)e * iv;
		if (state[e] == 2 && isnan(fire))
			fire = (double)e * iv;
		fired += state[e] == 2 ? iv : 0;
	}
	model_result_scalar(res, scope, "first_pending_s", pend);
	model_result_scalar(res, scope, "first_fire_s", fire);
	model_result_scalar(res, scope, "fired_s", fired);
	/* the state series: an even thinning to ~200 instants, and every
	 * change (the instant before it and its own) */
	long step = (n + 199) / 200;
	for (long e = 0; e < n; e++)
		if (e % step == 0 || e == n - 1 ||
		    (e > 0 && state[e] != state[e - 1]) ||
		    (e + 1 < n && state[e + 1] != state[e]))
			model_result_point(res, scope, "state", (double)e * iv,
					   state[e]);
	free(state);
	return 0;
}
