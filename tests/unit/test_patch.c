/* Tests for core/patch.c: JSON merge patch, JSON patch, strategic merge
 * patch and merge-patch diffs, each as a table of
 * (target, patch, expected result or expected error code). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "patch.h"
#include "status.h"
#include "types.h"

/* Table rows leave trailing fields (code, kind, message) out when unused. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static cs_json *J(const char *s)
{
	char err[256];
	cs_json *v = cs_json_parse(s, strlen(s), err, sizeof(err));
	if (!v)
		fail_msg("test JSON does not parse: %s: %s", s, err);
	return v;
}

/* Arrays compare in order, objects regardless of key order. */
static void expect_json(const char *name, const cs_json *got, const char *want)
{
	cs_json *w = J(want);
	if (!cs_json_equal(got, w)) {
		char *g = cs_json_dump(got, false, NULL);
		print_error("case %s:\n  got  %s\n  want %s\n", name, g, want);
		free(g);
		cs_json_free(w);
		fail();
	}
	cs_json_free(w);
}

typedef int (*patch_fn)(cs_json **, const cs_json *, const cs_type *, cs_status *);

typedef struct {
	const char *name;
	const char *target;
	const char *patch;
	const char *want; /* NULL: the patch must fail with `code` */
	int code;
	const char *kind; /* strategic only: "v1/Pod" etc.; NULL: unknown kind */
	const char *msg;  /* substring the error message must contain */
} pcase;

static const cs_type *kind_of(const char *k)
{
	if (!k)
		return NULL;
	char av[64];
	const char *slash = strrchr(k, '/');
	snprintf(av, sizeof(av), "%.*s", (int)(slash - k), k);
	const cs_type *t = cs_type_by_kind(av, slash + 1);
	if (!t)
		fail_msg("no type %s", k);
	return t;
}

/* Runs each case and checks the result, or the error code, message and
 * that the target was left exactly as it was. */
static void run_cases(const pcase *cases, size_t n, patch_fn fn)
{
	for (size_t i = 0; i < n; i++) {
		const pcase *c = &cases[i];
		cs_json *target = J(c->target), *orig = J(c->target), *patch = J(c->patch);
		cs_status st = {0};
		int rc = fn(&target, patch, kind_of(c->kind), &st);
		if (c->want) {
			if (rc != 0)
				fail_msg("case %s: unexpected error %d %s", c->name, st.code,
					 st.message);
			expect_json(c->name, target, c->want);
		} else {
			if (rc == 0) {
				char *g = cs_json_dump(target, false, NULL);
				fail_msg("case %s: expected error %d, got %s", c->name, c->code, g);
			}
			if (st.code != c->code)
				fail_msg("case %s: code %d (%s), want %d", c->name, st.code,
					 st.message, c->code);
			if (c->msg && !strstr(st.message, c->msg))
				fail_msg("case %s: message \"%s\" lacks \"%s\"", c->name,
					 st.message, c->msg);
			if (st.code == 400)
				assert_string_equal(st.reason, "BadRequest");
			if (st.code == 422)
				assert_string_equal(st.reason, "Invalid");
			/* Atomicity: a failed patch leaves the target untouched. */
			if (!cs_json_equal(target, orig))
				fail_msg("case %s: target modified by a failed patch", c->name);
		}
		cs_json_free(target);
		cs_json_free(orig);
		cs_json_free(patch);
	}
}

static int merge_fn(cs_json **t, const cs_json *p, const cs_type *ty, cs_status *st)
{
	(void)ty;
	return cs_patch_merge(t, p, st);
}

