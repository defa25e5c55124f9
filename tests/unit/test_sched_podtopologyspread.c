/* sched-podtopologyspread (PodTopologySpread), loaded through the module
 * host and driven through its ops table (schedtest.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "schedtest.h"

#define SKEW    "node(s) didn't match pod topology spread constraints"
#define MISSING "node(s) didn't match pod topology spread constraints (missing required label)"

/* a1, a2 in zone a; b1 in b; c1 in c (tainted); x1 without a zone. */
static void cluster(sc *s)
{
	sc_up(s, "sched-podtopologyspread", NULL);
	sc_node_add(s, "a1", "{'zone': 'a', 'kubernetes.io/hostname': 'a1'}", NULL, 4000, 1 << 30);
	sc_node_add(s, "a2", "{'zone': 'a', 'kubernetes.io/hostname': 'a2'}", NULL, 4000, 1 << 30);
	sc_node_add(s, "b1", "{'zone': 'b', 'kubernetes.io/hostname': 'b1'}", NULL, 4000, 1 << 30);
	sc_node_add(s, "c1", "{'zone': 'c', 'kubernetes.io/hostname': 'c1'}",
		    "[{'key': 'dedicated', 'value': 'x', 'effect': 'NoSchedule'}]", 4000, 1 << 30);
	sc_node_add(s, "x1", "{'kubernetes.io/hostname': 'x1'}", NULL, 4000, 1 << 30);
}

#define TSC(extra)                                                                                 \
	"{'topologySpreadConstraints': [{'maxSkew': 1, 'topologyKey': 'zone', "                    \
	"'whenUnsatisfiable': 'DoNotSchedule', 'labelSelector': {'matchLabels': {'app': "          \
	"'web'}}" extra "}]"

static const struct {
	const char *what;
	const char *placed; /* "node:ns:app" items, space-separated */
	const char *labels, *spec;
	const char *fits;
	const char *reason_a1; /* the reason on node a1 when it does not fit */
} cases[] = {
	{"skew 1 over zones", "a1:default:web a2:default:web b1:default:web", "{'app': 'web'}",
	 TSC("") "}", "c1", SKEW},
	{"maxSkew 2", "a1:default:web a2:default:web b1:default:web", "{'app': 'web'}",
	 "{'topologySpreadConstraints': [{'maxSkew': 2, 'topologyKey': 'zone', "
	 "'whenUnsatisfiable': 'DoNotSchedule', 'labelSelector': {'matchLabels': {'app': "
	 "'web'}}}]}",
	 "b1,c1", SKEW},
	{"the pod does not match its own selector", "a1:default:web b1:default:web",
	 "{'app': 'db'}", TSC("") "}", "a1,a2,b1,c1", ""},
	{"pods of other namespaces do not count", "a1:other:web a2:other:web b1:other:web",
	 "{'app': 'web'}", TSC("") "}", "a1,a2,b1,c1", ""},
	{"other labels do not count", "a1:default:db a2:default:db", "{'app': 'web'}", TSC("") "}",
	 "a1,a2,b1,c1", ""},
	{"balanced: every zone fits", "a1:default:web b1:default:web c1:default:web",
	 "{'app': 'web'}", TSC("") "}", "a1,a2,b1,c1", ""},
	{"minDomains above the domains: the minimum is 0",
	 "a1:default:web b1:default:web c1:default:web", "{'app': 'web'}",
	 TSC(", 'minDomains': 4") "}", "", SKEW},
	{"minDomains met", "a1:default:web b1:default:web c1:default:web", "{'app': 'web'}",
	 TSC(", 'minDomains': 3") "}", "a1,a2,b1,c1", ""},
	/* Only zone a's nodes count: its minimum is 1 (NodeAffinity, not this
	 * plugin, keeps the pod out of b and c). */
	{"nodeAffinityPolicy Honor (default) leaves zones b and c out",
	 "a1:default:web b1:default:web", "{'app': 'web'}",
	 TSC("") ", 'nodeSelector': {'zone': 'a'}}", "a1,a2,b1,c1", ""},
	{"nodeAffinityPolicy Ignore counts zone c", "a1:default:web b1:default:web",
	 "{'app': 'web'}",
	 TSC(", 'nodeAffinityPolicy': 'Ignore'") ", 'nodeSelector': {'zone': 'a'}}", "c1", SKEW},
	{"nodeTaintsPolicy Ignore (default) counts the tainted zone",
	 "a1:default:web b1:default:web", "{'app': 'web'}", TSC("") "}", "c1", SKEW},
	{"nodeTaintsPolicy Honor leaves the tainted zone out", "a1:default:web b1:default:web",
	 "{'app': 'web'}", TSC(", 'nodeTaintsPolicy': 'Honor'") "}", "a1,a2,b1,c1", ""},
	{"matchLabelKeys narrows the selector to the pod's version",
	 "a1:default:web/v1 a2:default:web/v1 b1:default:web/v2", "{'app': 'web', 'v': 'v2'}",
	 TSC(", 'matchLabelKeys': ['v']") "}", "a1,a2,c1", ""},
	{"hostname key", "a1:default:web b1:default:web c1:default:web x1:default:web",
	 "{'app': 'web'}",
	 "{'topologySpreadConstraints': [{'maxSkew': 1, 'topologyKey': 'kubernetes.io/hostname', "
	 "'whenUnsatisfiable': 'DoNotSchedule', 'labelSelector': {'matchLabels': {'app': "
	 "'web'}}}]}",
	 "a2", SKEW},
	{"no labelSelector matches no pod", "a1:default:web a2:default:web", "{'app': 'web'}",
	 "{'topologySpreadConstraints': [{'maxSkew': 1, 'topologyKey': 'zone', "
	 "'whenUnsatisfiable': 'DoNotSchedule'}]}",
	 "a1,a2,b1,c1", ""},
	/* a2 keeps the hostname skew but not the zone one. */
	{"two constraints: both must hold", "a1:default:web b1:default:web", "{'app': 'web'}",
	 "{'topologySpreadConstraints': [{'maxSkew': 1, 'topologyKey': 'zone', "
	 "'whenUnsatisfiable': 'DoNotSchedule', 'labelSelector': {'matchLabels': {'app': "
	 "'web'}}}, {'maxSkew': 1, 'topologyKey': 'kubernetes.io/hostname', "
	 "'whenUnsatisfiable': 'DoNotSchedule', 'labelSelector': {'matchLabels': {'app': "
	 "'web'}}}]}",
	 "c1", SKEW},
};

