/* sched-interpodaffinity (InterPodAffinity), loaded through the module host
 * and driven through its ops table (schedtest.h).  The unit test's module
 * host has no API, so the namespaces informer stays empty: namespaces
 * carry only kubernetes.io/metadata.name (the integration test covers
 * namespace labels). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "schedtest.h"

#define AFF      "node(s) didn't match pod affinity rules"
#define ANTI     "node(s) didn't match pod anti-affinity rules"
#define EXISTING "node(s) didn't satisfy existing pods anti-affinity rules"

/* a1, a2 in zone a; b1 in b; c1 in c; x1 without a zone. */
static void cluster(sc *s, const char *opts)
{
	sc_up(s, "sched-interpodaffinity", opts);
	sc_node_add(s, "a1", "{'zone': 'a', 'kubernetes.io/hostname': 'a1'}", NULL, 4000, 1 << 30);
	sc_node_add(s, "a2", "{'zone': 'a', 'kubernetes.io/hostname': 'a2'}", NULL, 4000, 1 << 30);
	sc_node_add(s, "b1", "{'zone': 'b', 'kubernetes.io/hostname': 'b1'}", NULL, 4000, 1 << 30);
	sc_node_add(s, "c1", "{'zone': 'c', 'kubernetes.io/hostname': 'c1'}", NULL, 4000, 1 << 30);
	sc_node_add(s, "x1", "{'kubernetes.io/hostname': 'x1'}", NULL, 4000, 1 << 30);
}

#define TERM(sel, key)       "{'labelSelector': " sel ", 'topologyKey': '" key "'}"
#define TERM_NS(sel, key, x) "{'labelSelector': " sel ", 'topologyKey': '" key "', " x "}"
#define APP(v)               "{'matchLabels': {'app': '" v "'}}"
#define REQ_AFF(terms)                                                                             \
	"{'affinity': {'podAffinity': {'requiredDuringSchedulingIgnoredDuringExecution': "         \
	"[" terms "]}}}"
#define REQ_ANTI(terms)                                                                            \
	"{'affinity': {'podAntiAffinity': {'requiredDuringSchedulingIgnoredDuringExecution': "     \
	"[" terms "]}}}"
#define HOST "kubernetes.io/hostname"

struct existing {
	const char *node, *ns, *labels, *spec;
};