static int json_fn(cs_json **t, const cs_json *p, const cs_type *ty, cs_status *st)
{
	(void)ty;
	return cs_patch_json(t, p, st);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- RFC 7386 (its appendix A, plus nesting) ---- */

static const pcase merge_cases[] = {
	{"replace member", "{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
	{"add member", "{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"},
	{"null deletes", "{\"a\":\"b\"}", "{\"a\":null}", "{}"},
	{"null deletes one", "{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"},
	{"scalar replaces array", "{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
	{"array replaces scalar", "{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"},
	{"nested merge", "{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}",
	 "{\"a\":{\"b\":\"d\"}}"},
	{"arrays replaced whole", "{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"},
	{"array target replaced", "[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]"},
	{"array patch replaces object", "{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]"},
	{"null patch replaces all", "{\"a\":\"foo\"}", "null", "null"},
	{"string patch replaces all", "{\"a\":\"foo\"}", "\"bar\"", "\"bar\""},
	{"null in target kept", "{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}"},
	{"object patch on array target", "[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}"},
	{"nulls in new subtree dropped", "{}", "{\"a\":{\"bb\":{\"ccc\":null}}}",
	 "{\"a\":{\"bb\":{}}}"},
	{"object replaces scalar", "{\"a\":1}", "{\"a\":{\"b\":2}}", "{\"a\":{\"b\":2}}"},
	{"deep labels", "{\"metadata\":{\"labels\":{\"x\":\"1\",\"y\":\"2\"},\"name\":\"n\"}}",
	 "{\"metadata\":{\"labels\":{\"x\":null,\"z\":\"3\"}}}",
	 "{\"metadata\":{\"labels\":{\"y\":\"2\",\"z\":\"3\"},\"name\":\"n\"}}"},
};

static void test_merge_patch(void **state)
{
	(void)state;
	run_cases(merge_cases, N(merge_cases), merge_fn);
}

static void test_merge_patch_null_target(void **state)
{
	(void)state;
	cs_json *t = NULL, *p = J("{\"a\":1}");
	cs_status st = {0};
	assert_int_equal(cs_patch_merge(&t, p, &st), 0);
	expect_json("null target", t, "{\"a\":1}");
	assert_int_equal(cs_patch_merge(&t, NULL, &st), -1);
	assert_int_equal(st.code, 400);
	cs_json_free(t);
	cs_json_free(p);
}

/* ---- RFC 6902 (its appendix A, plus errors) ---- */

static const pcase json_cases[] = {
	{"A.1 add member", "{\"foo\":\"bar\"}",
	 "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\"}]",
	 "{\"baz\":\"qux\",\"foo\":\"bar\"}"},
	{"A.2 add array element", "{\"foo\":[\"bar\",\"baz\"]}",
	 "[{\"op\":\"add\",\"path\":\"/foo/1\",\"value\":\"qux\"}]",
	 "{\"foo\":[\"bar\",\"qux\",\"baz\"]}"},
	{"A.3 remove member", "{\"baz\":\"qux\",\"foo\":\"bar\"}",
	 "[{\"op\":\"remove\",\"path\":\"/baz\"}]", "{\"foo\":\"bar\"}"},
	{"A.4 remove element", "{\"foo\":[\"bar\",\"qux\",\"baz\"]}",
	 "[{\"op\":\"remove\",\"path\":\"/foo/1\"}]", "{\"foo\":[\"bar\",\"baz\"]}"},
	{"A.5 replace", "{\"baz\":\"qux\",\"foo\":\"bar\"}",
	 "[{\"op\":\"replace\",\"path\":\"/baz\",\"value\":\"boo\"}]",
	 "{\"baz\":\"boo\",\"foo\":\"bar\"}"},
	{"A.6 move member",
	 "{\"foo\":{\"bar\":\"baz\",\"waldo\":\"fred\"},\"qux\":{\"corge\":\"grault\"}}",
	 "[{\"op\":\"move\",\"from\":\"/foo/waldo\",\"path\":\"/qux/thud\"}]",
	 "{\"foo\":{\"bar\":\"baz\"},\"qux\":{\"corge\":\"grault\",\"thud\":\"fred\"}}"},
	{"A.7 move element", "{\"foo\":[\"all\",\"grass\",\"cows\",\"eat\"]}",
	 "[{\"op\":\"move\",\"from\":\"/foo/1\",\"path\":\"/foo/3\"}]",
	 "{\"foo\":[\"all\",\"cows\",\"eat\",\"grass\"]}"},
	{"A.8 test success", "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}",
	 "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"qux\"},"
	 "{\"op\":\"test\",\"path\":\"/foo/1\",\"value\":2}]",
	 "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}"},
	{"A.9 test failure", "{\"baz\":\"qux\"}",
	 "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"bar\"}]", NULL, 422, NULL,
	 "testing value /baz failed"},
	{"A.10 add nested object", "{\"foo\":\"bar\"}",
	 "[{\"op\":\"add\",\"path\":\"/child\",\"value\":{\"grandchild\":{}}}]",
	 "{\"foo\":\"bar\",\"child\":{\"grandchild\":{}}}"},
	{"A.11 unknown members ignored", "{\"foo\":\"bar\"}",
	 "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\",\"xyz\":123,\"from\":7}]",
	 "{\"foo\":\"bar\",\"baz\":\"qux\"}"},
	{"A.12 add to missing parent", "{\"foo\":\"bar\"}",
	 "[{\"op\":\"add\",\"path\":\"/baz/bat\",\"value\":\"qux\"}]", NULL, 422, NULL,
	 "does not apply"},
	{"A.14 escapes", "{\"/\":9,\"~1\":10}",
	 "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":10}]", "{\"/\":9,\"~1\":10}"},
	{"A.15 string is not number", "{\"/\":9,\"~1\":10}",
	 "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":\"10\"}]", NULL, 422},
	{"A.16 append array value", "{\"foo\":[\"bar\"]}",
	 "[{\"op\":\"add\",\"path\":\"/foo/-\",\"value\":[\"abc\",\"def\"]}]",
	 "{\"foo\":[\"bar\",[\"abc\",\"def\"]]}"},
	{"~1 is slash", "{}", "[{\"op\":\"add\",\"path\":\"/a~1b\",\"value\":1}]", "{\"a/b\":1}"},
	{"add replaces member", "{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/a\",\"value\":2}]",
	 "{\"a\":2}"},
	{"add at end index", "{\"a\":[1]}", "[{\"op\":\"add\",\"path\":\"/a/1\",\"value\":2}]",
	 "{\"a\":[1,2]}"},
	{"add past end", "{\"a\":[1]}", "[{\"op\":\"add\",\"path\":\"/a/2\",\"value\":2}]", NULL,
	 422, NULL, "out of range"},
	{"add leading zero index", "{\"a\":[1,2]}",
	 "[{\"op\":\"add\",\"path\":\"/a/01\",\"value\":2}]", NULL, 422},
	{"add negative index", "{\"a\":[1,2]}", "[{\"op\":\"add\",\"path\":\"/a/-1\",\"value\":2}]",
	 NULL, 422},
	{"add into scalar", "{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/a/b\",\"value\":2}]", NULL,
	 422},
	{"add root", "{\"a\":1}", "[{\"op\":\"add\",\"path\":\"\",\"value\":[1]}]", "[1]"},
	{"digits are keys in objects", "{\"0\":\"x\"}",
	 "[{\"op\":\"replace\",\"path\":\"/0\",\"value\":\"y\"}]", "{\"0\":\"y\"}"},
	{"remove missing", "{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/b\"}]", NULL, 422, NULL,
	 "/b"},
	{"remove dash", "{\"a\":[1]}", "[{\"op\":\"remove\",\"path\":\"/a/-\"}]", NULL, 422},
	{"remove out of range", "{\"a\":[1]}", "[{\"op\":\"remove\",\"path\":\"/a/1\"}]", NULL,
	 422},
	{"remove root", "{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"\"}]", NULL, 422},
	{"replace missing", "{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"/b\",\"value\":2}]", NULL,
	 422},
	{"replace element", "{\"a\":[1,2]}", "[{\"op\":\"replace\",\"path\":\"/a/1\",\"value\":3}]",
	 "{\"a\":[1,3]}"},
	{"replace root", "{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"\",\"value\":{\"b\":2}}]",
	 "{\"b\":2}"},
	{"replace with null", "{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"/a\",\"value\":null}]",
	 "{\"a\":null}"},
	{"copy", "{\"a\":{\"b\":1}}", "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/c\"}]",
	 "{\"a\":{\"b\":1},\"c\":{\"b\":1}}"},
	{"copy is deep", "{\"a\":{\"b\":1}}",
	 "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/c\"},"
	 "{\"op\":\"replace\",\"path\":\"/c/b\",\"value\":2}]",
	 "{\"a\":{\"b\":1},\"c\":{\"b\":2}}"},
	{"copy missing from", "{\"a\":1}", "[{\"op\":\"copy\",\"from\":\"/x\",\"path\":\"/c\"}]",
	 NULL, 422, NULL, "from /x"},
	{"move into own child", "{\"a\":{\"b\":1}}",
	 "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/b/c\"}]", NULL, 422, NULL,
	 "own children"},
	{"move to itself", "{\"a\":{\"b\":1}}",
	 "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a\"}]", "{\"a\":{\"b\":1}}"},
	{"move to sibling prefix name", "{\"a\":1}",
	 "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/ab\"}]", "{\"ab\":1}"},
	{"move missing", "{\"a\":1}", "[{\"op\":\"move\",\"from\":\"/x\",\"path\":\"/y\"}]", NULL,
	 422},
	{"test missing path", "{\"a\":1}", "[{\"op\":\"test\",\"path\":\"/b\",\"value\":1}]", NULL,
	 422},
	{"test object ignores key order", "{\"a\":{\"x\":1,\"y\":[1,2]}}",
	 "[{\"op\":\"test\",\"path\":\"/a\",\"value\":{\"y\":[1,2],\"x\":1}}]",
	 "{\"a\":{\"x\":1,\"y\":[1,2]}}"},
	{"test array order matters", "{\"a\":[1,2]}",
	 "[{\"op\":\"test\",\"path\":\"/a\",\"value\":[2,1]}]", NULL, 422},
	{"test null value", "{\"a\":null}", "[{\"op\":\"test\",\"path\":\"/a\",\"value\":null}]",
	 "{\"a\":null}"},
	{"atomic after earlier ops", "{\"a\":1,\"l\":[1]}",
	 "[{\"op\":\"add\",\"path\":\"/x\",\"value\":1},{\"op\":\"remove\",\"path\":\"/l/0\"},"
	 "{\"op\":\"test\",\"path\":\"/a\",\"value\":2}]",
	 NULL, 422, NULL, "operation 2"},
	{"empty patch", "{\"a\":1}", "[]", "{\"a\":1}"},
	/* malformed: 400 */
	{"not an array", "{\"a\":1}", "{\"op\":\"add\"}", NULL, 400},
	{"op not an object", "{\"a\":1}", "[1]", NULL, 400, NULL, "operation 0"},
	{"missing op", "{\"a\":1}", "[{\"path\":\"/a\"}]", NULL, 400, NULL, "\"op\""},
	{"unknown op", "{\"a\":1}", "[{\"op\":\"frob\",\"path\":\"/a\"}]", NULL, 400, NULL, "frob"},
	{"missing path", "{\"a\":1}", "[{\"op\":\"remove\"}]", NULL, 400, NULL, "path"},
	{"path not a string", "{\"a\":1}", "[{\"op\":\"remove\",\"path\":1}]", NULL, 400},
	{"missing value", "{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/b\"}]", NULL, 400, NULL,
	 "value"},
	{"missing value for test", "{\"a\":1}", "[{\"op\":\"test\",\"path\":\"/a\"}]", NULL, 400},
	{"missing from", "{\"a\":1}", "[{\"op\":\"move\",\"path\":\"/b\"}]", NULL, 400, NULL,
	 "from"},
	{"pointer without slash", "{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"a\"}]", NULL, 400,
	 NULL, "pointer"},
	{"bad escape", "{\"a~2\":1}", "[{\"op\":\"remove\",\"path\":\"/a~2\"}]", NULL, 400},
	{"trailing tilde", "{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/a~\"}]", NULL, 400},
	{"bad from pointer", "{\"a\":1}", "[{\"op\":\"copy\",\"from\":\"x\",\"path\":\"/b\"}]",
	 NULL, 400},
	{"malformed later op wins over failing test", "{\"a\":1}",
	 "[{\"op\":\"test\",\"path\":\"/a\",\"value\":2},{\"op\":\"bogus\",\"path\":\"/a\"}]", NULL,
	 400},
};

static void test_json_patch(void **state)
{
	(void)state;
	run_cases(json_cases, N(json_cases), json_fn);
}

/* n nested arrays around 1. */
static char *nested(size_t n)
{
	char *s = malloc(2 * n + 2);
	memset(s, '[', n);
	s[n] = '1';
	memset(s + n + 1, ']', n);
	s[2 * n + 1] = '\0';
	return s;
}

static void expect_json_patch_error(const char *target, const char *patch, const char *msg)
{
	cs_json *t = J(target), *orig = J(target), *p = J(patch);
	cs_status st = {0};
	if (cs_patch_json(&t, p, &st) == 0)
		fail_msg("patch %.80s... should fail (%s)", patch, msg);
	assert_int_equal(st.code, 422);
	if (!strstr(st.message, msg))
		fail_msg("message \"%s\" lacks \"%s\"", st.message, msg);
	assert_true(cs_json_equal(t, orig));
	cs_json_free(t);
	cs_json_free(orig);
	cs_json_free(p);
}

/* Limits fuzz_patch led to: a patch may not build a document the parser
 * would refuse (too deep for yajl to write back, even), nor blow one up
 * by copying it into itself over and over. */
static void test_json_patch_limits(void **state)
{
	(void)state;
	char buf[8192];
	cs_status st = {0};

	/* Depth: the value's nesting plus the path's length (a patch can
	 * carry a value at most 98 deep itself). */
	char *v98 = nested(98), *v60 = nested(60);
	snprintf(buf, sizeof(buf), "[{\"op\":\"add\",\"path\":\"/a/b\",\"value\":%s}]", v98);
	cs_json *t = J("{\"a\":{}}"), *p = J(buf);
	assert_int_equal(cs_patch_json(&t, p, &st), 0);
	cs_json_free(t);
	cs_json_free(p);
	snprintf(buf, sizeof(buf), "[{\"op\":\"add\",\"path\":\"/a/b/c\",\"value\":%s}]", v98);
	expect_json_patch_error("{\"a\":{\"b\":{}}}", buf, "deeper than 100");
	snprintf(buf, sizeof(buf), "[{\"op\":\"replace\",\"path\":\"/a/b/c\",\"value\":%s}]", v98);
	expect_json_patch_error("{\"a\":{\"b\":{\"c\":1}}}", buf, "deeper than 100");
	/* copy and move stack a subtree under itself. */
	int o = snprintf(buf, sizeof(buf), "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/a");
	for (int i = 0; i < 45; i++)
		o += snprintf(buf + o, sizeof(buf) - (size_t)o, "/0");
	snprintf(buf + o, sizeof(buf) - (size_t)o, "\"}]");
	char target[256];
	snprintf(target, sizeof(target), "{\"a\":%s}", v60);
	expect_json_patch_error(target, buf, "deeper than 100");
	free(v98);
	free(v60);

	/* Copying the document into itself doubles it each time: 64 copies
	 * of a 1 KiB string would be 16 EiB. */
	o = snprintf(buf, sizeof(buf), "[");
	for (int i = 0; i < 64; i++)
		o += snprintf(buf + o, sizeof(buf) - (size_t)o,
			      "%s{\"op\":\"copy\",\"from\":\"\",\"path\":\"/c%d\"}", i ? "," : "",
			      i);
	snprintf(buf + o, sizeof(buf) - (size_t)o, "]");
	char big[1100];
	snprintf(big, sizeof(big), "{\"s\":\"%01024d\"}", 0);
	expect_json_patch_error(big, buf, "copies of this patch");
	/* A few copies are fine. */
	t = J(big);
	p = J("[{\"op\":\"copy\",\"from\":\"\",\"path\":\"/a\"},"
	      "{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/b\"}]");
	assert_int_equal(cs_patch_json(&t, p, &st), 0);
	assert_true(cs_json_equal(cs_json_get(t, "a"), cs_json_get(t, "b")));
	cs_json_free(t);
	cs_json_free(p);
}

/* ---- strategic merge patch ---- */

#define POD     "v1/Pod"
#define DEPLOY  "apps/v1/Deployment"
#define CTRS(x) "{\"spec\":{\"containers\":" x "}}"

static const pcase smp_cases[] = {
	{"map merge and null delete", "{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\"}}}",
	 "{\"metadata\":{\"labels\":{\"b\":null,\"c\":\"3\"}}}",
	 "{\"metadata\":{\"labels\":{\"a\":\"1\",\"c\":\"3\"}}}", 0, POD},
	{"null for absent key", "{\"a\":1}", "{\"b\":null}", "{\"a\":1}", 0, POD},
	{"nulls inside new map dropped", "{}",
	 "{\"spec\":{\"nodeSelector\":{\"a\":null,\"b\":\"1\"}}}",
	 "{\"spec\":{\"nodeSelector\":{\"b\":\"1\"}}}", 0, POD},
	{"type change replaces", "{\"a\":{\"b\":1}}", "{\"a\":\"x\"}", "{\"a\":\"x\"}", 0, POD},
	{"containers merge by name",
	 CTRS("[{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"b\",\"image\":\"y\"}]"),
	 CTRS("[{\"name\":\"b\",\"image\":\"z\"}]"),
	 CTRS("[{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"b\",\"image\":\"z\"}]"), 0, POD},
	/* Kubernetes puts a new item before the server-only ones when the
	 * patch gives no $setElementOrder (kubectl apply always does). */
	{"new container goes first", CTRS("[{\"name\":\"a\",\"image\":\"x\"}]"),
	 CTRS("[{\"name\":\"c\",\"image\":\"w\",\"args\":null}]"),
	 CTRS("[{\"name\":\"c\",\"image\":\"w\"},{\"name\":\"a\",\"image\":\"x\"}]"), 0, POD},
	{"unknown kind replaces lists",
	 CTRS("[{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"b\",\"image\":\"y\"}]"),
	 CTRS("[{\"name\":\"b\",\"image\":\"z\"}]"), CTRS("[{\"name\":\"b\",\"image\":\"z\"}]"), 0,
	 NULL},
	{"template containers merge",
	 "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"},"
	 "{\"name\":\"b\",\"image\":\"y\"}]}}}}",
	 "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x2\"}]}}}"
	 "}",
	 "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x2\"},"
	 "{\"name\":\"b\",\"image\":\"y\"}]}}}}",
	 0, DEPLOY},
	{"initContainers merge by name",
	 "{\"spec\":{\"initContainers\":[{\"name\":\"i\",\"image\":\"x\"}]}}",
	 "{\"spec\":{\"initContainers\":[{\"name\":\"i\",\"command\":[\"sh\"]}]}}",
	 "{\"spec\":{\"initContainers\":[{\"name\":\"i\",\"image\":\"x\",\"command\":[\"sh\"]}]}}",
	 0, POD},
	{"env merge by name inside container",
	 CTRS("[{\"name\":\"a\",\"env\":[{\"name\":\"X\",\"value\":\"1\"},"
	      "{\"name\":\"Y\",\"value\":\"1\"}]}]"),
	 CTRS("[{\"name\":\"a\",\"env\":[{\"name\":\"X\",\"value\":\"2\"}]}]"),
	 CTRS("[{\"name\":\"a\",\"env\":[{\"name\":\"X\",\"value\":\"2\"},"
	      "{\"name\":\"Y\",\"value\":\"1\"}]}]"),
	 0, POD},
	{"container ports by containerPort",
	 CTRS("[{\"name\":\"a\",\"ports\":[{\"containerPort\":80,\"protocol\":\"TCP\"},"
	      "{\"containerPort\":443,\"protocol\":\"TCP\"}]}]"),
	 CTRS("[{\"name\":\"a\",\"ports\":[{\"containerPort\":80,\"protocol\":\"TCP\","
	      "\"name\":\"http\"}]}]"),
	 CTRS("[{\"name\":\"a\",\"ports\":[{\"containerPort\":80,\"protocol\":\"TCP\","
	      "\"name\":\"http\"},{\"containerPort\":443,\"protocol\":\"TCP\"}]}]"),
	 0, POD},
	{"service ports by port",
	 "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":8080},{\"port\":443}]}}",
	 "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":9090}]}}",
	 "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":9090},{\"port\":443}]}}", 0,
	 "v1/Service"},
	{"volumes by name, volumeMounts by mountPath",
	 "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"emptyDir\":{}}],\"containers\":[{\"name\":\"a\""
	 ","
	 "\"volumeMounts\":[{\"mountPath\":\"/d\",\"name\":\"v\"}]}]}}",
	 "{\"spec\":{\"volumes\":[{\"name\":\"w\",\"emptyDir\":{}}],\"containers\":[{\"name\":\"a\""
	 ","
	 "\"volumeMounts\":[{\"mountPath\":\"/d\",\"readOnly\":true}]}]}}",
	 "{\"spec\":{\"volumes\":[{\"name\":\"w\",\"emptyDir\":{}},{\"name\":\"v\",\"emptyDir\":{}}"
	 "],"
	 "\"containers\":[{\"name\":\"a\",\"volumeMounts\":[{\"mountPath\":\"/d\",\"name\":\"v\","
	 "\"readOnly\":true}]}]}}",
	 0, POD},
	{"imagePullSecrets and hostAliases merge",
	 "{\"spec\":{\"imagePullSecrets\":[{\"name\":\"a\"}],\"hostAliases\":[{\"ip\":\"1.1.1.1\","
	 "\"hostnames\":[\"a\"]}]}}",
	 "{\"spec\":{\"imagePullSecrets\":[{\"name\":\"b\"}],\"hostAliases\":[{\"ip\":\"1.1.1.1\","
	 "\"hostnames\":[\"b\"]}]}}",
	 "{\"spec\":{\"imagePullSecrets\":[{\"name\":\"b\"},{\"name\":\"a\"}],\"hostAliases\":"
	 "[{\"ip\":\"1.1.1.1\",\"hostnames\":[\"b\"]}]}}",
	 0, POD},
	{"topologySpreadConstraints by topologyKey",
	 "{\"spec\":{\"topologySpreadConstraints\":[{\"topologyKey\":\"zone\",\"maxSkew\":1}]}}",
	 "{\"spec\":{\"topologySpreadConstraints\":[{\"topologyKey\":\"zone\",\"maxSkew\":2},"
	 "{\"topologyKey\":\"host\",\"maxSkew\":1}]}}",
	 "{\"spec\":{\"topologySpreadConstraints\":[{\"topologyKey\":\"zone\",\"maxSkew\":2},"
	 "{\"topologyKey\":\"host\",\"maxSkew\":1}]}}",
	 0, POD},
	{"tolerations are replaced",
	 "{\"spec\":{\"tolerations\":[{\"key\":\"a\",\"operator\":\"Exists\"}]}}",
	 "{\"spec\":{\"tolerations\":[{\"key\":\"b\",\"operator\":\"Exists\"}]}}",
	 "{\"spec\":{\"tolerations\":[{\"key\":\"b\",\"operator\":\"Exists\"}]}}", 0, POD},
	{"command is replaced", CTRS("[{\"name\":\"a\",\"command\":[\"x\",\"y\"]}]"),
	 CTRS("[{\"name\":\"a\",\"command\":[\"z\"]}]"),
	 CTRS("[{\"name\":\"a\",\"command\":[\"z\"]}]"), 0, POD},
	{"conditions by type",
	 "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"},"
	 "{\"type\":\"Scheduled\",\"status\":\"True\"}]}}",
	 "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}",
	 "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"},"
	 "{\"type\":\"Scheduled\",\"status\":\"True\"}]}}",
	 0, POD},
	{"ownerReferences by uid",
	 "{\"metadata\":{\"ownerReferences\":[{\"uid\":\"1\",\"name\":\"a\"}]}}",
	 "{\"metadata\":{\"ownerReferences\":[{\"uid\":\"2\",\"name\":\"b\"}]}}",
	 "{\"metadata\":{\"ownerReferences\":[{\"uid\":\"2\",\"name\":\"b\"},{\"uid\":\"1\","
	 "\"name\":\"a\"}]}}",
	 0, POD},
	{"finalizers are a set", "{\"metadata\":{\"finalizers\":[\"a\",\"b\"]}}",
	 "{\"metadata\":{\"finalizers\":[\"b\",\"c\"]}}",
	 "{\"metadata\":{\"finalizers\":[\"a\",\"b\",\"c\"]}}", 0, POD},
	{"finalizers dedup", "{\"metadata\":{\"finalizers\":[\"a\",\"a\"]}}",
	 "{\"metadata\":{\"finalizers\":[\"a\"]}}", "{\"metadata\":{\"finalizers\":[\"a\"]}}", 0,
	 POD},
	{"$deleteFromPrimitiveList", "{\"metadata\":{\"finalizers\":[\"a\",\"b\",\"c\"]}}",
	 "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"b\",\"x\"]}}",
	 "{\"metadata\":{\"finalizers\":[\"a\",\"c\"]}}", 0, POD},
	{"$deleteFromPrimitiveList on absent list", "{\"metadata\":{}}",
	 "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"b\"]}}", "{\"metadata\":{}}", 0,
	 POD},
	{"$deleteFromPrimitiveList not a list", "{\"metadata\":{\"finalizers\":[\"a\"]}}",
	 "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":\"a\"}}", NULL, 400, POD,
	 "primitive list"},
	{"$patch delete in list",
	 CTRS("[{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"b\",\"image\":\"y\"}]"),
	 CTRS("[{\"name\":\"a\",\"$patch\":\"delete\"}]"),
	 CTRS("[{\"name\":\"b\",\"image\":\"y\"}]"), 0, POD},
	{"$patch delete needs merge key", CTRS("[{\"name\":\"a\"}]"),
	 CTRS("[{\"image\":\"x\",\"$patch\":\"delete\"}]"), NULL, 400, POD, "merge key: name"},
	{"$patch replace in list",
	 CTRS("[{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"b\",\"image\":\"y\"}]"),
	 CTRS("[{\"$patch\":\"replace\"},{\"name\":\"c\",\"image\":\"w\"}]"),
	 CTRS("[{\"name\":\"c\",\"image\":\"w\"}]"), 0, POD},
	{"$patch merge in list is refused", CTRS("[{\"name\":\"a\"}]"),
	 CTRS("[{\"$patch\":\"merge\"},{\"name\":\"a\"}]"), NULL, 400, POD, "merging lists"},
	{"$patch unknown in list", CTRS("[{\"name\":\"a\"}]"),
	 CTRS("[{\"name\":\"a\",\"$patch\":\"frob\"}]"), NULL, 400, POD, "unknown patch type"},
	{"$patch replace in map", "{\"spec\":{\"nodeSelector\":{\"a\":\"1\",\"b\":\"2\"}}}",
	 "{\"spec\":{\"nodeSelector\":{\"$patch\":\"replace\",\"x\":\"1\"}}}",
	 "{\"spec\":{\"nodeSelector\":{\"x\":\"1\"}}}", 0, POD},
	{"$patch delete in map",
	 "{\"spec\":{\"nodeSelector\":{\"a\":\"1\"},\"restartPolicy\":\"Always\"}}",
	 "{\"spec\":{\"nodeSelector\":{\"$patch\":\"delete\"}}}",
	 "{\"spec\":{\"nodeSelector\":{},\"restartPolicy\":\"Always\"}}", 0, POD},
	{"$patch delete on absent map adds nothing", "{\"spec\":{}}",
	 "{\"spec\":{\"nodeSelector\":{\"$patch\":\"delete\"}}}", "{\"spec\":{}}", 0, POD},
	{"$patch merge in map is a merge", "{\"spec\":{\"nodeSelector\":{\"a\":\"1\"}}}",
	 "{\"spec\":{\"nodeSelector\":{\"$patch\":\"merge\",\"b\":\"2\"}}}",
	 "{\"spec\":{\"nodeSelector\":{\"a\":\"1\",\"b\":\"2\"}}}", 0, POD},
	{"$patch unknown in map", "{\"spec\":{\"nodeSelector\":{\"a\":\"1\"}}}",
	 "{\"spec\":{\"nodeSelector\":{\"$patch\":\"frob\"}}}", NULL, 400, POD,
	 "unknown patch type"},
	{"$patch replace at root", "{\"a\":1,\"b\":2}", "{\"$patch\":\"replace\",\"c\":3}",
	 "{\"c\":3}", 0, POD},
	{"$retainKeys",
	 "{\"spec\":{\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxSurge\":1}}}"
	 "}",
	 "{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],\"type\":\"Recreate\"}}}",
	 "{\"spec\":{\"strategy\":{\"type\":\"Recreate\"}}}", 0, DEPLOY},
	{"$retainKeys keeps listed fields",
	 "{\"spec\":{\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxSurge\":1}}}"
	 "}",
	 "{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\",\"rollingUpdate\"],"
	 "\"rollingUpdate\":{\"maxUnavailable\":0}}}}",
	 "{\"spec\":{\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxSurge\":1,"
	 "\"maxUnavailable\":0}}}}",
	 0, DEPLOY},
	{"$retainKeys must list patched fields",
	 "{\"spec\":{\"strategy\":{\"type\":\"Recreate\"}}}",
	 "{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],\"rollingUpdate\":{}}}}", NULL, 400,
	 DEPLOY, "retainKeys"},
	{"$retainKeys must be a list", "{\"spec\":{\"strategy\":{\"type\":\"Recreate\"}}}",
	 "{\"spec\":{\"strategy\":{\"$retainKeys\":\"type\"}}}", NULL, 400, DEPLOY, "retainKeys"},
	{"$setElementOrder reorders", CTRS("[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}]"),
	 "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"c\"},{\"name\":\"a\"},"
	 "{\"name\":\"b\"}]}}",
	 CTRS("[{\"name\":\"c\"},{\"name\":\"a\"},{\"name\":\"b\"}]"), 0, POD},
	{"$setElementOrder with new and changed items",
	 CTRS("[{\"name\":\"a\",\"image\":\"1\"},{\"name\":\"b\",\"image\":\"1\"}]"),
	 "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"b\"},{\"name\":\"n\"},"
	 "{\"name\":\"a\"}],\"containers\":[{\"name\":\"n\",\"image\":\"2\"},{\"name\":\"a\","
	 "\"image\":\"2\"}]}}",
	 CTRS("[{\"name\":\"b\",\"image\":\"1\"},{\"name\":\"n\",\"image\":\"2\"},{\"name\":\"a\","
	      "\"image\":\"2\"}]"),
	 0, POD},
	/* Server-only items are interleaved by their live positions: b was
	 * before c, so it stays before c. */
	{"$setElementOrder keeps server-only items near their neighbours",
	 CTRS("[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}]"),
	 "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"c\"},{\"name\":\"a\"}]}}",
	 CTRS("[{\"name\":\"b\"},{\"name\":\"c\"},{\"name\":\"a\"}]"), 0, POD},
	{"$setElementOrder server-only item after all patch items",
	 CTRS("[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"z\"}]"),
	 "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"b\"},{\"name\":\"a\"}]}}",
	 CTRS("[{\"name\":\"b\"},{\"name\":\"a\"},{\"name\":\"z\"}]"), 0, POD},
	{"$setElementOrder with deletion",
	 CTRS("[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}]"),
	 "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"c\"},{\"name\":\"a\"}],"
	 "\"containers\":[{\"name\":\"b\",\"$patch\":\"delete\"}]}}",
	 CTRS("[{\"name\":\"c\"},{\"name\":\"a\"}]"), 0, POD},
	{"$setElementOrder adds a new list", "{\"spec\":{}}",
	 "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"b\"},{\"name\":\"a\"}],"
	 "\"containers\":[{\"name\":\"b\"},{\"name\":\"a\",\"args\":null}]}}",
	 CTRS("[{\"name\":\"b\"},{\"name\":\"a\"}]"), 0, POD},
	{"$setElementOrder for primitives", "{\"metadata\":{\"finalizers\":[\"a\",\"b\"]}}",
	 "{\"metadata\":{\"$setElementOrder/finalizers\":[\"b\",\"a\",\"c\"],\"finalizers\":[\"c\"]"
	 "}}",
	 "{\"metadata\":{\"finalizers\":[\"b\",\"a\",\"c\"]}}", 0, POD},
	{"$setElementOrder env inside container",
	 CTRS("[{\"name\":\"a\",\"env\":[{\"name\":\"X\",\"value\":\"1\"},{\"name\":\"Y\","
	      "\"value\":\"1\"}]}]"),
	 CTRS("[{\"name\":\"a\",\"$setElementOrder/env\":[{\"name\":\"Y\"},{\"name\":\"X\"}]}]"),
	 CTRS("[{\"name\":\"a\",\"env\":[{\"name\":\"Y\",\"value\":\"1\"},{\"name\":\"X\","
	      "\"value\":\"1\"}]}]"),
	 0, POD},
	{"$setElementOrder disagrees with patch order", CTRS("[{\"name\":\"a\"},{\"name\":\"b\"}]"),
	 "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"b\"},{\"name\":\"a\"}],"
	 "\"containers\":[{\"name\":\"a\",\"image\":\"1\"},{\"name\":\"b\",\"image\":\"1\"}]}}",
	 NULL, 400, POD, "doesn't match"},
	{"$setElementOrder item without merge key", CTRS("[{\"name\":\"a\"}]"),
	 "{\"spec\":{\"$setElementOrder/containers\":[{\"image\":\"x\"}],"
	 "\"containers\":[{\"name\":\"a\",\"image\":\"1\"}]}}",
	 NULL, 400, POD, "merge key"},
	{"$setElementOrder not a list", CTRS("[{\"name\":\"a\"}]"),
	 "{\"spec\":{\"$setElementOrder/containers\":{\"name\":\"a\"}}}", NULL, 400, POD,
	 "setElementOrder"},
	{"patch order moves items like Kubernetes",
	 CTRS("[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}]"),
	 CTRS("[{\"name\":\"c\",\"image\":\"1\"},{\"name\":\"a\",\"image\":\"1\"}]"),
	 CTRS("[{\"name\":\"b\"},{\"name\":\"c\",\"image\":\"1\"},"
	      "{\"name\":\"a\",\"image\":\"1\"}]"),
	 0, POD},
	{"missing merge key", CTRS("[{\"name\":\"a\"}]"), CTRS("[{\"image\":\"x\"}]"), NULL, 400,
	 POD, "does not contain declared merge key: name"},
	{"list of lists", "{\"metadata\":{\"finalizers\":[[\"a\"]]}}",
	 "{\"metadata\":{\"finalizers\":[[\"b\"]]}}", NULL, 422, POD, "lists of lists"},
	{"mixed element types", "{\"metadata\":{\"finalizers\":[\"a\"]}}",
	 "{\"metadata\":{\"finalizers\":[{\"x\":1}]}}", NULL, 400, POD, "not identical"},
	{"objects in a set list", "{\"metadata\":{\"finalizers\":[{\"a\":1}]}}",
	 "{\"metadata\":{\"finalizers\":[{\"b\":1}]}}", NULL, 400, POD, "merge key"},
	{"atomic on late error",
	 "{\"metadata\":{\"labels\":{\"a\":\"1\"}},\"spec\":{\"containers\":[{\"name\":\"a\"}]}}",
	 "{\"metadata\":{\"labels\":{\"a\":null,\"b\":\"2\"}},\"spec\":{\"containers\":"
	 "[{\"name\":\"a\",\"image\":\"x\"},{\"image\":\"nokey\"}]}}",
	 NULL, 400, POD, "spec.containers"},
	{"serviceaccount secrets by name", "{\"secrets\":[{\"name\":\"a\"}]}",
	 "{\"secrets\":[{\"name\":\"b\"}]}", "{\"secrets\":[{\"name\":\"b\"},{\"name\":\"a\"}]}", 0,
	 "v1/ServiceAccount"},
	{"node addresses by type",
	 "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"10.0.0.1\"}]}}",
	 "{\"status\":{\"addresses\":[{\"type\":\"Hostname\",\"address\":\"n\"}]}}",
	 "{\"status\":{\"addresses\":[{\"type\":\"Hostname\",\"address\":\"n\"},"
	 "{\"type\":\"InternalIP\",\"address\":\"10.0.0.1\"}]}}",
	 0, "v1/Node"},
	{"scale replicas",
	 "{\"spec\":{\"replicas\":1,\"selector\":{\"matchLabels\":{\"a\":\"b\"}}}}",
	 "{\"spec\":{\"replicas\":3}}",
	 "{\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":{\"a\":\"b\"}}}}", 0, DEPLOY},
	{"not an object", "{\"a\":1}", "[1]", NULL, 400, POD},
};

