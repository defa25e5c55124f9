/* Tests for cli/manifest.c (what -f reads) and cli/applypatch.c (the
 * three-way patch of capctl apply and its annotation). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../cli/applypatch.c"
#include "../../cli/cliutil.c"
#include "../../cli/manifest.c"
#include "../../cli/yamlconv.c"

static cs_json *J(const char *s)
{
	char err[256];
	cs_json *v = cs_json_parse(s, strlen(s), err, sizeof(err));
	if (!v)
		fail_msg("test JSON does not parse: %s: %s", s, err);
	return v;
}

static void expect_names(const cs_ctl_docs *d, const char *want)
{
	cs_ctl_sb b = {0};
	for (size_t i = 0; i < d->n; i++) {
		const char *k = cs_json_get_str(d->v[i].obj, "kind");
		const char *n = cs_json_str(cs_json_path(d->v[i].obj, "metadata", "name", NULL));
		cs_ctl_sb_printf(&b, "%s%s/%s", i ? " " : "", k, n ? n : "-");
	}
	if (strcmp(b.s ? b.s : "", want) != 0)
		fail_msg("objects: got \"%s\", want \"%s\"", b.s ? b.s : "", want);
	cs_ctl_sb_free(&b);
}

static void test_parse(void **state)
{
	(void)state;
	char err[512];
	cs_ctl_docs d = {0};
	const char *multi = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n"
			    "# comment only\n---\n"
			    "apiVersion: v1\nkind: List\nitems:\n"
			    "- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n"
			    "- {apiVersion: apps/v1, kind: Deployment, metadata: {name: c}}\n";
	assert_int_equal(
		cs_ctl_manifest_parse(multi, strlen(multi), "m.yaml", &d, err, sizeof(err)), 0);
	expect_names(&d, "Pod/a ConfigMap/b Deployment/c");
	assert_string_equal(d.v[2].source, "m.yaml");
	cs_ctl_docs_free(&d);

	const char *json =
		"  {\"apiVersion\":\"v1\",\"kind\":\"PodList\",\"items\":[{\"apiVersion\":"
		"\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"j\"}}]}";
	assert_int_equal(cs_ctl_manifest_parse(json, strlen(json), "j.json", &d, err, sizeof(err)),
			 0);
	expect_names(&d, "Pod/j");
	cs_ctl_docs_free(&d);

	static const struct {
		const char *text, *err;
	} bad[] = {
		{"kind: Pod\n", "error validating \"x\": apiVersion not set"},
		{"apiVersion: v1\n", "error validating \"x\": kind not set"},
		{"metadata: {}\n", "apiVersion not set, kind not set"},
		{"- a\n", "expected an object, found a list"},
		{"just text\n", "expected an object, found a scalar"},
		{"apiVersion: v1\nkind: List\nitems: [5]\n", "expected an object"},
		{"a: [\n", "error parsing x: line 2"},
		{"{\"apiVersion\": \"v1\",", "error parsing x:"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (cs_ctl_manifest_parse(bad[i].text, strlen(bad[i].text), "x", &d, err,
					  sizeof(err)) == 0)
			fail_msg("manifest %zu should be rejected", i);
		if (!strstr(err, bad[i].err))
			fail_msg("manifest %zu: error \"%s\" lacks \"%s\"", i, err, bad[i].err);
		cs_ctl_docs_free(&d);
	}
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_load_dir(void **state)
{
	(void)state;
	char dir[] = "/tmp/capctl-manifest-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof(path), "%s/b.yaml", dir);
	write_file(path, "apiVersion: v1\nkind: Pod\nmetadata: {name: b}\n");
	snprintf(path, sizeof(path), "%s/a.json", dir);
	write_file(path, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"}}");
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	write_file(path, "not a manifest");
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/sub/c.yml", dir);
	write_file(path, "apiVersion: v1\nkind: Pod\nmetadata: {name: c}\n");

	char *one[] = {dir};
	cs_ctl_strv paths = {one, 1};
	cs_ctl_docs d = {0};
	char err[512];
	assert_int_equal(cs_ctl_manifest_load(&paths, false, &d, err, sizeof(err)), 0);
	expect_names(&d, "Pod/a Pod/b");
	cs_ctl_docs_free(&d);
	assert_int_equal(cs_ctl_manifest_load(&paths, true, &d, err, sizeof(err)), 0);
	expect_names(&d, "Pod/a Pod/b Pod/c");
	cs_ctl_docs_free(&d);

	char missing[300];
	snprintf(missing, sizeof(missing), "%s/nope.yaml", dir);
	char *two[] = {dir, missing};
	paths = (cs_ctl_strv){two, 2};
	assert_int_equal(cs_ctl_manifest_load(&paths, false, &d, err, sizeof(err)), -1);
	char want[400];
	snprintf(want, sizeof(want), "the path \"%s\" does not exist", missing);
	assert_string_equal(err, want);
	cs_ctl_docs_free(&d);

	snprintf(path, sizeof(path), "%s/zz.yaml", dir);
	write_file(path, "kind: Pod\n");
	paths = (cs_ctl_strv){one, 1};
	assert_int_equal(cs_ctl_manifest_load(&paths, false, &d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "zz.yaml\": apiVersion not set"));
	cs_ctl_docs_free(&d);

	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_last_applied(void **state)
{
	(void)state;
	cs_json *obj = J("{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"p\","
			 "\"annotations\":{\"" CS_CTL_LAST_APPLIED "\":\"old\"}},\"spec\":{\"b\":1,"
			 "\"a\":[{\"z\":1,\"y\":2}]}}");
	char *s = cs_ctl_last_applied(obj);
	assert_string_equal(s, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{"
			       "\"annotations\":{},\"name\":\"p\"},\"spec\":{\"a\":[{\"y\":2,"
			       "\"z\":1}],\"b\":1}}\n");
	free(s);
	/* Other annotations stay. */
	cs_json_set(cs_json_path(obj, "metadata", "annotations", NULL), "x", cs_json_string("y"));
	s = cs_ctl_last_applied(obj);
	assert_non_null(strstr(s, "\"annotations\":{\"x\":\"y\"}"));
	free(s);
	cs_json_free(obj);
	/* Exactly kubectl's text for a manifest without annotations. */
	obj = J("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":"
		"\"web2\",\"labels\":{\"app\":\"web\"},\"namespace\":\"default\"},\"spec\":{"
		"\"replicas\":2}}");
	s = cs_ctl_last_applied(obj);
	assert_string_equal(s, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":"
			       "{\"annotations\":{},\"labels\":{\"app\":\"web\"},\"name\":\"web2\","
			       "\"namespace\":\"default\"},\"spec\":{\"replicas\":2}}\n");
	free(s);
	cs_json_free(obj);
}