static void place_all(sc *s, const char *placed)
{
	char buf[512], *save = NULL;
	fmt(buf, sizeof(buf), "%s", placed);
	int i = 0;
	for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *node = tok, *ns = strchr(node, ':');
		*ns++ = '\0';
		char *app = strchr(ns, ':');
		*app++ = '\0';
		char *ver = strchr(app, '/');
		if (ver)
			*ver++ = '\0';
		char name[32], labels[128];
		fmt(name, sizeof(name), "e%d", i++);
		fmt(labels, sizeof(labels), "{'app': '%s'%s%s%s}", app, ver ? ", 'v': '" : "",
		    ver ? ver : "", ver ? "'" : "");
		sc_place(s, node, ns, name, labels, NULL);
	}
}

static void test_filter(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sc s;
		cluster(&s);
		place_all(&s, cases[i].placed);
		cs_sched_pod *p =
			sc_pod(&s, "default", "new", cases[i].labels, cases[i].spec, 0, 0);
		sc_result r;
		sc_run(&s, p, &r);
		assert_int_equal(r.pre_filter, CS_SCHED_OK);
		if (strcmp(sc_fits(&s, &r), cases[i].fits))
			fail_msg("%s: fits %s, want %s", cases[i].what, sc_fits(&s, &r),
				 cases[i].fits);
		assert_string_equal(r.reason[sc_index(&s, "a1")], cases[i].reason_a1);
		/* x1 has no zone label: never fits a zone constraint. */
		size_t x = sc_index(&s, "x1");
		if (strstr(cases[i].spec, "'zone'")) {
			assert_int_equal(r.code[x], CS_SCHED_UNRESOLVABLE);
			assert_string_equal(r.reason[x], MISSING);
		}
		for (size_t k = 0; k < s.nnodes; k++)
			if (!strcmp(r.reason[k], SKEW))
				assert_int_equal(r.code[k], CS_SCHED_UNSCHEDULABLE);
		sc_down(&s);
	}
}

