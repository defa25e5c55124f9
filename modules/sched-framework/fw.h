/* sched-framework internals: shared by the files of the module only.
 *
 * Threads (module.h, controller.h):
 *  - the scheduling thread is the controller's single worker (workers = 1):
 *    reconcile, every plugin call, snapshot building;
 *  - the module thread runs the node informer handlers, the completions of
 *    the asynchronous binding and status writes, and the permit-wait
 *    timers; it never calls a plugin;
 *  - struct fw fields marked "mu" are shared by both and guarded by mu;
 *    the others are set in init and read-only afterwards. */
#ifndef SCHED_FW_H
#define SCHED_FW_H

#include <capstan/controller.h>
#include <capstan/scheduler.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- quantity.c ---- */

/* Parse a Kubernetes quantity ("100m", "1.5Gi", "1e3", "2k") into whole
 * units, or thousandths when milli, rounding up as Kubernetes' Value() and
 * MilliValue() do.  -1 on malformed text or a value beyond int64. */
int fw_quantity(const char *s, bool milli, int64_t *out);

/* ---- map.c: string-keyed hash map ---- */

typedef struct fw_map_ent fw_map_ent;
typedef struct fw_map {
	fw_map_ent **tab;
	size_t cap, len;
} fw_map;

void *fw_map_get(const fw_map *mp, const char *key);
/* Store val under key; returns 0, or -1 when out of memory.  The key must
 * not be present. */
int fw_map_put(fw_map *mp, const char *key, void *val);
/* Remove key; returns its value or NULL. */
void *fw_map_del(fw_map *mp, const char *key);
/* Drop the entries for which keep() returns false, passing their values
 * to drop(). */
void fw_map_filter(fw_map *mp, bool (*keep)(void *arg, const char *key, void *val), void *arg,
		   void (*drop)(void *val));
void fw_map_each(const fw_map *mp, void (*fn)(void *arg, const char *key, void *val), void *arg);
void fw_map_clear(fw_map *mp, void (*drop)(void *val));

/* ---- resources.c ---- */

/* Growable resource amounts: pub.scalar_names/values point into the
 * arrays.  Scalar names are borrowed from the objects they were read
 * from. */
typedef struct fw_res {
	cs_sched_resources pub;
	const char **names;
	int64_t *vals;
	size_t cap;
} fw_res;

void fw_res_free(fw_res *r);
/* Add one named amount ("cpu", "memory", "ephemeral-storage", "pods" or an
 * extended resource).  -1 when out of memory. */
int fw_res_add1(fw_res *r, const char *name, int64_t v);
int fw_res_add(fw_res *r, const cs_sched_resources *o);
/* r = max(r, o) per resource. */
int fw_res_max(fw_res *r, const cs_sched_resources *o);
/* Read a ResourceList map ({"cpu": "100m", ...}) into r (added).  Amounts
 * that do not parse are skipped (and counted in *bad when not NULL). */
int fw_res_add_list(const cs_host *h, fw_res *r, const cs_object *list, size_t *bad);
/* The effective requests of a pod (scheduler.h, cs_sched_pod). */
int fw_pod_requests(const cs_host *h, const cs_object *pod, fw_res *out);

/* ---- arena: per-snapshot allocations, freed at once ---- */

typedef struct fw_arena {
	struct fw_chunk *head;
} fw_arena;

void *fw_arena_alloc(fw_arena *a, size_t n); /* zeroed, or NULL */
void fw_arena_free(fw_arena *a);

/* ---- nodeinfo.c: a node object's fields plugins read every cycle ---- */

typedef struct fw_nodeinfo {
	unsigned refs;          /* atomic */
	const cs_object *obj;   /* a reference: the taints' strings point into it */
	cs_sched_label *labels; /* sorted by key, with their strings */
	size_t nlabels;
	cs_sched_taint *taints;
	size_t ntaints;
	bool unschedulable;
} fw_nodeinfo;

/* NULL when out of memory. */
fw_nodeinfo *fw_nodeinfo_new(const cs_host *h, const cs_object *node);
fw_nodeinfo *fw_nodeinfo_ref(fw_nodeinfo *ni);
void fw_nodeinfo_unref(const cs_host *h, fw_nodeinfo *ni);
/* Set n's labels, taints and unschedulable from ni (NULL: none). */
void fw_nodeinfo_apply(const fw_nodeinfo *ni, cs_sched_node *n);

