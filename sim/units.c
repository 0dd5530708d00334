/*
 * units.c — numbers with units, as experiments.ini writes them.
 *
 * Workload: called while loading a configuration, a few hundred times per
 * file at most, never during a run; each call is O(length of the text).
 * The number itself is scanned by hand before strtod sees it, so that
 * strtod's extras ("inf", "nan", hex floats, locale quirks) never reach a
 * simulation as a duration.
 */
#include "units.h"
#include "ps.h"
#include "sim.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A unit suffix and how many of the base unit (second, per second, byte)
 * it is worth. Tables are read-only constants. */
typedef struct unit_def {
	const char *name;
	double scale;
} unit_def;

static const unit_def time_units[] = {
	{ "ns", 1e-9 }, { "us", 1e-6 }, { "ms", 1e-3 },
	{ "s", 1.0 }, { "m", 60.0 }, { "h", 3600.0 }, { NULL, 0 }
};

/* Rates are "N/unit": N per minute is N/60 per second. */
static const unit_def rate_units[] = {
	{ "s", 1.0 }, { "m", 1.0 / 60.0 }, { "h", 1.0 / 3600.0 }, { NULL, 0 }
};

static const unit_def size_units[] = {
	{ "B", 1.0 }, { "KB", 1024.0 }, { "MB", 1024.0 * 1024.0 },
	{ "GB", 1024.0 * 1024.0 * 1024.0 }, { NULL, 0 }
};

/* Scans [sign] digits [. digits] [e [sign] digits] starting at s (after
 * blanks). Returns a pointer just past the number and stores its value, or
 * NULL when there is no number there. At least one digit is required in
 * the mantissa; an 'e' not followed by digits is left unconsumed so that a
 * unit could start with it. */
static const char *scan_number(const char *s, double *out)
{
	const char *p = s;
	int digits = 0;

	while (isspace((unsigned char)*p))
		p++;
	const char *start = p;
	if (*p == '+' || *p == '-')
		p++;
	while (isdigit((unsigned char)*p)) {
		p++;
		digits++;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			p++;
			digits++;
		}
	}
	if (!digits)
		return NULL;
	if (*p == 'e' || *p == 'E') {
		const char *q = p + 1;
		if (*q == '+' || *q == '-')
			q++;
		if (isdigit((unsigned char)*q)) {
			while (isdigit((unsigned char)*q))
				q++;
			p = q;
		}
	}
	/* strtod on a copy bounded to what we scanned, so it cannot read a
	 * different (longer) number than the one we validated. */
	char buf[128];
	size_t len = (size_t)(p - start);
	if (len >= sizeof buf)
		return NULL;
	memcpy(buf, start, len);
	buf[len] = '\0';
	*out = strtod(buf, NULL);
	if (!isfinite(*out))
		return NULL;
	return p;
}

