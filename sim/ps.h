/*
 * ps.h — error codes shared by every poolsim module.
 *
 * Errors are values (STYLE.md habit 6): functions that can fail on input,
 * I/O or SQLite return 0 or one of these negative codes and, where the user
 * must see why, fill a caller-provided message buffer. Programming errors are
 * asserts, which stay on in release builds.
 */
#ifndef PS_H
#define PS_H

#include <stddef.h>

enum {
	PS_OK = 0,
	PS_EPARSE = -1,   /* malformed user text (ini, distribution, unit, trace) */
	PS_EIO = -2,      /* a file could not be read or written */
	PS_ENOMEM = -3,   /* allocation failed */
	PS_EDB = -4,      /* SQLite refused (corrupt, unwritable, locked) */
	PS_EINVAL = -5,   /* a value out of its allowed range */
	PS_EINTR = -6     /* interrupted by the user (Ctrl-C) */
};

/* Process exit statuses (jq style): the CLI maps errors onto these. */
enum {
	PS_EXIT_OK = 0,
	PS_EXIT_FAIL = 1,    /* a run or the database failed */
	PS_EXIT_USAGE = 2,   /* bad command line or bad experiments.ini */
	PS_EXIT_INTR = 130   /* stopped by Ctrl-C; finished runs are kept */
};

/* snprintf into err[errlen] when err is not NULL; returns code. */
int ps_err(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