static const struct {
	const char *what;
	struct existing pods[3];
	const char *ns, *labels, *spec;
	const char *fits;
	const char *reason; /* on every node that does not fit */
} cases[] = {
	{"anti-affinity per host",
	 {{"a1", "default", "{'app': 'web'}", NULL}},
	 "default",
	 "{'app': 'web'}",
	 REQ_ANTI(TERM(APP("web"), HOST)),
	 "a2,b1,c1,x1",
	 ANTI},
	{"anti-affinity per zone; a node without the key is not in the zone",
	 {{"a1", "default", "{'app': 'web'}", NULL}},
	 "default",
	 "{'app': 'web'}",
	 REQ_ANTI(TERM(APP("web"), "zone")),
	 "b1,c1,x1",
	 ANTI},
	{"anti-affinity ignores other namespaces by default",
	 {{"a1", "other", "{'app': 'web'}", NULL}},
	 "default",
	 "{'app': 'web'}",
	 REQ_ANTI(TERM(APP("web"), HOST)),
	 "a1,a2,b1,c1,x1",
	 ""},
	{"anti-affinity with namespaces",
	 {{"b1", "other", "{'app': 'web'}", NULL}},
	 "default",
	 "{}",
	 REQ_ANTI(TERM_NS(APP("web"), HOST, "'namespaces': ['other']")),
	 "a1,a2,c1,x1",
	 ANTI},
	{"anti-affinity with an empty namespaceSelector: every namespace",
	 {{"b1", "other", "{'app': 'web'}", NULL}},
	 "default",
	 "{}",
	 REQ_ANTI(TERM_NS(APP("web"), HOST, "'namespaceSelector': {}")),
	 "a1,a2,c1,x1",
	 ANTI},
	{"namespaceSelector on the name label",
	 {{"b1", "other", "{'app': 'web'}", NULL}, {"c1", "third", "{'app': 'web'}", NULL}},
	 "default",
	 "{}",
	 REQ_ANTI(TERM_NS(APP("web"), HOST,
			  "'namespaceSelector': {'matchLabels': {'kubernetes.io/metadata.name': "
			  "'third'}}")),
	 "a1,a2,b1,x1",
	 ANTI},
	{"namespaceSelector on a label no namespace has",
	 {{"b1", "other", "{'app': 'web'}", NULL}},
	 "default",
	 "{}",
	 REQ_ANTI(TERM_NS(APP("web"), HOST, "'namespaceSelector': {'matchLabels': {'team': 'x'}}")),
	 "a1,a2,b1,c1,x1",
	 ""},
	{"anti-affinity with matchExpressions",
	 {{"a1", "default", "{'app': 'web'}", NULL}, {"b1", "default", "{'app': 'db'}", NULL}},
	 "default",
	 "{}",
	 REQ_ANTI(TERM("{'matchExpressions': [{'key': 'app', 'operator': 'NotIn', 'values': "
		       "['web']}]}",
		       HOST)),
	 "a1,a2,c1,x1",
	 ANTI},
	{"affinity co-locates by zone",
	 {{"b1", "default", "{'app': 'db'}", NULL}},
	 "default",
	 "{'app': 'web'}",
	 REQ_AFF(TERM(APP("db"), "zone")),
	 "b1",
	 AFF},
	{"affinity: the first pod of a group that matches itself goes anywhere with the key",
	 {{"b1", "default", "{'app': 'web'}", NULL}},
	 "default",
	 "{'app': 'db'}",
	 REQ_AFF(TERM(APP("db"), "zone")),
	 "a1,a2,b1,c1",
	 AFF},
	{"affinity: a pod that matches itself joins the pods it matches once there are some",
	 {{"b1", "default", "{'app': 'web'}", NULL}},
	 "default",
	 "{'app': 'web'}",
	 REQ_AFF(TERM(APP("web"), "zone")),
	 "b1",
	 AFF},
	{"affinity: no pod matches and the pod does not match itself",
	 {{"b1", "default", "{'app': 'web'}", NULL}},
	 "default",
	 "{'app': 'web'}",
	 REQ_AFF(TERM(APP("db"), "zone")),
	 "",
	 AFF},
	{"affinity: one pod must match every term",
	 {{"b1", "default", "{'app': 'db'}", NULL},
	  {"c1", "default", "{'app': 'db', 'tier': 'be'}", NULL}},
	 "default",
	 "{}",
	 REQ_AFF(TERM(APP("db"), "zone") ", " TERM("{'matchLabels': {'tier': 'be'}}", HOST)),
	 "c1",
	 AFF},
	{"existing pods' anti-affinity, symmetrically",
	 {{"a1", "default", "{'app': 'db'}", REQ_ANTI(TERM(APP("web"), "zone"))}},
	 "default",
	 "{'app': 'web'}",
	 "{}",
	 "b1,c1,x1",
	 EXISTING},
	{"existing pods' anti-affinity does not reach other namespaces by default",
	 {{"a1", "other", "{'app': 'db'}", REQ_ANTI(TERM(APP("web"), "zone"))}},
	 "default",
	 "{'app': 'web'}",
	 "{}",
	 "a1,a2,b1,c1,x1",
	 ""},
};

