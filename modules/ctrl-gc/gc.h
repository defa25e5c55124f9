/* ctrl-gc: shared state of the garbage collector.
 *
 * The module thread keeps the graph (graph.c) from the informers' events
 * and queues work; worker threads (attempt.c) decide from a snapshot of a
 * node and the live objects, and write through the API.  The graph is
 * shared under gc->mu. */
#ifndef GC_H
#define GC_H

#include <capstan/controller.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* ---- kinds (kinds.c): the kinds an ownerReference may name, as the API's
 * discovery lists them ---- */
typedef struct gc_kind {
	const char *group;    /* "" for the core group */
	const char *version;  /* the version objects are read and written in */
	const char *kind;     /* "ReplicaSet" */
	const char *resource; /* as cs_request spells it: "replicasets.apps" */
	bool namespaced;
} gc_kind;

/* Read them from the API (start); -1 after logging why. */
int gc_kinds_load(cs_mod *m);
void gc_kinds_free(void);
/* By resource ("replicasets.apps", "pods"), or NULL. */
const gc_kind *gc_kind_by_resource(const char *resource);
/* By an ownerReference's apiVersion and kind (any version of the group),
 * or NULL when the kind is not one the API serves. */
const gc_kind *gc_kind_by_ref(const char *api_version, const char *kind);
/* "apps/v1" or "v1" into buf. */
const char *gc_kind_api_version(const gc_kind *k, char *buf, size_t n);

/* ---- the graph (graph.c) ---- */

/* An ownerReference as the graph keeps it. */
typedef struct gc_ref {
	char *uid, *api_version, *kind, *name;
	bool block; /* blockOwnerDeletion */
} gc_ref;

/* One object by uid: observed in an informer, or only named as an owner
 * ("virtual", kind NULL) until it is. */
typedef struct gc_node {
	char *uid;
	bool observed;
	const gc_kind *kind;
	char *ns, *name; /* ns NULL for cluster-scoped objects */
	bool deleting;   /* metadata.deletionTimestamp */
	bool fg;         /* the foregroundDeletion finalizer */
	bool orphan;     /* the orphan finalizer */
	gc_ref *owners;  /* the object's ownerReferences */
	size_t nowners;
	struct gc_node **deps; /* objects whose ownerReferences name this uid */
	size_t ndeps, capdeps;
	struct gc_node *next; /* hash chain */
} gc_node;

typedef struct gc_graph {
	gc_node **buckets;
	size_t nbuckets, len;
} gc_graph;

int gc_graph_init(gc_graph *g);
void gc_graph_free(gc_graph *g);
gc_node *gc_graph_find(gc_graph *g, const char *uid);
/* Adds an unobserved node for uid if there is none; NULL when out of
 * memory. */
gc_node *gc_graph_ensure(gc_graph *g, const char *uid);
/* Removes and frees n when nothing keeps it: unobserved, no dependents. */
void gc_graph_release(gc_graph *g, gc_node *n);
int gc_node_attach(gc_node *owner, gc_node *dep);
void gc_node_detach(gc_node *owner, gc_node *dep);
/* The reference of dep to owner uid, or NULL. */
const gc_ref *gc_node_ref_to(const gc_node *dep, const char *uid);
void gc_refs_free(gc_ref *refs, size_t n);

/* ---- what a worker needs of a node, copied under the lock ---- */
typedef struct gc_dep {
	char *uid, *ns, *name;
	const gc_kind *kind;
	bool block; /* its reference to the owner blocks the owner's deletion */
	bool fg;    /* itself deleting its dependents */
} gc_dep;

typedef struct gc_item {
	char *uid, *ns, *name;
	const gc_kind *kind;
	gc_dep *deps;
	size_t ndeps;
} gc_item;

/* ---- the module (gc.c) ---- */
typedef struct gc_ctrl {
	unsigned resync;    /* informers' resync period (option resync-seconds) */
	pthread_mutex_t mu; /* the graph */
	gc_graph graph;
	cs_informer **infs; /* one per monitored resource */
	size_t ninfs;
	cs_queue *to_delete, *to_orphan; /* keys: uids */
	cs_metric *m_deleted, *m_unowned, *m_nodes;
} gc_ctrl;

static inline gc_ctrl *gc_of(cs_mod *m)
{
	return m->host->data(m);
}

/* Every informer has delivered its first list. */
bool gc_synced(cs_mod *m);
/* Copy the observed node uid (and its dependents) for a worker; false when
 * the graph has no observed node of that uid. */
bool gc_snapshot(cs_mod *m, const char *uid, gc_item *it);
void gc_item_free(gc_item *it);

/* ---- the workers (attempt.c) ---- */
int gc_attempt_delete(cs_mod *m, void *arg, const char *uid);
int gc_attempt_orphan(cs_mod *m, void *arg, const char *uid);

#endif
