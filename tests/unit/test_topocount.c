/* The scheduler modules' kept topology counts (modules/schedkit/
 * topocount.c, compiled in here as it is into each plugin): after every
 * sync, the totals, domains and sigs must be what counting every node
 * from scratch gives -- through random changes of nodes' values and counts,
 * nodes joining and leaving anywhere in the order, and untracked nodes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../modules/schedkit/grow.c"
#include "../../modules/schedkit/itab.c"
#include "../../modules/schedkit/topocount.c"

#define MAXN 64
#define NSIG 3
/* values a node takes: few (a lookup by generation answers -1 then), and
 * many */
static int nvalues = 6;
#define ROUNDS 3000

/* A node of the model: its value ("" when it has no key), and what it
 * adds to each sig.  The counter reads them through cs_sched_node.name
 * (the value) and .allocatable (the counts), as a plugin reads labels and
 * pods. */
struct mnode {
	cs_sched_node pub;
	char value[24];
};

static int calls;

static int node_fn(void *arg, const cs_sched_node *node, sk_tc_emit *e)
{
	(void)arg;
	calls++;
	const struct mnode *n = (const struct mnode *)node;
	if (!n->value[0])
		return 0;
	int64_t add[NSIG] = {node->allocatable.milli_cpu, node->allocatable.memory,
			     node->allocatable.pods};
	for (uint32_t s = 0; s < NSIG; s++)
		if (add[s] >= 0 && sk_tc_add(e, s, n->value, add[s]) < 0)
			return -1;
	return 0;
}

static uint64_t gen;

static void change(struct mnode *n)
{
	int v = rand() % (nvalues + 1);
	if (v == nvalues)
		n->value[0] = 0;
	else
		snprintf(n->value, sizeof(n->value), "zone-%d", v);
	/* -1: the node adds nothing to that sig */
	n->pub.allocatable.milli_cpu = rand() % 4 - 1;
	n->pub.allocatable.memory = rand() % 3 - 1;
	n->pub.allocatable.pods = rand() % 2;
	n->pub.generation = ++gen;
}

/* A node's own domain total, by its generation. */
static void check_node(const sk_tc *t, const struct mnode *m, size_t *hint)
{
	int64_t add[NSIG] = {m->pub.allocatable.milli_cpu, m->pub.allocatable.memory,
			     m->pub.allocatable.pods};
	for (uint32_t s = 0; s < NSIG; s++) {
		int64_t total = -99;
		int rc = sk_tc_node_get(t, &m->pub, s, &total, hint);
		if (rc < 0 && t->nvals <= FEW_VALUES)
			continue;
		if (!m->value[0] || add[s] < 0) {
			assert_int_equal(rc, 0);
			continue;
		}
		assert_int_equal(rc, 1);
		assert_int_equal(total, sk_tc_get(t, s, m->value, NULL));
	}
}

