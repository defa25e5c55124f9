/* Kubernetes quantity syntax: accepted spellings and their values, and the
 * spellings resource.ParseQuantity rejects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>

#include "quantity.h"

static void test_valid(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		long double v;
	} cases[] = {
		{"0", 0},
		{"1", 1},
		{"100m", 0.1L},
		{"1.5", 1.5L},
		{".5", 0.5L},
		{"5.", 5},
		{"+2", 2},
		{"-2", -2},
		{"1k", 1e3L},
		{"1M", 1e6L},
		{"1G", 1e9L},
		{"2T", 2e12L},
		{"1P", 1e15L},
		{"1E", 1e18L},
		{"1Ki", 1024},
		{"1Mi", 1048576},
		{"1Gi", 1073741824.0L},
		{"3Ti", 3 * 1099511627776.0L},
		{"1Pi", 1125899906842624.0L},
		{"1Ei", 1152921504606846976.0L},
		{"250n", 250e-9L},
		{"5u", 5e-6L},
		{"1e3", 1e3L},
		{"1E3", 1e3L},
		{"1e-3", 1e-3L},
		{"1e+3", 1e3L},
		{"0.5Gi", 536870912.0L},
		{"128974848", 128974848.0L},
		{"129e6", 129e6L},
		{"123Mi", 128974848.0L},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long double v = -12345;
		if (cs_quantity_parse(cases[i].s, &v) != 0)
			fail_msg("%s: rejected", cases[i].s);
		if (fabsl(v - cases[i].v) > fabsl(cases[i].v) * 1e-15L)
			fail_msg("%s: got %Lg want %Lg", cases[i].s, v, cases[i].v);
	}
}

static void test_invalid(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",     "m",        ".",           "-",   "+",     "1K",    "1ki",  "1kb",
		"1 Gi", " 1",       "1Gi ",        "abc", "1..2",  "1.2.3", "0x10", "1e",
		"1e+",  "1e1.5",    "1Mi1",        "--1", "1mm",   "Ki",    "1iB",  "inf",
		"nan",  "1e999999", "1e100000000", "1,5", "1_000",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long double v = 42;
		if (cs_quantity_parse(bad[i], &v) != -1)
			fail_msg("\"%s\": accepted as %Lg", bad[i], v);
		assert_true(v == 42); /* out is untouched on error */
	}
	long double v;
	assert_int_equal(cs_quantity_parse(NULL, &v), -1);
}

/* Comparisons the validator relies on. */
static void test_ordering(void **state)
{
	(void)state;
	long double a, b;
	assert_int_equal(cs_quantity_parse("500m", &a), 0);
	assert_int_equal(cs_quantity_parse("0.5", &b), 0);
	assert_true(a == b);
	assert_int_equal(cs_quantity_parse("1Gi", &a), 0);
	assert_int_equal(cs_quantity_parse("1G", &b), 0);
	assert_true(a > b);
	assert_int_equal(cs_quantity_parse("1024Mi", &b), 0);
	assert_true(a == b);
	/* Different spellings of one value compare equal, not just close. */
	static const char *const same[][2] = {
		{"1500u", "1.5m"}, {"100u", "0.1m"}, {"0.1", "100m"},     {"5e-1", "500m"},
		{"1e3", "1k"},     {"0.001", "1m"},  {"2.5Gi", "2560Mi"},
	};
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		assert_int_equal(cs_quantity_parse(same[i][0], &a), 0);
		assert_int_equal(cs_quantity_parse(same[i][1], &b), 0);
		if (a != b)
			fail_msg("%s != %s", same[i][0], same[i][1]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_ordering),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
