/* Tests for core/selector.c: label selector queries, metav1.LabelSelector,
 * field selectors and the Kubernetes name/label validators. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "selector.h"
#include "status.h"
#include "types.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static cs_json *J(const char *s)
{
	char err[256];
	cs_json *v = cs_json_parse(s, strlen(s), err, sizeof(err));
	if (!v)
		fail_msg("test JSON does not parse: %s: %s", s, err);
	return v;
}

static const cs_type *kind(const char *api_version, const char *k)
{
	const cs_type *t = cs_type_by_kind(api_version, k);
	if (!t)
		fail_msg("no type %s %s", api_version, k);
	return t;
}

/* ---- label selector queries ---- */

typedef struct {
	const char *sel;
	const char *labels; /* JSON object, or "null" for no labels */
	bool match;
} lcase;

static const lcase label_cases[] = {
	{"", "{\"a\":\"b\"}", true},
	{"", "null", true},
	{"   ", "{}", true},
	{"a=b", "{\"a\":\"b\"}", true},
	{"a=b", "{\"a\":\"c\"}", false},
	{"a=b", "{}", false},
	{"a=b", "null", false},
	{"a==b", "{\"a\":\"b\"}", true},
	{"a==b", "{\"a\":\"bb\"}", false},
	{"a!=b", "{\"a\":\"c\"}", true},
	{"a!=b", "{}", true},
	{"a!=b", "{\"a\":\"b\"}", false},
	{"a in (b,c)", "{\"a\":\"c\"}", true},
	{"a in (b,c)", "{\"a\":\"d\"}", false},
	{"a in (b,c)", "{}", false},
	{"a notin (b,c)", "{\"a\":\"d\"}", true},
	{"a notin (b,c)", "{}", true},
	{"a notin (b,c)", "{\"a\":\"b\"}", false},
	{"a", "{\"a\":\"\"}", true},
	{"a", "{\"b\":\"x\"}", false},
	{"!a", "{}", true},
	{"!a", "{\"a\":\"x\"}", false},
	{"a=b,c!=d", "{\"a\":\"b\",\"c\":\"e\"}", true},
	{"a=b,c!=d", "{\"a\":\"b\",\"c\":\"d\"}", false},
	{"a=b,!c", "{\"a\":\"b\"}", true},
	{"a=b,!c", "{\"a\":\"b\",\"c\":\"\"}", false},
	{"  a = b ,  c in ( x , y ) ", "{\"a\":\"b\",\"c\":\"y\"}", true},
	{"a\tin\t(x)", "{\"a\":\"x\"}", true},
	{"app.kubernetes.io/name=web", "{\"app.kubernetes.io/name\":\"web\"}", true},
	{"app.kubernetes.io/name=web", "{\"name\":\"web\"}", false},
	{"a=", "{\"a\":\"\"}", true},
	{"a=", "{\"a\":\"x\"}", false},
	{"a==,b", "{\"a\":\"\",\"b\":\"1\"}", true},
	{"a in ()", "{\"a\":\"\"}", true},
	{"a in (,b)", "{\"a\":\"\"}", true},
	{"a in (b,)", "{\"a\":\"b\"}", true},
	{"a in (b,,c)", "{\"a\":\"\"}", true},
	{"a notin ()", "{\"a\":\"x\"}", true},
	{"in=notin", "{\"in\":\"notin\"}", true},
	{"a in (in,notin)", "{\"a\":\"notin\"}", true},
	{"a>5", "{\"a\":\"10\"}", true},
	{"a>5", "{\"a\":\"5\"}", false},
	{"a>5", "{\"a\":\"x\"}", false},
	{"a>5", "{}", false},
	{"a<5", "{\"a\":\"-3\"}", true},
	{"a<5", "{\"a\":\"7\"}", false},
	{"a=1", "{\"a\":1}", false}, /* labels are strings */
};

