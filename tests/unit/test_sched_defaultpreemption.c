/* sched-defaultpreemption (DefaultPreemption): victim selection and the
 * choice of a node (select.c, compiled in here), and post_filter through
 * the loaded module's ops (schedtest.h), over snapshots built in the test.
 * run_filters is the test's: NodeResourcesFit's cpu check on the view. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "schedtest.h"

#include "../../modules/sched-defaultpreemption/select.c"

#define NOW 1000000

/* ---- the test's framework: one filter, cpu ---- */

static int fake_filters(cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *node)
{
	c->reason = NULL;
	if (node->requested.milli_cpu + pod->requests.milli_cpu > node->allocatable.milli_cpu) {
		c->reason = "Insufficient cpu";
		return CS_SCHED_UNSCHEDULABLE;
	}
	return CS_SCHED_OK;
}

/* A pod of priority prio requesting mcpu, started at `start` seconds
 * (0: no status.startTime), on node (NULL: pending). */
static cs_sched_pod *pod_at(sc *s, const char *node, const char *name, int32_t prio, int64_t mcpu,
			    int64_t start, const char *extra_spec, const char *extra_status)
{
	char st[256] = "";
	if (start) {
		time_t t = (time_t)start;
		struct tm tm;
		strftime(st, sizeof(st), "'startTime': '%Y-%m-%dT%H:%M:%SZ'", gmtime_r(&t, &tm));
	}
	cs_object *o =
		sc_obj(s,
		       "{'metadata': {'namespace': 'default', 'name': '%s', 'uid': 'uid-%s'}, "
		       "'spec': {'priority': %d%s}, 'status': {%s%s%s}}",
		       name, name, prio, extra_spec ? extra_spec : "", st,
		       *st && extra_status ? ", " : "", extra_status ? extra_status : "");
	assert_true(s->npods < SC_MAX_PODS);
	cs_sched_pod *p = &s->pods[s->npods++];
	p->size = sizeof(*p);
	p->pod = o;
	p->ns = s->host->obj_str(o, "metadata.namespace");
	p->name = s->host->obj_str(o, "metadata.name");
	p->uid = s->host->obj_str(o, "metadata.uid");
	p->priority = prio;
	p->requests.milli_cpu = mcpu;
	p->requests.pods = 1;
	if (node) {
		sc_node *n = sc_find(s, node);
		n->pods[n->pub.npods++] = p;
		n->pub.requested.milli_cpu += mcpu;
		n->pub.requested.pods++;
	}
	return p;
}

static cs_sched_ctx ctx_for(sc *s, const int *codes)
{
	return (cs_sched_ctx){.size = sizeof(cs_sched_ctx),
			      .cycle = ++s->cycle,
			      .nnodes = s->nnodes,
			      .nodes = s->ptrs,
			      .weight = 1,
			      .node_codes = codes,
			      .run_filters = fake_filters};
}

/* "name,name" of the victims. */
static const char *names(const pe_victims *v)
{
	static char out[512];
	out[0] = '\0';
	for (size_t i = 0; i < v->n; i++)
		fmt(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? "," : "",
		    v->pods[i]->name);
	return out;
}

/* ---- SelectVictimsOnNode ---- */

struct placed {
	const char *name;
	int32_t prio;
	int64_t mcpu, start;
};

static const struct {
	const char *what;
	struct placed pods[6]; /* on a node of 1000m; name NULL ends */
	int32_t prio;          /* the preemptor's; it asks for 500m */
	int code;
	const char *victims, *why;
} victim_cases[] = {
	{"a low pod fills the node", {{"low", 0, 1000, 0}}, 100, CS_SCHED_OK, "low", NULL},
	{"only as many as needed, the least important",
	 {{"a", 10, 300, 0}, {"b", 5, 300, 0}, {"c", 1, 300, 0}},
	 100,
	 CS_SCHED_OK,
	 "b,c",
	 NULL},
	{"the more important is tried first, even if it is the one that must go",
	 {{"x", 50, 600, 0}, {"y", 1, 400, 0}},
	 100,
	 CS_SCHED_OK,
	 "x",
	 NULL},
	{"equal priority: the earlier start is more important",
	 {{"late", 5, 400, 2000}, {"early", 5, 400, 1000}},
	 100,
	 CS_SCHED_OK,
	 "late",
	 NULL},
	{"no start time counts as now",
	 {{"never", 5, 400, 0}, {"early", 5, 400, 1000}},
	 100,
	 CS_SCHED_OK,
	 "never",
	 NULL},
	{"higher and equal priority pods stay",
	 {{"hi", 200, 300, 0}, {"eq", 100, 200, 0}, {"lo", 0, 500, 0}},
	 100,
	 CS_SCHED_OK,
	 "lo",
	 NULL},
	{"equal priority never preempts",
	 {{"eq", 100, 1000, 0}},
	 100,
	 CS_SCHED_UNRESOLVABLE,
	 "",
	 PE_NO_VICTIMS},
	{"no fit even with every lower pod gone",
	 {{"hi", 200, 800, 0}, {"lo", 0, 200, 0}},
	 100,
	 CS_SCHED_UNSCHEDULABLE,
	 "",
	 "Insufficient cpu"},
};

