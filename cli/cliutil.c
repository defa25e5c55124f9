#include "cliutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void *cs_ctl_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

void *cs_ctl_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

char *cs_ctl_xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		abort();
	return d;
}

char *cs_ctl_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	return s;
}

static void sb_reserve(cs_ctl_sb *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->s = cs_ctl_xrealloc(b->s, cap);
	b->cap = cap;
}

void cs_ctl_sb_addn(cs_ctl_sb *b, const char *s, size_t n)
{
	sb_reserve(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void cs_ctl_sb_add(cs_ctl_sb *b, const char *s)
{
	cs_ctl_sb_addn(b, s, strlen(s));
}

void cs_ctl_sb_addc(cs_ctl_sb *b, char c)
{
	cs_ctl_sb_addn(b, &c, 1);
}

void cs_ctl_sb_printf(cs_ctl_sb *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if ((size_t)n < sizeof(small)) {
		cs_ctl_sb_addn(b, small, (size_t)n);
		return;
	}
	sb_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void cs_ctl_sb_add_escaped(cs_ctl_sb *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			cs_ctl_sb_addc(b, (char)*p);
		} else {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			cs_ctl_sb_addn(b, e, 3);
		}
	}
}

char *cs_ctl_sb_take(cs_ctl_sb *b)
{
	char *s = b->s ? b->s : cs_ctl_xstrdup("");
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void cs_ctl_sb_free(cs_ctl_sb *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

char *cs_ctl_read_stream(FILE *f, size_t *len)
{
	cs_ctl_sb b = {0};
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		cs_ctl_sb_addn(&b, chunk, n);
	if (ferror(f)) {
		cs_ctl_sb_free(&b);
		return NULL;
	}
	if (len)
		*len = b.len;
	return cs_ctl_sb_take(&b);
}

char *cs_ctl_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	if (!strcmp(path, "-")) {
		char *s = cs_ctl_read_stream(stdin, len);
		if (!s)
			snprintf(err, errlen, "cannot read standard input: %s", strerror(errno));
		return s;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot open \"%s\": %s", path, strerror(errno));
		return NULL;
	}
	char *s = cs_ctl_read_stream(f, len);
	if (!s)
		snprintf(err, errlen, "cannot read \"%s\": %s", path, strerror(errno));
	fclose(f);
	return s;
}

static int digits(const char **p, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

int cs_ctl_parse_time(const char *s, time_t *out)
{
	if (!s)
		return -1;
	const char *p = s;
	struct tm tm = {0};
	int y = digits(&p, 4);
	if (y < 0 || *p++ != '-')
		return -1;
	int mo = digits(&p, 2);
	if (mo < 1 || mo > 12 || *p++ != '-')
		return -1;
	int d = digits(&p, 2);
	if (d < 1 || d > 31 || (*p != 'T' && *p != 't' && *p != ' '))
		return -1;
	p++;
	int h = digits(&p, 2);
	if (h < 0 || h > 23 || *p++ != ':')
		return -1;
	int mi = digits(&p, 2);
	if (mi < 0 || mi > 59 || *p++ != ':')
		return -1;
	int sec = digits(&p, 2);
	if (sec < 0 || sec > 60)
		return -1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	long off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1;
		int oh = digits(&p, 2);
		if (oh < 0 || *p++ != ':')
			return -1;
		int om = digits(&p, 2);
		if (om < 0)
			return -1;
		off = sign * (oh * 3600L + om * 60L);
	} else {
		return -1;
	}
	if (*p)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = timegm(&tm) - off;
	return 0;
}

void cs_ctl_human_duration(long long secs, char *buf, size_t len)
{
	/* Clocks of client and server drift: a second in the future is "now". */
	if (secs < -1) {
		snprintf(buf, len, "<invalid>");
		return;
	}
	if (secs < 0)
		secs = 0;
	long long m = secs / 60, h = secs / 3600, d = h / 24;
	if (secs < 120)
		snprintf(buf, len, "%llds", secs);
	else if (m < 10 && secs % 60)
		snprintf(buf, len, "%lldm%llds", m, secs % 60);
	else if (m < 180)
		snprintf(buf, len, "%lldm", m);
	else if (h < 8 && m % 60)
		snprintf(buf, len, "%lldh%lldm", h, m % 60);
	else if (h < 48)
		snprintf(buf, len, "%lldh", h);
	else if (h < 24 * 8 && h % 24)
		snprintf(buf, len, "%lldd%lldh", d, h % 24);
	else if (h < 24 * 365 * 2)
		snprintf(buf, len, "%lldd", d);
	else if (h < 24 * 365 * 8 && d % 365)
		snprintf(buf, len, "%lldy%lldd", d / 365, d % 365);
	else
		snprintf(buf, len, "%lldy", d / 365);
}

void cs_ctl_age(const char *ts, time_t now, char *buf, size_t len)
{
	time_t t;
	if (cs_ctl_parse_time(ts, &t) < 0) {
		snprintf(buf, len, "<unknown>");
		return;
	}
	cs_ctl_human_duration((long long)(now - t), buf, len);
}

bool cs_ctl_has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

int cs_ctl_parse_duration(const char *s, long *ms)
{
	if (!s || !*s)
		return -1;
	char *end;
	double total = 0;
	const char *p = s;
	double v = strtod(p, &end);
	if (end != p && !*end && v >= 0) {
		*ms = (long)(v * 1000);
		return 0;
	}
	while (*p) {
		v = strtod(p, &end);
		if (end == p || v < 0)
			return -1;
		p = end;
		if (!strncmp(p, "ms", 2)) {
			total += v;
			p += 2;
		} else if (*p == 's') {
			total += v * 1000;
			p++;
		} else if (*p == 'm') {
			total += v * 60000;
			p++;
		} else if (*p == 'h') {
			total += v * 3600000;
			p++;
		} else {
			return -1;
		}
	}
	*ms = (long)total;
	return 0;
}