static void test_label_match(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(label_cases); i++) {
		const lcase *c = &label_cases[i];
		cs_status st = {0};
		cs_selector *s = cs_label_selector_parse(c->sel, &st);
		if (!s)
			fail_msg("\"%s\": parse failed: %s", c->sel, st.message);
		cs_json *l = J(c->labels);
		bool got = cs_label_selector_match(s, l->type == CS_JSON_NULL ? NULL : l);
		if (got != c->match)
			fail_msg("\"%s\" on %s: got %d, want %d", c->sel, c->labels, got, c->match);
		cs_json_free(l);
		cs_selector_free(s);
	}
}

static void test_label_empty(void **state)
{
	(void)state;
	cs_status st = {0};
	cs_selector *s = cs_label_selector_parse(NULL, &st);
	assert_non_null(s);
	assert_true(cs_selector_empty(s));
	cs_selector_free(s);
	s = cs_label_selector_parse("a", &st);
	assert_false(cs_selector_empty(s));
	cs_selector_free(s);
	assert_true(cs_selector_empty(NULL));
	assert_true(cs_label_selector_match(NULL, NULL));
	cs_selector_free(NULL);
}

typedef struct {
	const char *sel;
	const char *msg; /* substring of the message */
} ecase;

static const ecase label_errors[] = {
	{"a b", "found 'b', expected: in, notin, =, ==, !=, gt, lt"},
	{"a in b", "found 'b' expected: '('"},
	{"a in (b", "found '', expected: ',' or ')'"},
	{"a in (b c)", "found 'c', expected: ',' or ')'"},
	{"a in (=)", "found '=', expected: ',', ')' or identifier"},
	{"a in (,", "found '', expected: ',', or identifier"},
	{"a notin", "found '' expected: '('"},
	{"a=b c", "found 'c', expected: ',' or 'end of string'"},
	{"a=b,", "found '', expected: identifier after ','"},
	{"a=b,,c", "found ',', expected: identifier after ','"},
	{",a", "found ',', expected: !, identifier, or 'end of string'"},
	{"(a)", "found '(', expected: !, identifier, or 'end of string'"},
	{"!", "found '', expected: identifier"},
	{"!a=b", "found '=', expected: ',' or 'end of string'"},
	{"a=(b)", "found '(', expected: identifier"},
	{"a<=5", "found '=', expected: identifier"},
	{"a>x", "for 'Gt', 'Lt' operators, the value must be an integer"},
	{"-a=b", "key: Invalid value: \"-a\": name part must consist of alphanumeric characters"},
	{"a=-b", "values[0][a]: Invalid value: \"-b\": a valid label must be an empty string"},
	{"a in (ok,b-)", "values[1][a]: Invalid value: \"b-\""},
	{"a/b/c=d", "a qualified name must consist of"},
	{"Example.com/a=b", "prefix part a lowercase RFC 1123 subdomain"},
	{"/a", "prefix part must be non-empty"},
	{"a"
	 "0123456789012345678901234567890123456789012345678901234567890123=b",
	 "name part must be no more than 63 characters"},
};

static void test_label_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(label_errors); i++) {
		const ecase *c = &label_errors[i];
		cs_status st = {0};
		cs_selector *s = cs_label_selector_parse(c->sel, &st);
		if (s)
			fail_msg("\"%s\": parsed, want error", c->sel);
		assert_int_equal(st.code, 400);
		assert_string_equal(st.reason, "BadRequest");
		if (!strstr(st.message, c->msg))
			fail_msg("\"%s\": message \"%s\" lacks \"%s\"", c->sel, st.message, c->msg);
		/* The message names the selector it rejects. */
		if (!strstr(st.message, "invalid label selector"))
			fail_msg("\"%s\": message \"%s\" lacks context", c->sel, st.message);
	}
}

/* ---- metav1.LabelSelector ---- */

typedef struct {
	const char *sel;
	const char *labels;
	bool match;
} jcase;

