/*
 * csv.c — numeric CSV files for trace(FILE) and empirical(FILE), read once.
 *
 * Workload: a file is read once per invocation (csv_cache), O(lines) with
 * one unit_seconds per field; a 10M-line trace is ~160 MB of doubles held
 * once, however many sweep points and threads use it. The cache is a
 * short list (a configuration names a handful of files) under a mutex.
 */
#include "csv.h"
#include "ps.h"
#include "span.h"
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void table_free(csv_table *t)
{
	if (!t)
		return;
	for (int c = 0; c < CSV_MAX_COLS; c++)
		free(t->col[c]);
	free(t->path);
	free(t->abspath);
	free(t);
}

csv_table *csv_ref(csv_table *t)
{
	if (t)
		__atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
	return t;
}

void csv_release(csv_table *t)
{
	if (t && __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) == 0)
		table_free(t);
}

/* A data row starts with a number; anything else first is a header. */
static int starts_number(span f)
{
	if (f.len == 0)
		return 0;
	unsigned char ch = (unsigned char)f.s[0];
	return isdigit(ch) || ch == '.' || ch == '+' || ch == '-';
}

static const char *col_name(const csv_shape *sh, int c)
{
	return sh->names && c < sh->max_cols && sh->names[c] ? sh->names[c] : NULL;
}

/* "a and b" / "a, b and c" of the shape's first n names. */
static void names_text(const csv_shape *sh, int n, char *buf, size_t len)
{
	size_t m = 0;
	buf[0] = '\0';
	for (int c = 0; c < n && m < len; c++) {
		const char *nm = col_name(sh, c);
		m += (size_t)snprintf(buf + m, len - m, "%s%s",
				      c == 0 ? "" : c == n - 1 ? " and " : ", ",
				      nm ? nm : "a value");
	}
}

static int push(csv_table *t, long *cap, const double *row)
{
	if (t->nrows == *cap) {
		long nc = *cap ? 2 * *cap : 1024;
		for (int c = 0; c < t->ncols; c++) {
			double *v = realloc(t->col[c], (size_t)nc * sizeof *v);
			if (!v)
				return PS_ENOMEM;
			t->col[c] = v;
		}
		*cap = nc;
	}
	for (int c = 0; c < t->ncols; c++)
		t->col[c][t->nrows] = row[c];
	t->nrows++;
	return PS_OK;
}

int csv_read(const char *path, const csv_shape *sh, csv_table **out,
	     char *err, size_t errlen)
{
	*out = NULL;
	FILE *f = fopen(path, "r");
	if (!f)
		return ps_err(err, errlen, PS_EIO, "cannot open \"%s\": %s", path,
			      strerror(errno));
	csv_table *t = calloc(1, sizeof *t);
	char *line = NULL;
	size_t lcap = 0;
	long lineno = 0, cap = 0;
	int rc = PS_OK, seen_row = 0;
	double row[CSV_MAX_COLS], prev[CSV_MAX_COLS];
	char sub[256], want[128];
	if (!t || !(t->path = strdup(path))) {
		rc = ps_err(err, errlen, PS_ENOMEM, "out of memory");
		goto out;
	}
	t->refs = 1;
	t->abspath = realpath(path, NULL);
	if (!t->abspath && !(t->abspath = strdup(path))) {
		rc = ps_err(err, errlen, PS_ENOMEM, "out of memory");
		goto out;
	}
	ssize_t got;
	while ((got = getline(&line, &lcap, f)) >= 0) {
		lineno++;
		char *s = line;
		size_t len = (size_t)got;
		if (lineno == 1 && len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
			s += 3;   /* a UTF-8 byte-order mark (Excel's CSV) */
			len -= 3;
		}
		if (memchr(s, '\0', len)) {
			rc = ps_err(err, errlen, PS_EPARSE,
				    "%s:%ld: the line contains a NUL byte (not a "
				    "text file?)", path, lineno);
			goto out;
		}
		span l = span_trim(s, len);   /* drops "\r\n" too */
		if (l.len == 0 || l.s[0] == '#')
			continue;
		((char *)l.s)[l.len] = '\0';
		span fld[CSV_MAX_COLS + 1];
		int nf = 0;
		const char *start = l.s;
		for (const char *p = l.s;; p++) {
			if (*p == ',' || *p == '\0') {
				if (nf <= CSV_MAX_COLS)
					fld[nf] = span_trim(start, (size_t)(p - start));
				nf++;
				start = p + 1;
				if (!*p)
					break;
			}
		}
		if (!seen_row && !t->ncols && !starts_number(fld[0])) {
			/* A header row: it fixes the column count. */
			if (nf < sh->min_cols || nf > sh->max_cols) {
				names_text(sh, sh->max_cols, want, sizeof want);
				rc = ps_err(err, errlen, PS_EPARSE,
					    "%s:%ld: the header has %d column%s; "
					    "expected %s", path, lineno, nf,
					    nf == 1 ? "" : "s", want);
				goto out;
			}
			t->ncols = nf;
			continue;
		}
		if (!t->ncols && (nf < sh->min_cols || nf > sh->max_cols)) {
			names_text(sh, sh->max_cols, want, sizeof want);
			rc = ps_err(err, errlen, PS_EPARSE,
				    "%s:%ld: %d columns; expected %s%s", path,
				    lineno, nf, sh->min_cols < sh->max_cols ?
				    "at most " : "", want);
			goto out;
		}
		if (!t->ncols)
			t->ncols = nf;
		if (nf != t->ncols) {
			names_text(sh, t->ncols, want, sizeof want);
			rc = ps_err(err, errlen, PS_EPARSE,
				    "%s:%ld: %d column%s, but the %s has %d: every "
				    "row needs %s", path, lineno, nf,
				    nf == 1 ? "" : "s", seen_row ? "first row" :
				    "header", t->ncols, want);
			goto out;
		}
		for (int c = 0; c < nf; c++) {
			char *txt = span_dup(fld[c]);
			if (!txt) {
				rc = ps_err(err, errlen, PS_ENOMEM, "out of memory");
				goto out;
			}
			int urc = unit_seconds(txt, &row[c], sub, sizeof sub);
			free(txt);
			if (urc) {
				const char *nm = col_name(sh, c);
				rc = ps_err(err, errlen, PS_EPARSE,
					    "%s:%ld: column %d%s%s%s: %s", path,
					    lineno, c + 1, nm ? " (" : "",
					    nm ? nm : "", nm ? ")" : "", sub);
				goto out;
			}
		}
		if (sh->check &&
		    sh->check(row, seen_row ? prev : NULL, nf, sub, sizeof sub)) {
			rc = ps_err(err, errlen, PS_EPARSE, "%s:%ld: %s", path,
				    lineno, sub);
			goto out;
		}
		if (push(t, &cap, row)) {
			rc = ps_err(err, errlen, PS_ENOMEM, "out of memory");
			goto out;
		}
		memcpy(prev, row, sizeof row);
		seen_row = 1;
	}
	if (ferror(f))
		rc = ps_err(err, errlen, PS_EIO, "%s: read error", path);
	else if (t->nrows == 0)
		rc = ps_err(err, errlen, PS_EPARSE, "%s: no data rows", path);
out:
	free(line);
	fclose(f);
	if (rc) {
		table_free(t);
		return rc;
	}
	*out = t;
	return PS_OK;
}

