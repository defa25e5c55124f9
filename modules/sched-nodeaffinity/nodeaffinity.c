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

/* Per cycle: the pod's selector and terms, compiled once (not per node). */
struct na_state {
	ks_nodesel sel;
	bool scoring; /* pref read */
	ks_nterm *pref;
	int64_t *weight;
	size_t npref;
};

static void state_free(struct na_state *st)
{
	if (!st)
		return;
	ks_nodesel_free(&st->sel);
	for (size_t i = 0; i < st->npref; i++)
		ks_nterm_free(&st->pref[i]);
	free(st->pref);
	free(st->weight);
	free(st);
}

static struct na_state *state_of(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod)
{
	if (c->state)
		return c->state;
	struct na_state *st = calloc(1, sizeof(*st));
	if (!st || ks_nodesel_compile(m->host, pod->pod, &st->sel) < 0) {
		state_free(st);
		return NULL;
	}
	return c->state = st;
}

static int na_pre_filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod)
{
	const cs_host *h = m->host;
	if (!h->obj_len(h->obj_get(pod->pod, "spec.nodeSelector")) &&
	    !h->obj_get(pod->pod, REQUIRED))
		return CS_SCHED_SKIP;
	return state_of(m, c, pod) ? CS_SCHED_OK : CS_SCHED_ERROR;
}

static int na_filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *node)
{
	struct na_state *st = state_of(m, c, pod);
	if (!st)
		return CS_SCHED_ERROR;
	if (ks_nodesel_fits(m->host, &st->sel, node))
		return CS_SCHED_OK;
	c->reason = "node(s) didn't match Pod's node affinity/selector";
	return CS_SCHED_UNRESOLVABLE;
}

/* The preferred terms with a positive weight (validation keeps weights in
 * 1..100; a zero weight adds nothing). */
static int read_preferred(const cs_host *h, struct na_state *st, const cs_sched_pod *pod)
{
	const cs_object *pref = h->obj_get(pod->pod, PREFERRED);
	size_t n = h->obj_len(pref);
	st->scoring = true;
	if (!n)
		return 0;
	if (!(st->pref = calloc(n, sizeof(*st->pref))) ||
	    !(st->weight = calloc(n, sizeof(*st->weight))))
		return -1;
	for (size_t i = 0; i < n; i++) {
		const cs_object *t = h->obj_at(pref, i);
		int64_t w = h->obj_int(t, "weight", 0);
		if (w <= 0)
			continue;
		st->weight[st->npref] = w;
		if (ks_nterm_compile(h, h->obj_get(t, "preference"), &st->pref[st->npref++]) < 0)
			return -1;
	}
	return 0;
}

static int na_score(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *node,
		    int64_t *score)
{
	const cs_host *h = m->host;
	struct na_state *st = state_of(m, c, pod);
	if (!st || (!st->scoring && read_preferred(h, st, pod) < 0))
		return CS_SCHED_ERROR;
	int64_t sum = 0;
	for (size_t i = 0; i < st->npref; i++)
		if (ks_nterm_matches(h, &st->pref[i], node))
			sum += st->weight[i];
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

static void na_cycle_end(cs_mod *m, cs_sched_ctx *c)
{
	(void)m;
	state_free(c->state);
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