static void test_select_victims(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(victim_cases) / sizeof(victim_cases[0]); i++) {
		sc s;
		sc_up(&s, "sched-defaultpreemption", NULL);
		sc_node_add(&s, "n1", NULL, NULL, 1000, 1 << 30);
		for (const struct placed *p = victim_cases[i].pods; p->name; p++)
			pod_at(&s, "n1", p->name, p->prio, p->mcpu, p->start, NULL, NULL);
		cs_sched_pod *pre =
			pod_at(&s, NULL, "pre", victim_cases[i].prio, 500, 0, NULL, NULL);
		cs_sched_ctx c = ctx_for(&s, NULL);
		pe_victims v;
		const char *why = NULL;
		int64_t req = s.nodes[0].pub.requested.milli_cpu;
		int rc = pe_select_victims(s.host, &c, pre, s.ptrs[0], NOW, &v, &why);
		if (rc != victim_cases[i].code || strcmp(names(&v), victim_cases[i].victims) ||
		    (victim_cases[i].why && (!why || strcmp(why, victim_cases[i].why))))
			fail_msg("%s: got %d victims '%s' (%s), want %d '%s' (%s)",
				 victim_cases[i].what, rc, names(&v), why ? why : "-",
				 victim_cases[i].code, victim_cases[i].victims,
				 victim_cases[i].why ? victim_cases[i].why : "-");
		/* The snapshot node is left as it was. */
		assert_int_equal(s.nodes[0].pub.requested.milli_cpu, req);
		pe_victims_free(&v);
		sc_down(&s);
	}
}

/* ---- pickOneNodeForPreemption ---- */

struct vic {
	int32_t prio;
	int64_t start; /* -1 ends a list */
};

#define END                                                                                        \
	{                                                                                          \
		0, -1                                                                              \
	}

static const struct {
	const char *what;
	struct vic nodes[3][4]; /* the victims of candidates a, b, c */
	size_t ncands;
	const char *want;
} pick_cases[] = {
	{"the lowest priority of the most important victim",
	 {{{10, 0}, END}, {{5, 0}, {1, 0}, {1, 0}, END}},
	 2,
	 "b"},
	{"then the smallest sum of priorities",
	 {{{5, 0}, {4, 0}, END}, {{5, 0}, {3, 0}, END}},
	 2,
	 "b"},
	{"then fewer victims", {{{5, 0}, {0, 0}, END}, {{5, 0}, END}}, 2, "b"},
	{"then the latest start of the most important victims",
	 {{{5, 100}, END}, {{5, 300}, END}, {{5, 200}, END}},
	 3,
	 "b"},
	{"the earliest start among the victims of the top priority counts",
	 {{{5, 500}, {5, 100}, END}, {{5, 200}, {5, 250}, END}},
	 2,
	 "b"},
	{"lower victims' start times do not count",
	 {{{5, 200}, {3, 9000}, END}, {{5, 100}, {3, 10}, END}},
	 2,
	 "a"},
	{"a tie goes to the first", {{{5, 100}, END}, {{5, 100}, END}}, 2, "a"},
	{"negative priorities", {{{-5, 0}, {-1000, 0}, END}, {{-10, 0}, {-20, 0}, END}}, 2, "b"},
};

static void test_pick(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(pick_cases) / sizeof(pick_cases[0]); i++) {
		sc s;
		sc_up(&s, "sched-defaultpreemption", NULL);
		pe_candidate cands[3];
		const cs_sched_pod *pods[3][4];
		static const char *const nn[] = {"a", "b", "c"};
		for (size_t k = 0; k < pick_cases[i].ncands; k++) {
			sc_node_add(&s, nn[k], NULL, NULL, 1000, 1 << 30);
			size_t n = 0;
			for (const struct vic *v = pick_cases[i].nodes[k]; n < 4 && v->start != -1;
			     v++) {
				char name[32];
				fmt(name, sizeof(name), "%s%zu", nn[k], n);
				pods[k][n++] =
					pod_at(&s, nn[k], name, v->prio, 100, v->start, NULL, NULL);
			}
			cands[k] = (pe_candidate){s.ptrs[k], {pods[k], n}};
		}
		size_t got = pe_pick(s.host, cands, pick_cases[i].ncands, NOW);
		if (strcmp(cands[got].node->name, pick_cases[i].want))
			fail_msg("%s: picked %s, want %s", pick_cases[i].what,
				 cands[got].node->name, pick_cases[i].want);
		sc_down(&s);
	}
}

/* ---- post_filter through the module ---- */

static int post(sc *s, const cs_sched_pod *pod, const int *codes, const char **nominated,
		char *reason, size_t len)
{
	cs_sched_ctx c = ctx_for(s, codes);
	*nominated = NULL;
	int rc = s->ops->post_filter(s->m, &c, pod, nominated);
	fmt(reason, len, "%s", c.reason ? c.reason : "");
	static char nom[64];
	if (*nominated) {
		fmt(nom, sizeof(nom), "%s", *nominated);
		*nominated = nom;
	}
	s->ops->cycle_end(s->m, &c);
	return rc;
}

