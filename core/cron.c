/* Cron expression parsing with the error messages Kubernetes returns for a
 * bad CronJob schedule, so `kubectl apply` users see familiar text. */
#include "cron.h"
#include "tzone.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct range {
	unsigned min, max;
	const char *const *names; /* names[i] has value min + i; NULL if none */
};

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul",
					  "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const dow_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};

static const struct range ranges[5] = {
	{0, 59, NULL}, {0, 23, NULL}, {1, 31, NULL}, {1, 12, month_names}, {0, 6, dow_names},
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Go's strconv.Atoi plus robfig's negative check, with their messages. */
static int parse_uint(const char *s, unsigned *out, char *err, size_t errlen)
{
	const char *p = s;
	if (*p == '+' || *p == '-')
		p++;
	if (!*p)
		return fail(err, errlen,
			    "failed to parse int from %s: strconv.Atoi: parsing \"%s\": "
			    "invalid syntax",
			    s, s);
	for (const char *q = p; *q; q++)
		if (!isdigit((unsigned char)*q))
			return fail(err, errlen,
				    "failed to parse int from %s: strconv.Atoi: "
				    "parsing \"%s\": invalid syntax",
				    s, s);
	errno = 0;
	long long v = strtoll(s, NULL, 10);
	if (errno == ERANGE || v > INT_MAX || v < INT_MIN)
		return fail(err, errlen,
			    "failed to parse int from %s: strconv.Atoi: parsing \"%s\": "
			    "value out of range",
			    s, s);
	if (v < 0)
		return fail(err, errlen, "negative number (%lld) not allowed: %s", v, s);
	*out = (unsigned)v;
	return 0;
}

static int parse_value(const char *s, const struct range *r, unsigned *out, char *err,
		       size_t errlen)
{
	for (size_t i = 0; r->names && r->names[i]; i++) {
		if (!strcasecmp(s, r->names[i])) {
			*out = r->min + (unsigned)i;
			return 0;
		}
	}
	return parse_uint(s, out, err, errlen);
}

/* One comma-separated term: "*", "?", "a", "a-b", with optional "/step". */
static int parse_term(char *expr, const struct range *r, uint64_t *bits, bool *star, char *err,
		      size_t errlen)
{
	char orig[128];
	snprintf(orig, sizeof(orig), "%s", expr);
	char *slash = strchr(expr, '/');
	if (slash && strchr(slash + 1, '/'))
		return fail(err, errlen, "too many slashes: %s", orig);
	if (slash)
		*slash = '\0';
	unsigned start, end, step = 1;
	bool is_star = false;
	if (!strcmp(expr, "*") || !strcmp(expr, "?")) {
		start = r->min;
		end = r->max;
		is_star = true;
	} else {
		char *dash = strchr(expr, '-');
		if (dash && strchr(dash + 1, '-'))
			return fail(err, errlen, "too many hyphens: %s", orig);
		if (dash)
			*dash = '\0';
		if (parse_value(expr, r, &start, err, errlen) < 0)
			return -1;
		end = start;
		if (dash && parse_value(dash + 1, r, &end, err, errlen) < 0)
			return -1;
		/* "N/step" means "N-max/step". */
		if (!dash && slash)
			end = r->max;
	}
	if (slash) {
		if (parse_uint(slash + 1, &step, err, errlen) < 0)
			return -1;
		if (step > 1)
			is_star = false;
	}
	if (start < r->min)
		return fail(err, errlen, "beginning of range (%u) below minimum (%u): %s", start,
			    r->min, orig);
	if (end > r->max)
		return fail(err, errlen, "end of range (%u) above maximum (%u): %s", end, r->max,
			    orig);
	if (start > end)
		return fail(err, errlen, "beginning of range (%u) beyond end of range (%u): %s",
			    start, end, orig);
	if (step == 0)
		return fail(err, errlen, "step of range should be a positive number: %s", orig);
	for (unsigned v = start; v <= end; v += step)
		*bits |= (uint64_t)1 << v;
	*star = *star || is_star;
	return 0;
}

static int parse_field(const char *field, const struct range *r, uint64_t *bits, bool *star,
		       char *err, size_t errlen)
{
	char buf[256];
	if (strlen(field) >= sizeof(buf))
		return fail(err, errlen, "field too long: %.32s...", field);
	strcpy(buf, field);
	*bits = 0;
	*star = false;
	char *save = NULL;
	/* strtok_r would merge empty list items; robfig rejects them as ints. */
	for (char *term = buf;; term = save + 1) {
		save = strchr(term, ',');
		if (save)
			*save = '\0';
		if (parse_term(term, r, bits, star, err, errlen) < 0)
			return -1;
		if (!save)
			return 0;
	}
}

/* Go time.ParseDuration for the units cron intervals use. */
static int parse_duration(const char *s, int64_t *secs)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = {{"ns", 1e-9}, {"us", 1e-6}, {"µs", 1e-6}, {"ms", 1e-3},
		     {"s", 1},     {"m", 60},    {"h", 3600}};
	double total = 0;
	const char *p = s;
	if (!strcmp(p, "0"))
		return -1; /* valid in Go, but robfig rejects a zero interval */
	if (!*p)
		return -1;
	while (*p) {
		char *end;
		if (!isdigit((unsigned char)*p) && *p != '.')
			return -1;
		double v = strtod(p, &end);
		if (end == p)
			return -1;
		p = end;
		size_t best = 0, bi = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t n = strlen(units[i].unit);
			if (!strncmp(p, units[i].unit, n) && n > best) {
				best = n;
				bi = i;
			}
		}
		if (!best)
			return -1;
		total += v * units[bi].mult;
		p += best;
	}
	if (total < 1 || total > 1e12)
		return -1; /* robfig rounds to whole seconds, with a 1s minimum */
	*secs = (int64_t)total;
	return 0;
}

