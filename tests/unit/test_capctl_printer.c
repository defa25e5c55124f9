/* Tests for cli/printer.c (tables, object formats), cli/resource.c (paths,
 * names, kubectl's error wording) and cli/jsonpath.c.  The CLI sources are
 * compiled in directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../cli/cliutil.c"
#include "../../cli/jsonpath.c"
#include "../../cli/printer.c"
#include "../../cli/resource.c"
#include "../../cli/yamlconv.c"

static cs_json *J(const char *s)
{
	char err[256];
	cs_json *v = cs_json_parse(s, strlen(s), err, sizeof(err));
	if (!v)
		fail_msg("test JSON does not parse: %s: %s", s, err);
	return v;
}

/* Output of fn captured in memory. */
struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

static void cap_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
}

static void cap_expect(struct capture *c, const char *want)
{
	fclose(c->f);
	if (strcmp(c->buf, want) != 0)
		fail_msg("--- got\n%s--- want\n%s", c->buf, want);
	free(c->buf);
}

static const char pod_table[] =
	"{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{\"resourceVersion\":"
	"\"9\"},\"columnDefinitions\":["
	"{\"name\":\"Name\",\"type\":\"string\",\"format\":\"name\",\"priority\":0},"
	"{\"name\":\"Ready\",\"type\":\"string\",\"priority\":0},"
	"{\"name\":\"Restarts\",\"type\":\"integer\",\"priority\":0},"
	"{\"name\":\"Age\",\"type\":\"string\",\"priority\":0},"
	"{\"name\":\"IP\",\"type\":\"string\",\"priority\":1}],"
	"\"rows\":["
	"{\"cells\":[\"web-1\",\"1/1\",0,\"5m\",\"10.0.0.1\"],\"object\":{\"metadata\":{"
	"\"name\":\"web-1\",\"namespace\":\"default\",\"labels\":{\"tier\":\"fe\",\"app\":"
	"\"web\"}}}},"
	"{\"cells\":[\"db\",\"0/1\",12,\"3d\",null],\"object\":{\"metadata\":{\"name\":\"db\","
	"\"namespace\":\"data-stores\"}}}]}";

static void print_table(const cs_ctl_table_opts *o, const char *table, const char *want)
{
	struct capture c;
	cs_ctl_table tp;
	cs_json *t = J(table);
	cs_ctl_table_init(&tp, o);
	assert_int_equal(cs_ctl_table_add(&tp, t, NULL), 2);
	cap_open(&c);
	cs_ctl_table_flush(&tp, c.f);
	cap_expect(&c, want);
	cs_ctl_table_free(&tp);
	cs_json_free(t);
}

static void test_table_layout(void **state)
{
	(void)state;
	cs_ctl_table_opts o = {0};
	/* Columns: widest cell + 3, at least 6; the last one unpadded. */
	print_table(&o, pod_table,
		    "NAME    READY   RESTARTS   AGE\n"
		    "web-1   1/1     0          5m\n"
		    "db      0/1     12         3d\n");
	o.wide = true;
	print_table(&o, pod_table,
		    "NAME    READY   RESTARTS   AGE   IP\n"
		    "web-1   1/1     0          5m    10.0.0.1\n"
		    "db      0/1     12         3d    <none>\n");
	cs_ctl_table_opts all = {.with_namespace = true, .show_labels = true, .no_headers = true};
	print_table(&all, pod_table,
		    "default       web-1   1/1   0     5m    app=web,tier=fe\n"
		    "data-stores   db      0/1   12    3d    <none>\n");
	char *keys[] = {"tier", "example.com/owner"};
	cs_ctl_strv lc = {keys, 2};
	cs_ctl_table_opts l = {.label_columns = &lc, .name_prefix = "pod/"};
	print_table(&l, pod_table,
		    "NAME        READY   RESTARTS   AGE   TIER   OWNER\n"
		    "pod/web-1   1/1     0          5m    fe     \n"
		    "pod/db      0/1     12         3d           \n");
}