static void test_post_filter(void **state)
{
	(void)state;
	sc s;
	sc_up(&s, "sched-defaultpreemption", NULL);
	sc_node_add(&s, "n1", NULL, NULL, 1000, 1 << 30);
	sc_node_add(&s, "n2", NULL, NULL, 1000, 1 << 30);
	sc_node_add(&s, "n3", NULL, NULL, 1000, 1 << 30);
	pod_at(&s, "n1", "mid", 10, 1000, 0, NULL, NULL);
	pod_at(&s, "n2", "low", 5, 1000, 0, NULL, NULL);
	pod_at(&s, "n3", "top", 1000, 1000, 0, NULL, NULL);
	const int all_unsched[] = {CS_SCHED_UNSCHEDULABLE, CS_SCHED_UNSCHEDULABLE,
				   CS_SCHED_UNSCHEDULABLE};
	const char *nom;
	char why[512];

	/* The node whose victim matters least. */
	cs_sched_pod *pre = pod_at(&s, NULL, "pre", 100, 500, 0, NULL, NULL);
	assert_int_equal(post(&s, pre, all_unsched, &nom, why, sizeof(why)), CS_SCHED_OK);
	assert_string_equal(nom, "n2");

	/* preemptionPolicy Never */
	cs_sched_pod *never =
		pod_at(&s, NULL, "never", 100, 500, 0, ", 'preemptionPolicy': 'Never'", NULL);
	assert_int_equal(post(&s, never, all_unsched, &nom, why, sizeof(why)),
			 CS_SCHED_UNSCHEDULABLE);
	assert_string_equal(why, "preemption: not eligible due to preemptionPolicy=Never.");
	assert_null(nom);

	/* Only nodes that are merely unschedulable are candidates. */
	const int n2_unresolvable[] = {CS_SCHED_UNSCHEDULABLE, CS_SCHED_UNRESOLVABLE,
				       CS_SCHED_UNSCHEDULABLE};
	assert_int_equal(post(&s, pre, n2_unresolvable, &nom, why, sizeof(why)), CS_SCHED_OK);
	assert_string_equal(nom, "n1");

	/* Nothing to preempt for a pod of priority 5: "low" is its equal. */
	cs_sched_pod *five = pod_at(&s, NULL, "five", 5, 500, 0, NULL, NULL);
	assert_int_equal(post(&s, five, all_unsched, &nom, why, sizeof(why)),
			 CS_SCHED_UNSCHEDULABLE);
	assert_string_equal(why, "preemption: 0/3 nodes are available: 3 No preemption victims "
				 "found for incoming pod.");
	assert_string_equal(nom, "");

	/* Too big even on an empty node; the reasons counted per node. */
	cs_sched_pod *big = pod_at(&s, NULL, "big", 100, 1500, 0, NULL, NULL);
	assert_int_equal(post(&s, big, n2_unresolvable, &nom, why, sizeof(why)),
			 CS_SCHED_UNSCHEDULABLE);
	assert_string_equal(why, "preemption: 0/3 nodes are available: 1 Insufficient cpu, 1 No "
				 "preemption victims found for incoming pod, 1 Preemption is not "
				 "helpful for scheduling.");

	const int none[] = {CS_SCHED_UNRESOLVABLE, CS_SCHED_UNRESOLVABLE, CS_SCHED_UNRESOLVABLE};
	assert_int_equal(post(&s, pre, none, &nom, why, sizeof(why)), CS_SCHED_UNSCHEDULABLE);
	assert_string_equal(why,
			    "preemption: 0/3 nodes are available: 3 Preemption is not helpful for "
			    "scheduling.");
	assert_string_equal(nom, "");

	/* A pod nominated to n2, where a victim of an earlier preemption is
	 * still terminating, waits for it. */
	pod_at(&s, "n2", "dying", 1, 0, 0, NULL, NULL);
	s.pods[s.npods - 1].pod = sc_obj(
		&s, "{'metadata': {'namespace': 'default', 'name': 'dying', 'uid': 'uid-dying', "
		    "'deletionTimestamp': '2026-01-01T00:00:00Z'}, 'spec': {'priority': 1}, "
		    "'status': {'conditions': [{'type': 'DisruptionTarget', 'status': 'True', "
		    "'reason': 'PreemptionByScheduler'}]}}");
	cs_sched_pod *waiting =
		pod_at(&s, NULL, "waiting", 100, 500, 0, NULL, "'nominatedNodeName': 'n2'");
	assert_int_equal(post(&s, waiting, all_unsched, &nom, why, sizeof(why)),
			 CS_SCHED_UNSCHEDULABLE);
	assert_string_equal(why, "preemption: not eligible due to a terminating pod on the "
				 "nominated node.");
	/* ... unless its filters say n2 cannot take it at all. */
	assert_int_equal(post(&s, waiting, n2_unresolvable, &nom, why, sizeof(why)), CS_SCHED_OK);
	assert_string_equal(nom, "n1");
	sc_down(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select_victims),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_post_filter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
