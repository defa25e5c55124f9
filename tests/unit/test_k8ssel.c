/* The scheduler plugins' shared selector code (modules/sched-nodeaffinity/
 * k8ssel.c, compiled in here as it is into each plugin): a label selector
 * compiled once (ks_sel_*) must match exactly the pods the object-based
 * ks_selector_matches does, from the parsed labels of ABI 1.1 and from the
 * object alone; node labels and taints likewise from either source. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "schedtest.h"

#include "../../modules/schedkit/k8ssel.c"

static const char *selectors[] = {
	"null",
	"{}",
	"[]",
	"{'matchLabels': {'app': 'web'}}",
	"{'matchLabels': {'app': 'web', 'tier': 'front'}}",
	"{'matchLabels': {'app': 5}}",
	"{'matchExpressions': [{'key': 'app', 'operator': 'In', 'values': ['web', 'db']}]}",
	"{'matchExpressions': [{'key': 'app', 'operator': 'NotIn', 'values': ['web']}]}",
	"{'matchExpressions': [{'key': 'tier', 'operator': 'Exists'}]}",
	"{'matchExpressions': [{'key': 'tier', 'operator': 'DoesNotExist'}]}",
	"{'matchExpressions': [{'key': 'tier', 'operator': 'Exists', 'values': ['x']}]}",
	"{'matchExpressions': [{'key': 'app', 'operator': 'In', 'values': []}]}",
	"{'matchExpressions': [{'key': 'app', 'operator': 'In', 'values': [1, 'web']}]}",
	"{'matchExpressions': [{'key': 'app', 'operator': 'Gt', 'values': ['1']}]}",
	"{'matchExpressions': [{'operator': 'Exists'}]}",
	"{'matchLabels': {'app': 'web'}, 'matchExpressions': [{'key': 'tier', 'operator': "
	"'NotIn', 'values': ['back']}]}",
};

static const char *pods[] = {
	"{}",
	"{'app': 'web'}",
	"{'app': 'db'}",
	"{'app': 'web', 'tier': 'front'}",
	"{'app': 'web', 'tier': 'back'}",
	"{'tier': 'x', 'zz': 'y', 'a': 'b'}",
};

static void test_compiled_selectors_match_as_objects_do(void **state)
{
	(void)state;
	sc s;
	sc_up(&s, "sched-nodeaffinity", NULL);
	const cs_host *h = s.host;
	size_t matched = 0;
	for (size_t i = 0; i < sizeof(selectors) / sizeof(selectors[0]); i++) {
		cs_object *sel = sc_obj(&s, "%s", selectors[i]);
		if (h->obj_type(sel) == CS_OBJ_NULL)
			sel = NULL;
		ks_sel cs;
		assert_int_equal(ks_sel_compile(h, sel, &cs), 0);
		for (size_t k = 0; k < sizeof(pods) / sizeof(pods[0]); k++) {
			cs_sched_pod *p = sc_pod(&s, "default", "p", pods[k], NULL, 0, 0);
			bool want =
				ks_selector_matches(h, sel, h->obj_get(p->pod, "metadata.labels"));
			matched += want;
			p->size = sizeof(*p);
			bool parsed = ks_sel_matches_pod(h, &cs, p);
			p->size = offsetof(cs_sched_pod, nlabels);
			bool object = ks_sel_matches_pod(h, &cs, p);
			if (parsed != want || object != want)
				fail_msg("selector %s, labels %s: objects %d, compiled %d (parsed) "
					 "%d (object)",
					 selectors[i], pods[k], want, parsed, object);
		}
		ks_sel_free(&cs);
	}
	/* Not everything, not nothing. */
	assert_true(matched > 10 && matched < 60);
	/* A few by hand, should both sides be wrong alike. */
	cs_sched_pod *web =
		sc_pod(&s, "default", "w", "{'app': 'web', 'tier': 'front'}", NULL, 0, 0);
	ks_sel cs;
	assert_int_equal(ks_sel_compile(h, sc_obj(&s, "%s", selectors[15]), &cs), 0);
	assert_true(ks_sel_matches_pod(h, &cs, web));
	ks_sel_free(&cs);
	assert_int_equal(ks_sel_compile(h, sc_obj(&s, "%s", selectors[7]), &cs), 0);
	assert_false(ks_sel_matches_pod(h, &cs, web));
	ks_sel_free(&cs);
	assert_int_equal(ks_sel_compile(h, NULL, &cs), 0);
	assert_false(ks_sel_matches_pod(h, &cs, web));
	ks_sel_free(&cs);
	assert_int_equal(ks_sel_compile(h, sc_obj(&s, "{}"), &cs), 0);
	assert_true(ks_sel_matches_pod(h, &cs, web));
	ks_sel_free(&cs);
	sc_down(&s);
}

