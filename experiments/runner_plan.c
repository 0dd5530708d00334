/*
 * runner_plan.c — the plan: every experiment of an ini expanded into its
 * sweep points and runs (exp_plan_build), and --runs selections.
 */
#include "runner_int.h"

void exp_plan_free(exp_plan *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++) {
		exp_experiment *e = &p->e[i];
		for (int j = 0; j < e->npts; j++) {
			exp_kvs_fini(&e->pts[j].keys);
			model_config_fini(&e->pts[j].cfg);
			free(e->pts[j].itervars);
		}
		free(e->pts);
		free(e->name);
		free(e->description);
		free(e->text);
	}
	free(p->e);
	free(p);
}

/* The canonical experiment text: "[NAME]" then "key = value" per resolved
 * key in resolution order (General, ancestors, section, --set), values
 * unexpanded. Equal texts mean the same experiment for --resume. */
static char *canonical_text(const char *name, const exp_kvs *keys)
{
	size_t n = strlen(name) + 4;
	for (int i = 0; i < keys->n; i++)
		n += strlen(keys->v[i].key) + strlen(keys->v[i].value) + 4;
	char *t = malloc(n), *w = t;
	if (!t)
		return NULL;
	w += sprintf(w, "[%s]\n", name);
	for (int i = 0; i < keys->n; i++)
		w += sprintf(w, "%s = %s\n", keys->v[i].key, keys->v[i].value);
	return t;
}

static int build_one(const exp_ini *ini, const exp_section *sec,
		     const exp_kvs *sets, csv_cache *files, exp_experiment *e,
		     exp_diags *d)
{
	exp_kvs keys;
	exp_sweep *sw = NULL;
	exp_kvs_init(&keys);
	int d0 = d->n;
	int rc = exp_ini_resolve(ini, sec->name, &keys, d);
	for (int i = 0; sets && i < sets->n && rc != PS_ENOMEM; i++)
		if (exp_kvs_set(&keys, sets->v[i].key, sets->v[i].value, 0))
			rc = PS_ENOMEM;
	if (rc == PS_ENOMEM)
		goto out;
	int resolved = rc == 0;
	e->name = strdup(sec->name);
	const exp_kv *desc = exp_kvs_get(&keys, "description");
	e->description = strdup(desc ? desc->value : "");
	e->text = canonical_text(sec->name, &keys);
	if (!e->name || !e->description || !e->text) {
		rc = PS_ENOMEM;
		goto out;
	}
	/* A broken extends chain leaves the keys incomplete: validating them
	 * would only add noise ("missing key") to the real error. */
	if (!resolved)
		goto out;
	int src = exp_sweep_build(&keys, ini->path, &sw, d);
	if (src) {
		rc = src;
		goto out;
	}
	int np = exp_sweep_points(sw), nv = exp_sweep_nvars(sw);
	const char *vars[64];
	int nvars = nv < 64 ? nv : 64;
	for (int v = 0; v < nvars; v++)
		vars[v] = exp_sweep_var_name(sw, v);
	exp_scope sc = { ini->path, ini->basedir, sec->line, vars, nvars,
			 files };
	e->pts = calloc((size_t)np, sizeof *e->pts);
	if (!e->pts) {
		rc = PS_ENOMEM;
		goto out;
	}
	e->npts = np;
	for (int p = 0; p < np; p++) {
		exp_point *pt = &e->pts[p];
		char iv[1024];
		exp_kvs_init(&pt->keys);
		if (exp_sweep_point_keys(sw, p, &pt->keys)) {
			rc = PS_ENOMEM;
			goto out;
		}
		exp_sweep_itervars(sw, p, iv, sizeof iv);
		pt->itervars = strdup(iv);
		if (!pt->itervars) {
			rc = PS_ENOMEM;
			goto out;
		}
		exp_meta meta;
		int brc = exp_scenario_build(&pt->keys, &sc, &pt->cfg, &meta, d);
		if (brc == PS_ENOMEM) {
			rc = brc;
			goto out;
		}
		if (brc)
			rc = brc;
		if (p == 0)
			e->meta = meta;
		else if (!brc && (meta.repeat != e->meta.repeat ||
				  meta.seed != e->meta.seed)) {
			/* Run numbering needs one repeat per experiment, and
			 * common random numbers one seed. */
			const exp_kv *kv = exp_kvs_get(&keys, meta.repeat !=
						       e->meta.repeat ? "repeat" : "seed");
			exp_diag_add(d, ini->path, kv ? kv->line : sec->line,
				     "%s cannot be swept", kv ? kv->key : "repeat");
			rc = PS_EPARSE;
		}
	}
out:
	exp_ini_note_inherited(ini, sec, d, d0);
	exp_sweep_free(sw);
	exp_kvs_fini(&keys);
	return rc;
}

