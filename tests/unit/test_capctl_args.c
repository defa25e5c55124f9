/* Tests for cli/args.c (kubectl-style flag parsing) and the helpers of
 * cli/cliutil.c (durations, timestamps, ages, escaping). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../cli/args.c"
#include "../../cli/cliutil.c"

struct parsed {
	cs_ctl_opts o;
	char **pos;
	size_t npos;
	bool seen[64];
	char err[256];
	int rc;
};

static void parse(struct parsed *p, const char *const *args)
{
	char *argv[32] = {"capctl"};
	int argc = 1;
	for (; args[argc - 1]; argc++)
		argv[argc] = (char *)args[argc - 1];
	assert_true(cs_ctl_nflags <= 64);
	memset(p, 0, sizeof(*p));
	cs_ctl_opts_init(&p->o);
	p->rc = cs_ctl_args_parse(argc, argv, &p->o, &p->pos, &p->npos, p->seen, p->err,
				  sizeof(p->err));
}

static void done(struct parsed *p)
{
	free(p->pos);
	cs_ctl_opts_free(&p->o);
}

static void test_forms(void **state)
{
	(void)state;
	struct parsed p;
	const char *a1[] = {"-n",  "prod", "get",          "pods", "--selector=app=web", "-owide",
			    "web", "-Aw",  "--chunk-size", "20",   "--no-headers=false", NULL};
	parse(&p, a1);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.npos, 3);
	assert_string_equal(p.pos[0], "get");
	assert_string_equal(p.pos[1], "pods");
	assert_string_equal(p.pos[2], "web");
	assert_string_equal(p.o.namespace, "prod");
	assert_string_equal(p.o.selector, "app=web");
	assert_string_equal(p.o.output, "wide");
	assert_true(p.o.all_namespaces);
	assert_true(p.o.watch);
	assert_false(p.o.no_headers);
	assert_int_equal(p.o.chunk_size, 20);
	assert_int_equal(cs_ctl_args_check(p.seen, CS_CMD_GET, p.err, sizeof(p.err)), 0);
	/* --replicas is not a get flag */
	done(&p);

	const char *a2[] = {"scale", "deploy/web", "--replicas", "3", "-n=dev",
			    "--",    "-x",         "-",          NULL};
	parse(&p, a2);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.o.replicas, 3);
	assert_string_equal(p.o.namespace, "dev");
	assert_int_equal(p.npos, 4);
	assert_string_equal(p.pos[2], "-x");
	assert_string_equal(p.pos[3], "-");
	assert_int_equal(cs_ctl_args_check(p.seen, CS_CMD_SCALE, p.err, sizeof(p.err)), 0);
	assert_int_equal(cs_ctl_args_check(p.seen, CS_CMD_GET, p.err, sizeof(p.err)), -1);
	assert_string_equal(p.err, "unknown flag: --replicas");
	done(&p);

	const char *a3[] = {"apply",    "-f", "a.yaml,b.yaml", "--filename=c.yaml",
			    "-fd.yaml", "-R", "label",         "x-",
			    NULL};
	parse(&p, a3);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.o.filenames.n, 4);
	assert_string_equal(p.o.filenames.v[0], "a.yaml");
	assert_string_equal(p.o.filenames.v[1], "b.yaml");
	assert_string_equal(p.o.filenames.v[2], "c.yaml");
	assert_string_equal(p.o.filenames.v[3], "d.yaml");
	assert_true(p.o.recursive);
	assert_string_equal(p.pos[2], "x-");
	done(&p);

	/* Defaults survive when flags are absent. */
	const char *a4[] = {"delete", "pod", "x", "--wait=false", "--grace-period=-1", NULL};
	parse(&p, a4);
	assert_int_equal(p.rc, 0);
	assert_false(p.o.wait);
	assert_int_equal(p.o.grace_period, -1);
	assert_int_equal(p.o.replicas, -1);
	assert_int_equal(p.o.chunk_size, 500);
	done(&p);
}

static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *args[4];
		const char *err;
	} cases[] = {
		{{"get", "--bogus"}, "unknown flag: --bogus"},
		{{"get", "-Z"}, "unknown shorthand flag: 'Z' in -Z"},
		{{"get", "-n"}, "flag needs an argument: 'n' in -n"},
		{{"get", "--namespace"}, "flag needs an argument: --namespace"},
		{{"scale", "--replicas=x"},
		 "invalid argument \"x\" for \"--replicas\" flag: not an "
		 "integer"},
		{{"get", "--watch=maybe"},
		 "invalid argument \"maybe\" for \"--watch\" flag: not a "
		 "boolean"},
		{{"get", "-A=nope"}, "invalid argument \"nope\" for \"-A, --all-namespaces\" flag"},
		{{"scale", "--replicas="}, "not an integer"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct parsed p;
		parse(&p, cases[i].args);
		if (p.rc != -1 || !strstr(p.err, cases[i].err))
			fail_msg("case %zu: rc %d err \"%s\", want \"%s\"", i, p.rc, p.err,
				 cases[i].err);
		done(&p);
	}
}

