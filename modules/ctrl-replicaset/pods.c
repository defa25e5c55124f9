/* The order in which surplus pods are deleted (the pod predicates every
 * controller shares are in ctrlkit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rs.h"

/* Kubernetes' ActivePodsWithRanks. */
struct rk {
	rs_victim v;
	bool assigned, ready;
	int phase;                /* Pending (or none) 0, Unknown 1, Running 2 */
	long cost;                /* controller.kubernetes.io/pod-deletion-cost */
	double ready_at, created; /* -1: unknown */
	long restarts;            /* the most restarts of one container */
};

/* t1 is "smaller": later, or unknown while t2 is known. */
static int after_or_zero(double t1, double t2)
{
	if (t1 < 0 || t2 < 0)
		return (t1 < 0) == (t2 < 0) ? 0 : (t1 < 0 ? -1 : 1);
	return t1 > t2 ? -1 : t1 < t2 ? 1 : 0;
}

static int rk_cmp(const void *pa, const void *pb)
{
	const struct rk *a = pa, *b = pb;
	if (a->assigned != b->assigned)
		return a->assigned ? 1 : -1;
	if (a->phase != b->phase)
		return a->phase < b->phase ? -1 : 1;
	if (a->ready != b->ready)
		return a->ready ? 1 : -1;
	if (a->cost != b->cost)
		return a->cost < b->cost ? -1 : 1;
	if (a->v.rank != b->v.rank)
		return a->v.rank > b->v.rank ? -1 : 1;
	int c = a->ready && b->ready ? after_or_zero(a->ready_at, b->ready_at) : 0;
	if (c)
		return c;
	if (a->restarts != b->restarts)
		return a->restarts > b->restarts ? -1 : 1;
	return after_or_zero(a->created, b->created);
}

static long deletion_cost(const cs_host *h, const cs_object *pod)
{
	const char *s = h->obj_str(h->obj_get(pod, "metadata.annotations"),
				   "controller\\.kubernetes\\.io/pod-deletion-cost");
	char *end;
	long v = s ? strtol(s, &end, 10) : 0;
	/* An invalid cost counts as 0, as in Kubernetes (int32 range). */
	return s && *s && !*end && v >= INT32_MIN && v <= INT32_MAX ? v : 0;
}

void rs_rank_for_deletion(const cs_host *h, rs_victim *v, size_t n)
{
	struct rk *k = calloc(n ? n : 1, sizeof(*k));
	if (!k)
		return; /* out of memory: the order is a preference, not a rule */
	for (size_t i = 0; i < n; i++) {
		const cs_object *p = v[i].pod;
		const char *node = h->obj_str(p, "spec.nodeName");
		const char *phase = h->obj_str(p, "status.phase");
		k[i].v = v[i];
		k[i].assigned = node && *node;
		k[i].phase = ck_str_is(phase, "Running") ? 2 : ck_str_is(phase, "Unknown") ? 1 : 0;
		k[i].ready = ck_pod_ready(h, p);
		k[i].ready_at = ck_time(h->obj_str(ck_pod_ready_cond(h, p), "lastTransitionTime"));
		k[i].created = ck_time(h->obj_str(p, "metadata.creationTimestamp"));
		k[i].cost = deletion_cost(h, p);
		const cs_object *cs = h->obj_get(p, "status.containerStatuses");
		for (size_t j = 0; j < h->obj_len(cs); j++) {
			long r = (long)h->obj_int(h->obj_at(cs, j), "restartCount", 0);
			if (r > k[i].restarts)
				k[i].restarts = r;
		}
	}
	qsort(k, n, sizeof(*k), rk_cmp);
	for (size_t i = 0; i < n; i++)
		v[i] = k[i].v;
	free(k);
}
