/* sched-nodeaffinity (NodeAffinity), loaded through the module host and
 * driven through its ops table (schedtest.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "schedtest.h"

#define REASON "node(s) didn't match Pod's node affinity/selector"

static void cluster(sc *s)
{
	sc_up(s, "sched-nodeaffinity", NULL);
	sc_node_add(s, "n1", "{'zone': 'a', 'disk': 'ssd', 'cores': '8'}", NULL, 4000, 1 << 30);
	sc_node_add(s, "n2", "{'zone': 'b', 'disk': 'hdd', 'cores': '16'}", NULL, 4000, 1 << 30);
	sc_node_add(s, "n3", "{'zone': 'c', 'cores': 'many'}", NULL, 4000, 1 << 30);
	sc_node_add(s, "n4", NULL, NULL, 4000, 1 << 30);
}

#define REQ(terms)                                                                                 \
	"{'affinity': {'nodeAffinity': {'requiredDuringSchedulingIgnoredDuringExecution': "        \
	"{'nodeSelectorTerms': " terms "}}}}"
#define EXPR(key, op, values) "{'key': '" key "', 'operator': '" op "', 'values': " values "}"
#define EXPR0(key, op)        "{'key': '" key "', 'operator': '" op "'}"

static const struct {
	const char *what, *spec, *fits;
} filter_cases[] = {
	{"no constraint", "{}", "n1,n2,n3,n4"},
	{"nodeSelector", "{'nodeSelector': {'disk': 'ssd'}}", "n1"},
	{"nodeSelector two labels", "{'nodeSelector': {'disk': 'hdd', 'zone': 'a'}}", ""},
	{"In", REQ("[{'matchExpressions': [" EXPR("zone", "In", "['a', 'c']") "]}]"), "n1,n3"},
	{"NotIn (absent label matches)",
	 REQ("[{'matchExpressions': [" EXPR("zone", "NotIn", "['a']") "]}]"), "n2,n3,n4"},
	{"Exists", REQ("[{'matchExpressions': [" EXPR0("disk", "Exists") "]}]"), "n1,n2"},
	{"DoesNotExist", REQ("[{'matchExpressions': [" EXPR0("disk", "DoesNotExist") "]}]"),
	 "n3,n4"},
	{"Gt (not a number: no match)",
	 REQ("[{'matchExpressions': [" EXPR("cores", "Gt", "['8']") "]}]"), "n2"},
	{"Lt", REQ("[{'matchExpressions': [" EXPR("cores", "Lt", "['16']") "]}]"), "n1"},
	{"Gt with two values is invalid",
	 REQ("[{'matchExpressions': [" EXPR("cores", "Gt", "['1', '2']") "]}]"), ""},
	{"expressions ANDed",
	 REQ("[{'matchExpressions': [" EXPR0("cores", "Exists") ", " EXPR("disk", "NotIn",
									  "['hdd']") "]}]"),
	 "n1,n3"},
	{"terms ORed",
	 REQ("[{'matchExpressions': [" EXPR(
		 "zone", "In", "['a']") "]}, {'matchExpressions': [" EXPR("zone", "In",
									  "['b']") "]}]"),
	 "n1,n2"},
	{"matchFields metadata.name",
	 REQ("[{'matchFields': [" EXPR("metadata.name", "In", "['n2', 'n4']") "]}]"), "n2,n4"},
	{"matchFields NotIn",
	 REQ("[{'matchFields': [" EXPR("metadata.name", "NotIn", "['n2']") "]}]"), "n1,n3,n4"},
	{"matchFields on another field",
	 REQ("[{'matchFields': [" EXPR("spec.x", "In", "['n2']") "]}]"), ""},
	{"empty term matches nothing", REQ("[{}]"), ""},
	{"no terms match nothing", REQ("[]"), ""},
	{"unknown operator", REQ("[{'matchExpressions': [" EXPR("zone", "Like", "['a']") "]}]"),
	 ""},
	{"nodeSelector and affinity both hold",
	 "{'nodeSelector': {'disk': 'ssd'}, 'affinity': {'nodeAffinity': "
	 "{'requiredDuringSchedulingIgnoredDuringExecution': {'nodeSelectorTerms': "
	 "[{'matchExpressions': [" EXPR("zone", "In", "['b']") "]}]}}}}",
	 ""},
};

static void test_filter(void **state)
{
	(void)state;
	sc s;
	cluster(&s);
	for (size_t i = 0; i < sizeof(filter_cases) / sizeof(filter_cases[0]); i++) {
		cs_sched_pod *p = sc_pod(&s, "default", "p", NULL, filter_cases[i].spec, 0, 0);
		sc_result r;
		sc_run(&s, p, &r);
		if (strcmp(sc_fits(&s, &r), filter_cases[i].fits))
			fail_msg("%s: fits %s, want %s", filter_cases[i].what, sc_fits(&s, &r),
				 filter_cases[i].fits);
		for (size_t k = 0; k < s.nnodes; k++)
			if (r.code[k] != CS_SCHED_OK) {
				assert_int_equal(r.code[k], CS_SCHED_UNRESOLVABLE);
				assert_string_equal(r.reason[k], REASON);
			}
	}
	/* Nothing to check: the filter is skipped. */
	sc_result r;
	sc_run(&s, sc_pod(&s, "default", "free", NULL, "{}", 0, 0), &r);
	assert_int_equal(r.pre_filter, CS_SCHED_SKIP);
	sc_down(&s);
}

