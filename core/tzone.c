/* TZif reader and POSIX TZ rule evaluation (see tzone.h).  Only the UTC
 * offsets matter to callers (cron schedules in a zone), so abbreviations,
 * leap seconds and the standard/UT indicators are skipped. */
#include "tzone.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* A POSIX TZ rule date: Jn (julian, no Feb 29), n (zero-based day of the
 * year) or Mm.w.d, plus the local time of the change in seconds. */
struct rule_date {
	char kind; /* 'J', 'D' or 'M' */
	int a, b, c;
	int32_t secs;
};

struct posix_tz {
	int32_t std_off, dst_off; /* east of UTC */
	bool has_dst;
	struct rule_date start, end;
};

struct cs_tzone {
	size_t n;      /* transitions */
	int64_t *when; /* ascending */
	int32_t *off;  /* offset from when[i] on */
	int32_t first; /* offset before the first transition */
	bool has_rule; /* footer rule for times past the last transition */
	struct posix_tz rule;
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* ---- POSIX TZ strings ("CET-1CEST,M3.5.0,M10.5.0/3") ---- */

static const char *tz_name(const char *p)
{
	if (*p == '<') {
		const char *q = strchr(p, '>');
		return q && q - p >= 4 ? q + 1 : NULL;
	}
	const char *q = p;
	while (isalpha((unsigned char)*q))
		q++;
	return q - p >= 3 ? q : NULL;
}

/* [+-]hh[:mm[:ss]]; hours up to 167 (RFC 8536's extension). */
static const char *tz_hms(const char *p, int32_t *secs)
{
	int sign = 1;
	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if (!isdigit((unsigned char)*p))
		return NULL;
	long h = strtol(p, (char **)&p, 10), m = 0, s = 0;
	if (h > 167)
		return NULL;
	if (*p == ':') {
		if (!isdigit((unsigned char)*++p))
			return NULL;
		m = strtol(p, (char **)&p, 10);
		if (*p == ':') {
			if (!isdigit((unsigned char)*++p))
				return NULL;
			s = strtol(p, (char **)&p, 10);
		}
	}
	if (m > 59 || s > 59)
		return NULL;
	*secs = (int32_t)(sign * (h * 3600 + m * 60 + s));
	return p;
}

static const char *tz_date(const char *p, struct rule_date *d)
{
	d->secs = 7200; /* 02:00 unless given */
	if (*p == 'M') {
		d->kind = 'M';
		if (sscanf(p + 1, "%d.%d.%d", &d->a, &d->b, &d->c) != 3 || d->a < 1 || d->a > 12 ||
		    d->b < 1 || d->b > 5 || d->c < 0 || d->c > 6)
			return NULL;
		p++;
		for (int dots = 0; *p && (isdigit((unsigned char)*p) || (*p == '.' && dots < 2));
		     p++)
			dots += *p == '.';
	} else {
		d->kind = 'D';
		if (*p == 'J') {
			d->kind = 'J';
			p++;
		}
		if (!isdigit((unsigned char)*p))
			return NULL;
		d->a = (int)strtol(p, (char **)&p, 10);
		if (d->a > 365 || (d->kind == 'J' && d->a < 1))
			return NULL;
	}
	if (*p == '/')
		p = tz_hms(p + 1, &d->secs);
	return p;
}

static int tz_rule_parse(const char *s, struct posix_tz *r)
{
	memset(r, 0, sizeof(*r));
	const char *p = tz_name(s);
	int32_t v;
	if (!p || !(p = tz_hms(p, &v)))
		return -1;
	r->std_off = -v; /* POSIX counts west of UTC as positive */
	if (!*p)
		return 0;
	if (!(p = tz_name(p)))
		return -1;
	r->has_dst = true;
	r->dst_off = r->std_off + 3600;
	if (*p && *p != ',') {
		if (!(p = tz_hms(p, &v)))
			return -1;
		r->dst_off = -v;
	}
	if (!*p) {
		/* No rule: POSIX leaves it to the implementation; glibc and Go
		 * use the US rules. */
		r->start = (struct rule_date){'M', 3, 2, 0, 7200};
		r->end = (struct rule_date){'M', 11, 1, 0, 7200};
		return 0;
	}
	if (*p != ',' || !(p = tz_date(p + 1, &r->start)) || *p != ',' ||
	    !(p = tz_date(p + 1, &r->end)) || *p)
		return -1;
	return 0;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int64_t days_from_civil(int y, int m, int d)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
	return (int64_t)timegm(&tm) / 86400;
}

/* Unix time of local midnight (as if UTC) of the rule's day in year y. */
static int64_t rule_day(int y, const struct rule_date *d)
{
	int64_t jan1 = days_from_civil(y, 1, 1);
	switch (d->kind) {
	case 'J': /* 1..365, Feb 29 never counted */
		return (jan1 + d->a - 1 + (leap(y) && d->a >= 60)) * 86400;
	case 'D': return (jan1 + d->a) * 86400;
	default: {
		static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
		int64_t first = days_from_civil(y, d->a, 1);
		int wd1 = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01: Thursday */
		int day = 1 + (d->c - wd1 + 7) % 7 + (d->b - 1) * 7;
		int len = mdays[d->a - 1] + (d->a == 2 && leap(y));
		while (day > len)
			day -= 7;
		return (first + day - 1) * 86400;
	}
	}
}

/* The rule's changes in the year of local standard time t. */
static void rule_changes(const struct posix_tz *r, int y, int64_t *start, int64_t *end)
{
	/* The start is given in standard time, the end in daylight time. */
	*start = rule_day(y, &r->start) + r->start.secs - r->std_off;
	*end = rule_day(y, &r->end) + r->end.secs - r->dst_off;
}

static int year_of(int64_t t)
{
	time_t lt = (time_t)t;
	struct tm tm;
	return gmtime_r(&lt, &tm) ? tm.tm_year + 1900 : 1970;
}

static int32_t rule_offset(const struct posix_tz *r, int64_t t)
{
	if (!r->has_dst)
		return r->std_off;
	int64_t start, end;
	rule_changes(r, year_of(t + r->std_off), &start, &end);
	bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
	return dst ? r->dst_off : r->std_off;
}

/* ---- TZif ---- */

struct hdr {
	uint32_t isut, isstd, leap, time, type, chars;
};

static bool read_hdr(const unsigned char *p, size_t len, struct hdr *h)
{
	if (len < 44 || memcmp(p, "TZif", 4))
		return false;
	h->isut = be32(p + 20);
	h->isstd = be32(p + 24);
	h->leap = be32(p + 28);
	h->time = be32(p + 32);
	h->type = be32(p + 36);
	h->chars = be32(p + 40);
	return h->type >= 1 && h->type <= 256 && h->time <= 100000 && h->leap <= 100000 &&
	       h->chars <= 100000 && h->isut <= 256 && h->isstd <= 256;
}

static size_t block_len(const struct hdr *h, size_t tsize)
{
	return h->time * tsize + h->time + h->type * 6 + h->chars + h->leap * (tsize + 4) +
	       h->isstd + h->isut;
}

cs_tzone *cs_tzone_parse(const unsigned char *data, size_t len)
{
	struct hdr h;
	if (!read_hdr(data, len, &h))
		return NULL;
	size_t tsize = 4;
	const unsigned char *p = data + 44, *endp = data + len;
	if (data[4] >= '2') {
		/* Skip the 32-bit block: the 64-bit one follows with its own
		 * header. */
		size_t skip = block_len(&h, 4);
		if ((size_t)(endp - p) < skip || !read_hdr(p + skip, (size_t)(endp - p) - skip, &h))
			return NULL;
		p += skip + 44;
		tsize = 8;
	}
	if ((size_t)(endp - p) < block_len(&h, tsize))
		return NULL;
	const unsigned char *times = p, *idx = p + h.time * tsize, *types = idx + h.time;
	cs_tzone *z = calloc(1, sizeof(*z));
	if (!z)
		return NULL;
	z->n = h.time;
	z->when = calloc(h.time ? h.time : 1, sizeof(*z->when));
	z->off = calloc(h.time ? h.time : 1, sizeof(*z->off));
	if (!z->when || !z->off)
		goto bad;
	for (size_t i = 0; i < h.time; i++) {
		z->when[i] = tsize == 8 ? be64(times + 8 * i) : (int32_t)be32(times + 4 * i);
		if (idx[i] >= h.type || (i && z->when[i] <= z->when[i - 1]))
			goto bad;
		z->off[i] = (int32_t)be32(types + 6 * idx[i]);
	}
	z->first = (int32_t)be32(types);
	p += block_len(&h, tsize);
	/* Footer: "\n<rule>\n" (version 2+); an empty rule means none. */
	if (tsize == 8 && p < endp && *p == '\n') {
		const unsigned char *nl = memchr(p + 1, '\n', (size_t)(endp - p - 1));
		char rule[128];
		size_t rl = nl ? (size_t)(nl - p - 1) : 0;
		if (nl && rl > 0 && rl < sizeof(rule)) {
			memcpy(rule, p + 1, rl);
			rule[rl] = '\0';
			if (tz_rule_parse(rule, &z->rule) < 0)
				goto bad;
			z->has_rule = true;
		}
	}
	return z;
bad:
	cs_tzone_free(z);
	return NULL;
}

cs_tzone *cs_tzone_load(const char *name, char *err, size_t errlen)
{
	char path[512];
	const char *file = path;
	if (!strcmp(name, "UTC") || !strcmp(name, "")) {
		cs_tzone *z = calloc(1, sizeof(*z));
		if (!z)
			snprintf(err, errlen, "out of memory loading time zone %s", name);
		return z;
	}
	if (!strcmp(name, "Local")) {
		const char *tz = getenv("TZ");
		if (tz && *tz == ':')
			tz++;
		if (tz && *tz && *tz != '/' && !strstr(tz, ".."))
			snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
		else
			file = "/etc/localtime";
		struct stat sb;
		if (stat(file, &sb) != 0)
			return cs_tzone_load("UTC", err, errlen); /* Go's fallback too */
	} else if (name[0] == '/' || name[0] == '\\' || strstr(name, "..") ||
		   snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name) >=
			   (int)sizeof(path)) {
		snprintf(err, errlen, "unknown time zone %s", name);
		return NULL;
	}
	FILE *f = fopen(file, "rb");
	unsigned char *buf = NULL;
	size_t len = 0;
	if (f) {
		buf = malloc(1 << 20);
		if (buf)
			len = fread(buf, 1, 1 << 20, f);
		fclose(f);
	}
	cs_tzone *z = buf ? cs_tzone_parse(buf, len) : NULL;
	free(buf);
	if (!z)
		snprintf(err, errlen, "unknown time zone %s", name);
	return z;
}

