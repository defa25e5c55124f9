/* ctrl-replicaset: shared state and the pieces the files share. */
#ifndef RS_H
#define RS_H

#include <capstan/controller.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "ctrlkit.h"

/* Kubernetes' burstReplicas: at most this many creates or deletes per
 * reconcile, so one huge scale-up cannot monopolise the API. */
#define RS_BURST 500

/* ---- deletion order (pods.c) ---- */

/* A pod in the deletion ranking: rank is the number of the ReplicaSet's
 * active pods on its node (doubled-up pods go first). */
typedef struct rs_victim {
	const cs_object *pod;
	int rank;
} rs_victim;

/* Sort so that the pods Kubernetes prefers to delete come first. */
void rs_rank_for_deletion(const cs_host *h, rs_victim *v, size_t n);

/* ---- the module (replicaset.c) ---- */
typedef struct rs_ctrl {
	cs_informer *pods; /* ours: its handlers feed the expectations */
	ck_expect *expect;
	cs_metric *created, *deleted;
} rs_ctrl;

static inline rs_ctrl *rs_of(cs_mod *m)
{
	return m->host->data(m);
}

/* ---- writes (manage.c) ---- */

/* What reconcile found for one ReplicaSet. */
typedef struct rs_view {
	const cs_object *rs; /* the cached ReplicaSet */
	const char *key, *ns, *name, *uid;
	const cs_object **owned; /* active, controlled by rs, matching */
	size_t nowned, capowned;
	const cs_object **orphans; /* active, no controller, matching */
	size_t norphans, caporphans;
	const cs_object **strays; /* controlled by rs, no longer matching */
	size_t nstrays, capstrays;
} rs_view;

/* Adopt the orphans (moved into owned on success) and release the strays.
 * Returns 0 or CS_RETRY. */
int rs_claim(cs_mod *m, rs_view *v);
/* Create or delete pods towards spec.replicas.  Returns 0 or CS_RETRY, and
 * on failure fills *why (the reason for the ReplicaFailure condition:
 * "FailedCreate" or "FailedDelete") and msg. */
int rs_manage(cs_mod *m, rs_view *v, const char **why, char *msg, size_t msglen);
/* Write status from the owned pods when it changed.  fail_reason/fail_msg:
 * the ReplicaFailure condition to set, or NULL to clear it.  Returns
 * CS_DONE, CS_RETRY, or milliseconds until a pod becomes available. */
int rs_update_status(cs_mod *m, rs_view *v, const char *fail_reason, const char *fail_msg);

/* An apiVersion/kind/metadata reference to the ReplicaSet for Events and
 * owner references (cached list items may lack apiVersion and kind). */
cs_object *rs_event_ref(const cs_host *h, const rs_view *v);

#endif
