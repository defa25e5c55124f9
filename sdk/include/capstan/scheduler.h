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
 * Scores are 0..CS_SCHED_MAX_SCORE after normalize (a plugin whose raw
 * scores are already in range leaves normalize NULL); the framework
 * multiplies them by the plugin's weight from the profile and picks the
 * feasible node with the highest sum. */
#ifndef CAPSTAN_SCHEDULER_H
#define CAPSTAN_SCHEDULER_H

#include <capstan/module.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CS_SCHED_MAX_SCORE 100

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

typedef struct cs_sched_pod {
	size_t size; /* sizeof(cs_sched_pod) */
	const cs_object *pod;
	const char *ns, *name, *uid;
	int32_t priority;
	/* Effective requests: sum over containers, at least the largest init
	 * container, plus spec.overhead. */
	cs_sched_resources requests;
} cs_sched_pod;

typedef struct cs_sched_node {
	size_t size; /* sizeof(cs_sched_node) */
	const cs_object *node;
	const char *name;
	cs_sched_resources allocatable;
	/* Sum of the requests of pods bound, assumed or nominated here. */
	cs_sched_resources requested;
	size_t npods;
	const cs_sched_pod *const *pods;
	/* Changes whenever the node or its pods change. */
	uint64_t generation;
} cs_sched_node;

/* One plugin's view of one scheduling cycle. */
typedef struct cs_sched_ctx {
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
} cs_sched_ctx;

typedef struct cs_scheduler_ops {
	size_t size; /* sizeof(cs_scheduler_ops) */
	/* Name in profiles (capstan.conf); NULL: the module name. */
	const char *plugin;
	int (*pre_filter)(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod);
	int (*filter)(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
		      const cs_sched_node *node);
	/* No node fits: try to make one fit (preemption).  On OK, *nominated
	 * names the node (borrowed until cycle_end). */
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
} cs_scheduler_ops;

#ifdef __cplusplus
}
#endif

#endif
