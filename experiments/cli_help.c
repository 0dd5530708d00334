/*
 * cli_help.c — poolsim help keys|metrics|series|libraries: the tables
 * docs/ is generated from (scripts/gen-docs.sh), from the code's own
 * tables.
 */
#include "cli_int.h"

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

void help_keys(int fmt)
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
		exp_pool_names(who_has, ", ", pools, sizeof pools);
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

void help_metrics(int fmt)
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
void help_series(int fmt)
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
void help_libraries(int fmt)
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