static int smp_fn(cs_json **t, const cs_json *p, const cs_type *ty, cs_status *st)
{
	return cs_patch_strategic(t, p, ty, st);
}

static void test_strategic_patch(void **state)
{
	(void)state;
	run_cases(smp_cases, N(smp_cases), smp_fn);
}

/* kubectl apply's shape: a three-way patch with order directives. */
static void test_strategic_kubectl_apply(void **state)
{
	(void)state;
	const cs_type *t = kind_of(DEPLOY);
	cs_json *live = J("{\"metadata\":{\"name\":\"web\",\"labels\":{\"app\":\"web\"}},"
			  "\"spec\":{\"replicas\":2,\"template\":{\"spec\":{\"containers\":["
			  "{\"name\":\"web\",\"image\":\"nginx:1\",\"env\":[{\"name\":\"A\","
			  "\"value\":\"1\"},{\"name\":\"B\",\"value\":\"2\"}],\"ports\":["
			  "{\"containerPort\":80,\"protocol\":\"TCP\"}]},"
			  "{\"name\":\"side\",\"image\":\"busybox\"}]}}}}");
	cs_json *patch = J("{\"spec\":{\"template\":{\"spec\":{"
			   "\"$setElementOrder/containers\":[{\"name\":\"web\"}],"
			   "\"containers\":[{\"name\":\"web\",\"image\":\"nginx:2\","
			   "\"$setElementOrder/env\":[{\"name\":\"A\"},{\"name\":\"C\"}],"
			   "\"env\":[{\"name\":\"C\",\"value\":\"3\"},"
			   "{\"name\":\"B\",\"$patch\":\"delete\"}]},"
			   "{\"name\":\"side\",\"$patch\":\"delete\"}]}}}}");
	cs_status st = {0};
	assert_int_equal(cs_patch_strategic(&live, patch, t, &st), 0);
	expect_json("apply", live,
		    "{\"metadata\":{\"name\":\"web\",\"labels\":{\"app\":\"web\"}},"
		    "\"spec\":{\"replicas\":2,\"template\":{\"spec\":{\"containers\":["
		    "{\"name\":\"web\",\"image\":\"nginx:2\",\"env\":[{\"name\":\"A\","
		    "\"value\":\"1\"},{\"name\":\"C\",\"value\":\"3\"}],\"ports\":["
		    "{\"containerPort\":80,\"protocol\":\"TCP\"}]}]}}}}");
	cs_json_free(live);
	cs_json_free(patch);
}

