/* ctrl-daemonset: shared state and the pieces the files share. */
#ifndef DS_H
#define DS_H

#include <capstan/controller.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "ctrlkit.h"

#define PRIMARY "daemonsets.apps"
#define REVS    "controllerrevisions.apps"

/* Kubernetes' BurstReplicas of the DaemonSet controller: at most this many
 * creates or deletes per sync. */
#define DS_BURST 250

/* Labels and annotations Kubernetes puts on daemon pods and revisions. */
#define DS_HASH_LABEL          "controller-revision-hash"
#define DS_GEN_LABEL           "pod-template-generation"
#define DS_GEN_ANNOTATION_PATH "metadata.annotations.deprecated\\.daemonset\\.template\\.generation"

/* ---- failed-pod backoff (backoff.c), client-go's flowcontrol.Backoff
 * keyed by DaemonSet and node: 1 s doubling to 15 min. ---- */
typedef struct ds_backoff ds_backoff;

ds_backoff *ds_backoff_new(void);
void ds_backoff_free(ds_backoff *b);
/* True when the last step for key is younger than its delay; *left_ms is
 * then the time left. */
bool ds_backoff_active(ds_backoff *b, const char *key, uint32_t *left_ms);
/* Take a step: the next delay for key starts now. */
void ds_backoff_next(ds_backoff *b, const char *key);

/* ---- pods (pods.c) ---- */
/* The node a daemon pod is for: spec.nodeName, else the name of our
 * matchFields term; NULL when neither. */
const char *ds_pod_node(const cs_host *h, const cs_object *pod);
/* Order of the pods on one node: bound, oldest, by name first. */
int ds_pod_cmp(const cs_host *h, const cs_object *a, const cs_object *b);
/* Kubernetes' IsPodUpdated: the pod carries the current hash, or the
 * template generation (generation < 0: none). */
bool ds_pod_updated(const cs_host *h, const cs_object *pod, const char *hash, int64_t generation);

/* ---- nodes (nodes.c) ---- */

/* Kubernetes' NodeShouldRunDaemonPod: *run when a new daemon pod belongs
 * on node; *cont when an existing one may stay (it tolerates the node's
 * NoExecute taints). */
void ds_node_should_run(const cs_host *h, const cs_object *ds, const cs_object *node, bool *run,
			bool *cont);
/* Add the tolerations Kubernetes gives every daemon pod to spec (an owned
 * pod spec).  Returns 0 or -1 (out of memory). */
int ds_add_tolerations(const cs_host *h, cs_object *spec);
/* Require node `node` through node affinity, replacing the required
 * terms, as Kubernetes' ReplaceDaemonSetPodNodeNameNodeAffinity. */
int ds_bind_affinity(const cs_host *h, cs_object *spec, const char *node);

/* ---- the module (daemonset.c) ---- */
typedef struct ds_ctrl {
	cs_informer *pods, *nodes, *revs;
	ck_expect *expect;
	ds_backoff *backoff;
	cs_metric *created, *deleted;
} ds_ctrl;

static inline ds_ctrl *ds_of(cs_mod *m)
{
	return m->host->data(m);
}

/* A growable list of object references (each one owned by the list). */
typedef struct ds_list {
	const cs_object **v;
	size_t n, cap;
} ds_list;

bool ds_list_push(ds_list *l, const cs_object *o); /* takes the reference */
void ds_list_free(const cs_host *h, ds_list *l);

/* The daemon pods on one node (or meant for one that does not exist). */
typedef struct ds_slot {
	const char *node;         /* borrowed from node or a pod */
	const cs_object *nodeobj; /* the cached Node, NULL when there is none */
	ds_list pods;             /* borrowed from the view's owned list */
	bool run, cont;           /* ds_node_should_run */
} ds_slot;

/* What reconcile found for one DaemonSet. */
typedef struct ds_view {
	const cs_object *ds;
	const char *key, *ns, *name, *uid;
	ds_list owned;   /* controlled by ds, matching */
	ds_list orphans; /* no controller, matching, not terminating */
	ds_list strays;  /* controlled by ds, no longer matching */
	ds_list nodes;   /* every cached Node */
	ds_slot *slots;
	size_t nslots;
	char hash[16];      /* the current revision's controller-revision-hash */
	int64_t generation; /* template generation annotation, -1 when absent */
	ds_list old_revs;   /* revisions other than the current one */
} ds_view;

/* ---- history (history.c) ---- */

/* Find or create the current ControllerRevision (fills v->hash and
 * v->old_revs).  Returns CS_DONE or CS_RETRY. */
int ds_history(cs_mod *m, ds_view *v);
/* Delete old revisions beyond revisionHistoryLimit that no pod uses. */
int ds_cleanup_history(cs_mod *m, ds_view *v);

/* ---- writes (manage.c) ---- */

/* Adopt orphans, release strays, as the ReplicaSet controller. */
int ds_claim(cs_mod *m, ds_view *v);
/* Group the owned pods by node into v->slots, with every cached node. */
int ds_group(cs_mod *m, ds_view *v);
/* One daemon pod per eligible node, none elsewhere; failed pods replaced.
 * *requeue_ms is lowered when a failed pod waits for its backoff. */
int ds_manage(cs_mod *m, ds_view *v, uint32_t *requeue_ms);
/* The RollingUpdate strategy: delete (or, with maxSurge, add) pods
 * towards the current revision within the budget. */
int ds_rolling_update(cs_mod *m, ds_view *v);
/* Create pods on nodes and delete pods by name, as syncNodes. */
int ds_sync_nodes(cs_mod *m, ds_view *v, const cs_object *const *del, size_t ndel,
		  const char *const *nodes, size_t nnodes);
/* apiVersion/kind/metadata of the DaemonSet for Events and references. */
cs_object *ds_event_ref(const cs_host *h, const ds_view *v);
/* Our controller reference: {apiVersion, kind, name, uid, controller,
 * blockOwnerDeletion}. */
cs_object *ds_owner_ref(const cs_host *h, const ds_view *v);
/* Adopt (add our controller reference) or release (remove it) obj of
 * resource with a merge patch conditional on its resourceVersion. */
int ds_patch_owners(cs_mod *m, const ds_view *v, const char *resource, const cs_object *obj,
		    bool adopt, const cs_object **out, cs_error *err);

/* ---- status (status.c) ---- */

/* Write status from the pods when it changed; observe: also advance
 * observedGeneration.  Returns CS_DONE, CS_RETRY or milliseconds until a
 * pod becomes available. */
int ds_update_status(cs_mod *m, ds_view *v, bool observe);

#endif
