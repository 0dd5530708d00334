/*
 * ini.c — experiments.ini loading: pre-scan, inih tokenizing, inheritance.
 *
 * Workload: files of a few hundred lines, loaded once per command; the
 * pre-scan is one pass, O(length); repeated-key detection is a linear scan of
 * the section's keys (sections hold tens of keys, so O(n^2) is fine).
 * Resolution of `extends` follows a chain of at most n sections.
 */
#include "ini.h"
#include "../sim/ps.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- diagnostics ----------------------------------------------------- */

void exp_diags_init(exp_diags *d)
{
	memset(d, 0, sizeof *d);
}

void exp_diags_fini(exp_diags *d)
{
	for (int i = 0; i < d->n; i++)
		free(d->v[i].text);
	for (int i = 0; i < d->nw; i++)
		free(d->w[i].text);
	free(d->v);
	free(d->w);
	memset(d, 0, sizeof *d);
}

static void diag_push(exp_diag **v, int *n, int *cap, const char *file,
		      int line, const char *fmt, va_list ap)
{
	char msg[512], full[1024];
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (line > 0)
		snprintf(full, sizeof full, "%s:%d: %s", file, line, msg);
	else if (line == 0)
		snprintf(full, sizeof full, "--set: %s", msg);
	else
		snprintf(full, sizeof full, "%s: %s", file, msg);
	for (int i = 0; i < *n; i++)
		if (strcmp((*v)[i].text, full) == 0)
			return;
	if (*n == *cap) {
		int nc = *cap ? 2 * *cap : 8;
		exp_diag *nv = realloc(*v, (size_t)nc * sizeof *nv);
		if (!nv)
			return;   /* out of memory: losing a message beats crashing */
		*v = nv;
		*cap = nc;
	}
	char *t = strdup(full);
	if (!t)
		return;
	(*v)[*n].line = line;
	(*v)[*n].text = t;
	(*n)++;
}

void exp_diag_add(exp_diags *d, const char *file, int line,
		  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	d->errors++;
	diag_push(&d->v, &d->n, &d->cap, file, line, fmt, ap);
	va_end(ap);
}

void exp_diag_warn(exp_diags *d, const char *file, int line,
		   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_push(&d->w, &d->nw, &d->wcap, file, line, fmt, ap);
	va_end(ap);
}

/* Insertion sort: stable, and lists are short. Errors come from several
 * passes (scan, resolve, validate); users read them in file order. */
static void diag_sort(exp_diag *v, int n)
{
	for (int i = 1; i < n; i++) {
		exp_diag x = v[i];
		int j = i - 1;
		while (j >= 0 && v[j].line > x.line) {
			v[j + 1] = v[j];
			j--;
		}
		v[j + 1] = x;
	}
}

void exp_diags_print(exp_diags *d, void *file)
{
	diag_sort(d->v, d->n);
	diag_sort(d->w, d->nw);
	for (int i = 0; i < d->n; i++)
		fprintf((FILE *)file, "poolsim: error: %s\n", d->v[i].text);
	/* Warnings only for a valid file: errors first, without noise. */
	for (int i = 0; !d->n && i < d->nw; i++)
		fprintf((FILE *)file, "poolsim: warning: %s\n", d->w[i].text);
}

/* ---- key lists -------------------------------------------------------- */

void exp_kvs_init(exp_kvs *l)
{
	memset(l, 0, sizeof *l);
}

