/* Small containers and time helpers of ctrl-namespace. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ns.h"

void ns_strs_add(ns_strs *s, const char *fmt, ...)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		char **v = realloc(s->v, cap * sizeof(*v));
		if (!v) {
			s->oom = true;
			return;
		}
		s->v = v, s->cap = cap;
	}
	va_list ap;
	va_start(ap, fmt);
	char *str = NULL;
	int rc = vasprintf(&str, fmt, ap);
	va_end(ap);
	if (rc < 0) {
		s->oom = true;
		return;
	}
	s->v[s->n++] = str;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *ns_strs_join_sorted(ns_strs *s, const char *sep)
{
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), cmp_str);
	size_t len = 1, seplen = strlen(sep);
	for (size_t i = 0; i < s->n; i++)
		len += strlen(s->v[i]) + (i ? seplen : 0);
	char *out = malloc(len);
	if (!out)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (i) {
			memcpy(out + k, sep, seplen);
			k += seplen;
		}
		size_t l = strlen(s->v[i]);
		memcpy(out + k, s->v[i], l);
		k += l;
	}
	out[k] = '\0';
	return out;
}

void ns_strs_free(ns_strs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	*s = (ns_strs){0};
}

void ns_counts_add(ns_counts *c, const char *name, int64_t k)
{
	for (size_t i = 0; i < c->n; i++) {
		if (!strcmp(c->name[i], name)) {
			c->count[i] += k;
			return;
		}
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		char **nm = realloc(c->name, cap * sizeof(*nm));
		if (nm)
			c->name = nm;
		int64_t *ct = nm ? realloc(c->count, cap * sizeof(*ct)) : NULL;
		if (ct)
			c->count = ct;
		if (!nm || !ct) {
			c->oom = true;
			return;
		}
		c->cap = cap;
	}
	char *dup = strdup(name);
	if (!dup) {
		c->oom = true;
		return;
	}
	c->name[c->n] = dup;
	c->count[c->n++] = k;
}

void ns_counts_free(ns_counts *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->name[i]);
	free(c->name);
	free(c->count);
	*c = (ns_counts){0};
}

double ns_time(const char *s)
{
	struct tm tm = {0};
	int n = 0;
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	double t = (double)timegm(&tm);
	const char *p = s + n;
	if (*p == '.') {
		double scale = 0.1;
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			t += (*p - '0') * scale;
	}
	int oh, om;
	if (*p == 'Z' || *p == 'z')
		return p[1] ? -1 : t;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2)
		return t - (*p == '+' ? 1 : -1) * (oh * 3600.0 + om * 60.0);
	return -1;
}

double ns_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void ns_rfc3339_now(char buf[32])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
