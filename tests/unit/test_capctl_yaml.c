/* Tests for cli/yamlconv.c: YAML -> cs_json scalar resolution and
 * structure, error reporting, and cs_json -> YAML output (exact text and
 * round trips).  The CLI sources are compiled in directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../cli/cliutil.c"
#include "../../cli/yamlconv.c"

static cs_json *J(const char *s)
{
	char err[256];
	cs_json *v = cs_json_parse(s, strlen(s), err, sizeof(err));
	if (!v)
		fail_msg("test JSON does not parse: %s: %s", s, err);
	return v;
}

/* Parses YAML and compares the documents (as a JSON array) with want. */
static void expect_docs(const char *yaml, const char *want)
{
	char err[256];
	cs_json *got = cs_ctl_yaml_parse(yaml, strlen(yaml), err, sizeof(err));
	if (!got)
		fail_msg("YAML did not parse: %s\n---\n%s", err, yaml);
	cs_json *w = J(want);
	if (!cs_json_equal(got, w)) {
		char *g = cs_json_dump(got, false, NULL);
		fail_msg("YAML:\n%s\n  got  %s\n  want %s", yaml, g, want);
	}
	cs_json_free(w);
	cs_json_free(got);
}

static void expect_error(const char *yaml, const char *needle)
{
	char err[256] = "";
	cs_json *got = cs_ctl_yaml_parse(yaml, strlen(yaml), err, sizeof(err));
	if (got) {
		char *g = cs_json_dump(got, false, NULL);
		fail_msg("YAML should fail (%s) but gave %s:\n%s", needle, g, yaml);
	}
	if (!strstr(err, needle))
		fail_msg("error \"%s\" lacks \"%s\"", err, needle);
}

static void test_resolve_plain(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *json; /* the JSON the scalar becomes */
	} cases[] = {
		{"", "null"},
		{"~", "null"},
		{"null", "null"},
		{"Null", "null"},
		{"NULL", "null"},
		{"true", "true"},
		{"True", "true"},
		{"TRUE", "true"},
		{"false", "false"},
		{"FALSE", "false"},
		{"tRUE", "\"tRUE\""},
		{"yes", "\"yes\""},
		{"no", "\"no\""},
		{"on", "\"on\""},
		{"0", "0"},
		{"123", "123"},
		{"-5", "-5"},
		{"+7", "7"},
		{"0123", "\"0123\""},
		{"-0123", "\"-0123\""},
		{"0x1F", "31"},
		{"-0x10", "-16"},
		{"0o17", "15"},
		{"0x", "\"0x\""},
		{"0o8", "\"0o8\""},
		{"9223372036854775807", "9223372036854775807"},
		{"-9223372036854775808", "-9223372036854775808"},
		{"9223372036854775808", "\"9223372036854775808\""},
		{"123456789012345678901234567890", "\"123456789012345678901234567890\""},
		{"1.5", "1.5"},
		{"-2.25", "-2.25"},
		{".5", "0.5"},
		{"+.5", "0.5"},
		{"1.0", "1"},
		{"1.", "1"},
		{"1e3", "1000"},
		{"2.5e-3", "2.5e-3"},
		{"1e400", "\"1e400\""},
		{".inf", "\".inf\""},
		{".nan", "\".nan\""},
		{"1_000", "\"1_000\""},
		{"12:30", "\"12:30\""},
		{"nginx:1.25", "\"nginx:1.25\""},
		{"1.2.3", "\"1.2.3\""},
		{"e3", "\"e3\""},
		{".", "\".\""},
		{"-", "\"-\""},
		{"100m", "\"100m\""},
		{"2024-01-02", "\"2024-01-02\""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cs_json *got = cs_ctl_yaml_resolve_plain(cases[i].in, strlen(cases[i].in));
		cs_json *want = J(cases[i].json);
		if (!cs_json_equal(got, want)) {
			char *g = cs_json_dump(got, false, NULL);
			fail_msg("plain \"%s\": got %s, want %s", cases[i].in, g, cases[i].json);
		}
		cs_json_free(got);
		cs_json_free(want);
	}
	/* Floats keep their spelling when it is valid JSON. */
	cs_json *f = cs_ctl_yaml_resolve_plain("0.10", 4);
	assert_string_equal(f->u.num.text, "0.10");
	cs_json_free(f);
}

