/* ctrl-statefulset: shared state and the pieces the files share. */
#ifndef STS_H
#define STS_H

#include <capstan/controller.h>
#include <stdbool.h>
#include <stdint.h>

#include "ctrlkit.h"

#define PRIMARY "statefulsets.apps"

/* Labels Kubernetes puts on the pods of a StatefulSet and on revisions. */
#define LABEL_POD_NAME  "statefulset.kubernetes.io/pod-name"
#define LABEL_POD_INDEX "apps.kubernetes.io/pod-index"
#define LABEL_REVISION  "controller-revision-hash"
#define LABEL_HASH      "controller.kubernetes.io/hash"

/* ---- predicates and helpers (util.c; the common ones are ctrlkit's) ---- */

bool sts_running_ready(const cs_host *h, const cs_object *pod);
bool sts_terminating(const cs_host *h, const cs_object *pod);
/* Succeeded or Failed: a pod that will not run again. */
bool sts_finished(const cs_host *h, const cs_object *pod);
/* Running, ready and ready for min_ready seconds; when it will be later,
 * *until (if not NULL) is lowered to that time. */
bool sts_available(const cs_host *h, const cs_object *pod, int64_t min_ready, double now,
		   double *until);
/* Running and ready, and not terminating (Kubernetes' isHealthy). */
bool sts_healthy(const cs_host *h, const cs_object *pod);
/* Set metadata.labels[key] = val in an owned object. */
int sts_set_label(const cs_host *h, cs_object *obj, const char *key, const char *val);
/* The ordinal of a pod named <set>-<ordinal>, or -1 when the name is not
 * of that form (Kubernetes' getParentNameAndOrdinal). */
int sts_ordinal(const char *pod, const char *set);

/* ---- the module ---- */
typedef struct sts_ctrl {
	cs_informer *sets, *pods, *revs, *pvcs;
	cs_metric *created, *deleted;
} sts_ctrl;

static inline sts_ctrl *sts_of(cs_mod *m)
{
	return m->host->data(m);
}

/* What reconcile knows about one StatefulSet. */
typedef struct sts_view {
	const cs_object *set; /* the cached StatefulSet */
	const char *key, *ns, *name, *uid;
	cs_object *ref; /* apiVersion/kind/metadata for Events */
	/* Pods controlled by the set, named after it and selected by it,
	 * terminating ones included. */
	const cs_object **pods;
	size_t npods, cappods;
	/* Revisions controlled by the set, by ascending revision number. */
	const cs_object **revs;
	size_t nrevs, caprevs;
	/* References the view holds (obj_free'd with it). */
	const cs_object *cur_rev, *upd_rev;
	const char *cur_name, *upd_name; /* borrowed from the revisions */
	int64_t collisions;
	int64_t start; /* spec.ordinals.start */
} sts_view;

bool sts_push(const cs_object ***arr, size_t *n, size_t *cap, const cs_object *o);

/* ---- revisions (revision.c) ---- */

/* Find or create the update revision and find the current one
 * (Kubernetes' getStatefulSetRevisions).  0 or CS_RETRY. */
int sts_revisions(cs_mod *m, sts_view *v);
/* The pod template a revision records (without the patch directive):
 * owned, NULL when out of memory or the revision has none. */
cs_object *sts_rev_template(const cs_host *h, const cs_object *rev);
/* Delete the revisions beyond revisionHistoryLimit that neither the
 * status nor a pod uses.  0 or CS_RETRY. */
int sts_truncate_history(cs_mod *m, sts_view *v);

/* ---- pods and claims of one ordinal (identity.c) ---- */

/* The pod of ordinal `ord` from template tmpl, labelled with revision. */
cs_object *sts_new_pod(const cs_host *h, const sts_view *v, const cs_object *tmpl, int ord,
		       const char *revision);
/* Name, labels and claim volumes are those of ordinal ord. */
bool sts_identity_matches(const cs_host *h, const sts_view *v, const cs_object *pod, int ord);
bool sts_storage_matches(const cs_host *h, const sts_view *v, const cs_object *pod, int ord);
/* Rewrite the identity and storage of an existing pod (an update).  0, or
 * CS_RETRY after logging and recording why. */
int sts_fix_pod(cs_mod *m, sts_view *v, const cs_object *pod, int ord);
/* Create the claims of ordinal ord that do not exist.  0, or CS_RETRY
 * (the pod must then not be created). */
int sts_create_claims(cs_mod *m, sts_view *v, const char *pod, int ord);
/* A claim of the ordinal still belongs to a previous pod of that name
 * (whenScaled: Delete): wait for the garbage collector. */
bool sts_claim_stale(cs_mod *m, sts_view *v, int ord);
/* Give the claims of pod the owner references the retention policy asks
 * for.  0 or CS_RETRY. */
int sts_claims_retention(cs_mod *m, sts_view *v, const cs_object *pod, int ord);

/* ---- the sync (control.c) ---- */

/* Pods towards the spec, rolling update, status.  Returns CS_DONE,
 * CS_RETRY or milliseconds to look again after. */
int sts_update(cs_mod *m, sts_view *v);

/* Events as Kubernetes' StatefulPodControl words them. */
void sts_pod_event(cs_mod *m, sts_view *v, const char *verb, const char *pod, const char *err);

#endif
