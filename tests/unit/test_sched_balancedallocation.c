/* sched-balancedallocation (NodeResourcesBalancedAllocation), loaded
 * through the module host and driven through its ops table (schedtest.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "schedtest.h"

#define GI (1LL << 30)

static const struct {
	const char *what;
	int64_t alloc_cpu, alloc_mem;    /* node */
	int64_t used_cpu, used_mem;      /* pods already there */
	int64_t pod_cpu, pod_mem, score; /* the pod, the score */
} cases[] = {
	{"empty node, empty pod: fractions 0 and 0", 4000, 8 * GI, 0, 0, 0, 0, 100},
	{"equal fractions", 4000, 8 * GI, 1000, 2 * GI, 1000, 2 * GI, 100},
	{"cpu half, memory none: deviation 0.25", 4000, 8 * GI, 0, 0, 2000, 0, 75},
	{"cpu full, memory none: deviation 0.5", 4000, 8 * GI, 2000, 0, 2000, 0, 50},
	{"over capacity counts as full", 4000, 8 * GI, 4000, 0, 4000, 0, 50},
	{"pods already there count", 4000, 8 * GI, 0, 4 * GI, 2000, 0, 100},
	{"a node without memory: one fraction, no deviation", 4000, 0, 0, 0, 3000, GI, 100},
	{"no requests default to nothing (useRequested)", 4000, 8 * GI, 2000, 0, 0, 0, 75},
};

static void test_score(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sc s;
		sc_up(&s, "sched-balancedallocation", NULL);
		sc_node *n =
			sc_node_add(&s, "n1", NULL, NULL, cases[i].alloc_cpu, cases[i].alloc_mem);
		n->pub.requested.milli_cpu = cases[i].used_cpu;
		n->pub.requested.memory = cases[i].used_mem;
		cs_sched_pod *p =
			sc_pod(&s, "default", "p", NULL, "{}", cases[i].pod_cpu, cases[i].pod_mem);
		sc_result r;
		sc_run(&s, p, &r);
		if (r.score[0] != cases[i].score)
			fail_msg("%s: score %lld, want %lld", cases[i].what, (long long)r.score[0],
				 (long long)cases[i].score);
		sc_down(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_score),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
