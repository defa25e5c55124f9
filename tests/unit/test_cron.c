/* Cron schedules: what CronJob accepts, the messages for what it rejects,
 * and next-run computation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "cron.h"

static void test_valid(void **state)
{
	(void)state;
	static const char *const ok[] = {
		"* * * * *",
		"*/5 * * * *",
		"0 0 * * *",
		"0 0 1 1 *",
		"15,45 9-17 * * MON-FRI",
		"0 12 * JAN-MAR,DEC sun",
		"0 0 ? * ?",
		"5/15 * * * *",
		"0 0 31 12 6",
		"@yearly",
		"@annually",
		"@monthly",
		"@weekly",
		"@daily",
		"@midnight",
		"@hourly",
		"@every 1h30m",
		"CRON_TZ=UTC 0 0 * * *",
		"TZ=Europe/Paris 30 6 * * 1",
		"  0  1  *  *  *  ",
		"0-59/10 0-23/6 1-31/2 1-12/3 0-6/2",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cs_cron c;
		char err[256] = "";
		if (cs_cron_parse(ok[i], &c, err, sizeof(err)) != 0)
			fail_msg("\"%s\" rejected: %s", ok[i], err);
	}
}

/* 65 characters naming UTC: more than cs_cron.tz (64 bytes) holds. */
#define LONG_UTC "./././././././././././././././././././././././././././././././UTC"

static void test_invalid(void **state)
{
	(void)state;
	static const struct {
		const char *expr, *msg;
	} bad[] = {
		{"foo", "expected exactly 5 fields, found 1: [foo]"},
		{"* * * *", "expected exactly 5 fields, found 4: [* * * *]"},
		{"* * * * * *", "expected exactly 5 fields, found 6: [* * * * * *]"},
		{"60 * * * *", "end of range (60) above maximum (59): 60"},
		{"* 24 * * *", "end of range (24) above maximum (23): 24"},
		{"* * 0 * *", "beginning of range (0) below minimum (1): 0"},
		{"* * * 13 *", "end of range (13) above maximum (12): 13"},
		{"* * * * 7", "end of range (7) above maximum (6): 7"},
		{"5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"},
		{"*/0 * * * *", "step of range should be a positive number: */0"},
		{"1-2-3 * * * *", "too many hyphens: 1-2-3"},
		{"*/2/3 * * * *", "too many slashes: */2/3"},
		{"x * * * *",
		 "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax"},
		{"* * * FOO *",
		 "failed to parse int from FOO: strconv.Atoi: parsing \"FOO\": invalid "
		 "syntax"},
		{"1,,2 * * * *",
		 "failed to parse int from : strconv.Atoi: parsing \"\": invalid syntax"},
		{"@fortnightly", "unrecognized descriptor: @fortnightly"},
		{"@every nope",
		 "failed to parse duration @every nope: time: invalid duration \"nope\""},
		{"TZ=Mars/Olympus 0 0 * * *",
		 "provided bad location Mars/Olympus: unknown time zone Mars/Olympus"},
		/* A directory of the zone database is no zone. */
		{"TZ=Europe 0 0 * * *", "provided bad location Europe: unknown time zone Europe"},
		/* Too long for cs_cron.tz: it used to be cut to 63 characters. */
		{"TZ=" LONG_UTC " 0 0 * * *",
		 "provided bad location " LONG_UTC ": unknown time zone " LONG_UTC},
		{"", "empty spec string"},
		{"   ", "empty spec string"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cs_cron c;
		char err[256] = "";
		if (cs_cron_parse(bad[i].expr, &c, err, sizeof(err)) != -1)
			fail_msg("\"%s\" accepted", bad[i].expr);
		if (strcmp(err, bad[i].msg))
			fail_msg("\"%s\": got \"%s\" want \"%s\"", bad[i].expr, err, bad[i].msg);
	}
}

static void test_fields(void **state)
{
	(void)state;
	cs_cron c;
	char err[128];
	assert_int_equal(cs_cron_parse("15,45 9-17 * JAN,dec MON-FRI", &c, err, sizeof(err)), 0);
	assert_true(c.minute == ((1ull << 15) | (1ull << 45)));
	assert_int_equal(c.hour, 0x3fe00); /* 9..17 */
	assert_int_equal(c.month, (1 << 1) | (1 << 12));
	assert_int_equal(c.dow, 0x3e);
	assert_true(c.dom_star);
	assert_false(c.dow_star);
	assert_int_equal(cs_cron_parse("CRON_TZ=Europe/Paris @daily", &c, err, sizeof(err)), 0);
	assert_string_equal(c.tz, "Europe/Paris");
	assert_true(c.minute == 1 && c.hour == 1);
	assert_int_equal(cs_cron_parse("@every 90s", &c, err, sizeof(err)), 0);
	assert_int_equal(c.every, 90);
}

static time_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {
		.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return timegm(&tm);
}

static void test_next(void **state)
{
	(void)state;
	static const struct {
		const char *expr;
		int from[5], want[5];
	} cases[] = {
		{"*/15 * * * *", {2024, 5, 1, 10, 7}, {2024, 5, 1, 10, 15}},
		{"0 0 * * *", {2024, 12, 31, 23, 59}, {2025, 1, 1, 0, 0}},
		{"30 6 * * MON", {2024, 5, 1, 0, 0}, {2024, 5, 6, 6, 30}}, /* 1 May 2024: Wed */
		{"0 0 29 2 *", {2023, 3, 1, 0, 0}, {2024, 2, 29, 0, 0}},
		/* Both day fields restricted: either matches. */
		{"0 0 13 * FRI", {2024, 9, 1, 0, 0}, {2024, 9, 6, 0, 0}},
		{"@hourly", {2024, 5, 1, 10, 0}, {2024, 5, 1, 11, 0}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cs_cron c;
		char err[128];
		assert_int_equal(cs_cron_parse(cases[i].expr, &c, err, sizeof(err)), 0);
		const int *f = cases[i].from, *w = cases[i].want;
		time_t got = cs_cron_next(&c, utc(f[0], f[1], f[2], f[3], f[4]));
		if (got != utc(w[0], w[1], w[2], w[3], w[4]))
			fail_msg("%s: got %lld", cases[i].expr, (long long)got);
	}
	cs_cron c;
	char err[128];
	assert_int_equal(cs_cron_parse("0 0 30 2 *", &c, err, sizeof(err)), 0);
	assert_int_equal(cs_cron_next(&c, utc(2024, 1, 1, 0, 0)), -1);
	assert_int_equal(cs_cron_parse("@every 1m", &c, err, sizeof(err)), 0);
	assert_int_equal(cs_cron_next(&c, 125), 180);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_next),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