static void test_table_watch(void **state)
{
	(void)state;
	cs_ctl_table_opts o = {.with_event = true};
	cs_ctl_table tp;
	cs_ctl_table_init(&tp, &o);
	struct capture c;
	cap_open(&c);
	/* An empty first list prints nothing, not even the header. */
	cs_json *empty = J("{\"kind\":\"Table\",\"columnDefinitions\":[{\"name\":\"Name\"},"
			   "{\"name\":\"Age\"}],\"rows\":[]}");
	assert_int_equal(cs_ctl_table_add(&tp, empty, NULL), 0);
	cs_ctl_table_flush(&tp, c.f);
	cs_json *row = J("{\"kind\":\"Table\",\"rows\":[{\"cells\":[\"a\",\"1s\"]}]}");
	assert_int_equal(cs_ctl_table_add(&tp, row, "ADDED"), 1);
	cs_ctl_table_flush(&tp, c.f);
	/* Later rows keep the widths; wider cells grow them. */
	cs_json *row2 = J("{\"kind\":\"Table\",\"rows\":[{\"cells\":[\"longer-name\",\"2s\"]}]}");
	assert_int_equal(cs_ctl_table_add(&tp, row2, "MODIFIED"), 1);
	cs_ctl_table_flush(&tp, c.f);
	cap_expect(&c, "EVENT      NAME   AGE\n"
		       "ADDED      a      1s\n"
		       "MODIFIED   longer-name   2s\n");
	assert_int_equal(tp.total, 2);
	cs_ctl_table_free(&tp);
	cs_json_free(empty);
	cs_json_free(row);
	cs_json_free(row2);

	/* Not a Table, or a first Table without columns: refused. */
	cs_ctl_table_init(&tp, &o);
	cs_json *pod = J("{\"kind\":\"Pod\"}");
	assert_int_equal(cs_ctl_table_add(&tp, pod, NULL), -1);
	cs_json *nocols = J("{\"kind\":\"Table\",\"rows\":[]}");
	assert_int_equal(cs_ctl_table_add(&tp, nocols, NULL), -1);
	cs_ctl_table_free(&tp);
	cs_json_free(pod);
	cs_json_free(nocols);
}

static void test_cells(void **state)
{
	(void)state;
	static const struct {
		const char *json, *want;
	} cells[] = {
		{"\"x\"", "x"},
		{"12", "12"},
		{"1.50", "1.50"},
		{"true", "true"},
		{"null", "<none>"},
		{"[1,\"a\"]", "[1,\"a\"]"},
		{"{\"k\":1}", "{\"k\":1}"},
	};
	for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		cs_json *v = J(cells[i].json);
		char *s = cs_ctl_cell_text(v);
		assert_string_equal(s, cells[i].want);
		free(s);
		cs_json_free(v);
	}
	char *none = cs_ctl_cell_text(NULL);
	assert_string_equal(none, "<none>");
	free(none);
	cs_json *labels = J("{\"z\":\"1\",\"a\":\"2\",\"m\":\"\"}");
	char *l = cs_ctl_format_labels(labels);
	assert_string_equal(l, "a=2,m=,z=1");
	free(l);
	cs_json_free(labels);
	l = cs_ctl_format_labels(NULL);
	assert_string_equal(l, "<none>");
	free(l);
}