static void test_pod_and_node_fields_from_either_source(void **state)
{
	(void)state;
	sc s;
	sc_up(&s, "sched-nodeaffinity", NULL);
	const cs_host *h = s.host;
	cs_sched_pod *p = sc_pod(&s, "default", "p", "{'b': '2', 'a': '1', 'c': ''}", NULL, 0, 0);
	sc_node *n = sc_node_add(&s, "n", "{'zone': 'z', 'k': 'v'}",
				 "[{'key': 't', 'effect': 'NoSchedule'}, {'key': 'u', 'value': "
				 "'w', 'effect': 'PreferNoSchedule'}]",
				 1000, 1000);
	for (int abi10 = 0; abi10 < 2; abi10++) {
		p->size = abi10 ? offsetof(cs_sched_pod, nlabels) : sizeof(*p);
		n->pub.size = abi10 ? offsetof(cs_sched_node, npods_with_affinity) : sizeof(n->pub);
		assert_string_equal(ks_pod_label(h, p, "a"), "1");
		assert_string_equal(ks_pod_label(h, p, "c"), "");
		assert_null(ks_pod_label(h, p, "d"));
		assert_true(ks_pod_live(h, p));
		assert_string_equal(ks_node_label(h, &n->pub, "zone"), "z");
		assert_null(ks_node_label(h, &n->pub, "zon"));
		assert_int_equal(ks_node_nlabels(h, &n->pub), 2);
		const cs_sched_taint *t;
		cs_sched_taint *scratch;
		assert_int_equal(ks_node_taints(h, &n->pub, &t, &scratch), 2);
		assert_string_equal(t[0].key, "t");
		assert_string_equal(t[0].value, "");
		assert_string_equal(t[1].effect, "PreferNoSchedule");
		free(scratch);
		assert_false(ks_taints_tolerated(h, p->pod, &n->pub));
	}
	sc_down(&s);
}

static const char *node_specs[] = {
	"{}",
	"{'nodeSelector': {'zone': 'a'}}",
	"{'nodeSelector': {'zone': 'a', 'disk': 'ssd'}}",
	"{'nodeSelector': {'zone': 1}}",
	"{'affinity': {'nodeAffinity': {'requiredDuringSchedulingIgnoredDuringExecution': "
	"{'nodeSelectorTerms': []}}}}",
	"{'affinity': {'nodeAffinity': {'requiredDuringSchedulingIgnoredDuringExecution': "
	"{'nodeSelectorTerms': [{}]}}}}",
	"{'affinity': {'nodeAffinity': {'requiredDuringSchedulingIgnoredDuringExecution': "
	"{'nodeSelectorTerms': [{'matchExpressions': [{'key': 'zone', 'operator': 'In', "
	"'values': ['a', 'b']}]}]}}}}",
	"{'affinity': {'nodeAffinity': {'requiredDuringSchedulingIgnoredDuringExecution': "
	"{'nodeSelectorTerms': [{'matchExpressions': [{'key': 'zone', 'operator': 'NotIn', "
	"'values': ['a']}]}, {'matchFields': [{'key': 'metadata.name', 'operator': 'In', "
	"'values': ['n1']}]}]}}}}",
	"{'affinity': {'nodeAffinity': {'requiredDuringSchedulingIgnoredDuringExecution': "
	"{'nodeSelectorTerms': [{'matchExpressions': [{'key': 'cores', 'operator': 'Gt', "
	"'values': ['4']}, {'key': 'disk', 'operator': 'Exists'}]}]}}}}",
	"{'affinity': {'nodeAffinity': {'requiredDuringSchedulingIgnoredDuringExecution': "
	"{'nodeSelectorTerms': [{'matchExpressions': [{'key': 'cores', 'operator': 'Lt', "
	"'values': ['x']}]}, {'matchExpressions': [{'key': 'disk', 'operator': "
	"'DoesNotExist'}]}]}}}}",
	"{'affinity': {'nodeAffinity': {'requiredDuringSchedulingIgnoredDuringExecution': "
	"{'nodeSelectorTerms': [{'matchFields': [{'key': 'metadata.labels', 'operator': 'In', "
	"'values': ['n1']}]}, {'matchFields': [{'key': 'metadata.name', 'operator': 'Exists'}]}, "
	"{'matchExpressions': [{'key': 'zone', 'operator': 'Bogus', 'values': ['a']}]}]}}}}",
	"{'nodeSelector': {'zone': 'b'}, 'affinity': {'nodeAffinity': "
	"{'requiredDuringSchedulingIgnoredDuringExecution': {'nodeSelectorTerms': "
	"[{'matchExpressions': [{'key': 'cores', 'operator': 'Lt', 'values': ['16']}]}]}}}}",
};

