/* sched-nodeaffinity: the scheduler plugin "NodeAffinity", as in
 * Kubernetes.
 *
 * filter: the node carries every spec.nodeSelector label, and matches one
 *   of the terms of spec.affinity.nodeAffinity
 *   .requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms
 *   (terms ORed, the expressions and fields of a term ANDed; operators In,
 *   NotIn, Exists, DoesNotExist, Gt, Lt; matchFields on metadata.name):
 *   else "node(s) didn't match Pod's node affinity/selector", unresolvable
 *   (preemption cannot change a node's labels).  pre_filter skips the
 *   filter for a pod that has neither.
 * score: the sum of the weights of the
 *   preferredDuringSchedulingIgnoredDuringExecution terms the node
 *   matches; normalize scales the highest sum to 100 (Kubernetes'
 *   DefaultNormalizeScore).
 *
 * Threads: every call comes from the framework's scheduling thread, one
 * pod at a time; the plugin keeps no state beyond the cycle's. */
#include <capstan/scheduler.h>
#include <stdlib.h>

#include "k8ssel.h"

#define REQUIRED  "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
#define PREFERRED "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution"

static int na_pre_filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod)
{
	(void)c;
	const cs_host *h = m->host;
	if (!h->obj_len(h->obj_get(pod->pod, "spec.nodeSelector")) &&
	    !h->obj_get(pod->pod, REQUIRED))
		return CS_SCHED_SKIP;
	return CS_SCHED_OK;
}

static int na_filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *node)
{
	if (ks_pod_fits_node(m->host, pod->pod, node))
		return CS_SCHED_OK;
	c->reason = "node(s) didn't match Pod's node affinity/selector";
	return CS_SCHED_UNRESOLVABLE;
}

static int na_score(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *node,
		    int64_t *score)
{
	const cs_host *h = m->host;
	/* The pod's terms, looked up once per cycle: c->state is the
	 * address of this static when it has none. */
	static const char none;
	if (!c->state) {
		const cs_object *p = h->obj_get(pod->pod, PREFERRED);
		c->state = h->obj_len(p) ? (void *)p : (void *)&none;
	}
	if (c->state == &none) {
		*score = 0;
		return CS_SCHED_OK;
	}
	const cs_object *pref = c->state;
	int64_t sum = 0;
	for (size_t i = 0; i < h->obj_len(pref); i++) {
		const cs_object *t = h->obj_at(pref, i);
		int64_t w = h->obj_int(t, "weight", 0);
		/* Validation keeps weights in 1..100; a zero weight adds nothing. */
		if (w > 0 && ks_node_term_matches(h, h->obj_get(t, "preference"), node))
			sum += w;
	}
	*score = sum;
	return CS_SCHED_OK;
}

/* DefaultNormalizeScore: the highest sum becomes 100, nothing preferred
 * leaves every node at 0. */
static int na_normalize(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
			const cs_sched_node *const *nodes, int64_t *scores, size_t n)
{
	(void)m, (void)c, (void)pod, (void)nodes;
	int64_t max = 0;
	for (size_t i = 0; i < n; i++)
		if (scores[i] > max)
			max = scores[i];
	for (size_t i = 0; max && i < n; i++)
		scores[i] = scores[i] * CS_SCHED_MAX_SCORE / max;
	return CS_SCHED_OK;
}

/* c->state borrows from the pod: nothing to free. */
static void na_cycle_end(cs_mod *m, cs_sched_ctx *c)
{
	(void)m;
	c->state = NULL;
}

static const cs_scheduler_ops na_ops = {
	.size = sizeof(cs_scheduler_ops),
	.plugin = "NodeAffinity",
	.pre_filter = na_pre_filter,
	.filter = na_filter,
	.score = na_score,
	.normalize = na_normalize,
	.cycle_end = na_cycle_end,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "sched-nodeaffinity",
	.version = "1.0.0",
	.description = "scheduler plugin NodeAffinity: nodeSelector, required and preferred node "
		       "affinity",
	.kind = CS_KIND_SCHEDULER,
	.ops = &na_ops,
};