void exp_kvs_fini(exp_kvs *l)
{
	for (int i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

static exp_kv *kvs_find(const exp_kvs *l, const char *key)
{
	for (int i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			return &l->v[i];
	return NULL;
}

const exp_kv *exp_kvs_get(const exp_kvs *l, const char *key)
{
	return kvs_find(l, key);
}

int exp_kvs_set(exp_kvs *l, const char *key, const char *value, int line)
{
	exp_kv *kv = kvs_find(l, key);
	char *v = strdup(value ? value : "");
	if (!v)
		return PS_ENOMEM;
	if (kv) {
		free(kv->value);
		kv->value = v;
		kv->line = line;
		return 0;
	}
	if (l->n == l->cap) {
		int cap = l->cap ? 2 * l->cap : 16;
		exp_kv *nv = realloc(l->v, (size_t)cap * sizeof *nv);
		if (!nv) {
			free(v);
			return PS_ENOMEM;
		}
		l->v = nv;
		l->cap = cap;
	}
	char *k = strdup(key);
	if (!k) {
		free(v);
		return PS_ENOMEM;
	}
	l->v[l->n++] = (exp_kv){ k, v, line };
	return 0;
}

/* ---- the pre-scan ------------------------------------------------------ */

void exp_ini_free(exp_ini *ini)
{
	if (!ini)
		return;
	for (int i = 0; i < ini->n; i++) {
		free(ini->sec[i].name);
		exp_kvs_fini(&ini->sec[i].keys);
	}
	free(ini->sec);
	free(ini->path);
	free(ini->basedir);
	free(ini);
}

const exp_section *exp_ini_find(const exp_ini *ini, const char *name)
{
	for (int i = 0; i < ini->n; i++)
		if (strcmp(ini->sec[i].name, name) == 0)
			return &ini->sec[i];
	return NULL;
}

static exp_section *add_section(exp_ini *ini, const char *name, int line)
{
	if (ini->n == ini->cap) {
		int cap = ini->cap ? 2 * ini->cap : 8;
		exp_section *v = realloc(ini->sec, (size_t)cap * sizeof *v);
		if (!v)
			return NULL;
		ini->sec = v;
		ini->cap = cap;
	}
	exp_section *s = &ini->sec[ini->n];
	memset(s, 0, sizeof *s);
	s->name = strdup(name);
	if (!s->name)
		return NULL;
	s->line = line;
	ini->n++;
	return s;
}

/* The comment start in s (a '#' or ';' at s[0] or after a blank), or the
 * terminating NUL. */
static char *comment_start(char *s)
{
	for (char *p = s; *p; p++)
		if ((*p == '#' || *p == ';') &&
		    (p == s || p[-1] == ' ' || p[-1] == '\t'))
			return p;
	return s + strlen(s);
}

static void rtrim(char *s)
{
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

static char *ltrim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

static int name_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' &&
		    *s != '.')
			return 0;
	return 1;
}

/* Growable output buffer for the cleaned text handed to inih. */
typedef struct buf {
	char *p;
	size_t n, cap;
} buf;

static int buf_put(buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (b->n + n + 1 > cap)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			return PS_ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

/* State shared with the inih handler. */
typedef struct load_ctx {
	exp_ini *ini;
	int nomem;
} load_ctx;

static int on_kv(void *u, const char *section, const char *name,
		 const char *value)
{
	load_ctx *c = u;
	const exp_section *s = exp_ini_find(c->ini, section);
	if (!s)
		return 1;   /* cannot happen: the scan saw every header */
	exp_kv *kv = kvs_find(&s->keys, name);
	if (!kv)
		return 1;
	char *v = strdup(value);
	if (!v) {
		c->nomem = 1;
		return 0;
	}
	free(kv->value);
	kv->value = v;
	return 1;
}

/* Scans one line (NUL-terminated, newline removed, may be modified) and
 * appends its cleaned form to out. *cur is the section keys go to (NULL
 * before the first header or inside a repeated section). */
static int scan_line(exp_ini *ini, char *raw, int lineno, exp_section **cur,
		     int *skip, buf *out, exp_diags *d)
{
	size_t rawlen = strlen(raw);
	if (rawlen && raw[rawlen - 1] == '\r')
		raw[--rawlen] = '\0';
	if (rawlen > EXP_INI_MAX_LINE) {
		exp_diag_add(d, ini->path, lineno,
			     "line is %zu characters long; at most %d fit "
			     "(split the value or shorten it)",
			     rawlen, EXP_INI_MAX_LINE);
		return buf_put(out, "\n", 1);
	}
	const char *bom = memmem(raw, rawlen, "\xEF\xBB\xBF", 3);
	if (bom) {
		exp_diag_add(d, ini->path, lineno,
			     "a UTF-8 byte-order mark (bytes EF BB BF) at column "
			     "%zu: only the very start of a file may hold one "
			     "(another file pasted in?); delete it",
			     (size_t)(bom - raw) + 1);
		return buf_put(out, "\n", 1);
	}
	char *s = ltrim(raw);
	*comment_start(s) = '\0';
	rtrim(s);
	if (!*s)
		return buf_put(out, "\n", 1);
	if (*s == '[') {
		char *end = strchr(s, ']');
		if (!end || end[1]) {
			exp_diag_add(d, ini->path, lineno,
				     "a section header is '[NAME]' alone on its line");
			*cur = NULL;
			*skip = 1;
			return buf_put(out, "\n", 1);
		}
		*end = '\0';
		char *name = ltrim(s + 1);
		rtrim(name);
		if (strncmp(name, "Config", 6) == 0 &&
		    (name[6] == ' ' || name[6] == '\t'))
			name = ltrim(name + 7);
		*skip = 1;
		*cur = NULL;
		if (strlen(name) > EXP_INI_MAX_SECTION) {
			exp_diag_add(d, ini->path, lineno,
				     "section name is %zu characters long; at most %d fit",
				     strlen(name), EXP_INI_MAX_SECTION);
			return buf_put(out, "\n", 1);
		}
		if (!name_ok(name)) {
			exp_diag_add(d, ini->path, lineno,
				     "section name '%s' may contain only letters, "
				     "digits, '_', '-' and '.'", name);
			return buf_put(out, "\n", 1);
		}
		const exp_section *prev = exp_ini_find(ini, name);
		if (prev) {
			exp_diag_add(d, ini->path, lineno,
				     "section [%s] repeated (first at line %d)",
				     name, prev->line);
			return buf_put(out, "\n", 1);
		}
		*cur = add_section(ini, name, lineno);
		if (!*cur)
			return PS_ENOMEM;
		*skip = 0;
		int rc = buf_put(out, "[", 1);
		if (!rc)
			rc = buf_put(out, name, strlen(name));
		if (!rc)
			rc = buf_put(out, "]\n", 2);
		return rc;
	}
	/* inih splits at the first '=' or ':'; do the same. */
	char *eq = strpbrk(s, "=:");
	if (!eq) {
		exp_diag_add(d, ini->path, lineno,
			     "expected 'KEY = VALUE' or '[SECTION]', got '%.40s'", s);
		return buf_put(out, "\n", 1);
	}
	char *key = s;
	char *after = eq + 1;
	*eq = '\0';
	rtrim(key);
	if (!*key) {
		exp_diag_add(d, ini->path, lineno, "missing key before '='");
		return buf_put(out, "\n", 1);
	}
	if (*skip || !*cur) {
		if (!*skip)
			exp_diag_add(d, ini->path, lineno,
				     "key '%s' outside any section: put it under "
				     "[General] or an experiment", key);
		return buf_put(out, "\n", 1);
	}
	const exp_kv *prev = exp_kvs_get(&(*cur)->keys, key);
	if (prev) {
		exp_diag_add(d, ini->path, lineno,
			     "key '%s' repeated in [%s] (first at line %d)",
			     key, (*cur)->name, prev->line);
		return buf_put(out, "\n", 1);
	}
	/* The value arrives from inih; record the key and its line now. A
	 * line inih would cut short keeps the value split here (inih's own
	 * trimming: blanks around it; comments are gone already). */
	char *value = ltrim(after);
	if (strlen(key) + 3 + strlen(value) > EXP_INIH_LINE) {
		if (exp_kvs_set(&(*cur)->keys, key, value, lineno))
			return PS_ENOMEM;
		return buf_put(out, "\n", 1);
	}
	if (exp_kvs_set(&(*cur)->keys, key, "", lineno))
		return PS_ENOMEM;
	int rc = buf_put(out, key, strlen(key));
	if (!rc)
		rc = buf_put(out, " = ", 3);
	if (!rc)
		rc = buf_put(out, value, strlen(value));
	if (!rc)
		rc = buf_put(out, "\n", 1);
	return rc;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

int exp_ini_parse(const char *text, size_t len, const char *path,
		  exp_ini **out, exp_diags *d)
{
	int errs0 = d->errors, rc = PS_ENOMEM;
	buf clean = { 0 };
	char *line = NULL;
	exp_ini *ini = calloc(1, sizeof *ini);
	*out = ini;
	if (!ini)
		return PS_ENOMEM;
	ini->path = strdup(path);
	ini->basedir = dir_of(path);
	line = malloc(len + 1);
	if (!ini->path || !ini->basedir || !line)
		goto out;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;   /* a UTF-8 byte-order mark is not part of line 1 */
		len -= 3;
	}
	static const struct { const char *bytes, *name, *hex; size_t n; }
	wide[] = {
		{ "\xFF\xFE\0\0", "UTF-32", "FF FE 00 00", 4 },
		{ "\0\0\xFE\xFF", "UTF-32", "00 00 FE FF", 4 },
		{ "\xFF\xFE", "UTF-16", "FF FE", 2 },
		{ "\xFE\xFF", "UTF-16", "FE FF", 2 },
	};
	for (size_t w = 0; w < sizeof wide / sizeof wide[0]; w++)
		if (len >= wide[w].n && !memcmp(text, wide[w].bytes, wide[w].n)) {
			exp_diag_add(d, path, 1, "the file is %s (it starts with "
				     "the byte-order mark %s): save it as UTF-8",
				     wide[w].name, wide[w].hex);
			rc = PS_EPARSE;
			goto out;
		}
	int nul_lines = 0;
	exp_section *cur = NULL;
	int skip = 0, lineno = 0;
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && text[j] != '\n')
			j++;
		lineno++;
		size_t n = j - i;
		memcpy(line, text + i, n);
		line[n] = '\0';
		const char *nul = memchr(text + i, '\0', n);
		if (nul && ++nul_lines > 3) {
			/* a binary file (or UTF-16 without its mark): three
			 * lines say it; thousands would bury it */
			exp_diag_add(d, path, lineno, "more lines hold NUL bytes: "
				     "this is no text file; not read further");
			rc = PS_EPARSE;
			goto out;
		}
		if (nul) {
			exp_diag_add(d, path, lineno, "line contains a NUL byte "
				     "(column %zu): an ini file is UTF-8 text",
				     (size_t)(nul - (text + i)) + 1);
			rc = buf_put(&clean, "\n", 1);
		} else {
			rc = scan_line(ini, line, lineno, &cur, &skip, &clean, d);
		}
		if (rc)
			goto out;
		i = j + 1;
	}
	if (!clean.p && buf_put(&clean, "", 0))
		goto out;
	load_ctx c = { ini, 0 };
	int bad = ini_parse_string(clean.p, on_kv, &c);
	if (c.nomem)
		goto out;
	if (bad > 0 && d->errors == errs0)
		exp_diag_add(d, path, bad, "cannot parse this line");
	rc = d->errors > errs0 ? PS_EPARSE : 0;
out:
	free(line);
	free(clean.p);
	return rc;
}

int exp_ini_load(const char *path, exp_ini **out, exp_diags *d)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		exp_diag_add(d, path, -1, "cannot open: %s", strerror(errno));
		return PS_EIO;
	}
	char *text = NULL;
	size_t len = 0, cap = 0;
	int rc = 0;
	for (;;) {
		if (len + 4096 > cap) {
			cap = cap ? 2 * cap : 8192;
			char *t = realloc(text, cap);
			if (!t) {
				rc = PS_ENOMEM;
				break;
			}
			text = t;
		}
		size_t got = fread(text + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			if (ferror(f)) {
				exp_diag_add(d, path, -1, "cannot read: %s",
					     strerror(errno));
				rc = PS_EIO;
			}
			break;
		}
	}
	fclose(f);
	if (!rc)
		rc = exp_ini_parse(text ? text : "", len, path, out, d);
	free(text);
	return rc;
}