/* metadata.labels into out (room for all), sorted; how many. */
size_t fw_labels_parse(const cs_host *h, const cs_object *labels, cs_sched_label *out);

/* A pod object's fields, likewise. */
typedef struct fw_podinfo {
	unsigned refs;        /* atomic */
	const cs_object *obj; /* a reference: the names point into it */
	const char *ns, *name, *uid;
	int32_t priority;
	cs_sched_label *labels; /* sorted by key, with their strings */
	size_t nlabels;
	bool terminating;
} fw_podinfo;

fw_podinfo *fw_podinfo_new(const cs_host *h, const cs_object *pod);
fw_podinfo *fw_podinfo_ref(fw_podinfo *pi);
void fw_podinfo_unref(const cs_host *h, fw_podinfo *pi);
/* Fill p's object, names, priority, labels and terminating from pi (p
 * borrows pi's object). */
void fw_podinfo_apply(const fw_podinfo *pi, cs_sched_pod *p);

/* ---- cache.c: the scheduler's cache of nodes and the pods on them ----
 *
 * Kubernetes' scheduler cache: per node its object, allocatable, and the
 * pods bound there (not terminal) or assumed there by this framework
 * (between reserve and the binding showing in the pods cache), kept up to
 * date from events instead of recomputed per cycle.  A global generation
 * stamps every node that changes, and the changed nodes are kept most
 * recent first, so the snapshot copies only those.  Guarded by fw->mu: the
 * node informer (module thread) and the pod events and assumptions
 * (scheduling thread) both write it. */

/* A pod bound or assumed on a node. */
typedef struct fw_cpod {
	struct fw_cpod *prev, *next; /* its node's pods */
	char *key, *uid, *node;
	const cs_object *pod; /* a reference */
	fw_res req;           /* its effective requests */
	bool assumed;         /* by this framework, not yet seen bound */
	unsigned affinity;    /* FW_AFF_* */
	fw_podinfo *info;     /* pod's parsed fields (a reference) */
} fw_cpod;

/* Which inter-pod terms a pod declares (cs_sched_node.pods_with_*). */
enum { FW_AFF_ANY = 1, FW_AFF_REQ_ANTI = 2 };
unsigned fw_pod_affinity(const cs_host *h, const cs_object *pod);

typedef struct fw_cnode {
	struct fw_cnode *mprev, *mnext; /* the most-recently-updated list */
	char *name;
	const cs_object *node; /* a reference; NULL: only pods name it yet */
	fw_nodeinfo *info;     /* node's parsed fields (a reference), with node */
	fw_res alloc;          /* allocatable (else capacity) */
	fw_cpod *pods;
	size_t npods;
	uint64_t gen; /* the cache's generation when it last changed */
} fw_cnode;

typedef struct fw_cache {
	fw_map nodes;     /* name -> fw_cnode */
	fw_map pods;      /* "ns/name" -> fw_cpod */
	fw_map nominated; /* "ns/name" -> pending pod object naming a node */
	fw_cnode *mru;    /* every node, most recent generation first */
	uint64_t gen;     /* the last generation given */
	uint64_t nodeset; /* bumped when a node object appears or goes */
} fw_cache;

struct fw;
/* Module thread: a node added or updated (its object), or deleted. */
void fw_cache_node_set(cs_mod *m, struct fw *fw, const cs_object *node);
void fw_cache_node_del(cs_mod *m, struct fw *fw, const cs_object *node);
/* Scheduling thread: the pods cache's state of key (NULL: gone).  Ends
 * the pod's assumption once the cache shows it bound or gone. */
void fw_cache_pod(cs_mod *m, struct fw *fw, const char *key, const cs_object *pod);
/* Scheduling thread, under fw->mu: the pod of key assumed on node, or no
 * longer (its cycle failed).  -1 when out of memory. */
int fw_cache_assume_locked(const cs_host *h, struct fw *fw, const char *key, const cs_object *pod,
			   const char *node);
void fw_cache_forget_locked(const cs_host *h, struct fw *fw, const char *key, const char *uid);
void fw_cache_free(const cs_host *h, fw_cache *c);

/* ---- snapshot.c ---- */