static void expect_patch(const char *name, const char *original, const char *modified,
			 const char *current, const char *want)
{
	cs_json *o = original ? J(original) : NULL;
	cs_json *m = J(modified), *c = J(current), *w = J(want);
	cs_json *got = cs_ctl_apply_patch(o, m, c);
	if (!cs_json_equal(got, w)) {
		char *g = cs_json_dump(got, false, NULL);
		fail_msg("%s:\n  got  %s\n  want %s", name, g, want);
	}
	cs_json_free(got);
	cs_json_free(o);
	cs_json_free(m);
	cs_json_free(c);
	cs_json_free(w);
}

static void test_apply_patch(void **state)
{
	(void)state;
	/* The server's defaults and status are not the user's business. */
	expect_patch(
		"unchanged", "{\"spec\":{\"replicas\":2,\"c\":[{\"name\":\"a\",\"image\":\"x\"}]}}",
		"{\"spec\":{\"replicas\":2,\"c\":[{\"name\":\"a\",\"image\":\"x\"}]}}",
		"{\"metadata\":{\"uid\":\"1\"},\"spec\":{\"replicas\":2,\"c\":[{\"name\":\"a\","
		"\"image\":\"x\",\"pull\":\"Always\"}],\"strategy\":{}},\"status\":{}}",
		"{}");
	expect_patch("changed scalar", "{\"spec\":{\"replicas\":2}}", "{\"spec\":{\"replicas\":3}}",
		     "{\"spec\":{\"replicas\":2,\"paused\":false}}", "{\"spec\":{\"replicas\":3}}");
	/* Someone scaled it: apply puts the applied value back. */
	expect_patch("drift", "{\"spec\":{\"replicas\":2}}", "{\"spec\":{\"replicas\":2}}",
		     "{\"spec\":{\"replicas\":5}}", "{\"spec\":{\"replicas\":2}}");
	expect_patch("removed field", "{\"data\":{\"a\":\"1\",\"b\":\"2\"}}",
		     "{\"data\":{\"b\":\"2\"}}", "{\"data\":{\"a\":\"1\",\"b\":\"2\"}}",
		     "{\"data\":{\"a\":null}}");
	/* Fields others added are never deleted. */
	expect_patch("foreign field", "{\"data\":{\"b\":\"2\"}}", "{\"data\":{\"b\":\"2\"}}",
		     "{\"data\":{\"a\":\"1\",\"b\":\"2\"}}", "{}");
	expect_patch("no original", NULL, "{\"data\":{\"b\":\"2\"}}",
		     "{\"data\":{\"a\":\"1\",\"b\":\"3\"}}", "{\"data\":{\"b\":\"2\"}}");
	expect_patch("list item changed", "{\"c\":[{\"name\":\"a\",\"image\":\"x\"}]}",
		     "{\"c\":[{\"name\":\"a\",\"image\":\"y\"}]}",
		     "{\"c\":[{\"name\":\"a\",\"image\":\"x\",\"pull\":\"Always\"}]}",
		     "{\"c\":[{\"name\":\"a\",\"image\":\"y\"}]}");
	expect_patch("list shortened", "{\"l\":[1,2]}", "{\"l\":[1]}", "{\"l\":[1,2]}",
		     "{\"l\":[1]}");
	expect_patch("removed subtree", "{\"spec\":{\"a\":{\"b\":1},\"keep\":1}}",
		     "{\"spec\":{\"keep\":1}}", "{\"spec\":{\"a\":{\"b\":1},\"keep\":1}}",
		     "{\"spec\":{\"a\":null}}");
	expect_patch("explicit null", "{\"a\":1}", "{\"a\":null}", "{\"a\":1}", "{\"a\":null}");
	expect_patch("null already absent", "{}", "{\"a\":null}", "{}", "{}");
	expect_patch("type change", "{\"a\":{\"b\":1}}", "{\"a\":\"flat\"}", "{\"a\":{\"b\":1}}",
		     "{\"a\":\"flat\"}");
	expect_patch("new annotation", "{\"metadata\":{\"annotations\":{\"l\":\"1\"}}}",
		     "{\"metadata\":{\"annotations\":{\"l\":\"2\"}}}",
		     "{\"metadata\":{\"annotations\":{\"l\":\"1\",\"other\":\"x\"}}}",
		     "{\"metadata\":{\"annotations\":{\"l\":\"2\"}}}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_load_dir),
		cmocka_unit_test(test_last_applied),
		cmocka_unit_test(test_apply_patch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