/* ---- inheritance -------------------------------------------------------- */

/* Levenshtein distance, case-blind, or limit + 1 as soon as it must
 * exceed limit: a row whose smallest entry is past the limit only grows.
 * Suggestions (keys, metrics, sections) run for every unknown key at
 * every sweep point, so most comparisons of unrelated names stop after a
 * few rows. */
size_t exp_edit_distance(const char *a, const char *b, size_t limit)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > 63 || m > 63)
		return 64;
	size_t row[64];
	for (size_t j = 0; j <= m; j++)
		row[j] = j;
	for (size_t i = 1; i <= n; i++) {
		size_t diag = row[0], low;
		row[0] = low = i;
		for (size_t j = 1; j <= m; j++) {
			size_t up = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) !=
				      tolower((unsigned char)b[j - 1]);
			size_t best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
			if (best < low)
				low = best;
		}
		if (low > limit)
			return limit + 1;
	}
	return row[m];
}

/* "extends unknown experiment 'X'", at the extends line, naming the
 * section that says it and the nearest section (a typo's likely target)
 * with its line. */
static void unknown_parent(const exp_ini *ini, const exp_section *child,
			   const exp_kv *ext, exp_diags *d)
{
	const exp_section *near = NULL;
	size_t len = strlen(ext->value);
	size_t limit = len <= 2 ? 1 : len < 6 ? 2 : len / 3, best = limit + 1;
	for (int i = 0; i < ini->n; i++) {
		const exp_section *c = &ini->sec[i];
		if (c == child || !strcmp(c->name, "General"))
			continue;
		size_t dd = exp_edit_distance(ext->value, c->name, limit);
		if (dd < best) {
			best = dd;
			near = c;
		}
	}
	if (near)
		exp_diag_add(d, ini->path, ext->line, "[%s] (%s:%d) extends "
			     "unknown experiment '%s': did you mean [%s] (%s:%d)?",
			     child->name, ini->path, child->line, ext->value,
			     near->name, ini->path, near->line);
	else
		exp_diag_add(d, ini->path, ext->line, "[%s] (%s:%d) extends "
			     "unknown experiment '%s' (no section of that name in "
			     "the file)", child->name, ini->path, child->line,
			     ext->value);
}