static void test_out_parse(void **state)
{
	(void)state;
	cs_ctl_out o;
	char err[256];
	unsigned all = CS_OUT_TABLE | CS_OUT_WIDE | CS_OUT_JSON | CS_OUT_YAML | CS_OUT_NAME |
		       CS_OUT_JSONPATH;
	assert_int_equal(cs_ctl_out_parse(NULL, all, &o, err, sizeof(err)), 0);
	assert_int_equal(o.fmt, CS_OUT_TABLE);
	assert_int_equal(cs_ctl_out_parse("yaml", all, &o, err, sizeof(err)), 0);
	assert_int_equal(o.fmt, CS_OUT_YAML);
	assert_int_equal(cs_ctl_out_parse("jsonpath='{.a}'", all, &o, err, sizeof(err)), 0);
	assert_int_equal(o.fmt, CS_OUT_JSONPATH);
	assert_string_equal(o.tmpl, "{.a}");
	cs_ctl_out_free(&o);
	assert_int_equal(cs_ctl_out_parse("jsonpath={.b}", all, &o, err, sizeof(err)), 0);
	assert_string_equal(o.tmpl, "{.b}");
	cs_ctl_out_free(&o);
	assert_int_equal(cs_ctl_out_parse("jsonpath", all, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no template given"));
	assert_int_equal(cs_ctl_out_parse("xml", all, &o, err, sizeof(err)), -1);
	assert_string_equal(err, "unable to match a printer suitable for the output format "
				 "\"xml\", allowed formats are: json,jsonpath,name,wide,yaml");
	assert_int_equal(cs_ctl_out_parse("wide", CS_OUT_NAME, &o, err, sizeof(err)), -1);
	assert_string_equal(err, "unable to match a printer suitable for the output format "
				 "\"wide\", allowed formats are: name");
	assert_int_equal(cs_ctl_out_parse("yaml=x", all, &o, err, sizeof(err)), -1);
}

static void test_print_obj(void **state)
{
	(void)state;
	cs_json *obj = J("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{"
			 "\"name\":\"web\",\"labels\":{}},\"spec\":{\"replicas\":2,\"x\":[]}}");
	struct capture c;
	cs_ctl_out o = {.fmt = CS_OUT_JSON};
	cap_open(&c);
	assert_int_equal(cs_ctl_print_obj(c.f, obj, &o), 0);
	cap_expect(&c, "{\n"
		       "    \"apiVersion\": \"apps/v1\",\n"
		       "    \"kind\": \"Deployment\",\n"
		       "    \"metadata\": {\n"
		       "        \"name\": \"web\",\n"
		       "        \"labels\": {}\n"
		       "    },\n"
		       "    \"spec\": {\n"
		       "        \"replicas\": 2,\n"
		       "        \"x\": []\n"
		       "    }\n"
		       "}\n");

	o = (cs_ctl_out){.fmt = CS_OUT_YAML};
	cap_open(&c);
	assert_int_equal(cs_ctl_print_obj(c.f, obj, &o), 0);
	assert_int_equal(cs_ctl_print_obj(c.f, obj, &o), 0);
	const char *y = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
			"  labels: {}\nspec:\n  replicas: 2\n  x: []\n";
	char *two = cs_ctl_xasprintf("%s---\n%s", y, y);
	cap_expect(&c, two);
	free(two);

	o = (cs_ctl_out){.fmt = CS_OUT_NAME};
	cap_open(&c);
	assert_int_equal(cs_ctl_print_obj(c.f, obj, &o), 0);
	cs_json *pod = J("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}");
	assert_int_equal(cs_ctl_print_obj(c.f, pod, &o), 0);
	cap_expect(&c, "deployment.apps/web\npod/p\n");

	o = (cs_ctl_out){.fmt = CS_OUT_TABLE};
	cap_open(&c);
	assert_int_equal(cs_ctl_report(c.f, &o, obj, "configured"), 0);
	cap_expect(&c, "deployment.apps/web configured\n");

	o = (cs_ctl_out){.fmt = CS_OUT_JSONPATH, .tmpl = "{.metadata.name}:{.spec.replicas}"};
	cap_open(&c);
	assert_int_equal(cs_ctl_print_obj(c.f, obj, &o), 0);
	cap_expect(&c, "web:2");

	cs_json *list = cs_ctl_list_wrap(cs_json_array());
	char *s = cs_json_dump(list, false, NULL);
	assert_string_equal(s, "{\"apiVersion\":\"v1\",\"items\":[],\"kind\":\"List\","
			       "\"metadata\":{\"resourceVersion\":\"\"}}");
	free(s);
	cs_json_free(list);
	cs_json_free(pod);
	cs_json_free(obj);
}

static void expect_error_text(long code, const char *body, const char *ctx, const char *want)
{
	cs_json *b = body ? cs_json_parse(body, strlen(body), NULL, 0) : NULL;
	char *got = cs_ctl_error_text(code, b, body, ctx);
	if (strcmp(got, want) != 0)
		fail_msg("error text:\n  got  %s\n  want %s", got, want);
	free(got);
	cs_json_free(b);
}

static void test_error_text(void **state)
{
	(void)state;
	expect_error_text(404,
			  "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
			  "\"message\":\"pods \\\"x\\\" not found\",\"reason\":\"NotFound\","
			  "\"code\":404}",
			  NULL, "Error from server (NotFound): pods \"x\" not found");
	expect_error_text(409,
			  "{\"kind\":\"Status\",\"message\":\"deployments.apps \\\"web\\\" "
			  "already exists\",\"reason\":\"AlreadyExists\"}",
			  "error when creating \"web.yaml\": ",
			  "Error from server (AlreadyExists): error when creating \"web.yaml\": "
			  "deployments.apps \"web\" already exists");
	expect_error_text(422,
			  "{\"kind\":\"Status\",\"reason\":\"Invalid\",\"message\":\"x\","
			  "\"details\":{\"name\":\"web\",\"kind\":\"Deployment\",\"causes\":[{"
			  "\"reason\":\"FieldValueInvalid\",\"message\":\"Invalid value: -1: must "
			  "be greater than or equal to 0\",\"field\":\"spec.replicas\"}]}}",
			  NULL,
			  "The Deployment \"web\" is invalid: spec.replicas: Invalid value: -1: "
			  "must be greater than or equal to 0");
	expect_error_text(422,
			  "{\"kind\":\"Status\",\"reason\":\"Invalid\",\"details\":{\"name\":\"p\","
			  "\"kind\":\"Pod\",\"causes\":[{\"message\":\"Required value\",\"field\":"
			  "\"spec.containers\"},{\"message\":\"Invalid value\",\"field\":"
			  "\"metadata.name\"}]}}",
			  NULL,
			  "The Pod \"p\" is invalid: \n* spec.containers: Required value\n* "
			  "metadata.name: Invalid value");
	expect_error_text(500, "boom\nbang", NULL,
			  "Error from server (InternalError): an error on the server (\"boom "
			  "bang\") has prevented the request from succeeding");
	expect_error_text(404, NULL, NULL,
			  "Error from server (NotFound): the server could not find the requested "
			  "resource");
	expect_error_text(403, "{\"kind\":\"Status\",\"message\":\"no\"}", NULL,
			  "Error from server: no");
	assert_string_equal(cs_ctl_reason_for_code(410), "Expired");
	assert_string_equal(cs_ctl_reason_for_code(418), "Unknown");
}

static void test_paths(void **state)
{
	(void)state;
	const cs_type *pods = cs_type_resolve("po");
	const cs_type *deploy = cs_type_resolve("deployments.apps");
	const cs_type *nodes = cs_type_resolve("node");
	assert_non_null(pods);
	assert_non_null(deploy);
	assert_non_null(nodes);
	static const struct {
		const char *type, *ns, *name, *sub, *want;
	} cases[] = {
		{"pods", "default", NULL, NULL, "/api/v1/namespaces/default/pods"},
		{"pods", "default", "x", NULL, "/api/v1/namespaces/default/pods/x"},
		{"pods", NULL, NULL, NULL, "/api/v1/pods"},
		{"deploy", "prod", "web", "scale",
		 "/apis/apps/v1/namespaces/prod/deployments/web/scale"},
		{"deploy", NULL, NULL, NULL, "/apis/apps/v1/deployments"},
		{"nodes", "ignored", "n1", NULL, "/api/v1/nodes/n1"},
		{"pods", "a b", "x/y", NULL, "/api/v1/namespaces/a%20b/pods/x%2Fy"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *p = cs_ctl_path(cs_type_resolve(cases[i].type), cases[i].ns, cases[i].name,
				      cases[i].sub);
		assert_string_equal(p, cases[i].want);
		free(p);
	}
	cs_ctl_sb b = {0};
	cs_ctl_sb_add(&b, "/api/v1/pods");
	cs_ctl_query(&b, "labelSelector", "app=web,env in (a,b)");
	cs_ctl_query(&b, "limit", "500");
	assert_string_equal(b.s, "/api/v1/pods?labelSelector=app%3Dweb%2Cenv%20in%20%28a%2Cb%29"
				 "&limit=500");
	cs_ctl_sb_free(&b);

	char ref[64];
	cs_ctl_kind_ref(deploy, ref, sizeof(ref));
	assert_string_equal(ref, "deployment.apps");
	cs_ctl_kind_ref(pods, ref, sizeof(ref));
	assert_string_equal(ref, "pod");
	cs_json *o = J("{\"apiVersion\":\"storage.k8s.io/v1\",\"kind\":\"StorageClass\","
		       "\"metadata\":{\"name\":\"fast\"}}");
	char *r = cs_ctl_obj_ref(o);
	assert_string_equal(r, "storageclass.storage.k8s.io/fast");
	free(r);
	cs_json_free(o);
}

static void expect_jp(const char *tmpl, const char *data, const char *want)
{
	char err[256];
	cs_json *d = J(data);
	cs_ctl_sb out = {0};
	if (cs_ctl_jsonpath(tmpl, d, &out, err, sizeof(err)) < 0)
		fail_msg("jsonpath %s failed: %s", tmpl, err);
	if (strcmp(out.s ? out.s : "", want) != 0)
		fail_msg("jsonpath %s:\n  got  \"%s\"\n  want \"%s\"", tmpl, out.s ? out.s : "",
			 want);
	cs_ctl_sb_free(&out);
	cs_json_free(d);
}

static void expect_jp_error(const char *tmpl, const char *needle)
{
	char err[256] = "";
	cs_json *d = J("{}");
	cs_ctl_sb out = {0};
	if (cs_ctl_jsonpath(tmpl, d, &out, err, sizeof(err)) == 0)
		fail_msg("jsonpath %s should fail", tmpl);
	if (!strstr(err, needle))
		fail_msg("jsonpath %s: error \"%s\" lacks \"%s\"", tmpl, err, needle);
	cs_ctl_sb_free(&out);
	cs_json_free(d);
}

static void test_jsonpath(void **state)
{
	(void)state;
	const char *list =
		"{\"kind\":\"List\",\"items\":["
		"{\"metadata\":{\"name\":\"a\",\"labels\":{\"app\":\"web\",\"k.io/x\":\"1\"}},"
		"\"spec\":{\"replicas\":1},\"status\":{\"conditions\":[{\"type\":\"Ready\","
		"\"status\":\"True\"},{\"type\":\"Synced\",\"status\":\"False\"}]}},"
		"{\"metadata\":{\"name\":\"b\"},\"spec\":{\"replicas\":3},\"status\":{}}]}";
	expect_jp("{.kind}", list, "List");
	expect_jp("{$.kind}", list, "List");
	expect_jp("{.items[*].metadata.name}", list, "a b");
	expect_jp("{.items[0].metadata.name}", list, "a");
	expect_jp("{.items[-1].metadata.name}", list, "b");
	expect_jp("{.items[5].metadata.name}", list, "");
	expect_jp("{.items[0:1].metadata.name}", list, "a");
	expect_jp("{.items[1:].spec.replicas}", list, "3");
	expect_jp("{.items[0].metadata.labels}", list, "{\"app\":\"web\",\"k.io/x\":\"1\"}");
	expect_jp("{.items[0].metadata.labels.k\\.io/x}", list, "1");
	expect_jp("{.items[0].metadata.labels['k.io/x']}", list, "1");
	expect_jp("{.items[0].metadata.missing.deeper}", list, "");
	expect_jp("{.items[?(@.spec.replicas>1)].metadata.name}", list, "b");
	expect_jp("{.items[?(@.spec.replicas==1)].metadata.name}", list, "a");
	expect_jp("{.items[0].status.conditions[?(@.type==\"Ready\")].status}", list, "True");
	expect_jp("{.items[0].status.conditions[?(@.type!='Ready')].type}", list, "Synced");
	expect_jp("{.items[?(@.status.conditions)].metadata.name}", list, "a");
	expect_jp("{..name}", list, "a b");
	expect_jp("{.items[0].spec.*}", list, "1");
	expect_jp("{range .items[*]}{.metadata.name}={.spec.replicas}{\"\\n\"}{end}", list,
		  "a=1\nb=3\n");
	expect_jp("{range .items}[{.metadata.name}]{end}", list, "[a][b]");
	expect_jp("{range .items[*]}{range .status.conditions[*]}{.type},{end};{end}", list,
		  "Ready,Synced,;;");
	expect_jp("n: {.items[1].metadata.name} ok", list, "n: b ok");
	expect_jp("{.items[0].spec}", list, "{\"replicas\":1}");
	expect_jp("plain text", list, "plain text");
	expect_jp_error("{.a", "unclosed action");
	expect_jp_error("{.a[0}", "unclosed bracket");
	expect_jp_error("{range .a}x", "{range} without {end}");
	expect_jp_error("{end}", "{end} without {range}");
	expect_jp_error("{.a[x]}", "malformed index");
	expect_jp_error("{.a[?(@.b==)]}", "filter without a value");
	expect_jp_error("{.a[]}", "empty brackets");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_layout), cmocka_unit_test(test_table_watch),
		cmocka_unit_test(test_cells),        cmocka_unit_test(test_out_parse),
		cmocka_unit_test(test_print_obj),    cmocka_unit_test(test_error_text),
		cmocka_unit_test(test_paths),        cmocka_unit_test(test_jsonpath),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