static const char *skip_blanks(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

/* Matches the whole remainder [p, end-blanks) against a unit table.
 * Returns the scale, or 0 when nothing matches. */
static double match_unit(const char *p, const unit_def *units)
{
	p = skip_blanks(p);
	size_t len = strlen(p);
	while (len && isspace((unsigned char)p[len - 1]))
		len--;
	for (const unit_def *u = units; u->name; u++)
		if (strlen(u->name) == len && memcmp(p, u->name, len) == 0)
			return u->scale;
	return 0;
}

/* A number with an optional unit from one table; rates write theirs after
 * a '/'. A bare number has scale 1 (seconds, per second, bytes). */
typedef struct quantity {
	const unit_def *units;
	char slash;             /* '/' before the unit, or 0 */
	const char *noun, *hint;
	/* A bare number other than 0 is refused with this suggestion (its
	 * %.*s take the number as written, twice), or NULL when a bare
	 * number means the base unit. */
	const char *bare;
} quantity;

static const quantity q_time = { time_units, 0, "duration",
				 "ns, us, ms, s, m or h",
				 "a duration needs a unit: %.*sms or %.*ss?" };
static const quantity q_seconds = { time_units, 0, "duration",
				    "ns, us, ms, s, m or h", NULL };
static const quantity q_rate = { rate_units, '/', "rate", "/s, /m or /h",
				 "a rate needs a unit: %.*s/s?" };
static const quantity q_size = { size_units, 0, "size", "B, KB, MB or GB",
				 NULL };

static int scaled(const char *text, const quantity *q, double *out,
		  char *err, size_t errlen)
{
	double v;
	const char *p = scan_number(text, &v);
	if (!p)
		goto bad;
	double scale = 1.0;
	p = skip_blanks(p);
	if (*p) {
		if (q->slash && *p++ != q->slash)
			goto bad;
		scale = match_unit(p, q->units);
		if (scale == 0)
			goto bad;
	} else if (q->bare && v != 0) {
		/* "10" in an ini: 10 ms or 10 s? A guess would be silently
		 * wrong by 1000x; ask instead. */
		const char *s = skip_blanks(text);
		int n = (int)(p - s);
		while (n && isspace((unsigned char)s[n - 1]))
			n--;
		return ps_err(err, errlen, PS_EPARSE, q->bare, n, s, n, s);
	}
	if (v < 0)
		return ps_err(err, errlen, PS_EPARSE,
			      "bad %s \"%s\": must not be negative", q->noun, text);
	/* Virtual time resolves 1 ns up to SIM_TIME_MAX: a longer duration,
	 * or a rate whose gap between arrivals is longer, cannot be
	 * simulated faithfully (and near DBL_MAX not at all). */
	if (q->units == time_units && v * scale > SIM_TIME_MAX)
		return ps_err(err, errlen, PS_EPARSE, "bad duration \"%s\": "
			      "longer than " SIM_TIME_MAX_TEXT ", the most "
			      "virtual time represents to 1 ns", text);
	if (q == &q_rate && v > 0 && v * scale < 1 / SIM_TIME_MAX)
		return ps_err(err, errlen, PS_EPARSE, "bad rate \"%s\": fewer "
			      "than one per " SIM_TIME_MAX_TEXT ", the most "
			      "virtual time represents to 1 ns", text);
	*out = v * scale;
	return PS_OK;
bad:
	return ps_err(err, errlen, PS_EPARSE,
		      "bad %s \"%s\": expected a number with %s", q->noun, text,
		      q->hint);
}

int unit_time(const char *text, double *out_s, char *err, size_t errlen)
{
	return scaled(text, &q_time, out_s, err, errlen);
}

int unit_seconds(const char *text, double *out_s, char *err, size_t errlen)
{
	return scaled(text, &q_seconds, out_s, err, errlen);
}

int unit_rate(const char *text, double *out_per_s, char *err, size_t errlen)
{
	return scaled(text, &q_rate, out_per_s, err, errlen);
}

int unit_size(const char *text, double *out_bytes, char *err, size_t errlen)
{
	return scaled(text, &q_size, out_bytes, err, errlen);
}

/* Shares (warm-up, panic rate, mix weights) are probabilities, so anything
 * outside [0, 1] — 150% or a bare 5 — is refused rather than clamped. */
int unit_percent(const char *text, double *out_frac, char *err, size_t errlen)
{
	double v;
	const char *p = scan_number(text, &v);
	if (!p)
		goto bad;
	p = skip_blanks(p);
	if (*p == '%') {
		if (*skip_blanks(p + 1))
			goto bad;
		v /= 100.0;
	} else if (*p) {
		goto bad;
	}
	if (v < 0 || v > 1)
		goto bad;
	*out_frac = v;
	return PS_OK;
bad:
	return ps_err(err, errlen, PS_EPARSE,
		      "bad percentage \"%s\": expected N%% (0-100) or a fraction in [0, 1]",
		      text);
}

int unit_number(const char *text, double *out, char *err, size_t errlen)
{
	double v;
	const char *p = scan_number(text, &v);
	if (!p || *skip_blanks(p))
		return ps_err(err, errlen, PS_EPARSE,
			      "bad number \"%s\": expected a plain number", text);
	*out = v;
	return PS_OK;
}
