/* capstan module ABI v1: scheduler plugins.
 *
 * The extension points of the Kubernetes scheduling framework.  A
 * scheduler module is a plugin: it implements the points it needs and
 * leaves the others NULL.  A framework (a driver module, such as the
 * in-tree sched-framework) owns the queues, the node snapshot and the
 * binding cycle, finds the loaded plugins with cs_host.module_at and calls
 * them, for each pod, in this order:
 *
 *   pre_filter -> filter (per node) -> [post_filter when no node fits]
 *   -> score (per feasible node) -> normalize -> reserve -> permit -> bind
 *   -> cycle_end (always, also after a failure)
 *
 * Every call for one pod happens on the framework's scheduling thread, one
 * pod at a time, so a plugin needs no locking for per-cycle state; bind
 * may run on a binding thread while the next pod is being scheduled.
 * Snapshot structures are read-only and valid until cycle_end.
 *
 * Preemption (ABI 1.1): a post_filter plugin such as sched-defaultpreemption
 * asks the framework, through cs_sched_ctx.run_filters, whether the pod
 * would fit a node with some of its pods removed; the framework tells the
 * other plugins which pods a node view lacks through their optional
 * remove_pod / add_pod (Kubernetes' PreFilterExtensions), so that filters
 * that count pods in pre_filter see the same node as those that read it.
 *
 * Scores are 0..CS_SCHED_MAX_SCORE after normalize (a plugin whose raw
 * scores are already in range leaves normalize NULL); the framework
 * multiplies them by the plugin's weight from the profile and picks the
 * feasible node with the highest sum. */
#ifndef CAPSTAN_SCHEDULER_H
#define CAPSTAN_SCHEDULER_H

#include <capstan/module.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CS_SCHED_MAX_SCORE 100

/* What scores count for a pod that requests no cpu or memory (Kubernetes'
 * DefaultMilliCPURequest and DefaultMemoryRequest). */
#define CS_SCHED_DEFAULT_MILLI_CPU 100
#define CS_SCHED_DEFAULT_MEMORY    (200LL * 1024 * 1024)

/* Result of an extension point. */
enum cs_sched_code {
	CS_SCHED_OK = 0,
	/* the pod does not fit (this node); may fit after the cluster changes */
	CS_SCHED_UNSCHEDULABLE = 1,
	/* does not fit, and preemption on this node would not help */
	CS_SCHED_UNRESOLVABLE = 2,
	CS_SCHED_WAIT = 3,  /* permit: hold the pod up to *timeout_ms */
	CS_SCHED_SKIP = 4,  /* bind: not mine, ask the next binder;
			     * pre_filter: skip this plugin's filter for the pod */
	CS_SCHED_ERROR = 5, /* internal failure: the pod is retried with backoff */
};

/* Resource amounts in Kubernetes' canonical units. */
typedef struct cs_sched_resources {
	int64_t milli_cpu;
	int64_t memory;            /* bytes */
	int64_t ephemeral_storage; /* bytes */
	int64_t pods;
	/* Extended resources ("nvidia.com/gpu", "hugepages-2Mi"), by name. */
	size_t nscalar;
	const char *const *scalar_names;
	const int64_t *scalar_values;
} cs_sched_resources;

/* ABI 1.1: a label of a node or pod, and a node's taint (a field the
 * object lacks is ""). */
typedef struct cs_sched_label {
	const char *key, *value;
} cs_sched_label;

typedef struct cs_sched_taint {
	const char *key, *value, *effect;
} cs_sched_taint;