const exp_section *exp_ini_section_at(const exp_ini *ini, int line)
{
	const exp_section *at = NULL;
	for (int i = 0; i < ini->n && line > 0; i++)
		if (ini->sec[i].line <= line &&
		    (!at || ini->sec[i].line > at->line))
			at = &ini->sec[i];
	return at;
}

void exp_ini_note_inherited(const exp_ini *ini, const exp_section *sec,
			    exp_diags *d, int from)
{
	for (int i = from; i < d->n; i++) {
		const exp_section *at = exp_ini_section_at(ini, d->v[i].line);
		/* [General] is everyone's: its mistakes are said once. */
		if (!at || at == sec || !strcmp(at->name, "General"))
			continue;
		char *t = NULL;
		if (asprintf(&t, "%s (inherited by [%s] at %s:%d)", d->v[i].text,
			     sec->name, ini->path, sec->line) < 0)
			continue;   /* out of memory: the plain message stays */
		free(d->v[i].text);
		d->v[i].text = t;
	}
}

int exp_ini_resolve(const exp_ini *ini, const char *name, exp_kvs *out,
		    exp_diags *d)
{
	const exp_section *chain[64];
	int n = 0, broken = 0;
	const exp_section *s = exp_ini_find(ini, name);
	if (!s) {
		exp_diag_add(d, ini->path, -1, "no experiment [%s]", name);
		return PS_EPARSE;
	}
	/* Walk up the extends chain, child first. */
	while (s) {
		for (int i = 0; i < n; i++) {
			if (chain[i] != s)
				continue;
			/* Name the cycle from its first section in the file
			 * so that every member reports the same line once. */
			int lo = i;
			for (int k = i; k < n; k++)
				if (chain[k]->line < chain[lo]->line)
					lo = k;
			char msg[400];
			size_t m = 0;
			msg[0] = '\0';
			for (int k = 0; k <= n - i; k++) {
				const exp_section *c =
					chain[i + (lo - i + k) % (n - i)];
				if (k < n - i)
					m += (size_t)snprintf(msg + m, m < sizeof msg ?
							      sizeof msg - m : 0,
							      "%s[%s] (%s:%d)",
							      k ? " -> " : "", c->name,
							      ini->path, c->line);
				else
					m += (size_t)snprintf(msg + m, m < sizeof msg ?
							      sizeof msg - m : 0,
							      " -> [%s]", c->name);
				if (m >= sizeof msg)
					break;
			}
			const exp_kv *ext = exp_kvs_get(&chain[lo]->keys, "extends");
			exp_diag_add(d, ini->path, ext ? ext->line : chain[lo]->line,
				     "extends cycle: %s", msg);
			return PS_EPARSE;
		}
		if (n == (int)(sizeof chain / sizeof chain[0])) {
			exp_diag_add(d, ini->path, s->line,
				     "extends chain deeper than %d sections", n);
			return PS_EPARSE;
		}
		chain[n++] = s;
		const exp_kv *ext = exp_kvs_get(&s->keys, "extends");
		if (!ext)
			break;
		if (strcmp(s->name, "General") == 0) {
			exp_diag_add(d, ini->path, ext->line,
				     "[General] cannot extend anything");
			broken = 1;
			break;
		}
		const exp_section *p = exp_ini_find(ini, ext->value);
		if (!p || strcmp(p->name, "General") == 0) {
			if (!p) {
				unknown_parent(ini, s, ext, d);
				broken = 1;
			}
			break;
		}
		s = p;
	}
	const exp_section *g = exp_ini_find(ini, "General");
	if (g && strcmp(name, "General") != 0)
		for (int i = 0; i < g->keys.n; i++)
			if (exp_kvs_set(out, g->keys.v[i].key, g->keys.v[i].value,
					g->keys.v[i].line))
				return PS_ENOMEM;
	for (int k = n - 1; k >= 0; k--)
		for (int i = 0; i < chain[k]->keys.n; i++) {
			const exp_kv *kv = &chain[k]->keys.v[i];
			if (strcmp(kv->key, "extends") == 0)
				continue;
			if (exp_kvs_set(out, kv->key, kv->value, kv->line))
				return PS_ENOMEM;
		}
	/* Not d->n: a message already given for a parent is not repeated,
	 * and the child's chain is as broken as the parent's. */
	return broken ? PS_EPARSE : 0;
}