/* A node as the snapshot holds it: a copy of the cache's, read-only,
 * shared by every version that contains it (below). */
typedef struct fw_snode fw_snode;

/* An immutable array of the snapshot's nodes, shared by the cycles that
 * start while it is current (snapshot.c). */
typedef struct fw_version fw_version;

typedef struct fw_snapstate fw_snapstate;

typedef struct fw_snapshot {
	fw_arena arena;
	fw_snapstate *st;
	fw_version *ver; /* a reference */
	size_t n;
	const cs_sched_node **ptrs;     /* sorted by name: ver's, or own_ptrs */
	const cs_sched_node **own_ptrs; /* ver's with overridden nodes, or NULL */
	struct fw_override *over;       /* nodes with nominated pods added */
	const cs_object **objs;         /* references held (nominated pods) */
	size_t nobjs, objcap;
	/* Pending pods with status.nominatedNodeName on a node of the
	 * snapshot, but the cycle's own pod (cs_sched_ctx.nominated). */
	const cs_sched_pod **nominated;
	size_t nnominated, nomcap;
	/* The nodes of ptrs with pods_with_affinity / _required_anti_affinity
	 * (cs_sched_ctx): ver's, or in the arena. */
	const cs_sched_node **with_aff, **with_anti;
	size_t nwith_aff, nwith_anti;
} fw_snapshot;

/* The snapshot kept across cycles (scheduling thread). */
struct fw_snapstate {
	fw_version *cur;  /* the newest version; one reference */
	fw_version *live; /* every version still referenced, oldest first */
	/* Nodes no longer in the newest version, in the order they left: a
	 * node is freed once no live version older than its leaving is. */
	fw_snode *retired, *retired_tail;
	uint64_t epoch; /* of the newest version */
	uint64_t gen, nodeset;
	bool valid;
};

/* Bring the persistent snapshot up to date with the cache (copying only
 * the nodes changed since), and make the view of the cycle of `pod`: every
 * node with the pods bound or assumed on it, and those nominated there
 * that take room in its cycle (of priority >= its own, not itself).  NULL
 * (logged) when out of memory. */
fw_snapshot *fw_snapshot_build(cs_mod *m, struct fw *fw, const cs_object *pod);
/* The snapshot's node called name, or NULL. */
const cs_sched_node *fw_snapshot_node(fw_snapshot *s, const char *name);
void fw_snapshot_free(const cs_host *h, fw_snapshot *s);
void fw_snapstate_free(const cs_host *h, fw_snapstate *st);
/* Fill a cs_sched_pod whose requests live in the snapshot's arena. */
int fw_sched_pod(const cs_host *h, fw_snapshot *s, const cs_object *pod, cs_sched_pod *out);

/* ---- framework.c: the module's state ---- */

typedef struct fw_weight {
	char *plugin;
	int64_t weight;
} fw_weight;

/* A profile: the plugins run for the pods of one scheduler name. */
typedef struct fw_profile {
	char *name;     /* spec.schedulerName ("" counts as default-scheduler) */
	char **plugins; /* names in order; none = every loaded plugin */
	size_t nplugins;
	fw_weight *weights;
	size_t nweights;
	const char *origin;  /* where it was configured: "option plugins", "profile" */
	bool warned_missing; /* scheduling thread */
} fw_profile;

struct fw_cycle;

struct fw {
	fw_profile *profiles; /* [0]: options scheduler-name, plugins, weights */
	size_t nprofiles;
	cs_informer *nodes, *pods;
	cs_metric *m_attempts, *m_scheduled, *m_unschedulable, *m_duration;

	uint64_t cycle;    /* scheduling thread */
	int pct_to_score;  /* option percentage-of-nodes-to-score */
	size_t next_start; /* scheduling thread: where the next filtering starts */

	pthread_mutex_t mu;
	struct fw_queue *q;      /* mu: the scheduling queue (queue.c) */
	fw_map assumed;          /* mu: pod uid -> struct fw_assumed */
	struct fw_cycle *parked; /* mu: cycles waiting for permit or binding */
	fw_cache cache;          /* mu: nodes and the pods on them (cache.c) */
	fw_snapstate snap;       /* scheduling thread: the snapshot (snapshot.c) */
};

/* A pod assumed on a node: reserved and being bound, or bound but not yet
 * seen bound in the pods cache. */