/* ---- the cache ------------------------------------------------------------ */

typedef struct entry {
	const csv_shape *shape;   /* a CSV read; NULL for a loader's table */
	char *key;                /* a loader's key; NULL for a CSV read */
	csv_table *t;
	struct entry *next;
} entry;

struct csv_cache {
	pthread_mutex_t mu;
	entry *head;
	long reads;
};

csv_cache *csv_cache_new(void)
{
	csv_cache *c = calloc(1, sizeof *c);
	if (c && pthread_mutex_init(&c->mu, NULL)) {
		free(c);
		return NULL;
	}
	return c;
}

void csv_cache_free(csv_cache *c)
{
	if (!c)
		return;
	for (entry *e = c->head, *n; e; e = n) {
		n = e->next;
		csv_release(e->t);
		free(e->key);
		free(e);
	}
	pthread_mutex_destroy(&c->mu);
	free(c);
}

int csv_cache_get(csv_cache *c, const char *path, const csv_shape *shape,
		  csv_table **out, char *err, size_t errlen)
{
	if (!c)
		return csv_read(path, shape, out, err, errlen);
	char *abs = realpath(path, NULL);
	int rc = PS_OK;
	pthread_mutex_lock(&c->mu);
	if (abs)
		for (entry *e = c->head; e; e = e->next)
			if (e->shape && e->shape == shape &&
			    !strcmp(e->t->abspath, abs)) {
				*out = csv_ref(e->t);
				goto out;
			}
	/* Read under the lock: two threads asking for one file read it once. */
	rc = csv_read(path, shape, out, err, errlen);
	if (rc)
		goto out;
	c->reads++;
	entry *e = calloc(1, sizeof *e);
	if (e) {   /* out of memory: the table is still good, just not shared */
		e->shape = shape;
		e->t = csv_ref(*out);
		e->next = c->head;
		c->head = e;
	}
out:
	pthread_mutex_unlock(&c->mu);
	free(abs);
	return rc;
}

csv_table *csv_table_new(const char *path, int ncols, long nrows)
{
	if (ncols < 1 || ncols > CSV_MAX_COLS || nrows < 0)
		return NULL;
	csv_table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->refs = 1;
	t->ncols = ncols;
	t->nrows = nrows;
	t->path = strdup(path);
	t->abspath = realpath(path, NULL);
	if (!t->abspath)
		t->abspath = strdup(path);
	int ok = t->path && t->abspath;
	for (int c = 0; ok && c < ncols; c++)
		ok = (t->col[c] = calloc((size_t)(nrows ? nrows : 1),
					 sizeof *t->col[c])) != NULL;
	if (!ok) {
		table_free(t);
		return NULL;
	}
	return t;
}

int csv_cache_load(csv_cache *c, const char *path, const char *key,
		   csv_loader load, void *arg, csv_table **out, char *err,
		   size_t errlen)
{
	*out = NULL;
	if (!c)
		return load(path, arg, out, err, errlen);
	char *abs = realpath(path, NULL);
	int rc = PS_OK;
	pthread_mutex_lock(&c->mu);
	if (abs)
		for (entry *e = c->head; e; e = e->next)
			if (!e->shape && e->key && !strcmp(e->key, key) &&
			    !strcmp(e->t->abspath, abs)) {
				*out = csv_ref(e->t);
				goto out;
			}
	rc = load(path, arg, out, err, errlen);
	if (rc)
		goto out;
	c->reads++;
	entry *e = calloc(1, sizeof *e);
	if (e && (e->key = strdup(key))) {
		e->t = csv_ref(*out);
		e->next = c->head;
		c->head = e;
	} else {
		free(e);   /* out of memory: the table is still good */
	}
out:
	pthread_mutex_unlock(&c->mu);
	free(abs);
	return rc;
}

long csv_cache_reads(const csv_cache *c)
{
	return c ? c->reads : 0;
}
