/*
 * ini.h — experiments.ini loading: the pre-scan, inih tokenizing, the
 * diagnostics list, and section inheritance (`extends`).
 *
 * The packaged inih (Debian r55) silently truncates lines past ~197
 * characters and section names past 49, reports no line per key, and hands a
 * repeated key over twice. So every file is first scanned line by line here:
 * the scan records each key's line, turns those cases into line-numbered
 * errors, strips comments (`#` or `;` at line start or after whitespace) and
 * leading blanks, and only the cleaned text (same line count) goes to inih;
 * a key line too long for inih keeps the value the scan split off. Bytes
 * that are no text are named with their line: a NUL, a UTF-8 byte-order
 * mark after the start (one at the start is skipped), a UTF-16 or UTF-32
 * file.
 *
 * Structs are exposed because sweep.c, scenario.c and the runner read them;
 * they are immutable after loading.
 */
#ifndef EXP_INI_H
#define EXP_INI_H

#include <stddef.h>

/* Longest line inih r55 reads whole (INI_MAX_LINE 200 minus "\n\0" and
 * the "\r" of a CRLF file). A longer key line does not go through inih:
 * the pre-scan, which splits every key line anyway, keeps its value. */
#define EXP_INIH_LINE 197
/* Longest line read at all: a bound on what one key costs per sweep
 * point, far above any sweep list or description a person writes. */
#define EXP_INI_MAX_LINE 65536
/* Longest section name inih r55 keeps (its buffer is 50 bytes). */
#define EXP_INI_MAX_SECTION 49

/* ---- diagnostics ----------------------------------------------------- */

/* User-facing error lines "FILE:LINE: message", deduplicated (a bad sweep
 * value is reported once, not once per point). Embeddable. */
typedef struct exp_diag {
	int line;               /* for ordering; 0 = --set, < 0 = whole file */
	char *text;             /* "FILE:LINE: message" without the prefix */
} exp_diag;

typedef struct exp_diags {
	exp_diag *v;
	int n, cap;
	int errors;             /* errors reported, repeats included: a
				 * failure test (n drops repeats) */
	exp_diag *w;            /* warnings: printed, but nothing fails */
	int nw, wcap;
} exp_diags;

void exp_diags_init(exp_diags *d);
void exp_diags_fini(exp_diags *d);
/* line > 0: "FILE:LINE: msg"; line == 0: "--set: msg"; line < 0:
 * "FILE: msg". A message identical to one already recorded is dropped. */
void exp_diag_add(exp_diags *d, const char *file, int line,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A warning, same form: the configuration is valid but likely not what
 * the user means (a profile cut short). Never counted in n. */
void exp_diag_warn(exp_diags *d, const char *file, int line,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Sorts by line (stable) and prints "poolsim: error: TEXT" lines to f;
 * when there is none, the "poolsim: warning: TEXT" lines. */
void exp_diags_print(exp_diags *d, void *file /* FILE * */);

/* Levenshtein distance of a and b, case-blind, or limit + 1 once it must
 * exceed limit (64 for names past 63 characters): "did you mean". */
size_t exp_edit_distance(const char *a, const char *b, size_t limit);

/* ---- key lists -------------------------------------------------------- */

/* One key: owned strings. line 0 = from --set. */
typedef struct exp_kv {
	char *key, *value;
	int line;
} exp_kv;

/* An ordered list of keys, owning its strings. Embeddable. */
typedef struct exp_kvs {
	exp_kv *v;
	int n, cap;
} exp_kvs;

void exp_kvs_init(exp_kvs *l);
void exp_kvs_fini(exp_kvs *l);
/* Replaces the value (and line) of key in place, or appends it. */
int exp_kvs_set(exp_kvs *l, const char *key, const char *value, int line);
/* NULL when absent. */
const exp_kv *exp_kvs_get(const exp_kvs *l, const char *key);

/* ---- the file --------------------------------------------------------- */

typedef struct exp_section {
	char *name;             /* "General", or the experiment ("Config " cut) */
	int line;               /* of the [header] */
	exp_kvs keys;           /* in file order */
} exp_section;

typedef struct exp_ini {
	char *path;             /* as given, for messages */
	char *basedir;          /* directory of path, for empirical()/trace() */
	exp_section *sec;       /* in file order */
	int n, cap;
} exp_ini;

/* Parses text[0..len) as the file `path`. Every problem goes to d; returns
 * 0, PS_EPARSE when d got errors (*out is still filled as far as it could
 * be, so validation can go on and report more), PS_ENOMEM. *out is taken
 * by the caller (exp_ini_free). */
int exp_ini_parse(const char *text, size_t len, const char *path,
		  exp_ini **out, exp_diags *d);
/* Reads the file, then exp_ini_parse. PS_EIO (with a diag) when unreadable. */
int exp_ini_load(const char *path, exp_ini **out, exp_diags *d);
void exp_ini_free(exp_ini *ini);        /* NULL is a no-op */

const exp_section *exp_ini_find(const exp_ini *ini, const char *name);

/* The section that holds line `line` of the file (the last header at or
 * above it), or NULL (before the first header, --set, whole file). */
const exp_section *exp_ini_section_at(const exp_ini *ini, int line);

/* After validating experiment sec: each diagnostic from d[from..] that
 * points into another experiment's section (a key sec inherited through
 * extends; [General]'s mistakes stay one message) gets "(inherited by
 * [NAME] at FILE:LINE)", so that the message names both sections' lines. */
void exp_ini_note_inherited(const exp_ini *ini, const exp_section *sec,
			    exp_diags *d, int from);

/* The keys of experiment `name` after inheritance: [General] first, then
 * each `extends` ancestor from the root down, then the section itself; a
 * later definition replaces an earlier one in place. `extends` itself is
 * not copied. Unknown parents and cycles go to d. Returns 0 or PS_EPARSE. */
int exp_ini_resolve(const exp_ini *ini, const char *name, exp_kvs *out,
		    exp_diags *d);

#endif