static void test_compiled_node_selectors_match_as_objects_do(void **state)
{
	(void)state;
	sc s;
	sc_up(&s, "sched-nodeaffinity", NULL);
	const cs_host *h = s.host;
	sc_node *nodes[] = {
		sc_node_add(&s, "n1", "{'zone': 'a', 'cores': '8', 'disk': 'ssd'}", NULL, 1, 1),
		sc_node_add(&s, "n2", "{'zone': 'b', 'cores': '2'}", NULL, 1, 1),
		sc_node_add(&s, "n3", "{'zone': 'c', 'cores': 'many', 'disk': 'hdd'}", NULL, 1, 1),
		sc_node_add(&s, "n4", "{}", NULL, 1, 1),
	};
	size_t fits = 0;
	for (size_t i = 0; i < sizeof(node_specs) / sizeof(node_specs[0]); i++) {
		cs_sched_pod *p = sc_pod(&s, "default", "p", NULL, node_specs[i], 0, 0);
		ks_nodesel ns;
		assert_int_equal(ks_nodesel_compile(h, p->pod, &ns), 0);
		const cs_object *terms = h->obj_get(
			p->pod, "spec.affinity.nodeAffinity."
				"requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
		for (size_t k = 0; k < 4; k++) {
			for (int abi10 = 0; abi10 < 2; abi10++) {
				cs_sched_node *n = &nodes[k]->pub;
				n->size = abi10 ? offsetof(cs_sched_node, npods_with_affinity)
						: sizeof(*n);
				bool want = ks_pod_fits_node(h, p->pod, n);
				fits += want && !abi10;
				if (ks_nodesel_fits(h, &ns, n) != want)
					fail_msg("spec %s, node %s: compiled %d, objects %d",
						 node_specs[i], n->name, !want, want);
				for (size_t t = 0; t < h->obj_len(terms); t++) {
					ks_nterm nt;
					const cs_object *term = h->obj_at(terms, t);
					assert_int_equal(ks_nterm_compile(h, term, &nt), 0);
					if (ks_nterm_matches(h, &nt, n) !=
					    ks_node_term_matches(h, term, n))
						fail_msg("spec %s, term %zu, node %s differ",
							 node_specs[i], t, n->name);
					ks_nterm_free(&nt);
				}
			}
		}
		ks_nodesel_free(&ns);
	}
	/* By hand: n1 alone has more than 4 cores and a disk. */
	assert_true(fits > 8 && fits < 40);
	cs_sched_pod *p = sc_pod(&s, "default", "q", NULL, node_specs[8], 0, 0);
	ks_nodesel ns;
	assert_int_equal(ks_nodesel_compile(h, p->pod, &ns), 0);
	assert_true(ks_nodesel_fits(h, &ns, &nodes[0]->pub));
	assert_false(ks_nodesel_fits(h, &ns, &nodes[1]->pub));
	assert_false(ks_nodesel_fits(h, &ns, &nodes[2]->pub));
	ks_nodesel_free(&ns);
	sc_down(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compiled_selectors_match_as_objects_do),
		cmocka_unit_test(test_pod_and_node_fields_from_either_source),
		cmocka_unit_test(test_compiled_node_selectors_match_as_objects_do),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