void cs_tzone_free(cs_tzone *z)
{
	if (!z)
		return;
	free(z->when);
	free(z->off);
	free(z);
}

int32_t cs_tzone_offset(const cs_tzone *z, int64_t t)
{
	if (!z->n)
		return z->has_rule ? rule_offset(&z->rule, t) : z->first;
	if (t < z->when[0])
		return z->first;
	if (t >= z->when[z->n - 1] && z->has_rule)
		return rule_offset(&z->rule, t);
	size_t lo = 0, hi = z->n; /* largest i with when[i] <= t */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->when[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->off[lo];
}

int64_t cs_tzone_next_change(const cs_tzone *z, int64_t t)
{
	if (z->n && t < z->when[z->n - 1]) {
		size_t lo = 0, hi = z->n - 1; /* smallest i with when[i] > t */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (z->when[mid] > t)
				hi = mid;
			else
				lo = mid + 1;
		}
		return z->when[lo];
	}
	if (!z->has_rule || !z->rule.has_dst)
		return INT64_MAX;
	int64_t best = INT64_MAX;
	int y = year_of(t + z->rule.std_off);
	for (int k = 0; k < 2; k++) {
		int64_t c[2];
		rule_changes(&z->rule, y + k, &c[0], &c[1]);
		for (int i = 0; i < 2; i++)
			if (c[i] > t && c[i] < best)
				best = c[i];
	}
	return best;
}