static int plan_build(const exp_ini *ini, const char *const *names,
		      int nnames, const exp_kvs *sets, csv_cache *files,
		      int force, exp_plan **out, exp_diags *d)
{
	int rc = 0;
	*out = NULL;
	exp_plan *p = calloc(1, sizeof *p);
	if (!p || !(p->e = calloc((size_t)ini->n + 1, sizeof *p->e))) {
		free(p);
		return PS_ENOMEM;
	}
	for (int i = 0; i < nnames; i++)
		if (!exp_ini_find(ini, names[i]) || !strcmp(names[i], "General")) {
			exp_diag_add(d, ini->path, -1, "no experiment [%s] in the file",
				     names[i]);
			rc = PS_EPARSE;
		}
	/* [General] alone still gets its own keys checked. */
	int any = 0;
	for (int s = 0; s < ini->n; s++) {
		const exp_section *sec = &ini->sec[s];
		if (!strcmp(sec->name, "General"))
			continue;
		any = 1;
		int want = nnames == 0;
		for (int i = 0; i < nnames; i++)
			if (!strcmp(names[i], sec->name))
				want = 1;
		if (!want)
			continue;
		exp_experiment *e = &p->e[p->n++];
		int brc = build_one(ini, sec, sets, files, e, d);
		if (brc == PS_ENOMEM) {
			exp_plan_free(p);
			return brc;
		}
		if (brc)
			rc = brc;
		/* The golden digest's differential test (tests/golden): every
		 * lean per-task path replaced by its full twin; same numbers. */
		const char *ff = getenv("POOLSIM_FORCE_FULL");
		if (ff && *ff && strcmp(ff, "0"))
			for (int q = 0; q < e->npts; q++)
				e->pts[q].cfg.force_full = 1;
		e->first_run = p->total_runs;
		p->total_runs += (long)e->npts * e->meta.repeat;
		if (!brc && !d->n && plan_limits(ini, sec, p, e, force, d)) {
			rc = PS_EPARSE;
			break;
		}
	}
	/* Figures and reports are files named after the experiments. */
	int nrc = exp_names_check(ini, d);
	if (nrc == PS_ENOMEM) {
		exp_plan_free(p);
		return nrc;
	}
	if (nrc)
		rc = nrc;
	if (!any && rc == 0 && d->n == 0) {
		exp_diag_add(d, ini->path, -1, "no experiments: add a [NAME] "
			     "section besides [General]");
		rc = PS_EPARSE;
	}
	if (rc || d->n) {
		exp_plan_free(p);
		return rc ? rc : PS_EPARSE;
	}
	*out = p;
	return 0;
}

int exp_plan_build(const exp_ini *ini, const char *const *names, int nnames,
		   const exp_kvs *sets, int force, exp_plan **out,
		   exp_diags *d)
{
	/* Trace and empirical files are read once for the whole plan: every
	 * point's config holds a reference to the same immutable table, so a
	 * 10M-line trace over 40 points is one copy, shared by the threads
	 * too. The cache itself is only needed while configs are built. */
	csv_cache *files = csv_cache_new();
	if (!files)
		return PS_ENOMEM;
	int rc = plan_build(ini, names, nnames, sets, files, force, out, d);
	if (!rc)
		(*out)->files_read = csv_cache_reads(files);
	csv_cache_free(files);
	return rc;
}

int exp_runs_select(const char *spec, long n, unsigned char *flags,
		    char *err, size_t errlen)
{
	memset(flags, 0, (size_t)n);
	const char *p = spec;
	while (*p) {
		char *end;
		errno = 0;
		long a = strtol(p, &end, 10), b;
		if (end == p || a < 0 || errno)
			return ps_err(err, errlen, PS_EPARSE, "bad run selection "
				      "'%s' (e.g. 0..5,9)", spec);
		b = a;
		p = end;
		if (p[0] == '.' && p[1] == '.') {
			b = strtol(p + 2, &end, 10);
			if (end == p + 2 || b < a || errno)
				return ps_err(err, errlen, PS_EPARSE, "bad run "
					      "selection '%s' (e.g. 0..5,9)", spec);
			p = end;
		}
		if (b >= n)
			return ps_err(err, errlen, PS_EPARSE, "run %ld does not "
				      "exist: the selection has runs 0..%ld", b, n - 1);
		for (long i = a; i <= b; i++)
			flags[i] = 1;
		if (*p == ',')
			p++;
		else if (*p)
			return ps_err(err, errlen, PS_EPARSE, "bad run selection "
				      "'%s' (e.g. 0..5,9)", spec);
	}
	return 0;
}

