/* span.c — see span.h. O(length of the text) each. */
#include "span.h"
#include "ps.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

span span_trim(const char *s, size_t len)
{
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	return (span){ s, (int)len };
}

char *span_dup(span sp)
{
	char *c = malloc((size_t)sp.len + 1);
	if (c) {
		memcpy(c, sp.s, (size_t)sp.len);
		c[sp.len] = '\0';
	}
	return c;
}

char *span_path(const char *basedir, span file)
{
	if (!basedir || !*basedir || file.s[0] == '/')
		return span_dup(file);
	size_t bl = strlen(basedir);
	char *c = malloc(bl + 1 + (size_t)file.len + 1);
	if (!c)
		return NULL;
	memcpy(c, basedir, bl);
	c[bl] = '/';
	memcpy(c + bl + 1, file.s, (size_t)file.len);
	c[bl + 1 + (size_t)file.len] = '\0';
	return c;
}

int span_parse_unit(span sp, int (*fn)(const char *, double *, char *, size_t),
		    double *out, char *err, size_t errlen)
{
	char *c = span_dup(sp);
	if (!c)
		return ps_err(err, errlen, PS_ENOMEM, "out of memory");
	int rc = fn(c, out, err, errlen);
	free(c);
	return rc;
}