static void test_filter(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sc s;
		cluster(&s, NULL);
		for (size_t k = 0; k < 3 && cases[i].pods[k].node; k++) {
			char name[16];
			fmt(name, sizeof(name), "e%zu", k);
			sc_place(&s, cases[i].pods[k].node, cases[i].pods[k].ns, name,
				 cases[i].pods[k].labels, cases[i].pods[k].spec);
		}
		cs_sched_pod *p =
			sc_pod(&s, cases[i].ns, "new", cases[i].labels, cases[i].spec, 0, 0);
		sc_result r;
		sc_run(&s, p, &r);
		if (strcmp(sc_fits(&s, &r), cases[i].fits))
			fail_msg("%s: fits %s, want %s", cases[i].what, sc_fits(&s, &r),
				 cases[i].fits);
		for (size_t k = 0; k < s.nnodes; k++) {
			if (r.code[k] == CS_SCHED_OK)
				continue;
			if (strcmp(r.reason[k], cases[i].reason))
				fail_msg("%s: node %s: reason %s, want %s", cases[i].what,
					 s.ptrs[k]->name, r.reason[k], cases[i].reason);
			/* Preemption cannot add the pods affinity needs. */
			assert_int_equal(r.code[k], !strcmp(cases[i].reason, AFF)
							    ? CS_SCHED_UNRESOLVABLE
							    : CS_SCHED_UNSCHEDULABLE);
		}
		sc_down(&s);
	}
	/* Nothing to check: the filter is skipped. */
	sc s;
	cluster(&s, NULL);
	sc_place(&s, "a1", "default", "plain", "{'app': 'web'}", NULL);
	sc_result r;
	sc_run(&s, sc_pod(&s, "default", "new", "{'app': 'web'}", "{}", 0, 0), &r);
	assert_int_equal(r.pre_filter, CS_SCHED_SKIP);
	sc_down(&s);
}

#define PREF_AFF(terms)                                                                            \
	"'podAffinity': {'preferredDuringSchedulingIgnoredDuringExecution': [" terms "]}"
#define PREF_ANTI(terms)                                                                           \
	"'podAntiAffinity': {'preferredDuringSchedulingIgnoredDuringExecution': [" terms "]}"
#define WEIGHTED(w, term) "{'weight': " #w ", 'podAffinityTerm': " term "}"

static void expect_scores(sc *s, const sc_result *r, const int64_t *want)
{
	for (size_t i = 0; i < s->nnodes; i++)
		if (r->score[i] != want[i])
			fail_msg("node %s: score %lld, want %lld", s->ptrs[i]->name,
				 (long long)r->score[i], (long long)want[i]);
}

static void test_score(void **state)
{
	(void)state;
	sc s;
	cluster(&s, NULL);
	sc_place(&s, "a1", "default", "w", "{'app': 'web'}", NULL);
	sc_place(&s, "b1", "default", "d", "{'app': 'db'}", NULL);
	sc_result r;
	/* Preferred affinity to db by zone. */
	sc_run(&s,
	       sc_pod(&s, "default", "p1", NULL,
		      "{'affinity': {" PREF_AFF(WEIGHTED(50, TERM(APP("db"), "zone"))) "}}", 0, 0),
	       &r);
	expect_scores(&s, &r, (const int64_t[]){0, 0, 100, 0, 0});
	/* Preferred anti-affinity to web by host. */
	sc_run(&s,
	       sc_pod(&s, "default", "p2", NULL,
		      "{'affinity': {" PREF_ANTI(WEIGHTED(50, TERM(APP("web"), HOST))) "}}", 0, 0),
	       &r);
	expect_scores(&s, &r, (const int64_t[]){0, 100, 100, 100, 100});
	/* Both: a1 -20, b1 +80, the others 0 -> 0, 100, 20. */
	sc_run(&s,
	       sc_pod(&s, "default", "p3", NULL,
		      "{'affinity': {" PREF_AFF(WEIGHTED(
			      80, TERM(APP("db"),
				       "zone"))) ", " PREF_ANTI(WEIGHTED(20, TERM(APP("web"),
										  HOST))) "}}",
		      0, 0),
	       &r);
	expect_scores(&s, &r, (const int64_t[]){0, 20, 100, 20, 20});
	/* Nothing preferred anywhere: all 0. */
	sc_run(&s, sc_pod(&s, "default", "p4", "{'app': 'x'}", "{}", 0, 0), &r);
	expect_scores(&s, &r, (const int64_t[]){0, 0, 0, 0, 0});
	sc_down(&s);
}