static const jcase json_sel_cases[] = {
	{"{}", "{\"a\":\"b\"}", true},
	{"null", "{}", true},
	{"{\"matchLabels\":{\"a\":\"b\"}}", "{\"a\":\"b\",\"c\":\"d\"}", true},
	{"{\"matchLabels\":{\"a\":\"b\"}}", "{\"a\":\"c\"}", false},
	{"{\"matchLabels\":{\"a\":\"b\",\"c\":\"d\"}}", "{\"a\":\"b\"}", false},
	{"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\",\"values\":[\"x\",\"y\"]}]}",
	 "{\"a\":\"y\"}", true},
	{"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\",\"values\":[\"x\"]}]}", "{}",
	 false},
	{"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"NotIn\",\"values\":[\"x\"]}]}", "{}",
	 true},
	{"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"NotIn\",\"values\":[\"x\"]}]}",
	 "{\"a\":\"x\"}", false},
	{"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Exists\"}]}", "{\"a\":\"\"}", true},
	{"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Exists\",\"values\":[]}]}", "{}",
	 false},
	{"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"DoesNotExist\"}]}", "{}", true},
	{"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"DoesNotExist\"}]}", "{\"a\":\"1\"}",
	 false},
	{"{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":[{\"key\":\"tier\","
	 "\"operator\":\"In\",\"values\":[\"fe\"]}]}",
	 "{\"app\":\"web\",\"tier\":\"fe\"}", true},
	{"{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":[{\"key\":\"tier\","
	 "\"operator\":\"In\",\"values\":[\"fe\"]}]}",
	 "{\"app\":\"web\",\"tier\":\"be\"}", false},
};

static void test_label_selector_json(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(json_sel_cases); i++) {
		const jcase *c = &json_sel_cases[i];
		cs_status st = {0};
		cs_json *sj = J(c->sel), *l = J(c->labels);
		cs_selector *s = cs_label_selector_from_json(sj, "spec.selector", &st);
		if (!s)
			fail_msg("%s: rejected: %s", c->sel, st.message);
		if (cs_label_selector_match(s, l) != c->match)
			fail_msg("%s on %s: want %d", c->sel, c->labels, c->match);
		cs_selector_free(s);
		cs_json_free(sj);
		cs_json_free(l);
	}
	cs_status st = {0};
	cs_selector *s = cs_label_selector_from_json(NULL, "x", &st);
	assert_non_null(s);
	assert_true(cs_selector_empty(s));
	cs_selector_free(s);
}

typedef struct {
	const char *sel;
	const char *path;
	const char *reason; /* of the first cause */
	const char *field;
	const char *msg; /* substring of the first cause's message */
	size_t ncauses;
} jecase;

static const jecase json_sel_errors[] = {
	{"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\"}]}", "spec.selector",
	 "FieldValueRequired", "spec.selector.matchExpressions[0].values",
	 "Required value: must be specified when `operator` is 'In' or 'NotIn'", 1},
	{"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"NotIn\",\"values\":[]}]}",
	 "spec.selector", "FieldValueRequired", "spec.selector.matchExpressions[0].values",
	 "Required value", 1},
	{"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Exists\",\"values\":[\"x\"]}]}",
	 "spec.selector", "FieldValueForbidden", "spec.selector.matchExpressions[0].values",
	 "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'", 1},
	{"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"DoesNotExist\",\"values\":[\"x\"]}]"
	 "}",
	 "spec.selector", "FieldValueForbidden", "spec.selector.matchExpressions[0].values",
	 "Forbidden", 1},
	{"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Equals\",\"values\":[\"x\"]}]}",
	 "spec.selector", "FieldValueInvalid", "spec.selector.matchExpressions[0].operator",
	 "Invalid value: \"Equals\": not a valid selector operator", 1},
	{"{\"matchExpressions\":[{\"key\":\"a\"}]}", "spec.selector", "FieldValueInvalid",
	 "spec.selector.matchExpressions[0].operator", "Invalid value: \"\"", 1},
	{"{\"matchExpressions\":[{\"key\":\"-a\",\"operator\":\"Exists\"}]}", "spec.selector",
	 "FieldValueInvalid", "spec.selector.matchExpressions[0].key",
	 "Invalid value: \"-a\": name part must consist", 1},
	{"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\",\"values\":[\"ok\",\"b c\"]}]}",
	 "spec.selector", "FieldValueInvalid", "spec.selector.matchExpressions[0].values[1]",
	 "Invalid value: \"b c\": a valid label must be", 1},
	{"{\"matchLabels\":{\"a b\":\"x\"}}", "spec.selector", "FieldValueInvalid",
	 "spec.selector.matchLabels", "Invalid value: \"a b\": name part must consist", 1},
	{"{\"matchLabels\":{\"a\":\"x y\"}}", "spec.selector", "FieldValueInvalid",
	 "spec.selector.matchLabels", "Invalid value: \"x y\": a valid label", 1},
	{"{\"matchLabels\":{\"a\":5}}", "spec.selector", "FieldValueInvalid",
	 "spec.selector.matchLabels", "must be a string", 1},
	{"{\"matchLabels\":[\"a\"]}", "spec.selector", "FieldValueInvalid",
	 "spec.selector.matchLabels", "must be an object", 1},
	{"{\"matchExpressions\":{}}", "spec.selector", "FieldValueInvalid",
	 "spec.selector.matchExpressions", "must be a list", 1},
	{"\"a=b\"", "spec.selector", "FieldValueInvalid", "spec.selector", "must be an object", 1},
	{"{\"matchLabels\":{\"-a\":\"-b\"},\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\""
	 "}]}",
	 "spec.selector", "FieldValueInvalid", "spec.selector.matchLabels", "\"-a\"", 3},
	{"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\"}]}", NULL, "FieldValueRequired",
	 "matchExpressions[0].values", "Required value", 1},
};

static void test_label_selector_json_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(json_sel_errors); i++) {
		const jecase *c = &json_sel_errors[i];
		cs_status st = {0};
		cs_json *sj = J(c->sel);
		cs_selector *s = cs_label_selector_from_json(sj, c->path, &st);
		if (s)
			fail_msg("%s: accepted", c->sel);
		assert_int_equal(st.code, 422);
		assert_string_equal(st.reason, "Invalid");
		if (st.ncauses != c->ncauses)
			fail_msg("%s: %zu causes, want %zu (%s)", c->sel, st.ncauses, c->ncauses,
				 st.message);
		assert_string_equal(st.causes[0].reason, c->reason);
		assert_string_equal(st.causes[0].field, c->field);
		if (!strstr(st.causes[0].message, c->msg))
			fail_msg("%s: cause \"%s\" lacks \"%s\"", c->sel, st.causes[0].message,
				 c->msg);
		/* The message is "field: detail", or a bracketed list. */
		if (!strstr(st.message, c->field))
			fail_msg("%s: message \"%s\" lacks the field", c->sel, st.message);
		if ((c->ncauses > 1) != (st.message[0] == '['))
			fail_msg("%s: message \"%s\" aggregate form", c->sel, st.message);
		cs_json_free(sj);
	}
}

/* Causes accumulate with those the caller already recorded. */
static void test_label_selector_json_keeps_causes(void **state)
{
	(void)state;
	cs_status st = {0};
	cs_status_cause(&st, "FieldValueRequired", "spec.template", "Required value");
	cs_json *sj = J("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\"}]}");
	assert_null(cs_label_selector_from_json(sj, "spec.selector", &st));
	assert_int_equal(st.ncauses, 2);
	assert_string_equal(st.causes[0].field, "spec.template");
	cs_json_free(sj);
}

/* ---- field selectors ---- */

typedef struct {
	const char *av, *kind; /* NULL: no kind */
	const char *sel;
	const char *obj;
	bool match;
} fcase;

#define POD_OBJ                                                                                    \
	"{\"metadata\":{\"name\":\"p1\",\"namespace\":\"ns\"},\"spec\":{\"nodeName\":\"n1\","      \
	"\"restartPolicy\":\"Always\"},\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.5\"}}"

static const fcase field_cases[] = {
	{"v1", "Pod", "", POD_OBJ, true},
	{"v1", "Pod", "metadata.name=p1", POD_OBJ, true},
	{"v1", "Pod", "metadata.name==p1", POD_OBJ, true},
	{"v1", "Pod", "metadata.name=p2", POD_OBJ, false},
	{"v1", "Pod", "metadata.name!=p2", POD_OBJ, true},
	{"v1", "Pod", "metadata.name!=p1", POD_OBJ, false},
	{"v1", "Pod", "metadata.namespace=ns,spec.nodeName=n1", POD_OBJ, true},
	{"v1", "Pod", "metadata.namespace=ns,spec.nodeName=n2", POD_OBJ, false},
	{"v1", "Pod", "spec.nodeName!=", POD_OBJ, true},
	{"v1", "Pod", "spec.nodeName=", "{\"spec\":{}}", true},
	{"v1", "Pod", "spec.nodeName=", POD_OBJ, false},
	{"v1", "Pod", "status.phase==Running", POD_OBJ, true},
	{"v1", "Pod", "status.phase!=Running", POD_OBJ, false},
	{"v1", "Pod", "status.podIP=10.0.0.5", POD_OBJ, true},
	{"v1", "Pod", "spec.restartPolicy=Always", POD_OBJ, true},
	{"v1", "Pod", "spec.hostNetwork=false", POD_OBJ, true},
	{"v1", "Pod", "spec.hostNetwork=true", "{\"spec\":{\"hostNetwork\":true}}", true},
	{"v1", "Pod", "spec.schedulerName=default-scheduler",
	 "{\"spec\":{\"schedulerName\":\"default-scheduler\"}}", true},
	{"v1", "Pod", "metadata.name=p1,", POD_OBJ, true},
	{"v1", "Pod", "metadata.name=a\\,b", "{\"metadata\":{\"name\":\"a,b\"}}", true},
	{"v1", "Pod", "metadata.name=a\\=b\\\\", "{\"metadata\":{\"name\":\"a=b\\\\\"}}", true},
	{"v1", "Node", "spec.unschedulable=false", "{\"metadata\":{\"name\":\"n\"}}", true},
	{"v1", "Node", "spec.unschedulable=true", "{\"spec\":{\"unschedulable\":true}}", true},
	{"v1", "Namespace", "status.phase=Active", "{\"status\":{\"phase\":\"Active\"}}", true},
	{"v1", "Secret", "type=Opaque", "{\"type\":\"Opaque\"}", true},
	{"v1", "Event", "involvedObject.kind=Pod,involvedObject.name=p1",
	 "{\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"p1\"}}", true},
	{"v1", "Event", "source=kubelet", "{\"source\":{\"component\":\"kubelet\"}}", true},
	{"v1", "Event", "reason=Failed", "{\"reason\":\"Scheduled\"}", false},
	{"apps/v1", "ReplicaSet", "status.replicas=0", "{\"status\":{}}", true},
	{"apps/v1", "ReplicaSet", "status.replicas=3", "{\"status\":{\"replicas\":3}}", true},
	{"apps/v1", "Deployment", "metadata.namespace=ns", "{\"metadata\":{\"namespace\":\"ns\"}}",
	 true},
	{NULL, NULL, "spec.nodeName=n1", POD_OBJ, true},
	{NULL, NULL, "status.phase=Pending", POD_OBJ, false},
};

static void test_field_match(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(field_cases); i++) {
		const fcase *c = &field_cases[i];
		cs_status st = {0};
		const cs_type *t = c->kind ? kind(c->av, c->kind) : NULL;
		cs_selector *s = cs_field_selector_parse(c->sel, t, &st);
		if (!s)
			fail_msg("\"%s\": parse failed: %s", c->sel, st.message);
		cs_json *o = J(c->obj);
		if (cs_field_selector_match(s, o) != c->match)
			fail_msg("\"%s\" on %s: want %d", c->sel, c->obj, c->match);
		cs_json_free(o);
		cs_selector_free(s);
	}
	cs_status st = {0};
	cs_selector *s = cs_field_selector_parse(NULL, NULL, &st);
	assert_true(cs_selector_empty(s));
	cs_selector_free(s);
	assert_true(cs_field_selector_match(NULL, NULL));
}

