/*
 * scenario_rule.c — the keys of a user's own Prometheus alerting rule
 * (alert.rule_file, alert.name, alert.interval), checked before anything
 * runs: the file is there, it names the alert, the interval is a whole
 * number of milliseconds. promtool itself is only needed to run
 * (promrule.h); `poolsim check` does not need it.
 */
#include "scenario_int.h"

#include <errno.h>

int apply_rule(ctx *c, exp_meta *m, const exp_kv *kv)
{
	const char *k = kv->key, *v = kv->value;
	if (!strcmp(k, "alert.rule_file")) {
		const char *base = c->sc->basedir;
		int n = v[0] == '/' || !base || !*base || !strcmp(base, ".")
			? snprintf(m->rule_file, sizeof m->rule_file, "%s", v)
			: snprintf(m->rule_file, sizeof m->rule_file, "%s/%s",
				   base, v);
		if (!*v || n < 0 || (size_t)n >= sizeof m->rule_file) {
			err(c, kv->line, "alert.rule_file must name a rules "
			    "file (at most %zu characters)",
			    sizeof m->rule_file - 1);
			m->rule_file[0] = 0;
		}
	} else if (!strcmp(k, "alert.name")) {
		size_t n = strlen(v);
		if (n == 0 || n >= sizeof m->rule_alert ||
		    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
			   "VWXYZ0123456789_:-") != n)
			err(c, kv->line, "alert.name must be the rule's `alert:` "
			    "name, 1 to %zu letters, digits, '_', ':' or '-', "
			    "got '%s'", sizeof m->rule_alert - 1, v);
		else
			memcpy(m->rule_alert, v, n + 1);
	} else if (!strcmp(k, "alert.interval")) {
		double x;
		if (get_time(c, kv, &x))
			return 1;
		double ms = x * 1000.0;
		if (!(ms >= 1) || fabs(ms - round(ms)) > 1e-6 || ms > 86400e3)
			err(c, kv->line, "alert.interval must be a whole number "
			    "of milliseconds from 1ms to 24h (promtool's "
			    "evaluation_interval), got '%s'", v);
		else
			m->rule_interval = round(ms) / 1000.0;
	} else {
		return 0;
	}
	return 1;
}

/* 1 when a line of text is `alert: NAME` (quoted or not, as a list item
 * or not): the rule is in the file. A YAML-aware reading is promtool's,
 * at run time; this catches the typo before anything runs. */
static int names_alert(const char *text, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
		const char *q = p;
		while (*q == ' ' || *q == '\t' || *q == '-')
			q++;
		if (strncmp(q, "alert:", 6))
			continue;
		q += 6;
		while (*q == ' ' || *q == '\t')
			q++;
		char quote = *q == '"' || *q == '\'' ? *q++ : 0;
		if (strncmp(q, name, n))
			continue;
		q += n;
		if (quote && *q++ != quote)
			continue;
		while (*q == ' ' || *q == '\t' || *q == '\r')
			q++;
		if (*q == '\n' || *q == 0 || *q == '#')
			return 1;
	}
	return 0;
}

void check_rule(ctx *c, model_config *cfg, exp_meta *m,
		const exp_kvs *keys)
{
	const exp_kv *file = exp_kvs_get(keys, "alert.rule_file");
	const exp_kv *name = exp_kvs_get(keys, "alert.name");
	const exp_kv *iv = exp_kvs_get(keys, "alert.interval");
	if (!file) {
		if (name || iv)
			err(c, (name ? name : iv)->line, "%s needs "
			    "alert.rule_file (the Prometheus rules file that "
			    "defines the alert)", (name ? name : iv)->key);
		return;
	}
	if (!m->rule_file[0])
		return;   /* already said */
	if (!m->rule_interval)
		m->rule_interval = 15;
	/* Samples on every evaluation instant (what a scrape at the
	 * interval sees there), and enough between them for a figure:
	 * about 200 over a set duration. */
	double per = cfg->duration > 0
		? ceil(200 * m->rule_interval / cfg->duration) : 1;
	cfg->series_dt = m->rule_interval / fmin(fmax(per, 1), 1000);
	if (!name) {
		err(c, file->line, "alert.rule_file needs alert.name: which "
		    "of the file's alerts to evaluate (its `alert:` name)");
		return;
	}
	if (!m->rule_alert[0])
		return;
	for (int i = 0; i < cfg->n_alerts; i++)
		if (!strcmp(cfg->alerts[i].name, m->rule_alert))
			err(c, name->line, "alert.name '%s' is also a built-in "
			    "alert (alert.%s): both would store at scope "
			    "alert/%s; rename one", m->rule_alert,
			    m->rule_alert, m->rule_alert);
	FILE *f = fopen(m->rule_file, "rb");
	if (!f) {
		err(c, file->line, "alert.rule_file: cannot read %s: %s",
		    m->rule_file, strerror(errno));
		return;
	}
	enum { MAX = 4 << 20 };
	char *text = malloc(MAX + 1);
	size_t n = text ? fread(text, 1, MAX, f) : 0;
	int big = text && n == MAX && fgetc(f) != EOF;
	fclose(f);
	if (!text) {
		err(c, file->line, "alert.rule_file: out of memory reading %s",
		    m->rule_file);
		return;
	}
	text[n] = 0;
	if (big)
		err(c, file->line, "alert.rule_file: %s is over 4 MB; a rules "
		    "file is a few lines", m->rule_file);
	else if (strlen(text) != n)
		err(c, file->line, "alert.rule_file: %s is not a text file",
		    m->rule_file);
	else if (!names_alert(text, m->rule_alert))
		err(c, name->line, "alert.name '%s': %s has no rule `alert: "
		    "%s`", m->rule_alert, m->rule_file, m->rule_alert);
	free(text);
}