/* What counting from scratch gives. */
static void check(const sk_tc *t, struct mnode *const *order, size_t n)
{
	for (uint32_t s = 0; s < NSIG; s++) {
		size_t ndom = 0;
		int64_t min = INT64_MAX;
		bool any = false;
		for (int v = 0; v < nvalues; v++) {
			char value[24];
			snprintf(value, sizeof(value), "zone-%d", v);
			int64_t total = 0;
			size_t nodes = 0;
			for (size_t j = 0; j < n; j++) {
				const struct mnode *m = order[j];
				int64_t add[NSIG] = {m->pub.allocatable.milli_cpu,
						     m->pub.allocatable.memory,
						     m->pub.allocatable.pods};
				if (strcmp(m->value, value) || add[s] < 0)
					continue;
				total += add[s];
				nodes++;
			}
			size_t got_nodes;
			assert_int_equal(sk_tc_get(t, s, value, &got_nodes), total);
			assert_int_equal(got_nodes, nodes);
			if (nodes) {
				ndom++;
				if (total < min)
					min = total;
			}
			any = any || total != 0;
		}
		int64_t got_min;
		assert_int_equal(sk_tc_domains(t, s, &got_min), ndom);
		assert_int_equal(got_min, min);
		assert_int_equal(sk_tc_any(t, s), any);
	}
	/* By generation: each node finds its own domain's total -- without a
	 * cursor; with one, in the synced order from anywhere (wrapping) with
	 * nodes skipped as earlier filters skip them; and in random order,
	 * where the cursor misses and the generation table answers. */
	size_t start = n ? (size_t)rand() % n : 0;
	/* stale, or far out of range (the counter had more nodes): harmless */
	size_t hint = (size_t)rand() % (3 * n + 2);
	for (int pass = 0; pass < 3; pass++)
		for (size_t k = 0; k < n; k++) {
			size_t j = pass == 0 ? k : pass == 1 ? (start + k) % n : (size_t)rand() % n;
			if (pass == 1 && rand() % 4 == 0)
				continue;
			check_node(t, order[j], pass ? &hint : NULL);
		}
	cs_sched_node unknown = {.size = sizeof(unknown), .generation = UINT64_MAX};
	int64_t ignored;
	assert_int_equal(sk_tc_node_get(t, &unknown, 0, &ignored, NULL), -1);
	unknown.generation = 0;
	assert_int_equal(sk_tc_node_get(t, &unknown, 0, &ignored, NULL), -1);
	assert_int_equal(sk_tc_get(t, 0, "no-such-zone", NULL), 0);
	assert_int_equal(sk_tc_get(t, 99, "zone-0", NULL), 0);
	assert_int_equal(sk_tc_domains(t, 99, NULL), 0);
}

static int collect(void *arg, uint32_t sig)
{
	unsigned *seen = arg;
	*seen |= 1u << sig;
	return 0;
}

static void random_changes(int nvals)
{
	nvalues = nvals;
	srand(7);
	static struct mnode pool[MAXN * 4];
	size_t npool = 0;
	struct mnode *order[MAXN];
	const cs_sched_node *ptrs[MAXN];
	size_t n = 0;
	sk_tc *t = sk_tc_new();
	assert_non_null(t);
	for (int round = 0; round < ROUNDS; round++) {
		int op = rand() % 10;
		if (op < 5 && n) { /* nodes change */
			for (int k = rand() % 3; k >= 0; k--)
				change(order[rand() % n]);
		} else if (op < 7 && n < MAXN && npool < MAXN * 4) { /* one joins */
			struct mnode *m = &pool[npool++];
			m->pub.size = sizeof(m->pub);
			change(m);
			size_t at = rand() % (n + 1);
			memmove(&order[at + 1], &order[at], (n - at) * sizeof(*order));
			order[at] = m;
			n++;
		} else if (op < 9 && n) { /* one leaves */
			size_t at = rand() % n;
			memmove(&order[at], &order[at + 1], (n - at - 1) * sizeof(*order));
			n--;
		} else if (n > 1) { /* two swap places */
			size_t a = rand() % n, b = rand() % n;
			struct mnode *x = order[a];
			order[a] = order[b];
			order[b] = x;
		}
		for (size_t j = 0; j < n; j++)
			ptrs[j] = &order[j]->pub;
		calls = 0;
		assert_int_equal(sk_tc_sync(t, ptrs, n, node_fn, NULL), 0);
		assert_true((size_t)calls <= n);
		check(t, order, n);
		unsigned seen = 0, want = 0;
		sk_tc_each_sig(t, collect, &seen);
		for (uint32_t s = 0; s < NSIG; s++)
			want |= (unsigned)sk_tc_any(t, s) << s;
		assert_int_equal(seen, want);
		/* Nothing changed: nobody is asked again. */
		calls = 0;
		assert_int_equal(sk_tc_sync(t, ptrs, n, node_fn, NULL), 0);
		assert_int_equal(calls, 0);
	}
	sk_tc_free(t);
}