typedef struct {
	const char *av, *kind;
	const char *sel;
	const char *msg;
} fecase;

static const fecase field_errors[] = {
	{"v1", "Pod", "spec.foo=bar", "field label not supported: spec.foo"},
	{"v1", "Pod", "metadata.name",
	 "invalid selector: 'metadata.name'; can't understand "
	 "'metadata.name'"},
	{"v1", "Pod", "metadata.name=a,b", "can't understand 'b'"},
	{"v1", "Pod", "metadata.name=a=b", "unescaped character in value: ="},
	{"v1", "Pod", "metadata.name=a\\x", "invalid escape sequence: \\x"},
	{"v1", "Pod", "metadata.name=a\\", "invalid escape sequence: \\"},
	{"v1", "Pod", "metadata.name in (a)", "can't understand"},
	{"v1", "Pod", "metadata.name = a", "field label not supported: metadata.name "},
	{"v1", "Pod", "=a", "field label not supported: "},
	{"v1", "Pod", "type=Opaque", "field label not supported: type"},
	{"v1", "Node", "metadata.namespace=x", "field label not supported: metadata.namespace"},
	{"v1", "Namespace", "metadata.namespace=x", "field label not supported"},
	{"v1", "Service", "spec.nodeName=x", "field label not supported"},
	{NULL, NULL, "foo=bar", "field label not supported: foo"},
};

