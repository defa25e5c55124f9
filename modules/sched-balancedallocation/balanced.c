/* sched-balancedallocation: the scheduler plugin
 * "NodeResourcesBalancedAllocation", as in Kubernetes: prefers the nodes
 * on which, with the pod placed, cpu and memory would be used in the most
 * equal fractions of what the node has.
 *
 * score: f = requested / allocatable per resource (capped at 1), where
 *   requested is the node's pods' requests plus the pod's, as requested
 *   (Kubernetes' useRequested: no 100m / 200Mi default for pods that
 *   request nothing); score = (1 - |f_cpu - f_memory| / 2) * 100, the
 *   standard deviation of two fractions.  A resource the node does not
 *   report is left out (a single fraction deviates by nothing).
 *
 * A plugin of its own rather than a second score of NodeResourcesFit: a
 * module has one score, and the profile weighs the two separately.
 *
 * Threads: every call comes from the framework's scheduling thread; the
 * plugin keeps no state. */
#include <capstan/scheduler.h>
#include <stdlib.h>

static int ba_score(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *node,
		    int64_t *score)
{
	(void)m, (void)c;
	const int64_t alloc[2] = {node->allocatable.milli_cpu, node->allocatable.memory};
	const int64_t req[2] = {node->requested.milli_cpu + pod->requests.milli_cpu,
				node->requested.memory + pod->requests.memory};
	double f[2];
	size_t n = 0;
	for (size_t i = 0; i < 2; i++) {
		if (alloc[i] <= 0)
			continue;
		double x = (double)req[i] / (double)alloc[i];
		f[n++] = x > 1 ? 1 : x;
	}
	double std = 0;
	if (n == 2)
		std = (f[0] > f[1] ? f[0] - f[1] : f[1] - f[0]) / 2;
	*score = (int64_t)((1 - std) * CS_SCHED_MAX_SCORE);
	return CS_SCHED_OK;
}

static const cs_scheduler_ops ba_ops = {
	.size = sizeof(cs_scheduler_ops),
	.plugin = "NodeResourcesBalancedAllocation",
	/* Scores are already 0..CS_SCHED_MAX_SCORE: no normalize. */
	.score = ba_score,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "sched-balancedallocation",
	.version = "1.0.0",
	.description = "scheduler plugin NodeResourcesBalancedAllocation: balance cpu and memory",
	.kind = CS_KIND_SCHEDULER,
	.ops = &ba_ops,
};