static void test_random_changes(void **state)
{
	(void)state;
	random_changes(6);
}

static void test_random_changes_many_values(void **state)
{
	(void)state;
	random_changes(200);
}

/* A node the framework does not track (generation 0) fails the sync and
 * empties the counter; the next sync counts every node again. */
static void test_untracked_node(void **state)
{
	(void)state;
	static struct mnode m[4];
	const cs_sched_node *ptrs[4];
	for (int i = 0; i < 4; i++) {
		m[i].pub.size = sizeof(m[i].pub);
		change(&m[i]);
		snprintf(m[i].value, sizeof(m[i].value), "zone-%d", i % 2);
		ptrs[i] = &m[i].pub;
	}
	struct mnode *order[4] = {&m[0], &m[1], &m[2], &m[3]};
	sk_tc *t = sk_tc_new();
	assert_int_equal(sk_tc_sync(t, ptrs, 4, node_fn, NULL), 0);
	check(t, order, 4);
	uint64_t g = m[2].pub.generation;
	m[2].pub.generation = 0;
	assert_int_equal(sk_tc_sync(t, ptrs, 4, node_fn, NULL), -1);
	for (uint32_t s = 0; s < NSIG; s++)
		assert_int_equal(sk_tc_domains(t, s, NULL), 0);
	m[2].pub.generation = g;
	calls = 0;
	assert_int_equal(sk_tc_sync(t, ptrs, 4, node_fn, NULL), 0);
	assert_int_equal(calls, 4);
	check(t, order, 4);
	sk_tc_free(t);
}

static int fail_on_second(void *arg, const cs_sched_node *node, sk_tc_emit *e)
{
	int *n = arg;
	if (++*n == 2)
		return -1;
	return node_fn(NULL, node, e);
}

/* A node function that fails leaves the counter empty, not half counted. */
static void test_failing_node_fn(void **state)
{
	(void)state;
	static struct mnode m[3];
	const cs_sched_node *ptrs[3];
	struct mnode *order[3];
	for (int i = 0; i < 3; i++) {
		m[i].pub.size = sizeof(m[i].pub);
		change(&m[i]);
		snprintf(m[i].value, sizeof(m[i].value), "zone-0");
		m[i].pub.allocatable.milli_cpu = 1;
		ptrs[i] = &m[i].pub;
		order[i] = &m[i];
	}
	sk_tc *t = sk_tc_new();
	int seen = 0;
	assert_int_equal(sk_tc_sync(t, ptrs, 3, fail_on_second, &seen), -1);
	assert_int_equal(sk_tc_get(t, 0, "zone-0", NULL), 0);
	assert_int_equal(sk_tc_sync(t, ptrs, 3, node_fn, NULL), 0);
	check(t, order, 3);
	sk_tc_free(t);
}

/* Values of nodes long gone do not pile up without bound. */
static void test_churn_is_bounded(void **state)
{
	(void)state;
	static struct mnode m;
	m.pub.size = sizeof(m.pub);
	const cs_sched_node *ptrs[1] = {&m.pub};
	sk_tc *t = sk_tc_new();
	for (int i = 0; i < 20000; i++) {
		snprintf(m.value, sizeof(m.value), "host-%d", i);
		m.pub.allocatable.milli_cpu = 1;
		m.pub.allocatable.memory = m.pub.allocatable.pods = -1;
		m.pub.generation = ++gen;
		assert_int_equal(sk_tc_sync(t, ptrs, 1, node_fn, NULL), 0);
	}
	assert_true(t->nvals < 4 * 1 + 4096 + 2);
	assert_int_equal(sk_tc_get(t, 0, "host-19999", NULL), 1);
	assert_int_equal(sk_tc_domains(t, 0, NULL), 1);
	sk_tc_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_changes),
		cmocka_unit_test(test_random_changes_many_values),
		cmocka_unit_test(test_untracked_node),
		cmocka_unit_test(test_failing_node_fn),
		cmocka_unit_test(test_churn_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