#define PREF(terms)                                                                                \
	"{'affinity': {'nodeAffinity': {'preferredDuringSchedulingIgnoredDuringExecution': " terms \
	"}}}"

static void test_score(void **state)
{
	(void)state;
	sc s;
	cluster(&s);
	sc_result r;
	/* zone a: 60, ssd: 20 -> n1 80 (100), n2 0, n3 0, n4 0; cores > 10: 40 -> n2 40 (50). */
	cs_sched_pod *p = sc_pod(
		&s, "default", "p", NULL,
		PREF("[{'weight': 60, 'preference': {'matchExpressions': [" EXPR(
			"zone", "In",
			"['a']") "]}}, {'weight': 20, 'preference': {'matchExpressions': "
				 "[" EXPR("disk", "In", "['ssd']") "]}}, {'weight': 40, "
								   "'preference': "
								   "{'matchExpressions': [" EXPR(
									   "cores", "Gt",
									   "['10']") "]}}]"),
		0, 0);
	sc_run(&s, p, &r);
	assert_int_equal(r.score[0], 100);
	assert_int_equal(r.score[1], 50);
	assert_int_equal(r.score[2], 0);
	assert_int_equal(r.score[3], 0);
	/* No preference: every node 0. */
	sc_run(&s, sc_pod(&s, "default", "q", NULL, "{}", 0, 0), &r);
	for (size_t i = 0; i < s.nnodes; i++)
		assert_int_equal(r.score[i], 0);
	/* Scores only the feasible nodes: required zone b or c, preferred c. */
	p = sc_pod(
		&s, "default", "r", NULL,
		"{'affinity': {'nodeAffinity': {'requiredDuringSchedulingIgnoredDuringExecution': "
		"{'nodeSelectorTerms': [{'matchExpressions': [" EXPR(
			"zone", "In",
			"['b', 'c']") "]}]}, 'preferredDuringSchedulingIgnoredDuringExecution': "
				      "[{'weight': 5, 'preference': {'matchExpressions': [" EXPR(
					      "zone", "In", "['c']") "]}}]}}}",
		0, 0);
	sc_run(&s, p, &r);
	assert_string_equal(sc_fits(&s, &r), "n2,n3");
	assert_int_equal(r.score[1], 0);
	assert_int_equal(r.score[2], 100);
	assert_int_equal(r.score[0], -1);
	sc_down(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_score),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
