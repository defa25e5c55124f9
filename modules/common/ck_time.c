/* Strings, times and queue keys in the forms Kubernetes writes them. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctrlkit.h"

bool ck_str_is(const char *s, const char *want)
{
	return s && !strcmp(s, want);
}

double ck_time(const char *s)
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
		return t - (*p == '+' ? 1 : -1) * (oh * 3600 + om * 60);
	return -1;
}

double ck_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ck_fmt_time(double t, char *buf, size_t n)
{
	time_t s = (time_t)t;
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void ck_rfc3339_now(char *buf, size_t n)
{
	ck_fmt_time((double)time(NULL), buf, n);
}

bool ck_split_key(const char *key, char *ns, size_t nslen, const char **name)
{
	const char *slash = strchr(key, '/');
	if (!slash || (size_t)(slash - key) >= nslen)
		return false;
	snprintf(ns, nslen, "%.*s", (int)(slash - key), key);
	*name = slash + 1;
	return true;
}