static void test_field_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(field_errors); i++) {
		const fecase *c = &field_errors[i];
		cs_status st = {0};
		const cs_type *t = c->kind ? kind(c->av, c->kind) : NULL;
		cs_selector *s = cs_field_selector_parse(c->sel, t, &st);
		if (s)
			fail_msg("\"%s\": parsed, want error", c->sel);
		assert_int_equal(st.code, 400);
		assert_string_equal(st.reason, "BadRequest");
		if (!strstr(st.message, c->msg))
			fail_msg("\"%s\": message \"%s\" lacks \"%s\"", c->sel, st.message, c->msg);
	}
}

/* ---- validators ---- */

#define QNAME_MSG                                                                                  \
	"must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "   \
	"an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "  \
	"validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

typedef struct {
	const char *in;
	const char *want; /* NULL: valid; else exact message */
} vcase;

static void check_all(const char *what, const char *(*fn)(const char *), const vcase *cases,
		      size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *got = fn(cases[i].in);
		if (!cases[i].want && got)
			fail_msg("%s(\"%s\"): unexpected error %s", what, cases[i].in, got);
		if (cases[i].want && (!got || strcmp(got, cases[i].want)))
			fail_msg("%s(\"%s\"):\n  got  %s\n  want %s", what, cases[i].in,
				 got ? got : "(valid)", cases[i].want);
	}
}

