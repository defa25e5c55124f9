/* Cron schedules: what CronJob accepts, the messages for what it rejects,
 * and next-run computation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"
#include "tzone.h"

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
	/* robfig's @every counts from the given time, not from the epoch. */
	assert_int_equal(cs_cron_parse("@every 1m", &c, err, sizeof(err)), 0);
	assert_int_equal(cs_cron_next(&c, 125), 185);
}

/* Schedules in time zones, across daylight-saving changes and past the
 * zone files' transition tables (the POSIX rule in their footer). */
static void test_next_in(void **state)
{
	(void)state;
	static const struct {
		const char *expr, *zone;
		int from[5], want[5]; /* UTC */
		int32_t offset;
	} cases[] = {
		{"*/15 * * * *", "UTC", {2024, 5, 1, 10, 7}, {2024, 5, 1, 10, 15}, 0},
		{"0 9 * * *", "Europe/Paris", {2024, 1, 10, 0, 0}, {2024, 1, 10, 8, 0}, 3600},
		{"0 9 * * *", "Europe/Paris", {2024, 7, 10, 0, 0}, {2024, 7, 10, 7, 0}, 7200},
		/* Beyond 2037: from the footer rule CET-1CEST,M3.5.0,M10.5.0/3. */
		{"0 12 * * *", "Europe/Paris", {2100, 7, 1, 0, 0}, {2100, 7, 1, 10, 0}, 7200},
		{"0 12 * * *", "Europe/Paris", {2100, 12, 1, 0, 0}, {2100, 12, 1, 11, 0}, 3600},
		/* Last Sunday of March 2100 is the 28th: 02:00 CET -> 03:00
		 * CEST, 02:30 is skipped. */
		{"30 2 * * *", "Europe/Paris", {2100, 3, 27, 12, 0}, {2100, 3, 29, 0, 30}, 7200},
		{"30 3 * * *", "Europe/Paris", {2100, 3, 27, 12, 0}, {2100, 3, 28, 1, 30}, 7200},
		/* 2024-03-10 02:30 does not exist in New York: skipped, as
		 * robfig/cron does. */
		{"30 2 * * *",
		 "America/New_York",
		 {2024, 3, 10, 5, 0},
		 {2024, 3, 11, 6, 30},
		 -14400},
		/* 2024-11-03 01:30 happens twice: first in EDT ... */
		{"30 1 * * *",
		 "America/New_York",
		 {2024, 11, 3, 4, 0},
		 {2024, 11, 3, 5, 30},
		 -14400},
		/* ... then again in EST. */
		{"30 1 * * *",
		 "America/New_York",
		 {2024, 11, 3, 5, 30},
		 {2024, 11, 3, 6, 30},
		 -18000},
		{"30 1 * * *",
		 "America/New_York",
		 {2024, 11, 3, 6, 30},
		 {2024, 11, 4, 6, 30},
		 -18000},
		{"0 0 1 * *",
		 "America/New_York",
		 {2024, 10, 15, 0, 0},
		 {2024, 11, 1, 4, 0},
		 -14400},
		{"0 0 1 * *",
		 "America/New_York",
		 {2024, 11, 15, 0, 0},
		 {2024, 12, 1, 5, 0},
		 -18000},
		/* Every five minutes keeps going through the repeated hour. */
		{"*/5 * * * *",
		 "America/New_York",
		 {2024, 11, 3, 5, 58},
		 {2024, 11, 3, 6, 0},
		 -18000},
		{"0 0 * * *", "Australia/Sydney", {2024, 1, 10, 0, 0}, {2024, 1, 10, 13, 0}, 39600},
		{"0 0 * * *", "Australia/Sydney", {2024, 7, 10, 0, 0}, {2024, 7, 10, 14, 0}, 36000},
		{"0 0 * * *", "Asia/Kolkata", {2024, 1, 1, 0, 0}, {2024, 1, 1, 18, 30}, 19800},
		{"TZ=Asia/Tokyo 0 0 * * *", NULL, {2024, 1, 1, 0, 0}, {2024, 1, 1, 15, 0}, 32400},
		{"CRON_TZ=Europe/Paris @daily",
		 NULL,
		 {2024, 1, 1, 0, 0},
		 {2024, 1, 1, 23, 0},
		 3600},
		{"0 0 * * *", "", {2024, 1, 1, 0, 30}, {2024, 1, 2, 0, 0}, 0},
		{"@every 90s", "Europe/Paris", {2024, 1, 1, 0, 0}, {2024, 1, 1, 0, 1}, 3600},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const int *f = cases[i].from, *w = cases[i].want;
		int64_t next = 0;
		int32_t off = 1;
		char err[256] = "";
		int rc = cs_cron_next_in(cases[i].expr, cases[i].zone,
					 utc(f[0], f[1], f[2], f[3], f[4]), &next, &off, err,
					 sizeof(err));
		int64_t want = utc(w[0], w[1], w[2], w[3], w[4]);
		if (!strncmp(cases[i].expr, "@every", 6))
			want += 30; /* 90 s, not a whole minute */
		if (rc != 0 || next != want || off != cases[i].offset)
			fail_msg("case %zu %s in %s: rc %d (%s) next %lld want %lld offset %d", i,
				 cases[i].expr, cases[i].zone ? cases[i].zone : "(none)", rc, err,
				 (long long)next, (long long)want, off);
	}
	static const struct {
		const char *expr, *zone;
		int rc;
		const char *msg;
	} bad[] = {
		{"0 0 * * *", "Nowhere/City", -1, "unknown time zone Nowhere/City"},
		{"0 0 * * *", "../etc/passwd", -1, "unknown time zone ../etc/passwd"},
		{"0 0 * * *", "Europe", -1, "unknown time zone Europe"},
		{"TZ=UTC 0 0 * * *", "UTC", -1,
		 "cannot use both timeZone field and TZ or CRON_TZ in schedule"},
		{"0 0 * *", "UTC", -1, "expected exactly 5 fields, found 4: [0 0 * *]"},
		{"0 0 30 2 *", "UTC", 1, "schedule \"0 0 30 2 *\" has no time within five years"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t next = 0;
		char err[256] = "";
		int rc =
			cs_cron_next_in(bad[i].expr, bad[i].zone, 0, &next, NULL, err, sizeof(err));
		if (rc != bad[i].rc || strcmp(err, bad[i].msg))
			fail_msg("%s in %s: rc %d, \"%s\"", bad[i].expr, bad[i].zone, rc, err);
	}
}

/* Malformed zone files are refused, never read past their end. */
static void test_tzone_parse(void **state)
{
	(void)state;
	FILE *f = fopen("/usr/share/zoneinfo/America/New_York", "rb");
	assert_non_null(f);
	static unsigned char buf[1 << 16];
	size_t len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	cs_tzone *z = cs_tzone_parse(buf, len);
	assert_non_null(z);
	assert_int_equal(cs_tzone_offset(z, utc(2024, 1, 1, 0, 0)), -18000);
	assert_int_equal(cs_tzone_offset(z, utc(2024, 7, 1, 0, 0)), -14400);
	assert_int_equal(cs_tzone_offset(z, utc(2200, 7, 1, 0, 0)), -14400);
	assert_int_equal(cs_tzone_next_change(z, utc(2024, 1, 1, 0, 0)), utc(2024, 3, 10, 7, 0));
	/* From the footer rule: 2200-03-09 (second Sunday) 02:00 EST. */
	assert_int_equal(cs_tzone_next_change(z, utc(2200, 1, 1, 0, 0)), utc(2200, 3, 9, 7, 0));
	assert_int_equal(cs_tzone_next_change(z, utc(2200, 3, 9, 7, 0)), utc(2200, 11, 2, 6, 0));
	cs_tzone_free(z);
	/* Every truncation is refused or parsed within bounds (ASan checks). */
	for (size_t n = 0; n < len; n += 7)
		cs_tzone_free(cs_tzone_parse(buf, n));
	assert_null(cs_tzone_parse((const unsigned char *)"TZif2", 5));
	/* A broken footer rule is refused. */
	unsigned char *copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, buf, len);
	unsigned char *nl = memchr(copy + len - 40, '\n', 39);
	assert_non_null(nl);
	nl[1] = '1';
	assert_null(cs_tzone_parse(copy, len));
	free(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),   cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_fields),  cmocka_unit_test(test_next),
		cmocka_unit_test(test_next_in), cmocka_unit_test(test_tzone_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
