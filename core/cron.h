/* Cron schedules as Kubernetes CronJobs accept them (robfig/cron's standard
 * parser): five fields (minute hour day-of-month month day-of-week) with
 * lists, ranges, steps, '*' and '?', month names JAN-DEC and day names
 * SUN-SAT; the descriptors @yearly @annually @monthly @weekly @daily
 * @midnight @hourly and @every <duration>; an optional CRON_TZ=<zone> or
 * TZ=<zone> prefix. */
#ifndef CS_CRON_H
#define CS_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct cs_cron {
	uint64_t minute;         /* bit n: minute n matches */
	uint32_t hour;           /* bits 0-23 */
	uint32_t dom;            /* bits 1-31 */
	uint16_t month;          /* bits 1-12 */
	uint8_t dow;             /* bits 0-6, Sunday = 0 */
	bool dom_star, dow_star; /* field was '*' or '?': days match on both */
	int64_t every;           /* @every: interval in seconds (>0), fields unused */
	char tz[64];             /* zone name from a TZ prefix, "" for none */
} cs_cron;

/* Returns 0, or -1 with err set to the message Kubernetes reports
 * (e.g. "expected exactly 5 fields, found 1: [foo]"). */
int cs_cron_parse(const char *expr, cs_cron *out, char *err, size_t errlen);

/* True when the zone database knows name ("UTC", "Europe/Paris", ...). */
bool cs_cron_zone_exists(const char *name);

/* First time strictly after `after` that the schedule fires, computed in
 * UTC (the zone in c->tz is left to the caller); -1 if none within five
 * years (e.g. "0 0 30 2 *"). */
time_t cs_cron_next(const cs_cron *c, time_t after);

/* The first time strictly after `after` (unix seconds) that schedule `expr`
 * fires in time zone `zone` (NULL: the schedule's own CRON_TZ=/TZ= prefix,
 * else the daemon's local zone, as kube-controller-manager does), with the
 * zone's UTC offset at that time in *utc_offset (when not NULL).  Wall times
 * are stepped as robfig/cron (Kubernetes' cron library) does: one skipped
 * by a daylight-saving change does not fire, one repeated by it fires at
 * each occurrence.  Returns 0; -1 with err set when the
 * schedule or zone is invalid; 1 with err set when it never fires within
 * five years. */
int cs_cron_next_in(const char *expr, const char *zone, int64_t after, int64_t *next,
		    int32_t *utc_offset, char *err, size_t errlen);

#endif