static void test_documents(void **state)
{
	(void)state;
	expect_docs("a: 1\n", "[{\"a\":1}]");
	expect_docs("", "[]");
	expect_docs("# just a comment\n", "[]");
	expect_docs("---\n---\na: 1\n---\n", "[{\"a\":1}]");
	expect_docs("a: 1\n---\nb: 2\n...\n---\n- x\n", "[{\"a\":1},{\"b\":2},[\"x\"]]");
	/* Quoted scalars and !!str stay strings; !!int reads a quoted number. */
	expect_docs("a: \"123\"\nb: '1.5'\nc: !!str 12\nd: !!int \"7\"\ne: ! 12\nf: \"\"\n",
		    "[{\"a\":\"123\",\"b\":\"1.5\",\"c\":\"12\",\"d\":7,\"e\":\"12\",\"f\":\"\"}]");
	expect_docs("a: !!bool true\nb: !!null ~\nc: !!float 2\nd: !custom 5\n",
		    "[{\"a\":true,\"b\":null,\"c\":2,\"d\":5}]");
	/* Keys are their text, whatever they would resolve to. */
	expect_docs("1: a\ntrue: b\n\"x y\": c\n", "[{\"1\":\"a\",\"true\":\"b\",\"x y\":\"c\"}]");
	expect_docs("s: |\n  one\n  two\nf: >-\n  folded\n  text\n",
		    "[{\"s\":\"one\\ntwo\\n\",\"f\":\"folded text\"}]");
	expect_docs("l:\n- a\n- {b: 1, c: [1, 2]}\n- - nested\n",
		    "[{\"l\":[\"a\",{\"b\":1,\"c\":[1,2]},[\"nested\"]]}]");
	expect_docs("{\"kind\": \"Pod\", \"n\": [1, 2.5, true, null]}",
		    "[{\"kind\":\"Pod\",\"n\":[1,2.5,true,null]}]");
	expect_docs("empty:\nobj: {}\narr: []\n", "[{\"empty\":null,\"obj\":{},\"arr\":[]}]");
	expect_docs("u: \"caf\\u00e9 \\t\"\n", "[{\"u\":\"caf\\u00e9 \\t\"}]");
}

static void test_anchors(void **state)
{
	(void)state;
	expect_docs("base: &b {x: 1, y: 2}\ncopy: *b\n",
		    "[{\"base\":{\"x\":1,\"y\":2},\"copy\":{\"x\":1,\"y\":2}}]");
	expect_docs("base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n",
		    "[{\"base\":{\"x\":1,\"y\":2},\"d\":{\"y\":3,\"x\":1}}]");
	/* Explicit keys win even when they come before the merge. */
	expect_docs("a: &a {k: 1}\nb: &b {k: 2, m: 2}\nc:\n  <<: [*a, *b]\n",
		    "[{\"a\":{\"k\":1},\"b\":{\"k\":2,\"m\":2},\"c\":{\"k\":1,\"m\":2}}]");
	expect_docs("s: &s hello\nt: *s\n", "[{\"s\":\"hello\",\"t\":\"hello\"}]");
	/* Anchors do not cross documents. */
	expect_error("a: &x 1\n---\nb: *x\n", "unknown anchor \"x\"");
	expect_error("a: *nope\n", "unknown anchor");
	expect_error("a: 1\n<<: 5\n", "merge key");
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("a: 1\na: 2\n", "line 2, column 1: mapping key \"a\" already defined");
	expect_error("a: [1, 2\n", "line 2");
	expect_error("a: b: c\n", "line 1");
	expect_error("? [a, b]\n: c\n", "mapping keys must be scalars");
	expect_error("a: !!int abc\n", "cannot read \"abc\" as !!int");
	expect_error("a: !!bool yes\n", "as !!bool");
	expect_error("\t- a\n", "line 1");

	/* Nesting beyond CS_JSON_MAX_DEPTH. */
	char deep[512] = "";
	for (int i = 0; i < CS_JSON_MAX_DEPTH + 5; i++)
		strcat(deep, "[");
	expect_error(deep, "nesting deeper than");

	/* Billion laughs: each level doubles, the cap stops it. */
	cs_ctl_sb b = {0};
	cs_ctl_sb_add(&b, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i < 10; i++)
		cs_ctl_sb_printf(&b,
				 "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, "
				 "*a%d, *a%d]\n",
				 i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
				 i - 1, i - 1);
	expect_error(b.s, "aliases expand to more than");
	cs_ctl_sb_free(&b);
}

static void test_needs_quotes(void **state)
{
	(void)state;
	static const char *const quoted[] = {
		"",     "true",  "False", "null", "~",   "yes",        "No",
		"on",   "y",     "123",   "-1",   "1.5", "0123",       "1e3",
		"0x1F", "1_000", "12:30", ".inf", "<<",  "2024-01-02", "2024-01-02T03:04:05Z",
		NULL};
	static const char *const bare[] = {"web",    "nginx:1.25", "a b",      "Yes please",
					   "v1.2.3", "apps/v1",    "true-ish", NULL};
	for (size_t i = 0; quoted[i]; i++)
		if (!cs_ctl_yaml_needs_quotes(quoted[i], strlen(quoted[i])))
			fail_msg("\"%s\" must be quoted", quoted[i]);
	for (size_t i = 0; bare[i]; i++)
		if (cs_ctl_yaml_needs_quotes(bare[i], strlen(bare[i])))
			fail_msg("\"%s\" needs no quotes", bare[i]);
}