static void test_every_flag_documented(void **state)
{
	(void)state;
	for (size_t i = 0; i < cs_ctl_nflags; i++) {
		const cs_ctl_flag *f = &cs_ctl_flags[i];
		assert_non_null(f->help);
		assert_true(f->cmds != 0);
		assert_true((f->type == CS_FLAG_BOOL) == (f->arg == NULL));
		for (size_t k = i + 1; k < cs_ctl_nflags; k++) {
			assert_string_not_equal(f->name, cs_ctl_flags[k].name);
			if (f->shorthand)
				assert_int_not_equal(f->shorthand, cs_ctl_flags[k].shorthand);
		}
	}
}

static void test_durations(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		long ms;
	} ok[] = {{"0", 0},       {"30", 30000},      {"1.5", 1500},  {"30s", 30000},
		  {"2m", 120000}, {"1h30m", 5400000}, {"250ms", 250}, {"1m0.5s", 60500}};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		long ms = -1;
		assert_int_equal(cs_ctl_parse_duration(ok[i].in, &ms), 0);
		assert_int_equal(ms, ok[i].ms);
	}
	static const char *const bad[] = {"", "s", "5x", "-1", "1d", "m5", NULL};
	for (size_t i = 0; bad[i]; i++) {
		long ms;
		if (cs_ctl_parse_duration(bad[i], &ms) == 0)
			fail_msg("duration \"%s\" should be rejected", bad[i]);
	}
}

static void test_times(void **state)
{
	(void)state;
	time_t t;
	assert_int_equal(cs_ctl_parse_time("1970-01-01T00:01:40Z", &t), 0);
	assert_int_equal(t, 100);
	assert_int_equal(cs_ctl_parse_time("2024-02-29T12:00:00.123456Z", &t), 0);
	assert_int_equal(t, 1709208000);
	assert_int_equal(cs_ctl_parse_time("2024-02-29T14:00:00+02:00", &t), 0);
	assert_int_equal(t, 1709208000);
	static const char *const bad[] = {"",
					  "2024-02-29",
					  "2024-13-01T00:00:00Z",
					  "2024-02-29T12:00:00",
					  "2024-02-29T12:00:00Zjunk",
					  "2024-02-29T12:00:00.Z",
					  NULL};
	for (size_t i = 0; bad[i]; i++)
		if (cs_ctl_parse_time(bad[i], &t) == 0)
			fail_msg("time \"%s\" should be rejected", bad[i]);
	assert_int_equal(cs_ctl_parse_time(NULL, &t), -1);

	static const struct {
		long long s;
		const char *want;
	} ages[] = {{-5, "<invalid>"},
		    {-1, "0s"},
		    {0, "0s"},
		    {119, "119s"},
		    {120, "2m"},
		    {185, "3m5s"},
		    {600, "10m"},
		    {179 * 60, "179m"},
		    {3 * 3600, "3h"},
		    {3 * 3600 + 60, "3h1m"},
		    {8 * 3600, "8h"},
		    {47 * 3600, "47h"},
		    {50 * 3600, "2d2h"},
		    {8 * 86400, "8d"},
		    {400 * 86400LL, "400d"},
		    {800 * 86400LL, "2y70d"},
		    {3650 * 86400LL, "10y"}};
	for (size_t i = 0; i < sizeof(ages) / sizeof(ages[0]); i++) {
		char buf[32];
		cs_ctl_human_duration(ages[i].s, buf, sizeof(buf));
		if (strcmp(buf, ages[i].want) != 0)
			fail_msg("%lld s: got %s, want %s", ages[i].s, buf, ages[i].want);
	}
	char buf[32];
	cs_ctl_age("1970-01-01T00:00:00Z", 90, buf, sizeof(buf));
	assert_string_equal(buf, "90s");
	cs_ctl_age("garbage", 90, buf, sizeof(buf));
	assert_string_equal(buf, "<unknown>");
}

static void test_strings(void **state)
{
	(void)state;
	cs_ctl_sb b = {0};
	char *empty = cs_ctl_sb_take(&b);
	assert_string_equal(empty, "");
	free(empty);
	cs_ctl_sb_add_escaped(&b, "a-b_c.d~e f/g=h&i%");
	assert_string_equal(b.s, "a-b_c.d~e%20f%2Fg%3Dh%26i%25");
	cs_ctl_sb_free(&b);
	for (int i = 0; i < 1000; i++)
		cs_ctl_sb_printf(&b, "%d,", i);
	assert_int_equal(b.len, strlen(b.s));
	assert_true(cs_ctl_has_suffix(b.s, "998,999,"));
	cs_ctl_sb_free(&b);
	assert_true(cs_ctl_has_suffix("x.yaml", ".yaml"));
	assert_false(cs_ctl_has_suffix("yaml", ".yaml"));

	char err[256];
	size_t len;
	assert_null(cs_ctl_read_file("/nonexistent/capctl-test", &len, err, sizeof(err)));
	assert_string_equal(err, "cannot open \"/nonexistent/capctl-test\": No such file or "
				 "directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_every_flag_documented),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