static void test_score_existing_terms(void **state)
{
	(void)state;
	sc s;
	cluster(&s, "hard-pod-affinity-weight = 5");
	/* An existing pod on c1 prefers web pods in its zone (10); one on b1
	 * requires them in its zone (hard weight 5); one on a2 prefers them
	 * away from its host (-10). */
	sc_place(&s, "c1", "default", "e1", "{'app': 'db'}",
		 "{'affinity': {" PREF_AFF(WEIGHTED(10, TERM(APP("web"), "zone"))) "}}");
	sc_place(&s, "b1", "default", "e2", "{'app': 'db'}",
		 "{'affinity': {'podAffinity': {'requiredDuringSchedulingIgnoredDuringExecution': "
		 "[" TERM(APP("web"), "zone") "]}}}");
	sc_place(&s, "a2", "default", "e3", "{'app': 'db'}",
		 "{'affinity': {" PREF_ANTI(WEIGHTED(10, TERM(APP("web"), HOST))) "}}");
	sc_result r;
	sc_run(&s, sc_pod(&s, "default", "new", "{'app': 'web'}", "{}", 0, 0), &r);
	/* a1 0, a2 -10, b1 5, c1 10, x1 0: (s + 10) * 100 / 20. */
	expect_scores(&s, &r, (const int64_t[]){50, 0, 75, 100, 50});
	sc_down(&s);
	/* Weight 0 turns the required terms off. */
	cluster(&s, "hard-pod-affinity-weight = 0");
	sc_place(&s, "b1", "default", "e2", "{'app': 'db'}",
		 "{'affinity': {'podAffinity': {'requiredDuringSchedulingIgnoredDuringExecution': "
		 "[" TERM(APP("web"), "zone") "]}}}");
	sc_run(&s, sc_pod(&s, "default", "new", "{'app': 'web'}", "{}", 0, 0), &r);
	expect_scores(&s, &r, (const int64_t[]){0, 0, 0, 0, 0});
	sc_down(&s);
}

/* Existing pods' terms are kept per pod object across cycles: many cycles
 * over many such pods (the kept table grows, and drops what is no longer
 * read) decide as the first did. */
static void test_existing_terms_kept_across_cycles(void **state)
{
	(void)state;
	sc s;
	cluster(&s, NULL);
	static const char *nodes[] = {"a1", "a2", "b1"};
	for (int i = 0; i < 60; i++) {
		char name[16], labels[48];
		fmt(name, sizeof(name), "e%d", i);
		fmt(labels, sizeof(labels), "{'app': 'db%d'}", i);
		/* e<i> keeps pods app=web off its host; only e0..e2 place
		 * themselves on a1, a2, b1 -- the others sit on x1 and name
		 * app=web<i>, which nobody carries. */
		char spec[256];
		fmt(spec, sizeof(spec),
		    "{'affinity': {'podAntiAffinity': "
		    "{'requiredDuringSchedulingIgnoredDuringExecution': "
		    "[{'labelSelector': {'matchLabels': {'app': '%s'}}, 'topologyKey': '%s'}]}}}",
		    i < 3 ? "web" : "nobody", HOST);
		sc_place(&s, i < 3 ? nodes[i] : "x1", "default", name, labels, spec);
	}
	for (int round = 0; round < 40; round++) {
		sc_result r;
		sc_run(&s, sc_pod(&s, "default", "new", "{'app': 'web'}", "{}", 0, 0), &r);
		if (strcmp(sc_fits(&s, &r), "c1,x1"))
			fail_msg("round %d: fits %s", round, sc_fits(&s, &r));
		assert_string_equal(r.reason[0], EXISTING);
		s.npods--; /* reuse the slot of "new" */
	}
	sc_down(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_score),
		cmocka_unit_test(test_score_existing_terms),
		cmocka_unit_test(test_existing_terms_kept_across_cycles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
