/* ps.c — the one helper every module uses to report an error value. */
#include "ps.h"

#include <stdarg.h>
#include <stdio.h>

int ps_err(char *err, size_t errlen, int code, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}