static void test_schedule_anyway(void **state)
{
	(void)state;
	sc s;
	cluster(&s);
	/* Zone a: 2 matching pods, b: 0, c: 1. */
	place_all(&s, "a1:default:web a2:default:web c1:default:web a1:default:db");
	cs_sched_pod *p = sc_pod(&s, "default", "new", "{'app': 'web'}",
				 "{'topologySpreadConstraints': [{'maxSkew': 1, 'topologyKey': "
				 "'zone', 'whenUnsatisfiable': 'ScheduleAnyway', 'labelSelector': "
				 "{'matchLabels': {'app': 'web'}}}]}",
				 0, 0);
	sc_result r;
	sc_run(&s, p, &r);
	/* Not a filter: every node is feasible, even without the label. */
	assert_int_equal(r.pre_filter, CS_SCHED_SKIP);
	assert_string_equal(sc_fits(&s, &r), "a1,a2,b1,c1,x1");
	/* 3 domains: weight ln(5); raw a 3, b 0, c 2 (rounded 1.61);
	 * normalized 100 * (max + min - s) / max. */
	assert_int_equal(r.score[sc_index(&s, "a1")], 0);
	assert_int_equal(r.score[sc_index(&s, "a2")], 0);
	assert_int_equal(r.score[sc_index(&s, "b1")], 100);
	assert_int_equal(r.score[sc_index(&s, "c1")], 33);
	assert_int_equal(r.score[sc_index(&s, "x1")], 0); /* ignored: no zone */
	/* Without constraints every node scores the same. */
	sc_run(&s, sc_pod(&s, "default", "plain", NULL, "{}", 0, 0), &r);
	assert_int_equal(r.pre_filter, CS_SCHED_SKIP);
	for (size_t i = 1; i < s.nnodes; i++)
		assert_int_equal(r.score[i], r.score[0]);
	sc_down(&s);
}

static void test_schedule_anyway_hostname(void **state)
{
	(void)state;
	sc s;
	cluster(&s);
	place_all(&s, "a1:default:web a1:default:web b1:default:web");
	cs_sched_pod *p = sc_pod(&s, "default", "new", "{'app': 'web'}",
				 "{'topologySpreadConstraints': [{'maxSkew': 2, 'topologyKey': "
				 "'kubernetes.io/hostname', 'whenUnsatisfiable': 'ScheduleAnyway', "
				 "'labelSelector': {'matchLabels': {'app': 'web'}}}]}",
				 0, 0);
	sc_result r;
	sc_run(&s, p, &r);
	/* 5 nodes: weight ln(7) = 1.95; raw a1 2*1.95+1 = 5, b1 3, others 1;
	 * normalized 100 * (5 + 1 - s) / 5. */
	assert_int_equal(r.score[sc_index(&s, "a1")], 20);
	assert_int_equal(r.score[sc_index(&s, "b1")], 60);
	assert_int_equal(r.score[sc_index(&s, "a2")], 100);
	assert_int_equal(r.score[sc_index(&s, "x1")], 100);
	sc_down(&s);
}

/* Counts of matching pods are kept per node state across cycles: a pod
 * joining a node (its generation changes) must be counted in the next
 * cycle, also in a cycle that reuses the counts of the other nodes. */
static void test_kept_counts_follow_the_nodes(void **state)
{
	(void)state;
	sc s;
	cluster(&s);
	sc_place(&s, "a1", "default", "w0", "{'app': 'web'}", NULL);
	sc_result r;
	for (int round = 0; round < 3; round++) {
		sc_run(&s, sc_pod(&s, "default", "p", "{'app': 'web'}", TSC("") "}", 0, 0), &r);
		assert_string_equal(sc_fits(&s, &r), "b1,c1");
		s.npods--;
	}
	sc_place(&s, "b1", "default", "w1", "{'app': 'web'}", NULL);
	sc_run(&s, sc_pod(&s, "default", "p", "{'app': 'web'}", TSC("") "}", 0, 0), &r);
	assert_string_equal(sc_fits(&s, &r), "c1");
	s.npods--;
	sc_place(&s, "c1", "default", "w2", "{'app': 'web'}", NULL);
	sc_run(&s, sc_pod(&s, "default", "p", "{'app': 'web'}", TSC("") "}", 0, 0), &r);
	assert_string_equal(sc_fits(&s, &r), "a1,a2,b1,c1");
	s.npods--;
	/* Another namespace's pods and other selectors keep their own counts. */
	sc_place(&s, "a2", "other", "w3", "{'app': 'web'}", NULL);
	sc_run(&s, sc_pod(&s, "default", "p", "{'app': 'web'}", TSC("") "}", 0, 0), &r);
	assert_string_equal(sc_fits(&s, &r), "a1,a2,b1,c1");
	s.npods--;
	sc_run(&s, sc_pod(&s, "other", "p", "{'app': 'web'}", TSC("") "}", 0, 0), &r);
	assert_string_equal(sc_fits(&s, &r), "b1,c1");
	sc_down(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_schedule_anyway),
		cmocka_unit_test(test_schedule_anyway_hostname),
		cmocka_unit_test(test_kept_counts_follow_the_nodes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
