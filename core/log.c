#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum cs_log_level level = CS_LOG_INFO;
static const char *names[] = {"error", "warn", "info", "debug"};

void cs_log_set_level(enum cs_log_level l)
{
	level = l;
}

bool cs_log_enabled(enum cs_log_level l)
{
	return l <= level;
}

int cs_log_parse_level(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

void cs_log(enum cs_log_level l, const char *fmt, ...)
{
	if (l > level)
		return;
	char buf[2048];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = (int)strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, ".%03ldZ %-5s ", ts.tv_nsec / 1000000,
		      names[l]);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write so concurrent threads do not interleave lines. */
	fprintf(stderr, "%s\n", buf);
}