static void test_check_label_key(void **state)
{
	(void)state;
	static const vcase cases[] = {
		{"a", NULL},
		{"app.kubernetes.io/name", NULL},
		{"A_b.c-D9", NULL},
		{"x/y", NULL},
		{"", "name part must be non-empty; name part " QNAME_MSG},
		{"-a", "name part " QNAME_MSG},
		{"a-", "name part " QNAME_MSG},
		{"a b", "name part " QNAME_MSG},
		{"/a", "prefix part must be non-empty"},
		{"a/", "name part must be non-empty; name part " QNAME_MSG},
		{"a/b/c", "a qualified name " QNAME_MSG " with an optional DNS subdomain "
			  "prefix and '/' (e.g. 'example.com/MyName')"},
		{"Example.com/a",
		 "prefix part a lowercase RFC 1123 subdomain must consist of lower case "
		 "alphanumeric characters, '-' or '.', and must start and end with an "
		 "alphanumeric character "
		 "(e.g. 'example.com', regex used for validation is "
		 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"},
	};
	check_all("label key", cs_check_label_key, cases, N(cases));

	char *n63 = repeat('a', 63), *n64 = repeat('a', 64), *p253 = repeat('b', 253);
	char *p254 = repeat('b', 254);
	char buf[600];
	assert_null(cs_check_label_key(n63));
	assert_string_equal(cs_check_label_key(n64),
			    "name part must be no more than 63 characters");
	snprintf(buf, sizeof(buf), "%s/x", p253);
	assert_null(cs_check_label_key(buf));
	snprintf(buf, sizeof(buf), "%s/x", p254);
	assert_string_equal(cs_check_label_key(buf),
			    "prefix part must be no more than 253 characters");
	snprintf(buf, sizeof(buf), "%s/%s", p254, n64);
	assert_non_null(strstr(cs_check_label_key(buf),
			       "prefix part must be no more than 253 characters; name part must "
			       "be no more than 63 characters"));
	free(n63);
	free(n64);
	free(p253);
	free(p254);
}

static void test_check_label_value(void **state)
{
	(void)state;
	static const vcase cases[] = {
		{"", NULL},
		{"a", NULL},
		{"My_value.1-x", NULL},
		{"-a", "a valid label must be an empty string or consist of alphanumeric "
		       "characters, '-', '_' or '.', and must start and end with an alphanumeric "
		       "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
		       "validation is "
		       "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"},
	};
	check_all("label value", cs_check_label_value, cases, N(cases));
	assert_non_null(cs_check_label_value("a/b"));
	assert_non_null(cs_check_label_value("a b"));
	char *v63 = repeat('v', 63), *v64 = repeat('v', 64);
	assert_null(cs_check_label_value(v63));
	assert_string_equal(cs_check_label_value(v64), "must be no more than 63 characters");
	free(v63);
	free(v64);
}

#define DNS_LABEL_MSG                                                                              \
	"a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "   \
	"and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "   \
	"regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"

static void test_check_dns1123(void **state)
{
	(void)state;
	static const vcase labels[] = {
		{"a", NULL},           {"a-b1", NULL},         {"0", NULL},
		{"", DNS_LABEL_MSG},   {"A", DNS_LABEL_MSG},   {"-a", DNS_LABEL_MSG},
		{"a-", DNS_LABEL_MSG}, {"a_b", DNS_LABEL_MSG}, {"a.b", "must not contain dots"},
	};
	check_all("dns1123 label", cs_check_dns1123_label, labels, N(labels));
	static const vcase subdomains[] = {
		{"a", NULL},
		{"a.b-c.d", NULL},
		{"example.com", NULL},
		{"0.a-b", NULL},
	};
	check_all("dns1123 subdomain", cs_check_dns1123_subdomain, subdomains, N(subdomains));
	assert_non_null(cs_check_dns1123_subdomain(""));
	assert_non_null(cs_check_dns1123_subdomain("a..b"));
	assert_non_null(cs_check_dns1123_subdomain(".a"));
	assert_non_null(cs_check_dns1123_subdomain("a."));
	assert_non_null(cs_check_dns1123_subdomain("A.b"));
	assert_non_null(cs_check_dns1123_subdomain("a-.b"));
	assert_non_null(strstr(cs_check_dns1123_subdomain("a_b"),
			       "a lowercase RFC 1123 subdomain must consist of"));

	char *l63 = repeat('a', 63), *l64 = repeat('a', 64), *s253 = repeat('a', 253);
	char *s254 = repeat('a', 254);
	assert_null(cs_check_dns1123_label(l63));
	assert_string_equal(cs_check_dns1123_label(l64), "must be no more than 63 characters");
	/* Subdomains limit only the whole name, not each label. */
	assert_null(cs_check_dns1123_subdomain(s253));
	assert_string_equal(cs_check_dns1123_subdomain(s254),
			    "must be no more than 253 characters");
	free(l63);
	free(l64);
	free(s253);
	free(s254);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_match),
		cmocka_unit_test(test_label_empty),
		cmocka_unit_test(test_label_errors),
		cmocka_unit_test(test_label_selector_json),
		cmocka_unit_test(test_label_selector_json_errors),
		cmocka_unit_test(test_label_selector_json_keeps_causes),
		cmocka_unit_test(test_field_match),
		cmocka_unit_test(test_field_errors),
		cmocka_unit_test(test_check_label_key),
		cmocka_unit_test(test_check_label_value),
		cmocka_unit_test(test_check_dns1123),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