static void expect_emit(const char *json, const char *want)
{
	char err[256];
	cs_json *v = J(json);
	char *got = cs_ctl_yaml_emit(v, err, sizeof(err));
	if (!got)
		fail_msg("emit failed: %s", err);
	if (strcmp(got, want) != 0)
		fail_msg("emit %s:\n--- got\n%s--- want\n%s", json, got, want);
	free(got);
	cs_json_free(v);
}

static void test_emit(void **state)
{
	(void)state;
	expect_emit("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":"
		    "\"web\",\"labels\":{\"app\":\"web\"}},\"spec\":{\"replicas\":3,"
		    "\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":"
		    "\"nginx:1.25\",\"args\":[\"a: b\",\"-x\"]}]}}}}",
		    "apiVersion: apps/v1\n"
		    "kind: Deployment\n"
		    "metadata:\n"
		    "  name: web\n"
		    "  labels:\n"
		    "    app: web\n"
		    "spec:\n"
		    "  replicas: 3\n"
		    "  template:\n"
		    "    spec:\n"
		    "      containers:\n"
		    "      - name: web\n"
		    "        image: nginx:1.25\n"
		    "        args:\n"
		    "        - 'a: b'\n"
		    "        - -x\n");
	expect_emit("{\"s\":\"true\",\"n\":\"123\",\"z\":\"0123\",\"y\":\"yes\",\"e\":\"\","
		    "\"t\":\"2024-01-02T03:04:05Z\",\"b\":true,\"i\":7,\"f\":1.50,\"nil\":null,"
		    "\"o\":{},\"a\":[]}",
		    "s: \"true\"\n\"n\": \"123\"\nz: \"0123\"\n\"y\": \"yes\"\ne: \"\"\n"
		    "t: \"2024-01-02T03:04:05Z\"\nb: true\ni: 7\nf: 1.50\nnil: null\no: {}\n"
		    "a: []\n");
	expect_emit("{\"m\":\"line1\\nline2\\n\",\"k\":\"keep\\n\\n\",\"s\":\"no newline\\nend\"}",
		    "m: |\n  line1\n  line2\nk: |+\n  keep\n\ns: |-\n  no newline\n  end\n");
	expect_emit("[1,\"two\",[3]]", "- 1\n- two\n- - 3\n");
	/* Unicode stays readable; control characters are escaped. */
	expect_emit("{\"u\":\"caf\\u00e9\",\"c\":\"a\\u0001b\"}", "u: café\nc: \"a\\x01b\"\n");

	char err[128];
	cs_json *bad = cs_json_object();
	cs_json_set(bad, "x", cs_json_stringn("\xff\xfe", 2));
	char *out = cs_ctl_yaml_emit(bad, err, sizeof(err));
	assert_null(out);
	assert_non_null(strstr(err, "not valid UTF-8"));
	cs_json_free(bad);
}

/* Whatever JSON goes out as YAML comes back the same. */
static void test_round_trip(void **state)
{
	(void)state;
	static const char *const docs[] = {
		"{\"a\":\"true\",\"b\":\"null\",\"c\":\"~\",\"d\":\"\",\"e\":\"-\",\"f\":\"- x\","
		"\"g\":\"#c\",\"h\":\"x # y\",\"i\":\" lead\",\"j\":\"trail \",\"k\":\"a\\tb\","
		"\"l\":\"multi\\nline\",\"m\":\"trail \\nspace\",\"n\":\"{x}\",\"o\":\"[1]\","
		"\"p\":\"*a\",\"q\":\"&a\",\"r\":\"!t\",\"s\":\"%p\",\"t\":\"@x\",\"u\":\"`x\","
		"\"v\":\"'q'\",\"w\":\"\\\"dq\\\"\",\"x\":\"1.0\",\"y\":\"0x10\",\"z\":\".5\"}",
		"{\"nums\":[0,-1,1.25,1e-7,9223372036854775807],\"deep\":{\"a\":{\"b\":{\"c\":[{"
		"\"d\":[[],{}]}]}}}}",
		"{\"weird keys\":{\"true\":1,\"123\":2,\"a: b\":3,\"\":4,\"-\":5}}",
		"[\"\\u0000nul\",\"tab\\tin\",\"\\r\\n\"]",
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		char err[256];
		cs_json *v = J(docs[i]);
		char *y = cs_ctl_yaml_emit(v, err, sizeof(err));
		if (!y)
			fail_msg("emit %s: %s", docs[i], err);
		cs_json *back = cs_ctl_yaml_parse(y, strlen(y), err, sizeof(err));
		if (!back)
			fail_msg("re-parse failed: %s\n%s", err, y);
		assert_int_equal(cs_json_len(back), 1);
		if (!cs_json_equal(cs_json_at(back, 0), v)) {
			char *g = cs_json_dump(cs_json_at(back, 0), false, NULL);
			fail_msg("round trip changed the value:\n%s\n  got  %s\n  want %s", y, g,
				 docs[i]);
		}
		cs_json_free(back);
		free(y);
		cs_json_free(v);
	}
}