struct fw_assumed {
	char *node;
};
void fw_assumed_free(void *a);

uint64_t fw_now_ms(void);
uint64_t fw_now_ns(void);

/* How many feasible nodes a cycle looks for among n before it stops
 * filtering (Kubernetes' numFeasibleNodesToFind). */
size_t fw_nodes_to_find(int pct, size_t n);

/* ---- queue.c: activeQ, backoffQ, unschedulable pods ---- */

/* The work queue key that asks for the next pod of activeQ. */
#define FW_PUMP_KEY "(scheduling queue)"

/* init: read the queue options; -1 (logged) when they are bad. */
int fw_queue_init(cs_mod *m, struct fw *fw);
/* start: the periodic flush of pods unschedulable for too long. */
int fw_queue_start(cs_mod *m, struct fw *fw);
void fw_queue_free(cs_mod *m, struct fw *fw);
/* The pod of key is pending and ours: queue it if new; retry it if parked
 * and its labels, annotations or spec changed. */
void fw_queue_pending(cs_mod *m, struct fw *fw, const char *key, const cs_object *pod);
/* The pod of key is gone or no longer pending: drop it.  1 when it was
 * queued. */
int fw_queue_forget(cs_mod *m, struct fw *fw, const char *key);
/* Cluster events: every parked pod back to activeQ (or backoffQ); after a
 * pod was assigned, those it may help. */
void fw_queue_move_all(cs_mod *m, struct fw *fw, const char *event);
void fw_queue_pod_assigned(cs_mod *m, struct fw *fw, const cs_object *pod);
/* The key of the next pod to try (owned), or NULL when activeQ is empty. */
char *fw_queue_pop(cs_mod *m, struct fw *fw);
/* A failed attempt of pod key/uid: parked when unschedulable, else to
 * backoffQ.  Returns its backoff. */
uint32_t fw_backoff(struct fw *fw, const char *key, const char *uid, bool unschedulable);
/* Queue FW_PUMP_KEY: now while activeQ has pods, else for the end of the
 * earliest backoff. */
void fw_queue_kick(cs_mod *m, struct fw *fw);

/* ---- profile.c ---- */

/* Read the options scheduler-name, plugins, weights and profiles; -1
 * (logged) on a bad entry or when out of memory. */
int fw_profiles_read(cs_mod *m, struct fw *fw);
void fw_profiles_free(struct fw *fw);
/* The profile of a spec.schedulerName (NULL or "": default-scheduler), or
 * NULL when it is another scheduler's. */
fw_profile *fw_profile_of(struct fw *fw, const char *scheduler);
/* The profile's weight for plugin (default 1). */
int64_t fw_profile_weight(const fw_profile *p, const char *plugin);
/* start: log what each profile runs, and what is missing. */
void fw_profiles_log(cs_mod *m, struct fw *fw);

/* ---- cycle.c ---- */

/* A plugin's name in profiles: its ops' plugin, else the module's name. */
const char *fw_plugin_name(const cs_module *d);
/* The running scheduler module whose plugin is `name`, or NULL. */
const cs_module *fw_plugin_find(cs_mod *m, const char *name, cs_mod **inst);

/* One scheduling attempt of a pod that is pending, ours and not assumed.
 * Returns the reconcile result. */
int fw_schedule(cs_mod *m, struct fw *fw, fw_profile *prof, const char *key, const cs_object *pod);
/* Scheduling thread: complete parked cycles whose wait ended or whose
 * binding finished. */
void fw_drain(cs_mod *m, struct fw *fw);
/* fini: free the parked cycles (bindings in flight at stop), with
 * cycle_end from the plugins still running. */
void fw_cycles_free(cs_mod *m, struct fw *fw);

/* ---- status.c ---- */

/* Tell the pod's users it does not fit: PodScheduled=False/Unschedulable
 * with msg (and status.nominatedNodeName when nominated; "" clears it), a
 * Warning Event FailedScheduling. */
void fw_report_unschedulable(cs_mod *m, const cs_object *pod, const char *msg,
			     const char *nominated);
/* Normal Event "Scheduled". */
void fw_report_scheduled(cs_mod *m, const cs_object *pod, const char *node);
/* A reference to the pod usable as an Event's subject (owned). */
cs_object *fw_pod_ref(const cs_host *h, const cs_object *pod);

#endif