bool cs_cron_zone_exists(const char *name)
{
	if (!strcmp(name, "UTC") || !strcmp(name, "Local") || !strcmp(name, ""))
		return true;
	/* Go's time.LoadLocation refuses these before looking. */
	if (name[0] == '/' || name[0] == '\\' || strstr(name, ".."))
		return false;
	/* A zone is a file: "Europe" is a directory, and a name cut short to
	 * fit the buffer could name some other zone. */
	char path[256];
	struct stat sb;
	if (snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name) >= (int)sizeof(path))
		return false;
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && access(path, R_OK) == 0;
}

int cs_cron_parse(const char *expr, cs_cron *out, char *err, size_t errlen)
{
	cs_cron c;
	memset(&c, 0, sizeof(c));
	char buf[512];
	if (!expr || strlen(expr) >= sizeof(buf))
		return fail(err, errlen, "schedule too long");
	snprintf(buf, sizeof(buf), "%s", expr);
	char *spec = buf;
	while (isspace((unsigned char)*spec))
		spec++;
	if (!*spec)
		return fail(err, errlen, "empty spec string");
	if (!strncmp(spec, "TZ=", 3) || !strncmp(spec, "CRON_TZ=", 8)) {
		char *eq = strchr(spec, '=');
		char *sp = strchr(spec, ' ');
		if (!sp)
			return fail(err, errlen, "expected exactly 5 fields, found 0: []");
		*sp = '\0';
		/* c.tz must hold the name whole: a cut name is another zone. */
		if (strlen(eq + 1) >= sizeof(c.tz) || !cs_cron_zone_exists(eq + 1))
			return fail(err, errlen, "provided bad location %s: unknown time zone %s",
				    eq + 1, eq + 1);
		snprintf(c.tz, sizeof(c.tz), "%s", eq + 1);
		spec = sp + 1;
		while (isspace((unsigned char)*spec))
			spec++;
	}
	if (spec[0] == '@') {
		static const struct {
			const char *name, *fields;
		} desc[] = {
			{"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"},
			{"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
			{"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
			{"@hourly", "0 * * * *"},
		};
		char *end = spec + strlen(spec);
		while (end > spec && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (!strncmp(spec, "@every ", 7)) {
			if (parse_duration(spec + 7, &c.every) < 0)
				return fail(err, errlen,
					    "failed to parse duration %s: time: invalid "
					    "duration \"%s\"",
					    spec, spec + 7);
			*out = c;
			return 0;
		}
		size_t i;
		for (i = 0; i < sizeof(desc) / sizeof(desc[0]); i++)
			if (!strcmp(spec, desc[i].name))
				break;
		if (i == sizeof(desc) / sizeof(desc[0]))
			return fail(err, errlen, "unrecognized descriptor: %s", spec);
		snprintf(buf, sizeof(buf), "%s", desc[i].fields);
		spec = buf;
	}
	char *fields[5], *save = NULL, list[512] = "";
	size_t n = 0, off = 0;
	for (char *f = strtok_r(spec, " \t\n\v\f\r", &save); f;
	     f = strtok_r(NULL, " \t\n\v\f\r", &save)) {
		if (n < 5)
			fields[n] = f;
		n++;
		off += (size_t)snprintf(list + off, off < sizeof(list) ? sizeof(list) - off : 0,
					"%s%s", n > 1 ? " " : "", f);
		if (off >= sizeof(list))
			off = sizeof(list) - 1;
	}
	if (n != 5)
		return fail(err, errlen, "expected exactly 5 fields, found %zu: [%s]", n, list);
	uint64_t bits[5];
	bool star[5];
	for (int i = 0; i < 5; i++)
		if (parse_field(fields[i], &ranges[i], &bits[i], &star[i], err, errlen) < 0)
			return -1;
	c.minute = bits[0];
	c.hour = (uint32_t)bits[1];
	c.dom = (uint32_t)bits[2];
	c.month = (uint16_t)bits[3];
	c.dow = (uint8_t)bits[4];
	c.dom_star = star[2];
	c.dow_star = star[4];
	*out = c;
	return 0;
}

static bool day_matches(const cs_cron *c, const struct tm *tm)
{
	bool dom = c->dom & (1u << tm->tm_mday);
	bool dow = c->dow & (1u << tm->tm_wday);
	/* As in cron(8): restricting both day fields means either may match. */
	if (c->dom_star || c->dow_star)
		return dom && dow;
	return dom || dow;
}

time_t cs_cron_next(const cs_cron *c, time_t after)
{
	/* robfig's ConstantDelaySchedule: counted from `after`, not aligned. */
	if (c->every > 0)
		return after + c->every;
	time_t t = after - after % 60 + 60;
	const time_t limit = after + (time_t)5 * 366 * 86400;
	struct tm tm;
	while (t <= limit) {
		gmtime_r(&t, &tm);
		if (!(c->month & (1u << (tm.tm_mon + 1)))) {
			/* Jump to the first minute of next month. */
			tm.tm_mon++;
			tm.tm_mday = 1;
			tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
			t = timegm(&tm);
			continue;
		}
		if (!day_matches(c, &tm)) {
			tm.tm_mday++;
			tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
			t = timegm(&tm);
			continue;
		}
		if (!(c->hour & (1u << tm.tm_hour))) {
			tm.tm_hour++;
			tm.tm_min = tm.tm_sec = 0;
			t = timegm(&tm);
			continue;
		}
		if (!(c->minute & ((uint64_t)1 << tm.tm_min))) {
			t += 60;
			continue;
		}
		return t;
	}
	return -1;
}

int cs_cron_next_in(const char *expr, const char *zone, int64_t after, int64_t *next,
		    int32_t *utc_offset, char *err, size_t errlen)
{
	cs_cron c;
	if (cs_cron_parse(expr, &c, err, errlen) < 0)
		return -1;
	if (zone && c.tz[0])
		return fail(err, errlen,
			    "cannot use both timeZone field and TZ or CRON_TZ in schedule");
	if (!zone)
		zone = c.tz[0] ? c.tz : "Local";
	if (!*zone)
		zone = "UTC"; /* Go's time.LoadLocation("") */
	cs_tzone *z = cs_tzone_load(zone, err, errlen);
	if (!z)
		return -1;
	int rc = 1;
	if (c.every > 0) {
		*next = cs_cron_next(&c, (time_t)after);
		rc = 0;
	} else {
		/* As robfig/cron steps real time checking the wall clock:
		 * within each stretch of constant offset, the first matching
		 * wall time.  A wall time skipped by a change never fires; a
		 * repeated one fires each time. */
		int64_t base = after, seg = after; /* strictly after base */
		for (int i = 0; i < 64 && rc; i++) {
			int32_t off = cs_tzone_offset(z, seg);
			int64_t change = cs_tzone_next_change(z, seg);
			time_t l = cs_cron_next(&c, (time_t)(base + off));
			if (l < 0)
				break;
			if ((int64_t)l - off < change) {
				*next = (int64_t)l - off;
				rc = 0;
			} else {
				base = change - 1;
				seg = change;
			}
		}
	}
	if (rc == 0 && utc_offset)
		*utc_offset = cs_tzone_offset(z, *next);
	if (rc)
		fail(err, errlen, "schedule \"%s\" has no time within five years", expr);
	cs_tzone_free(z);
	return rc;
}
