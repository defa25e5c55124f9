/* The CronJob controller's schedule arithmetic (modules/ctrl-cronjob/
 * sched.c, compiled in here: it uses nothing but libc), driven by the
 * core's cron evaluation as the module gets it through cs_host.cron_next. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../../modules/ctrl-cronjob/sched.c"
#include "cron.h"

struct sched {
	const char *expr, *zone;
};

static int next_fn(void *arg, int64_t after, int64_t *next, int32_t *offset, char *err,
		   size_t errlen)
{
	const struct sched *s = arg;
	int rc = cs_cron_next_in(s->expr, s->zone, after, next, offset, err, errlen);
	return rc ? -1 : 0;
}

static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {.tm_year = y - 1900,
			.tm_mon = mo - 1,
			.tm_mday = d,
			.tm_hour = h,
			.tm_min = mi,
			.tm_sec = s};
	return (int64_t)timegm(&tm);
}

#define T0 1714557600 /* 2024-05-01T10:00:00Z, a Wednesday */

static void test_decide(void **state)
{
	(void)state;
	static const char *const one[] = {"other"};
	static const char *const processed[] = {"cj-28575961"}; /* (T0 + 60) / 60 */
	const struct {
		const char *what, *expr, *zone;
		int64_t created, last, deadline, now;
		enum cj_policy policy;
		const char *const *active;
		size_t nactive;
		enum cj_action action;
		int64_t scheduled, wake;
		bool too_many;
		int32_t offset;
	} cases[] = {
		{"not due yet", "* * * * *", "UTC", T0 + 10, -1, -1, T0 + 30, CJ_ALLOW, NULL, 0,
		 CJ_WAIT, 0, T0 + 60, false, 0},
		{"due at the minute", "* * * * *", "UTC", T0 + 10, -1, -1, T0 + 60, CJ_ALLOW, NULL,
		 0, CJ_RUN, T0 + 60, T0 + 120, false, 0},
		{"due, a bit late", "*/1 * * * *", "UTC", T0 + 10, -1, -1, T0 + 75, CJ_ALLOW, NULL,
		 0, CJ_RUN, T0 + 60, T0 + 120, false, 0},
		{"ran already", "* * * * *", "UTC", T0 - 600, T0 + 60, -1, T0 + 90, CJ_ALLOW, NULL,
		 0, CJ_WAIT, 0, T0 + 120, false, 0},
		{"missed a few: the latest runs", "* * * * *", "UTC", T0 - 600, T0 + 60, -1,
		 T0 + 200, CJ_ALLOW, NULL, 0, CJ_RUN, T0 + 180, T0 + 240, false, 0},
		{"missed more than 100", "* * * * *", "UTC", T0 - 86400, T0 - 200 * 60, -1, T0 + 5,
		 CJ_ALLOW, NULL, 0, CJ_RUN, T0, T0 + 60, true, 0},
		{"exactly 100 missed is no warning", "* * * * *", "UTC", T0 - 86400, T0 - 100 * 60,
		 -1, T0 + 5, CJ_ALLOW, NULL, 0, CJ_RUN, T0, T0 + 60, false, 0},
		/* startingDeadlineSeconds bounds how far back a start counts. */
		{"within the starting deadline", "* * * * *", "UTC", T0 - 86400, T0 - 600, 10,
		 T0 + 5, CJ_ALLOW, NULL, 0, CJ_RUN, T0, T0 + 60, false, 0},
		{"past the starting deadline", "* * * * *", "UTC", T0 - 86400, T0 - 600, 10,
		 T0 + 30, CJ_ALLOW, NULL, 0, CJ_WAIT, 0, T0 + 60, false, 0},
		{"deadline hides the many missed", "* * * * *", "UTC", T0 - 86400, T0 - 500 * 60,
		 100, T0 + 5, CJ_ALLOW, NULL, 0, CJ_RUN, T0, T0 + 60, false, 0},
		{"its job is active already", "* * * * *", "UTC", T0 - 600, -1, -1, T0 + 61,
		 CJ_ALLOW, processed, 1, CJ_PROCESSED, T0 + 60, T0 + 120, false, 0},
		{"forbid with one active", "* * * * *", "UTC", T0 - 600, T0, -1, T0 + 61, CJ_FORBID,
		 one, 1, CJ_FORBIDDEN, T0 + 60, T0 + 120, false, 0},
		{"forbid with none active", "* * * * *", "UTC", T0 - 600, T0, -1, T0 + 61,
		 CJ_FORBID, NULL, 0, CJ_RUN, T0 + 60, T0 + 120, false, 0},
		{"replace with one active", "* * * * *", "UTC", T0 - 600, T0, -1, T0 + 61,
		 CJ_REPLACE, one, 1, CJ_RUN, T0 + 60, T0 + 120, false, 0},
		{"allow with one active", "* * * * *", "UTC", T0 - 600, T0, -1, T0 + 61, CJ_ALLOW,
		 one, 1, CJ_RUN, T0 + 60, T0 + 120, false, 0},
		/* 09:00 in Kolkata (UTC+05:30) is 03:30 UTC. */
		{"time zone", "0 9 * * *", "Asia/Kolkata", utc(2024, 5, 1, 0, 0, 0), -1, -1,
		 utc(2024, 5, 1, 4, 0, 0), CJ_ALLOW, NULL, 0, CJ_RUN, utc(2024, 5, 1, 3, 30, 0),
		 utc(2024, 5, 2, 3, 30, 0), false, 19800},
		{"time zone, not due", "0 9 * * *", "Asia/Kolkata", utc(2024, 5, 1, 0, 0, 0), -1,
		 -1, utc(2024, 5, 1, 3, 0, 0), CJ_ALLOW, NULL, 0, CJ_WAIT, 0,
		 utc(2024, 5, 1, 3, 30, 0), false, 0},
		{"hourly", "@hourly", "UTC", T0 - 60, -1, -1, T0 + 3599, CJ_ALLOW, NULL, 0, CJ_RUN,
		 T0, T0 + 3600, false, 0},
		/* Irregular intervals: the estimate from the first interval (4 h)
		 * lands after the true latest start (Fri 14:30, seen on Mon
		 * 06:00), which must still be found. */
		{"irregular schedule", "30 6-16/4 * * 1-5", "UTC", utc(2024, 4, 1, 0, 0, 0),
		 utc(2024, 5, 1, 6, 30, 0), -1, utc(2024, 5, 6, 6, 0, 0), CJ_ALLOW, NULL, 0, CJ_RUN,
		 utc(2024, 5, 3, 14, 30, 0), utc(2024, 5, 6, 6, 30, 0), false, 0},
		/* @every counts from creation or the last start, as robfig/cron. */
		{"@every from creation", "@every 90s", "UTC", T0 + 7, -1, -1, T0 + 100, CJ_ALLOW,
		 NULL, 0, CJ_RUN, T0 + 97, T0 + 187, false, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sched s = {cases[i].expr, cases[i].zone};
		cj_input in = {cases[i].created, cases[i].last, cases[i].deadline, next_fn, &s};
		cj_plan p;
		char err[256] = "";
		assert_int_equal(cj_decide(&in, cases[i].now, cases[i].policy, "cj",
					   cases[i].active, cases[i].nactive, &p, err, sizeof(err)),
				 0);
		if (p.action != cases[i].action || p.scheduled != cases[i].scheduled ||
		    p.wake != cases[i].wake || p.too_many_missed != cases[i].too_many ||
		    (p.action == CJ_RUN && p.scheduled_offset != cases[i].offset))
			fail_msg(
				"%s: action %d scheduled %lld wake %lld too_many %d offset %d (%s)",
				cases[i].what, p.action, (long long)p.scheduled, (long long)p.wake,
				p.too_many_missed, p.scheduled_offset, err);
	}
}

static void test_bad_schedules(void **state)
{
	(void)state;
	static const struct {
		const char *expr, *msg;
	} cases[] = {
		{"0 0 30 2 *", "schedule \"0 0 30 2 *\" has no time within five years"},
		{"61 * * * *", "end of range (61) above maximum (59): 61"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sched s = {cases[i].expr, "UTC"};
		cj_input in = {T0, -1, -1, next_fn, &s};
		cj_plan p;
		char err[256] = "";
		assert_int_equal(
			cj_decide(&in, T0 + 3600, CJ_ALLOW, "cj", NULL, 0, &p, err, sizeof(err)),
			0);
		assert_int_equal(p.action, CJ_BAD_SCHEDULE);
		assert_string_equal(err, cases[i].msg);
		assert_int_equal(p.wake, -1);
	}
}

/* The missed-start counting of mostRecentScheduleTime on its own. */
static void test_most_recent(void **state)
{
	(void)state;
	struct sched s = {"*/5 * * * *", "UTC"};
	cj_input in = {T0, -1, -1, next_fn, &s};
	cj_times t;
	char err[128];
	assert_int_equal(cj_most_recent(&in, T0 + 299, false, &t, err, sizeof(err)), 0);
	assert_false(t.has_recent);
	assert_int_equal(t.earliest, T0);
	assert_int_equal(cj_most_recent(&in, T0 + 300, false, &t, err, sizeof(err)), 0);
	assert_true(t.has_recent);
	assert_int_equal(t.recent, T0 + 300);
	assert_int_equal(t.missed, CJ_NONE_MISSED);
	assert_int_equal(cj_most_recent(&in, T0 + 601, false, &t, err, sizeof(err)), 0);
	assert_int_equal(t.recent, T0 + 600);
	assert_int_equal(t.missed, CJ_FEW_MISSED);
	/* The deadline moves earliest forward only when asked to. */
	in.starting_deadline = 60;
	assert_int_equal(cj_most_recent(&in, T0 + 1000, true, &t, err, sizeof(err)), 0);
	assert_int_equal(t.earliest, T0 + 940);
	assert_false(t.has_recent);
	assert_int_equal(cj_next_wake(&in, T0 + 1000), T0 + 1200);
}

static void test_names_and_times(void **state)
{
	(void)state;
	char buf[64];
	cj_job_name(buf, sizeof(buf), "hello", T0 + 60);
	assert_string_equal(buf, "hello-28575961");
	cj_job_name(buf, sizeof(buf), "hello", T0 + 119);
	assert_string_equal(buf, "hello-28575961");
	cj_format_time(buf, sizeof(buf), T0, 0);
	assert_string_equal(buf, "2024-05-01T10:00:00Z");
	cj_format_time(buf, sizeof(buf), T0, 19800);
	assert_string_equal(buf, "2024-05-01T15:30:00+05:30");
	cj_format_time(buf, sizeof(buf), T0, -14400);
	assert_string_equal(buf, "2024-05-01T06:00:00-04:00");
}

static void test_history(void **state)
{
	(void)state;
	static const struct {
		int64_t ok_limit, fail_limit;
		size_t want;
		const char *victims; /* names, in order */
	} cases[] = {
		{3, 1, 2, "f1,f2"},
		{1, 1, 4, "s1,f1,f2,s3"},
		{0, 0, 6, "s1,f1,f2,s3,f3,s2"},
		{-1, 0, 3, "f1,f2,f3"},
		{5, 5, 0, ""},
		{2, -1, 1, "s1"},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		/* Out of order; s2 and f3 without a start time sort last. */
		cj_finished jobs[] = {
			{"s3", 300, false, 0}, {"f3", -1, true, 0},  {"s1", 100, false, 0},
			{"f1", 110, true, 0},  {"s2", -1, false, 0}, {"f2", 210, true, 0},
		};
		size_t k = cj_history_excess(jobs, 6, cases[c].ok_limit, cases[c].fail_limit);
		char got[64] = "";
		for (size_t i = 0; i < k; i++)
			snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? "," : "",
				 jobs[i].name);
		if (k != cases[c].want || strcmp(got, cases[c].victims))
			fail_msg("limits %lld/%lld: %zu victims \"%s\", want \"%s\"",
				 (long long)cases[c].ok_limit, (long long)cases[c].fail_limit, k,
				 got, cases[c].victims);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide),      cmocka_unit_test(test_bad_schedules),
		cmocka_unit_test(test_most_recent), cmocka_unit_test(test_names_and_times),
		cmocka_unit_test(test_history),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