/* The value of key among n labels sorted by key (strcmp), or NULL. */
static inline const char *cs_sched_label_find(const cs_sched_label *v, size_t n, const char *key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(v[mid].key, key);
		if (!c)
			return v[mid].value;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

typedef struct cs_sched_pod {
	size_t size; /* sizeof(cs_sched_pod) */
	const cs_object *pod;
	const char *ns, *name, *uid;
	int32_t priority;
	/* Effective requests: sum over containers, at least the largest init
	 * container, plus spec.overhead. */
	cs_sched_resources requests;

	/* ---- ABI 1.1 (CS_HAS_FIELD(cs_sched_pod, p, member)) ----
	 * metadata.labels sorted by key (cs_sched_label_find), and whether
	 * metadata.deletionTimestamp is set: read once per pod object rather
	 * than looked up for every node.  Strings borrowed from pod. */
	size_t nlabels;
	const cs_sched_label *labels;
	bool terminating;
} cs_sched_pod;

typedef struct cs_sched_node {
	size_t size; /* sizeof(cs_sched_node) */
	const cs_object *node;
	const char *name;
	cs_sched_resources allocatable;
	/* Sum of the requests of pods bound, assumed or nominated here.
	 * "Nominated": a pending pod whose status.nominatedNodeName names
	 * this node (it preempted pods here) counts, in requested and in
	 * pods, in the cycles of pods of lower or equal priority -- the room
	 * it made is kept for it -- and not in its own cycle. */
	cs_sched_resources requested;
	size_t npods;
	const cs_sched_pod *const *pods;
	/* Changes whenever the node or its pods change, and is never reused
	 * for another state of any node, so a plugin may keep what it derived
	 * from a node under its generation.  0: not a state the framework
	 * tracks (a node view built for run_filters sets 0). */
	uint64_t generation;

	/* ---- ABI 1.1.  Check CS_HAS_FIELD(cs_sched_node, n, member) before
	 * use. ----
	 * The pods of pods whose spec.affinity has podAffinity or
	 * podAntiAffinity terms (required or preferred), and those with
	 * required anti-affinity terms: the pods whose own terms a plugin must
	 * look at when the pod being scheduled has none (Kubernetes'
	 * NodeInfo.PodsWithAffinity / PodsWithRequiredAntiAffinity), so that
	 * it need not read every pod of every node each cycle.  The lists
	 * describe the snapshot's node: on a view built for run_filters they
	 * may still be the snapshot node's, the difference being passed
	 * through add_pod / remove_pod (a view keeps requested and
	 * nonzero_* right). */
	size_t npods_with_affinity;
	const cs_sched_pod *const *pods_with_affinity;
	size_t npods_with_required_anti_affinity;
	const cs_sched_pod *const *pods_with_required_anti_affinity;
	/* The node object's metadata.labels sorted by key (strcmp order;
	 * cs_sched_node_label finds one), its spec.taints in order, and
	 * spec.unschedulable: read once per node object rather than looked up
	 * in node for every pod.  Strings borrowed from node. */
	size_t nlabels;
	const cs_sched_label *labels;
	size_t ntaints;
	const cs_sched_taint *taints;
	bool unschedulable;
	/* requested.milli_cpu and .memory with every pod that requests none
	 * counted at CS_SCHED_DEFAULT_MILLI_CPU / _MEMORY (Kubernetes'
	 * NonZeroRequested, which its scores use). */
	int64_t nonzero_milli_cpu, nonzero_memory;
} cs_sched_node;

/* The value of label key of node n (ABI 1.1 labels), or NULL. */
static inline const char *cs_sched_node_label(const cs_sched_node *n, const char *key)
{
	return cs_sched_label_find(n->labels, n->nlabels, key);
}

/* One plugin's view of one scheduling cycle. */
typedef struct cs_sched_ctx cs_sched_ctx;
struct cs_sched_ctx {
	size_t size; /* sizeof(cs_sched_ctx) */
	uint64_t cycle;
	/* The snapshot the cycle runs on (all nodes, including unfit ones). */
	size_t nnodes;
	const cs_sched_node *const *nodes;
	/* The plugin's own per-cycle state: set it in pre_filter, free it in
	 * cycle_end.  NULL at the start of every cycle. */
	void *state;
	/* A filter that returns UNSCHEDULABLE/UNRESOLVABLE sets reason to a
	 * short text ("Insufficient cpu", "node(s) had untolerated taint
	 * {k: v}") that stays valid until cycle_end; the framework counts
	 * nodes per reason for the pod's condition and Event. */
	const char *reason;
	/* The profile's weight for this plugin's score. */
	int64_t weight;

	/* ---- ABI 1.1: preemption.  Check CS_OPS_HAS(cs_sched_ctx, c, member)
	 * before use: a framework built for 1.0 passes a shorter context. ---- */

	/* post_filter only (NULL in every other call): what the filters said
	 * of each node of nodes, at the same index -- CS_SCHED_UNSCHEDULABLE
	 * or CS_SCHED_UNRESOLVABLE -- and the reason counted for it.  Owned
	 * by the framework, valid during the post_filter call. */
	const int *node_codes;
	const char *const *node_reasons;
	/* Every pending pod of the cycle's snapshot whose
	 * status.nominatedNodeName is set, whatever its priority, except the
	 * pod being scheduled (read the node from its object).  Those of
	 * priority >= the pod's are also in their node's pods (see
	 * cs_sched_node.requested).  Read-only, valid until cycle_end. */
	size_t nnominated;
	const cs_sched_pod *const *nominated;
	/* Run the filter of every plugin of the profile except the caller's
	 * own (and those whose pre_filter returned SKIP for the pod), in the
	 * profile's order, for pod on node; the first rejection ends it.
	 * Scheduling thread, from post_filter only; c is the caller's own
	 * context.  node is a node of the snapshot or a view of one that the
	 * caller built and owns for the call: the same size, node object,
	 * name and allocatable, with its own pods array and requested (the
	 * snapshot node's less the requests of the pods it lacks, plus those
	 * of the pods it adds).  The framework compares the view's pods with
	 * those of the snapshot node of that name by pointer: each one the
	 * view lacks is passed to the other plugins' remove_pod, each one it
	 * adds to their add_pod, before the filters run, and the reverse
	 * afterwards -- so their per-cycle state is the same when run_filters
	 * returns as before.  Returns OK,
	 * UNSCHEDULABLE or UNRESOLVABLE (then c->reason is the rejecting
	 * filter's reason, valid until cycle_end), or ERROR (a plugin failed;
	 * logged by the framework, c->reason NULL). */
	int (*run_filters)(cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *node);

	/* ABI 1.1 (CS_HAS_FIELD(cs_sched_ctx, c, member)): the nodes of
	 * nodes (same order) whose
	 * npods_with_affinity, and those whose
	 * npods_with_required_anti_affinity, is not zero (Kubernetes'
	 * HavePodsWithAffinityNodeInfoList and
	 * HavePodsWithRequiredAntiAffinityNodeInfoList).  Read-only, valid
	 * until cycle_end, in every call of the cycle. */
	size_t nnodes_with_affinity;
	const cs_sched_node *const *nodes_with_affinity;
	size_t nnodes_with_required_anti_affinity;
	const cs_sched_node *const *nodes_with_required_anti_affinity;
};

typedef struct cs_scheduler_ops {
	size_t size; /* sizeof(cs_scheduler_ops) */
	/* Name in profiles (capstan.conf); NULL: the module name. */
	const char *plugin;
	int (*pre_filter)(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod);
	int (*filter)(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
		      const cs_sched_node *node);
	/* No node fits: try to make one fit (preemption).  On OK, *nominated
	 * names the node (borrowed until cycle_end): the framework writes it
	 * to the pod's status.nominatedNodeName and parks the pod as
	 * unschedulable until the cluster changes (its victims are deleted).
	 * UNSCHEDULABLE/UNRESOLVABLE: c->reason, when set, is appended to the
	 * pod's "0/N nodes are available: ..." message (Kubernetes'
	 * "preemption: ..."), and *nominated set to "" asks the framework to
	 * clear a status.nominatedNodeName the pod has.  The plugins'
	 * post_filter run in the profile's order until one returns OK with a
	 * node or UNRESOLVABLE; ERROR retries the pod with backoff.  ABI 1.1:
	 * the context carries node_codes, nominated and run_filters. */
	int (*post_filter)(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
			   const char **nominated);
	int (*score)(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *node,
		     int64_t *score);
	/* Rescale the n scores (one per feasible node, same order) in place
	 * to 0..CS_SCHED_MAX_SCORE. */
	int (*normalize)(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
			 const cs_sched_node *const *nodes, int64_t *scores, size_t n);
	int (*reserve)(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
		       const cs_sched_node *node);
	/* Undo reserve (a later point failed). */
	void (*unreserve)(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
			  const cs_sched_node *node);
	int (*permit)(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
		      const cs_sched_node *node, uint32_t *timeout_ms);
	/* Write the binding; SKIP lets the next plugin (finally the
	 * framework's default pods/binding) do it. */
	int (*bind)(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *node);
	void (*cycle_end)(cs_mod *m, cs_sched_ctx *c);

	/* ---- ABI 1.1, optional: Kubernetes' PreFilterExtensions ----
	 * Called on the scheduling thread, between pre_filter and cycle_end,
	 * by a framework that evaluates the pod on a node view (run_filters,
	 * for preemption): `other` (borrowed for the call) leaves
	 * (remove_pod) or joins (add_pod) `node` for the filter calls that
	 * follow, until the reverse call, which always comes before the next
	 * view is evaluated and before cycle_end.  node is the node as it is
	 * after the change: the caller's view, or the snapshot's node when
	 * the change is undone (borrowed for the call).  A plugin whose
	 * pre_filter counted pods of the snapshot into c->state updates the
	 * counts; one whose filter reads only the node it is given needs
	 * neither.  The framework calls them only for a plugin that has both,
	 * and not for one whose pre_filter returned SKIP for the pod.  OK, or
	 * ERROR (the evaluation fails). */
	int (*add_pod)(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
		       const cs_sched_pod *other, const cs_sched_node *node);
	int (*remove_pod)(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
			  const cs_sched_pod *other, const cs_sched_node *node);
} cs_scheduler_ops;

#ifdef __cplusplus
}
#endif

#endif
