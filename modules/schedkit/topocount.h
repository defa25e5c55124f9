/* Counts per topology domain, kept across scheduling cycles.
 *
 * PodTopologySpread and InterPodAffinity count, per value of a node label
 * (a domain), the pods of the cluster that something matches.  Counting
 * over every pod of every node in each cycle is what makes those plugins
 * slow on large clusters, yet between two cycles only the nodes that a
 * binding or a status change touched differ.  A counter keeps what each
 * node added to the totals, under the node's generation
 * (cs_sched_node.generation: it changes whenever the node or its pods do,
 * and is never reused), and a sync asks again only the nodes whose
 * generation differs from the one last seen at their position.
 *
 * What a node adds is a list of (sig, value, n): sig is the caller's
 * small number for what was counted (0 when a counter counts one thing),
 * value the node's label value.  The totals are exact only while the
 * caller's node function gives the same answer for the same node state,
 * i.e. depends on nothing but the node, its pods and fixed parameters.
 *
 * Not thread-safe: one counter belongs to one scheduling thread. */
#ifndef SK_TOPOCOUNT_H
#define SK_TOPOCOUNT_H

#include <capstan/scheduler.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sk_tc sk_tc;
typedef struct sk_tc_emit sk_tc_emit;

/* Adds n to (sig, value) for the node being asked; n may be 0: the node
 * then still makes value a domain of sig (sk_tc_domains).  value is
 * copied.  Returns 0, or -1 when out of memory. */
int sk_tc_add(sk_tc_emit *e, uint32_t sig, const char *value, int64_t n);

/* What node adds, through sk_tc_add; 0, or -1 to fail the sync. */
typedef int (*sk_tc_node_fn)(void *arg, const cs_sched_node *node, sk_tc_emit *e);

/* A new, empty counter, or NULL when out of memory. */
sk_tc *sk_tc_new(void);
void sk_tc_free(sk_tc *t);

/* Brings the totals up to date with nodes[0..n): fn is called for each
 * node whose generation is not the one last seen at its index.  Returns
 * 0; or -1 when a node has no generation (0: a view the framework does not
 * track), when out of memory or when fn fails: the counter is then empty
 * and the caller counts by itself this time. */
int sk_tc_sync(sk_tc *t, const cs_sched_node *const *nodes, size_t n, sk_tc_node_fn fn, void *arg);

/* The total of (sig, value), 0 when no node added to it; *nodes (may be
 * NULL) is set to how many nodes added to it. */
int64_t sk_tc_get(const sk_tc *t, uint32_t sig, const char *value, size_t *nodes);

/* The total of the domain node added to under sig, found by the node's
 * generation rather than by its value: 1 with *total set; 0 when the node
 * was counted and added nothing to sig; -1 when the node (this
 * generation of it) was not counted, or when the counter holds so few
 * values that a lookup by value is cheaper -- ask sk_tc_get by value.
 * hint (NULL: none): the caller's cursor for this counter, 0 to start; a
 * filter asks about the nodes in the order they were synced, so the
 * node's slot is found next to the last one without a table probe (three
 * cache misses a node otherwise). */
int sk_tc_node_get(const sk_tc *t, const cs_sched_node *node, uint32_t sig, int64_t *total,
		   size_t *hint);

/* The number of domains of sig (values some node added to, n = 0
 * included) and, through *min (may be NULL), the smallest total among
 * them (INT64_MAX when there is none). */
size_t sk_tc_domains(const sk_tc *t, uint32_t sig, int64_t *min);

/* Whether some domain of sig has a total other than 0. */
bool sk_tc_any(const sk_tc *t, uint32_t sig);

/* The sigs with a domain whose total is not 0, through fn; stops when fn
 * returns non-zero and returns that. */
int sk_tc_each_sig(const sk_tc *t, int (*fn)(void *arg, uint32_t sig), void *arg);

#endif