/* ---- merge diff ---- */

typedef struct {
	const char *name, *from, *to, *want;
	bool lossy; /* `to` holds a null a merge patch cannot keep */
} dcase;

static const dcase diff_cases[] = {
	{"equal", "{\"a\":1,\"b\":{\"c\":[1]}}", "{\"b\":{\"c\":[1]},\"a\":1}", "{}"},
	{"changed scalar", "{\"a\":1,\"b\":2}", "{\"a\":1,\"b\":3}", "{\"b\":3}"},
	{"removed key", "{\"a\":1,\"b\":2}", "{\"a\":1}", "{\"b\":null}"},
	{"added key", "{\"a\":1}", "{\"a\":1,\"b\":{\"c\":1}}", "{\"b\":{\"c\":1}}"},
	{"nested", "{\"m\":{\"l\":{\"x\":\"1\",\"y\":\"2\"},\"n\":\"a\"}}",
	 "{\"m\":{\"l\":{\"x\":\"1\",\"z\":\"3\"},\"n\":\"a\"}}",
	 "{\"m\":{\"l\":{\"y\":null,\"z\":\"3\"}}}"},
	{"array changed", "{\"a\":[1,2]}", "{\"a\":[2,1]}", "{\"a\":[2,1]}"},
	{"object to scalar", "{\"a\":{\"b\":1}}", "{\"a\":5}", "{\"a\":5}"},
	{"scalar to object", "{\"a\":5}", "{\"a\":{\"b\":1}}", "{\"a\":{\"b\":1}}"},
	{"value set to null", "{\"a\":1}", "{\"a\":null}", "{\"a\":null}", true},
	{"null for absent key omitted", "{}", "{\"a\":null}", "{}", true},
	{"non-object target", "{\"a\":1}", "[1]", "[1]"},
	/* Found by fuzz_patch: {} as the "no change" patch turned 2 into {}. */
	{"equal scalars", "2", "2", "2"},
	{"equal arrays", "[1,{}]", "[1,{}]", "[1,{}]"},
};

static void test_merge_diff(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(diff_cases); i++) {
		const dcase *c = &diff_cases[i];
		cs_json *from = J(c->from), *to = J(c->to);
		cs_json *d = cs_patch_merge_diff(from, to);
		expect_json(c->name, d, c->want);
		/* The diff applied as a merge patch must give `to` back. */
		cs_status st = {0};
		assert_int_equal(cs_patch_merge(&from, d, &st), 0);
		if (!c->lossy)
			expect_json(c->name, from, c->to);
		cs_json_free(from);
		cs_json_free(to);
		cs_json_free(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_patch),
		cmocka_unit_test(test_merge_patch_null_target),
		cmocka_unit_test(test_json_patch),
		cmocka_unit_test(test_json_patch_limits),
		cmocka_unit_test(test_strategic_patch),
		cmocka_unit_test(test_strategic_kubectl_apply),
		cmocka_unit_test(test_merge_diff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