/* YAML -> JSON -> YAML -> JSON must be stable (as fuzz_yaml checks). */
static void expect_yaml_round_trip(const char *yaml, const char *want)
{
	char err[256];
	expect_docs(yaml, want);
	cs_json *docs = cs_ctl_yaml_parse(yaml, strlen(yaml), err, sizeof(err));
	assert_non_null(docs);
	for (size_t i = 0; i < cs_json_len(docs); i++) {
		char *y = cs_ctl_yaml_emit(cs_json_at(docs, i), err, sizeof(err));
		if (!y)
			fail_msg("emit: %s", err);
		cs_json *back = cs_ctl_yaml_parse(y, strlen(y), err, sizeof(err));
		if (!back)
			fail_msg("re-parse failed: %s\n%s", err, y);
		if (cs_json_len(back) != 1 ||
		    !cs_json_equal(cs_json_at(back, 0), cs_json_at(docs, i)))
			fail_msg("round trip of %s changed the value:\n%s", yaml, y);
		cs_json_free(back);
		free(y);
	}
	cs_json_free(docs);
}

/* Inputs fuzz_yaml found. */
static void test_fuzz_regressions(void **state)
{
	(void)state;
	/* A float too large for an integer spelling lost its point and came
	 * back as a string. */
	expect_yaml_round_trip("- - 7777777777777777777777. ", "[[[7777777777777777777777.0]]]");
	expect_yaml_round_trip("-99999999999999999999.", "[-99999999999999999999.0]");
	/* At the length limit for numbers, normalising "N." to "N.0" would make
	 * it too long to read back as a number: it is a string throughout. */
	expect_yaml_round_trip(
		"- - 7000000000003333333333333333333333333333333333333333333333333316264773. ",
		"[[[\"7000000000003333333333333333333333333333333333333333333333333316264773.\"]]]");

	/* Nesting is capped where cs_json_parse caps it, so whatever capctl
	 * reads it can send: exactly CS_JSON_MAX_DEPTH collections pass, one
	 * more (an empty one used to slip through) does not. */
	char deep[2 * CS_JSON_MAX_DEPTH + 3];
	memset(deep, '[', CS_JSON_MAX_DEPTH + 1);
	memset(deep + CS_JSON_MAX_DEPTH + 1, ']', CS_JSON_MAX_DEPTH + 1);
	deep[2 * CS_JSON_MAX_DEPTH + 2] = '\0';
	char err[256];
	cs_json *docs = cs_ctl_yaml_parse(deep + 1, 2 * CS_JSON_MAX_DEPTH, err, sizeof(err));
	if (!docs)
		fail_msg("%d levels should parse: %s", CS_JSON_MAX_DEPTH, err);
	assert_int_equal(height(cs_json_at(docs, 0)), CS_JSON_MAX_DEPTH);
	cs_json_free(docs);
	expect_error(deep, "nesting deeper than 100");
	/* An alias adds its anchor's nesting where it is used. */
	cs_ctl_sb b = {0};
	cs_ctl_sb_add(&b, "a: &x ");
	for (int i = 0; i < 60; i++)
		cs_ctl_sb_add(&b, "[");
	for (int i = 0; i < 60; i++)
		cs_ctl_sb_add(&b, "]");
	cs_ctl_sb_add(&b, "\nb: ");
	for (int i = 0; i < 40; i++)
		cs_ctl_sb_add(&b, "[");
	cs_ctl_sb_add(&b, "*x");
	for (int i = 0; i < 40; i++)
		cs_ctl_sb_add(&b, "]");
	cs_ctl_sb_add(&b, "\n");
	expect_error(b.s, "through alias \"x\"");
	cs_ctl_sb_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_plain), cmocka_unit_test(test_documents),
		cmocka_unit_test(test_anchors),       cmocka_unit_test(test_errors),
		cmocka_unit_test(test_needs_quotes),  cmocka_unit_test(test_emit),
		cmocka_unit_test(test_round_trip),    cmocka_unit_test(test_fuzz_regressions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
